"""
Model files: finding, reading and writing them, with their metadata.

A model is saved as two files with the same stem:

``<name>.onnx``
    The exported graph with the metadata inside (``metadata_props``): what typing
    frames runs, with ONNX Runtime (:mod:`~pypeit_spit.model.runtime`), without
    TensorFlow.
``<name>.keras``
    The training artefact (read with Keras' ``safe_mode``), which also holds
    ``spit_metadata.json``: for resuming, fine-tuning, evaluating and converting, with
    the training extra.

A bundled name resolves to its ``.onnx`` file (else its ``.keras``); a path is read as
it is. A file whose metadata does not match this version of pypeit-spit, or whose
network disagrees with its metadata, is refused with
:class:`~pypeit_spit.errors.ModelError`. :func:`export_model` writes the ``.onnx`` of a
``.keras`` file made without one.
"""
import json
import threading
import zipfile
from pathlib import Path

from pypeit_spit.defaults import DEFAULTS
from pypeit_spit.errors import ModelError, UsageError
from pypeit_spit.model.spit_model import (METADATA_NAME, SpitModel, check_metadata,
                                          check_signature, new_metadata)
from pypeit_spit.paths import package_folder

__all__ = ['DEFAULT_MODEL', 'MODEL_SUFFIXES', 'build_model', 'save_model', 'export_model',
           'read_metadata', 'load_model', 'bundled_models', 'resolve_model', 'get_model']

#: Name of the bundled default model (``models/<name>.onnx``): the ``[default]`` model of
#: ``configs/spit_spec.cfg``, where it is written.
DEFAULT_MODEL = DEFAULTS.model

#: File endings of model files, in order of preference for a bundled name.
MODEL_SUFFIXES = ('.onnx', '.keras')


def build_model(architecture='compact', use_stats=None, precision='float32'):
    """
    Build an untrained network with its metadata (needs Keras).

    Parameters
    ----------
    architecture : str, optional
        ``'compact'``, ``'longslit'`` or ``'spit2018'``.
    use_stats : bool or None, optional
        Feed the raw-pixel statistics to the network (not spit2018). None takes the
        architecture's default.
    precision : str, optional
        Arithmetic of the network (:data:`~pypeit_spit.model.keras_net.PRECISIONS`):
        ``'mixed_bfloat16'`` for training ``longslit`` only; saved models are float32.

    Returns
    -------
    `pypeit_spit.model.spit_model.SpitModel`
    """
    from pypeit_spit.model.keras_net import ARCHITECTURES, KerasBackend, build_network
    if architecture not in ARCHITECTURES:
        raise ModelError(f'unknown architecture {architecture!r}; '
                         f'choose one of {", ".join(ARCHITECTURES)}')
    default_stats = ARCHITECTURES[architecture][1]
    use_stats = default_stats if use_stats is None else bool(use_stats)
    if architecture == 'spit2018' and use_stats:
        raise ModelError('spit2018 takes the image only (use_stats=False)')
    return SpitModel(KerasBackend(build_network(architecture, use_stats, precision)),
                     new_metadata(architecture, use_stats))


def save_model(spit_model, path, graph=True):
    """
    Write a (Keras-backed) model: the ``.keras`` file with its metadata, and its exported
    graph beside it (same stem, ``.onnx``).

    Parameters
    ----------
    spit_model : `pypeit_spit.model.spit_model.SpitModel`
    path : str or `pathlib.Path`
        Must end in ``.keras``.
    graph : bool, optional
        Also export the ``.onnx`` graph.

    Returns
    -------
    list of `pathlib.Path`
        The files written.
    """
    from pypeit_spit.model.keras_net import export_onnx, save_keras
    path = Path(path)
    if path.suffix != '.keras':
        raise ModelError(f'{path}: model files must end in .keras')
    if getattr(spit_model.backend, 'kind', None) != 'keras':
        raise ModelError(f'{path}: only a Keras network can be saved as .keras')
    spit_model.metadata['n_weights'] = spit_model.backend.n_weights
    check_metadata(spit_model.metadata, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_keras(spit_model.backend.network, path)
    with zipfile.ZipFile(path, 'a') as zf:
        zf.writestr(METADATA_NAME, json.dumps(spit_model.metadata, indent=1, sort_keys=True))
    spit_model.path = str(path)
    written = [path]
    if graph:
        export_onnx(spit_model.backend.network, spit_model.metadata, path.with_suffix('.onnx'))
        written.append(path.with_suffix('.onnx'))
    return written


def _check_export_output(path, out):
    """Refuse, in one line, an output that is the input model itself or a file that is
    not a regular file (``-o /dev/full`` as root replaced the device node), or that
    cannot be written."""
    from pypeit_spit.atomic import check_output
    if out.expanduser().resolve() == path.expanduser().resolve():
        raise UsageError(f'{out}: is the input model; give another file for the ONNX graph')
    check_output(out, what='ONNX file')


def export_model(path, output=None):
    """
    Export the graph of a ``.keras`` model file to ONNX (needs the training extra).

    Parameters
    ----------
    path : str or `pathlib.Path`
        A ``.keras`` model file.
    output : str, `pathlib.Path` or None, optional
        The ``.onnx`` file; default: beside ``path``, same stem.

    Returns
    -------
    `pathlib.Path`
    """
    from pypeit_spit.model.keras_net import export_onnx
    path = Path(path)
    if path.suffix != '.keras':
        raise ModelError(f'{path}: only a .keras model can be exported')
    out = Path(output) if output is not None else path.with_suffix('.onnx')
    _check_export_output(path, out)   # before the work: the input, a device, a folder
    model = load_model(path)
    metadata = dict(model.metadata, n_weights=model.backend.n_weights)
    export_onnx(model.backend.network, metadata, out)
    return out


def read_metadata(path):
    """
    Read the metadata stored in a model file (not checked).

    Parameters
    ----------
    path : str or `pathlib.Path`

    Returns
    -------
    object
        The parsed JSON.
    """
    from pypeit_spit.model.untrusted import parse_metadata, read_zip_member
    try:
        data = read_zip_member(path, METADATA_NAME)   # capped, declared and read
    except KeyError as exc:
        raise ModelError(f'{path}: not a pypeit-spit model (no {METADATA_NAME})') from exc
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise ModelError(f'{path}: cannot read model file ({type(exc).__name__}: {exc})') \
            from exc
    return parse_metadata(data, path)


def load_model(path, model_budget=DEFAULTS.model_budget):
    """
    Load a model file, checking its metadata and its network against it.

    Parameters
    ----------
    path : str or `pathlib.Path`
        An ``.onnx`` file (run by ONNX Runtime) or a ``.keras`` file (run by Keras,
        which needs the training extra) written by :func:`save_model`.
    model_budget : float, optional
        Seconds the first run of an ONNX graph (one blank frame) may take
        (:meth:`pypeit_spit.model.runtime.OnnxBackend.first_run`): a graph that runs
        longer is refused.

    Returns
    -------
    `pypeit_spit.model.spit_model.SpitModel`

    Raises
    ------
    pypeit_spit.errors.ModelError
        Missing or unreadable file, incompatible metadata, a network that does not
        match its metadata, or whose first run takes longer than ``model_budget``.
    """
    from pypeit_spit.model.untrusted import (check_model_size, check_onnx_graph,
                                            check_zip_members)
    path = Path(path)
    check_model_size(path)
    if path.suffix == '.onnx':
        from pypeit_spit.model.runtime import OnnxBackend, read_onnx_metadata
        check_onnx_graph(path)   # its operators, before ONNX Runtime loads it
        # One thread: the network runs beside the frames' reading (and PypeIt's work),
        # which keep the other cores busy; a second thread there only waits for a core.
        backend = OnnxBackend(path, threads=1)
        metadata = read_onnx_metadata(backend.session, path)
        check_metadata(metadata, path)
        check_signature(backend.signature(), metadata, path)
        backend.first_run(model_budget)   # a crafted graph that runs for very long: refused
        return SpitModel(backend, metadata, path=str(path))
    from pypeit_spit.model.keras_net import KerasBackend, load_keras
    check_zip_members(path)
    metadata = read_metadata(path)
    check_metadata(metadata, path)
    try:
        network = load_keras(path)
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f'{path}: Keras cannot load it ({type(exc).__name__}: {exc})') from exc
    backend = KerasBackend(network)
    check_signature(backend.signature(), metadata, path)
    return SpitModel(backend, metadata, path=str(path))


def bundled_models():
    """
    Names of the models shipped with the package.

    Returns
    -------
    list of str
    """
    folder = package_folder('models')
    return sorted({p.stem for s in MODEL_SUFFIXES for p in folder.glob(f'*{s}')})


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
    pypeit_spit.errors.ModelError
        When nothing matches.
    """
    name = DEFAULT_MODEL if name_or_path is None else str(name_or_path)
    candidate = Path(name).expanduser()
    if candidate.suffix in MODEL_SUFFIXES or candidate.is_file() or '/' in name:
        if not candidate.is_file():
            raise ModelError(f'{candidate}: model file does not exist')
        return candidate
    for suffix in MODEL_SUFFIXES:
        bundled = package_folder('models') / f'{name}{suffix}'
        if bundled.is_file():
            return Path(str(bundled))
    available = ', '.join(bundled_models()) or 'none'
    raise ModelError(f'no model named {name!r} (bundled models: {available}); '
                     'give a path to a model file')


_CACHE = {}
_CACHE_LOCK = threading.Lock()


def get_model(name_or_path=None, model_budget=DEFAULTS.model_budget):
    """
    Resolve and load a model, caching it for the process.

    Parameters
    ----------
    name_or_path : str, `pathlib.Path`, SpitModel or None
    model_budget : float, optional
        Seconds the model's first run may take when it is loaded (:func:`load_model`).

    Returns
    -------
    `pypeit_spit.model.spit_model.SpitModel`
    """
    if isinstance(name_or_path, SpitModel):
        return name_or_path
    path = resolve_model(name_or_path).resolve()
    key = (str(path), path.stat().st_mtime_ns)
    with _CACHE_LOCK:   # a model being loaded by another thread is waited for, not loaded twice
        if key not in _CACHE:
            _CACHE[key] = load_model(path, model_budget=model_budget)
        model = _CACHE[key]
    # loaded earlier within a larger budget: held to this one too
    took = getattr(model.backend, 'first_run_seconds', None)
    if took is not None and took > model_budget:
        from pypeit_spit.model.runtime import budget_error
        raise ModelError(budget_error(path, model_budget))
    return model
