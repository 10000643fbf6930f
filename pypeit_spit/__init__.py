"""
pypeit-spit: type raw spectral CCD frames from their pixels with a convolutional
network, inside PypeIt.

Data flow, one sub-package per area, one way:

FITS -> :mod:`pypeit_spit.preprocess` (load, trim, resize, ZSCALE, statistics:
the 210x650 image and its statistics) -> :mod:`pypeit_spit.model` (the network:
probabilities of the image and its three flips, votes, decision) -> PypeIt types
(:mod:`pypeit_spit.integration`). :func:`classify_files` runs the first two for a list
of files; :func:`enabled` types frames inside PypeIt's own setup.

Importing this package is cheap and has no side effects: the names below are loaded
on first use.
"""
import importlib

__version__ = '0.2.0.dev0'

#: Public names and the modules that define them (loaded on first access).
_LAZY = {'classify_files': 'pypeit_spit.classify',
         'enabled': 'pypeit_spit.integration.hook',
         'type_frames': 'pypeit_spit.integration.frametypes',
         'use_offline_sites': 'pypeit_spit.sites'}

__all__ = ['__version__', *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__():
    return sorted(__all__)
