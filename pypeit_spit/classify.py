"""
Type raw frames from their pixels: pre-process each file, run the network on every
image and its three flips in batches (:func:`pypeit_spit.model.inference.infer`, the
one inference path), and vote.
"""
import multiprocessing
import os
import re
import sys
import threading
import traceback
import warnings
from concurrent.futures import (CancelledError, Future, ProcessPoolExecutor,
                                ThreadPoolExecutor)
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
from astropy.table import Table
from pypeit import log

from pypeit_spit import stop
from pypeit_spit.console import progress as console_progress
from pypeit_spit.console import scrub
from pypeit_spit.errors import FrameError, UsageError
from pypeit_spit.model.inference import concatenate, infer
from pypeit_spit.model.store import get_model
from pypeit_spit.preprocess.frame import prepare_frame
from pypeit_spit.preprocess.load import FITS_SUFFIXES, get_spectrograph, size_limit
from pypeit_spit.vocab import CLASSES, UNKNOWN, class_of_frametypes, format_prob

__all__ = ['READ_BATCH', 'PROCESSES_AVAILABLE', 'FITS_SUFFIXES', 'expand_paths',
           'display_names', 'classify_files', 'Prefetch', 'result_table', 'format_table',
           'keep_freed_memory']


def _natural_key(path):
    """Sort key putting b2.fits before b10.fits."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r'(\d+)', path.name)]


def _listing(folder):
    """
    The FITS entries of a folder, in natural order, and a reason when there are none.

    Every entry whose name ends with a FITS suffix is kept, except sub-folders: a
    broken symbolic link, a link loop or a special file gets its own row (and its
    reason from the loader) instead of being skipped.
    """
    try:
        entries = list(folder.iterdir())
    except PermissionError:
        return [], 'folder cannot be listed (permission denied)'
    except OSError as exc:
        return [], f'folder cannot be listed ({exc.strerror or type(exc).__name__})'
    files = []
    for f in entries:
        if not f.name.lower().endswith(FITS_SUFFIXES):
            continue
        try:
            if f.is_dir():
                log.warning(f'{f}: a folder inside {folder}; not searched')
                continue
        except OSError:  # e.g. a name too long to stat: the loader reports it
            pass
        files.append(f)
    files.sort(key=_natural_key)
    if files:
        return files, None
    nights = night_folders(folder)
    if nights:
        return [], (f'folder holds no FITS files, but {len(nights)} of its sub-folders do '
                    f'(give them: {folder}/*/)')
    return [], 'folder holds no FITS files'


def night_folders(folder):
    """
    The sub-folders of ``folder`` that hold FITS files (a folder of night folders).

    Parameters
    ----------
    folder : str or `pathlib.Path`

    Returns
    -------
    list of `pathlib.Path`
        In natural order; empty when ``folder`` cannot be listed.
    """
    try:
        subs = [d for d in Path(folder).iterdir() if d.is_dir()]
    except OSError:
        return []
    out = []
    for d in subs:
        try:
            if any(f.name.lower().endswith(FITS_SUFFIXES) for f in d.iterdir()):
                out.append(d)
        except OSError:
            continue
    return sorted(out, key=_natural_key)


def check_inputs(items):
    """
    Refuse a command-line input that names nothing: a folder (or a name without a
    FITS suffix) that does not exist is a usage error, not an unreadable frame.

    Parameters
    ----------
    items : sequence of str or `pathlib.Path`

    Raises
    ------
    pypeit_spit.errors.UsageError
        One line naming the input.
    """
    for item in items:
        p = Path(item)
        if os.path.lexists(p) or p.name.lower().endswith(FITS_SUFFIXES):
            continue
        raise UsageError(f'{item}: no such folder or file')


def _expand(items):
    """
    Expand folders into their FITS files.

    Returns
    -------
    list of (str, str or None)
        Each path and, for a folder that gives no file (empty, or cannot be listed),
        the reason; that folder keeps one row so that nothing given is lost.
    """
    if isinstance(items, (str, Path)):
        items = [items]
    out = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            files, reason = _listing(p)
            if reason is not None:
                out.append((str(item), reason))
            out.extend((str(f), None) for f in files)
        else:
            out.append((str(item), None))
    return out


def expand_paths(items):
    """
    Expand folders into the FITS files they hold (sorted); keep other items as given.

    Parameters
    ----------
    items : str, `pathlib.Path` or sequence of them

    Returns
    -------
    list of str
        Paths, in the order given (a folder's files in natural order: b2 before
        b10). A missing path, a broken symbolic link or a special file is kept so
        that it can be reported in its own row; so is a folder that holds no FITS
        file or cannot be listed. Sub-folders are not searched.
    """
    return [path for path, _ in _expand(items)]


def _key(path):
    return os.path.normpath(os.path.abspath(str(path)))


def display_names(paths, bases):
    """
    Names of frames relative to the folders given.

    Parameters
    ----------
    paths : sequence of str
        File paths.
    bases : sequence of str
        The folders given (for a file given directly: its folder).

    Returns
    -------
    list of str
        Each path relative to the folders' common parent: with one folder, the
        file names; with two nights' folders, ``night1/b1.fits`` and
        ``night2/b1.fits``.
    """
    if not paths:
        return []
    paths = [_key(p) for p in paths]
    bases = [_key(b) for b in bases] or [os.path.dirname(p) for p in paths]
    try:
        root = os.path.commonpath(bases)
    except ValueError:
        root = ''
    out = []
    for p in paths:
        rel = os.path.relpath(p, root) if root else p
        out.append(p if rel.startswith('..') else rel)
    return out


def input_bases(items):
    """
    The folders that file names are shown relative to: each folder given, and the
    folder of each file given.

    Parameters
    ----------
    items : sequence of str or `pathlib.Path`

    Returns
    -------
    list of str
    """
    return [str(i) if os.path.isdir(i) else os.path.dirname(_key(i)) for i in items]


def result_table(n, classes=CLASSES):
    """
    An empty result table with ``n`` rows.

    Parameters
    ----------
    n : int
    classes : sequence of str, optional

    Returns
    -------
    `astropy.table.Table`
    """
    t = Table()
    t['file'] = np.full(n, '', dtype=object)
    t['class'] = np.full(n, UNKNOWN, dtype='U8')
    t['votes'] = np.zeros(n, dtype=int)
    t['prob'] = np.zeros(n, dtype=float)
    for c in classes:
        t[f'prob_{c}'] = np.zeros(n, dtype=float)
    t['voted'] = np.full(n, '', dtype='U8')
    t['loader'] = np.full(n, '', dtype=object)
    t['error'] = np.full(n, '', dtype=object)
    t['flag'] = np.full(n, '', dtype=object)
    t['prob'].format = '.3f'
    for c in classes:
        t[f'prob_{c}'].format = '.3f'
    return t


def _check_arguments(batch_size, threshold, det, workers):
    """Refuse invalid arguments before any frame is read (UsageError)."""
    def whole(name, value):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise UsageError(f'{name} must be a whole number of at least 1, not {value!r}')
    whole('batch_size', batch_size)
    whole('det', det)
    whole('workers', workers)
    if threshold is not None:
        try:
            value = float(threshold)
        except (TypeError, ValueError):
            raise UsageError(f'threshold must be a number in [0, 1], not {threshold!r}') \
                from None
        if not 0.0 <= value <= 1.0:  # also refuses NaN
            raise UsageError(f'threshold must be a number in [0, 1], not {threshold!r}')


#: Frames read and pre-processed together before the network runs on them.
READ_BATCH = 16

#: Batches read ahead of the one the network runs on (their 210x650 images wait in
#: memory: 0.14 MB a frame).
READ_AHEAD = 2

#: Whether frames can be read in forked worker processes (``processes=True``; Linux):
#: pre-processing is CPU work in Python and numpy, which threads share through the
#: interpreter lock, so processes scale with ``workers`` where threads do not. The
#: commands that own their process use them (``pypeit_spit_classify``); elsewhere, and
#: inside PypeIt's process (``pypeit_spit_setup``), frames are read in threads.
PROCESSES_AVAILABLE = (sys.platform.startswith('linux')
                       and 'fork' in multiprocessing.get_all_start_methods())

#: Fewest frames to read for which worker processes are started (fewer: threads).
MIN_FRAMES_FOR_PROCESSES = 4


def _prepare_one(path, spectrograph, det, max_pixels, metadata=False):
    """
    Read and pre-process one frame: ``(Prepared, None)``, or ``(None, reason)`` when it
    cannot be (an unexpected error is logged with its traceback, and still only costs
    this frame). With ``metadata``, a frame read by PypeIt's reader also gets PypeIt's
    header metadata (:func:`pypeit_spit.integration.rules.header_metadata`); its
    headers are not kept.
    """
    try:
        prep = prepare_frame(path, spectrograph=spectrograph, det=det, max_pixels=max_pixels)
        if metadata and prep.headers is not None:
            from pypeit_spit.integration.rules import header_metadata
            try:
                prep.metadata = header_metadata(spectrograph, prep.headers)
            except Exception:   # the rules read the file again, and say what is wrong
                prep.metadata = None
        prep.headers = None
        return prep, None
    except FrameError as exc:
        return None, exc.reason
    except MemoryError:
        return None, 'not enough memory to pre-process it'
    except Exception as exc:  # a bug: never lose the rest of the batch, but show it
        log.warning(f'{path}: unexpected error (please report it):\n'
                    f'{traceback.format_exc()}')
        text = ' '.join(str(exc).split())
        return None, f'internal error ({type(exc).__name__}: {text})'


def _settings_key(spectrograph, det, max_pixels):
    """What a frame read ahead must have been read with to be used: the spectrograph's
    name, the detector and the size limit."""
    name = None if spectrograph is None else getattr(spectrograph, 'name', str(spectrograph))
    return name, det, size_limit(max_pixels)


def _infer_one(model, prep):
    """The network on one pre-processed frame (:func:`pypeit_spit.model.inference.infer`)."""
    return infer(model, prep.image[None], prep.stats[None] if model.uses_stats else None)


def _libc(function):
    """A function of the C library (through ctypes), or None where there is none
    (not glibc: ``malloc_trim``, ``mallopt``; not Linux: ``prctl``)."""
    try:
        import ctypes
        return getattr(ctypes.CDLL(None, use_errno=True), function)
    except (OSError, AttributeError):
        return None


def _release_memory():
    """Hand the memory freed by reading frames back to the system (glibc otherwise
    keeps it in each reading thread's heap). Once, when the reading ends: after every
    frame, each frame's arrays were faulted in again (3.7 of 38 ms of CPU per Kast
    frame) for 6 MiB less peak memory in setup."""
    malloc_trim = _libc('malloc_trim')
    if malloc_trim is not None:
        malloc_trim(0)


#: glibc's ``mallopt`` parameters M_TRIM_THRESHOLD and M_MMAP_THRESHOLD.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3

#: Largest freed memory kept for reuse by :func:`keep_freed_memory`.
HEAP_KEPT = 1 << 30


def keep_freed_memory():
    """
    Let this process's memory allocator keep the memory of one frame for the next.

    glibc otherwise maps every large array afresh and hands it back when freed, so
    that each of its pages is faulted in again for the next frame (~1,000 page faults
    and ~3 ms of system time per Kast frame). The peak memory, that of the largest
    frame, is the same; the memory is kept until the process ends. For processes that
    a command owns: the reading processes, ``pypeit_spit_classify`` and
    ``pypeit_spit_setup`` (glibc only; elsewhere nothing changes).
    """
    mallopt = _libc('mallopt')
    if mallopt is not None:
        mallopt(_M_TRIM_THRESHOLD, HEAP_KEPT)
        if not mallopt(_M_MMAP_THRESHOLD, HEAP_KEPT):
            mallopt(_M_MMAP_THRESHOLD, 32 << 20)   # older glibc's largest


def _end_reader(signum, frame):
    """A reading process told to end (SIGTERM: its command was killed or ended it):
    the plain copy of the frame it was reading is removed, then it exits."""
    from pypeit_spit.preprocess.load import remove_plain_copies
    remove_plain_copies()
    os._exit(128 + signum)


def _start_reader(parent):
    """
    Set up a reading process: it ends when the process that started it ends (Linux),
    so that no reader outlives a killed command, and leaves no temporary copy behind
    when it is ended (:func:`_end_reader`); it leaves Ctrl-C to that process (which
    stops the reading and reports the interruption once), and it keeps freed memory
    for its next frame (:func:`keep_freed_memory`).
    """
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_reader)
    prctl = _libc('prctl')
    if prctl is not None:
        prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    if os.getppid() != parent:        # it ended before the line above
        os._exit(0)
    keep_freed_memory()


class _Reader:
    """
    Reads and pre-processes ``n_frames`` frames (:func:`_prepare_one`) in ``workers``
    forked processes when ``processes`` is asked for, :data:`PROCESSES_AVAILABLE` and
    there are at least :data:`MIN_FRAMES_FOR_PROCESSES` frames; otherwise (or when
    processes cannot be started) in threads.

    Only the 210x650 image and the statistics of a frame come back from a process. A
    frame whose process died (killed, crashed) is read again in this process, so that
    no frame is lost.
    """

    def __init__(self, workers, processes, n_frames):
        self.processes = False
        self._pool = None
        if processes and PROCESSES_AVAILABLE and n_frames >= MIN_FRAMES_FOR_PROCESSES:
            try:
                pool = ProcessPoolExecutor(max_workers=workers,
                                           mp_context=multiprocessing.get_context('fork'),
                                           initializer=_start_reader,
                                           initargs=(os.getpid(),))
                with warnings.catch_warnings():
                    # Python >= 3.12 warns of fork() in a process with threads (numpy's
                    # BLAS, ONNX Runtime): the children only read files with numpy,
                    # astropy and PypeIt, and never touch those threads' state.
                    warnings.filterwarnings('ignore', message='.*use of fork',
                                            category=DeprecationWarning)
                    pool.submit(int)   # starts every process now, from this thread
                self._pool, self.processes = pool, True
            except (OSError, ValueError, RuntimeError) as exc:
                log.warning(f'cannot start processes to read frames ({exc}); reading them '
                            'in threads')
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=workers,
                                            thread_name_prefix='pypeit_spit_read')
        self._broken = False

    def submit(self, path, spectrograph, det, max_pixels, metadata=False):
        """Start reading ``path``; a handle for :meth:`result`."""
        args = (str(path), spectrograph, det, max_pixels, metadata)
        try:
            return self._pool.submit(_prepare_one, *args), args
        except (BrokenProcessPool, RuntimeError):   # broken or shut down: read it later
            return None, args

    def result(self, handle):
        """The ``(Prepared, reason)`` of a frame (waiting for it)."""
        future, args = handle
        if future is not None:
            try:
                return future.result()
            except BrokenProcessPool:
                if not self._broken:
                    self._broken = True
                    log.warning('a process reading frames died; its frames are read again '
                                'here')
            except CancelledError:
                pass
        return _prepare_one(*args)

    def close(self):
        """Stop reading (frames not started are dropped), end the workers, and hand
        the memory the reading threads kept back to the system."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        if not self.processes:
            _release_memory()


class Prefetch:
    """
    Read, pre-process and (given a model) run the network on frames in the background
    before they are classified.

    ``pypeit_spit_setup`` starts one as soon as it knows the night's files, so that
    the pixels are read and the network run (in threads; numpy, zlib and ONNX Runtime
    release the interpreter lock) while PypeIt reads the headers;
    :func:`classify_files` (``prefetch=``) then takes the frames from it. Only the
    statistics and the network's outputs of a frame are kept (and its 210x650 image,
    0.14 MB, until the network ran on it), for at most ``limit`` frames; the rest are
    read by :func:`classify_files` itself. The answers are the same either way: the
    network runs on each frame alone (:func:`pypeit_spit.model.inference.infer`).

    Parameters
    ----------
    paths : sequence of str or `pathlib.Path`
        Files, in the order they will be asked for.
    spectrograph : str, Spectrograph or None, optional
        As for :func:`classify_files`.
    det : int, optional
    max_pixels : int or None, optional
    workers : int, optional
        Reading processes (or threads).
    limit : int, optional
        Most frames read ahead.
    model : str, `pathlib.Path`, SpitModel or None, optional
        The model :func:`classify_files` will be given (None: the bundled default).
    network : bool, optional
        Run the network on each frame as it is read (False: only read).
    keep_images : bool, optional
        Keep the 210x650 image of a frame the network ran on (for ``on_prepared``
        callers); without it, such a frame asked for with another model or for its
        image is read again.
    processes : bool, optional
        Read in forked worker processes (where :data:`PROCESSES_AVAILABLE`, for at
        least :data:`MIN_FRAMES_FOR_PROCESSES` frames) instead of threads.

    Examples
    --------
    >>> with Prefetch(files, 'shane_kast_blue') as ahead:       # doctest: +SKIP
    ...     table = classify_files(files, 'shane_kast_blue', prefetch=ahead)
    """

    def __init__(self, paths, spectrograph=None, det=1, max_pixels=None, workers=2,
                 limit=256, model=None, network=True, keep_images=False, processes=False):
        _check_arguments(READ_BATCH, None, det, workers)
        spec = get_spectrograph(spectrograph) if spectrograph is not None else None
        self._key = _settings_key(spec, det, max_pixels)
        limit_pixels = self._key[2]
        first = {}
        for path in list(paths)[:limit]:
            first.setdefault(os.path.realpath(path), str(path))
        keys = list(first.items())
        self._reader = _Reader(workers, processes, len(keys))
        # (key, reading handle, what take() waits for), never changed once made
        self._frames = [(key, self._reader.submit(path, spec, det, limit_pixels), Future())
                        for key, path in keys]
        self._futures = {key: future for key, _, future in self._frames}
        #: The model the network ran with (None until loaded, or without one).
        self.model = None
        self._model_ref = model
        self._network = network
        self._keep_images = keep_images
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name='pypeit_spit_prefetch',
                                        daemon=True)
        self._thread.start()

    def _run(self):
        """Collect each frame as it is read; run the network on it."""
        try:
            if self._network:
                try:   # the cached model classify_files will be given
                    self.model = get_model(self._model_ref)
                except Exception:   # classify_files reports a bad model itself
                    self.model = None
            for _, handle, future in self._frames:
                if self._stop.is_set():
                    break
                prep, error = self._reader.result(handle)
                net = None
                if self.model is not None and prep is not None and not prep.flag:
                    try:
                        net = _infer_one(self.model, prep)
                    except Exception:   # classify_files runs it again, and reports it
                        net = None
                if net is not None and not self._keep_images:
                    prep.image = None   # memory flat in the number of frames read ahead
                future.set_result((prep, error, net))
        finally:
            for _, _, future in self._frames:
                if not future.done():
                    future.set_result(None)

    def holds(self, path, spectrograph, det, max_pixels):
        """Whether ``path`` is read ahead for these settings (and not taken yet)."""
        return (_settings_key(spectrograph, det, max_pixels) == self._key
                and os.path.realpath(path) in self._futures)

    def take(self, path, spectrograph, det, max_pixels, model=None, need_image=False):
        """
        What was read ahead for ``path`` with the same spectrograph, detector and size
        limit (waiting for it if need be): ``(Prepared, reason, Inference or None)``,
        the network's output only for the same ``model`` object; None when the frame
        was not read ahead for these settings, or its image, needed (``need_image``,
        or another model), was not kept.
        """
        if _settings_key(spectrograph, det, max_pixels) != self._key:
            return None
        future = self._futures.pop(os.path.realpath(path), None)
        done = None if future is None else future.result()
        if done is None:
            return None
        prep, error, net = done
        net = net if model is not None and model is self.model else None
        if prep is not None and prep.image is None and (need_image or net is None):
            return None
        return prep, error, net

    def close(self):
        """Stop reading ahead (frames never asked for are dropped)."""
        self._stop.set()
        self._reader.close()
        self._thread.join()
        self._futures = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def classify_files(paths, spectrograph=None, model=None, batch_size=READ_BATCH, threshold=None,
                   progress=False, det=1, workers=2, max_pixels=None, on_prepared=None,
                   prefetch=None, processes=False, header_metadata=False):
    """
    Type raw frames from their pixels.

    Frames are read and pre-processed ``batch_size`` at a time (by ``workers``
    processes or threads, :data:`READ_AHEAD` batches ahead of the network), and each
    is sent through the network as it comes (with its three flips;
    :data:`pypeit_spit.model.inference.DEFAULT_BATCH_SIZE` frames per call), so a
    whole night is never held in memory. A frame that cannot be read or
    pre-processed gets class ``unknown`` and a one-line reason in the ``error``
    column; a frame whose pixels are no calibration at all (dead, constant,
    saturated) gets class ``unknown`` and the reason in the ``flag`` column; the
    others are still classified. Every path given keeps a row: a missing file, a
    broken symbolic link, an empty folder.

    Parameters
    ----------
    paths : str, `pathlib.Path` or sequence
        Files and/or folders (folders are expanded into their FITS files).
    spectrograph : str, Spectrograph or None, optional
        PypeIt spectrograph used to read the pixels; None reads the first 2-D HDU.
        A file PypeIt's reader refuses is read by the generic loader, and its
        ``loader`` says so.
    model : str, `pathlib.Path`, SpitModel or None, optional
        Model name, path, or loaded model; None is the bundled default.
    batch_size : int, optional
        Frames read and pre-processed together (at least 1).
    threshold : float or None, optional
        Least mean probability of the winning class, replacing the model's own
        (per-class) cut; None keeps the model's; 0 takes every 3-of-4 vote winner.
    progress : bool, optional
        Show a progress bar on stderr (tqdm; only on a terminal, for 6 files or
        more).
    det : int, optional
        Detector read by the PypeIt loader.
    workers : int, optional
        Processes (or threads) that read and pre-process frames.
    max_pixels : int or None, optional
        Size limit: larger frames are read binned
        (:func:`pypeit_spit.preprocess.load.size_limit`; default
        :data:`pypeit_spit.preprocess.load.DEFAULT_MAX_PIXELS`).
    on_prepared : callable or None, optional
        Called as ``on_prepared(index, prepared)`` with each frame's
        :class:`~pypeit_spit.preprocess.frame.Prepared` (e.g. to draw it), in this
        thread, batch by batch.
    prefetch : Prefetch or None, optional
        Frames already being read in the background (:class:`Prefetch`); those it
        holds for the same spectrograph, detector and size limit are taken from it
        (with the network's output when it ran the same model), the others are read
        here. The result is the same either way.
    processes : bool, optional
        Read frames in forked worker processes (where :data:`PROCESSES_AVAILABLE`,
        for at least :data:`MIN_FRAMES_FOR_PROCESSES` frames) instead of threads:
        faster with more ``workers``, for a caller that owns its process (a command;
        not a notebook or PypeIt's own process). The result is the same either way.
    header_metadata : bool, optional
        With a spectrograph: give each frame's
        :class:`~pypeit_spit.preprocess.frame.Prepared` (``on_prepared``) PypeIt's
        header metadata of it (``metadata``,
        :func:`pypeit_spit.integration.rules.header_metadata`), read from the headers
        PypeIt's reader parsed (None for a frame it did not read, or read ahead).

    Returns
    -------
    `astropy.table.Table`
        One row per file, in input order: ``file``, ``class``, ``votes``, ``prob``
        (mean probability of the answer's class, or the largest when Unknown),
        ``prob_<class>`` for each class, ``voted`` (the most-voted class, also when
        the answer is Unknown), ``loader``, ``error`` and ``flag``. Its ``meta``
        records the model and its Unknown cut per class.

    Raises
    ------
    pypeit_spit.errors.UsageError
        An unknown spectrograph name or an invalid argument (the whole call is
        wrong, not one frame).
    pypeit_spit.errors.ModelError
        No usable model.
    """
    _check_arguments(batch_size, threshold, det, workers)
    max_pixels = size_limit(max_pixels)
    entries = _expand(paths)
    files = [path for path, _ in entries]
    spit_model = get_model(model)
    spectrograph = get_spectrograph(spectrograph) if spectrograph is not None else None
    table = result_table(len(files), spit_model.classes)
    table['file'] = files
    bar = console_progress(len(files), progress)

    def ahead(i):
        return prefetch is not None and prefetch.holds(files[i], spectrograph, det, max_pixels)

    to_read = [i for i in range(len(files)) if entries[i][1] is None and not ahead(i)]
    reader = _Reader(workers, processes, len(to_read)) if to_read else None
    reading = set(to_read)
    metadata = bool(header_metadata) and spectrograph is not None

    def submit(batch):
        return {i: reader.submit(files[i], spectrograph, det, max_pixels, metadata)
                for i in batch if i in reading}

    def collect(i, handles):
        """``(Prepared, reason, Inference or None)`` of frame ``i``."""
        if entries[i][1] is not None:
            return None, entries[i][1], None
        done = None
        if i in handles:
            done = reader.result(handles[i]) + (None,)
        elif prefetch is not None:
            done = prefetch.take(files[i], spectrograph, det, max_pixels, model=spit_model,
                                 need_image=on_prepared is not None)
        if done is None:       # not read ahead after all (stopped, or its image not kept)
            done = _prepare_one(files[i], spectrograph, det, max_pixels, metadata) + (None,)
        prep = done[0]
        if prep is not None:
            prep.path = files[i]
            if on_prepared is not None:
                on_prepared(i, prep)
        return done

    # Processes (or threads) read and pre-process READ_AHEAD batches ahead of the one
    # the network runs on (frame by frame, as each comes), so that neither waits for
    # the other.
    batches = [range(start, min(start + batch_size, len(files)))
               for start in range(0, len(files), batch_size)]
    try:
        pending = [submit(batch) for batch in batches[:1 + READ_AHEAD]]
        for k, batch in enumerate(batches):
            current = pending.pop(0)
            if k + 1 + READ_AHEAD < len(batches):
                pending.append(submit(batches[k + 1 + READ_AHEAD]))
            idx, nets = [], []
            for i in batch:
                prep, error, net = collect(i, current)
                if error is not None:
                    table['error'][i] = scrub(error)
                    log.warning(f'{files[i]}: cannot classify: {error}')
                    continue
                table['loader'][i] = prep.loader
                if prep.flag:
                    table['flag'][i] = prep.flag
                    log.warning(f'{files[i]}: {prep.flag}')
                    continue
                idx.append(i)
                nets.append(net if net is not None else _infer_one(spit_model, prep))
            _fill(table, idx, nets, spit_model, threshold)
            bar.update(len(batch))
            stop.check()   # a signal caught by a library's bare except ends the typing
    finally:
        if reader is not None:
            reader.close()
    bar.close()
    table.meta['model'] = str(spit_model.path)
    table.meta['cuts'] = {c: float(v) for c, v in zip(spit_model.classes,
                                                       spit_model.cuts(threshold))}
    return table


def _fill(table, idx, nets, spit_model, threshold):
    """Write the rows ``idx`` of one batch from the network's output on each of its
    frames (:func:`_infer_one`)."""
    if not idx:
        return
    result = concatenate(nets)
    pred = result.decide(threshold)
    prob = result.answer_probs(pred)
    for j, i in enumerate(idx):
        table['class'][i] = UNKNOWN if pred[j] < 0 else spit_model.classes[pred[j]]
        table['votes'][i] = result.votes[j]
        table['voted'][i] = spit_model.classes[result.winner[j]]
        table['prob'][i] = prob[j]
        for k, c in enumerate(spit_model.classes):
            table[f'prob_{c}'][i] = result.probs[j, k]


def format_table(table, names=None, rules=None):
    """
    Readable lines for a classification table: file, class, votes, probability and
    error; with ``rules``, the header rules' type beside SPIT's and a ``!`` on the
    rows where they name different classes.

    Parameters
    ----------
    table : `astropy.table.Table`
        Output of :func:`classify_files`.
    names : sequence of str or None, optional
        The names to show (default: the file names, :func:`display_names`).
    rules : sequence of str or None, optional
        PypeIt's header-rule frame types of each row (``''`` untyped, None where
        PypeIt could not read the header).

    Returns
    -------
    list of str
    """
    if names is None:
        names = [Path(str(f)).name for f in table['file']]
    shown = Table()
    shown['file'] = [str(n) for n in names] or np.zeros(0, dtype='U4')
    shown['class'] = [str(c) for c in table['class']] or np.zeros(0, dtype='U5')
    shown['votes'] = [f'{int(v)}/4' for v in table['votes']] or np.zeros(0, dtype='U5')
    shown['prob'] = [format_prob(p) for p in table['prob']] or np.zeros(0, dtype='U5')
    n_differ = 0
    if rules is not None:
        differ = []
        for j, row in enumerate(table):
            cls = str(row['class'])
            d = bool(rules[j] and cls != UNKNOWN and class_of_frametypes(rules[j]) != cls)
            differ.append('!' if d else '')
        n_differ = differ.count('!')
        shown['header rules'] = ['?' if r is None else (r or '-') for r in rules] \
            or np.zeros(0, dtype='U1')
        shown['!'] = differ or np.zeros(0, dtype='U1')
    shown['error'] = [str(row['error'] or (row['flag'] if 'flag' in row.colnames else ''))
                      for row in table] or np.zeros(0, dtype='U1')
    for name in shown.colnames:
        if name != 'prob':
            shown[name].info.format = '<'
    lines = [line.rstrip() for line in shown.pformat(max_lines=-1, max_width=-1)]
    if rules is not None and n_differ:
        lines.append(f'! {n_differ} frame(s) where SPIT and the header rules name different '
                     'classes: look at them (pypeit_spit_png --annotate, '
                     'pypeit_spit_gallery) before reducing')
    return lines
