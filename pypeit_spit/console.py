"""
What the commands show on a terminal, and what they keep for the log file.

Quiet by default: a command prints its result (a table, a summary) on standard
output; PypeIt's messages go to standard error only from the warnings up (``-v``
for the informational ones, ``-v 2`` for debugging), and in full to the log file
where there is one. Nothing written to a file or a pipe carries a colour code or a
carriage return: PypeIt's colours and the progress bar (:func:`progress`, tqdm, with
its rate and time left) are for terminals only. Paths of the temporary copies that
reading makes (``<tmp>/pypeit_spit_*/``) never reach a message (:func:`scrub`).
"""
import datetime
import functools
import logging
import re
import sys
import tempfile
from pathlib import Path

from pypeit import log

__all__ = ['DEFAULT_VERBOSITY', 'quiet_parser', 'init_log', 'scrub', 'progress',
           'default_log_path']

#: Console verbosity of the commands when ``-v`` is not given (PypeIt's 0: warnings
#: and errors); ``-v`` alone is 1 (information), ``-v 2`` adds debugging.
DEFAULT_VERBOSITY = 0

_TEMPORARY = re.compile(re.escape(str(Path(tempfile.gettempdir()))) + r'/pypeit_spit_[^/\s]*/')


def scrub(text):
    """
    ``text`` without the folders of pypeit-spit's temporary copies (a path
    ``<tmp>/pypeit_spit_xyz/b1.fits`` reads ``b1.fits``).

    Parameters
    ----------
    text : str
        A message.

    Returns
    -------
    str
        The message as a user may read it.
    """
    return _TEMPORARY.sub('', str(text))


class _Scrub(logging.Filter):
    """Takes temporary folders out of every record (console and log file)."""

    def filter(self, record):
        if isinstance(record.msg, str) and 'pypeit_spit_' in record.msg:
            record.msg = scrub(record.msg)
        return True


class _Plain(logging.Formatter):
    """PypeIt's console format without colour codes (for a file or a pipe)."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def format(self, record):
        from pypeit.logger import clear_text_color
        return clear_text_color(self.inner.format(record))


def quiet_parser(parser):
    """
    Make ``-v/--verbosity`` of a PypeIt parser quiet by default (0 when absent, 1
    when given without a number), and its usage errors one line (exit status 2).

    Parameters
    ----------
    parser : `argparse.ArgumentParser`
        A PypeIt script's parser, changed in place.

    Returns
    -------
    `argparse.ArgumentParser`
        The same parser.
    """
    parser.error = functools.partial(_one_line_error, parser)
    for action in parser._actions:
        if action.dest == 'verbosity':
            action.nargs = '?'
            action.const = 1
            action.default = DEFAULT_VERBOSITY
            action.help = ('Verbosity on the terminal: 0 (default) warnings and errors, 1 '
                           '(-v alone) adds information, 2 adds debugging.  The log file '
                           '(--log_file) keeps everything.')
        if action.dest == 'log_level':
            action.help = 'Verbosity level of the log file (default: 2, everything).'
    return parser


def _one_line_error(parser, message):
    """argparse's error, in one line (no usage block): exit status 2."""
    sys.stderr.write(f'{parser.prog}: error: {message} (see --help)\n')
    sys.exit(2)


def default_log_path(name, folder):
    """
    Where a command's default log file goes: ``folder/<name>_<UTC time>.log``.

    Parameters
    ----------
    name : str
        Command name.
    folder : str or `pathlib.Path`

    Returns
    -------
    `pathlib.Path`
    """
    stamp = datetime.datetime.now(datetime.UTC).strftime('%Y%m%d-%H%M%S')
    return Path(folder) / f'{name}_{stamp}.log'


def init_log(args, default_folder=None, name='pypeit_spit'):
    """
    Set up PypeIt's logger for a command.

    Parameters
    ----------
    args : `argparse.Namespace`
        ``verbosity``, ``log_file`` (``'default'``: a file in ``default_folder``;
        ``None``/``'None'``: none) and ``log_level`` (default 2 for the file).
    default_folder : str, `pathlib.Path` or None, optional
        Folder of the default log file (None: no default file).
    name : str, optional
        Command name (the default file's name).

    Returns
    -------
    `pathlib.Path` or None
        The log file.
    """
    verbosity = getattr(args, 'verbosity', DEFAULT_VERBOSITY)
    verbosity = DEFAULT_VERBOSITY if verbosity is None else verbosity
    level = log.convert_verbosity_to_logging_level(verbosity)
    wanted = getattr(args, 'log_file', None)
    path = None
    if wanted == 'default':
        if default_folder is not None:
            path = default_log_path(name, default_folder)
    elif wanted not in (None, 'None'):
        path = Path(wanted)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    file_verbosity = getattr(args, 'log_level', None)
    file_level = log.convert_verbosity_to_logging_level(2 if file_verbosity is None
                                                         else file_verbosity)
    log.init(level=level, log_file=path, log_file_level=file_level if path else None)
    stream = log.sh.stream
    if not _is_terminal(stream):
        log.sh.setFormatter(_Plain(log.sh.formatter))
    for handler in log.handlers:
        if not any(isinstance(f, _Scrub) for f in handler.filters):
            handler.addFilter(_Scrub())
    return path.absolute() if path is not None else None


def _is_terminal(stream):
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def progress(total, enabled=True, desc='pypeit_spit', minimum=6):
    """
    A progress bar on standard error (tqdm: count, rate, time left), shown only on a
    terminal and for at least ``minimum`` items; otherwise a bar that shows nothing.

    Parameters
    ----------
    total : int
    enabled : bool, optional
    desc : str, optional
    minimum : int, optional

    Returns
    -------
    `tqdm.tqdm`
        Use its ``update(n)`` and ``close()``.
    """
    from tqdm import tqdm
    show = enabled and total >= minimum and _is_terminal(sys.stderr)
    return tqdm(total=total, desc=desc, unit='frame', disable=not show, leave=False,
                file=sys.stderr, dynamic_ncols=True)
