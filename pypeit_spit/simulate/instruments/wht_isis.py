"""
WHT/ISIS blue and red arms ([PK wht_isis.py]).

Raw files: a data-less primary HDU with every metadata card and one image extension
(``dataext=1``), the dispersion along the rows; a spatial window of the chip, binned by
``CCDXBIN`` (spatial) and ``CCDYBIN`` (spectral). The blue EEV12 chip reads 4200 rows of
which the last 100 are a dark overscan strip that PypeIt still reads as data [HDR].
"""
import numpy as np
from astropy.io import fits
from astropy.time import Time

from pypeit_spit.simulate.instruments.base import InstrumentFormat
from pypeit_spit.simulate.rawformat import HDUSpec

__all__ = ['ISISBlue', 'ISISRed']


class _ISIS(InstrumentFormat):
    arm = None

    def draw_window(self, rng, binning, variety=True):
        typical, (lo, hi) = self.p['window_cols']
        cols = typical if (not variety or rng.random() < 0.5) else int(rng.integers(lo, hi + 1))
        x0 = int(rng.integers(0, max(self.p['ncols_sensor'] - cols, 0) + 1))
        return dict(cols=int(cols), x0=x0)

    def layout(self, geom, cards):
        bspec, bspat = geom['binning']
        nrows = self.p['nrows'] // bspec
        ncols = geom['cols'] // bspat
        lit = self.p['lit_rows'] // bspec
        h0 = fits.Header()
        h1 = fits.Header()
        h1['EXTNAME'] = 'extension1'
        h1['INHERIT'] = True
        h1['BIASSEC'] = (f'[1:{ncols},{lit + 5}:{nrows - 10}]', 'Bias pixels.')
        h1['TRIMSEC'] = (f'[1:{ncols},1:{lit - 1}]', 'Illuminated pixels.')
        x0 = geom['x0'] + 1
        h0['WINSEC1'] = (f'[{x0}:{x0 + geom["cols"] - 1},1:{self.p["nrows"]}], enabled',
                         'Readout window')
        dark = [(slice(lit, nrows), slice(None))] if lit < nrows else []
        return [HDUSpec(h0, None), HDUSpec(h1, (nrows, ncols), dark=dark)]

    def extra_meta(self, frame):
        return dict(dispangle=float(np.round(frame.setup['cw'], 1)),
                    slitwid=float(np.round(frame.slit_width, 6)))

    def compound_cards(self, frame, meta):
        bspec, bspat = frame.binning
        return [(0, 'CCDXBIN', int(bspat), 'Binning factor in x'),
                (0, 'CCDYBIN', int(bspec), 'Binning factor in y')]

    def extra_cards(self, frame, meta):
        t = Time(frame.mjd, format='mjd')
        obstype = {'bias': 'BIAS', 'arc': 'ARC', 'flat': 'FLAT'}.get(frame.cls, 'TARGET')
        gain = float(self.spec.get_detector_par(1)['gain'][0])
        ron = float(self.spec.get_detector_par(1)['ronoise'][0])
        return [(0, 'RUN', self.run_number(frame), 'Run number'),
                (0, 'OBSTYPE', obstype, 'Type of observation, e.g. TARGET'),
                (0, 'ISIARM', self.arm, 'Data from red arm, blue arm or FOS?'),
                (0, 'INSTRUME', f'ISIS {self.arm.lower()}', 'Name of instrument configuration'),
                (0, 'DATE-OBS', t.isot[:10], 'Date at start of integration'),
                (0, 'UTSTART', t.isot[11:23], 'UT at start of integration'),
                (0, 'TELESCOP', 'WHT', '4.2m William Herschel Telescope'),
                (1, 'GAIN', gain, 'Nominal Photo-electrons per ADU.'),
                (1, 'READNOIS', ron, 'Nominal Readout noise in electrons.'),
                (1, 'EXPTIME', meta['exptime'], '[s] Exposure time'),
                (1, 'DATE-OBS', t.isot[:10], 'Date at start of integration')]

    def run_number(self, frame):
        lo, hi = self.p['run0']
        base = lo + (int(frame.mjd) * 137) % (hi - lo)
        return int(base + frame.seq)

    def file_name(self, seq, frame):
        return f'r{self.run_number(frame):07d}{self.suffix}'


class ISISBlue(_ISIS):
    """``wht_isis_blue``: EEV12 blue arm; files ``r<run>.fit`` [HDR]."""
    name = 'wht_isis_blue'
    suffix = '.fit'
    arm = 'Blue arm'


class ISISRed(_ISIS):
    """``wht_isis_red``: red arm; PypeIt accepts ``.fits`` files for it [PK]."""
    name = 'wht_isis_red'
    suffix = '.fits'
    arm = 'Red arm'
