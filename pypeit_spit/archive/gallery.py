"""
One night of an archive's catalog at a glance (``pypeit_spit_archive --gallery``):
the page, contact sheet and thumbnails of ``pypeit_spit_gallery``
(:mod:`pypeit_spit.report.gallery`, its HTML and sheet unchanged), made from the
catalog's rows of that night instead of typing the night again.

Each tile shows what the catalog holds of its frame: SPIT's class, probability and
votes, the header rules' type, the decided type and who decided (the row's
``source``, the tile's status), the QA flag and the reason. Its thumbnail is made
again from the file, through the one reading pool
(:class:`pypeit_spit.pipeline.reader.Reader`, with the spectrograph and size limit the
night was typed with); a file that has moved, or whose size or modification time is
no longer the catalog's, gets no thumbnail: its tile says so (re-running the archive
types it again).
"""
import os
from collections import deque
from pathlib import Path

from pypeit import log

from pypeit_spit import stop
from pypeit_spit.archive.catalog import find_night, read_catalog
from pypeit_spit.archive.identify import GENERIC
from pypeit_spit.archive.night import TypingOptions, _iso
from pypeit_spit.console import progress as console_progress
from pypeit_spit.io.loaded import size_limit
from pypeit_spit.io.paths import display_names, natural_key
from pypeit_spit.io.spectrograph import get_spectrograph
from pypeit_spit.pipeline.reader import Reader
from pypeit_spit.report.contact_sheet import write_contact_sheet
from pypeit_spit.report.gallery_frames import INDEX_NAME, SHEET_NAME, STATUSES, Frame, Gallery
from pypeit_spit.report.gallery_html import write_html
from pypeit_spit.report.thumbnails import Thumbnails, sheet_shrink
from pypeit_spit.vocab import NEEDS_A_LOOK, UNKNOWN

__all__ = ['night_gallery', 'file_changed']


def file_changed(path, size, mtime_ns):
    """
    Why a catalogued file can no longer be shown as it was typed.

    Parameters
    ----------
    path : str
        The row's ``file``.
    size, mtime_ns : int
        The row's ``size`` and ``mtime_ns``.

    Returns
    -------
    str
        '' when the file is there with the same size and modification time; else
        what changed (moved or removed, its size, its modification time).
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return 'moved or removed since it was catalogued (no such file now)'
    except OSError as exc:
        return f'cannot be found as catalogued ({exc.strerror or type(exc).__name__})'
    changes = []
    if st.st_size != size:
        changes.append(f'size {size} -> {st.st_size} bytes')
    if st.st_mtime_ns != mtime_ns:
        changes.append(f'modified {_iso(mtime_ns)} -> {_iso(st.st_mtime_ns)}')
    if not changes:
        return ''
    return (f'changed since it was catalogued ({"; ".join(changes)}); re-run '
            'pypeit_spit_archive to type it again')


def _frame(row, name, order):
    """A gallery tile's frame from its catalog row."""
    pypeit = row['spectrograph'] not in (GENERIC, '')
    source = str(row['source'])
    f = Frame(name=name, path=str(row['file']), order=order,
              spit_class=str(row['spit_class']), prob=float(row['spit_prob']),
              votes=int(row['spit_votes']), loader=str(row['loader']),
              rules_type=str(row['rules_type']) if pypeit else None,
              decided=f"{row['decided']} ({source})", reason=str(row['reason']),
              outcome=source, typed=str(row['decided']), flag=str(row['flag']),
              status=source if source in STATUSES else 'unknown')
    if f.spit_class == UNKNOWN and source != 'unreadable':
        f.best = str(row['spit_voted'])
    if source == 'unreadable':
        f.error = f.reason or 'could not be read when it was catalogued'
    elif source == 'flagged' and f.flag:
        f.notes.append(f.flag)
    elif source in NEEDS_A_LOOK and f.reason:
        f.notes.append(f.reason)
    if pypeit and f.loader and not f.loader.startswith('pypeit:'):
        f.notes.append(f'read by the {f.loader} loader: not in PypeIt orientation')
    return f


class _Settings:
    """What each spectrograph's frames were read with (the spectrograph, the size
    limit of its configuration), as the archive run read them."""

    def __init__(self, user_file):
        self.options = TypingOptions(user_file=user_file)
        self.known = {}

    def __call__(self, name):
        if name not in self.known:
            cfg = self.options.config(name)
            spec = None if name == GENERIC else get_spectrograph(name)
            self.known[name] = (spec, size_limit(cfg.max_pixels))
        return self.known[name]


def _thumbnails(frames, rows, outdir, workers, user_file, progress):
    """Read the frames whose files are as catalogued through the reading pool and write
    their thumbnails; the small copies for the contact sheet, by frame order."""
    shrink = sheet_shrink(len(frames))
    thumbs = Thumbnails(outdir, frames, shrink)
    todo = []
    for k, (f, row) in enumerate(zip(frames, rows)):
        if f.error:
            continue
        f.no_image = file_changed(f.path, int(row['size']), int(row['mtime_ns']))
        if not f.no_image:
            todo.append(k)
    settings = _Settings(user_file)
    reader = Reader(workers, True, len(todo)) if todo else None
    bar = console_progress(len(todo), progress, desc='pypeit_spit_archive --gallery')
    pending = deque()
    ahead = 4 * workers
    try:
        for k in todo:
            spec, limit = settings(str(rows[k]['spectrograph']))
            pending.append((k, reader.submit(frames[k].path, spec, 1, limit)))
            if len(pending) < ahead:
                continue
            _one(frames, thumbs, reader, *pending.popleft())
            bar.update(1)
        while pending:
            _one(frames, thumbs, reader, *pending.popleft())
            bar.update(1)
    finally:
        if reader is not None:
            reader.close()
        bar.close()
    return {frames[k].order: img for k, img in thumbs.small.items()}, shrink


def _one(frames, thumbs, reader, k, handle):
    """The thumbnail of frame ``k`` (or why there is none)."""
    f = frames[k]
    prep, reason = reader.result(handle)
    stop.check()
    if prep is None:
        f.no_image = f'cannot be read now: {reason}'
        log.warning(f'{f.path}: {f.no_image}')
        return
    if f.loader and prep.loader != f.loader:
        f.notes.append(f'read now by the {prep.loader} loader, catalogued as read by '
                       f'{f.loader}')
    thumbs(k, prep)


def night_gallery(catalog, night, outdir, workers=1, user_file=None, progress=False):
    """
    Write the gallery of one night of an archive's catalog: ``index.html``,
    ``contact_sheet.png`` and thumbnails, as :func:`pypeit_spit.report.gallery.build_gallery`
    writes them, from the catalog's rows of that night.

    Parameters
    ----------
    catalog : str or `pathlib.Path`
        The catalog of ``pypeit_spit_archive``.
    night : str
        The night folder (:func:`pypeit_spit.archive.catalog.find_night`: as stored, a
        path to it, or the unique end of its path).
    outdir : str or `pathlib.Path`
        Output folder (created if needed).
    workers : int, optional
        Processes (or threads) that read the frames for their thumbnails.
    user_file : str or None, optional
        pypeit-spit configuration file the archive was typed with (for each
        spectrograph's size limit, so that a thumbnail is the image SPIT saw).
    progress : bool, optional
        A progress bar on a terminal while the frames are read.

    Returns
    -------
    `pypeit_spit.report.gallery_frames.Gallery`
        Its frames in display order (needs a look first), each with ``no_image`` set
        where the file is no longer as catalogued or cannot be read now.

    Raises
    ------
    pypeit_spit.errors.UsageError
        No such catalog, or no such night in it.
    """
    folder = find_night(catalog, night)
    rows = read_catalog(catalog, where='night = ?', params=[folder])
    # natural order (b2 before b10), as pypeit_spit_gallery lists a night
    rows = rows[sorted(range(len(rows)), key=lambda k: natural_key(Path(str(rows['file'][k]))))]
    names = display_names(list(rows['file']), [folder])
    frames = [_frame(row, name, k) for k, (row, name) in enumerate(zip(rows, names))]
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    small, shrink = _thumbnails(frames, rows, outdir, workers, user_file, progress)
    specs = sorted({str(s) for s in rows['spectrograph']} - {GENERIC, ''})
    models = sorted({f'{m} ({v})' for m, v in zip(rows['model'], rows['model_version']) if m})
    rank = {s: k for k, s in enumerate(STATUSES)}
    gallery = Gallery(frames=sorted(frames, key=lambda f: (rank[f.status], f.order)),
                      outdir=outdir, index=outdir / INDEX_NAME,
                      contact_sheet=outdir / SHEET_NAME,
                      spectrograph=', '.join(specs) or None,
                      source=f'{folder} (catalog {catalog})', model=', '.join(models))
    write_contact_sheet(gallery, small, shrink=shrink)
    write_html(gallery)
    return gallery
