"""
Archive typing: frames per second on local processes and on a Dask cluster, against
``pypeit_spit_classify`` on the same frames, the same rows every way (also after a
``kill -9`` and a re-run), and the driver's peak memory as the archive grows.

In one run, on a simulated archive of several spectrographs (the installed commands,
each in its own process):

1. ``pypeit_spit_archive -j 1`` and ``-j 2`` (local processes): frames/s, ratio 2/1;
2. the same with ``--scheduler``: a ``dask scheduler`` and a ``dask worker
   --nworkers 2 --nthreads 1 --preload pypeit_spit.archive.preload`` on 127.0.0.1 (the
   cluster as docs/archive.rst starts it): frames/s, ratio to the local ``-j 2``; and
   on a cluster without the preload (its workers import PypeIt in their first task);
3. ``pypeit_spit_classify -j 2`` on the same night folders: frames/s (SPIT alone,
   generic loader: no metadata, no header rules), ratio of the archive to it;
4. a ``-j 2`` run killed with SIGKILL half-way and re-run: its rows;
5. rows of 1, 2, 3-Dask and 4 compared (``typed_at`` aside): the same;
6. the driver's peak resident memory (its own ``VmHWM``, the workers' not counted)
   typing archives of tiny frames, e.g. 1,000 and 10,000 (flat: ratio near 1).

Usage (the issue's size: 2,000+ frames in 51 nights of 3 spectrographs, then 1,000 vs
10,000 tiny frames; about an hour on a quiet 2-core machine)::

    python benchmarks/bench_archive.py --nights 17 --scale 1.0 --memory-frames 1000,10000

A quick look (a few minutes)::

    python benchmarks/bench_archive.py --nights 2 --scale 0.1 --memory-frames 200,1000

Speed-up targets (issue 22): 2 local workers >= 1.8x the frames/s of 1 on a 2-core
machine; Dask within 10% of the local pool; driver memory flat from 1,000 to 10,000.
"""
import argparse
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BIN = Path(sys.executable).parent


def _command(name):
    path = BIN / name
    if not path.is_file():
        sys.exit(f'{name} is not installed beside {sys.executable}')
    return str(path)


def _peak_kb(pid):
    try:
        for line in Path(f'/proc/{pid}/status').read_text().splitlines():
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _run(args, kill_after_rows=None, catalog=None):
    """Run a command; its wall time and its own peak memory (MB); killed with SIGKILL
    once ``catalog`` holds ``kill_after_rows`` rows when asked."""
    t0 = time.perf_counter()
    # standard output into a file, not a pipe: a pipe nobody reads while the command runs
    # fills up (64 kB) and blocks a command that prints a long table (classify)
    with tempfile.TemporaryFile(mode='w+') as sink:
        proc = subprocess.Popen(args, stdout=sink, stderr=subprocess.DEVNULL, text=True)
        peak = 0
        while proc.poll() is None:
            got = _peak_kb(proc.pid)
            peak = max(peak, got or 0)
            if kill_after_rows and _count(catalog) >= kill_after_rows:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.1)
        proc.wait()
        sink.seek(0)
        out = sink.read()
    return time.perf_counter() - t0, peak / 1024, out, proc.returncode


def _count(catalog):
    from pypeit_spit.archive.catalog import count_rows
    return count_rows(catalog)


def _rows(catalog):
    con = sqlite3.connect(f'file:{catalog}?mode=ro', uri=True)
    try:
        names = [r[1] for r in con.execute('PRAGMA table_info(frames)')
                 if r[1] != 'typed_at']
        return con.execute(f'SELECT {", ".join(names)} FROM frames ORDER BY file').fetchall()
    finally:
        con.close()


def _tiny_archive(root, n, per_night=100):
    """``n`` tiny frames (32x128, an instrument PypeIt does not know) in nights of
    ``per_night``."""
    from astropy.io import fits
    rng = np.random.default_rng(0)
    for k in range(n):
        night = root / f'n{k // per_night:04d}'
        night.mkdir(parents=True, exist_ok=True)
        data = (1000 + 10 * rng.standard_normal((32, 128))).astype(np.int16)
        fits.PrimaryHDU(data, header=fits.Header({'INSTRUME': 'TINY'})).writeto(
            night / f't{k:05d}.fits')


class _Cluster:
    """``dask scheduler`` + ``dask worker --nworkers 2 --nthreads 1 --preload
    pypeit_spit.archive.preload`` (without the preload when asked) on 127.0.0.1."""

    def __init__(self, folder, workers=2, preload=True):
        dask = _command('dask')
        info = Path(folder) / 'scheduler.json'
        info.unlink(missing_ok=True)
        self.procs = [subprocess.Popen([dask, 'scheduler', '--host', '127.0.0.1', '--port',
                                        '0', '--no-dashboard', '--scheduler-file',
                                        str(info)], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)]
        while not (info.is_file() and info.stat().st_size):
            time.sleep(0.1)
        self.procs.append(subprocess.Popen([dask, 'worker', '--scheduler-file', str(info),
                                            '--nworkers', str(workers), '--nthreads', '1',
                                            '--no-dashboard', '--host', '127.0.0.1',
                                            *(['--preload', 'pypeit_spit.archive.preload']
                                              if preload else [])],
                                           stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL))
        self.address = json.loads(info.read_text())['address']
        from distributed import Client
        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=300)

    def close(self):
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--cameras', default='shane_kast_blue,shane_kast_red,not_alfosc',
                        help='Simulated spectrographs (comma-separated)')
    parser.add_argument('--nights', type=int, default=17, help='Nights per spectrograph')
    parser.add_argument('--scale', type=float, default=1.0, help='Frames per night scale')
    parser.add_argument('--memory-frames', default='1000,10000',
                        help='Sizes of the tiny-frame archives for the memory test')
    parser.add_argument('--workdir', default=None,
                        help='Scratch folder (default: a temporary one, removed)')
    args = parser.parse_args()

    from pypeit_spit.io.sites import use_offline_sites
    use_offline_sites()
    from pypeit_spit.simulate import simulate_nights
    work = Path(args.workdir or tempfile.mkdtemp(prefix='bench_archive_'))
    work.mkdir(parents=True, exist_ok=True)
    try:
        root = work / 'archive'
        t0 = time.perf_counter()
        manifest = simulate_nights(args.cameras.split(','), args.nights, root, seed=22,
                                   scale=args.scale, workers=2)
        (root / 'manifest.ecsv').unlink()
        nights = sorted({str(Path(str(f)).parent) for f in manifest['file']})
        n = len(manifest)
        print(f'archive: {n} frames in {len(nights)} night folders of '
              f'{len(args.cameras.split(","))} spectrographs (simulated in '
              f'{time.perf_counter() - t0:.0f} s)')
        archive = _command('pypeit_spit_archive')
        rate, rows = {}, {}
        for j in (1, 2):
            cat = work / f'local{j}.sqlite'
            wall, _, _, rc = _run([archive, str(root), '--catalog', str(cat), '-j', str(j),
                                   '--no-progress', '-v', '0'])
            rate[f'local -j {j}'] = n / wall
            rows[f'local -j {j}'] = _rows(cat)
        for preload, key, name in ((True, 'dask 2 workers', 'dask.sqlite'),
                                   (False, 'dask, no preload', 'dask_no_preload.sqlite')):
            cluster = _Cluster(work, preload=preload)
            try:
                cat = work / name
                wall, _, _, rc = _run([archive, str(root), '--catalog', str(cat),
                                       '--scheduler', cluster.address, '--no-progress',
                                       '-v', '0'])
                rate[key] = n / wall
                rows[key] = _rows(cat)
            finally:
                cluster.close()
        wall, _, _, rc = _run([_command('pypeit_spit_classify'), *[str(root / f)
                                                                   for f in nights],
                               '-j', '2', '--no-progress'])
        rate['pypeit_spit_classify -j 2'] = n / wall
        cat = work / 'killed.sqlite'
        _run([archive, str(root), '--catalog', str(cat), '-j', '2', '--no-progress', '-v',
              '0'], kill_after_rows=max(1, n // 2), catalog=cat)
        held = _count(cat)
        _run([archive, str(root), '--catalog', str(cat), '-j', '2', '--no-progress', '-v', '0'])
        rows[f'killed at {held} rows + re-run'] = _rows(cat)

        print('\nframes/s')
        for k, v in rate.items():
            print(f'  {k:<28} {v:7.2f}')
        print(f'  ratio local -j 2 / -j 1       {rate["local -j 2"] / rate["local -j 1"]:.2f}'
              '  (target >= 1.8)')
        print(f'  ratio dask / local -j 2       '
              f'{rate["dask 2 workers"] / rate["local -j 2"]:.2f}  (target >= 0.9)')
        print(f'  ratio dask no preload / -j 2  '
              f'{rate["dask, no preload"] / rate["local -j 2"]:.2f}')
        print(f'  ratio archive -j 2 / classify -j 2  '
              f'{rate["local -j 2"] / rate["pypeit_spit_classify -j 2"]:.2f}')
        ref = rows['local -j 1']
        print('\nsame rows as local -j 1 (typed_at aside)')
        for k, v in rows.items():
            print(f'  {k:<28} {"yes" if v == ref else "NO"} ({len(v)} rows, '
                  f'{len({r[0] for r in v})} files)')

        print('\ndriver peak memory (its own VmHWM), tiny frames, -j 2')
        peaks = {}
        for size in [int(s) for s in args.memory_frames.split(',')]:
            tiny = work / f'tiny{size}'
            _tiny_archive(tiny, size)
            wall, peak, _, _ = _run([archive, str(tiny), '--catalog',
                                     str(work / f'tiny{size}.sqlite'), '-j', '2',
                                     '--no-progress', '-v', '0'])
            peaks[size] = peak
            print(f'  {size:>6} frames: {peak:7.1f} MB, {size / wall:.1f} frames/s')
            shutil.rmtree(tiny)
        sizes = sorted(peaks)
        print(f'  ratio {sizes[-1]} / {sizes[0]} frames: {peaks[sizes[-1]] / peaks[sizes[0]]:.2f}'
              '  (target: flat, ~1)')
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
