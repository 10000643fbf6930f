"""
LBT MODS1 red channel ([PK lbt_mods.py]).

Single-HDU raw frames of the full 8288 x 3088 (unbinned) CCD: dispersion along
``NAXIS1``, four quadrants, 48 pre-scan columns at both ends (PypeIt's reader checks
``NAXIS1 * CCDXBIN == 8288`` and places the quadrants from ``DETSIZE``).
"""
from astropy.io import fits
from astropy.time import Time

from pypeit_spit.simulate.instruments.base import InstrumentFormat, sexagesimal
from pypeit_spit.simulate.rawformat import HDUSpec

__all__ = ['MODS1R']


class MODS1R(InstrumentFormat):
    """``lbt_mods1r``; files ``mods1r.<date>.<nnnn>.fits``."""
    name = 'lbt_mods1r'

    def layout(self, geom, cards):
        b = geom['binning'][0]
        nx, ny = self.p['detsize']
        pre = self.p['prescan'] // b
        h = fits.Header()
        h['DETSIZE'] = (f'[1:{nx},1:{ny}]', 'Unbinned size of the detector')
        ncol, nrow = nx // b, ny // b
        return [HDUSpec(h, (nrow, ncol), dark=[(slice(None), slice(0, pre)),
                                                (slice(None), slice(ncol - pre, ncol))])]

    def format_ra(self, ra):
        return sexagesimal(ra, True, precision=3)

    def compound_cards(self, frame, meta):
        bspec, bspat = frame.binning
        return [(0, 'CCDXBIN', int(bspec), 'X binning'), (0, 'CCDYBIN', int(bspat), 'Y binning')]

    def extra_cards(self, frame, meta):
        t = Time(frame.mjd, format='mjd')
        return [(0, 'DATE-OBS', t.isot[:23], 'UTC date of observation'),
                (0, 'TELESCOP', 'LBT-SX', ''),
                (0, 'CHANNEL', 'RED', 'MODS channel')]

    def file_name(self, seq, frame):
        t = Time(frame.mjd, format='mjd')
        return f'mods1r.{t.strftime("%Y%m%d")}.{seq:04d}{self.suffix}'
