"""
Every default setting, written once: the ``[default]`` section of
``configs/spit_spec.cfg`` as one frozen object, :data:`DEFAULTS`.

Signatures and command-line options take their defaults from it;
:mod:`pypeit_spit.integration.config` layers the packaged and user files and the
per-spectrograph sections on top of the same spec. Reading it changes nothing (the
spec is a file of the package).
"""
from dataclasses import dataclass

import configobj
import validate

from pypeit_spit.paths import package_folder

__all__ = ['Defaults', 'DEFAULTS', 'spec_path']


def spec_path():
    """Path to the validation spec, ``spit_spec.cfg``."""
    return package_folder('configs') / 'spit_spec.cfg'


@dataclass(frozen=True)
class Defaults:
    """
    The defaults of ``configs/spit_spec.cfg`` (see there for what each means).

    Attributes
    ----------
    enabled : bool
    model : str
    threshold : float or None
    header_evidence : bool
    std_radius : float
    batch_size : int
    max_pixels : int
    rules_error, near_zero, contradict, override, exptime_mismatch : float
    bias_noise_factor, model_budget : float
    distrust : float
    distrust_min : int
    """
    enabled: bool
    model: str
    threshold: float | None
    header_evidence: bool
    std_radius: float
    batch_size: int
    max_pixels: int
    rules_error: float
    near_zero: float
    contradict: float
    override: float
    exptime_mismatch: float
    bias_noise_factor: float
    model_budget: float
    distrust: float
    distrust_min: int


def _read():
    cfg = configobj.ConfigObj({'default': {}}, configspec=str(spec_path()),
                              encoding='utf-8')
    cfg.validate(validate.Validator())
    section = cfg['default']
    return Defaults(**{name: section[name] for name in Defaults.__dataclass_fields__})


#: The defaults, read from the spec.
DEFAULTS = _read()
