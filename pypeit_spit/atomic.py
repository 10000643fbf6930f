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
import shutil
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

from pypeit_spit.errors import SpitError, UsageError

__all__ = ['plain_strings', 'check_output', 'atomic_open', 'write_text', 'write_table',
           'check_folder', 'check_log_file', 'StagedWrites', 'staged_writes']


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
        # (text: a file name that is not valid UTF-8 written as its own bytes, losslessly)
        text = {} if 'b' in mode else {'encoding': encoding, 'errors': 'surrogateescape'}
        with os.fdopen(fd, mode, **text) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _commit(tmp, p, existed)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise error(_cannot(p, exc, existed)) from None
        raise


def _commit(tmp, path, existed, check=True):
    """Move a written temporary file over ``path`` (its permissions kept), unless the
    command was told to end meanwhile (:func:`pypeit_spit.stop.check`)."""
    if check:
        from pypeit_spit import stop
        stop.check()
    perms = stat.S_IMODE(os.stat(path).st_mode) if existed else 0o666 & ~_umask()
    os.chmod(tmp, perms)
    os.replace(tmp, path)


def check_folder(path, what='output folder', error=UsageError, names=()):
    """
    Check, before a run, that files can be written in folder ``path`` (or, when it
    does not exist yet, in the nearest folder above it: nothing is created), and that
    the file ``names`` to be written there are not too long.

    Parameters
    ----------
    path : str or `pathlib.Path`
    what : str, optional
    error : type, optional
    names : sequence of str, optional
        File names (in the folder, or a sub-folder) the run will write.

    Returns
    -------
    `pathlib.Path`
        The folder (which may not exist yet).

    Raises
    ------
    pypeit_spit.errors.UsageError
        (or ``error``) Not a folder, or one that cannot be created or written; a name
        too long for its file system. The message names the path.
    """
    if str(path).strip() == '':
        raise error(f'empty name for the {what}')
    p = Path(path).expanduser()
    try:
        st = os.stat(p)
    except FileNotFoundError:
        st = None
    except OSError as exc:   # a name too long, a loop of links, a file as a parent
        raise error(f'{p}: cannot use it as the {what} '
                    f'({exc.strerror or type(exc).__name__})') from None
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise error(f'{p}: not a folder; cannot write the {what} there')
    # the folder, or the nearest folder above it that exists (nothing is created)
    there = next((a for a in (p, *p.absolute().parents) if os.path.lexists(a)), Path('/'))
    if not there.is_dir():
        raise error(f'{p}: {there} is a file, not a folder')
    try:
        fd, tmp = tempfile.mkstemp(dir=there, prefix='.pypeit_spit_', suffix='.tmp')
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise error(f'{p}: cannot write in {there} '
                    f'({exc.strerror or type(exc).__name__})') from None
    try:
        longest = os.pathconf(there, 'PC_NAME_MAX')
    except (OSError, ValueError):
        longest = 255
    for name in names:
        if len(os.fsencode(name)) > longest:
            raise error(f'{p / name}: file name too long (more than {longest} bytes)')
    return p


def check_log_file(args):
    """
    Check a command's ``--log_file`` (PypeIt's option) before the work.

    Parameters
    ----------
    args : `argparse.Namespace`

    Raises
    ------
    pypeit_spit.errors.UsageError
        A folder, a special file, a folder that cannot be written.
    """
    log_file = getattr(args, 'log_file', None)
    if log_file not in (None, 'None', 'default'):
        check_output(log_file, what='log file')


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


class StagedWrites:
    """
    The files some library (PypeIt) writes with ``open``, written to temporary files
    beside their destinations and moved over them only by :meth:`commit`; see
    :func:`staged_writes`.
    """

    def __init__(self):
        #: destination -> (temporary file, whether the destination existed)
        self.files = {}

    def open(self, file, mode='r', *args, **kwargs):
        """``open``, with the file written to a temporary file when ``mode`` writes."""
        if not isinstance(file, (str, bytes, os.PathLike)) or not set(mode) & set('wax+'):
            return open(file, mode, *args, **kwargs)
        dest = Path(os.fsdecode(file)).expanduser().absolute()
        if dest in self.files:
            tmp = self.files[dest][0]
        else:
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f'.{dest.name}.', suffix='.tmp')
            os.close(fd)
            self.files[dest] = (tmp, dest.is_file())
        if 'a' in mode and dest.is_file() and os.path.getsize(tmp) == 0:
            shutil.copyfile(dest, tmp)
        return open(tmp, mode.replace('x', 'w'), *args, **kwargs)

    def read_text(self, dest):
        """The staged text of ``dest``."""
        return Path(self.files[Path(dest).absolute()][0]).read_text(encoding='utf-8')

    def write_text(self, dest, text):
        """Replace the staged text of ``dest``."""
        Path(self.files[Path(dest).absolute()][0]).write_text(text, encoding='utf-8')

    def commit(self, error=SpitError):
        """Flush every staged file to disk and move it over its destination."""
        from pypeit_spit import stop
        dest, existed = None, False
        try:
            for dest, (tmp, existed) in self.files.items():
                with open(tmp, 'rb+') as f:
                    os.fsync(f.fileno())
            stop.check()
            for dest, (tmp, existed) in list(self.files.items()):
                _commit(tmp, dest, existed, check=False)
                del self.files[dest]
        except OSError as exc:
            self.discard()
            raise error(_cannot(dest, exc, existed)) from None

    def discard(self):
        """Remove the staged files; the destinations are left as they were."""
        for tmp, _ in self.files.values():
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        self.files = {}


@contextmanager
def staged_writes(*modules):
    """
    Stage the files the given modules write with the built-in ``open``, for the
    duration of a ``with`` block.

    Each module's ``open`` is replaced by :meth:`StagedWrites.open`: what it writes
    goes to a temporary file in the destination's folder. The caller calls
    :meth:`StagedWrites.commit` once the whole work is done; whatever is not committed
    when the block ends (an error, SIGTERM) is removed, so that a failed or ended
    command leaves its older outputs as they were, and no partial file (a full disk
    while PypeIt writes a ``.pypeit`` file). Reading is not changed.

    Parameters
    ----------
    *modules : module
        Modules whose global name ``open`` is replaced (restored when the block ends).

    Yields
    ------
    StagedWrites
    """
    staged = StagedWrites()
    saved = [(m, m.__dict__.get('open', _MISSING)) for m in modules]
    for module, _ in saved:
        module.open = staged.open
    try:
        yield staged
    finally:
        for module, old in saved:
            if old is _MISSING:
                del module.open
            else:
                module.open = old
        staged.discard()


_MISSING = object()
