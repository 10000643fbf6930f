"""
``pypeit_spit_archive``: a small simulated archive (Kast blue nights, one nested and
one frame gzipped, tiny frames of an instrument PypeIt does not know, foreign and
unreadable files) typed into a catalog by the installed command: one row per frame,
the same decision as ``pypeit_spit_setup``, the same rows from a real ``dask scheduler``
+ ``dask worker`` cluster on 127.0.0.1 and from a run killed with SIGKILL and re-run;
a worker that dies costs its task a retry; the catalog's questions and its API.
"""
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from helpers import children, run_command, script_path

SPEC = 'shane_kast_blue'

#: Columns that differ between two runs typing the same frames.
VOLATILE = ('typed_at',)


def _tiny(path, seed, compressed=False):
    """A small frame of an instrument no PypeIt spectrograph recognises."""
    rng = np.random.default_rng(seed)
    data = (1000 + 10 * rng.standard_normal((120, 300))).astype(np.float32)
    data[40:80, :] += np.linspace(0, 5000, 300)[None, :]
    header = fits.Header({'INSTRUME': 'SIMSPEC', 'EXPTIME': 30.0, 'OBJECT': f'frame{seed}'})
    if compressed:
        fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(data, header=header)]).writeto(path)
    else:
        fits.PrimaryHDU(data, header=header).writeto(path)


@pytest.fixture(scope='module')
def archive(tmp_path_factory):
    """The archive: root/2019/night_a (nested), root/night_b, root/simspec, root/odd."""
    from pypeit_spit.simulate import simulate_nights
    sim = tmp_path_factory.mktemp('sim')
    manifest = simulate_nights(SPEC, 2, sim, seed=5, scale=0.1)
    folders = sorted({str(Path(str(f)).parent) for f in manifest['file']})
    root = tmp_path_factory.mktemp('archive')
    (root / '2019').mkdir()
    shutil.copytree(sim / folders[0], root / '2019' / 'night_a')
    shutil.copytree(sim / folders[1], root / 'night_b')
    first = sorted((root / 'night_b').glob('*.fits'))[0]
    with open(first, 'rb') as f, gzip.open(str(first) + '.gz', 'wb') as g:
        shutil.copyfileobj(f, g)
    first.unlink()
    (root / 'simspec').mkdir()
    for k in range(3):
        _tiny(root / 'simspec' / f'sim{k}.fits', k)
    _tiny(root / 'simspec' / 'sim3.fits.fz', 3, compressed=True)
    odd = root / 'odd'
    odd.mkdir()
    (odd / 'notfits.fits').write_text('this is not a FITS file\n')
    (odd / 'empty.fits.gz').write_bytes(b'')
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(
        [fits.Column(name='a', format='E', array=np.arange(3.0))])]).writeto(odd / 'table.fits')
    (odd / 'readme.txt').write_text('not a frame\n')
    return root


def _rows(catalog):
    """The catalog's rows (without the columns that differ between runs), sorted."""
    from pypeit_spit.archive import read_catalog
    t = read_catalog(catalog)
    names = [n for n in t.colnames if n not in VOLATILE]
    return [tuple(round(v, 9) if isinstance(v, float) else v
                  for v in (row[n].item() if hasattr(row[n], 'item') else row[n]
                            for n in names))
            for row in t]


def _frames(root):
    from pypeit_spit.io.paths import FITS_SUFFIXES
    return sorted(str(p) for p in Path(root).rglob('*') if p.name.endswith(FITS_SUFFIXES))


@pytest.fixture(scope='module')
def local(archive, tmp_path_factory):
    """The archive typed by the local default (2 processes)."""
    catalog = tmp_path_factory.mktemp('local') / 'archive.sqlite'
    out = run_command('pypeit_spit_archive', archive, '--catalog', catalog, '-j', 2,
                      '--no-progress')
    return catalog, out


def test_one_row_per_frame(archive, local):
    from pypeit_spit.archive import read_catalog
    catalog, out = local
    assert out.returncode == 1, out.stderr     # unreadable files: exit status 1
    assert 'typed' in out.stdout
    t = read_catalog(catalog)
    assert sorted(t['file']) == _frames(archive)             # every frame, once
    by = {Path(f).name: row for f, row in zip(t['file'], t)}
    for name in ('notfits.fits', 'empty.fits.gz', 'table.fits'):
        assert by[name]['source'] == 'unreadable' and by[name]['reason'], name
        assert by[name]['decided'] == 'None'
    sim = [row for row in t if Path(row['file']).parent.name == 'simspec']
    assert len(sim) == 4 and {r['spectrograph'] for r in sim} == {'generic'}
    assert all('no header rules' in r['reason'] for r in sim)
    assert by['sim3.fits.fz']['loader'] and not by['sim3.fits.fz']['source'] == 'unreadable'
    kast = [row for row in t if 'night_' in row['night']]
    assert {r['spectrograph'] for r in kast} == {SPEC}
    assert all(r['found_by'] == "header VERSION='kastb'" for r in kast)
    assert any(r['file'].endswith('.fits.gz') for r in kast)
    assert all(r['model'] and len(r['model_version']) == 12 for r in kast)
    assert {r['night'] for r in kast} == {str(archive / '2019' / 'night_a'),
                                          str(archive / 'night_b')}
    for r in kast:
        st = os.stat(r['file'])
        assert (r['size'], r['mtime_ns']) == (st.st_size, st.st_mtime_ns)


def test_same_decision_as_setup(archive, local, tmp_path):
    """The rows of a Kast night are what pypeit_spit_setup writes for it."""
    from pypeit.inputfiles import PypeItFile

    from pypeit_spit.archive import read_catalog
    night = archive / 'night_b'
    out = run_command('pypeit_spit_setup', '-r', night, '-s', SPEC, '-c', 'all',
                      '-d', tmp_path)
    assert out.returncode == 0, out.stderr
    setup = {}
    for pfile in tmp_path.glob('*/*.pypeit'):
        data = PypeItFile.from_file(str(pfile)).data
        for row in data:
            setup[str(row['filename']).lstrip('# ')] = (str(row['frametype']),
                                                       str(row['spit_src']))
    t = read_catalog(local[0], where='night = ?', params=[str(night)])
    assert len(t) == len(list(night.iterdir())) == len(setup)
    for row in t:
        assert setup[Path(row['file']).name] == (row['decided'], row['source']), row['file']


def test_resume_skips_and_retypes_a_changed_night(archive, local, tmp_path):
    catalog = tmp_path / 'copy.sqlite'
    shutil.copy(local[0], catalog)
    out = run_command('pypeit_spit_archive', archive, '--catalog', catalog, '--no-progress')
    assert f'0 typed, {len(_frames(archive))} already in' in out.stdout
    assert out.returncode == 0
    touched = archive / 'simspec' / 'sim1.fits'
    before = os.stat(touched)
    os.utime(touched, ns=(time.time_ns(), time.time_ns()))
    try:
        out = run_command('pypeit_spit_archive', archive, '--catalog', catalog,
                          '--no-progress')
        assert ' 4 typed' in out.stdout, out.stdout      # the night of the changed file
        from pypeit_spit.archive import read_catalog
        t = read_catalog(catalog)
        assert len(t) == len(set(t['file'])) == len(_frames(archive))
        assert t[t['file'] == str(touched)]['mtime_ns'][0] == os.stat(touched).st_mtime_ns
    finally:   # the archive is shared by the other tests
        os.utime(touched, ns=(before.st_atime_ns, before.st_mtime_ns))


def _count(catalog):
    from pypeit_spit.archive.catalog import count_rows
    return count_rows(catalog)


def test_kill_9_and_resume_gives_the_same_rows(archive, local, tmp_path):
    catalog = tmp_path / 'killed.sqlite'
    proc = subprocess.Popen([script_path('pypeit_spit_archive'), str(archive), '--catalog',
                             str(catalog), '-j', '1', '--no-progress'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = set()
    deadline = time.time() + 300
    while _count(catalog) == 0 and time.time() < deadline and proc.poll() is None:
        workers.update(children(proc.pid))
        time.sleep(0.05)
    workers.update(children(proc.pid))
    assert proc.poll() is None, 'the run ended before it could be killed'
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    committed = _count(catalog)
    assert 0 < committed < len(_frames(archive))
    for _ in range(100):             # the dead driver's worker processes end too
        if not any(os.path.exists(f'/proc/{pid}') for pid in workers):
            break
        time.sleep(0.1)
    assert not any(os.path.exists(f'/proc/{pid}') for pid in workers)
    out = run_command('pypeit_spit_archive', archive, '--catalog', catalog, '--no-progress')
    assert f'{committed} already in' in out.stdout, out.stdout
    assert _rows(catalog) == _rows(local[0])


@pytest.fixture
def dask_cluster(tmp_path):
    """A real cluster on 127.0.0.1: ``dask scheduler`` and ``dask worker`` (2 processes of
    one thread), started as docs/archive.rst says (``--preload
    pypeit_spit.archive.preload``)."""
    dask = str(Path(sys.executable).parent / 'dask')
    if not os.path.isfile(dask):
        pytest.skip('dask.distributed is not installed (pip install ".[test]")')
    info = tmp_path / 'scheduler.json'
    scheduler = subprocess.Popen([dask, 'scheduler', '--host', '127.0.0.1', '--port', '0',
                                  '--no-dashboard', '--scheduler-file', str(info)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = None
    try:
        for _ in range(600):
            if info.is_file() and info.stat().st_size:
                break
            time.sleep(0.1)
        worker = subprocess.Popen([dask, 'worker', '--scheduler-file', str(info), '--nworkers',
                                   '2', '--nthreads', '1', '--no-dashboard', '--host',
                                   '127.0.0.1', '--preload', 'pypeit_spit.archive.preload'],
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        address = json.loads(info.read_text())['address']
        from distributed import Client
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _warm():
    """On a worker: PypeIt's spectrographs imported and a model loaded, before any task."""
    from pypeit_spit.model import store
    return 'pypeit.spectrographs' in sys.modules and len(store._CACHE) > 0


def test_dask_cluster_gives_the_same_rows(archive, local, dask_cluster, tmp_path):
    import cloudpickle
    from distributed import Client
    cloudpickle.register_pickle_by_value(sys.modules[__name__])   # _warm travels by value
    try:
        with Client(dask_cluster, timeout=60) as client:
            warm = client.run(_warm)
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    assert len(warm) == 2 and all(warm.values())     # the preload ran in every worker
    catalog = tmp_path / 'dask.sqlite'
    out = run_command('pypeit_spit_archive', archive, '--catalog', catalog, '--scheduler',
                      dask_cluster, '--no-progress')
    assert out.returncode == 1, out.stderr      # the unreadable files, as locally
    assert _rows(catalog) == _rows(local[0])


def _dies_once(task):
    """A task whose worker dies the first time it runs a night (a marker file says)."""
    from pypeit_spit.archive.night import type_night
    marker = Path(task[0].folder) / '.died'
    if not marker.exists():
        marker.write_text('')
        os._exit(9)
    return type_night(task)


def test_a_dead_worker_costs_a_retry(tmp_path, monkeypatch):
    from pypeit_spit.archive import read_catalog, run
    (tmp_path / 'n').mkdir()
    for k in range(2):
        _tiny(tmp_path / 'n' / f's{k}.fits', k)
    monkeypatch.setattr(run, 'type_night', _dies_once)
    report = run.type_archive([tmp_path / 'n'], tmp_path / 'c.sqlite', workers=1,
                              progress=False)
    assert report.typed == 2 and not report.failed_tasks
    assert set(read_catalog(tmp_path / 'c.sqlite')['source']) <= {'spit', 'unknown'}


def test_questions_to_the_catalog(local, tmp_path):
    from astropy.table import Table

    from pypeit_spit.archive import conflicts, summary
    catalog = local[0]
    s = summary(catalog)
    assert s['spectrograph'][-1] == 'all' and s['frames'][-1] == len(_rows(catalog))
    assert s['unreadable'][-1] == 3
    c = conflicts(catalog)
    order = {'conflict': 0, 'unknown': 1, 'flagged': 2, 'unreadable': 3}
    assert [order[s] for s in c['source']] == sorted(order[s] for s in c['source'])
    out = run_command('pypeit_spit_archive', '--catalog', catalog, '--summary', '--conflicts',
                      '--export', tmp_path / 'cat.ecsv')
    assert out.returncode == 0, out.stderr
    assert 'unreadable' in out.stdout and 'all' in out.stdout
    t = Table.read(tmp_path / 'cat.ecsv')
    assert len(t) == s["frames"][-1]
    assert {'file', 'spit_class', 'decided', 'source', 'model_version'} <= set(t.colnames)


@pytest.mark.parametrize('args,message', [
    (['--summary'], 'no such catalog file'),
    (['/no/such/folder'], 'no such folder'),
    (['--export', 'x.fits'], '.ecsv or .csv'),
    (['--gallery', 'night_a'], 'give -d/--output_path'),
    (['--summary', '-d', 'out'], 'the folder of --gallery'),
])
def test_usage_errors(tmp_path, args, message):
    out = run_command('pypeit_spit_archive', '--catalog', tmp_path / 'none.sqlite', *args,
                      cwd=tmp_path)
    assert out.returncode == 2
    assert message in out.stderr and 'Traceback' not in out.stderr


def _tiles(page):
    """The gallery page's tiles: name -> the tile's HTML."""
    import html
    import re
    return {html.unescape(m.group(1)): m.group(0)
            for m in re.finditer(r'<figure class="tile [^"]*"[^>]* data-name="([^"]*)".*?'
                                 r'</figure>', page, flags=re.S)}


def test_night_gallery_from_the_catalog(archive, local, tmp_path):
    """--gallery: the night's page from its catalog rows, each tile with the row's
    decided type and who decided, thumbnails the images SPIT sees (those of
    pypeit_spit_gallery), a moved and a changed file said so; an unknown night: one
    line, exit status 2."""
    import html

    from pypeit_spit.archive import read_catalog
    catalog = local[0]
    night = archive / 'night_b'
    rows = read_catalog(catalog, where='night = ?', params=[str(night)])
    files = sorted(str(f) for f in rows['file'])
    moved, changed = Path(files[1]), Path(files[2])
    before = os.stat(changed)
    cwd = tmp_path / 'cwd'
    cwd.mkdir()
    shutil.move(moved, tmp_path / moved.name)
    os.utime(changed, ns=(before.st_atime_ns, before.st_mtime_ns + 10**9))
    try:
        out = run_command('pypeit_spit_archive', '--catalog', catalog, '--gallery',
                          'night_b', '-d', tmp_path / 'gallery', '-j', 2, '--no-progress',
                          cwd=cwd)
    finally:   # the archive is shared by the other tests
        shutil.move(tmp_path / moved.name, moved)
        os.utime(changed, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert out.returncode == 1, out.stderr        # two frames shown without an image
    assert f'{len(rows)} frames' in out.stdout and 'Traceback' not in out.stderr
    assert list(cwd.iterdir()) == []
    page = (tmp_path / 'gallery' / 'index.html').read_text()
    assert (tmp_path / 'gallery' / 'contact_sheet.png').stat().st_size > 0
    tiles = _tiles(page)
    assert sorted(tiles) == sorted(Path(f).name for f in files)
    for row in rows:
        tile = tiles[Path(row['file']).name]
        decided = html.escape(f"{row['decided']} ({row['source']})")
        assert f'<dd class="decided">{decided}</dd>' in tile, tile
        assert f'data-status="{row["source"]}"' in tile
        assert f'<dd class="rules">{html.escape(row["rules_type"] or "—")}</dd>' in tile
    assert 'moved or removed since it was catalogued' in tiles[moved.name]
    assert 'changed since it was catalogued' in tiles[changed.name]
    for name in (moved.name, changed.name):
        assert '<img' not in tiles[name] and name in out.stdout
    # the other thumbnails: the images SPIT sees, as pypeit_spit_gallery writes them
    shown = [Path(f).name for f in files if Path(f) not in (moved, changed)]
    ref = run_command('pypeit_spit_gallery', night, '-s', SPEC, '-d', tmp_path / 'ref',
                      '--no-progress')
    assert ref.returncode == 0, ref.stderr
    for name in shown:
        thumb = html.unescape(tiles[name].split('<img src="')[1].split('"')[0])
        assert (tmp_path / 'gallery' / thumb).read_bytes() == \
            (tmp_path / 'ref' / thumb).read_bytes(), name
    out = run_command('pypeit_spit_archive', '--catalog', catalog, '--gallery', 'no_such',
                      '-d', tmp_path / 'none', cwd=cwd)
    assert out.returncode == 2
    assert out.stderr.strip().count('\n') == 0 and 'no such night' in out.stderr
    assert not (tmp_path / 'none').exists()


def test_night_gallery_of_generic_and_unreadable_nights(archive, local, tmp_path):
    from pypeit_spit.archive.catalog import find_night
    from pypeit_spit.archive.gallery import night_gallery
    catalog = local[0]
    assert find_night(catalog, '2019/night_a') == str(archive / '2019' / 'night_a')
    assert find_night(catalog, f'{archive}/night_b/') == str(archive / 'night_b')
    g = night_gallery(catalog, 'simspec', tmp_path / 'sim')
    assert g.spectrograph is None and len(g.frames) == 4
    assert all(f.thumb and (tmp_path / 'sim' / f.thumb).is_file() for f in g.frames)
    g = night_gallery(catalog, 'odd', tmp_path / 'odd')
    assert {f.status for f in g.frames} == {'unreadable'}
    page = (tmp_path / 'odd' / 'index.html').read_text()
    assert page.count('<div class="noimage">not readable: ') == 3



def test_night_gallery_lists_frames_in_natural_order(tmp_path):
    """b2 before b10, as pypeit_spit_gallery lists a night (files gone: cards say so)."""
    from pypeit_spit.archive.catalog import Catalog
    from pypeit_spit.archive.gallery import night_gallery
    from pypeit_spit.archive.night import _row, model_identity
    from pypeit_spit.archive.walk import find_nights
    night = tmp_path / 'root' / 'n1'
    night.mkdir(parents=True)
    for k in (10, 2, 1, 11):
        (night / f'b{k}.fits').write_bytes(b'')
    (folder,) = find_nights([tmp_path / 'root'])
    cat = Catalog(tmp_path / 'c.sqlite')
    name, version = model_identity(None)
    cat.write([_row(folder.folder, e, spectrograph='generic', model=name,
                    model_version=version) for e in folder.files])
    cat.close()
    for k in (10, 2, 1, 11):
        (night / f'b{k}.fits').unlink()
    g = night_gallery(tmp_path / 'c.sqlite', 'n1', tmp_path / 'g')
    names = [Path(f.path).name for f in sorted(g.frames, key=lambda f: f.order)]
    assert names == ['b1.fits', 'b2.fits', 'b10.fits', 'b11.fits']


def test_identify_from_headers():
    from pypeit_spit.archive.identify import GENERIC, identify
    assert identify('x', [fits.Header({'VERSION': 'kastb'})])[0] == 'shane_kast_blue'
    name, note = identify('x', [fits.Header({'INSTRUME': 'LRISBLUE'})])
    assert name.startswith('keck_lris_blue') and 'also matches' in note
    assert identify('x', [fits.Header({'INSTRUME': 'SIMSPEC'})])[0] == GENERIC
    assert identify('x', [fits.Header()])[0] == GENERIC


def test_catalog_scales_to_10000_files(tmp_path):
    """The driver's side of a 10,000-file archive: walked, written, and found complete."""
    from pypeit_spit.archive.catalog import Catalog
    from pypeit_spit.archive.night import TypingOptions, _row, model_identity
    from pypeit_spit.archive.run import pending_nights
    from pypeit_spit.archive.walk import find_nights
    for k in range(100):
        night = tmp_path / 'root' / f'n{k:03d}'
        night.mkdir(parents=True)
        for j in range(100):
            (night / f'f{j}.fits').write_bytes(b'')
    nights = find_nights([tmp_path / 'root'])
    assert len(nights) == 100 and sum(n.n_frames for n in nights) == 10000
    cat = Catalog(tmp_path / 'c.sqlite')
    name, version = model_identity(None)
    for night in nights:
        cat.write([_row(night.folder, e, spectrograph='generic', model=name,
                        model_version=version) for e in night.files])
    assert pending_nights(nights, cat.known(), TypingOptions()) == []
    cat.close()


def test_pending_nights_largest_first():
    """Tasks go out largest first (bytes), so that the run ends on its smallest nights;
    a night the catalog holds whole is left out."""
    from pypeit_spit.archive.night import TypingOptions, model_identity
    from pypeit_spit.archive.run import pending_nights
    from pypeit_spit.archive.walk import NightFolder
    nights = [NightFolder('/a/n1', (('/a/n1/x.fits', 100, 1),)),
              NightFolder('/a/n2', (('/a/n2/x.fits', 300, 1), ('/a/n2/y.fits', -1, -1))),
              NightFolder('/a/n3', (('/a/n3/x.fits', 50, 1), ('/a/n3/y.fits', 60, 1))),
              NightFolder('/a/n4', (('/a/n4/x.fits', 100, 1),)),
              NightFolder('/a/n5', (('/a/n5/x.fits', 999, 1),))]
    _, version = model_identity(None)
    known = {'/a/n5/x.fits': (999, 1, version, 'generic')}
    todo = pending_nights(nights, known, TypingOptions())
    assert [n.folder for n in todo] == ['/a/n2', '/a/n3', '/a/n1', '/a/n4']


def test_progress_lines_off_a_terminal(tmp_path):
    (tmp_path / 'n').mkdir()
    for k in range(3):
        _tiny(tmp_path / 'n' / f's{k}.fits', k)
    out = run_command('pypeit_spit_archive', tmp_path / 'n', '--catalog', tmp_path / 'c.sqlite',
                      '--log-every', 2)
    assert out.returncode == 0, out.stderr
    assert '3/3 frames' in out.stderr and 'frames/s' in out.stderr
