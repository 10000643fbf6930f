"""
Training throughput (images per second), and today's recipe against the new one.

Usage::

    python benchmarks/bench_train.py [--steps 6] [--batch-size 30] [--arch compact spit2018 longslit]
    python benchmarks/bench_train.py --compare [--data MANIFEST.ecsv --cache CACHE.npz]
                                     [--epochs 3] [--chunk 10]

Without ``--compare`` each architecture trains on random uint8 frames, batches made
beforehand (:func:`pypeit_spit.training.batches.gather_batch`): the network's speed
alone; the first batch (graph tracing) is excluded from the timing.

``--compare`` trains, in one process and on the same samples, **today's recipe** (the
``compact`` network in float32, batches made by :class:`TodaySequence` (the code of
``keras_net.FrameSequence``, which it replaced), one
``train_on_batch`` per batch: the loop of ``pypeit_spit_train`` before the new one,
without the overhead of ``fit``) and **the new recipe** (``longslit`` in
``mixed_bfloat16``, batches made by :func:`pypeit_spit.training.batches.gather_batch`:
one sorted gather, vectorised flips, the loop of
:func:`pypeit_spit.training.train.train_epoch`). Both see the same thread settings
(:func:`~pypeit_spit.model.keras_net.set_threads`) and deterministic kernels, as
``pypeit_spit_train`` runs them. The two are timed in alternating chunks of ``--chunk``
batches (A B, B A, A B, ...), so that the load of a shared machine hits both alike; the
ratio of each pair of chunks gives the spread. With ``--data`` (a labels table, e.g. a
simulator's manifest) both train for the same number of images (``--epochs`` epochs of
the balanced, flipped training nights) and are then scored on the validation nights
(split by night, 70/30) through the one inference path: normalized accuracy and the
3-of-4 vote (the same images budget); then the new recipe trains on, epoch after epoch,
until it has trained as long as today's did, and is scored after every epoch (the same
wall time: whether the cheaper network catches up). Without ``--data`` they train on
random frames (speed only).

A small simulated set (about 1,000 frames, 1 min to simulate, 2 min to pre-process)::

    pypeit_spit_simulate -s shane_kast_blue shane_kast_red shane_kast_red_ret --nights 8 \\
        --seed 4242 --faults 0.1 --outdir SCRATCH/sim --workers 1
    python benchmarks/bench_train.py --compare --data SCRATCH/sim/manifest.ecsv \\
        --cache SCRATCH/sim_cache.npz

The last line printed is ``training speedup: X.XXx (new A images/s vs today's B images/s)``.
"""
import argparse
import os
import time

import numpy as np


def bench(arch, steps, batch_size, seed=0):
    """Images per second for ``steps`` training batches of one architecture."""
    from pypeit_spit.model.keras_net import compile_for_training, set_random_seed
    from pypeit_spit.model.store import build_model
    from pypeit_spit.preprocess.contract import STAT_NAMES
    from pypeit_spit.training.batches import gather_batch
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
    batches = [gather_batch(images, stats if spit.uses_stats else None, labels,
                            samples[i * batch_size:(i + 1) * batch_size])
               for i in range(steps + 1)]
    network.train_on_batch(*batches[0])                 # trace / warm up
    t0 = time.perf_counter()
    for x, y in batches[1:]:
        network.train_on_batch(x, y)
    dt = time.perf_counter() - t0
    return steps * batch_size / dt, spit.n_weights


class TodaySequence:
    """
    Today's batches (``keras_net.FrameSequence`` before the new recipe): the samples of
    a batch gathered in their shuffled order, transformed (augmentation) image by
    image, flipped by boolean masks, scaled.
    """

    def __init__(self, images, stats, labels, samples, batch_size, transform=None):
        self.images, self.stats, self.labels = images, stats, labels
        self.samples = np.asarray(samples, dtype=np.int64).reshape(-1, 2)
        self.batch_size, self.transform = batch_size, transform
        self.epoch_seed = (0,)

    def __getitem__(self, index):
        from pypeit_spit.preprocess.contract import to_network
        from pypeit_spit.training.batches import apply_flips
        s = self.samples[index * self.batch_size:(index + 1) * self.batch_size]
        frames, flip = s[:, 0], s[:, 1]
        img = self.images[frames]
        if self.transform is not None:
            img = self.transform(img, self.epoch_seed, index)
        x = to_network(apply_flips(img, flip))   # the same boolean-mask flips
        if self.stats is not None:
            x = {'image': x, 'stats': self.stats[frames].astype(np.float32)}
        return x, self.labels[frames].astype(np.int32)


def augment_per_image(images, rng, p_crop=0.5, p_band=0.15):
    """Today's layout augmentation: the one-image functions, image by image."""
    from pypeit_spit.training.augment import random_band, random_crop
    out = np.array(images, copy=True)
    for i in range(len(out)):
        if rng.random() < p_crop:
            out[i] = random_crop(out[i], rng)
        if rng.random() < p_band:
            out[i] = random_band(out[i], rng)
    return out


class Recipe:
    """One training recipe: a network and the way its batches are made."""

    def __init__(self, name, architecture, precision, images, stats, labels, batch_size,
                 new_pipeline, augment, seed=0):
        from pypeit_spit.model import keras_net
        from pypeit_spit.model.store import build_model
        keras_net.set_random_seed(seed)
        self.name, self.architecture = name, architecture
        self.network = build_model(architecture, precision=precision).backend.network
        keras_net.compile_for_training(self.network, 1e-4)
        self.images, self.stats, self.labels = images, stats, labels
        self.batch_size, self.new, self.augment = batch_size, new_pipeline, augment
        self.seconds = 0.0
        self.images_done = 0   # timed images
        self.trained = 0       # all images trained on (the untimed first batch too)
        self.loss = []

    def run(self, samples, epoch, first_batch, n_batches, seed=0):
        """Train ``n_batches`` batches of ``samples`` from ``first_batch``; seconds taken."""
        from pypeit_spit.training.batches import batch_rng, gather_batch
        bs = self.batch_size
        t0 = time.perf_counter()
        if self.new:
            for b in range(first_batch, first_batch + n_batches):
                x, y = gather_batch(self.images, self.stats, self.labels,
                                    samples[b * bs:(b + 1) * bs],
                                    batch_rng(seed, epoch, b) if self.augment else None)
                self.loss.append(self.network.train_on_batch(x, y))
        else:
            transform = (lambda img, es, i: augment_per_image(img, batch_rng(*es, i))) \
                if self.augment else None
            seq = TodaySequence(self.images, self.stats, self.labels, samples, bs,
                                transform=transform)
            seq.epoch_seed = (seed, epoch)
            for b in range(first_batch, first_batch + n_batches):
                x, y = seq[b]
                self.loss.append(self.network.train_on_batch(x, y))
        dt = time.perf_counter() - t0
        n = min(len(samples), (first_batch + n_batches) * bs) - first_batch * bs
        self.seconds += dt
        self.images_done += n
        self.trained += n
        return dt, n

    @property
    def rate(self):
        return self.images_done / max(self.seconds, 1e-9)


def load_data(args):
    """Images, stats, labels, training and validation frames."""
    rng = np.random.default_rng(0)
    if args.data is None:
        n = 200
        images = rng.integers(0, 256, (n, 210, 650), dtype=np.uint8)
        stats = rng.normal(size=(n, 5)).astype(np.float32)
        labels = rng.integers(0, 5, n)
        return images, stats, labels, np.arange(n), np.zeros(0, int), None
    from pypeit_spit.training.dataset import build_dataset, read_labels, split_by_night
    fs = build_dataset(read_labels(args.data), cache=args.cache, workers=args.workers,
                       progress=False)
    split = split_by_night(fs.nights, (0.7, 0.3, 0.0), seed=0)
    return fs.images, fs.stats, fs.labels, split['train'], split['validation'], fs


def compare(args):
    from pypeit_spit.model import keras_net
    from pypeit_spit.training.batches import epoch_samples
    problem = keras_net.set_threads(None)
    det = keras_net.enable_determinism()
    images, stats, labels, tr, va, fs = load_data(args)
    print(f'{os.cpu_count()} CPUs, batch {args.batch_size}, chunks of {args.chunk} batches, '
          f'{tr.size} training frames, {va.size} validation frames'
          + (', augmented' if args.augment else '')
          + (f' (threads not set: {problem})' if problem else '')
          + (f' (determinism not set: {det})' if det else ''))
    today = Recipe('today', 'compact', 'float32', images, stats, labels, args.batch_size,
                   False, args.augment)
    new = Recipe('new', 'longslit', 'mixed_bfloat16', images, stats, labels, args.batch_size,
                 True, args.augment)
    print(f'today: compact float32, TodaySequence, {today.network.count_params()} weights; '
          f'new: longslit mixed_bfloat16, gather_batch, {new.network.count_params()} weights')
    ratios = []
    pair = 0
    for epoch in range(1, args.epochs + 1):
        samples = epoch_samples(tr, labels, 0, epoch)
        n_batches = -(-len(samples) // args.batch_size)
        if epoch == 1:   # trace both graphs outside the timing (on one batch each)
            for r in (today, new):
                r.run(samples, epoch, 0, 1)
                r.seconds, r.images_done = 0.0, 0
            first = 1
        else:
            first = 0
        while first < n_batches:
            k = min(args.chunk, n_batches - first)
            order = (today, new) if pair % 2 == 0 else (new, today)
            t = {r.name: r.run(samples, epoch, first, k) for r in order}
            ratios.append((t['new'][1] / t['new'][0]) / (t['today'][1] / t['today'][0]))
            first += k
            pair += 1
        print(f'epoch {epoch}: today {today.rate:.1f} images/s, new {new.rate:.1f} images/s '
              f'(so far)', flush=True)
    r = np.array(ratios)
    print(f'speedup per chunk pair ({r.size} pairs): median {np.median(r):.2f}x, '
          f'min {r.min():.2f}x, max {r.max():.2f}x, interquartile '
          f'{np.percentile(r, 25):.2f}-{np.percentile(r, 75):.2f}x')
    rate_today, rate_new = today.rate, new.rate
    if fs is not None and va.size:
        for rec in (today, new):
            score(rec, fs, va, f'{rec.trained} images ({args.epochs} epochs)')
        if args.same_wall:
            # The new recipe goes on, epoch after epoch, until it has trained as long as
            # today's did (the same wall time), scored after every epoch.
            epoch = args.epochs
            while new.seconds < today.seconds:
                epoch += 1
                samples = epoch_samples(tr, labels, 0, epoch)
                n_batches = -(-len(samples) // args.batch_size)
                first = 0
                while first < n_batches and new.seconds < today.seconds:
                    new.run(samples, epoch, first, min(args.chunk, n_batches - first))
                    first += args.chunk
                whole = first >= n_batches
                score(new, fs, va, f'{new.trained} images ({epoch if whole else epoch - 1} '
                                   f'epochs{"" if whole else " and part of one"}, '
                                   f'{new.seconds:.0f} s of training)')
            print(f"(today's training wall time: {today.seconds:.0f} s)")
    print(f'training speedup: {rate_new / rate_today:.2f}x (new {rate_new:.1f} images/s vs '
          f"today's {rate_today:.1f} images/s)")


def score(rec, fs, va, budget):
    """Print a recipe's validation scores through the one inference path."""
    from pypeit_spit.training.evaluate import final_scheme, normalized_accuracy
    from pypeit_spit.training.train import validate
    res = validate(rec.network, fs, va, True, rec.architecture)
    fsch = final_scheme(res.decide(0.0), fs.labels[va])
    print(f'accuracy after {budget}, {rec.name}: validation normalized '
          f'{normalized_accuracy(res.probs4, fs.labels[va])[0]:.4f}, 3-of-4 vote correct '
          f'{fsch["correct"]:.4f} wrong {fsch["wrong"]:.4f} unknown {fsch["unknown"]:.4f} '
          f'({va.size} frames; training wall {rec.seconds:.0f} s)', flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--steps', type=int, default=6)
    parser.add_argument('--batch-size', type=int, default=30)
    parser.add_argument('--arch', nargs='+', default=['compact', 'spit2018'])
    parser.add_argument('--compare', action='store_true',
                        help="Today's recipe against the new one, interleaved, same data.")
    parser.add_argument('--data', default=None, help='Labels table (--compare): train and score '
                                                     'on it; default random frames.')
    parser.add_argument('--cache', default=None, help='Dataset cache (.npz) for --data.')
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument('--epochs', type=int, default=3, help='Epochs of --data (--compare).')
    parser.add_argument('--chunk', type=int, default=10, help='Batches per timed chunk.')
    parser.add_argument('--augment', action='store_true', help='Layout augmentation (both).')
    parser.add_argument('--no-same-wall', dest='same_wall', action='store_false',
                        help='With --data, do not also train the new recipe for the wall time '
                             "today's took and score it again.")
    args = parser.parse_args()
    if args.compare:
        compare(args)
        return
    print(f'{os.cpu_count()} CPUs, batch {args.batch_size}, {args.steps} timed steps')
    for arch in args.arch:
        rate, nw = bench(arch, args.steps, args.batch_size)
        print(f'{arch:10s} {nw:>10d} weights  {rate:8.1f} images/s  '
              f'({3600 * rate / 4:.0f} frames x 4 flips per hour)')


if __name__ == '__main__':
    main()
