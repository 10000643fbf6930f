"""
Simulated raw long-slit frames for training the typer: Lick/Kast (blue, red Hamamatsu,
red Reticon) in detail, 15 further PypeIt spectrographs, and a randomized ``generic``
pseudo-instrument.

Layers (see ``docs/simulator.rst``):

* **scene** (:mod:`~pypeit_spit.simulate.scene`, :mod:`~pypeit_spit.simulate.light`):
  the light of a frame on a canonical ``(spatial, spectral)`` image -- arcs from PypeIt's
  line lists, flats, sky from PypeIt's sky model, science targets of several kinds,
  standards (twilight too), cosmic rays -- shared by every instrument;
* **instrument** (:mod:`~pypeit_spit.simulate.instruments`: one format per
  spectrograph, Kast included, whose facts are its entry of
  :data:`~pypeit_spit.simulate.params.INSTRUMENTS`; :mod:`~pypeit_spit.simulate.rawformat`,
  and for the ``kast`` engine :mod:`~pypeit_spit.simulate.detector`/
  :mod:`~pypeit_spit.simulate.header`): the raw file -- HDUs, sections, amplifiers,
  orientation, binning learnt from PypeIt's own reader -- and headers that PypeIt's
  rules type as the true class;
* **night** (:mod:`~pypeit_spit.simulate.night`): whole observing nights and the manifest.

Main entry points:

* :func:`simulate_nights` -- nights of any supported spectrograph written as raw FITS
  files plus one manifest (``outdir/manifest.ecsv``);
* :func:`simulate_raw` -- one frame of any spectrograph in memory (an ``HDUList``);
  :func:`simulate_frame` / :func:`draw_context` -- the Kast in-memory path (uint16
  array, header, parameters); :func:`draw_night_context` -- a night context of any
  spectrograph;
* :func:`pypeit_spit.simulate.compare.compare_real` -- realism gallery and statistics
  against real frames.

Every drawn range lives in :mod:`~pypeit_spit.simulate.params`, with its source.
"""
from pypeit_spit.simulate.params import (CAMERAS, CLASSES, FAULTS, GENERIC, LONGSLIT,
                                         SIMULATOR_VERSION, SPECTROGRAPHS)
from pypeit_spit.simulate.frame import Context, draw_context, simulate_frame
from pypeit_spit.simulate.instruments import get_format
from pypeit_spit.simulate.night import (MANIFEST_NAME, engine_for, simulate_night,
                                        simulate_nights)

__all__ = ['SIMULATOR_VERSION', 'CAMERAS', 'CLASSES', 'FAULTS', 'GENERIC', 'LONGSLIT',
           'SPECTROGRAPHS', 'Context',
           'draw_context', 'simulate_frame', 'simulate_night', 'simulate_nights',
           'MANIFEST_NAME', 'simulate_raw', 'draw_night_context', 'faults_for']


def draw_night_context(spectrograph, rng, night=0, variety=True, geometry=None):
    """
    The fixed parameters of one night of any supported spectrograph.

    Parameters
    ----------
    spectrograph : str
        A name of :data:`SPECTROGRAPHS`.
    rng : `numpy.random.Generator` or int
    night : int, optional
    variety : bool, optional
        Allow layouts beyond the instrument's common ones.
    geometry : dict, optional
        Long-slit spectrographs: overrides of the read-out geometry (e.g. binning).

    Returns
    -------
    `~pypeit_spit.simulate.frame.Context` or `~pypeit_spit.simulate.longslit.LongslitContext`
    """
    return engine_for(spectrograph).draw_context(spectrograph, rng, night=night,
                                                 variety=variety, geometry=geometry)


def faults_for(spectrograph, cls):
    """Header faults that apply to a true class of a spectrograph."""
    return get_format(spectrograph).faults(cls)


def simulate_raw(spectrograph, cls, rng, context=None, **kwargs):
    """
    One raw frame of any supported spectrograph, in memory.

    Parameters
    ----------
    spectrograph : str
        A name of :data:`SPECTROGRAPHS`.
    cls : str
        True class (one of :data:`CLASSES`).
    rng : `numpy.random.Generator` or int
    context : optional
        Night context (:func:`draw_night_context`); drawn when None.
    **kwargs
        ``fault``, ``phase``, ``exptime``, ``lamps``, ``dusk``, ``seq``, ``kind`` (see
        :func:`simulate_frame` and
        :func:`~pypeit_spit.simulate.longslit.simulate_longslit`).

    Returns
    -------
    hdul : `astropy.io.fits.HDUList`
        The raw file as it would be written.
    params : dict
        Everything drawn (the manifest row's values).
    """
    if spectrograph not in SPECTROGRAPHS:
        raise ValueError(f'unknown spectrograph {spectrograph!r}; use one of {SPECTROGRAPHS}')
    return engine_for(spectrograph).simulate(spectrograph, cls, rng, context=context, **kwargs)
