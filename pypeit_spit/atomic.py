"""
Output files written atomically, and checked before the work that fills them.

A command's output (``-o`` tables, ``.pypeit`` files) is written to a temporary file
in the destination's own folder, flushed to disk, then moved over the destination
with :func:`os.replace`: a crash, an interrupt or a full disk leaves either the old
file or the new one, never a partial file, and no temporary file behind.
:func:`check_output` refuses a destination that cannot be written **before** the
run (a folder, a folder that cannot be created or written).
"""
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

from pypeit_spit.errors import SpitError, UsageError

__all__ = ['plain_strings', 'check_output', 'atomic_open', 'write_text', 'write_table']


def _umask():
    """The process's umask, read without changing it (Linux), else 0o022."""
    try:
        for line in Path('/proc/self/status').read_text().splitlines():
            if line.startswith('Umask:'):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def check_output(path, what='output file', error=UsageError):
    """
    Check, before a run, that ``path`` can be written; create its folder.

    A temporary file is created in the destination's folder and removed, so that
    permissions, a read-only file system or a missing folder are found now.

    Parameters
    ----------
    path : str or `pathlib.Path`
    what : str, optional
        What the file is, for messages.
    error : type, optional
        Exception class raised (a :class:`~pypeit_spit.errors.SpitError`).

    Returns
    -------
    `pathlib.Path`

    Raises
    ------
    pypeit_spit.errors.UsageError
        (or ``error``) A folder, a file that is not a regular file, or a folder
        that cannot be created or written; the message names the path.
    """
    p = Path(path).expanduser()
    if str(path).strip() == '':
        raise error(f'empty name for the {what}')
    if p.is_dir():
        raise error(f'{p}: is a folder; give a file name for the {what}')
    if p.exists() and not p.is_file():
        raise error(f'{p}: not a regular file; cannot write the {what} there')
    parent = p.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((a for a in (parent, *parent.parents) if a.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise error(f'{p}: {blocker} is a file, not a folder') from None
        raise error(f'{p}: cannot create its folder {parent} '
                    f'({exc.strerror or type(exc).__name__})') from None
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f'.{p.name}.', suffix='.tmp')
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise error(f'{p}: cannot write in {parent} '
                    f'({exc.strerror or type(exc).__name__})') from None
    return p


@contextmanager
def atomic_open(path, mode='w', encoding='utf-8', error=SpitError):
    """
    Open a temporary file that replaces ``path`` when the ``with`` block ends
    without an exception.

    The new file keeps the permissions of the file it replaces (a new file gets
    the usual ``0o666`` less the umask). On an exception the temporary file is
    removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or `pathlib.Path`
    mode : {'w', 'wb'}, optional
    encoding : str, optional
        For text mode.
    error : type, optional
        Exception class raised when the file cannot be written.

    Yields
    ------
    file object

    Raises
    ------
    pypeit_spit.errors.SpitError
        (or ``error``) The file cannot be written (full disk, permissions); the
        message names it and says that the older file, if any, is untouched.
    """
    p = Path(path).expanduser()
    existed = p.is_file()
    try:
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f'.{p.name}.', suffix='.tmp')
    except OSError as exc:
        raise error(_cannot(p, exc, existed)) from None
    try:
        with os.fdopen(fd, mode, **({} if 'b' in mode else {'encoding': encoding})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        perms = stat.S_IMODE(os.stat(p).st_mode) if existed else 0o666 & ~_umask()
        os.chmod(tmp, perms)
        os.replace(tmp, p)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise error(_cannot(p, exc, existed)) from None
        raise


def _cannot(path, exc, existed):
    left = 'the older file is left as it was' if existed else 'nothing written'
    return f'{path}: cannot write it ({exc.strerror or type(exc).__name__}); {left}'


def write_text(path, text, error=SpitError):
    """
    Write text to ``path`` atomically.

    Parameters
    ----------
    path : str or `pathlib.Path`
    text : str
    error : type, optional
        Exception class raised when the file cannot be written.
    """
    with atomic_open(path, 'w', error=error) as f:
        f.write(text)


def write_table(table, path, format='ascii.ecsv', error=SpitError):
    """
    Write an astropy table to ``path`` atomically.

    Parameters
    ----------
    table : `astropy.table.Table`
    path : str or `pathlib.Path`
    format : str, optional
        An astropy text format (written through a file object).
    error : type, optional
        Exception class raised when the file cannot be written.
    """
    with atomic_open(path, 'w', error=error) as f:
        plain_strings(table).write(f, format=format)


def plain_strings(table):
    """
    A copy of ``table`` whose object columns of text are plain string columns (an
    ECSV file would otherwise hold them as JSON strings).

    Parameters
    ----------
    table : `astropy.table.Table`

    Returns
    -------
    `astropy.table.Table`
    """
    import numpy as np
    out = table.copy(copy_data=False)
    for name in out.colnames:
        col = out[name]
        if col.dtype == object and all(isinstance(v, str) for v in col):
            out[name] = np.array([str(v) for v in col], dtype=str) if len(col) \
                else np.array([], dtype='U1')
            out[name].format = col.format
            out[name].description = col.description
    return out
