"""
Hostile input, round two (issue 24): signals PypeIt swallows, outputs that cannot be
written, headers that lie about their size, compression bombs, special files, file
names that are not UTF-8, models and configuration files as untrusted input.

Each kind of bad input is a test asserting its outcome: one line naming the file and
the reason, the exit status, the other frames typed or rows kept, no process or
temporary file left behind, no hang (every subprocess has a timeout) and, where memory
is at stake, the peak memory of the command (``RUSAGE_CHILDREN`` of a fresh wrapper
process that runs only that command, so that no other test's subprocess counts).
"""
import errno
import hashlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from helpers import children, run_command, script_path
from pypeit_spit import stop
from pypeit_spit.scripts.spit_setup import SpitSetup

#: Five simulated Kast frames (tests/simframes.py): arc, bias, flat, standard, science.
NIGHT = ['b1.fits.gz', 'b14.fits.gz', 'b3.fits.gz', 'b24.fits.gz', 'b27.fits.gz']

#: Peak memory (resident) any single bad input may cost a command.
MEMORY_BOUND = 1.5 * 2**30


@pytest.fixture
def night(kastframes, tmp_path):
    """A copy of five simulated Kast frames."""
    folder = tmp_path / 'night'
    folder.mkdir()
    for name in NIGHT:
        shutil.copy(kastframes / name, folder / name)
    return folder


@pytest.fixture(autouse=True)
def no_signal_left():
    """A signal recorded in-process by one test is not seen by the next."""
    stop.reset()
    yield
    stop.reset()


def digest(folder):
    """Every file under ``folder`` (hidden ones included) and the hash of its bytes; the
    log files of setup (``pypeit_spit_setup_<time>.log``, new with every run) left out."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob('*')) if p.is_file() and p.suffix != '.log'}


def error_lines(text):
    return [line for line in text.splitlines() if 'ERROR' in line]


def setup_args(raw, out, *extra):
    return SpitSetup.parse_args(['-r', str(raw), '-s', 'shane_kast_blue', '-c', 'all',
                                 '-d', str(out), *map(str, extra)])


# ------------------------------------------------------------------ 1. signals PypeIt swallows

def _swallowing_headarr(monkeypatch, after):
    """PypeIt's ``get_headarr`` as it is (a bare ``except`` around the opening of each
    file), with SIGTERM arriving inside it on the ``after``-th file."""
    from pypeit.spectrographs.spectrograph import Spectrograph
    original = Spectrograph.get_headarr
    calls = []

    def get_headarr(self, inp, strict=True):
        calls.append(inp)
        if len(calls) == after:
            try:
                stop._handler(signal.SIGTERM, None)   # what the signal handler does
            except:   # noqa: E722  PypeIt's own bare except (spectrograph.py)
                return None
        return original(self, inp, strict=strict)
    monkeypatch.setattr(Spectrograph, 'get_headarr', get_headarr)
    return calls


def test_setup_sigterm_swallowed_by_pypeit_ends_143(night, tmp_path, monkeypatch, capsys):
    """A SIGTERM that PypeIt's bare except swallows still ends setup with 143; the
    older .pypeit files are left as they were, and nothing new is written."""
    out = tmp_path / 'out'
    assert SpitSetup.run(setup_args(night, out, '-v', '0')) == 0
    before = digest(out)
    assert any(name.endswith('.pypeit') for name in before)
    calls = _swallowing_headarr(monkeypatch, after=2)
    assert SpitSetup.run(setup_args(night, out, '-v', '0')) == 143
    assert len(calls) >= 2
    assert digest(out) == before                   # no file changed, no temporary left
    captured = capsys.readouterr()
    assert [line.split('-')[-1].strip() for line in error_lines(captured.out + captured.err)] \
        == ['terminated']


def test_retype_sigterm_swallowed_by_pypeit_rewrites_nothing(night, tmp_path, monkeypatch):
    from pypeit_spit.scripts.spit_retype import SpitRetype
    out = tmp_path / 'out'
    assert SpitSetup.run(setup_args(night, out, '-v', '0')) == 0
    pfile = next(out.rglob('*.pypeit'))
    text = pfile.read_text()
    pfile.write_text(text.replace('| auto |', '| rules |', 1))
    before = digest(out)
    _swallowing_headarr(monkeypatch, after=1)
    args = SpitRetype.parse_args([str(pfile), '-v', '0'])
    assert SpitRetype.run(args) == 143
    assert digest(out) == before


def _first_log_line(proc, deadline):
    """Wait until the command has logged a line (its signal handler is in place)."""
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line:
            return line
    raise AssertionError('no output')


@pytest.mark.parametrize('delay', [0.0, 0.7, 1.5])
def test_setup_command_terminated_leaves_older_outputs(night, tmp_path, delay):
    """``kill`` at any moment of setup: exit 143 (or death by the signal before the
    command started), the older files as they were, no temporary file, no process."""
    out = tmp_path / 'out'
    cwd = tmp_path / 'cwd'
    cwd.mkdir()
    argv = [script_path('pypeit_spit_setup'), '-r', str(night), '-s', 'shane_kast_blue',
            '-c', 'all', '-d', str(out)]
    subprocess.run(argv, capture_output=True, timeout=300, check=True, cwd=cwd)
    # the default log file is written beside the outputs, nothing into the working folder
    assert list(cwd.iterdir()) == []
    assert [p.name.startswith('pypeit_spit_setup_') for p in out.glob('*.log')] == [True]
    before = digest(out)
    # -v 1: PypeIt's progress on the console, so that the signal comes during the work
    proc = subprocess.Popen(argv + ['-v', '1'], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, cwd=cwd)
    try:
        _first_log_line(proc, time.time() + 120)
        time.sleep(delay)
        kids = children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    # 0 only if the setup was done before the signal came (then the files are new)
    assert proc.returncode in (143, 0), output[-3000:]
    assert 'Traceback' not in output
    if proc.returncode == 143:
        assert digest(out) == before
    assert not [p for p in out.rglob('*.tmp')] and list(cwd.iterdir()) == []
    time.sleep(0.2)
    assert not [k for k in kids if Path(f'/proc/{k}').exists()]


# ------------------------------------------------------------------ 2. outputs

@pytest.mark.parametrize('make,message', [
    (lambda t: (t / 'file').write_text('x') and t / 'file', 'not a folder; cannot write'),
    (lambda t: Path('/dev/null'), '/dev/null: not a folder'),
    (lambda t: t / ('x' * 300), 'cannot use it as the output folder (File name too long)'),
    (lambda t: t / 'file' / 'sub', 'cannot use it as the output folder (Not a directory)'),
])
def test_setup_output_folder_refused_before_the_work(night, tmp_path, make, message):
    (tmp_path / 'file').write_text('x')
    target = make(tmp_path)
    proc = run_command('pypeit_spit_setup', '-r', night, '-s', 'shane_kast_blue', '-c', 'all',
                       '-d', target, timeout=300)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text[-3000:]
    errors = error_lines(text)
    assert len(errors) == 1 and message in errors[0] and 'Traceback' not in text
    assert 'Typing files' not in text      # before the work
    assert (tmp_path / 'file').read_text() == 'x'


def test_setup_log_file_a_folder_refused_before_the_work(night, tmp_path):
    (tmp_path / 'logs').mkdir()
    proc = run_command('pypeit_spit_setup', '-r', night, '-s', 'shane_kast_blue', '-c', 'all',
                       '-d', tmp_path / 'out', '--log_file', tmp_path / 'logs', timeout=300)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text[-3000:]
    assert f'{tmp_path / "logs"}: is a folder' in text and 'Traceback' not in text
    assert not (tmp_path / 'out').exists() or not list((tmp_path / 'out').rglob('*.pypeit'))


def test_setup_full_disk_leaves_the_older_pypeit_file(night, tmp_path, monkeypatch, capsys):
    """ENOSPC while PypeIt writes the .pypeit file: one line naming the folder, exit 2,
    the older file as it was, no temporary file."""
    import io

    import pypeit.inputfiles
    out = tmp_path / 'out'
    assert SpitSetup.run(setup_args(night, out, '-v', '0')) == 0
    before = digest(out)

    class FullDisk(io.TextIOWrapper):
        def write(self, text):
            raise OSError(errno.ENOSPC, 'No space left on device')

    class FakeIO:
        TextIOWrapper = FullDisk
    monkeypatch.setattr(pypeit.inputfiles, 'io', FakeIO)
    assert SpitSetup.run(setup_args(night, out, '-v', '0')) == 2
    captured = capsys.readouterr()
    errors = error_lines(captured.out + captured.err)
    assert len(errors) == 1 and f'{out}: cannot write the setup files (No space left on ' \
        'device)' in errors[0]
    assert digest(out) == before


def test_setup_writes_its_files_through_a_temporary_file(night, tmp_path, monkeypatch):
    """No file of setup is ever opened for writing at its own name."""
    import builtins
    opened = []
    real_open = builtins.open

    def spy(file, mode='r', *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and set(mode) & set('wax+'):
            opened.append(Path(file).name)
        return real_open(file, mode, *args, **kwargs)
    monkeypatch.setattr(builtins, 'open', spy)
    out = tmp_path / 'out'
    assert SpitSetup.run(setup_args(night, out, '-v', '0')) == 0
    written = [n for n in opened if 'shane_kast_blue_A' in n]
    assert len(written) >= 2
    assert all(n.startswith('.shane_kast_blue_A.') and n.endswith('.tmp') for n in written)
    files = [p for p in out.rglob('*') if p.is_file() and p.suffix != '.log']
    assert sorted(p.name for p in files) == ['shane_kast_blue_A.calib', 'shane_kast_blue_A.pypeit']


def test_classify_log_file_a_folder_refused_before_the_work(tmp_path):
    (tmp_path / 'logs').mkdir()
    fits.writeto(tmp_path / 'a.fits', np.ones((50, 60), dtype=np.float32))
    proc = run_command('pypeit_spit_classify', tmp_path / 'a.fits', '--log_file',
                       tmp_path / 'logs', timeout=300)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2 and 'Traceback' not in text
    assert error_lines(text) and f'{tmp_path / "logs"}: is a folder' in error_lines(text)[0]
    assert 'a.fits' not in proc.stdout and list((tmp_path / 'logs').iterdir()) == []


# ---------------------------------------- 3. headers that lie, bombs, special files

def _header(cards):
    """A FITS header block written by hand (astropy refuses to write a lying one)."""
    text = b''.join(f'{k:<8}= {v:>20}'.ljust(80).encode() for k, v in cards)
    text += b'END'.ljust(80)
    return text.ljust(-(-len(text) // 2880) * 2880)


def make_hostile_files(folder):
    """The hostile frames (each small on disk), by name -> the reason expected."""
    folder.mkdir(exist_ok=True)
    prim = [('SIMPLE', 'T'), ('BITPIX', 8)]
    # a negative size: astropy seeks backwards and reads the same header for ever
    (folder / 'loop.fits').write_bytes(_header(prim + [('NAXIS', 2), ('NAXIS1', -2880),
                                                       ('NAXIS2', 1)]) + bytes(2880))
    (folder / 'loop_ext.fits').write_bytes(
        _header(prim + [('NAXIS', 0), ('EXTEND', 'T')])
        + _header([('XTENSION', "'IMAGE   '"), ('BITPIX', 8), ('NAXIS', 2),
                   ('NAXIS1', -2880), ('NAXIS2', 1), ('PCOUNT', 0), ('GCOUNT', 1)])
        + bytes(2880))
    (folder / 'negative.fits').write_bytes(_header([('SIMPLE', 'T'), ('BITPIX', 16),
                                                    ('NAXIS', 2), ('NAXIS1', -1000),
                                                    ('NAXIS2', 4000)]) + bytes(5 * 2880))
    # a gzip file whose header declares 3.6 GB (written in 0.1 s: nothing but the header)
    import gzip
    with gzip.open(folder / 'bomb.fits.gz', 'wb') as f:
        f.write(_header([('SIMPLE', 'T'), ('BITPIX', -32), ('NAXIS', 2), ('NAXIS1', 30000),
                         ('NAXIS2', 30000)]) + bytes(2**20))
    # 1,100 HDUs (astropy reads such a file for minutes; a raw frame has a few dozen)
    hdus = _header(prim + [('NAXIS', 0), ('EXTEND', 'T')])
    hdus += (_header([('XTENSION', "'IMAGE   '"), ('BITPIX', 8), ('NAXIS', 0),
                      ('PCOUNT', 0), ('GCOUNT', 1)]) * 1100)
    (folder / 'many_hdus.fits').write_bytes(hdus)
    os.mkfifo(folder / 'pipe.fits')
    return {'loop.fits': 'invalid header (HDU 0: NAXIS1 = -2880',
            'loop_ext.fits': 'invalid header (HDU 1: NAXIS1 = -2880',
            'negative.fits': 'invalid header (HDU 0: NAXIS1 = -1000',
            'bomb.fits.gz': 'gzip-compressed, its headers declare more than 2 GB of data '
                            '(not decompressed)',
            'many_hdus.fits': 'more than 1000 HDUs',
            'pipe.fits': 'not a regular file (a named pipe)'}


#: Runs a command and prints the peak resident memory of it and its processes.
_MEASURE = ('import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); '
            'print(f"PEAK_BYTES={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}",'
            ' file=sys.stderr); sys.exit(code)')


def run_measured(name, *args, timeout=600):
    """
    :func:`helpers.run_command` through a wrapper process: the completed process and the
    peak resident memory (bytes) of the command and the processes it waited for. The
    pytest process's own ``RUSAGE_CHILDREN`` would be the largest of every subprocess any
    earlier test ran (a training run's too).
    """
    import sys
    proc = subprocess.run([sys.executable, '-c', _MEASURE, script_path(name), *map(str, args)],
                          capture_output=True, text=True, errors='surrogateescape',
                          timeout=timeout)
    lines = proc.stderr.splitlines()
    assert lines and lines[-1].startswith('PEAK_BYTES='), proc.stderr[-3000:]
    proc.stderr = '\n'.join(lines[:-1])
    return proc, int(lines[-1].split('=')[1])


@pytest.mark.parametrize('spectrograph', [None, 'shane_kast_blue'])
def test_classify_hostile_files_refused_fast(kastframes, tmp_path, spectrograph):
    """Every hostile file a row with its reason (before astropy reads it: no hang, no
    memory), the good frame typed, exit 1."""
    expected = make_hostile_files(tmp_path / 'in')
    shutil.copy(kastframes / 'b1.fits.gz', tmp_path / 'in' / 'b1.fits.gz')
    extra = ['-s', spectrograph] if spectrograph else []
    start = time.time()
    proc, peak = run_measured('pypeit_spit_classify', tmp_path / 'in', *extra,
                              '--no-progress', timeout=120)
    assert time.time() - start < 60
    assert proc.returncode == 1, proc.stderr[-3000:]
    rows = {line.split()[0]: line for line in proc.stdout.splitlines() if line.strip()}
    for name, reason in expected.items():
        assert reason in rows[name], rows.get(name)
    assert rows['b1.fits.gz'].split()[1] == 'arc'
    assert 'Traceback' not in proc.stderr
    assert 0 < peak < MEMORY_BOUND


def test_setup_skips_hostile_files_and_types_the_night(night, tmp_path):
    """The hostile files in the raw folder: each skipped with one line naming it and
    the reason, the night set up (PypeIt's own setup hangs on the pipe and on the
    negative sizes), bounded memory and time."""
    expected = make_hostile_files(night)
    out = tmp_path / 'out'
    proc, peak = run_measured('pypeit_spit_setup', '-r', night, '-s', 'shane_kast_blue', '-c',
                              'all', '-d', out, '--log_file', 'None', timeout=240)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0, text[-3000:]
    assert 'Traceback' not in text
    for name, reason in expected.items():
        assert any(f'{night / name}: {reason}' in line and 'skipped' in line
                   for line in text.splitlines()), name
    rows = '\n'.join(p.read_text() for p in out.rglob('*.pypeit'))
    for name in NIGHT:
        assert f'| {name} |' in rows.replace('  ', ' ') or name in rows
    assert 0 < peak < MEMORY_BOUND


def test_plain_layout_walk_refuses_a_lying_header_at_once(tmp_path):
    from pypeit_spit.errors import FrameError
    from pypeit_spit.io.probe import check_plain_layout
    make_hostile_files(tmp_path)
    start = time.time()
    for name in ('loop.fits', 'loop_ext.fits', 'negative.fits', 'many_hdus.fits'):
        with pytest.raises(FrameError):
            check_plain_layout(tmp_path / name)
    assert time.time() - start < 5


# ---------------------------------------- 4. file names that are not UTF-8

def test_non_utf8_file_name_classify_table_lossless_setup_reports(night, tmp_path):
    """classify writes the name's own bytes into its table (no UnicodeEncodeError, the
    other rows kept); setup skips the file with one line (a .pypeit file is UTF-8) and
    sets up the rest of the night."""
    odd = os.fsencode(night) + b'/b\xff\xfe10.fits.gz'
    shutil.copy(night / 'b1.fits.gz', odd)
    table = tmp_path / 'types.ecsv'
    proc = run_command('pypeit_spit_classify', night, '-o', table, '--no-progress',
                       timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = table.read_bytes()
    assert b'b\xff\xfe10.fits.gz' in data and all(n.encode() in data for n in NIGHT)
    out = tmp_path / 'out'
    proc = run_command('pypeit_spit_setup', '-r', night, '-s', 'shane_kast_blue', '-c', 'all',
                       '-d', out, '--log_file', 'None', timeout=240)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 0 and 'Traceback' not in text, text[-3000:]
    lines = [line for line in text.splitlines() if 'not valid UTF-8' in line]
    assert len(lines) == 1 and 'b\\udcff\\udcfe10.fits.gz' in lines[0]
    rows = '\n'.join(p.read_text() for p in out.rglob('*.pypeit'))
    assert all(name in rows for name in NIGHT)


# ---------------------------------------- 5. pypeit_spit_export -o

@pytest.mark.parametrize('target,message', [
    ('model.keras', 'is the input model'),
    ('pipe', 'not a regular file; cannot write the ONNX file there'),
    ('folder', 'is a folder'),
])
def test_export_output_refused_before_the_work(tmp_path, target, message):
    """-o naming the input, a special file (a named pipe here; /dev/full as root) or a
    folder: one line, exit 2, the input and the target as they were."""
    model = tmp_path / 'model.keras'
    model.write_bytes(b'not read: refused before')
    os.mkfifo(tmp_path / 'pipe')
    (tmp_path / 'folder').mkdir()
    proc = run_command('pypeit_spit_export', model, '-o', tmp_path / target, timeout=120)
    text = proc.stdout + proc.stderr
    assert proc.returncode == 2, text[-2000:]
    errors = error_lines(text)
    assert len(errors) == 1 and f'{tmp_path / target}: {message}' in errors[0]
    assert model.read_bytes() == b'not read: refused before'
    assert (tmp_path / 'pipe').is_fifo() and (tmp_path / 'folder').is_dir()


# ------------------------------------------------------------------ pixels that are no data

def _with_pixels(source, dest, pixels):
    """``dest``: the simulated frame ``source``'s header (valid: the rules type it) over
    other pixels (float32 when they are not integers)."""
    with fits.open(source) as hdul:
        header = hdul[0].header.copy()
    for key in ('BZERO', 'BSCALE'):
        header.remove(key, ignore_missing=True)
    fits.PrimaryHDU(pixels, header=header).writeto(dest)


def test_frames_of_no_data_are_flagged_by_every_command(night, tmp_path):
    """All NaN, all inf, no variance at all (constant): each read, flagged with a one-line
    reason naming the file by setup (untyped, commented out: never SPIT's type nor the
    rules'), classify (its flag, exit 0: typed as far as it goes) and check (the row
    commented out: nothing active to settle); the night's frames typed."""
    shape = fits.getdata(night / 'b27.fits.gz').shape
    bad = {'nan.fits': np.full(shape, np.nan, np.float32),
           'inf.fits': np.full(shape, -np.inf, np.float32),
           'zero_variance.fits': np.full(shape, 1200, np.uint16)}
    for name, pixels in bad.items():
        _with_pixels(night / 'b27.fits.gz', night / name, pixels)
    reason = {'nan.fits': 'no calibration: no usable pixel values (all NaN, infinite or '
                          'beyond \u00b11e+30)',
              'zero_variance.fits': 'no calibration: every pixel has the same value (1200)'}
    reason['inf.fits'] = reason['nan.fits']
    out = tmp_path / 'out'
    proc = run_command('pypeit_spit_setup', '-r', night, '-s', 'shane_kast_blue', '-c', 'all',
                       '-d', out, '--log_file', 'None', timeout=300)
    assert proc.returncode == 0 and 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    for name, why in reason.items():
        assert sum(line.strip() == f'{name}: flagged, untyped, commented out ({why})'
                   for line in lines) == 1, (name, proc.stdout)
    pfile = next(out.glob('*/*.pypeit'))
    from pypeit.inputfiles import PypeItFile
    data = PypeItFile.from_file(str(pfile), preserve_comments=True).data
    rows = {str(f).lstrip('# '): (str(f), str(t), str(s)) for f, t, s in
            zip(data['filename'], data['frametype'], data['spit_src'])}
    for name in bad:
        assert rows[name] == (f'# {name}', 'None', 'flagged'), rows[name]
    assert {rows[n][2] for n in NIGHT} <= {'agree', 'rules', 'spit'}, rows

    proc = run_command('pypeit_spit_classify', *[night / n for n in bad], night / 'b14.fits.gz',
                       '-s', 'shane_kast_blue', '--no-progress', timeout=300)
    assert proc.returncode == 0 and 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    for name, why in reason.items():
        row = next(line for line in proc.stdout.splitlines() if line.startswith(name))
        assert row.split()[1] == 'unknown' and row.rstrip().endswith(why), row
        assert sum(f'{night / name}: {why}' in line for line in proc.stderr.splitlines()) == 1

    proc = run_command('pypeit_spit_check', pfile, '--all', timeout=300)
    assert proc.returncode == 0 and 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    for name in bad:
        assert sum(name in line and 'flagged' in line for line in proc.stdout.splitlines()) \
            == 1, proc.stdout


# ------------------------------------------------------------------ noise SPIT calls bias

def test_not_a_bias_by_its_noise(loaderframes, kastframes):
    """A bias's pixel noise is its detector's read noise (PypeIt's ronoise / gain): the
    simulated biases of five spectrographs and Kast blue are far below the factor;
    Gaussian noise of 300 ADU is not a bias."""
    from pypeit_spit.defaults import DEFAULTS
    from pypeit_spit.pipeline.prepare import prepare_frame
    from pypeit_spit.preprocess.quality import not_a_bias
    from simframes import LOADERS
    frames = {name: spec for name, (spec, cls, _) in LOADERS.items() if cls == 'bias'}
    for name, spec in [*frames.items(), ('b14.fits.gz', 'shane_kast_blue')]:
        folder = kastframes if name.startswith('b14') else loaderframes
        prep = prepare_frame(folder / name, spectrograph=spec)
        assert prep.detector_noise is not None and prep.detector_noise > 0, name
        assert prep.noise < 2 * prep.detector_noise, (name, prep.noise, prep.detector_noise)
        assert not_a_bias(prep.noise, prep.detector_noise, DEFAULTS.bias_noise_factor) == ''
    why = not_a_bias(300.0, 3.0833, DEFAULTS.bias_noise_factor)
    assert why.startswith('no bias: pixel noise 300 ADU is 97 times')
    assert not_a_bias(300.0, None, 10) == '' and not_a_bias(float('nan'), 3.0, 10) == ''


def test_gaussian_noise_is_never_a_silent_bias(night, tmp_path):
    """Gaussian noise of 300 ADU (no structure), which the bundled model calls bias at
    p = 0.999: under a bias's header (0 s) setup flags it (no bias by its noise, and the
    header allows nothing else), under a science frame's header a conflict typed
    science naming the noise; classify shows the reason; the night's bias still bias."""
    rng = np.random.default_rng(300)
    shape = fits.getdata(night / 'b14.fits.gz').shape
    for name, source in (('noise_bias.fits', 'b14.fits.gz'), ('noise_sci.fits', 'b27.fits.gz')):
        _with_pixels(night / source, night / name,
                     rng.normal(1000.0, 300.0, shape).astype(np.float32))
    out = tmp_path / 'out'
    proc = run_command('pypeit_spit_setup', '-r', night, '-s', 'shane_kast_blue', '-c', 'all',
                       '-d', out, '--log_file', 'None', timeout=300)
    assert proc.returncode == 0 and 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    lines = {line.strip().split(':')[0]: line.strip() for line in proc.stdout.splitlines()
             if line.strip().startswith('noise_')}
    assert lines['noise_bias.fits'].startswith('noise_bias.fits: flagged, untyped, commented '
                                               'out (no calibration: no bias: pixel noise'), lines
    assert lines['noise_sci.fits'].startswith('noise_sci.fits: conflict, typed science'), lines
    assert 'no bias: pixel noise' in lines['noise_sci.fits']
    from pypeit.inputfiles import PypeItFile
    data = PypeItFile.from_file(str(next(out.glob('*/*.pypeit'))), preserve_comments=True).data
    rows = {str(f).lstrip('# '): (str(t), str(s)) for f, t, s in
            zip(data['filename'], data['frametype'], data['spit_src'])}
    assert rows['noise_bias.fits'] == ('None', 'flagged')
    assert rows['noise_sci.fits'] == ('science', 'conflict')
    assert rows['b14.fits.gz'][0] == 'bias'

    proc = run_command('pypeit_spit_classify', night / 'noise_bias.fits', night / 'b14.fits.gz',
                       '-s', 'shane_kast_blue', '--no-progress', timeout=300)
    assert proc.returncode == 0 and 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    row = next(line for line in proc.stdout.splitlines() if line.startswith('noise_bias'))
    assert row.split()[1] == 'unknown' and 'no bias: pixel noise' in row, row
    row = next(line for line in proc.stdout.splitlines() if line.startswith('b14'))
    assert 'no bias' not in row, row
