"""
Intensity scaling: ZSCALE limits and conversion to 8-bit, as SPIT does.
"""
import numpy as np
from astropy.visualization import ZScaleInterval

from pypeit_spit.preprocess.contract import CONTRAST

__all__ = ['zscale_limits', 'to_uint8']


def zscale_limits(image, contrast=CONTRAST):
    """
    ZSCALE display limits (IRAF's algorithm, astropy's implementation).

    astropy's :class:`~astropy.visualization.ZScaleInterval` fits a line to the sorted
    sample with iterative rejection and falls back to the full range when more than
    half of the sample is rejected.

    Parameters
    ----------
    image : `numpy.ndarray`
        Finite 2-D image.
    contrast : float, optional
        ZSCALE contrast.

    Returns
    -------
    z1, z2 : float
        Lower and upper limits (``z1 <= z2``).
    """
    z1, z2 = ZScaleInterval(contrast=contrast).get_limits(np.asarray(image, dtype=float))
    return float(z1), float(z2)


def to_uint8(image, z1, z2):
    """
    Clip ``image`` to ``[z1, z2]`` and map it linearly onto 0-255.

    Parameters
    ----------
    image : `numpy.ndarray`
        Input image.
    z1, z2 : float
        Limits. When ``z2 <= z1`` (a constant image) the result is all zeros.

    Returns
    -------
    `numpy.ndarray` of uint8
    """
    image = np.asarray(image, dtype=float)
    if not np.isfinite(z1) or not np.isfinite(z2) or z2 <= z1:
        return np.zeros(image.shape, dtype=np.uint8)
    scaled = (np.clip(image, z1, z2) - z1) * (255.0 / (z2 - z1))
    return np.rint(scaled).astype(np.uint8)
