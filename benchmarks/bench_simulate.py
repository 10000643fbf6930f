"""
Benchmark: simulated frames per second per spectrograph, in memory and written to disk.

Run ``python benchmarks/bench_simulate.py [n] [name ...]``; prints, per spectrograph,
the one-off cost of a night context (for the long-slit instruments: learning the raw
layout from PypeIt's reader), frames/s in memory (``simulate_raw``, the five classes in
turn, one night context per spectrograph, its common geometry) and frames/s of a small
night written to disk. Writes only under a temporary folder; one process.
"""
import sys
import tempfile
import time

import numpy as np

from pypeit_spit.simulate import (CLASSES, SPECTROGRAPHS, draw_night_context, simulate_nights,
                                  simulate_raw)


def bench(name, n=20, tmp=None):
    """
    Time one spectrograph.

    Parameters
    ----------
    name : str
    n : int
        In-memory frames.
    tmp : str, optional
        Folder for the written night.

    Returns
    -------
    dict
        ``context_s``, ``mem_fps``, ``disk_fps``, ``frames`` (written), ``mpx`` (million
        raw pixels per frame).
    """
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    ctx = draw_night_context(name, rng, variety=False)
    context_s = time.perf_counter() - t
    hdul, _ = simulate_raw(name, 'bias', rng, context=ctx)          # warm caches
    mpx = sum(h.data.size for h in hdul if h.data is not None) / 1e6
    t = time.perf_counter()
    for i in range(n):
        simulate_raw(name, CLASSES[i % 5], rng, context=ctx)
    mem = n / (time.perf_counter() - t)
    out = dict(context_s=context_s, mem_fps=mem, mpx=mpx)
    if tmp is not None:
        t = time.perf_counter()
        tab = simulate_nights(name, 1, f'{tmp}/{name}', seed=1, scale=0.3)
        out.update(disk_fps=len(tab) / (time.perf_counter() - t), frames=len(tab))
    return out


def main(n=20, names=None):
    """Print the benchmark of every (or the named) spectrograph."""
    names = names or SPECTROGRAPHS
    print(f'{"spectrograph":24s} {"Mpx/frame":>9s} {"context s":>9s} {"mem f/s":>8s} '
          f'{"disk f/s":>8s}')
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            r = bench(name, n=n, tmp=tmp)
            print(f'{name:24s} {r["mpx"]:9.2f} {r["context_s"]:9.2f} {r["mem_fps"]:8.2f} '
                  f'{r.get("disk_fps", float("nan")):8.2f}', flush=True)


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20, sys.argv[2:] or None)
