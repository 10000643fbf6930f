"""
Model files as untrusted input: what is checked before a model runs.

A model file may come from anywhere (a shared folder, a download); it is data, but it
is close to code. Before ONNX Runtime or Keras sees one, pypeit-spit checks, without
running it and in bounded memory and time:

- the file's size (:data:`MAX_MODEL_BYTES`);
- an ONNX graph's operators, against an allow-list of plain tensor operators
  (:data:`ALLOWED_OPERATORS`, default domain only): no control flow (``Loop``,
  ``Scan``, ``If``: a graph with an endless ``Loop`` hangs), no subgraph, no local
  function, no custom domain, no tensor stored outside the file (external data names
  any file on the disk);
- the metadata: its size (:data:`MAX_METADATA_BYTES`, declared *and* read: a ``.keras``
  file's member that expands to 2 GB is refused from its declared size, and reading
  stops at the cap whatever it declares) and its nesting depth
  (:data:`MAX_METADATA_DEPTH`: deeply nested JSON made the parser raise
  ``RecursionError``);
- the declared shapes of the graph's inputs and outputs (in
  :meth:`pypeit_spit.model.runtime.OnnxBackend.signature`): every dimension but the
  batch fixed, and as the contract says.

Each refusal is a :class:`~pypeit_spit.errors.ModelError` naming the file and the
reason, on one line. The ONNX file is read with a small reader of the protocol-buffer
wire format (the ``onnx`` package is not needed to type frames).
"""
import json
import mmap
import zipfile
from pathlib import Path

from pypeit_spit.errors import ModelError

__all__ = ['MAX_MODEL_BYTES', 'MAX_METADATA_BYTES', 'MAX_METADATA_DEPTH',
           'ALLOWED_OPERATORS', 'check_model_size', 'parse_metadata', 'read_zip_member',
           'check_zip_members', 'check_onnx_graph']

#: Largest model file read (bytes); the bundled one is under 1 MB.
MAX_MODEL_BYTES = 512 * 2**20

#: Largest metadata (JSON, bytes); a model's is a few kB, with a guard some 100 kB.
MAX_METADATA_BYTES = 4 * 2**20

#: Deepest nesting of the metadata's JSON objects and arrays (the model's is 4 deep).
MAX_METADATA_DEPTH = 16

#: ONNX operators (default domain) a model may use: plain tensor arithmetic, no
#: control flow, no randomness, no input or output of its own.
ALLOWED_OPERATORS = frozenset({
    'Abs', 'Add', 'And', 'ArgMax', 'AveragePool', 'BatchNormalization', 'Cast', 'Ceil',
    'Clip', 'Concat', 'Constant', 'ConstantOfShape', 'Conv', 'ConvTranspose', 'Div',
    'Dropout', 'Einsum', 'Elu', 'Equal', 'Erf', 'Exp', 'Expand', 'Flatten', 'Floor',
    'Gather', 'Gelu', 'Gemm', 'GlobalAveragePool', 'GlobalMaxPool', 'Greater',
    'HardSigmoid', 'HardSwish', 'Identity', 'InstanceNormalization',
    'LayerNormalization', 'LeakyRelu', 'Less', 'Log', 'LogSoftmax', 'LRN', 'MatMul',
    'Max', 'MaxPool', 'Mean', 'Min', 'Mul', 'Neg', 'Not', 'Or', 'Pad', 'Pow', 'PRelu',
    'Reciprocal', 'ReduceL2', 'ReduceLogSumExp', 'ReduceMax', 'ReduceMean', 'ReduceMin',
    'ReduceProd', 'ReduceSum', 'ReduceSumSquare', 'Relu', 'Reshape', 'Resize', 'Selu',
    'Shape', 'Sigmoid', 'Sign', 'Slice', 'Softmax', 'Softplus', 'Softsign', 'Split',
    'Sqrt', 'Squeeze', 'Sub', 'Sum', 'Tanh', 'Tile', 'Transpose', 'Unsqueeze', 'Where',
})

#: Operator-set domains a graph may import (the ONNX converter also declares the
#: classic-ML one, which no allowed operator uses).
_DOMAINS = ('', 'ai.onnx', 'ai.onnx.ml')


def check_model_size(path):
    """
    Refuse a model file that is not a regular file or is larger than
    :data:`MAX_MODEL_BYTES`.

    Parameters
    ----------
    path : `pathlib.Path`

    Raises
    ------
    pypeit_spit.errors.ModelError
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f'{path}: model file does not exist (or is not a regular file)')
    size = path.stat().st_size
    if size > MAX_MODEL_BYTES:
        raise ModelError(f'{path}: {size / 2**20:.0f} MiB, larger than any model '
                         f'({MAX_MODEL_BYTES // 2**20} MiB)')


def _depth(text):
    """Deepest nesting of JSON arrays and objects in ``text`` (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == '\\':
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in '[{':
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ']}':
            depth -= 1
    return deepest


def parse_metadata(data, path):
    """
    Parse a model's metadata (JSON), size- and depth-capped.

    Parameters
    ----------
    data : str or bytes
    path : str or `pathlib.Path`
        Named in errors.

    Returns
    -------
    object
        The parsed JSON (its content is checked by
        :func:`~pypeit_spit.model.spit_model.check_metadata`).

    Raises
    ------
    pypeit_spit.errors.ModelError
    """
    if len(data) > MAX_METADATA_BYTES:
        raise ModelError(f'{path}: its model metadata is larger than '
                         f'{MAX_METADATA_BYTES // 2**20} MiB')
    try:
        text = data.decode('utf-8') if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise ModelError(f'{path}: its model metadata is not UTF-8 ({exc})') from None
    depth = _depth(text)
    if depth > MAX_METADATA_DEPTH:
        raise ModelError(f'{path}: its model metadata is nested {depth} deep (at most '
                         f'{MAX_METADATA_DEPTH})')
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise ModelError(f'{path}: its model metadata is not JSON '
                         f'({" ".join(str(exc).split())})') from None


def read_zip_member(path, name, limit=MAX_METADATA_BYTES):
    """
    One member of a zip file (a ``.keras`` model), refused when it declares more than
    ``limit`` bytes, and never read past ``limit``.

    Parameters
    ----------
    path : str or `pathlib.Path`
    name : str
    limit : int, optional

    Returns
    -------
    bytes

    Raises
    ------
    KeyError
        No such member.
    pypeit_spit.errors.ModelError
        Larger than ``limit``.
    zipfile.BadZipFile, OSError
        Not a readable zip file.
    """
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
        if info.file_size > limit:
            raise ModelError(f'{path}: its {name} declares {info.file_size / 2**20:.0f} MiB '
                             f'(at most {limit // 2**20} MiB; not decompressed)')
        with zf.open(info) as member:
            data = member.read(limit + 1)
    if len(data) > limit:
        raise ModelError(f'{path}: its {name} is larger than {limit // 2**20} MiB')
    return data


def check_zip_members(path):
    """
    Refuse a ``.keras`` file (a zip) whose members declare more than a model holds:
    a JSON member over :data:`MAX_METADATA_BYTES`, all together over
    :data:`MAX_MODEL_BYTES` (before Keras decompresses any).

    Parameters
    ----------
    path : str or `pathlib.Path`
        A ``.keras`` model file.

    Raises
    ------
    pypeit_spit.errors.ModelError
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ModelError(f'{path}: cannot read model file ({type(exc).__name__}: {exc})') \
            from None
    for info in infos:
        if info.filename.endswith('.json') and info.file_size > MAX_METADATA_BYTES:
            raise ModelError(f'{path}: its {info.filename} declares '
                             f'{info.file_size / 2**20:.0f} MiB (at most '
                             f'{MAX_METADATA_BYTES // 2**20} MiB; not decompressed)')
    total = sum(info.file_size for info in infos)
    if total > MAX_MODEL_BYTES:
        raise ModelError(f'{path}: its members declare {total / 2**20:.0f} MiB (at most '
                         f'{MAX_MODEL_BYTES // 2**20} MiB; not decompressed)')


# ---------------------------------------------------------------- ONNX, on the wire

class _Malformed(Exception):
    pass


def _varint(buf, pos, end):
    value = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise _Malformed('a truncated or overlong number')
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7f) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _fields(buf, start, end):
    """(field number, value) of a protocol-buffer message: an int for a number, a
    (start, end) span for a length-delimited field; fixed-width fields skipped."""
    pos = start
    while pos < end:
        key, pos = _varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos, end)
            yield number, value
        elif wire == 2:
            n, pos = _varint(buf, pos, end)
            if pos + n > end:
                raise _Malformed('a field runs past its message')
            yield number, (pos, pos + n)
            pos += n
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
        else:
            raise _Malformed(f'wire type {wire}')
    if pos != end:
        raise _Malformed('a field runs past its message')


def _text(buf, span):
    return bytes(buf[span[0]:span[1]]).decode('utf-8', 'replace')


# Field numbers of onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto,
# TensorProto, OperatorSetIdProto).
_MODEL_OPSET, _MODEL_GRAPH, _MODEL_TRAINING, _MODEL_FUNCTIONS = 8, 7, 20, 25
_GRAPH_NODE, _GRAPH_INITIALIZER, _GRAPH_SPARSE = 1, 5, 15
_NODE_OP, _NODE_DOMAIN, _NODE_ATTRIBUTE = 4, 7, 5
_ATTR_TENSOR, _ATTR_GRAPH, _ATTR_TENSORS, _ATTR_GRAPHS = 5, 6, 10, 11
_TENSOR_EXTERNAL, _TENSOR_LOCATION = 13, 14


def _check_tensor(buf, span, problems):
    for number, value in _fields(buf, *span):
        if number == _TENSOR_EXTERNAL or (number == _TENSOR_LOCATION and value == 1):
            problems.add('a tensor stored outside the file (external data)')


def _graph_problems(buf, span):
    problems, operators = set(), set()
    for number, value in _fields(buf, *span):
        if number in (_GRAPH_INITIALIZER, _GRAPH_SPARSE) and isinstance(value, tuple):
            _check_tensor(buf, value, problems)
        if number != _GRAPH_NODE or not isinstance(value, tuple):
            continue
        op = domain = ''
        for n, v in _fields(buf, *value):
            if n == _NODE_OP and isinstance(v, tuple):
                op = _text(buf, v)
            elif n == _NODE_DOMAIN and isinstance(v, tuple):
                domain = _text(buf, v)
            elif n == _NODE_ATTRIBUTE and isinstance(v, tuple):
                for a, w in _fields(buf, *v):
                    if a in (_ATTR_GRAPH, _ATTR_GRAPHS):
                        problems.add('a subgraph (control flow)')
                    elif a in (_ATTR_TENSOR, _ATTR_TENSORS) and isinstance(w, tuple):
                        _check_tensor(buf, w, problems)
        operators.add((domain, op))
    bad = sorted(f'{d}.{o}' if d not in ('', 'ai.onnx') else o
                 for d, o in operators if d not in ('', 'ai.onnx')
                 or o not in ALLOWED_OPERATORS)
    if bad:
        problems.add('operators not allowed in a model: ' + ', '.join(bad[:8])
                     + (f' and {len(bad) - 8} more' if len(bad) > 8 else ''))
    if not operators:
        problems.add('no operator')
    return problems


def check_onnx_graph(path):
    """
    Refuse an ONNX file whose graph uses anything but the allowed operators (see the
    module docstring), before ONNX Runtime loads it.

    Parameters
    ----------
    path : str or `pathlib.Path`
        An ``.onnx`` model file, read from the disk (mapped, never copied).

    Raises
    ------
    pypeit_spit.errors.ModelError
    """
    check_model_size(path)
    try:
        with open(path, 'rb') as f:
            if Path(path).stat().st_size == 0:
                raise ModelError(f'{path}: empty model file')
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                problems, graphs = set(), 0
                for number, value in _fields(buf, 0, len(buf)):
                    if number == _MODEL_GRAPH and isinstance(value, tuple):
                        graphs += 1
                        problems |= _graph_problems(buf, value)
                    elif number == _MODEL_FUNCTIONS:
                        problems.add('local functions')
                    elif number == _MODEL_TRAINING:
                        problems.add('training information (graphs of its own)')
                    elif number == _MODEL_OPSET and isinstance(value, tuple):
                        for n, v in _fields(buf, *value):
                            if n == 1 and isinstance(v, tuple) \
                                    and _text(buf, v) not in _DOMAINS:
                                problems.add(f'an operator set of domain {_text(buf, v)!r}')
    except _Malformed as exc:
        raise ModelError(f'{path}: not an ONNX model ({exc})') from None
    except (OSError, ValueError) as exc:
        raise ModelError(f'{path}: cannot read model file ({type(exc).__name__}: {exc})') \
            from None
    if graphs != 1:
        problems.add(f'{graphs} graphs, not 1')
    if problems:
        raise ModelError(f'{path}: refused as a model: ' + '; '.join(sorted(problems)))
