"""
Temporary plain (decompressed) copies of compressed frames for PypeIt's reader, which
opens files by name; removed when read, or at exit by :func:`remove_plain_copies`.
"""
import contextlib
import os
import secrets
import shutil
import tempfile
import zlib
from pathlib import Path

from pypeit_spit.io.probe import _check_primary_declared, _fast_gzip, _open_stream

__all__ = ['remove_plain_copies']

#: Bytes a compressed frame may inflate to and still be decompressed into a temporary
#: plain file for PypeIt's reader (:func:`_plain_copy`): 8 bytes per pixel of the size
#: limit, plus room for headers and tables.
_PLAIN_SLACK = 16 * 2**20


def _plain_name(p, spec):
    """The name of the plain copy of compressed file ``p`` (its compression suffix
    dropped), or None when PypeIt's extension check would not treat it as the
    original (PypeIt refuses the original, or would refuse the copy)."""
    name = p.name
    lower = name.lower()
    for suffix in ('.gz', '.bz2'):
        if lower.endswith(suffix):
            plain = name[:-len(suffix)]
            break
    else:
        plain = name
    allowed = getattr(spec, 'allowed_extensions', None)
    if allowed is not None and not (any(name.endswith(e) for e in allowed)
                                    and any(plain.endswith(e) for e in allowed)):
        return None
    return plain or 'frame.fits'


#: Folders of the plain copies being read now (:func:`remove_plain_copies`).
_LIVE_COPIES = set()


def _remove_copy(folder):
    """Remove the folder of a plain copy (whatever is left of it)."""
    shutil.rmtree(folder, ignore_errors=True)
    _LIVE_COPIES.discard(folder)


def _new_folder():
    """
    A new private temporary folder (``<tmp>/pypeit_spit_*``) for a plain copy, in
    :data:`_LIVE_COPIES` from before it exists: a reading process told to end at any
    moment (:func:`remove_plain_copies`) leaves none behind, even one ended just as the
    folder is made (with :func:`tempfile.mkdtemp` it would be made first, then listed).

    Returns
    -------
    str
        The folder's path.

    Raises
    ------
    OSError
        No folder can be made in the temporary directory.
    """
    base = tempfile.gettempdir()
    for _ in range(100):
        folder = os.path.join(base, 'pypeit_spit_' + secrets.token_hex(6))
        _LIVE_COPIES.add(folder)
        try:
            os.mkdir(folder, 0o700)
            return folder
        except OSError as exc:
            _LIVE_COPIES.discard(folder)
            if not isinstance(exc, FileExistsError):
                raise
    raise FileExistsError(f'no unused temporary folder name in {base}')


def remove_plain_copies():
    """
    Remove the temporary plain copies of compressed frames being read now.

    For a process that is told to end (SIGTERM) in the middle of a frame and so leaves
    its ``with`` blocks unfinished: the reading processes of
    :func:`pypeit_spit.pipeline.classify.classify_files` call it before they exit.
    """
    for folder in list(_LIVE_COPIES):
        _remove_copy(folder)


@contextlib.contextmanager
def _plain_copy(p, compression, spec, limit):
    """
    A gzip- or bzip2-compressed frame decompressed once into a temporary plain FITS
    file, for as long as the block lasts; None for a plain file, or when the copy
    cannot be made (a stream that is corrupt or inflates beyond what the size limit
    allows, no temporary space): the compressed file is then read as it is, and its
    defects are reported as before.

    Reading a compressed frame through PypeIt's reader decompresses it several times
    (astropy re-reads the stream from its start to reach each HDU); from the copy, the
    headers are read by seeking and the pixels by memory mapping.
    """
    name = _plain_name(p, spec) if compression in ('gzip', 'bzip2') else None
    if name is None:
        yield None
        return
    _check_primary_declared(p, compression)
    max_bytes = 8 * limit + _PLAIN_SLACK
    fast = _fast_gzip() if compression == 'gzip' else None
    errors = (OSError, EOFError, ValueError, zlib.error) + ((fast[1],) if fast else ())
    try:
        folder = _new_folder()   # listed until removed, also by remove_plain_copies()
    except OSError:              # no temporary space: the compressed file is read as it is
        folder = None
    if folder is None:
        yield None
        return
    try:
        plain = Path(folder) / name
        try:
            written = 0
            with (fast[0].open(p, 'rb') if fast else _open_stream(p, compression)) as src, \
                    open(plain, 'wb') as dst:
                while chunk := src.read(2**22):
                    written += len(chunk)
                    if written > max_bytes:
                        raise ValueError('inflates beyond the size limit')
                    dst.write(chunk)
        except errors:
            plain = None
        yield plain
    finally:
        _remove_copy(folder)
