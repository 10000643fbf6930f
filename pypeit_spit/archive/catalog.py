"""
The archive's catalog: one SQLite file, one row per frame.

Why SQLite: it is in Python's standard library (nothing to install or start, on a
laptop or a cluster's login node), each night's rows are committed in one
transaction (write-ahead log, ``synchronous=FULL``), so a run killed at any moment —
``kill -9`` included — loses no committed row and leaves no half-written file, and a
re-run continues from what is there; a row is replaced, never duplicated (the file's
path is the primary key); and the questions users ask of an archive (per night, per
spectrograph, the conflicts worst first) are plain SQL, answered without reading the
whole catalog into memory. A Parquet dataset would need a file per commit and a
compaction step to replace a retyped frame's row; DuckDB is a dependency to install
and allows a single process at a time on the file. Readers (``--summary``,
:func:`read_catalog`) can run while a run writes.

Only the driver of a run writes (:class:`Catalog`); workers return rows.
"""
import os
import sqlite3
from pathlib import Path

import numpy as np
from astropy.table import Table

from pypeit_spit.archive.night import COLUMNS
from pypeit_spit.errors import UsageError

__all__ = ['SCHEMA_VERSION', 'Catalog', 'read_catalog', 'summary', 'conflicts', 'count_rows',
           'find_night']

#: Version of the catalog's layout (stored in the file; another is refused).
SCHEMA_VERSION = 1

_NAMES = tuple(name for name, _, _ in COLUMNS)


def _create_sql():
    cols = ',\n  '.join(f'{n} {t}' + (' PRIMARY KEY' if n == 'file' else '')
                        for n, t, _ in COLUMNS)
    return (f'CREATE TABLE IF NOT EXISTS frames (\n  {cols}\n);\n'
            'CREATE INDEX IF NOT EXISTS frames_night ON frames (spectrograph, night);\n'
            'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);\n')


def _check_schema(con, path):
    try:
        got = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        names = [r[1] for r in con.execute('PRAGMA table_info(frames)')]
    except sqlite3.DatabaseError as exc:
        raise UsageError(f'{path}: not a pypeit-spit catalog ({exc})') from None
    if got is None or int(got[0]) != SCHEMA_VERSION or tuple(names) != _NAMES:
        raise UsageError(f'{path}: not a pypeit-spit catalog of layout {SCHEMA_VERSION}')


class Catalog:
    """
    The catalog file, open for writing (by one process: a run's driver).

    Parameters
    ----------
    path : str or `pathlib.Path`
        Created when it does not exist (its folder must).

    Raises
    ------
    pypeit_spit.errors.UsageError
        A file that is not a catalog, or a folder that cannot be written.
    """

    def __init__(self, path):
        self.path = Path(path)
        if self.path.is_dir():
            raise UsageError(f'{path}: a folder (the catalog is a file, e.g. archive.sqlite)')
        if not self.path.parent.is_dir():
            raise UsageError(f'{path}: no such folder {self.path.parent}')
        new = not self.path.exists()
        try:
            self.con = sqlite3.connect(str(self.path), timeout=60, isolation_level=None)
            self.con.execute('PRAGMA journal_mode=WAL')
            self.con.execute('PRAGMA synchronous=FULL')
            if new:
                self.con.executescript(_create_sql())
                self.con.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)",
                                 (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as exc:
            raise UsageError(f'{path}: cannot open the catalog ({exc})') from None
        _check_schema(self.con, path)

    def known(self):
        """
        What the catalog holds of each frame, for resuming.

        Returns
        -------
        dict
            Path -> ``(size, mtime_ns, model_version, spectrograph)``.
        """
        cur = self.con.execute('SELECT file, size, mtime_ns, model_version, spectrograph '
                               'FROM frames')
        return {r[0]: tuple(r[1:]) for r in cur}

    def write(self, rows):
        """
        Commit rows in one transaction (a row of the same file is replaced).

        Parameters
        ----------
        rows : sequence of dict
            With every column of :data:`pypeit_spit.archive.night.COLUMNS`.
        """
        if not rows:
            return
        marks = ', '.join('?' * len(_NAMES))
        values = [tuple(r[n] for n in _NAMES) for r in rows]
        with self.con:   # BEGIN ... COMMIT (ROLLBACK on error)
            self.con.execute('BEGIN IMMEDIATE')
            self.con.executemany(f'INSERT OR REPLACE INTO frames ({", ".join(_NAMES)}) '
                                 f'VALUES ({marks})', values)

    def close(self):
        """Close the file."""
        self.con.close()


def _reader(path):
    p = Path(path)
    if not p.is_file():
        raise UsageError(f'{path}: no such catalog file')
    try:
        con = sqlite3.connect(f'file:{os.path.abspath(p)}?mode=ro', uri=True, timeout=60)
    except sqlite3.DatabaseError as exc:
        raise UsageError(f'{path}: cannot open the catalog ({exc})') from None
    _check_schema(con, path)
    return con


def count_rows(path):
    """
    The number of rows a catalog holds now (0 when there is none yet), read while a
    run may be writing it.

    Parameters
    ----------
    path : str or `pathlib.Path`

    Returns
    -------
    int
    """
    try:
        con = sqlite3.connect(f'file:{os.path.abspath(path)}?mode=ro', uri=True, timeout=1)
        try:
            return con.execute('SELECT COUNT(*) FROM frames').fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def _table(cursor, names):
    rows = cursor.fetchall()
    t = Table(rows=rows if rows else None, names=names,
              dtype=None if rows else [object] * len(names))
    for n in names:
        if t[n].dtype == object:
            t[n] = np.array([str(v) for v in t[n]], dtype=str) if len(t) else \
                np.zeros(0, dtype='U1')
    return t


def read_catalog(path, where=None, params=()):
    """
    The catalog as an astropy table, one row per frame.

    Parameters
    ----------
    path : str or `pathlib.Path`
        The catalog file of ``pypeit_spit_archive``.
    where : str or None, optional
        An SQL condition on the columns (e.g. ``"spectrograph = ?"``).
    params : sequence, optional
        Its ``?`` values.

    Returns
    -------
    `astropy.table.Table`
        The columns of :data:`pypeit_spit.archive.night.COLUMNS` (``file``, ``night``,
        ``spectrograph``, ``spit_class``, ``spit_prob``, ``decided``, ``source``, ...),
        in file order; their meaning in each column's ``description``.

    Raises
    ------
    pypeit_spit.errors.UsageError
        No such file, or not a catalog.

    Examples
    --------
    >>> from pypeit_spit.archive import read_catalog
    >>> t = read_catalog('archive.sqlite')                   # doctest: +SKIP
    >>> t[t['source'] == 'conflict']['file', 'spit_class', 'rules_type']  # doctest: +SKIP
    """
    con = _reader(path)
    try:
        sql = f'SELECT {", ".join(_NAMES)} FROM frames'
        if where:
            sql += f' WHERE {where}'
        t = _table(con.execute(sql + ' ORDER BY file', tuple(params)), _NAMES)
    finally:
        con.close()
    for name, _, doc in COLUMNS:
        t[name].description = doc
    t['spit_prob'].format = '.3f'
    return t


def summary(path):
    """
    Per spectrograph and night: frames, counts of each decided class, conflicts,
    unknown, unreadable, flagged.

    Parameters
    ----------
    path : str or `pathlib.Path`

    Returns
    -------
    `astropy.table.Table`
        One row per (spectrograph, night), and a last row ``all``.
    """
    from pypeit_spit.vocab import CLASSES
    counts = [f"SUM(decided_class = '{c}')" for c in CLASSES]
    outcomes = ('conflict', 'unknown', 'unreadable', 'flagged')
    counts += [f"SUM(source = '{o}')" for o in outcomes]
    names = ['spectrograph', 'night', 'frames', *CLASSES, *outcomes]
    con = _reader(path)
    try:
        t = _table(con.execute(f'SELECT spectrograph, night, COUNT(*), {", ".join(counts)} '
                               'FROM frames GROUP BY spectrograph, night '
                               'ORDER BY spectrograph, night'), names)
    finally:
        con.close()
    if len(t):
        t.add_row(['all', '', *[int(np.sum(t[n])) for n in names[2:]]])
    return t


def conflicts(path, limit=None):
    """
    The frames to look at, worst first: conflicts (SPIT sure and the header rules
    against it first: by SPIT's probability), then unknown, flagged, unreadable.

    Parameters
    ----------
    path : str or `pathlib.Path`
    limit : int or None, optional

    Returns
    -------
    `astropy.table.Table`
        ``file``, ``spectrograph``, ``source``, ``decided``, ``spit_class``,
        ``spit_prob``, ``rules_type``, ``reason``.
    """
    names = ['file', 'spectrograph', 'source', 'decided', 'spit_class', 'spit_prob',
             'rules_type', 'reason']
    order = ("CASE source WHEN 'conflict' THEN 0 WHEN 'unknown' THEN 1 WHEN 'flagged' "
             "THEN 2 ELSE 3 END, spit_prob DESC, file")
    sql = (f'SELECT {", ".join(names)} FROM frames WHERE source IN '
           f"('conflict', 'unknown', 'flagged', 'unreadable') ORDER BY {order}")
    if limit:
        sql += f' LIMIT {int(limit)}'
    con = _reader(path)
    try:
        t = _table(con.execute(sql), names)
    finally:
        con.close()
    t['spit_prob'].format = '.3f'
    return t


def find_night(path, night):
    """
    The night folder of a catalog that ``night`` names: as stored (its absolute
    path), a path to it (relative to the current folder), or the end of its path
    (``night_b``, ``2019/night_b``) when only one night of the catalog ends so.

    Parameters
    ----------
    path : str or `pathlib.Path`
        The catalog.
    night : str

    Returns
    -------
    str
        The night folder, as in the catalog's ``night`` column.

    Raises
    ------
    pypeit_spit.errors.UsageError
        No night of the catalog is named so, or several are (the message says which).
    """
    con = _reader(path)
    try:
        for cand in dict.fromkeys((str(night), os.path.abspath(night),
                                   os.path.realpath(night))):
            if con.execute('SELECT 1 FROM frames WHERE night = ? LIMIT 1',
                           (cand,)).fetchone():
                return cand
        stored = [r[0] for r in con.execute('SELECT DISTINCT night FROM frames')]
    finally:
        con.close()
    tail = os.sep + str(night).strip().strip(os.sep)
    found = sorted(n for n in stored if tail != os.sep and n.endswith(tail))
    if len(found) == 1:
        return found[0]
    if found:
        shown = ', '.join(found[:3]) + (', ...' if len(found) > 3 else '')
        raise UsageError(f'{night}: {len(found)} nights of {path} end so ({shown}); '
                         'give more of its path')
    raise UsageError(f'{night}: no such night in {path} ({len(stored)} night folders; '
                     '--summary lists them)')
