"""
An archive on disk: its night folders (every folder that holds raw FITS files, at any
depth under the roots given) and, for each file, the path, size and modification time
that say whether the catalog already holds its row.
"""
import os
from dataclasses import dataclass
from pathlib import Path

from pypeit_spit.errors import UsageError
from pypeit_spit.io.paths import FITS_SUFFIXES

__all__ = ['NightFolder', 'find_nights']


@dataclass(frozen=True)
class NightFolder:
    """
    One night folder of an archive: the unit of work (one task).

    Attributes
    ----------
    folder : str
        Absolute path of the folder.
    files : tuple of (str, int, int)
        Each raw file's absolute path, size (bytes) and modification time
        (``st_mtime_ns``), in name order; ``-1`` for a file that cannot be
        ``stat``-ed (a broken link: it gets a row with the reason).
    """
    folder: str
    files: tuple

    @property
    def n_frames(self):
        """Number of raw files."""
        return len(self.files)

    @property
    def n_bytes(self):
        """Bytes of its raw files (what a task's time grows with)."""
        return sum(max(f[1], 0) for f in self.files)


def _stat(path):
    try:
        st = os.stat(path)
    except OSError:
        return -1, -1
    return int(st.st_size), int(st.st_mtime_ns)


def find_nights(roots):
    """
    Walk archive roots into their night folders.

    Every folder (a root included) that directly holds files ending with a FITS suffix
    (:data:`pypeit_spit.io.paths.FITS_SUFFIXES`: ``.fits``, ``.fits.gz``, ``.fits.fz``,
    ...) is a night folder, at any depth. Symbolic links to folders are not followed
    (an archive with a link loop is still walked once); a link to a file is a frame.

    Parameters
    ----------
    roots : sequence of str or `pathlib.Path`
        Folders.

    Returns
    -------
    list of NightFolder
        In path order; a folder reached from two roots is listed once.

    Raises
    ------
    pypeit_spit.errors.UsageError
        A root that is not a folder.
    """
    seen = set()
    out = []
    for root in roots:
        r = Path(root)
        if not r.is_dir():
            raise UsageError(f'{root}: no such folder (give the folders of the archive)')
        for folder, dirs, names in os.walk(os.path.abspath(r), followlinks=False):
            dirs.sort()
            if folder in seen:
                continue
            seen.add(folder)
            files = sorted(n for n in names if n.lower().endswith(FITS_SUFFIXES))
            if files:
                paths = [os.path.join(folder, n) for n in files]
                out.append(NightFolder(folder, tuple((p, *_stat(p)) for p in paths)))
    out.sort(key=lambda n: n.folder)
    return out
