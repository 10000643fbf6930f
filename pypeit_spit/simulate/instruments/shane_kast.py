"""
Lick Shane/Kast: the blue camera, the red Hamamatsu and the red Reticon ([PK shane_kast.py]).

Kast is simulated by the ``kast`` engine (:mod:`pypeit_spit.simulate.frame`,
:mod:`~pypeit_spit.simulate.detector`, :mod:`~pypeit_spit.simulate.header`): its levels
are measured in ADU on real frames rather than drawn from the photon model of the other
spectrographs, and its raw layout and headers follow the real files. Its facts are the
cameras' entries of :data:`pypeit_spit.simulate.params.INSTRUMENTS`, like every other
instrument's; PypeIt's (sections, gains, exposure windows) are read from PypeIt.
"""
from pypeit_spit.simulate.instruments.base import InstrumentFormat

__all__ = ['Kast', 'KastBlue', 'KastRed', 'KastRedRet']


class Kast(InstrumentFormat):
    """A Kast camera: single-HDU 16-bit files ``<prefix><seq>.fits`` (``b1.fits``...)."""
    engine = 'kast'

    def file_name(self, seq, frame=None):
        return f'{self.p["prefix"]}{seq}{self.suffix}'


class KastBlue(Kast):
    """``shane_kast_blue``."""
    name = 'shane_kast_blue'


class KastRed(Kast):
    """``shane_kast_red`` (the Hamamatsu CCD, since 2016)."""
    name = 'shane_kast_red'


class KastRedRet(Kast):
    """``shane_kast_red_ret`` (the Reticon CCD, before 2016)."""
    name = 'shane_kast_red_ret'
