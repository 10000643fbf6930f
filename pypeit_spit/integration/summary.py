"""
The one summary ``pypeit_spit_setup`` prints on standard output: what was typed how
(every outcome of :data:`pypeit_spit.vocab.OUTCOMES` counted, ``agree`` included),
the frames to settle before ``run_pypeit``, repeated file names, the files written
and where the log is.
"""
import os

from pypeit import log

from pypeit_spit.integration.roots import repeated_names
from pypeit_spit.vocab import NEEDS_A_LOOK, count_outcomes

__all__ = ['setup_summary']


def _short(path):
    """A path relative to the working folder when it is inside it."""
    rel = os.path.relpath(str(path))
    return rel if not rel.startswith('..') else str(path)


def setup_summary(results, written=(), log_file=None, expanded=None, files=None):
    """
    The summary of a ``pypeit_spit_setup`` run.

    Parameters
    ----------
    results : sequence of `pypeit_spit.integration.frametypes.TypingResult`
        The typings done (none when SPIT was off: PypeIt's rules typed the night).
    written : sequence of `pathlib.Path`, optional
        Files written.
    log_file : `pathlib.Path` or None, optional
    expanded : dict or None, optional
        Folder -> night folders searched (:func:`~.roots.resolve_roots`).
    files : sequence of str or None, optional
        The raw files found (default: those typed).

    Returns
    -------
    str
        Lines for standard output.
    """
    lines = []
    sources = [str(s) for r in results for s in r.table['source']]
    if results:
        lines.append(f'pypeit_spit_setup: {len(sources)} frames typed: '
                     f'{count_outcomes(sources)}')
    else:
        lines.append("pypeit_spit_setup: SPIT is off for this spectrograph: PypeIt's header "
                     'rules typed every frame (as pypeit_setup)')
    for folder, nights in (expanded or {}).items():
        lines.append(f'searched the {len(nights)} night folders of {folder}')
    todo = [(r, row, path) for r in results for row, path in zip(r.table, r.paths)
            if row['source'] in NEEDS_A_LOOK]
    if todo:
        lines.append(f'{len(todo)} frame(s) need a look before run_pypeit '
                     f'({count_outcomes(row["source"] for _, row, _ in todo)}):')
        for _, row, _ in todo:
            typed = 'untyped, commented out' if row['frametype'] == 'None' \
                else f"typed {row['frametype']}"
            lines.append(f"  {row['filename']}: {row['source']}, {typed} ({row['reason']})")
        if any(row['frametype'] != 'None' for _, row, _ in todo):
            lines.append("  pypeit_spit_check fails until each typed one is settled in its "
                         'spit column (keep, rules, or frame types such as arc,tilt), then '
                         'pypeit_spit_retype')
        r, _, path = todo[0]
        spec = r.config.spectrograph if r.config is not None else None
        lines.append(f'  look at one: pypeit_spit_png {path} --annotate -d spit_png'
                     + (f' -s {spec}' if spec else ''))
    paths = [p for r in results for p in r.paths] if files is None else list(files)
    repeated = repeated_names(paths)
    if repeated:
        names = ', '.join(f'{n} ({len(d)}x)' for n, d in sorted(repeated.items())[:5])
        more = f' and {len(repeated) - 5} more' if len(repeated) > 5 else ''
        text = (f'{len(repeated)} file name(s) repeated across folders: {names}{more}; '
                'PypeIt reads each such row as one file: run pypeit_spit_setup on one night '
                'at a time')
        log.warning(text)
        lines.append(f'WARNING: {text}')
    if written:
        lines.append('wrote: ' + ', '.join(_short(p) for p in written))
    if log_file is not None:
        lines.append(f'log: {_short(log_file)}')
    return '\n'.join(lines)
