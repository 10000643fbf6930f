"""
What a night's gallery shows: one record per frame (:class:`Frame`), the gallery
written (:class:`Gallery`), the statuses a tile can have, in display order, with
their colours and meanings, and the names of what the gallery writes into its output
folder.

A frame's status is its outcome, a word of :data:`pypeit_spit.vocab.OUTCOMES`
(:mod:`pypeit_spit.report.gallery` says how it is chosen); the statuses of
:data:`FLAGGED` are shown first and marked.
"""
from dataclasses import dataclass, field
from pathlib import Path

from pypeit_spit.vocab import NEEDS_A_LOOK, OUTCOME_MEANINGS, OUTCOMES, UNKNOWN, format_prob

__all__ = ['FLAGGED', 'STATUSES', 'COLOURS', 'MEANINGS', 'INDEX_NAME', 'SHEET_NAME',
           'THUMBS_DIR', 'Frame', 'Gallery', 'spit_text']

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
    What :func:`~pypeit_spit.report.gallery.build_gallery` wrote.

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


def spit_text(f):
    """SPIT's answer on a frame, as its tile and the contact sheet show it."""
    if f.error:
        return '—'
    if f.spit_class == UNKNOWN and f.best:
        return f'{UNKNOWN} (best {f.best} {format_prob(f.prob)}, {f.votes}/4)'
    return f'{f.spit_class} {format_prob(f.prob)} ({f.votes}/4)'
