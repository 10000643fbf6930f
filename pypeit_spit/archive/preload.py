"""
A dask.distributed preload for the workers of an archive cluster::

    dask worker --scheduler-file ~/sched.json --nworkers 16 --nthreads 1 \\
        --preload pypeit_spit.archive.preload

Dask calls :func:`dask_setup` in each worker process as it starts: the worker is set
up as an archive run's worker plugin would set it up (memory allocator, quiet log:
:func:`pypeit_spit.archive.run._dask_worker_init`), and PypeIt's spectrographs, ONNX
Runtime and the configured default model are loaded then, while the cluster starts,
instead of in the first task each new worker runs (a few seconds per worker process,
during which its core does nothing for the archive). Without it the workers work the
same, only their first tasks wait for those imports. A warm-up that fails (a model the
configuration names is missing) is one warning in the worker's log, and the worker
starts all the same: the tasks then say what is wrong, night by night. Importing this
module does nothing.
"""

__all__ = ['dask_setup', 'warm_up']


def warm_up():
    """
    Import what a task needs, and load the default model (the bundled one, or the one
    the user's configuration names for frames of no PypeIt spectrograph) into the
    process's model cache.
    """
    from pypeit_spit.io.sites import use_offline_sites
    use_offline_sites()

    from pypeit_spit.archive.identify import GENERIC, spectrograph_index
    from pypeit_spit.archive.night import TypingOptions
    from pypeit_spit.model.store import get_model
    spectrograph_index()   # imports every PypeIt spectrograph
    get_model(TypingOptions().config(GENERIC).model)


def dask_setup(worker):
    """
    Dask's preload hook (``dask worker --preload pypeit_spit.archive.preload``).

    Parameters
    ----------
    worker : `distributed.Worker`
    """
    from pypeit import log

    from pypeit_spit.archive.run import _dask_worker_init
    _dask_worker_init()
    try:
        warm_up()
    except Exception as exc:   # the worker still starts; its tasks report the problem
        log.warning(f'pypeit_spit.archive.preload: no warm-up ({type(exc).__name__}: {exc})')
