"""
A network together with the metadata that says how to feed it and how to read it.

The metadata (a JSON object stored with every model file) holds:

``architecture``
    ``'compact'``, ``'spit2018'`` or ``'longslit'``.
``classes``, ``input_shape``, ``preprocess_version``, ``stats``
    The input contract (:mod:`pypeit_spit.preprocess.contract`); a model whose
    contract differs from this package's is refused.
``temperature``
    Softmax temperature ``T`` (> 0): reported probabilities are
    ``softmax(log p / T)`` averaged over the image and its flips.
``threshold``, ``thresholds``
    The model's own Unknown cut: the least mean probability the vote winner needs.
    ``thresholds`` (optional) gives one cut per class, calibrated on validation
    nights; ``threshold`` is the cut for classes it does not name. The cut is
    applied in one place, :meth:`Inference.decide <pypeit_spit.model.inference.Inference.decide>`,
    and a caller's threshold (``--threshold`` of ``pypeit_spit_classify``, an
    instrument's ``threshold`` in the configuration, ``--spit-threshold``)
    *replaces* it; 0 takes every vote winner.

``guard`` (optional)
    The out-of-distribution guard (:mod:`pypeit_spit.model.guard`): class means and
    whitening of the network's embedding, and the cut on the guard score. A model
    with a guard has a second output, the embedding.

and optionally ``calibration`` and ``training`` records.
"""
import numpy as np

from pypeit_spit.errors import ModelError
from pypeit_spit.preprocess.contract import IMAGE_SHAPE, PREPROCESS_VERSION, STAT_NAMES, \
    to_network
from pypeit_spit.vocab import CLASSES

__all__ = ['ARCHITECTURE_NAMES', 'METADATA_NAME', 'SpitModel', 'new_metadata', 'check_metadata',
           'check_signature', 'apply_temperature']

#: Architectures this version knows (their builders: :mod:`~.keras_net`).
ARCHITECTURE_NAMES = ('compact', 'spit2018', 'longslit')

#: Name of the metadata entry in a model file.
METADATA_NAME = 'spit_metadata.json'


def new_metadata(architecture, use_stats):
    """
    Metadata of a new, uncalibrated model (temperature 1, no Unknown cut).

    Parameters
    ----------
    architecture : str
    use_stats : bool

    Returns
    -------
    dict
    """
    return {'architecture': architecture, 'classes': list(CLASSES),
            'input_shape': list(IMAGE_SHAPE), 'preprocess_version': PREPROCESS_VERSION,
            'stats': list(STAT_NAMES) if use_stats else [], 'temperature': 1.0,
            'threshold': 0.0}


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and np.isfinite(value)


def check_metadata(metadata, path='model'):
    """
    Refuse metadata that does not match this version of pypeit-spit or is malformed.

    Parameters
    ----------
    metadata : object
        Parsed metadata.
    path : str, optional
        Named in the error.

    Raises
    ------
    pypeit_spit.errors.ModelError
    """
    if not isinstance(metadata, dict):
        raise ModelError(f'{path}: model metadata is a {type(metadata).__name__}, not a JSON '
                         'object')
    problems = []
    if metadata.get('architecture') not in ARCHITECTURE_NAMES:
        problems.append(f"architecture {metadata.get('architecture')!r} is unknown")
    if tuple(metadata.get('classes') or ()) != CLASSES:
        problems.append(f"classes {metadata.get('classes')} differ from {list(CLASSES)}")
    if tuple(metadata.get('input_shape') or ()) != tuple(IMAGE_SHAPE):
        problems.append(f"input shape {metadata.get('input_shape')} differs from "
                        f"{list(IMAGE_SHAPE)}")
    if metadata.get('preprocess_version') != PREPROCESS_VERSION:
        problems.append(f"pre-processing version {metadata.get('preprocess_version')} "
                        f"differs from this package's {PREPROCESS_VERSION}")
    stats = metadata.get('stats', [])
    if not isinstance(stats, list) or (stats and tuple(stats) != STAT_NAMES):
        problems.append(f'statistics {stats} differ from {list(STAT_NAMES)}')
    t = metadata.get('temperature', 1.0)
    if not _is_number(t) or t <= 0:
        problems.append(f'temperature {t!r} is not a positive number')
    cuts = {'threshold': metadata.get('threshold', 0.0)}
    per_class = metadata.get('thresholds', {})
    if not isinstance(per_class, dict):
        problems.append(f'thresholds {per_class!r} is not an object of class: cut')
        per_class = {}
    for c, v in per_class.items():
        if c not in CLASSES:
            problems.append(f'thresholds names an unknown class {c!r}')
        cuts[f'thresholds[{c}]'] = v
    for name, v in cuts.items():
        if not _is_number(v) or not 0.0 <= v <= 1.0:
            problems.append(f'{name} {v!r} is not a number in [0, 1]')
    if metadata.get('guard') is not None:
        from pypeit_spit.model.guard import check_guard
        problems.extend(check_guard(metadata['guard'], len(CLASSES)))
    if problems:
        raise ModelError(f'{path}: incompatible model: ' + '; '.join(problems))


def check_signature(signature, metadata, path='model'):
    """
    Refuse a network whose inputs or outputs disagree with its metadata.

    Parameters
    ----------
    signature : dict
        ``image_shape``, ``n_stats``, ``n_classes`` (and optionally ``name``) of the
        network, as the backend reads them.
    metadata : dict
        Checked metadata.
    path : str, optional

    Raises
    ------
    pypeit_spit.errors.ModelError
    """
    problems = list(signature.get('problems', []))
    if tuple(signature['image_shape']) != tuple(metadata['input_shape']):
        problems.append(f"its image input is {list(signature['image_shape'])}, the metadata "
                        f"says {metadata['input_shape']}")
    if signature['n_stats'] != len(metadata['stats']):
        problems.append(f"it takes {signature['n_stats']} statistics, the metadata names "
                        f"{len(metadata['stats'])}")
    if signature['n_classes'] != len(metadata['classes']):
        problems.append(f"it outputs {signature['n_classes']} classes, the metadata names "
                        f"{len(metadata['classes'])}")
    guard = metadata.get('guard')
    if guard is not None and signature.get('embedding_dim', 0) != len(guard['whiten']):
        problems.append(f"its embedding has dimension {signature.get('embedding_dim', 0)}, "
                        f"the guard {len(guard['whiten'])}")
    name = signature.get('name')
    if name in ARCHITECTURE_NAMES and name != metadata['architecture']:
        problems.append(f"it is a {name} network, the metadata says {metadata['architecture']}")
    if problems:
        raise ModelError(f'{path}: the network does not match its metadata: '
                         + '; '.join(problems))


def apply_temperature(probs, temperature):
    """
    Rescale softmax probabilities by a temperature (``softmax(log p / T)``).

    Parameters
    ----------
    probs : `numpy.ndarray`, shape (..., k)
    temperature : float

    Returns
    -------
    `numpy.ndarray`
    """
    if temperature is None or temperature == 1.0:
        return probs
    logp = np.log(np.clip(probs, 1e-30, 1.0)) / float(temperature)
    logp -= logp.max(axis=-1, keepdims=True)
    e = np.exp(logp)
    return e / e.sum(axis=-1, keepdims=True)


class SpitModel:
    """
    A network (run by some backend) with its metadata.

    Parameters
    ----------
    backend : object
        Runs the network: ``predict(images, stats) -> probabilities`` on float32
        network inputs (:func:`~pypeit_spit.preprocess.contract.to_network`), with
        ``kind``, ``n_weights`` and ``signature()``. See
        :class:`~pypeit_spit.model.keras_net.KerasBackend`.
    metadata : dict
        See the module docstring.
    path : str or None, optional
        The file it was read from.
    """

    def __init__(self, backend, metadata, path=None):
        self.backend = backend
        self.metadata = dict(metadata)
        self.path = path

    def __repr__(self):
        return (f'SpitModel({self.metadata.get("architecture")}, '
                f'{getattr(self.backend, "kind", "?")}, path={self.path!r})')

    @property
    def classes(self):
        """Class names in output order."""
        return tuple(self.metadata['classes'])

    @property
    def uses_stats(self):
        """Whether the network takes the statistics vector."""
        return bool(self.metadata.get('stats'))

    @property
    def temperature(self):
        """Softmax temperature."""
        return float(self.metadata.get('temperature', 1.0))

    @property
    def n_weights(self):
        """Number of weights (parameters): the network's, or as recorded when saved."""
        n = getattr(self.backend, 'n_weights', None)
        return int(n) if n is not None else self.metadata.get('n_weights')

    @property
    def guard(self):
        """The out-of-distribution guard (a dict, :mod:`~.guard`) or None."""
        return self.metadata.get('guard')

    def cuts(self, threshold=None):
        """
        The Unknown cut of each class.

        Parameters
        ----------
        threshold : float or None, optional
            A caller's cut, which replaces the model's for every class; None keeps
            the model's own (per class where calibrated so).

        Returns
        -------
        `numpy.ndarray`, shape (n_classes,)
        """
        if threshold is not None:
            return np.full(len(self.classes), float(threshold))
        base = float(self.metadata.get('threshold', 0.0))
        per_class = self.metadata.get('thresholds') or {}
        return np.array([float(per_class.get(c, base)) for c in self.classes])

    def predict(self, images, stats=None, embedding=False):
        """
        Softmax output (temperature 1) of uint8 images (and their embedding).

        Parameters
        ----------
        images : `numpy.ndarray` of uint8, shape (m, rows, cols)
        stats : `numpy.ndarray`, shape (m, n_stats), optional
            Required when the network takes statistics; ignored otherwise.
        embedding : bool, optional
            Also return the embedding (a model with a guard).

        Returns
        -------
        probs : `numpy.ndarray` of float64, shape (m, n_classes)
        embedding : `numpy.ndarray` of float64, shape (m, d)
            Only when ``embedding`` is True.
        """
        images = np.asarray(images)
        if images.shape[0] == 0:
            empty = np.zeros((0, len(self.classes)))
            return (empty, np.zeros((0, len(self.guard['whiten']) if self.guard else 0))) \
                if embedding else empty
        x = to_network(images)
        if self.uses_stats and stats is None:
            raise ModelError('this network needs the raw-pixel statistics')
        s = np.asarray(stats, dtype=np.float32) if self.uses_stats else None
        if embedding:
            return self.backend.predict(x, s, embedding=True)
        return self.backend.predict(x, s)
