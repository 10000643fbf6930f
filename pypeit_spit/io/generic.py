"""
The generic loader: the first HDU with 2-D image data, of any file astropy reads.

Frames beyond the size limit (:func:`~pypeit_spit.io.loaded.size_limit`) are read in
strips of rows and averaged over blocks of ``b x b`` pixels; pixels that are not counts
(NaN, infinite, beyond :data:`~pypeit_spit.io.loaded.MAX_ABS_VALUE`) are replaced by the
median of the others.
"""
import numpy as np
from astropy.io import fits

from pypeit_spit.errors import FrameError, PixelError
from pypeit_spit.io.loaded import LoadedFrame, MAX_ABS_VALUE, MAX_BAD_FRACTION, size_limit
from pypeit_spit.io.probe import (_astropy_reason, _BITPIX, _check_file, _compression,
                                  _fits_open, _megapixels, _no_image, _open_stream, _scan)

__all__ = ['load_generic']

#: Bytes (as float64) of the strip of rows the binned reader holds at a time.
_CHUNK_BYTES = 8 * 2**20


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
