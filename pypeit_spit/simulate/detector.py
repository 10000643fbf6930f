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

from pypeit_spit.simulate.params import CAMERA, RANGES

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
        Size of the canonical (data-only) image.
    datasec, oscansec : tuple of tuple of slice
        Raw numpy slices per amplifier (0-indexed), as PypeIt parses them.
    box : tuple of slice
        Bounding box of all data sections.
    gain, ronoise : tuple of float
        Per amplifier, e-/ADU and e- (PypeIt).
    saturation : float
        PypeIt saturation (ADU).
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
    cards: dict = field(default_factory=dict, hash=False, compare=False)


def draw_window(camera, rng):
    """
    Draw a read-out window for a camera within its documented ranges.

    Parameters
    ----------
    camera : str
        PypeIt spectrograph name.
    rng : `numpy.random.Generator`
        Random generator.

    Returns
    -------
    dict
        ``nspat`` (data rows/columns along the slit), ``nspec`` (spectral pixels),
        ``crval1u`` and ``cover`` (Kast red).
    """
    c = CAMERA[camera]
    if camera == 'shane_kast_red':
        nspec = (c['nspec_typical'] if rng.random() < c['p_typical_window']
                 else int(rng.integers(*c['nspec'], endpoint=True)))
        return dict(nspat=int(rng.integers(*c['nspat'], endpoint=True)), nspec=nspec,
                    crval1u=int(rng.integers(*c['crval1u'], endpoint=True)),
                    cover=int(rng.integers(*c['cover'], endpoint=True)))
    nspat = (c['nspat_typical'] if rng.random() < c['p_typical_window']
             else int(rng.integers(*c['nspat'], endpoint=True)))
    return dict(nspat=nspat, nspec=None, crval1u=0, cover=32)


def _slices(secs):
    from pypeit.core.parse import sec2slice
    return tuple(tuple(sec2slice(s, one_indexed=True, include_end=True, require_dim=2))
                 for s in secs)


def _resolve(sl, n):
    return slice(*sl.indices(n))


@lru_cache(maxsize=64)
def get_layout(camera, nspat, nspec=None, crval1u=0, cover=32):
    """
    Raw layout of a camera for a window, from PypeIt's detector parameters.

    Parameters
    ----------
    camera : str
        ``shane_kast_blue``, ``shane_kast_red`` or ``shane_kast_red_ret``.
    nspat : int
        Pixels along the slit (raw rows for blue/Reticon, data columns for red).
    nspec : int, optional
        Spectral pixels (red only: raw rows); blue and Reticon take it from PypeIt's
        data sections.
    crval1u, cover : int, optional
        Kast red window start column and overscan width (header cards).

    Returns
    -------
    Layout
    """
    from pypeit.spectrographs.util import load_spectrograph
    spec = load_spectrograph(camera)
    cards = {}
    if camera == 'shane_kast_red':
        naxis1 = nspat + 2 * cover
        hdu = fits.HDUList([fits.PrimaryHDU(np.zeros((1, naxis1), dtype=np.uint16))])
        hdu[0].header['CRVAL1U'] = crval1u
        hdu[0].header['COVER'] = cover
        det = spec.get_detector_par(1, hdu=hdu)
        shape = (nspec, naxis1)
        cards = dict(CRVAL1U=crval1u, COVER=cover, ROVER=0, CRVAL2U=0, CDELT2U=1,
                     DATASEC=f'[1:{nspat},1:{nspec}]')
    else:
        det = spec.get_detector_par(1)
        osc = _slices(det['oscansec'])
        # raw widths measured on real files [RAW]: blue 2112 (one trailing column after
        # the overscan), Reticon 1232 (overscan ends the row)
        ncols = max(max(s[1].stop for s in osc), CAMERA[camera].get('ncols', 0))
        shape = (nspat, ncols)
    datasec = tuple(tuple(_resolve(s, n) for s, n in zip(sec, shape))
                    for sec in _slices(det['datasec']))
    oscansec = tuple(tuple(_resolve(s, n) for s, n in zip(sec, shape))
                     for sec in _slices(det['oscansec']))
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
    if camera != 'shane_kast_red':
        cards = dict(CRVAL1U=0, COVER=32, ROVER=0,
                     CRVAL2U=1260 if camera == 'shane_kast_blue' else 0,
                     CDELT2U=-1 if camera == 'shane_kast_blue' else 1,
                     DATASEC=f'[1:{c1 - c0},1:{shape[0]}]')
    return Layout(camera=camera, shape=shape, specaxis=specaxis, nspat=nspat_, nspec=nspec_,
                  datasec=datasec, oscansec=oscansec, box=box,
                  gain=tuple(float(g) for g in np.atleast_1d(det['gain'])),
                  ronoise=tuple(float(r) for r in np.atleast_1d(det['ronoise'])),
                  saturation=float(det['saturation']), cards=cards)


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
    c = CAMERA[camera]
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
