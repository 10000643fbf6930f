"""
Frame typing for PypeIt: SPIT's pixel-based classes merged with PypeIt's header rules.

One typing function, :func:`type_frames`, is used by everything: the scoped patch
of PypeIt installed by :func:`enabled` (and so ``pypeit_spit_setup``), and the
``.pypeit`` tools of :mod:`pypeit_spit.pypeit_file` (``pypeit_spit_retype``,
``pypeit_spit_check``).

Per frame, the decision is:

1. the row's ``spit`` column (when typing an existing ``.pypeit`` file):
   ``keep`` freezes the current ``frametype``, an explicit list of PypeIt types is
   forced, ``rules`` uses the header rules only (source ``user`` or ``rules``);
2. otherwise (``auto``) SPIT's class mapped to PypeIt types through the
   instrument's ``[[types]]`` map, when SPIT's answer is not Unknown and its
   probability reaches the instrument's threshold (source ``spit``);
3. otherwise PypeIt's header rules (source ``rules``), computed without PypeIt's
   side effects on untyped frames;
4. a frame that nothing types is handled exactly as PypeIt does: listed, and
   commented out (``flag_unknown=True``) or an error.

When SPIT answers science or standard, strong header evidence (the pointing
within ``std_radius`` of a spectrophotometric standard of PypeIt's archive, the
exposure time in PypeIt's science or standard range) settles between the two,
and this is recorded. Frame types are handled by name (PypeIt's
``type_bitmask``); bit integers are never stored.
"""
import contextlib
import os
from dataclasses import dataclass, field

import numpy as np
from astropy.table import Table
from pypeit import log

from pypeit_spit.config import InstrumentConfig, instrument_config

__all__ = ['SPIT_COLUMNS', 'MODES', 'TypingResult', 'rule_bits', 'classify_metadata',
           'header_evidence', 'type_frames', 'apply_unknown_policy', 'enabled',
           'is_enabled', 'header_evidence_gain', 'parse_mode']

#: Columns added to PypeIt's metadata (and written to .pypeit/.sorted files).
SPIT_COLUMNS = ('spit_type', 'spit_prob', 'spit', 'spit_src')

#: Keywords of the ``spit`` column besides an explicit list of types.
MODES = ('auto', 'rules', 'keep')

UNKNOWN = 'unknown'
ON_SKY = ('science', 'standard')


@dataclass
class TypingResult:
    """
    The outcome of :func:`type_frames`.

    Attributes
    ----------
    bits : `numpy.ndarray`
        PypeIt frame-type bits, one per row (for ``set_frame_types``; never store).
    table : `astropy.table.Table`
        One row per frame: ``filename``, ``frametype`` (decided, ``None`` if
        untyped), ``source`` (``spit``, ``rules``, ``user`` or ``none``),
        ``reason``, ``rules_type``, ``spit_class`` (SPIT's raw answer),
        ``spit_settled`` (after header evidence), ``spit_type`` (PypeIt types of
        the settled class), ``spit_prob``, ``evidence``.
    config : `pypeit_spit.config.InstrumentConfig`
    """
    bits: np.ndarray
    table: Table
    config: InstrumentConfig = None
    model_error: str = ''
    extra: dict = field(default_factory=dict)


def parse_mode(value):
    """
    Normalise a ``spit`` column value.

    Parameters
    ----------
    value : str or None
        ``auto`` (also empty / None), ``rules``, ``keep`` or a comma-separated
        list of PypeIt frame types.

    Returns
    -------
    str or list of str
        The keyword, or the list of types.

    Raises
    ------
    ValueError
        An unknown frame type in a list.
    """
    if isinstance(value, (list, tuple)):
        value = ','.join(str(v) for v in value)
    text = '' if value is None else str(value).strip()
    if text.lower() in ('', 'auto', 'none', '--'):
        return 'auto'
    if text.lower() in MODES:
        return text.lower()
    from pypeit.core.framematch import FrameTypeBitMask
    valid = FrameTypeBitMask().keys()
    types = [t.strip() for t in text.split(',') if t.strip()]
    bad = [t for t in types if t not in valid]
    if bad or not types:
        raise ValueError(f'spit column value {text!r}: not auto/rules/keep nor a list of '
                         f'PypeIt frame types (unknown: {", ".join(bad) or text})')
    return types


def rule_bits(fitstbl):
    """
    PypeIt's header-rule frame types, without its side effects.

    The same loop as ``PypeItMetaData.get_frame_types`` (every type tested with
    ``check_frame_type`` and its exposure-time range, then
    ``vet_assigned_ftypes``), but untyped frames are neither renamed nor
    reported.

    Parameters
    ----------
    fitstbl : `pypeit.metadata.PypeItMetaData`

    Returns
    -------
    `numpy.ndarray`
        Frame-type bits, one per row.
    """
    bm = fitstbl.type_bitmask
    bits = np.zeros(len(fitstbl), dtype=bm.minimum_dtype())
    for ftype in bm.keys():
        exprng = fitstbl.par['scienceframe']['exprng'] if ftype == 'science' \
            else fitstbl.par['calibrations'][f'{ftype}frame']['exprng']
        indx = fitstbl.spectrograph.check_frame_type(ftype, fitstbl.table, exprng=exprng)
        bits[indx] = bm.turn_on(bits[indx], flag=ftype)
    if hasattr(fitstbl.spectrograph, 'vet_assigned_ftypes'):
        out = fitstbl.spectrograph.vet_assigned_ftypes(bits, fitstbl)
        bits = bits if out is None else out
    return bits


def _names_to_bits(bm, names, dtype):
    one = np.zeros(1, dtype=dtype)
    if not names:
        return one[0]
    return bm.turn_on(one, flag=list(names))[0]


def _bits_to_names(bm, value):
    names = bm.type_names(np.atleast_1d(value))
    return names[0] if isinstance(names, list) else names


def _frame_paths(fitstbl):
    return [os.path.join(str(d), str(f).lstrip('# ').strip())
            for d, f in zip(fitstbl['directory'], fitstbl['filename'])]


def classify_metadata(fitstbl, config, classify=None):
    """
    Run SPIT on every frame of a metadata table.

    Parameters
    ----------
    fitstbl : `pypeit.metadata.PypeItMetaData`
    config : `pypeit_spit.config.InstrumentConfig`
    classify : callable or None, optional
        Replacement for :func:`pypeit_spit.classify.classify_files` (same call
        and result); for tests.

    Returns
    -------
    table : `astropy.table.Table` or None
        :func:`~pypeit_spit.classify.classify_files`'s table, or None when SPIT
        could not run at all.
    error : str
        Why SPIT could not run ('' when it did).
    """
    if classify is None:
        from pypeit_spit.classify import classify_files as classify
    paths = _frame_paths(fitstbl)
    try:
        table = classify(paths, spectrograph=fitstbl.spectrograph, model=config.model,
                         batch_size=config.batch_size)
    except Exception as exc:  # the model missing, keras absent, ...: fall back to rules
        reason = f'{type(exc).__name__}: {exc}'
        log.warning(f'SPIT cannot run ({reason}); the header rules type every frame')
        return None, reason
    if len(table) != len(paths):
        reason = f'SPIT returned {len(table)} rows for {len(paths)} frames'
        log.warning(f'{reason}; the header rules type every frame')
        return None, reason
    return table, ''


def _float(value):
    try:
        out = float(value)
    except (TypeError, ValueError):
        return np.nan
    return out


def header_evidence(fitstbl, row, radius=10.0):
    """
    Header evidence for science vs standard of one frame.

    Parameters
    ----------
    fitstbl : `pypeit.metadata.PypeItMetaData`
    row : int
    radius : float, optional
        Matching radius (arcmin) to PypeIt's archived standards.

    Returns
    -------
    answer : str or None
        ``'standard'`` (the pointing is within ``radius`` of an archived
        standard and the exposure time is not only in the science range),
        ``'science'`` (valid pointing far from every archived standard and the
        exposure time only in the science range), or None (no strong evidence).
    note : str
        What was found.
    """
    from pypeit.core import framematch, standard
    keys = fitstbl.keys()
    ra = _float(fitstbl['ra'][row]) if 'ra' in keys else np.nan
    dec = _float(fitstbl['dec'][row]) if 'dec' in keys else np.nan
    exptime = _float(fitstbl['exptime'][row]) if 'exptime' in keys else np.nan
    near = None
    if np.isfinite(ra) and np.isfinite(dec):
        try:
            near = bool(standard.get_archive_standard(ra, dec, tol=radius, check=True))
        except Exception as exc:  # archive unreadable: no positional evidence
            log.debug(f'standard archive lookup failed: {exc}')
    sci_rng = fitstbl.par['scienceframe']['exprng']
    std_rng = fitstbl.par['calibrations']['standardframe']['exprng']
    if np.isfinite(exptime):
        t = np.array([exptime], dtype=object)
        in_sci = bool(framematch.check_frame_exptime(t, sci_rng)[0])
        in_std = bool(framematch.check_frame_exptime(t, std_rng)[0])
    else:
        in_sci = in_std = None
    parts = []
    if near is None:
        parts.append('no usable pointing')
    elif near:
        parts.append(f"within {radius:g}' of an archived standard")
    else:
        parts.append(f"no archived standard within {radius:g}'")
    if in_sci is None:
        parts.append('no exposure time')
    else:
        rng = [n for n, ok in (('science', in_sci), ('standard', in_std)) if ok]
        parts.append(f'exptime {exptime:g} s in ' + (' and '.join(rng) + ' range'
                                                     if rng else 'neither range'))
    note = '; '.join(parts)
    sci_time = bool(in_sci) and not bool(in_std)
    if near and not sci_time:
        return 'standard', note
    if near is False and sci_time:
        return 'science', note
    return None, note


def type_frames(fitstbl, config=None, spit_column=None, current=None, classify=None,
                user_file=None):
    """
    Type every frame of a PypeIt metadata table: SPIT, header rules, user column.

    Parameters
    ----------
    fitstbl : `pypeit.metadata.PypeItMetaData`
        PypeIt's metadata (its ``spectrograph`` and ``par`` are used); not
        modified.
    config : `pypeit_spit.config.InstrumentConfig` or None, optional
        None resolves the spectrograph's settings with
        :func:`pypeit_spit.config.instrument_config`.
    spit_column : sequence of str or None, optional
        Per-row ``spit`` values (``auto``, ``rules``, ``keep`` or a type list);
        None is ``auto`` everywhere.
    current : sequence of str or None, optional
        Per-row current ``frametype`` (needed by ``keep``).
    classify : callable or None, optional
        Replacement for :func:`pypeit_spit.classify.classify_files`.
    user_file : str or None, optional
        User configuration file (only when ``config`` is None).

    Returns
    -------
    TypingResult
    """
    spec = fitstbl.spectrograph
    cfg = config if config is not None else instrument_config(spec, user_file=user_file)
    bm = fitstbl.type_bitmask
    n = len(fitstbl)
    dtype = bm.minimum_dtype()
    modes = ['auto'] * n if spit_column is None else [parse_mode(v) for v in spit_column]
    if current is None:
        current = [''] * n

    rules = rule_bits(fitstbl)
    need_spit = cfg.enabled and any(m == 'auto' for m in modes)
    spit_tab, model_error = (classify_metadata(fitstbl, cfg, classify=classify)
                             if need_spit else (None, ''))

    bits = np.zeros(n, dtype=dtype)
    out = Table()
    out['filename'] = [str(f) for f in fitstbl['filename']]
    cols = {k: [] for k in ('frametype', 'source', 'reason', 'rules_type', 'spit_class',
                            'spit_settled', 'spit_type', 'evidence')}
    probs = np.zeros(n, dtype=float)
    for i in range(n):
        rules_i = rules[i]
        rules_name = _bits_to_names(bm, rules_i)
        spit_class = spit_settled = UNKNOWN
        spit_bits = _names_to_bits(bm, [], dtype)
        evidence = ''
        prob = 0.0
        spit_reason = ''
        if spit_tab is not None:
            spit_class = str(spit_tab['class'][i])
            prob = float(spit_tab['prob'][i])
            spit_settled = spit_class
            err = str(spit_tab['error'][i] or '')
            if spit_class == UNKNOWN:
                spit_reason = (f'SPIT cannot read the frame ({err})' if err
                               else f'SPIT undecided ({int(spit_tab["votes"][i])}/4 votes)')
            elif spit_class in ON_SKY and cfg.header_evidence:
                answer, note = header_evidence(fitstbl, i, radius=cfg.std_radius)
                if answer is not None:
                    # Header evidence settles science vs standard: the frame is on
                    # sky with SPIT's combined probability of the two.
                    prob = float(spit_tab['prob_science'][i] + spit_tab['prob_standard'][i]) \
                        if 'prob_science' in spit_tab.colnames else prob
                    spit_settled = answer
                    verb = 'confirmed' if answer == spit_class else \
                        f'changed SPIT {spit_class} to {answer}'
                    evidence = f'header evidence {verb}: {note}'
            if spit_settled != UNKNOWN:
                types = cfg.types_for(spit_settled)
                spit_bits = _names_to_bits(bm, types, dtype)
                if not types:
                    spit_reason = f'SPIT class {spit_settled} maps to no PypeIt type'
                elif prob < cfg.threshold:
                    spit_reason = (f'SPIT {spit_settled} p={prob:.3f} below threshold '
                                   f'{cfg.threshold:g}')
        elif not cfg.enabled:
            spit_reason = f'SPIT disabled for {cfg.spectrograph}'
        elif model_error:
            spit_reason = f'SPIT unavailable ({model_error})'
        spit_ok = spit_tab is not None and spit_settled != UNKNOWN and not spit_reason

        mode = modes[i]
        if mode == 'keep':
            cur = str(current[i]).strip()
            try:
                bits[i] = _names_to_bits(bm, [t for t in cur.split(',') if t and t != 'None'],
                                         dtype)
                source, reason = 'user', f'spit=keep: frametype {cur} frozen'
            except ValueError:
                bits[i] = rules_i
                source, reason = 'rules', f'spit=keep but frametype {cur!r} is invalid'
        elif isinstance(mode, list):
            bits[i] = _names_to_bits(bm, mode, dtype)
            source, reason = 'user', f'spit={",".join(mode)} forced'
        elif mode == 'rules':
            bits[i] = rules_i
            source, reason = 'rules', 'spit=rules'
        elif spit_ok:
            bits[i] = spit_bits
            source = 'spit'
            reason = f'SPIT {spit_class} p={prob:.3f}' + (f'; {evidence}' if evidence else '')
        else:
            bits[i] = rules_i
            source, reason = 'rules', spit_reason or 'SPIT not run'
        if not bm.flagged(np.atleast_1d(bits[i]))[0]:
            source, reason = 'none', f'untyped: {reason}; header rules give nothing'
        cols['frametype'].append(_bits_to_names(bm, bits[i]))
        cols['source'].append(source)
        cols['reason'].append(reason)
        cols['rules_type'].append(rules_name)
        cols['spit_class'].append(spit_class)
        cols['spit_settled'].append(spit_settled)
        cols['spit_type'].append(_bits_to_names(bm, spit_bits) if spit_settled != UNKNOWN
                                 else UNKNOWN)
        cols['evidence'].append(evidence)
        probs[i] = prob
    for k, v in cols.items():
        out[k] = np.array(v, dtype=str) if v else np.zeros(0, dtype='U8')
    out['spit_prob'] = probs
    out['spit_prob'].format = '.3f'
    for i in range(n):
        log.info(f"{out['filename'][i]}: {out['frametype'][i]} from {out['source'][i]} "
                 f"({out['reason'][i]})")
    return TypingResult(bits=bits, table=out, config=cfg, model_error=model_error)


def apply_unknown_policy(fitstbl, bits, flag_unknown):
    """
    PypeIt's own handling of frames without a type (as in ``get_frame_types``).

    Parameters
    ----------
    fitstbl : `pypeit.metadata.PypeItMetaData`
        Its ``filename`` column is edited in place (``'# '`` prefix) when
        ``flag_unknown``.
    bits : `numpy.ndarray`
    flag_unknown : bool

    Raises
    ------
    pypeit.PypeItError
        Untyped frames and ``flag_unknown`` False.
    """
    from pypeit import PypeItError
    indx = np.logical_not(fitstbl.type_bitmask.flagged(bits))
    if not np.any(indx):
        return
    log.info("Couldn't identify the following files:")
    for f in fitstbl['filename'][indx]:
        log.info(f)
    if not flag_unknown:
        raise PypeItError('Check these files before continuing')
    log.warning('These files are commented out and will be ignored during the reduction.')
    fitstbl['filename'] = fitstbl['filename'].value.astype(
        f"<U{np.char.str_len(fitstbl['filename']).max() + 3}")
    fitstbl['filename'][indx] = ['# ' + fname for fname in fitstbl['filename'][indx]]


def add_spit_columns(fitstbl, result):
    """
    Put the SPIT columns into PypeIt's metadata table.

    Parameters
    ----------
    fitstbl : `pypeit.metadata.PypeItMetaData`
    result : TypingResult
    """
    t = result.table
    fitstbl.table['spit_type'] = np.array(t['spit_type'], dtype=str)
    fitstbl.table['spit_prob'] = np.round(np.asarray(t['spit_prob'], dtype=float), 3)
    fitstbl.table['spit_prob'].format = '.3f'
    fitstbl.table['spit'] = np.full(len(t), 'auto', dtype='U32')
    fitstbl.table['spit_src'] = np.array(t['source'], dtype=str)


# ---------------------------------------------------------------------------
# Scoped patches of PypeIt

_STATE = {'depth': 0}


def is_enabled():
    """Whether an :func:`enabled` block is active in this process."""
    return _STATE['depth'] > 0


@contextlib.contextmanager
def enabled(user_file=None, enable=None, threshold=None, model=None, classify=None):
    """
    Type frames with SPIT inside PypeIt for the duration of a ``with`` block.

    Inside the block, ``PypeItMetaData.get_frame_types`` (when not given
    user types) calls :func:`type_frames`, adds the SPIT columns, and applies
    PypeIt's own policy to untyped frames; ``PypeItMetaData.set_pypeit_cols``
    adds the SPIT columns to the written ``.pypeit``/``.sorted``/obslog files.
    For a spectrograph where SPIT is disabled nothing changes. PypeIt is
    restored exactly on leaving the block, also on error.

    Parameters
    ----------
    user_file : str or None, optional
        User configuration file (see :func:`pypeit_spit.config.load_config`).
    enable : bool or None, optional
        Force SPIT on/off for every spectrograph; None follows the configuration.
    threshold : float or None, optional
        Override the instrument's threshold.
    model : str, `pathlib.Path`, SpitModel or None, optional
        Override the instrument's model.
    classify : callable or None, optional
        Replacement for :func:`pypeit_spit.classify.classify_files` (tests).

    Yields
    ------
    dict
        ``{'results': [...]}``: the :class:`TypingResult` of each typing done.

    Examples
    --------
    >>> from pypeit.pypeitsetup import PypeItSetup
    >>> import pypeit_spit
    >>> with pypeit_spit.enabled():                          # doctest: +SKIP
    ...     ps = PypeItSetup.from_file_root('/data/Kast', 'shane_kast_blue')
    ...     ps.run(setup_only=True)
    """
    from pypeit.metadata import PypeItMetaData

    orig_types = PypeItMetaData.__dict__['get_frame_types']
    orig_cols = PypeItMetaData.__dict__['set_pypeit_cols']
    record = {'results': []}

    def get_frame_types(self, flag_unknown=False, user=None, merge=True):
        if user is not None:
            return orig_types(self, flag_unknown=flag_unknown, user=user, merge=merge)
        cfg = instrument_config(self.spectrograph, user_file=user_file, enabled=enable,
                                threshold=threshold, model=model)
        if not cfg.enabled:
            log.info(f'SPIT is disabled for {cfg.spectrograph}: header rules only')
            return orig_types(self, flag_unknown=flag_unknown, user=user, merge=merge)
        for key in ('frametype', 'framebit'):
            if key in self.keys():
                log.warning(f'Removing existing {key} column.')
                del self.table[key]
        log.info(f'Typing files with SPIT (model {cfg.model}, threshold {cfg.threshold:g}) '
                 'and the header rules')
        result = type_frames(self, config=cfg, classify=classify)
        record['results'].append(result)
        self.spit_typing = result
        add_spit_columns(self, result)
        apply_unknown_policy(self, result.bits, flag_unknown)
        src = result.table['source']
        log.info(f"Typing completed: {np.sum(src == 'spit')} by SPIT, "
                 f"{np.sum(src == 'rules')} by the header rules, "
                 f"{np.sum(src == 'none')} untyped")
        return self.set_frame_types(result.bits, merge=merge)

    def set_pypeit_cols(self, *args, **kwargs):
        columns = orig_cols(self, *args, **kwargs)
        return list(columns) + [c for c in SPIT_COLUMNS
                                if c in self.keys() and c not in columns]

    get_frame_types.__doc__ = orig_types.__doc__
    set_pypeit_cols.__doc__ = orig_cols.__doc__
    PypeItMetaData.get_frame_types = get_frame_types
    PypeItMetaData.set_pypeit_cols = set_pypeit_cols
    _STATE['depth'] += 1
    try:
        yield record
    finally:
        PypeItMetaData.get_frame_types = orig_types
        PypeItMetaData.set_pypeit_cols = orig_cols
        _STATE['depth'] -= 1


def header_evidence_gain(result, true_classes):
    """
    How many SPIT errors the header evidence removes (and adds), given true labels.

    Parameters
    ----------
    result : TypingResult or `astropy.table.Table`
        Output of :func:`type_frames` (its ``spit_class`` and ``spit_settled``
        columns).
    true_classes : sequence of str
        True SPIT class of each row (``bias``, ``science``, ``standard``,
        ``arc``, ``flat``).

    Returns
    -------
    dict
        ``n`` (frames), ``settled`` (frames where the evidence decided),
        ``errors_spit`` / ``errors_settled`` (wrong classes before / after, over
        all frames SPIT answered), ``fixed`` and ``broken`` (frames the evidence
        made right / wrong).
    """
    table = result.table if isinstance(result, TypingResult) else result
    raw = np.asarray(table['spit_class'], dtype=str)
    settled = np.asarray(table['spit_settled'], dtype=str)
    truth = np.asarray(true_classes, dtype=str)
    if truth.shape != raw.shape:
        raise ValueError(f'{len(truth)} true labels for {len(raw)} frames')
    answered = raw != UNKNOWN
    changed = raw != settled
    return {'n': int(len(raw)),
            'settled': int(np.sum(np.asarray(table['evidence'], dtype=str) != '')),
            'errors_spit': int(np.sum(answered & (raw != truth))),
            'errors_settled': int(np.sum(answered & (settled != truth))),
            'fixed': int(np.sum(changed & (settled == truth))),
            'broken': int(np.sum(changed & (raw == truth)))}
