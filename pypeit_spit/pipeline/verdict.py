"""
What SPIT says of one frame (:class:`FrameVerdict`), the one record that travels from
the pipeline to PypeIt's typing, and its table view (:func:`to_table`) for the
``-f`` ECSV file of ``pypeit_spit_classify``.
"""
from dataclasses import dataclass

import numpy as np
from astropy.table import Table

from pypeit_spit.model.store import get_model
from pypeit_spit.vocab import UNKNOWN

__all__ = ['FrameVerdict', 'to_table']


@dataclass(frozen=True)
class FrameVerdict:
    """
    What SPIT says of one frame.

    Attributes
    ----------
    path : str
        The file, as given.
    loader : str
        Which loader read its pixels ('' when none could).
    error : str
        Why it could not be read or pre-processed ('' when it was).
    flag : str
        Why its pixels are no calibration at all: dead, constant, saturated ('' when
        they are).
    probs : dict or None
        Class -> the calibrated mean probability over the image and its three flips;
        None when the network did not run on it (``error`` or ``flag``).
    votes : int
        How many of the four copies the most-voted class won.
    voted : str
        The most-voted class ('' when the network did not run).
    answer : str
        SPIT's answer: the most-voted class when it has at least 3 of 4 votes and a
        mean probability past its cut, and no pixel fact against it (``qa``), else
        :data:`pypeit_spit.vocab.UNKNOWN`.
    prob : float
        The mean probability of ``answer`` (of the largest class when Unknown).
    extra : dict or None
        What the reader's ``extract`` hook gave for the frame (e.g. PypeIt's header
        metadata), or None.
    qa : str
        A fact of the pixels against SPIT's vote winner, which is then not its answer:
        a bias whose pixel noise is far above the detector's read noise
        (:func:`pypeit_spit.preprocess.quality.not_a_bias`); '' when none. The typing
        excludes the class (:mod:`pypeit_spit.integration.frametypes`).
    """
    path: str
    loader: str = ''
    error: str = ''
    flag: str = ''
    probs: dict | None = None
    votes: int = 0
    voted: str = ''
    answer: str = UNKNOWN
    prob: float = 0.0
    extra: dict | None = None
    qa: str = ''

    @property
    def ran(self):
        """Whether the network ran on the frame (it could be read and is no dead frame)."""
        return self.probs is not None


def to_table(verdicts, model=None, threshold=None):
    """
    The table view of verdicts, one row per frame (the ``-f`` file of
    ``pypeit_spit_classify``).

    Parameters
    ----------
    verdicts : sequence of FrameVerdict
    model : str, `pathlib.Path`, SpitModel or None, optional
        The model that gave them (None: the bundled default), recorded with its
        Unknown cut per class in the table's ``meta``.
    threshold : float or None, optional
        The cut that replaced the model's (None: the model's).

    Returns
    -------
    `astropy.table.Table`
        ``file``, ``class``, ``votes``, ``prob``, ``prob_<class>`` for each class,
        ``voted``, ``loader``, ``error``, ``flag`` and ``qa``; ``meta``: ``model`` and
        ``cuts``.
    """
    spit_model = get_model(model)
    classes = spit_model.classes
    n = len(verdicts)
    t = Table()
    t['file'] = np.full(n, '', dtype=object)
    t['class'] = np.full(n, UNKNOWN, dtype='U8')
    t['votes'] = np.zeros(n, dtype=int)
    t['prob'] = np.zeros(n, dtype=float)
    for c in classes:
        t[f'prob_{c}'] = np.zeros(n, dtype=float)
    t['voted'] = np.full(n, '', dtype='U8')
    t['loader'] = np.full(n, '', dtype=object)
    t['error'] = np.full(n, '', dtype=object)
    t['flag'] = np.full(n, '', dtype=object)
    t['qa'] = np.full(n, '', dtype=object)
    t['prob'].format = '.3f'
    for c in classes:
        t[f'prob_{c}'].format = '.3f'
    t['file'] = [v.path for v in verdicts]
    for i, v in enumerate(verdicts):
        t['loader'][i] = v.loader
        t['error'][i] = v.error
        t['flag'][i] = v.flag
        t['qa'][i] = v.qa
        if not v.ran:
            continue
        t['class'][i] = v.answer
        t['votes'][i] = v.votes
        t['voted'][i] = v.voted
        t['prob'][i] = v.prob
        for c in classes:
            t[f'prob_{c}'][i] = v.probs[c]
    t.meta['model'] = str(spit_model.path)
    t.meta['cuts'] = {c: float(v) for c, v in zip(classes, spit_model.cuts(threshold))}
    return t
