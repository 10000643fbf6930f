"""
Training: the loop of Jankov & Prochaska (2018) on a :class:`~pypeit_spit.training.dataset.FrameSet`.

* train / validation / test split by night (:func:`~pypeit_spit.training.dataset.split_by_night`);
* every epoch, the training frames are oversampled to balanced classes and every
  frame is shown with its three flips (the paper's augmentation), shuffled;
* Adam, learning rate 1e-4, batches of 30 (the paper's values; configurable);
* after every epoch the network is evaluated on the validation nights (the image and
  its three flips of every frame); the best epoch (by the paper's normalized accuracy
  on validation, ties by validation loss) is kept;
* a checkpoint after every epoch (network and optimizer variables, best weights so
  far, epoch, history; everything random in an epoch is a function of the seed and
  the epoch) makes the run exactly resumable: killed after epoch k and resumed, it
  ends with the same weights as a run never stopped;
* at the end the best network is calibrated on validation (temperature and Unknown
  threshold, :mod:`pypeit_spit.model.calibrate`), saved with its metadata
  (:func:`pypeit_spit.model.store.save_model`, float32 whatever the training's
  arithmetic) and evaluated on the test nights (:mod:`pypeit_spit.training.evaluate`).

Validation, calibration and the test evaluation run the network through the one
inference path (:func:`pypeit_spit.model.inference.infer`), as users do. The images are
never copied as a whole: training reads one batch at a time by index
(:mod:`pypeit_spit.training.batches`: an in-memory uint8 array or a memory-mapped view
alike), validation a chunk at a time; flips, augmentation and the scaling to [0, 1] are
array operations on a batch. Keras itself is only touched through :mod:`pypeit_spit.model`.

Files written into the output folder::

    train.log                  progress: a line per epoch, and about every minute within one
    split.ecsv                 frame, class, night and part (train/validation/test)
    training_log.ecsv / .json  one row per epoch
    learning_curves.png
    checkpoint/checkpoint.npz  the checkpoint (for resume)
    checkpoint/state.json      its state (epoch, history, best epoch, configuration)
    calibration/               calibration.json, reliability.png
    <name>.keras               the final model with its metadata (and <name>.onnx)
    test/                      evaluation on the test nights (when there are any)
"""
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from astropy.table import Table
from pypeit import log

from pypeit_spit import __version__
from pypeit_spit.errors import TrainError
from pypeit_spit.model import keras_net
from pypeit_spit.model.calibrate import DEFAULT_TARGET_ERROR, calibrate, write_calibration
from pypeit_spit.model.inference import concatenate, infer
from pypeit_spit.model.keras_net import KerasBackend
from pypeit_spit.model.spit_model import SpitModel, new_metadata
from pypeit_spit.model.store import build_model, save_model
from pypeit_spit.training.batches import batch_rng, epoch_samples, gather_batch
from pypeit_spit.training.dataset import fingerprint, split_by_night
from pypeit_spit.training.evaluate import final_scheme, normalized_accuracy
from pypeit_spit.vocab import CLASSES

__all__ = ['TrainConfig', 'train', 'train_epoch', 'validate', 'plot_learning_curves',
           'write_checkpoint', 'read_checkpoint', 'RunLog', 'LOG_COLUMNS']

#: Validation frames read at a time (their images only are in memory).
VALIDATION_CHUNK = 512

#: Validation frames per network call (each with its three flips).
VALIDATION_BATCH = 8

#: Seconds between progress lines within an epoch in ``train.log``.
LOG_EVERY = 60.0

#: The checkpoint: one file, replaced atomically after every epoch.
CHECKPOINT = 'checkpoint.npz'

#: Columns of the training log.
LOG_COLUMNS = ('epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy',
               'val_normalized_accuracy', 'val_final_correct', 'val_final_unknown',
               'train_samples', 'seconds', 'images_per_s', 'learning_rate', 'best')


@dataclass
class TrainConfig:
    """
    Settings of a training run.

    Attributes
    ----------
    architecture : str
        ``'compact'``, ``'longslit'`` or ``'spit2018'``.
    use_stats : bool or None
        Feed the raw-pixel statistics (not spit2018); None: the architecture's default.
    epochs : int
        Total number of epochs.
    batch_size : int
        Images per batch (paper: 30).
    learning_rate : float
        Adam's learning rate (paper: 1e-4).
    seed : int
        Seeds the split, the sampling, the weights and the shuffling.
    fractions : tuple
        Train, validation, test fractions of the nights.
    target_error : float
        Error rate among accepted validation frames that sets the Unknown threshold.
    patience : int or None
        Stop after this many epochs without improvement (None: never).
    lr_patience : int or None
        Halve the learning rate after every this many epochs without improvement
        (None: a constant learning rate).
    deterministic : bool
        Ask TensorFlow for deterministic kernels.
    augment : bool
        Layout augmentation of training images (:mod:`pypeit_spit.training.augment`).
    augment_structure : float
        With ``augment``: probability per training image of a random smooth detector
        structure of a few pixel-noise units
        (:func:`~pypeit_spit.training.augment.detector_structure`); 0: none.
    name : str or None
        File name of the model (without ``.keras``); None: ``spit_<architecture>``.
    init : str or None
        A ``.keras`` model of the same architecture whose weights the network starts
        from (fine-tuning) instead of random ones; None: random.
    precision : str or None
        Arithmetic of training (:data:`pypeit_spit.model.keras_net.PRECISIONS`); None:
        ``mixed_bfloat16`` for ``longslit``, float32 for the others. Saved models are
        float32 whatever it says.
    threads : int or None
        TensorFlow's threads within an operation (None: one per CPU); one operation at
        a time.
    """
    architecture: str = 'compact'
    use_stats: bool | None = None
    epochs: int = 20
    batch_size: int = 30
    learning_rate: float = 1e-4
    seed: int = 0
    fractions: tuple = (0.7, 0.15, 0.15)
    target_error: float = DEFAULT_TARGET_ERROR
    patience: int | None = None
    lr_patience: int | None = None
    deterministic: bool = True
    augment: bool = False
    augment_structure: float = 0.0
    name: str | None = None
    init: str | None = None
    precision: str | None = None
    threads: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def model_name(self):
        """File name (without suffix) of the final model."""
        return self.name or f'spit_{self.architecture}'

    def resolved_stats(self):
        """Whether the network takes the statistics."""
        if self.use_stats is None:
            return self.architecture != 'spit2018'
        return bool(self.use_stats)

    def resolved_precision(self):
        """The arithmetic of training."""
        if self.precision is None:
            return 'mixed_bfloat16' if self.architecture == 'longslit' else 'float32'
        return self.precision


def validate(network, frameset, frames, use_stats, architecture, embeddings=False):
    """
    Run a network being trained on validation frames, through the one inference path.

    Parameters
    ----------
    network : `keras.Model`
    frameset : `pypeit_spit.training.dataset.FrameSet`
    frames : array_like of int
        Frames to run.
    use_stats : bool
    architecture : str
    embeddings : bool, optional
        Keep the embeddings (``Inference.embeddings``).

    Returns
    -------
    `pypeit_spit.model.inference.Inference`
        At temperature 1, with no Unknown cut.
    """
    model = SpitModel(KerasBackend(network), new_metadata(architecture, use_stats))
    frames = np.asarray(frames, dtype=int)
    parts = []
    for i in range(0, max(frames.size, 1), VALIDATION_CHUNK):   # a chunk of images at a time
        f = frames[i:i + VALIDATION_CHUNK]
        parts.append(infer(model, np.asarray(frameset.images[f]),
                           frameset.stats[f] if use_stats else None,
                           batch_size=VALIDATION_BATCH, embeddings=embeddings))
    return concatenate(parts)



class RunLog:
    """
    ``train.log`` of a run folder: one time-stamped line per event, appended and
    flushed at once, so that a later session (or ``tail -f``) reads where a run is.

    Parameters
    ----------
    path : str or `pathlib.Path`
    """

    def __init__(self, path):
        self.path = Path(path)

    def write(self, line):
        """Append one line."""
        with open(self.path, 'a') as f:
            f.write(f'{time.strftime("%Y-%m-%dT%H:%M:%S")} {line}\n')


def train_epoch(network, frameset, stats, train_frames, config, epoch, runlog=None,
                progress='none'):
    """
    One epoch of training: every balanced, flipped, shuffled sample once
    (:func:`~pypeit_spit.training.batches.epoch_samples`), a batch at a time.

    Everything random in an epoch is a function of ``(config.seed, epoch)``: the
    samples and their order, the augmentation of each batch, the dropout (its layers
    are seeded at the start of the epoch), so that a resumed run repeats an
    uninterrupted one.

    Parameters
    ----------
    network : `keras.Model`
        Compiled (:func:`~pypeit_spit.model.keras_net.compile_for_training`).
    frameset : `pypeit_spit.training.dataset.FrameSet`
    stats : `numpy.ndarray` or None
        Statistics of every frame, or None for an image-only network.
    train_frames : `numpy.ndarray` of int
    config : TrainConfig
    epoch : int
    runlog : RunLog or None, optional
        Gets a progress line about every :data:`LOG_EVERY` seconds.
    progress : {'bar', 'epoch', 'none'}, optional
        'bar': a progress bar on stderr when it is a terminal.

    Returns
    -------
    dict
        ``loss`` and ``accuracy`` (means over the epoch's samples), ``train_samples``.
    """
    samples = epoch_samples(train_frames, frameset.labels, config.seed, epoch)
    seed = config.seed * 100003 + epoch
    keras_net.set_random_seed(seed)
    keras_net.seed_layers(network, seed)
    bs = config.batch_size
    n_batches = -(-len(samples) // bs)
    bar = None
    if progress == 'bar' and sys.stderr.isatty():
        from tqdm import tqdm
        bar = tqdm(total=len(samples), desc=f'epoch {epoch}', unit='image', leave=False)
    loss = correct = 0.0
    t0 = last = time.time()
    for b in range(n_batches):
        part = samples[b * bs:(b + 1) * bs]
        x, y = gather_batch(frameset.images, stats, frameset.labels, part,
                            batch_rng(config.seed, epoch, b) if config.augment else None,
                            p_structure=config.augment_structure)
        logs = network.train_on_batch(x, y, return_dict=True)
        loss += logs['loss'] * len(y)
        correct += logs['accuracy'] * len(y)
        if bar is not None:
            bar.update(len(y))
        now = time.time()
        if runlog is not None and now - last >= LOG_EVERY and b + 1 < n_batches:
            done = (b + 1) * bs
            rate = done / (now - t0)
            runlog.write(f'epoch {epoch}: {done}/{len(samples)} images, {rate:.1f} images/s, '
                         f'loss {loss / done:.4f}, ETA {(len(samples) - done) / rate:.0f} s')
            last = now
    if bar is not None:
        bar.close()
    n = max(len(samples), 1)
    return {'loss': float(loss / n), 'accuracy': float(correct / n),
            'train_samples': int(len(samples))}


def _optimizer_variables(network):
    opt = network.optimizer
    if not opt.built:
        opt.build(network.trainable_variables)
    return opt.variables


def write_checkpoint(folder, network, best_weights, state):
    """
    Write a run's checkpoint: the network's variables (trainable or not), the
    optimizer's (step count, moments), the best weights so far and ``state`` (epoch,
    history, best epoch, configuration, data fingerprint) in one ``.npz``, written
    beside and then moved over the last one (a run killed while writing keeps its last
    good checkpoint); ``state.json`` repeats the state for people.

    Parameters
    ----------
    folder : `pathlib.Path`
    network : `keras.Model`
    best_weights : list of `numpy.ndarray`
    state : dict
        JSON-serialisable.
    """
    arrays = {f'net{i:04d}': np.asarray(v) for i, v in enumerate(network.weights)}
    arrays.update({f'opt{i:04d}': np.asarray(v) for i, v in
                   enumerate(_optimizer_variables(network))})
    arrays.update({f'best{i:04d}': np.asarray(w) for i, w in enumerate(best_weights)})
    arrays['state'] = np.array(json.dumps(state, sort_keys=True, default=str))
    path = folder / CHECKPOINT
    tmp = folder / (CHECKPOINT + '.tmp')
    with open(tmp, 'wb') as f:
        np.savez(f, **arrays)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _write_json(folder / 'state.json', state)


def read_checkpoint(folder, network, check=None):
    """
    Restore a checkpoint written by :func:`write_checkpoint` into a compiled network of
    the same architecture.

    Parameters
    ----------
    folder : `pathlib.Path`
    network : `keras.Model`
        Compiled; its variables and its optimizer's are overwritten.
    check : callable or None, optional
        Called with the state before anything is restored (to refuse a checkpoint of
        another configuration with a clear message).

    Returns
    -------
    dict
        The state, with ``best_weights`` (list of arrays) added.

    Raises
    ------
    TrainError
        An unreadable checkpoint, or one of another network.
    """
    path = folder / CHECKPOINT
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
        state = json.loads(str(data['state']))
    except Exception as exc:
        raise TrainError(f'{path}: cannot read the checkpoint ({type(exc).__name__}: {exc})') \
            from exc
    if check is not None:
        check(state)
    for prefix, variables in (('net', network.weights), ('opt', _optimizer_variables(network))):
        saved = sorted(k for k in data if k.startswith(prefix))
        if len(saved) != len(variables) or any(
                tuple(data[k].shape) != tuple(v.shape) for k, v in zip(saved, variables)):
            raise TrainError(f'{path}: the checkpoint holds another network')
        for k, v in zip(saved, variables):
            v.assign(data[k])
    state['best_weights'] = [data[k] for k in sorted(k for k in data if k.startswith('best'))]
    return state


def _val_metrics(result, labels):
    labels = np.asarray(labels, dtype=int)
    flat = result.probs4.reshape(-1, result.probs4.shape[-1])
    lab4 = np.repeat(labels, result.probs4.shape[1])
    p = np.clip(flat[np.arange(lab4.size), lab4], 1e-15, 1.0)
    fs = final_scheme(result.decide(0.0), labels)
    return {'val_loss': float(-np.mean(np.log(p))),
            'val_accuracy': float(np.mean(flat.argmax(axis=1) == lab4)),
            'val_normalized_accuracy': float(normalized_accuracy(result.probs4, labels)[0]),
            'val_final_correct': fs['correct'], 'val_final_unknown': fs['unknown']}


def plot_learning_curves(history, path, title=None):
    """
    Loss and accuracy per epoch (training and validation) to a PNG.

    Parameters
    ----------
    history : list of dict
        Rows of the training log.
    path : str or `pathlib.Path`
    title : str, optional
    """
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib.figure import Figure

    ep = np.array([h['epoch'] for h in history])
    fig = Figure(figsize=(10, 4))
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(ep, [h['loss'] for h in history], 'o-', label='train')
    ax1.plot(ep, [h['val_loss'] for h in history], 's-', label='validation')
    ax1.set_xlabel('epoch')
    ax1.set_ylabel('cross-entropy loss')
    ax1.set_yscale('log')
    ax1.legend()
    ax2.plot(ep, [h['accuracy'] for h in history], 'o-', label='train (per image)')
    ax2.plot(ep, [h['val_accuracy'] for h in history], 's-', label='validation (per image)')
    ax2.plot(ep, [h['val_normalized_accuracy'] for h in history], '^-',
             label='validation (normalized)')
    ax2.plot(ep, [h['val_final_correct'] for h in history], 'v-',
             label='validation (final scheme, correct)')
    best = [h['epoch'] for h in history if h.get('best')]
    for ax in (ax1, ax2):
        if best:
            ax.axvline(best[-1], color='0.5', ls=':', lw=1)
    ax2.set_xlabel('epoch')
    ax2.set_ylabel('accuracy')
    ax2.legend(fontsize=8, loc='lower right')
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _write_json(path, obj):
    tmp = Path(str(path) + '.tmp')
    tmp.write_text(json.dumps(obj, indent=1, sort_keys=True, default=str))
    tmp.replace(path)


def _write_log(outdir, history):
    t = Table(rows=[[h.get(c) for c in LOG_COLUMNS] for h in history], names=LOG_COLUMNS) \
        if history else Table(names=LOG_COLUMNS)
    t.write(outdir / 'training_log.ecsv', format='ascii.ecsv', overwrite=True)
    _write_json(outdir / 'training_log.json', history)


def _write_split(outdir, frameset, split):
    part = np.full(len(frameset), '', dtype='U10')
    for k, idx in split.items():
        part[idx] = k
    t = Table()
    t['file'] = frameset.files
    t['class'] = [CLASSES[i] for i in frameset.labels]
    t['night'] = frameset.nights
    t['spectrograph'] = frameset.spectrographs
    t['split'] = part
    t.write(outdir / 'split.ecsv', format='ascii.ecsv', overwrite=True)


def train(frameset, outdir, config=None, resume=False, overwrite=False, command=None,
          sources=None, progress='bar', on_epoch_end=None):
    """
    Train, keep the best epoch, calibrate and save a model.

    Parameters
    ----------
    frameset : `pypeit_spit.training.dataset.FrameSet`
        All labelled frames (split here by night).
    outdir : str or `pathlib.Path`
        Output folder (see the module docstring).
    config : TrainConfig or None, optional
    resume : bool, optional
        Continue from ``outdir/checkpoint`` (same data and configuration).
    overwrite : bool, optional
        Start afresh even when ``outdir`` holds a checkpoint.
    command : str or None, optional
        Command line, stored in the model metadata.
    sources : list of str or None, optional
        Labels files, stored in the model metadata.
    progress : {'bar', 'epoch', 'none'}, optional
        A progress bar per batch (on a terminal only), one line per epoch only, or
        nothing but the log. ``train.log`` in ``outdir`` gets a line per epoch and
        about every minute within one, whatever this says.
    on_epoch_end : callable or None, optional
        Called with the epoch number after its checkpoint is written (e.g. to stop a
        run there).

    Returns
    -------
    dict
        ``model`` (path), ``best_epoch``, ``calibration``, ``history``, ``split``
        (frames per part), ``test`` (summary or None).

    Raises
    ------
    TrainError
        Too few nights, a class missing from training, a checkpoint in the way, or
        a checkpoint that does not match.
    """
    config = config or TrainConfig()
    outdir = Path(outdir)
    ckdir = outdir / 'checkpoint'
    state_path = ckdir / CHECKPOINT
    if state_path.exists() and not (resume or overwrite):
        raise TrainError(f'{outdir}: holds a training checkpoint; use resume to continue '
                         'it, overwrite to start again, or another output folder')
    if resume and not state_path.exists():
        raise TrainError(f'{state_path}: no checkpoint to resume from')
    if len(frameset) == 0:
        raise TrainError('the training set is empty')
    outdir.mkdir(parents=True, exist_ok=True)
    ckdir.mkdir(exist_ok=True)

    use_stats = config.resolved_stats()
    split = split_by_night(frameset.nights, config.fractions, config.seed)
    tr, va, te = split['train'], split['validation'], split['test']
    if tr.size == 0 or va.size == 0:
        raise TrainError(f'{np.unique(frameset.nights).size} night(s) give no '
                         f'{"training" if tr.size == 0 else "validation"} frames: need at '
                         'least 2 nights (3 with a test part); add a night column or more '
                         'frames')
    counts = {p: {c: int(n) for c, n in zip(CLASSES, np.bincount(frameset.labels[idx],
                                                                    minlength=len(CLASSES)))}
              for p, idx in split.items()}
    missing = [c for c, n in counts['train'].items() if n == 0]
    if missing:
        raise TrainError(f'no training frames of class {", ".join(missing)}')
    for c, n in counts['validation'].items():
        if n == 0:
            log.warning(f'no validation frames of class {c}: calibration ignores it')
    _write_split(outdir, frameset, split)
    data_id = fingerprint(list(frameset.files[tr]) + ['|'] + list(frameset.files[va])
                          + [str(x) for x in frameset.labels])
    cfg = asdict(config)
    cfg['fractions'] = list(config.fractions)
    stats_tr = frameset.stats if use_stats else None

    keras_net.set_threads(config.threads)
    if config.deterministic:
        problem = keras_net.enable_determinism()
        if problem:  # not fatal: reproducibility then is approximate
            log.warning(f'cannot enable deterministic TensorFlow kernels: {problem}')

    precision = config.resolved_precision()
    runlog = RunLog(outdir / 'train.log')
    keys = ('architecture', 'use_stats', 'batch_size', 'learning_rate', 'seed', 'fractions',
            'augment', 'augment_structure', 'precision')
    #: a setting a checkpoint predates had its default then
    before = asdict(TrainConfig())
    keras_net.set_random_seed(config.seed)
    network = build_model(config.architecture, use_stats=use_stats,
                          precision=precision).backend.network
    keras_net.compile_for_training(network, config.learning_rate)
    if resume:
        def check(state):
            changed = [k for k in keys if state['config'].get(k, before.get(k)) != cfg.get(k)]
            if changed:
                raise TrainError(f'{state_path}: cannot resume: {", ".join(changed)} differ '
                                 'from the checkpoint')
            if state['data'] != data_id:
                raise TrainError(f'{state_path}: cannot resume: the training/validation '
                                 'frames differ from the checkpoint')

        state = read_checkpoint(ckdir, network, check)
        history, start, best = state['history'], state['epoch'] + 1, state['best']
        best_weights = state.pop('best_weights')
        runlog.write(f'resumed after epoch {state["epoch"]} (best so far: epoch '
                     f'{best["epoch"]})')
        log.info(f'Resuming {outdir} after epoch {state["epoch"]}')
    else:
        if config.init:
            _start_from(network, config.init)
        history, start, best_weights = [], 1, None
        best = {'epoch': 0, 'val_normalized_accuracy': -1.0, 'val_loss': np.inf}
        state = {'started': time.strftime('%Y-%m-%dT%H:%M:%S'), 'seconds': 0.0}
    summary = (f'Training {config.architecture} ({"image + statistics" if use_stats else "image"}'
               f', {network.count_params()} weights, {precision}) on {tr.size} frames '
               f'({np.unique(frameset.nights[tr]).size} nights), validating on {va.size} '
               f'({np.unique(frameset.nights[va]).size} nights), testing on {te.size}')
    log.info(summary)
    runlog.write(summary)
    log.info('Training frames per class: ' + ', '.join(f'{c} {n}' for c, n in
                                                         counts['train'].items()))
    waited = sum(1 for h in history if h['epoch'] > best['epoch'])
    for epoch in range(start, config.epochs + 1):
        if config.patience is not None and waited >= config.patience:
            log.info(f'No improvement for {waited} epochs: stopping')
            runlog.write(f'no improvement for {waited} epochs: stopped')
            break
        t0 = time.time()
        fit = train_epoch(network, frameset, stats_tr, tr, config, epoch, runlog, progress)
        seconds = time.time() - t0
        result = validate(network, frameset, va, use_stats, config.architecture)
        lr = float(np.asarray(network.optimizer.learning_rate))
        row = {'epoch': epoch, **fit, **_val_metrics(result, frameset.labels[va]),
               'seconds': round(seconds, 2),
               'images_per_s': round(fit['train_samples'] / max(seconds, 1e-9), 2),
               'learning_rate': lr, 'best': False}
        key = (row['val_normalized_accuracy'], -row['val_loss'])
        if key > (best['val_normalized_accuracy'], -best['val_loss']):
            best = {'epoch': epoch, 'val_normalized_accuracy': row['val_normalized_accuracy'],
                    'val_loss': row['val_loss']}
            row['best'] = True
            best_weights = network.get_weights()
            waited = 0
        else:
            waited += 1
            if config.lr_patience and waited % config.lr_patience == 0:
                # part of the optimizer's variables, so a resumed run goes on with it
                network.optimizer.learning_rate.assign(lr / 2)
                runlog.write(f'no improvement for {waited} epochs: learning rate '
                             f'{lr:.3g} -> {lr / 2:.3g}')
        history.append(row)
        state.update({'epoch': epoch, 'history': history, 'best': best, 'config': cfg,
                      'data': data_id, 'seconds': state.get('seconds', 0.0) + seconds})
        write_checkpoint(ckdir, network, best_weights, state)
        _write_log(outdir, history)
        plot_learning_curves(history, outdir / 'learning_curves.png',
                             title=f'{config.architecture}, seed {config.seed}')
        line = (f'epoch {epoch}/{config.epochs}: loss {row["loss"]:.4f} acc '
                f'{row["accuracy"]:.4f} | val loss {row["val_loss"]:.4f} acc '
                f'{row["val_accuracy"]:.4f} normalized {row["val_normalized_accuracy"]:.4f} '
                f'final {row["val_final_correct"]:.4f} | {seconds:.0f} s, '
                f'{row["images_per_s"]:.1f} images/s' + (' | best' if row['best'] else ''))
        log.info(line)
        runlog.write(line)
        if on_epoch_end is not None:
            on_epoch_end(epoch)
    if best_weights is None:
        raise TrainError(f'{ckdir}: no epoch was trained (epochs={config.epochs})')

    # Final model: a fresh network (no optimizer state) with the best weights.
    final = build_model(config.architecture, use_stats=use_stats)
    final.backend.network.set_weights(best_weights)
    val = validate(final.backend.network, frameset, va, use_stats, config.architecture,
                   embeddings=True)
    probs4 = val.probs4
    cal = calibrate(probs4, frameset.labels[va], target=config.target_error)
    write_calibration(cal, probs4, frameset.labels[va], outdir / 'calibration')
    log.info(f'Calibration on {va.size} validation frames: T = {cal["temperature"]:.3f}, '
             f'ECE {cal["ece_before"]:.4f} -> {cal["ece_after"]:.4f}; threshold '
             f'{cal["threshold"]:.4f} for error <= {config.target_error:.2%} '
             f'({cal["accepted_fraction"]:.1%} of validation frames accepted); per class: '
             + ', '.join(f'{c} {t:.4f}' for c, t in zip(CLASSES, cal['thresholds'])))
    if not cal['target_reached']:
        log.warning('the target error rate cannot be reached on the validation set: the '
                    'threshold makes every frame Unknown')
    final.metadata['temperature'] = float(cal['temperature'])
    final.metadata['threshold'] = float(cal['threshold'])
    final.metadata['thresholds'] = {c: float(t) for c, t in zip(CLASSES, cal['thresholds'])}
    final.metadata['calibration'] = cal
    final.metadata['guard'] = fit_model_guard(final, frameset, tr, va, val, config, use_stats)
    runlog.write(f"guard: cut {final.metadata['guard']['cut']:.3f} (quantile "
                 f"{final.metadata['guard']['quantile']} of {va.size} validation frames)")
    final.metadata['training'] = {
        'data': list(sources or []), 'data_fingerprint': data_id,
        'frames': counts, 'nights': {p: int(np.unique(frameset.nights[idx]).size)
                                     for p, idx in split.items()},
        'command': command, 'seed': config.seed, 'epochs': len(history),
        'best_epoch': best['epoch'], 'config': cfg,
        'best_val_normalized_accuracy': best['val_normalized_accuracy'],
        'best_val_loss': best['val_loss'], 'seconds': round(state['seconds'], 1),
        'time': time.strftime('%Y-%m-%dT%H:%M:%S'),
        'machine': {**keras_net.machine_info(), 'pypeit_spit': __version__}}
    model_path = outdir / f'{config.model_name}.keras'
    save_model(final, model_path)
    log.info(f'Model written: {model_path} (best epoch {best["epoch"]})')
    runlog.write(f'model written: {model_path} (best epoch {best["epoch"]}); calibration: '
                 f'T = {cal["temperature"]:.3f}, threshold {cal["threshold"]:.4f}')

    test = None
    if te.size:
        from pypeit_spit.training.evaluate import evaluate_frameset
        test = evaluate_frameset(final, frameset.subset(te), outdir / 'test',
                                 title=f'test nights ({te.size} frames)')
    return {'model': str(model_path), 'best_epoch': best['epoch'], 'calibration': cal,
            'history': history, 'split': {k: int(v.size) for k, v in split.items()},
            'test': test}


#: Training frames the out-of-distribution guard is fitted on (a seeded choice).
GUARD_FIT_FRAMES = 4000


def fit_model_guard(model, frameset, train_frames, val_frames, val, config, use_stats):
    """
    The out-of-distribution guard of a trained model (:mod:`pypeit_spit.model.guard`):
    class means and shared whitening of the embeddings of (up to
    :data:`GUARD_FIT_FRAMES`) training frames, the cut at
    :data:`~pypeit_spit.model.guard.GUARD_QUANTILE` of the validation frames' scores.

    Parameters
    ----------
    model : `pypeit_spit.model.spit_model.SpitModel`
        The final (float32) model.
    frameset : `pypeit_spit.training.dataset.FrameSet`
    train_frames, val_frames : `numpy.ndarray` of int
    val : `pypeit_spit.model.inference.Inference`
        Of the validation frames, with their embeddings.
    config : TrainConfig
    use_stats : bool

    Returns
    -------
    dict
        The ``guard`` metadata, with ``cut``, ``quantile``, ``fit_frames`` and the
        validation report (``validation``).
    """
    from pypeit_spit.model.guard import (GUARD_QUANTILE, choose_guard_cut, fit_guard,
                                         guard_report, guard_scores)
    rng = np.random.default_rng(config.seed + 7919)
    chosen = np.sort(rng.choice(train_frames, min(GUARD_FIT_FRAMES, train_frames.size),
                                replace=False))
    emb = validate(model.backend.network, frameset, chosen, use_stats, config.architecture,
                   embeddings=True).embeddings
    guard = fit_guard(emb, frameset.labels[chosen], len(CLASSES))
    scores = guard_scores(val.embeddings, guard)
    guard['cut'] = choose_guard_cut(scores, GUARD_QUANTILE)
    guard['quantile'] = GUARD_QUANTILE
    guard['fit_frames'] = int(chosen.size)
    correct = val.decide(0.0, guard=False) == frameset.labels[val_frames]
    guard['validation'] = guard_report(scores, correct, guard['cut'])
    return guard


def _start_from(network, path):
    """Copy the weights of the model file ``path`` into ``network`` (same layout)."""
    try:
        source = keras_net.load_keras(path, compile=False)
    except Exception as exc:
        raise TrainError(f'{path}: cannot load the model to start from '
                         f'({type(exc).__name__}: {exc})') from exc
    want = [tuple(w.shape) for w in network.get_weights()]
    got = [tuple(w.shape) for w in source.get_weights()]
    if want != got:
        raise TrainError(f'{path}: its network is not this architecture (weights of other '
                         'shapes): cannot start from it')
    network.set_weights(source.get_weights())
    log.info(f'Starting from the weights of {path}')


def command_line():
    """The command line of this process, for the metadata."""
    return ' '.join([Path(sys.argv[0]).name] + sys.argv[1:])
