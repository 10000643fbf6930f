"""
The decision rule of Jankov & Prochaska (2018): classify an image and its three
flips; the class that wins at least 3 of the 4 votes is the answer, otherwise
Unknown.
"""
import numpy as np

__all__ = ['UNKNOWN', 'vote', 'MIN_VOTES']

#: Label of an undecided frame.
UNKNOWN = 'unknown'

#: Votes (of 4) the winning class needs.
MIN_VOTES = 3


def vote(probs, classes, min_votes=MIN_VOTES, threshold=0.0):
    """
    Decide one frame from the probabilities of its flipped copies.

    Parameters
    ----------
    probs : `numpy.ndarray`, shape (n_flips, n_classes)
        Softmax output for the image and its flips.
    classes : sequence of str
        Class names in output order.
    min_votes : int, optional
        Votes the winner needs (3 of 4 in the paper).
    threshold : float, optional
        The winner's mean probability must also reach this value.

    Returns
    -------
    label : str
        The winning class, or :data:`UNKNOWN`.
    votes : int
        Votes of the most-voted class.
    mean_probs : `numpy.ndarray`, shape (n_classes,)
        Mean probability of each class over the flips.
    """
    probs = np.asarray(probs, dtype=float)
    if probs.ndim != 2 or probs.shape[1] != len(classes):
        raise ValueError(f'expected probabilities of shape (n, {len(classes)}), '
                         f'got {probs.shape}')
    mean = probs.mean(axis=0)
    counts = np.bincount(np.argmax(probs, axis=1), minlength=len(classes))
    best = int(np.argmax(counts))
    votes = int(counts[best])
    if votes >= min_votes and mean[best] >= threshold:
        return classes[best], votes, mean
    return UNKNOWN, votes, mean
