"""
An archive run: walk the roots, leave out the nights the catalog already holds, send
one task per night folder to the workers, and commit each night's rows as they come
(the driver is the catalog's single writer).

Workers are local processes by default (no server: :class:`LocalWorkers`), or a
dask.distributed cluster (:class:`DaskWorkers`: ``dask scheduler`` + ``dask worker``,
or a dask-jobqueue cluster); the task (:func:`pypeit_spit.archive.night.type_night`)
and its rows are the same either way. A worker that dies costs its task a retry, not
the run: a task is tried :data:`MAX_ATTEMPTS` times, then its frames get rows saying so.
"""
import collections
import logging
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from pypeit import log

from pypeit_spit import stop
from pypeit_spit.archive.catalog import Catalog
from pypeit_spit.archive.identify import GENERIC
from pypeit_spit.archive.night import TypingOptions, failed_rows, model_identity, type_night
from pypeit_spit.archive.walk import find_nights
from pypeit_spit.errors import UsageError

__all__ = ['MAX_ATTEMPTS', 'LOG_EVERY', 'RunReport', 'LocalWorkers', 'DaskWorkers',
           'pending_nights', 'type_archive']

#: Tries of a task whose worker dies (dask.distributed's own default, ``allowed-failures``
#: 3, counts the same way).
MAX_ATTEMPTS = 3

#: Frames between two progress lines in the log when not on a terminal.
LOG_EVERY = 500


@dataclass
class RunReport:
    """
    What an archive run did.

    Attributes
    ----------
    nights, frames : int
        Night folders and frames found under the roots.
    skipped : int
        Frames left as the catalog holds them (same path, size, modification time and
        model version).
    typed : int
        Frames typed and committed by this run.
    outcomes : collections.Counter
        ``source`` of the rows committed.
    failed_tasks : list of str
        Night folders whose worker died every time.
    seconds : float
    """
    nights: int = 0
    frames: int = 0
    skipped: int = 0
    typed: int = 0
    outcomes: collections.Counter = field(default_factory=collections.Counter)
    failed_tasks: list = field(default_factory=list)
    seconds: float = 0.0


def _quiet_log():
    """An archive worker's log: PypeIt's warnings and errors only, not its line per file
    (the driver reports the progress)."""
    log.setLevel(max(log.level, logging.WARNING))


def _dask_worker_init():
    """Each Dask worker, once (:func:`_dask_worker_setup`): its memory allocator keeps one
    frame's memory for the next, as the reading processes' does, and the log is quiet."""
    from pypeit_spit.pipeline.reader import keep_freed_memory
    keep_freed_memory()
    _quiet_log()


def _worker_init(parent):
    """Each local worker: set up as the reading pool's processes are (it ends when the
    driver ends, ``kill -9`` included; Ctrl-C is the driver's; no temporary copy left
    behind), one thread for numerical libraries (ONNX Runtime already runs one), and
    warnings and errors only in the log (the driver reports the progress)."""
    from pypeit_spit.pipeline.reader import _start_reader
    _start_reader(parent)
    _quiet_log()
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[var] = '1'


class LocalWorkers:
    """
    Local worker processes (forked where the system allows), no server.

    Parameters
    ----------
    workers : int
    """

    def __init__(self, workers):
        self.workers = max(1, int(workers))

    def _pool(self):
        import multiprocessing
        method = 'fork' if 'fork' in multiprocessing.get_all_start_methods() else 'spawn'
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context(method),
                                   initializer=_worker_init, initargs=(os.getpid(),))

    def run(self, tasks):
        """
        Run the tasks; yield ``(task, rows)`` as each is done (any order).

        A task whose worker dies is tried again in a new pool, up to
        :data:`MAX_ATTEMPTS` times; then its rows say so.
        """
        pending = collections.deque(tasks)
        attempts = collections.Counter()
        while pending:
            pool = self._pool()
            inflight = {}
            try:
                while pending or inflight:
                    while pending and len(inflight) < 2 * self.workers:
                        task = pending.popleft()
                        inflight[pool.submit(type_night, task)] = task
                    done, _ = wait(inflight, timeout=1.0, return_when=FIRST_COMPLETED)
                    stop.check()
                    for fut in done:
                        task = inflight.pop(fut)
                        try:
                            rows = fut.result()
                        except BrokenProcessPool:
                            inflight[fut] = task
                            raise
                        except Exception as exc:   # a bug in the task: said in its rows
                            rows = failed_rows(task, f'the task failed: {type(exc).__name__}: '
                                                     f'{exc}')
                        yield task, rows
            except BrokenProcessPool:
                for task in inflight.values():
                    attempts[task[0].folder] += 1
                    if attempts[task[0].folder] >= MAX_ATTEMPTS:
                        log.warning(f'{task[0].folder}: its worker died {MAX_ATTEMPTS} times')
                        yield task, failed_rows(task, f'the worker died on this night '
                                                      f'{MAX_ATTEMPTS} times')
                    else:
                        log.warning(f'{task[0].folder}: a worker died; trying it again')
                        pending.appendleft(task)
            finally:
                pool.shutdown(wait=False, cancel_futures=True)


def _dask_worker_setup():
    """
    A dask.distributed worker plugin that sets each worker up as the local workers are
    (:func:`_worker_init`): its memory allocator keeps one frame's memory for the next
    (:func:`pypeit_spit.pipeline.reader.keep_freed_memory`: Dask's nanny starts its
    workers with ``MALLOC_TRIM_THRESHOLD_=65536``, so that every large array of every
    frame was mapped afresh and faulted in again), and PypeIt's log keeps warnings and
    errors only (not a line per file). Registered by the client for the cluster's
    workers, those that join later included.
    """
    from distributed import WorkerPlugin

    class ArchiveWorkerSetup(WorkerPlugin):
        name = 'pypeit_spit_archive_setup'

        def setup(self, worker):
            # imported on the worker: this class travels by value, and a name of this
            # module it used (PypeIt's logger) would travel pickled with it
            from pypeit_spit.archive.run import _dask_worker_init
            _dask_worker_init()

    return ArchiveWorkerSetup()


class DaskWorkers:
    """
    The workers of a dask.distributed cluster.

    Parameters
    ----------
    scheduler : str or `distributed.Client`
        The scheduler's address (``tcp://host:8786``), or a client.
    """

    def __init__(self, scheduler):
        self.scheduler = scheduler

    def run(self, tasks):
        """Run the tasks on the cluster; yield ``(task, rows)`` as each is done. A task
        is retried where its worker died (the scheduler's ``allowed-failures``)."""
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise UsageError('--scheduler needs dask.distributed: pip install '
                             '"pypeit-spit[archive]"') from None
        own = not hasattr(self.scheduler, 'submit')
        try:
            client = Client(self.scheduler, timeout=30) if own else self.scheduler
        except OSError as exc:
            raise UsageError(f'{self.scheduler}: cannot reach the Dask scheduler ({exc})') \
                from None
        try:
            client.register_plugin(_dask_worker_setup())
            futures = {}
            for task in tasks:
                fut = client.submit(type_night, task, pure=False,
                                    key=f'pypeit_spit_archive-{task[0].folder}-{time.time_ns()}')
                futures[fut] = task
            for fut in as_completed(list(futures)):
                task = futures.pop(fut)
                try:
                    rows = fut.result()
                except Exception as exc:   # KilledWorker, or a bug in the task
                    log.warning(f'{task[0].folder}: {type(exc).__name__}: {exc}')
                    rows = failed_rows(task, f'the task failed on the cluster: '
                                             f'{type(exc).__name__}: {exc}')
                fut.release()
                stop.check()
                yield task, rows
        finally:
            if own:
                client.close()


def pending_nights(nights, known, options, redo=False):
    """
    The nights a run must type: those with a frame the catalog does not hold with the
    same size, modification time and model version, largest first (by bytes, then
    folder name): the last tasks of a run are then its smallest, so that no worker
    waits long for another at the end.

    Parameters
    ----------
    nights : sequence of `~pypeit_spit.archive.walk.NightFolder`
    known : dict
        :meth:`~pypeit_spit.archive.catalog.Catalog.known`.
    options : `~pypeit_spit.archive.night.TypingOptions`
    redo : bool, optional
        Every night.

    Returns
    -------
    list of NightFolder
        Largest first.
    """
    versions = {}

    def version(spectrograph):
        name = options.spectrograph or spectrograph or GENERIC
        if name not in versions:
            versions[name] = model_identity(options.config(name).model)[1]
        return versions[name]

    out = []
    for night in nights:
        for path, size, mtime_ns in night.files:
            held = known.get(path)
            if redo or held is None or held[0] != size or held[1] != mtime_ns \
                    or held[2] != version(held[3]):
                out.append(night)
                break
    return sorted(out, key=lambda n: (-n.n_bytes, n.folder))


class _Progress:
    """tqdm on a terminal; a log line every ``every`` frames otherwise."""

    def __init__(self, total, every, enabled):
        from pypeit_spit.console import _is_terminal, progress
        self.total, self.every, self.done, self.start = total, every, 0, time.time()
        self.terminal = enabled and _is_terminal(sys.stderr)
        self.bar = progress(total, enabled=self.terminal, desc='pypeit_spit_archive',
                            minimum=1)
        self.next = every

    def update(self, n):
        self.done += n
        self.bar.update(n)
        if not self.terminal and self.every and (self.done >= self.next
                                                 or self.done == self.total):
            rate = self.done / max(time.time() - self.start, 1e-9)
            eta = (self.total - self.done) / rate if rate > 0 else float('inf')
            log.info(f'{self.done}/{self.total} frames, {rate:.2f} frames/s, '
                     f'{eta / 60:.1f} min left')
            while self.next <= self.done:
                self.next += self.every

    def close(self):
        self.bar.close()


def type_archive(roots, catalog, workers=1, scheduler=None, options=None, redo=False,
                 progress=True, log_every=LOG_EVERY):
    """
    Type every frame of an archive into a catalog, resumably.

    Parameters
    ----------
    roots : sequence of str or `pathlib.Path`
        The archive's folders (night folders at any depth).
    catalog : str or `pathlib.Path`
        The catalog file (:mod:`pypeit_spit.archive.catalog`), created if needed.
    workers : int, optional
        Local worker processes (without ``scheduler``).
    scheduler : str, `distributed.Client` or None, optional
        A dask.distributed scheduler address (or client): the tasks run there.
    options : `~pypeit_spit.archive.night.TypingOptions` or None, optional
    redo : bool, optional
        Type every frame again (a changed configuration).
    progress : bool, optional
        tqdm on a terminal; else a log line every ``log_every`` frames.
    log_every : int, optional

    Returns
    -------
    RunReport

    Raises
    ------
    pypeit_spit.errors.UsageError
        A root that is not a folder, a catalog that cannot be opened, no scheduler.
    pypeit_spit.errors.ConfigError, pypeit_spit.errors.ModelError
        A bad configuration or model (before any work).
    """
    started = time.time()
    options = options or TypingOptions()
    if options.spectrograph:
        from pypeit_spit.io.spectrograph import get_spectrograph
        get_spectrograph(options.spectrograph)
    model_identity(options.config(options.spectrograph or GENERIC).model)   # fails early
    nights = find_nights(roots)
    cat = Catalog(catalog)
    report = RunReport(nights=len(nights), frames=sum(n.n_frames for n in nights))
    try:
        todo = pending_nights(nights, cat.known(), options, redo=redo)
        report.skipped = report.frames - sum(n.n_frames for n in todo)
        if report.skipped:
            log.info(f'{catalog}: {report.skipped} frames already typed, '
                     f'{len(nights) - len(todo)} nights left as they are')
        if scheduler is None and todo and not options.spectrograph:
            from pypeit_spit.archive.identify import spectrograph_index
            spectrograph_index()   # once, before the workers are forked (3 s each)
        runner = DaskWorkers(scheduler) if scheduler is not None else LocalWorkers(workers)
        bar = _Progress(sum(n.n_frames for n in todo), log_every, progress)
        try:
            for task, rows in runner.run([(n, options) for n in todo]):
                cat.write(rows)
                report.typed += len(rows)
                report.outcomes.update(r['source'] for r in rows)
                if rows and all(r['reason'].startswith('the worker died') for r in rows):
                    report.failed_tasks.append(task[0].folder)
                bar.update(len(rows))
        finally:
            bar.close()
    finally:
        cat.close()
    report.seconds = time.time() - started
    return report
