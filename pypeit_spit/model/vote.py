"""
The decision rule of Jankov & Prochaska (2018), in one place: classify an image and
its three flips; the class that wins at least 3 of the 4 votes is the answer, if its
mean probability also reaches the class's cut; otherwise Unknown.
"""
import numpy as np

from pypeit_spit.vocab import UNKNOWN_INDEX

__all__ = ['MIN_VOTES', 'count_votes', 'decide']

#: Votes (of 4) the winning class needs.
MIN_VOTES = 3


def count_votes(probs4):
    """
    Votes of the copies of each frame.

    Parameters
    ----------
    probs4 : `numpy.ndarray`, shape (n, n_flips, k)
        Class probabilities of every copy of every frame.

    Returns
    -------
    winner : `numpy.ndarray` of int, shape (n,)
        The most-voted class (ties: the lowest index, as :func:`numpy.argmax`).
    votes : `numpy.ndarray` of int, shape (n,)
        Its number of votes.
    """
    probs4 = np.asarray(probs4)
    if probs4.ndim != 3:
        raise ValueError(f'expected probabilities of shape (n, flips, classes), '
                         f'got {probs4.shape}')
    n, _, k = probs4.shape
    counts = np.zeros((n, k), dtype=int)
    np.add.at(counts, (np.repeat(np.arange(n), probs4.shape[1]),
                       probs4.argmax(axis=2).ravel()), 1)
    winner = counts.argmax(axis=1)
    return winner, counts[np.arange(n), winner]


def decide(winner, votes, probs, cuts, min_votes=MIN_VOTES):
    """
    The answer of each frame: its winner, or Unknown.

    Parameters
    ----------
    winner, votes : `numpy.ndarray` of int, shape (n,)
        From :func:`count_votes`.
    probs : `numpy.ndarray`, shape (n, k)
        Mean probability of each class over the copies.
    cuts : float or array_like of shape (k,)
        Least mean probability of the winner, per class (a single value applies to
        every class; 0 takes every vote winner).
    min_votes : int, optional

    Returns
    -------
    `numpy.ndarray` of int
        Class index, or :data:`~pypeit_spit.vocab.UNKNOWN_INDEX`.
    """
    winner = np.asarray(winner, dtype=int)
    probs = np.asarray(probs, dtype=float)
    cuts = np.broadcast_to(np.asarray(cuts, dtype=float), (probs.shape[1],))
    rows = np.arange(winner.size)
    passed = (np.asarray(votes) >= min_votes) & (probs[rows, winner] >= cuts[winner])
    return np.where(passed, winner, UNKNOWN_INDEX)
