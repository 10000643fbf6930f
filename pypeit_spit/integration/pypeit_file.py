"""
Read, re-type, check and write the data block of a ``.pypeit`` file.

The data block written by ``pypeit_spit_setup`` has four extra columns, which
vanilla PypeIt loads and ignores:

``spit_type``
    SPIT's answer as PypeIt frame types (``unknown`` when undecided).
``spit_prob``
    Its probability.
``spit``
    The user's control of the row: ``auto`` (SPIT, then the header rules),
    ``rules`` (header rules only), ``keep`` (freeze this row's ``frametype``),
    or an explicit comma-separated list of PypeIt frame types to force.
``spit_src``
    What decided the ``frametype``: ``spit``, ``rules`` or ``user``.

:func:`retype_file` re-types the rows honouring ``spit`` and rewrites the file,
keeping its comments and parameters; :func:`check_file` lists the rows where
SPIT and the file disagree. Both use
:func:`pypeit_spit.integration.frametypes.type_frames`.
"""
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.table import Table
from pypeit import log

from pypeit_spit.errors import PypeItFileError
from pypeit_spit.integration.config import instrument_config
from pypeit_spit.integration.frametypes import parse_mode, type_frames
from pypeit_spit.vocab import UNKNOWN

__all__ = ['read_pypeit_file', 'file_metadata', 'retype_file', 'check_file',
           'grouping_warnings', 'RetypeReport', 'write_pypeit_file']


def read_pypeit_file(path):
    """
    Read a ``.pypeit`` file, keeping its comments.

    Parameters
    ----------
    path : str or `pathlib.Path`

    Returns
    -------
    `pypeit.inputfiles.PypeItFile`

    Raises
    ------
    PypeItFileError
    """
    from pypeit.inputfiles import PypeItFile
    path = Path(path)
    if not path.is_file():
        raise PypeItFileError(f'{path}: file does not exist')
    try:
        pf = PypeItFile.from_file(str(path), preserve_comments=True)
    except Exception as exc:
        raise PypeItFileError(f'{path}: cannot read PypeIt file ({type(exc).__name__}: '
                              f'{exc})') from exc
    return pf


def _block(lines, name):
    start = end = None
    for i, line in enumerate(lines):
        words = line.split('#')[0].split()
        if words[:2] == [name, 'read'] and start is None:
            start = i
        elif words[:2] == [name, 'end'] and start is not None:
            end = i
            break
    return (start, end) if start is not None and end is not None else None


def write_pypeit_file(pf, output, original=None):
    """
    Write a ``.pypeit`` file, keeping the original setup block verbatim.

    PypeIt 2.0.1 reads the setup block with its indentation stripped, so
    writing it back would flatten its YAML; the original text is put back.

    Parameters
    ----------
    pf : `pypeit.inputfiles.PypeItFile`
    output : str or `pathlib.Path`
    original : str, `pathlib.Path` or None, optional
        The file ``pf`` was read from.
    """
    output = Path(output)
    old_lines = Path(original).read_text().splitlines() if original is not None else None
    pf.write(str(output))
    if old_lines is None:
        return
    old = _block(old_lines, 'setup')
    new_lines = output.read_text().splitlines()
    new = _block(new_lines, 'setup')
    if old is None or new is None:
        return
    new_lines[new[0]:new[1] + 1] = old_lines[old[0]:old[1] + 1]
    output.write_text('\n'.join(new_lines) + '\n')


def _is_commented(name):
    return str(name).strip().startswith('#')


def _bare(name):
    return str(name).strip().lstrip('#').strip()


def file_metadata(pf, path='PypeIt file'):
    """
    Build PypeIt's metadata (from the raw headers) for the rows of a ``.pypeit`` file.

    Parameters
    ----------
    pf : `pypeit.inputfiles.PypeItFile`
    path : str, optional
        Named in errors.

    Returns
    -------
    fitstbl : `pypeit.metadata.PypeItMetaData`
        Built with the file's parameters (so its ``exprng`` settings shape the
        header rules), one row per raw file found.
    rows : `numpy.ndarray` of int
        For each ``fitstbl`` row, its row in ``pf.data``.
    missing : list of str
        Data-block files not found on disk (also commented-out rows).
    """
    from pypeit.metadata import PypeItMetaData
    spec, par, _ = pf.get_pypeitpar()
    files, rows, missing = [], [], []
    for i, name in enumerate(pf.data['filename']):
        bare = _bare(name)
        found = None
        for p in (pf.file_paths or ['']):
            cand = os.path.join(p, bare)
            if os.path.isfile(cand):
                found = cand
                break
        if found is None:
            missing.append(bare)
            if not _is_commented(name):
                log.warning(f'{path}: {bare} not found in the data-block paths')
            continue
        files.append(found)
        rows.append(i)
    if not files:
        raise PypeItFileError(f'{path}: none of the data-block files exists')
    fitstbl = PypeItMetaData(spec, par, files=files, strict=False)
    # PypeItMetaData may reorder rows (by time); map back by file name.
    index = {os.path.basename(f): r for f, r in zip(files, rows)}
    order = np.array([index[str(f)] for f in fitstbl['filename']], dtype=int)
    return fitstbl, order, missing


def grouping_warnings(spectrograph, filename, old, new):
    """
    Reasons why a change of frame types may alter PypeIt's grouping.

    Parameters
    ----------
    spectrograph : `pypeit.spectrographs.spectrograph.Spectrograph`
    filename : str
    old, new : str
        Comma-separated frame types.

    Returns
    -------
    list of str
    """
    o = {t for t in str(old).split(',') if t and t != 'None'}
    n = {t for t in str(new).split(',') if t and t != 'None'}
    out = []
    indep = set(spectrograph.config_independent_frames().keys())
    if (o & indep) != (n & indep):
        out.append(f'{filename}: {old} -> {new} changes a configuration-independent type '
                   f'({", ".join(sorted(indep))}): the configuration (setup) assignment '
                   'may change')
    sky = {'science', 'standard'}
    if (o & sky) != (n & sky):
        out.append(f'{filename}: {old} -> {new} changes science/standard: calibration and '
                   'combination groups (calib, comb_id) may change')
    if not n:
        out.append(f'{filename}: {old} -> untyped: the row is commented out')
    return out


@dataclass
class RetypeReport:
    """
    What :func:`retype_file` did.

    Attributes
    ----------
    table : `astropy.table.Table`
        One row per data-block row: ``filename``, ``old``, ``new``, ``spit``
        (the row's control value), ``source``, ``reason``, ``changed``.
    warnings : list of str
        Grouping warnings (see :func:`grouping_warnings`).
    output : str or None
        The file written (None for a dry run).
    """
    table: Table
    warnings: list = field(default_factory=list)
    output: str = None

    @property
    def n_changed(self):
        """Number of rows whose frametype changed."""
        return int(np.sum(self.table['changed']))


def _column(pf, name, fill):
    if name not in pf.data.colnames:
        pf.data[name] = np.array([fill] * len(pf.data), dtype=object)
    return pf.data[name]


def _typing(pf, path, enable, threshold, model, user_file, classify, use_column):
    fitstbl, order, missing = file_metadata(pf, path)
    cfg = instrument_config(fitstbl.spectrograph, user_file=user_file, enabled=enable,
                            threshold=threshold, model=model)
    spit_col = pf.data['spit'] if 'spit' in pf.data.colnames else None
    modes = None
    if use_column and spit_col is not None:
        modes = []
        for r in order:
            try:
                modes.append(parse_mode(spit_col[r]))
            except ValueError as exc:
                raise PypeItFileError(f'{path}: row {_bare(pf.data["filename"][r])}: '
                                      f'{exc}') from exc
    current = [str(pf.data['frametype'][r]) for r in order]
    result = type_frames(fitstbl, config=cfg, spit_column=modes, current=current,
                         classify=classify)
    return fitstbl, order, result, cfg


def retype_file(path, output=None, enable=None, threshold=None, model=None, user_file=None,
                dry_run=False, classify=None):
    """
    Re-type the rows of a ``.pypeit`` file honouring its ``spit`` column.

    Commented-out rows are left as they are. Rows whose ``spit`` is ``keep``
    keep their ``frametype``; an explicit type list is forced; ``rules`` and
    ``auto`` are re-typed. A row nothing can type is commented out (as PypeIt
    does). Comments and the parameter and setup blocks are kept. The ``spit*``
    columns are added when missing and updated.

    Parameters
    ----------
    path : str or `pathlib.Path`
        The ``.pypeit`` file.
    output : str, `pathlib.Path` or None, optional
        File to write; None rewrites ``path``.
    enable, threshold, model : optional
        Command-line overrides (see :func:`pypeit_spit.integration.config.instrument_config`).
    user_file : str or None, optional
        User configuration file.
    dry_run : bool, optional
        Compute and report, write nothing.
    classify : callable or None, optional
        Replacement for :func:`pypeit_spit.classify.classify_files` (tests).

    Returns
    -------
    RetypeReport
    """
    path = Path(path)
    pf = read_pypeit_file(path)
    fitstbl, order, result, _ = _typing(pf, path, enable, threshold, model, user_file,
                                        classify, use_column=True)
    n = len(pf.data)
    old = [str(v) for v in pf.data['frametype']]
    new = list(old)
    source = [''] * n
    reason = ['commented out; left as is' if _is_commented(f) else 'file not found'
              for f in pf.data['filename']]
    spit_type = _column(pf, 'spit_type', 'unknown')
    spit_prob = _column(pf, 'spit_prob', 0.0)
    spit = _column(pf, 'spit', 'auto')
    spit_src = _column(pf, 'spit_src', '')
    warnings = []
    changed = [False] * n
    t = result.table
    for j, r in enumerate(order):
        if _is_commented(pf.data['filename'][r]):
            continue
        new[r] = str(t['frametype'][j])
        source[r] = str(t['source'][j])
        reason[r] = str(t['reason'][j])
        spit_type[r] = str(t['spit_type'][j])
        spit_prob[r] = f"{float(t['spit_prob'][j]):.3f}"
        if str(spit[r]).strip() == '':
            spit[r] = 'auto'
        spit_src[r] = source[r]
        if new[r] == 'None':
            warnings += grouping_warnings(fitstbl.spectrograph, _bare(pf.data['filename'][r]),
                                          old[r], 'None')
            pf.data['filename'][r] = '# ' + _bare(pf.data['filename'][r])
            changed[r] = True
        elif set(new[r].split(',')) != set(old[r].split(',')):
            warnings += grouping_warnings(fitstbl.spectrograph, _bare(pf.data['filename'][r]),
                                          old[r], new[r])
            pf.data['frametype'][r] = new[r]
            changed[r] = True
    table = Table({'filename': [_bare(f) for f in pf.data['filename']], 'old': old,
                   'new': new, 'spit': [str(v) for v in spit], 'source': source,
                   'reason': reason, 'changed': changed})
    for w in warnings:
        log.warning(w)
    if warnings:
        log.warning('Frame types changed in ways that may alter PypeIt\'s configuration or '
                    'calibration grouping: re-run pypeit_spit_setup (with these rows forced '
                    'in the spit column if needed) rather than reducing this file as is.')
    out = None
    if not dry_run:
        out = Path(output) if output is not None else path
        write_pypeit_file(pf, out, original=path)
        log.info(f'{out}: {sum(changed)} row(s) re-typed')
    return RetypeReport(table=table, warnings=warnings, output=None if out is None else str(out))


def check_file(path, enable=True, threshold=None, model=None, user_file=None, classify=None):
    """
    List the rows of a ``.pypeit`` file where SPIT and the file disagree.

    SPIT is run on every raw file of the data block (also commented-out rows).

    Parameters
    ----------
    path : str or `pathlib.Path`
    enable : bool or None, optional
        Run SPIT even where the configuration disables it (default True).
    threshold, model, user_file : optional
        See :func:`pypeit_spit.integration.config.instrument_config`.
    classify : callable or None, optional
        Replacement for :func:`pypeit_spit.classify.classify_files` (tests).

    Returns
    -------
    `astropy.table.Table`
        One row per data-block row: ``filename``, ``frametype`` (the file's),
        ``spit_type``, ``spit_prob``, ``rules_type``, ``spit`` (the row's
        control value), ``status`` (``agree``, ``disagree``, ``undecided``,
        ``commented`` or ``missing``) and ``note``.
    """
    path = Path(path)
    pf = read_pypeit_file(path)
    fitstbl, order, result, cfg = _typing(pf, path, enable, threshold, model, user_file,
                                          classify, use_column=False)
    n = len(pf.data)
    t = result.table
    out = Table()
    out['filename'] = [_bare(f) for f in pf.data['filename']]
    out['frametype'] = [str(v) for v in pf.data['frametype']]
    spit_type = ['-'] * n
    prob = np.zeros(n)
    rules = ['-'] * n
    status = ['missing'] * n
    note = ['raw file not found'] * n
    for j, r in enumerate(order):
        spit_type[r] = str(t['spit_type'][j])
        prob[r] = float(t['spit_prob'][j])
        rules[r] = str(t['rules_type'][j])
        answered = t['spit_settled'][j] != UNKNOWN and spit_type[r] not in (UNKNOWN, 'None')
        if _is_commented(pf.data['filename'][r]):
            status[r] = 'commented'
            note[r] = 'row commented out' + (f'; SPIT says {spit_type[r]}' if answered else '')
        elif not answered:
            status[r] = 'undecided'
            note[r] = str(t['reason'][j]) if t['source'][j] != 'spit' else ''
        elif set(spit_type[r].split(',')) == set(out['frametype'][r].split(',')):
            status[r], note[r] = 'agree', str(t['evidence'][j])
        else:
            status[r], note[r] = 'disagree', str(t['evidence'][j])
    out['spit_type'] = spit_type
    out['spit_prob'] = prob
    out['spit_prob'].format = '.3f'
    out['rules_type'] = rules
    out['spit'] = [str(v) for v in pf.data['spit']] if 'spit' in pf.data.colnames \
        else ['auto'] * n
    out['status'] = status
    out['note'] = note
    return out
