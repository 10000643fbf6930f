"""
One simulated raw Kast frame: draw its parameters, render the light, read it out.

Kast is the most detailed case: its levels are measured in ADU on real frames
(:data:`~pypeit_spit.simulate.params.INSTRUMENTS`, ``RANGES``), its raw layout and headers
follow the real files (:mod:`~pypeit_spit.simulate.detector`,
:mod:`~pypeit_spit.simulate.header`). The light itself comes from the scene layer shared
with every instrument (:func:`pypeit_spit.simulate.scene.render_signal`).

:func:`simulate_frame` is the fast in-memory path (no disk): it returns the raw 16-bit
array, a real-format Kast header and the drawn parameters.
"""
from dataclasses import dataclass, field

import numpy as np

from pypeit_spit.simulate import light
from pypeit_spit.simulate.detector import draw_bias_state, draw_window, get_layout, read_out
from pypeit_spit.simulate.instruments import get_format
from pypeit_spit.simulate.params import CAMERAS, CLASSES, FAULTS, INSTRUMENTS, RANGES
from pypeit_spit.simulate.scene import choice, render_signal

__all__ = ['Context', 'KastLevels', 'draw_context', 'draw_exposure', 'render_signal',
           'simulate_frame']


class KastLevels:
    """
    Brightness of Kast frames in ADU above bias, from the measured ranges.

    Parameters
    ----------
    camera : str
    disp_factor : float
        Dispersion (A/px) of the night's setup relative to the measured 600/4310 night
        (1.02 A/px): sky per pixel scales with it.
    """

    adu = 1.0

    def __init__(self, camera, disp_factor=1.0):
        self.camera = camera
        self.disp_factor = float(disp_factor)
        self.cr_amp = RANGES['cr_amp_log']
        self.cr_len = INSTRUMENTS[camera].get('cr_len', RANGES['cr_len_px'])

    def sky(self, rng, t):
        """Sky continuum peak per pixel in ``t`` seconds."""
        return (light.loguniform(rng, *RANGES['sky_level_log']) * INSTRUMENTS[self.camera]['sky_scale']
                * t / 1200.0 * self.disp_factor)

    def point(self, rng, t, kind, seeing_px=None):
        """Trace peak: ``faint`` science (scales with ``t``), ``bright`` or ``standard``."""
        if kind == 'faint':
            return light.loguniform(rng, *RANGES['science_peak_log']) * t / 1200.0
        return light.loguniform(rng, *RANGES['standard_peak_log'])

    def extended(self, rng, t):
        """Surface-brightness peak of an extended source."""
        return light.loguniform(rng, *RANGES['galaxy_peak_log']) * t / 1200.0

    def dusk(self, rng, t):
        """Twilight continuum per pixel (the range is per 30 s at 1.02 A/px)."""
        return (light.loguniform(rng, *RANGES['dusk_sky_log']) * max(t, 1.0) / 30.0
                * self.disp_factor)

    def arc(self, rng, t):
        """Peak of the brightest arc line."""
        return light.loguniform(rng, *RANGES['arc_peak_log'])

    def flat(self, rng, t):
        """Flat peak and whether it saturates."""
        if rng.random() < RANGES['p_flat_saturated']:
            return rng.uniform(*RANGES['flat_saturated_peak']), True
        return light.loguniform(rng, *RANGES['flat_peak_log']), False

    def cr_rate(self, rng):
        """Cosmic rays per second per million sensor pixels."""
        return rng.uniform(*INSTRUMENTS[self.camera]['cr_rate'])


@dataclass
class Context:
    """
    What stays fixed for a night of one Kast camera: setup, window, bias state, slit.

    Implements the scene-layer context (see :mod:`pypeit_spit.simulate.scene`).

    Attributes
    ----------
    camera : str
    night : int
    setup : dict
        Disperser entry of the camera's ``setups`` (:data:`~pypeit_spit.simulate.params.INSTRUMENTS`).
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

    warp = None

    @property
    def arm(self):
        """``'blue'`` or ``'red'``."""
        return INSTRUMENTS[self.camera]['arm']

    @property
    def nspat(self):
        """Scene rows (binned)."""
        return self.layout.nspat

    @property
    def nspec(self):
        """Scene columns (binned)."""
        return self.layout.nspec

    @property
    def binning(self):
        """``(spectral, spatial)``."""
        return self.layout.binning

    @property
    def plate(self):
        """Arcsec per binned pixel along the slit (PypeIt's plate scale)."""
        return self.layout.platescale * self.layout.binning[1]

    @property
    def sensor_mpx(self):
        """Million sensor pixels covered by the scene."""
        b = self.layout.binning
        return self.nspat * self.nspec * b[0] * b[1] / 1e6

    @property
    def seeing_range(self):
        """Seeing FWHM range (arcsec)."""
        return RANGES['seeing_fwhm_arcsec']

    @property
    def levels(self):
        """:class:`KastLevels` of the night."""
        if 'levels' not in self._cache:
            disp = abs(float(np.median(np.diff(self.wave))))
            self._cache['levels'] = KastLevels(self.camera, disp / 1.02)
        return self._cache['levels']

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
            self._cache['thru'] = light.throughput(self.wave, self.setup, self.dichroic, self.arm,
                                                   INSTRUMENTS[self.camera].get('red_cut', 9800.0))
        return self._cache['thru']

    def lines(self, lamps, rng):
        """Arc lines of the lamp slots that are on (PypeIt line lists)."""
        return light.ion_lines(lamps, rng)

    def line_fwhm(self, rng, slit_width):
        """Line FWHM in binned pixels: the 0.5" measurement scaled with the slit width."""
        base = rng.uniform(*RANGES['arc_slit_fwhm_px'])
        return base * (slit_width / 0.5) ** 0.7 / self.layout.binning[0]

    def slit_width(self, cls, rng):
        """Slit width (arcsec) observers use for a class [RAW][DS]."""
        if cls == 'arc':
            return 0.5 if rng.random() < 0.85 else 2.0
        if cls == 'flat':
            return float(choice(rng, [1.0, 2.0, 3.0, 4.0], [0.1, 0.6, 0.15, 0.15]))
        if cls in ('science', 'standard'):
            return float(choice(rng, [1.0, 1.5, 2.0, 3.0, 4.0], [0.1, 0.15, 0.5, 0.15, 0.1]))
        return 2.0


def draw_context(camera, rng, night=0, variety=True, setup=None, dichroic=None, window=None):
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
        cut short, other windows, binning); off for comparisons with real Kast frames.
    setup : str, optional
        Disperser name (e.g. ``'452/3306'``); drawn when None.
    dichroic : str, optional
        ``BSPLIT_N`` value; drawn from the setup's when None.
    window : dict, optional
        Overrides of the drawn window (``nspat``, ``nspec``, ``binning``, ...).

    Returns
    -------
    Context
    """
    if camera not in CAMERAS:
        raise ValueError(f'unknown camera {camera!r}; use one of {CAMERAS}')
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    c = INSTRUMENTS[camera]
    setups = c['setups']
    drawn = choice(rng, setups, [s['weight'] for s in setups])
    setup = drawn if setup is None else next(s for s in setups if s['name'] == setup)
    drawn_dichroic = choice(rng, setup['dichroics'])
    dichroic = drawn_dichroic if dichroic is None else dichroic
    tilt = int(rng.integers(*setup['tilt'], endpoint=True)) if 'tilt' in setup else None
    drawn_window = draw_window(camera, rng, variety=variety)
    window = dict(drawn_window, **(window or {}))
    bspec, bspat = window['binning']
    layout = get_layout(camera, window['nspat'], window['nspec'], window['crval1u'],
                        window['cover'], tuple(window['binning']), window['crval2u'])
    shift = rng.uniform(*RANGES['wave_shift_px'])
    wave = light.wavelengths(setup, layout.nspec * bspec, shift)
    if bspec > 1:
        wave = wave[: layout.nspec * bspec].reshape(layout.nspec, bspec).mean(axis=1)
    # slit: length drawn, centred with a random offset; may exceed the window (no blank band)
    length = rng.uniform(*c['slit_px']) / bspat
    centre = layout.nspat / 2 + rng.uniform(-0.15, 0.15) * layout.nspat
    slit = dict(lo=centre - length / 2, hi=centre + length / 2,
                edge_shift=rng.uniform(*RANGES['slit_edge_shift_px']) / bspat,
                edge_width=rng.uniform(*RANGES['slit_edge_width_px']),
                gradient=rng.uniform(*RANGES['slit_gradient']),
                vignette=rng.uniform(*RANGES['vignette']))
    if 'lit_spec' in c:     # a mask limits the lit spectral rows (Kast red)
        lit = rng.uniform(*c['lit_spec']) / bspec
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


def _exprng(camera, ftype):
    """PypeIt's exposure-time window of a frame type for a camera."""
    return get_format(camera).exprng(ftype)


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
    c = INSTRUMENTS[camera]
    if cls == 'bias':
        t = int(rng.integers(*RANGES['exptime_dark'], endpoint=True)) if fault == 'dark_as_bias' else 0
        return t, ()
    if cls == 'arc':
        if fault == 'arc_too_long':     # just beyond PypeIt's arc window
            t = int(rng.integers(int(_exprng(camera, 'arc')[1]) + 1, 300))
        else:
            t = int(rng.integers(*c['exptime']['arc'], endpoint=True))
        return t, choice(rng, c['arc_slots']['sets'], c['arc_slots']['weights'])
    if cls == 'flat':
        if fault == 'twilight_flat':
            return int(rng.integers(*RANGES['exptime_twilight'], endpoint=True)), ()
        t = int(rng.integers(*c['exptime']['flat'], endpoint=True))
        slots = c['flat_slots']
        if 'alone' in slots and rng.random() < slots['alone'][1]:
            return t, slots['alone'][0]
        return t, choice(rng, slots['sets'], slots['weights'])
    if cls == 'standard':
        if fault == 'long_standard':
            return int(rng.integers(90, 300, endpoint=True)), ()
        return int(rng.integers(*RANGES['exptime_standard'], endpoint=True)), ()
    if cls == 'science':
        if fault == 'short_science':    # just below PypeIt's science window
            return int(rng.integers(5, int(_exprng(camera, 'science')[0]) - 1, endpoint=True)), ()
        if rng.random() < 0.6:
            return int(choice(rng, [300, 600, 900, 1200, 1800, 2400, 3600],
                              [2, 3, 3, 4, 3, 1, 1])), ()
        return int(rng.integers(*RANGES['exptime_science'], endpoint=True)), ()
    raise ValueError(f'unknown class {cls!r}; use one of {CLASSES}')


def simulate_frame(camera, cls, rng, context=None, fault=None, phase=None, exptime=None,
                   lamps=None, dusk=None, seq=1, kind=None):
    """
    Simulate one raw Kast frame in memory.

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
    kind : str, optional
        Science target kind (:data:`pypeit_spit.simulate.scene.SCIENCE_KINDS`).

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
    signal, p = render_signal(ctx, cls, rng, t, lmp, fault=fault, dusk=dusk, kind=kind)
    prnu = rng.uniform(*RANGES['prnu'])
    raw, rinfo = read_out(ctx.layout, signal, rng, ctx.bias, phase=phase, prnu=prnu)
    params = dict(camera=camera, cls=cls, fault=fault or 'none', night=ctx.night,
                  dispname=ctx.setup['name'], dichroic=ctx.dichroic,
                  tilt=ctx.tilt if ctx.tilt is not None else -1, exptime=float(t),
                  lamps=''.join(lmp), nspat=ctx.layout.nspat, nspec=ctx.layout.nspec,
                  naxis1=ctx.layout.shape[1], naxis2=ctx.layout.shape[0], phase=float(phase),
                  binning='{},{}'.format(*ctx.layout.binning))
    params.update(p)
    params.update(rinfo)
    header = make_header(ctx, params, rng, seq=seq)
    return raw, header, params
