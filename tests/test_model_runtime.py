"""
The light runtime (ONNX Runtime): the exported graph agrees with Keras, carries its
metadata, refuses graphs that do not fit, and typing never imports TensorFlow.
"""
import subprocess
import sys

import numpy as np
import pytest

from pypeit_spit.errors import ModelError
from pypeit_spit.model.inference import infer
from pypeit_spit.model.store import build_model, load_model, resolve_model, save_model
from pypeit_spit.preprocess.contract import IMAGE_SHAPE, STAT_NAMES


@pytest.fixture(scope='module')
def saved(tmp_path_factory):
    """An untrained compact model saved as .keras + .onnx."""
    path = tmp_path_factory.mktemp('model') / 'm.keras'
    model = build_model('compact')
    model.metadata.update(temperature=1.3, threshold=0.7)
    written = save_model(model, path)
    return path, written


def test_save_writes_both_files_with_the_same_metadata(saved):
    path, written = saved
    assert [p.suffix for p in written] == ['.keras', '.onnx']
    k, o = load_model(path), load_model(path.with_suffix('.onnx'))
    assert o.backend.kind == 'onnx' and k.backend.kind == 'keras'
    assert o.metadata == k.metadata and o.metadata['temperature'] == 1.3
    assert o.n_weights == k.n_weights == build_model('compact').n_weights


def _inputs(kastframes, n_random=12):
    from pypeit_spit.pipeline.prepare import prepare_frame
    from pypeit_spit.io.spectrograph import get_spectrograph
    spec = get_spectrograph('shane_kast_blue')
    files = sorted((kastframes).glob('b*.fits.gz'))[::4]
    preps = [prepare_frame(f, spectrograph=spec) for f in files]
    rng = np.random.default_rng(0)
    images = np.concatenate([np.stack([p.image for p in preps]),
                             rng.integers(0, 256, (n_random, *IMAGE_SHAPE), dtype=np.uint8)])
    stats = np.concatenate([np.stack([p.stats for p in preps]),
                            rng.normal(1, 1, (n_random, len(STAT_NAMES))).astype(np.float32)])
    return images, stats


@pytest.mark.parametrize('which', ['bundled', 'untrained'])
def test_graph_agrees_with_keras(kastframes, saved, which):
    """Real Kast frames and random images, each with its flips: within 1e-5."""
    if which == 'bundled':
        onnx_path = resolve_model()
        keras_path = onnx_path.with_suffix('.keras')
    else:
        keras_path = saved[0]
        onnx_path = keras_path.with_suffix('.onnx')
    assert onnx_path.suffix == '.onnx' and keras_path.is_file()
    images, stats = _inputs(kastframes)
    a = infer(load_model(onnx_path), images, stats)
    b = infer(load_model(keras_path), images, stats)
    assert np.max(np.abs(a.probs4 - b.probs4)) < 1e-5
    assert np.array_equal(a.decide(), b.decide())
    # ONNX Runtime: the answer does not depend on how frames are batched
    c = infer(load_model(onnx_path), images, stats, batch_size=1)
    assert np.array_equal(a.probs4, c.probs4)


def test_bundled_name_resolves_to_the_graph():
    assert resolve_model().suffix == '.onnx'


def _rewrite(src, dst, mutate):
    import onnx
    graph = onnx.load(str(src))
    mutate(graph)
    onnx.save(graph, str(dst))


def test_graphs_that_do_not_fit_are_refused(saved, tmp_path):
    src = saved[0].with_suffix('.onnx')

    def drop_metadata(g):
        del g.metadata_props[:]

    def fix_batch(g):
        g.graph.input[0].type.tensor_type.shape.dim[0].dim_value = 1

    def rename_input(g):
        old = g.graph.input[0].name
        g.graph.input[0].name = 'img'
        for node in g.graph.node:
            for i, name in enumerate(node.input):
                if name == old:
                    node.input[i] = 'img'

    def lie_about_stats(g):
        import json
        meta = next(p for p in g.metadata_props if p.key == 'spit_metadata')
        meta.value = json.dumps(dict(json.loads(meta.value), stats=[]))

    cases = {drop_metadata: 'not a pypeit-spit model', fix_batch: 'fixed batch size 1',
             rename_input: "inputs are \\['img', 'stats'\\]",
             lie_about_stats: 'it takes 5 statistics, the metadata names 0'}
    for mutate, message in cases.items():
        bad = tmp_path / f'{mutate.__name__}.onnx'
        _rewrite(src, bad, mutate)
        with pytest.raises(ModelError, match=f'{mutate.__name__}.onnx: .*{message}'):
            load_model(bad)
    text = tmp_path / 'text.onnx'
    text.write_text('not a graph')
    with pytest.raises(ModelError, match='text.onnx: not an ONNX model'):
        load_model(text)   # refused on the wire, before ONNX Runtime sees it


def test_typing_never_imports_tensorflow(kastframes):
    code = ('import sys; from pypeit_spit import classify_files; '
            f't = classify_files([{str(kastframes)!r}], '
            "spectrograph='shane_kast_blue'); "
            "assert len(t) == 12 and not any(v.error for v in t), t; "
            "print(sorted(m for m in ('tensorflow', 'keras', 'tf2onnx', 'onnx') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == '[]'


@pytest.mark.parametrize('asked', [None, '0'])
def test_onnx_runtime_telemetry_off_unless_asked_for(kastframes, tmp_path, monkeypatch,
                                                      asked):
    """Typing a frame writes nothing into a fresh HOME or the temporary folder: ONNX
    Runtime's telemetry (a device identifier under ~/.cache/Microsoft, a file in the
    temporary folder) is off, unless the user turned it on themselves."""
    import matplotlib

    from helpers import run_command
    home, temporary = tmp_path / 'home', tmp_path / 'tmp'
    home.mkdir()
    temporary.mkdir()
    env = {'HOME': str(home), 'TMPDIR': str(temporary),
           # matplotlib (imported by PypeIt) would write its font cache into HOME
           'MPLCONFIGDIR': matplotlib.get_cachedir()}
    if asked is not None:
        env['ORT_DISABLE_TELEMETRY'] = asked
    # this process may have set it (the runtime module did, if a model ran here)
    monkeypatch.delenv('ORT_DISABLE_TELEMETRY', raising=False)
    out = run_command('pypeit_spit_classify', kastframes / 'b1.fits.gz',
                      '--no-progress', cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    written = sorted(str(p.relative_to(tmp_path)) for p in (*home.rglob('*'),
                                                             *temporary.rglob('*')))
    if asked is None:
        assert written == []
    elif not written:
        pytest.skip('this ONNX Runtime writes no telemetry files (nothing to turn off)')
    else:   # the user's own choice is kept (and shows what the case above guards)
        assert 'home/.cache/Microsoft' in written
