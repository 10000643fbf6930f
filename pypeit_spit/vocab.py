"""
The one vocabulary of pypeit-spit: the classes, Unknown, and how classes relate to
PypeIt's frame types.

The class order is the network's output order and that of Jankov & Prochaska (2018)
(``spit/labels.py``: bias 0, science 1, standard 2, arc 3, flat 4). Which PypeIt frame
types a class is *written as* is a per-instrument setting (``[[types]]`` in
``configs/spit_spec.cfg``); :data:`FRAMETYPE_TO_CLASS` is the reverse reading, used to
turn PypeIt frame types (a labels table, a ``.pypeit`` row) into a class.
"""
import numpy as np

__all__ = ['CLASSES', 'UNKNOWN', 'UNKNOWN_INDEX', 'ON_SKY', 'FRAMETYPE_TO_CLASS',
           'as_indices', 'class_of_frametypes']

#: Class names in the network's output order.
CLASSES = ('bias', 'science', 'standard', 'arc', 'flat')

#: The answer for a frame that no class wins.
UNKNOWN = 'unknown'

#: Integer label of :data:`UNKNOWN` where classes are indices.
UNKNOWN_INDEX = -1

#: Classes observed on sky (science and standard are told apart by brightness and
#: header evidence, not by lamps).
ON_SKY = ('science', 'standard')

#: PypeIt frame types (and the class names themselves) -> class.
FRAMETYPE_TO_CLASS = {'bias': 'bias', 'arc': 'arc', 'tilt': 'arc', 'flat': 'flat',
                      'pixelflat': 'flat', 'trace': 'flat', 'illumflat': 'flat',
                      'science': 'science', 'standard': 'standard'}


def as_indices(labels, classes=CLASSES):
    """
    Class names (or indices) to indices; :data:`UNKNOWN` becomes :data:`UNKNOWN_INDEX`.

    Parameters
    ----------
    labels : array_like of str or int
    classes : sequence of str, optional

    Returns
    -------
    `numpy.ndarray` of int

    Raises
    ------
    ValueError
        A name that is not a class.
    """
    arr = np.asarray(labels)
    if arr.dtype.kind in 'iu':
        return arr.astype(int)
    lookup = {c: i for i, c in enumerate(classes)}
    lookup[UNKNOWN] = UNKNOWN_INDEX
    try:
        return np.array([lookup[str(x)] for x in arr.ravel()], dtype=int).reshape(arr.shape)
    except KeyError as exc:
        raise ValueError(f'unknown class name {exc.args[0]!r}') from exc


def class_of_frametypes(types):
    """
    The class a PypeIt frame-type string amounts to.

    Parameters
    ----------
    types : str
        Comma-separated PypeIt frame types (``'arc,tilt'``) or a class name.

    Returns
    -------
    str
        The class when every type maps to the same one, else ``''`` (untyped,
        ``None``, or types of several classes such as ``'arc,bias,tilt'``).
    """
    names = {t.strip() for t in str(types).split(',') if t.strip() and t.strip() != 'None'}
    found = {FRAMETYPE_TO_CLASS.get(t) for t in names}
    if len(found) == 1 and None not in found:
        return found.pop()
    return ''
