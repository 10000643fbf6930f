"""
The inputs of a command: folders expanded into the FITS files they hold, and the
names frames are shown under.
"""
import os
import re
from pathlib import Path

from pypeit import log

from pypeit_spit.errors import UsageError

__all__ = ['FITS_SUFFIXES', 'natural_key', 'expand_paths', 'expand_entries', 'night_folders',
           'check_inputs', 'path_key', 'display_names', 'input_bases']

#: File name endings taken as FITS when a folder is given.
FITS_SUFFIXES = ('.fits', '.fit', '.fts', '.fits.gz', '.fit.gz', '.fts.gz', '.fits.fz',
                 '.fz', '.fits.bz2')


def natural_key(path):
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
    files.sort(key=natural_key)
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
    return sorted(out, key=natural_key)


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


def expand_entries(items):
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
    return [path for path, _ in expand_entries(items)]


def path_key(path):
    """A path made absolute and normal: the key under which a frame is found again."""
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
    paths = [path_key(p) for p in paths]
    bases = [path_key(b) for b in bases] or [os.path.dirname(p) for p in paths]
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
    return [str(i) if os.path.isdir(i) else os.path.dirname(path_key(i)) for i in items]
