"""
pypeit-spit: type raw spectral CCD frames from their pixels with a convolutional
network, inside PypeIt.

The flow, one module per stage: :mod:`~pypeit_spit.load` -> :mod:`~pypeit_spit.trim`
-> :mod:`~pypeit_spit.resize` -> :mod:`~pypeit_spit.scale` -> :mod:`~pypeit_spit.network`
-> :mod:`~pypeit_spit.vote` -> :mod:`~pypeit_spit.pypeit_types`.
"""
__version__ = '0.1.0'

from pypeit_spit.classify import classify_files  # noqa: E402
from pypeit_spit.pypeit_types import enabled, type_frames  # noqa: E402

__all__ = ['classify_files', 'enabled', 'type_frames', '__version__']
