"""
Frame typing for PypeIt: SPIT's pixel-based classes merged with PypeIt's header rules.

One typing function, :func:`type_frames`, is used by everything: the scoped patch
of PypeIt installed by :func:`pypeit_spit.integration.hook.enabled` (and so
``pypeit_spit_setup``), and the ``.pypeit`` tools of
:mod:`pypeit_spit.integration.pypeit_file` (``pypeit_spit_retype``,
``pypeit_spit_check``).

Per frame, the decision is:

1. the row's ``spit`` column (when typing an existing ``.pypeit`` file):
   ``keep`` freezes the current ``frametype``, an explicit list of PypeIt types is
   forced, ``rules`` uses the header rules only (source ``user`` or ``rules``);
2. otherwise (``auto``) SPIT's class mapped to PypeIt types through the
   instrument's ``[[types]]`` map, when SPIT's answer is not Unknown (its Unknown
   cut: the model's calibrated cut, or the instrument's ``threshold`` which
   replaces it) (source ``spit``);
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
import os
from dataclasses import dataclass, field

import numpy as np
from astropy.table import Table
from pypeit import log

from pypeit_spit.integration.config import InstrumentConfig, instrument_config
from pypeit_spit.integration.decision import DecisionParams, decide_frame
from pypeit_spit.integration.rules import (hard_facts, header_facts, lamp_facts, rule_bits,
                                           soft_facts)
from pypeit_spit.pipeline.classify import classify_files
from pypeit_spit.vocab import CLASSES, FRAMETYPE_TO_CLASS, ON_SKY, UNKNOWN, count_outcomes

__all__ = ['SPIT_COLUMNS', 'MODES', 'TypingResult', 'classify_metadata', 'doubt_of_model',
           'type_frames', 'apply_unknown_policy', 'add_spit_columns', 'parse_mode',
           'conflict_lines', 'typing_summary']

#: Columns added to PypeIt's metadata (and written to .pypeit/.sorted files).
SPIT_COLUMNS = ('spit_type', 'spit_prob', 'spit', 'spit_src')

#: Keywords of the ``spit`` column besides an explicit list of types.
MODES = ('auto', 'rules', 'keep')


@dataclass
class TypingResult:
    """
    The outcome of :func:`type_frames`.

    Attributes
    ----------
    bits : `numpy.ndarray`
        PypeIt frame-type bits, one per row (for ``set_frame_types``; never store).
    table : `astropy.table.Table`
        One row per frame (see :func:`type_frames`).
    config : `pypeit_spit.integration.config.InstrumentConfig`
    paths : list of str
        The full path of each row's file.
    """
    bits: np.ndarray
    table: Table
    config: InstrumentConfig = None
    paths: list = field(default_factory=list)


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


def _names_to_bits(bm, names, dtype):
    one = np.zeros(1, dtype=dtype)
    if not names:
        return one[0]
    return bm.turn_on(one, flag=list(names))[0]


def _bits_to_names(bm, value):
    names = bm.type_names(np.atleast_1d(value))
    return names[0] if isinstance(names, list) else names


def _allowed_bits(bm, value, allowed, dtype):
    """The frame types of ``value`` whose class the hard header facts allow (types of
    no class, such as ``dark``, are kept)."""
    names = [t for t in _bits_to_names(bm, value).split(',') if t and t != 'None']
    keep = [t for t in names if FRAMETYPE_TO_CLASS.get(t) is None
            or allowed[CLASSES.index(FRAMETYPE_TO_CLASS[t])]]
    return _names_to_bits(bm, keep, dtype) if keep != names else value


def _frame_paths(fitstbl):
    return [os.path.join(str(d), str(f).lstrip('# ').strip())
            for d, f in zip(fitstbl['directory'], fitstbl['filename'])]


def classify_metadata(fitstbl, config, spit_column=None, prefetch=None):
    """
    SPIT's verdicts on every frame of a metadata table, when the typing needs them.

    Parameters
    ----------
    fitstbl : `pypeit.metadata.PypeItMetaData`
    config : `pypeit_spit.integration.config.InstrumentConfig`
        Its ``enabled``, ``model``, ``threshold``, ``batch_size`` and ``max_pixels``
        are used.
    spit_column : sequence of str or None, optional
        Per-row ``spit`` values (see :func:`type_frames`); SPIT runs only when some
        row is ``auto`` (None: every row).
    prefetch : `pypeit_spit.pipeline.reader.Prefetch` or None, optional
        Frames being read ahead (``pypeit_spit_setup``); taken from it.

    Returns
    -------
    list of `~pypeit_spit.pipeline.verdict.FrameVerdict` or None
        One per frame in ``fitstbl`` order; None when SPIT is disabled for the
        spectrograph or no row asks for it.

    Raises
    ------
    pypeit_spit.errors.ModelError
        The configured model cannot be found or used (a configuration error: the
        night is not silently typed by the rules instead).
    """
    modes = None if spit_column is None else [parse_mode(v) for v in spit_column]
    if not config.enabled or (modes is not None and 'auto' not in modes):
        return None
    paths = _frame_paths(fitstbl)
    verdicts = classify_files(paths, spectrograph=fitstbl.spectrograph, model=config.model,
                              batch_size=config.batch_size, threshold=config.threshold,
                              max_pixels=config.max_pixels, prefetch=prefetch,
                              bias_noise_factor=config.bias_noise_factor,
                              model_budget=config.model_budget)
    if len(verdicts) != len(paths):
        raise RuntimeError(f'SPIT returned {len(verdicts)} verdicts for {len(paths)} frames')
    return verdicts


def doubt_of_model(verdicts, allowed, modes, distrust, distrust_min):
    """
    Whether the frames' own hard header facts give reason to doubt the model for a run.

    A sound model names a class the hard facts exclude
    (:func:`pypeit_spit.integration.rules.hard_facts`: exposure time out of the class's
    range, a lamp on, the hatch closed) on almost no frame; a model that lies (e.g. an
    arc at p = 1 for every frame, issue 24) does so on most of them. A doubted model is
    bound by the soft header facts as well
    (:func:`pypeit_spit.integration.rules.soft_facts`): its arc or flat on a frame the
    rules call a sky frame with every lamp card off is then a conflict, not an
    override. An undoubted model keeps fixing lamp cards left off (the header fault
    SPIT is there to find).

    Parameters
    ----------
    verdicts : sequence of `pypeit_spit.pipeline.verdict.FrameVerdict`
    allowed : sequence of `numpy.ndarray` of bool
        Per frame, the classes its hard facts allow (order of ``CLASSES``).
    modes : sequence of str
        Per frame, its ``spit`` mode: only ``auto`` frames count.
    distrust : float
        Fraction of the frames the model answers (past its cut) that must be
        contradicted.
    distrust_min : int
        And at least this many frames.

    Returns
    -------
    str
        Why the model is doubted ('' when it is not).
    """
    answered = contradicted = 0
    for verdict, ok, mode in zip(verdicts, allowed, modes):
        if mode != 'auto' or verdict.error or verdict.flag or verdict.answer == UNKNOWN:
            continue
        answered += 1
        contradicted += not bool(ok[CLASSES.index(verdict.answer)])
    if contradicted and contradicted >= distrust_min and contradicted >= distrust * answered:
        return (f'its answer is a class the header facts exclude on {contradicted} of the '
                f'{answered} frames it answered')
    return ''


def type_frames(fitstbl, verdicts=None, config=None, spit_column=None, current=None,
                user_file=None):
    """
    Type every frame of a PypeIt metadata table: SPIT, header rules, user column.

    Per row: the user's ``spit`` column first (``keep``, ``rules`` or a forced type
    list; source ``user`` or ``rules``); otherwise (``auto``) the decision of
    :mod:`pypeit_spit.integration.decision`, which weighs SPIT's probabilities, the
    header rules and sturdy header facts, and records ``agree``, ``rules``, ``spit`` or
    ``conflict``. A class the frame's own header excludes
    (:func:`~pypeit_spit.integration.rules.hard_facts`) is never written, whatever SPIT
    says. Frames SPIT cannot read keep the rules' types (``unreadable``, with the
    reason); frames whose pixels are no calibration at all (dead, constant,
    saturated: SPIT's quality flag) are left untyped (``flagged``), so that PypeIt
    comments them out; a frame nothing types is ``unknown``. Every outcome is a word
    of :data:`pypeit_spit.vocab.OUTCOMES`.

    Parameters
    ----------
    fitstbl : `pypeit.metadata.PypeItMetaData`
        PypeIt's metadata (its ``spectrograph`` and ``par`` are used); not
        modified.
    verdicts : sequence of `~pypeit_spit.pipeline.verdict.FrameVerdict` or None, optional
        SPIT's verdict on each frame, in ``fitstbl`` order
        (:func:`classify_metadata`); None: SPIT not run (the header rules type every
        ``auto`` row). Not used where SPIT is disabled.
    config : `pypeit_spit.integration.config.InstrumentConfig` or None, optional
        None resolves the spectrograph's settings with
        :func:`pypeit_spit.integration.config.instrument_config`.
    spit_column : sequence of str or None, optional
        Per-row ``spit`` values (``auto``, ``rules``, ``keep`` or a type list);
        None is ``auto`` everywhere.
    current : sequence of str or None, optional
        Per-row current ``frametype`` (needed by ``keep``).
    user_file : str or None, optional
        User configuration file (only when ``config`` is None).

    Returns
    -------
    TypingResult
        Its table: ``filename``, ``frametype`` (decided; ``None`` untyped), ``source``,
        ``reason``, ``rules_type``, ``spit_class`` (SPIT's answer), ``spit_settled``
        (the decided class, or SPIT's when the rules or the user decided),
        ``spit_type`` (PypeIt types of SPIT's answer), ``spit_prob`` (SPIT's
        probability of its answer; the largest when Unknown), ``evidence`` (header
        facts; the posterior is in ``reason``).
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
    lamps = lamp_facts(fitstbl)
    need_spit = cfg.enabled and any(m == 'auto' for m in modes)
    spit = list(verdicts) if need_spit and verdicts is not None else None
    if spit is not None and len(spit) != n:
        raise ValueError(f'{len(spit)} verdicts for {n} frames')
    params = DecisionParams(rules_error=cfg.rules_error, near_zero=cfg.near_zero,
                            override=cfg.override, contradict=cfg.contradict)

    bits = np.zeros(n, dtype=dtype)
    out = Table()
    out['filename'] = [str(f) for f in fitstbl['filename']]
    cols = {k: [] for k in ('frametype', 'source', 'reason', 'rules_type', 'spit_class',
                            'spit_settled', 'spit_type', 'evidence')}
    probs = np.zeros(n, dtype=float)
    facts = [hard_facts(fitstbl, i, CLASSES, cfg.types_for, lamps=lamps) for i in range(n)]
    doubt_note = doubt_of_model(spit, [a for a, _ in facts], modes, cfg.distrust,
                                cfg.distrust_min) if spit is not None else ''
    if doubt_note:
        log.warning(f'{spec.name}: the model is doubted ({doubt_note}): its arcs and flats '
                    'on frames the rules call science or standard with every lamp off are '
                    'conflicts, not overrides')
    for i in range(n):
        rules_i = rules[i]
        rules_name = _bits_to_names(bm, rules_i)
        rules_classes = {FRAMETYPE_TO_CLASS.get(t) for t in rules_name.split(',')} - {None}
        spit_class = spit_settled = UNKNOWN
        spit_bits = _names_to_bits(bm, [], dtype)
        evidence = ''
        prob = 0.0
        decision = None
        flag = ''
        mode = modes[i]
        allowed, excluded = facts[i]
        if spit is not None:
            verdict = spit[i]
            spit_class = verdict.answer
            p = np.array([float(verdict.probs[c]) if verdict.ran else 0.0 for c in CLASSES])
            raw = (spit_class, p)
            prob = float(verdict.prob)
            err = verdict.error
            flag = verdict.flag
            if spit_class != UNKNOWN and cfg.types_for(spit_class):
                spit_bits = _names_to_bits(bm, cfg.types_for(spit_class), dtype)
            if verdict.qa and not flag:
                # a fact of the pixels: no bias, whatever SPIT or the rules say; where
                # the header leaves nothing else (a 0-s exposure), no calibration at all
                no_bias = allowed & np.array([c != 'bias' for c in CLASSES])
                if no_bias.any():
                    allowed = no_bias
                    excluded = '; '.join(x for x in (excluded, verdict.qa) if x)
                else:
                    flag = f'no calibration: {verdict.qa}; {excluded}'
            if not err and not flag and mode == 'auto':
                plaus, on_sky, evidence = header_facts(
                    fitstbl, i, CLASSES, cfg.types_for, std_radius=cfg.std_radius,
                    exptime_mismatch=cfg.exptime_mismatch, use_pointing=cfg.header_evidence)
                answer = spit_class
                if on_sky is not None and allowed[CLASSES.index(on_sky)]:
                    # The pointing settles science vs standard, SPIT's weakest margin:
                    # the frame is on sky with SPIT's combined probability of the two.
                    sci, std = CLASSES.index('science'), CLASSES.index('standard')
                    p = p.copy()
                    on, off = (sci, std) if on_sky == 'science' else (std, sci)
                    p[on], p[off] = p[on] + p[off], 0.0
                    if spit_class in ON_SKY:
                        answer = on_sky
                        if on_sky != spit_class:
                            evidence = f'header evidence changed SPIT {spit_class} to ' \
                                       f'{on_sky}: {evidence}'
                votes = verdict.votes
                voted = verdict.voted
                if on_sky is not None and voted in ON_SKY:
                    voted = on_sky
                doubted, doubt = (soft_facts(i, CLASSES, rules_classes, lamps)
                                  if doubt_note else (None, ''))
                if doubt and doubted.any():
                    doubt = f'{doubt} (the model is doubted: {doubt_note})'
                decision = decide_frame(p, answer, votes, rules_classes, plaus, params,
                                        CLASSES, voted=voted or None, allowed=allowed,
                                        excluded=excluded, shown=raw, doubted=doubted,
                                        doubt=doubt)
                spit_settled = decision.cls or UNKNOWN

        kept_rules = _allowed_bits(bm, rules_i, allowed, dtype)
        if mode == 'keep':
            cur = str(current[i]).strip()
            try:
                bits[i] = _names_to_bits(bm, [t for t in cur.split(',') if t and t != 'None'],
                                         dtype)
                source, reason = 'user', f'spit=keep: frametype {cur} frozen'
            except ValueError:
                bits[i] = kept_rules
                source, reason = 'rules', f'spit=keep but frametype {cur!r} is invalid'
        elif isinstance(mode, list):
            bits[i] = _names_to_bits(bm, mode, dtype)
            source, reason = 'user', f'spit={",".join(mode)} forced'
        elif mode == 'rules':
            bits[i] = rules_i
            source, reason = 'user', 'spit=rules: the header rules'
        elif spit is None:
            bits[i] = rules_i
            source = 'rules'
            reason = f'SPIT disabled for {cfg.spectrograph}' if not cfg.enabled \
                else 'SPIT not run'
        elif flag:
            # the pixels are no calibration at all: never typed (PypeIt comments it out)
            bits[i] = _names_to_bits(bm, [], dtype)
            source, reason = 'flagged', flag
        elif decision is None:
            bits[i] = kept_rules
            source, reason = 'unreadable', f'SPIT cannot read the frame ({spit[i].error})'
        else:
            source, reason = decision.source, decision.reason
            if spit[i].qa and spit[i].qa not in reason:
                reason = f'{reason}; {spit[i].qa}'
            if not decision.cls:
                bits[i] = _names_to_bits(bm, [], dtype)
            elif decision.cls in rules_classes and source == 'agree':
                # the rules' own types of the class agreed on (not those of another
                # class the rules also gave, e.g. the flat lamp's of an arc)
                only = np.array([c == decision.cls for c in CLASSES])
                bits[i] = _allowed_bits(bm, rules_i, only, dtype)
            elif decision.cls in rules_classes and source in ('rules', 'conflict'):
                bits[i] = kept_rules
            else:
                bits[i] = _names_to_bits(bm, cfg.types_for(decision.cls), dtype)
        if source not in ('flagged', 'conflict', 'unreadable') \
                and not bm.flagged(np.atleast_1d(bits[i]))[0]:
            source, reason = 'unknown', f'untyped: {reason}; header rules give nothing'
        cols['frametype'].append(_bits_to_names(bm, bits[i]))
        cols['source'].append(source)
        cols['reason'].append(reason)
        cols['rules_type'].append(rules_name)
        cols['spit_class'].append(spit_class)
        cols['spit_settled'].append(spit_settled)
        cols['spit_type'].append(_bits_to_names(bm, spit_bits) if spit_class != UNKNOWN
                                 else UNKNOWN)
        cols['evidence'].append(evidence)
        probs[i] = prob
    for k, v in cols.items():
        out[k] = np.array(v, dtype=str) if v else np.zeros(0, dtype='U8')
    out['spit_prob'] = probs
    out['spit_prob'].format = '.3f'
    for i in range(n):
        log.debug(f"{out['filename'][i]}: {out['frametype'][i]} ({out['source'][i]}: "
                  f"{out['reason'][i]})")
    return TypingResult(bits=bits, table=out, config=cfg, paths=_frame_paths(fitstbl))


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


def conflict_lines(result, paths=None):
    """
    The conflicts of a typing, each with the command to look at the frame.

    Parameters
    ----------
    result : TypingResult
    paths : sequence of str or None, optional
        Full path of each row (for the commands); default: the file names.

    Returns
    -------
    list of str
    """
    t = result.table
    paths = list(t['filename']) if paths is None else list(paths)
    spec = result.config.spectrograph if result.config is not None else None
    out = []
    for row, path in zip(t, paths):
        if row['source'] != 'conflict':
            continue
        out.append(f"{row['filename']}: typed {row['frametype']} ({row['reason']})")
        out.append(f"    look: pypeit_spit_png {path} --annotate -d spit_png"
                   + (f' -s {spec}' if spec else ''))
    return out


def typing_summary(results):
    """
    One line counting every outcome of one or more typings.

    Parameters
    ----------
    results : sequence of TypingResult

    Returns
    -------
    str
        E.g. ``'18 frames: 11 agree, 3 spit, 4 conflict'``.
    """
    sources = [str(s) for r in results for s in r.table['source']]
    return f'{len(sources)} frames: {count_outcomes(sources)}'
