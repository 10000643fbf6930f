"""
Palomar 200-inch DBSP blue and red arms ([PK p200_dbsp.py]).

Single-HDU files; PypeIt takes the data section from ``TSEC1`` and the overscan from
``BSEC1`` (FITS order, already binned), binning from ``CCDSUM``, the date from
``UTSHUT`` and the grating angle from ``ANGLE``. Blue: dispersion along the rows, a
50-column dark pre-scan inside ``DSEC1`` but outside ``TSEC1`` [HDR]; red: dispersion
along the columns, 7 pre-scan and 20 overscan columns [HDR].
"""
from astropy.io import fits
from astropy.time import Time

from pypeit_spit.simulate.instruments.base import InstrumentFormat
from pypeit_spit.simulate.rawformat import HDUSpec

__all__ = ['DBSPBlue', 'DBSPRed']


def _angle_string(deg):
    d = int(deg)
    m = int(round((deg - d) * 60))
    if m == 60:
        d, m = d + 1, 0
    return f'{d}d{m:02d}m00s'


class _DBSP(InstrumentFormat):

    def extra_meta(self, frame):
        return dict(slitwid=f'{frame.slit_width:.1f}')

    def compound_cards(self, frame, meta):
        bspec, bspat = frame.binning
        t = Time(frame.mjd, format='mjd')
        return [(0, 'CCDSUM', self.ccdsum(bspec, bspat), 'binning in x y'),
                (0, 'UTSHUT', t.isot[:23], 'UT shutter open'),
                (0, 'ANGLE', _angle_string(frame.setup.get('angle_deg', 25.0)), 'Grating Angle')]

    def extra_cards(self, frame, meta):
        t = Time(frame.mjd, format='mjd')
        det = self.spec.get_detector_par(1)
        turret = 'LAMPS' if frame.cls == 'arc' else 'APERTURE'
        return [(0, 'OEXPTIME', meta['exptime'], 'originaly req. exposure time'),
                (0, 'TURRET', turret, 'turret position'),
                (0, 'GAIN', float(det['gain'][0]), 'e-/adu'),
                (0, 'RON', float(det['ronoise'][0]), 'system noise e-'),
                (0, 'DATE', Time(frame.mjd + 30 / 86400, format='mjd').isot[:19], 'file creation date'),
                (0, 'UT', t.isot[11:21], 'time-obs'),
                (0, 'TELID', '200', 'telescope ID')]

    def file_name(self, seq, frame):
        return f'{self.p["prefix"]}{seq:04d}{self.suffix}'


class DBSPBlue(_DBSP):
    """``p200_dbsp_blue``: dispersion along the rows (``specaxis=0``, flipped)."""
    name = 'p200_dbsp_blue'

    @staticmethod
    def ccdsum(bspec, bspat):
        # PypeIt reads "binspatial, binspec = CCDSUM.split(' ')" for the blue arm [PK]
        return f'{bspat} {bspec}'

    def draw_window(self, rng, binning, variety=True):
        typ, (lo, hi) = self.p['nrows']
        rows = typ if (not variety or rng.random() < 0.6) else int(rng.integers(lo, hi + 1))
        dtyp, (dlo, dhi) = self.p['data_cols']
        cols = dtyp if (not variety or rng.random() < 0.6) else int(rng.integers(dlo, dhi + 1))
        return dict(rows=int(rows), cols=int(cols))

    def layout(self, geom, cards):
        bspec, bspat = geom['binning']
        rows = geom['rows'] // bspec
        pre, data, over = (self.p['prescan'] // bspat, geom['cols'] // bspat,
                           self.p['overscan'] // bspat)
        ncol = pre + data + over
        h = fits.Header()
        h['NAMPSXY'] = ('1 1', 'number of amplifiers in y x')
        h['ASEC1'] = (f'[1:{ncol},1:{rows}]', 'amplifier section 1(LL)')
        h['BSEC1'] = (f'[{pre + data + 1}:{ncol},1:{rows}]', 'bias section 1(LL)')
        h['CSEC1'] = (f'[1:{pre + data},1:{rows}]', 'ccd section 1(LL)')
        h['DSEC1'] = (f'[1:{pre + data},1:{rows}]', 'data section 1(LL)')
        h['TSEC1'] = (f'[{pre + 1}:{pre + data},1:{rows}]', 'trim section 1(LL)')
        h['DETNAM'] = ('CCD44-82', 'detector name')
        h['FPA'] = ('DBSP_BLUE', 'focal plan array')
        return [HDUSpec(h, (rows, ncol))]


class DBSPRed(_DBSP):
    """``p200_dbsp_red``: dispersion along the columns (``specaxis=1``)."""
    name = 'p200_dbsp_red'

    @staticmethod
    def ccdsum(bspec, bspat):
        # "binspec, binspatial = CCDSUM.split(' ')" for the red arm [PK]
        return f'{bspec} {bspat}'

    def draw_window(self, rng, binning, variety=True):
        typ, (lo, hi) = self.p['data_rows']
        rows = typ if (not variety or rng.random() < 0.6) else int(rng.integers(lo, hi + 1))
        return dict(rows=int(rows))

    def layout(self, geom, cards):
        bspec, bspat = geom['binning']
        rows = geom['rows'] // bspat
        pre, over = self.p['prescan'] // bspec, self.p['overscan'] // bspec
        ncol = self.p['ncols'] // bspec
        data_end = ncol - over
        h = fits.Header()
        h['NAMPSXY'] = ('1 1', 'number of amplifiers in y x')
        h['ASEC1'] = (f'[1:{ncol},1:{rows}]', 'amplifier section 1(LL)')
        h['BSEC1'] = (f'[{data_end + 1}:{ncol},1:{rows}]', 'bias section 1(LL)')
        h['CSEC1'] = (f'[1:{data_end},1:{rows}]', 'ccd section 1(LL)')
        h['DSEC1'] = (f'[1:{data_end},1:{rows}]', 'data section 1(LL)')
        h['TSEC1'] = (f'[{pre + 1}:{data_end},1:{rows}]', 'trim section 1(LL)')
        h['DETNAM'] = ('LBNL_4Kx2K', 'detector name')
        h['FPA'] = ('DBSP_RED2', 'focal plan array')
        return [HDUSpec(h, (rows, ncol))]
