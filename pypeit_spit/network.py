"""
The networks (Keras 3), and saving/loading them with their metadata.

Two architectures:

``spit2018``
    Jankov & Prochaska (2018): conv 5x5x36, maxpool 2, conv 5x5x64, maxpool 2,
    dense 128, softmax 5. About 69 million weights (263 MB); kept for reproduction.
``compact``
    pypeit-spit's default: a strided 5x5 stem, three 3x3 conv blocks with batch
    normalisation and max-pooling, global average+max pooling, and (optionally) a
    small branch for the raw-pixel statistics of :mod:`pypeit_spit.stats`. Under
    0.2 million weights.

A model file is a ``.keras`` archive (loaded with ``safe_mode=True``) that also
holds ``spit_metadata.json``: architecture, class names, input size, pre-processing
version, statistics used, softmax temperature and Unknown threshold. A file whose
metadata does not match this version of pypeit-spit is refused with
:class:`ModelError`.
"""
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from pypeit_spit.paths import package_folder
from pypeit_spit.preprocess import PREPROCESS_VERSION
from pypeit_spit.resize import IMAGE_SHAPE
from pypeit_spit.stats import STAT_NAMES

os.environ.setdefault('KERAS_BACKEND', 'tensorflow')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

__all__ = ['CLASSES', 'ARCHITECTURES', 'ModelError', 'SpitModel', 'build_model',
           'save_model', 'load_model', 'resolve_model', 'bundled_models', 'DEFAULT_MODEL']

#: Class names in the paper's one-hot order.
CLASSES = ('bias', 'science', 'standard', 'arc', 'flat')

#: Name of the bundled default model (``models/<name>.keras``).
DEFAULT_MODEL = 'kast_compact'

METADATA_NAME = 'spit_metadata.json'


class ModelError(Exception):
    """A model that cannot be found, read or used."""


def _keras():
    import keras
    return keras


def build_spit2018(shape=IMAGE_SHAPE, n_classes=len(CLASSES)):
    """
    The network of Jankov & Prochaska (2018).

    Parameters
    ----------
    shape : tuple, optional
        Input image shape (rows, columns).
    n_classes : int, optional
        Number of classes.

    Returns
    -------
    `keras.Model`
    """
    keras = _keras()
    layers = keras.layers
    image = keras.Input(shape=(*shape, 1), name='image')
    x = layers.Conv2D(36, 5, padding='same', activation='relu', name='conv1')(image)
    x = layers.MaxPooling2D(2, name='pool1')(x)
    x = layers.Conv2D(64, 5, padding='same', activation='relu', name='conv2')(x)
    x = layers.MaxPooling2D(2, name='pool2')(x)
    x = layers.Flatten(name='flatten')(x)
    x = layers.Dense(128, activation='relu', name='dense')(x)
    out = layers.Dense(n_classes, activation='softmax', name='softmax')(x)
    return keras.Model(image, out, name='spit2018')


def build_compact(shape=IMAGE_SHAPE, n_classes=len(CLASSES), n_stats=len(STAT_NAMES),
                  width=16, dropout=0.3):
    """
    pypeit-spit's compact network.

    Parameters
    ----------
    shape : tuple, optional
        Input image shape (rows, columns).
    n_classes : int, optional
        Number of classes.
    n_stats : int, optional
        Length of the statistics vector; 0 builds an image-only network.
    width : int, optional
        Channels of the first layer; later blocks use 2x, 4x, 6x, 8x.
    dropout : float, optional
        Dropout before the last layer.

    Returns
    -------
    `keras.Model`
    """
    keras = _keras()
    layers = keras.layers
    image = keras.Input(shape=(*shape, 1), name='image')
    x = layers.Conv2D(width, 5, strides=2, padding='same', use_bias=False, name='stem')(image)
    x = layers.BatchNormalization(name='stem_bn')(x)
    x = layers.ReLU(name='stem_relu')(x)
    x = layers.MaxPooling2D(2, name='stem_pool')(x)
    for i, mult in enumerate((2, 4, 6)):
        x = layers.Conv2D(width * mult, 3, padding='same', use_bias=False, name=f'conv{i + 1}')(x)
        x = layers.BatchNormalization(name=f'bn{i + 1}')(x)
        x = layers.ReLU(name=f'relu{i + 1}')(x)
        x = layers.MaxPooling2D(2, name=f'pool{i + 1}')(x)
    x = layers.Conv2D(width * 8, 3, padding='same', use_bias=False, name='conv4')(x)
    x = layers.BatchNormalization(name='bn4')(x)
    x = layers.ReLU(name='relu4')(x)
    x = layers.Concatenate(name='pooled')([layers.GlobalAveragePooling2D(name='gap')(x),
                                           layers.GlobalMaxPooling2D(name='gmp')(x)])
    inputs = [image]
    if n_stats:
        stats = keras.Input(shape=(n_stats,), name='stats')
        s = layers.Dense(16, activation='relu', name='stats_dense')(stats)
        x = layers.Concatenate(name='joined')([x, s])
        inputs.append(stats)
    x = layers.Dense(64, activation='relu', name='dense')(x)
    x = layers.Dropout(dropout, name='dropout')(x)
    out = layers.Dense(n_classes, activation='softmax', name='softmax')(x)
    return keras.Model(inputs if n_stats else image, out, name='compact')


#: Architecture name -> (builder, uses statistics by default).
ARCHITECTURES = {'spit2018': (build_spit2018, False), 'compact': (build_compact, True)}


def build_model(architecture='compact', use_stats=None):
    """
    Build an untrained network with its metadata.

    Parameters
    ----------
    architecture : str, optional
        ``'compact'`` or ``'spit2018'``.
    use_stats : bool or None, optional
        Feed the raw-pixel statistics to the network (compact only). None takes the
        architecture's default.

    Returns
    -------
    SpitModel
    """
    if architecture not in ARCHITECTURES:
        raise ModelError(f'unknown architecture {architecture!r}; '
                         f'choose one of {", ".join(ARCHITECTURES)}')
    builder, default_stats = ARCHITECTURES[architecture]
    use_stats = default_stats if use_stats is None else use_stats
    if architecture == 'spit2018' and use_stats:
        raise ModelError('spit2018 takes the image only (use_stats=False)')
    kwargs = {} if architecture == 'spit2018' else {'n_stats': len(STAT_NAMES) if use_stats else 0}
    model = builder(**kwargs)
    metadata = {'architecture': architecture, 'classes': list(CLASSES),
                'input_shape': list(IMAGE_SHAPE), 'preprocess_version': PREPROCESS_VERSION,
                'stats': list(STAT_NAMES) if use_stats else [], 'temperature': 1.0,
                'threshold': 0.0}
    return SpitModel(model, metadata)


class SpitModel:
    """
    A Keras network together with the metadata that says how to feed it.

    Parameters
    ----------
    model : `keras.Model`
        The network (softmax output).
    metadata : dict
        See the module docstring.
    """

    def __init__(self, model, metadata):
        self.model = model
        self.metadata = dict(metadata)
        self.path = None

    @property
    def classes(self):
        """Class names in output order."""
        return tuple(self.metadata['classes'])

    @property
    def uses_stats(self):
        """Whether the network takes the statistics vector."""
        return bool(self.metadata.get('stats'))

    @property
    def n_weights(self):
        """Number of weights (parameters)."""
        return int(self.model.count_params())

    def inputs(self, images, stats=None):
        """
        Arrange network inputs.

        Parameters
        ----------
        images : `numpy.ndarray` of uint8, shape (n, rows, cols)
        stats : `numpy.ndarray`, shape (n, n_stats), optional
            Required when the network uses statistics.

        Returns
        -------
        `numpy.ndarray` or dict
        """
        x = (np.asarray(images, dtype=np.float32) / 255.0)[..., None]
        if not self.uses_stats:
            return x
        if stats is None:
            raise ModelError('this network needs the raw-pixel statistics')
        return {'image': x, 'stats': np.asarray(stats, dtype=np.float32)}

    def predict(self, images, stats=None, batch_size=64, temperature=None):
        """
        Class probabilities, with the model's softmax temperature applied.

        Parameters
        ----------
        images : `numpy.ndarray` of uint8, shape (n, rows, cols)
        stats : `numpy.ndarray`, optional
        batch_size : int, optional
        temperature : float or None, optional
            Overrides the stored temperature.

        Returns
        -------
        `numpy.ndarray`, shape (n, n_classes)
        """
        images = np.asarray(images)
        if images.shape[0] == 0:
            return np.zeros((0, len(self.classes)))
        x = self.inputs(images, stats)
        probs = np.asarray(self.model.predict_on_batch(x) if images.shape[0] <= batch_size
                           else self.model.predict(x, batch_size=batch_size, verbose=0),
                           dtype=np.float64)
        t = self.metadata.get('temperature', 1.0) if temperature is None else temperature
        return apply_temperature(probs, t)


def apply_temperature(probs, temperature):
    """
    Rescale softmax probabilities by a temperature (``softmax(log p / T)``).

    Parameters
    ----------
    probs : `numpy.ndarray`, shape (n, k)
    temperature : float

    Returns
    -------
    `numpy.ndarray`
    """
    if temperature is None or temperature == 1.0:
        return probs
    logp = np.log(np.clip(probs, 1e-30, 1.0)) / float(temperature)
    logp -= logp.max(axis=1, keepdims=True)
    e = np.exp(logp)
    return e / e.sum(axis=1, keepdims=True)


def save_model(spit_model, path):
    """
    Write a model and its metadata to a ``.keras`` file.

    Parameters
    ----------
    spit_model : SpitModel
    path : str or `pathlib.Path`
        Must end in ``.keras``.
    """
    path = Path(path)
    if path.suffix != '.keras':
        raise ModelError(f'{path}: model files must end in .keras')
    path.parent.mkdir(parents=True, exist_ok=True)
    spit_model.model.save(path)
    with zipfile.ZipFile(path, 'a') as zf:
        zf.writestr(METADATA_NAME, json.dumps(spit_model.metadata, indent=1, sort_keys=True))
    spit_model.path = str(path)


def read_metadata(path):
    """
    Read the metadata stored in a model file.

    Parameters
    ----------
    path : str or `pathlib.Path`

    Returns
    -------
    dict
    """
    try:
        with zipfile.ZipFile(path) as zf:
            return json.loads(zf.read(METADATA_NAME))
    except KeyError as exc:
        raise ModelError(f'{path}: not a pypeit-spit model (no {METADATA_NAME})') from exc
    except (zipfile.BadZipFile, OSError, json.JSONDecodeError) as exc:
        raise ModelError(f'{path}: cannot read model file ({exc})') from exc


def check_metadata(metadata, path='model'):
    """
    Refuse a model whose metadata does not match this version of pypeit-spit.

    Parameters
    ----------
    metadata : dict
    path : str, optional
        Named in the error.

    Raises
    ------
    ModelError
    """
    problems = []
    if metadata.get('architecture') not in ARCHITECTURES:
        problems.append(f"architecture {metadata.get('architecture')!r} is unknown")
    if tuple(metadata.get('classes', ())) != CLASSES:
        problems.append(f"classes {metadata.get('classes')} differ from {list(CLASSES)}")
    if tuple(metadata.get('input_shape', ())) != tuple(IMAGE_SHAPE):
        problems.append(f"input shape {metadata.get('input_shape')} differs from "
                        f"{list(IMAGE_SHAPE)}")
    if metadata.get('preprocess_version') != PREPROCESS_VERSION:
        problems.append(f"pre-processing version {metadata.get('preprocess_version')} "
                        f"differs from this package's {PREPROCESS_VERSION}")
    stats = metadata.get('stats', [])
    if stats and tuple(stats) != STAT_NAMES:
        problems.append(f'statistics {stats} differ from {list(STAT_NAMES)}')
    if problems:
        raise ModelError(f'{path}: incompatible model: ' + '; '.join(problems))


def load_model(path):
    """
    Load a model file, checking its metadata.

    Parameters
    ----------
    path : str or `pathlib.Path`
        A ``.keras`` file written by :func:`save_model`.

    Returns
    -------
    SpitModel

    Raises
    ------
    ModelError
        Missing or unreadable file, or incompatible metadata.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f'{path}: model file does not exist')
    metadata = read_metadata(path)
    check_metadata(metadata, path)
    keras = _keras()
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:
        raise ModelError(f'{path}: Keras cannot load it ({type(exc).__name__}: {exc})') from exc
    out = SpitModel(model, metadata)
    out.path = str(path)
    return out


def bundled_models():
    """
    Names of the models shipped with the package.

    Returns
    -------
    list of str
    """
    return sorted(p.stem for p in package_folder('models').glob('*.keras'))


def resolve_model(name_or_path=None):
    """
    Find a model file from a bundled name or a path.

    Parameters
    ----------
    name_or_path : str, `pathlib.Path` or None
        None means the bundled default (:data:`DEFAULT_MODEL`).

    Returns
    -------
    `pathlib.Path`

    Raises
    ------
    ModelError
        When nothing matches.
    """
    name = DEFAULT_MODEL if name_or_path is None else str(name_or_path)
    candidate = Path(name).expanduser()
    if candidate.suffix == '.keras' or candidate.is_file():
        if not candidate.is_file():
            raise ModelError(f'{candidate}: model file does not exist')
        return candidate
    bundled = package_folder('models') / f'{name}.keras'
    if bundled.is_file():
        return Path(str(bundled))
    available = ', '.join(bundled_models()) or 'none'
    raise ModelError(f'no model named {name!r} (bundled models: {available}); '
                     'give a path to a .keras file')


_CACHE = {}


def get_model(name_or_path=None):
    """
    Resolve and load a model, caching it for the process.

    Parameters
    ----------
    name_or_path : str, `pathlib.Path`, SpitModel or None

    Returns
    -------
    SpitModel
    """
    if isinstance(name_or_path, SpitModel):
        return name_or_path
    path = resolve_model(name_or_path).resolve()
    key = (str(path), path.stat().st_mtime)
    if key not in _CACHE:
        _CACHE[key] = load_model(path)
    return _CACHE[key]
