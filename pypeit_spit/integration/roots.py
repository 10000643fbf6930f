"""
Where ``pypeit_spit_setup`` looks for raw frames: PypeIt's ``-r`` roots, checked
before PypeIt runs (a mistyped folder is one line and exit status 2, not a
traceback), a folder of night folders searched night by night, and file names that
several nights reuse reported (PypeIt would read both rows as one file).
"""
from pathlib import Path

from pypeit_spit.errors import UsageError
from pypeit_spit.io.paths import night_folders

__all__ = ['resolve_roots', 'repeated_names']

_WILDCARDS = set('*?[')


def resolve_roots(roots, spectrograph, extension=None):
    """
    Check PypeIt's raw-data roots and expand a folder of night folders.

    A root is a folder, or a folder and a file-name prefix (``/data/night/b``), or a
    pattern with wildcards (left to PypeIt). A folder that holds no raw file of the
    spectrograph but whose sub-folders do is replaced by those sub-folders.

    Parameters
    ----------
    roots : str or sequence of str
    spectrograph : `pypeit.spectrographs.spectrograph.Spectrograph`
    extension : str or None, optional
        PypeIt's ``-e``.

    Returns
    -------
    roots : list of str
        The roots to give PypeIt.
    expanded : dict
        Folder -> its night folders, for the folders that were expanded.

    Raises
    ------
    pypeit_spit.errors.UsageError
        A root that names no folder (nor a folder and a prefix of its files).
    """
    roots = [roots] if isinstance(roots, (str, Path)) else list(roots)
    out, expanded = [], {}
    for root in roots:
        text = str(root)
        if _WILDCARDS & set(text):
            out.append(text)
            continue
        p = Path(text)
        if p.is_dir():
            if not _raw_files(spectrograph, text, extension):
                nights = [d for d in night_folders(p) if _raw_files(spectrograph, str(d),
                                                                     extension)]
                if nights:
                    expanded[text] = nights
                    out.extend(str(d) for d in nights)
                    continue
            out.append(text)
            continue
        if p.parent.is_dir() and p.name and any(f.name.startswith(p.name)
                                                for f in p.parent.iterdir()):
            out.append(text)        # a folder and a file-name prefix
            continue
        if p.exists():
            raise UsageError(f'{text}: not a folder (-r takes the folder of the raw frames)')
        raise UsageError(f'{text}: no such folder (-r takes the folder of the raw frames)')
    return out, expanded


def _raw_files(spectrograph, root, extension):
    try:
        return type(spectrograph).find_raw_files(root, extension=extension)
    except Exception:   # PypeIt reports a bad extension itself
        return []


def repeated_names(paths):
    """
    File names that several folders reuse (Kast numbers its frames per night).

    Parameters
    ----------
    paths : sequence of str or `pathlib.Path`

    Returns
    -------
    dict
        Name -> the folders holding it, for every name found more than once.
    """
    seen = {}
    for path in paths:
        p = Path(path)
        seen.setdefault(p.name, []).append(str(p.parent))
    return {n: d for n, d in seen.items() if len(d) > 1}
