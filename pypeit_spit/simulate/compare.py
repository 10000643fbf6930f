"""
Realism check: simulated versus real frames, and Kast against the facts of kast-facts 1.4.

* :func:`frame_statistics` measures one frame (bias level and noise, median signal,
  saturated fraction, lit rows, column contrast, emission-line peaks, cosmic-ray groups)
  after the project's loader.
* :func:`compare_real` simulates frames of the classes and spectrographs that have real
  frames (labels from ``labels.csv``; Kast, and ISIS, LRIS, DBSP, with the ``generic``
  pseudo-instrument set to two curved orders beside LCO FLOYDS), writes a PNG gallery per
  spectrograph, a statistics table (ECSV and Markdown), the table of Kast facts
  (:func:`kast_facts_table`) and the gallery of the Kast realism items
  (:func:`kast_realism_gallery`).

The real frames are validation data: nothing here is fitted to them. Simulated frames
use the instruments' common layouts (``variety=False``).
"""
import csv
from pathlib import Path
import tempfile

import numpy as np
from astropy.table import Table

from pypeit_spit.simulate.instruments import get_format
from pypeit_spit.simulate.params import CAMERAS, CLASSES, SPECTROGRAPHS

__all__ = ['STATISTICS', 'TOLERANCES', 'REAL_TO_SIM', 'KAST_FACTS', 'frame_statistics',
           'read_labels', 'simulate_like', 'statistics_table', 'within_tolerance',
           'compare_real', 'kast_facts_table', 'kast_realism_gallery']

#: Measured statistics, in table order.
STATISTICS = ('bias_level', 'read_noise', 'signal', 'sat_frac', 'lit_rows', 'col_contrast',
              'n_peaks', 'n_cr')

#: Documented tolerances of simulated class medians against real ones:
#: ``(kind, value)`` with kind ``abs`` (|sim-real| <= value) or ``ratio``
#: (max(sim,real)+1)/(min(sim,real)+1) <= value. They are asserted for Kast only (the
#: other instruments' rows are reported).
TOLERANCES = {
    'bias_level': ('abs', 60.0),     # simulated bias range covers real nights' drift
    'read_noise': ('ratio', 1.6),
    'signal': ('ratio', 8.0),        # class-level brightness, exposure ranges are wide
    'sat_frac': ('abs', 0.05),
    'lit_rows': ('abs', 0.3),
    'col_contrast': ('abs', 0.5),
    'n_peaks': ('ratio', 4.0),       # line counts depend on the setup drawn
    'n_cr': ('ratio', 6.0),
}

#: Instrument of ``labels.csv`` -> (simulated spectrograph, loader spectrograph or None,
#: geometry overrides). LCO FLOYDS is not a PypeIt spectrograph: it is compared with the
#: generic pseudo-instrument in its two-order, curved configuration, read generically.
REAL_TO_SIM = {
    'shane_kast_blue': ('shane_kast_blue', 'shane_kast_blue', None),
    'shane_kast_red_ret': ('shane_kast_red_ret', 'shane_kast_red_ret', None),
    'wht_isis_blue': ('wht_isis_blue', 'wht_isis_blue', None),
    'keck_lris_blue': ('keck_lris_blue', 'keck_lris_blue', None),
    'p200_dbsp_blue': ('p200_dbsp_blue', 'p200_dbsp_blue', None),
    'p200_dbsp_red': ('p200_dbsp_red', 'p200_dbsp_red', None),
    'lco_floyds': ('generic', None, {'two_orders': True, 'curved': True}),
}

#: Facts of real 2017-18 Kast frames (kast-facts section 1.4), raw ADU: per camera and
#: class, the quantity, its real range, and the exposure time of those frames.
KAST_FACTS = (
    ('shane_kast_blue', 'bias', 'overscan median', (910.0, 1070.0), 0),
    ('shane_kast_red', 'bias', 'overscan median', (1000.0, 1037.0), 0),
    ('shane_kast_blue', 'arc', '99.9th percentile', (44000.0, 48000.0), 15),
    ('shane_kast_red', 'arc', '99.9th percentile', (18000.0, 20000.0), 1),
    ('shane_kast_blue', 'flat', 'median above overscan', (1850.0, 2050.0), 30),
    ('shane_kast_blue', 'flat', '99.9th percentile', (27000.0, 29800.0), 30),
    ('shane_kast_red', 'flat', 'median above overscan', (1450.0, 1610.0), 1),
    ('shane_kast_red', 'flat', '99.9th percentile', (23000.0, 25400.0), 1),
    ('shane_kast_blue', 'science', 'median above overscan', (30.0, 200.0), 1200),
    ('shane_kast_blue', 'science', '99.9th percentile', (1700.0, 6500.0), 1200),
    ('shane_kast_red', 'science', 'median above overscan', (30.0, 200.0), 520),
    ('shane_kast_red', 'science', '99.9th percentile', (2000.0, 5700.0), 520),
    ('shane_kast_blue', 'standard', 'median above overscan', (1500.0, 1800.0), 195),
    ('shane_kast_red', 'standard', 'median above overscan', (580.0, 700.0), 180),
)


def read_labels(root):
    """
    Labels of real frames from ``<root>/labels.csv`` (columns file, instrument, frametype).

    Parameters
    ----------
    root : str or `pathlib.Path`

    Returns
    -------
    list of tuple
        ``(path, instrument, frametype)``.
    """
    root = Path(root)
    with open(root / 'labels.csv', newline='') as f:
        return [(root / r['file'], r['instrument'], r['frametype']) for r in csv.DictReader(f)]


def frame_statistics(path, camera):
    """
    Statistics of one raw frame read with the project's loader.

    Parameters
    ----------
    path : str or `pathlib.Path`
    camera : str or None
        PypeIt spectrograph (its reader), or None for the generic loader.

    Returns
    -------
    dict
        Keys of :data:`STATISTICS`.
    """
    from scipy.ndimage import label, median_filter
    from scipy.signal import find_peaks
    from pypeit_spit.io.load import load_frame
    fr = load_frame(path, spectrograph=camera)
    img = fr.image
    if fr.bias_level is None:           # generic loader: the lowest decile stands for the bias
        level = float(np.percentile(img, 10))
        img = img - level
        bias, rn = level, float(1.4826 * np.median(np.abs(np.diff(img[:, ::7], axis=0)))) / np.sqrt(2)
    else:
        bias = fr.bias_level
        rn = fr.read_noise
    rn = rn if rn and rn > 0 else 1.0
    row = np.median(img, axis=1)
    col = np.median(img, axis=0)
    rmax = np.percentile(row, 75)       # slit level (not the brightest trace row)
    # lit only when clearly above the bias: integer medians of a bias that sits a few ADU
    # off its overscan must not count as light
    floor = max(20 * rn / np.sqrt(img.shape[1]), 2 * rn)
    lit = float(np.mean(row > 0.5 * rmax)) if rmax > floor else 0.0
    c_lo, c_hi = np.percentile(col, [10, 90])
    contrast = float((c_hi - c_lo) / max(abs(c_hi), 10 * rn))
    mid = img[img.shape[0] // 3: 2 * img.shape[0] // 3]
    prof = np.median(mid, axis=0)
    base = median_filter(prof, size=41, mode='nearest')
    noise = 1.4826 * np.median(np.abs(np.diff(prof))) / np.sqrt(2) + 1e-3
    peaks, _ = find_peaks(prof - base, height=max(15 * noise, 5 * rn / np.sqrt(mid.shape[0])),
                          distance=4)
    resid = img - median_filter(img, size=3)
    _, ncr = label(resid > 10 * rn + 0.3 * np.abs(median_filter(img, size=3)))
    return dict(bias_level=float(bias), read_noise=float(rn), signal=float(np.median(img)),
                sat_frac=float(np.mean(img + bias >= 65000)), lit_rows=lit,
                col_contrast=contrast, n_peaks=int(len(peaks)), n_cr=int(ncr))


def simulate_like(camera, cls, outdir, n, seed=0, geometry=None):
    """
    Write ``n`` simulated frames of one class and spectrograph, each with its own night,
    drawn with the instrument's common layouts (no layout variety).

    Parameters
    ----------
    camera, cls : str
    outdir : str or `pathlib.Path`
    n : int
    seed : int, optional
    geometry : dict, optional
        Long-slit geometry overrides.

    Returns
    -------
    list of `pathlib.Path`
    """
    from pypeit_spit.simulate import draw_night_context, simulate_raw
    out = []
    for i in range(n):
        rng = np.random.default_rng([seed, SPECTROGRAPHS.index(camera), CLASSES.index(cls), i])
        ctx = draw_night_context(camera, rng, variety=False, geometry=geometry)
        hdul, _ = simulate_raw(camera, cls, rng, context=ctx)
        path = Path(outdir) / f'{camera}_{cls}_{i}{_suffix(camera)}'
        hdul.writeto(path, overwrite=True, output_verify='silentfix')
        out.append(path)
    return out


def _suffix(camera):
    return get_format(camera).suffix


def statistics_table(real, sim):
    """
    Per-class medians of real and simulated statistics.

    Parameters
    ----------
    real, sim : dict
        ``(camera, cls) -> list of statistic dicts``.

    Returns
    -------
    `astropy.table.Table`
        One row per (camera, class, statistic) with ``real``, ``sim``, ``tolerance``,
        ``ok`` and ``asserted`` (tolerances hold for Kast; line peaks are not asserted for
        bias and flat frames, where they only count cosmetic columns).
    """
    rows = []
    for key in sorted(real):
        cam, cls = key
        for s in STATISTICS:
            r = float(np.median([d[s] for d in real[key]]))
            m = float(np.median([d[s] for d in sim.get(key, [])])) if sim.get(key) else np.nan
            kind, val = TOLERANCES[s]
            asserted = cam in CAMERAS and not (s == 'n_peaks' and cls in ('bias', 'flat'))
            rows.append((cam, cls, s, len(real[key]), len(sim.get(key, [])), r, m,
                         f'{kind} {val:g}', within_tolerance(s, r, m), asserted))
    return Table(rows=rows, names=('camera', 'cls', 'statistic', 'n_real', 'n_sim', 'real',
                                   'sim', 'tolerance', 'ok', 'asserted'))


def within_tolerance(stat, real, sim):
    """Whether a simulated median is within :data:`TOLERANCES` of the real one."""
    kind, val = TOLERANCES[stat]
    if not np.isfinite(sim):
        return False
    if kind == 'abs':
        return bool(abs(sim - real) <= val)
    lo, hi = sorted([abs(real), abs(sim)])
    return bool((hi + 1) / (lo + 1) <= val)


def _zscaled(img):
    from astropy.visualization import ZScaleInterval
    z1, z2 = ZScaleInterval(contrast=0.25).get_limits(img[::2, ::2])
    return np.clip((img - z1) / max(z2 - z1, 1e-6), 0, 1)


def _panel(ax, path, loader, title, prepared=False):
    from pypeit_spit.io.load import load_frame
    from pypeit_spit.pipeline.prepare import prepare_frame
    if prepared:
        ax.imshow(prepare_frame(path, loader).image, cmap='gray', aspect='auto', origin='lower',
                  vmin=0, vmax=255)
    else:
        img = load_frame(path, spectrograph=loader).image
        step = max(1, img.shape[1] // 600)
        ax.imshow(_zscaled(img[::step, ::step]), cmap='gray', aspect='auto', origin='lower')
    ax.set_title(title, fontsize=7)
    ax.set_xticks([])
    ax.set_yticks([])


def _gallery(pairs, path, loader):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    n = len(pairs)
    fig, axes = plt.subplots(n, 4, figsize=(12, 1.35 * n + 0.4), squeeze=False)
    for i, (cls, rpath, spath) in enumerate(pairs):
        for j, (p, what) in enumerate(((rpath, 'real'), (spath, 'sim'))):
            _panel(axes[i, 2 * j], p, loader, f'{cls} {what}: {Path(p).name} (zscale)')
            _panel(axes[i, 2 * j + 1], p, loader, f'{cls} {what}: network input 210x650', True)
    fig.tight_layout()
    fig.savefig(path, dpi=55)
    plt.close(fig)


def _raw_levels(hdul, layout):
    """Overscan median and data percentiles (raw ADU) of a simulated Kast frame."""
    raw = hdul[0].data.astype(float)
    osc = np.concatenate([raw[s].ravel() for s in layout.oscansec])
    data = raw[layout.box]
    o = float(np.median(osc))
    return {'overscan median': o, 'median above overscan': float(np.median(data)) - o,
            '99.9th percentile': float(np.percentile(data, 99.9))}


def kast_facts_table(nsim=20, seed=0):
    """
    Simulated Kast frames of the 2017-18 setups beside the facts of kast-facts 1.4.

    Frames are drawn in the real configuration (blue 452/3306 + d57, red 300/7500 + d57,
    the real windows, the facts' exposure times, twilight standards) and their raw levels
    measured as the facts were. The fact passes when it lies within the simulated 5-95%
    range: the simulator covers it without being fitted to it.

    Parameters
    ----------
    nsim : int, optional
        Frames per fact.
    seed : int, optional

    Returns
    -------
    `astropy.table.Table`
    """
    from pypeit_spit.simulate.frame import draw_context, simulate_frame
    from astropy.io import fits
    setups = {'shane_kast_blue': '452/3306', 'shane_kast_red': '300/7500'}
    rows = []
    for k, (cam, cls, quantity, (lo, hi), texp) in enumerate(KAST_FACTS):
        vals = []
        for i in range(nsim):
            rng = np.random.default_rng([seed, k, i])
            ctx = draw_context(cam, rng, variety=False, setup=setups[cam], dichroic='d57',
                               window={'crval2u': 1275} if cam == 'shane_kast_blue' else None)
            raw, hdr, _ = simulate_frame(cam, cls, rng, context=ctx, exptime=texp,
                                         dusk=True if cls == 'standard' else None)
            hdul = fits.HDUList([fits.PrimaryHDU(raw)])
            vals.append(_raw_levels(hdul, ctx.layout)[quantity])
        p5, p50, p95 = np.percentile(vals, [5, 50, 95])
        rows.append((cam, cls, quantity, texp, f'{lo:g}-{hi:g}', float(p5), float(p50),
                     float(p95), bool(p5 <= hi and p95 >= lo)))
    return Table(rows=rows, names=('camera', 'cls', 'quantity', 'exptime', 'fact_1.4',
                                   'sim_p5', 'sim_median', 'sim_p95', 'covers'))


#: The realism items of issue 10 shown by :func:`kast_realism_gallery`:
#: (title, camera, class, simulate_frame keywords, draw_context keywords).
REALISM_ITEMS = (
    ('faint galaxy, strong sky lines, 1800 s', 'shane_kast_blue', 'science',
     dict(kind='extended', exptime=1800), dict(setup='452/3306', dichroic='d57')),
    ('supernova as bright as a standard, 930 s', 'shane_kast_blue', 'science',
     dict(kind='bright_point', exptime=930), dict(setup='452/3306', dichroic='d57')),
    ('host galaxy + point source, 600 s (real red format)', 'shane_kast_red', 'science',
     dict(kind='host_point', exptime=600), dict(setup='300/7500', dichroic='d57')),
    ('twilight standard, 195 s', 'shane_kast_blue', 'standard', dict(dusk=True, exptime=195),
     dict(setup='452/3306', dichroic='d57')),
    ('1800 s, cosmic rays (thick red CCD)', 'shane_kast_red', 'science',
     dict(kind='point', exptime=1800), dict(setup='600/7500', dichroic='d57')),
    ('600/4310 + d46 arc: red end dark', 'shane_kast_blue', 'arc', dict(exptime=15),
     dict(setup='600/4310', dichroic='d46')),
    ('2x2 binned flat (blue)', 'shane_kast_blue', 'flat', {},
     dict(window={'binning': (2, 2), 'nspat': 175})),
    ('no continuum, emission lines, Reticon 1200 s', 'shane_kast_red_ret', 'science',
     dict(kind='blank', exptime=1200), {}),
)


def kast_realism_gallery(path, seed=0):
    """
    Gallery of simulated Kast frames for each realism item of issue 10 (zscaled, and the
    network input).

    Parameters
    ----------
    path : str or `pathlib.Path`
        PNG to write.
    seed : int, optional

    Returns
    -------
    str
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from pypeit_spit.simulate.frame import draw_context, simulate_frame
    from pypeit_spit.simulate.night import write_frame
    n = len(REALISM_ITEMS)
    fig, axes = plt.subplots(n, 2, figsize=(9, 1.4 * n + 0.4), squeeze=False)
    with tempfile.TemporaryDirectory() as tmp:
        for i, (title, cam, cls, kw, ckw) in enumerate(REALISM_ITEMS):
            rng = np.random.default_rng([seed, i])
            ctx = draw_context(cam, rng, variety=False, **ckw)
            raw, hdr, _ = simulate_frame(cam, cls, rng, context=ctx, **kw)
            f = Path(tmp) / f'item{i}.fits'
            write_frame(f, raw, hdr)
            _panel(axes[i, 0], f, cam, f'{title} [{cam}] (zscale)')
            _panel(axes[i, 1], f, cam, 'network input 210x650', True)
    fig.tight_layout()
    fig.savefig(path, dpi=60)
    plt.close(fig)
    return str(path)


def compare_real(realroot, outdir, seed=0, nsim=3, cameras=None, facts=True):
    """
    Gallery and statistics of real frames beside simulated ones.

    Parameters
    ----------
    realroot : str or `pathlib.Path`
        Folder holding ``labels.csv`` and the frames it lists.
    outdir : str or `pathlib.Path`
        Where to write ``gallery_<instrument>.png``, ``statistics.ecsv``/``.md``, and
        (with ``facts``) ``kast_facts.ecsv``/``.md`` and ``kast_realism_items.png``.
    seed : int, optional
    nsim : int, optional
        Simulated frames per class and instrument.
    cameras : sequence of str, optional
        Instruments of ``labels.csv`` to compare (default: every one the simulator covers,
        :data:`REAL_TO_SIM`).
    facts : bool, optional
        Also write the Kast facts table and the realism-items gallery.

    Returns
    -------
    dict
        Output paths, and ``table`` (the statistics).
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    cameras = set(REAL_TO_SIM if cameras is None else cameras)
    real, sim, pairs = {}, {}, {}
    labels = [(p, inst, ft) for p, inst, ft in read_labels(realroot)
              if inst in cameras and inst in REAL_TO_SIM and ft in CLASSES]
    for p, inst, ft in labels:
        real.setdefault((inst, ft), []).append(frame_statistics(p, REAL_TO_SIM[inst][1]))
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for inst, cls in sorted(real):
            simname, loader, geometry = REAL_TO_SIM[inst]
            files = simulate_like(simname, cls, tmp, nsim, seed=seed, geometry=geometry)
            sim[(inst, cls)] = [frame_statistics(f, loader) for f in files]
            rfile = next(p for p, i, ft in labels if i == inst and ft == cls)
            pairs.setdefault(inst, []).append((cls, rfile, files[0]))
        for inst, prs in pairs.items():
            path = outdir / f'gallery_{inst}.png'
            _gallery(prs, path, REAL_TO_SIM[inst][1])
            out[f'gallery_{inst}'] = str(path)
    tab = statistics_table(real, sim)
    tab.write(outdir / 'statistics.ecsv', format='ascii.ecsv', overwrite=True)
    t2 = tab.copy()
    for c in ('real', 'sim'):
        t2[c].info.format = '.4g'
    t2.write(outdir / 'statistics.md', format='ascii.fixed_width', delimiter='|',
             overwrite=True)
    out.update(statistics=str(outdir / 'statistics.ecsv'), table=tab)
    if facts:
        ft = kast_facts_table(seed=seed)
        ft.write(outdir / 'kast_facts.ecsv', format='ascii.ecsv', overwrite=True)
        f2 = ft.copy()
        for c in ('sim_p5', 'sim_median', 'sim_p95'):
            f2[c].info.format = '.4g'
        f2.write(outdir / 'kast_facts.md', format='ascii.fixed_width', delimiter='|',
                 overwrite=True)
        out['kast_facts'] = str(outdir / 'kast_facts.ecsv')
        out['facts_table'] = ft
        out['kast_realism_items'] = kast_realism_gallery(outdir / 'kast_realism_items.png',
                                                         seed=seed)
    return out
