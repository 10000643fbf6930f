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
    How the ``frametype`` was reached: a word of :data:`pypeit_spit.vocab.OUTCOMES`.

:func:`retype_file` re-types the rows honouring ``spit`` and rewrites the file,
keeping its comments and parameters; :func:`check_file` lists the rows where
need settling before ``run_pypeit`` (conflicts first). Both use
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
from pypeit_spit.integration.frametypes import classify_metadata, parse_mode, type_frames
from pypeit_spit.vocab import NEEDS_A_LOOK, UNKNOWN, format_prob

__all__ = ['read_pypeit_file', 'file_metadata', 'retype_file', 'check_file',
           'grouping_warnings', 'RetypeReport', 'write_pypeit_file', 'COLUMNS_HELP',
           'explain_columns']

#: Comment lines written above the data block of a ``.pypeit`` file by
#: ``pypeit_spit_setup`` (PypeIt ignores comments).
COLUMNS_HELP = (
    '# pypeit-spit columns: spit_type = SPIT\'s class as PypeIt types (unknown: no answer);',
    '#   spit_prob = SPIT\'s probability of it; spit_src = how the type was reached: agree',
    '#   (SPIT and the header rules), spit (SPIT over the rules), rules (SPIT unsure),',
    '#   conflict (they contradict each other: look at the frame), user (the spit column),',
    '#   unknown (untyped), unreadable (SPIT cannot read it), flagged (no calibration).',
    '# spit = your control of a row: auto, rules (header rules only), keep (freeze its',
    '#   frametype) or PypeIt frame types to force (e.g. arc,tilt); then run',
    '#   pypeit_spit_retype on this file. pypeit_spit_check lists what is left to settle.',
)


def explain_columns(text):
    """
    Put :data:`COLUMNS_HELP` above the data block of a ``.pypeit`` file's text (once).

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    if COLUMNS_HELP[0] in text:
        return text
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.split('#')[0].split()[:2] == ['data', 'read']:
            lines[i:i] = list(COLUMNS_HELP)
            return '\n'.join(lines) + '\n'
    return text


def _read_text(path):
    """The text of a ``.pypeit`` file (PypeItFileError naming it when it cannot be read)."""
    path = Path(path)
    if path.is_dir():
        raise PypeItFileError(f'{path}: is a folder, not a PypeIt file')
    if not path.is_file():
        raise PypeItFileError(f'{path}: file does not exist')
    try:
        return path.read_bytes().decode('utf-8')
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b'\n') + 1
        raise PypeItFileError(f'{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} on '
                              f'line {line})') from None
    except OSError as exc:
        raise PypeItFileError(f'{path}: cannot read it ({exc.strerror or exc})') from None


def _lines(text):
    """Lines as PypeIt reads them (tabs as spaces, trailing blanks dropped)."""
    return [line.replace('\t', ' ').rstrip() for line in text.splitlines()]


@dataclass
class _DataBlock:
    """Where the rows of a ``.pypeit`` data block are (0-based line indices)."""
    start: int                  # 'data read'
    end: int                    # 'data end'
    header: int | None          # the column names
    rows: list                  # table rows, commented-out rows included
    comments: list              # (rows before it, line) of comment-only lines
    malformed: list             # (line index, cells) of rows PypeIt would drop
    cells: int                  # cells of the header


def _data_block(lines):
    """
    Find the rows of the data block as PypeIt 2.0.1 reads them.

    PypeIt takes the first line after the ``path`` lines as the header and keeps
    only the lines with as many ``|`` as the header: a row with one cell too many
    or too few is silently dropped. This finds those rows, so that they are
    reported instead.

    Returns
    -------
    _DataBlock or None
        None when the file has no complete data block.
    """
    found = _block(lines, 'data')
    if found is None:
        return None
    start, end = found
    header = None
    for k in range(start + 1, end):
        bare = lines[k].strip().split('#')[0]
        if not bare:
            continue
        if bare.split(' ', 1)[0] == 'path':
            continue
        header = k
        break
    block = _DataBlock(start, end, header, [], [], [], 0)
    if header is None:
        return block
    for k in range(start + 1, header):
        if lines[k].strip().startswith('#'):
            block.comments.append((-1, lines[k]))
    n_bar = lines[header].count('|')
    block.cells = n_bar + 1
    for k in range(header + 1, end):
        text = lines[k].strip()
        if not text:
            continue
        if lines[k].count('|') == n_bar:
            block.rows.append(k)
        elif text.startswith('#') and '|' not in text:
            block.comments.append((len(block.rows), lines[k]))
        else:
            block.malformed.append((k, lines[k].count('|') + 1))
    return block


def read_pypeit_file(path, with_text=False):
    """
    Read a ``.pypeit`` file, keeping its comments, and check that PypeIt read every
    row of its data block.

    Parameters
    ----------
    path : str or `pathlib.Path`
    with_text : bool, optional
        Also return the file's text.

    Returns
    -------
    `pypeit.inputfiles.PypeItFile`
        (and the text, when ``with_text``).

    Raises
    ------
    PypeItFileError
        A file that cannot be read, or a data row PypeIt would silently drop (one
        cell too many or too few): the message names the lines.
    """
    from pypeit.inputfiles import PypeItFile
    path = Path(path)
    text = _read_text(path)
    try:
        pf = PypeItFile.from_file(str(path), preserve_comments=True)
    except Exception as exc:  # PypeIt raises many kinds for a file it cannot parse
        raise PypeItFileError(f'{path}: cannot read PypeIt file '
                              f'({type(exc).__name__}: {" ".join(str(exc).split())})') from exc
    block = _data_block(_lines(text))
    if block is not None and block.malformed:
        where = '; '.join(f'line {k + 1} has {n} cells' for k, n in block.malformed[:5])
        more = f' (and {len(block.malformed) - 5} more)' if len(block.malformed) > 5 else ''
        raise PypeItFileError(f'{path}: data block row(s) with a wrong number of cells '
                              f'(the header has {block.cells}): {where}{more}; PypeIt would '
                              'drop these rows: fix them first')
    n_rows = 0 if pf.data is None else len(pf.data)
    if block is not None and len(block.rows) != n_rows:
        raise PypeItFileError(f'{path}: PypeIt read {n_rows} of the {len(block.rows)} rows of '
                              'the data block; fix the block first')
    if pf.data is None or 'filename' not in pf.data.colnames \
            or 'frametype' not in pf.data.colnames:
        raise PypeItFileError(f'{path}: the data block needs filename and frametype columns')
    return (pf, text) if with_text else pf


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


def _merge_data_block(old_text, new_text):
    """
    The original file's text with only its data block taken from ``new_text``
    (PypeIt's writer): parameters, comments and the setup block stay as they were,
    and comment lines inside the data block are put back after the same row.
    """
    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    old = _data_block(_lines(old_text))
    new = _data_block(_lines(new_text))
    if old is None or new is None or new.header is None:
        return new_text
    block = new_lines[new.start:new.end + 1]
    # Comment lines of the old block go back after the same number of rows (those
    # before the column names, before them); the last first, so that indices hold.
    rows = [k - new.start for k in new.rows]
    header = new.header - new.start
    for _, (count, line) in sorted(enumerate(old.comments), key=lambda c: (-c[1][0], -c[0])):
        if count < 0:
            at = header
        elif 0 < count <= len(rows):
            at = rows[count - 1] + 1
        else:
            at = header + 1
        block.insert(at, line.rstrip())
    out = old_lines[:old.start] + block + old_lines[old.end + 1:]
    return '\n'.join(out) + '\n'


def write_pypeit_file(pf, output, original=None, rows=None):
    """
    Write a ``.pypeit`` file atomically, keeping everything of the original file
    but its data block.

    PypeIt 2.0.1 reads the setup block with its indentation stripped and drops
    comments between blocks, so writing the whole file back would flatten the YAML
    and lose comments: only the data block is taken from PypeIt's writer, the rest
    of the original text is kept verbatim (comment lines inside the data block are
    put back after the same row). The file is replaced in one step
    (:func:`pypeit_spit.atomic.write_text`).

    Parameters
    ----------
    pf : `pypeit.inputfiles.PypeItFile`
    output : str or `pathlib.Path`
    original : str, `pathlib.Path` or None, optional
        The file ``pf`` was read from.
    rows : int or None, optional
        Number of data rows the written file must have; anything else is refused
        (nothing is written).

    Raises
    ------
    PypeItFileError
        The row count would change, or the file cannot be written.
    """
    import tempfile

    from pypeit_spit.atomic import write_text
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix='pypeit_spit_') as tmp:
        scratch = Path(tmp) / output.name
        pf.write(str(scratch))
        text = scratch.read_text()
    if original is not None:
        text = _merge_data_block(_read_text(original), text)
    if rows is not None:
        block = _data_block(_lines(text))
        got = 0 if block is None else len(block.rows)
        if got != rows or (block is not None and block.malformed):
            raise PypeItFileError(f'{output}: the file written would have {got} data rows '
                                  f'instead of {rows}; nothing written')
    write_text(output, text, error=PypeItFileError)


def _is_commented(name):
    return str(name).strip().startswith('#')


def _bare(name):
    return str(name).strip().lstrip('#').strip()


def _find_raw(pf):
    """
    Where each data-block row's raw file is.

    Returns
    -------
    list of str or None
        The path of each row's file, None where it is not found in any data path.
    """
    paths = list(pf.file_paths or []) or ['']
    found = []
    for name in pf.data['filename']:
        bare = _bare(name)
        hit = None
        if bare:
            for p in paths:
                cand = os.path.join(p, bare)
                if os.path.isfile(cand):
                    hit = cand
                    break
        found.append(hit)
    return found


def _spectrograph(pf, path):
    try:
        return pf.get_spectrograph()
    except Exception as exc:  # PypeIt: missing or unknown spectrograph
        raise PypeItFileError(f'{path}: no usable spectrograph in the parameter block '
                              f'({type(exc).__name__}: {" ".join(str(exc).split())})') from exc


def _parameters(pf, spec, found, path):
    """
    PypeIt's parameters for the file, as ``PypeItFile.get_pypeitpar`` builds them,
    but from a raw file that exists (PypeIt's own raises on any missing file and
    fails on a block whose rows are all commented out).
    """
    from pypeit.par import PypeItPar
    ftypes = [str(t) for t in pf.data['frametype']]
    active = [i for i, f in enumerate(found)
              if f is not None and not _is_commented(pf.data['filename'][i])]
    others = [i for i, f in enumerate(found) if f is not None and i not in active]
    order = ([i for i in active if 'science' in ftypes[i] or 'standard' in ftypes[i]]
             + [i for i in active if 'arc' in ftypes[i] or 'trace' in ftypes[i]]
             + active + others)
    spec_par = None
    seen = set()
    for i in order:
        if i in seen:
            continue
        seen.add(i)
        row = pf.data[[i]].copy()
        row['filename'] = found[i]
        try:
            spec_par = spec.config_specific_par(row)
            break
        except Exception as exc:  # a raw file whose header PypeIt cannot use
            log.warning(f'{path}: {_bare(pf.data["filename"][i])}: cannot take the '
                        f'configuration parameters from it ({type(exc).__name__}: {exc})')
    if spec_par is None:
        spec_par = spec.default_pypeit_par()
    return PypeItPar.from_cfg_lines(cfg_lines=spec_par.to_config(), merge_with=(pf.cfg_lines,))


def file_metadata(pf, path='PypeIt file'):
    """
    Build PypeIt's metadata (from the raw headers) for the rows of a ``.pypeit`` file.

    Parameters
    ----------
    pf : `pypeit.inputfiles.PypeItFile`
    path : str, optional
        Named in messages.

    Returns
    -------
    fitstbl : `pypeit.metadata.PypeItMetaData` or None
        Built with the file's parameters (so its ``exprng`` settings shape the
        header rules), one row per raw file found; None when no raw file is found.
    rows : `numpy.ndarray` of int
        For each ``fitstbl`` row, its row in ``pf.data``.
    missing : list of str
        Data-block files not found on disk (also commented-out rows).
    """
    from pypeit.metadata import PypeItMetaData
    spec = _spectrograph(pf, path)
    found = _find_raw(pf)
    missing = []
    for name, hit in zip(pf.data['filename'], found):
        if hit is None:
            missing.append(_bare(name))
            if not _is_commented(name):
                log.warning(f'{path}: {_bare(name)} not found in the data-block paths')
    files = [f for f in found if f is not None]
    rows = [i for i, f in enumerate(found) if f is not None]
    if not files:
        return None, np.zeros(0, dtype=int), missing
    par = _parameters(pf, spec, found, path)
    fitstbl = PypeItMetaData(spec, par, files=files, strict=False)
    # PypeItMetaData may reorder rows (by time): map back by full path (a file listed
    # twice maps to its rows in turn).
    queue = {}
    for f, r in zip(files, rows):
        queue.setdefault(os.path.abspath(f), []).append(r)
    order = np.array([queue[os.path.abspath(os.path.join(str(d), str(f)))].pop(0)
                      for d, f in zip(fitstbl['directory'], fitstbl['filename'])], dtype=int)
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
        The file written (None for a dry run, or when no raw file was found).
    missing : list of str
        Active rows left as they are because their raw file was not found.
    """
    table: Table
    warnings: list = field(default_factory=list)
    output: str = None
    missing: list = field(default_factory=list)

    @property
    def n_changed(self):
        """Number of rows whose frametype changed."""
        return int(np.sum(self.table['changed']))


def _column(pf, name, fill):
    if name not in pf.data.colnames:
        pf.data[name] = np.array([fill] * len(pf.data), dtype=object)
    return pf.data[name]


def _modes(pf, path):
    """
    The ``spit`` value of every row, parsed; a row without one is ``auto``.

    Raises
    ------
    PypeItFileError
        An active row whose value is neither auto/rules/keep nor a list of PypeIt
        frame types; the message names the file, the row and the value. (A
        commented-out row is not typed, so its value is not checked.)
    """
    if 'spit' not in pf.data.colnames:
        return ['auto'] * len(pf.data)
    modes = []
    for k, (name, value) in enumerate(zip(pf.data['filename'], pf.data['spit'])):
        try:
            modes.append(parse_mode(value))
        except ValueError as exc:
            if _is_commented(name):
                modes.append('auto')
                continue
            raise PypeItFileError(f'{path}: data row {k + 1} ({_bare(name)}): {exc}') from exc
    return modes


def _typing(pf, path, enable, threshold, model, user_file, use_column):
    """
    Type the rows of a ``.pypeit`` file whose raw file exists.

    Returns
    -------
    fitstbl : `pypeit.metadata.PypeItMetaData` or None
        None when no raw file is found (nothing typed).
    order : `numpy.ndarray`
        ``pf.data`` row of each ``fitstbl`` row.
    result : `pypeit_spit.integration.frametypes.TypingResult` or None
    cfg : `pypeit_spit.integration.config.InstrumentConfig`
    """
    modes = _modes(pf, path)
    spec = _spectrograph(pf, path)
    cfg = instrument_config(spec.name, user_file=user_file, enabled=enable,
                            threshold=threshold, model=model)
    fitstbl, order, _ = file_metadata(pf, path)
    if fitstbl is None:
        return None, order, None, cfg
    current = [str(pf.data['frametype'][r]) for r in order]
    column = [modes[r] for r in order] if use_column else None
    verdicts = classify_metadata(fitstbl, cfg, spit_column=column)
    result = type_frames(fitstbl, verdicts, config=cfg, spit_column=column, current=current)
    return fitstbl, order, result, cfg


def retype_file(path, output=None, enable=None, threshold=None, model=None, user_file=None,
                dry_run=False):
    """
    Re-type the rows of a ``.pypeit`` file honouring its ``spit`` column.

    Commented-out rows are left as they are, and so are rows whose raw file is
    not found (``reason``: ``raw file not found``). Rows whose ``spit`` is ``keep``
    keep their ``frametype``; an explicit type list is forced; ``rules`` and
    ``auto`` are re-typed. A row nothing can type is commented out (as PypeIt
    does). Everything outside the data block (comments, parameters, the setup
    block) is kept as it was, and so are comment lines inside it. The ``spit*``
    columns are added when missing and updated.

    No row is ever lost: a data row that PypeIt would drop (one cell too many or
    too few) is an error before anything is typed, and the file is not written
    when the number of data rows would change. It is written atomically, and not
    at all when no raw file is found.

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

    Returns
    -------
    RetypeReport

    Raises
    ------
    PypeItFileError
        The file cannot be read, a row would be dropped, a ``spit`` value is
        invalid, or the output cannot be written; nothing is written.
    """
    from pypeit_spit.atomic import check_output
    path = Path(path)
    pf = read_pypeit_file(path)
    n_rows = len(pf.data)
    out = None
    if not dry_run:
        out = check_output(output if output is not None else path, what='PypeIt file',
                           error=PypeItFileError)
    fitstbl, order, result, _ = _typing(pf, path, enable, threshold, model, user_file,
                                        use_column=True)
    n = len(pf.data)
    old = [str(v) for v in pf.data['frametype']]
    new = list(old)
    source = [''] * n
    reason = ['commented out; left as is' if _is_commented(f) else 'raw file not found'
              for f in pf.data['filename']]
    warnings = []
    changed = [False] * n
    if result is not None:
        spit_type = _column(pf, 'spit_type', 'unknown')
        spit_prob = _column(pf, 'spit_prob', 0.0)
        spit = _column(pf, 'spit', 'auto')
        spit_src = _column(pf, 'spit_src', '')
        t = result.table
        for j, r in enumerate(order):
            if _is_commented(pf.data['filename'][r]):
                continue
            new[r] = str(t['frametype'][j])
            source[r] = str(t['source'][j])
            reason[r] = str(t['reason'][j])
            spit_type[r] = str(t['spit_type'][j])
            spit_prob[r] = format_prob(t['spit_prob'][j])
            if str(spit[r]).strip() == '':
                spit[r] = 'auto'
            spit_src[r] = source[r]
            if new[r] == 'None':
                warnings += grouping_warnings(fitstbl.spectrograph,
                                              _bare(pf.data['filename'][r]), old[r], 'None')
                pf.data['filename'][r] = '# ' + _bare(pf.data['filename'][r])
                changed[r] = True
            elif set(new[r].split(',')) != set(old[r].split(',')):
                warnings += grouping_warnings(fitstbl.spectrograph,
                                              _bare(pf.data['filename'][r]), old[r], new[r])
                pf.data['frametype'][r] = new[r]
                changed[r] = True
    if 'spit_prob' in pf.data.colnames:
        # PypeIt reads the probabilities as numbers: write every row as setup does.
        for r in range(n):
            try:
                float(pf.data['spit_prob'][r])
                pf.data['spit_prob'][r] = format_prob(pf.data['spit_prob'][r])
            except (TypeError, ValueError):
                pass
    spit_values = pf.data['spit'] if 'spit' in pf.data.colnames else ['auto'] * n
    table = Table({'filename': [_bare(f) for f in pf.data['filename']], 'old': old,
                   'new': new, 'spit': [str(v) for v in spit_values], 'source': source,
                   'reason': reason, 'changed': changed})
    for w in warnings:
        log.warning(w)
    if warnings:
        log.warning('Frame types changed in ways that may alter PypeIt\'s configuration or '
                    'calibration grouping: re-run pypeit_spit_setup (with these rows forced '
                    'in the spit column if needed) rather than reducing this file as is.')
    missing = [str(f) for f, r in zip(table['filename'], table['reason'])
               if r == 'raw file not found']
    if missing:
        log.warning(f'{path}: {len(missing)} row(s) left as they are, raw file not found: '
                    f'{", ".join(missing)}')
    if result is None:
        log.warning(f'{path}: no raw file of the data block was found (data paths: '
                    f'{", ".join(pf.file_paths) or "none"}); the file is left as it was')
        out = None
    elif out is not None:
        write_pypeit_file(pf, out, original=path, rows=n_rows)
        log.info(f'{out}: {sum(changed)} row(s) re-typed')
    return RetypeReport(table=table, warnings=warnings, output=None if out is None else str(out),
                        missing=missing)


def _same_types(a, b):
    def names(x):
        return {t.strip() for t in str(x).split(',') if t.strip() and t.strip() != 'None'}
    return names(a) == names(b)


def check_file(path, enable=True, threshold=None, model=None, user_file=None):
    """
    Check every row of a ``.pypeit`` file before ``run_pypeit``: type it again
    (SPIT, the header rules and header facts, honouring the row's ``spit`` column)
    and say how its type is reached, in the words of
    :data:`pypeit_spit.vocab.OUTCOMES`.

    An active row whose ``frametype`` differs from the typing while its ``spit``
    column is ``auto`` (a hand edit, an older model) is a ``conflict`` too: set its
    ``spit`` column (``keep`` confirms the file's type) or run ``pypeit_spit_retype``.
    A row whose raw file is not found is ``unreadable``. SPIT is run on every raw
    file of the data block (also commented-out rows, which never need settling).

    Parameters
    ----------
    path : str or `pathlib.Path`
    enable : bool or None, optional
        Run SPIT even where the configuration disables it (default True).
    threshold, model, user_file : optional
        See :func:`pypeit_spit.integration.config.instrument_config`.

    Returns
    -------
    `astropy.table.Table`
        One row per data-block row: ``filename``, ``frametype`` (the file's),
        ``typed`` (the typing's), ``spit_type``, ``spit_prob`` (as printed
        everywhere, :func:`pypeit_spit.vocab.format_prob`), ``rules_type``, ``spit``
        (the row's control value), ``spit_src`` (the outcome), ``found`` (its raw
        file was found), ``settle`` (True for
        an active row that needs the user: an outcome of
        :data:`pypeit_spit.vocab.NEEDS_A_LOOK`, or a row settled in its ``spit``
        column whose ``frametype`` column does not say so yet, as ``run_pypeit``
        reads that column) and ``note``.

    Raises
    ------
    PypeItFileError
        The file cannot be read, a row would be dropped by PypeIt, or a ``spit``
        value is invalid.
    """
    path = Path(path)
    pf = read_pypeit_file(path)
    fitstbl, order, result, cfg = _typing(pf, path, enable, threshold, model, user_file,
                                          use_column=True)
    n = len(pf.data)
    t = result.table if result is not None else None
    commented = [_is_commented(f) for f in pf.data['filename']]
    out = Table()
    out['filename'] = [_bare(f) for f in pf.data['filename']]
    out['frametype'] = [str(v) for v in pf.data['frametype']]
    typed = ['-'] * n
    spit_type = ['-'] * n
    prob = ['-'] * n
    rules = ['-'] * n
    outcome = ['unreadable'] * n
    note = ['raw file not found'] * n
    stale = [False] * n
    for j, r in enumerate(order):
        typed[r] = str(t['frametype'][j])
        spit_type[r] = str(t['spit_type'][j])
        prob[r] = format_prob(t['spit_prob'][j]) if t['spit_class'][j] != UNKNOWN \
            or float(t['spit_prob'][j]) > 0 else '-'
        rules[r] = str(t['rules_type'][j])
        outcome[r] = str(t['source'][j])
        note[r] = str(t['reason'][j])
        if t['evidence'][j]:
            note[r] += f" [{t['evidence'][j]}]"
        if not commented[r] and outcome[r] not in ('user', 'conflict') \
                and not _same_types(typed[r], out['frametype'][r]):
            note[r] = (f"the file says {out['frametype'][r]}, the typing {typed[r]} "
                       f'({outcome[r]}: {note[r]}); set spit to keep to confirm the file, '
                       'or run pypeit_spit_retype')
            outcome[r] = 'conflict'
        elif not commented[r] and outcome[r] == 'user' \
                and not _same_types(typed[r], out['frametype'][r]):
            # settled in the spit column, but run_pypeit reads the frametype column
            stale[r] = True
            note[r] = (f"{note[r]}, but the frametype column still says "
                       f"{out['frametype'][r]}: run pypeit_spit_retype")
    for r in range(n):
        if commented[r]:
            note[r] = f'row commented out; {note[r]}'
    out['typed'] = typed
    out['spit_type'] = spit_type
    out['spit_prob'] = prob
    out['rules_type'] = rules
    out['spit'] = [str(v) for v in pf.data['spit']] if 'spit' in pf.data.colnames \
        else ['auto'] * n
    out['spit_src'] = outcome
    out['settle'] = [not c and (o in NEEDS_A_LOOK or st)
                     for c, o, st in zip(commented, outcome, stale)]
    out['found'] = [r in set(order) for r in range(n)]
    out['note'] = note
    return out
