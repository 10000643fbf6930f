"""
The hook that makes PypeIt type frames with SPIT: a scoped, thread-safe replacement
of two methods of ``pypeit.metadata.PypeItMetaData``.

Inside a :func:`enabled` block, ``get_frame_types`` (when not given user types) calls
:func:`~pypeit_spit.integration.frametypes.type_frames`, adds the SPIT columns and
applies PypeIt's own policy to untyped frames; ``set_pypeit_cols`` adds the SPIT
columns to the written ``.pypeit``/``.sorted``/obslog files.

Threads: the methods are replaced once, reference-counted under a lock, for as long as
any block is open in any thread, and restored exactly when the last one closes (also on
error). Whether SPIT types a table is decided by the *calling* thread's context
(:mod:`contextvars`): a thread that has not entered a block gets PypeIt's own
behaviour even while another thread's block is open, and blocks of different threads
may open and close in any order. Nested blocks use the innermost settings.

Before replacing anything the hook checks that PypeIt's methods have the signatures it
was written for, and refuses (:class:`~pypeit_spit.errors.HookError`) otherwise.
"""
import contextlib
import contextvars
import inspect
import threading

import numpy as np
from pypeit import log

from pypeit_spit import stop
from pypeit_spit.errors import HookError
from pypeit_spit.integration.config import instrument_config
from pypeit_spit.integration.frametypes import (SPIT_COLUMNS, add_spit_columns,
                                                apply_unknown_policy, classify_metadata,
                                                type_frames, typing_summary)

__all__ = ['enabled', 'is_enabled', 'EXPECTED_SIGNATURES']

#: Parameters of the PypeIt methods the hook replaces (PypeIt 2.0.x).
EXPECTED_SIGNATURES = {
    'get_frame_types': ('self', 'flag_unknown', 'user', 'merge'),
    'set_pypeit_cols': ('self', 'write_bkg_pairs', 'write_manual', 'write_shift'),
}

_LOCK = threading.Lock()
_PATCH = {'count': 0, 'originals': {}}
_ACTIVE = contextvars.ContextVar('pypeit_spit_active', default=())


def is_enabled():
    """Whether an :func:`enabled` block is open in the calling thread (context)."""
    return bool(_ACTIVE.get())


def _check_signatures(cls):
    problems = []
    for name, params in EXPECTED_SIGNATURES.items():
        method = cls.__dict__.get(name)
        if method is None:
            problems.append(f'{cls.__name__}.{name} does not exist')
            continue
        got = tuple(inspect.signature(method).parameters)
        if got != params:
            problems.append(f'{cls.__name__}.{name}{got} is not {params}')
    if problems:
        import pypeit
        raise HookError(f'PypeIt {pypeit.__version__} is not the version the SPIT hook was '
                        'written for (pypeit>=2.0.1,<2.1): ' + '; '.join(problems))


def _get_frame_types(self, flag_unknown=False, user=None, merge=True):
    stop.check()   # a signal PypeIt caught while it read the headers ends the typing
    original = _PATCH['originals']['get_frame_types']
    active = _ACTIVE.get()
    if user is not None or not active:
        return original(self, flag_unknown=flag_unknown, user=user, merge=merge)
    settings, record = active[-1]
    cfg = instrument_config(self.spectrograph, user_file=settings['user_file'],
                            enabled=settings['enable'], threshold=settings['threshold'],
                            model=settings['model'])
    if not cfg.enabled:
        log.info(f'SPIT is disabled for {cfg.spectrograph}: header rules only')
        return original(self, flag_unknown=flag_unknown, user=user, merge=merge)
    for key in ('frametype', 'framebit'):
        if key in self.keys():
            log.warning(f'Removing existing {key} column.')
            del self.table[key]
    cut = 'the model\'s calibrated cut' if cfg.threshold is None else f'{cfg.threshold:g}'
    log.info(f'Typing files with SPIT (model {cfg.model}, Unknown cut {cut}) and the header '
             'rules')
    verdicts = classify_metadata(self, cfg, prefetch=settings['prefetch'])
    result = type_frames(self, verdicts, config=cfg)
    stop.check()
    record['results'].append(result)
    self.spit_typing = result
    add_spit_columns(self, result)
    apply_unknown_policy(self, result.bits, flag_unknown)
    log.info(f'Typing completed: {typing_summary([result])}')
    typed = self.set_frame_types(result.bits, merge=merge)
    _configurations_from_calibrations(self)
    return typed


def _configurations_from_calibrations(fitstbl):
    """
    A night whose every frame SPIT types configuration-independent (a night of only
    biases): PypeIt would find no frame to define a configuration from ("No frames to
    use to define configurations!"), where ``pypeit_setup``, whose header rules leave
    some of them untyped, succeeds. The configurations are then defined, by PypeIt's
    own ``unique_configurations``, from those frames themselves.
    """
    if len(fitstbl) == 0 or 'setup' in fitstbl.keys() \
            or fitstbl.spectrograph.config_independent_frames() is None:
        return
    ignored = fitstbl.ignore_frames()[1]
    if len(ignored) < len(fitstbl):
        return
    kinds = ', '.join(fitstbl.spectrograph.config_independent_frames())
    log.warning(f'Every frame is of a type PypeIt leaves out of the configurations '
                f'({kinds}): the configurations are defined from these frames')
    # PypeIt's own method, with nothing left out (on this table only)
    fitstbl.ignore_frames = lambda: ({}, np.array([], dtype=int))
    try:
        fitstbl.unique_configurations(force=True)
    finally:
        del fitstbl.ignore_frames


def _set_pypeit_cols(self, write_bkg_pairs=False, write_manual=False, write_shift=False):
    columns = _PATCH['originals']['set_pypeit_cols'](
        self, write_bkg_pairs=write_bkg_pairs, write_manual=write_manual,
        write_shift=write_shift)
    return list(columns) + [c for c in SPIT_COLUMNS if c in self.keys() and c not in columns]


def _install():
    from pypeit.metadata import PypeItMetaData
    with _LOCK:
        if _PATCH['count'] == 0:
            _check_signatures(PypeItMetaData)
            replacements = {'get_frame_types': _get_frame_types,
                            'set_pypeit_cols': _set_pypeit_cols}
            for name, func in replacements.items():
                original = PypeItMetaData.__dict__[name]
                _PATCH['originals'][name] = original
                func.__doc__ = original.__doc__
                setattr(PypeItMetaData, name, func)
        _PATCH['count'] += 1


def _uninstall():
    from pypeit.metadata import PypeItMetaData
    with _LOCK:
        _PATCH['count'] -= 1
        if _PATCH['count'] == 0:
            for name, original in _PATCH['originals'].items():
                setattr(PypeItMetaData, name, original)
            _PATCH['originals'] = {}


@contextlib.contextmanager
def enabled(user_file=None, enable=None, threshold=None, model=None, prefetch=None):
    """
    Type frames with SPIT inside PypeIt for the duration of a ``with`` block.

    For a spectrograph where SPIT is disabled nothing changes. See the module
    docstring for what is replaced and how threads are handled.

    Parameters
    ----------
    user_file : str or None, optional
        User configuration file (see :func:`pypeit_spit.integration.config.load_config`).
    enable : bool or None, optional
        Force SPIT on/off for every spectrograph; None follows the configuration.
    threshold : float or None, optional
        Unknown cut replacing the model's (and the instrument's).
    model : str, `pathlib.Path`, SpitModel or None, optional
        Override the instrument's model.
    prefetch : `pypeit_spit.pipeline.reader.Prefetch` or None, optional
        Frames being read ahead (``pypeit_spit_setup`` starts reading the night's
        pixels while PypeIt reads the headers); typing takes them from it.

    Yields
    ------
    dict
        ``{'results': [...]}``: the
        :class:`~pypeit_spit.integration.frametypes.TypingResult` of each typing done.

    Raises
    ------
    pypeit_spit.errors.HookError
        PypeIt's methods are not those the hook was written for.

    Examples
    --------
    >>> import pypeit_spit
    >>> pypeit_spit.use_offline_sites()   # only offline, before PypeIt's spectrographs
    >>> from pypeit.pypeitsetup import PypeItSetup
    >>> with pypeit_spit.enabled():                          # doctest: +SKIP
    ...     ps = PypeItSetup.from_file_root('/data/Kast', 'shane_kast_blue')
    ...     ps.run(setup_only=True)
    """
    settings = {'user_file': user_file, 'enable': enable, 'threshold': threshold,
                'model': model, 'prefetch': prefetch}
    record = {'results': []}
    _install()
    token = _ACTIVE.set(_ACTIVE.get() + ((settings, record),))
    try:
        yield record
    finally:
        _ACTIVE.reset(token)
        _uninstall()
