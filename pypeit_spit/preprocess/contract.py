"""
The model's input contract: what a network trained by pypeit-spit is fed, and how.

Everything a saved model must agree with lives here and is stored in (and checked
against) every model's metadata: the image shape, the names and order of the
statistics, the pre-processing version, the flips, and the one conversion of the
uint8 image to the network's float input.
"""
import numpy as np

__all__ = ['IMAGE_SHAPE', 'STAT_NAMES', 'PREPROCESS_VERSION', 'CONTRAST', 'N_FLIPS',
           'flips', 'to_network']

#: Network input (spatial rows, spectral columns), as in Jankov & Prochaska (2018).
IMAGE_SHAPE = (210, 650)

#: Raw-pixel statistics fed beside the image, in order (:mod:`~.stats`).
STAT_NAMES = ('log_signal', 'log_spread', 'saturated_fraction', 'log_cr_density',
              'bright_fraction')

#: Version of the pre-processing; stored in every model and checked when it is loaded.
PREPROCESS_VERSION = 1

#: ZSCALE contrast used by Jankov & Prochaska (2018).
CONTRAST = 0.25

#: Copies of a frame shown to the network: the image and its three flips.
N_FLIPS = 4


def flips(image):
    """
    The image and its three flips: vertical, horizontal, both.

    Parameters
    ----------
    image : `numpy.ndarray`
        2-D image (or a stack whose last two axes are the image).

    Returns
    -------
    `numpy.ndarray`
        Stack of shape ``(4,) + image.shape``, in the order (none, vertical,
        horizontal, both).
    """
    return np.stack([image, np.flip(image, axis=-2), np.flip(image, axis=-1),
                     np.flip(image, axis=(-2, -1))])


def to_network(images):
    """
    Convert uint8 images to the network's float input in [0, 1] with a channel axis.

    Parameters
    ----------
    images : `numpy.ndarray` of uint8
        Shape ``(n, rows, cols)``.

    Returns
    -------
    `numpy.ndarray` of float32, shape ``(n, rows, cols, 1)``
    """
    return (np.asarray(images, dtype=np.float32) / np.float32(255.0))[..., None]
