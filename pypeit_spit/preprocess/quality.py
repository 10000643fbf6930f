"""
Frames that are no calibration (nor anything else) at all: dead, constant, all-zero or
saturated read-outs. Such a frame must never be typed (a constant frame looks like a
perfect bias to the network); it is flagged with the reason instead, and kept out of
PypeIt's calibration groups.
"""
import numpy as np

from pypeit_spit.preprocess.stats import saturated_fraction

__all__ = ['SATURATED_FRACTION', 'quality_flag']

#: Fraction of saturated pixels above which a frame is flagged as saturated.
SATURATED_FRACTION = 0.9


def quality_flag(image, bias_level=None):
    """
    Why a frame's pixels cannot be typed, if they cannot.

    Parameters
    ----------
    image : `numpy.ndarray`
        The canonical image (overscan-subtracted when ``bias_level`` is given).
    bias_level : float or None, optional
        Level subtracted from ``image`` (to recover raw counts for saturation).

    Returns
    -------
    str
        The reason, or '' for a frame that can be typed.
    """
    img = np.asarray(image)
    # A strided sample is enough to tell (and keeps this cheap on big frames).
    step = max(1, int(np.sqrt(img.size / 250_000)))
    sample = img[::step, ::step]
    lo, hi = float(np.min(sample)), float(np.max(sample))
    raw_zero = -(bias_level or 0.0)
    if lo == hi:
        if lo == raw_zero:
            return 'no calibration: every pixel is zero (a dead read-out)'
        return f'no calibration: every pixel has the same value ({lo + (bias_level or 0):g})'
    # Pixels are finite here, so a difference is non-zero exactly where they differ;
    # the first row (column) alone mostly settles it.
    if not (np.any(sample[0, 1:] != sample[0, :-1])
            or np.any(sample[:, 1:] != sample[:, :-1])):
        return 'no calibration: every row is constant (no pixel noise: a dead read-out)'
    if not (np.any(sample[1:, 0] != sample[:-1, 0]) or np.any(sample[1:] != sample[:-1])):
        return 'no calibration: every column is constant (no pixel noise: a dead read-out)'
    saturated = saturated_fraction(sample, bias_level or 0.0)
    if saturated >= SATURATED_FRACTION:
        return f'no calibration: {100 * saturated:.0f}% of pixels saturated'
    return ''
