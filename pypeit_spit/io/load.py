"""
Load a raw spectral frame into one canonical image (the choice between the two readers).

The canonical image is a 2-D ``float64`` array with the **spectral axis horizontal**
(numpy axis 1) and the spatial axis vertical (numpy axis 0), as in the
210 (spatial) x 650 (spectral) images of Jankov & Prochaska (2018).

Two loaders exist:

* :func:`~pypeit_spit.io.pypeit_reader.load_with_pypeit` reads the detector pixels exactly as PypeIt does for a
  named spectrograph (``Spectrograph.get_rawimage`` and ``orient_image``), subtracts
  each amplifier's overscan level, keeps only the data sections (amplifiers joined,
  overscan cropped) and turns the result spectral-horizontal.
* :func:`~pypeit_spit.io.generic.load_generic` takes the first HDU with 2-D image data (``.gz``, ``.bz2``,
  ``.fz`` and multi-extension files included) and rotates it when it is taller than
  wide.

:func:`load_frame` picks one of them. Every failure is raised as
:class:`~pypeit_spit.errors.FrameError`, whose message names the file and a one-line
reason (``file does not exist``, ``broken symbolic link``, ``permission denied``,
``not a FITS file``, ``truncated (gzip stream ends early)``, ``no image data``...).

Bad input
---------
Before PypeIt's reader is called, the file is checked with astropy (header only), so
that a file PypeIt cannot read is reported with a clear reason instead of PypeIt's
own exception. When PypeIt's reader still refuses a file that the generic loader can
read (a frame of another instrument, a header PypeIt does not expect), the frame is
read with the generic loader and its ``loader`` says so:
``generic (PypeIt's reader failed: <reason>)``.

Pixels that are NaN, infinite or larger in magnitude than :data:`~pypeit_spit.io.loaded.MAX_ABS_VALUE`
(they are not counts, and would overflow the ``float32`` stages downstream) are
replaced by the median of the others; a frame where more than
:data:`~pypeit_spit.io.loaded.MAX_BAD_FRACTION` of the pixels are such is refused.

Memory
------
A frame is never read whole when it has more than the **size limit** of
:func:`~pypeit_spit.io.loaded.size_limit` pixels (default :data:`~pypeit_spit.io.loaded.DEFAULT_MAX_PIXELS`; pass ``max_pixels``,
``--max-pixels`` on the command line, or ``max_pixels`` in the configuration for
``pypeit_spit_setup``): the generic loader then
reads it in strips of rows and averages it over blocks of ``b x b`` pixels (the
smallest ``b`` that brings it under the limit; its ``loader`` reads
``generic (binned bxb: ...)``), and PypeIt's reader, which reads whole images, is not
used for it. Peak memory per frame in flight is then bounded by the limit
(``benchmarks/bench_memory.py``), whatever the size of the file.
"""
from pypeit_spit.io.generic import load_generic
from pypeit_spit.io.pypeit_reader import load_with_pypeit

__all__ = ['load_frame']


def load_frame(path, spectrograph=None, det=1, max_pixels=None, fallback=True):
    """
    Load a raw frame into the canonical spectral-horizontal image.

    Parameters
    ----------
    path : str or `pathlib.Path`
        Raw FITS file.
    spectrograph : str, `pypeit.spectrographs.spectrograph.Spectrograph` or None
        With a PypeIt spectrograph, read the frame as PypeIt does
        (:func:`~pypeit_spit.io.pypeit_reader.load_with_pypeit`); without one, use
        :func:`~pypeit_spit.io.generic.load_generic`.
    det : int, optional
        Detector number for the PypeIt loader.
    max_pixels : int or None, optional
        Size limit (see :func:`~pypeit_spit.io.loaded.size_limit`).
    fallback : bool, optional
        See :func:`~pypeit_spit.io.pypeit_reader.load_with_pypeit`.

    Returns
    -------
    `~pypeit_spit.io.loaded.LoadedFrame`
    """
    if spectrograph is None:
        return load_generic(path, max_pixels=max_pixels)
    return load_with_pypeit(path, spectrograph, det=det, max_pixels=max_pixels,
                            fallback=fallback)
