"""
ESO NTT EFOSC2 ([PK ntt_efosc2.py]).

Single-HDU files; PypeIt computes the data and overscan sections from the
``HIERARCH ESO DET OUT1`` cards, ``NAXIS1`` and the binning (``CDELT1`` spatial,
``CDELT2`` spectral), and types frames from ``OBJECT`` and ``HIERARCH ESO DPR CATG``.
The dispersion runs along the rows; overscan columns follow the data.
"""
import numpy as np
from astropy.io import fits
from astropy.time import Time

from pypeit_spit.simulate.instruments.base import InstrumentFormat
from pypeit_spit.simulate.rawformat import HDUSpec

__all__ = ['EFOSC2']


class EFOSC2(InstrumentFormat):
    """``ntt_efosc2``; files ``EFOSC.<date>T<time>.fits`` (ESO archive style)."""
    name = 'ntt_efosc2'

    def layout(self, geom, cards):
        bspec, bspat = geom['binning']
        nx, ny = self.p['nx'] // bspat, self.p['ny'] // bspec
        nover = self.p['overscan'] // bspat
        h = fits.Header()
        h['CDELT1'] = (float(bspat), 'Binning factor along X')
        h['CDELT2'] = (float(bspec), 'Binning factor along Y')
        h['HIERARCH ESO DET OUT1 NX'] = (nx, 'valid pixels along X')
        h['HIERARCH ESO DET OUT1 NY'] = (ny, 'valid pixels along Y')
        h['HIERARCH ESO DET OUT1 OVSCX'] = (nover, 'Overscan region in X')
        h['HIERARCH ESO DET OUT1 OVSCY'] = (0, 'Overscan region in Y')
        h['HIERARCH ESO DET OUT1 PRSCX'] = (0, 'Prescan region in X')
        h['HIERARCH ESO DET OUT1 PRSCY'] = (0, 'Prescan region in Y')
        h['HIERARCH ESO DET OUT1 X'] = (nx * bspat, 'X location of output')
        h['HIERARCH ESO DET OUT1 Y'] = (1, 'Y location of output')
        return [HDUSpec(h, (ny, nx + nover))]

    def format_ra(self, ra):
        return float(np.round(ra, 6))

    def format_dec(self, dec):
        return float(np.round(dec, 6))

    def compound_cards(self, frame, meta):
        name = frame.decker
        return [(0, 'HIERARCH ESO INS SLIT1 NAME', name, 'Slit name'),
                (0, 'HIERARCH ESO DPR TYPE', self.p['dpr_type'][frame.cls], 'Observation type')]

    def extra_cards(self, frame, meta):
        t = Time(frame.mjd, format='mjd')
        det = self.spec.get_detector_par(1)
        return [(0, 'DATE-OBS', t.isot[:23], 'Date of observation'),
                (0, 'TELESCOP', 'ESO-NTT', 'ESO Telescope Name'),
                (0, 'HIERARCH ESO DET OUT1 GAIN', float(det['gain'][0]), 'Conversion from electrons to ADU'),
                (0, 'HIERARCH ESO DET OUT1 RON', float(det['ronoise'][0]), 'Readout noise per output (e-)'),
                (0, 'HIERARCH ESO INS GRIS1 ID', frame.setup['name'].replace('Gr#', ''), 'Grism ID')]

    def file_name(self, seq, frame):
        t = Time(frame.mjd + seq * 1.0 / 86400, format='mjd')
        return f'EFOSC.{t.isot[:23]}{self.suffix}'
