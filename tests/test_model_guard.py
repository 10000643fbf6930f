"""The out-of-distribution guard's arithmetic (pypeit_spit.model.guard)."""
import json

import numpy as np
import pytest

from pypeit_spit.model.guard import check_guard, choose_guard_cut, fit_guard, guard_report, \
    guard_scores


def _clusters(rng, n=400, d=8, k=3, spread=6.0):
    centres = rng.normal(0, spread, (k, d))
    labels = rng.integers(0, k, n)
    # an anisotropic shared covariance: the guard must whiten it
    mix = rng.normal(0, 1, (d, d)) * np.linspace(0.2, 2.0, d)
    x = centres[labels] + rng.normal(0, 1, (n, d)) @ mix
    return x, labels, centres, mix


def test_ordinary_frames_score_about_one_and_strangers_high():
    rng = np.random.default_rng(1)
    x, labels, centres, mix = _clusters(rng)
    guard = fit_guard(x, labels, 3, shrinkage=0.0)
    s = guard_scores(x, guard)
    assert 0.8 < np.mean(s) < 1.2            # E[chi2_d / d] = 1 (at most: nearest mean)
    # along the least-spread direction, a step of 8 of its own sigmas is far
    _, vecs = np.linalg.eigh(mix.T @ mix)
    small = vecs[:, 0] * np.sqrt((mix.T @ mix) @ vecs[:, 0] @ vecs[:, 0])
    stranger = centres[0] + 8 * small
    assert guard_scores(stranger[None], guard)[0] > np.quantile(s, 0.999)
    # Euclidean distance would not see it: the stranger is nearer than ordinary frames
    assert np.linalg.norm(stranger - centres[0]) < np.median(np.linalg.norm(x - centres[labels],
                                                                           axis=1))


def test_copies_are_averaged_and_metadata_is_json():
    rng = np.random.default_rng(2)
    x, labels, *_ = _clusters(rng, d=5)
    guard = fit_guard(np.stack([x, x + 0.01], axis=1), labels, 4)
    assert guard['means'][3] is None                   # class without frames
    guard = json.loads(json.dumps(guard))              # survives the model file
    guard['cut'] = choose_guard_cut(guard_scores(x, guard), 0.99)
    assert check_guard(guard, 4) == []
    four = np.stack([x[:3]] * 4, axis=1)
    assert np.allclose(guard_scores(four, guard), guard_scores(x[:3], guard))
    assert np.mean(guard_scores(x, guard) > guard['cut']) == pytest.approx(0.01, abs=0.004)


def test_report_counts_what_the_guard_catches():
    r = guard_report([0.5, 3.0, 0.7, 9.0], [True, True, False, False], cut=2.0)
    assert r == {'frames': 4, 'guarded': 0.5, 'wrong_before': 0.5, 'wrong_after': 0.25,
                 'right_lost': 0.25}


@pytest.mark.parametrize('bad, words', [
    ('x', 'not an object'),
    ({'whiten': [[1, 0], [0, 1]], 'means': [[0, 0]], 'cut': 1.0}, '2 class means'),
    ({'whiten': [[1, 0], [0, 1]], 'means': [[0, 0, 0], None], 'cut': 1.0}, 'dimension 2'),
    ({'whiten': [[1, 0]], 'means': [[0, 0], None], 'cut': 1.0}, 'square'),
    ({'whiten': [[1, 0], [0, 1]], 'means': [[0, 0], None], 'cut': -1}, 'positive'),
    ({'whiten': [[1, 0], [0, float('nan')]], 'means': [[0, 0], None], 'cut': 1}, 'finite'),
])
def test_malformed_guard_is_named(bad, words):
    problems = check_guard(bad, 2)
    assert problems and any(words in p for p in problems)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match='labels'):
        fit_guard(np.zeros((3, 2)), [0, 1], 2)
    with pytest.raises(ValueError, match='dimension'):
        guard_scores(np.zeros((2, 3)), fit_guard(np.random.default_rng(0).normal(size=(9, 2)),
                                                 [0] * 9, 1))
    with pytest.raises(ValueError, match='no scores'):
        choose_guard_cut([])
