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
* :func:`load_generic` takes the first HDU with 2-D image data (``.gz``, ``.bz2``,
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

Pixels that are NaN, infinite or larger in magnitude than :data:`MAX_ABS_VALUE`
(they are not counts, and would overflow the ``float32`` stages downstream) are
replaced by the median of the others; a frame where more than
:data:`MAX_BAD_FRACTION` of the pixels are such is refused.

Memory
------
A frame is never read whole when it has more than the **size limit** of
:func:`size_limit` pixels (default :data:`DEFAULT_MAX_PIXELS`; pass ``max_pixels``,
``--max-pixels`` on the command line, or ``max_pixels`` in the configuration for
``pypeit_spit_setup``): the generic loader then
reads it in strips of rows and averages it over blocks of ``b x b`` pixels (the
smallest ``b`` that brings it under the limit; its ``loader`` reads
``generic (binned bxb: ...)``), and PypeIt's reader, which reads whole images, is not
used for it. Peak memory per frame in flight is then bounded by the limit
(``benchmarks/bench_memory.py``), whatever the size of the file.
"""
import bz2
import contextlib
import errno
import functools
import gzip
import math
import os
import shutil
import stat
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits

from pypeit_spit.defaults import DEFAULTS
from pypeit_spit.errors import FrameError, PixelError, UsageError
from pypeit_spit.io.spectrograph import detector_noise, get_spectrograph
from pypeit_spit.preprocess.stats import median, robust_sigma

__all__ = ['LoadedFrame', 'load_frame', 'load_generic',
           'load_with_pypeit', 'size_limit', 'DEFAULT_MAX_PIXELS',
           'MAX_ABS_VALUE', 'MAX_BAD_FRACTION', 'FITS_SUFFIXES', 'MAX_HDUS',
           'MAX_EXPANDED_BYTES', 'check_regular', 'checked_hdus', 'check_plain_layout']

#: File name endings taken as FITS when a folder is given.
FITS_SUFFIXES = ('.fits', '.fit', '.fts', '.fits.gz', '.fit.gz', '.fts.gz', '.fits.fz',
                 '.fz', '.fits.bz2')

#: Default size limit (pixels): larger frames are read binned by the generic loader and
#: never given to PypeIt's reader. 32 million pixels: a single-detector frame of the
#: spectrographs PypeIt knows is below it (Kast: 0.7, DEIMOS: 8.4, MODS: 25.6 Mpix),
#: and a frame at the limit costs about 1.1 GB in flight (PypeIt's reader; 0.7 GB
#: with the generic loader), so that one frame of any size stays under 2 GB with the
#: network loaded (``benchmarks/bench_memory.py``).
DEFAULT_MAX_PIXELS = DEFAULTS.max_pixels

#: Pixel values larger in magnitude than this are not counts (replaced like NaN).
MAX_ABS_VALUE = 1e30

#: Largest fraction of unusable (NaN, infinite, beyond :data:`MAX_ABS_VALUE`) pixels a
#: frame may have; more is reported, not typed.
MAX_BAD_FRACTION = 0.5

#: Most HDUs a frame may have: more is refused as its headers are read (a raw frame of
#: the spectrographs PypeIt knows has at most a few dozen; astropy reads a 5,000-HDU
#: file for minutes).
MAX_HDUS = 1000

#: Most bytes the headers of a gzip- or bzip2-compressed frame may declare (data of
#: every HDU): more is refused before it is decompressed, and no stream is read beyond
#: it. A raw frame of the spectrographs PypeIt knows is below 0.3 GB.
MAX_EXPANDED_BYTES = 2 * 2**30

_TOO_LARGE = ('{compression}-compressed, its headers declare more than '
              f'{MAX_EXPANDED_BYTES / 2**30:.0f} GB of data (not decompressed)')

#: Bytes (as float64) of the strip of rows the binned reader holds at a time.
_CHUNK_BYTES = 8 * 2**20

#: numpy types of the FITS ``BITPIX`` values (big-endian, as on disk).
_BITPIX = {8: np.dtype('u1'), 16: np.dtype('>i2'), 32: np.dtype('>i4'), 64: np.dtype('>i8'),
           -32: np.dtype('>f4'), -64: np.dtype('>f8')}


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
        ``'pypeit:<spectrograph>'`` or ``'generic'``, followed by a note in
        parentheses when the frame was binned or PypeIt's reader was not used
        (e.g. ``generic (PypeIt's reader failed: ...)``).
    bias_level : float or None
        Overscan level that was subtracted (median over amplifiers), when known.
    read_noise : float or None
        Robust pixel noise of the overscan in ADU, when known.
    detector_noise : float or None
        The spectrograph's own read noise of the detector(s) read, in ADU (PypeIt's
        ``ronoise / gain``, median over amplifiers; PypeIt's reader only):
        :func:`pypeit_spit.io.spectrograph.detector_noise`.
    raw_max : float
        Largest raw pixel value of the data region before any subtraction.
    header : `astropy.io.fits.Header` or None
        Primary header.
    headers : list of `astropy.io.fits.Header` or None
        Every HDU's header, as PypeIt's ``get_headarr`` gives them (PypeIt's reader
        only; None from the generic loader): what PypeIt's header metadata is read from.
    """
    path: str
    image: np.ndarray
    loader: str
    bias_level: float | None = None
    read_noise: float | None = None
    detector_noise: float | None = None
    raw_max: float = np.nan
    header: fits.Header | None = field(default=None, repr=False)
    headers: list | None = field(default=None, repr=False)


def size_limit(value=None):
    """
    The size limit in pixels: ``value``, else :data:`DEFAULT_MAX_PIXELS`.

    Parameters
    ----------
    value : int or None, optional

    Returns
    -------
    int

    Raises
    ------
    pypeit_spit.errors.UsageError
        A limit that is not a positive integer.
    """
    where = 'max_pixels'
    if value is None:
        return DEFAULT_MAX_PIXELS
    try:
        number = float(value)
        limit = int(number)
    except (TypeError, ValueError, OverflowError):
        raise UsageError(f'{where} = {value!r}: not a number of pixels') from None
    if limit != number or limit < 1:
        raise UsageError(f'{where} = {value!r}: must be a positive whole number of pixels')
    return limit


def _one_line(exc):
    """An exception as ``Type: message`` on one line."""
    text = ' '.join(str(exc).split())
    return f'{type(exc).__name__}: {text}' if text else type(exc).__name__


def _megapixels(n):
    return f'{n / 1e6:.1f} Mpix'


# ------------------------------------------------------------------ the file itself

def _check_file(path):
    """
    Check that ``path`` is a readable, non-empty regular file.

    Returns
    -------
    `pathlib.Path`

    Raises
    ------
    FrameError
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise FrameError(path, 'broken symbolic link' if os.path.islink(p)
                         else 'file does not exist') from None
    except PermissionError:
        raise FrameError(path, 'permission denied') from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise FrameError(path, 'symbolic link loop') from None
        if exc.errno == errno.ENOTDIR:
            raise FrameError(path, 'file does not exist (a parent is not a folder)') from None
        raise FrameError(path, f'cannot access it ({exc.strerror or _one_line(exc)})') from None
    if stat.S_ISDIR(st.st_mode):
        try:
            if not os.access(p, os.R_OK | os.X_OK):
                raise PermissionError(errno.EACCES, 'permission denied')
            names = os.listdir(p)
        except OSError as exc:
            raise FrameError(path, f'folder cannot be listed ({exc.strerror or exc})') from None
        if not any(n.lower().endswith(FITS_SUFFIXES) for n in names):
            raise FrameError(path, 'folder holds no FITS files')
        raise FrameError(path, 'is a folder, not a FITS file')
    if not stat.S_ISREG(st.st_mode):
        raise FrameError(path, _special(st.st_mode))
    if st.st_size == 0:
        raise FrameError(path, 'file is empty')
    if not os.access(p, os.R_OK):
        raise FrameError(path, 'permission denied')
    return p


def check_regular(path):
    """
    Refuse, before it is opened, a path that is not a regular file (a named pipe, a
    device, a socket: opening one blocks or reads forever).

    Raises
    ------
    FrameError
    """
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return   # (whoever opens it reports that)
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise FrameError(path, _special(mode))


def _special(mode):
    """The reason a file of ``mode`` (not a regular file, nor a folder) is refused."""
    kind = ('a named pipe' if stat.S_ISFIFO(mode) else
            'a socket' if stat.S_ISSOCK(mode) else 'a device')
    return f'not a regular file ({kind})'


def _declared_bytes(path, k, header):
    """
    The bytes of data HDU ``k``'s header declares, its values checked first: a
    negative or non-integer axis length (astropy then seeks backwards and reads the
    same headers for ever), an invalid ``BITPIX``, ``PCOUNT`` or ``GCOUNT``.

    Raises
    ------
    FrameError
    """
    def value(key, default=None, low=0):
        v = header.get(key, default)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise FrameError(path, f'invalid header (HDU {k}: {key} = {v!r}; the header '
                                   'lies about the size of its data)')
        return int(v)
    bitpix = header.get('BITPIX')
    if bitpix not in _BITPIX or isinstance(bitpix, bool):
        raise FrameError(path, f'invalid header (HDU {k}: BITPIX = {bitpix!r})')
    naxis = value('NAXIS', 0)
    if naxis > 999:
        raise FrameError(path, f'invalid header (HDU {k}: NAXIS = {naxis})')
    axes = [value(f'NAXIS{j}', 0) for j in range(1, naxis + 1)]
    if not axes:
        return 0
    if axes[0] == 0 and header.get('GROUPS') is True:   # random groups
        axes = axes[1:]
    count = math.prod(axes)
    return abs(bitpix) // 8 * value('GCOUNT', 1, low=1) * (value('PCOUNT', 0) + count)


def checked_hdus(path, hdul, compression):
    """
    The HDUs of an open FITS file, one by one as astropy reads them (lazily), each
    header checked before the next one is read: its declared size
    (:func:`_declared_bytes`), at most :data:`MAX_HDUS` HDUs and, for a compressed
    file, at most :data:`MAX_EXPANDED_BYTES` declared in all.

    Yields
    ------
    (int, HDU)

    Raises
    ------
    FrameError
    """
    total = 0
    for k, hdu in enumerate(hdul):
        if k >= MAX_HDUS:
            raise FrameError(path, f'more than {MAX_HDUS} HDUs (not a raw frame)')
        total += _declared_bytes(path, k, hdu.header)
        if compression is not None and total > MAX_EXPANDED_BYTES:
            raise FrameError(path, _TOO_LARGE.format(compression=compression))
        yield k, hdu


def check_plain_layout(path):
    """
    Walk the headers of an uncompressed FITS file before astropy opens it (seeking
    over the data each header declares): every header checked as in
    :func:`checked_hdus` (astropy would follow a negative size backwards for ever, and
    reads every header to give the layout of one), at most :data:`MAX_HDUS` of them.
    A file that is not FITS at all is left to astropy to report.

    Raises
    ------
    FrameError
    """
    size = os.path.getsize(path)
    offset = k = 0
    with open(path, 'rb') as f:
        while offset + 2880 <= size:
            f.seek(offset)
            if k and f.read(8) != b'XTENSION':
                return   # (bytes after the last HDU: astropy ignores them)
            f.seek(offset)
            try:
                header = fits.Header.fromfile(f)
            except Exception:  # not a header: astropy names the defect
                return
            if k >= MAX_HDUS:
                raise FrameError(path, f'more than {MAX_HDUS} HDUs (not a raw frame)')
            nbytes = _declared_bytes(path, k, header)
            offset = f.tell() + nbytes + (-nbytes) % 2880
            k += 1


def _check_primary_declared(path, compression):
    """Refuse a compressed file whose primary header declares more than
    :data:`MAX_EXPANDED_BYTES`, from the header alone (one block decompressed)."""
    try:
        with _open_stream(path, compression) as f:
            header = fits.Header.fromfile(f)
    except Exception:  # not a header: reported when the file is read
        return
    if _declared_bytes(path, 0, header) > MAX_EXPANDED_BYTES:
        raise FrameError(path, _TOO_LARGE.format(compression=compression))


def _fits_open(path, compression):
    """astropy's ``fits.open`` (headers read lazily), after :func:`check_plain_layout`
    for an uncompressed file."""
    if compression is None:
        check_plain_layout(path)
    return fits.open(path, memmap=False, lazy_load_hdus=True)


def _compression(path):
    """``'gzip'``, ``'bzip2'``, ``'zip'`` or ``None`` (plain), from the file's first bytes."""
    try:
        with open(path, 'rb') as f:
            magic = f.read(6)
    except PermissionError:
        raise FrameError(path, 'permission denied') from None
    except OSError as exc:
        raise FrameError(path, f'cannot read it ({exc.strerror or _one_line(exc)})') from None
    if magic[:2] == b'\x1f\x8b':
        return 'gzip'
    if magic[:3] == b'BZh':
        return 'bzip2'
    if magic[:4] == b'PK\x03\x04':
        return 'zip'
    if magic != b'SIMPLE':
        raise FrameError(path, 'not a FITS file (it does not start with SIMPLE)')
    return None


@functools.lru_cache(maxsize=1)
def _fast_gzip():
    """``(gzip module, its decoding error)`` of ISA-L (package ``isal``) where it is
    installed, else None: the same bytes as Python's gzip, 1.7x faster (3.4 against
    5.7 ms for a Kast frame)."""
    try:
        from isal import igzip, isal_zlib
    except ImportError:
        return None
    return igzip, isal_zlib.error


def _open_stream(path, compression):
    if compression == 'gzip':
        return gzip.open(path, 'rb')
    if compression == 'bzip2':
        return bz2.open(path, 'rb')
    return open(path, 'rb')


def _stream_reason(path, compression):
    """
    Why a compressed file cannot be read: its stream is read through (this is only
    done after astropy failed on it).

    Returns
    -------
    str or None
        The reason, or None when the stream is sound.
    """
    if compression not in ('gzip', 'bzip2'):
        return None
    name = 'gzip' if compression == 'gzip' else 'bzip2'
    read = 0
    try:
        with _open_stream(path, compression) as f:
            head = f.read(6)
            while (chunk := f.read(2**22)) and read <= MAX_EXPANDED_BYTES:
                read += len(chunk)   # (a stream beyond the cap is not read through)
    except EOFError:
        return f'truncated ({name} stream ends early)'
    except (OSError, ValueError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        return f'corrupt {name} stream ({" ".join(str(exc).split()) or type(exc).__name__})'
    if head != b'SIMPLE':
        return f'not a FITS file ({name}-compressed, but not FITS inside)'
    return None


def _astropy_reason(path, exc, compression):
    """A one-line reason for an exception astropy raised on ``path``."""
    if isinstance(exc, PermissionError):
        return 'permission denied'
    if isinstance(exc, MemoryError):
        return 'not enough memory to read it'
    stream = _stream_reason(path, compression)
    if stream is not None:
        return stream
    text = ' '.join(str(exc).split())
    if isinstance(exc, EOFError) or 'truncated' in text or 'buffer is too small' in text:
        return 'truncated (file ends before its data)'
    if 'No SIMPLE card' in text or 'Empty or corrupt FITS file' in text:
        return 'not a FITS file (no valid FITS header)'
    return f'not a readable FITS file ({_one_line(exc)})'


def _image_shape(hdu):
    """The 2-D shape of an image HDU's data (unit axes dropped), or None."""
    if not isinstance(hdu, (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)):
        return None
    if hdu.header.get('NAXIS', 0) < 2 and not isinstance(hdu, fits.CompImageHDU):
        return None
    shape = tuple(int(n) for n in hdu.shape)
    if any(n == 0 for n in shape):
        return None
    kept = tuple(n for n in shape if n != 1)
    return kept if len(kept) == 2 else None


def _has_data(hdu):
    """Whether an HDU holds any data (an image of another shape, a table...)."""
    try:
        shape = tuple(int(n) for n in hdu.shape) if hasattr(hdu, 'shape') else ()
    except (TypeError, ValueError):
        return False
    if isinstance(hdu, (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)):
        return bool(shape) and all(n > 0 for n in shape)
    return int(hdu.header.get('NAXIS', 0)) > 0 and all(
        int(hdu.header.get(f'NAXIS{k}', 0)) > 0 for k in range(1, hdu.header['NAXIS'] + 1))


@dataclass
class _Probe:
    """What the headers of a FITS file say (no pixel read)."""
    compression: str | None
    image_hdu: int | None          # first HDU with a 2-D image
    shape: tuple | None            # its 2-D shape
    total_pixels: int              # pixels of every image HDU (what PypeIt may read)
    any_data: bool                 # some HDU holds data (1-D, tables...)


def _data_end(hdul, k, hdu):
    """Where the data of HDU ``k`` of an uncompressed file end (bytes)."""
    info = hdul.fileinfo(k)
    if isinstance(hdu, fits.CompImageHDU):
        # Its header is the image's; the table is padded like any fpack file.
        return info['datLoc'] + info['datSpan'] - 2879
    header = hdu.header
    naxis = int(header.get('NAXIS', 0))
    if naxis == 0:
        return info['datLoc']
    count = 1
    for j in range(1, naxis + 1):
        count *= int(header.get(f'NAXIS{j}', 0))
    nbytes = abs(int(header['BITPIX'])) // 8 * int(header.get('GCOUNT', 1)) * (
        int(header.get('PCOUNT', 0)) + count)
    return info['datLoc'] + nbytes


def _scan(path, hdul, compression, stop_at_image=False):
    """What the headers of an open FITS file say; see :class:`_Probe`."""
    image_hdu = shape = None
    total = 0
    any_data = False
    size = os.path.getsize(path) if compression is None else None
    for k, hdu in checked_hdus(path, hdul, compression):
        if size is not None and _data_end(hdul, k, hdu) > size:
            raise FrameError(path, 'truncated (file ends before its data)')
        s = _image_shape(hdu)
        if s is not None:
            total += s[0] * s[1]
            if image_hdu is None:
                image_hdu, shape = k, s
                if stop_at_image:
                    break
        elif _has_data(hdu):
            any_data = True
    return _Probe(compression, image_hdu, shape, total, any_data or image_hdu is not None)


def _probe(path, compression):
    """
    Read the headers of every HDU of a FITS file (no pixels).

    Raises
    ------
    FrameError
        Not FITS, truncated, corrupt.
    """
    try:
        with _fits_open(path, compression) as hdul:
            return _scan(path, hdul, compression)
    except FrameError:
        raise
    except Exception as exc:  # astropy raises many kinds (and warnings) for a broken file
        raise FrameError(path, _astropy_reason(path, exc, compression)) from exc


def _no_image(path, probe):
    if probe.any_data:
        return FrameError(path, 'no image data (no HDU holds a 2-D image)')
    return FrameError(path, 'no image data (header only)')


# ------------------------------------------------------------------ pixels

def _replace_bad(path, image, n_bad_raw=None):
    """
    Replace unusable pixels (NaN, infinite, beyond :data:`MAX_ABS_VALUE`) by the
    median of the others; refuse a frame where most pixels are unusable.

    Parameters
    ----------
    path : str
        Named in errors.
    image : `numpy.ndarray`
        Float image.
    n_bad_raw : tuple of int or None, optional
        ``(unusable, total)`` pixels of the raw frame, when counted before binning.

    Returns
    -------
    `numpy.ndarray`
        ``image`` itself when every pixel is usable, otherwise a new array.

    Raises
    ------
    PixelError
        No usable pixel, or more than :data:`MAX_BAD_FRACTION` unusable.
    """
    if image.size and -MAX_ABS_VALUE <= image.min() and image.max() <= MAX_ABS_VALUE:
        return image   # every pixel usable (min and max are NaN if any pixel is)
    usable = (image >= -MAX_ABS_VALUE) & (image <= MAX_ABS_VALUE)  # False for NaN
    n_usable = int(np.count_nonzero(usable))
    size = image.size
    bad_fraction = (size - n_usable) / size
    if n_bad_raw is not None:
        bad_fraction = max(bad_fraction, n_bad_raw[0] / n_bad_raw[1])
    what = f'NaN, infinite or beyond \u00b1{MAX_ABS_VALUE:.0e}'
    if n_usable == 0:
        raise PixelError(path, f'no usable pixel values (all {what})')
    if bad_fraction > MAX_BAD_FRACTION:
        raise PixelError(path, f'{100 * bad_fraction:.0f}% of the pixel values are unusable '
                               f'({what})')
    if n_usable == size:
        return image
    return np.where(usable, image, np.median(image[usable]))


# ------------------------------------------------------------------ generic loader

def _binning(shape, limit):
    """The smallest block size b with (ny // b) * (nx // b) <= limit."""
    ny, nx = shape
    b = max(1, int(np.ceil(np.sqrt(ny * nx / limit))))
    while (ny // b) * (nx // b) > limit:
        b += 1
    return b


def _section_key(hdu_shape, r0, r1):
    """Index of rows r0:r1 of the 2-D image inside an N-D HDU with unit axes."""
    key, seen = [], 0
    for n in hdu_shape:
        if n == 1:
            key.append(0)
        else:
            key.append(slice(r0, r1) if seen == 0 else slice(None))
            seen += 1
    return tuple(key)


def _read_binned(path, hdu, shape, b, compression):
    """
    Read a 2-D image in strips of rows and average it over ``b x b`` blocks (a
    trailing partial block is dropped), never holding more than one strip.

    Returns
    -------
    image : `numpy.ndarray`
        Binned image; NaN where a block holds no usable pixel.
    raw_max : float
    n_bad : int
        Unusable raw pixels.
    """
    ny, nx = shape
    oy, ox = ny // b, nx // b
    out = np.empty((oy, ox), dtype=float)
    raw_max = -np.inf
    n_bad = 0
    rows_per_read = b * max(1, _CHUNK_BYTES // (b * nx * 8))
    header = hdu.header
    stream = None
    if not isinstance(hdu, fits.CompImageHDU) and compression != 'zip':
        # Uncompressed image data (in a plain, gzip or bzip2 file): read the raw bytes
        # in order, so that a compressed stream is decompressed once.
        dtype = _BITPIX.get(int(header['BITPIX']))
        if dtype is None:
            raise FrameError(path, f'unsupported BITPIX {header["BITPIX"]}')
        bscale = float(header.get('BSCALE', 1.0))
        bzero = float(header.get('BZERO', 0.0))
        blank = header.get('BLANK') if dtype.kind in 'iu' else None
        stream = _open_stream(path, compression)
        stream.seek(hdu.fileinfo()['datLoc'])
    try:
        for r0 in range(0, oy * b, rows_per_read):
            r1 = min(r0 + rows_per_read, oy * b)
            if stream is None:
                block = np.asarray(hdu.section[_section_key(hdu.shape, r0, r1)], dtype=float)
            else:
                count = (r1 - r0) * nx
                buf = stream.read(count * dtype.itemsize)
                if len(buf) < count * dtype.itemsize:
                    raise FrameError(path, 'truncated (file ends before its data)')
                raw = np.frombuffer(buf, dtype=dtype, count=count)
                block = raw.astype(float)
                if blank is not None:
                    block[raw == blank] = np.nan
                if bscale != 1.0:
                    block *= bscale
                if bzero != 0.0:
                    block += bzero
            block = block.reshape(r1 - r0, nx)[:, :ox * b]
            usable = (block >= -MAX_ABS_VALUE) & (block <= MAX_ABS_VALUE)
            n_bad += block.size - int(np.count_nonzero(usable))
            if usable.any():
                raw_max = max(raw_max, float(block[usable].max()))
            block[~usable] = 0.0
            k = (r1 - r0) // b
            sums = block.reshape(k, b, ox, b).sum(axis=(1, 3))
            counts = usable.reshape(k, b, ox, b).sum(axis=(1, 3))
            out[r0 // b:r0 // b + k] = np.divide(sums, counts, out=np.full_like(sums, np.nan),
                                                 where=counts > 0)
    finally:
        if stream is not None:
            stream.close()
    # Unused trailing rows/columns of a partial block are not read, not counted.
    return out, raw_max, n_bad


def load_generic(path, max_pixels=None, _probe_result=None, _note=None):
    """
    Read the first 2-D image HDU of a FITS file, with no instrument knowledge.

    Parameters
    ----------
    path : str or `pathlib.Path`
        FITS file (plain, gzip, bzip2 or fpack-compressed; single or multi-extension).
    max_pixels : int or None, optional
        Size limit (see :func:`size_limit`): a larger image is read in strips and
        averaged over blocks of pixels until it is under the limit.

    Returns
    -------
    LoadedFrame
        The image, rotated by 90 degrees when taller than wide. ``loader`` is
        ``'generic'``, or ``'generic (binned bxb: ...)'`` for a binned frame.

    Raises
    ------
    FrameError
        Missing, empty or unreadable file, no HDU with 2-D image data, or no usable
        pixel values.
    """
    limit = size_limit(max_pixels)
    p = _check_file(path)
    compression = _compression(p)
    notes = [] if _note is None else [_note]
    n_bad = None
    try:
        with _fits_open(p, compression) as hdul:
            probe = _probe_result if _probe_result is not None else \
                _scan(p, hdul, compression, stop_at_image=True)
            if probe.image_hdu is None:
                raise _no_image(path, probe)
            header = hdul[0].header.copy()
            hdu = hdul[probe.image_hdu]
            npix = probe.shape[0] * probe.shape[1]
            if npix <= limit:
                image = np.squeeze(np.asarray(hdu.data)).astype(float)
            else:
                b = _binning(probe.shape, limit)
                image, raw_max, bad = _read_binned(path, hdu, probe.shape, b, compression)
                n_bad = (bad, npix)
                notes.append(f'binned {b}x{b}' if notes else
                             f'binned {b}x{b}: {probe.shape[0]}x{probe.shape[1]} pixels is '
                             f'above the {_megapixels(limit)} limit')
    except FrameError:
        raise
    except Exception as exc:  # astropy raises many kinds for a broken file
        raise FrameError(path, _astropy_reason(p, exc, compression)) from exc
    if image.ndim != 2 or min(image.shape) == 0:
        raise FrameError(path, f'no image data (image of shape {image.shape})')
    image = _replace_bad(path, image, n_bad)
    if n_bad is None:
        raw_max = float(np.max(image))
    if image.shape[0] > image.shape[1]:
        image = np.rot90(image)
    loader = 'generic' + (f' ({"; ".join(notes)})' if notes else '')
    return LoadedFrame(path=str(path), image=np.ascontiguousarray(image), loader=loader,
                       raw_max=raw_max, header=header)


# ------------------------------------------------------------------ PypeIt's reader

def _bounding_box(mask):
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


class _PypeItRefused(Exception):
    """PypeIt's reader could not give a usable image; the message says why."""


def _mosaic_of(spec, det):
    """PypeIt's default detector mosaic when ``det`` belongs to it (GMOS, DEIMOS), else None."""
    mosaic = getattr(spec, 'default_mosaic', None)
    if isinstance(det, int) and mosaic and det in tuple(mosaic):
        return tuple(mosaic)
    return None


def _amplifier(sections, amp):
    """
    Where amplifier ``amp``'s pixels lie in a PypeIt section image: ``(box, mask)``,
    the rows and columns that bound them and, unless they fill that box, which of its
    pixels they are (else None); None when the amplifier has no pixel there.
    """
    mask = sections == amp
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    r = slice(rows[0], rows[-1] + 1)
    cols = np.flatnonzero(mask[r].any(axis=0))
    box = (r, slice(cols[0], cols[-1] + 1))
    inside = mask[box]
    return box, None if inside.all() else inside


def _one_detector(path, image, datasec, oscansec, detector, spec, levels, noises):
    """Overscan-subtract each amplifier, crop to the data sections, orient as PypeIt."""
    if image is None or np.ndim(image) != 2:
        raise _PypeItRefused(f'expected one detector image, got shape {np.shape(image)}')
    data = None if datasec is None else datasec > 0
    if data is None or not np.any(data):
        raise _PypeItRefused('no data section')
    image = _replace_bad(path, np.asarray(image, dtype=float))
    box = _bounding_box(data)
    raw_max = float(np.max(image[box]))
    for amp in range(1, int(datasec.max()) + 1):
        where = None if oscansec is None else _amplifier(oscansec, amp)
        if where is None:
            continue
        # the overscan pixels in the order of image[oscansec == amp]
        osc = image[where[0]].ravel() if where[1] is None else image[where[0]][where[1]]
        level = median(osc)
        levels.append(level)
        noises.append(robust_sigma(osc))
        # in place (get_rawimage's array is ours), only in the amplifier's data box
        where = _amplifier(datasec, amp)
        if where is None:
            continue
        part = image[where[0]]
        if where[1] is None:
            part -= level
        else:
            np.subtract(part, level, out=part, where=where[1])
    return _oriented(spec, detector, image[box]), raw_max


def _oriented(spec, detector, image):
    """PypeIt's ``orient_image`` of ``image``: as a view where it is PypeIt's own
    (transposed and flipped as the detector says; the canonical image is then copied
    once, not twice), else the spectrograph's (a copy)."""
    from pypeit.spectrographs.spectrograph import Spectrograph
    if type(spec).orient_image is not Spectrograph.orient_image:
        return spec.orient_image(detector, image)
    if spec.raw_is_transposed(detector):
        image = image.T
    if detector['specflip']:
        image = np.flip(image, axis=0)
    if detector['spatflip']:
        image = np.flip(image, axis=1)
    return image


#: Bytes a compressed frame may inflate to and still be decompressed into a temporary
#: plain file for PypeIt's reader (:func:`_plain_copy`): 8 bytes per pixel of the size
#: limit, plus room for headers and tables.
_PLAIN_SLACK = 16 * 2**20


def _plain_name(p, spec):
    """The name of the plain copy of compressed file ``p`` (its compression suffix
    dropped), or None when PypeIt's extension check would not treat it as the
    original (PypeIt refuses the original, or would refuse the copy)."""
    name = p.name
    lower = name.lower()
    for suffix in ('.gz', '.bz2'):
        if lower.endswith(suffix):
            plain = name[:-len(suffix)]
            break
    else:
        plain = name
    allowed = getattr(spec, 'allowed_extensions', None)
    if allowed is not None and not (any(name.endswith(e) for e in allowed)
                                    and any(plain.endswith(e) for e in allowed)):
        return None
    return plain or 'frame.fits'


#: Folders of the plain copies being read now (:func:`remove_plain_copies`).
_LIVE_COPIES = set()


def _remove_copy(folder):
    """Remove the folder of a plain copy (whatever is left of it)."""
    shutil.rmtree(folder, ignore_errors=True)
    _LIVE_COPIES.discard(folder)


def remove_plain_copies():
    """
    Remove the temporary plain copies of compressed frames being read now.

    For a process that is told to end (SIGTERM) in the middle of a frame and so leaves
    its ``with`` blocks unfinished: the reading processes of
    :func:`pypeit_spit.pipeline.classify.classify_files` call it before they exit.
    """
    for folder in list(_LIVE_COPIES):
        _remove_copy(folder)


@contextlib.contextmanager
def _plain_copy(p, compression, spec, limit):
    """
    A gzip- or bzip2-compressed frame decompressed once into a temporary plain FITS
    file, for as long as the block lasts; None for a plain file, or when the copy
    cannot be made (a stream that is corrupt or inflates beyond what the size limit
    allows, no temporary space): the compressed file is then read as it is, and its
    defects are reported as before.

    Reading a compressed frame through PypeIt's reader decompresses it several times
    (astropy re-reads the stream from its start to reach each HDU); from the copy, the
    headers are read by seeking and the pixels by memory mapping.
    """
    name = _plain_name(p, spec) if compression in ('gzip', 'bzip2') else None
    if name is None:
        yield None
        return
    _check_primary_declared(p, compression)
    max_bytes = 8 * limit + _PLAIN_SLACK
    fast = _fast_gzip() if compression == 'gzip' else None
    errors = (OSError, EOFError, ValueError, zlib.error) + ((fast[1],) if fast else ())
    folder = tempfile.mkdtemp(prefix='pypeit_spit_')
    _LIVE_COPIES.add(folder)   # until removed, also by remove_plain_copies()
    try:
        plain = Path(folder) / name
        try:
            written = 0
            with (fast[0].open(p, 'rb') if fast else _open_stream(p, compression)) as src, \
                    open(plain, 'wb') as dst:
                while chunk := src.read(2**22):
                    written += len(chunk)
                    if written > max_bytes:
                        raise ValueError('inflates beyond the size limit')
                    dst.write(chunk)
        except errors:
            plain = None
        yield plain
    finally:
        _remove_copy(folder)


def _rawimage(spec, p, det):
    """PypeIt's ``get_rawimage``: ``(detector parameters, raw image(s), data sections,
    overscan sections, (primary header, headers))``, the headers of every HDU as
    PypeIt's ``get_headarr`` gives them for the file PypeIt opened (None if it cannot);
    raises whatever PypeIt's reader raises."""
    detpar, raw, hdu, _, datasec, oscansec = spec.get_rawimage(str(p), det)
    try:
        headers = spec.get_headarr(hdu)   # parsed now: still readable once closed
    except Exception:   # not an HDU list: PypeIt's metadata reads the file itself
        headers = None
    header = hdu[0].header if headers is None else headers[0]
    hdu.close()
    return detpar, raw, datasec, oscansec, (header, headers)


def _loaded(path, image, loader, levels, noises, raw_max, headers, detpar=None):
    """A :class:`LoadedFrame` from PypeIt's (spectral, spatial) image: made
    spectral-horizontal, with the median overscan level and noise of the amplifiers;
    ``headers`` is ``(primary header, every header or None)`` (:func:`_rawimage`)."""
    return LoadedFrame(path=str(path), image=np.ascontiguousarray(image.T), loader=loader,
                       bias_level=float(np.median(levels)) if levels else None,
                       read_noise=float(np.median(noises)) if noises else None,
                       detector_noise=detector_noise(detpar),
                       raw_max=raw_max, header=headers[0], headers=headers[1])


def _read_with_pypeit(path, p, spec, det):
    """PypeIt's reader, overscan subtraction and orientation; see :func:`load_with_pypeit`."""
    mosaic = _mosaic_of(spec, det)
    try:
        detpar, raw, datasec, oscansec, headers = _rawimage(spec, p, mosaic or det)
    except Exception as exc:  # PypeIt's readers raise anything for a file they do not expect
        if mosaic is not None:   # a file that is not the full mosaic: its first detector
            return _read_with_pypeit_single(path, p, spec, det, reason=_one_line(exc))
        raise _PypeItRefused(_one_line(exc)) from exc
    levels, noises = [], []
    if mosaic is None:
        image, raw_max = _one_detector(path, raw, datasec, oscansec, detpar, spec, levels,
                                       noises)
        return _loaded(path, image, f'pypeit:{spec.name}', levels, noises, raw_max, headers,
                       detpar)
    from pypeit.core.mosaic import build_image_mosaic
    parts, maxima = [], []
    for k, detector in enumerate(detpar.detectors):
        part, top = _one_detector(path, raw[k], datasec[k], oscansec[k], detector, spec,
                                  levels, noises)
        parts.append(part)
        maxima.append(top)
    try:
        # PypeIt's own mosaic geometry (shifts, rotations), nearest-pixel as PypeIt
        # does; the gaps between detectors are 0 (the bias level)
        image = build_image_mosaic(np.array(parts), detpar.tform, order=detpar.msc_ord)[0]
    except Exception as exc:
        return _read_with_pypeit_single(path, p, spec, det, reason=_one_line(exc))
    return _loaded(path, image, f'pypeit:{spec.name} (mosaic {",".join(map(str, mosaic))})',
                   levels, noises, max(maxima), headers, detpar)


def _read_with_pypeit_single(path, p, spec, det, reason):
    """One detector of a mosaic spectrograph, when the mosaic cannot be read."""
    try:
        detpar, raw, datasec, oscansec, headers = _rawimage(spec, p, det)
    except Exception as exc:
        raise _PypeItRefused(_one_line(exc)) from exc
    levels, noises = [], []
    image, raw_max = _one_detector(path, raw, datasec, oscansec, detpar, spec, levels, noises)
    return _loaded(path, image, f'pypeit:{spec.name} (detector {det}; mosaic not read: '
                                f'{reason})', levels, noises, raw_max, headers, detpar)


def load_with_pypeit(path, spectrograph, det=1, max_pixels=None, fallback=True):
    """
    Read a raw frame the way PypeIt reads it for one spectrograph.

    Uses the spectrograph's ``get_rawimage`` (its raw reader and data/overscan sections)
    and ``orient_image`` (its orientation), subtracts the median overscan level of each
    amplifier from that amplifier's data pixels, crops to the data sections and returns
    the image spectral-horizontal.

    The file is first checked with astropy (headers only): a file that is not FITS,
    is truncated or holds no image is reported without calling PypeIt. A frame above
    the size limit is not given to PypeIt's reader (which reads whole images).

    Parameters
    ----------
    path : str or `pathlib.Path`
        Raw FITS file.
    spectrograph : str or `pypeit.spectrographs.spectrograph.Spectrograph`
        PypeIt spectrograph (name or instance).
    det : int, optional
        Detector number (1-indexed), as PypeIt counts them.
    max_pixels : int or None, optional
        Size limit (see :func:`size_limit`).
    fallback : bool, optional
        When PypeIt's reader refuses the file, or it is above the size limit, read
        it with :func:`load_generic` and say so in ``loader``
        (``generic (PypeIt's reader failed: <reason>)``). False raises instead.

    Returns
    -------
    LoadedFrame

    Raises
    ------
    FrameError
        Unknown spectrograph, or a file neither PypeIt nor the generic loader can read
        (the reason is the generic loader's, which names the defect).
    """
    limit = size_limit(max_pixels)
    p = _check_file(path)
    try:
        spec = get_spectrograph(spectrograph)
    except UsageError as exc:
        raise FrameError(path, str(exc)) from exc
    compression = _compression(p)
    with _plain_copy(p, compression, spec, limit) as plain:
        if plain is None:
            return _load_with_pypeit(path, p, compression, spec, det, limit, fallback)
        try:
            # A file of at most ``limit`` bytes holds at most ``limit`` pixels: its
            # headers need no reading before PypeIt's reader (only if it refuses).
            frame = _load_with_pypeit(path, plain, None, spec, det, limit, fallback,
                                      probe_first=plain.stat().st_size > limit)
        except FrameError as exc:
            raise type(exc)(path, exc.reason.replace(str(plain), str(p))) from exc
        frame.loader = frame.loader.replace(str(plain), str(p))
        return frame


def _load_with_pypeit(path, p, compression, spec, det, limit, fallback, probe_first=True):
    """
    :func:`load_with_pypeit` on file ``p`` (``path`` itself or its plain copy); with
    ``probe_first`` False (a file too small to exceed the size limit) its headers are
    checked only when PypeIt's reader refuses it.
    """
    probe = _probe(p, compression) if probe_first else None
    if probe is not None and probe.image_hdu is None:
        raise _no_image(path, probe)
    if probe is not None and probe.total_pixels > limit:
        why = (f"PypeIt's reader not used: {_megapixels(probe.total_pixels)} is above the "
               f'{_megapixels(limit)} limit')
        if not fallback:
            raise FrameError(path, why)
        frame = load_generic(p, max_pixels=limit, _probe_result=probe, _note=why)
        frame.path = str(path)
        return frame
    try:
        return _read_with_pypeit(path, p, spec, det)
    except _PypeItRefused as exc:
        if probe is None:
            probe = _probe(p, compression)
            if probe.image_hdu is None:
                raise _no_image(path, probe) from exc
        why = f"PypeIt's reader failed: {exc}"
        if not fallback:
            raise FrameError(path, f'PypeIt ({spec.name}) cannot read it: {exc}') from exc
        try:
            frame = load_generic(p, max_pixels=limit, _probe_result=probe)
        except FrameError as gen:
            # The generic loader names the defect (truncated, no usable pixels...).
            raise type(gen)(path, gen.reason) from exc
    frame.path = str(path)
    frame.loader = f'generic ({why})'
    return frame


def load_frame(path, spectrograph=None, det=1, max_pixels=None, fallback=True):
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
    max_pixels : int or None, optional
        Size limit (see :func:`size_limit`).
    fallback : bool, optional
        See :func:`load_with_pypeit`.

    Returns
    -------
    LoadedFrame
    """
    if spectrograph is None:
        return load_generic(path, max_pixels=max_pixels)
    return load_with_pypeit(path, spectrograph, det=det, max_pixels=max_pixels,
                            fallback=fallback)
