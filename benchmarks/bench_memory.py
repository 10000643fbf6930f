"""
Peak memory against frame size: huge frames are read binned, so memory is bounded.

For each size (default 1000, 4000, 8000 and 16000 pixels square) a float32 FITS frame
is written **sparse** in a temporary folder (a header, a few lit rows and columns, holes
elsewhere: a 16000x16000 frame takes 1 GB of file size but almost no disk), then typed
by ``classify_files`` (network included) in a fresh process, whose peak resident memory
(``VmHWM``) is printed beside the memory of the same process just before the frame is
read (Python, numpy, astropy, PypeIt and the network loaded). Each size is typed with
the generic loader and with ``-s shane_kast_blue`` (PypeIt's reader, which is not used
above the size limit).

Usage::

    python benchmarks/bench_memory.py                      # 1k, 4k, 8k, 16k
    python benchmarks/bench_memory.py --sizes 1000 16000 --max-pixels 20000000

The size limit is :data:`pypeit_spit.io.loaded.DEFAULT_MAX_PIXELS` unless
``--max-pixels`` sets it for the run. Done when: peak memory for one 16000x16000 frame is under 2 GB.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

#: Peak memory (MB) one 16000x16000 frame must stay under.
LIMIT_MB = 2048


def _peak_mb():
    """This process's peak resident memory in MB (VmHWM)."""
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
    return float('nan')


def _rss_mb():
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    return float('nan')


def write_sparse_frame(path, n):
    """
    Write an ``n x n`` float32 FITS frame whose data are mostly holes on disk.

    A few bands of rows and columns are lit (a bias level plus an arc-like pattern),
    so that the frame is not constant; everything else is left as a hole (zeros).
    """
    from astropy.io import fits
    header = fits.Header()
    header['SIMPLE'] = True
    header['BITPIX'] = -32
    header['NAXIS'] = 2
    header['NAXIS1'] = n
    header['NAXIS2'] = n
    header['OBJECT'] = 'sparse benchmark frame'
    text = header.tostring().encode('ascii')
    row_bytes = 4 * n
    data_bytes = row_bytes * n
    total = len(text) + data_bytes
    total += (-total) % 2880
    rng = np.random.default_rng(n)
    with open(path, 'wb') as f:
        f.write(text)
        f.truncate(total)
        # Lit rows: a smooth slit profile with arc lines along the spectral axis.
        cols = np.arange(n)
        lines = np.zeros(n, dtype=np.float32)
        lines[rng.integers(0, n, 40)] = 5000.0
        for r in np.linspace(n * 0.3, n * 0.7, 16).astype(int):
            f.seek(len(text) + r * row_bytes)
            row = (1000.0 + 50.0 * np.sin(cols / n * np.pi) + lines
                   + rng.normal(0, 3, n)).astype('>f4')
            f.write(row.tobytes())
    return path


def _child(path, spectrograph, out, max_pixels=None):
    """Type one frame; write the memory figures as JSON."""
    from pypeit_spit.pipeline.classify import classify_files
    from pypeit_spit.model.store import get_model
    from pypeit_spit.io.loaded import size_limit
    from pypeit_spit.io.spectrograph import get_spectrograph
    model = get_model(None)
    spec = get_spectrograph(spectrograph) if spectrograph else None
    # Warm the network on a small frame so that its one-off allocations are in the
    # baseline, not charged to the big frame.
    small = Path(out).with_suffix('.small.fits')
    write_sparse_frame(small, 512)
    classify_files([small], spectrograph=spec, model=model)
    before = _rss_mb()
    table = classify_files([path], spectrograph=spec, model=model, max_pixels=max_pixels)
    json.dump({'before_mb': before, 'peak_mb': _peak_mb(), 'limit': size_limit(max_pixels),
               'class': str(table['class'][0]), 'loader': str(table['loader'][0]),
               'error': str(table['error'][0])}, open(out, 'w'))


def main(argv=None):
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[1000, 4000, 8000, 16000])
    parser.add_argument('--max-pixels', type=int, default=None,
                        help='Size limit for the run (classify_files max_pixels)')
    parser.add_argument('--loaders', nargs='+', default=['generic', 'shane_kast_blue'],
                        help="'generic' and/or PypeIt spectrograph names")
    parser.add_argument('--child', nargs='+', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        path, spec, out, *limit = args.child
        _child(path, None if spec == 'generic' else spec, out,
               int(limit[0]) if limit else None)
        return 0
    env = dict(os.environ)
    limit = [] if args.max_pixels is None else [str(args.max_pixels)]
    rows = []
    with tempfile.TemporaryDirectory(prefix='spit_bench_memory_') as tmp:
        for n in args.sizes:
            path = write_sparse_frame(Path(tmp) / f'frame{n}.fits', n)
            for loader in args.loaders:
                out = Path(tmp) / f'out{n}_{loader}.json'
                proc = subprocess.run([sys.executable, __file__, '--child', str(path), loader,
                                       str(out), *limit], env=env, capture_output=True,
                                      text=True)
                if proc.returncode != 0:
                    print(proc.stderr[-3000:], file=sys.stderr)
                    return 1
                res = json.loads(out.read_text())
                rows.append((n, loader, res))
            path.unlink()
    limit = rows[0][2]['limit'] if rows else None
    print(f'Peak memory of classify_files on one sparse float32 frame (size limit '
          f'{limit:,} pixels)')
    print(f'{"size":>11}  {"file MB":>8}  {"loader asked":<16}  {"before MB":>9}  '
          f'{"peak MB":>8}  {"peak-before":>11}  class     loader used')
    worst16 = 0.0
    for n, loader, res in rows:
        peak, before = res['peak_mb'], res['before_mb']
        if n >= 16000:
            worst16 = max(worst16, peak)
        used = res['loader'] or f'error: {res["error"]}'
        print(f'{n:>5}x{n:<5}  {4 * n * n / 2**20:8.0f}  {loader:<16}  {before:9.0f}  '
              f'{peak:8.0f}  {peak - before:11.0f}  {res["class"]:<8}  {used}')
    if worst16:
        verdict = 'under' if worst16 < LIMIT_MB else 'OVER'
        print(f'16000x16000: peak {worst16:.0f} MB, {verdict} the {LIMIT_MB} MB target')
        return 0 if worst16 < LIMIT_MB else 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
