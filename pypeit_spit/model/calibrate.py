"""
Probabilities a user can trust: temperature scaling, expected calibration error,
reliability diagrams and the Unknown threshold.

The probability pypeit-spit reports for a frame is the mean, over the image and its
three flips, of the softmax output with the model's temperature ``T`` applied
(``softmax(log p / T)``, :func:`pypeit_spit.model.spit_model.apply_temperature`). ``T`` is
fitted here to minimise the negative log-likelihood of the true class under that
frame-level probability on the validation nights. The Unknown threshold is then the
smallest value of the winner's mean probability such that, among the validation
frames the 3-of-4 vote accepts, the error rate does not exceed a target.

The input is always the ``probs4`` of an
:class:`~pypeit_spit.model.inference.Inference` (the one inference path); votes come
from :mod:`pypeit_spit.model.vote`. The numerics are pure functions;
:func:`reliability_diagram` and :func:`write_calibration` do the I/O.
"""
import json
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar

from pypeit_spit.model.spit_model import apply_temperature
from pypeit_spit.model.vote import MIN_VOTES, count_votes

__all__ = ['DEFAULT_TARGET_ERROR', 'N_BINS', 'frame_probs', 'nll', 'fit_temperature',
           'choose_class_thresholds',
           'expected_calibration_error', 'reliability_bins', 'choose_threshold',
           'calibrate', 'reliability_diagram', 'write_calibration']

#: Default largest error rate allowed among accepted (not Unknown) frames.
DEFAULT_TARGET_ERROR = 0.005

#: Bins of the expected calibration error.
N_BINS = 15


def frame_probs(probs4, temperature=1.0):
    """
    Frame probabilities: mean over the flips of the tempered softmax.

    Parameters
    ----------
    probs4 : `numpy.ndarray`, shape (n, n_flips, k)
        Softmax output (temperature 1) for every frame and flip.
    temperature : float, optional

    Returns
    -------
    `numpy.ndarray`, shape (n, k)
    """
    probs4 = np.asarray(probs4, dtype=float)
    return apply_temperature(probs4, temperature).mean(axis=1)


def nll(probs, labels):
    """
    Mean negative log-likelihood of the true classes.

    Parameters
    ----------
    probs : `numpy.ndarray`, shape (n, k)
    labels : array_like of int, shape (n,)

    Returns
    -------
    float
    """
    probs = np.asarray(probs, dtype=float)
    labels = np.asarray(labels, dtype=int)
    if labels.size == 0:
        return float('nan')
    p = probs[np.arange(labels.size), labels]
    return float(-np.mean(np.log(np.clip(p, 1e-15, 1.0))))


def fit_temperature(probs4, labels, bounds=(0.05, 100.0)):
    """
    The softmax temperature that minimises the NLL of the frame probabilities.

    Parameters
    ----------
    probs4 : `numpy.ndarray`, shape (n, n_flips, k)
        Softmax output at temperature 1 (a 2-D ``(n, k)`` array is taken as one flip).
    labels : array_like of int
    bounds : tuple, optional
        Search range of ``T``.

    Returns
    -------
    float
        ``T`` (> 1 softens an over-confident network); 1 when there is nothing to fit.
    """
    probs4 = np.asarray(probs4, dtype=float)
    if probs4.ndim == 2:
        probs4 = probs4[:, None, :]
    labels = np.asarray(labels, dtype=int)
    if labels.size == 0:
        return 1.0
    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    res = minimize_scalar(lambda lt: nll(frame_probs(probs4, np.exp(lt)), labels),
                          bounds=(lo, hi), method='bounded', options={'xatol': 1e-4})
    t = float(np.exp(res.x))
    # A flat objective (e.g. every frame right with p = 1) keeps T = 1.
    if nll(frame_probs(probs4, t), labels) >= nll(frame_probs(probs4, 1.0), labels) - 1e-12:
        return 1.0
    return t


def reliability_bins(confidence, correct, n_bins=N_BINS):
    """
    Confidence bins of equal width on [0, 1].

    Parameters
    ----------
    confidence : array_like
        Probability of the predicted class.
    correct : array_like of bool
    n_bins : int, optional

    Returns
    -------
    edges : `numpy.ndarray`, shape (n_bins + 1,)
    count : `numpy.ndarray` of int, shape (n_bins,)
    mean_confidence : `numpy.ndarray`, shape (n_bins,)
        NaN in empty bins.
    accuracy : `numpy.ndarray`, shape (n_bins,)
        NaN in empty bins.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    with np.errstate(invalid='ignore', divide='ignore'):
        conf = np.bincount(which, weights=confidence, minlength=n_bins) / count
        acc = np.bincount(which, weights=correct, minlength=n_bins) / count
    conf[count == 0] = np.nan
    acc[count == 0] = np.nan
    return edges, count, conf, acc


def expected_calibration_error(probs, labels, n_bins=N_BINS):
    """
    Expected calibration error: the count-weighted mean of |accuracy - confidence|
    over equal-width confidence bins.

    Parameters
    ----------
    probs : `numpy.ndarray`, shape (n, k)
    labels : array_like of int
    n_bins : int, optional

    Returns
    -------
    float
    """
    probs = np.asarray(probs, dtype=float)
    labels = np.asarray(labels, dtype=int)
    if labels.size == 0:
        return float('nan')
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    _, count, mconf, acc = reliability_bins(conf, correct, n_bins)
    good = count > 0
    return float(np.sum(count[good] * np.abs(acc[good] - mconf[good])) / labels.size)


def choose_threshold(probs4, labels, target=DEFAULT_TARGET_ERROR, temperature=1.0,
                     min_votes=MIN_VOTES):
    """
    The Unknown threshold for a target error rate.

    The smallest threshold ``t`` on the winner's mean (tempered) probability such that,
    among frames that pass the vote and reach ``t``, the fraction wrongly typed is at
    most ``target``. When no threshold achieves it, ``t`` is just above the largest
    winner probability (everything becomes Unknown).

    Parameters
    ----------
    probs4 : `numpy.ndarray`, shape (n, n_flips, k)
    labels : array_like of int
    target : float, optional
    temperature : float, optional
    min_votes : int, optional

    Returns
    -------
    threshold : float
    achieved : dict
        ``error_rate`` and ``accepted_fraction`` at that threshold and ``reached``
        (whether the target could be met with at least one accepted frame).
    """
    labels = np.asarray(labels, dtype=int)
    if labels.size == 0:
        return 0.0, {'error_rate': float('nan'), 'accepted_fraction': float('nan'),
                     'reached': False}
    winner, votes = count_votes(probs4)
    mean = frame_probs(probs4, temperature)[np.arange(labels.size), winner]
    passed = votes >= min_votes
    wrong = (winner != labels)[passed]
    t, acc = _smallest_cut(mean[passed], wrong, target)
    if t is not None:
        return t, {'error_rate': float(wrong[acc].mean()),
                   'accepted_fraction': float(acc.sum() / labels.size), 'reached': True}
    return _just_above(mean), {'error_rate': 0.0, 'accepted_fraction': 0.0, 'reached': False}


def _smallest_cut(mean, wrong, target):
    """
    The smallest cut ``t`` (0 or one of ``mean``) such that, among the frames with
    ``mean >= t``, the fraction ``wrong`` is at most ``target``; and those frames.

    Returns
    -------
    t : float or None
        None when no cut reaches the target with at least one frame accepted.
    accepted : `numpy.ndarray` of bool or None
    """
    for t in np.unique(np.concatenate([[0.0], mean])):
        accepted = mean >= t
        if accepted.any() and wrong[accepted].mean() <= target:
            return float(t), accepted
    return None, None


def _just_above(mean):
    """A cut just above every value of ``mean`` (everything Unknown)."""
    t = float(np.nextafter(mean.max(), 2.0)) if mean.size else 1.0
    return min(t, 1.0 + 1e-9)


def choose_class_thresholds(probs4, labels, target=DEFAULT_TARGET_ERROR, temperature=1.0,
                            min_votes=MIN_VOTES, fallback=None):
    """
    One Unknown cut per class: for each class, the smallest cut on its winners' mean
    (tempered) probability such that, among the frames it wins (3 of 4 votes) at or
    above the cut, the fraction wrongly typed is at most ``target``.

    A class that wins no validation frame gets ``fallback`` (the global cut).

    Parameters
    ----------
    probs4 : `numpy.ndarray`, shape (n, n_flips, k)
    labels : array_like of int
    target : float, optional
    temperature : float, optional
    min_votes : int, optional
    fallback : float or None, optional
        Cut of a class without validation winners (None: 0).

    Returns
    -------
    `numpy.ndarray`, shape (k,)
    """
    probs4 = np.asarray(probs4, dtype=float)
    labels = np.asarray(labels, dtype=int)
    k = probs4.shape[2]
    cuts = np.full(k, 0.0 if fallback is None else float(fallback))
    if labels.size == 0:
        return cuts
    winner, votes = count_votes(probs4)
    mean = frame_probs(probs4, temperature)[np.arange(labels.size), winner]
    passed = votes >= min_votes
    for c in range(k):
        mine = passed & (winner == c)
        if not mine.any():
            continue
        t, _ = _smallest_cut(mean[mine], winner[mine] != labels[mine], target)
        cuts[c] = _just_above(mean[mine]) if t is None else t
    return cuts


def calibrate(probs4, labels, target=DEFAULT_TARGET_ERROR, min_votes=MIN_VOTES,
              n_bins=N_BINS):
    """
    Fit the temperature and choose the threshold on a validation set.

    Parameters
    ----------
    probs4 : `numpy.ndarray`, shape (n, n_flips, k)
        Softmax output at temperature 1.
    labels : array_like of int
    target : float, optional
        Target error rate among accepted frames.
    min_votes : int, optional
    n_bins : int, optional

    Returns
    -------
    dict
        ``temperature``, ``threshold``, ``target_error``, ``ece_before``,
        ``ece_after``, ``nll_before``, ``nll_after``, ``n_frames``, ``error_rate``,
        ``accepted_fraction``, ``target_reached``, ``n_bins``, and ``thresholds``
        (the cut of each class in the order of the probabilities:
        :func:`choose_class_thresholds`, never above ``threshold``).
    """
    probs4 = np.asarray(probs4, dtype=float)
    labels = np.asarray(labels, dtype=int)
    t = fit_temperature(probs4, labels)
    before, after = frame_probs(probs4, 1.0), frame_probs(probs4, t)
    threshold, achieved = choose_threshold(probs4, labels, target, t, min_votes)
    # A class's own cut may only be lower than the global one (a class that is rarely
    # wrong keeps more frames); a class needing a stricter cut keeps the global one, so
    # that few validation frames of one class cannot make it almost always Unknown.
    per_class = np.minimum(choose_class_thresholds(probs4, labels, target, t, min_votes,
                                                   fallback=threshold), threshold)
    return {'temperature': t, 'threshold': threshold, 'target_error': float(target),
            'ece_before': expected_calibration_error(before, labels, n_bins),
            'ece_after': expected_calibration_error(after, labels, n_bins),
            'nll_before': nll(before, labels), 'nll_after': nll(after, labels),
            'n_frames': int(labels.size), 'error_rate': achieved['error_rate'],
            'accepted_fraction': achieved['accepted_fraction'],
            'target_reached': achieved['reached'], 'n_bins': int(n_bins),
            'thresholds': [float(v) for v in per_class]}


def reliability_diagram(probs4, labels, temperature, path, n_bins=N_BINS, title=None):
    """
    Draw the reliability diagram before and after temperature scaling to a PNG.

    Parameters
    ----------
    probs4 : `numpy.ndarray`, shape (n, n_flips, k)
    labels : array_like of int
    temperature : float
    path : str or `pathlib.Path`
    n_bins : int, optional
    title : str, optional
    """
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib.figure import Figure

    labels = np.asarray(labels, dtype=int)
    fig = Figure(figsize=(9, 4.2))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, t, name in zip(axes, (1.0, temperature), ('before', 'after')):
        probs = frame_probs(probs4, t)
        conf = probs.max(axis=1)
        correct = probs.argmax(axis=1) == labels
        edges, count, mconf, acc = reliability_bins(conf, correct, n_bins)
        centres = 0.5 * (edges[1:] + edges[:-1])
        width = edges[1] - edges[0]
        ax.bar(centres, np.nan_to_num(acc), width=width * 0.95, color='tab:blue',
               edgecolor='k', lw=0.5, label='accuracy')
        good = count > 0
        ax.plot(centres[good], mconf[good], ls='none', marker='_', ms=14, mew=2,
                color='tab:red', label='mean confidence')
        ax.plot([0, 1], [0, 1], 'k--', lw=1)
        ece = expected_calibration_error(probs, labels, n_bins)
        ax.set_title(f'{name}: T = {t:.3g}, ECE = {ece:.4f}')
        ax.set_xlabel('confidence (mean probability of the predicted class)')
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        for c, n in zip(centres, count):
            if n:
                ax.text(c, 0.02, str(int(n)), ha='center', va='bottom', fontsize=6,
                        rotation=90)
    axes[0].set_ylabel('accuracy')
    axes[0].legend(loc='upper left', fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def write_calibration(result, probs4, labels, outdir):
    """
    Write ``calibration.json`` and ``reliability.png`` into a folder.

    Parameters
    ----------
    result : dict
        From :func:`calibrate`.
    probs4 : `numpy.ndarray`, shape (n, n_flips, k)
    labels : array_like of int
    outdir : str or `pathlib.Path`

    Returns
    -------
    list of `pathlib.Path`
        Files written.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    js = outdir / 'calibration.json'
    js.write_text(json.dumps(result, indent=1, sort_keys=True))
    png = outdir / 'reliability.png'
    reliability_diagram(probs4, labels, result['temperature'], png,
                        n_bins=result.get('n_bins', N_BINS),
                        title=f'validation ({result["n_frames"]} frames)')
    return [js, png]
