"""
Load a raw spectral frame into one canonical image.

The canonical image is a 2-D ``float64`` array with the **spectral axis horizontal**
(numpy axis 1) and the spatial axis vertical (numpy axis 0), as in the
210 (spatial) x 650 (spectral) images of Jankov & Prochaska (2018).

Two loaders exist:

* :func:`load_with_pypeit` reads the detector pixels exactly as PypeIt does for a
  named spectrograph (``Spectrograph.get_rawimage`` and ``orient_image``), subtracts
  each amplifier's overscan level, keeps only the data sections (amplifiers joined,
  overscan cropped) and turns the result spectral-horizontal.
* :func:`load_generic` takes the first HDU with 2-D image data (``.gz``, ``.fz`` and
  multi-extension files included) and rotates it when it is taller than wide.

:func:`load_frame` picks one of them. Every failure is raised as
:class:`FrameError`, whose message names the file and the reason.
"""
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits

from pypeit_spit.errors import FrameError, UsageError
from pypeit_spit.preprocess.stats import robust_sigma

__all__ = ['LoadedFrame', 'get_spectrograph', 'load_frame', 'load_generic',
           'load_with_pypeit']


@dataclass
class LoadedFrame:
    """
    A raw frame in canonical orientation.

    Attributes
    ----------
    path : str
        The file read.
    image : `numpy.ndarray`
        2-D float image, spectral axis horizontal (axis 1), spatial axis vertical.
    loader : str
        ``'pypeit:<spectrograph>'`` or ``'generic'``.
    bias_level : float or None
        Overscan level that was subtracted (median over amplifiers), when known.
    read_noise : float or None
        Robust pixel noise of the overscan in ADU, when known.
    raw_max : float
        Largest raw pixel value of the data region before any subtraction.
    header : `astropy.io.fits.Header` or None
        Primary header.
    """
    path: str
    image: np.ndarray
    loader: str
    bias_level: float | None = None
    read_noise: float | None = None
    raw_max: float = np.nan
    header: fits.Header | None = field(default=None, repr=False)


def _check_file(path):
    p = Path(path)
    if not p.exists():
        raise FrameError(path, 'file does not exist')
    if p.is_dir():
        raise FrameError(path, 'is a directory, not a FITS file')
    if p.stat().st_size == 0:
        raise FrameError(path, 'file is empty')
    return p


def _check_pixels(path, image):
    finite = np.isfinite(image)
    if not finite.any():
        raise FrameError(path, 'no finite pixel values (all NaN or infinite)')
    if not finite.all():
        image = np.where(finite, image, np.median(image[finite]))
    return image


def load_generic(path):
    """
    Read the first 2-D image HDU of a FITS file, with no instrument knowledge.

    Parameters
    ----------
    path : str or `pathlib.Path`
        FITS file (plain, gzip or fpack-compressed; single or multi-extension).

    Returns
    -------
    LoadedFrame
        The image, rotated by 90 degrees when taller than wide.

    Raises
    ------
    FrameError
        Missing, empty or unreadable file, or no HDU with 2-D image data.
    """
    p = _check_file(path)
    try:
        with fits.open(p, memmap=False) as hdul:
            header = hdul[0].header.copy()
            image = None
            for hdu in hdul:
                if not isinstance(hdu, (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)):
                    continue
                if hdu.header.get('NAXIS', 0) < 2:
                    continue
                data = hdu.data
                if data is None:
                    continue
                data = np.squeeze(np.asarray(data))
                if data.ndim == 2:
                    image = data.astype(float)
                    break
    except FrameError:
        raise
    except Exception as exc:  # astropy raises many kinds for a broken file
        raise FrameError(path, f'not a readable FITS file ({type(exc).__name__}: {exc})') from exc
    if image is None:
        raise FrameError(path, 'no HDU holds 2-D image data')
    image = _check_pixels(path, image)
    raw_max = float(np.max(image))
    if image.shape[0] > image.shape[1]:
        image = np.rot90(image)
    return LoadedFrame(path=str(path), image=np.ascontiguousarray(image), loader='generic',
                       raw_max=raw_max, header=header)


def _bounding_box(mask):
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def load_with_pypeit(path, spectrograph, det=1):
    """
    Read a raw frame the way PypeIt reads it for one spectrograph.

    Uses the spectrograph's ``get_rawimage`` (its raw reader and data/overscan sections)
    and ``orient_image`` (its orientation), subtracts the median overscan level of each
    amplifier from that amplifier's data pixels, crops to the data sections and returns
    the image spectral-horizontal.

    Parameters
    ----------
    path : str or `pathlib.Path`
        Raw FITS file.
    spectrograph : str or `pypeit.spectrographs.spectrograph.Spectrograph`
        PypeIt spectrograph (name or instance).
    det : int, optional
        Detector number (1-indexed), as PypeIt counts them.

    Returns
    -------
    LoadedFrame

    Raises
    ------
    FrameError
        Unknown spectrograph, or a file PypeIt cannot read.
    """
    p = _check_file(path)
    try:
        spec = get_spectrograph(spectrograph)
    except UsageError as exc:
        raise FrameError(path, str(exc)) from exc
    try:
        detpar, raw, hdu, _, datasec, oscansec = spec.get_rawimage(str(p), det)
        header = hdu[0].header.copy()
        hdu.close()
    except Exception as exc:
        raise FrameError(path, f'PypeIt ({spec.name}) cannot read it: '
                               f'{type(exc).__name__}: {exc}') from exc
    if raw.ndim != 2:
        raise FrameError(path, f'expected one detector image, got shape {raw.shape}')
    if not np.any(datasec > 0):
        raise FrameError(path, f'PypeIt ({spec.name}) found no data section')
    image = _check_pixels(path, raw)
    box = _bounding_box(datasec > 0)
    raw_max = float(np.max(image[box]))
    levels, noises = [], []
    for amp in range(1, int(datasec.max()) + 1):
        osc = image[oscansec == amp]
        if osc.size == 0:
            continue
        level = float(np.median(osc))
        levels.append(level)
        noises.append(robust_sigma(osc))
        image[datasec == amp] -= level  # in place: get_rawimage's array is ours
    image = spec.orient_image(detpar, image[box])
    # PypeIt orientation is (spectral, spatial): make it spectral-horizontal.
    image = np.ascontiguousarray(image.T)
    return LoadedFrame(path=str(path), image=image, loader=f'pypeit:{spec.name}',
                       bias_level=float(np.median(levels)) if levels else None,
                       read_noise=float(np.median(noises)) if noises else None,
                       raw_max=raw_max, header=header)


def get_spectrograph(spectrograph):
    """
    A PypeIt spectrograph from its name (an instance is returned as it is).

    Parameters
    ----------
    spectrograph : str or `pypeit.spectrographs.spectrograph.Spectrograph`

    Returns
    -------
    `pypeit.spectrographs.spectrograph.Spectrograph`

    Raises
    ------
    pypeit_spit.errors.UsageError
        An unknown name.
    """
    if not isinstance(spectrograph, str):
        return spectrograph
    from pypeit_spit.sites import use_offline_sites
    use_offline_sites()
    from pypeit.spectrographs import available_spectrographs
    from pypeit.spectrographs.util import load_spectrograph
    if spectrograph not in available_spectrographs:
        raise UsageError(f'unknown PypeIt spectrograph {spectrograph!r}')
    return load_spectrograph(spectrograph)


def load_frame(path, spectrograph=None, det=1):
    """
    Load a raw frame into the canonical spectral-horizontal image.

    Parameters
    ----------
    path : str or `pathlib.Path`
        Raw FITS file.
    spectrograph : str, `pypeit.spectrographs.spectrograph.Spectrograph` or None
        With a PypeIt spectrograph, read the frame as PypeIt does
        (:func:`load_with_pypeit`); without one, use :func:`load_generic`.
    det : int, optional
        Detector number for the PypeIt loader.

    Returns
    -------
    LoadedFrame
    """
    if spectrograph is None:
        return load_generic(path)
    return load_with_pypeit(path, spectrograph, det=det)
