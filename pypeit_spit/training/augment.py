"""
Layout augmentation of network images during training.

The class of a frame is read from its large-scale layout (sim-to-real lessons), and
real instruments frame the slit differently from the simulated Kast windows: a slit
that fills only part of the rows, a spectral window cut short. These augmentations
change the layout of the 210x650 uint8 images on the fly, deterministically for a
given seed, without re-reading any frame. :func:`augment_batch` does both to a batch as
array operations; :func:`random_crop` and :func:`random_band` are their one-image
references.

Detectors also differ in their faint structure: amplifier steps left after the overscan
is subtracted, ramps, a low first column, a bias level that wanders along the read-out
(kast-facts: amplifier 1 data ~1.5 ADU above its overscan, amplifier 2 ~1 ADU, column 1
~7 ADU below). ZSCALE stretches such structure of a few read-noise units to much of the
0-255 range on a frame with little light (sim-to-real lessons: a bias read as a flat), so
a network that saw only the simulator's structure reads other detectors' structure as a
class cue. :func:`detector_structure` adds a random smooth profile of a few pixel-noise
units along one axis, to frames of every class alike, so that it carries no class
(:func:`structure_profiles`: 1 in 16 of the profiles drawn is flat).
"""
import numpy as np

from pypeit_spit.preprocess.resize import resize

__all__ = ['random_crop', 'random_band', 'detector_structure', 'augment_batch']


def random_crop(image, rng, min_rows=0.55, min_cols=0.7):
    """
    Crop a random window (at least ``min_rows`` x ``min_cols`` of the image) and
    resize it back to the image's shape.

    Parameters
    ----------
    image : `numpy.ndarray` of uint8, shape (rows, cols)
    rng : `numpy.random.Generator`
    min_rows, min_cols : float, optional
        Smallest kept fractions of rows and columns.

    Returns
    -------
    `numpy.ndarray` of uint8
    """
    nr, nc = image.shape
    hr = int(round(nr * rng.uniform(min_rows, 1.0)))
    hc = int(round(nc * rng.uniform(min_cols, 1.0)))
    r0 = int(rng.integers(0, nr - hr + 1))
    c0 = int(rng.integers(0, nc - hc + 1))
    out = resize(image[r0:r0 + hr, c0:c0 + hc], (nr, nc))
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def random_band(image, rng, min_fraction=0.35, max_fraction=0.9, noise=3.0):
    """
    Squeeze the image into a band of rows and fill the rest with a flat, noisy
    level: a slit that lights only part of the detector window.

    Parameters
    ----------
    image : `numpy.ndarray` of uint8, shape (rows, cols)
    rng : `numpy.random.Generator`
    min_fraction, max_fraction : float, optional
        Range of the band's share of the rows.
    noise : float, optional
        Standard deviation (in uint8 levels) of the fill.

    Returns
    -------
    `numpy.ndarray` of uint8
    """
    nr, nc = image.shape
    h = int(round(nr * rng.uniform(min_fraction, max_fraction)))
    r0 = int(rng.integers(0, nr - h + 1))
    level = rng.uniform(0.0, float(np.median(image)))
    out = np.clip(rng.normal(level, noise, (nr, nc)), 0, 255)
    out[r0:r0 + h] = resize(image, (h, nc))
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _interpolate_rows(images, coords):
    """Linear interpolation of every image of a stack (n, rows, cols) at its own row
    coordinates ``coords`` (n, m): (n, m, cols) float32. Whole rows are gathered, so
    the cost is that of two copies."""
    size = images.shape[1]
    lo = np.clip(np.floor(coords).astype(np.intp), 0, size - 1)
    hi = np.minimum(lo + 1, size - 1)
    w = (coords - lo).astype(np.float32)[:, :, None]
    k = np.arange(images.shape[0])[:, None]
    a = images[k, lo].astype(np.float32)
    return a + (images[k, hi] - a) * w


def _resize_windows(images, r0, hr, c0, hc, shape):
    """Windows ``[r0, r0 + hr) x [c0, c0 + hc)`` of every image resized to ``shape``,
    corners aligned, as :func:`~pypeit_spit.preprocess.resize.resize` does for a window
    that is enlarged; float32."""
    t_r = np.linspace(0.0, 1.0, shape[0], dtype=np.float32)
    t_c = np.linspace(0.0, 1.0, shape[1], dtype=np.float32)
    rows = r0[:, None] + t_r[None, :] * (hr - 1)[:, None]
    cols = c0[:, None] + t_c[None, :] * (hc - 1)[:, None]
    # columns first, as rows of the transposed images (gathers of whole rows are fast)
    turned = np.ascontiguousarray(np.swapaxes(images, 1, 2))
    part = np.ascontiguousarray(np.swapaxes(_interpolate_rows(turned, cols), 1, 2))
    return _interpolate_rows(part, rows)


def pixel_noise_uint8(images):
    """
    Robust pixel-to-pixel noise of each uint8 image of a batch (from differences of
    neighbouring rows, every fourth column: 1.4826 MAD / sqrt 2): the batch form of
    :func:`pypeit_spit.preprocess.stats.pixel_noise`, one array operation for the
    whole batch.

    Parameters
    ----------
    images : `numpy.ndarray` of uint8, shape (n, rows, cols)

    Returns
    -------
    `numpy.ndarray` of float32, shape (n,)
    """
    a = images[:, :, ::4].astype(np.float32)
    d = a[:, 1:] - a[:, :-1]
    mad = np.median(np.abs(d - np.median(d, axis=(1, 2), keepdims=True)), axis=(1, 2))
    return (1.4826 / np.sqrt(2.0) * mad).astype(np.float32)


def structure_profiles(n, length, rng):
    """
    ``n`` random smooth profiles of ``length`` samples, peak absolute value 1: a mixture
    of an amplifier step at a random place, a ramp, a few slow waves, and edge samples
    (a detector's first and last columns) high or low, each part present with
    probability 1/2 (so that 1 profile in 16 is flat: no structure).

    Parameters
    ----------
    n, length : int
    rng : `numpy.random.Generator`

    Returns
    -------
    `numpy.ndarray` of float32, shape (n, length)
    """
    x = np.linspace(0.0, 1.0, length, dtype=np.float32)[None, :]
    where = rng.uniform(0.15, 0.85, (n, 1))
    # each part is on with probability 1/2, with a random weight and sign
    w = rng.uniform(-1.0, 1.0, (n, 4)) * (rng.random((n, 4)) < 0.5)
    step = np.where(x >= where, 1.0, 0.0) - 0.5
    ramp = x - 0.5
    freq = rng.uniform(0.5, 3.0, (n, 1))
    phase = rng.uniform(0.0, 2 * np.pi, (n, 1))
    wave = np.cos(2 * np.pi * freq * x + phase)
    width = rng.integers(1, 6, (n, 1))
    cols = np.arange(length)[None, :]
    edge = -((cols < width) | (cols >= length - width)).astype(np.float32)
    prof = w[:, :1] * step + w[:, 1:2] * ramp + w[:, 2:3] * wave + 2 * w[:, 3:4] * edge
    peak = np.abs(prof).max(axis=1, keepdims=True)
    return (prof / np.where(peak > 0, peak, 1.0)).astype(np.float32)   # flat stays 0


def detector_structure(images, rng, amplitude=(0.5, 3.0), p_columns=0.6):
    """
    Add a random smooth detector structure to every image of a batch: a profile
    (:func:`structure_profiles`) along the spectral axis (columns, with probability
    ``p_columns``) or the spatial axis, whose peak is ``amplitude`` (a random factor in
    that range) times the image's pixel-to-pixel noise (:func:`pixel_noise_uint8`).

    Parameters
    ----------
    images : `numpy.ndarray` of uint8, shape (n, rows, cols)
    rng : `numpy.random.Generator`
    amplitude : tuple of float, optional
        Range of the peak in units of the image's pixel noise.
    p_columns : float, optional
        Probability of a profile along the columns (else along the rows).

    Returns
    -------
    `numpy.ndarray` of uint8
        A new array.
    """
    n, nr, nc = images.shape
    if n == 0:
        return np.array(images, dtype=np.uint8, copy=True)
    along_cols = rng.random(n) < p_columns
    size = rng.uniform(*amplitude, n) * pixel_noise_uint8(images)
    col_prof = structure_profiles(n, nc, rng)
    row_prof = structure_profiles(n, nr, rng)
    out = images.astype(np.float32)
    add = np.where(along_cols[:, None, None], col_prof[:, None, :], row_prof[:, :, None])
    out += size[:, None, None] * add
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def augment_batch(images, rng, p_crop=0.5, p_band=0.15, min_rows=0.55, min_cols=0.7,
                  min_fraction=0.35, max_fraction=0.9, noise=3.0, p_structure=0.0):
    """
    Augment a batch of uint8 images: :func:`random_crop` with probability ``p_crop``,
    then :func:`random_band` with probability ``p_band``, then
    :func:`detector_structure` with probability ``p_structure``, per image, as array
    operations on the whole batch (no Python per image). With ``p_structure`` 0 the
    draws are those of the crops and bands alone (earlier runs are reproduced).

    Parameters
    ----------
    images : `numpy.ndarray` of uint8, shape (n, rows, cols)
    rng : `numpy.random.Generator`
    p_crop, p_band : float, optional
        Probability of a crop and of a band per image.
    min_rows, min_cols : float, optional
        Smallest kept fractions of a crop (:func:`random_crop`).
    min_fraction, max_fraction, noise : float, optional
        Range of a band's share of the rows, and the noise of its fill
        (:func:`random_band`).
    p_structure : float, optional
        Probability of a detector structure per image (:func:`detector_structure`).

    Returns
    -------
    `numpy.ndarray` of uint8
        A new array; ``images`` is not modified.
    """
    out = np.array(images, dtype=np.uint8, copy=True)
    n, nr, nc = out.shape
    if n == 0:
        return out
    crop = rng.random(n) < p_crop
    band = rng.random(n) < p_band
    hr = np.rint(nr * rng.uniform(min_rows, 1.0, n)).astype(np.intp)
    hc = np.rint(nc * rng.uniform(min_cols, 1.0, n)).astype(np.intp)
    r0 = np.floor(rng.random(n) * (nr - hr + 1)).astype(np.intp)
    c0 = np.floor(rng.random(n) * (nc - hc + 1)).astype(np.intp)
    if crop.any():
        i = np.flatnonzero(crop)
        win = _resize_windows(out[i], r0[i], hr[i], c0[i], hc[i], (nr, nc))
        out[i] = np.clip(np.rint(win), 0, 255).astype(np.uint8)
    if band.any():
        i = np.flatnonzero(band)
        h = np.rint(nr * rng.uniform(min_fraction, max_fraction, i.size)).astype(np.intp)
        start = np.floor(rng.random(i.size) * (nr - h + 1)).astype(np.intp)
        level = rng.random(i.size) * np.median(out[i], axis=(1, 2))
        fill = np.clip(rng.normal(0.0, noise, (i.size, nr, nc)) + level[:, None, None], 0, 255)
        # The image squeezed into rows [start, start + h): output row j samples the
        # image at (j - start) * (rows - 1) / (h - 1) (corners aligned); rows squeezed
        # 2x or more are first averaged in pairs, as resize does.
        src = out[i].astype(np.float32)
        pairs = nr // h >= 2
        if pairs.any():
            even = nr // 2 * 2
            src[pairs, :nr // 2] = 0.5 * (src[pairs, 0:even:2] + src[pairs, 1:even:2])
        size = np.where(pairs, nr // 2, nr).astype(np.float32)
        j = np.arange(nr, dtype=np.float32)[None, :] - start[:, None]
        coords = j * (size - 1)[:, None] / np.maximum(h - 1, 1)[:, None]
        inside = (j >= 0) & (j < h[:, None])
        squeezed = _interpolate_rows(src, np.clip(coords, 0, (size - 1)[:, None]))
        fill = np.where(inside[:, :, None], squeezed, fill)
        out[i] = np.clip(np.rint(fill), 0, 255).astype(np.uint8)
    if p_structure > 0:
        i = np.flatnonzero(rng.random(n) < p_structure)
        if i.size:
            out[i] = detector_structure(out[i], rng)
    return out
