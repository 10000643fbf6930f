"""
PypeIt's header rules and header evidence, computed without PypeIt's side effects.

:func:`rule_bits` is the loop of ``PypeItMetaData.get_frame_types`` (every frame type
tested with the spectrograph's ``check_frame_type`` and its exposure-time range, then
``vet_assigned_ftypes``), without renaming or reporting untyped frames.
:func:`header_evidence` reads the header facts that a telescope's control system
writes (pointing, exposure time), which are sturdier than the lamp and OBJECT cards.
"""
import functools
import logging
import os
from pathlib import Path

import numpy as np
from astropy.time import Time
from pypeit import log

from pypeit_spit.defaults import DEFAULTS
from pypeit_spit.io.spectrograph import get_spectrograph
from pypeit_spit.vocab import ON_SKY

__all__ = ['rule_bits', 'header_metadata', 'rule_types_of_files', 'rule_types_of_verdicts',
           'header_evidence',
           'header_facts', 'hard_facts', 'soft_facts', 'lamps_on', 'lamp_facts',
           'exposure_range', 'near_archived_standard']


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


def header_metadata(spectrograph, headarr):
    """
    PypeIt's header metadata of one file, as ``pypeit_setup`` tabulates it.

    The loop body of ``PypeItMetaData._build`` (not strict, no user table): every
    metadata key of the spectrograph read with its ``get_meta_value``, ``#`` removed
    from strings. Giving it the headers PypeIt's reader already parsed
    (:attr:`pypeit_spit.io.loaded.LoadedFrame.headers`) spares reading the file
    again (a compressed file is decompressed to reach its later HDUs).

    Parameters
    ----------
    spectrograph : `pypeit.spectrographs.spectrograph.Spectrograph`
    headarr : list of `astropy.io.fits.Header` or None
        Every HDU's header (``spectrograph.get_headarr``); None, as for a file PypeIt
        cannot open, gives every key its empty value.

    Returns
    -------
    dict
        Metadata key -> value.
    """
    ignore_bad = _ignore_bad_headers(type(spectrograph))
    row = {}
    for key in spectrograph.meta.keys():
        value = spectrograph.get_meta_value(headarr, key, required=False, usr_row=None,
                                            ignore_bad_header=ignore_bad)
        if isinstance(value, str) and '#' in value:
            value = value.replace('#', '')
            log.warning(f'Removing troublesome # character from {key}.  Returning {value}.')
        row[key] = value
    return row


@functools.lru_cache(maxsize=16)
def _ignore_bad_headers(spectrograph_class):
    """The ``rdx.ignore_bad_headers`` default of a spectrograph (its parameters take
    ~8 ms to make: once per process)."""
    return bool(spectrograph_class.default_pypeit_par()['rdx']['ignore_bad_headers'])


def _metadata_table(spectrograph, files, metadata):
    """The columns of ``PypeItMetaData._build`` for ``files``: each file's metadata
    from ``metadata`` where given, else read from the file as PypeIt does."""
    keys = list(spectrograph.meta.keys())
    data = {k: [] for k in keys}
    data['directory'], data['filename'] = [], []
    for f, row in zip(files, metadata):
        path = Path(f).absolute()
        data['directory'].append(str(path.parent) or '.')
        data['filename'].append(path.name)
        if row is None:
            row = header_metadata(spectrograph, spectrograph.get_headarr(path, strict=False))
        for k in keys:
            data[k].append(row[k])
    try:
        Time(data['mjd'], format='mjd')
    except ValueError:
        bad = [f for f, m in zip(data['filename'], data['mjd']) if m is None]
        log.warning(f'Time invalid for {len(bad)} files.\nContinuing, but the following '
                    'frames either could not be opened, are empty, or have corrupt headers:\n'
                    + ''.join(f'    {f}\n' for f in bad))
    return data


def rule_types_of_verdicts(spectrograph, verdicts):
    """
    PypeIt's header-rule frame types of the frames SPIT gave verdicts on
    (:func:`rule_types_of_files`), with the header metadata read beside their pixels
    (:attr:`~pypeit_spit.pipeline.verdict.FrameVerdict.extra`, from
    :func:`header_metadata`).

    Only the frames SPIT could read are asked for: PypeIt's header reader is noisy
    on the others.

    Parameters
    ----------
    spectrograph : str or `pypeit.spectrographs.spectrograph.Spectrograph`
    verdicts : sequence of `~pypeit_spit.pipeline.verdict.FrameVerdict`

    Returns
    -------
    list of str or None
        Per verdict, as :func:`rule_types_of_files`; None for a frame SPIT could not
        read.
    """
    readable = [j for j, v in enumerate(verdicts) if not v.error]
    found = rule_types_of_files(get_spectrograph(spectrograph),
                                [verdicts[j].path for j in readable],
                                metadata=[verdicts[j].extra for j in readable])
    rules = [None] * len(verdicts)
    for j, r in zip(readable, found):
        rules[j] = r
    return rules


def rule_types_of_files(spectrograph, files, metadata=None):
    """
    PypeIt's header-rule frame types of raw files, as ``pypeit_setup`` would give
    them (without its side effects).

    Parameters
    ----------
    spectrograph : `pypeit.spectrographs.spectrograph.Spectrograph`
    files : sequence of str
    metadata : sequence of dict or None, optional
        Per file, its :func:`header_metadata` when already known (None: read from
        the file, as PypeIt does).

    Returns
    -------
    list of str or None
        Per file: comma-separated frame types, ``''`` when the rules give none, None
        when PypeIt could not tabulate the file's header.
    """
    from pypeit.metadata import PypeItMetaData
    key = {os.path.normpath(os.path.abspath(str(f))): j for j, f in enumerate(files)}
    metadata = [None] * len(files) if metadata is None else list(metadata)
    existing = [j for j, f in enumerate(files) if os.path.isfile(str(f))]
    out = [None] * len(files)
    if not existing:
        return out
    level = log.level
    log.setLevel(max(level, logging.WARNING))   # not a line per file: the table says it
    try:
        par = spectrograph.default_pypeit_par()
        # What PypeItMetaData(spectrograph, par, files=...) does, with the metadata
        # already read taken as it is.
        spectrograph.check_spectrograph(str(files[existing[0]]))
        data = _metadata_table(spectrograph, [str(files[j]) for j in existing],
                               [metadata[j] for j in existing])
        fitstbl = PypeItMetaData(spectrograph, par, data=data)
        bits = rule_bits(fitstbl)
    except Exception as exc:   # headers PypeIt cannot tabulate: no rules shown
        log.warning(f'PypeIt cannot tabulate these headers ({type(exc).__name__}: '
                    f'{" ".join(str(exc).split())}); no header rules shown')
        return out
    finally:
        log.setLevel(level)
    bm = fitstbl.type_bitmask
    for d, f, b in zip(fitstbl['directory'], fitstbl['filename'], bits):
        j = key.get(os.path.normpath(os.path.abspath(os.path.join(str(d), str(f)))))
        if j is not None:
            out[j] = ','.join(bm.flagged_bits(b))
    return out


def _float(value):
    try:
        out = float(value)
    except (TypeError, ValueError):
        return np.nan
    return out


@functools.lru_cache(maxsize=1)
def _standard_catalogue():
    """Coordinates of every star of PypeIt's standard archives (read once)."""
    from astropy import units
    from astropy.coordinates import SkyCoord
    from astropy.table import Table
    from pypeit import dataPaths
    from pypeit.core import standard
    ra, dec = [], []
    for archive in [*standard.get_archive_sets(), 'blackbody']:
        path = (dataPaths.standards / archive).get_file_path(f'{archive}_info.txt')
        table = Table.read(path, comment='#', format='ascii')
        ra.extend(str(v) for v in table['RA_2000'])
        dec.extend(str(v) for v in table['DEC_2000'])
    return SkyCoord(ra, dec, unit=(units.hourangle, units.deg))


def near_archived_standard(ra, dec, radius):
    """
    Whether a pointing lies within ``radius`` of a star of PypeIt's standard archives
    (the test of ``pypeit.core.standard.get_archive_standard(..., check=True)``, with
    the archives read once per process).

    Parameters
    ----------
    ra, dec : float
        Degrees.
    radius : float
        Arcmin.

    Returns
    -------
    bool
    """
    from astropy import units
    from astropy.coordinates import SkyCoord
    catalogue = _standard_catalogue()
    sep = SkyCoord(ra * units.deg, dec * units.deg).separation(catalogue)
    return bool(np.min(sep.to_value(units.arcmin)) < radius)


def header_evidence(fitstbl, row, radius=DEFAULTS.std_radius):
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
        ``'standard'`` (the pointing is within ``radius`` of an archived standard,
        PypeIt's own test in ``vet_assigned_ftypes``), ``'science'`` (a valid
        pointing far from every archived standard and the exposure time only in the
        science range), or None (no strong evidence).
    note : str
        What was found.
    """
    from pypeit.core import framematch
    keys = fitstbl.keys()
    ra = _float(fitstbl['ra'][row]) if 'ra' in keys else np.nan
    dec = _float(fitstbl['dec'][row]) if 'dec' in keys else np.nan
    exptime = _float(fitstbl['exptime'][row]) if 'exptime' in keys else np.nan
    near = None
    if np.isfinite(ra) and np.isfinite(dec):
        try:
            near = near_archived_standard(ra, dec, radius)
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
    if near:
        return 'standard', note
    if near is False and sci_time:
        return 'science', note
    return None, note


def exposure_range(fitstbl, frametype):
    """
    PypeIt's exposure-time range of a frame type for this spectrograph and setup.

    Parameters
    ----------
    fitstbl : `pypeit.metadata.PypeItMetaData`
    frametype : str
        A PypeIt frame type (``'science'``, ``'bias'``, ``'pixelflat'``...).

    Returns
    -------
    list
        ``[low, high]`` (either may be None: no limit); low exclusive, high inclusive.
    """
    if frametype == 'science':
        return fitstbl.par['scienceframe']['exprng']
    return fitstbl.par['calibrations'][f'{frametype}frame']['exprng']


def _exposure_fits(fitstbl, row, classes, types_for):
    """
    The frame's exposure time and, per class, whether it lies in the class's PypeIt
    range (that of its first frame type; True for a class of no type); an empty list
    when the header gives no exposure time.
    """
    from pypeit.core import framematch
    exptime = _float(fitstbl['exptime'][row]) if 'exptime' in fitstbl.keys() else np.nan
    if not np.isfinite(exptime):
        return exptime, []
    t = np.array([exptime], dtype=object)
    fits_ = []
    for c in classes:
        types = types_for(c)
        fits_.append(not types or bool(framematch.check_frame_exptime(
            t, exposure_range(fitstbl, types[0]))[0]))
    return exptime, fits_


def header_facts(fitstbl, row, classes, types_for, std_radius=DEFAULTS.std_radius,
                 exptime_mismatch=DEFAULTS.exptime_mismatch, use_pointing=True):
    """
    What the sturdy header facts of one frame say about each class.

    The exposure time (written by the controller) against each class's PypeIt
    exposure range (and a zero exposure against every class but bias: no light reached
    the detector), and the pointing against PypeIt's archive of spectrophotometric
    standards (:func:`header_evidence`).

    Parameters
    ----------
    fitstbl : `pypeit.metadata.PypeItMetaData`
    row : int
    classes : sequence of str
    types_for : callable
        Class -> PypeIt frame types (the instrument's map); the first type's exposure
        range is the class's.
    std_radius : float, optional
        Matching radius to archived standards (arcmin).
    exptime_mismatch : float, optional
        Plausibility of a class whose exposure range excludes the frame's exposure time.
    use_pointing : bool, optional
        Let the pointing and exposure time settle science against standard.

    Returns
    -------
    plausibility : `numpy.ndarray`
        One value per class in (0, 1]: 1 where nothing objects. The class the
        pointing settles on (``on_sky``) is not held to its exposure range (PypeIt's
        standard range is a convention that long standards break).
    on_sky : str or None
        ``'science'`` or ``'standard'`` when the evidence settles between the two.
    note : str
        What was found.
    """
    plaus = np.ones(len(classes))
    exptime, in_range = _exposure_fits(fitstbl, row, classes, types_for)
    notes = []
    if in_range:
        outside = []
        for i, c in enumerate(classes):
            if not in_range[i]:
                plaus[i] = exptime_mismatch
                outside.append(c)
        if exptime <= 0:
            # No light reached the detector: only a bias (a "zero") is plausible.
            for i, c in enumerate(classes):
                if c != 'bias' and plaus[i] == 1.0:
                    plaus[i] = exptime_mismatch
                    outside.append(c)
        notes.append(f'exptime {exptime:g} s' + (f' outside the {"/".join(outside)} range'
                                                 if outside else ''))
    on_sky = None
    if use_pointing:
        on_sky, note = header_evidence(fitstbl, row, radius=std_radius)
        notes.append(note)
        if on_sky is not None:
            plaus[list(classes).index(on_sky)] = 1.0
    return plaus, on_sky, '; '.join(notes)


def lamps_on(fitstbl, status):
    """
    Whether each frame's header says a lamp of a kind is on, as the spectrograph itself
    reads its lamp cards (its ``lamps(fitstbl, status)``, used by its own
    ``check_frame_type``).

    Parameters
    ----------
    fitstbl : `pypeit.metadata.PypeItMetaData`
    status : str
        ``'arcs'`` (line lamps) or ``'dome'`` (flat-field lamps).

    Returns
    -------
    `numpy.ndarray` of bool or None
        None where the spectrograph has no such reading of its lamp cards.
    """
    lamps = getattr(fitstbl.spectrograph, 'lamps', None)
    if lamps is None:
        return None
    try:
        out = np.asarray(lamps(fitstbl.table, status), dtype=bool)
    except Exception as exc:   # lamp cards absent or unreadable: no fact
        log.debug(f'{status} lamp status unknown: {type(exc).__name__}: {exc}')
        return None
    return out if out.shape == (len(fitstbl),) else None


def lamp_facts(fitstbl):
    """
    The lamp readings :func:`hard_facts` uses, for every frame of a table.

    Parameters
    ----------
    fitstbl : `pypeit.metadata.PypeItMetaData`

    Returns
    -------
    dict
        ``{'arc': ..., 'flat': ...}``: :func:`lamps_on` of the table for the line
        lamps (``'arcs'``) and the flat-field lamps (``'dome'``), each None where the
        spectrograph has no such reading.
    """
    return {'arc': lamps_on(fitstbl, 'arcs'), 'flat': lamps_on(fitstbl, 'dome')}


def _closed(value):
    return str(value).strip().lower() in ('closed', 'close', 'shut')


def hard_facts(fitstbl, row, classes, types_for, lamps=None):
    """
    The classes one frame's own header excludes: facts no model may overrule.

    * The **exposure time** (written by the controller) outside a class's PypeIt
      exposure range (that of the class's first PypeIt type;
      :func:`exposure_range`); science and standard are told apart by their ranges
      only by convention (long standards, short science frames exist), so for them
      the range is the union of both. No exposure (0 s): only a bias.
    * The **hatch or shutter** closed (PypeIt's ``hatch`` metadata, where the
      spectrograph records it): no sky frame (science, standard).
    * An **arc lamp on** (the spectrograph's own reading of its lamp cards,
      :func:`lamps_on`): only an arc, or a flat where a flat-field (dome) lamp is on
      too. A **flat-field lamp on** with no arc lamp: not an arc (SPIT's arc/flat
      confusion); it does not exclude a frame on sky, as a flat lamp card left on
      during a sky exposure is a header fault SPIT is there to find (measured: on 443
      simulated Kast frames with 30% header faults, excluding sky frames too turned 6
      of SPIT's right answers into conflicts typed as flats, and fixed none). Lamp
      cards are what observers' scripts get wrong, so these facts hold only where the
      exposure time allows the lamp's class; a card left *off* is no fact (arcs and
      flats with faulted cards are SPIT's to find).

    Facts that would exclude every class are not used (the message says so).

    Parameters
    ----------
    fitstbl, row, classes, types_for
        The table, the frame's row, the class names and the instrument's map of a
        class to its PypeIt frame types, as for :func:`header_facts`.
    lamps : dict or None, optional
        :func:`lamp_facts` of the table (computed here when None).

    Returns
    -------
    allowed : `numpy.ndarray` of bool
        One per class.
    note : str
        What excludes which class ('' when nothing is excluded).
    """
    keys = fitstbl.keys()
    allowed = np.ones(len(classes), dtype=bool)
    notes = []
    exptime, in_range = _exposure_fits(fitstbl, row, classes, types_for)
    if in_range:
        sky = any(ok for c, ok in zip(classes, in_range) if c in ON_SKY)
        out = []
        for i, c in enumerate(classes):
            ok = sky if c in ON_SKY else in_range[i]
            if exptime <= 0 and c != 'bias':
                ok = False
            if not ok:
                out.append(c)
        if len(out) < len(classes):
            for c in out:
                allowed[classes.index(c)] = False
            if out:
                notes.append(f'exptime {exptime:g} s excludes {"/".join(out)}')
    if 'hatch' in keys and _closed(fitstbl['hatch'][row]):
        sky = [c for c in ON_SKY if c in classes and allowed[classes.index(c)]]
        if sky and len(sky) < allowed.sum():
            for c in sky:
                allowed[classes.index(c)] = False
            notes.append(f'hatch closed excludes {"/".join(sky)}')
    if lamps is None:
        lamps = lamp_facts(fitstbl)
    lit = [c for c in ('arc', 'flat') if c in classes and lamps.get(c) is not None
           and bool(lamps[c][row])]
    for c in lit:
        if not allowed[classes.index(c)]:
            notes.append(f"{c} lamp card on, but the exposure time is no {c}'s: card "
                         'ignored')
    lit = [c for c in lit if allowed[classes.index(c)]]
    if 'arc' in lit:          # an arc (or a flat, its lamp on too): nothing else
        out = [c for i, c in enumerate(classes) if c not in lit and allowed[i]]
    elif lit:                 # a flat lamp alone: no arc
        out = [c for c in ('arc',) if c in classes and allowed[classes.index(c)]]
    else:
        out = []
    if len(out) >= allowed.sum():   # nothing would be left: no fact
        out = []
    for c in out:
        allowed[classes.index(c)] = False
    if out:
        notes.append(f'{"/".join(lit)} lamp on excludes {"/".join(out)}')
    return allowed, '; '.join(notes)


def soft_facts(row, classes, rules_classes, lamps):
    """
    The classes one frame's header speaks against without excluding them: SPIT may not
    *override* the header rules with such a class; where it says one, the frame is a
    conflict typed as the rules type it (visible, for the user to settle).

    * **No lamp on** (the spectrograph's own reading of its line and flat-field lamp
      cards, :func:`lamp_facts`, says every lamp is off) on a frame the header rules
      type as a sky frame (science, standard only): speaks against an arc and a flat
      (those of them whose lamp the spectrograph reads).

    Not a hard fact: a lamp card left *off* on a real arc or flat is the very header
    fault SPIT is there to find. Soft facts bind a model only when the run's hard facts
    give reason to doubt it (:func:`pypeit_spit.integration.frametypes.doubt_of_model`):
    a model that lies (an arc at p = 1 for every frame) then never retypes a standard
    with every lamp off without a flag (issue 24), while a sound model keeps fixing
    faulted lamp cards (measured with ``benchmarks/setup_typing.py``: binding every
    model turned 13 of the 27 real Kast-blue frames with faulted lamp cards from right
    into conflicts).

    Parameters
    ----------
    row : int
        The frame's row in the table of ``lamps``.
    classes : sequence of str
    rules_classes : collection of str
        The classes of the types the header rules give the frame.
    lamps : dict
        :func:`lamp_facts` of the table.

    Returns
    -------
    doubted : `numpy.ndarray` of bool
        One per class: True where a soft fact speaks against it.
    note : str
        Which fact, against which classes ('' when none).
    """
    doubted = np.zeros(len(classes), dtype=bool)
    rules_classes = set(rules_classes)
    if not rules_classes or not rules_classes <= set(ON_SKY):
        return doubted, ''
    read = [c for c in ('arc', 'flat') if c in classes and lamps.get(c) is not None]
    if not read or any(bool(lamps[c][row]) for c in read):
        return doubted, ''
    for c in read:
        doubted[list(classes).index(c)] = True
    return doubted, (f'no lamp on ({"/".join(read)} lamp cards off) on a frame the rules '
                     f'type {"/".join(sorted(rules_classes))}: no {"/".join(read)} '
                     'without a flag')
