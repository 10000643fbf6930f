"""
Light inference, measured as users meet it: whole commands, paired in one run.

Prints, each against its baseline in the same run (runs interleaved A B A B ... so that
a drift of the machine's speed hits both; medians of ``--runs``):

1. ``pypeit_spit_setup`` against ``pypeit_setup`` on a night (wall time, peak memory,
   ratios); then the same command run with the interpreter's normal exit (its objects
   torn down one by one, as ``pypeit_setup`` ends), which pypeit-spit's commands skip
   (:func:`pypeit_spit.scripts.base.exit_now`), so that this part of the gain is seen;
2. ``pypeit_spit_classify`` against reading the same pixels with astropy, both as
   whole processes ("cold": start-up and imports included), and in one process
   after a warm-up ("warm": the typing itself against the pixel read), on a night of
   ``--frames`` frames cycled from the folder;
3. with ``--install-size``: the installed size of a fresh virtual environment with
   the package alone and with its training extra (``[train]``), from a wheel of this
   checkout (minutes: it installs TensorFlow).

Every figure is a whole process timed from outside with ``os.wait4`` (wall clock and
the child's own peak resident memory), so anyone can re-run it with public tools.
``pypeit_spit_classify`` reads frames in worker processes (Linux), whose memory
``wait4`` does not add up: the memory compared is therefore the peak, sampled every
50 ms from ``/proc``, of the **proportional set size summed over the command's process
tree** (each page shared by processes counted once in all; ``smem``'s measure),
printed beside the largest resident set of one process and the peak resident sets
summed over the tree (pages shared by a fork counted once per process: an upper
bound). Sampling slows the sampled processes (reading ``smaps_rollup`` takes each
one's memory-map lock: a 200-frame classify took 7.5 instead of 6.9 s), so times and
memory come from separate runs: ``--runs`` timed pairs without sampling, then
``--memory-runs`` sampled pairs.

``pypeit_setup`` itself needs astropy's observatory list: on a machine without network
access load it once first (``python -m pypeit_spit.io.sites
../shared/astropy-data/coordinates/sites.json``); pypeit-spit's commands do not.

Usage::

    python benchmarks/bench_setup.py ../shared/realframes/shane_kast_blue \\
        -s shane_kast_blue --runs 5 --frames 200 [--install-size]

Targets (issue 12): setup <= 1.2x ``pypeit_setup`` wall time and <= 1.5x its peak
memory; classify of a 200-frame night <= 2x the pixel-read time; an install without
the training extra under 1 GB.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from itertools import cycle, islice
from pathlib import Path

BIN = Path(sys.executable).parent


def _tree(root):
    """The process ``root`` and its descendants (from ``/proc/*/stat``)."""
    parent = {}
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                with open(f'/proc/{name}/stat') as f:
                    parent[int(name)] = int(f.read().rsplit(')', 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    tree, k = [root], 0
    while k < len(tree):
        tree += [pid for pid, ppid in parent.items() if ppid == tree[k]]
        k += 1
    return tree


def _memory_kib(pid):
    """(Pss, Rss) of a process in KiB, or (0, 0) once it is gone."""
    values = {}
    try:
        with open(f'/proc/{pid}/smaps_rollup') as f:
            for line in f:
                key = line.split(':', 1)[0]
                if key in ('Pss', 'Rss'):
                    values[key] = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return values.get('Pss', 0), values.get('Rss', 0)


class TreeMemory(threading.Thread):
    """Samples the summed Pss and Rss of a process tree every ``interval`` seconds."""

    def __init__(self, pid, interval=0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_pss = self.peak_rss = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            sums = [sum(v) for v in zip(*(_memory_kib(p) for p in _tree(self.pid)))]
            if sums:
                self.peak_pss = max(self.peak_pss, sums[0])
                self.peak_rss = max(self.peak_rss, sums[1])
            self.done.wait(self.interval)


def run_timed(cmd, cwd=None, sample=False):
    """Run ``cmd``; return (wall seconds, {memory measure: peak MiB}, exit status), the
    tree's memory only when ``sample`` (which slows the command)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    sampler = TreeMemory(proc.pid) if sample else None
    if sampler is not None:
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    peak = {'one process Rss': usage.ru_maxrss / 1024}
    if sampler is not None:
        sampler.done.set()
        sampler.join()
        peak.update({'tree Pss': sampler.peak_pss / 1024, 'tree Rss': sampler.peak_rss / 1024})
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, peak, proc.returncode


MEASURES = ('tree Pss', 'one process Rss', 'tree Rss')


def paired(name_a, cmd_a, name_b, cmd_b, runs, cwd, memory_runs=2):
    """Interleave A and B ``runs`` times (after one warm-up each) in ``cwd`` (where
    PypeIt writes its log files), timed; then ``memory_runs`` times, sampling their
    memory; print medians."""
    walls = {name_a: [], name_b: []}
    memory = {name_a: [], name_b: []}
    for k in range(1 + runs + memory_runs):
        sample = k > runs
        for name, cmd in ((name_a, cmd_a), (name_b, cmd_b)):
            args = cmd() if callable(cmd) else cmd
            wall, peak, rc = run_timed(args, cwd=cwd, sample=sample)
            if rc != 0:
                err = subprocess.run(args, capture_output=True, text=True, cwd=cwd).stderr
                sys.exit(f'{name} exited {rc}: {" ".join(map(str, args))}\n{err[-2000:]}')
            if sample:
                memory[name].append(peak)
            elif k:                     # the first round warms the file cache
                walls[name].append(wall)
    med = {n: (_median(w), {m: _median([p[m] for p in memory[n]]) for m in MEASURES})
           for n, w in walls.items()}
    ratios = [a / b for a, b in zip(walls[name_a], walls[name_b])]
    head = ''.join(f'{m + " MiB":>20}' for m in MEASURES)
    print(f'{"command":<34} {"wall s (median)":>15}{head}')
    for n, (w, p) in med.items():
        print(f'{n:<34} {w:15.2f}' + ''.join(f'{p[m]:20.0f}' for m in MEASURES))
    mem = ', '.join(f'{m} {med[name_a][1][m] / med[name_b][1][m]:.2f}x' for m in MEASURES)
    print(f'ratio {name_a} / {name_b}: wall {_median(ratios):.2f}x (pairs: '
          f'{min(ratios):.2f}-{max(ratios):.2f}); peak memory (medians): {mem}\n')


def _median(values):
    v = sorted(values)
    n = len(v)
    return (v[n // 2] + v[(n - 1) // 2]) / 2


def night_of(folder, n, dest):
    """A night of ``n`` frames: links cycling through the folder's FITS files."""
    from pypeit_spit.io.paths import expand_paths
    files = expand_paths([folder])
    dest.mkdir()
    for i, f in enumerate(islice(cycle(files), n)):
        suffix = ''.join(Path(f).suffixes)
        os.symlink(os.path.abspath(f), dest / f'f{i:04d}{suffix}')
    return dest


NORMAL_EXIT = """
import sys
from pypeit_spit.io.sites import use_offline_sites
use_offline_sites()   # the explicit call a command makes where it starts (scripts.launch)
from pypeit_spit.scripts.spit_setup import SpitSetup
sys.exit(SpitSetup.run(SpitSetup.parse_args()))
"""

READ_PIXELS = """
import sys
from astropy.io import fits
from pypeit_spit.io.paths import expand_paths
for f in expand_paths([sys.argv[1]]):
    with fits.open(f, memmap=False) as hdul:
        for hdu in hdul:
            if hdu.data is not None and hdu.data.ndim >= 2:
                hdu.data.astype(float)
"""

WARM = """
import sys, time
from astropy.io import fits
from pypeit_spit.io.paths import expand_paths
from pypeit_spit.pipeline.classify import classify_files
from pypeit_spit.model.store import get_model
files = expand_paths([sys.argv[1]])
spec = sys.argv[2] if sys.argv[2] != 'none' else None
model = get_model(None)
classify_files(files[:4], spectrograph=spec, model=model)   # warm-up
def read():
    for f in files:
        with fits.open(f, memmap=False) as hdul:
            for hdu in hdul:
                if hdu.data is not None and hdu.data.ndim >= 2:
                    hdu.data.astype(float)
def typ():
    classify_files(files, spectrograph=spec, model=model)
best = {}
for k in range(int(sys.argv[3])):
    for name, fn in (('read', read), ('classify', typ)):
        t0 = time.perf_counter(); fn(); best.setdefault(name, []).append(time.perf_counter() - t0)
r = sorted(a / b for a, b in zip(best['classify'], best['read']))
med = lambda v: sorted(v)[len(v) // 2]
print(f"warm, in one process: classify_files {med(best['classify']):.2f} s, astropy read "
      f"{med(best['read']):.2f} s, ratio {med(r):.2f}x")
"""


def install_sizes(tmp):
    """Installed size of a fresh venv with the wheel, and with the wheel's [train]."""
    repo = Path(__file__).resolve().parents[1]
    dist = tmp / 'dist'
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '-w', str(dist),
                    str(repo)], check=True)
    wheel = next(dist.glob('pypeit_spit-*.whl'))
    sizes = {}
    for label, spec in (('pypeit-spit', str(wheel)), ('pypeit-spit[train]', f'{wheel}[train]')):
        venv = tmp / label.replace('[', '_').replace(']', '')
        subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
        subprocess.run([str(venv / 'bin' / 'python'), '-m', 'pip', 'install', '-q', spec],
                       check=True)
        total = sum(p.stat().st_size for p in venv.rglob('*') if p.is_file()
                    and not p.is_symlink())
        sizes[label] = total
    print(f'{"fresh virtual environment":<34} {"installed GB":>12} {"GiB":>6}')
    for label, total in sizes.items():
        print(f'{label:<34} {total / 1e9:12.3f} {total / 1024 ** 3:6.3f}')
    print()


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('folder', help='a night of raw frames')
    p.add_argument('-s', '--spectrograph', default='shane_kast_blue')
    p.add_argument('--runs', type=int, default=5, help='timed pairs (after a warm-up)')
    p.add_argument('--memory-runs', type=int, default=2,
                   help='pairs whose memory is sampled (not timed)')
    p.add_argument('--frames', type=int, default=200,
                   help='frames of the night typed by classify (cycled from the folder)')
    p.add_argument('--install-size', action='store_true')
    p.add_argument('--no-timing', action='store_true',
                   help='skip 1. and 2. (e.g. to measure only the installed size)')
    p.add_argument('--no-classify', action='store_true', help='skip 2.')
    args = p.parse_args()
    if args.memory_runs < 1:
        p.error('--memory-runs must be at least 1')
    with tempfile.TemporaryDirectory(prefix='spit_bench_setup_') as tmp:
        tmp = Path(tmp)
        n = [0]

        def outdir():
            n[0] += 1
            out = tmp / f'out{n[0]}'
            return out

        def setup_cmd(name):
            return lambda: [str(BIN / name), '-r', str(Path(args.folder).resolve()), '-s',
                            args.spectrograph, '-c', 'all', '-d', str(outdir())]

        if args.no_timing:
            if args.install_size:
                print('3. installed size')
                install_sizes(tmp)
            return
        print(f'1. setup of {args.folder} ({args.spectrograph}), {args.runs} timed pairs, '
              f'{args.memory_runs} sampled')
        paired('pypeit_spit_setup', setup_cmd('pypeit_spit_setup'),
               'pypeit_setup', setup_cmd('pypeit_setup'), args.runs, cwd=tmp,
               memory_runs=args.memory_runs)
        print('1b. the same, pypeit_spit_setup ending with the normal interpreter exit')
        normal = setup_cmd('pypeit_spit_setup')
        paired('pypeit_spit_setup (normal exit)',
               lambda: [sys.executable, '-c', NORMAL_EXIT] + normal()[1:],
               'pypeit_setup', setup_cmd('pypeit_setup'), args.runs, cwd=tmp,
               memory_runs=args.memory_runs)

        if args.no_classify:
            return
        night = night_of(args.folder, args.frames, tmp / 'night')
        print(f'2. classify a night of {args.frames} frames, {args.runs} timed pairs, '
              f'{args.memory_runs} sampled')
        paired('pypeit_spit_classify (cold)',
               [str(BIN / 'pypeit_spit_classify'), str(night), '-s', args.spectrograph,
                '--no-progress', '-v', '0'],
               'astropy pixel read (cold)', [sys.executable, '-c', READ_PIXELS, str(night)],
               args.runs, cwd=tmp, memory_runs=args.memory_runs)
        subprocess.run([sys.executable, '-c', WARM, str(night), args.spectrograph,
                        str(max(1, args.runs))], check=True, cwd=tmp)
        print()
        if args.install_size:
            print('3. installed size')
            install_sizes(tmp)


if __name__ == '__main__':
    main()
