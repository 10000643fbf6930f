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

Tiles that need a look come first, marked (:data:`FLAGGED`: the outcomes of
:data:`pypeit_spit.vocab.NEEDS_A_LOOK`, and ``spit`` where SPIT overruled the header
rules), each group in night order.
"""
import hashlib
import html
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import numpy as np
from pypeit import log

from pypeit_spit.atomic import write_text
from pypeit_spit.errors import PypeItFileError, UsageError
from pypeit_spit.integration.config import instrument_config
from pypeit_spit.integration.frametypes import type_frames
from pypeit_spit.integration.pypeit_file import _modes, file_metadata, read_pypeit_file
from pypeit_spit.io.paths import display_names, expand_paths
from pypeit_spit.io.paths import path_key as _key
from pypeit_spit.io.spectrograph import get_spectrograph
from pypeit_spit.model.store import get_model
from pypeit_spit.pipeline.classify import READ_BATCH, classify_files
from pypeit_spit.preprocess.contract import IMAGE_SHAPE
from pypeit_spit.report.png import (caption_text, frame_stem, grey_rgb, write_array_png,
                                    write_exact_png)
from pypeit_spit.vocab import (NEEDS_A_LOOK, OUTCOME_MEANINGS, OUTCOMES, UNKNOWN,
                               class_of_frametypes, format_prob)

__all__ = ['STATUSES', 'FLAGGED', 'Frame', 'Gallery', 'classify_frames', 'display_names',
           'split_inputs', 'thumbnail_name', 'Thumbnails', 'sheet_shrink', 'build_gallery',
           'write_html', 'write_contact_sheet']

#: Statuses (outcomes) that are shown first and marked, in this order: those that
#: need the user's look (:data:`pypeit_spit.vocab.NEEDS_A_LOOK`), then SPIT's
#: overrulings of the header rules.
FLAGGED = NEEDS_A_LOOK + ('spit',)

#: Statuses in display order.
STATUSES = FLAGGED + tuple(o for o in OUTCOMES if o not in FLAGGED)

#: Colour of each status (tile border and label).
COLOURS = {'conflict': '#d62728', 'spit': '#1f77b4', 'unknown': '#e67e00',
           'unreadable': '#6a3d9a', 'flagged': '#8c564b', 'agree': '#2ca02c',
           'rules': '#7f7f7f', 'user': '#17becf'}

#: What each status means (page legend).
MEANINGS = dict(OUTCOME_MEANINGS)

#: Name of the page, the contact sheet and the thumbnail folder in the output folder.
INDEX_NAME = 'index.html'
SHEET_NAME = 'contact_sheet.png'
THUMBS_DIR = 'thumbs'


@dataclass
class Frame:
    """
    One frame of the night, as shown.

    Attributes
    ----------
    name : str
        Display name (relative to the folder given, or the ``.pypeit`` row's name).
    path : str or None
        The file read (None when a ``.pypeit`` row's file is missing).
    order : int
        Position in the night (input order, a folder's files in natural order).
    thumb : str or None
        Thumbnail, relative to the output folder (None when unreadable).
    spit_class : str
        SPIT's answer from the pixels, or ``unknown``.
    prob : float
        Its probability (of the most-voted class when Unknown).
    best : str
        The most-voted class when SPIT answered Unknown ('' otherwise).
    votes : int
        Votes of the four copies for the most-voted class.
    loader : str
        Which loader read the pixels.
    rules_type : str or None
        PypeIt's header-rule types (``None`` string when untyped); None when no
        spectrograph.
    file_type : str or None
        The ``.pypeit`` row's ``frametype``; None when not from a ``.pypeit`` file.
    commented : bool
        The ``.pypeit`` row is commented out.
    error : str
        Why the frame could not be read ('' when read).
    status : str
        One of :data:`STATUSES` (the outcomes of :data:`pypeit_spit.vocab.OUTCOMES`).
    decided : str
        The type ``pypeit_spit_setup`` would give, with who decided (``spit``,
        ``rules``...), from :func:`~pypeit_spit.integration.frametypes.type_frames`;
        '' when no spectrograph.
    reason : str
        Why it was decided so.
    evidence : str
        The header facts that were weighed.
    notes : list of str
        Why the status.
    outcome : str
        The typing's outcome ('' without a spectrograph).
    typed : str
        The type the typing gives ('' without a spectrograph).
    flag : str
        SPIT's quality flag (pixels that are no calibration).
    mode : str
        The ``.pypeit`` row's ``spit`` column.
    no_image : str
        Why a frame that was read has no image on its tile (e.g. its file changed
        since it was catalogued: ``pypeit_spit_archive --gallery``); '' otherwise.
    """
    name: str
    path: str | None
    order: int
    thumb: str | None = None
    spit_class: str = UNKNOWN
    prob: float = 0.0
    votes: int = 0
    loader: str = ''
    rules_type: str | None = None
    file_type: str | None = None
    commented: bool = False
    error: str = ''
    status: str = 'spit'
    best: str = ''
    decided: str = ''
    reason: str = ''
    evidence: str = ''
    notes: list = field(default_factory=list)
    outcome: str = ''
    typed: str = ''
    flag: str = ''
    mode: str = 'auto'
    no_image: str = ''

    @property
    def flagged(self):
        """Whether the frame is shown first and marked."""
        return self.status in FLAGGED


@dataclass
class Gallery:
    """
    What :func:`build_gallery` wrote.

    Attributes
    ----------
    frames : list of Frame
        In display order (flagged first).
    outdir : `pathlib.Path`
    index : `pathlib.Path`
        The HTML page.
    contact_sheet : `pathlib.Path`
    spectrograph : str or None
    source : str
        What was shown (folders, or the ``.pypeit`` file).
    model : str
        The model's name.
    """
    frames: list
    outdir: Path
    index: Path
    contact_sheet: Path
    spectrograph: str | None = None
    source: str = ''
    model: str = ''

    def count(self, status):
        """Number of frames with a status."""
        return sum(f.status == status for f in self.frames)

    @property
    def n_unreadable(self):
        """Number of frames that could not be read."""
        return self.count('unreadable')


# ----------------------------------------------------------------------- typing


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


def thumbnail_name(path):
    """
    The thumbnail file name of a frame: its stem and a hash of its absolute path,
    so that two files of the same name in different folders do not collide.

    Parameters
    ----------
    path : str

    Returns
    -------
    str
    """
    stem = re.sub(r'[^A-Za-z0-9._-]+', '_', frame_stem(path))[:60] or 'frame'
    digest = hashlib.sha1(_key(path).encode('utf-8', 'surrogateescape')).hexdigest()[:10]
    return f'{stem}-{digest}.png'


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
    paths = _table_paths(fitstbl)
    column = None if modes is None else [modes.get(_key(p), 'auto') for p in paths]
    current = None if modes is None else [modes.get(('frametype', _key(p)), '')
                                          for p in paths]
    result = type_frames(fitstbl, [verdicts[_key(p)] for p in paths], config=cfg,
                         spit_column=column, current=current)
    return {_key(p): result.table[j] for j, p in enumerate(_table_paths(fitstbl))}


def _bare(name):
    """A data-block file name without its comment mark."""
    return str(name).strip().lstrip('#').strip()


def _table_paths(fitstbl):
    """The files of a PypeIt metadata table, as type_frames reads them."""
    return [os.path.join(str(d), _bare(f))
            for d, f in zip(fitstbl['directory'], fitstbl['filename'])]


def split_inputs(items):
    """
    Split the command's inputs into a ``.pypeit`` file or raw folders/files.

    Parameters
    ----------
    items : sequence of str or `pathlib.Path`

    Returns
    -------
    pypeit_file : str or None
    items : list of str

    Raises
    ------
    pypeit_spit.errors.UsageError
        A ``.pypeit`` file given with other inputs.
    """
    items = [str(i) for i in items]
    pfiles = [i for i in items if i.lower().endswith('.pypeit')]
    if pfiles and len(items) > 1:
        raise UsageError('give either one .pypeit file or raw folders/files, not both '
                         f'(got {len(items)} inputs)')
    return (pfiles[0] if pfiles else None), items


class Thumbnails:
    """
    Writes each frame's thumbnail (:func:`thumbnail_name`, under ``OUTDIR/thumbs``) and
    keeps a copy shrunk ``shrink`` times for the contact sheet (:attr:`small`, by
    position in ``frames``).

    Parameters
    ----------
    outdir : str or `pathlib.Path`
    frames : list of Frame
        ``self(i, prepared)`` sets ``frames[i].thumb``.
    shrink : int
        :func:`sheet_shrink` of the night.
    """

    def __init__(self, outdir, frames, shrink):
        self.dir = Path(outdir) / THUMBS_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        self.frames = frames
        self.shrink = shrink
        self.small = {}

    def __call__(self, i, prep):
        name = thumbnail_name(prep.path)
        write_exact_png(prep.image, self.dir / name)
        self.frames[i].thumb = f'{THUMBS_DIR}/{name}'
        self.small[i] = _shrink(prep.image, self.shrink)


def sheet_shrink(n):
    """
    Contact-sheet reduction of a night of ``n`` frames: half size, a third for big
    nights (>120 frames).

    Parameters
    ----------
    n : int

    Returns
    -------
    int
    """
    return 2 if n <= 120 else 3


def _shrink(image, k):
    """k x k box average (210x650 -> 105x325 for k=2), as uint8."""
    img = np.asarray(image, dtype=np.float32)
    r, c = img.shape[0] // k * k, img.shape[1] // k * k
    img = img[:r, :c].reshape(r // k, k, c // k, k).mean(axis=(1, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


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
        frames, fitstbl, spec, source = _from_pypeit_file(pfile, spectrograph)
    else:
        frames, source = _from_raw(items)
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
                fitstbl = _metadata_for_files(spec, existing) if existing else None
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


def _from_raw(items):
    """Frames of raw folders/files: night order, names relative to the folders given."""
    paths, bases, seen = [], [], set()
    for item in items:
        p = Path(item)
        bases.append(str(p) if p.is_dir() else str(p.parent))
    for path in expand_paths(items):
        key = _key(path)
        if key in seen:
            continue
        seen.add(key)
        paths.append(key)
    names = display_names(paths, bases)
    frames = [Frame(name=n, path=p, order=k) for k, (n, p) in enumerate(zip(names, paths))]
    return frames, ', '.join(str(i) for i in items)


def _data_file(pf, name):
    """A data-block file on disk, searched as PypeIt searches (None when missing)."""
    for p in (pf.file_paths or ['']):
        cand = os.path.join(p, name)
        if os.path.isfile(cand):
            return cand
    return None


def _from_pypeit_file(pfile, spectrograph):
    """Frames of a .pypeit file's data block, with its metadata."""
    import copy

    pf = read_pypeit_file(pfile)
    modes = _modes(pf, pfile)
    names = [_bare(n) for n in pf.data['filename']]
    keep = [r for r, n in enumerate(names) if _data_file(pf, n) is not None]
    if not keep:
        raise PypeItFileError(f'{pfile}: none of the data-block files exists')
    # PypeIt refuses a file whose raw files are not all there: build the metadata of
    # the rows that are, and show the others as unreadable.
    sub = pf
    if len(keep) < len(names):
        sub = copy.copy(pf)
        sub.data = pf.data[keep]
    fitstbl, order, _ = file_metadata(sub, pfile)
    spec = fitstbl.spectrograph
    if spectrograph is not None and str(spectrograph) != spec.name:
        raise UsageError(f'{pfile}: the file is for {spec.name}, not {spectrograph} '
                         '(the spectrograph is taken from the file)')
    found = {keep[int(r)]: _key(p) for r, p in zip(order, _table_paths(fitstbl))}
    frames = []
    for r, (name, ftype) in enumerate(zip(pf.data['filename'], pf.data['frametype'])):
        f = Frame(name=names[r], path=found.get(r), order=r, file_type=str(ftype),
                  commented=str(name).strip().startswith('#'), mode=modes[r])
        if f.path is None:
            f.error = 'raw file not found in the data-block paths'
        if f.commented:
            f.notes.append('row commented out')
        frames.append(f)
    return frames, fitstbl, spec, str(pfile)


# ----------------------------------------------------------------------- output


def _spit_text(f):
    if f.error:
        return '—'
    if f.spit_class == UNKNOWN and f.best:
        return f'{UNKNOWN} (best {f.best} {format_prob(f.prob)}, {f.votes}/4)'
    return f'{f.spit_class} {format_prob(f.prob)} ({f.votes}/4)'


_CSS = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 16px;
       background: #fafafa; color: #111; }
h1 { font-size: 20px; margin: 0 0 6px 0; }
h2 { font-size: 16px; margin: 18px 0 8px 0; }
p { margin: 4px 0; font-size: 13px; }
.legend span.badge { margin-right: 4px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr));
         gap: 10px; }
figure.tile { margin: 0; background: #fff; border: 2px solid #ccc; padding: 4px;
              position: relative; }
figure.tile img, figure.tile .noimage { display: block; width: 100%; height: auto;
              image-rendering: pixelated; }
figure.tile .noimage { aspect-ratio: 650 / 210; background: repeating-linear-gradient(
              45deg, #eee, #eee 8px, #ddd 8px, #ddd 16px); color: #333;
              font-size: 12px; overflow: hidden; padding: 6px; box-sizing: border-box; }
figcaption { font-size: 12px; padding-top: 3px; }
figcaption .name { font-weight: bold; word-break: break-all; }
figcaption dl { margin: 2px 0; display: grid; grid-template-columns: auto 1fr;
                column-gap: 6px; }
figcaption dt { color: #555; } figcaption dd { margin: 0; }
figcaption .note { color: #333; font-style: italic; }
.badge { display: inline-block; font-size: 11px; font-weight: bold; color: #fff;
         padding: 1px 6px; border-radius: 3px; text-transform: uppercase; }
table.frames { border-collapse: collapse; font-size: 12px; }
table.frames td, table.frames th { border: 1px solid #ccc; padding: 2px 6px;
                                   text-align: left; }
"""


def _status_css():
    """Border of the flagged tiles and colour of every badge, from :data:`COLOURS`."""
    lines = [f'figure.tile.{s} {{ border: 6px solid {COLOURS[s]}; }}' for s in FLAGGED]
    lines += [f'.badge.{s} {{ background: {COLOURS[s]}; }}' for s in STATUSES]
    return '\n'.join(lines) + '\n'


def _escape(text):
    """Text for the page: valid UTF-8 (a name's bytes that are not as ``\\xNN``), no
    control character, HTML-escaped."""
    return html.escape(caption_text(text))


def _tile_html(f, rules, pfile):
    e = _escape
    hover = '; '.join(t for t in (f.reason, f.evidence) if t)
    lines = [f'<figure class="tile {f.status}" id="frame-{f.order}" '
             f'data-status="{f.status}" data-name="{e(f.name)}"'
             + (f' title="{e(hover)}"' if hover else '') + '>',
             f'<span class="badge {f.status}">{f.status}</span>']
    if f.thumb:
        lines.append(f'<img src="{e(quote(f.thumb))}" width="650" height="210" '
                     f'alt="{e(f.name)}: the 210x650 image the network sees">')
    else:
        why = f.no_image or f'not readable: {f.error}'
        lines.append(f'<div class="noimage">{e(why)}</div>')
    lines.append(f'<figcaption><div class="name">{e(f.name)}</div><dl>')
    lines.append(f'<dt>SPIT</dt><dd class="spit">{e(_spit_text(f))}</dd>')
    if rules:
        lines.append(f'<dt>rules</dt><dd class="rules">{e(str(f.rules_type or "—"))}</dd>')
    if pfile:
        lines.append(f'<dt>file</dt><dd class="file">{e(str(f.file_type or "—"))}</dd>')
    if rules and f.decided:
        lines.append(f'<dt>decided</dt><dd class="decided">{e(f.decided)}</dd>')
    lines.append('</dl>')
    notes = ([f.error] if f.error else []) + list(f.notes)
    if notes:
        lines.append(f'<div class="note">{e("; ".join(notes))}</div>')
    lines.append('</figcaption></figure>')
    return '\n'.join(lines)


def write_html(gallery):
    """
    Write the gallery's page (``index.html``), atomically.

    The page needs no JavaScript and no network: CSS is inline and the images are
    the thumbnails next to it. Flagged tiles (disagree, unsure, unreadable) come
    first under their own heading, marked by a coloured border and a label; then
    the others; then a table of every frame in night order.

    Parameters
    ----------
    gallery : Gallery
    """
    e = _escape
    rules = gallery.spectrograph is not None
    pfile = any(f.file_type is not None for f in gallery.frames)
    flagged = [f for f in gallery.frames if f.flagged]
    others = [f for f in gallery.frames if not f.flagged]
    counts = ' · '.join(f'{gallery.count(s)} {s}' for s in STATUSES if gallery.count(s))
    if rules:
        orient = ('wavelength increases to the right (PypeIt orientation of '
                  f'{e(gallery.spectrograph)})')
    else:
        orient = ('spectral axis horizontal → (generic loader: which way wavelength '
                  'increases is not known)')
    compared = 'the header rules' + (' and the file' if pfile else '') if rules else None
    out = ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
           f'<title>SPIT gallery: {e(gallery.source)}</title>',
           f'<style>{_CSS}{_status_css()}</style>', '</head>', '<body>', '<header>',
           f'<h1>SPIT gallery: {e(gallery.source)}</h1>',
           f'<p class="summary">{len(gallery.frames)} frames: {e(counts)}</p>',
           f'<p>Spectrograph: {e(gallery.spectrograph or "none (generic loader)")} · '
           f'model: {e(gallery.model)}'
           + (f' · SPIT compared with {compared}' if compared else '') + '</p>',
           f'<p>Each image is what the network sees (210×650, ZSCALE); {orient}.</p>',
           ('<p>SPIT: its answer from the pixels, probability and votes of 4 copies; '
            "rules: PypeIt's header rules; "
            + ('file: the .pypeit file\'s frametype; ' if pfile else '')
            + 'decided: the type pypeit_spit_setup would give and who decided '
              '(hover a tile for the reason).</p>' if rules else ''),
           '<p class="legend">'
           + ' '.join(f'<span class="badge {s}">{s}</span> {e(MEANINGS[s])}.'
                      for s in STATUSES
                      if rules or s in ('spit', 'unknown', 'unreadable', 'flagged'))
           + '</p>',
           f'<p><a href="{SHEET_NAME}">Contact sheet (PNG)</a></p>', '</header>',
           f'<h2 id="flagged">Needs a look ({len(flagged)})</h2>',
           '<section class="tiles flagged">']
    out += [_tile_html(f, rules, pfile) for f in flagged]
    if not flagged:
        out.append('<p>Nothing: every frame was read and typed as '
                   + ('the header rules type it' if rules else 'SPIT decided') + '.</p>')
    out += ['</section>', f'<h2 id="others">{"Agree" if rules else "Typed"} '
            f'({len(others)})</h2>', '<section class="tiles others">']
    out += [_tile_html(f, rules, pfile) for f in others]
    out += ['</section>', '<h2 id="night">Night order</h2>',
            '<table class="frames"><thead><tr><th>#</th><th>file</th><th>status</th>'
            '<th>SPIT</th>' + ('<th>rules</th>' if rules else '')
            + ('<th>file frametype</th>' if pfile else '') + '</tr></thead><tbody>']
    for f in sorted(gallery.frames, key=lambda f: f.order):
        out.append(f'<tr><td>{f.order + 1}</td><td><a href="#frame-{f.order}">{e(f.name)}'
                   f'</a></td><td>{f.status}</td><td>{e(_spit_text(f))}</td>'
                   + (f'<td>{e(str(f.rules_type or "—"))}</td>' if rules else '')
                   + (f'<td>{e(str(f.file_type or "—"))}</td>' if pfile else '') + '</tr>')
    out += ['</tbody></table>', '</body>', '</html>', '']
    write_text(gallery.index, '\n'.join(out))


# Contact sheet geometry (pixels).
_PAD, _BORDER = 8, 4
_TEXT = 44                   # three caption lines
_HEAD = 36                   # title strip


def _rgb(colour):
    from matplotlib.colors import to_rgb
    return np.rint(np.array(to_rgb(colour)) * 255).astype(np.uint8)


def _short(text, n, middle=False):
    """Cut text to n characters: at the end, or in the middle (names)."""
    text = str(text)
    if len(text) <= n:
        return text
    if middle:
        head = (n - 1) // 2
        return text[:head] + '…' + text[-(n - 1 - head):]
    return text[:n - 1] + '…'


def _as_class(types):
    """PypeIt frame types as a class where they amount to one (for the sheet)."""
    return class_of_frametypes(types) or str(types)


def _draw_texts(canvas, texts, title):
    """Draw text (matplotlib, Agg) onto an RGB canvas in place."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    height, width = canvas.shape[:2]
    dpi = 100
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    fig.patch.set_alpha(0.0)
    fig.text(_PAD / width, 1 - (_HEAD / 2) / height, caption_text(title), fontsize=11,
             va='center', ha='left', fontweight='bold', parse_math=False)
    for x, y, text, colour, weight in texts:
        fig.text(x / width, 1 - y / height, caption_text(text), fontsize=7.5, va='center',
                 ha='left', color=colour, fontweight=weight, parse_math=False)
    agg = FigureCanvasAgg(fig)
    agg.draw()
    ink = np.asarray(agg.buffer_rgba())
    h, w = min(height, ink.shape[0]), min(width, ink.shape[1])
    ink = ink[:h, :w]
    # Only the inked pixels are blended (straight alpha), so the canvas is not copied.
    mask = ink[..., 3] > 0
    alpha = ink[..., 3][mask].astype(np.float32)[:, None] / 255.0
    region = canvas[:h, :w]
    region[mask] = np.rint(region[mask] * (1 - alpha)
                           + ink[..., :3][mask] * alpha).astype(np.uint8)


def write_contact_sheet(gallery, small, shrink=2):
    """
    Write the gallery's contact sheet (``contact_sheet.png``), atomically.

    Tiles in the page's order (flagged first), each the network's image shrunk
    ``shrink`` times, with a coloured border when flagged, and three lines: the
    name, SPIT's type and probability with the rules' (and the file's) type, and the
    status. The number of columns grows with the night, so that the sheet stays
    about three times taller than wide at most.

    Parameters
    ----------
    gallery : Gallery
    small : dict
        Frame order -> shrunk uint8 image (missing for unreadable frames).
    shrink : int, optional
        Reduction of the images in ``small`` (for the size of unreadable tiles).
    """
    frames = gallery.frames
    n = len(frames)
    tile_h, tile_w = IMAGE_SHAPE[0] // shrink, IMAGE_SHAPE[1] // shrink
    cell_w, cell_h = tile_w + 2 * _PAD, tile_h + _TEXT + 2 * _PAD
    ncols = max(4, math.ceil(math.sqrt(n * cell_h / (3.0 * cell_w))))
    ncols = min(ncols, max(n, 1))
    nrows = math.ceil(n / ncols)
    width, height = ncols * cell_w, _HEAD + nrows * cell_h
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    chars = max(24, int(tile_w / 5.6))       # caption characters that fit a tile
    texts = []
    for k, f in enumerate(frames):
        x0 = (k % ncols) * cell_w + _PAD
        y0 = _HEAD + (k // ncols) * cell_h + _PAD
        if f.flagged:
            canvas[max(y0 - _BORDER, 0):y0 + tile_h + _BORDER,
                   max(x0 - _BORDER, 0):x0 + tile_w + _BORDER] = _rgb(COLOURS[f.status])
        img = small.get(f.order)
        if img is not None:
            canvas[y0:y0 + img.shape[0], x0:x0 + img.shape[1]] = grey_rgb(img)
        else:
            canvas[y0:y0 + tile_h, x0:x0 + tile_w] = 225
            texts.append((x0 + 6, y0 + tile_h // 2, _short(f.no_image or f.error, chars - 6),
                          '#333333', 'normal'))
        parts = [f'SPIT {_spit_text(f)}']
        if f.rules_type is not None:
            parts.append(f'rules {_as_class(f.rules_type)}')
        if f.file_type is not None:
            parts.append(f'file {_as_class(f.file_type)}')
        ty = y0 + tile_h + _BORDER + 2
        texts.append((x0, ty + 6, _short(f.name, chars - 8, middle=True), '#000000',
                      'bold'))
        texts.append((x0, ty + 19, _short(' | '.join(parts), chars), '#000000', 'normal'))
        texts.append((x0, ty + 32, f.status.upper() if f.flagged else f.status,
                      COLOURS[f.status], 'bold'))
    counts = ', '.join(f'{gallery.count(s)} {s}' for s in STATUSES if gallery.count(s))
    title = _short(f'SPIT gallery: {gallery.source} ({n} frames: {counts})',
                   max(40, width // 8))
    _draw_texts(canvas, texts, title)
    write_array_png(canvas, gallery.contact_sheet)
