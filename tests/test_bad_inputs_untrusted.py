"""
Hostile input, round two (issue 24), continued: model and configuration files as
untrusted input, garbage frames typed with certainty, a night of only biases, odd
file names in the captions, and ``-j`` beyond the cores.

Each kind of bad input is a test asserting its outcome: one line naming the file and
the reason, the exit status, and the rest of the work done. The bad files are made by
the tests (nothing large is committed).
"""
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from helpers import run_command
from pypeit_spit.errors import ConfigError, ModelError


def error_lines(text):
    return [line for line in text.splitlines() if 'ERROR' in line]


# ------------------------------------------------------------------ configuration files

@pytest.mark.parametrize('text,key,reason', [
    ('[default]\nrules_error = nan\n', 'rules_error', 'not a finite number'),
    ('[default]\nexptime_mismatch = nan\n', 'exptime_mismatch', 'not a finite number'),
    ('[default]\noverride = nan\n', 'override', 'not a finite number'),
    ('[default]\nthreshold = NaN\n', 'threshold', 'not a finite number'),
    ('[shane_kast_blue]\nstd_radius = inf\n', 'std_radius', 'too big'),
    ('[default]\nstd_radius = nan\n', 'std_radius', 'not a finite number'),
    ('[default]\nbatch_size = 100000000\n', 'batch_size', 'too big'),
    ('[default]\nmax_pixels = 100000000000\n', 'max_pixels', 'too big'),
    # configobj's interpolation is off: a loop or a missing key is plain text, which
    # the spec then refuses as the number it is not
    ('[default]\na = %(b)s\nb = %(a)s\nrules_error = %(a)s\n', 'rules_error', 'wrong type'),
    ('[default]\nrules_error = %(missing)s\n', 'rules_error', 'wrong type'),
    ('[default]\nrules_error = ${missing}\n', 'rules_error', 'wrong type'),
])
def test_config_values_untrusted(tmp_path, text, key, reason):
    from pypeit_spit.integration.config import read_config_file
    path = tmp_path / 'bad.cfg'
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        read_config_file(path)
    message = str(err.value)
    assert '\n' not in message and str(path) in message and key in message
    assert reason in message, message


def test_config_interpolation_is_text(tmp_path):
    """A model path with "%(...)s" or "$" in it is read as written."""
    from pypeit_spit.integration.config import read_config_file
    path = tmp_path / 'odd.cfg'
    path.write_text('[default]\nmodel = /models/%(loop)s/$HOME/m.onnx\n')
    assert read_config_file(path)['default']['model'] == '/models/%(loop)s/$HOME/m.onnx'


def test_config_file_size_capped(tmp_path):
    """A huge file is refused after reading at most the cap (a sparse 1 GB file here)."""
    from pypeit_spit.integration.config import MAX_CONFIG_BYTES, read_config_file
    path = tmp_path / 'huge.cfg'
    with open(path, 'wb') as f:
        f.write(b'[default]\n# ')
        f.truncate(2**30)
    with pytest.raises(ConfigError, match=f'{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB'):
        read_config_file(path)


@pytest.fixture
def one_frame(kastframes, tmp_path):
    folder = tmp_path / 'raw'
    folder.mkdir()
    shutil.copy(kastframes / 'b14.fits.gz', folder / 'b14.fits.gz')
    return folder


@pytest.mark.parametrize('where', ['option', 'home'])
def test_setup_config_interpolation_loop_one_line(one_frame, tmp_path, where):
    """An interpolation loop (given, or in ~/.config) and a nan: one line naming the file
    and the keys, exit 2, no output folder made."""
    text = '[default]\nrules_error = nan\n[shane_kast_blue]\nmodel = %(model)s\n' \
           'std_radius = %(std_radius)s\n'
    env, extra = {}, []
    if where == 'home':
        home = tmp_path / 'home'
        path = home / '.config' / 'pypeit_spit' / 'spit.cfg'
        path.parent.mkdir(parents=True)
        env['HOME'] = str(home)
    else:
        path = tmp_path / 'loop.cfg'
        extra = ['--spit-config', path]
    path.write_text(text)
    out = tmp_path / 'out'
    proc = run_command('pypeit_spit_setup', '-r', one_frame, '-s', 'shane_kast_blue', '-c',
                       'all', '-d', out, *extra, env=env, timeout=120)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text[-3000:]
    assert 'Traceback' not in text
    errors = error_lines(text)
    assert len(errors) == 1, text[-3000:]
    assert str(path) in errors[0] and 'rules_error' in errors[0] and 'std_radius' in errors[0]
    assert not out.exists()


# ------------------------------------------------------------------ garbage typed with certainty

def _garbage_frames(folder, kastframes):
    """Garbage pixels under a real Kast bias's header (valid headers: the rules type
    them bias): uniform noise, random bits (16-bit and float), a constant, NaN, inf."""
    folder.mkdir(exist_ok=True)
    with fits.open(kastframes / 'b14.fits.gz') as hdul:
        header, shape = hdul[0].header.copy(), hdul[0].data.shape
    for key in ('BZERO', 'BSCALE'):
        header.remove(key, ignore_missing=True)
    rng = np.random.default_rng(24)
    data = {'noise_uniform.fits': rng.integers(0, 65536, shape).astype(np.uint16),
            'noise_gauss.fits': np.clip(rng.normal(30000, 10000, shape), 0,
                                        65535).astype(np.uint16),
            'bits_int16.fits': np.frombuffer(rng.bytes(shape[0] * shape[1] * 2),
                                             '>i2').reshape(shape),
            'bits_float32.fits': np.frombuffer(rng.bytes(shape[0] * shape[1] * 4),
                                               '>f4').reshape(shape),
            'constant.fits': np.full(shape, 1000, np.uint16),
            'nan.fits': np.full(shape, np.nan, np.float32),
            'inf.fits': np.full(shape, np.inf, np.float32)}
    for name, pixels in data.items():
        fits.PrimaryHDU(pixels, header=header).writeto(folder / name)
    return sorted(data)


def test_quality_flag_noise_no_detector_gives():
    """White noise far above any detector's is flagged; a real bias's (a few ADU) and a
    bright flat's shot noise (sqrt(50000) ADU) are not."""
    from pypeit_spit.preprocess.quality import NOISE_LIMIT, quality_flag
    rng = np.random.default_rng(7)
    assert quality_flag(rng.normal(1000.0, 5.0, (200, 300))) == ''
    flat = rng.poisson(np.linspace(20000, 50000, 300)[None, :] * np.ones((200, 1)))
    assert quality_flag(flat.astype(float)) == ''
    uniform = rng.uniform(0, 65535, (200, 300))
    assert 'pixel-to-pixel noise' in quality_flag(uniform)
    assert 'pixel-to-pixel noise' in quality_flag(rng.normal(1000.0, 2 * NOISE_LIMIT,
                                                             (200, 300)))
    bits = np.frombuffer(rng.bytes(200 * 300 * 4), np.float32).reshape(200, 300)
    bits = np.where(np.isfinite(bits), bits, 0.0)
    assert 'pixel-to-pixel noise' in quality_flag(bits)


def test_classify_garbage_flagged_not_typed(kastframes, tmp_path):
    """Noise and random bits are no longer a bias (or standard) at p = 1: each flagged
    with its reason, with and without the spectrograph; the bias still a bias."""
    folder = tmp_path / 'garbage'
    names = _garbage_frames(folder, kastframes)
    shutil.copy(kastframes / 'b16.fits.gz', folder / 'b16.fits.gz')
    for extra in ([], ['-s', 'shane_kast_blue']):
        proc = run_command('pypeit_spit_classify', folder, *extra, '--no-progress',
                           timeout=300)
        assert 'Traceback' not in proc.stderr, proc.stderr[-3000:]
        # every frame read and typed or flagged (all NaN / inf: no data, flagged too)
        assert proc.returncode == 0, proc.stderr[-3000:]
        rows = {line.split()[0]: line for line in proc.stdout.splitlines() if line.strip()}
        for name in names:
            assert rows[name].split()[1] == 'unknown', rows[name]
            assert 'no calibration' in rows[name]
        assert 'no calibration' not in rows['b16.fits.gz']
        if extra:   # (the generic loader's bias is below the model's cut: unknown)
            assert rows['b16.fits.gz'].split()[1] == 'bias'


def test_setup_garbage_flagged_never_typed(kastframes, tmp_path):
    """In setup the garbage frames (valid headers: the rules say bias) are written
    untyped and flagged, never bias; the night's frames typed."""
    folder = tmp_path / 'raw'
    names = _garbage_frames(folder, kastframes)
    for name in ('b1.fits.gz', 'b14.fits.gz', 'b27.fits.gz'):
        shutil.copy(kastframes / name, folder / name)
    out = tmp_path / 'out'
    proc = run_command('pypeit_spit_setup', '-r', folder, '-s', 'shane_kast_blue', '-c',
                       'all', '-d', out, '--log_file', 'None', timeout=300)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0 and 'Traceback' not in text, text[-3000:]
    rows = {}
    for pfile in out.rglob('*.pypeit'):
        lines = pfile.read_text().split('data read')[1].split('data end')[0].splitlines()
        header = [c.strip() for c in lines[2].split('|')]
        for line in lines[3:]:
            cells = [c.strip() for c in line.split('|')]
            rows[cells[0].lstrip('# ').strip()] = dict(zip(header, cells))
    for name in names:   # all NaN / inf too: read, no data, flagged (issue 24)
        assert rows[name]['frametype'] in ('None', ''), rows[name]
        assert rows[name]['spit_src'] == 'flagged', rows[name]
    assert rows['b14.fits.gz']['frametype'] == 'bias'
    assert rows['b1.fits.gz']['frametype'] == 'arc,tilt'
    # one line on stdout naming each, with its reason
    for name in names:
        assert any(line.strip().startswith(f'{name}: flagged') and 'no calibration' in line
                   for line in proc.stdout.splitlines()), (name, proc.stdout)


# ------------------------------------------------------------------ model files

def _bundled_metadata():
    from pypeit_spit.model.runtime import METADATA_KEY
    from pypeit_spit.model.store import resolve_model
    onnx = pytest.importorskip('onnx')
    model = onnx.load(str(resolve_model()))
    return next(p.value for p in model.metadata_props if p.key == METADATA_KEY)


def _graph_model(path, nodes, inputs, outputs, metadata=None, initializers=(),
                 opsets=(('', 17),)):
    """A small ONNX model file with the bundled model's metadata (or ``metadata``)."""
    onnx = pytest.importorskip('onnx')
    from onnx import TensorProto, helper
    from pypeit_spit.model.runtime import METADATA_KEY
    graph = helper.make_graph(
        nodes, 'g', [helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
                     for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs],
        initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v)
                                                    for d, v in opsets])
    model.ir_version = 8
    helper.set_model_props(model, {METADATA_KEY: metadata if metadata is not None
                                   else _bundled_metadata()})
    onnx.save(model, str(path))
    return path


def _plain(path, image_shape=('batch', 210, 650, 1), stats_shape=('batch', 5),
           out_shape=('batch', 5), metadata=None):
    """image, stats -> a softmax of 5 numbers: operators allowed, shapes as given."""
    from onnx import helper
    nodes = [helper.make_node('GlobalAveragePool', ['image'], ['pooled']),
             helper.make_node('Flatten', ['pooled'], ['flat']),
             helper.make_node('Concat', ['flat', 'stats', 'stats'], ['c'], axis=1),
             helper.make_node('Slice', ['c', 'starts', 'ends', 'axes'], ['s']),
             helper.make_node('Softmax', ['s'], ['probs'], axis=1)]
    from onnx import numpy_helper
    consts = [numpy_helper.from_array(np.array([v], np.int64), n)
              for n, v in (('starts', 0), ('ends', 5), ('axes', 1))]
    return _graph_model(path, nodes, [('image', image_shape), ('stats', stats_shape)],
                        [('probs', out_shape)], metadata=metadata, initializers=consts)


def _endless_loop(path):
    from onnx import TensorProto, helper
    body = helper.make_graph(
        [helper.make_node('Identity', ['cond_in'], ['cond_out']),
         helper.make_node('Identity', ['x_in'], ['x_out'])], 'body',
        [helper.make_tensor_value_info('i', TensorProto.INT64, []),
         helper.make_tensor_value_info('cond_in', TensorProto.BOOL, []),
         helper.make_tensor_value_info('x_in', TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info('cond_out', TensorProto.BOOL, []),
         helper.make_tensor_value_info('x_out', TensorProto.FLOAT, None)])
    nodes = [helper.make_node('Constant', [], ['cond'],
                              value=helper.make_tensor('c', TensorProto.BOOL, [], [True])),
             helper.make_node('Loop', ['', 'cond', 'stats'], ['probs'], body=body)]
    return _graph_model(path, nodes, [('image', ('batch', 210, 650, 1)),
                                      ('stats', ('batch', 5))], [('probs', ('batch', 5))])


def _custom_op(path):
    from onnx import helper
    nodes = [helper.make_node('Softmax', ['stats'], ['probs'], axis=1),
             helper.make_node('Evil', ['image'], ['unused'], domain='com.example')]
    return _graph_model(path, nodes, [('image', ('batch', 210, 650, 1)),
                                      ('stats', ('batch', 5))], [('probs', ('batch', 5))],
                        opsets=(('', 17), ('com.example', 1)))


def _nested(depth):
    return '[' * depth + ']' * depth


@pytest.mark.parametrize('make,reason', [
    (_endless_loop, 'operators not allowed in a model: Loop'),
    (_custom_op, 'com.example.Evil'),
    (lambda p: _plain(p, image_shape=('batch', 'rows', 650, 1)),
     "input image has shape ['batch', 'rows', 650, 1]: not fixed but for the batch"),
    (lambda p: _plain(p, image_shape=None), 'input image has shape'),
    (lambda p: _plain(p, image_shape=('batch', 210, 650)), 'not of rank 4'),
    (lambda p: _plain(p, stats_shape=(1, 5)), 'input stats has a fixed batch size 1'),
    (lambda p: _plain(p, out_shape=('batch',)), 'output probabilities has shape []'),
    (lambda p: _plain(p, metadata='{"a": ' + _nested(100000) + '}'), 'nested 100001 deep'),
    (lambda p: _plain(p, metadata=' ' * (5 * 2**20)), 'metadata is larger than 4 MiB'),
])
def test_model_file_untrusted_refused(tmp_path, make, reason):
    """Crafted graphs: one ModelError naming the file and the reason (no TypeError,
    IndexError, RecursionError, no hang)."""
    from pypeit_spit.model.store import load_model
    path = make(tmp_path / 'crafted.onnx')
    with pytest.raises(ModelError) as err:
        load_model(path)
    message = str(err.value)
    assert message.startswith(f'{path}: ') and '\n' not in message
    assert reason in message, message


def test_model_plain_graph_accepted(tmp_path):
    """The crafted graphs' honest twin loads (the refusals above are for their defect)."""
    from pypeit_spit.model.store import load_model
    model = load_model(_plain(tmp_path / 'plain.onnx'))
    assert model.predict(np.zeros((2, 210, 650), np.uint8),
                         np.zeros((2, 5), np.float32)).shape == (2, 5)


def test_keras_metadata_bomb_refused_from_declared_size(tmp_path):
    """A .keras whose metadata member expands to 64 MiB (64 kB on disk) is refused
    from its declared size, before Keras is imported and before decompression."""
    from pypeit_spit.model.spit_model import METADATA_NAME
    from pypeit_spit.model.store import load_model, read_metadata
    path = tmp_path / 'bomb.keras'
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(METADATA_NAME, b' ' * (64 * 2**20))
    assert path.stat().st_size < 2**20
    for read in (load_model, read_metadata):
        with pytest.raises(ModelError, match=f'{path}: its {METADATA_NAME} declares 64 MiB'):
            read(path)
    deep = tmp_path / 'deep.keras'
    with zipfile.ZipFile(deep, 'w') as zf:
        zf.writestr(METADATA_NAME, _nested(50000))
    with pytest.raises(ModelError, match='nested 50000 deep'):
        read_metadata(deep)


def test_classify_crafted_model_one_line(kastframes, tmp_path):
    """As installed commands: a graph with an endless Loop given to classify and to
    setup: one line naming the file and the reason, exit 2, at once (no hang)."""
    model = _endless_loop(tmp_path / 'loop.onnx')
    frame = tmp_path / 'raw'
    frame.mkdir()
    shutil.copy(kastframes / 'b14.fits.gz', frame)
    for command, args in (('pypeit_spit_classify', [frame, '--no-progress']),
                          ('pypeit_spit_setup', ['-r', frame, '-s', 'shane_kast_blue', '-c',
                                                 'all', '-d', tmp_path / 'out', '--log_file',
                                                 'None'])):
        proc = run_command(command, *args, '--spit-model', model, timeout=120)
        text = proc.stdout + proc.stderr
        assert proc.returncode == 2, text[-3000:]
        assert 'Traceback' not in text
        errors = error_lines(text)
        assert len(errors) == 1 and f'{model}: refused as a model' in errors[0], text[-2000:]
        assert 'Loop' in errors[0]


def _slow_graph(path, n_matmul):
    """An allowed graph that runs long: image (210 x 650) times a 650 x 650 matrix,
    ``n_matmul`` times over (one initializer: a small file), then pooled to 5 softmax
    numbers; every operator on the allow-list, every shape as the contract says."""
    from onnx import helper, numpy_helper
    consts = [numpy_helper.from_array(np.full((650, 650), 1e-3, np.float32), 'w'),
              numpy_helper.from_array(np.array([-1, 210, 650], np.int64), 'rows'),
              numpy_helper.from_array(np.array([-1, 1, 210, 650], np.int64), 'planes')]
    consts += [numpy_helper.from_array(np.array([v], np.int64), n)
               for n, v in (('starts', 0), ('ends', 5), ('axes', 1))]
    nodes = [helper.make_node('Reshape', ['image', 'rows'], ['x0'])]
    nodes += [helper.make_node('MatMul', [f'x{k}', 'w'], [f'x{k + 1}']) for k in range(n_matmul)]
    nodes += [helper.make_node('Reshape', [f'x{n_matmul}', 'planes'], ['y']),
              helper.make_node('GlobalAveragePool', ['y'], ['pooled']),
              helper.make_node('Flatten', ['pooled'], ['flat']),
              helper.make_node('Concat', ['flat', 'stats'], ['c'], axis=1),
              helper.make_node('Slice', ['c', 'starts', 'ends', 'axes'], ['s']),
              helper.make_node('Softmax', ['s'], ['probs'], axis=1)]
    return _graph_model(path, nodes, [('image', ('batch', 210, 650, 1)), ('stats', ('batch', 5))],
                        [('probs', ('batch', 5))], initializers=consts)


def test_model_first_run_budget(tmp_path):
    """A model's first run has a wall-clock budget (the spec's model_budget): an allowed
    graph of 1000 large MatMuls (about 3 s for one frame here) is stopped at a 0.2 s
    budget and refused with one line; within a budget it loads and runs."""
    import time

    from pypeit_spit.defaults import DEFAULTS
    from pypeit_spit.model.store import load_model
    assert DEFAULTS.model_budget == 30.0
    path = _slow_graph(tmp_path / 'slow.onnx', 1000)
    assert path.stat().st_size < 2 * 2**20
    start = time.monotonic()
    with pytest.raises(ModelError, match=f'^{path}: its first run \\(one blank frame\\) took '
                                         'longer than 0.2 s \\(model_budget\\): refused$'):
        load_model(path, model_budget=0.2)
    assert time.monotonic() - start < DEFAULTS.model_budget
    quick = _slow_graph(tmp_path / 'quick.onnx', 2)
    model = load_model(quick, model_budget=5.0)
    assert model.predict(np.zeros((1, 210, 650), np.uint8), np.zeros((1, 5), np.float32)).shape \
        == (1, 5)


def test_setup_slow_model_refused_one_line(kastframes, tmp_path):
    """As the installed command: setup with the slow graph and a configuration file
    whose model_budget is 0.2 s: one line naming the model and the budget, exit 2, no
    output folder made."""
    model = _slow_graph(tmp_path / 'slow.onnx', 1000)
    raw = tmp_path / 'raw'
    raw.mkdir()
    for name in ('b1.fits.gz', 'b14.fits.gz', 'b27.fits.gz'):
        shutil.copy(kastframes / name, raw)
    cfg = tmp_path / 'budget.cfg'
    cfg.write_text('[shane_kast_blue]\nmodel_budget = 0.2\n')
    out = tmp_path / 'out'
    proc = run_command('pypeit_spit_setup', '-r', raw, '-s', 'shane_kast_blue', '-c', 'all',
                       '-d', out, '--log_file', 'None', '--spit', '--spit-model', model,
                       '--spit-config', cfg, env={'HOME': str(tmp_path)}, timeout=120)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text[-3000:]
    assert 'Traceback' not in text
    errors = error_lines(text)
    assert len(errors) == 1, text[-3000:]
    assert f'{model}: its first run (one blank frame) took longer than 0.2 s (model_budget): ' \
           'refused' in errors[0]
    assert not out.exists()


# ------------------------------------------------------------------ a night of only biases

def _pypeit_rows(out):
    rows = {}
    for pfile in Path(out).rglob('*.pypeit'):
        lines = pfile.read_text().split('data read')[1].split('data end')[0].splitlines()
        header = [c.strip() for c in lines[2].split('|')]
        for line in lines[3:]:
            cells = [c.strip() for c in line.split('|')]
            rows[cells[0].lstrip('# ').strip()] = dict(zip(header, cells))
    return rows


@pytest.mark.parametrize('spectrograph,names', [
    ('keck_lris_blue', ['b150910_2036.fits.gz']),          # the reported night
    ('shane_kast_blue', ['b14.fits.gz', 'b15.fits.gz']),   # the rules say bias too
])
def test_setup_night_of_only_biases(realframes, tmp_path, spectrograph, names):
    """SPIT types every frame bias (configuration-independent): setup still succeeds,
    as pypeit_setup does with its rules' untyped frames, with the frames typed bias
    (PypeIt alone: "No frames to use to define configurations!")."""
    raw = tmp_path / 'raw'
    raw.mkdir()
    for name in names:
        shutil.copy(realframes / spectrograph / name, raw / name)
    out = tmp_path / 'out'
    proc = run_command('pypeit_spit_setup', '-r', raw, '-s', spectrograph, '-c', 'all',
                       '-d', out, '--spit', '--log_file', 'None', timeout=300)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0 and 'Traceback' not in text, text[-3000:]
    rows = _pypeit_rows(out)
    assert sorted(rows) == sorted(names)
    assert all(rows[n]['frametype'] == 'bias' and rows[n]['spit_type'] == 'bias'
               for n in names), rows


# ------------------------------------------------------------------ captions and -j

ODD_NAMES = ['a$x^{$.fits', 'b\udcff\udcfe.fits', 'tab\tand<b>&amp;.fits', 'a_{b}^c$$.fits']


def test_png_captions_odd_names(tmp_path):
    """Names with mathtext, bytes that are not UTF-8, control characters and HTML:
    the caption is drawn (was ValueError / TypeError in matplotlib's text layout)."""
    from pypeit_spit.report.png import caption_text, write_annotated_png
    image = np.zeros((210, 650), np.uint8)
    for k, name in enumerate(ODD_NAMES):
        write_annotated_png(image, tmp_path / f'{k}.png', name, 'bias', 0.9, 4, 'generic')
        assert (tmp_path / f'{k}.png').stat().st_size > 0
    assert caption_text('b\udcff.fits') == 'b\\xff.fits'
    assert caption_text('tab\tx') == 'tab\\tx'


def test_gallery_odd_names_escaped(kastframes, tmp_path):
    """As an installed command: a night whose file names hold HTML, '$' and bytes that
    are not UTF-8: the page and the contact sheet are written, every name escaped
    (no tag from a file name), exit 0."""
    night = tmp_path / 'night'
    night.mkdir()
    src = kastframes / 'b14.fits.gz'
    for name in ('<img src=x onerror=alert(1)>.fits.gz', 'a$x^{$.fits.gz'):
        shutil.copy(src, night / name)
    shutil.copy(src, os.fsencode(night) + b'/b\xff\xfe.fits.gz')
    out = tmp_path / 'gallery'
    proc = run_command('pypeit_spit_gallery', night, '-d', out, timeout=300)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0 and 'Traceback' not in text, text[-3000:]
    page = (out / 'index.html').read_bytes().decode('utf-8')
    assert '<img src=x' not in page and '&lt;img src=x onerror=alert(1)&gt;' in page
    assert 'a$x^{$.fits.gz' in page
    assert (out / 'contact_sheet.png').stat().st_size > 0


def test_classify_workers_capped_at_the_cores(kastframes, tmp_path):
    """-j 200: one note, the frames typed with as many reading processes as cores."""
    from pypeit_spit.scripts.common import available_cores
    folder = tmp_path / 'in'
    folder.mkdir()
    shutil.copy(kastframes / 'b14.fits.gz', folder)
    proc = run_command('pypeit_spit_classify', folder, '-j', '200', '--no-progress',
                       timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    notes = [line for line in (proc.stdout + proc.stderr).splitlines() if '-j 200' in line]
    assert len(notes) == 1 and f'capped at the {available_cores()} cores' in notes[0]
    assert 'b14.fits.gz' in proc.stdout
