"""
Frames that are no calibration (nor anything else) at all: dead, constant, all-zero or
saturated read-outs, and noise no detector gives (uniform noise, random bits). Such a frame must never be typed (a constant frame looks like a
perfect bias to the network); it is flagged with the reason instead, and kept out of
PypeIt's calibration groups.
"""
import numpy as np

from pypeit_spit.preprocess.stats import pixel_noise, saturated_fraction

__all__ = ['SATURATED_FRACTION', 'NOISE_LIMIT', 'quality_flag', 'not_a_bias']

#: Fraction of saturated pixels above which a frame is flagged as saturated.
SATURATED_FRACTION = 0.9

#: Pixel-to-pixel noise (ADU) above which a frame is flagged as noise. A detector's
#: noise is its read noise (a few ADU) plus the shot noise of its signal,
#: ``sqrt(counts / gain)`` ADU: about 350 ADU for a 16-bit converter at 60000 ADU and
#: a gain of 0.5 e-/ADU, and 1000 ADU would need a gain of 0.06 e-/ADU at saturation.
#: Uniform noise over 16 bits (about 24000 ADU), random bits (up to 1e38) and the like
#: are far above it; the network, which sees them through ZSCALE, would call them a
#: bias with certainty.
NOISE_LIMIT = 1000.0


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
    with np.errstate(over='ignore', invalid='ignore'):
        noise = pixel_noise(img)   # neighbouring rows, about 100 000 pairs
    if not noise <= NOISE_LIMIT:   # nan (overflowing differences) included
        shown = f'{noise:.3g} ADU' if np.isfinite(noise) else 'beyond any number'
        return (f'no calibration: pixel-to-pixel noise {shown} (over {NOISE_LIMIT:g} ADU: '
                'no detector gives it; random noise or bits)')
    return ''


def not_a_bias(noise, detector_noise, factor):
    """
    Why a frame is no bias by its pixel noise, if it is not.

    A bias's pixel-to-pixel scatter is its detector's read noise: on the 13 real biases
    of ``../shared/realframes`` (Kast blue, ISIS blue, LRIS blue) 0.8-1.0 times the
    spectrograph's figure (PypeIt's ``ronoise / gain``), on 72 simulated biases of the
    18 simulated spectrographs 0.5-1.4 times. A frame whose scatter is ``factor`` times
    that or more has signal or noise no bias read-out gives (Gaussian noise of 300 ADU
    is 97 times Kast blue's 3.1 ADU; the setting and its reason: ``configs/spit_spec.cfg``).

    Parameters
    ----------
    noise : float or None
        The frame's robust pixel-to-pixel noise in ADU
        (:func:`pypeit_spit.preprocess.stats.pixel_noise`).
    detector_noise : float or None
        The spectrograph's read noise in ADU; None: unknown (no verdict).
    factor : float
        How many times the read noise a bias's noise may be (the spec's
        ``bias_noise_factor``).

    Returns
    -------
    str
        The reason, or '' (a possible bias, or nothing known).
    """
    if noise is None or detector_noise is None or not detector_noise > 0:
        return ''
    if not noise >= factor * detector_noise:   # nan: no verdict
        return ''
    return (f'no bias: pixel noise {noise:.3g} ADU is {noise / detector_noise:.0f} times the '
            f"detector's read noise ({detector_noise:.3g} ADU; a bias's is at most "
            f'{factor:g} times)')
