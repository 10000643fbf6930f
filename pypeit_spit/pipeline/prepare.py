"""
One raw file -> one frame ready for the network: read it (:mod:`pypeit_spit.io.load`),
then pre-process its pixels (:func:`pypeit_spit.preprocess.frame.preprocess_image`,
numpy only).
"""
from dataclasses import dataclass, field

import numpy as np

from pypeit_spit.errors import FrameError
from pypeit_spit.io.load import load_frame
from pypeit_spit.preprocess.frame import preprocess_image
from pypeit_spit.preprocess.quality import quality_flag
from pypeit_spit.preprocess.stats import frame_stats, pixel_noise
from pypeit_spit.preprocess.trim import TrimError

__all__ = ['Prepared', 'prepare_frame']


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
        (:attr:`~pypeit_spit.io.loaded.LoadedFrame.headers`).
    metadata : dict or None
        PypeIt's header metadata of the frame, when asked for
        (:func:`pypeit_spit.integration.rules.header_metadata`).
    noise : float or None
        Robust pixel-to-pixel noise of the trimmed frame, ADU
        (:func:`pypeit_spit.preprocess.stats.pixel_noise`).
    detector_noise : float or None
        The spectrograph's read noise in ADU
        (:attr:`pypeit_spit.io.load.LoadedFrame.detector_noise`; None when unknown).
    """
    path: str
    image: np.ndarray
    stats: np.ndarray
    loader: str
    rows: slice
    flag: str = ''
    headers: list | None = field(default=None, repr=False)
    metadata: dict | None = field(default=None, repr=False)
    noise: float | None = None
    detector_noise: float | None = None


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
        (:func:`pypeit_spit.io.loaded.size_limit`).
    fallback : bool, optional
        Read with the generic loader when PypeIt's reader refuses the file
        (:func:`pypeit_spit.io.pypeit_reader.load_with_pypeit`).

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
    with np.errstate(over='ignore', invalid='ignore'):
        noise = float(pixel_noise(trimmed))
    return Prepared(path=str(path), image=image, stats=stats, loader=frame.loader, rows=rows,
                    flag=flag, headers=frame.headers, noise=noise,
                    detector_noise=frame.detector_noise)
