"""
What a gallery shows: the command's inputs (raw folders and files, or one ``.pypeit``
file) as :class:`~pypeit_spit.report.gallery_frames.Frame` records in night order,
with PypeIt's metadata of their files.
"""
import copy
import os
from pathlib import Path

from pypeit_spit.errors import PypeItFileError, UsageError
from pypeit_spit.integration.pypeit_file import _modes, file_metadata, read_pypeit_file
from pypeit_spit.io.paths import display_names, expand_paths
from pypeit_spit.io.paths import path_key as _key
from pypeit_spit.report.gallery_frames import Frame

__all__ = ['split_inputs', 'frames_of_raw', 'frames_of_pypeit_file', 'metadata_of_files',
           'table_paths']


def split_inputs(items):
    """
    Split the command's inputs into a ``.pypeit`` file or raw folders/files.

    Parameters
    ----------
    items : sequence of str or `pathlib.Path`

    Returns
    -------
    pypeit_file : str or None
    items : list of str

    Raises
    ------
    pypeit_spit.errors.UsageError
        A ``.pypeit`` file given with other inputs.
    """
    items = [str(i) for i in items]
    pfiles = [i for i in items if i.lower().endswith('.pypeit')]
    if pfiles and len(items) > 1:
        raise UsageError('give either one .pypeit file or raw folders/files, not both '
                         f'(got {len(items)} inputs)')
    return (pfiles[0] if pfiles else None), items


def frames_of_raw(items):
    """
    Frames of raw folders/files: night order, names relative to the folders given.

    Parameters
    ----------
    items : list of str
        Raw folders and/or FITS files.

    Returns
    -------
    frames : list of `~pypeit_spit.report.gallery_frames.Frame`
    source : str
        What is shown (the inputs, joined).
    """
    paths, bases, seen = [], [], set()
    for item in items:
        p = Path(item)
        bases.append(str(p) if p.is_dir() else str(p.parent))
    for path in expand_paths(items):
        key = _key(path)
        if key in seen:
            continue
        seen.add(key)
        paths.append(key)
    names = display_names(paths, bases)
    frames = [Frame(name=n, path=p, order=k) for k, (n, p) in enumerate(zip(names, paths))]
    return frames, ', '.join(str(i) for i in items)


def _data_file(pf, name):
    """A data-block file on disk, searched as PypeIt searches (None when missing)."""
    for p in (pf.file_paths or ['']):
        cand = os.path.join(p, name)
        if os.path.isfile(cand):
            return cand
    return None


def frames_of_pypeit_file(pfile, spectrograph):
    """
    Frames of a .pypeit file's data block, with its metadata.

    Parameters
    ----------
    pfile : str
    spectrograph : str or None
        The spectrograph asked for: it must be the file's.

    Returns
    -------
    frames : list of `~pypeit_spit.report.gallery_frames.Frame`
        One per data-block row (a missing raw file: unreadable).
    fitstbl : `pypeit.metadata.PypeItMetaData`
        The metadata of the rows whose files exist.
    spec : `pypeit.spectrographs.spectrograph.Spectrograph`
    source : str
        The file's name.

    Raises
    ------
    pypeit_spit.errors.PypeItFileError
        None of the data-block files exists.
    pypeit_spit.errors.UsageError
        A spectrograph other than the file's.
    """
    pf = read_pypeit_file(pfile)
    modes = _modes(pf, pfile)
    names = [_bare(n) for n in pf.data['filename']]
    keep = [r for r, n in enumerate(names) if _data_file(pf, n) is not None]
    if not keep:
        raise PypeItFileError(f'{pfile}: none of the data-block files exists')
    # PypeIt refuses a file whose raw files are not all there: build the metadata of
    # the rows that are, and show the others as unreadable.
    sub = pf
    if len(keep) < len(names):
        sub = copy.copy(pf)
        sub.data = pf.data[keep]
    fitstbl, order, _ = file_metadata(sub, pfile)
    spec = fitstbl.spectrograph
    if spectrograph is not None and str(spectrograph) != spec.name:
        raise UsageError(f'{pfile}: the file is for {spec.name}, not {spectrograph} '
                         '(the spectrograph is taken from the file)')
    found = {keep[int(r)]: _key(p) for r, p in zip(order, table_paths(fitstbl))}
    frames = []
    for r, (name, ftype) in enumerate(zip(pf.data['filename'], pf.data['frametype'])):
        f = Frame(name=names[r], path=found.get(r), order=r, file_type=str(ftype),
                  commented=str(name).strip().startswith('#'), mode=modes[r])
        if f.path is None:
            f.error = 'raw file not found in the data-block paths'
        if f.commented:
            f.notes.append('row commented out')
        frames.append(f)
    return frames, fitstbl, spec, str(pfile)


def metadata_of_files(spec, files):
    """PypeIt's metadata for raw files, built as PypeItSetup builds it."""
    from pypeit.metadata import PypeItMetaData
    return PypeItMetaData(spec, spec.default_pypeit_par(), files=list(files), strict=False)


def _bare(name):
    """A data-block file name without its comment mark."""
    return str(name).strip().lstrip('#').strip()


def table_paths(fitstbl):
    """The files of a PypeIt metadata table, as type_frames reads them."""
    return [os.path.join(str(d), _bare(f))
            for d, f in zip(fitstbl['directory'], fitstbl['filename'])]
