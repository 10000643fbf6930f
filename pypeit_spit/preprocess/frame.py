"""
The whole pre-processing flow of a canonical image (spectral axis horizontal, as
:mod:`pypeit_spit.io.load` reads it): trimmed -> resized -> ZSCALE -> uint8.

Each stage lives in its own module (:mod:`~.trim`, :mod:`~.resize`, :mod:`~.scale`,
:mod:`~.stats`); this module chains them. Reading a file is not done here
(:func:`pypeit_spit.pipeline.prepare.prepare_frame` reads, then calls this).
"""
import numpy as np

from pypeit_spit.preprocess.contract import CONTRAST, IMAGE_SHAPE
from pypeit_spit.preprocess.resize import resize
from pypeit_spit.preprocess.scale import to_uint8, zscale_limits
from pypeit_spit.preprocess.trim import TrimError, trim_columns, trim_rows

__all__ = ['preprocess_image']


def preprocess_image(image, bias_level=None, trim_overscan=False, shape=IMAGE_SHAPE,
                     contrast=CONTRAST, overwrite=False):
    """
    Pre-process a canonical image as Jankov & Prochaska (2018) describe.

    Parameters
    ----------
    image : `numpy.ndarray`
        Canonical image (spectral axis horizontal).
    bias_level : float or None, optional
        Level already subtracted from ``image`` (added back for the trimming ratios,
        which were defined on raw counts).
    trim_overscan : bool, optional
        Also trim overscan-like columns at the spectral ends (for frames whose data
        sections are unknown).
    shape : tuple, optional
        Output shape.
    contrast : float, optional
        ZSCALE contrast.
    overwrite : bool, optional
        ``image`` may be overwritten (when it is a float64 array): the level is added
        back in place instead of in a copy (one full-frame array less in memory; same
        result).

    Returns
    -------
    uint8 : `numpy.ndarray` of uint8
        The network's image.
    trimmed : `numpy.ndarray` of float32
        The trimmed full-resolution image (same zero level as ``image``), as
        :func:`~pypeit_spit.preprocess.resize.resize` and
        :func:`~pypeit_spit.preprocess.stats.frame_stats` take it.
    rows : slice
        Rows kept.

    Raises
    ------
    TrimError
        When the image is too small after trimming.
    """
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise TrimError(f'expected a 2-D image, got {image.ndim} dimensions')
    if min(image.shape) < 8:
        raise TrimError(f'image of {image.shape[0]}x{image.shape[1]} pixels is too small')
    offset = bias_level or 0.0
    # Without a level to add back, work on ``image`` itself (no full-frame copies).
    if offset and overwrite:
        image += offset           # ``image`` is float64 here (a copy unless it was)
        work = image
    else:
        work = image + offset if offset else image
    if trim_overscan:
        work, _ = trim_columns(work)
    work, rows = trim_rows(work)
    # float32, as resize and the statistics take it (converted once)
    trimmed = np.asarray(work - offset if offset else work, dtype=np.float32)
    small = resize(trimmed, shape)
    z1, z2 = zscale_limits(small, contrast=contrast)
    return to_uint8(small, z1, z2), trimmed, rows
