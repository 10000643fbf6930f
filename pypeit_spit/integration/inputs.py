"""
Raw files as untrusted input inside PypeIt's own reading.

PypeIt opens every file its search finds, and every file a ``.pypeit`` row names, with
``pypeit.io.fits_open`` (astropy). On a named pipe that blocks for ever; on a header
that declares a negative size astropy seeks backwards and reads the same headers again
until memory runs out; a 5,000-HDU file is read for minutes. :func:`guarded_reading`
puts the checks of :mod:`pypeit_spit.io.load` in front of it, and of PypeIt's
search for raw files (``pypeit.io.files_from_extension``), for as long as a command
runs: such a file is skipped with one line naming it and the reason, and PypeIt goes
on without it.
"""
import contextlib
import os
from pathlib import Path

from pypeit import log

from pypeit_spit.errors import FrameError

__all__ = ['guarded_reading']


def _check_before_open(filename):
    """
    Refuse a file before it is opened: not a regular file, or headers that lie about
    their size (uncompressed: every header; gzip or bzip2: the primary one).

    Returns
    -------
    str or None
        The compression (as :func:`pypeit_spit.io.probe._compression` says).

    Raises
    ------
    FrameError
    """
    from pypeit_spit.io.probe import (_check_primary_declared, _compression,
                                      check_plain_layout, check_regular)
    check_regular(filename)
    try:
        compression = _compression(filename)
    except FrameError:   # not FITS: PypeIt says so itself
        return None
    if compression is None:
        check_plain_layout(filename)
    elif compression in ('gzip', 'bzip2'):
        _check_primary_declared(filename, compression)
    return compression


def _checked_open(original, filename, **kwargs):
    from pypeit_spit.io.probe import checked_hdus
    if not isinstance(filename, (str, Path)):
        return original(filename, **kwargs)
    try:
        compression = _check_before_open(filename)
    except FrameError as exc:
        _skip(filename, str(exc))
        raise
    hdul = original(filename, **kwargs)
    try:
        for _ in checked_hdus(filename, hdul, compression):
            pass
    except FrameError as exc:
        hdul.close()
        _skip(filename, str(exc))
        raise
    return hdul


#: Files already said to be skipped (PypeIt's search runs more than once).
_SKIPPED = set()


def _skip(name, reason):
    if name not in _SKIPPED:
        _SKIPPED.add(name)
        log.warning(f'{reason}; skipped')


def _checked_files(original, *args, **kwargs):
    """PypeIt's search for raw files, without the files :func:`_check_before_open`
    refuses (each named on one line): PypeIt never opens them, and its configurations
    are not made from their empty metadata (two such files made ``pypeit_setup`` end in
    a ``TypeError``); also a file whose name is not valid UTF-8 (the ``.pypeit`` file,
    UTF-8, cannot name it)."""
    kept = []
    for name in original(*args, **kwargs):
        try:
            os.fsdecode(name).encode('utf-8')
        except UnicodeEncodeError:
            _skip(name, f'{os.fsdecode(name)!a}: the file name is not valid UTF-8 (a .pypeit '
                        'file cannot name it: rename the file)')
            continue
        try:
            _check_before_open(name)
        except FrameError as exc:
            _skip(name, str(exc))
            continue
        kept.append(name)
    return kept


@contextlib.contextmanager
def guarded_reading():
    """Check each file before and while PypeIt's ``fits_open`` reads its headers
    (see the module docstring), for as long as the block lasts."""
    import functools

    import pypeit.io
    originals = {'fits_open': _checked_open, 'files_from_extension': _checked_files}
    for name, checked in list(originals.items()):
        originals[name] = getattr(pypeit.io, name)
        setattr(pypeit.io, name, functools.wraps(originals[name])(
            functools.partial(checked, originals[name])))
    _SKIPPED.clear()
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(pypeit.io, name, original)
