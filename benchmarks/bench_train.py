"""
Training throughput (images per second) of both networks on random data.

Usage::

    python benchmarks/bench_train.py [--steps 6] [--batch-size 30] [--arch compact spit2018]

Each architecture trains on random uint8 frames fed through
:func:`pypeit_spit.model.keras_net.FrameSequence` (flips and scaling per batch, as in real
training); the first batch (graph tracing) is excluded from the timing.
"""
import argparse
import os
import time

import numpy as np


def bench(arch, steps, batch_size, seed=0):
    """Images per second for ``steps`` training batches of one architecture."""
    from pypeit_spit.model.keras_net import FrameSequence, compile_for_training, set_random_seed
    from pypeit_spit.model.store import build_model
    from pypeit_spit.preprocess.contract import STAT_NAMES
    from pypeit_spit.training.dataset import flip_samples

    rng = np.random.default_rng(seed)
    n = max(batch_size * (steps + 1) // 4 + 1, 8)
    images = rng.integers(0, 256, (n, 210, 650), dtype=np.uint8)
    stats = rng.normal(size=(n, len(STAT_NAMES))).astype(np.float32)
    labels = rng.integers(0, 5, n)
    set_random_seed(seed)
    spit = build_model(arch)
    network = spit.backend.network
    compile_for_training(network, 1e-4)
    samples = flip_samples(np.arange(n))[:batch_size * (steps + 1)]
    seq = FrameSequence(images, stats if spit.uses_stats else None, labels, samples,
                        batch_size)
    x, y = seq[0]
    network.train_on_batch(x, y)                        # trace / warm up
    t0 = time.perf_counter()
    for i in range(1, steps + 1):
        x, y = seq[i]
        network.train_on_batch(x, y)
    dt = time.perf_counter() - t0
    return steps * batch_size / dt, spit.n_weights


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--steps', type=int, default=6)
    parser.add_argument('--batch-size', type=int, default=30)
    parser.add_argument('--arch', nargs='+', default=['compact', 'spit2018'])
    args = parser.parse_args()
    print(f'{os.cpu_count()} CPUs, batch {args.batch_size}, {args.steps} timed steps')
    for arch in args.arch:
        rate, nw = bench(arch, args.steps, args.batch_size)
        print(f'{arch:10s} {nw:>10d} weights  {rate:8.1f} images/s  '
              f'({3600 * rate / 4:.0f} frames x 4 flips per hour)')


if __name__ == '__main__':
    main()
