"""
Calibration on synthetic over-confident predictions.
"""
import json

import numpy as np
import pytest

from pypeit_spit.model.calibrate import (calibrate, choose_threshold,
                                         expected_calibration_error, fit_temperature,
                                         frame_probs, reliability_bins, write_calibration)
from pypeit_spit.model.vote import count_votes


def overconfident(n=3000, k=5, scale=4.0, seed=0):
    """
    Flip probabilities ``scale`` times too sharp: labels are drawn from softmax(z), the
    "network" reports softmax(scale * z) (plus a little noise per flip).

    Returns
    -------
    probs4 : (n, 4, k), labels : (n,)
    """
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, (n, k))
    p_true = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(k, p=p) for p in p_true])
    logits = scale * (z[:, None, :] + rng.normal(0, 0.05, (n, 4, k)))
    e = np.exp(logits - logits.max(axis=2, keepdims=True))
    return e / e.sum(axis=2, keepdims=True), labels


def test_temperature_reduces_ece():
    probs4, labels = overconfident()
    t = fit_temperature(probs4, labels)
    assert 3.0 < t < 5.0
    before = expected_calibration_error(frame_probs(probs4, 1.0), labels)
    after = expected_calibration_error(frame_probs(probs4, t), labels)
    assert after < before / 2
    res = calibrate(probs4, labels)
    assert res['temperature'] == pytest.approx(t)
    assert res['ece_after'] < res['ece_before'] and res['nll_after'] < res['nll_before']


def test_perfect_predictions_keep_temperature():
    labels = np.arange(10) % 5
    probs4 = np.repeat(np.eye(5)[labels][:, None, :], 4, axis=1)
    assert fit_temperature(probs4, labels) == 1.0


def test_ece_known_value():
    # two bins: confidence 0.9 with all right, confidence 0.6 with half right
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    labels = np.array([0, 0, 0, 1])
    ece = expected_calibration_error(probs, labels, n_bins=10)
    assert ece == pytest.approx(0.5 * 0.1 + 0.5 * 0.1)
    edges, count, conf, acc = reliability_bins(probs.max(axis=1), probs.argmax(axis=1) == labels,
                                               10)
    assert count.sum() == 4 and np.nansum(count * acc) == 3


def test_threshold_meets_target():
    probs4, labels = overconfident(scale=1.0)
    for target in (0.05, 0.01):
        thr, got = choose_threshold(probs4, labels, target=target)
        assert got['reached'] and got['error_rate'] <= target
        winner, votes = count_votes(probs4)
        mean = frame_probs(probs4)[np.arange(len(winner)), winner]
        passed = votes >= 3
        wrong = winner != labels
        acc = passed & (mean >= thr)
        assert wrong[acc].mean() == pytest.approx(got['error_rate'])
        lower = np.unique(mean[passed & (mean < thr)])
        for t in lower[-20:]:       # the smaller candidates all miss the target
            acc = passed & (mean >= t)
            assert wrong[acc].mean() > target
    thr0, got0 = choose_threshold(probs4, labels, target=1.0)
    assert thr0 == 0.0 and got0['accepted_fraction'] > 0.8


def test_unreachable_target_makes_all_unknown():
    labels = np.zeros(4, dtype=int)
    probs4 = np.repeat(np.eye(5)[[1, 1, 2, 3]][:, None, :] * 0.8 + 0.04, 4, axis=1)
    thr, got = choose_threshold(probs4, labels, target=0.0)
    assert not got['reached'] and thr > frame_probs(probs4).max()


def test_write_calibration(tmp_path):
    probs4, labels = overconfident(n=300)
    res = calibrate(probs4, labels)
    files = write_calibration(res, probs4, labels, tmp_path / 'cal')
    assert all(f.is_file() for f in files)
    assert json.loads((tmp_path / 'cal' / 'calibration.json').read_text())['n_frames'] == 300


def _frames(winner_probs, k=5):
    """probs4 where every flip gives ``p`` to class ``c`` and the rest evenly."""
    rows = []
    for c, p in winner_probs:
        row = np.full(k, (1 - p) / (k - 1))
        row[c] = p
        rows.append(np.repeat(row[None, :], 4, axis=0))
    return np.array(rows)


def test_class_thresholds_are_per_class():
    """Class 0 is never wrong: no cut; class 1's wrong winners sit at 0.70-0.75, its
    right ones at 0.9: its cut lies above 0.75; a class with no winner gets the
    fallback."""
    from pypeit_spit.model.calibrate import choose_class_thresholds
    wins = [(0, 0.5)] * 20 + [(1, 0.70), (1, 0.75)] + [(1, 0.9)] * 20
    labels = [0] * 20 + [2, 3] + [1] * 20
    probs4 = _frames(wins)
    cuts = choose_class_thresholds(probs4, labels, target=0.0, fallback=0.8)
    assert cuts[0] == 0.0
    assert 0.75 < cuts[1] <= 0.9 + 1e-12
    assert list(cuts[2:]) == [0.8, 0.8, 0.8]
    res = calibrate(probs4, labels, target=0.0)
    assert res['thresholds'] == list(np.minimum(choose_class_thresholds(
        probs4, labels, target=0.0, temperature=res['temperature'],
        fallback=res['threshold']), res['threshold']))
    # one global cut must serve class 1 too, so it is stricter than class 0's own
    assert res['thresholds'][0] == 0.0 < res['thresholds'][1] <= res['threshold']
