"""
pypeit-spit: type raw spectral CCD frames from their pixels with a convolutional
network, inside PypeIt.

Data flow, one sub-package per area, one way:

FITS -> :mod:`pypeit_spit.io` (the canonical image, spectral axis horizontal) ->
:mod:`pypeit_spit.preprocess` (trim, resize, ZSCALE, statistics: the 210x650 image,
numpy only) -> :mod:`pypeit_spit.model` (the network: probabilities of the image and
its three flips, votes) -> :mod:`pypeit_spit.pipeline` (one :class:`FrameVerdict` per
frame) -> PypeIt types (:mod:`pypeit_spit.integration`). :func:`classify_files` runs
the pipeline for a list of files; :func:`type_frames` types PypeIt's metadata from the
verdicts; :func:`enabled` does both inside PypeIt's own setup.

Importing this package is cheap and has no side effects: the names below are loaded
on first use.
"""
import importlib

__version__ = '0.2.0.dev0'

#: Public names and the modules that define them (loaded on first access).
_LAZY = {'classify_files': 'pypeit_spit.pipeline.classify',
         'FrameVerdict': 'pypeit_spit.pipeline.verdict',
         'enabled': 'pypeit_spit.integration.hook',
         'type_frames': 'pypeit_spit.integration.frametypes',
         'use_offline_sites': 'pypeit_spit.io.sites'}

__all__ = ['__version__', *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__():
    return sorted(__all__)
