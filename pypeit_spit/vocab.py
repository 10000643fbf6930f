"""
The one vocabulary of pypeit-spit: the classes, Unknown, and how classes relate to
PypeIt's frame types.

The class order is the network's output order and that of Jankov & Prochaska (2018)
(``spit/labels.py``: bias 0, science 1, standard 2, arc 3, flat 4). Which PypeIt frame
types a class is *written as* is a per-instrument setting (``[[types]]`` in
``configs/spit_spec.cfg``); :data:`FRAMETYPE_TO_CLASS` is the reverse reading, used to
turn PypeIt frame types (a labels table, a ``.pypeit`` row) into a class.

:data:`OUTCOMES` are the words every command (``pypeit_spit_setup``, ``_check``,
``_retype``, ``_gallery``) uses for how a frame's type was reached, and
:func:`format_prob` the one way a probability is printed.
"""
import numpy as np

__all__ = ['CLASSES', 'UNKNOWN', 'UNKNOWN_INDEX', 'ON_SKY', 'FRAMETYPE_TO_CLASS',
           'OUTCOMES', 'OUTCOME_MEANINGS', 'NEEDS_A_LOOK', 'as_indices', 'class_of_frametypes',
           'format_prob', 'count_outcomes']

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

#: How a frame's type was reached, in the order summaries list them.
OUTCOMES = ('agree', 'spit', 'rules', 'conflict', 'user', 'unknown', 'unreadable', 'flagged')

#: What each outcome means (help texts, the gallery's legend, the docs).
OUTCOME_MEANINGS = {
    'agree': 'SPIT and the header rules give the same class',
    'spit': 'SPIT overruled the header rules (sure, and no header fact against it)',
    'rules': "the header rules' type, SPIT unsure (or off) and not against it",
    'conflict': 'SPIT and the header rules contradict each other: typed as the rules type '
                'it (never against a header fact), to be settled in the spit column',
    'user': "the .pypeit file's spit column decided (keep, rules or types)",
    'unknown': 'nothing types the frame: commented out, as PypeIt does',
    'unreadable': "SPIT cannot read the pixels (the header rules' type, if any, is kept)",
    'flagged': 'the pixels are no calibration at all (dead, constant, saturated): '
               'never typed, commented out',
}

#: Outcomes that need the user's look before ``run_pypeit`` (``pypeit_spit_check`` fails
#: while an active row has one; the gallery shows them first).
NEEDS_A_LOOK = ('conflict', 'unknown', 'unreadable', 'flagged')


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


def format_prob(value):
    """
    The one way a probability is printed (logs, tables, the ``.pypeit`` file, the
    gallery): three decimals, ``-`` when there is none.

    Parameters
    ----------
    value : float or None

    Returns
    -------
    str
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return '-'
    return '-' if not np.isfinite(v) else f'{v:.3f}'


def count_outcomes(outcomes):
    """
    ``'N outcome, ...'`` for every outcome present, in :data:`OUTCOMES` order.

    Parameters
    ----------
    outcomes : iterable of str

    Returns
    -------
    str
    """
    outcomes = [str(o) for o in outcomes]
    order = list(OUTCOMES) + sorted(set(outcomes) - set(OUTCOMES))
    return ', '.join(f'{outcomes.count(o)} {o}' for o in order if o in outcomes) or 'no frame'
