"""
The exceptions of pypeit-spit: one hierarchy, based on PypeIt's ``PypeItError``.

Each carries the exit status its command returns when it ends the command (see
:mod:`pypeit_spit.scripts.base`): 2 for a command that could not run at all (usage,
configuration, model, an unreadable input file given as the command's subject), 1 for
a command that ran but could not type some input. A message always names the file and
the reason on one line. Anything else that escapes a command is a bug and keeps its
traceback.
"""
from pypeit import PypeItError

__all__ = ['SpitError', 'UsageError', 'ConfigError', 'ModelError', 'FrameError',
           'PixelError', 'PypeItFileError', 'DatasetError', 'TrainError', 'HookError']


class SpitError(PypeItError):
    """Base class of pypeit-spit's errors."""

    #: Exit status of a command that this error ends.
    exit_status = 2


class UsageError(SpitError, ValueError):
    """A wrong argument: an unknown spectrograph, an invalid option value."""


class ConfigError(SpitError, ValueError):
    """An invalid configuration file or setting; the message names the file and the key."""


class ModelError(SpitError):
    """A model that cannot be found, read or used."""


class FrameError(SpitError):
    """
    A frame that cannot be typed; the message names the file and the reason.

    Parameters
    ----------
    path : str or `pathlib.Path`
    reason : str
    """

    exit_status = 1

    def __init__(self, path, reason):
        self.path = str(path)
        self.reason = str(reason)
        super().__init__(f'{self.path}: {self.reason}')

    def __reduce__(self):
        return (type(self), (self.path, self.reason))


class PixelError(FrameError):
    """
    A frame read whole whose pixel values are no data (all, or most of them, NaN,
    infinite or beyond any count): no calibration at all, as a dead read-out. Typing
    flags it (the ``flagged`` outcome: never typed, commented out) instead of reporting
    it unreadable and keeping the header rules' type.
    """


class PypeItFileError(SpitError, ValueError):
    """A ``.pypeit`` file that cannot be read, typed or written; the message names it."""


class DatasetError(SpitError):
    """A labelled set or dataset cache that cannot be used; the message names the file."""


class TrainError(SpitError):
    """A training run that cannot start or continue."""


class HookError(SpitError):
    """PypeIt's methods that the SPIT hook replaces are not those it was written for."""
