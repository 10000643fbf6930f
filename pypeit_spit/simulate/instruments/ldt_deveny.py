"""
LDT DeVeny ([PK ldt_deveny.py]).

Single-HDU files, dispersion along ``NAXIS1`` (blue at the right: ``specflip``);
PypeIt rotates ``TRIMSEC``/``BIASSEC`` (FITS order, binned) into its sections. Arc
lamps are listed in ``LAMPCAL`` (empty when off); the grating name must be one PypeIt
knows; the target comes from ``OBJNAME``.
"""
import numpy as np
from astropy.io import fits
from astropy.time import Time

from pypeit_spit.simulate.instruments.base import InstrumentFormat
from pypeit_spit.simulate.rawformat import HDUSpec

__all__ = ['DeVeny']


class DeVeny(InstrumentFormat):
    """``ldt_deveny``; files ``<date>.<nnnn>.fits``."""
    name = 'ldt_deveny'

    def draw_window(self, rng, binning, variety=True):
        return dict(gain=float(np.round(rng.uniform(*self.p['gain']), 3)),
                    ron=float(np.round(rng.uniform(*self.p['ronoise_e']), 2)))

    def layout(self, geom, cards):
        bspec, bspat = geom['binning']
        ncol, nrow = self.p['ncols'] // bspec, self.p['nrows'] // bspat
        (x1, x2), (y1, y2) = self.p['trim']
        b1, b2 = self.p['bias_cols']
        h = fits.Header()
        h['TRIMSEC'] = (f'[{x1 // bspec}:{x2 // bspec},{max(y1 // bspat, 1)}:{y2 // bspat}]',
                        'Trim section')
        h['BIASSEC'] = (f'[{b1 // bspec}:{b2 // bspec},{max(y1 // bspat, 1)}:{y2 // bspat}]',
                        'Bias section')
        h['GAIN'] = (geom['gain'], 'e-/ADU')
        h['RDNOISE'] = (geom['ron'], 'e-')
        # the pre-scan columns before the trim section and the columns after it are dark
        return [HDUSpec(h, (nrow, ncol), dark=[(slice(None), slice(0, x1 // bspec - 1)),
                                                (slice(None), slice(x2 // bspec, ncol))])]

    def compound_cards(self, frame, meta):
        bspec, bspat = frame.binning
        t = Time(frame.mjd, format='mjd')
        lamp = frame.meta.get('lampstat01', '')
        return [(0, 'CCDSUM', f'{bspec} {bspat}', 'binning'),
                (0, 'DATE-OBS', t.isot[:23], 'UT start'),
                (0, 'LAMPCAL', lamp, 'Calibration lamps on'),
                (0, 'GRATING', frame.setup['name'], 'Grating'),
                (0, 'GRANGLE', float(np.round(frame.setup['cw'] / 250.0, 2)), 'Grating angle'),
                (0, 'FILTREAR', 'Clear (C)', 'Rear filter'),
                (0, 'OBJNAME', frame.meta.get('_objname', frame.target), 'Object'),
                (0, 'SCITARG', frame.target, 'Science target'),
                (0, 'SLITASEC', float(frame.slit_width), 'Slit width (arcsec)')]

    def arc_ions(self, lamp_set, header_cards=None):
        from astropy.table import Table
        value = lamp_set.get('meta', {}).get('lampstat01', 'Ne,Ar')
        return [str(x) for x in self.spec.get_lamps(Table({'lampstat01': [value]}))]

    def file_name(self, seq, frame):
        t = Time(frame.mjd, format='mjd')
        return f'{t.strftime("%Y%m%d")}.{seq:04d}{self.suffix}'
