"""
The networks in Keras 3 — the only module of pypeit-spit that imports Keras (and so
TensorFlow).

Three architectures:

``spit2018``
    Jankov & Prochaska (2018): conv 5x5x36, maxpool 2, conv 5x5x64, maxpool 2,
    dense 128, softmax 5. About 69 million weights (263 MB); kept for reproduction.
``compact``
    pypeit-spit's default: a strided 5x5 stem, three 3x3 conv blocks with batch
    normalisation and max-pooling, global average+max pooling, and (optionally) a
    small branch for the raw-pixel statistics of :mod:`pypeit_spit.preprocess.stats`.
    About 0.2 million weights.
``longslit``
    The compact network's widths on a cheaper front end, for training at scale on a
    CPU: a 4x4 stride-4 stem (non-overlapping patches) and a strided first block, so
    that the first three blocks work on a quarter of the positions of ``compact``'s,
    the last on the same 6x20; the same head (statistics branch, dense 64, dropout,
    softmax). About 3x fewer multiply-adds than ``compact``. Trained in
    ``mixed_bfloat16`` (float32 weights, bfloat16 arithmetic) where the CPU has
    AVX512-BF16; saved and run in float32 (:func:`build_network` with
    ``precision='float32'``, the weights copied over). About 0.2 million weights.

Besides the builders: :class:`KerasBackend` (a Keras network as a backend of
:class:`~pypeit_spit.model.spit_model.SpitModel`), reading and writing ``.keras``
files, and the few Keras pieces the training loop needs (:func:`compile_for_training`,
:func:`set_threads`, :func:`seed_layers`...). Keras is imported on first use, never at import.
"""
import os
import platform
import sys
import tempfile
import warnings

import numpy as np

from pypeit_spit.preprocess.contract import IMAGE_SHAPE, STAT_NAMES
from pypeit_spit.vocab import CLASSES

__all__ = ['ARCHITECTURES', 'import_keras', 'build_network', 'build_spit2018', 'build_compact',
           'build_longslit', 'KerasBackend', 'save_keras', 'load_keras', 'export_onnx',
           'compile_for_training', 'set_random_seed', 'enable_determinism',
           'set_threads', 'seed_layers', 'machine_info', 'PRECISIONS']

#: Architecture name -> (builder name, uses statistics by default).
ARCHITECTURES = {'spit2018': ('build_spit2018', False), 'compact': ('build_compact', True),
                 'longslit': ('build_longslit', True)}

#: Arithmetic a network can be trained in (Keras dtype policies); weights are float32 in
#: both, and a saved network is always float32.
PRECISIONS = ('float32', 'mixed_bfloat16')

#: Start-up lines TensorFlow's C++ runtime writes to stderr when imported.
_STARTUP_NOISE = ('All log messages before absl::InitializeLog()', 'port.cc:',
                  'cpu_feature_guard.cc:', 'To enable the following instructions',
                  'rebuild TensorFlow with the appropriate compiler flags')

_KERAS = []


def import_keras():
    """
    Import Keras (TensorFlow backend unless ``KERAS_BACKEND`` says otherwise).

    TensorFlow's native start-up lines (absl, oneDNN, CPU features) are kept off the
    terminal; any other line it writes while importing is passed on.

    Returns
    -------
    module
        ``keras``.

    Raises
    ------
    pypeit_spit.errors.ModelError
        Keras or TensorFlow is not installed.
    """
    if _KERAS:
        return _KERAS[0]
    os.environ.setdefault('KERAS_BACKEND', 'tensorflow')
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    with tempfile.TemporaryFile(mode='w+b') as sink:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            import keras
        except ImportError as exc:
            from pypeit_spit.errors import ModelError
            raise ModelError('Keras/TensorFlow is not installed: install pypeit-spit with the '
                             'training extra (pip install "pypeit-spit[train]") to train, '
                             f'convert or run .keras models ({exc})') from exc
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            other = [line for line in sink.read().decode(errors='replace').splitlines()
                     if line.strip() and not any(k in line for k in _STARTUP_NOISE)]
            if other:
                sys.stderr.write('\n'.join(other) + '\n')
    _KERAS.append(keras)
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
    keras = import_keras()
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
    keras = import_keras()
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
    return _head(keras, x, image, n_stats, n_classes, dropout, 'compact')


def _head(keras, x, image, n_stats, n_classes, dropout, name, dtype=None):
    """The common end of ``compact`` and ``longslit``: global average + max pooling,
    the statistics branch, dense 64, dropout, a float32 softmax."""
    layers = keras.layers
    x = layers.Concatenate(name='pooled', dtype=dtype)(
        [layers.GlobalAveragePooling2D(name='gap', dtype=dtype)(x),
         layers.GlobalMaxPooling2D(name='gmp', dtype=dtype)(x)])
    inputs = [image]
    if n_stats:
        stats = keras.Input(shape=(n_stats,), name='stats')
        s = layers.Dense(16, activation='relu', name='stats_dense', dtype=dtype)(stats)
        x = layers.Concatenate(name='joined', dtype=dtype)([x, s])
        inputs.append(stats)
    x = layers.Dense(64, activation='relu', name='dense', dtype=dtype)(x)
    x = layers.Dropout(dropout, name='dropout', dtype=dtype)(x)
    out = layers.Dense(n_classes, activation='softmax', name='softmax', dtype='float32')(x)
    return keras.Model(inputs if n_stats else image, out, name=name)


def build_longslit(shape=IMAGE_SHAPE, n_classes=len(CLASSES), n_stats=len(STAT_NAMES),
                   width=16, dropout=0.3, precision='float32'):
    """
    The long-slit network: the compact network's widths on a cheaper front end.

    A 4x4 stride-4 stem (210x650 -> 52x162 non-overlapping patches) instead of
    ``compact``'s 5x5 stride-2 stem and pooling; then the four 3x3 blocks of
    ``compact``'s widths: the first with stride 2 (26x81), max-pooled, the second
    (13x40) max-pooled, the third and fourth at 6x20 (``compact``'s last resolution);
    and ``compact``'s head. The same number of weights but the stem's; the first three
    blocks work on a quarter of the positions of ``compact``'s (41 million
    multiply-adds per image, against 133 million).

    A variant pooled after the third block too (the fourth at 3x10, 31 million) was
    no faster to train on two CPUs and less accurate after as many images (validation
    normalized accuracy 0.86-0.89 against 0.88-0.90 after 4-8 epochs of 834 simulated
    Kast frames; see ``benchmarks/bench_train.py``).

    Parameters
    ----------
    shape, n_classes, n_stats, width, dropout
        As :func:`build_compact`.
    precision : str, optional
        One of :data:`PRECISIONS`: the dtype policy of every layer but the softmax
        (always float32).

    Returns
    -------
    `keras.Model`
    """
    keras = import_keras()
    layers = keras.layers
    d = None if precision == 'float32' else keras.DTypePolicy(precision)
    image = keras.Input(shape=(*shape, 1), name='image')
    x = layers.Conv2D(width, 4, strides=4, padding='valid', use_bias=False, name='stem',
                      dtype=d)(image)
    x = layers.BatchNormalization(name='stem_bn', dtype=d)(x)
    x = layers.ReLU(name='stem_relu', dtype=d)(x)
    for i, mult in enumerate((2, 4, 6)):
        x = layers.Conv2D(width * mult, 3, strides=2 if i == 0 else 1, padding='same',
                          use_bias=False, name=f'conv{i + 1}', dtype=d)(x)
        x = layers.BatchNormalization(name=f'bn{i + 1}', dtype=d)(x)
        x = layers.ReLU(name=f'relu{i + 1}', dtype=d)(x)
        if i < 2:
            x = layers.MaxPooling2D(2, name=f'pool{i + 1}', dtype=d)(x)
    x = layers.Conv2D(width * 8, 3, padding='same', use_bias=False, name='conv4', dtype=d)(x)
    x = layers.BatchNormalization(name='bn4', dtype=d)(x)
    x = layers.ReLU(name='relu4', dtype=d)(x)
    return _head(keras, x, image, n_stats, n_classes, dropout, 'longslit', dtype=d)


def build_network(architecture, use_stats, precision='float32'):
    """
    Build an untrained network.

    Parameters
    ----------
    architecture : str
        A key of :data:`ARCHITECTURES`.
    use_stats : bool
        Give the network the statistics input (not spit2018).
    precision : str, optional
        One of :data:`PRECISIONS`; ``mixed_bfloat16`` only for ``longslit`` (the other
        two are kept as they were trained).

    Returns
    -------
    `keras.Model`
    """
    builder = globals()[ARCHITECTURES[architecture][0]]
    if precision not in PRECISIONS:
        raise ValueError(f'unknown precision {precision!r}; choose one of '
                         f'{", ".join(PRECISIONS)}')
    if architecture == 'spit2018':
        return builder()
    n_stats = len(STAT_NAMES) if use_stats else 0
    if architecture == 'longslit':
        return builder(n_stats=n_stats, precision=precision)
    if precision != 'float32':
        raise ValueError(f'{architecture} is trained in float32 only')
    return builder(n_stats=n_stats)


class KerasBackend:
    """
    A Keras network run by Keras: one backend of a
    :class:`~pypeit_spit.model.spit_model.SpitModel`.

    Parameters
    ----------
    network : `keras.Model`
        Softmax output; inputs ``image`` (and ``stats``).
    """

    kind = 'keras'

    def __init__(self, network):
        self.network = network

    @property
    def n_weights(self):
        """Number of weights (parameters)."""
        return int(self.network.count_params())

    def signature(self):
        """
        What the network takes and gives.

        Returns
        -------
        dict
            ``name`` (architecture), ``image_shape`` (rows, cols), ``n_stats``
            (0 when it takes no statistics), ``n_classes``.
        """
        shapes = {t.name.split(':')[0]: tuple(t.shape) for t in self.network.inputs}
        image = shapes.get('image', next(iter(shapes.values())))
        stats = shapes.get('stats')
        try:
            dim = int(self.network.get_layer(EMBEDDING_LAYER).output.shape[-1])
        except ValueError:   # no such layer
            dim = 0
        return {'name': self.network.name, 'image_shape': tuple(image[1:3]),
                'embedding_dim': dim,
                'n_stats': int(stats[1]) if stats else 0,
                'n_classes': int(self.network.outputs[0].shape[-1])}

    def predict(self, images, stats=None, embedding=False):
        """
        Softmax output for network inputs (and the embedding).

        Parameters
        ----------
        images : `numpy.ndarray` of float32, shape (m, rows, cols, 1)
        stats : `numpy.ndarray` of float32, shape (m, n_stats), optional
        embedding : bool, optional
            Also return the embedding (the output of the layer ``dense``).

        Returns
        -------
        probs : `numpy.ndarray` of float64, shape (m, n_classes)
        embedding : `numpy.ndarray` of float64, shape (m, d)
            Only when ``embedding`` is True.
        """
        x = images if stats is None else {'image': images, 'stats': stats}
        if not embedding:
            return np.asarray(self.network.predict_on_batch(x), dtype=np.float64)
        probs, emb = with_embedding(self.network).predict_on_batch(x)
        return np.asarray(probs, dtype=np.float64), np.asarray(emb, dtype=np.float64)


#: Layer whose output is the embedding the out-of-distribution guard models.
EMBEDDING_LAYER = 'dense'


def with_embedding(network):
    """
    The network with two outputs: its softmax and its embedding (the output of
    :data:`EMBEDDING_LAYER`), sharing its weights; the one exported with a guard.

    Parameters
    ----------
    network : `keras.Model`

    Returns
    -------
    `keras.Model`
    """
    keras = import_keras()
    cached = getattr(network, '_spit_with_embedding', None)
    if cached is not None:
        return cached
    model = keras.Model(network.input, [network.outputs[0],
                                         network.get_layer(EMBEDDING_LAYER).output],
                        name=network.name)
    network._spit_with_embedding = model
    return model


def save_keras(network, path):
    """
    Write a network to a ``.keras`` file.

    Parameters
    ----------
    network : `keras.Model`
    path : str or `pathlib.Path`
    """
    network.save(path)


def export_onnx(network, metadata, path, opset=17):
    """
    Export a network's graph to ONNX, with the model metadata inside.

    The graph keeps a free batch dimension (named ``batch``), its inputs ``image``
    (and ``stats``) and one softmax output (and, when ``metadata`` has a ``guard``, the
    embedding as a second output); ``metadata`` is stored as JSON in the
    file's ``metadata_props`` (:data:`pypeit_spit.model.runtime.METADATA_KEY`). Needs
    the training extra (``tf2onnx``, ``onnx``).

    Parameters
    ----------
    network : `keras.Model`
    metadata : dict
    path : str or `pathlib.Path`
    opset : int, optional
        ONNX opset.
    """
    import json
    from pathlib import Path

    try:
        import onnx
    except ImportError as exc:
        from pypeit_spit.errors import ModelError
        raise ModelError('exporting to ONNX needs the training extra (pip install '
                         f'"pypeit-spit[train]"): {exc}') from exc
    from pypeit_spit.model.runtime import METADATA_KEY
    import_keras()
    # Keras exports only a network that has been called once (a loaded one has not).
    dummy = {t.name.split(':')[0]: np.zeros((1, *t.shape[1:]), np.float32)
             for t in network.inputs}
    network(dummy if len(dummy) > 1 else next(iter(dummy.values())), training=False)
    if metadata.get('guard') is not None:   # second output: the embedding the guard reads
        network = with_embedding(network)
        network(dummy if len(dummy) > 1 else next(iter(dummy.values())), training=False)
    path = Path(path)
    tmp = path.with_name(path.name + '.tmp.onnx')
    with tempfile.TemporaryFile(mode='w+b') as sink:   # tf2onnx's chatter
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            with warnings.catch_warnings():
                # tf2onnx still touches numpy names that numpy 2 deprecates
                warnings.simplefilter('ignore', FutureWarning)
                warnings.simplefilter('ignore', DeprecationWarning)
                network.export(str(tmp), format='onnx', verbose=False, opset_version=opset)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
    graph = onnx.load(str(tmp))
    for value in list(graph.graph.input) + list(graph.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = 'batch'
    del graph.metadata_props[:]
    for key, value in {METADATA_KEY: json.dumps(metadata, sort_keys=True),
                       'producer': 'pypeit-spit'}.items():
        prop = graph.metadata_props.add()
        prop.key, prop.value = key, value
    graph.doc_string = 'pypeit-spit frame classifier'
    onnx.checker.check_model(graph, full_check=True)
    onnx.save(graph, str(tmp))
    os.replace(tmp, path)


def load_keras(path, compile=False):
    """
    Read a ``.keras`` file (``safe_mode``: no arbitrary code such as Lambda layers).

    Parameters
    ----------
    path : str or `pathlib.Path`
    compile : bool, optional
        Restore the optimizer state too (training checkpoints).

    Returns
    -------
    `keras.Model`
    """
    keras = import_keras()
    return keras.saving.load_model(path, compile=compile, safe_mode=True)


def set_random_seed(seed):
    """Seed Python, numpy and the backend (Keras' ``set_random_seed``)."""
    import_keras().utils.set_random_seed(int(seed))


def set_threads(intra=None, inter=1):
    """
    TensorFlow's thread pools, set before its runtime starts.

    Parameters
    ----------
    intra : int or None, optional
        Threads inside one operation (None: one per CPU).
    inter : int, optional
        Operations run side by side (1: the small networks here have no parallel
        branches worth a thread, and a second pool only competes for the cores).

    Returns
    -------
    str
        '' when set, else why not (the runtime had started: the settings stay as they
        were).
    """
    import_keras()
    import tensorflow as tf
    intra = int(intra or os.cpu_count() or 1)
    try:
        if (tf.config.threading.get_intra_op_parallelism_threads() != intra
                or tf.config.threading.get_inter_op_parallelism_threads() != inter):
            tf.config.threading.set_intra_op_parallelism_threads(intra)
            tf.config.threading.set_inter_op_parallelism_threads(int(inter))
    except RuntimeError as exc:
        return str(exc)
    return ''


def seed_layers(network, seed):
    """
    Set the random state of every layer that draws random numbers (dropout) from
    ``seed``, so that an epoch's draws depend on its seed only, not on what ran before
    (an exactly resumable training).

    Parameters
    ----------
    network : `keras.Model`
    seed : int
    """
    for k, layer in enumerate(network.layers):
        gen = getattr(layer, 'seed_generator', None)
        if gen is not None:
            value = np.random.default_rng([int(seed), k]).integers(0, 2 ** 31 - 1)
            gen.state.assign(np.array([value, 0], dtype=gen.state.dtype))


def enable_determinism():
    """
    Ask TensorFlow for deterministic kernels.

    Returns
    -------
    str
        '' when done, else why not (reproducibility is then approximate).
    """
    import_keras()
    try:
        import tensorflow as tf
        tf.config.experimental.enable_op_determinism()
    except Exception as exc:  # not fatal
        return f'{type(exc).__name__}: {exc}'
    return ''


def compile_for_training(network, learning_rate):
    """
    Compile a network with Adam and the sparse categorical cross-entropy.

    Parameters
    ----------
    network : `keras.Model`
    learning_rate : float
    """
    keras = import_keras()
    network.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                    loss='sparse_categorical_crossentropy', metrics=['accuracy'])


def machine_info():
    """
    The machine and library versions, for a model's metadata.

    Returns
    -------
    dict
    """
    keras = import_keras()
    import tensorflow as tf
    return {'node': platform.node(), 'machine': platform.machine(),
            'processor': platform.processor(), 'cpus': os.cpu_count(),
            'python': platform.python_version(), 'tensorflow': tf.__version__,
            'keras': keras.__version__,
            'gpus': len(tf.config.list_physical_devices('GPU'))}
