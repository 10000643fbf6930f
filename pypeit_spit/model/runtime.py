"""
The light inference runtime: a model's exported graph run by ONNX Runtime — the only
module of pypeit-spit that imports ``onnxruntime``. Typing frames (classify, setup,
check, retype, gallery, png) runs here and never imports TensorFlow or Keras.

An ``.onnx`` model file written by :func:`pypeit_spit.model.store.save_model` holds the
graph (inputs ``image`` ``[batch, 210, 650, 1]`` and ``stats`` ``[batch, 5]`` float32,
one ``[batch, 5]`` softmax output, and, in a model with an out-of-distribution guard,
a second output: the ``[batch, d]`` embedding, :mod:`pypeit_spit.model.guard`) and, in
its ``metadata_props``, the model's metadata
as JSON under :data:`METADATA_KEY`. ONNX Runtime's output does not depend on how frames
are batched, and agrees with Keras' to ~2e-7 (see the model card). A model's first run
(:meth:`OnnxBackend.first_run`, when it is loaded) has a wall-clock budget: a crafted
graph that would run for very long is stopped (ONNX Runtime's ``RunOptions.terminate``,
set by a timer) and the model refused. ONNX Runtime's own
telemetry is turned off (``ORT_DISABLE_TELEMETRY=1``) unless the user has set that
variable.
"""
import os
import threading
import time

import numpy as np

from pypeit_spit.errors import ModelError

__all__ = ['METADATA_KEY', 'OnnxBackend', 'read_onnx_metadata', 'budget_error']

#: Key of the model metadata (JSON) in an ONNX file's ``metadata_props``.
METADATA_KEY = 'spit_metadata'


def _ort():
    # ONNX Runtime's telemetry (on by default in its Linux and macOS wheels since 1.2x:
    # a device identifier and an event database under ~/.cache/Microsoft, a file in the
    # temporary folder, uploads to Microsoft) stays off for frames typed with SPIT,
    # unless the user has set ORT_DISABLE_TELEMETRY. Read once, when ONNX Runtime starts.
    os.environ.setdefault('ORT_DISABLE_TELEMETRY', '1')
    try:
        import onnxruntime
    except ImportError as exc:
        raise ModelError('running a .onnx model needs onnxruntime (pip install onnxruntime)') \
            from exc
    return onnxruntime


def _session(path, threads=None):
    ort = _ort()
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.inter_op_num_threads = 1
    if threads:
        options.intra_op_num_threads = int(threads)
    # no busy-waiting between calls: polite to PypeIt's work on the same cores
    options.add_session_config_entry('session.intra_op.allow_spinning', '0')
    try:
        return ort.InferenceSession(str(path), sess_options=options,
                                    providers=['CPUExecutionProvider'])
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph/... types
        raise ModelError(f'{path}: ONNX Runtime cannot load it ({type(exc).__name__}: {exc})') \
            from exc


def read_onnx_metadata(session, path):
    """
    The model metadata stored in an ONNX file (not checked).

    Parameters
    ----------
    session : `onnxruntime.InferenceSession`
    path : str
        Named in errors.

    Returns
    -------
    object
        The parsed JSON.
    """
    props = session.get_modelmeta().custom_metadata_map
    if METADATA_KEY not in props:
        raise ModelError(f'{path}: not a pypeit-spit model (no {METADATA_KEY} in its ONNX '
                         'metadata)')
    from pypeit_spit.model.untrusted import parse_metadata
    return parse_metadata(props[METADATA_KEY], path)   # size- and depth-capped


def budget_error(path, budget):
    """The one-line reason a model whose first run exceeds its budget is refused."""
    return f'{path}: its first run (one blank frame) took longer than {budget:g} s ' \
           '(model_budget): refused'


class OnnxBackend:
    """
    A model's exported graph run by ONNX Runtime: one backend of a
    :class:`~pypeit_spit.model.spit_model.SpitModel`.

    Parameters
    ----------
    path : str or `pathlib.Path`
        An ``.onnx`` file.
    threads : int or None, optional
        Intra-op threads (None: one per physical core).
    """

    kind = 'onnx'

    def __init__(self, path, threads=None):
        self.path = str(path)
        #: Seconds the first run took (:meth:`first_run`; None before it).
        self.first_run_seconds = None
        self.session = _session(path, threads)
        self._inputs = {i.name: i for i in self.session.get_inputs()}
        outputs = self.session.get_outputs()
        self._output = outputs[0].name
        #: Name of the embedding output (None: the graph has none).
        self.embedding_output = outputs[1].name if len(outputs) == 2 else None

    def signature(self):
        """
        What the graph takes and gives.

        Returns
        -------
        dict
            ``image_shape``, ``n_stats``, ``n_classes``, ``problems`` (inputs that are
            not float, batch dimensions that are fixed, unexpected names).
        """
        problems = []
        names = set(self._inputs)
        if not names <= {'image', 'stats'} or 'image' not in names:
            problems.append(f'its inputs are {sorted(names)}, not image (and stats)')
        outputs = self.session.get_outputs()
        if len(outputs) not in (1, 2):
            problems.append(f'it has {len(outputs)} outputs, not 1 (or 2 with the embedding)')
        # Declared shapes: a free batch dimension, every other one fixed (a crafted
        # graph's unknown rank, symbolic or missing dimensions are reasons, not errors).
        ranks = {'image': 4, 'stats': 2}
        shapes = {}
        for kind, nodes in (('input', self._inputs.values()), ('output', outputs[:2])):
            for k, node in enumerate(nodes):
                name = node.name if kind == 'input' else ('probabilities', 'embedding')[k]
                if node.type != 'tensor(float)':
                    problems.append(f'{kind} {name} is {node.type}, not tensor(float)')
                shape = node.shape if isinstance(node.shape, (list, tuple)) else None
                rank = ranks.get(name, 2)
                if shape is None or len(shape) != rank:
                    problems.append(f'{kind} {name} has shape {node.shape}, not of rank {rank}')
                    continue
                if isinstance(shape[0], int):
                    problems.append(f'{kind} {name} has a fixed batch size {shape[0]}')
                if not all(isinstance(d, int) and d > 0 for d in shape[1:]):
                    problems.append(f'{kind} {name} has shape {list(shape)}: not fixed but '
                                    'for the batch')
                    continue
                shapes[name] = tuple(shape[1:])
        image = shapes.get('image', ())
        return {'image_shape': image[:2] if len(image) == 3 and image[2] == 1 else image,
                'n_stats': shapes.get('stats', (0,))[0],
                'n_classes': shapes.get('probabilities', (0,))[0],
                'embedding_dim': shapes.get('embedding', (0,))[0],
                'problems': problems}

    def first_run(self, budget):
        """
        Run the graph once on a blank frame within a wall-clock budget.

        A timer sets ONNX Runtime's ``RunOptions.terminate`` when the budget is spent,
        which ends the run between two operators with an error; the model is then
        refused. Called once when a model is loaded (its declared shapes checked first:
        every dimension but the batch fixed).

        Parameters
        ----------
        budget : float
            Seconds the run may take (the spec's ``model_budget``).

        Returns
        -------
        float
            Seconds it took.

        Raises
        ------
        pypeit_spit.errors.ModelError
            The budget was spent, or the graph cannot run on a blank frame.
        """
        ort = _ort()
        feed = {name: np.zeros((1, *node.shape[1:]), dtype=np.float32)
                for name, node in self._inputs.items()}
        options = ort.RunOptions()
        options.log_severity_level = 4
        timer = threading.Timer(budget, setattr, args=(options, 'terminate', True))
        timer.daemon = True
        start = time.monotonic()
        timer.start()
        try:
            self.session.run(None, feed, options)
        except Exception as exc:   # onnxruntime raises its own Fail/RuntimeException types
            if options.terminate:
                raise ModelError(budget_error(self.path, budget)) from exc
            text = ' '.join(str(exc).split())
            raise ModelError(f'{self.path}: its first run (one blank frame) failed '
                             f'({type(exc).__name__}: {text[:300]})') from exc
        finally:
            timer.cancel()
        took = time.monotonic() - start
        if options.terminate:   # ended just as the timer fired: still over the budget
            raise ModelError(budget_error(self.path, budget))
        self.first_run_seconds = took
        return took

    def predict(self, images, stats=None, embedding=False):
        """
        Softmax output for network inputs (and the embedding).

        The images go through ONNX Runtime one at a time: its output is bitwise the
        same as for several in one call, its memory less than half (+13 instead of
        +30 MiB for a frame's four copies) and its time no longer.

        Parameters
        ----------
        images : `numpy.ndarray` of float32, shape (m, rows, cols, 1)
        stats : `numpy.ndarray` of float32, shape (m, n_stats), optional
        embedding : bool, optional
            Also return the embedding (the graph must have it).

        Returns
        -------
        probs : `numpy.ndarray` of float64, shape (m, n_classes)
        embedding : `numpy.ndarray` of float64, shape (m, d)
            Only when ``embedding`` is True.
        """
        if embedding and self.embedding_output is None:
            raise ModelError(f'{self.path}: the graph has no embedding output')
        names = [self._output] + ([self.embedding_output] if embedding else [])
        images = np.ascontiguousarray(images, dtype=np.float32)
        if stats is not None:
            stats = np.ascontiguousarray(stats, dtype=np.float32)
        outs = [[] for _ in names]
        for k in range(images.shape[0]):
            feed = {'image': images[k:k + 1]}
            if stats is not None:
                feed['stats'] = stats[k:k + 1]
            for store, value in zip(outs, self.session.run(names, feed)):
                store.append(value)
        graph_outputs = self.session.get_outputs()
        result = [np.concatenate(o).astype(np.float64) if o else
                  np.zeros((0, int(graph_outputs[i].shape[-1])))
                  for i, o in enumerate(outs)]
        return tuple(result) if embedding else result[0]
