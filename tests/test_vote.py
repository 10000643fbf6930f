"""The 3-of-4 voting rule."""
import numpy as np
import pytest

from pypeit_spit.network import CLASSES
from pypeit_spit.vote import UNKNOWN, vote


def _onehot(idx, p=0.9):
    out = np.full((len(idx), len(CLASSES)), (1 - p) / (len(CLASSES) - 1))
    out[np.arange(len(idx)), idx] = p
    return out


@pytest.mark.parametrize('idx,label,votes', [
    ([3, 3, 3, 3], 'arc', 4),
    ([1, 1, 1, 2], 'science', 3),
    ([1, 1, 2, 2], UNKNOWN, 2),
    ([0, 1, 2, 3], UNKNOWN, 1),
    ([4, 0, 4, 4], 'flat', 3),
])
def test_supermajority(idx, label, votes):
    got, n, mean = vote(_onehot(idx), CLASSES)
    assert got == label and n == votes
    assert mean.sum() == pytest.approx(1.0)


def test_threshold_turns_weak_winner_unknown():
    probs = _onehot([2, 2, 2, 2], p=0.5)
    assert vote(probs, CLASSES, threshold=0.4)[0] == 'standard'
    assert vote(probs, CLASSES, threshold=0.6)[0] == UNKNOWN


def test_bad_shape():
    with pytest.raises(ValueError, match='shape'):
        vote(np.ones((4, 3)), CLASSES)
