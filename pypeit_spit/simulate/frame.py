"""
One simulated raw frame: draw its parameters, render the light, read it out.

:func:`simulate_frame` is the fast in-memory path (no disk): it returns the raw 16-bit
array, a real-format Kast header and the drawn parameters.
"""
from dataclasses import dataclass, field

import numpy as np

from pypeit_spit.simulate import light
from pypeit_spit.simulate.detector import draw_bias_state, draw_window, get_layout, read_out
from pypeit_spit.simulate.params import CAMERA, CAMERAS, CLASSES, FAULTS, RANGES, SETUPS

__all__ = ['Context', 'draw_context', 'draw_exposure', 'render_signal', 'simulate_frame']


@dataclass
class Context:
    """
    What stays fixed for a night of one camera: setup, window, bias state, slit.

    Attributes
    ----------
    camera : str
    night : int
    setup : dict
        Disperser entry of :data:`~pypeit_spit.simulate.params.SETUPS`.
    dichroic : str
    tilt : int or None
        ``GRTILT_P`` (red cameras).
    window : dict
    layout : `~pypeit_spit.simulate.detector.Layout`
    bias : dict
    wave : `numpy.ndarray`
        Wavelength of each spectral pixel.
    slit : dict
        Slit geometry (edges, shift, gradient, vignetting, lit spectral range).
    mjd0 : float
        MJD of the start of the night (first frame).
    """
    camera: str
    night: int
    setup: dict
    dichroic: str
    tilt: int | None
    window: dict
    layout: object
    bias: dict
    wave: np.ndarray
    slit: dict
    mjd0: float
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def arm(self):
        """``'blue'`` or ``'red'``."""
        return 'blue' if self.camera == 'shane_kast_blue' else 'red'

    def illumination(self, arc=False):
        """Slit illumination pattern (cached per night)."""
        key = 'arc' if arc else 'sci'
        if key not in self._cache:
            s = self.slit
            L = self.layout
            self._cache[key] = light.slit_illumination(
                L.nspat, L.nspec, s['lo'], s['hi'], s['edge_shift'], s['edge_width'],
                s['gradient'], s['vignette'], s.get('spec_lo'), s.get('spec_hi'))
        return self._cache[key]

    def throughput(self):
        """Camera throughput per spectral pixel (cached)."""
        if 'thru' not in self._cache:
            self._cache['thru'] = light.throughput(self.wave, self.setup, self.dichroic, self.arm)
        return self._cache['thru']


def _choice(rng, seq, weights=None):
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        return seq[int(rng.choice(len(seq), p=w / w.sum()))]
    return seq[int(rng.integers(len(seq)))]


def draw_context(camera, rng, night=0, variety=True):
    """
    Draw the fixed parameters of a night.

    Parameters
    ----------
    camera : str
        One of :data:`~pypeit_spit.simulate.params.CAMERAS`.
    rng : `numpy.random.Generator`
    night : int, optional
        Night index (kept in the manifest).
    variety : bool, optional
        Allow the layouts beyond the measured Kast nights (short slit, spectral range
        cut short); off for comparisons with real Kast frames.

    Returns
    -------
    Context
    """
    if camera not in CAMERAS:
        raise ValueError(f'unknown camera {camera!r}; use one of {CAMERAS}')
    c = CAMERA[camera]
    setups = SETUPS[camera]
    setup = _choice(rng, setups, [s['weight'] for s in setups])
    dichroic = _choice(rng, setup['dichroics'])
    tilt = int(rng.integers(*setup['tilt'], endpoint=True)) if 'tilt' in setup else None
    window = draw_window(camera, rng)
    layout = get_layout(camera, window['nspat'], window['nspec'], window['crval1u'],
                        window['cover'])
    shift = rng.uniform(*RANGES['wave_shift_px'])
    wave = light.wavelengths(setup, layout.nspec, shift)
    # slit: length drawn, centred with a random offset; may exceed the window (no blank band)
    length = rng.uniform(*c['slit_px'])
    centre = layout.nspat / 2 + rng.uniform(-0.15, 0.15) * layout.nspat
    slit = dict(lo=centre - length / 2, hi=centre + length / 2,
                edge_shift=rng.uniform(*RANGES['slit_edge_shift_px']),
                edge_width=rng.uniform(*RANGES['slit_edge_width_px']),
                gradient=rng.uniform(*RANGES['slit_gradient']),
                vignette=rng.uniform(*RANGES['vignette']))
    if camera == 'shane_kast_red':
        lit = rng.uniform(*c['lit_spec'])
        if lit < layout.nspec:
            lo = rng.uniform(0, layout.nspec - lit)
            slit.update(spec_lo=lo, spec_hi=lo + lit)
    # Layouts beyond the measured nights: the class is read from the large-scale
    # layout, so some nights get a slit much shorter than the window (a decker, or a
    # window far larger than the slit) or a lit spectral range that stops short of
    # one end (sim-to-real lessons).
    if variety and rng.random() < RANGES['p_short_slit']:
        length = rng.uniform(*RANGES['short_slit_fraction']) * layout.nspat
        centre = rng.uniform(length / 2, layout.nspat - length / 2)
        slit.update(lo=centre - length / 2, hi=centre + length / 2)
    if variety and 'spec_lo' not in slit and rng.random() < RANGES['p_spec_cut']:
        lit = rng.uniform(*RANGES['spec_cut_fraction']) * layout.nspec
        lo = 0.0 if rng.random() < 0.5 else layout.nspec - lit
        slit.update(spec_lo=lo, spec_hi=lo + lit)
    year = rng.uniform(*c['years'])
    # evening twilight at Lick ~ 02:30-03:30 UT (UTC-7/8)
    mjd0 = np.floor(51179.0 + (year - 1999.0) * 365.25) + 0.1 + rng.uniform(0, 0.04)
    return Context(camera=camera, night=night, setup=setup, dichroic=dichroic, tilt=tilt,
                   window=window, layout=layout, bias=draw_bias_state(camera, rng),
                   wave=wave, slit=slit, mjd0=float(mjd0))


def draw_exposure(camera, cls, rng, fault=None):
    """
    Exposure time and lamps of one frame, as observers take them.

    Parameters
    ----------
    camera : str
    cls : str
        True class.
    rng : `numpy.random.Generator`
    fault : str or None
        Header fault (see :data:`~pypeit_spit.simulate.params.FAULTS`); some faults change
        the exposure (e.g. ``short_science``).

    Returns
    -------
    exptime : int
        Seconds.
    lamps : tuple of str
        Lamp slots physically on.
    """
    blue = camera == 'shane_kast_blue'
    if cls == 'bias':
        t = int(rng.integers(*RANGES['exptime_dark'], endpoint=True)) if fault == 'dark_as_bias' else 0
        return t, ()
    if cls == 'arc':
        if fault == 'arc_too_long':
            t = int(rng.integers(62, 300))
        else:
            t = int(rng.integers(*RANGES['exptime_arc_blue' if blue else 'exptime_arc_red'],
                                 endpoint=True))
        if blue:
            lamps = _choice(rng, [('F', 'G'), ('F', 'G', 'D'), ('G',), ('F', 'G', 'J')],
                            [0.75, 0.1, 0.05, 0.1])
        else:
            lamps = _choice(rng, [('H', 'J'), ('F', 'H', 'J'), ('G', 'H', 'J'), ('E', 'H'),
                                  ('D', 'H', 'J')], [0.6, 0.1, 0.1, 0.1, 0.1])
        return t, lamps
    if cls == 'flat':
        if fault == 'twilight_flat':
            return int(rng.integers(*RANGES['exptime_twilight'], endpoint=True)), ()
        t = int(rng.integers(*RANGES['exptime_flat_blue' if blue else 'exptime_flat_red'],
                             endpoint=True))
        if blue:
            lamps = ('5',) if rng.random() < RANGES['p_superblue'] else _choice(
                rng, [('1',), ('1', '5'), ('1', '2')])
        else:
            lamps = _choice(rng, [('2',), ('1', '2'), ('1',)], [0.6, 0.3, 0.1])
        return t, lamps
    if cls == 'standard':
        if fault == 'long_standard':
            return int(rng.integers(90, 300, endpoint=True)), ()
        return int(rng.integers(*RANGES['exptime_standard'], endpoint=True)), ()
    if cls == 'science':
        if fault == 'short_science':
            return int(rng.integers(5, 60, endpoint=True)), ()
        if rng.random() < 0.6:
            return int(_choice(rng, [300, 600, 900, 1200, 1800, 2400, 3600],
                               [2, 3, 3, 4, 2, 1, 1])), ()
        return int(rng.integers(*RANGES['exptime_science'], endpoint=True)), ()
    raise ValueError(f'unknown class {cls!r}; use one of {CLASSES}')


def _norm(v):
    m = np.max(v)
    return v / m if m > 0 else v


def _n_cosmic(ctx, exptime, rng):
    rate = rng.uniform(*CAMERA[ctx.camera]['cr_rate'])
    mpx = ctx.layout.nspat * ctx.layout.nspec / 1e6
    return int(rng.poisson(rate * (exptime + RANGES['readout_s']) * mpx))


def _sky(ctx, exptime, rng, fwhm, level_scale=1.0):
    cont, lines = light.sky_lines_and_continuum(ctx.wave, fwhm)
    thru = ctx.throughput()
    level = (light.loguniform(rng, *RANGES['sky_level_log']) * CAMERA[ctx.camera]['sky_scale']
             * exptime / 1200.0 * level_scale)
    line_scale = light.loguniform(rng, *RANGES['sky_line_scale_log'])
    spec = level * thru * (cont + line_scale * lines)
    moon = rng.random() < RANGES['p_moon']
    if moon:
        spec = spec + level * rng.uniform(0.5, 5.0) * _norm(light.planck(ctx.wave, 5800.0) * thru)
    return spec.astype(np.float32), dict(sky_level=float(level), sky_line_scale=float(line_scale),
                                         moon=bool(moon))


def _solar(ctx, fwhm):
    """Twilight (scattered sunlight) spectrum: 5800 K with the strongest Fraunhofer lines."""
    w = ctx.wave
    spec = light.planck(w, 5800.0) * ctx.throughput()
    for lam, depth, width in ((3934.8, 0.8, 8.0), (3969.6, 0.7, 8.0), (4102.9, 0.3, 4.0),
                              (4341.7, 0.3, 4.0), (4862.7, 0.35, 4.0), (5174.0, 0.25, 6.0),
                              (5894.0, 0.4, 3.0), (6564.6, 0.35, 3.0), (7605.0, 0.5, 15.0),
                              (6870.0, 0.3, 10.0)):
        sig = np.hypot(width, fwhm * np.median(np.abs(np.diff(w))) / 2.355)
        spec = spec * (1 - depth * np.exp(-0.5 * ((w - lam) / sig) ** 2))
    return _norm(spec)


def _scatter(img, illum_spec, rng, peak):
    frac = rng.uniform(*RANGES['scatter_frac'])
    nspat = img.shape[0]
    prof = 1.0 + 0.3 * np.sin(np.linspace(0, np.pi, nspat) + rng.uniform(0, np.pi))
    img += (frac * peak * prof[:, None] * illum_spec[None, :]).astype(np.float32)
    return float(frac)


def render_signal(ctx, cls, rng, exptime, lamps=(), fault=None, dusk=None):
    """
    Canonical light image of one frame, in ADU above bias.

    Parameters
    ----------
    ctx : Context
    cls : str
        True class.
    rng : `numpy.random.Generator`
    exptime : float
        Exposure time (s).
    lamps : tuple of str
        Lamp slots physically on.
    fault : str or None
        ``twilight_flat`` renders a sky-lit flat.
    dusk : bool or None
        Standards: twilight sky. Drawn when None.

    Returns
    -------
    signal : `numpy.ndarray` of float32
        ``(nspat, nspec)``.
    params : dict
        Drawn parameters (for the manifest).
    """
    L = ctx.layout
    nspat, nspec = L.nspat, L.nspec
    img = np.zeros((nspat, nspec), dtype=np.float32)
    p = {}
    thru = ctx.throughput()
    slit_w = 0.5
    arc_fwhm = rng.uniform(*RANGES['arc_slit_fwhm_px'])
    if cls == 'arc':
        slit_w = 0.5 if rng.random() < 0.85 else 2.0
        fwhm = arc_fwhm * (slit_w / 0.5) ** 0.7
        lw, la = light.ion_lines(lamps, rng)
        la = la * np.interp(lw, ctx.wave, thru, left=0, right=0)
        failed = rng.random() < RANGES['p_arc_failed']
        peak = (rng.uniform(*RANGES['arc_failed_peak']) if failed
                else light.loguniform(rng, *RANGES['arc_peak_log']))
        if la.size and la.max() > 0:
            la = la / la.max() * peak
        xf, spec = light.render_lines(ctx.wave, lw, la, fwhm)
        cfrac = rng.uniform(*RANGES['arc_continuum_frac'])
        spec = spec + np.interp(xf, np.arange(nspec), cfrac * peak * _norm(thru)).astype(np.float32)
        tilt = rng.uniform(*RANGES['line_tilt_px'])
        curv = rng.uniform(*RANGES['line_curv_px'])
        img += light.tilted(xf, spec, nspat, nspec, tilt, curv) * ctx.illumination()
        _scatter(img, _norm(thru), rng, cfrac * peak)
        p.update(arc_peak=float(peak), arc_failed=bool(failed), line_fwhm_px=float(fwhm))
    elif cls == 'flat' and fault == 'twilight_flat':
        slit_w = 2.0
        fwhm = arc_fwhm * 2.0
        peak = light.loguniform(rng, *RANGES['flat_peak_log'])
        spec = _solar(ctx, fwhm) * peak
        sky, _ = _sky(ctx, 1.0, rng, fwhm)
        spec = spec + _norm(sky) * peak * 0.02          # faint night-sky lines on top
        img += light.tilted(np.arange(nspec, dtype=np.float32), spec.astype(np.float32), nspat,
                            nspec, rng.uniform(*RANGES['line_tilt_px']), 0.0) * ctx.illumination()
        _scatter(img, spec / peak, rng, peak)
        p.update(flat_peak=float(peak), twilight=True)
    elif cls == 'flat':
        slit_w = float(_choice(rng, [1.0, 2.0, 3.0, 4.0], [0.1, 0.6, 0.15, 0.15]))
        temp = rng.uniform(*RANGES['lamp_temp_k'])
        spec = light.planck(ctx.wave, temp)
        if '5' in lamps:                                  # superblue: a hot blue component
            spec = spec + 0.3 * _norm(light.planck(ctx.wave, 8000.0)) * spec.max()
        spec = _norm(spec * thru)
        saturated = rng.random() < RANGES['p_flat_saturated']
        peak = (rng.uniform(*RANGES['flat_saturated_peak']) if saturated
                else light.loguniform(rng, *RANGES['flat_peak_log']))
        img += (peak * spec.astype(np.float32))[None, :] * ctx.illumination()
        _scatter(img, spec, rng, peak)
        p.update(flat_peak=float(peak), flat_saturated=bool(saturated), lamp_temp=float(temp))
    elif cls in ('science', 'standard'):
        slit_w = float(_choice(rng, [1.0, 1.5, 2.0, 3.0, 4.0], [0.1, 0.15, 0.5, 0.15, 0.1]))
        fwhm = arc_fwhm * (slit_w / 0.5) ** 0.7
        seeing = rng.uniform(*RANGES['seeing_fwhm_arcsec'])
        plate = 0.774 if ctx.camera == 'shane_kast_red_ret' else 0.43
        sfwhm = seeing / plate
        sky, sp = _sky(ctx, exptime, rng, fwhm)
        p.update(sp)
        if cls == 'standard':
            dusk = (rng.random() < RANGES['p_dusk_standard']) if dusk is None else dusk
            if dusk:
                lvl = light.loguniform(rng, *RANGES['dusk_sky_log'])
                sky = sky + lvl * _solar(ctx, fwhm).astype(np.float32)
                p['dusk_sky'] = float(lvl)
        img += light.tilted(np.arange(nspec, dtype=np.float32), sky, nspat, nspec,
                            rng.uniform(*RANGES['line_tilt_px']), 0.0) * ctx.illumination()
        s = ctx.slit
        lo, hi = max(s['lo'], 0) + 10, min(s['hi'], nspat) - 10
        if cls == 'standard':
            ntr = 1
            peaks = [light.loguniform(rng, *RANGES['standard_peak_log'])]
            temps = [rng.uniform(8000, 40000)]
        else:
            ntr = int(rng.integers(*RANGES['n_traces'], endpoint=True))
            none = rng.random() < RANGES['p_no_continuum']
            peaks = [0.0 if (none and i == 0) else light.loguniform(rng, *RANGES['science_peak_log'])
                     * (exptime / 1200.0) ** 0.5 for i in range(ntr)]
            temps = [rng.uniform(3500, 20000) for _ in range(ntr)]
        for i in range(ntr):
            aspec = peaks[i] * _norm(light.planck(ctx.wave, temps[i]) * thru)
            if cls == 'science' and rng.random() < RANGES['p_emission']:
                z = rng.uniform(0.0, 0.5)
                ew = np.array([3727.1, 4862.7, 4960.3, 5008.2, 6564.6, 6585.3]) * (1 + z)
                ea = np.array([1.0, 0.5, 0.4, 1.2, 2.0, 0.6]) * max(peaks[i], 5.0) * rng.uniform(1, 10)
                _, el = light.render_lines(ctx.wave, ew, ea, fwhm, oversample=1)
                aspec = aspec + el
                p['emission_z'] = float(z)
            light.add_trace(img, rng.uniform(lo, hi), rng.uniform(*RANGES['trace_drift_px']),
                            sfwhm * rng.uniform(0.9, 1.1), aspec.astype(np.float32),
                            ctx.illumination())
        p.update(n_traces=ntr, trace_peak=float(max(peaks)), seeing=float(seeing))
    ncr = _n_cosmic(ctx, exptime, rng)
    light.add_cosmic_rays(img, ncr, rng)
    p.update(n_cosmic=ncr, slit_width=float(slit_w))
    return img, p


def simulate_frame(camera, cls, rng, context=None, fault=None, phase=None, exptime=None,
                   lamps=None, dusk=None, seq=1):
    """
    Simulate one raw frame in memory.

    Parameters
    ----------
    camera : str
        ``shane_kast_blue``, ``shane_kast_red`` or ``shane_kast_red_ret``.
    cls : str
        True class: ``bias``, ``science``, ``standard``, ``arc`` or ``flat``.
    rng : `numpy.random.Generator` or int
        Random generator (or seed).
    context : Context, optional
        Night context; a fresh one is drawn when None (more variety per frame).
    fault : str, optional
        Header fault to write (see :data:`~pypeit_spit.simulate.params.FAULTS`).
        ``None`` gives a correct header. For training on pixels alone, ``'twilight_flat'``
        is drawn for a fraction of flats when ``fault='auto'``.
    phase : float, optional
        Position in the night (0-1) for the bias drift and time stamps.
    exptime : float, optional
        Override the drawn exposure time.
    lamps : tuple of str, optional
        Override the lamps that are on.
    dusk : bool, optional
        Standards: twilight sky.
    seq : int, optional
        Observation number (``OBSNUM``).

    Returns
    -------
    raw : `numpy.ndarray` of uint16
        Raw frame in the camera's raw orientation and format.
    header : `astropy.io.fits.Header`
        Real-format Kast header.
    params : dict
        Everything drawn (class, fault, setup, exposure, levels...).
    """
    from pypeit_spit.simulate.header import make_header
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    if cls not in CLASSES:
        raise ValueError(f'unknown class {cls!r}; use one of {CLASSES}')
    if fault == 'auto':
        fault = 'twilight_flat' if (cls == 'flat' and rng.random() < RANGES['p_twilight']) else None
    if fault is not None and fault not in FAULTS[cls]:
        raise ValueError(f'fault {fault!r} does not apply to {cls}; choose from {FAULTS[cls]}')
    ctx = context if context is not None else draw_context(camera, rng)
    t, lmp = draw_exposure(camera, cls, rng, fault)
    if exptime is not None:
        t = exptime
    if lamps is not None:
        lmp = tuple(lamps)
    phase = rng.uniform() if phase is None else phase
    signal, p = render_signal(ctx, cls, rng, t, lmp, fault=fault, dusk=dusk)
    prnu = rng.uniform(*RANGES['prnu'])
    raw, rinfo = read_out(ctx.layout, signal, rng, ctx.bias, phase=phase, prnu=prnu)
    params = dict(camera=camera, cls=cls, fault=fault or 'none', night=ctx.night,
                  dispname=ctx.setup['name'], dichroic=ctx.dichroic,
                  tilt=ctx.tilt if ctx.tilt is not None else -1, exptime=float(t),
                  lamps=''.join(lmp), nspat=ctx.layout.nspat, nspec=ctx.layout.nspec,
                  naxis1=ctx.layout.shape[1], naxis2=ctx.layout.shape[0], phase=float(phase))
    params.update(p)
    params.update(rinfo)
    header = make_header(ctx, params, rng, seq=seq)
    return raw, header, params
