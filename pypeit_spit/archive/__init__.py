"""
Typing a whole archive into a catalog: thousands of night folders, several
spectrographs, on local processes or a dask.distributed cluster, resumably
(``pypeit_spit_archive``).

``walk`` (night folders), ``identify`` (a file's PypeIt spectrograph from its
headers), ``night`` (one task: a night typed as ``pypeit_spit_setup`` types it, one
small record per frame), ``catalog`` (the SQLite catalog: its single writer, and the
queries), ``run`` (the driver: resume, workers, progress).
"""
from pypeit_spit.archive.catalog import conflicts, read_catalog, summary
from pypeit_spit.archive.night import TypingOptions
from pypeit_spit.archive.run import type_archive

__all__ = ['read_catalog', 'summary', 'conflicts', 'type_archive', 'TypingOptions']
