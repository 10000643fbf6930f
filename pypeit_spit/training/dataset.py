"""
Training sets: labelled frames -> pre-processed arrays cached in one ``.npz``, split by
night, balanced by oversampling, with the three flips of Jankov & Prochaska (2018).

A labelled set is a table (ECSV, or CSV) with one row per raw frame:

``file``
    Path of the FITS file, relative to the table's folder or absolute.
``class`` (or ``cls``, as in the simulator's ``manifest.ecsv``)
    One of :data:`pypeit_spit.vocab.CLASSES`. Tables with a ``frametype`` column
    (PypeIt frame types, e.g. ``pixelflat,trace``) instead are mapped with
    :data:`pypeit_spit.vocab.FRAMETYPE_TO_CLASS`.
``night`` (optional)
    Group identifier: frames of one group never straddle the train/validation/test
    split. Without it, ``group_by`` names another column (date-times are binned into
    nights), else every file is its own group.
``spectrograph`` (optional; ``instrument`` or ``camera`` are also understood)
    PypeIt spectrograph used to read the file; an empty value means the generic
    loader, and so does a value of ``instrument``/``camera`` that is not a PypeIt
    spectrograph name (an unknown name in ``spectrograph`` is an error).

Labels come only from the table, never from file names.
"""
import hashlib
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.table import Table, vstack
from pypeit import log

from pypeit_spit.errors import DatasetError
from pypeit_spit.preprocess.contract import IMAGE_SHAPE, PREPROCESS_VERSION, STAT_NAMES
from pypeit_spit.vocab import CLASSES, class_of_frametypes

__all__ = ['LOADERS', 'FrameSet', 'read_labels', 'add_generic_copies', 'limit_per_class',
           'prepare_labels', 'build_dataset', 'load_cache', 'save_cache', 'split_by_night',
           'balance_indices', 'flip_samples', 'night_of', 'fingerprint']

#: Loader choices: ``'pypeit'`` uses the row's spectrograph when PypeIt knows it;
#: ``'generic'`` always reads the first 2-D HDU.
LOADERS = ('pypeit', 'generic')

#: Columns that may carry a row's spectrograph, in order of preference.
SPECTROGRAPH_COLUMNS = ('spectrograph', 'instrument', 'camera')

#: Columns that may carry a row's label, in order of preference.
LABEL_COLUMNS = ('class', 'cls', 'frametype')


@dataclass
class FrameSet:
    """
    Pre-processed frames with their labels.

    Attributes
    ----------
    images : `numpy.ndarray` of uint8, shape (n, 210, 650)
    stats : `numpy.ndarray` of float32, shape (n, n_stats)
    labels : `numpy.ndarray` of int, shape (n,)
        Index into :data:`~pypeit_spit.vocab.CLASSES`.
    nights : `numpy.ndarray` of str
        Group of each frame.
    files : `numpy.ndarray` of str
        Source file of each frame.
    spectrographs : `numpy.ndarray` of str
        Spectrograph used to read each frame ('' = generic loader).
    failures : list of tuple
        ``(file, reason)`` of the frames that could not be prepared.
    instruments : `numpy.ndarray` of str or None
        The instrument each frame comes from, whatever loader read it (for figures
        per instrument); None: the spectrographs.
    loaders : `numpy.ndarray` of str or None
        ``'pypeit'`` or ``'generic'``: the loader asked for each frame; None: from the
        spectrographs ('' = generic).

    ``images`` may also be a lazy
    :class:`~pypeit_spit.training.factory.ShardedImages` (a dataset folder opened with
    :func:`~pypeit_spit.training.factory.open_dataset`): indexing it with an int array
    returns the uint8 images as an in-memory array.
    """
    images: np.ndarray
    stats: np.ndarray
    labels: np.ndarray
    nights: np.ndarray
    files: np.ndarray
    spectrographs: np.ndarray
    failures: list = field(default_factory=list)
    instruments: np.ndarray = None
    loaders: np.ndarray = None

    def __post_init__(self):
        if self.instruments is None:
            self.instruments = np.array(self.spectrographs, dtype=str)
        if self.loaders is None:
            self.loaders = np.where(np.asarray(self.spectrographs, dtype=str) == '',
                                    'generic', 'pypeit')

    def __len__(self):
        return int(self.labels.size)

    def subset(self, index):
        """
        A new FrameSet holding the frames ``index`` (copies; lazy images stay lazy).

        Parameters
        ----------
        index : array_like of int or bool

        Returns
        -------
        FrameSet
        """
        index = np.asarray(index)
        images = (self.images[index] if isinstance(self.images, np.ndarray)
                  else self.images.view(index))
        return FrameSet(images, self.stats[index], self.labels[index],
                        self.nights[index], self.files[index], self.spectrographs[index], [],
                        self.instruments[index], self.loaders[index])

    def class_counts(self):
        """Frames per class, as a dict in :data:`CLASSES` order."""
        counts = np.bincount(self.labels, minlength=len(CLASSES))
        return {c: int(n) for c, n in zip(CLASSES, counts)}


# ----------------------------------------------------------------------------- labels

def _valid_spectrographs():
    from pypeit_spit.io.sites import use_offline_sites
    use_offline_sites()
    from pypeit.spectrographs import available_spectrographs
    return set(available_spectrographs)


def _to_class(value, path, row):
    cls = class_of_frametypes(str(value).strip().lower())
    if cls:
        return cls
    raise DatasetError(f'{path}: row {row}: label {value!r} is not one of '
                       f'{", ".join(CLASSES)} (nor a PypeIt frame type that maps to one)')


def night_of(value):
    """
    The observing night of a date-time: the date of (time - 12 h), so that the
    frames of one night (evening to morning, in UT for any site from Hawaii to
    Europe) share it. A value that is not a date-time is returned unchanged.

    Parameters
    ----------
    value : str

    Returns
    -------
    str
    """
    text = str(value).strip()
    if len(text) < 10 or text[4] != '-' or text[7] != '-':
        return text
    from datetime import datetime, timedelta
    try:
        t = datetime.fromisoformat(text.replace(' ', 'T'))
    except ValueError:
        return text
    return (t - timedelta(hours=12)).date().isoformat()


def read_labels(path, spectrograph=None, spectrograph_column=None, group_by=None,
                loader='pypeit'):
    """
    Read a labelled set into a normalised table.

    Parameters
    ----------
    path : str or `pathlib.Path`
        ECSV (or CSV) table; see the module docstring.
    spectrograph : str or None, optional
        Spectrograph for rows that name none (None: generic loader).
    spectrograph_column : str or None, optional
        Column holding each row's spectrograph; None tries ``spectrograph``,
        ``instrument``, then ``camera``.
    group_by : str or None, optional
        Column that defines the groups when there is no ``night_id`` or ``night``
        column; ISO
        date-times are binned into nights (:func:`night_of`) and prefixed by the
        row's spectrograph (or ``instrument``).
    loader : {'pypeit', 'generic'}, optional
        ``'generic'`` ignores every spectrograph.

    Returns
    -------
    `astropy.table.Table`
        Columns ``file`` (absolute path), ``class``, ``night``, ``spectrograph``
        ('' = generic loader), ``source`` (the labels file).

    Raises
    ------
    DatasetError
        Unreadable table, missing columns, unknown labels or spectrographs.
    """
    path = Path(path)
    if loader not in LOADERS:
        raise DatasetError(f'unknown loader {loader!r}; choose one of {", ".join(LOADERS)}')
    if not path.is_file():
        raise DatasetError(f'{path}: labels file does not exist')
    fmt = 'ascii.ecsv' if path.suffix.lower() == '.ecsv' else 'ascii.csv'
    try:
        table = Table.read(path, format=fmt)
    except Exception as exc:
        raise DatasetError(f'{path}: cannot read the labels table '
                           f'({type(exc).__name__}: {exc})') from exc
    if 'file' not in table.colnames:
        raise DatasetError(f'{path}: the labels table has no "file" column')
    label_col = next((c for c in LABEL_COLUMNS if c in table.colnames), None)
    if label_col is None:
        raise DatasetError(f'{path}: the labels table has no "class" (or "cls", "frametype") '
                           'column')
    valid = _valid_spectrographs()
    if spectrograph is not None and spectrograph not in valid:
        raise DatasetError(f'unknown PypeIt spectrograph {spectrograph!r}')
    if spectrograph_column is not None and spectrograph_column not in table.colnames:
        raise DatasetError(f'{path}: no column {spectrograph_column!r} for the spectrograph')
    spec_col = spectrograph_column or next(
        (c for c in SPECTROGRAPH_COLUMNS if c in table.colnames), None)
    if group_by is not None and group_by not in table.colnames:
        raise DatasetError(f'{path}: no column {group_by!r} to group frames by')

    folder = path.resolve().parent
    files, classes, nights, specs, instruments = [], [], [], [], []
    for i, row in enumerate(table):
        name = str(row['file']).strip()
        if not name:
            raise DatasetError(f'{path}: row {i + 1}: empty file name')
        f = Path(name).expanduser()
        f = f if f.is_absolute() else folder / f
        files.append(str(f))
        classes.append(_to_class(row[label_col], path, i + 1))
        spec = ''
        if spec_col is not None and not np.ma.is_masked(row[spec_col]):
            spec = str(row[spec_col]).strip()
        if not spec and spectrograph is not None:
            spec = spectrograph
        instruments.append(spec)
        if spec and spec not in valid:
            if spectrograph_column is None and spec_col != 'spectrograph':
                spec = ''      # a free-text instrument/camera name: generic loader
            else:
                raise DatasetError(f'{path}: row {i + 1}: unknown PypeIt spectrograph '
                                   f'{spec!r}')
        specs.append('' if loader == 'generic' else spec)
        if 'night_id' in table.colnames and not np.ma.is_masked(row['night_id']) \
                and str(row['night_id']).strip():
            nights.append(f'{path.stem}:{row["night_id"]}')
        elif 'night' in table.colnames and not np.ma.is_masked(row['night']):
            nights.append(f'{path.stem}:{row["night"]}')
        elif group_by is not None and not np.ma.is_masked(row[group_by]):
            inst = (str(row[spec_col]) + ':') if spec_col is not None else ''
            nights.append(f'{inst}{night_of(row[group_by])}')
        else:
            nights.append(f'file:{f}')
    out = Table()
    out['file'] = np.array(files, dtype=str)
    out['class'] = np.array(classes, dtype=str)
    out['night'] = np.array(nights, dtype=str)
    out['spectrograph'] = np.array(specs, dtype=str)
    out['instrument'] = np.array(instruments, dtype=str)
    out['source'] = np.full(len(files), str(path))
    return out


def add_generic_copies(table, fraction, seed=0):
    """
    Append, for a seeded random share of the frames read with a PypeIt spectrograph,
    a copy read with the generic loader (same file, class and night).

    The network then learns both views of a frame: the PypeIt reader's (overscan
    subtracted and cropped) and the first-HDU view a user gets without ``-s``.
    Copies share their original's night, so a split by night keeps them together.

    Parameters
    ----------
    table : `astropy.table.Table`
        From :func:`read_labels`.
    fraction : float
        Share of the rows (0-1) to copy; rows already read generically are skipped.
    seed : int, optional

    Returns
    -------
    `astropy.table.Table`
    """
    if not fraction:
        return table
    rng = np.random.default_rng(seed)
    pick = (rng.random(len(table)) < fraction) & (np.asarray(table['spectrograph']) != '')
    copies = table[pick]
    copies['spectrograph'] = ''
    return vstack([table, copies])


def limit_per_class(table, max_per_class, seed=0):
    """
    Keep at most ``max_per_class`` rows of each class (a seeded random choice).

    Parameters
    ----------
    table : `astropy.table.Table`
        From :func:`read_labels`.
    max_per_class : int or None
    seed : int, optional

    Returns
    -------
    `astropy.table.Table`
    """
    if not max_per_class:
        return table
    rng = np.random.default_rng(seed)
    keep = []
    for c in CLASSES:
        idx = np.flatnonzero(np.asarray(table['class']) == c)
        if idx.size > max_per_class:
            idx = np.sort(rng.choice(idx, max_per_class, replace=False))
        keep.extend(idx.tolist())
    return table[np.sort(np.array(keep, dtype=int))]


# ------------------------------------------------------------------ pre-processing

_SPECTROGRAPHS = {}


def _prepare_one(task):
    """Worker: pre-process one file; never raises."""
    index, path, spec = task
    from pypeit_spit.errors import FrameError, UsageError
    from pypeit_spit.pipeline.prepare import prepare_frame
    from pypeit_spit.io.spectrograph import get_spectrograph
    try:
        if spec and spec not in _SPECTROGRAPHS:
            _SPECTROGRAPHS[spec] = get_spectrograph(spec)
    except UsageError as exc:
        return index, None, None, str(exc)
    try:
        prep = prepare_frame(path, spectrograph=_SPECTROGRAPHS[spec] if spec else None)
    except FrameError as exc:
        return index, None, None, exc.reason
    except Exception as exc:  # one broken file must not stop the set
        return index, None, None, f'{type(exc).__name__}: {exc}'
    return index, prep.image, prep.stats, ''


def _file_key(path, spec):
    p = Path(path)
    try:
        st = p.stat()
        size, mtime = st.st_size, int(st.st_mtime_ns)
    except OSError:
        size, mtime = -1, -1
    return f'{path}|{spec}|{size}|{mtime}|{PREPROCESS_VERSION}'


def prepare_labels(table, workers=2, previous=None, progress=True):
    """
    Pre-process every frame of a labels table.

    Parameters
    ----------
    table : `astropy.table.Table`
        From :func:`read_labels` (possibly several stacked).
    workers : int, optional
        Processes (started with ``spawn``, so a calling script needs the usual
        ``if __name__ == '__main__':`` guard); 1 works in this process.
    previous : dict or None, optional
        ``{file_key: (image, stats)}`` of frames already prepared (a cache); those are
        reused when the file, its size, its time stamp, the spectrograph and the
        pre-processing version are unchanged.
    progress : bool, optional
        Log progress about every 5% of the files.

    Returns
    -------
    FrameSet
        The frames that could be prepared, in table order, with ``failures``.
    """
    n = len(table)
    files = np.asarray(table['file'], dtype=str)
    specs = np.asarray(table['spectrograph'], dtype=str)
    keys = [_file_key(f, s) for f, s in zip(files, specs)]
    images = np.zeros((n, *IMAGE_SHAPE), dtype=np.uint8)
    stats = np.zeros((n, len(STAT_NAMES)), dtype=np.float32)
    ok = np.zeros(n, dtype=bool)
    reasons = [''] * n
    previous = previous or {}
    tasks = []
    for i in range(n):
        if keys[i] in previous:
            images[i], stats[i] = previous[keys[i]]
            ok[i] = True
        else:
            tasks.append((i, files[i], specs[i]))
    if n - len(tasks):
        log.info(f'Reusing {n - len(tasks)} cached frames; preparing {len(tasks)}')
    t0, done, step = time.time(), 0, max(1, len(tasks) // 20)

    def _collect(result):
        nonlocal done
        i, image, stat, reason = result
        done += 1
        if image is None:
            reasons[i] = reason
            log.warning(f'{files[i]}: skipped: {reason}')
        else:
            images[i], stats[i], ok[i] = image, stat, True
        if progress and (done % step == 0 or done == len(tasks)):
            rate = done / max(time.time() - t0, 1e-6)
            log.info(f'Prepared {done}/{len(tasks)} frames ({rate:.1f} frames/s)')

    if workers > 1 and len(tasks) > 1:
        # spawn: a forked child of a process that already runs TensorFlow may hang.
        ctx = multiprocessing.get_context('spawn')
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            for result in pool.map(_prepare_one, tasks, chunksize=4):
                _collect(result)
    else:
        for task in tasks:
            _collect(_prepare_one(task))
    labels = np.array([CLASSES.index(c) for c in table['class']], dtype=np.int64)
    failures = [(files[i], reasons[i]) for i in range(n) if not ok[i]]
    fs = FrameSet(images[ok], stats[ok], labels[ok], np.asarray(table['night'], dtype=str)[ok],
                  files[ok], specs[ok], failures, _instruments(table)[ok])
    return fs


def _instruments(table):
    """The instrument column of a labels table (its spectrograph column when absent)."""
    col = 'instrument' if 'instrument' in table.colnames else 'spectrograph'
    return np.asarray(table[col], dtype=str)


# -------------------------------------------------------------------------- cache

def save_cache(frameset, path):
    """
    Write a FrameSet to one uncompressed ``.npz``.

    Parameters
    ----------
    frameset : FrameSet
    path : str or `pathlib.Path`
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = np.array([_file_key(f, s) for f, s in zip(frameset.files, frameset.spectrographs)],
                    dtype=str)
    fail = np.array(frameset.failures, dtype=str).reshape(-1, 2)
    tmp = path.with_name(path.name + '.tmp.npz')
    np.savez(tmp, images=frameset.images, stats=frameset.stats, labels=frameset.labels,
             nights=frameset.nights, files=frameset.files, spectrographs=frameset.spectrographs,
             instruments=frameset.instruments,
             keys=keys, failures=fail, classes=np.array(CLASSES),
             stat_names=np.array(STAT_NAMES),
             preprocess_version=np.array(PREPROCESS_VERSION))
    tmp.replace(path)


def load_cache(path):
    """
    Read a FrameSet written by :func:`save_cache`.

    Parameters
    ----------
    path : str or `pathlib.Path`

    Returns
    -------
    frameset : FrameSet
    keys : `numpy.ndarray` of str
        File keys (file, spectrograph, size, time stamp, pre-processing version).

    Raises
    ------
    DatasetError
        Unreadable file, or one made with other classes, statistics or pre-processing.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except Exception as exc:
        raise DatasetError(f'{path}: cannot read the dataset cache '
                           f'({type(exc).__name__}: {exc})') from exc
    need = {'images', 'stats', 'labels', 'nights', 'files', 'spectrographs', 'keys',
            'classes', 'stat_names', 'preprocess_version'}
    if need - set(data):
        raise DatasetError(f'{path}: not a pypeit-spit dataset cache (missing '
                           f'{", ".join(sorted(need - set(data)))})')
    if (tuple(data['classes']) != CLASSES or tuple(data['stat_names']) != STAT_NAMES
            or int(data['preprocess_version']) != PREPROCESS_VERSION):
        raise DatasetError(f'{path}: dataset cache made by an incompatible version '
                           '(classes, statistics or pre-processing differ)')
    failures = [tuple(r) for r in data.get('failures', np.zeros((0, 2), dtype=str))]
    fs = FrameSet(data['images'], data['stats'], data['labels'].astype(np.int64),
                  data['nights'], data['files'], data['spectrographs'], failures,
                  data.get('instruments'))
    return fs, data['keys']


def _reuse_whole_cache(table, old, keys):
    """The cached FrameSet with the table's labels and nights when the table holds
    exactly the cached frames, in order (no copy of the images); else None."""
    tkeys = [_file_key(f, s) for f, s in zip(np.asarray(table['file'], dtype=str),
                                             np.asarray(table['spectrograph'], dtype=str))]
    if tkeys != keys.tolist():
        return None
    labels = np.array([CLASSES.index(c) for c in table['class']], dtype=np.int64)
    return FrameSet(old.images, old.stats, labels, np.asarray(table['night'], dtype=str),
                    old.files, old.spectrographs, [], _instruments(table))


def _concat(a, b):
    """Frames of two FrameSets, ``a``'s first (``a``'s failures only)."""
    return FrameSet(np.concatenate([a.images, b.images]), np.concatenate([a.stats, b.stats]),
                    np.concatenate([a.labels, b.labels]), np.concatenate([a.nights, b.nights]),
                    np.concatenate([a.files, b.files]),
                    np.concatenate([a.spectrographs, b.spectrographs]), list(a.failures),
                    np.concatenate([a.instruments, b.instruments]))


def build_dataset(table, cache=None, workers=2, progress=True):
    """
    Prepared frames for a labels table, through a ``.npz`` cache.

    Frames already in the cache (same file, size, time stamp, spectrograph and
    pre-processing version) are not read again; labels and nights always come from
    ``table``. The cache is rewritten when anything was prepared. Frames that failed
    are tried again on every call. The cache keeps the frames of earlier calls that
    ``table`` does not use, so runs on different subsets can share one cache.

    Parameters
    ----------
    table : `astropy.table.Table`
        From :func:`read_labels`.
    cache : str, `pathlib.Path` or None, optional
    workers : int, optional
    progress : bool, optional

    Returns
    -------
    FrameSet
    """
    previous, old, old_keys = {}, None, []
    if cache is not None and Path(cache).is_file():
        try:
            old, old_keys = load_cache(cache)
        except DatasetError as exc:
            log.warning(f'{exc}; rebuilding it')
        else:
            fast = _reuse_whole_cache(table, old, old_keys)
            if fast is not None:
                log.info(f'Dataset cache {cache}: all {len(fast)} frames reused')
                return fast
            previous = {k: (old.images[i], old.stats[i]) for i, k in enumerate(old_keys)}
    fs = prepare_labels(table, workers=workers, previous=previous, progress=progress)
    if cache is not None:
        keys = {_file_key(f, s) for f, s in zip(fs.files, fs.spectrographs)}
        if keys - set(previous) or fs.failures:
            # Keep the cached frames this table does not use: a cache shared by
            # several runs (e.g. subsets of one labelled set) only grows.
            extra = [i for i, k in enumerate(old_keys) if k not in keys] if old else []
            saved = _concat(fs, old.subset(np.array(extra, dtype=int))) if extra else fs
            save_cache(saved, cache)
            log.info(f'Dataset cache written: {cache} ({len(saved)} frames)')
    if fs.failures:
        log.warning(f'{len(fs.failures)} of {len(table)} frames could not be prepared')
    return fs


# ------------------------------------------------------------ split and sampling

def split_by_night(nights, fractions=(0.7, 0.15, 0.15), seed=0):
    """
    Split frames into train / validation / test by night.

    The distinct nights are shuffled with ``seed`` and dealt out in the given
    fractions (of nights), so frames of one night never straddle two parts. With
    at least three nights, validation and test get at least one night each
    (when their fraction is not zero).

    Parameters
    ----------
    nights : array_like of str
        Night (group) of every frame.
    fractions : tuple of 3 float, optional
        Train, validation, test fractions of the nights (normalised to sum 1).
    seed : int, optional

    Returns
    -------
    dict
        ``{'train': idx, 'validation': idx, 'test': idx}``, sorted frame indices.
    """
    nights = np.asarray(nights, dtype=str)
    frac = np.asarray(fractions, dtype=float)
    if frac.shape != (3,) or np.any(frac < 0) or frac.sum() <= 0:
        raise ValueError(f'fractions must be three non-negative numbers, got {fractions}')
    frac = frac / frac.sum()
    unique = np.unique(nights)
    order = np.random.default_rng(seed).permutation(unique.size)
    n = unique.size
    n_val = int(round(frac[1] * n))
    n_test = int(round(frac[2] * n))
    if n >= 3:
        n_val = max(n_val, 1) if frac[1] > 0 else 0
        n_test = max(n_test, 1) if frac[2] > 0 else 0
    while n_val + n_test > n - (1 if frac[0] > 0 and n > 0 else 0) and (n_val or n_test):
        if n_test >= n_val and n_test:
            n_test -= 1
        else:
            n_val -= 1
    shuffled = unique[order]
    parts = {'validation': shuffled[:n_val], 'test': shuffled[n_val:n_val + n_test],
             'train': shuffled[n_val + n_test:]}
    return {k: np.flatnonzero(np.isin(nights, v)) for k, v in
            (('train', parts['train']), ('validation', parts['validation']),
             ('test', parts['test']))}


def balance_indices(labels, rng, n_classes=len(CLASSES)):
    """
    Oversample classes to the size of the largest one (the paper's balancing).

    Every frame of a class is repeated as many whole times as fit, and the rest is
    filled with a random choice without replacement, so the counts match exactly.
    Classes with no frames stay absent.

    Parameters
    ----------
    labels : array_like of int
    rng : `numpy.random.Generator`
    n_classes : int, optional

    Returns
    -------
    `numpy.ndarray` of int
        Frame indices (unshuffled, grouped by class).
    """
    labels = np.asarray(labels)
    counts = np.bincount(labels, minlength=n_classes)
    target = counts.max() if counts.size else 0
    out = []
    for c in range(n_classes):
        idx = np.flatnonzero(labels == c)
        if idx.size == 0:
            continue
        reps, rest = divmod(int(target), idx.size)
        out.append(np.tile(idx, reps))
        if rest:
            out.append(np.sort(rng.choice(idx, rest, replace=False)))
    return np.concatenate(out) if out else np.zeros(0, dtype=int)


def flip_samples(frames):
    """
    Every frame with each of its four flips (0 none, 1 vertical, 2 horizontal, 3 both,
    as in :func:`pypeit_spit.preprocess.contract.flips`).

    Parameters
    ----------
    frames : array_like of int
        Frame indices.

    Returns
    -------
    `numpy.ndarray` of int, shape (4 * n, 2)
        ``(frame, flip)`` pairs, the four flips of a frame consecutive.
    """
    frames = np.asarray(frames, dtype=np.int64)
    return np.stack([np.repeat(frames, 4), np.tile(np.arange(4), frames.size)], axis=1)


def fingerprint(strings):
    """
    A short hash of a sequence of strings (to tie checkpoints to their data).

    Parameters
    ----------
    strings : iterable of str

    Returns
    -------
    str
    """
    h = hashlib.sha256()
    for s in strings:
        h.update(str(s).encode())
        h.update(b'\0')
    return h.hexdigest()[:16]
