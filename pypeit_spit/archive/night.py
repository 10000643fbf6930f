"""
One task of an archive run: type every frame of one night folder, as
``pypeit_spit_setup`` types that night, and return one small record (a dict of plain
values, never an array) per frame.

The frames of a night are grouped by the spectrograph their headers name
(:func:`~pypeit_spit.archive.identify.identify`, or the one forced with ``-s``). Each
group goes through the one reading pool (:func:`pypeit_spit.pipeline.classify.classify_files`:
SPIT's :class:`~pypeit_spit.pipeline.verdict.FrameVerdict` per frame) and, for a PypeIt
spectrograph, through PypeIt's metadata and
:func:`pypeit_spit.integration.frametypes.type_frames`, the decision of
``pypeit_spit_setup`` (SPIT where the configuration enables it, the header rules,
conflicts, QA flags). The network runs on every readable frame, also where SPIT is not
enabled (the catalog records what SPIT says; the decision is still setup's). Frames
of no PypeIt spectrograph (``generic``) are typed by SPIT alone. A file that cannot
be read gets its row with the reason.
"""
import datetime
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from pypeit import log

from pypeit_spit.archive.identify import GENERIC, identify
from pypeit_spit.errors import SpitError
from pypeit_spit.io.paths import path_key
from pypeit_spit.vocab import UNKNOWN, class_of_frametypes

__all__ = ['COLUMNS', 'TypingOptions', 'type_night', 'failed_rows', 'model_identity']

#: The catalog's columns, in order, with their SQL types and meaning.
COLUMNS = (
    ('file', 'TEXT', 'absolute path of the raw file (the key)'),
    ('night', 'TEXT', 'its night folder'),
    ('spectrograph', 'TEXT', "PypeIt spectrograph, or 'generic' ('' when unreadable)"),
    ('found_by', 'TEXT', 'how the spectrograph was found (header card, forced, ...)'),
    ('loader', 'TEXT', 'what read its pixels'),
    ('spit_class', 'TEXT', "SPIT's class (unknown: no answer)"),
    ('spit_prob', 'REAL', "SPIT's probability of it (of the largest class when unknown)"),
    ('spit_votes', 'INTEGER', 'votes of the most-voted class of the four copies'),
    ('spit_voted', 'TEXT', 'the most-voted class'),
    ('rules_type', 'TEXT', "PypeIt's header-rule frame types ('' none)"),
    ('decided', 'TEXT', "the decided PypeIt frame types ('None': untyped)"),
    ('decided_class', 'TEXT', "the decided types as a class ('' none or mixed)"),
    ('source', 'TEXT', 'who decided: agree, spit, rules, conflict, unknown, unreadable, '
                       'flagged'),
    ('flag', 'TEXT', "SPIT's QA flag: pixels that are no calibration at all"),
    ('reason', 'TEXT', 'why: the decision, or why the file could not be read'),
    ('model', 'TEXT', 'model name'),
    ('model_version', 'TEXT', 'model file digest (sha256, 12 hex digits)'),
    ('size', 'INTEGER', 'file size, bytes'),
    ('mtime_ns', 'INTEGER', 'modification time, ns since 1970'),
    ('mtime', 'TEXT', 'modification time, UTC ISO 8601'),
    ('typed_at', 'TEXT', 'when the row was written, UTC ISO 8601'),
)


@dataclass(frozen=True)
class TypingOptions:
    """
    How an archive is typed (sent with every task; plain values only).

    Attributes
    ----------
    spectrograph : str or None
        Forced for every file (``-s``); None: found from each file's headers.
    user_file : str or None
        pypeit-spit configuration file.
    enable : bool or None
        ``--spit/--no-spit`` for every spectrograph (None: as configured).
    threshold : float or None
        Unknown cut replacing the model's.
    model : str or None
        Model replacing the configured one.
    """
    spectrograph: str | None = None
    user_file: str | None = None
    enable: bool | None = None
    threshold: float | None = None
    model: str | None = None

    def config(self, spectrograph):
        """The :class:`~pypeit_spit.integration.config.InstrumentConfig` of a
        spectrograph name under these options."""
        from pypeit_spit.integration.config import instrument_config
        return instrument_config(spectrograph, user_file=self.user_file, enabled=self.enable,
                                 threshold=self.threshold, model=self.model)


@functools.lru_cache(maxsize=16)
def _digest(path, mtime_ns):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()[:12]


def model_identity(model):
    """
    The name and version of a model.

    Parameters
    ----------
    model : str, `pathlib.Path` or None
        Bundled name or file (None: the bundled default).

    Returns
    -------
    name : str
        The file's stem.
    version : str
        The first 12 hex digits of the file's sha256 (what a catalog row is resumed
        on: a retrained model retypes the archive).
    """
    from pypeit_spit.model.store import resolve_model
    path = resolve_model(model).resolve()
    return path.stem, _digest(str(path), path.stat().st_mtime_ns)


def _iso(ns):
    if ns is None or ns < 0:
        return ''
    return datetime.datetime.fromtimestamp(ns / 1e9, datetime.timezone.utc).isoformat(
        timespec='microseconds')


def _now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')


def _row(night, entry, **values):
    path, size, mtime_ns = entry
    row = {name: '' for name, kind, _ in COLUMNS if kind == 'TEXT'}
    row.update(file=path, night=night, spit_class=UNKNOWN, spit_prob=0.0, spit_votes=0,
               decided='None', size=int(size), mtime_ns=int(mtime_ns), mtime=_iso(mtime_ns),
               typed_at=_now())
    row.update(values)
    row['decided_class'] = class_of_frametypes(row['decided'])
    return row


def _unread(options):
    """The model fields of a frame that was not read: the run's model (so that the frame
    is not retried until it changes)."""
    name, version = model_identity(options.config(options.spectrograph or GENERIC).model)
    return {'model': name, 'model_version': version}


def failed_rows(task, reason):
    """
    Rows for every frame of a task that could not be done at all (a worker that died
    on it every time; a bug), each with the reason: no frame is lost.

    Parameters
    ----------
    task : tuple
        ``(NightFolder, TypingOptions)``.
    reason : str

    Returns
    -------
    list of dict
    """
    night, options = task
    return [_row(night.folder, e, source='unreadable', reason=reason, **_unread(options))
            for e in night.files]


def _headers(path):
    """The first two headers of a file, read through PypeIt's ``fits_open`` (with the
    checks of :func:`pypeit_spit.integration.inputs.guarded_reading` in front: special
    files, headers that lie about their size)."""
    import pypeit.io
    hdul = pypeit.io.fits_open(path, memmap=False, lazy_load_hdus=True)
    try:
        out = [hdul[0].header]
        try:
            out.append(hdul[1].header)
        except IndexError:
            pass
        return out
    finally:
        hdul.close()


def _one_line(exc):
    return ' '.join(str(exc).split()) or type(exc).__name__


def type_night(task):
    """
    Type one night folder (the task an archive run sends to a worker).

    Parameters
    ----------
    task : tuple
        ``(NightFolder, TypingOptions)``.

    Returns
    -------
    list of dict
        One row per file of the night (columns :data:`COLUMNS`), in the night's file
        order.
    """
    from pypeit_spit.integration.inputs import guarded_reading
    night, options = task
    with guarded_reading():
        return _type_night(night, options)


def _type_night(night, options):
    rows = {}
    groups = {}
    unread = _unread(options)
    for entry in night.files:
        path = entry[0]
        try:
            path.encode('utf-8')
        except UnicodeEncodeError:
            rows[path] = _row(night.folder, entry, source='unreadable',
                              reason='the file name is not valid UTF-8 (rename the file)',
                              **unread)
            continue
        if entry[1] < 0:
            rows[path] = _row(night.folder, entry, source='unreadable',
                              reason='cannot stat the file (a broken link?)', **unread)
            continue
        if options.spectrograph:
            name, note = options.spectrograph, 'forced (-s)'
        else:
            try:
                name, note = identify(path, _headers(path), user_file=options.user_file)
            except Exception as exc:   # any unreadable header: the row says why
                rows[path] = _row(night.folder, entry, source='unreadable',
                                  reason=f'cannot read its headers: {_one_line(exc)}',
                                  **unread)
                continue
        groups.setdefault(name, []).append((entry, note))
    for name, members in groups.items():
        for row in _type_group(night.folder, name, members, options):
            rows[row['file']] = row
    return [rows[e[0]] for e in night.files]


def _type_group(night, name, members, options):
    """Rows of the frames of one night and one spectrograph."""
    from pypeit_spit.pipeline.classify import classify_files
    cfg = options.config(name)
    model_name, version = model_identity(cfg.model)
    spec = None if name == GENERIC else name
    paths = [e[0] for e, _ in members]
    verdicts = classify_files(paths, spectrograph=spec, model=cfg.model,
                              batch_size=cfg.batch_size, threshold=cfg.threshold,
                              max_pixels=cfg.max_pixels, workers=1)
    typed = _pypeit_typing(spec, paths, verdicts, cfg) if spec is not None else {}
    out = []
    for (entry, note), verdict in zip(members, verdicts):
        common = dict(spectrograph=name, found_by=note, loader=verdict.loader,
                      spit_class=verdict.answer, spit_prob=float(verdict.prob),
                      spit_votes=int(verdict.votes), spit_voted=verdict.voted,
                      flag=verdict.flag, model=model_name, model_version=version)
        t = typed.get(path_key(entry[0]))
        if isinstance(t, dict):
            common.update(t)
        elif verdict.error:
            common.update(source='unreadable', reason=verdict.error)
        elif verdict.flag:
            common.update(source='flagged', reason=verdict.flag)
        elif verdict.answer == UNKNOWN:
            common.update(source='unknown', reason=f'SPIT unsure ({verdict.votes}/4 votes, '
                                                   f'p={verdict.prob:.3f})')
        else:
            common.update(source='spit', decided=','.join(cfg.types_for(verdict.answer)),
                          reason='SPIT')
        if spec is None and not verdict.error:
            common['reason'] += '; no PypeIt spectrograph: no header rules'
        elif isinstance(t, str):
            common['reason'] += f'; {t}'
        out.append(_row(night, entry, **common))
    return out


def _pypeit_typing(spec_name, paths, verdicts, cfg):
    """
    ``pypeit_spit_setup``'s typing of the frames of one spectrograph: PypeIt's metadata
    as ``PypeItSetup`` builds it, and ``type_frames``.

    Returns
    -------
    dict
        Path key -> ``{'rules_type', 'decided', 'source', 'reason'}``; when PypeIt cannot
        tabulate the headers, path key -> the reason (str) for every frame.
    """
    from pypeit.metadata import PypeItMetaData

    from pypeit_spit.integration.frametypes import type_frames
    from pypeit_spit.io.spectrograph import get_spectrograph
    spec = get_spectrograph(spec_name)
    existing = [p for p in paths if os.path.isfile(p)]
    why = 'PypeIt did not tabulate the header'
    if existing:
        try:
            fitstbl = PypeItMetaData(spec, spec.default_pypeit_par(), files=existing,
                                     strict=False)
            by_key = {path_key(v.path): v for v in verdicts}
            keys = [path_key(os.path.join(str(d), str(f)))
                    for d, f in zip(fitstbl['directory'], fitstbl['filename'])]
            result = type_frames(fitstbl, [by_key[k] for k in keys], config=cfg)
        except SpitError:
            raise
        except Exception as exc:   # headers PypeIt cannot tabulate: SPIT alone, said so
            why = f'PypeIt cannot tabulate the headers ({_one_line(exc)})'
            log.warning(f'{Path(paths[0]).parent}: {why}')
        else:
            out = {}
            for k, trow in zip(keys, result.table):
                out[k] = {'rules_type': str(trow['rules_type']),
                          'decided': str(trow['frametype']),
                          'source': str(trow['source']), 'reason': str(trow['reason'])}
            return {path_key(p): out.get(path_key(p), why) for p in paths}
    return {path_key(p): why for p in paths}
