"""
NOT ALFOSC ([PK not_alfosc.py]).

A data-less primary HDU with the metadata, the image in extension 1 (with ``GAIN`` and
``RDNOISE``, which PypeIt reads); PypeIt reads 2148 (unbinned) columns as data and no
overscan; the dispersion runs along the rows, blue at the top (``specflip``). Binning:
``DETXBIN`` (spatial), ``DETYBIN`` (spectral); RA in hours (``OBJRA``).
"""
import numpy as np
from astropy.io import fits
from astropy.time import Time

from pypeit_spit.simulate.instruments.base import InstrumentFormat
from pypeit_spit.simulate.rawformat import HDUSpec

__all__ = ['ALFOSC']


class ALFOSC(InstrumentFormat):
    """``not_alfosc`` (horizontal slits); files ``ALxh<nnnnnn>.fits``."""
    name = 'not_alfosc'

    def draw_window(self, rng, binning, variety=True):
        return dict(gain=float(np.round(rng.uniform(*self.p['gain']), 3)),
                    ron=float(np.round(rng.uniform(*self.p['ronoise_e']), 2)))

    def layout(self, geom, cards):
        bspec, bspat = geom['binning']
        ncol, nrow = self.p['ncols'] // bspat, self.p['nrows'] // bspec
        dark = self.p['dark_cols'] // bspat
        h0 = fits.Header()
        h1 = fits.Header()
        h1['EXTNAME'] = 'im1'
        h1['GAIN'] = (geom['gain'], 'e-/ADU')
        h1['RDNOISE'] = (geom['ron'], 'e-')
        return [HDUSpec(h0, None),
                HDUSpec(h1, (nrow, ncol), dark=[(slice(None), slice(0, dark)),
                                                (slice(None), slice(ncol - dark, ncol))])]

    def format_dec(self, dec):
        return float(np.round(dec, 5))

    def compound_cards(self, frame, meta):
        bspec, bspat = frame.binning
        t = Time(frame.mjd + frame.exptime / 2 / 86400, format='mjd')
        return [(0, 'DETXBIN', int(bspat), 'Binning factor in X'),
                (0, 'DETYBIN', int(bspec), 'Binning factor in Y'),
                (0, 'DATE-AVG', t.isot[:23], 'Mid-exposure date'),
                (0, 'OBJRA', float(np.round(frame.ra / 15.0, 6)), 'Object RA (hours)')]

    def extra_cards(self, frame, meta):
        t = Time(frame.mjd, format='mjd')
        return [(0, 'DATE-OBS', t.isot[:23], 'Date of observation'),
                (0, 'TELESCOP', 'NOT', 'Nordic Optical Telescope'),
                (1, 'DETXBIN', int(frame.binning[1]), ''), (1, 'DETYBIN', int(frame.binning[0]), '')]

    def file_name(self, seq, frame):
        return f'ALxh{(int(frame.mjd) % 1000) * 100 + seq:06d}{self.suffix}'
