"""
Scalar statistics of the raw pixels that ZSCALE throws away.

ZSCALE maps any image onto 0-255 and so discards the absolute signal level: the one
thing that separates a bias from a flat. These few numbers, computed from the pixels
(never from headers), go to the network beside the image.
"""
import numpy as np
from astropy.stats import mad_std

__all__ = ['frame_stats', 'robust_sigma', 'median', 'saturated_fraction', 'pixel_noise',
           'SATURATION']

#: Widest range of values (in steps of 1) whose median is found by counting
#: (:func:`median`); wider ones are partitioned by ``numpy.median``.
_COUNTED_RANGE = 1 << 18

#: Fewest values for which counting is tried (:func:`median`).
_COUNTED_MIN_SIZE = 4096


def median(values):
    """
    ``numpy.median`` of finite values, the same number, faster for pixel values.

    Raw pixels are whole numbers of ADU, and so are the differences of overscan-
    subtracted pixels of one amplifier (or whole numbers plus one half, as are their
    deviations from a median). When every value lies a whole number of steps from the
    smallest, within :data:`_COUNTED_RANGE` steps, the middle values are found by
    counting (``numpy.bincount``) instead of partitioning: 2-3x faster on the ~170 000
    pixel differences of a Kast frame, whose many equal values are partitioning's slow
    case. The middle values are elements of ``values`` either way, and an even count's
    two are averaged as ``numpy.median`` does, ``(a + b) / 2``.

    Parameters
    ----------
    values : `numpy.ndarray`
        1-D float64 array of finite values (not modified).

    Returns
    -------
    float
    """
    n = values.size
    if n >= _COUNTED_MIN_SIZE:
        lo = values.min()
        if values.max() - lo <= _COUNTED_RANGE:
            steps = values - lo                    # exact for such values
            whole = steps.astype(np.int64)
            if np.array_equal(whole, steps):
                below = np.cumsum(np.bincount(whole))   # values <= lo + j
                if n % 2:
                    return float(lo + np.searchsorted(below, n // 2, side='right'))
                a, b = np.searchsorted(below, [n // 2 - 1, n // 2], side='right')
                return float((np.float64(lo + a) + np.float64(lo + b)) / 2.0)
    return float(np.median(values))


def robust_sigma(values):
    """
    Robust standard deviation of finite values: `astropy.stats.mad_std` (the median
    absolute deviation times 1.4826...), with :func:`median` as its median.

    Parameters
    ----------
    values : array_like
        Input values; non-finite ones are ignored.

    Returns
    -------
    float
        The robust sigma, or ``nan`` when no finite value exists.
    """
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.nan
    return float(mad_std(v, func=lambda a, axis=None: median(a)))   # 1-D: no axis

#: Raw value above which a pixel counts as saturated (16-bit converters).
SATURATION = 60000.0


def saturated_fraction(image, level=0.0):
    """
    Fraction of pixels whose raw value, ``image + level`` (in the image's type), is at
    least :data:`SATURATION`: ``numpy.mean``'s number, exactly.

    ``image + level`` never decreases with ``image``, so no pixel is saturated when the
    largest is not: the whole image is then compared with nothing.

    Parameters
    ----------
    image : `numpy.ndarray`
        Non-empty image (overscan-subtracted when ``level`` is its overscan level).
    level : float, optional
        Level subtracted from ``image``.

    Returns
    -------
    float
    """
    if np.max(image) + level < SATURATION:
        return 0.0
    return np.count_nonzero(image + level >= SATURATION) / image.size


def pixel_noise(image):
    """
    Robust pixel-to-pixel noise from differences of neighbouring rows.

    Parameters
    ----------
    image : `numpy.ndarray`
        A 2-D image (finite values).

    Returns
    -------
    float
        The robust sigma of one pixel, ``nan`` for an image without two rows.
    """
    # True neighbours, on a subsample of about 100 000 pixel pairs.
    step = max(1, int(np.sqrt(image.size / 100_000)))
    diff = image[1::step, ::step] - image[:-1:step, ::step][:image[1::step].shape[0]]
    return robust_sigma(diff) / np.sqrt(2.0)


def frame_stats(image, bias_level=None, read_noise=None):
    """
    Statistics of a canonical (trimmed, full-resolution) image.

    Parameters
    ----------
    image : `numpy.ndarray`
        Canonical image (spectral axis horizontal). Overscan-subtracted when
        ``bias_level`` is given, raw counts otherwise.
    bias_level : float or None
        Overscan level already subtracted from ``image``, when known.
    read_noise : float or None
        Overscan noise in ADU, when known. Without it, the pixel-to-pixel noise of
        the image is used.

    Returns
    -------
    `numpy.ndarray` of float32
        Values in the order of :data:`~pypeit_spit.preprocess.contract.STAT_NAMES`:

        ``log_signal``
            log10(1 + max(median signal above the zero level, 0) / read noise); the
            zero level is the overscan when known, otherwise the 0.5th percentile, and
            the read noise is the overscan's, otherwise the pixel-to-pixel noise.
        ``log_spread``
            log10(1 + (99.5th - 0.5th percentile) / pixel-to-pixel noise): structure
            against noise.
        ``saturated_fraction``
            Fraction of pixels whose raw value exceeds 60000 ADU.
        ``log_cr_density``
            log10(1 + number per megapixel of pixels brighter than all four neighbours
            by 8 pixel-noise units: cosmic rays, not lines or traces).
        ``bright_fraction``
            Fraction of pixels more than 20 read-noise units above the zero level.
    """
    img = np.asarray(image, dtype=np.float32)
    pix_noise = pixel_noise(img)
    if not np.isfinite(pix_noise) or pix_noise <= 0:
        pix_noise = 1.0
    noise = read_noise if (read_noise is not None and np.isfinite(read_noise)
                           and read_noise > 0) else pix_noise
    sample = img[::2, ::2] if img.size > 400_000 else img
    p_lo, p50, p_hi = np.percentile(sample, [0.5, 50.0, 99.5])
    zero = 0.0 if bias_level is not None else p_lo
    log_signal = np.log10(1.0 + max(p50 - zero, 0.0) / noise)
    log_spread = np.log10(1.0 + max(p_hi - p_lo, 0.0) / pix_noise)
    saturated = saturated_fraction(img, bias_level if bias_level is not None else 0.0)
    c = img[1:-1, 1:-1]
    thresh = 8.0 * pix_noise
    # Pixels brighter than all four neighbours by ``thresh``: the first test on every
    # pixel, the other three only on the (few) pixels that pass it.
    rows, cols = np.nonzero(c - img[:-2, 1:-1] > thresh)
    rows, cols = rows + 1, cols + 1
    centre = img[rows, cols]
    peak = ((centre - img[rows + 1, cols] > thresh) & (centre - img[rows, cols - 1] > thresh)
            & (centre - img[rows, cols + 1] > thresh))
    cr_density = peak.sum() / (c.size / 1e6) if c.size else 0.0
    bright = np.count_nonzero(sample - zero > 20.0 * noise) / sample.size
    return np.array([log_signal, log_spread, saturated, np.log10(1.0 + cr_density), bright],
                    dtype=np.float32)
