"""
Tiny end-to-end training runs (one epoch on a handful of synthetic frames).
"""
import json

import numpy as np
import pytest
from astropy.table import Table

from pypeit_spit.errors import TrainError
from pypeit_spit.model.store import load_model
from pypeit_spit.training.dataset import build_dataset, read_labels
from pypeit_spit.training.train import TrainConfig, train
from test_training_dataset import write_frames



@pytest.fixture(scope='module')
def frames(tmp_path_factory):
    """Four nights of one frame per class, prepared."""
    labels = write_frames(tmp_path_factory.mktemp('frames'), n_nights=4, per_class=1)
    return labels, build_dataset(read_labels(labels), workers=1, progress=False)


@pytest.fixture(scope='module')
def trained(frames, tmp_path_factory):
    """One epoch of the compact network."""
    out = tmp_path_factory.mktemp('run')
    config = TrainConfig(epochs=1, batch_size=10, seed=3)
    result = train(frames[1], out, config, progress='none', command='test',
                   sources=[str(frames[0])])
    return out, config, result


def test_end_to_end(trained):
    out, config, result = trained
    model = load_model(result['model'])
    md = model.metadata
    assert md['architecture'] == 'compact' and model.uses_stats
    assert md['temperature'] == pytest.approx(result['calibration']['temperature'])
    assert md['threshold'] == pytest.approx(result['calibration']['threshold'])
    tr = md['training']
    assert tr['seed'] == 3 and tr['epochs'] == 1 and tr['command'] == 'test'
    assert tr['machine']['cpus'] >= 1 and tr['best_epoch'] == 1
    assert sum(tr['frames']['train'].values()) == 10
    for name in ('split.ecsv', 'training_log.ecsv', 'training_log.json', 'learning_curves.png',
                 'calibration/reliability.png', 'calibration/calibration.json',
                 'test/summary.md', 'test/confusion.png', 'checkpoint/checkpoint.npz',
                 'checkpoint/state.json', 'train.log'):
        assert (out / name).is_file(), name
    log = Table.read(out / 'training_log.ecsv')
    assert len(log) == 1 and log['best'][0]
    split = Table.read(out / 'split.ecsv')
    parts = {p: set(split['night'][split['split'] == p]) for p in ('train', 'validation', 'test')}
    assert len(parts['train']) == 2 and not parts['train'] & parts['validation']
    # the saved model predicts
    probs = model.predict(np.zeros((2, 210, 650), np.uint8), np.zeros((2, 5), np.float32))
    assert probs.shape == (2, 5) and np.allclose(probs.sum(axis=1), 1)


def test_resume_and_refusals(frames, trained, tmp_path):
    out, config, result = trained
    with pytest.raises(TrainError, match='checkpoint'):
        train(frames[1], out, config, progress='none')
    with pytest.raises(TrainError, match='batch_size'):
        train(frames[1], out, TrainConfig(epochs=2, batch_size=12, seed=3), resume=True,
              progress='none')
    with pytest.raises(TrainError, match='no checkpoint'):
        train(frames[1], tmp_path, config, resume=True, progress='none')
    again = train(frames[1], out, TrainConfig(epochs=2, batch_size=10, seed=3), resume=True,
                  progress='none')
    assert [h['epoch'] for h in again['history']] == [1, 2]
    assert again['history'][0] == result['history'][0]
    state = json.loads((out / 'checkpoint' / 'state.json').read_text())
    assert state['epoch'] == 2


def test_cli_image_only(frames, tmp_path):
    from pypeit_spit.scripts.spit_train import SpitTrain
    labels = frames[0]
    args = SpitTrain.parse_args([str(labels), '--outdir', str(tmp_path / 'out'), '--epochs',
                                 '1', '--batch-size', '8', '--no-stats', '--seed', '1',
                                 '--progress', 'none', '--workers', '1', '--name', 'tiny',
                                 '--max-per-class', '3', '-v', '0'])
    assert SpitTrain.run(args) == 0
    model = load_model(tmp_path / 'out' / 'tiny.keras')
    assert not model.uses_stats
    assert (tmp_path / 'out' / 'dataset.npz').is_file()
    from pypeit_spit.training.train import command_line
    assert model.metadata['training']['command'] == command_line()


def test_too_few_nights(frames, tmp_path):
    one = frames[1].subset(np.flatnonzero(frames[1].nights == frames[1].nights[0]))
    with pytest.raises(TrainError, match='night'):
        train(one, tmp_path, TrainConfig(epochs=1), progress='none')


def test_reproducible(frames, trained, tmp_path):
    out, config, result = trained
    again = train(frames[1], tmp_path, config, progress='none')
    for key in ('loss', 'accuracy', 'val_loss', 'val_normalized_accuracy'):
        assert again['history'][0][key] == pytest.approx(result['history'][0][key], rel=1e-6)


def test_start_from_weights(tmp_path):
    """--init: the network starts from a saved model's weights; another
    architecture is refused."""
    from pypeit_spit.model.store import build_model, save_model
    from pypeit_spit.training.train import _start_from
    source = build_model('compact')
    save_model(source, tmp_path / 'a.keras', graph=False)
    target = build_model('compact').backend.network
    before = target.get_weights()
    _start_from(target, tmp_path / 'a.keras')
    after = target.get_weights()
    want = source.backend.network.get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(before, want))
    assert all(np.array_equal(a, b) for a, b in zip(after, want))
    other = build_model('compact', use_stats=False).backend.network
    with pytest.raises(TrainError, match='not this architecture'):
        _start_from(other, tmp_path / 'a.keras')


def test_guard_travels_with_the_model(frames, trained):
    """The trained model carries its out-of-distribution guard: fitted on training
    frames, cut on validation frames, exported as the ONNX graph's second output, and
    applied by the one inference path the same way from the .keras and the .onnx file."""
    from dataclasses import replace

    from pypeit_spit.model.inference import infer
    out, config, result = trained
    keras_model = load_model(result['model'])
    onnx_model = load_model(str(result['model']).replace('.keras', '.onnx'))
    guard = onnx_model.guard
    assert guard is not None and guard['cut'] > 0 and guard['fit_frames'] == 10
    assert guard['validation']['frames'] == 5 and len(guard['whiten']) == 64
    fs = frames[1]
    a = infer(keras_model, fs.images, fs.stats)
    b = infer(onnx_model, fs.images, fs.stats)
    assert a.guard_scores.shape == (len(fs.labels),)
    np.testing.assert_allclose(a.guard_scores, b.guard_scores, rtol=1e-3)
    # the cut decides: below every score, every frame is Unknown; the plain vote is not
    strict = replace(b, guard_cut=0.5 * float(b.guard_scores.min()))
    assert (strict.decide() == -1).all()
    np.testing.assert_array_equal(strict.decide(0.0, guard=False), b.decide(0.0, guard=False))
    loose = replace(b, guard_cut=2.0 * float(b.guard_scores.max()))
    np.testing.assert_array_equal(loose.decide(), b.decide(guard=False))
