"""
Evaluation maths on hand-made predictions, and the evaluation report / script.
"""
import json

import numpy as np
import pytest
from astropy.table import Table

from pypeit_spit.model.inference import Inference
from pypeit_spit.training.evaluate import (confusion, confusion_fractions,
                                           differential_confusion, evaluate_inference,
                                           final_scheme, normalized_accuracy, per_class_recall,
                                           write_report)
from pypeit_spit.vocab import CLASSES, UNKNOWN_INDEX


def one_hot_probs(preds, p=0.9, k=5):
    """Probabilities whose argmax per flip is ``preds`` (n frames x 4 flips)."""
    preds = np.asarray(preds)
    out = np.full((*preds.shape, k), (1 - p) / (k - 1))
    np.put_along_axis(out, preds[..., None], p, axis=-1)
    return out


# frames: true class and the class chosen for each of the 4 copies
TRUE = np.array([0, 0, 1, 3, 4])
FLIPS = [[0, 0, 0, 0],      # bias, right
         [0, 0, 1, 1],      # bias, 2-2 tie -> Unknown
         [1, 1, 1, 2],      # science, 3 of 4 -> right
         [4, 4, 4, 4],      # arc typed flat -> wrong
         [4, 4, 4, 0]]      # flat, 3 of 4 -> right


def test_normalized_accuracy():
    acc, per_class = normalized_accuracy(one_hot_probs(FLIPS), TRUE)
    assert per_class[0] == pytest.approx(6 / 8)
    assert per_class[1] == pytest.approx(3 / 4)
    assert np.isnan(per_class[2])
    assert per_class[3] == 0.0
    assert per_class[4] == pytest.approx(3 / 4)
    assert acc == pytest.approx((0.75 + 0.75 + 0 + 0.75) / 4)


def decide(probs4, temperature=1.0, threshold=0.0):
    result = Inference(probs4, temperature=temperature, classes=CLASSES)
    return result.decide(threshold), result.votes, result.probs


def test_final_scheme_and_confusion():
    pred, votes, _ = decide(one_hot_probs(FLIPS))
    assert list(pred) == [0, UNKNOWN_INDEX, 1, 4, 4]
    assert list(votes) == [4, 2, 3, 4, 3]
    fs = final_scheme(pred, TRUE)
    assert (fs['n_correct'], fs['n_wrong'], fs['n_unknown']) == (3, 1, 1)
    assert fs['correct'] == pytest.approx(0.6) and fs['unknown'] == pytest.approx(0.2)
    # names work too
    names = [CLASSES[i] if i >= 0 else 'unknown' for i in pred]
    assert final_scheme(names, [CLASSES[i] for i in TRUE]) == fs

    counts = confusion(TRUE, pred)
    expected = np.zeros((5, 6), dtype=int)
    expected[0, 0] = expected[0, 5] = expected[1, 1] = expected[3, 4] = expected[4, 4] = 1
    assert np.array_equal(counts, expected)
    frac = confusion_fractions(counts)
    assert np.allclose(frac[0], [0.5, 0, 0, 0, 0, 0.5])
    assert np.all(np.isnan(frac[2]))
    diff = differential_confusion(frac)
    assert np.allclose(diff[0], [-0.5, 0, 0, 0, 0, 0.5])
    assert np.allclose(diff[3], [0, 0, 0, -1, 1, 0])
    assert np.allclose(diff[4], [0, 0, 0, 0, 0, 0])
    recall = per_class_recall(counts)
    assert np.allclose(recall[[0, 1, 3, 4]], [0.5, 1, 0, 1]) and np.isnan(recall[2])


def test_threshold_makes_unknown():
    probs = one_hot_probs(FLIPS)
    probs[0] = one_hot_probs([[0, 0, 0, 0]], p=0.99)[0]
    pred, _, _ = decide(probs, threshold=0.95)
    assert list(pred) == [0, UNKNOWN_INDEX, UNKNOWN_INDEX, UNKNOWN_INDEX, UNKNOWN_INDEX]


def test_decide_matches_a_frame_by_frame_vote():
    """The vectorised decision against the rule written out for each frame."""
    from pypeit_spit.model.spit_model import apply_temperature
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(200, 4, 5)) * 2
    probs = np.exp(logits) / np.exp(logits).sum(axis=2, keepdims=True)
    n_unknown = 0
    for t, thr in ((1.0, 0.0), (2.0, 0.4)):
        pred, votes, mean = decide(probs, temperature=t, threshold=thr)
        for i in range(len(probs)):
            tempered = apply_temperature(probs[i], t)
            counts = np.bincount(tempered.argmax(axis=1), minlength=5)
            best = int(np.argmax(counts))
            m = tempered.mean(axis=0)
            want = best if counts[best] >= 3 and m[best] >= thr else UNKNOWN_INDEX
            n_unknown += want == UNKNOWN_INDEX
            assert want == pred[i] and counts[best] == votes[i] and np.allclose(m, mean[i])
    assert 0 < n_unknown < 400


def test_write_report(tmp_path):
    result = evaluate_inference(Inference(one_hot_probs(FLIPS), classes=CLASSES), TRUE)
    files = [f'f{i}.fits' for i in range(5)]
    summary = write_report(result, files, TRUE, tmp_path, title='hand-made',
                           failures=[('bad.fits', 'file is empty')])
    for name in ('predictions.ecsv', 'misclassified.ecsv', 'confusion.ecsv', 'per_class.ecsv',
                 'confusion.png', 'summary.md', 'summary.json', 'failures.ecsv'):
        assert (tmp_path / name).is_file(), name
    bad = Table.read(tmp_path / 'misclassified.ecsv')
    assert sorted(bad['file']) == ['f1.fits', 'f3.fits']
    assert sorted(bad['status']) == ['unknown', 'wrong']
    assert summary['final']['n_correct'] == 3
    assert json.loads((tmp_path / 'summary.json').read_text())['n_failed'] == 1
    md = (tmp_path / 'summary.md').read_text()
    assert '56.2%' in md and '60.0% correct' in md


def test_evaluate_script(tmp_path):
    """The script on an ECSV of synthetic frames, then on the cached npz split."""
    from pypeit_spit.model.store import build_model, save_model
    from pypeit_spit.scripts.spit_evaluate import SpitEvaluate
    from pypeit_spit.training.dataset import build_dataset, read_labels, save_cache
    from test_training_dataset import write_frames

    labels = write_frames(tmp_path / 'frames', n_nights=1, per_class=1)
    model = build_model('compact')
    save_model(model, tmp_path / 'untrained.keras')
    args = SpitEvaluate.parse_args([str(labels), '--model', str(tmp_path / 'untrained.keras'),
                                    '--outdir', str(tmp_path / 'ev'), '--workers', '1',
                                    '-v', '0'])
    assert SpitEvaluate.run(args) == 0
    t = Table.read(tmp_path / 'ev' / 'predictions.ecsv')
    assert len(t) == 5 and list(t['true']) == list(CLASSES)

    fs = build_dataset(read_labels(labels), workers=1, progress=False)
    save_cache(fs, tmp_path / 'run' / 'dataset.npz')
    split = Table({'file': fs.files, 'split': ['test', 'test', 'train', 'train', 'train']})
    split.write(tmp_path / 'run' / 'split.ecsv')
    args = SpitEvaluate.parse_args([str(tmp_path / 'run' / 'dataset.npz'), '--model',
                                    str(tmp_path / 'untrained.keras'), '--outdir',
                                    str(tmp_path / 'ev2'), '--split', 'test', '-v', '0'])
    assert SpitEvaluate.run(args) == 0
    assert len(Table.read(tmp_path / 'ev2' / 'predictions.ecsv')) == 2
