"""
PypeIt's reader: a frame's detector pixels exactly as PypeIt reads them for a named
spectrograph (``get_rawimage``, overscan per amplifier, mosaics), oriented into the
canonical image (``orient_image``); the generic loader takes over where PypeIt's reader
refuses a file it can read.
"""
import numpy as np

from pypeit_spit.errors import FrameError, UsageError
from pypeit_spit.io.generic import load_generic, _replace_bad
from pypeit_spit.io.loaded import LoadedFrame, size_limit
from pypeit_spit.io.plain_copy import _plain_copy
from pypeit_spit.io.probe import (_check_file, _compression, _megapixels, _no_image, _one_line,
                                  _probe)
from pypeit_spit.io.spectrograph import detector_noise, get_spectrograph
from pypeit_spit.preprocess.stats import median, robust_sigma

__all__ = ['load_with_pypeit']

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
