"""
Resize a canonical image to the network's input size by linear interpolation.
"""
import numpy as np

from pypeit_spit.preprocess.contract import IMAGE_SHAPE

__all__ = ['resize']


def resize(image, shape=IMAGE_SHAPE):
    """
    Resize a 2-D image by linear interpolation, without skipping narrow features.

    Along an axis that shrinks by a factor ``f >= 2`` the image is first averaged over
    blocks of ``floor(f)`` pixels (a trailing partial block is dropped), so that every
    input pixel contributes to the output: a one-pixel arc or sky line is kept
    (diluted) instead of falling between the sample points as with plain point
    sampling. The corners of input and output coincide (``align_corners``).

    Parameters
    ----------
    image : `numpy.ndarray`
        2-D image.
    shape : tuple of int, optional
        Output shape (rows, columns).

    Returns
    -------
    `numpy.ndarray` of float32
    """
    image = np.asarray(image, dtype=np.float32)
    for axis, (n_in, n_out) in enumerate(zip(image.shape, shape)):
        block = int(n_in // n_out)
        if block > 1:
            # Average blocks of ``block`` pixels: every input pixel contributes, and
            # the rest of the shrink (< 2x) is left to the interpolation, which then
            # gives every binned pixel a weight of at least ~1/4.
            n = n_in // block * block
            image = np.moveaxis(image, axis, 0)[:n]
            image = image.reshape(n // block, block, *image.shape[1:]).mean(axis=1)
            image = np.moveaxis(image, 0, axis)
    coords = [np.linspace(0, n_in - 1, n_out, dtype=np.float32)
              for n_in, n_out in zip(image.shape, shape)]
    # Separable linear interpolation: rows first, then columns.
    r = coords[0]
    r0 = np.clip(np.floor(r).astype(int), 0, image.shape[0] - 1)
    r1 = np.minimum(r0 + 1, image.shape[0] - 1)
    wr = (r - r0)[:, None]
    tmp = image[r0] * (1 - wr) + image[r1] * wr
    c = coords[1]
    c0 = np.clip(np.floor(c).astype(int), 0, image.shape[1] - 1)
    c1 = np.minimum(c0 + 1, image.shape[1] - 1)
    wc = (c - c0)[None, :]
    return (tmp[:, c0] * (1 - wc) + tmp[:, c1] * wc).astype(np.float32)
