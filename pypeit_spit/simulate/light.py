"""
Light falling on the detector: arcs, flats, sky, object traces and cosmic rays.

All functions are pure numerics on canonical images ``(nspat, nspec)`` in ADU above
bias, apart from the cached readers of PypeIt's packaged data (line lists, sky spectrum,
standard-star catalogue).
"""
from functools import lru_cache
import re

import numpy as np

from pypeit_spit.simulate.params import LAMP_IONS, RANGES

__all__ = ['line_list', 'sky_spectrum', 'standard_catalogue', 'all_standards',
           'far_from_standards', 'STANDARD_ARCHIVES', 'wavelengths', 'planck',
           'throughput', 'render_lines', 'slit_illumination', 'tilted', 'shifted_rows', 'add_trace',
           'add_cosmic_rays', 'loguniform', 'ion_lines', 'sky_lines_and_continuum']

_FWHM = 2.3548


def loguniform(rng, lo, hi):
    """Draw log-uniformly between ``lo`` and ``hi`` (both > 0)."""
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _data_path(*parts):
    from pypeit import dataPaths
    import pypeit
    from pathlib import Path
    del dataPaths
    return Path(pypeit.__file__).parent.joinpath('data', *parts)


@lru_cache(maxsize=None)
def line_list(ion):
    """
    A PypeIt arc line list.

    Parameters
    ----------
    ion : str
        ``HeI``, ``NeI``, ``ArI``, ``HgI`` or ``CdI`` (``arc_lines/lists/<ion>_lines.dat``).

    Returns
    -------
    wave, amp : `numpy.ndarray`
        Vacuum wavelengths (Angstrom) and relative amplitudes.
    """
    wave, amp = [], []
    with open(_data_path('arc_lines', 'lists', f'{ion}_lines.dat')) as f:
        for line in f:
            cols = [c.strip() for c in line.strip().strip('|').split('|')]
            if len(cols) < 5 or not cols[0] or cols[0] == 'ion' or line.startswith('#'):
                continue
            try:
                w, a = float(cols[1]), float(cols[4])
            except ValueError:
                continue
            wave.append(w)
            amp.append(a)
    return np.asarray(wave), np.asarray(amp)


@lru_cache(maxsize=None)
def sky_spectrum():
    """
    PypeIt's Paranal night-sky model (``sky_spec/paranal_sky.fits``), 3000-10000 A.

    Returns
    -------
    wave, cumflux : `numpy.ndarray`
        Wavelength grid and the cumulative flux (for binning onto any pixel grid).
    """
    from astropy.io import fits
    with fits.open(_data_path('sky_spec', 'paranal_sky.fits')) as hdul:
        flux = np.asarray(hdul[0].data, dtype=float)
        wave = np.asarray(hdul[1].data, dtype=float)
    flux = np.clip(flux, 0, None)
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (flux[1:] + flux[:-1]) * np.diff(wave))])
    return wave, cum


_STD_LINE = re.compile(r'^(\S+\.(?:fits|dat|txt)(?:\.gz)?)\s+(.+?)\s+(\d\d:\d\d:\d\d[\d.]*)\s+'
                       r'([+-]?\d\d:\d\d:\d\d[\d.]*)')


@lru_cache(maxsize=None)
def _read_standards(archive):
    from astropy.coordinates import Angle
    out = []
    path = _data_path('standards', archive, f'{archive}_info.txt')
    if not path.is_file():
        return out
    with open(path) as f:
        for line in f:
            m = _STD_LINE.match(line.strip())
            if m:
                out.append((m.group(2).strip(), Angle(m.group(3), unit='hourangle').degree,
                            Angle(m.group(4), unit='deg').degree))
    return out


@lru_cache(maxsize=None)
def standard_catalogue():
    """
    Spectrophotometric standards from PypeIt's ``standards/calspec/calspec_info.txt``.

    Returns
    -------
    list of tuple
        ``(name, ra_deg, dec_deg)`` for every star in the catalogue.
    """
    return list(_read_standards('calspec'))


#: PypeIt's flux-standard archives used to name standards (bright stars) and the
#: archives (all of them) that science pointings keep away from.
STANDARD_ARCHIVES = ('calspec', 'esofil', 'ing', 'noao')
ALL_STANDARD_ARCHIVES = STANDARD_ARCHIVES + ('blackbody',)


@lru_cache(maxsize=None)
def all_standards(archives=ALL_STANDARD_ARCHIVES):
    """
    Standards of several PypeIt archives (``standards/<archive>/<archive>_info.txt``).

    Parameters
    ----------
    archives : tuple of str, optional

    Returns
    -------
    list of tuple
        ``(name, ra_deg, dec_deg, archive)``.
    """
    return [(n, ra, dec, a) for a in archives for n, ra, dec in _read_standards(a)]


def far_from_standards(rng, dec_range=(-25.0, 75.0), min_sep=1.0):
    """
    A random sky position more than ``min_sep`` degrees from every PypeIt standard.

    Parameters
    ----------
    rng : `numpy.random.Generator`
    dec_range : tuple of float, optional
        Declination range (degrees), uniform on the sphere.
    min_sep : float, optional

    Returns
    -------
    ra, dec : float
        Degrees.
    """
    cat = all_standards()
    ras = np.radians([c[1] for c in cat])
    decs = np.radians([c[2] for c in cat])
    s0, s1 = np.sin(np.radians(dec_range[0])), np.sin(np.radians(dec_range[1]))
    while True:
        ra = rng.uniform(0, 360)
        dec = float(np.degrees(np.arcsin(rng.uniform(s0, s1))))
        cosd = (np.sin(np.radians(dec)) * np.sin(decs)
                + np.cos(np.radians(dec)) * np.cos(decs) * np.cos(np.radians(ra) - ras))
        if np.degrees(np.arccos(np.clip(cosd, -1, 1))).min() > min_sep:
            return float(ra), dec


def wavelengths(setup, nspec, shift=0.0):
    """
    Wavelength of every spectral pixel of a setup.

    A quadratic (Legendre-like) solution through the template's end wavelengths, with
    the template centred on the window and shifted by ``shift`` pixels.

    Parameters
    ----------
    setup : dict
        Entry of a Kast camera's ``setups`` (:data:`pypeit_spit.simulate.params.INSTRUMENTS`).
    nspec : int
        Spectral pixels in the window.
    shift : float, optional
        Pixel shift (grating tilt / flexure).

    Returns
    -------
    `numpy.ndarray`
        Vacuum wavelength (Angstrom) per pixel, increasing.
    """
    w0, w1 = setup['wave']
    npix = setup['npix']
    x = (np.arange(nspec) - (nspec - npix) / 2.0 - shift) / (npix - 1) * 2.0 - 1.0
    c0, c1, c2 = 0.5 * (w0 + w1), 0.5 * (w1 - w0), setup.get('curv', 0.0)
    return c0 + c1 * x + c2 * (1.5 * x * x - 0.5) - c2


def planck(wave, temp):
    """Planck function shape (arbitrary units) at ``wave`` (Angstrom) for ``temp`` (K)."""
    wave = np.maximum(wave, 1000.0)
    x = 1.4388e8 / (wave * temp)
    return (wave / 5000.0) ** -5 / np.expm1(np.minimum(x, 80.0))


def throughput(wave, setup, dichroic, arm, red_cut=9800.0):
    """
    Camera throughput: grism/grating blaze x detector response x dichroic.

    Parameters
    ----------
    wave : `numpy.ndarray`
        Wavelengths (Angstrom).
    setup : dict
        Disperser entry (its ``blaze`` wavelength).
    dichroic : str
        ``BSPLIT_N`` value (``d46``, ``d55``, ``d57``, ``clear``, ``mirror``).
    arm : str
        ``'blue'`` (reflected side) or ``'red'`` (transmitted side).
    red_cut : float, optional
        Wavelength (A) where the red camera's CCD response has fallen to half.

    Returns
    -------
    `numpy.ndarray`
        Relative throughput, peak ~1.
    """
    blaze = setup['blaze']
    t = np.exp(-0.5 * ((wave - blaze) / (0.35 * blaze)) ** 2)
    if arm == 'blue':
        t = t / (1.0 + np.exp(-(wave - 3500.0) / 120.0))        # UV cut (optics, CCD)
    else:
        t = t / (1.0 + np.exp((wave - red_cut) / 300.0))        # CCD red cut
    m = re.match(r'd(\d\d)', dichroic or '')
    if m:
        edge = float(m.group(1)) * 100.0
        sgn = 1.0 if arm == 'blue' else -1.0
        t = t / (1.0 + np.exp(sgn * (wave - edge) / 50.0))
    return t


def render_lines(wave, line_wave, line_amp, fwhm_px, oversample=4):
    """
    A 1-D emission-line spectrum on a fine pixel grid.

    Parameters
    ----------
    wave : `numpy.ndarray`
        Wavelength per pixel (increasing).
    line_wave, line_amp : `numpy.ndarray`
        Line wavelengths and peak amplitudes (ADU).
    fwhm_px : float
        Line FWHM in pixels.
    oversample : int, optional
        Fine-grid sampling per pixel.

    Returns
    -------
    xfine, spec : `numpy.ndarray`
        Fine pixel coordinates and the spectrum there (peak heights = ``line_amp``).
    """
    n = wave.size
    xfine = np.arange(n * oversample, dtype=np.float32) / oversample
    spec = np.zeros(xfine.size)
    ok = (line_wave > wave[0]) & (line_wave < wave[-1])
    if ok.any():
        pos = np.interp(line_wave[ok], wave, np.arange(n)) * oversample
        i = np.floor(pos).astype(int)
        f = pos - i
        np.add.at(spec, i, line_amp[ok] * (1 - f))
        np.add.at(spec, np.minimum(i + 1, spec.size - 1), line_amp[ok] * f)
        sig = fwhm_px / _FWHM * oversample
        k = np.arange(-int(5 * sig) - 1, int(5 * sig) + 2)
        spec = np.convolve(spec, np.exp(-0.5 * (k / sig) ** 2), mode='same')
    return xfine, spec.astype(np.float32)


def ion_lines(lamps, rng, lamp_scale=None):
    """
    Lines of the lamps that are on, with relative brightness per lamp.

    Parameters
    ----------
    lamps : iterable of str
        Line-lamp slot letters (see :data:`pypeit_spit.simulate.params.LAMP_IONS`).
    rng : `numpy.random.Generator`
    lamp_scale : dict, optional
        Brightness factor per slot; drawn when absent.

    Returns
    -------
    wave, amp : `numpy.ndarray`
    """
    waves, amps = [], []
    for slot in lamps:
        scale = (lamp_scale or {}).get(slot, loguniform(rng, *RANGES['arc_lamp_ratio_log']))
        for ion, rel in LAMP_IONS.get(slot, ()):
            w, a = line_list(ion)
            waves.append(w)
            amps.append(a * rel * scale)
    if not waves:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(waves), np.concatenate(amps)


def sky_lines_and_continuum(wave, fwhm_px):
    """
    Night-sky spectrum binned onto pixels and split into continuum and lines.

    Parameters
    ----------
    wave : `numpy.ndarray`
        Wavelength per pixel.
    fwhm_px : float
        Resolution (pixels).

    Returns
    -------
    cont, lines : `numpy.ndarray`
        Continuum and line parts, both normalised by the continuum's median.
    """
    from scipy.ndimage import gaussian_filter1d, percentile_filter
    sw, cum = sky_spectrum()
    edges = np.concatenate([[1.5 * wave[0] - 0.5 * wave[1]], 0.5 * (wave[1:] + wave[:-1]),
                            [1.5 * wave[-1] - 0.5 * wave[-2]]])
    flux = np.diff(np.interp(edges, sw, cum)) / np.diff(edges)
    beyond = edges[1:] > sw[-1]
    flux[beyond] = np.median(flux[~beyond][-50:]) if (~beyond).sum() > 50 else 1.0
    flux = gaussian_filter1d(flux, fwhm_px / _FWHM)
    cont = percentile_filter(flux, 20, size=61, mode='nearest')
    cont = gaussian_filter1d(cont, 10)
    lines = np.clip(flux - cont, 0, None)
    norm = np.median(cont) if np.median(cont) > 0 else 1.0
    return cont / norm, lines / norm


def slit_illumination(nspat, nspec, lo, hi, edge_shift, edge_width, gradient, vignette,
                      spec_lo=None, spec_hi=None):
    """
    Slit illumination pattern: lit band with soft, slightly tilted edges.

    Parameters
    ----------
    nspat, nspec : int
        Canonical image size.
    lo, hi : float
        Slit edges (rows) at the spectral centre.
    edge_shift : float
        Edge displacement (rows) from the blue to the red end.
    edge_width : float
        Width of the edge ramps (rows).
    gradient : float
        Relative illumination gradient along the slit.
    vignette : float
        Light lost at the spectral ends (0-1).
    spec_lo, spec_hi : float, optional
        Lit spectral range (pixels); the rest is masked.

    Returns
    -------
    `numpy.ndarray` of float32
        ``(nspat, nspec)`` pattern, ~1 inside the slit.
    """
    x = np.linspace(-0.5, 0.5, nspec, dtype=np.float32)
    y = np.arange(nspat, dtype=np.float32)[:, None]
    shift = (edge_shift * x)[None, :]
    w = np.float32(max(edge_width, 0.5))
    prof = np.clip((y - lo - shift) / w + 0.5, 0, 1) * np.clip((hi + shift - y) / w + 0.5, 0, 1)
    u = (y - 0.5 * (lo + hi)) / max(hi - lo, 1.0)
    prof *= (1.0 + np.float32(gradient) * 2 * u)
    spec = 1.0 - vignette * (2 * x) ** 4
    if spec_lo is not None:
        xi = np.arange(nspec, dtype=np.float32)
        spec = spec * np.clip((xi - spec_lo) / 8 + 0.5, 0, 1) * np.clip((spec_hi - xi) / 8 + 0.5, 0, 1)
    return (prof * spec[None, :]).astype(np.float32)


def shifted_rows(xfine, spec, nspat, nspec, dx):
    """
    Spread a 1-D spectrum along the slit, each row shifted by its own amount.

    Parameters
    ----------
    xfine, spec : `numpy.ndarray`
        Fine pixel grid and spectrum (from :func:`render_lines`, or the pixel grid).
    nspat, nspec : int
        Canonical image size.
    dx : `numpy.ndarray`
        Shift (pixels, along the spectral axis) of every row.

    Returns
    -------
    `numpy.ndarray` of float32
    """
    xx = np.arange(nspec, dtype=np.float32)[None, :] + np.asarray(dx, dtype=np.float32)[:, None]
    return np.interp(xx.ravel(), xfine, spec).reshape(nspat, nspec).astype(np.float32)


def tilted(xfine, spec, nspat, nspec, tilt, curv):
    """
    Spread a 1-D spectrum along the slit with tilted, curved lines.

    Parameters
    ----------
    xfine, spec : `numpy.ndarray`
        Fine pixel grid and spectrum (from :func:`render_lines`, or pixel grid).
    nspat, nspec : int
        Canonical image size.
    tilt, curv : float
        Line displacement (pixels) from one slit end to the other, and its curvature.

    Returns
    -------
    `numpy.ndarray` of float32
    """
    u = np.linspace(-1, 1, nspat, dtype=np.float32)
    dx = 0.5 * tilt * u + curv * (u * u - 1.0 / 3.0)
    return shifted_rows(xfine, spec, nspat, nspec, dx)


def add_trace(image, center, drift, fwhm, amp_spec, slit=None):
    """
    Add one object trace (Gaussian along the slit) in place.

    Parameters
    ----------
    image : `numpy.ndarray`
        Canonical image.
    center : float
        Trace row at the spectral centre.
    drift : float
        Row change from the blue to the red end.
    fwhm : float
        Spatial FWHM (rows).
    amp_spec : `numpy.ndarray`
        Peak ADU per spectral pixel.
    slit : `numpy.ndarray`, optional
        Slit illumination (multiplies the trace).
    """
    nspat, nspec = image.shape
    sig = fwhm / _FWHM
    x = np.linspace(-0.5, 0.5, nspec, dtype=np.float32)
    yc = center + drift * x + 0.3 * abs(drift) * (4 * x * x - 1 / 3)
    r0 = max(int(np.floor(yc.min() - 5 * sig)), 0)
    r1 = min(int(np.ceil(yc.max() + 5 * sig)) + 1, nspat)
    if r1 <= r0:
        return
    y = np.arange(r0, r1, dtype=np.float32)[:, None]
    band = np.exp(-0.5 * ((y - yc[None, :]) / np.float32(sig)) ** 2) * amp_spec[None, :].astype(np.float32)
    if slit is not None:
        band *= np.clip(slit[r0:r1], 0, None)
    image[r0:r1] += band


def add_cosmic_rays(image, n, rng, amp_range=None, len_range=None):
    """
    Add ``n`` cosmic rays (straight tracks with a faint halo) in place.

    Parameters
    ----------
    image : `numpy.ndarray`
        Canonical image.
    n : int
        Number of cosmic-ray events.
    rng : `numpy.random.Generator`
    amp_range : tuple of float, optional
        Peak per pixel, drawn log-uniformly (default ``RANGES['cr_amp_log']``, ADU).
    len_range : tuple of int, optional
        Track length in pixels (default ``RANGES['cr_len_px']``); thick detectors give
        longer tracks.
    """
    if n <= 0:
        return
    amp_range = amp_range or RANGES['cr_amp_log']
    len_range = len_range or RANGES['cr_len_px']
    nspat, nspec = image.shape
    lmax = int(len_range[1])
    y0 = rng.uniform(0, nspat, n)
    x0 = rng.uniform(0, nspec, n)
    ang = rng.uniform(0, np.pi, n)
    # most tracks are short, a tail is long (grazing incidence)
    length = np.minimum(len_range[0] + rng.geometric(0.45, size=n) - 1, lmax)
    amp = np.exp(rng.uniform(*np.log(amp_range), n))
    k = np.arange(lmax)
    yy = (y0[:, None] + k[None, :] * np.sin(ang)[:, None]).astype(int)
    xx = (x0[:, None] + k[None, :] * np.cos(ang)[:, None]).astype(int)
    val = amp[:, None] * rng.uniform(0.3, 1.0, (n, lmax))
    ok = (k[None, :] < length[:, None]) & (yy >= 0) & (yy < nspat) & (xx >= 0) & (xx < nspec)
    yy, xx, val = yy[ok], xx[ok], val[ok]
    np.add.at(image, (yy, xx), val.astype(image.dtype))
    # faint halo on the four neighbours
    for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        y2, x2 = yy + dy, xx + dx
        m = (y2 >= 0) & (y2 < nspat) & (x2 >= 0) & (x2 < nspec)
        np.add.at(image, (y2[m], x2[m]), (0.12 * val[m]).astype(image.dtype))
