"""
A command told to end (SIGTERM) or interrupted (Ctrl-C), even inside PypeIt.

The signal handler of :func:`install` raises :class:`Terminated` (SIGTERM) or
`KeyboardInterrupt` (SIGINT) as Python's own Ctrl-C handler does, and it also **records**
the signal. PypeIt catches every exception in a few places (bare ``except:`` clauses,
e.g. around the opening of a file in ``Spectrograph.get_headarr``): a signal that
arrives there is swallowed, and PypeIt goes on with a frame it now thinks unreadable.
The record is what makes the end certain: :func:`check` raises again wherever the
project's code runs after PypeIt's (the typing hook, each frame typed, every output
committed), and a command whose ``main`` returns or fails after a signal ends with the
signal's status (143 or 130), never with its work's.
"""
import signal

__all__ = ['Terminated', 'install', 'received', 'check', 'exit_status', 'reset']


class Terminated(KeyboardInterrupt):
    """A command told to end (SIGTERM): it stops as on Ctrl-C."""


#: The signal received (None until one is).
_RECEIVED = {'signum': None}


def _exception(signum):
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _handler(signum, frame):
    if _RECEIVED['signum'] is None:
        _RECEIVED['signum'] = signum
    raise _exception(signum)


def install():
    """Record SIGTERM and SIGINT and raise on them (main thread only)."""
    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)


def received():
    """The signal number received since :func:`install` (None if none)."""
    return _RECEIVED['signum']


def check():
    """
    Raise :class:`Terminated` (or `KeyboardInterrupt`) again when a signal was received,
    also if something caught the first one.
    """
    signum = _RECEIVED['signum']
    if signum is not None:
        raise _exception(signum)


def exit_status():
    """``128 + signal`` when a signal was received (143 SIGTERM, 130 SIGINT), else None."""
    signum = _RECEIVED['signum']
    return None if signum is None else 128 + int(signum)


def reset():
    """Forget the signal received (tests calling commands in-process)."""
    _RECEIVED['signum'] = None
