"""
The out-of-distribution guard: a frame unlike anything the network was trained on is
Unknown, never a confident wrong type.

The network's embedding (the output of its last hidden layer, ``dense``) of the
training frames is modelled as one Gaussian per class with a covariance shared by
the classes (the "Mahalanobis" detector of Lee et al. 2018, NeurIPS). A frame's
*guard score* is its squared Mahalanobis distance to the nearest class mean, divided
by the embedding's dimension (about 1 for a typical training frame), averaged over
the image and its three flips. A frame whose score exceeds the model's guard cut is
Unknown, whatever its vote.

The cut is a quantile of the scores of validation nights of the spectrographs
trained on (so that a known share of ordinary frames is given up), and its effect is
measured on simulated spectrographs held out of training
(:func:`guard_report`). It is stored in the model's metadata under ``guard``
(:func:`check_guard`) and applied in one place,
:meth:`Inference.decide <pypeit_spit.model.inference.Inference.decide>`.

Numpy only: the embedding comes from the network runtime
(:mod:`pypeit_spit.model.runtime`), everything here is arithmetic on it.
"""
import numpy as np

__all__ = ['GUARD_QUANTILE', 'GUARD_SHRINKAGE', 'fit_guard', 'guard_scores',
           'choose_guard_cut', 'guard_report', 'check_guard']

#: Share of validation frames of trained spectrographs whose guard score is below
#: the cut (so about 0.5% of ordinary frames become Unknown through the guard).
GUARD_QUANTILE = 0.995

#: Shrinkage of the shared covariance towards a multiple of the identity (keeps the
#: distance finite along directions the training frames do not span).
GUARD_SHRINKAGE = 0.05


def _as_copies(embeddings):
    """(n, d) or (n, copies, d) -> (n, copies, d) float64."""
    e = np.asarray(embeddings, dtype=np.float64)
    if e.ndim == 2:
        e = e[:, None, :]
    if e.ndim != 3:
        raise ValueError(f'expected embeddings of shape (n, d) or (n, copies, d), got {e.shape}')
    return e


def fit_guard(embeddings, labels, n_classes, shrinkage=GUARD_SHRINKAGE):
    """
    Class means and the shared whitening of training embeddings.

    Parameters
    ----------
    embeddings : `numpy.ndarray`, shape (n, d) or (n, copies, d)
        Embeddings of training frames (every copy counts as a sample of its frame's
        class).
    labels : array_like of int, shape (n,)
        Class index of each frame.
    n_classes : int
    shrinkage : float, optional
        In [0, 1): weight of the identity (scaled to the covariance's mean variance).

    Returns
    -------
    dict
        ``means`` (n_classes x d) and ``whiten`` (d x d, lower triangular: the score
        of ``x`` is ``|(x - mean) @ whiten|^2 / d``), as nested lists; ``dim``;
        ``shrinkage``. A class without training frames gets no mean (``null``).

    Raises
    ------
    ValueError
        No frames, labels that do not match, or a shrinkage outside [0, 1).
    """
    e = _as_copies(embeddings)
    labels = np.asarray(labels, dtype=int)
    if e.shape[0] == 0 or labels.shape != (e.shape[0],):
        raise ValueError(f'{e.shape[0]} embeddings and {labels.shape} labels')
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError(f'shrinkage {shrinkage} is not in [0, 1)')
    n, copies, d = e.shape
    flat = e.reshape(n * copies, d)
    lab = np.repeat(labels, copies)
    means = [None] * n_classes
    centred = np.empty_like(flat)
    for c in range(n_classes):
        sel = lab == c
        if sel.any():
            means[c] = flat[sel].mean(axis=0)
            centred[sel] = flat[sel] - means[c]
    known = np.isin(lab, [c for c in range(n_classes) if means[c] is not None])
    centred = centred[known]
    cov = centred.T @ centred / max(len(centred), 1)
    scale = float(np.trace(cov)) / d
    if not np.isfinite(scale) or scale <= 0:
        scale = 1.0
    cov = (1.0 - shrinkage) * cov + shrinkage * scale * np.eye(d)
    # whiten @ whiten.T = inverse covariance: |(x - m) @ whiten|^2 is the Mahalanobis
    # distance squared.
    whiten = np.linalg.cholesky(np.linalg.inv(cov))
    return {'means': [None if m is None else [float(v) for v in m] for m in means],
            'whiten': [[float(v) for v in row] for row in whiten],
            'dim': int(d), 'shrinkage': float(shrinkage)}


def guard_scores(embeddings, guard):
    """
    The guard score of each frame.

    Parameters
    ----------
    embeddings : `numpy.ndarray`, shape (n, d) or (n, copies, d)
    guard : dict
        From :func:`fit_guard` (or a model's metadata ``guard``).

    Returns
    -------
    `numpy.ndarray`, shape (n,)
        Squared Mahalanobis distance to the nearest class mean over ``d``, averaged
        over the copies.
    """
    e = _as_copies(embeddings)
    whiten = np.asarray(guard['whiten'], dtype=np.float64)
    means = np.asarray([m for m in guard['means'] if m is not None], dtype=np.float64)
    d = whiten.shape[0]
    if e.shape[2] != d:
        raise ValueError(f'embeddings of dimension {e.shape[2]}, the guard has {d}')
    if e.shape[0] == 0:
        return np.zeros(0)
    z = e @ whiten                          # (n, copies, d)
    zm = means @ whiten                     # (k, d)
    dist = ((z[:, :, None, :] - zm[None, None, :, :]) ** 2).sum(axis=3) / d
    return dist.min(axis=2).mean(axis=1)


def choose_guard_cut(scores, quantile=GUARD_QUANTILE):
    """
    The guard cut: a quantile of the scores of ordinary (validation) frames.

    Parameters
    ----------
    scores : array_like
        Guard scores of validation frames of the spectrographs trained on.
    quantile : float, optional

    Returns
    -------
    float
    """
    scores = np.asarray(scores, dtype=float)
    if scores.size == 0:
        raise ValueError('no scores to choose a guard cut from')
    return float(np.quantile(scores, quantile))


def guard_report(scores, correct, cut):
    """
    What the guard does to some frames: how many it makes Unknown, and how many of
    the frames the network had wrong it catches.

    Parameters
    ----------
    scores : array_like, shape (n,)
    correct : array_like of bool, shape (n,)
        Whether the network's answer (before the guard) was right.
    cut : float

    Returns
    -------
    dict
        ``frames``, ``guarded`` (share made Unknown), ``wrong_before`` and
        ``wrong_after`` (shares of frames), ``right_lost`` (share of frames right
        before and Unknown after).
    """
    scores = np.asarray(scores, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    n = max(scores.size, 1)
    out = scores > cut
    return {'frames': int(scores.size), 'guarded': float(out.sum() / n),
            'wrong_before': float((~correct).sum() / n),
            'wrong_after': float((~correct & ~out).sum() / n),
            'right_lost': float((correct & out).sum() / n)}


def check_guard(guard, n_classes):
    """
    What is wrong with a model's ``guard`` metadata (an empty list when nothing).

    Parameters
    ----------
    guard : object
    n_classes : int

    Returns
    -------
    list of str
    """
    if not isinstance(guard, dict):
        return [f'guard is a {type(guard).__name__}, not an object']
    problems = []
    try:
        whiten = np.asarray(guard.get('whiten'), dtype=np.float64)
        means = guard.get('means')
        d = whiten.shape[0] if whiten.ndim == 2 else -1
        if whiten.ndim != 2 or whiten.shape != (d, d) or not np.all(np.isfinite(whiten)):
            problems.append('guard whiten is not a finite square matrix')
        if not isinstance(means, list) or len(means) != n_classes:
            problems.append(f'guard means are not {n_classes} class means')
        else:
            present = [m for m in means if m is not None]
            arr = np.asarray(present, dtype=np.float64)
            if not present or arr.shape != (len(present), d) or not np.all(np.isfinite(arr)):
                problems.append(f'guard means are not finite vectors of dimension {d}')
    except (TypeError, ValueError) as exc:
        problems.append(f'guard is malformed ({exc})')
    cut = guard.get('cut')
    if not isinstance(cut, (int, float)) or isinstance(cut, bool) or not np.isfinite(cut) \
            or cut <= 0:
        problems.append(f'guard cut {cut!r} is not a positive number')
    return problems
