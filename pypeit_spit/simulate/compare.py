"""
Realism check: simulated versus real Kast frames, per class and camera.

:func:`frame_statistics` measures one frame (bias level and noise, saturated fraction,
row/column profile shapes, emission-line peaks, cosmic rays) after the PypeIt loader;
:func:`compare_real` simulates frames of the classes and cameras that have real frames
(labels from ``labels.csv``), writes a PNG gallery and a statistics table (ECSV and
Markdown), and returns the paths. The real-frame folder is always an argument.
"""
import csv
from pathlib import Path
import tempfile

import numpy as np
from astropy.table import Table

from pypeit_spit.simulate.params import CAMERAS, CLASSES

__all__ = ['STATISTICS', 'TOLERANCES', 'frame_statistics', 'read_labels', 'simulate_like',
           'statistics_table', 'within_tolerance', 'compare_real']

#: Measured statistics, in table order.
STATISTICS = ('bias_level', 'read_noise', 'signal', 'sat_frac', 'lit_rows', 'col_contrast',
              'n_peaks', 'n_cr')

#: Documented tolerances of simulated class medians against real ones:
#: ``(kind, value)`` with kind ``abs`` (|sim-real| <= value) or ``ratio``
#: (max(sim,real)+1)/(min(sim,real)+1) <= value.
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
    Statistics of one raw frame read with PypeIt's loader for ``camera``.

    Parameters
    ----------
    path : str or `pathlib.Path`
    camera : str

    Returns
    -------
    dict
        Keys of :data:`STATISTICS`.
    """
    from scipy.ndimage import label, median_filter
    from scipy.signal import find_peaks
    from pypeit_spit.load import load_frame
    fr = load_frame(path, spectrograph=camera)
    img = fr.image
    rn = fr.read_noise if fr.read_noise and fr.read_noise > 0 else 1.0
    bias = fr.bias_level or 0.0
    row = np.median(img, axis=1)
    col = np.median(img, axis=0)
    rmax = np.percentile(row, 75)       # slit level (not the brightest trace row)
    lit = float(np.mean(row > 0.5 * rmax)) if rmax > 20 * rn / np.sqrt(img.shape[1]) else 0.0
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


def simulate_like(camera, cls, outdir, n, seed=0):
    """
    Write ``n`` simulated frames of one class and camera (each with its own context,
    drawn without the layouts beyond the measured Kast nights).

    Parameters
    ----------
    camera, cls : str
    outdir : str or `pathlib.Path`
    n : int
    seed : int, optional

    Returns
    -------
    list of `pathlib.Path`
    """
    from pypeit_spit.simulate.frame import draw_context, simulate_frame
    from pypeit_spit.simulate.night import write_frame
    out = []
    for i in range(n):
        rng = np.random.default_rng([seed, CAMERAS.index(camera), CLASSES.index(cls), i])
        # Kast-typical layouts only: the layout variety is for generalization.
        ctx = draw_context(camera, rng, variety=False)
        raw, hdr, _ = simulate_frame(camera, cls, rng, context=ctx)
        p = Path(outdir) / f'{camera}_{cls}_{i}.fits'
        write_frame(p, raw, hdr)
        out.append(p)
    return out


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
        One row per (camera, class, statistic) with ``real``, ``sim``, ``tolerance``, ``ok``.
    """
    rows = []
    for key in sorted(real):
        cam, cls = key
        for s in STATISTICS:
            r = float(np.median([d[s] for d in real[key]]))
            m = float(np.median([d[s] for d in sim.get(key, [])])) if sim.get(key) else np.nan
            kind, val = TOLERANCES[s]
            rows.append((cam, cls, s, len(real[key]), len(sim.get(key, [])), r, m,
                         f'{kind} {val:g}', within_tolerance(s, r, m)))
    return Table(rows=rows, names=('camera', 'cls', 'statistic', 'n_real', 'n_sim', 'real',
                                   'sim', 'tolerance', 'ok'))


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


def _gallery(pairs, path, camera):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from pypeit_spit.load import load_frame
    from pypeit_spit.preprocess import prepare_frame
    n = len(pairs)
    fig, axes = plt.subplots(n, 4, figsize=(12, 1.35 * n + 0.4), squeeze=False)
    for i, (cls, rpath, spath) in enumerate(pairs):
        for j, (p, what) in enumerate(((rpath, 'real'), (spath, 'sim'))):
            img = load_frame(p, spectrograph=camera).image
            step = max(1, img.shape[1] // 600)
            axes[i, 2 * j].imshow(_zscaled(img[::step, ::step]), cmap='gray', aspect='auto',
                                  origin='lower')
            axes[i, 2 * j].set_title(f'{cls} {what}: {Path(p).name} (zscale)', fontsize=7)
            axes[i, 2 * j + 1].imshow(prepare_frame(p, camera).image, cmap='gray',
                                      aspect='auto', origin='lower', vmin=0, vmax=255)
            axes[i, 2 * j + 1].set_title(f'{cls} {what}: network input 210x650', fontsize=7)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=55)
    plt.close(fig)


def compare_real(realroot, outdir, seed=0, nsim=3):
    """
    Gallery and statistics of real Kast frames beside simulated ones.

    Parameters
    ----------
    realroot : str or `pathlib.Path`
        Folder holding ``labels.csv`` and the frames it lists.
    outdir : str or `pathlib.Path`
        Where to write ``gallery_<camera>.png``, ``statistics.ecsv`` and ``statistics.md``.
    seed : int, optional
    nsim : int, optional
        Simulated frames per class and camera.

    Returns
    -------
    dict
        Output paths, and ``table`` (the statistics).
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    real, sim, pairs = {}, {}, {}
    labels = [(p, inst, ft) for p, inst, ft in read_labels(realroot)
              if inst in CAMERAS and ft in CLASSES]
    for p, inst, ft in labels:
        real.setdefault((inst, ft), []).append(frame_statistics(p, inst))
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for cam, cls in sorted(real):
            files = simulate_like(cam, cls, tmp, nsim, seed=seed)
            sim[(cam, cls)] = [frame_statistics(f, cam) for f in files]
            rfile = next(p for p, inst, ft in labels if inst == cam and ft == cls)
            pairs.setdefault(cam, []).append((cls, rfile, files[0]))
        for cam, prs in pairs.items():
            path = outdir / f'gallery_{cam}.png'
            _gallery(prs, path, cam)
            out[f'gallery_{cam}'] = str(path)
    tab = statistics_table(real, sim)
    tab.write(outdir / 'statistics.ecsv', format='ascii.ecsv', overwrite=True)
    t2 = tab.copy()
    for c in ('real', 'sim'):
        t2[c].info.format = '.4g'
    t2.write(outdir / 'statistics.md', format='ascii.fixed_width', delimiter='|',
             overwrite=True)
    out.update(statistics=str(outdir / 'statistics.ecsv'), table=tab)
    return out
