"""The 3-of-4 voting rule and the Unknown cut (pypeit_spit.model.vote)."""
import numpy as np
import pytest

from pypeit_spit.model.vote import count_votes, decide
from pypeit_spit.vocab import CLASSES, UNKNOWN_INDEX


def _onehot(idx, p=0.9):
    out = np.full((len(idx), len(CLASSES)), (1 - p) / (len(CLASSES) - 1))
    out[np.arange(len(idx)), idx] = p
    return out


@pytest.mark.parametrize('idx,label,votes', [
    ([3, 3, 3, 3], 3, 4),
    ([1, 1, 1, 2], 1, 3),
    ([1, 1, 2, 2], UNKNOWN_INDEX, 2),
    ([0, 1, 2, 3], UNKNOWN_INDEX, 1),
    ([4, 0, 4, 4], 4, 3),
])
def test_supermajority(idx, label, votes):
    probs4 = _onehot(idx)[None]
    winner, n = count_votes(probs4)
    assert n[0] == votes
    assert decide(winner, n, probs4.mean(axis=1), 0.0)[0] == label


def test_cut_turns_weak_winner_unknown_per_class():
    probs4 = np.stack([_onehot([2, 2, 2, 2], p=0.5), _onehot([0, 0, 0, 0], p=0.5)])
    winner, votes = count_votes(probs4)
    mean = probs4.mean(axis=1)
    assert list(decide(winner, votes, mean, 0.4)) == [2, 0]
    assert list(decide(winner, votes, mean, 0.6)) == [UNKNOWN_INDEX, UNKNOWN_INDEX]
    # one cut per class: standard needs 0.6, bias 0.4
    cuts = [0.4, 0.0, 0.6, 0.0, 0.0]
    assert list(decide(winner, votes, mean, cuts)) == [UNKNOWN_INDEX, 0]


def test_bad_shape():
    with pytest.raises(ValueError, match='shape'):
        count_votes(np.ones((4, 3)))
