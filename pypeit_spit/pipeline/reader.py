"""
The one reading pool: frames read and pre-processed (:func:`prepare_one`) in forked
processes or threads (:class:`Reader`), read ahead in the background
(:class:`Prefetch`), with the memory tuning of the processes that read them.
"""
import multiprocessing
import os
import sys
import threading
import traceback
import warnings
from concurrent.futures import (CancelledError, Future, ProcessPoolExecutor,
                                ThreadPoolExecutor)
from concurrent.futures.process import BrokenProcessPool

import numpy as np
from pypeit import log

from pypeit_spit.defaults import DEFAULTS
from pypeit_spit.errors import FrameError, PixelError, UsageError
from pypeit_spit.io.loaded import size_limit
from pypeit_spit.io.plain_copy import remove_plain_copies
from pypeit_spit.io.spectrograph import get_spectrograph
from pypeit_spit.model.inference import infer
from pypeit_spit.model.store import get_model
from pypeit_spit.pipeline.prepare import Prepared, prepare_frame
from pypeit_spit.preprocess.contract import IMAGE_SHAPE, STAT_NAMES

__all__ = ['PROCESSES_AVAILABLE', 'MIN_FRAMES_FOR_PROCESSES', 'check_arguments',
           'prepare_one', 'no_data', 'settings_key', 'infer_one', 'keep_freed_memory', 'Reader',
           'Prefetch']


def check_arguments(batch_size=1, threshold=None, det=1, workers=1):
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


#: Whether frames can be read in forked worker processes (``processes=True``; Linux):
#: pre-processing is CPU work in Python and numpy, which threads share through the
#: interpreter lock, so processes scale with ``workers`` where threads do not. The
#: commands that own their process use them (``pypeit_spit_classify``); elsewhere, and
#: inside PypeIt's process (``pypeit_spit_setup``), frames are read in threads.
PROCESSES_AVAILABLE = (sys.platform.startswith('linux')
                       and 'fork' in multiprocessing.get_all_start_methods())

#: Fewest frames to read for which worker processes are started (fewer: threads).
MIN_FRAMES_FOR_PROCESSES = 4


def prepare_one(path, spectrograph, det, max_pixels, extract=None):
    """
    Read and pre-process one frame: ``(Prepared, None)``, or ``(None, reason)`` when it
    cannot be (an unexpected error is logged with its traceback, and still only costs
    this frame); a frame whose pixel values are no data
    (:class:`~pypeit_spit.errors.PixelError`) is a flagged :func:`no_data` frame. With ``extract``, a frame read by PypeIt's reader also gets
    ``extract(spectrograph, headers)`` as its ``metadata`` (e.g. PypeIt's header
    metadata, :func:`pypeit_spit.integration.rules.header_metadata`; None when it
    fails); its headers are not kept.
    """
    try:
        prep = prepare_frame(path, spectrograph=spectrograph, det=det, max_pixels=max_pixels)
        if extract is not None and prep.headers is not None:
            try:
                prep.metadata = extract(spectrograph, prep.headers)
            except Exception:   # the caller reads the file again, and says what is wrong
                prep.metadata = None
        prep.headers = None
        return prep, None
    except PixelError as exc:   # read, but its pixel values are no data: a quality flag
        return no_data(path, exc.reason), None
    except FrameError as exc:
        return None, exc.reason
    except MemoryError:
        return None, 'not enough memory to pre-process it'
    except Exception as exc:  # a bug: never lose the rest of the batch, but show it
        log.warning(f'{path}: unexpected error (please report it):\n'
                    f'{traceback.format_exc()}')
        text = ' '.join(str(exc).split())
        return None, f'internal error ({type(exc).__name__}: {text})'


def no_data(path, reason):
    """
    The :class:`~pypeit_spit.pipeline.prepare.Prepared` of a frame whose pixel values
    are no data (all NaN, infinite...): flagged ``no calibration`` with ``reason``, a
    blank image (never given to the network) and no header metadata.
    """
    return Prepared(path=str(path), image=np.zeros(IMAGE_SHAPE, dtype=np.uint8),
                    stats=np.zeros(len(STAT_NAMES), dtype=np.float32), loader='',
                    rows=slice(0, 0), flag=f'no calibration: {reason}')


def settings_key(spectrograph, det, max_pixels):
    """What a frame read ahead must have been read with to be used: the spectrograph's
    name, the detector and the size limit."""
    name = None if spectrograph is None else getattr(spectrograph, 'name', str(spectrograph))
    return name, det, size_limit(max_pixels)


def infer_one(model, prep):
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


class Reader:
    """
    Reads and pre-processes ``n_frames`` frames (:func:`prepare_one`) in ``workers``
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

    def submit(self, path, spectrograph, det, max_pixels, extract=None):
        """Start reading ``path`` (:func:`prepare_one`); a handle for :meth:`result`."""
        args = (str(path), spectrograph, det, max_pixels, extract)
        try:
            return self._pool.submit(prepare_one, *args), args
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
        return prepare_one(*args)

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
    :func:`~pypeit_spit.pipeline.classify.classify_files` (``prefetch=``) then takes the frames from it. Only the
    statistics and the network's outputs of a frame are kept (and its 210x650 image,
    0.14 MB, until the network ran on it), for at most ``limit`` frames; the rest are
    read by :func:`~pypeit_spit.pipeline.classify.classify_files` itself. The answers are the same either way: the
    network runs on each frame alone (:func:`pypeit_spit.model.inference.infer`).

    Parameters
    ----------
    paths : sequence of str or `pathlib.Path`
        Files, in the order they will be asked for.
    spectrograph : str, Spectrograph or None, optional
        As for :func:`~pypeit_spit.pipeline.classify.classify_files`.
    det : int, optional
    max_pixels : int or None, optional
    workers : int, optional
        Reading processes (or threads).
    limit : int, optional
        Most frames read ahead.
    model : str, `pathlib.Path`, SpitModel or None, optional
        The model :func:`~pypeit_spit.pipeline.classify.classify_files` will be given (None: the bundled default).
    network : bool, optional
        Run the network on each frame as it is read (False: only read).
    keep_images : bool, optional
        Keep the 210x650 image of a frame the network ran on (for ``on_prepared``
        callers); without it, such a frame asked for with another model or for its
        image is read again.
    processes : bool, optional
        Read in forked worker processes (where :data:`PROCESSES_AVAILABLE`, for at
        least :data:`MIN_FRAMES_FOR_PROCESSES` frames) instead of threads.
    model_budget : float, optional
        Seconds the model's first run may take when it is loaded
        (:func:`pypeit_spit.model.store.get_model`).

    Examples
    --------
    >>> with Prefetch(files, 'shane_kast_blue') as ahead:       # doctest: +SKIP
    ...     verdicts = classify_files(files, 'shane_kast_blue', prefetch=ahead)
    """

    def __init__(self, paths, spectrograph=None, det=1, max_pixels=None, workers=2,
                 limit=256, model=None, network=True, keep_images=False, processes=False,
                 model_budget=DEFAULTS.model_budget):
        check_arguments(det=det, workers=workers)
        spec = get_spectrograph(spectrograph) if spectrograph is not None else None
        self._key = settings_key(spec, det, max_pixels)
        limit_pixels = self._key[2]
        first = {}
        for path in list(paths)[:limit]:
            first.setdefault(os.path.realpath(path), str(path))
        keys = list(first.items())
        self._reader = Reader(workers, processes, len(keys))
        # (key, reading handle, what take() waits for), never changed once made
        self._frames = [(key, self._reader.submit(path, spec, det, limit_pixels), Future())
                        for key, path in keys]
        self._futures = {key: future for key, _, future in self._frames}
        #: The model the network ran with (None until loaded, or without one).
        self.model = None
        self._model_ref = model
        self._model_budget = model_budget
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
                    self.model = get_model(self._model_ref, model_budget=self._model_budget)
                except Exception:   # classify_files reports a bad model itself
                    self.model = None
            for _, handle, future in self._frames:
                if self._stop.is_set():
                    break
                prep, error = self._reader.result(handle)
                net = None
                if self.model is not None and prep is not None and not prep.flag:
                    try:
                        net = infer_one(self.model, prep)
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
        return (settings_key(spectrograph, det, max_pixels) == self._key
                and os.path.realpath(path) in self._futures)

    def take(self, path, spectrograph, det, max_pixels, model=None, need_image=False):
        """
        What was read ahead for ``path`` with the same spectrograph, detector and size
        limit (waiting for it if need be): ``(Prepared, reason, Inference or None)``,
        the network's output only for the same ``model`` object; None when the frame
        was not read ahead for these settings, or its image, needed (``need_image``,
        or another model), was not kept.
        """
        if settings_key(spectrograph, det, max_pixels) != self._key:
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
