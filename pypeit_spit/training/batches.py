"""
Training batches: (frame, flip) samples -> network inputs, a whole batch at a time.

The images are read with one indexing per batch (``images[frames]``), which works on an
in-memory uint8 array and on a lazy, memory-mapped view of a sharded cache alike; the
frames of a batch are sorted first, so that a view reads its shards in order. Flips,
layout augmentation and the scaling to the network's float input
(:func:`~pypeit_spit.preprocess.contract.to_network`) are array operations on the
batch: no Python runs per image. Only a batch is ever float.
"""
import numpy as np

from pypeit_spit.preprocess.contract import to_network
from pypeit_spit.training.augment import augment_batch

__all__ = ['gather_batch', 'apply_flips', 'epoch_samples', 'batch_rng']


def apply_flips(images, flip):
    """
    Flip every image of a batch by its code, in place.

    Parameters
    ----------
    images : `numpy.ndarray`, shape (n, rows, cols)
    flip : `numpy.ndarray` of int, shape (n,)
        0 none, 1 vertical, 2 horizontal, 3 both (the order of
        :func:`~pypeit_spit.preprocess.contract.flips`).

    Returns
    -------
    `numpy.ndarray`
        ``images``.
    """
    v = (flip == 1) | (flip == 3)
    h = (flip == 2) | (flip == 3)
    if v.any():
        images[v] = images[v][:, ::-1, :]
    if h.any():
        images[h] = images[h][:, :, ::-1]
    return images


def gather_batch(images, stats, labels, samples, augment_rng=None, p_structure=0.0):
    """
    The network inputs and labels of one batch of samples.

    Parameters
    ----------
    images : `numpy.ndarray` of uint8 (n, rows, cols), or a view that gives one
        for ``images[int_array]``
    stats : `numpy.ndarray` or None
        Statistics of every frame; None for an image-only network.
    labels : `numpy.ndarray` of int
    samples : `numpy.ndarray` of int, shape (m, 2)
        ``(frame, flip)`` pairs.
    augment_rng : `numpy.random.Generator` or None, optional
        Layout augmentation (:func:`~pypeit_spit.training.augment.augment_batch`)
        drawn from it; None: none.
    p_structure : float, optional
        With ``augment_rng``: probability of a detector structure per image
        (:func:`~pypeit_spit.training.augment.detector_structure`).

    Returns
    -------
    x : `numpy.ndarray` of float32 (m, rows, cols, 1), or dict with ``image`` and ``stats``
    y : `numpy.ndarray` of int32, shape (m,)
        In the order of the samples sorted by frame (the order of the batch does not
        matter to a training step, and is the same every time).
    """
    s = samples[np.argsort(samples[:, 0], kind='stable')]
    frames, flip = s[:, 0], s[:, 1]
    img = np.array(images[frames], dtype=np.uint8, copy=True)
    if augment_rng is not None:
        img = augment_batch(img, augment_rng, p_structure=p_structure)
    x = to_network(apply_flips(img, flip))
    if stats is not None:
        x = {'image': x, 'stats': np.asarray(stats[frames], dtype=np.float32)}
    return x, np.asarray(labels[frames], dtype=np.int32)


def epoch_samples(train_frames, labels, seed, epoch):
    """
    The samples of one epoch, in training order: the training frames oversampled to
    balanced classes (:func:`~pypeit_spit.training.dataset.balance_indices`), each with
    its four flips, shuffled; a function of ``(seed, epoch)`` only.

    Parameters
    ----------
    train_frames : `numpy.ndarray` of int
    labels : `numpy.ndarray` of int
        Labels of every frame.
    seed, epoch : int

    Returns
    -------
    `numpy.ndarray` of int, shape (m, 2)
    """
    from pypeit_spit.training.dataset import balance_indices, flip_samples
    rng = np.random.default_rng([seed, epoch])
    samples = flip_samples(train_frames[balance_indices(labels[train_frames], rng)])
    return samples[rng.permutation(len(samples))]


def batch_rng(seed, epoch, batch):
    """The random generator of one batch's augmentation (a function of its place only)."""
    return np.random.default_rng([seed, epoch, batch])
