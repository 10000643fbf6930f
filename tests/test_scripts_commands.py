"""The pypeit_spit_classify and pypeit_spit_png commands."""
import sys

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from pypeit_spit.model.store import build_model, save_model
from pypeit_spit.scripts.spit_classify import SpitClassify
from pypeit_spit.scripts.spit_png import SpitPng


@pytest.fixture(scope='module')
def model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp('model') / 'm.keras'
    save_model(build_model('compact'), path)
    return path


def test_names():
    assert SpitClassify.name() == 'pypeit_spit_classify'
    assert SpitPng.name() == 'pypeit_spit_png'


def test_classify_command_prints_and_writes_ecsv(kastframes, model_path, tmp_path, capsys):
    folder = kastframes
    out = tmp_path / 'sub' / 'types.ecsv'
    args = SpitClassify.parse_args([str(folder), str(tmp_path / 'missing.fits'), '-s',
                                    'shane_kast_blue', '--model', str(model_path), '-o', str(out)])
    assert SpitClassify.run(args) == 1   # one file missing
    printed = capsys.readouterr().out.splitlines()
    n_files = len(list(folder.glob('*.fits*')))
    rows = [line for line in printed[2:] if not line.startswith('! ')]
    assert len(rows) == n_files + 1
    assert printed[0].split()[:6] == ['file', 'class', 'votes', 'prob', 'header', 'rules']
    assert 'file does not exist' in rows[-1]
    t = Table.read(out)
    assert len(t) == n_files + 1 and 'prob_flat' in t.colnames


def test_classify_command_bad_model(tmp_path):
    args = SpitClassify.parse_args([str(tmp_path), '--model', str(tmp_path / 'none.keras')])
    assert SpitClassify.run(args) == 2


def test_png_command(tmp_path, capsys):
    data = np.random.default_rng(0).normal(1000, 3, (300, 800)).astype(np.float32)
    fits.writeto(tmp_path / 'f.fits.gz', data)
    outdir = tmp_path / 'png'
    args = SpitPng.parse_args([str(tmp_path / 'f.fits.gz'), '-d', str(outdir), '--flips'])
    assert SpitPng.run(args) == 0
    names = sorted(p.name for p in outdir.iterdir())
    assert names == ['f.png', 'f_fliph.png', 'f_flipv.png', 'f_flipvh.png']
    import matplotlib.image as mimage
    img = mimage.imread(outdir / 'f.png')
    assert img.shape[:2] == (210, 650)


# ---------------------------------------------------------------- exit statuses
# The installed console scripts, in subprocesses: calling main() in-process is what
# once hid that failures exited 0.

from helpers import children, classify_table, run_command  # noqa: E402


def _error_lines(proc):
    return [line for line in proc.stderr.splitlines() + proc.stdout.splitlines()
            if 'ERROR' in line or 'Traceback' in line]


def test_classify_exit_status_all_typed(kastframes, tmp_path):
    proc = run_command('pypeit_spit_classify', kastframes / 'b1.fits.gz',
                       kastframes / 'b14.fits.gz', '-s', 'shane_kast_blue',
                       '-v', '0')
    assert proc.returncode == 0, proc.stderr
    assert 'b1.fits.gz' in proc.stdout and 'Traceback' not in proc.stderr


@pytest.mark.parametrize('args,status,message', [
    (['{tmp}/nonexistent.fits'], 1, 'file does not exist'),
    (['{tmp}', '--model', '/nonexistent.keras'], 2, '/nonexistent.keras: model file does not exist'),
    (['{tmp}/x.fits', '-s', 'no_such_spec'], 2, "unknown PypeIt spectrograph 'no_such_spec'"),
    (['{tmp}/x.fits', '--model', 'no_such_model'], 2, "no model named 'no_such_model'"),
])
def test_classify_exit_status_failures(tmp_path, args, status, message):
    args = [a.replace('{tmp}', str(tmp_path)) for a in args]
    proc = run_command('pypeit_spit_classify', *args, '-v', '0')
    assert proc.returncode == status, proc.stderr
    out = proc.stdout + proc.stderr
    assert message in out and 'Traceback' not in out


def test_import_is_light():
    """Importing the package imports neither PypeIt nor the network runtime."""
    import subprocess
    import sys
    code = ('import sys, pypeit_spit; '
            'print(sorted(m for m in ("tensorflow", "keras", "pypeit") if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == '[]'


def test_classify_shows_rules_relative_names_and_plain_ecsv(realframes, tmp_path):
    """With -s: the header rules' type beside SPIT's, '!' where they differ; two
    nights' b1 told apart; the ECSV holds plain string columns."""
    import shutil
    from helpers import run_command
    for night in ('night1', 'night2'):
        (tmp_path / night).mkdir()
        for stem in ('b1', 'b14'):
            shutil.copy(realframes / 'shane_kast_blue' / f'{stem}.fits.gz', tmp_path / night)
    # night2's arc has every lamp card off: the header rules no longer call it an arc
    arc = tmp_path / 'night2' / 'b1.fits.gz'
    with fits.open(arc) as hdul:
        for key in list(hdul[0].header):
            if key.startswith('LAMPSTA'):
                hdul[0].header[key] = 'off'
        hdul.writeto(arc, overwrite=True)
    out = tmp_path / 'types.ecsv'
    proc = run_command('pypeit_spit_classify', tmp_path / 'night1', tmp_path / 'night2',
                       '-s', 'shane_kast_blue', '-o', out, '--no-progress', '-v', '0')
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[0]: line for line in proc.stdout.splitlines()[2:]
            if not line.startswith('! ')}
    assert set(rows) == {'night1/b1.fits.gz', 'night1/b14.fits.gz', 'night2/b1.fits.gz',
                         'night2/b14.fits.gz'}
    assert rows['night1/b1.fits.gz'].split()[1:] == ['arc', '4/4', '1.000', 'arc,tilt']
    night2_arc = rows['night2/b1.fits.gz'].split()
    assert night2_arc[1] == 'arc' and night2_arc[4] != 'arc,tilt' and night2_arc[-1] == '!'
    assert not rows['night2/b14.fits.gz'].rstrip().endswith('!')
    assert '! 1 frame(s) where SPIT and the header rules name different classes' \
        in proc.stdout
    text = out.read_text()
    for name in ('file', 'loader', 'error', 'flag', 'rules_type'):
        assert f'{{name: {name}, datatype: string}}' in text
    assert 'subtype: json' not in text   # object columns would be JSON strings
    t = Table.read(out)
    assert list(t['rules_type'][:2]) == ['arc,tilt', 'bias']


def test_classify_help_explains_columns_and_models():
    from helpers import run_command
    proc = run_command('pypeit_spit_classify', '--help')
    assert proc.returncode == 0
    assert 'votes   how many of the four copies' in proc.stdout
    assert 'prob    the mean calibrated probability' in proc.stdout
    assert 'Bundled models: kast_compact (default)' in proc.stdout


def test_exit_now_runs_exit_handlers_and_flushes(tmp_path):
    """A command ends without the interpreter's teardown, but its exit handlers run, its
    buffered output is written, and the status is the command's."""
    import subprocess
    import sys
    marker = tmp_path / 'handler_ran'
    code = ('import atexit, sys; from pypeit_spit.io.sites import use_offline_sites; '
            'use_offline_sites(); from pypeit_spit.scripts.base import exit_now; '
            f'atexit.register(lambda: open({str(marker)!r}, "w").write("yes")); '
            'sys.stdout.write("x" * 100000); sys.stderr.write("last words"); exit_now(3)')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert proc.returncode == 3
    assert proc.stdout == 'x' * 100000 and proc.stderr.endswith('last words')
    assert marker.read_text() == 'yes'


def test_exit_now_waits_for_a_running_thread():
    """With another Python thread still running, the normal exit (which waits for it)."""
    import subprocess
    import sys
    code = ('import threading, time, sys; from pypeit_spit.io.sites import use_offline_sites; '
            'use_offline_sites(); from pypeit_spit.scripts.base import exit_now; '
            't = threading.Thread(target=lambda: (time.sleep(0.5), print("thread done"))); '
            't.start(); exit_now(4)')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert proc.returncode == 4 and 'thread done' in proc.stdout


def test_classify_command_reading_processes(kastframes, tmp_path):
    """-j: frames read by worker processes give the table threads give (ECSV written
    completely before the command ends)."""
    folder = kastframes
    tables = []
    for workers in ('1', '3'):
        out = tmp_path / f'j{workers}.ecsv'
        proc = run_command('pypeit_spit_classify', folder, '-s', 'shane_kast_blue', '-j',
                           workers, '-o', out, '-v', '0', '--no-progress')
        assert proc.returncode == 0, proc.stderr
        tables.append(Table.read(out))
    direct = classify_table([folder], spectrograph='shane_kast_blue')
    for t in tables:
        assert list(t['class']) == list(direct['class'])
        assert np.array_equal(np.asarray(t['prob']), np.asarray(direct['prob']))


def _long_night(kastframes, folder, n=400):
    """A night of ``n`` frames: links cycling through the real Kast blue frames."""
    frames = sorted((kastframes).glob('*.fits.gz'))
    folder.mkdir()
    for i in range(n):
        (folder / f'f{i:04d}.fits.gz').symlink_to(frames[i % len(frames)])
    return folder


def _alive(pids):
    out = []
    for pid in pids:
        try:
            with open(f'/proc/{pid}/stat') as f:
                if f.read().rsplit(')', 1)[1].split()[0] != 'Z':
                    out.append(pid)
        except OSError:
            pass
    return out


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='reading processes: Linux')
@pytest.mark.parametrize('how', ['ctrl-c', 'terminated', 'killed'])
def test_classify_interrupted_or_killed_leaves_no_reader(kastframes, tmp_path, how):
    """Ctrl-C (to the whole process group, as a terminal sends it) ends the command once
    with status 130 and no traceback, SIGTERM (``kill``) with 143; a command killed
    outright leaves no reading process behind; none leaves a temporary plain copy of a
    compressed frame."""
    import os
    import signal
    import subprocess
    import time

    from helpers import script_path
    night = _long_night(kastframes, tmp_path / 'night')
    temporary = tmp_path / 'tmp'
    temporary.mkdir()
    proc = subprocess.Popen([script_path('pypeit_spit_classify'), str(night), '-s',
                             'shane_kast_blue', '-v', '1', '--no-progress'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            env={**os.environ, 'TMPDIR': str(temporary)})
    deadline = time.time() + 60
    while len(children(proc.pid)) < 2 and time.time() < deadline:
        time.sleep(0.1)
    readers = children(proc.pid)
    assert len(readers) >= 2, 'the reading processes started'
    time.sleep(0.5)
    if how == 'ctrl-c':
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err[-2000:]
        assert err.count('interrupted') == 1 and 'Traceback' not in err, err[-2000:]
    elif how == 'terminated':
        os.kill(proc.pid, signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 143, err[-2000:]
        assert err.count('terminated') == 1 and 'Traceback' not in err, err[-2000:]
    else:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
    deadline = time.time() + 10
    while _alive(readers) and time.time() < deadline:
        time.sleep(0.1)
    assert not _alive(readers), 'no reading process outlives the command'
    assert not list(temporary.iterdir()), 'no temporary copy is left behind'
