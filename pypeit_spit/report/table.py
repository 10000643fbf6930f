"""
The table ``pypeit_spit_classify`` prints: one line per frame.
"""
from pathlib import Path

import numpy as np
from astropy.table import Table

from pypeit_spit.vocab import UNKNOWN, class_of_frametypes, format_prob

__all__ = ['format_table']


def format_table(verdicts, names=None, rules=None):
    """
    Readable lines for SPIT's verdicts: file, class, votes, probability and error;
    with ``rules``, the header rules' type beside SPIT's and a ``!`` on the rows where
    they name different classes.

    Parameters
    ----------
    verdicts : sequence of `~pypeit_spit.pipeline.verdict.FrameVerdict`
        Output of :func:`pypeit_spit.pipeline.classify.classify_files`.
    names : sequence of str or None, optional
        The names to show (default: the file names,
        :func:`pypeit_spit.io.paths.display_names`).
    rules : sequence of str or None, optional
        PypeIt's header-rule frame types of each row (``''`` untyped, None where
        PypeIt could not read the header).

    Returns
    -------
    list of str
    """
    if names is None:
        names = [Path(v.path).name for v in verdicts]
    shown = Table()
    shown['file'] = [str(n) for n in names] or np.zeros(0, dtype='U4')
    shown['class'] = [v.answer for v in verdicts] or np.zeros(0, dtype='U5')
    shown['votes'] = [f'{v.votes}/4' for v in verdicts] or np.zeros(0, dtype='U5')
    shown['prob'] = [format_prob(v.prob) for v in verdicts] or np.zeros(0, dtype='U5')
    n_differ = 0
    if rules is not None:
        differ = []
        for j, v in enumerate(verdicts):
            cls = v.answer
            d = bool(rules[j] and cls != UNKNOWN and class_of_frametypes(rules[j]) != cls)
            differ.append('!' if d else '')
        n_differ = differ.count('!')
        shown['header rules'] = ['?' if r is None else (r or '-') for r in rules] \
            or np.zeros(0, dtype='U1')
        shown['!'] = differ or np.zeros(0, dtype='U1')
    shown['error'] = [v.error or v.flag or v.qa for v in verdicts] or np.zeros(0, dtype='U1')
    for name in shown.colnames:
        if name != 'prob':
            shown[name].info.format = '<'
    lines = [line.rstrip() for line in shown.pformat(max_lines=-1, max_width=-1)]
    if rules is not None and n_differ:
        lines.append(f'! {n_differ} frame(s) where SPIT and the header rules name different '
                     'classes: look at them (pypeit_spit_png --annotate, '
                     'pypeit_spit_gallery) before reducing')
    return lines
