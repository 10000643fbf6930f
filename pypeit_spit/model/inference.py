"""
The one inference path: pre-processed frames + a model -> probabilities of each frame's
four copies, votes, and the decision.

Everything that runs a network on frames goes through :func:`infer`: typing
(:func:`pypeit_spit.classify_files`, and so ``pypeit_spit_setup``), training's
validation and model selection, calibration, and evaluation. Only the model's backend
differs (the Keras network being trained, or the saved model).
"""
from dataclasses import dataclass, field

import numpy as np

from pypeit_spit.model.guard import guard_scores
from pypeit_spit.model.spit_model import apply_temperature
from pypeit_spit.model.vote import MIN_VOTES, count_votes, decide
from pypeit_spit.preprocess.contract import N_FLIPS, flips
from pypeit_spit.vocab import UNKNOWN, UNKNOWN_INDEX

__all__ = ['DEFAULT_BATCH_SIZE', 'Inference', 'infer', 'concatenate']

#: Frames per network call (each with its three flips, so four times as many images):
#: memory grows with the images of a call, time per image does not (ONNX Runtime then
#: takes them one at a time: :meth:`pypeit_spit.model.runtime.OnnxBackend.predict`);
#: the outputs are bitwise the same.
DEFAULT_BATCH_SIZE = 1


@dataclass
class Inference:
    """
    What the network says of some frames.

    Attributes
    ----------
    probs4 : `numpy.ndarray`, shape (n, 4, n_classes)
        Softmax output at temperature 1 of the image and its three flips (the
        order of :func:`~pypeit_spit.preprocess.contract.flips`).
    temperature : float
        The model's softmax temperature.
    classes : tuple of str
    cuts : `numpy.ndarray`, shape (n_classes,)
        The model's own Unknown cut per class.
    guard_scores : `numpy.ndarray`, shape (n,), or None
        Each frame's out-of-distribution score (:mod:`pypeit_spit.model.guard`);
        None when the model has no guard.
    guard_cut : float or None
        The model's guard cut: a frame scoring above it is Unknown.
    embeddings : `numpy.ndarray`, shape (n, 4, d), or None
        The embedding of every copy, when :func:`infer` was asked for it.
    """
    probs4: np.ndarray
    temperature: float = 1.0
    classes: tuple = ()
    cuts: np.ndarray = field(default=None, repr=False)
    guard_scores: np.ndarray = field(default=None, repr=False)
    guard_cut: float = None
    embeddings: np.ndarray = field(default=None, repr=False)

    def __post_init__(self):
        self.probs4 = np.asarray(self.probs4, dtype=np.float64)
        tempered = apply_temperature(self.probs4, self.temperature)
        #: Mean (tempered) probability of each class over the four copies, (n, k).
        self.probs = tempered.mean(axis=1)
        #: Most-voted class and its votes, (n,).
        self.winner, self.votes = count_votes(self.probs4)
        if self.cuts is None:
            self.cuts = np.zeros(self.probs4.shape[2])

    def __len__(self):
        return int(self.probs4.shape[0])

    @property
    def guarded(self):
        """Whether each frame is out of distribution (its guard score above the cut)."""
        if self.guard_scores is None or self.guard_cut is None:
            return np.zeros(len(self), dtype=bool)
        return np.asarray(self.guard_scores) > self.guard_cut

    def decide(self, threshold=None, min_votes=MIN_VOTES, guard=True):
        """
        The answer of every frame: a class index, or Unknown.

        Parameters
        ----------
        threshold : float, array_like or None, optional
            A cut replacing the model's own (one value, or one per class); None
            keeps the model's; 0 takes every vote winner.
        min_votes : int, optional
        guard : bool, optional
            Apply the model's out-of-distribution guard (where it has one): a frame
            unlike the training frames is Unknown whatever its vote.

        Returns
        -------
        `numpy.ndarray` of int
            Class index or :data:`~pypeit_spit.vocab.UNKNOWN_INDEX`.
        """
        cuts = self.cuts if threshold is None else threshold
        pred = decide(self.winner, self.votes, self.probs, cuts, min_votes)
        if guard:
            pred = np.where(self.guarded, UNKNOWN_INDEX, pred)
        return pred

    def labels(self, threshold=None, min_votes=MIN_VOTES):
        """
        The answers as class names (:data:`~pypeit_spit.vocab.UNKNOWN` for Unknown).

        Parameters
        ----------
        threshold : float, array_like or None, optional
        min_votes : int, optional

        Returns
        -------
        list of str
        """
        pred = self.decide(threshold, min_votes)
        return [UNKNOWN if p == UNKNOWN_INDEX else self.classes[p] for p in pred]

    def answer_probs(self, pred):
        """
        The probability reported with each answer: the mean probability of the
        answer's class, or, for Unknown, the largest mean probability.

        Parameters
        ----------
        pred : array_like of int
            From :meth:`decide`.

        Returns
        -------
        `numpy.ndarray`
        """
        pred = np.asarray(pred, dtype=int)
        best = np.where(pred >= 0, pred, self.probs.argmax(axis=1)) if pred.size else pred
        return self.probs[np.arange(pred.size), best]


def infer(model, images, stats=None, batch_size=DEFAULT_BATCH_SIZE, embeddings=False):
    """
    Run a model on pre-processed frames, each with its three flips.

    The four copies of ``batch_size`` frames go through the network in one call, so
    memory does not grow with the number of frames.

    Parameters
    ----------
    model : `pypeit_spit.model.spit_model.SpitModel`
    images : `numpy.ndarray` of uint8, shape (n, rows, cols)
        Pre-processed images (:func:`pypeit_spit.preprocess.prepare_frame`).
    stats : `numpy.ndarray`, shape (n, n_stats), optional
        Their statistics (needed when the model takes them).
    batch_size : int, optional
        Frames per network call.
    embeddings : bool, optional
        Keep the embedding of every copy (``Inference.embeddings``; to fit a guard).

    Returns
    -------
    Inference
    """
    images = np.asarray(images)
    n = images.shape[0]
    if batch_size < 1:
        raise ValueError(f'batch size must be at least 1, got {batch_size}')
    k = len(model.classes)
    probs4 = np.zeros((n, N_FLIPS, k))
    guard = model.guard
    scores = np.zeros(n) if guard is not None else None
    kept = [] if embeddings else None
    use_stats = model.uses_stats
    if use_stats and stats is None:
        from pypeit_spit.errors import ModelError
        raise ModelError('this network needs the raw-pixel statistics')
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        chunk = images[start:stop]
        m = stop - start
        # (4, m, rows, cols) -> (m * 4): the four copies of one frame are consecutive.
        batch = np.swapaxes(flips(chunk), 0, 1).reshape(m * N_FLIPS, *chunk.shape[1:])
        bstats = np.repeat(np.asarray(stats[start:stop]), N_FLIPS, axis=0) if use_stats \
            else None
        if guard is None and not embeddings:
            probs4[start:stop] = model.predict(batch, bstats).reshape(m, N_FLIPS, k)
            continue
        p, e = model.predict(batch, bstats, embedding=True)
        probs4[start:stop] = p.reshape(m, N_FLIPS, k)
        e = e.reshape(m, N_FLIPS, -1)
        if guard is not None:
            scores[start:stop] = guard_scores(e, guard)
        if embeddings:
            kept.append(e.astype(np.float32))
    return Inference(probs4, temperature=model.temperature, classes=model.classes,
                     cuts=model.cuts(), guard_scores=scores,
                     guard_cut=None if guard is None else float(guard['cut']),
                     embeddings=np.concatenate(kept) if kept else None)


def concatenate(results):
    """
    Several :class:`Inference` of one model as one, frames in the order given: what
    :func:`infer` gives for all their frames in one call (every quantity is computed
    frame by frame), e.g. frames run through the network as they were read.

    Parameters
    ----------
    results : sequence of Inference
        At least one; all of the same model.

    Returns
    -------
    Inference
    """
    first = results[0]
    scores = None if first.guard_scores is None else \
        np.concatenate([r.guard_scores for r in results])
    return Inference(np.concatenate([r.probs4 for r in results]), temperature=first.temperature,
                     classes=first.classes, cuts=first.cuts, guard_scores=scores,
                     guard_cut=first.guard_cut,
                     embeddings=None if first.embeddings is None else
                     np.concatenate([r.embeddings for r in results]))
