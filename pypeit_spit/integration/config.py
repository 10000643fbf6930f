"""
The one configuration reader of pypeit-spit.

Settings are per PypeIt spectrograph and live in configobj files validated
against ``configs/spit_spec.cfg``, where every key is documented with its type
and **its default (the only place defaults are written)**. They are layered,
each level overriding the previous one:

1. the packaged defaults, ``configs/spit.cfg``;
2. a user file: given explicitly (``--spit-config FILE``), or
   ``~/.config/pypeit_spit/spit.cfg`` when it exists;
3. command-line flags (``--spit/--no-spit``, ``--spit-threshold``, ``--spit-model``);
4. the per-row ``spit`` column of a ``.pypeit`` file (handled by
   :mod:`pypeit_spit.integration.frametypes`).

Within one level, a ``[<spectrograph>]`` section overrides ``[default]`` key by
key. The settings are *not* put in PypeIt's own parameter block: PypeIt refuses
unknown keys there.
"""
import copy
import math
from dataclasses import dataclass, field
from pathlib import Path

import configobj
import validate

from pypeit_spit.errors import ConfigError
from pypeit_spit.defaults import Defaults, spec_path
from pypeit_spit.paths import package_folder
from pypeit_spit.vocab import CLASSES

__all__ = ['InstrumentConfig', 'user_config_path', 'read_config_file', 'load_config',
           'instrument_config']

#: Keys of one spectrograph's settings (besides the ``types`` subsection).
KEYS = ('enabled', 'model', 'threshold', 'header_evidence', 'std_radius', 'batch_size',
        'max_pixels', 'rules_error', 'near_zero', 'contradict', 'override', 'exptime_mismatch',
        'bias_noise_factor', 'model_budget', 'distrust', 'distrust_min')


#: Largest configuration file read (bytes): a real one is a few hundred bytes.
MAX_CONFIG_BYTES = 1 << 20


def user_config_path():
    """
    The user's configuration file (it may not exist).

    Returns
    -------
    `pathlib.Path`
        ``~/.config/pypeit_spit/spit.cfg``.
    """
    return Path.home() / '.config' / 'pypeit_spit' / 'spit.cfg'


def default_path():
    """Path to the packaged defaults, ``spit.cfg``."""
    return package_folder('configs') / 'spit.cfg'


@dataclass(frozen=True)
class InstrumentConfig(Defaults):
    """
    The resolved SPIT settings of one spectrograph: the settings of
    :class:`~pypeit_spit.defaults.Defaults`, resolved, and the spectrograph's types.

    Every value comes from the configuration files (defaults: the spec) and the
    command line; see ``configs/spit_spec.cfg`` for what each means.

    Attributes
    ----------
    spectrograph : str
        PypeIt spectrograph name.
    enabled : bool
        Whether SPIT types this spectrograph's frames.
    model : object
        Bundled model name, path to a model file, or a loaded
        `pypeit_spit.model.spit_model.SpitModel`.
    threshold : float or None
        Unknown cut replacing the model's own calibrated cuts; None keeps the
        model's; 0 takes every 3-of-4 vote winner.
    header_evidence : bool
        Let header evidence settle science vs standard.
    std_radius : float
        Matching radius to archived standards (arcmin).
    batch_size : int
        Frames read and pre-processed together.
    max_pixels : int
        Size limit: larger frames are read binned.
    rules_error, near_zero, contradict, override, exptime_mismatch : float
        The parameters of the typing decision
        (:mod:`pypeit_spit.integration.decision`).
    bias_noise_factor : float
        How many times the detector's read noise a bias's pixel noise may be
        (:func:`pypeit_spit.preprocess.quality.not_a_bias`).
    model_budget : float
        Seconds the model's first run may take when it is loaded
        (:func:`pypeit_spit.model.store.load_model`).
    distrust : float
    distrust_min : int
        When the model is doubted for a run, so that soft header facts bind it
        (:func:`pypeit_spit.integration.frametypes.doubt_of_model`).
    types : dict
        SPIT class -> list of PypeIt frame type names.
    sources : list of str
        The configuration levels used, in order (for messages).
    """
    spectrograph: str = ''
    types: dict = field(default_factory=dict)
    sources: list = field(default_factory=list)

    def types_for(self, spit_class):
        """
        PypeIt frame types of a SPIT class.

        Parameters
        ----------
        spit_class : str

        Returns
        -------
        list of str
            Empty for ``unknown`` or an unmapped class.
        """
        return list(self.types.get(spit_class, []))


def _valid_frametypes():
    from pypeit.core.framematch import FrameTypeBitMask
    return set(FrameTypeBitMask().keys())


def _known_spectrographs():
    from pypeit_spit.io.sites import use_offline_sites
    use_offline_sites()
    from pypeit.spectrographs import available_spectrographs
    return set(available_spectrographs)


def _where(sections):
    """``[a][b]`` for a list of section names (``top level`` for none)."""
    return '[' + ']['.join(sections) + ']' if sections else 'top level'


def _not_finite(cfg):
    """The validated numbers that are not finite (``nan`` passes the spec's min and max:
    ``rules_error = nan`` would type every frame a bias), one problem each."""
    problems = []
    for name in cfg.sections:
        for key in KEYS:
            value = cfg[name].get(key)
            if isinstance(value, float) and not math.isfinite(value):
                problems.append(f'[{name}] {key}: {value} is not a finite number')
    return problems


def read_config_file(path, defaults=False):
    """
    Read and validate one configuration file.

    Parameters
    ----------
    path : str or `pathlib.Path`
        The file.
    defaults : bool, optional
        Keep the spec's defaults for keys the file does not set (only for the
        packaged defaults); otherwise only the keys in the file are returned.

    Returns
    -------
    dict
        ``{section: {key: value, 'types': {class: [types]}}}`` with typed values.

    Raises
    ------
    ConfigError
        Missing or unparsable file, a value of the wrong type, an unknown key,
        an unknown spectrograph section, or an unknown PypeIt frame type; the
        message names the file and the key.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise ConfigError(f'{path}: is a folder, not a pypeit-spit configuration file')
    if not path.is_file():
        raise ConfigError(f'{path}: pypeit-spit configuration file does not exist')
    try:
        # Read the text first: configobj's own decoding errors do not name the file.
        # At most MAX_CONFIG_BYTES (+1 to tell), whatever size the file claims.
        with open(path, 'rb') as f:
            data = f.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(f'{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB: not a '
                              'pypeit-spit configuration file')
        lines = data.decode('utf-8-sig').splitlines()
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b'\n') + 1
        raise ConfigError(f'{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} on '
                          f'line {line})') from None
    except OSError as exc:
        raise ConfigError(f'{path}: cannot read it ({exc.strerror or exc})') from None
    try:
        # No interpolation: "%(key)s" and "$key" are text, never a loop or a missing key.
        cfg = configobj.ConfigObj(lines, configspec=str(spec_path()), encoding='utf-8',
                                  interpolation=False)
    except (configobj.ConfigObjError, OSError, RecursionError) as exc:
        raise ConfigError(f'{path}: cannot parse configuration: '
                          f'{" ".join(str(exc).split())}') from exc
    result = cfg.validate(validate.Validator(), preserve_errors=True)
    problems = []
    if result is not True:
        for sections, key, err in configobj.flatten_errors(cfg, result):
            where = _where(sections)
            what = key if key is not None else '(section)'
            if err is False or err is None:
                reason = 'missing'
            else:
                reason = ' '.join(str(err).split()) or type(err).__name__
            problems.append(f'{where} {what}: {reason}')
    problems.extend(_not_finite(cfg))
    for sections, key in configobj.get_extra_values(cfg):
        where = _where(sections)
        problems.append(f'{where} {key}: unknown key')
    known = None
    for name in cfg.sections:
        if name == 'default':
            continue
        known = _known_spectrographs() if known is None else known
        if name not in known:
            problems.append(f'[{name}]: not a PypeIt spectrograph name')
    valid = _valid_frametypes()
    for name in cfg.sections:
        types = cfg[name].get('types', {})
        if not isinstance(types, dict):
            continue  # reported above: 'types' must be a [[types]] subsection
        for cls in CLASSES:
            value = types.get(cls)
            if value is None or cls in types.defaults:
                continue
            if isinstance(value, str):
                value = [value]
            names = [str(t).strip() for t in value]
            if not any(names):
                problems.append(f'[{name}][types] {cls}: no PypeIt frame type given')
                continue
            bad = [t for t in names if t not in valid]
            if bad:
                problems.append(f'[{name}][types] {cls}: unknown PypeIt frame type(s) '
                                f'{", ".join(repr(t) for t in bad)}')
    for name in cfg.sections:
        model = cfg[name].get('model')
        if isinstance(model, str) and not model.strip() and 'model' not in cfg[name].defaults:
            problems.append(f'[{name}] model: empty (name a bundled model or a model file)')
    if problems:
        raise ConfigError(f'{path}: invalid pypeit-spit configuration: ' + '; '.join(problems))
    out = {}
    for name in cfg.sections:
        sec = cfg[name]
        keep = defaults and name == 'default'
        # The packaged [default] keeps every key (None included: "the model's cut");
        # elsewhere only the keys the file sets.
        entry = {k: sec.get(k) for k in KEYS
                 if (keep and k in sec) or (sec.get(k) is not None and k not in sec.defaults)}
        types = sec.get('types', {})
        entry['types'] = {k: list(types[k]) for k in CLASSES
                          if types.get(k) is not None and (keep or k not in types.defaults)}
        out[name] = entry
    return out


def _merge(base, top):
    out = copy.deepcopy(base)
    for name, entry in top.items():
        dest = out.setdefault(name, {'types': {}})
        for k, v in entry.items():
            if k == 'types':
                dest.setdefault('types', {}).update(v)
            else:
                dest[k] = v
    return out


def _layers(user_file=None):
    """
    The configuration files in the order they override each other: the packaged
    defaults, then the user file.

    Parameters
    ----------
    user_file : str, `pathlib.Path` or None, optional
        See :func:`load_config`.

    Returns
    -------
    layers : list of dict
        Each file's settings (:func:`read_config_file`).
    sources : list of str
        The files read, in order.
    """
    layers = [read_config_file(default_path(), defaults=True)]
    sources = [str(default_path())]
    if user_file is None:
        home = user_config_path()
        user_file = home if home.is_file() else None
    if user_file is not None:
        layers.append(read_config_file(user_file))
        sources.append(str(Path(user_file).expanduser()))
    return layers, sources


def load_config(user_file=None):
    """
    Read the packaged defaults and the user file, merged section by section.

    Parameters
    ----------
    user_file : str, `pathlib.Path` or None, optional
        An explicit user file (must exist). None reads
        :func:`user_config_path` when it exists.

    Returns
    -------
    config : dict
        Merged settings, ``{section: {...}}``.
    sources : list of str
        The files read, in order.
    """
    layers, sources = _layers(user_file)
    config = layers[0]
    for layer in layers[1:]:
        config = _merge(config, layer)
    return config, sources


def instrument_config(spectrograph, user_file=None, enabled=None, threshold=None, model=None):
    """
    Resolve the SPIT settings of one spectrograph, through every layer.

    Parameters
    ----------
    spectrograph : str or `pypeit.spectrographs.spectrograph.Spectrograph`
        PypeIt spectrograph (name or instance).
    user_file : str, `pathlib.Path` or None, optional
        See :func:`load_config`.
    enabled : bool or None, optional
        Command-line ``--spit``/``--no-spit``; None leaves the files' value.
    threshold : float or None, optional
        Command-line ``--spit-threshold``.
    model : str, `pathlib.Path`, SpitModel or None, optional
        Command-line ``--spit-model``.

    Returns
    -------
    InstrumentConfig

    Raises
    ------
    ConfigError
        For an invalid file, or an invalid command-line value.
    """
    name = spectrograph if isinstance(spectrograph, str) else spectrograph.name
    layers, sources = _layers(user_file)
    # File by file, each overriding the one before: a file's [default], then its section
    # of this spectrograph (so the user's [default] overrides the packaged sections too).
    settings = copy.deepcopy(layers[0]['default'])
    for layer in layers:
        for section in ('default', name):
            own = layer.get(section, {})
            settings.update({k: v for k, v in own.items() if k != 'types'})
            settings['types'].update(own.get('types', {}))
    cli = []
    if enabled is not None:
        settings['enabled'] = bool(enabled)
        cli.append('--spit' if enabled else '--no-spit')
    if threshold is not None:
        try:
            threshold = float(threshold)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f'command line: --spit-threshold {threshold!r} is not a number') \
                from exc
        if not 0.0 <= threshold <= 1.0:
            raise ConfigError(f'command line: --spit-threshold {threshold} is not in [0, 1]')
        settings['threshold'] = threshold
        cli.append('--spit-threshold')
    if model is not None:
        settings['model'] = model
        cli.append('--spit-model')
    if cli:
        sources.append('command line (' + ', '.join(cli) + ')')
    return InstrumentConfig(spectrograph=name, sources=sources,
                            **{k: settings[k] for k in (*KEYS, 'types')})
