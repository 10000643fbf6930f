"""
What every pypeit-spit command shares: logging set up from ``-v``/``--log_file``, and
an exit status that tells the shell the truth.

Exit status:

0
    Everything asked for was done: every input typed, every row agrees.
1
    The command ran, but some inputs could not be typed, some ``.pypeit`` rows
    disagree with SPIT or are in conflict, or an input file was refused.
2
    The command could not run: a usage or configuration error, a model that cannot
    be loaded (one clear ``log.error`` line, no traceback).
130, 143
    Interrupted (Ctrl-C) or told to end (SIGTERM): one ``log.error`` line.

The project's own errors (:class:`pypeit_spit.errors.SpitError`) become one
``log.error`` line and their exit status; anything else is a bug and keeps its
traceback.

A command ends as soon as its work is done (:func:`exit_now`): the interpreter's exit
handlers run and the output is flushed, but the objects of PypeIt, astropy and numpy
are not torn down one by one (about 0.6 s on a 2-core machine, for memory the system
frees at once).
"""
import atexit
import os
import sys
import threading

from pypeit import log
from pypeit.scripts.scriptbase import ScriptBase

from pypeit_spit import stop
from pypeit_spit.atomic import check_log_file
from pypeit_spit.errors import SpitError
from pypeit_spit.integration.inputs import guarded_reading
from pypeit_spit.stop import Terminated

__all__ = ['SpitCommand', 'SpitScript', 'Terminated', 'exit_now', 'EXIT_OK', 'EXIT_PARTIAL',
           'EXIT_ERROR']

#: Exit status: all good.
EXIT_OK = 0
#: Exit status: some inputs not typed, rows disagree or are in conflict.
EXIT_PARTIAL = 1
#: Exit status: usage or configuration error.
EXIT_ERROR = 2


class SpitCommand:
    """
    Mixin for a PypeIt ``ScriptBase`` subclass: ``entry_point`` runs :meth:`run` and
    exits with its status. Subclasses implement ``main(args)`` returning an exit
    status (None counts as 0).
    """

    #: Whether :meth:`run` sets up PypeIt's logger (False where ``main`` does it itself).
    init_log_in_run = True

    @classmethod
    def get_parser(cls, *args, **kwargs):
        """PypeIt's parser, quiet by default (:func:`pypeit_spit.console.quiet_parser`)."""
        from pypeit_spit.console import quiet_parser
        return quiet_parser(super().get_parser(*args, **kwargs))

    @classmethod
    def check_args(cls, args):
        """
        Refuse wrong arguments before any work or output (a
        :class:`~pypeit_spit.errors.UsageError`: one line, exit status 2). Subclasses
        extend it; it may normalise ``args`` in place.
        """

    @classmethod
    def log_folder(cls, args):
        """Folder of the default log file (``--log_file default``); None: no default."""
        return None

    @classmethod
    def init_log(cls, args):
        """
        Set up PypeIt's logger (:func:`pypeit_spit.console.init_log`): quiet on the
        terminal, everything in the log file, no colour codes off a terminal.
        """
        from pypeit_spit.console import init_log
        if getattr(args, '_log_ready', False):     # once per run (PypeIt's setup asks again)
            return
        args._log_ready = True
        cls.log_path = init_log(args, default_folder=cls.log_folder(args), name=cls.name())

    @classmethod
    def entry_point(cls):
        """The console-script entry point: the command ends on SIGTERM (``kill``, a
        batch system's time limit) as on Ctrl-C, what it had started being finished or
        cleaned away (readers, temporary copies), with the status 143."""
        stop.install()
        exit_now(cls.run(cls.parse_args()))

    @classmethod
    def run(cls, args):
        """
        Set up logging, run ``main`` and turn its outcome into an exit status.

        Parameters
        ----------
        args : `argparse.Namespace`

        Returns
        -------
        int
        """
        if hasattr(args, 'verbosity'):
            # the terminal first: a usage error found by check_args is one plain line
            from argparse import Namespace

            from pypeit_spit.console import init_log
            init_log(Namespace(**{**vars(args), 'log_file': None}))
        from pypeit_spit.scripts.common import deprecation_notes
        for note in deprecation_notes(args):
            log.warning(note)
        try:
            check_log_file(args)
            cls.check_args(args)
        except SpitError as exc:
            log.error(str(exc))
            return exc.exit_status
        if cls.init_log_in_run and hasattr(args, 'verbosity'):
            cls.init_log(args)
        try:
            with guarded_reading():   # PypeIt's reading of raw files: special files refused
                status = cls.main(args)
            stop.check()   # a signal PypeIt caught (a bare except) still ends the command
        except SpitError as exc:
            if stop.received() is None:
                log.error(str(exc))
                return exc.exit_status
            return _ended()
        except KeyboardInterrupt as exc:   # also Terminated
            return _ended(None if stop.received() is not None
                          else 143 if isinstance(exc, Terminated) else 130)
        except BaseException:
            if stop.received() is None:
                raise
            return _ended()   # what a swallowed signal made PypeIt raise
        return EXIT_OK if status is None else int(status)


def _ended(status=None):
    """One line and the status of a command ended by a signal."""
    status = stop.exit_status() if status is None else status
    log.error('terminated' if status == 143 else 'interrupted')
    return status


def exit_now(status):
    """
    End the process with ``status`` without tearing the interpreter down.

    What Python's own exit does that matters is done first: the exit handlers run
    (``atexit``: logging's flush and close, temporary folders, multiprocessing), and
    standard output and error are flushed. Only when another Python thread still runs
    does the normal exit (which waits for it) take over.

    Parameters
    ----------
    status : int
    """
    if threading.active_count() > 1 and stop.received() is None:
        sys.exit(status)   # (told to end: no wait for a thread stuck in a read)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed, or a broken pipe
            pass
    os._exit(status)


class SpitScript(SpitCommand, ScriptBase):
    """Base class of the pypeit-spit commands."""
