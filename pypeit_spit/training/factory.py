"""
A training set built once: simulated nights pre-processed into sharded, memory-mapped
arrays on disk.

Layout of a dataset folder::

    OUT/stamp.json                  format, pre-processing and simulator versions,
                                    image shape, statistics, classes
    OUT/shards/<unit>/images.npy    uint8 (n, 210, 650), opened with mmap_mode='r'
    OUT/shards/<unit>/stats.npy     float32 (n, n_stats)
    OUT/shards/<unit>/meta.json     per-frame metadata, failures, the unit's options
    OUT/shards/<unit>/complete      written last: the shard is whole

One shard per *unit*, a ``(spectrograph, seed, night)`` triple, named
``<spectrograph>_s<seed>_n<night>``. A unit is simulated frame by frame into a scratch
folder (:func:`pypeit_spit.simulate.night.iter_night`), each frame pre-processed by
:func:`pypeit_spit.pipeline.prepare.prepare_frame` (the path users run) with the
spectrograph's PypeIt reader and, for a deterministic share of the frames, also with
the generic loader, and deleted at once. The shard is written in a temporary folder
and moved into place with one ``os.replace``; a killed build loses only the units in
flight, and running the same command again continues. Adding nights (``first_night``)
or spectrographs adds shards and never touches the old ones.

A folder whose stamp differs from the code's (pre-processing or simulator version,
image shape, statistics, classes) is refused with a :class:`~pypeit_spit.errors.DatasetError`.
"""
import fcntl
import json
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pypeit import log

from pypeit_spit.errors import DatasetError
from pypeit_spit.preprocess.contract import IMAGE_SHAPE, PREPROCESS_VERSION, STAT_NAMES
from pypeit_spit.simulate.night import engine_for, iter_night
from pypeit_spit.simulate.params import GENERIC, SIMULATOR_VERSION, SPECTROGRAPHS
from pypeit_spit.training.dataset import FrameSet
from pypeit_spit.vocab import CLASSES

__all__ = ['FORMAT_VERSION', 'STAMP_NAME', 'GENERIC_FRACTION', 'UnitSpec', 'code_stamp',
           'plan_units', 'build_units', 'build_unit', 'open_dataset', 'ShardedImages',
           'dataset_summary', 'unit_name', 'list_shards']

#: Version of the on-disk layout.
FORMAT_VERSION = 1

#: Name of the stamp file at the top of a dataset folder.
STAMP_NAME = 'stamp.json'

#: Default share of the frames read by a PypeIt reader that are also read with the
#: generic loader (a second sample of the same frame).
GENERIC_FRACTION = 0.3

_SHARDS = 'shards'
_WORK = '.work'
_COMPLETE = 'complete'
_LOCK = '.lock'
# Sub-seed slot of the generic-copy draw (beside the simulator's own slots).
_GENERIC_SLOT = 2_000_000
# Per-frame metadata columns of meta.json, in order.
_COLUMNS = ('label', 'night', 'instrument', 'spectrograph', 'loader', 'read_by', 'file',
            'seed', 'fault', 'flag', 'frame')


def code_stamp():
    """
    What a dataset made by this code records, and what an opened one must match.

    Returns
    -------
    dict
    """
    return {'format': FORMAT_VERSION, 'preprocess_version': PREPROCESS_VERSION,
            'simulator_version': SIMULATOR_VERSION, 'image_shape': list(IMAGE_SHAPE),
            'stat_names': list(STAT_NAMES), 'classes': list(CLASSES)}


def _check_stamp(folder, create=False):
    """Compare (or, with ``create``, write) a folder's stamp; raise on any difference."""
    folder = Path(folder)
    path = folder / STAMP_NAME
    want = code_stamp()
    if not path.is_file():
        if not create:
            if folder.is_dir():
                raise DatasetError(f'{folder}: not a pypeit-spit dataset (no {STAMP_NAME})')
            raise DatasetError(f'{folder}: dataset folder does not exist')
        if folder.is_dir() and any(p.name not in (_LOCK, _WORK) for p in folder.iterdir()):
            raise DatasetError(f'{folder}: not empty and not a pypeit-spit dataset '
                               f'(no {STAMP_NAME}); choose a new folder')
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + '.tmp')
        tmp.write_text(json.dumps(want, indent=1) + '\n')
        os.replace(tmp, path)
        return want
    try:
        have = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise DatasetError(f'{path}: unreadable stamp ({type(exc).__name__}: {exc})') from exc
    diff = [f'{k} {have.get(k)!r} (this code: {v!r})' for k, v in want.items()
            if have.get(k) != v]
    if diff:
        raise DatasetError(f'{folder}: dataset made by another version, refused: '
                           + '; '.join(diff) + '; rebuild it in a new folder')
    return have


def unit_name(instrument, seed, night):
    """Shard name of a unit: ``<spectrograph>_s<seed>_n<night:04d>``."""
    return f'{instrument}_s{int(seed)}_n{int(night):04d}'


@dataclass(frozen=True)
class UnitSpec:
    """
    One unit of a build: a simulated night of one spectrograph and how to make it.

    Attributes
    ----------
    instrument : str
        A name of :data:`~pypeit_spit.simulate.params.SPECTROGRAPHS`.
    seed : int
    night : int
    faults : float
        Header-fault probability per frame.
    scale : float
        Frames per night scale.
    geometry : tuple
        Read-out geometry overrides as sorted ``(key, value)`` pairs (long-slit only).
    generic_fraction : float
        Share of the frames also read with the generic loader.
    """
    instrument: str
    seed: int
    night: int
    faults: float = 0.1
    scale: float = 1.0
    geometry: tuple = ()
    generic_fraction: float = GENERIC_FRACTION

    @property
    def name(self):
        """The shard name."""
        return unit_name(self.instrument, self.seed, self.night)

    def options(self):
        """The options that make the unit's frames (stored in its shard)."""
        return {'faults': float(self.faults), 'scale': float(self.scale),
                'geometry': {k: list(v) if isinstance(v, tuple) else v
                             for k, v in self.geometry},
                'generic_fraction': float(self.generic_fraction)}


def _geometry_key(geometry):
    if not geometry:
        return ()
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                        for k, v in dict(geometry).items()))


def plan_units(instruments, nights, seed, first_night=0, faults=0.1, scale=1.0,
               geometry=None, generic_fraction=GENERIC_FRACTION, overrides=None):
    """
    The units of a build.

    Parameters
    ----------
    instruments : sequence of str
        Names of :data:`~pypeit_spit.simulate.params.SPECTROGRAPHS`.
    nights : int
        Nights per spectrograph.
    seed : int
    first_night : int, optional
    faults, scale : float, optional
    geometry : dict or None, optional
        Read-out geometry overrides of the long-slit spectrographs (ignored for Kast).
    generic_fraction : float, optional
    overrides : dict or None, optional
        ``{instrument: {'scale': ..., 'nights': ..., 'geometry': ...}}``: per-spectrograph
        values replacing ``scale``, ``nights`` and ``geometry``.

    Returns
    -------
    list of UnitSpec
    """
    bad = [s for s in instruments if s not in SPECTROGRAPHS]
    if bad:
        raise DatasetError(f'unknown simulated spectrograph(s) {", ".join(bad)}; choose from '
                           + ', '.join(SPECTROGRAPHS))
    if not 0 <= generic_fraction <= 1:
        raise DatasetError(f'generic fraction {generic_fraction} is not between 0 and 1')
    overrides = overrides or {}
    units = []
    for inst in dict.fromkeys(instruments):
        o = overrides.get(inst, {})
        geo = o.get('geometry', geometry)
        geo = _geometry_key(geo) if engine_for(inst).takes_geometry else ()
        for k in range(first_night, first_night + int(o.get('nights', nights))):
            units.append(UnitSpec(inst, int(seed), k, float(faults),
                                  float(o.get('scale', scale)), geo, float(generic_fraction)))
    return units


# -------------------------------------------------------------------- building

_READERS = {}


def _reader(name):
    if name not in _READERS:
        from pypeit_spit.io.spectrograph import get_spectrograph
        _READERS[name] = get_spectrograph(name)
    return _READERS[name]


def _generic_copy(unit, frame):
    """Whether frame ``frame`` of a unit is also read with the generic loader."""
    if unit.instrument == GENERIC or not unit.generic_fraction:
        return False
    rng = np.random.default_rng([unit.seed, SPECTROGRAPHS.index(unit.instrument), unit.night,
                                 frame, _GENERIC_SLOT])
    return bool(rng.random() < unit.generic_fraction)


def build_unit(unit, folder):
    """
    Simulate, pre-process and write one unit's shard (does nothing when it exists), with
    one BLAS/OpenMP thread: the simulator's frames depend on the thread count (a
    sum's rounding changes a random draw), so a unit is made the same way however the
    build is run.

    Parameters
    ----------
    unit : UnitSpec
    folder : str or `pathlib.Path`
        Dataset folder (stamped).

    Returns
    -------
    dict
        ``name``, ``frames`` (raw frames simulated), ``samples`` (rows written),
        ``failures``, ``seconds``, ``cpu_seconds``, ``skipped`` (already there).
    """
    import contextlib
    import logging
    try:
        from threadpoolctl import threadpool_limits
        threads = threadpool_limits(limits=1)
    except ImportError:            # then the environment of the workers is what holds
        threads = contextlib.nullcontext()
    level = log.level
    log.setLevel(max(level, logging.WARNING))   # not PypeIt's lines per frame read
    try:
        with threads:
            return _build_unit(unit, folder)
    finally:
        log.setLevel(level)


def _build_unit(unit, folder):
    """:func:`build_unit` in the threads it runs with."""
    from pypeit_spit.errors import FrameError
    from pypeit_spit.pipeline.prepare import prepare_frame
    from pypeit_spit.io.sites import use_offline_sites

    use_offline_sites()       # PypeIt's readers and the simulator need the observatories
    folder = Path(folder)
    final = folder / _SHARDS / unit.name
    if (final / _COMPLETE).is_file():
        return dict(name=unit.name, frames=0, samples=0, failures=0, seconds=0.0,
                    cpu_seconds=0.0, skipped=True)
    t0, c0 = time.time(), time.process_time()
    work = folder / _WORK / f'{unit.name}.{os.getpid()}'
    shutil.rmtree(work, ignore_errors=True)
    sim = work / 'raw'
    images, stats, rows, failures = [], [], [], []
    reader = None if unit.instrument == GENERIC else unit.instrument
    geometry = {k: v for k, v in unit.geometry} or None
    n_frames = 0
    try:
        for i, (path, row) in enumerate(iter_night(unit.instrument, sim, unit.seed,
                                                   night_index=unit.night, faults=unit.faults,
                                                   scale=unit.scale, geometry=geometry)):
            n_frames += 1
            loaders = [('pypeit', reader)] if reader else [('generic', None)]
            if reader and _generic_copy(unit, i):
                loaders.append(('generic', None))
            for loader, spec in loaders:
                try:
                    prep = prepare_frame(path, spectrograph=_reader(spec) if spec else None)
                except FrameError as exc:
                    failures.append({'file': row['file'], 'loader': loader,
                                     'reason': exc.reason})
                    continue
                except Exception as exc:  # one broken frame must not lose the night
                    failures.append({'file': row['file'], 'loader': loader,
                                     'reason': f'{type(exc).__name__}: {exc}'})
                    continue
                images.append(prep.image)
                stats.append(prep.stats)
                rows.append({'label': CLASSES.index(row['cls']),
                             'night': f'{unit.instrument}:s{unit.seed}:n{unit.night:04d}',
                             'instrument': unit.instrument,
                             'spectrograph': spec or '', 'loader': loader,
                             'read_by': prep.loader, 'file': row['file'],
                             'seed': unit.seed, 'fault': row['fault'], 'flag': prep.flag,
                             'frame': i})
            path.unlink()
        _write_shard(folder, unit, work, images, stats, rows, failures, n_frames,
                     time.time() - t0, time.process_time() - c0)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dict(name=unit.name, frames=n_frames, samples=len(rows), failures=len(failures),
                seconds=time.time() - t0, cpu_seconds=time.process_time() - c0,
                skipped=False)


def _write_shard(folder, unit, work, images, stats, rows, failures, n_frames, seconds,
                 cpu_seconds):
    """Write a shard into ``work/shard`` and move it into place (marker last)."""
    tmp = work / 'shard'
    tmp.mkdir(parents=True, exist_ok=True)
    img = (np.stack(images) if images
           else np.zeros((0, *IMAGE_SHAPE), dtype=np.uint8)).astype(np.uint8, copy=False)
    st = (np.stack(stats) if stats
          else np.zeros((0, len(STAT_NAMES)), dtype=np.float32)).astype(np.float32, copy=False)
    meta = {'unit': unit.name, 'instrument': unit.instrument, 'seed': unit.seed,
            'night': unit.night, 'options': unit.options(), 'n_frames': n_frames,
            'seconds': round(seconds, 2), 'cpu_seconds': round(cpu_seconds, 2),
            'stamp': code_stamp(),
            'columns': {c: [r[c] for r in rows] for c in _COLUMNS},
            'failures': failures}
    for name, arr in (('images.npy', img), ('stats.npy', st)):
        with open(tmp / name, 'wb') as f:
            np.save(f, arr)
            f.flush()
            os.fsync(f.fileno())
    with open(tmp / 'meta.json', 'w') as f:
        json.dump(meta, f)
        f.flush()
        os.fsync(f.fileno())
    with open(tmp / _COMPLETE, 'w') as f:
        f.write(f'{len(rows)}\n')
        f.flush()
        os.fsync(f.fileno())
    final = folder / _SHARDS / unit.name
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(tmp, final)
    except OSError:
        # Another process wrote the same (deterministic) unit first: keep its shard.
        if not (final / _COMPLETE).is_file():
            raise


def _unit_job(args):
    unit, folder = args
    return build_unit(unit, folder)


def _check_options(folder, units):
    """Refuse units whose shard exists with other options (they would not be rebuilt)."""
    for unit in units:
        meta = Path(folder) / _SHARDS / unit.name / 'meta.json'
        if not (meta.parent / _COMPLETE).is_file():
            continue
        have = json.loads(meta.read_text())['options']
        want = json.loads(json.dumps(unit.options()))
        if have != want:
            diff = ', '.join(f'{k} {have.get(k)!r} (asked {v!r})' for k, v in want.items()
                             if have.get(k) != v)
            raise DatasetError(f'{meta.parent}: this unit was built with other options: '
                               f'{diff}; use another --seed or --first-night, or another '
                               'folder')


def _eta(seconds):
    seconds = int(max(seconds, 0))
    h, rest = divmod(seconds, 3600)
    return f'{h}h{rest // 60:02d}m' if h else f'{rest // 60}m{rest % 60:02d}s'


def _single_threaded():
    """Worker initializer: one BLAS/OpenMP thread per worker process (the workers
    share the cores; threadpoolctl limits the libraries already loaded)."""
    import scipy.linalg  # noqa: F401 (loads scipy's BLAS, so that it is limited too)
    from threadpoolctl import threadpool_limits
    global _LIMITS
    _LIMITS = threadpool_limits(1)


_LIMITS = None


def build_units(folder, units, workers=2, progress=None):
    """
    Build (or continue, or extend) a dataset: every unit without a complete shard.

    Parameters
    ----------
    folder : str or `pathlib.Path`
        Dataset folder: created and stamped when new; an existing one must carry this
        code's stamp.
    units : list of UnitSpec
        From :func:`plan_units`.
    workers : int, optional
        Processes (each single-threaded); 1 builds in this process.
    progress : bool or None, optional
        A tqdm bar (when installed) besides the log lines; None: only when standard
        error is a terminal.

    Returns
    -------
    dict
        ``units`` (asked), ``built``, ``skipped``, ``failed`` (names of units whose
        build raised), ``frames``, ``samples``, ``failures``, ``seconds``.

    Raises
    ------
    DatasetError
        A stale or foreign folder, a unit built before with other options, another
        build running in the folder.
    """
    folder = Path(folder)
    _check_stamp(folder, create=True)
    lock = open(folder / _LOCK, 'w')
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        lock.close()
        raise DatasetError(f'{folder}: another build is running in this folder') from None
    try:
        return _build_locked(folder, units, workers, progress)
    finally:
        lock.close()


def _build_locked(folder, units, workers, progress):
    _check_options(folder, units)
    # Scratch of builds that were killed (this folder is locked: nobody else uses it).
    shutil.rmtree(folder / _WORK, ignore_errors=True)
    todo = [u for u in units if not (folder / _SHARDS / u.name / _COMPLETE).is_file()]
    out = dict(units=len(units), built=0, skipped=len(units) - len(todo), failed=[],
               frames=0, samples=0, failures=0, seconds=0.0)
    log.info(f'Dataset {folder}: {len(units)} units asked, {out["skipped"]} already built, '
             f'{len(todo)} to build with {workers} worker(s)')
    if not todo:
        return out
    bar = None
    if progress is None:
        import sys
        progress = sys.stderr.isatty()
    if progress:
        try:
            from tqdm import tqdm
            bar = tqdm(total=len(todo), unit='night')
        except ImportError:
            bar = None
    t0 = time.time()

    def _done(unit, result, error=None):
        if error is not None:
            out['failed'].append(unit.name)
            log.error(f'{unit.name}: build failed ({type(error).__name__}: {error}); '
                      'run the command again to retry it')
        else:
            out['built'] += 1
            for k in ('frames', 'samples', 'failures'):
                out[k] += result[k]
        n = out['built'] + len(out['failed'])
        elapsed = time.time() - t0
        rate = out['frames'] / max(elapsed, 1e-9)
        eta = elapsed / n * (len(todo) - n)
        msg = f'{n}/{len(todo)} units'
        if error is None:
            msg += (f' | {unit.name}: {result["frames"]} frames, {result["samples"]} samples'
                    + (f', {result["failures"]} failed' if result['failures'] else '')
                    + f' in {result["seconds"]:.0f} s ({result["cpu_seconds"]:.0f} s CPU)')
        log.info(msg + f' | {rate:.2f} frames/s | ETA {_eta(eta)}')
        if bar is not None:
            bar.update(1)

    try:
        if workers > 1 and len(todo) > 1:
            import multiprocessing
            # spawn: a forked child of a process that runs TensorFlow may hang
            ctx = multiprocessing.get_context('spawn')
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                     initializer=_single_threaded) as pool:
                futures = {pool.submit(_unit_job, (u, str(folder))): u for u in todo}
                try:
                    for fut in as_completed(futures):
                        exc = fut.exception()
                        _done(futures[fut], None if exc else fut.result(), exc)
                except BaseException:
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
        else:
            for u in todo:
                try:
                    result = build_unit(u, folder)
                except Exception as exc:
                    _done(u, None, exc)
                else:
                    _done(u, result)
    finally:
        if bar is not None:
            bar.close()
        try:
            (folder / _WORK).rmdir()
        except OSError:
            pass
    out['seconds'] = time.time() - t0
    log.info(f'Dataset {folder}: built {out["built"]} units ({out["frames"]} frames, '
             f'{out["samples"]} samples, {out["failures"]} failed) in {_eta(out["seconds"])}'
             f' ({out["frames"] / max(out["seconds"], 1e-9):.2f} frames/s)'
             + (f'; {len(out["failed"])} units failed' if out['failed'] else ''))
    return out


# --------------------------------------------------------------------- reading

def list_shards(folder):
    """
    The complete shards of a dataset folder, sorted by name (its stamp is checked).

    Parameters
    ----------
    folder : str or `pathlib.Path`

    Returns
    -------
    list of `pathlib.Path`
    """
    folder = Path(folder)
    _check_stamp(folder)
    root = folder / _SHARDS
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / _COMPLETE).is_file())


class ShardedImages:
    """
    The images of a dataset, read lazily from its memory-mapped shards.

    Behaves as a read-only uint8 array of shape ``(n, rows, cols)`` for what training
    needs: ``len``, ``shape``, ``dtype``, ``ndim``, and indexing by an int, a slice, an
    int array or a bool mask, which returns an in-memory `numpy.ndarray` gathered from
    the shards (only the rows asked for are read). ``numpy.asarray`` gathers all.

    Parameters
    ----------
    paths : list of `pathlib.Path`
        ``images.npy`` of each shard.
    counts : list of int
        Rows of each shard.
    index : `numpy.ndarray` of int or None, optional
        Rows (global, over the shards in order) this view shows; None: all.
    """

    def __init__(self, paths, counts, index=None):
        self._paths = [Path(p) for p in paths]
        self._counts = np.asarray(counts, dtype=np.int64)
        self._starts = np.concatenate([[0], np.cumsum(self._counts)])
        self._maps = [None] * len(self._paths)
        total = int(self._starts[-1])
        self._index = (np.arange(total, dtype=np.int64) if index is None
                       else np.asarray(index, dtype=np.int64))

    @property
    def shape(self):
        """``(n, rows, cols)``."""
        return (int(self._index.size), *IMAGE_SHAPE)

    @property
    def dtype(self):
        """uint8."""
        return np.dtype(np.uint8)

    @property
    def ndim(self):
        """3."""
        return 3

    @property
    def nbytes(self):
        """Bytes the view would take in memory."""
        return int(np.prod(self.shape))

    def __len__(self):
        return int(self._index.size)

    def _map(self, k):
        if self._maps[k] is None:
            arr = np.load(self._paths[k], mmap_mode='r')
            if arr.shape != (self._counts[k], *IMAGE_SHAPE) or arr.dtype != np.uint8:
                raise DatasetError(f'{self._paths[k]}: images of shape {arr.shape} '
                                   f'{arr.dtype}, expected ({self._counts[k]}, '
                                   f'{IMAGE_SHAPE[0]}, {IMAGE_SHAPE[1]}) uint8')
            self._maps[k] = arr
        return self._maps[k]

    def _rows(self, key):
        """Global rows selected by ``key`` (and whether a single image was asked)."""
        if isinstance(key, (int, np.integer)):
            n = len(self)
            if not -n <= key < n:
                raise IndexError(f'index {key} is out of bounds for {n} images')
            return self._index[key:key + 1] if key >= 0 else self._index[[key]], True
        if isinstance(key, slice):
            return self._index[key], False
        key = np.asarray(key)
        if key.dtype == bool:
            if key.shape != (len(self),):
                raise IndexError(f'boolean index of shape {key.shape} for {len(self)} images')
            return self._index[key], False
        if key.dtype.kind not in 'iu':
            raise IndexError(f'images are indexed by int, slice, int array or bool mask, '
                             f'not {key.dtype}')
        return self._index[key], False

    def __getitem__(self, key):
        if isinstance(key, tuple):
            first, rest = (key[0] if key else slice(None)), key[1:]
            out = self[first]
            return out[rest] if isinstance(first, (int, np.integer)) \
                else out[(slice(None),) + rest]
        rows, single = self._rows(key)
        flat = rows.ravel()
        out = np.empty((flat.size, *IMAGE_SHAPE), dtype=np.uint8)
        if flat.size:
            shard = np.searchsorted(self._starts, flat, side='right') - 1
            local = flat - self._starts[shard]
            for k in np.unique(shard):
                sel = shard == k
                loc = local[sel]
                mm = self._map(int(k))
                if loc.size > 1 and np.all(np.diff(loc) == 1):
                    out[sel] = mm[int(loc[0]):int(loc[-1]) + 1]
                else:
                    out[sel] = mm[loc]
        if single:
            return out[0]
        return out.reshape(*rows.shape, *IMAGE_SHAPE)

    def __array__(self, dtype=None, copy=None):
        out = self[np.arange(len(self))]
        return out if dtype is None else out.astype(dtype)

    def view(self, index):
        """
        A lazy view of the rows ``index`` (int array or bool mask) of this one.

        Parameters
        ----------
        index : array_like of int or bool

        Returns
        -------
        ShardedImages
        """
        index = np.asarray(index)
        if index.dtype == bool:
            index = np.flatnonzero(index)
        return ShardedImages(self._paths, self._counts, self._index[index])

    def __getstate__(self):
        state = dict(self.__dict__)
        state['_maps'] = [None] * len(self._paths)   # memory maps are reopened
        return state

    def __repr__(self):
        return (f'<ShardedImages {len(self)} x {IMAGE_SHAPE[0]}x{IMAGE_SHAPE[1]} uint8 from '
                f'{len(self._paths)} shards>')


def _read_meta(shard):
    try:
        return json.loads((shard / 'meta.json').read_text())
    except (OSError, ValueError) as exc:
        raise DatasetError(f'{shard}: unreadable shard metadata '
                           f'({type(exc).__name__}: {exc})') from exc


def open_dataset(folder, spectrographs=None, loaders=None, seeds=None):
    """
    Open a dataset folder as a :class:`~pypeit_spit.training.dataset.FrameSet`.

    Labels, nights, spectrographs, instruments, files and statistics are in memory; the
    images are a :class:`ShardedImages` view of the memory-mapped shards.

    Parameters
    ----------
    folder : str or `pathlib.Path`
    spectrographs : sequence of str or None, optional
        Keep only these simulated spectrographs (instruments).
    loaders : sequence of str or None, optional
        Keep only the samples read by these loaders (``'pypeit'``, ``'generic'``).
    seeds : sequence of int or None, optional
        Keep only the nights of these seeds.

    Returns
    -------
    FrameSet
        ``spectrographs`` is the PypeIt reader asked for ('' = generic loader),
        ``instruments`` the simulated spectrograph, ``loaders`` ``'pypeit'`` or
        ``'generic'``, ``nights`` unique across spectrographs and seeds
        (``<spectrograph>:s<seed>:n<night>``); ``failures`` lists ``(file, reason)`` of
        the frames that could not be pre-processed.

    Raises
    ------
    DatasetError
        A missing folder, one made by another version of the code, a broken shard.
    """
    folder = Path(folder)
    shards = list_shards(folder)
    if spectrographs is not None:
        want = set(spectrographs)
        shards = [s for s in shards if _read_meta(s)['instrument'] in want]
    if seeds is not None:
        want_seeds = {int(s) for s in seeds}
        shards = [s for s in shards if int(_read_meta(s)['seed']) in want_seeds]
    cols = {c: [] for c in _COLUMNS}
    stats, counts, failures = [], [], []
    for shard in shards:
        meta = _read_meta(shard)
        for c in _COLUMNS:
            cols[c].extend(meta['columns'][c])
        n = len(meta['columns']['label'])
        st = np.load(shard / 'stats.npy')
        if st.shape != (n, len(STAT_NAMES)):
            raise DatasetError(f'{shard}: statistics of shape {st.shape}, expected '
                               f'({n}, {len(STAT_NAMES)})')
        stats.append(st)
        counts.append(n)
        failures.extend((f['file'], f'{f["loader"]} loader: {f["reason"]}')
                        for f in meta['failures'])
    images = ShardedImages([s / 'images.npy' for s in shards], counts)
    stats = (np.concatenate(stats) if stats
             else np.zeros((0, len(STAT_NAMES)), dtype=np.float32))
    arr = {c: np.asarray(cols[c], dtype=np.int64 if c in ('label', 'seed', 'frame') else str)
           for c in _COLUMNS}
    for c in ('label', 'seed', 'frame'):
        arr[c] = arr[c].astype(np.int64)
    keep = np.ones(arr['label'].size, dtype=bool)
    if loaders is not None:
        keep &= np.isin(arr['loader'], list(loaders))
    if not keep.all():
        images = images.view(keep)
        stats = stats[keep]
        arr = {c: v[keep] for c, v in arr.items()}
    return FrameSet(images, stats, arr['label'], arr['night'], arr['file'],
                    arr['spectrograph'], failures, arr['instrument'], arr['loader'])


def dataset_summary(folder):
    """
    Samples per spectrograph, loader and class, and the frames that failed.

    Parameters
    ----------
    folder : str or `pathlib.Path`

    Returns
    -------
    table : `astropy.table.Table`
        One row per (instrument, loader): ``nights``, one column per class, ``total``,
        ``failed``, and the spectrograph's mean CPU seconds per night (``cpu_night``,
        simulation and every loader; for planning builds).
    totals : dict
        ``shards``, ``samples``, ``failed``, ``bytes`` (images on disk), ``cpu_seconds``
        (all nights).
    """
    from astropy.table import Table
    rows, cpu = {}, {}
    total_bytes, n_shards = 0, 0
    for shard in list_shards(folder):
        meta = _read_meta(shard)
        n_shards += 1
        total_bytes += (shard / 'images.npy').stat().st_size
        inst = meta['instrument']
        cpu.setdefault(inst, []).append(float(meta.get('cpu_seconds', np.nan)))
        labels = np.asarray(meta['columns']['label'], dtype=int)
        loaders = np.asarray(meta['columns']['loader'], dtype=str)
        fail_loaders = [f['loader'] for f in meta['failures']]
        for loader in set(loaders.tolist()) | set(fail_loaders):
            r = rows.setdefault((inst, loader), {'nights': set(), 'counts': np.zeros(
                len(CLASSES), dtype=int), 'failed': 0})
            r['nights'].add(meta['night'])
            r['counts'] += np.bincount(labels[loaders == loader], minlength=len(CLASSES))
            r['failed'] += fail_loaders.count(loader)
    table = Table(names=['spectrograph', 'loader', 'nights', *CLASSES, 'total', 'failed',
                         'cpu_night'],
                  dtype=[str, str, int] + [int] * len(CLASSES) + [int, int, float])
    for (inst, loader), r in sorted(rows.items()):
        table.add_row([inst, loader, len(r['nights']), *r['counts'].tolist(),
                       int(r['counts'].sum()), r['failed'], round(np.mean(cpu[inst]), 1)])
    totals = {'shards': n_shards, 'samples': int(np.sum(table['total'])) if len(table) else 0,
              'failed': int(np.sum(table['failed'])) if len(table) else 0,
              'bytes': total_bytes,
              'cpu_seconds': float(sum(np.nansum(v) for v in cpu.values()))}
    return table, totals
