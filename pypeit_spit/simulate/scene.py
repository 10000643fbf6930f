"""
Scene layer: the light of one frame on the canonical ``(spatial, spectral)`` image.

Shared by every instrument. :func:`render_signal` needs a *context* (one night of one
instrument) that provides:

* ``nspat``, ``nspec`` -- scene size (binned pixels); ``wave`` -- wavelength per
  spectral pixel (increasing); ``plate`` -- arcsec per binned pixel along the slit;
  ``slit`` -- dict with the slit edges ``lo``/``hi`` (rows);
* ``throughput()`` -- relative throughput per spectral pixel (disperser, detector,
  dichroic); ``illumination()`` -- slit illumination ``(nspat, nspec)``;
* ``lines(lamps, rng)`` -- wavelengths and relative strengths of the arc lines of the
  lamps that are on (PypeIt line lists); ``line_fwhm(rng, slit_width)`` -- pixels;
* ``slit_width(cls, rng)`` -- arcsec;
* ``levels`` -- brightness of everything, in the units of the scene (ADU for Kast,
  whose ranges are measured in ADU; electrons for the other spectrographs, from a
  photon model): ``sky(rng, t)``, ``point(rng, t, kind, seeing_px)``,
  ``extended(rng, t)``, ``dusk(rng, t)``, ``arc(rng, t)``, ``flat(rng, t)``,
  ``cr_rate(rng)`` (events per second per million sensor pixels) and ``cr_len``;
* ``sensor_mpx`` -- million sensor (unbinned) pixels covered by the scene;
* ``warp(img)`` -- optional distortion (curved, tilted spectra), or None.

Science targets come in kinds (:data:`SCIENCE_KINDS`): a faint point source, an extended
galaxy (exponential profile, rotating emission lines), a host galaxy with a point source
(a supernova in its host), a very bright point source (a supernova as bright as a
standard), or no continuum at all; 1-3 per frame. Standards may be taken in twilight
(bright solar continuum). Every range is in :data:`pypeit_spit.simulate.params.RANGES`.
"""
import numpy as np

from pypeit_spit.simulate import light
from pypeit_spit.simulate.params import RANGES

__all__ = ['SCIENCE_KINDS', 'render_signal', 'choice', 'norm', 'solar_spectrum',
           'sky_spectrum', 'n_cosmic']

#: Kinds of science targets, in the order of ``RANGES['p_science_kind']``.
SCIENCE_KINDS = ('point', 'extended', 'host_point', 'bright_point', 'blank')

#: Emission lines of galaxies (vacuum Angstrom) with relative strengths: [OII] 3727,
#: Hbeta, [OIII] 4960/5008, Halpha, [NII] 6585, [SII] 6718/6733.
_EMISSION = (np.array([3728.5, 4862.7, 4960.3, 5008.2, 6564.6, 6585.3, 6718.3, 6732.7]),
             np.array([1.0, 0.5, 0.4, 1.2, 2.0, 0.6, 0.4, 0.3]))

#: Strong solar (Fraunhofer) and telluric absorption features: centre, depth, width (A).
_FRAUNHOFER = ((3934.8, 0.8, 8.0), (3969.6, 0.7, 8.0), (4102.9, 0.3, 4.0),
               (4341.7, 0.3, 4.0), (4862.7, 0.35, 4.0), (5174.0, 0.25, 6.0),
               (5894.0, 0.4, 3.0), (6564.6, 0.35, 3.0), (6870.0, 0.3, 10.0),
               (7605.0, 0.5, 15.0), (9350.0, 0.5, 80.0))


def choice(rng, seq, weights=None):
    """
    One element of ``seq`` (uniform, or with relative ``weights``).

    Parameters
    ----------
    rng : `numpy.random.Generator`
    seq : sequence
    weights : sequence of float, optional

    Returns
    -------
    object
    """
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        return seq[int(rng.choice(len(seq), p=w / w.sum()))]
    return seq[int(rng.integers(len(seq)))]


def norm(v):
    """``v`` divided by its maximum (unchanged when the maximum is not positive)."""
    m = np.max(v)
    return v / m if m > 0 else v


def n_cosmic(ctx, exptime, rng):
    """
    Number of cosmic-ray events in one exposure (Poisson).

    Parameters
    ----------
    ctx : context
    exptime : float
        Seconds; the read-out time (``RANGES['readout_s']``) is added.
    rng : `numpy.random.Generator`

    Returns
    -------
    int
    """
    rate = ctx.levels.cr_rate(rng)
    return int(rng.poisson(rate * (exptime + RANGES['readout_s']) * ctx.sensor_mpx))


def sky_spectrum(ctx, exptime, rng, fwhm):
    """
    Night-sky spectrum per pixel (continuum + lines, optionally moonlight).

    Parameters
    ----------
    ctx : context
    exptime : float
    rng : `numpy.random.Generator`
    fwhm : float
        Line FWHM (pixels).

    Returns
    -------
    spec : `numpy.ndarray` of float32
    params : dict
    """
    cont, lines = light.sky_lines_and_continuum(ctx.wave, fwhm)
    thru = ctx.throughput()
    level = ctx.levels.sky(rng, exptime)
    line_scale = light.loguniform(rng, *RANGES['sky_line_scale_log'])
    spec = level * thru * (cont + line_scale * lines)
    moon = rng.random() < RANGES['p_moon']
    if moon:
        spec = spec + level * rng.uniform(*RANGES['moon_factor']) * norm(
            light.planck(ctx.wave, 5800.0) * thru)
    return spec.astype(np.float32), dict(sky_level=float(level),
                                         sky_line_scale=float(line_scale), moon=bool(moon))


def solar_spectrum(ctx, fwhm):
    """
    Twilight (scattered sunlight) spectrum through the instrument, peak 1: a 5800 K
    continuum with the strongest solar and telluric absorption features.

    Parameters
    ----------
    ctx : context
    fwhm : float
        Resolution (pixels).

    Returns
    -------
    `numpy.ndarray`
    """
    w = ctx.wave
    spec = light.planck(w, 5800.0) * ctx.throughput()
    dw = float(np.median(np.abs(np.diff(w)))) if w.size > 1 else 1.0
    for lam, depth, width in _FRAUNHOFER:
        sig = np.hypot(width, fwhm * dw / 2.355)
        spec = spec * (1 - depth * np.exp(-0.5 * ((w - lam) / sig) ** 2))
    return norm(spec)


def _scatter(img, illum_spec, rng, peak):
    """Diffuse scattered light over the whole image (fraction of the peak)."""
    frac = rng.uniform(*RANGES['scatter_frac'])
    nspat = img.shape[0]
    prof = 1.0 + 0.3 * np.sin(np.linspace(0, np.pi, nspat) + rng.uniform(0, np.pi))
    img += (frac * peak * prof[:, None] * illum_spec[None, :]).astype(np.float32)
    return float(frac)


def _emission_spectrum(ctx, rng, strength, fwhm):
    """Redshifted galaxy emission lines on a fine grid, and the redshift drawn."""
    z = rng.uniform(*RANGES['emission_z'])
    ew, ea = _EMISSION
    ea = ea * strength * np.exp(rng.normal(0, 0.3, ea.size))
    xf, spec = light.render_lines(ctx.wave, ew * (1 + z), ea, fwhm)
    return xf, spec, float(z)


def _add_extended(ctx, img, rng, centre, peak_spec, scale_px, seeing_px, emission=None,
                  rot_px=0.0):
    """
    An extended source: exponential profile along the slit (scale ``scale_px``, core
    blurred by the seeing); optional emission lines whose position follows a rotation
    curve (``rot_px`` pixels of shift at large radius).
    """
    nspat = img.shape[0]
    y = np.arange(nspat, dtype=np.float32) - np.float32(centre)
    soft = np.sqrt(y * y + np.float32(0.6 * seeing_px) ** 2)
    prof = np.exp(-soft / np.float32(max(scale_px, 0.5))).astype(np.float32)
    prof /= prof.max()
    img += (prof[:, None] * peak_spec[None, :].astype(np.float32)) * ctx.illumination()
    if emission is not None:
        xf, espec = emission
        dx = (rot_px * np.tanh(y / np.float32(max(scale_px, 1.0)))).astype(np.float32)
        lines = light.shifted_rows(xf, espec, nspat, img.shape[1], dx)
        eprof = np.exp(-soft / np.float32(max(0.6 * scale_px, 0.5))).astype(np.float32)
        img += lines * eprof[:, None] * ctx.illumination()


def _science(ctx, img, rng, exptime, fwhm, seeing_px, kind, p):
    """Science targets of one frame (in place); returns the kinds drawn."""
    thru = ctx.throughput()
    s = ctx.slit
    lo, hi = max(s['lo'], 0) + 5, min(s['hi'], ctx.nspat) - 5
    if hi <= lo:
        lo, hi = 0.3 * ctx.nspat, 0.7 * ctx.nspat
    kinds = [kind or choice(rng, SCIENCE_KINDS, RANGES['p_science_kind'])]
    extra = int(rng.integers(*RANGES['n_extra_traces'], endpoint=True))
    kinds += ['point'] * extra
    peaks = []
    for i, k in enumerate(kinds):
        centre = rng.uniform(lo, hi)
        drift = rng.uniform(*RANGES['trace_drift_px'])
        temp = rng.uniform(*RANGES['science_temp_k'])
        cont = norm(light.planck(ctx.wave, temp) * thru).astype(np.float32)
        emission = None
        if rng.random() < RANGES['p_emission'] or k in ('extended', 'host_point', 'blank'):
            if k == 'blank' and rng.random() < 0.5:
                emission = None
            else:
                strength = ctx.levels.point(rng, exptime, 'faint', seeing_px) * \
                    light.loguniform(rng, *RANGES['emission_strength'])
                emission = _emission_spectrum(ctx, rng, strength, fwhm)
                p['emission_z'] = emission[2]
        if k == 'blank':
            peak = 0.0
            if emission is not None:
                light.add_trace(img, centre, drift, seeing_px, np.interp(
                    np.arange(ctx.nspec), emission[0], emission[1]).astype(np.float32),
                    ctx.illumination())
        elif k in ('point', 'bright_point'):
            peak = ctx.levels.point(rng, exptime, 'faint' if k == 'point' else 'bright',
                                    seeing_px)
            spec = peak * cont
            if emission is not None:
                spec = spec + np.interp(np.arange(ctx.nspec), emission[0], emission[1])
            light.add_trace(img, centre, drift, seeing_px * rng.uniform(0.9, 1.1),
                            spec.astype(np.float32), ctx.illumination())
        else:                                      # extended / host_point
            scale = light.loguniform(rng, *RANGES['galaxy_scale_arcsec']) / ctx.plate
            peak = ctx.levels.extended(rng, exptime)
            rot = rng.uniform(*RANGES['rotation_px']) * rng.choice([-1, 1])
            em = None if emission is None else (emission[0], emission[1])
            _add_extended(ctx, img, rng, centre, peak * cont, scale, seeing_px, em, rot)
            p['galaxy_scale_px'] = float(scale)
            if k == 'host_point':
                off = rng.uniform(-1.0, 1.0) * min(scale, 3.0 / ctx.plate)
                ppeak = ctx.levels.point(rng, exptime, choice(rng, ('faint', 'bright'),
                                                              (0.7, 0.3)), seeing_px)
                pt = norm(light.planck(ctx.wave, rng.uniform(5000, 15000)) * thru)
                light.add_trace(img, centre + off, drift, seeing_px,
                                (ppeak * pt).astype(np.float32), ctx.illumination())
                peak = max(peak, ppeak)
        peaks.append(float(peak))
    p.update(science_kind=kinds[0], n_traces=len(kinds), trace_peak=float(max(peaks)))


def render_signal(ctx, cls, rng, exptime, lamps=(), fault=None, dusk=None, kind=None):
    """
    Canonical light image of one frame (units of ``ctx.levels``, above the bias).

    Parameters
    ----------
    ctx : context
        See the module docstring.
    cls : str
        True class (``bias``, ``science``, ``standard``, ``arc``, ``flat``).
    rng : `numpy.random.Generator`
    exptime : float
        Exposure time (s).
    lamps : tuple of str, optional
        Lamps physically on (arcs: passed to ``ctx.lines``).
    fault : str or None, optional
        ``twilight_flat`` renders a sky-lit flat.
    dusk : bool or None, optional
        Standards: taken in twilight (drawn when None).
    kind : str or None, optional
        Science: one of :data:`SCIENCE_KINDS` (drawn when None).

    Returns
    -------
    signal : `numpy.ndarray` of float32
        ``(nspat, nspec)``.
    params : dict
        Drawn parameters (for the manifest).
    """
    nspat, nspec = ctx.nspat, ctx.nspec
    img = np.zeros((nspat, nspec), dtype=np.float32)
    p = {}
    thru = ctx.throughput()
    slit_w = ctx.slit_width(cls, rng)
    fwhm = ctx.line_fwhm(rng, slit_w)
    tilt = rng.uniform(*RANGES['line_tilt_px'])
    if cls == 'arc':
        lw, la = ctx.lines(lamps, rng)
        la = la * np.interp(lw, ctx.wave, thru, left=0, right=0)
        failed = rng.random() < RANGES['p_arc_failed']
        peak = (rng.uniform(*RANGES['arc_failed_peak']) * ctx.levels.adu if failed
                else ctx.levels.arc(rng, exptime))
        if la.size and la.max() > 0:
            la = la / la.max() * peak
        xf, spec = light.render_lines(ctx.wave, lw, la, fwhm)
        cfrac = rng.uniform(*RANGES['arc_continuum_frac'])
        spec = spec + np.interp(xf, np.arange(nspec), cfrac * peak * norm(thru)).astype(np.float32)
        curv = rng.uniform(*RANGES['line_curv_px'])
        img += light.tilted(xf, spec, nspat, nspec, tilt, curv) * ctx.illumination()
        _scatter(img, norm(thru), rng, cfrac * peak)
        p.update(arc_peak=float(peak), arc_failed=bool(failed), line_fwhm_px=float(fwhm))
    elif cls == 'flat' and fault == 'twilight_flat':
        peak, _ = ctx.levels.flat(rng, exptime)
        spec = solar_spectrum(ctx, 2 * fwhm) * peak
        sky, _ = sky_spectrum(ctx, 1.0, rng, fwhm)
        spec = spec + norm(sky) * peak * 0.02           # faint night-sky lines on top
        img += light.tilted(np.arange(nspec, dtype=np.float32), spec.astype(np.float32), nspat,
                            nspec, tilt, 0.0) * ctx.illumination()
        _scatter(img, spec / max(peak, 1e-6), rng, peak)
        p.update(flat_peak=float(peak), twilight=True)
    elif cls == 'flat':
        temp = rng.uniform(*RANGES['lamp_temp_k'])
        spec = light.planck(ctx.wave, temp)
        if rng.random() < RANGES['p_blue_flat_lamp']:   # a hot blue lamp beside the quartz
            spec = spec + 0.3 * norm(light.planck(ctx.wave, 8000.0)) * spec.max()
        spec = norm(spec * thru)
        peak, saturated = ctx.levels.flat(rng, exptime)
        img += (peak * spec.astype(np.float32))[None, :] * ctx.illumination()
        _scatter(img, spec, rng, peak)
        p.update(flat_peak=float(peak), flat_saturated=bool(saturated))
    elif cls in ('science', 'standard'):
        seeing = rng.uniform(*ctx.seeing_range)
        seeing_px = seeing / ctx.plate
        sky, sp = sky_spectrum(ctx, exptime, rng, fwhm)
        p.update(sp)
        if cls == 'standard':
            dusk = (rng.random() < RANGES['p_dusk_standard']) if dusk is None else dusk
            if dusk:
                lvl = ctx.levels.dusk(rng, exptime)
                sky = sky + lvl * solar_spectrum(ctx, fwhm).astype(np.float32)
                p['dusk_sky'] = float(lvl)
        img += light.tilted(np.arange(nspec, dtype=np.float32), sky, nspat, nspec,
                            tilt, 0.0) * ctx.illumination()
        if cls == 'standard':
            s = ctx.slit
            lo, hi = max(s['lo'], 0) + 5, min(s['hi'], nspat) - 5
            if hi <= lo:
                lo, hi = 0.3 * nspat, 0.7 * nspat
            peak = ctx.levels.point(rng, exptime, 'standard', seeing_px)
            temp = rng.uniform(*RANGES['standard_temp_k'])
            aspec = peak * norm(light.planck(ctx.wave, temp) * thru)
            light.add_trace(img, rng.uniform(lo, hi), rng.uniform(*RANGES['trace_drift_px']),
                            seeing_px * rng.uniform(0.9, 1.1), aspec.astype(np.float32),
                            ctx.illumination())
            p.update(n_traces=1, trace_peak=float(peak))
        else:
            _science(ctx, img, rng, exptime, fwhm, seeing_px, kind, p)
        p.update(seeing=float(seeing))
    if getattr(ctx, 'warp', None) is not None:
        img = ctx.warp(img)
    ncr = n_cosmic(ctx, exptime, rng)
    light.add_cosmic_rays(img, ncr, rng, amp_range=ctx.levels.cr_amp, len_range=ctx.levels.cr_len)
    p.update(n_cosmic=ncr, slit_width=float(slit_w))
    return img, p
