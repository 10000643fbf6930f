"""
What a loaded frame is, and how large a frame may be read whole.

:class:`LoadedFrame` is what every loader returns (the canonical image, spectral axis
horizontal, and what was read); :func:`size_limit` the pixel count above which a frame
is only read binned (:mod:`~pypeit_spit.io.generic`), never by PypeIt's reader.
"""
from dataclasses import dataclass, field

import numpy as np
from astropy.io import fits

from pypeit_spit.defaults import DEFAULTS
from pypeit_spit.errors import UsageError

__all__ = ['LoadedFrame', 'size_limit', 'DEFAULT_MAX_PIXELS', 'MAX_ABS_VALUE', 'MAX_BAD_FRACTION']

#: Default size limit (pixels): larger frames are read binned by the generic loader and
#: never given to PypeIt's reader. 32 million pixels: a single-detector frame of the
#: spectrographs PypeIt knows is below it (Kast: 0.7, DEIMOS: 8.4, MODS: 25.6 Mpix),
#: and a frame at the limit costs about 1.1 GB in flight (PypeIt's reader; 0.7 GB
#: with the generic loader), so that one frame of any size stays under 2 GB with the
#: network loaded (``benchmarks/bench_memory.py``).
DEFAULT_MAX_PIXELS = DEFAULTS.max_pixels

#: Pixel values larger in magnitude than this are not counts (replaced like NaN).
MAX_ABS_VALUE = 1e30

#: Largest fraction of unusable (NaN, infinite, beyond :data:`MAX_ABS_VALUE`) pixels a
#: frame may have; more is reported, not typed.
MAX_BAD_FRACTION = 0.5


@dataclass
class LoadedFrame:
    """
    A raw frame in canonical orientation.

    Attributes
    ----------
    path : str
        The file read.
    image : `numpy.ndarray`
        2-D float image, spectral axis horizontal (axis 1), spatial axis vertical.
    loader : str
        ``'pypeit:<spectrograph>'`` or ``'generic'``, followed by a note in
        parentheses when the frame was binned or PypeIt's reader was not used
        (e.g. ``generic (PypeIt's reader failed: ...)``).
    bias_level : float or None
        Overscan level that was subtracted (median over amplifiers), when known.
    read_noise : float or None
        Robust pixel noise of the overscan in ADU, when known.
    detector_noise : float or None
        The spectrograph's own read noise of the detector(s) read, in ADU (PypeIt's
        ``ronoise / gain``, median over amplifiers; PypeIt's reader only):
        :func:`pypeit_spit.io.spectrograph.detector_noise`.
    raw_max : float
        Largest raw pixel value of the data region before any subtraction.
    header : `astropy.io.fits.Header` or None
        Primary header.
    headers : list of `astropy.io.fits.Header` or None
        Every HDU's header, as PypeIt's ``get_headarr`` gives them (PypeIt's reader
        only; None from the generic loader): what PypeIt's header metadata is read from.
    """
    path: str
    image: np.ndarray
    loader: str
    bias_level: float | None = None
    read_noise: float | None = None
    detector_noise: float | None = None
    raw_max: float = np.nan
    header: fits.Header | None = field(default=None, repr=False)
    headers: list | None = field(default=None, repr=False)


def size_limit(value=None):
    """
    The size limit in pixels: ``value``, else :data:`DEFAULT_MAX_PIXELS`.

    Parameters
    ----------
    value : int or None, optional

    Returns
    -------
    int

    Raises
    ------
    pypeit_spit.errors.UsageError
        A limit that is not a positive integer.
    """
    where = 'max_pixels'
    if value is None:
        return DEFAULT_MAX_PIXELS
    try:
        number = float(value)
        limit = int(number)
    except (TypeError, ValueError, OverflowError):
        raise UsageError(f'{where} = {value!r}: not a number of pixels') from None
    if limit != number or limit < 1:
        raise UsageError(f'{where} = {value!r}: must be a positive whole number of pixels')
    return limit
