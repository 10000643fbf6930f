"""
The gallery's images: each frame's thumbnail, the exact 210x650 image the network
sees (:class:`Thumbnails`, named by :func:`thumbnail_name`), and the shrunk copy of it
that the contact sheet shows (:func:`sheet_shrink`).
"""
import hashlib
import re
from pathlib import Path

import numpy as np

from pypeit_spit.io.paths import path_key as _key
from pypeit_spit.report.gallery_frames import THUMBS_DIR
from pypeit_spit.report.png import frame_stem, write_exact_png

__all__ = ['thumbnail_name', 'Thumbnails', 'sheet_shrink']


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
