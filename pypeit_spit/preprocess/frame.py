"""
The whole pre-processing flow: raw file -> canonical image -> trimmed -> resized ->
ZSCALE -> uint8, with the raw-pixel statistics.

Each stage lives in its own module (:mod:`~.load`, :mod:`~.trim`, :mod:`~.resize`,
:mod:`~.scale`, :mod:`~.stats`); this module chains them.
"""
from dataclasses import dataclass, field

import numpy as np

from pypeit_spit.errors import FrameError
from pypeit_spit.preprocess.contract import CONTRAST, IMAGE_SHAPE
from pypeit_spit.preprocess.load import load_frame
from pypeit_spit.preprocess.quality import quality_flag
from pypeit_spit.preprocess.resize import resize
from pypeit_spit.preprocess.scale import to_uint8, zscale_limits
from pypeit_spit.preprocess.stats import frame_stats
from pypeit_spit.preprocess.trim import TrimError, trim_columns, trim_rows

__all__ = ['Prepared', 'preprocess_image', 'prepare_frame']


@dataclass
class Prepared:
    """
    A frame ready for the network.

    Attributes
    ----------
    path : str
        Source file.
    image : `numpy.ndarray` of uint8
        The 210x650 (spatial x spectral) image the network sees.
    stats : `numpy.ndarray` of float32
        Raw-pixel statistics (:data:`pypeit_spit.preprocess.contract.STAT_NAMES`).
    loader : str
        Which loader read the frame.
    rows : slice
        Rows of the canonical image kept by trimming.
    flag : str
        Why the pixels cannot be typed at all (dead, constant, saturated), or ''
        (:func:`pypeit_spit.preprocess.quality.quality_flag`).
    headers : list of `astropy.io.fits.Header` or None
        Every HDU's header as PypeIt's reader saw them
        (:attr:`~pypeit_spit.preprocess.load.LoadedFrame.headers`).
    metadata : dict or None
        PypeIt's header metadata of the frame, when asked for
        (:func:`pypeit_spit.integration.rules.header_metadata`).
    """
    path: str
    image: np.ndarray
    stats: np.ndarray
    loader: str
    rows: slice
    flag: str = ''
    headers: list | None = field(default=None, repr=False)
    metadata: dict | None = field(default=None, repr=False)


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


def prepare_frame(path, spectrograph=None, det=1, max_pixels=None, fallback=True):
    """
    Load and pre-process one raw frame.

    Parameters
    ----------
    path : str or `pathlib.Path`
        Raw FITS file.
    spectrograph : str, Spectrograph or None
        PypeIt spectrograph; None uses the generic loader.
    det : int, optional
        Detector (PypeIt loader only).
    max_pixels : int or None, optional
        Size limit: a larger frame is read binned
        (:func:`pypeit_spit.preprocess.load.size_limit`).
    fallback : bool, optional
        Read with the generic loader when PypeIt's reader refuses the file
        (:func:`pypeit_spit.preprocess.load.load_with_pypeit`).

    Returns
    -------
    Prepared

    Raises
    ------
    FrameError
        For any reason the frame cannot be prepared; the message names the file.
    """
    frame = load_frame(path, spectrograph=spectrograph, det=det, max_pixels=max_pixels,
                       fallback=fallback)
    flag = quality_flag(frame.image, frame.bias_level)
    try:
        image, trimmed, rows = preprocess_image(frame.image, bias_level=frame.bias_level,
                                                trim_overscan=frame.bias_level is None,
                                                overwrite=True)
    except TrimError as exc:
        raise FrameError(path, str(exc)) from exc
    stats = frame_stats(trimmed, bias_level=frame.bias_level, read_noise=frame.read_noise)
    return Prepared(path=str(path), image=image, stats=stats, loader=frame.loader, rows=rows,
                    flag=flag, headers=frame.headers)
