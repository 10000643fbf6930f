"""
Detector geometry and read-out of simulated Kast frames, taken from PypeIt itself.

Raw shape, orientation (``specaxis``), data and overscan sections, amplifiers, gain and
read noise come from ``load_spectrograph(camera).get_detector_par(1, hdu=...)``. For Kast
red (Hamamatsu), whose sections PypeIt derives from the header cards ``NAXIS1``,
``CRVAL1U`` and ``COVER``, the layout is computed by handing PypeIt a header with exactly
the cards the simulated file will carry.

A *canonical* image here is ``(nspat, nspec)``: spatial rows, spectral columns, in ADU
above the bias, covering the data sections only.
"""
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from astropy.io import fits

from pypeit_spit.simulate.params import INSTRUMENTS, RANGES

__all__ = ['Layout', 'draw_window', 'get_layout', 'read_out']


@dataclass(frozen=True)
class Layout:
    """
    Raw-frame geometry of one camera and window.

    Attributes
    ----------
    camera : str
        PypeIt spectrograph name.
    shape : tuple
        Raw ``(NAXIS2, NAXIS1)``.
    specaxis : int
        PypeIt ``specaxis``: 1 when the spectral axis runs along raw columns.
    nspat, nspec : int
        Size of the canonical (data-only) image, binned pixels.
    datasec, oscansec : tuple of tuple of slice
        Raw numpy slices per amplifier (0-indexed): the true layout of the file.
    box : tuple of slice
        Bounding box of all data sections.
    gain, ronoise : tuple of float
        Per amplifier, e-/ADU and e- (PypeIt).
    saturation : float
        PypeIt saturation (ADU).
    platescale : float
        PypeIt plate scale (arcsec per unbinned pixel).
    binning : tuple of int
        ``(spectral, spatial)``.
    cards : dict
        Geometry header cards the file must carry.
    """
    camera: str
    shape: tuple
    specaxis: int
    nspat: int
    nspec: int
    datasec: tuple
    oscansec: tuple
    box: tuple
    gain: tuple
    ronoise: tuple
    saturation: float
    platescale: float = 0.43
    binning: tuple = (1, 1)
    cards: dict = field(default_factory=dict, hash=False, compare=False)


def _weighted(rng, pairs):
    vals = [v for v, _ in pairs]
    w = np.asarray([p for _, p in pairs], dtype=float)
    return vals[int(rng.choice(len(vals), p=w / w.sum()))]


def draw_window(camera, rng, variety=True):
    """
    Draw a read-out window and binning for a camera within its documented ranges.

    Parameters
    ----------
    camera : str
        PypeIt spectrograph name.
    rng : `numpy.random.Generator`
        Random generator.
    variety : bool, optional
        Allow binning and windows beyond the measured formats.

    Returns
    -------
    dict
        ``nspat`` (data rows/columns along the slit, binned), ``nspec`` (spectral
        pixels, binned; red only), ``crval1u``, ``cover``, ``crval2u`` and ``binning``
        (spectral, spatial).
    """
    c = INSTRUMENTS[camera]
    binning = tuple(_weighted(rng, c['binning'])) if variety else (1, 1)
    bspec, bspat = binning
    if 'typical' in c:      # a window set by header cards (Kast red)
        t = c['typical']
        if rng.random() < c['p_typical_window'] or not variety:
            return dict(nspec=t['nspec'] // bspec, nspat=int(_weighted(
                rng, [(n, 1.0) for n in t['nspat']])) // bspat, crval1u=t['crval1u'],
                cover=t['cover'], crval2u=t['crval2u'], binning=binning)
        return dict(nspat=int(rng.integers(*c['nspat'], endpoint=True)) // bspat,
                    nspec=int(rng.integers(*c['nspec'], endpoint=True)) // bspec,
                    crval1u=int(rng.integers(*c['crval1u'], endpoint=True)),
                    cover=int(_weighted(rng, [(v, 1.0) for v in c['cover']])),
                    crval2u=int(rng.integers(*c['crval2u'], endpoint=True)),
                    binning=binning)
    nspat = (c['nspat_typical'] if rng.random() < c['p_typical_window'] or not variety
             else int(rng.integers(*c['nspat'], endpoint=True)))
    return dict(nspat=nspat // bspat, nspec=None, crval1u=0, cover=32,
                crval2u=int(_weighted(rng, c['crval2u'])), binning=binning)


def _slices(secs):
    from pypeit.core.parse import sec2slice
    return tuple(tuple(sec2slice(s, one_indexed=True, include_end=True, require_dim=2))
                 for s in secs)


def _resolve(sl, n):
    return slice(*sl.indices(n))


def _red_sections(ndata, crval1u, cover, bspat):
    """
    True column sections of a Hamamatsu window (0-indexed, ``[start, stop)``): the two
    amplifiers split the sensor at column 512 [PK][LICK]; overscans follow the data,
    amplifier 1 first. Unbinned, this is exactly PypeIt's rule (checked in the tests).
    """
    n1 = int(np.ceil((512 - crval1u) / bspat))
    if n1 < 3:
        return [(0, ndata)], [(ndata + cover, ndata + 2 * cover)]
    n1 = min(n1, ndata)
    return ([(0, n1), (n1, ndata)],
            [(ndata, ndata + cover), (ndata + cover, ndata + 2 * cover)])


@lru_cache(maxsize=64)
def get_layout(camera, nspat, nspec=None, crval1u=0, cover=32, binning=(1, 1), crval2u=None):
    """
    Raw layout of a camera for a window, from PypeIt's detector parameters.

    Unbinned windows have exactly PypeIt's sections (blue and Reticon: PypeIt's fixed
    sections; red: derived by PypeIt from ``NAXIS1``, ``CRVAL1U`` and ``COVER``). A
    binned read-out keeps the same structure with binned data widths and the overscan
    widths unchanged; PypeIt, which reads no binning for Kast, then misreads the
    sections as it would on a real binned file.

    Parameters
    ----------
    camera : str
        ``shane_kast_blue``, ``shane_kast_red`` or ``shane_kast_red_ret``.
    nspat : int
        Binned pixels along the slit (raw rows for blue/Reticon, data columns for red).
    nspec : int, optional
        Binned spectral pixels (red only: raw rows); blue and Reticon take it from
        PypeIt's data sections.
    crval1u, cover : int, optional
        Kast red window start column and overscan width (header cards).
    binning : tuple of int, optional
        ``(spectral, spatial)``.
    crval2u : int, optional
        Window start row (header card); the camera's typical value when None.

    Returns
    -------
    Layout
    """
    from pypeit_spit.io.spectrograph import get_spectrograph  # offline sites first
    spec = get_spectrograph(camera)
    c = INSTRUMENTS[camera]
    bspec, bspat = binning
    if 'typical' in c:      # sections derived by PypeIt from header cards (Kast red)
        naxis1 = nspat + 2 * cover
        hdu = fits.HDUList([fits.PrimaryHDU(np.zeros((1, naxis1), dtype=np.uint16))])
        hdu[0].header['CRVAL1U'] = crval1u
        hdu[0].header['COVER'] = cover
        det = spec.get_detector_par(1, hdu=hdu)
        shape = (nspec, naxis1)
        dsec, osec = _red_sections(nspat, crval1u, cover, bspat)
        datasec = tuple((slice(0, nspec), slice(a, b)) for a, b in dsec)
        oscansec = tuple((slice(0, nspec), slice(a, b)) for a, b in osec)
        cards = dict(CRVAL1U=crval1u, COVER=cover, ROVER=0,
                     CRVAL2U=c['typical']['crval2u'] if crval2u is None else crval2u,
                     CDELT1U=bspat, CDELT2U=c['cdelt2u'] * bspec, DATASEC=f'[1:{nspat},1:{nspec}]')
    else:
        det = spec.get_detector_par(1)
        dsl = _slices(det['datasec'])
        osl = _slices(det['oscansec'])
        # raw widths measured on real files [RAW]: blue 2112 (one trailing column after
        # the overscan), Reticon 1232 (overscan ends the row)
        ncols = max(max(s[1].stop for s in osl), c.get('ncols', 0))
        ndata = max(s[1].stop for s in dsl)
        shift = ndata - ndata // bspec           # columns lost to spectral binning
        datasec = tuple((slice(0, nspat), slice(s[1].start // bspec, s[1].stop // bspec))
                        for s in dsl)
        oscansec = tuple((slice(0, nspat), slice(s[1].start - shift, s[1].stop - shift))
                         for s in osl)
        shape = (nspat, ncols - shift)
        cards = dict(CRVAL1U=0, COVER=32, ROVER=0,
                     CRVAL2U=(crval2u if crval2u is not None else c['crval2u'][0][0]),
                     CDELT1U=bspec, CDELT2U=c['cdelt2u'] * bspat,
                     DATASEC=f'[1:{ndata // bspec},1:{shape[0]}]')
    datasec = tuple(tuple(_resolve(s, n) for s, n in zip(sec, shape)) for sec in datasec)
    oscansec = tuple(tuple(_resolve(s, n) for s, n in zip(sec, shape)) for sec in oscansec)
    r0 = min(s[0].start for s in datasec)
    r1 = max(s[0].stop for s in datasec)
    c0 = min(s[1].start for s in datasec)
    c1 = max(s[1].stop for s in datasec)
    box = (slice(r0, r1), slice(c0, c1))
    specaxis = int(det['specaxis'])
    if specaxis == 1:
        nspat_, nspec_ = r1 - r0, c1 - c0
    else:
        nspec_, nspat_ = r1 - r0, c1 - c0
    return Layout(camera=camera, shape=shape, specaxis=specaxis, nspat=nspat_, nspec=nspec_,
                  datasec=datasec, oscansec=oscansec, box=box,
                  gain=tuple(float(g) for g in np.atleast_1d(det['gain'])),
                  ronoise=tuple(float(r) for r in np.atleast_1d(det['ronoise'])),
                  saturation=float(det['saturation']), platescale=float(det['platescale']),
                  binning=tuple(binning), cards=cards)


def draw_bias_state(camera, rng):
    """
    Draw the bias levels of a night (per amplifier) and its slow drift.

    Parameters
    ----------
    camera : str
        PypeIt spectrograph name.
    rng : `numpy.random.Generator`

    Returns
    -------
    dict
        ``level`` (amp 1), ``amp_offset``, ``drift`` (ADU over the night), ``data_offset``,
        ``edge``, ``ronoise_scale``.
    """
    c = INSTRUMENTS[camera]
    return dict(level=float(rng.uniform(*c['bias'])),
                amp_offset=float(rng.uniform(*c['amp_offset'])),
                drift=float(rng.uniform(*c['bias_drift'])),
                data_offset=float(rng.uniform(*c.get('data_offset', (0.0, 2.0)))),
                edge=float(rng.uniform(*c['edge_col_offset'])),
                ronoise_scale=float(rng.uniform(*c['ronoise_scale'])))


def read_out(layout, signal, rng, bias_state, phase=0.0, prnu=0.0):
    """
    Turn a canonical signal image into raw 16-bit detector counts.

    Adds the bias level per amplifier (with the night's drift and a rise that follows the
    mean signal), overscan, photon and read noise, bad columns/rows, and clips to 0-65535.

    Parameters
    ----------
    layout : Layout
        Raw geometry.
    signal : `numpy.ndarray`
        Canonical ``(nspat, nspec)`` image in ADU above bias (float32).
    rng : `numpy.random.Generator`
    bias_state : dict
        From :func:`draw_bias_state`.
    phase : float, optional
        Position in the night, 0-1 (scales the bias drift).
    prnu : float, optional
        Relative pixel response non-uniformity (adds ``(prnu*signal)**2`` variance).

    Returns
    -------
    raw : `numpy.ndarray` of uint16
        Raw frame, shape ``layout.shape``.
    info : dict
        Drawn read-out parameters (bias levels, bad columns).
    """
    gain = layout.gain[0]
    rn = layout.ronoise[0] * bias_state['ronoise_scale'] / gain      # ADU
    sig = signal if layout.specaxis == 1 else signal.T
    raw_sig = np.zeros(layout.shape, dtype=np.float32)
    raw_sig[layout.box] = sig
    var = np.maximum(raw_sig, 0.0) * np.float32(1.0 / gain) + np.float32(rn * rn)
    if prnu > 0:
        var += (np.float32(prnu) * raw_sig) ** 2
    raw = raw_sig + np.sqrt(var) * rng.standard_normal(layout.shape, dtype=np.float32)

    # Bias: column vector (amp levels, edges, gradient) + row vector (pattern).
    nrow, ncol = layout.shape
    base = bias_state['level'] + bias_state['drift'] * phase
    coupling = rng.uniform(*RANGES['signal_coupling'])
    col = np.full(ncol, base + bias_state['edge'], dtype=np.float32)
    row = np.zeros(nrow, dtype=np.float32)
    levels = []
    if layout.specaxis == 1:
        grad = rng.uniform(*RANGES['bias_gradient']) * np.linspace(-0.5, 0.5, ncol)
    else:
        grad = np.zeros(ncol)
        row += (rng.uniform(*RANGES['bias_gradient'])
                * np.linspace(-0.5, 0.5, nrow)).astype(np.float32)
    for i, (dsec, osec) in enumerate(zip(layout.datasec, layout.oscansec)):
        mean_sig = float(np.mean(raw_sig[dsec])) if i == len(layout.datasec) - 1 else 0.0
        lev = base + i * bias_state['amp_offset'] + coupling * mean_sig
        levels.append(lev)
        dc = dsec[1]
        col[dc] = lev + bias_state['data_offset'] + grad[dc]
        col[osec[1]] = lev
        # first/last data column of each amp slightly low (measured on blue)
        col[dc.start] = lev + bias_state['edge']
        col[dc.stop - 1] = lev + 0.5 * bias_state['edge']
    row += (rng.uniform(*RANGES['bias_row_pattern'])
            * rng.standard_normal(nrow)).astype(np.float32)
    raw += col[None, :]
    raw += row[:, None]

    # Cosmetics in raw orientation: bad columns run along the parallel (row) direction.
    bad = []
    c0 = layout.box[1].start
    nb = int(rng.integers(*RANGES['n_bad_columns'], endpoint=True))
    for _ in range(nb):
        c = int(rng.integers(layout.box[1].start, layout.box[1].stop))
        start = int(rng.integers(layout.box[0].start, layout.box[0].stop))
        level = float(rng.uniform(*RANGES['bad_column_level']))
        if level < 0:      # dead column: keeps a fifth of the light
            seg = raw[start:layout.box[0].stop, c]
            raw[start:layout.box[0].stop, c] = col[c] + 0.2 * (seg - col[c])
        else:
            raw[start:layout.box[0].stop, c] += level
        bad.append(c - c0)
    if rng.random() < RANGES['p_bad_row']:
        r = int(rng.integers(layout.box[0].start, layout.box[0].stop))
        raw[r, layout.box[1]] += float(rng.uniform(20, 500))
    np.rint(raw, out=raw)
    np.clip(raw, 0, 65535, out=raw)
    return raw.astype(np.uint16), dict(bias_level=float(levels[0]),
                                       bias_amp_offset=float(levels[-1] - levels[0]),
                                       read_noise_adu=float(rn), n_bad_columns=nb)
