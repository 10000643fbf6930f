"""
Pre-processing: a canonical image (spectral axis horizontal, as
:mod:`pypeit_spit.io.load` reads it) -> the 210 x 650 (spatial x spectral) uint8 image
the network sees, and a few raw-pixel statistics. numpy only: nothing here opens a file
or imports PypeIt (:func:`pypeit_spit.pipeline.prepare.prepare_frame` reads, then calls
these stages).

Stages, one module each, in the order they run: :mod:`~.trim` (blank rows and
overscan-like edges), :mod:`~.resize`
(210 x 650, linear), :mod:`~.scale` (ZSCALE to uint8), :mod:`~.stats` (what ZSCALE
throws away). :mod:`~.contract` holds the model's input contract (shape, statistics,
version, flips, uint8 -> network conversion); :mod:`~.frame` chains the stages.

The names below are loaded on first use, so that ``import pypeit_spit.preprocess.trim``
stays light.
"""
import importlib

_LAZY = {'preprocess_image': 'pypeit_spit.preprocess.frame',
         'IMAGE_SHAPE': 'pypeit_spit.preprocess.contract',
         'STAT_NAMES': 'pypeit_spit.preprocess.contract',
         'PREPROCESS_VERSION': 'pypeit_spit.preprocess.contract',
         'flips': 'pypeit_spit.preprocess.contract',
         'to_network': 'pypeit_spit.preprocess.contract'}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def __dir__():
    return sorted(__all__)
