"""
Whole simulated observing nights: the plan, the FITS files and the manifest.

Each night of one spectrograph goes into ``outdir/<spectrograph>_night<NNN>/`` with files
named like real ones where the instrument has a convention (``b1.fits`` ... for Kast
blue, ``r2324566.fit`` for ISIS, ``LB.20160109.14149.fits`` for LRIS blue, ...); one
manifest (``outdir/manifest.ecsv``, paths relative to ``outdir``) lists every file with
its true class, night, spectrograph (``camera``), header fault and the parameters drawn,
the same columns for every instrument.
"""
from concurrent.futures import ProcessPoolExecutor
import json
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table, vstack

from pypeit import log

from pypeit_spit.simulate.frame import draw_context, draw_exposure, simulate_frame
from pypeit_spit.simulate.header import NIGHT_LENGTH_DAYS
from pypeit_spit.simulate.instruments import get_format
from pypeit_spit.simulate.longslit import draw_longslit_context, simulate_longslit
from pypeit_spit.simulate.params import CLASSES, NIGHT, SPECTROGRAPHS

__all__ = ['MANIFEST_NAME', 'MANIFEST_COLUMNS', 'ENGINES', 'engine_for', 'plan_night',
           'simulate_night', 'simulate_nights', 'iter_night', 'write_frame', 'night_dir']

#: File name of the manifest written in ``outdir``.
MANIFEST_NAME = 'manifest.ecsv'

#: Scalar manifest columns (name, dtype, default); everything else goes to ``params`` (JSON).
MANIFEST_COLUMNS = (
    ('file', str, ''), ('cls', str, ''), ('night', int, -1), ('night_id', str, ''),
    ('camera', str, ''), ('fault', str, ''), ('seed', int, -1), ('exptime', float, np.nan),
    ('object', str, ''), ('lamps', str, ''), ('lamp_cards', str, ''), ('dispname', str, ''),
    ('dichroic', str, ''), ('tilt', int, -1), ('slit_width', float, np.nan),
    ('naxis1', int, -1), ('naxis2', int, -1), ('date_obs', str, ''),
    ('bias_level', float, np.nan), ('read_noise_adu', float, np.nan),
    ('n_cosmic', int, -1), ('arc_peak', float, np.nan), ('flat_peak', float, np.nan),
    ('trace_peak', float, np.nan), ('sky_level', float, np.nan),
)

# Sub-seed slots (beside the frame index) for the night context and the plan.
_CONTEXT_SLOT = 1_000_000
_PLAN_SLOT = 1_000_001


def night_dir(camera, night):
    """Sub-folder name of a night: ``<camera>_night<NNN>``."""
    return f'{camera}_night{night:03d}'


class KastEngine:
    """
    The ``kast`` engine: levels measured in ADU on real Kast frames
    (:mod:`pypeit_spit.simulate.frame`); the night's exposures are drawn before each frame.
    """

    #: Read-out geometry overrides do not apply (the window is drawn from the camera's facts).
    takes_geometry = False
    #: Seconds between the end of one exposure and the start of the next.
    overhead_s = 40.0

    def draw_context(self, name, rng, night=0, variety=True, geometry=None):
        """The night context (:func:`~pypeit_spit.simulate.frame.draw_context`)."""
        return draw_context(name, rng, night=night, variety=variety)

    def simulate(self, name, cls, rng, context=None, **kwargs):
        """One raw file in memory and its drawn parameters."""
        raw, header, params = simulate_frame(name, cls, rng, context=context, **kwargs)
        return fits.HDUList([fits.PrimaryHDU(data=raw, header=header, uint=True)]), params

    def night_frame(self, name, item, rng, context, elapsed, seq):
        """Frame ``seq`` of a night plan after ``elapsed`` seconds."""
        t, lamps = draw_exposure(name, item['cls'], rng, item['fault'])
        phase = elapsed / (NIGHT_LENGTH_DAYS * 86400.0)
        return self.simulate(name, item['cls'], rng, context=context, fault=item['fault'],
                             phase=phase, exptime=t, lamps=lamps, dusk=item['dusk'], seq=seq)


class LongslitEngine:
    """The ``longslit`` engine: the photon model of :mod:`pypeit_spit.simulate.longslit`."""

    takes_geometry = True
    overhead_s = 60.0

    def draw_context(self, name, rng, night=0, variety=True, geometry=None):
        """The night context (:func:`~pypeit_spit.simulate.longslit.draw_longslit_context`)."""
        return draw_longslit_context(name, rng, night=night, variety=variety, geometry=geometry)

    def simulate(self, name, cls, rng, context=None, **kwargs):
        """One raw file in memory and its drawn parameters."""
        return simulate_longslit(name, cls, rng, context=context, **kwargs)

    def night_frame(self, name, item, rng, context, elapsed, seq):
        """Frame ``seq`` of a night plan after ``elapsed`` seconds."""
        phase = min(elapsed / (NIGHT_LENGTH_DAYS * 86400.0), 1.0)
        return self.simulate(name, item['cls'], rng, context=context, fault=item['fault'],
                             phase=phase, dusk=item['dusk'], seq=seq)


#: The simulations, by the ``engine`` an instrument's format names.
ENGINES = {'kast': KastEngine(), 'longslit': LongslitEngine()}


def engine_for(name):
    """
    The engine that simulates a spectrograph.

    Parameters
    ----------
    name : str
        A name of :data:`~pypeit_spit.simulate.params.SPECTROGRAPHS`.

    Returns
    -------
    `KastEngine` or `LongslitEngine`
    """
    return ENGINES[get_format(name).engine]


def plan_night(camera, rng, faults=0.0, scale=1.0):
    """
    Order and classes of the frames of one night, with the header faults to write.

    Afternoon: biases, arcs and dome flats; dusk: standards (twilight sky); night:
    science with standards and arcs between; morning: the remaining flats and standards.
    Counts follow :data:`~pypeit_spit.simulate.params.NIGHT`.

    Parameters
    ----------
    camera : str
    rng : `numpy.random.Generator`
    faults : float, optional
        Probability that a frame gets a header fault (0 = correct headers).
    scale : float, optional
        Multiplies the number of frames of every class (at least one of each).

    Returns
    -------
    list of dict
        One per frame: ``cls``, ``fault`` (or None), ``dusk`` (standards).
    """
    n = {}
    for cls in CLASSES:
        lo, hi = NIGHT[cls]
        n[cls] = max(1, int(round(rng.integers(lo, hi, endpoint=True) * scale)))
    if rng.random() < NIGHT['p_no_bias'] and scale >= 1:
        n['bias'] = 0
    n_arc_pm = (n['arc'] + 1) // 2
    n_flat_pm = int(np.ceil(0.7 * n['flat']))
    n_std_dusk = (n['standard'] + 1) // 2
    seq = (['bias'] * n['bias'] + ['arc'] * n_arc_pm + ['flat'] * n_flat_pm)
    dusk = ['standard'] * n_std_dusk
    night = ['science'] * n['science']
    extra = ['arc'] * (n['arc'] - n_arc_pm)
    std_rest = ['standard'] * (n['standard'] - n_std_dusk)
    for item in extra + std_rest[: len(std_rest) // 2]:
        night.insert(int(rng.integers(0, len(night) + 1)), item)
    morning = std_rest[len(std_rest) // 2:] + ['flat'] * (n['flat'] - n_flat_pm)
    plan = []
    for i, cls in enumerate(seq + dusk + night + morning):
        fault = None
        if faults > 0 and rng.random() < faults:
            options = get_format(camera).faults(cls)
            fault = options[int(rng.integers(len(options)))] if options else None
        plan.append(dict(cls=cls, fault=fault, dusk=(cls == 'standard' and i < len(seq) + len(dusk)
                                                     and rng.random() < 0.5)))
    return plan


def write_frame(path, raw, header, compress=False):
    """
    Write a raw frame as a single-HDU 16-bit unsigned FITS file (BITPIX=16, BZERO=32768).

    Parameters
    ----------
    path : str or `pathlib.Path`
        Output file (``.fits``; ``.fits.gz`` when ``compress``).
    raw : `numpy.ndarray` of uint16
    header : `astropy.io.fits.Header`
    compress : bool, optional
        Unused; astropy gzips when ``path`` ends in ``.gz``.
    """
    hdu = fits.PrimaryHDU(data=raw, header=header, uint=True)
    hdu.writeto(path, overwrite=True, output_verify='silentfix')


def _frame_rng(seed, camera, night, i):
    return np.random.default_rng([int(seed), SPECTROGRAPHS.index(camera), int(night), int(i)])


def _row(params, file, seed, camera, night):
    row = {}
    for name, dtype, default in MANIFEST_COLUMNS:
        v = params.get(name, default)
        row[name] = dtype(v) if v is not None else default
    row.update(file=file, seed=int(seed), camera=camera, night=int(night),
               night_id=night_dir(camera, night), cls=params['cls'])
    for name, dtype, _ in MANIFEST_COLUMNS:
        if dtype is str and row[name] == '':
            row[name] = 'none'          # empty strings would read back masked from ECSV
    extra = {k: v for k, v in params.items() if k not in row}
    row['params'] = json.dumps(extra, sort_keys=True, default=float)
    return row


def _empty_manifest():
    names = [c[0] for c in MANIFEST_COLUMNS] + ['params']
    dtypes = [c[1] for c in MANIFEST_COLUMNS] + [str]
    return Table(names=names, dtype=dtypes)


def simulate_night(camera, outdir, seed, night_index=0, faults=0.0, scale=1.0, compress=False,
                   geometry=None):
    """
    Simulate and write one observing night of one spectrograph.

    Parameters
    ----------
    camera : str
        A name of :data:`~pypeit_spit.simulate.params.SPECTROGRAPHS` (a Kast camera, a
        long-slit PypeIt spectrograph, or ``generic``).
    outdir : str or `pathlib.Path`
        Run folder; the night goes into ``outdir/<camera>_night<NNN>/``.
    seed : int
        Run seed. The same ``(seed, camera, night_index)`` gives identical files.
    night_index : int, optional
        Night number.
    faults : float, optional
        Probability that a frame's header carries a fault (0 = headers PypeIt types right).
    scale : float, optional
        Scales the number of frames per class (e.g. 0.3 for a small test night).
    compress : bool, optional
        Write ``.gz`` files (not for instruments whose files are tile-compressed).
    geometry : dict, optional
        Long-slit spectrographs: overrides of the drawn read-out geometry, e.g.
        ``{'binning': (2, 2)}`` (small, fast frames for tests).

    Returns
    -------
    `astropy.table.Table`
        Manifest rows of this night (``file`` relative to ``outdir``).
    """
    tab = _empty_manifest()
    for _, row in iter_night(camera, outdir, seed, night_index=night_index, faults=faults,
                             scale=scale, compress=compress, geometry=geometry):
        tab.add_row(row)
    return tab


def iter_night(camera, outdir, seed, night_index=0, faults=0.0, scale=1.0, compress=False,
               geometry=None):
    """
    Simulate one observing night frame by frame: each frame is written, then yielded.

    The same files as :func:`simulate_night` (which consumes this generator); a caller
    may read and delete each file before asking for the next one, so that a night of
    large mosaics never occupies the disk at once.

    Parameters
    ----------
    camera, outdir, seed, night_index, faults, scale, compress, geometry
        As for :func:`simulate_night`.

    Yields
    ------
    path : `pathlib.Path`
        The file just written.
    row : dict
        Its manifest row (``file`` relative to ``outdir``).
    """
    if camera not in SPECTROGRAPHS:
        raise ValueError(f'unknown spectrograph {camera!r}; use one of {SPECTROGRAPHS}')
    outdir = Path(outdir)
    sub = outdir / night_dir(camera, night_index)
    sub.mkdir(parents=True, exist_ok=True)
    plan = plan_night(camera, _frame_rng(seed, camera, night_index, _PLAN_SLOT), faults=faults,
                      scale=scale)
    fmt, engine = get_format(camera), engine_for(camera)
    ctx = engine.draw_context(camera, _frame_rng(seed, camera, night_index, _CONTEXT_SLOT),
                              night=night_index, geometry=geometry)
    gz = '.gz' if compress and not fmt.suffix.endswith(('.fz', '.gz')) else ''
    elapsed = 0.0
    for i, item in enumerate(plan):
        rng = _frame_rng(seed, camera, night_index, i)
        hdul, params = engine.night_frame(camera, item, rng, ctx, elapsed, seq=i + 1)
        t = params['exptime']
        elapsed += t + engine.overhead_s + (rng.exponential(300.0)
                                            if item['cls'] in ('science', 'standard') else 0)
        name = params.pop('file_name', None) or fmt.file_name(i + 1)
        name += gz
        hdul.writeto(sub / name, overwrite=True, output_verify='silentfix')
        yield sub / name, _row(params, f'{sub.name}/{name}', seed, camera, night_index)


def _night_job(args):
    return simulate_night(*args[:3], night_index=args[3], faults=args[4], scale=args[5],
                          compress=args[6], geometry=args[7])


def simulate_nights(camera, nights, outdir, seed, faults=0.0, scale=1.0, first_night=0,
                    workers=1, compress=False, geometry=None):
    """
    Simulate several nights of one or more cameras and write the run's manifest.

    Parameters
    ----------
    camera : str or sequence of str
        Spectrograph name(s) of :data:`~pypeit_spit.simulate.params.SPECTROGRAPHS`.
    nights : int
        Nights per camera.
    outdir : str or `pathlib.Path`
        Run folder.
    seed : int
        Run seed (deterministic output).
    faults : float, optional
        Header-fault probability per frame (0 = off).
    scale : float, optional
        Scales the frames per night.
    first_night : int, optional
        Index of the first night (to extend a run).
    workers : int, optional
        Processes (nights run in parallel; the output does not depend on it).
    compress : bool, optional
        Write ``.gz`` files.
    geometry : dict, optional
        Long-slit spectrographs: overrides of the drawn read-out geometry (e.g.
        ``{'binning': (2, 2)}``); ignored by the ``kast`` engine.

    Returns
    -------
    `astropy.table.Table`
        The manifest, also written to ``outdir/manifest.ecsv``. Rows of an existing
        manifest there whose files were not rewritten are kept, so cameras can be
        simulated one call at a time into the same folder.
    """
    cams = [camera] if isinstance(camera, str) else list(camera)
    bad = [c for c in cams if c not in SPECTROGRAPHS]
    if bad:
        raise ValueError(f'unknown spectrograph(s) {bad}; use names of {SPECTROGRAPHS}')
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    jobs = [(c, str(outdir), seed, k, faults, scale, compress, geometry)
            for c in cams for k in range(first_night, first_night + nights)]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            tabs = list(pool.map(_night_job, jobs))
    else:
        tabs = [_night_job(j) for j in jobs]
    tab = vstack(tabs) if tabs else _empty_manifest()
    path = outdir / MANIFEST_NAME
    if path.is_file():
        # keep rows of other cameras/nights written earlier into the same run folder
        old = Table.read(path, format='ascii.ecsv')
        keep = old[~np.isin(old['file'], tab['file'])]
        if len(keep):
            tab = vstack([keep, tab])
            cams = sorted(set(cams) | set(old.meta.get('cameras', [])))
    tab.meta.update(seed=int(seed), faults=float(faults), scale=float(scale),
                    cameras=cams, generator='pypeit_spit.simulate')
    tab.write(path, format='ascii.ecsv', overwrite=True)
    log.info(f'Wrote {sum(len(t) for t in tabs)} frames; manifest {path} lists {len(tab)}')
    return tab
