"""
The files ``pypeit_spit_setup`` writes (PypeIt's ``.pypeit``, ``.sorted``, ``.calib`` and
``.obslog`` files), checked before the work and written all or none.

PypeIt writes them in place, one after the other: a full disk leaves a 0-byte
``.pypeit`` file, a command told to end half-way leaves new files beside old ones.
Here the folder is checked before any frame is read (:func:`check_setup_outputs`),
and what PypeIt writes is staged (:func:`pypeit_spit.atomic.staged_writes`) and moved
into place only when the whole setup is done and the command was not told to end
(:func:`finish_outputs`).
"""
import contextlib
import errno

from pypeit_spit.atomic import check_folder, check_log_file, staged_writes
from pypeit_spit.errors import SpitError

__all__ = ['check_setup_outputs', 'staged_setup_outputs', 'finish_outputs']

#: Errors of a write that failed (not of a frame that could not be read).
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS,
                 errno.EACCES, errno.EPERM, errno.ENAMETOOLONG, errno.EISDIR}


def check_setup_outputs(args):
    """
    Check, before the work, that ``pypeit_spit_setup`` can write its files: the output
    folder (``-d``) and ``--log_file``.

    Parameters
    ----------
    args : `argparse.Namespace`
        ``pypeit_setup``'s arguments.

    Raises
    ------
    pypeit_spit.errors.UsageError
        One line naming the path and the reason.
    """
    spec = args.spectrograph
    # the longest names PypeIt writes: <spectrograph>_<setup>/<spectrograph>_<setup>.obslog
    names = [f'{spec}_ZZ', f'{spec}_ZZ.obslog', 'setup_files']
    check_folder(args.output_path, what='output folder', names=names)
    check_log_file(args)


@contextlib.contextmanager
def staged_setup_outputs(output_path):
    """
    Stage the files PypeIt's setup writes (see the module docstring); a write that fails
    (full disk) is one line naming the folder, and no file is changed.

    Yields
    ------
    `pypeit_spit.atomic.StagedWrites`
    """
    import pypeit.calibrations
    import pypeit.inputfiles
    import pypeit.metadata
    with staged_writes(pypeit.inputfiles, pypeit.calibrations, pypeit.metadata) as staged:
        try:
            yield staged
        except OSError as exc:
            if not staged.files or exc.errno not in _WRITE_ERRNOS:
                raise
            raise SpitError(f'{output_path}: cannot write the setup files '
                            f'({exc.strerror or type(exc).__name__}); nothing written, older '
                            'files left as they were') from None


def finish_outputs(staged, record, output_path):
    """
    Complete the staged files and move them into place: the ``.pypeit`` files of a
    setup SPIT typed get the lines that explain its columns.

    Parameters
    ----------
    staged : `pypeit_spit.atomic.StagedWrites`
    record : dict
        The record of :func:`pypeit_spit.integration.hook.enabled`.
    output_path : str
        Named in messages.
    """
    from pypeit_spit.integration.pypeit_file import explain_columns
    if record['results']:
        for dest in list(staged.files):
            if dest.suffix == '.pypeit':
                staged.write_text(dest, explain_columns(staged.read_text(dest)))
    staged.commit()
