"""
Nights and frames of any supported long-slit spectrograph (besides the Kast path).

:func:`draw_longslit_context` draws what stays fixed over a night (read-out geometry,
grating and wavelength solution, slit, bias levels, cosmetics) and learns the raw
layout from PypeIt (:mod:`~pypeit_spit.simulate.rawformat`); :func:`simulate_longslit`
renders one frame with the shared scene layer (:mod:`~pypeit_spit.simulate.scene`) in
electrons (photon model, :data:`~pypeit_spit.simulate.params.PHOTON`), reads it out per
amplifier and writes the instrument's headers (:mod:`~pypeit_spit.simulate.instruments`).
"""
from dataclasses import dataclass, field
from math import erf
import zlib

import numpy as np
from astropy.time import Time

from pypeit_spit.simulate import light
from pypeit_spit.simulate.instruments import get_format
from pypeit_spit.simulate.instruments.base import FrameInfo
from pypeit_spit.simulate.params import CLASSES, LAYOUT, PHOTON, RANGES
from pypeit_spit.simulate.rawformat import to_raw
from pypeit_spit.simulate.scene import choice, render_signal

__all__ = ['LongslitContext', 'PhotonLevels', 'draw_longslit_context', 'draw_exposure',
           'simulate_longslit', 'dichroic_edge']

def dichroic_edge(name):
    """
    Transition wavelength (A) of a dichroic from its header name, or None.

    ``D55``/``d55`` -> 5500, ``560`` -> 5600, ``5300`` -> 5300.
    """
    digits = ''.join(ch for ch in str(name) if ch.isdigit())
    if not digits or not str(name).strip().lower().lstrip('d').isdigit():
        return None
    v = float(digits)
    return v * 100 if len(digits) == 2 else v * 10 if len(digits) == 3 else v


class PhotonLevels:
    """
    Brightness of long-slit frames in electrons, from a photon model.

    Point sources: ``star_ref * 10**(-0.4 (m - 10.5)) * (D / 3 m)**2`` e-/s/A, times the
    dispersion, exposure and slit transmission, spread over the seeing profile. Sky,
    twilight and galaxies: surface brightness times dispersion, plate scale and slit
    width. Arcs and flats: a fraction of the saturation level. Ranges:
    :data:`~pypeit_spit.simulate.params.PHOTON`.

    Parameters
    ----------
    ctx : LongslitContext
    """

    def __init__(self, ctx):
        self.ctx = ctx
        self.area = (ctx.diameter / 3.0) ** 2
        self.adu = ctx.gain
        self.cr_amp = tuple(a * ctx.gain for a in PHOTON['cr_amp_adu'])
        self.cr_len = tuple(ctx.p.get('cr_len', RANGES['cr_len_px']))
        self.star_ref = None

    def _star(self, rng):
        if self.star_ref is None:
            self.star_ref = self.ctx.night_rng_value('star_ref', PHOTON['star_ref'])
        return self.star_ref

    def _slit_pix(self):
        c = self.ctx
        return c.disp * c.plate * c.current_slit

    def sky(self, rng, t):
        """Sky continuum peak per pixel in ``t`` seconds (e-)."""
        rate = light.loguniform(rng, *PHOTON['sky_rate_log'])
        return rate * self.area * self._slit_pix() * t

    def point(self, rng, t, kind, seeing_px):
        """Peak per pixel of a point source (``faint``, ``bright``, ``standard``)."""
        rng_mag = {'faint': 'mag_faint', 'bright': 'mag_bright'}.get(kind, 'mag_standard')
        m = rng.uniform(*PHOTON[rng_mag])
        if kind == 'standard' and self.ctx.standard_mag is not None:
            m = self.ctx.standard_mag
        flux = self._star(rng) * 10 ** (-0.4 * (m - 10.5)) * self.area
        seeing_arcsec = seeing_px * self.ctx.plate
        sig = seeing_arcsec / 2.3548
        slit_t = erf(self.ctx.current_slit / 2 / (sig * np.sqrt(2))) if sig > 0 else 1.0
        total = flux * self.ctx.disp * t * slit_t
        return total / (1.0645 * max(seeing_px, 0.5))

    def extended(self, rng, t):
        """Surface-brightness peak per pixel of a galaxy (e-)."""
        mu = rng.uniform(*PHOTON['sb_galaxy'])
        return self._star(rng) * 10 ** (-0.4 * (mu - 10.5)) * self.area * self._slit_pix() * t

    def dusk(self, rng, t):
        """Twilight continuum per pixel (e-)."""
        mu = rng.uniform(*PHOTON['sb_dusk'])
        return self._star(rng) * 10 ** (-0.4 * (mu - 10.5)) * self.area * self._slit_pix() * t

    def arc(self, rng, t):
        """Peak of the brightest arc line (e-): a fraction of saturation."""
        return light.loguniform(rng, *PHOTON['arc_peak_sat']) * self.ctx.full_well

    def flat(self, rng, t):
        """Flat peak (e-) and whether it saturates."""
        if rng.random() < RANGES['p_flat_saturated']:
            return rng.uniform(*PHOTON['flat_saturated_sat']) * self.ctx.full_well, True
        return light.loguniform(rng, *PHOTON['flat_peak_sat']) * self.ctx.full_well, False

    def cr_rate(self, rng):
        """Cosmic rays per second per million sensor pixels."""
        return rng.uniform(*self.ctx.p.get('cr_rate', (0.02, 0.1)))


def _weighted(rng, pairs):
    vals = [v for v, _ in pairs]
    w = np.asarray([q for _, q in pairs], dtype=float)
    return vals[int(rng.choice(len(vals), p=w / w.sum()))]


@dataclass
class LongslitContext:
    """
    One night of one long-slit spectrograph (the scene-layer context).

    Attributes
    ----------
    name : str
        PypeIt spectrograph name.
    night : int
    fmt : `~pypeit_spit.simulate.instruments.base.InstrumentFormat`
    geom : dict
        Read-out geometry (binning, window).
    rawmap : `~pypeit_spit.simulate.rawformat.RawMap`
    setup : dict
        Grating entry (with the drawn central wavelength ``cw``).
    dichroic : str or None
    decker : tuple
        ``(name, slit width arcsec)``.
    wave : `numpy.ndarray`
        Wavelength per scene column.
    slit : dict
    mjd0 : float
    bias : dict
        Per detector: ``levels`` and ``read_noise`` (ADU, per amplifier + pre-scan),
        ``gain_scale``.
    """
    name: str
    night: int
    fmt: object
    geom: dict
    rawmap: object
    setup: dict
    dichroic: object
    decker: tuple
    wave: np.ndarray
    slit: dict
    mjd0: float
    bias: dict
    cosmetics: dict
    p: dict = field(default_factory=dict, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)
    current_slit: float = 1.0
    standard_mag: float | None = None
    warp = None

    # -- scene-layer protocol
    @property
    def telescope(self):
        """Telescope parameters (PypeIt's, or the pseudo-instrument's)."""
        return self.p.get('telescope') or self.fmt.telescope

    @property
    def nspat(self):
        """Scene rows."""
        return self.rawmap.scene_shape[0]

    @property
    def nspec(self):
        """Scene columns."""
        return self.rawmap.scene_shape[1]

    @property
    def binning(self):
        """``(spectral, spatial)``."""
        return tuple(self.geom['binning'])

    @property
    def detpar(self):
        """The first simulated detector's map."""
        return self.rawmap.dets[0]

    @property
    def platescale(self):
        """PypeIt's plate scale (arcsec per unbinned pixel)."""
        return float(self.fmt.platescale(self.geom, self.rawmap.dets[0].det))

    @property
    def plate(self):
        """Arcsec per binned pixel along the slit."""
        return self.platescale * self.binning[1]

    @property
    def disp(self):
        """Angstrom per binned pixel."""
        return float(abs(np.median(np.diff(self.wave))))

    @property
    def sensor_mpx(self):
        """Million sensor pixels covered by the scene."""
        return self.nspat * self.nspec * self.binning[0] * self.binning[1] / 1e6

    @property
    def diameter(self):
        """Telescope aperture (m), from PypeIt."""
        return float(self.telescope['diameter'])

    @property
    def gain(self):
        """Nominal gain (e-/ADU) of the first amplifier."""
        return float(self.rawmap.dets[0].gain[0])

    @property
    def full_well(self):
        """Electrons at which a pixel saturates (ADC or PypeIt saturation)."""
        sat = min(min(d.saturation for d in self.rawmap.dets), PHOTON['adc_max'])
        lev = max(max(b) for b in self.bias['levels'])
        return max(sat - lev, 1000.0) * self.gain

    @property
    def seeing_range(self):
        """Seeing FWHM range (arcsec)."""
        return tuple(self.p.get('seeing', RANGES['seeing_fwhm_arcsec']))

    @property
    def levels(self):
        """:class:`PhotonLevels` of the night."""
        if 'levels' not in self._cache:
            self._cache['levels'] = PhotonLevels(self)
        return self._cache['levels']

    def night_rng_value(self, key, rng_range):
        """A value drawn once per night (cached)."""
        if key not in self._cache:
            # crc32, not hash(): Python's string hash changes from process to process
            self._cache[key] = float(np.random.default_rng(
                [self.night, zlib.crc32(self.name.encode())]).uniform(*rng_range))
        return self._cache[key]

    def throughput(self):
        """Disperser blaze x detector response x dichroic (cached)."""
        if 'thru' not in self._cache:
            w = self.wave
            blaze = self.setup.get('blaze', float(np.median(w)))
            t = np.exp(-0.5 * ((w - blaze) / (0.45 * blaze)) ** 2)
            t = t / (1.0 + np.exp(-(w - 3350.0) / 100.0))     # atmosphere / UV optics
            t = t / (1.0 + np.exp((w - 10000.0) / 250.0))     # silicon
            edge = dichroic_edge(self.dichroic) if self.dichroic else None
            arm = self.p.get('arm')
            if edge and arm in ('blue', 'red'):
                sgn = 1.0 if arm == 'blue' else -1.0
                t = t / (1.0 + np.exp(sgn * (w - edge) / 60.0))
            self._cache['thru'] = t.astype(np.float32)
        return self._cache['thru']

    def illumination(self, arc=False):
        """Slit illumination ``(nspat, nspec)`` (cached)."""
        if 'illum' not in self._cache:
            s = self.slit
            self._cache['illum'] = light.slit_illumination(
                self.nspat, self.nspec, s['lo'], s['hi'], s['edge_shift'], s['edge_width'],
                s['gradient'], s['vignette'], s.get('spec_lo'), s.get('spec_hi'))
        return self._cache['illum']

    def lines(self, lamps, rng):
        """Arc lines of a lamp set: PypeIt line lists, each scaled by a lamp brightness."""
        waves, amps = [], []
        for ion in self.fmt.arc_ions(lamps or {}):
            try:
                w, a = light.line_list(ion)
            except OSError:
                continue
            if w.size == 0:
                continue
            scale = light.loguniform(rng, *RANGES['arc_lamp_ratio_log'])
            waves.append(w)
            amps.append(a / a.max() * scale)
        if not waves:
            return np.zeros(0), np.zeros(0)
        return np.concatenate(waves), np.concatenate(amps)

    def line_fwhm(self, rng, slit_width):
        """Line FWHM (binned px): slit image and optics, unbinned, over the binning."""
        slit_px = rng.uniform(*PHOTON['anamorphic']) * slit_width / self.platescale
        psf = rng.uniform(*PHOTON['psf_px'])
        return float(np.hypot(slit_px, psf) / self.binning[0])

    def slit_width(self, cls, rng):
        """The night's slit width (arcsec); remembered for the photon model."""
        self.current_slit = float(self.decker[1])
        return self.current_slit


def _lamp_set(p, rng):
    sets = p.get('arc_lamps', (dict(weight=1.0),))
    return _weighted(rng, [(s, s.get('weight', 1.0)) for s in sets])


def draw_exposure(ctx, cls, rng, fault=None):
    """
    Exposure time (s) and lamps of one frame.

    Drawn log-uniformly in the instrument's typical range (``exptime`` in its params),
    then kept inside PypeIt's exposure window for that class (read from PypeIt) so that
    the rules see a clean header; exposure faults step outside on purpose.

    Parameters
    ----------
    ctx : LongslitContext
    cls : str
    rng : `numpy.random.Generator`
    fault : str or None

    Returns
    -------
    exptime : float
    lamps : dict or None
        Arc-lamp set (arcs) or None.
    """
    fmt = ctx.fmt
    ranges = ctx.p['exptime']
    if cls == 'bias':
        if fault == 'dark_as_bias':
            return float(rng.integers(*RANGES['exptime_dark'], endpoint=True)), None
        return 0.0, None
    lo, hi = ranges['arc' if cls == 'arc' else cls]
    t = light.loguniform(rng, lo, hi)
    ftype = {'arc': 'arc', 'flat': 'pixelflat', 'standard': 'standard',
             'science': 'science'}[cls]
    elo, ehi = fmt.exprng(ftype)
    if cls == 'flat':
        e2lo, e2hi = fmt.exprng('trace')
        elo = max(v for v in (elo, e2lo) if v is not None) if (elo, e2lo) != (None, None) else None
        ehi = min(v for v in (ehi, e2hi) if v is not None) if (ehi, e2hi) != (None, None) else None
    if cls == 'standard':   # standards must not look like science by exposure
        slo, shi = fmt.exprng('science')
        if ehi is None and slo is not None:
            ehi = slo
    if cls == 'standard':
        # observers expose a standard for a good trace: its magnitude and a wanted peak
        # set the exposure time (then PypeIt's window)
        m = rng.uniform(*PHOTON['mag_standard'])
        ctx.standard_mag = m
        ctx.current_slit = float(ctx.decker[1])
        want = light.loguniform(rng, *PHOTON['standard_peak_adu']) * ctx.gain
        seeing_px = np.mean(ctx.seeing_range) / ctx.plate
        per_s = ctx.levels.point(rng, 1.0, 'standard', seeing_px)
        t = float(np.clip(want / max(per_s, 1e-6), lo, hi))
    t = _clip_exptime(t, elo, ehi)
    if fault == 'short_science':
        slo = fmt.exprng('science')[0]
        t = max(0.5, (slo if slo else 10.0) * rng.uniform(0.2, 0.9))
    elif fault == 'long_standard':
        shi = fmt.exprng('standard')[1]
        t = (shi if shi else 60.0) * rng.uniform(1.2, 4.0)
    elif fault == 'arc_too_long':
        ahi = fmt.exprng('arc')[1]
        t = (ahi if ahi else 120.0) * rng.uniform(1.2, 3.0)
    t = float(np.round(t, 2 if t < 10 else 1))
    return t, (_lamp_set(ctx.p, rng) if cls == 'arc' else None)


def _clip_exptime(t, lo, hi):
    """Keep ``t`` in PypeIt's window ``(lo, hi]`` (lower bound exclusive)."""
    if lo is not None and t <= lo:
        t = lo * 1.05 + 0.5
    if hi is not None and t > hi:
        t = hi * 0.98
    return t


def draw_longslit_context(name, rng, night=0, variety=True, geometry=None):
    """
    Draw the fixed parameters of one night of a long-slit spectrograph.

    Parameters
    ----------
    name : str
        PypeIt spectrograph name (one of :data:`~pypeit_spit.simulate.params.LONGSLIT`)
        or ``generic``.
    rng : `numpy.random.Generator` or int
    night : int, optional
    variety : bool, optional
        Allow windows, binnings and layouts beyond the instrument's common ones.
    geometry : dict, optional
        Overrides of the drawn read-out geometry (e.g. ``{'binning': (2, 2)}``).

    Returns
    -------
    LongslitContext
    """
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    fmt = get_format(name)
    geom = fmt.draw_geometry(rng, variety=variety)
    if geometry:
        geom.update({k: tuple(v) if isinstance(v, list) else v for k, v in geometry.items()})
    p = fmt.night_params(geom)
    bspec, bspat = geom['binning']
    setup = dict(_weighted(rng, [(g, g.get('weight', 1.0)) for g in p['gratings']]))
    setup['cw'] = float(rng.uniform(*setup['cwave']))
    if 'angle' in setup:
        setup['angle_deg'] = float(rng.uniform(*setup['angle']))
    dichroic = _weighted(rng, p['dichroics']) if p.get('dichroics') else None
    dk = _weighted(rng, [((n, w), q) for n, w, q in p['deckers']])
    if 'slit_widths' in p:
        dk = (dk[0], float(np.round(rng.uniform(*p['slit_widths']), 3)))
    year = rng.uniform(*p['years'])
    tel = p.get('telescope') or fmt.telescope
    lon = float(tel['longitude'])
    # evening twilight at the site: ~18:30 local mean time, longitude east-positive
    frac = ((18.5 - lon / 15.0) / 24.0) % 1.0
    mjd0 = float(np.floor(51179.0 + (year - 1999.0) * 365.25) + frac + rng.uniform(0, 0.03))
    # a representative frame for the readers that look at dates or modes
    probe = FrameInfo(cls='bias', fault=None, exptime=0.0, mjd=mjd0, target='Bias', ra=0.0,
                      dec=0.0, airmass=1.0, setup=setup, decker=dk[0], slit_width=dk[1],
                      binning=geom['binning'], lamps=None, seq=1, geom=geom,
                      dichroic=dichroic, meta=dict(fmt.class_meta('bias', None)))
    rawmap = fmt.raw_map(geom, fmt.frame_cards(probe))
    nspat, nspec = rawmap.scene_shape
    # wavelength solution: centre cw, dispersion with a mild curvature [ASSUMED]
    disp = setup['disp'] * bspec * rng.uniform(0.97, 1.03)
    x = (np.arange(nspec) - nspec / 2.0) / max(nspec, 1)
    curv = rng.uniform(-0.03, 0.03) * disp * nspec
    wave = setup['cw'] + disp * nspec * x + curv * (x * x - 1.0 / 12.0)
    # slit
    plate = float(fmt.platescale(geom, rawmap.dets[0].det)) * bspat
    length = p['slit_length'] / plate * rng.uniform(0.95, 1.05)
    centre = nspat / 2 + rng.uniform(-0.1, 0.1) * nspat
    slit = dict(lo=centre - length / 2, hi=centre + length / 2,
                edge_shift=rng.uniform(-4.0, 4.0) / bspat,
                edge_width=rng.uniform(*RANGES['slit_edge_width_px']),
                gradient=rng.uniform(*RANGES['slit_gradient']),
                vignette=rng.uniform(*RANGES['vignette']))
    if variety and rng.random() < LAYOUT['p_short_slit']:
        ln = rng.uniform(*RANGES['short_slit_fraction']) * nspat
        c = rng.uniform(ln / 2, nspat - ln / 2)
        slit.update(lo=c - ln / 2, hi=c + ln / 2)
    if variety and rng.random() < LAYOUT['p_spec_cut']:
        lit = rng.uniform(*RANGES['spec_cut_fraction']) * nspec
        lo = 0.0 if rng.random() < 0.5 else nspec - lit
        slit.update(spec_lo=lo, spec_hi=lo + lit)
    # bias per detector and amplifier (ADU), read noise (ADU), gain mismatch
    base = rng.uniform(*p['bias'])
    levels, noise, gscale = [], [], []
    rscale = rng.uniform(*p.get('ronoise_scale', (0.9, 1.2)))
    for d in rawmap.dets:
        n = d.namps
        lev = [base + rng.uniform(-0.1, 0.1) * base] * 1
        lev = [lev[0] + rng.uniform(*LAYOUT['amp_step_adu']) * (k > 0) for k in range(n)]
        lev.append(lev[0] + rng.uniform(*LAYOUT['prescan_offset_adu']))
        rn = [d.ronoise[min(k, len(d.ronoise) - 1)] * rscale / d.gain[min(k, len(d.gain) - 1)]
              for k in range(n)]
        rn.append(rn[0])
        levels.append(lev)
        noise.append(rn)
        gscale.append([rng.uniform(*LAYOUT['gain_mismatch']) for _ in range(n)])
    bias = dict(levels=levels, read_noise=noise, gain_scale=gscale,
                drift=float(rng.uniform(-5.0, 5.0)),
                gradient=float(rng.uniform(*LAYOUT['bias_gradient_adu']))
                if rng.random() < LAYOUT['p_gradient'] else 0.0)
    ncol = int(rng.integers(*LAYOUT['n_bad_columns'], endpoint=True))
    cosm = dict(bad_columns=[(int(rng.integers(0, 10**9)),
                              -1.0 if rng.random() < LAYOUT['p_dead_column']
                              else light.loguniform(rng, *LAYOUT['hot_column_adu']),
                              float(rng.uniform(0, 1))) for _ in range(ncol)],
                bad_row=(float(rng.uniform(0, 1)), float(rng.uniform(20, 500)))
                if rng.random() < LAYOUT['p_bad_row'] else None,
                hot=float(rng.uniform(*LAYOUT['hot_pixel_density']))
                if rng.random() < LAYOUT['p_hot_pixels'] else 0.0,
                hot_seed=int(rng.integers(0, 2**31)))
    ctx = LongslitContext(name=name, night=night, fmt=fmt, geom=geom, rawmap=rawmap,
                          setup=setup, dichroic=dichroic, decker=dk, wave=wave, slit=slit,
                          mjd0=mjd0, bias=bias, cosmetics=cosm, p=p)
    fmt.finish_context(ctx, rng)
    return ctx


def _cosmetics(ctx):
    """A per-detector cosmetics function for :func:`~pypeit_spit.simulate.rawformat.to_raw`."""
    cos = ctx.cosmetics

    def apply(i, img, datamask):
        d = ctx.rawmap.dets[i]
        r0, r1 = d.box[0].start, d.box[0].stop
        c0, c1 = d.box[1].start, d.box[1].stop
        along_rows = d.specaxis == 0      # parallel transfer along the rows [ASSUMED]
        for seed, level, start in cos['bad_columns']:
            if along_rows:
                c = c0 + seed % max(c1 - c0, 1)
                s = r0 + int(start * (r1 - r0))
                seg = img[s:r1, c]
            else:
                c = r0 + seed % max(r1 - r0, 1)
                s = c0 + int(start * (c1 - c0))
                seg = img[c, s:c1]
            base = np.median(seg) if seg.size else 0.0
            if level < 0:
                seg[...] = base + 0.2 * (seg - base)
            else:
                seg += level
        if cos['bad_row'] is not None:
            frac, lvl = cos['bad_row']
            if along_rows:
                img[r0 + int(frac * (r1 - r0 - 1)), c0:c1] += lvl
            else:
                img[r0:r1, c0 + int(frac * (c1 - c0 - 1))] += lvl
        if cos['hot'] > 0:
            hr = np.random.default_rng([cos['hot_seed'], i])
            n = int(cos['hot'] * img.size)
            ys = hr.integers(r0, r1, n)
            xs = hr.integers(c0, c1, n)
            img[ys, xs] += hr.uniform(50, 5000, n).astype(img.dtype)
        if ctx.bias['gradient']:
            g = np.linspace(-0.5, 0.5, img.shape[1], dtype=np.float32) * ctx.bias['gradient']
            img += g[None, :]
    return apply


def _target(ctx, cls, rng):
    """OBJECT name, RA, Dec (degrees) and airmass of a frame."""
    lat = float(ctx.telescope['latitude'])
    names = ctx.p.get('object_names', {})
    if cls == 'standard':
        cat = [s for s in light.all_standards(light.STANDARD_ARCHIVES) if abs(s[2] - lat) < 55]
        name, ra, dec, _ = cat[int(rng.integers(len(cat)))]
        return name, float(ra), float(dec), float(rng.uniform(1.0, 1.6))
    if cls == 'science':
        ra, dec = light.far_from_standards(rng, (max(lat - 60, -89.0), min(lat + 60, 89.0)))
        name = choice(rng, ('SN 2021abc', 'ZTF21aaxyz', 'J1217+3905', 'NGC 2403', 'GRB 210619B',
                            'QSO B1422+231', 'AT2023ixf', 'Mrk 421', 'SDSS J0912+2917', 'LBQS 0302-0019',
                            'host_FRB20180916', 'HII-region 12'))
        return name, ra, dec, float(rng.uniform(1.0, 2.2))
    defaults = dict(bias='Bias', arc='Arc', flat='Flat')
    return (names.get(cls, defaults[cls]), float(rng.uniform(0, 360)),
            float(lat + rng.uniform(-0.5, 0.5)), 1.0)


def _naxis(arrays, axis):
    first = next((a for a in arrays if a is not None), None)
    return int(first.shape[axis]) if first is not None else -1


def simulate_longslit(name, cls, rng, context=None, fault=None, phase=None, exptime=None,
                      lamps=None, dusk=None, seq=1, kind=None):
    """
    Simulate one raw frame of a long-slit spectrograph in memory.

    Parameters
    ----------
    name : str
        PypeIt spectrograph name, or ``generic``.
    cls : str
        True class.
    rng : `numpy.random.Generator` or int
    context : LongslitContext, optional
        Night context; drawn when None.
    fault : str, optional
        Header fault (see the instrument's ``faults``, by default
        :data:`~pypeit_spit.simulate.params.FAULTS`).
    phase : float, optional
        Position in the night (0-1).
    exptime : float, optional
    lamps : dict, optional
        Arc-lamp set (entry of the instrument's ``arc_lamps``).
    dusk : bool, optional
    seq : int, optional
        Frame number (file name, header counters).
    kind : str, optional
        Science target kind.

    Returns
    -------
    hdul : `astropy.io.fits.HDUList`
    params : dict
    """
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    if cls not in CLASSES:
        raise ValueError(f'unknown class {cls!r}; use one of {CLASSES}')
    ctx = context if context is not None else draw_longslit_context(name, rng)
    fmt = ctx.fmt
    if fault is not None and fault not in fmt.faults(cls):
        raise ValueError(f'fault {fault!r} does not apply to {cls} for {name}; '
                         f'choose from {fmt.faults(cls)}')
    t, lmp = draw_exposure(ctx, cls, rng, fault)
    if exptime is not None:
        t = float(exptime)
    if lamps is not None:
        lmp = lamps
    phase = rng.uniform() if phase is None else phase
    signal, p = render_signal(ctx, cls, rng, t, lmp, fault=fault, dusk=dusk, kind=kind)
    for sub in getattr(ctx, 'extra_orders', ()):          # e.g. a second spectral order
        extra, _ = render_signal(sub, cls, rng, t, lmp, fault=fault, dusk=dusk, kind=kind)
        signal += extra
    drift = ctx.bias['drift'] * phase
    levels = [[v + drift for v in lev] for lev in ctx.bias['levels']]
    arrays = to_raw(ctx.rawmap, signal, rng, levels, ctx.bias['read_noise'],
                    gain_scale=ctx.bias['gain_scale'], prnu=rng.uniform(*RANGES['prnu']),
                    cosmetics=_cosmetics(ctx))
    target, ra, dec, airmass = _target(ctx, cls, rng)
    frame = FrameInfo(cls=cls, fault=fault, exptime=t,
                      mjd=ctx.mjd0 + phase * 0.45, target=target, ra=ra, dec=dec,
                      airmass=airmass, setup=ctx.setup, decker=ctx.decker[0],
                      slit_width=ctx.decker[1], binning=ctx.binning, lamps=lmp, seq=seq,
                      geom=ctx.geom, dichroic=ctx.dichroic, imagetyp=ctx.p.get('imagetyp', True))
    frame['meta'] = fmt.class_meta(cls, fault, lamps=lmp, rng=rng, frame=frame)
    cards = fmt.frame_cards(frame)
    specs = fmt.build_hdus(ctx.geom, cards)
    hdul = fmt.to_hdulist(specs, arrays)
    params = dict(camera=name, cls=cls, fault=fault or 'none', night=ctx.night,
                  dispname=ctx.setup['name'], dichroic=str(ctx.dichroic or ''), tilt=-1,
                  exptime=float(t), lamps=fmt.lamp_label(lmp, cls), nspat=ctx.nspat,
                  nspec=ctx.nspec, naxis1=_naxis(arrays, 1), naxis2=_naxis(arrays, 0),
                  phase=float(phase), binning='{},{}'.format(*ctx.binning),
                  cwave=float(ctx.setup['cw']), object=str(target), ra=float(ra),
                  dec=float(dec), airmass=float(airmass),
                  date_obs=Time(frame.mjd, format='mjd').isot[:22],
                  lamp_cards=fmt.lamp_cards_label(frame['meta']), slit_width=float(ctx.decker[1]),
                  bias_level=float(levels[0][0]), read_noise_adu=float(ctx.bias['read_noise'][0][0]),
                  ndet=len(ctx.rawmap.dets), file_name=fmt.file_name(seq, frame))
    params.update(p)
    return hdul, params
