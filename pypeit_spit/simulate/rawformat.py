"""
Instrument layer: the raw file format of any PypeIt spectrograph, learnt from PypeIt's reader.

An instrument module (:mod:`pypeit_spit.simulate.instruments`) only says what a raw file
*looks like* -- which HDUs, their shapes, and the geometry header cards (sections,
binning, pre/overscan sizes) -- for a drawn read-out window. Where the data pixels of
each detector end up, how PypeIt orients them, which pixels are overscan, and which
amplifier reads each pixel are then *learnt from PypeIt itself*: a skeleton file whose
pixels hold their own address is written once per geometry and read back with the
spectrograph's ``get_rawimage``. The addresses that come back give, for every pixel of
PypeIt's assembled raw image, the HDU and the pixel it came from. The simulator renders
light on a canonical ``(spatial, spectral)`` scene, cuts each detector's part, orients it
back into PypeIt's assembled raw frame, adds bias, overscan and noise per amplifier
there, and scatters the result into the HDUs through the learnt addresses. No section,
flip or amplifier layout is re-typed here.

A *scene* image is ``(nspat, nspec)``: spatial rows, spectral columns, wavelength
increasing with column, in binned pixels, covering the data of every simulated detector
placed as PypeIt mosaics them (or as the instrument's parameters say where PypeIt has
no mosaic).
"""
from dataclasses import dataclass, field
import os
import tempfile

import numpy as np
from astropy.io import fits

__all__ = ['HDUSpec', 'DetMap', 'RawMap', 'learn_raw_map', 'to_raw', 'write_hdus',
           'make_hdulist', 'oriented_to_raw']

#: Bits of a pixel address that hold the pixel index (the HDU index sits above them);
#: int64 addresses stay exact through readers that convert to float64.
_ID_BITS = 32


@dataclass
class HDUSpec:
    """
    One HDU of a raw file: its header cards and the shape of its image.

    Attributes
    ----------
    header : `astropy.io.fits.Header`
        Cards to write (geometry and metadata); structural cards are added on writing.
    shape : tuple or None
        ``(NAXIS2, NAXIS1)`` of the image, or None for a data-less HDU.
    compressed : bool
        Write as a tile-compressed image (``.fz`` files).
    dark : list of tuple of slice
        Regions of the image that no light reaches (physical pre/overscan that PypeIt
        nevertheless reads as data).
    """
    header: fits.Header
    shape: tuple | None = None
    compressed: bool = False
    dark: list = field(default_factory=list)


@dataclass
class DetMap:
    """
    Where one PypeIt detector's pixels live, learnt from ``get_rawimage``.

    Attributes
    ----------
    det : int
        PypeIt detector number (1-indexed).
    shape : tuple
        Shape of PypeIt's assembled raw image of this detector.
    offset : int
        Start of this detector in the concatenated (all detectors) pixel vector.
    data_amp, osc_amp : `numpy.ndarray` of int8
        Amplifier (1-indexed, 0 = none) of each data / overscan pixel (PypeIt's
        ``rawdatasec_img`` / ``oscansec_img``).
    box : tuple of slice
        Bounding box of the data pixels in the assembled image.
    specaxis : int
    specflip, spatflip : bool
        PypeIt's orientation of this detector.
    nspec, nspat : int
        Size of the oriented data box (binned pixels).
    gain, ronoise : tuple of float
        Per amplifier (PypeIt), e-/ADU and e-.
    saturation : float
    placement : tuple of int
        ``(spat0, spec0)``: where the oriented data box sits in the scene.
    lit : `numpy.ndarray` of bool or None
        Data pixels that light can reach (None: all of them).
    """
    det: int
    shape: tuple
    offset: int
    data_amp: np.ndarray
    osc_amp: np.ndarray
    box: tuple
    specaxis: int
    specflip: bool
    spatflip: bool
    nspec: int
    nspat: int
    gain: tuple
    ronoise: tuple
    saturation: float
    placement: tuple = (0, 0)
    lit: np.ndarray | None = None

    @property
    def namps(self):
        """Number of amplifiers that read data."""
        return max(int(self.data_amp.max()), 1)


@dataclass
class RawMap:
    """
    The learnt layout of one raw geometry: detectors, and how HDU pixels are gathered.

    Attributes
    ----------
    dets : list of DetMap
    hdu_shapes : list
        Image shape per HDU (None for data-less HDUs).
    src : list
        Per HDU: None, or an int32 array (HDU size) of indices into the concatenated
        assembled-pixel vector (-1 where PypeIt never reads the pixel).
    fill : list
        Per HDU: ``(det index, amp)`` whose bias level fills the unread pixels.
    scene_shape : tuple
        ``(nspat, nspec)`` of the scene covering every detector.
    size : int
        Length of the concatenated assembled-pixel vector.
    """
    dets: list
    hdu_shapes: list
    src: list
    fill: list
    scene_shape: tuple
    size: int
    extra: dict = field(default_factory=dict)


def _ids_for(shape, hdu_index):
    n = int(np.prod(shape))
    if n >= (1 << _ID_BITS):
        raise ValueError(f'HDU {hdu_index} of shape {shape} is too large for the pixel map')
    return ((np.int64(hdu_index) << _ID_BITS) + 1
            + np.arange(n, dtype=np.int64)).reshape(shape)


def make_hdulist(specs, arrays):
    """
    An in-memory raw file: one HDU per spec, with the given image arrays.

    uint16 arrays are stored as FITS ``BITPIX=16, BZERO=32768`` (how CCD controllers
    write unsigned counts); other integer arrays as they are.

    Parameters
    ----------
    specs : list of HDUSpec
    arrays : list
        Image per HDU (None for data-less HDUs).

    Returns
    -------
    `astropy.io.fits.HDUList`
    """
    hdus = []
    for i, (s, a) in enumerate(zip(specs, arrays)):
        hdr = s.header.copy()
        if i == 0:
            hdu = fits.PrimaryHDU(data=a, header=hdr, uint=True)
        elif s.compressed:
            ctype = 'RICE_1' if a is None or a.dtype.itemsize <= 4 else 'GZIP_2'
            hdu = fits.CompImageHDU(data=a, header=hdr, compression_type=ctype)
        else:
            hdu = fits.ImageHDU(data=a, header=hdr, uint=True)
        hdus.append(hdu)
    return fits.HDUList(hdus)


def write_hdus(path, specs, arrays, overwrite=True):
    """
    Write a raw file (see :func:`make_hdulist`).

    Parameters
    ----------
    path : str or `pathlib.Path`
        Output file; ``.gz`` compresses.
    specs : list of HDUSpec
    arrays : list
        Image per HDU (None for data-less HDUs).
    overwrite : bool, optional
    """
    make_hdulist(specs, arrays).writeto(path, overwrite=overwrite, output_verify='silentfix')


def oriented_to_raw(sub, specaxis, specflip, spatflip):
    """
    Turn a scene cut ``(spat, spec)`` into PypeIt's raw (un-oriented) frame.

    The inverse of ``Spectrograph.orient_image`` (transpose when ``specaxis == 1``,
    then flip the spectral and spatial axes as asked) applied to ``sub.T``.

    Parameters
    ----------
    sub : `numpy.ndarray`
        ``(nspat, nspec)`` image, wavelength increasing with column.
    specaxis : int
    specflip, spatflip : bool

    Returns
    -------
    `numpy.ndarray`
    """
    o = sub.T                          # PypeIt orientation: (spec, spat)
    if spatflip:
        o = o[:, ::-1]
    if specflip:
        o = o[::-1, :]
    return o.T if specaxis == 1 else o


def _placements(dets, arrangement, gap):
    """
    Place detectors in the scene: side by side along ``'spat'`` or ``'spec'`` with
    ``gap`` binned pixels, or on a grid (``arrangement`` = {det: (i_spat, i_spec)},
    ``gap`` = (spatial gap, spectral gap); detectors of equal size).
    """
    if isinstance(arrangement, dict):
        gs, gw = gap if isinstance(gap, tuple) else (gap, gap)
        return [(arrangement[d.det][0] * (d.nspat + gs), arrangement[d.det][1] * (d.nspec + gw))
                for d in dets]
    pos = 0
    out = []
    for d in dets:
        out.append((pos, 0) if arrangement == 'spat' else (0, pos))
        pos += (d.nspat if arrangement == 'spat' else d.nspec) + gap
    return out


def learn_raw_map(spec, specs, dets, suffix, arrangement=None, gap=0, order=None):
    """
    Learn where PypeIt reads every pixel of a raw geometry.

    A skeleton file whose pixels hold their own address (HDU index and pixel index,
    int64) is written to a temporary folder and read back with
    ``spec.get_rawimage(file, det)`` for every detector.

    Parameters
    ----------
    spec : `pypeit.spectrographs.spectrograph.Spectrograph`
    specs : list of HDUSpec
        The geometry (headers must carry every card PypeIt's reader and
        ``get_detector_par`` read).
    dets : sequence of int
        PypeIt detectors to learn.
    suffix : str
        File name ending PypeIt accepts for this spectrograph (e.g. ``.fits``).
    arrangement : str, optional
        How detectors sit in the scene when there are several: ``'spat'`` or
        ``'spec'`` (side by side along that axis, in ``order``).
    gap : int, optional
        Binned pixels between detectors.
    order : sequence of int, optional
        Detector order along the arrangement axis (default: ``dets``).

    Returns
    -------
    RawMap

    Raises
    ------
    ValueError
        When PypeIt's reader returns values that are no pixel addresses (a reader that
        does arithmetic on the pixels), or finds no data section.
    """
    arrays = [None if s.shape is None else _ids_for(s.shape, i) for i, s in enumerate(specs)]
    maps = []
    src = [None if s.shape is None else np.full(int(np.prod(s.shape)), -1, dtype=np.int32)
           for s in specs]
    dark = []
    for s in specs:
        if s.shape is None or not s.dark:
            dark.append(None)
            continue
        m = np.zeros(s.shape, dtype=bool)
        for sl in s.dark:
            m[sl] = True
        dark.append(m.ravel())
    offset = 0
    with tempfile.TemporaryDirectory(prefix='spit_sim_') as tmp:
        path = os.path.join(tmp, 'skeleton' + suffix)
        write_hdus(path, specs, arrays)
        for det in dets:
            detpar, raw, hdul, _, datasec_img, oscansec_img = spec.get_rawimage(path, det)
            hdul.close()
            raw = np.asarray(raw)
            ids = np.rint(raw).astype(np.int64)
            if not np.allclose(raw, ids) or ids.min() < 0:
                raise ValueError(f'{spec.name}: PypeIt reader changed pixel values; '
                                 'cannot learn its layout')
            datamask = datasec_img > 0
            if not datamask.any():
                raise ValueError(f'{spec.name}: PypeIt found no data section for det {det}')
            flat = ids.ravel()
            mapped = flat > 0
            hidx = (flat[mapped] - 1) >> _ID_BITS
            pidx = (flat[mapped] - 1) & ((1 << _ID_BITS) - 1)
            pos = np.flatnonzero(mapped).astype(np.int64) + offset
            lit = None
            for h in np.unique(hidx):
                sel = hidx == h
                src[int(h)][pidx[sel]] = pos[sel]
                if dark[int(h)] is not None:
                    if lit is None:
                        lit = datamask.copy()
                    idx = np.flatnonzero(mapped)[sel]
                    lit.ravel()[idx[dark[int(h)][pidx[sel]]]] = False
            rows = np.flatnonzero(datamask.any(axis=1))
            cols = np.flatnonzero(datamask.any(axis=0))
            box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
            nr, nc = rows[-1] + 1 - rows[0], cols[-1] + 1 - cols[0]
            specaxis = int(detpar['specaxis'])
            nspec, nspat = (nc, nr) if specaxis == 1 else (nr, nc)
            maps.append(DetMap(
                det=int(det), shape=raw.shape, offset=offset,
                data_amp=datasec_img.astype(np.int8), osc_amp=oscansec_img.astype(np.int8),
                box=box, specaxis=specaxis, specflip=bool(detpar['specflip']),
                spatflip=bool(detpar['spatflip']), nspec=int(nspec), nspat=int(nspat),
                gain=tuple(float(g) for g in np.atleast_1d(detpar['gain'])),
                ronoise=tuple(float(r) for r in np.atleast_1d(detpar['ronoise'])),
                saturation=float(detpar['saturation']), lit=lit))
            offset += raw.size
    # which detector/amplifier fills the pixels PypeIt never reads
    fill = []
    for h, s in enumerate(src):
        if s is None:
            fill.append(None)
            continue
        m = s[s >= 0]
        if m.size == 0:
            fill.append((0, 1))
            continue
        sample = m[:: max(1, m.size // 2000)]
        di = np.searchsorted([d.offset for d in maps], sample, side='right') - 1
        d = maps[int(np.bincount(di).argmax())]
        loc = sample[di == maps.index(d)] - d.offset
        amps = np.maximum(d.data_amp.ravel()[loc], d.osc_amp.ravel()[loc])
        amps = amps[amps > 0]
        fill.append((maps.index(d), int(np.bincount(amps).argmax()) if amps.size else 1))
    # scene placement
    if len(maps) > 1:
        by_det = {d.det: d for d in maps}
        seq = [by_det[o] for o in (order or [d.det for d in maps])]
        for d, pl in zip(seq, _placements(seq, arrangement or 'spat', gap)):
            d.placement = pl
    nspat = max(d.placement[0] + d.nspat for d in maps)
    nspec = max(d.placement[1] + d.nspec for d in maps)
    return RawMap(dets=maps, hdu_shapes=[s.shape for s in specs], src=src, fill=fill,
                  scene_shape=(int(nspat), int(nspec)), size=int(offset))


def to_raw(rawmap, scene, rng, levels, read_noise, gain_scale=None, prnu=0.0,
           cosmetics=None, dtype=np.uint16):
    """
    Read out a scene into the raw HDU arrays of a learnt geometry.

    Parameters
    ----------
    rawmap : RawMap
    scene : `numpy.ndarray`
        ``(nspat, nspec)`` light in electrons per binned pixel.
    rng : `numpy.random.Generator`
    levels : list
        Per detector: per-amplifier bias level (ADU), indexable by amp number - 1;
        a final extra entry is the level of pixels that are neither data nor overscan
        (pre-scan).
    read_noise : list
        Per detector: per-amplifier read noise (ADU).
    gain_scale : list, optional
        Per detector: per-amplifier factor on PypeIt's gain (gain mismatch).
    prnu : float, optional
        Pixel response non-uniformity (relative).
    cosmetics : callable, optional
        ``cosmetics(det_index, assembled_image, datamask)``, applied in place in
        PypeIt's assembled raw frame (bad columns, ...).
    dtype : numpy dtype, optional
        Output pixel type (uint16 clips at 65535).

    Returns
    -------
    list
        Image per HDU (None for data-less HDUs).
    """
    vec = np.empty(rawmap.size, dtype=np.float32)
    for i, d in enumerate(rawmap.dets):
        code, lightmask, datamask = _pixel_codes(d)
        s0, w0 = d.placement
        sub = scene[s0:s0 + d.nspat, w0:w0 + d.nspec]
        n = d.namps
        gains = np.asarray(d.gain, dtype=np.float32)
        gains = np.resize(gains, n)
        if gain_scale is not None:
            gains = gains * np.resize(np.asarray(gain_scale[i], dtype=np.float32), n)
        lev = np.asarray(levels[i], dtype=np.float32)
        rn = np.resize(np.asarray(read_noise[i], dtype=np.float32), n + 1)
        # tables indexed by the pixel code: 0 = pre-scan (neither data nor overscan)
        inv_g = (1.0 / np.concatenate([gains[:1], gains])).astype(np.float32)
        lev_t = np.concatenate([lev[-1:], np.resize(lev[:-1] if lev.size > n else lev, n)])
        rn2_t = (np.concatenate([rn[-1:], rn[:n]]) ** 2).astype(np.float32)
        img = np.zeros(d.shape, dtype=np.float32)
        img[d.box] = oriented_to_raw(sub, d.specaxis, d.specflip, d.spatflip)
        img *= lightmask
        np.maximum(img, 0.0, out=img)
        inv = inv_g[code] if n > 1 else np.float32(inv_g[1])
        img *= inv                                   # ADU
        var = img * inv                              # photon variance (ADU^2)
        if prnu > 0:
            var += (np.float32(prnu) * img) ** 2
        var += rn2_t[code]
        np.sqrt(var, out=var)
        var *= rng.standard_normal(d.shape, dtype=np.float32)
        img += var
        img += lev_t[code]
        if cosmetics is not None:
            cosmetics(i, img, datamask)
        vec[d.offset:d.offset + img.size] = img.ravel()
    out = []
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    gather = rawmap.extra.setdefault('gather', {})
    for h, (shape, src) in enumerate(zip(rawmap.hdu_shapes, rawmap.src)):
        if shape is None:
            out.append(None)
            continue
        if h not in gather:
            miss = src < 0
            gather[h] = (np.maximum(src, 0), miss if miss.any() else None)
        idx, miss = gather[h]
        vals = vec[idx]
        if miss is not None:
            di, amp = rawmap.fill[h]
            lev = float(levels[di][min(amp, len(levels[di])) - 1])
            rn = float(read_noise[di][min(amp, len(read_noise[di])) - 1])
            vals[miss] = lev + rn * rng.standard_normal(int(miss.sum()), dtype=np.float32)
        vals = vals.reshape(shape)
        np.rint(vals, out=vals)
        if info is not None:
            np.clip(vals, info.min, info.max, out=vals)
        out.append(vals.astype(dtype))
    return out


def _pixel_codes(d):
    """Per-pixel amplifier code (0 = pre-scan), light mask and data mask of a detector (cached)."""
    c = d.__dict__.setdefault('_codes', None)
    if c is None:
        datamask = d.data_amp > 0
        code = np.where(datamask, d.data_amp, d.osc_amp).astype(np.intp)
        light = (datamask if d.lit is None else d.lit).astype(np.float32)
        c = d.__dict__['_codes'] = (code, light, datamask)
    return c
