"""
A night at a glance: every frame as the network sees it, on one HTML page and one
PNG contact sheet, with SPIT's type, PypeIt's header-rule type (and a ``.pypeit``
file's own ``frametype``), the frames that need a look first.

Observers look at every frame of a night before reducing it. :func:`build_gallery`
classifies the frames with :func:`pypeit_spit.pipeline.classify.classify_files` (one pass:
pre-process in threads, the network in batches through
:func:`pypeit_spit.model.inference.infer`, the one inference path), writes each
210x650 image as a thumbnail (:func:`classify_frames`), and, when a spectrograph is
known, types the night with :func:`pypeit_spit.integration.frametypes.type_frames` on
PypeIt's metadata (built as ``PypeItSetup`` builds it, or from the ``.pypeit``
file). It then writes into the output folder::

    OUTDIR/index.html          the page (no JavaScript, no network resource)
    OUTDIR/contact_sheet.png   every tile on one image
    OUTDIR/thumbs/<stem>-<hash>.png   one image per readable frame

A frame's status is its outcome, a word of :data:`pypeit_spit.vocab.OUTCOMES`, the
same as ``pypeit_spit_setup`` writes in ``spit_src`` and ``pypeit_spit_check``
prints: with a spectrograph, the typing of
:func:`~pypeit_spit.integration.frametypes.type_frames` (for a ``.pypeit`` file,
honouring its ``spit`` column; a row whose ``frametype`` differs from the typing is a
``conflict``, as in ``pypeit_spit_check``); without one (no header rules), ``spit``
where SPIT answers, ``unknown`` where it does not, ``unreadable`` and ``flagged``.

Tiles that need a look come first, marked
(:data:`~pypeit_spit.report.gallery_frames.FLAGGED`: the outcomes of
:data:`pypeit_spit.vocab.NEEDS_A_LOOK`, and ``spit`` where SPIT overruled the header
rules), each group in night order.

This module is the entry point; the parts live beside it: the records and statuses
(:mod:`~pypeit_spit.report.gallery_frames`), the inputs as frames
(:mod:`~pypeit_spit.report.gallery_inputs`), the thumbnails
(:mod:`~pypeit_spit.report.thumbnails`), the page
(:mod:`~pypeit_spit.report.gallery_html`) and the contact sheet
(:mod:`~pypeit_spit.report.contact_sheet`).
"""
import os
from pathlib import Path

from pypeit import log

from pypeit_spit.errors import UsageError
from pypeit_spit.integration.config import instrument_config
from pypeit_spit.integration.frametypes import type_frames
from pypeit_spit.io.paths import path_key as _key
from pypeit_spit.io.spectrograph import get_spectrograph
from pypeit_spit.model.store import get_model
from pypeit_spit.pipeline.classify import READ_BATCH, classify_files
from pypeit_spit.report.contact_sheet import write_contact_sheet
from pypeit_spit.report.gallery_frames import INDEX_NAME, SHEET_NAME, STATUSES, Gallery
from pypeit_spit.report.gallery_html import write_html
from pypeit_spit.report.gallery_inputs import (frames_of_pypeit_file, frames_of_raw,
                                               metadata_of_files, split_inputs, table_paths)
from pypeit_spit.report.thumbnails import Thumbnails, sheet_shrink
from pypeit_spit.vocab import UNKNOWN, class_of_frametypes, format_prob

__all__ = ['classify_frames', 'build_gallery']


def classify_frames(files, spectrograph=None, model=None, threshold=None,
                    batch_size=READ_BATCH, workers=2, on_image=None, progress=False):
    """
    :func:`pypeit_spit.pipeline.classify.classify_files`, with each frame's pre-processed
    image handed to ``on_image``.

    The classification is ``classify_files``'s own (pre-processing in threads, the
    network in batches through :func:`~pypeit_spit.model.inference.infer`, the one
    inference path; the model loaded once), and the images come from its single pass.

    Parameters
    ----------
    files : sequence of str
        FITS files.
    spectrograph : str, Spectrograph or None, optional
    model : str, `pathlib.Path`, SpitModel or None, optional
    threshold : float or None, optional
    batch_size : int, optional
    workers : int, optional
    on_image : callable or None, optional
        ``on_image(i, prepared)`` for every frame read (possibly in a worker
        thread), with ``prepared`` a :class:`pypeit_spit.pipeline.prepare.Prepared`
        and ``i`` the frame's position in ``files``.
    progress : bool, optional
        ``classify_files``'s progress bar on stderr.

    Returns
    -------
    list of `~pypeit_spit.pipeline.verdict.FrameVerdict`
        ``classify_files``'s verdicts, one per file in ``files``.
    """
    files = [str(f) for f in files]
    if spectrograph is not None:
        spectrograph = get_spectrograph(spectrograph)
    return classify_files(files, spectrograph=spectrograph, model=model, threshold=threshold,
                          batch_size=batch_size, workers=workers, progress=progress,
                          on_prepared=on_image)


def _model_name(model):
    spit_model = get_model(model)
    if spit_model.path:
        return Path(str(spit_model.path)).stem
    return str(model) if isinstance(model, (str, Path)) else type(spit_model).__name__


def _set_status(frame):
    """A frame's status: the outcome of its typing (see the module docstring)."""
    if frame.error:
        frame.status = 'unreadable'
        return
    if frame.flag:
        frame.status = 'flagged'
        frame.notes.insert(0, frame.flag)
        return
    if frame.outcome:
        frame.status = frame.outcome
        if frame.file_type is not None and not frame.commented \
                and frame.outcome not in ('user', 'conflict') \
                and class_of_frametypes(frame.file_type) != class_of_frametypes(frame.typed):
            frame.status = 'conflict'
            frame.notes.insert(0, f'the .pypeit file says {frame.file_type}, the typing '
                                  f'{frame.typed} ({frame.outcome})')
        return
    if frame.spit_class == UNKNOWN:
        frame.status = 'unknown'
        why = 'too few votes' if frame.votes < 3 else 'probability below its cut'
        frame.notes.insert(0, f'SPIT unsure: {why} ({frame.votes}/4 votes, '
                              f'p={format_prob(frame.prob)})')
        return
    frame.status = 'spit'


def _fill_spit(frame, verdict):
    frame.spit_class = verdict.answer
    frame.prob = verdict.prob
    frame.votes = verdict.votes
    frame.loader = verdict.loader
    if verdict.error:
        frame.error = verdict.error
    elif verdict.flag:
        frame.flag = verdict.flag
    elif frame.spit_class == UNKNOWN and verdict.probs:
        # prob is then the most-voted class's: name it
        frame.best = min(verdict.probs, key=lambda c: abs(verdict.probs[c] - frame.prob))


def _fill_typing(frame, trow):
    """Take the header rules' type and the combined decision from type_frames."""
    frame.rules_type = str(trow['rules_type'])
    frame.outcome = str(trow['source'])
    frame.typed = str(trow['frametype'])
    frame.decided = f"{trow['frametype']} ({trow['source']})"
    frame.reason = str(trow['reason'])
    frame.evidence = str(trow['evidence'])


def _metadata_for_files(spec, files):
    """PypeIt's metadata for raw files, built as PypeItSetup builds it."""
    from pypeit.metadata import PypeItMetaData
    return PypeItMetaData(spec, spec.default_pypeit_par(), files=list(files), strict=False)


def _typing(fitstbl, cfg, verdicts, modes=None):
    """Run type_frames on a metadata table with SPIT's verdicts of the one pass already
    made (``verdicts``: by path key; ``modes``: each frame's ``spit`` column value, by
    path key)."""
    paths = table_paths(fitstbl)
    column = None if modes is None else [modes.get(_key(p), 'auto') for p in paths]
    current = None if modes is None else [modes.get(('frametype', _key(p)), '')
                                          for p in paths]
    result = type_frames(fitstbl, [verdicts[_key(p)] for p in paths], config=cfg,
                         spit_column=column, current=current)
    return {_key(p): result.table[j] for j, p in enumerate(table_paths(fitstbl))}


def build_gallery(inputs, outdir, spectrograph=None, model=None, threshold=None,
                  user_file=None, batch_size=None, workers=2, progress=False):
    """
    Write a night's gallery: ``index.html``, ``contact_sheet.png`` and thumbnails.

    Parameters
    ----------
    inputs : sequence of str or `pathlib.Path`
        Raw folders and/or FITS files, or one ``.pypeit`` file.
    outdir : str or `pathlib.Path`
        Output folder (created if needed).
    spectrograph : str or None, optional
        PypeIt spectrograph: the pixels are read as PypeIt reads them and the header
        rules are shown. For a ``.pypeit`` file it is taken from the file (a
        different one given here is an error). None (raw inputs): the generic
        loader, no header rules.
    model : str, `pathlib.Path`, SpitModel or None, optional
        None: the spectrograph's configured model, or the bundled default.
    threshold : float or None, optional
        Unknown cut replacing the model's (or the configured) one.
    user_file : str or None, optional
        pypeit-spit configuration file (with a spectrograph).
    batch_size : int or None, optional
        Frames per network call (None: configured, or the default).
    workers : int, optional
        Threads that read and pre-process frames.
    progress : bool, optional
        Show a progress bar on stderr while frames are read and classified.

    Returns
    -------
    Gallery

    Raises
    ------
    pypeit_spit.errors.UsageError
        Mixed or empty inputs, an unknown spectrograph.
    pypeit_spit.errors.PypeItFileError
        A ``.pypeit`` file that cannot be read, or none of whose files exists.
    pypeit_spit.errors.ModelError
        No usable model.
    """
    pfile, items = split_inputs(inputs)
    outdir = Path(outdir)
    if pfile is not None:
        frames, fitstbl, spec, source = frames_of_pypeit_file(pfile, spectrograph)
    else:
        frames, source = frames_of_raw(items)
        spec = None
        if spectrograph is not None:
            spec = get_spectrograph(spectrograph)
    if not frames:
        raise UsageError(f'{", ".join(str(i) for i in items)}: no FITS files to show')
    cfg = None
    if spec is not None:
        cfg = instrument_config(spec, user_file=user_file, enabled=True,
                                threshold=threshold, model=model)
        model, threshold = cfg.model, cfg.threshold
        batch_size = batch_size or cfg.batch_size
    batch_size = batch_size or READ_BATCH
    model_name = _model_name(model)     # fails early (exit 2) on a bad model
    outdir.mkdir(parents=True, exist_ok=True)

    # One classify_files pass (the model loaded once, the network in batches); each
    # frame's image becomes its thumbnail on the way.
    readable = [j for j, f in enumerate(frames) if f.path is not None and not f.error]
    shrink = sheet_shrink(len(frames))
    thumbs = Thumbnails(outdir, [frames[j] for j in readable], shrink)
    verdicts = classify_frames([frames[j].path for j in readable], spectrograph=spec,
                               model=model, threshold=threshold, batch_size=batch_size,
                               workers=workers, on_image=thumbs, progress=progress)
    small = {frames[readable[i]].order: img for i, img in thumbs.small.items()}
    by_key = {}
    for i, j in enumerate(readable):
        _fill_spit(frames[j], verdicts[i])
        by_key[_key(frames[j].path)] = verdicts[i]

    modes = None
    if pfile is not None:
        modes = {}
        for f in frames:
            if f.path is not None:
                modes[_key(f.path)] = f.mode
                modes[('frametype', _key(f.path))] = f.file_type
    if spec is not None:
        if pfile is None:
            existing = [f.path for f in frames if f.path is not None and os.path.isfile(f.path)]
            try:
                fitstbl = metadata_of_files(spec, existing) if existing else None
            except Exception as exc:    # headers PypeIt cannot tabulate: show SPIT only
                log.warning(f'PypeIt cannot build the metadata of these files '
                            f'({type(exc).__name__}: {exc}); no header rules shown')
                fitstbl = None
        if fitstbl is not None:
            # frames PypeIt tabulated but SPIT could not read still need a row
            typed = _typing(fitstbl, cfg, by_key, modes=modes)
            for f in frames:
                if f.path is not None and _key(f.path) in typed:
                    _fill_typing(f, typed[_key(f.path)])
    for f in frames:
        _set_status(f)
        if spec is not None and f.loader and not f.loader.startswith('pypeit:'):
            f.notes.append(f'read by the {f.loader} loader: not in PypeIt orientation')

    rank = {s: k for k, s in enumerate(STATUSES)}
    shown = sorted(frames, key=lambda f: (rank[f.status], f.order))
    gallery = Gallery(frames=shown, outdir=outdir, index=outdir / INDEX_NAME,
                      contact_sheet=outdir / SHEET_NAME,
                      spectrograph=None if spec is None else spec.name, source=source,
                      model=model_name)
    write_contact_sheet(gallery, small, shrink=shrink)
    write_html(gallery)
    counts = ', '.join(f'{gallery.count(s)} {s}' for s in STATUSES if gallery.count(s))
    log.info(f'{gallery.index}: {len(shown)} frames ({counts})')
    return gallery
