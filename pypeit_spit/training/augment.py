"""
Layout augmentation of network images during training.

The class of a frame is read from its large-scale layout (sim-to-real lessons), and
real instruments frame the slit differently from the simulated Kast windows: a slit
that fills only part of the rows, a spectral window cut short. These augmentations
change the layout of the 210x650 uint8 images on the fly, deterministically for a
given seed, without re-reading any frame.
"""
import numpy as np

from pypeit_spit.preprocess.resize import resize

__all__ = ['random_crop', 'random_band', 'augment_batch']


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


def augment_batch(images, rng, p_crop=0.5, p_band=0.15):
    """
    Augment a batch of uint8 images in place of a copy.

    Parameters
    ----------
    images : `numpy.ndarray` of uint8, shape (n, rows, cols)
    rng : `numpy.random.Generator`
    p_crop, p_band : float, optional
        Probability of :func:`random_crop` and of :func:`random_band` per image.

    Returns
    -------
    `numpy.ndarray` of uint8
        A new array; ``images`` is not modified.
    """
    out = np.array(images, copy=True)
    for i in range(len(out)):
        if rng.random() < p_crop:
            out[i] = random_crop(out[i], rng)
        if rng.random() < p_band:
            out[i] = random_band(out[i], rng)
    return out
