"""
Benchmark: simulated frames per second, in memory and written to disk.

Run ``python benchmarks/bench_simulate.py [n]``; prints frames/s per camera. Writes only
under a temporary folder.
"""
import sys
import tempfile
import time

import numpy as np

from pypeit_spit.simulate import CAMERAS, CLASSES, simulate_frame, simulate_nights


def main(n=100):
    """Time ``n`` in-memory frames per camera and one written night per camera."""
    for cam in CAMERAS:
        rng = np.random.default_rng(0)
        simulate_frame(cam, 'bias', rng)          # warm caches (PypeIt layout, sky)
        t = time.perf_counter()
        for i in range(n):
            simulate_frame(cam, CLASSES[i % 5], rng)
        dt = time.perf_counter() - t
        print(f'{cam:20s} in memory: {n / dt:6.1f} frames/s')
    with tempfile.TemporaryDirectory() as tmp:
        for cam in CAMERAS:
            t = time.perf_counter()
            tab = simulate_nights(cam, 1, tmp, seed=1)
            dt = time.perf_counter() - t
            print(f'{cam:20s} night to disk: {len(tab) / dt:6.1f} frames/s ({len(tab)} frames)')


if __name__ == '__main__':
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
