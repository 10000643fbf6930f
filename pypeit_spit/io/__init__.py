"""
Every file in or out, and the one door to PypeIt's spectrographs.

:mod:`~.load` reads a raw frame into the canonical image (spectral axis horizontal),
with PypeIt's reader for a named spectrograph or the generic one; :mod:`~.spectrograph`
loads a PypeIt spectrograph from its name; :mod:`~.sites` gives PypeIt's telescopes
their locations offline; :mod:`~.paths` expands folders into frames and names them.
Nothing is done on import.
"""
