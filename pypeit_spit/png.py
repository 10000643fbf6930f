"""
The network's view of a frame as a PNG file.
"""
from pathlib import Path

__all__ = ['write_png', 'frame_stem']

#: Endings stripped from a frame's file name to name its PNG.
_SUFFIXES = ('.gz', '.fz', '.bz2', '.fits', '.fit', '.fts')


def write_png(image, path):
    """
    Write a uint8 image as an 8-bit greyscale PNG.

    Parameters
    ----------
    image : `numpy.ndarray` of uint8
    path : str or `pathlib.Path`
    """
    from matplotlib import image as mimage
    mimage.imsave(str(path), image, cmap='gray', vmin=0, vmax=255)


def frame_stem(path):
    """
    A frame's file name without its FITS and compression endings.

    Parameters
    ----------
    path : str or `pathlib.Path`

    Returns
    -------
    str
    """
    name = Path(path).name
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[:-len(suffix)]
    return name
