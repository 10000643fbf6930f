"""
The fast training recipe (the ``longslit`` network, batches as array operations) and
exactly resumable training, at tiny size.
"""
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from pypeit_spit.errors import TrainError
from pypeit_spit.model.store import build_model, load_model, save_model
from pypeit_spit.preprocess.contract import IMAGE_SHAPE, flips, to_network
from pypeit_spit.training.batches import apply_flips, epoch_samples, gather_batch
from pypeit_spit.training.dataset import FrameSet
from pypeit_spit.training.train import TrainConfig, read_checkpoint, train
from test_training_train import frames  # noqa: F401  (four nights, one frame per class)

CONFIG = dict(architecture='longslit', epochs=3, batch_size=8, seed=5, augment=True,
              fractions=(0.75, 0.25, 0.0))


@pytest.fixture(scope='module')
def uninterrupted(frames, tmp_path_factory):
    out = tmp_path_factory.mktemp('whole')
    result = train(frames[1], out, TrainConfig(**CONFIG), progress='none')
    return out, result


def _checkpoint(out):
    with np.load(out / 'checkpoint' / 'checkpoint.npz') as z:
        return {k: z[k] for k in z.files if k != 'state'}


def _assert_same_run(a, b):
    ca, cb = _checkpoint(a), _checkpoint(b)
    assert sorted(ca) == sorted(cb)
    assert any(k.startswith('opt') for k in ca) and any(k.startswith('best') for k in ca)
    for k in ca:   # network, optimizer and best weights, bitwise
        assert np.array_equal(ca[k], cb[k]), k
    la = json.loads((a / 'training_log.json').read_text())
    lb = json.loads((b / 'training_log.json').read_text())
    for ra, rb in zip(la, lb):
        for key in ('loss', 'accuracy', 'val_loss', 'val_normalized_accuracy', 'best'):
            assert ra[key] == rb[key], key
    ma = load_model(a / 'spit_longslit.keras').backend.network.get_weights()
    mb = load_model(b / 'spit_longslit.keras').backend.network.get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(ma, mb))


def test_killed_and_resumed_is_uninterrupted(frames, uninterrupted, tmp_path):
    """A run stopped after epoch 1's checkpoint and resumed ends as one never stopped."""
    whole, result = uninterrupted
    assert [h['epoch'] for h in result['history']] == [1, 2, 3]

    def stop(epoch):
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(frames[1], tmp_path, TrainConfig(**CONFIG), progress='none', on_epoch_end=stop)
    state = json.loads((tmp_path / 'checkpoint' / 'state.json').read_text())
    assert state['epoch'] == 1
    again = train(frames[1], tmp_path, TrainConfig(**CONFIG), resume=True, progress='none')
    assert again['best_epoch'] == result['best_epoch']
    _assert_same_run(whole, tmp_path)
    log = (tmp_path / 'train.log').read_text().splitlines()
    assert any('resumed after epoch 1' in line for line in log)
    assert sum(' epoch ' in f' {line} ' and 'images/s' in line for line in log) >= 3


def test_sigkill_and_resume_from_the_command_line(frames, uninterrupted, tmp_path):
    """pypeit_spit_train killed (SIGKILL) after epoch 1's checkpoint, then --resume."""
    whole, _ = uninterrupted
    labels = frames[0]
    out = tmp_path / 'run'
    exe = shutil.which('pypeit_spit_train')
    assert exe, 'pypeit_spit_train is not installed'
    cmd = [exe, str(labels), '--outdir', str(out), '--arch', 'longslit', '--epochs', '3',
           '--batch-size', '8', '--seed', '5', '--augment', '--workers', '1',
           '--cache', str(tmp_path / 'cache.npz'), '--progress', 'none', '--fractions', '0.75',
           '0.25', '0']
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    state = out / 'checkpoint' / 'state.json'
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if state.exists() and json.loads(state.read_text())['epoch'] >= 1:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stopped = json.loads(state.read_text())['epoch']
    assert stopped < 3
    again = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert again.returncode == 2 and '--resume' in again.stdout + again.stderr   # not redone
    done = subprocess.run([exe, '--resume', str(out)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(state.read_text())['epoch'] == 3
    _assert_same_run(whole, out)


def test_checkpoint_survives_a_kill_while_writing(frames, uninterrupted, tmp_path, monkeypatch):
    """A write that dies half-way leaves the last good checkpoint readable."""
    from pypeit_spit.model import keras_net
    whole, _ = uninterrupted
    ck = tmp_path / 'checkpoint'
    shutil.copytree(whole / 'checkpoint', ck)
    good = (ck / 'checkpoint.npz').read_bytes()

    def dies(f, **arrays):
        f.write(b'PK\x03\x04 half a file')
        raise KeyboardInterrupt

    monkeypatch.setattr(np, 'savez', dies)
    from pypeit_spit.training.train import write_checkpoint
    net = build_model('longslit').backend.network
    keras_net.compile_for_training(net, 1e-4)
    with pytest.raises(KeyboardInterrupt):
        write_checkpoint(ck, net, net.get_weights(), {'epoch': 9})
    monkeypatch.undo()
    assert (ck / 'checkpoint.npz').read_bytes() == good
    state = read_checkpoint(ck, net)
    assert state['epoch'] == 3


def test_resume_refuses_another_network(frames, uninterrupted, tmp_path):
    whole, _ = uninterrupted
    shutil.copytree(whole / 'checkpoint', tmp_path / 'checkpoint')
    with pytest.raises(TrainError, match='architecture'):
        train(frames[1], tmp_path, TrainConfig(**dict(CONFIG, architecture='compact')),
              resume=True, progress='none')


def test_longslit_is_small_and_exports(tmp_path):
    """float32 when saved, whatever it was trained in; the ONNX graph agrees with Keras."""
    trained = build_model('longslit', precision='mixed_bfloat16')
    net = trained.backend.network
    assert net.get_layer('conv2').compute_dtype == 'bfloat16'
    assert net.get_layer('softmax').compute_dtype == 'float32'
    model = build_model('longslit')
    model.backend.network.set_weights(net.get_weights())
    assert model.backend.network.get_layer('conv2').compute_dtype == 'float32'
    paths = save_model(model, tmp_path / 'ls.keras')
    assert paths[1].stat().st_size < 2_000_000
    onnx = load_model(paths[1])
    assert onnx.metadata['architecture'] == 'longslit' and onnx.uses_stats
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (3, *IMAGE_SHAPE), dtype=np.uint8)
    stats = rng.normal(size=(3, 5)).astype(np.float32)
    p_keras = load_model(paths[0]).predict(images, stats)
    p_onnx = onnx.predict(images, stats)
    assert p_onnx.dtype == np.float64 and np.allclose(p_onnx, p_keras, atol=1e-5)
    # the bf16 network says nearly the same (its arithmetic is rounded)
    p_bf16 = trained.predict(images, stats)
    assert np.allclose(p_bf16, p_keras, atol=0.05)


class LazyImages:
    """A view that only gives images for an index array (as a memory-mapped cache does)."""

    def __init__(self, images):
        self._images = images
        self.shape, self.dtype = images.shape, images.dtype
        self.requests = []

    def __len__(self):
        return len(self._images)

    def __getitem__(self, index):
        index = np.asarray(index)
        assert index.ndim == 1 and index.dtype.kind == 'i'
        self.requests.append(index.copy())
        return self._images[index]


def test_batches_are_array_operations_on_a_lazy_view():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 20, 30), dtype=np.uint8)
    stats = rng.normal(size=(6, 5)).astype(np.float32)
    labels = np.array([0, 1, 2, 3, 4, 0])
    samples = np.array([[4, 3], [1, 0], [4, 1], [2, 2], [1, 3]])
    view = LazyImages(images)
    x, y = gather_batch(view, stats, labels, samples)
    assert len(view.requests) == 1 and np.all(np.diff(view.requests[0]) >= 0)
    order = np.argsort(samples[:, 0], kind='stable')
    want = np.stack([flips(images[f])[k] for f, k in samples[order]])
    assert np.array_equal(x['image'], to_network(want))
    assert np.array_equal(x['stats'], stats[samples[order, 0]])
    assert y.dtype == np.int32 and np.array_equal(y, labels[samples[order, 0]])
    assert np.array_equal(images, view._images)   # the source is never written
    a = gather_batch(view, None, labels, samples, np.random.default_rng([1, 2, 3]))[0]
    b = gather_batch(view, None, labels, samples, np.random.default_rng([1, 2, 3]))[0]
    assert a.shape == (5, 20, 30, 1) and np.array_equal(a, b)
    img = images[:4].copy()
    assert np.array_equal(apply_flips(img, np.arange(4)), np.stack(
        [flips(images[i])[i] for i in range(4)]))


def test_epoch_samples_depend_on_seed_and_epoch_only():
    labels = np.array([0, 0, 0, 1, 2, 3, 4, 4])
    tr = np.arange(8)
    a = epoch_samples(tr, labels, 3, 2)
    assert np.array_equal(a, epoch_samples(tr, labels, 3, 2))
    assert not np.array_equal(a, epoch_samples(tr, labels, 3, 3))
    assert len(a) == 5 * 3 * 4 and np.all(np.bincount(labels[a[:, 0]]) == 12)


def test_training_reads_no_whole_copy(frames, tmp_path):
    """Training and validation read the images by index, never as a whole."""
    fs = frames[1]
    view = LazyImages(fs.images)
    lazy = FrameSet(view, fs.stats, fs.labels, fs.nights, fs.files, fs.spectrographs)
    train(lazy, tmp_path, TrainConfig(architecture='longslit', epochs=1, batch_size=8,
                                      fractions=(0.75, 0.25, 0.0)), progress='none')
    assert view.requests and max(r.size for r in view.requests) < len(fs)


def test_checkpoint_keeps_the_learning_rate(tmp_path):
    """A learning rate lowered on a plateau is part of the checkpoint."""
    from pypeit_spit.model import keras_net
    from pypeit_spit.training.train import write_checkpoint
    net = build_model('longslit').backend.network
    keras_net.compile_for_training(net, 1e-4)
    net.optimizer.learning_rate.assign(2.5e-5)
    write_checkpoint(tmp_path, net, net.get_weights(), {'epoch': 4})
    other = build_model('longslit').backend.network
    keras_net.compile_for_training(other, 1e-4)
    assert read_checkpoint(tmp_path, other)['epoch'] == 4
    assert float(np.asarray(other.optimizer.learning_rate)) == pytest.approx(2.5e-5)


def test_resume_arguments(tmp_path):
    """--resume takes the run's own arguments; this call may change only the epochs,
    the patience and the progress display."""
    from pypeit_spit.errors import UsageError
    from pypeit_spit.scripts.spit_train import RUN_ARGUMENTS, SpitTrain
    parser = SpitTrain.get_parser()
    run = tmp_path / 'run'
    labels = tmp_path / 'labels.ecsv'
    started = parser.parse_args([str(labels), '--outdir', str(run), '--arch', 'longslit',
                                 '--epochs', '5', '--augment', '--seed', '3'])
    assert SpitTrain.run_arguments(started) is started
    saved = json.loads((run / RUN_ARGUMENTS).read_text())
    assert saved['labels'] == [str(labels.resolve())] and saved['arch'] == 'longslit'
    resumed = SpitTrain.run_arguments(parser.parse_args(['--resume', str(run), '--epochs', '9',
                                                         '--progress', 'none']))
    assert (resumed.epochs, resumed.seed, resumed.augment, resumed.progress) == \
        (9, 3, True, 'none')
    assert resumed.resume == str(run) and resumed.outdir == str(run)
    assert SpitTrain.run_arguments(parser.parse_args(['--resume', str(run)])).epochs == 5
    # a run started before --augment-structure existed resumes without it
    del saved['augment_structure']
    (run / RUN_ARGUMENTS).write_text(json.dumps(saved))
    assert SpitTrain.run_arguments(parser.parse_args(['--resume', str(run)])) \
        .augment_structure == 0.0
    for argv, match in (([str(labels), '--resume', str(run)], 'no labels'),
                        ([str(labels), '--outdir', str(tmp_path / 'b'), '--augment',
                          '--augment-structure', '1.5'], 'a probability'),
                        ([str(labels), '--outdir', str(tmp_path / 'c'),
                          '--augment-structure', '0.5'], 'give both'),
                        (['--resume', str(run), '--outdir', str(tmp_path)], 'no other'),
                        (['--resume', str(tmp_path)], 'not a pypeit_spit_train run'),
                        ([str(labels)], '--outdir')):
        with pytest.raises(UsageError, match=match):
            SpitTrain.run_arguments(parser.parse_args(argv))
