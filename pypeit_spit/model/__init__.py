"""
The network: architectures, model files and their metadata, the one inference path,
the vote, and calibration.

Only :mod:`~.keras_net` imports Keras (training, ``.keras`` files). The names below
are loaded on first use.
"""
import importlib

_LAZY = {'SpitModel': 'pypeit_spit.model.spit_model',
         'infer': 'pypeit_spit.model.inference',
         'Inference': 'pypeit_spit.model.inference',
         'get_model': 'pypeit_spit.model.store',
         'load_model': 'pypeit_spit.model.store',
         'save_model': 'pypeit_spit.model.store',
         'build_model': 'pypeit_spit.model.store',
         'resolve_model': 'pypeit_spit.model.store',
         'bundled_models': 'pypeit_spit.model.store',
         'DEFAULT_MODEL': 'pypeit_spit.model.store'}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__():
    return sorted(__all__)
