"""
Simulated raw Lick/Kast frames (blue, red Hamamatsu, red Reticon) for training the typer.

Main entry points:

* :func:`simulate_frame` -- one raw frame in memory: ``(uint16 array, header, params)``.
* :func:`simulate_night` / :func:`simulate_nights` -- whole observing nights written as
  raw FITS files plus a manifest (``outdir/manifest.ecsv``).
* :func:`pypeit_spit.simulate.compare.compare_real` -- realism gallery and statistics
  against real frames.

Detector geometry comes from PypeIt's spectrograph classes
(:mod:`~pypeit_spit.simulate.detector`), light from PypeIt's line lists and sky spectrum
(:mod:`~pypeit_spit.simulate.light`), headers in the real Kast format
(:mod:`~pypeit_spit.simulate.header`); every drawn range lives in
:mod:`~pypeit_spit.simulate.params`.
"""
from pypeit_spit.simulate.params import CAMERAS, CLASSES, FAULTS
from pypeit_spit.simulate.frame import Context, draw_context, simulate_frame
from pypeit_spit.simulate.night import MANIFEST_NAME, simulate_night, simulate_nights

__all__ = ['CAMERAS', 'CLASSES', 'FAULTS', 'Context', 'draw_context', 'simulate_frame',
           'simulate_night', 'simulate_nights', 'MANIFEST_NAME']
