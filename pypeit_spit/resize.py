"""
Resize a canonical image to the network's input size by linear interpolation.
"""
import numpy as np
from scipy import ndimage

__all__ = ['resize', 'IMAGE_SHAPE']

#: Network input (spatial rows, spectral columns), as in Jankov & Prochaska (2018).
IMAGE_SHAPE = (210, 650)


def resize(image, shape=IMAGE_SHAPE):
    """
    Resize a 2-D image by linear interpolation, without skipping narrow features.

    Along an axis that shrinks by a factor ``f > 1`` the image is first averaged over
    a box of ``ceil(f)`` pixels, so that every input pixel contributes to the output:
    a one-pixel arc or sky line is kept (diluted) instead of falling between the
    sample points as with plain point sampling. The corners of input and output
    coincide (``align_corners``).

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
        factor = n_in / n_out
        if factor > 1.0:
            width = int(np.ceil(factor))
            if width > 1:
                image = ndimage.uniform_filter1d(image, size=width, axis=axis, mode='nearest')
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
