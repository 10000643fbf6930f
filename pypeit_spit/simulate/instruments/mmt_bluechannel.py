"""
MMT Blue Channel ([PK mmt_bluechannel.py]).

Single-HDU files, dispersion along ``NAXIS1``; PypeIt's reader transposes and flips the
image and takes the data and overscan from ``DATASEC``/``BIASSEC`` (with fixed
offsets); ``GAIN``, ``RDNOISE`` and ``DARKCUR`` are read from the header. Arc lamps are
named in ``COMPLAMP`` (absent when no lamp is on); flats use the ``BC`` lamp;
standards go through the 5" slit.
"""
import numpy as np
from astropy.io import fits
from astropy.time import Time

from pypeit_spit.simulate.instruments.base import InstrumentFormat
from pypeit_spit.simulate.rawformat import HDUSpec

__all__ = ['BlueChannel']


class BlueChannel(InstrumentFormat):
    """``mmt_bluechannel``; files ``<night>.<nnnn>.fits``."""
    name = 'mmt_bluechannel'

    def draw_window(self, rng, binning, variety=True):
        return dict(gain=float(np.round(rng.uniform(*self.p['gain']), 3)),
                    ron=float(np.round(rng.uniform(*self.p['ronoise_e']), 2)))

    def layout(self, geom, cards):
        bspec, bspat = geom['binning']
        ndata, nover = self.p['ncols'] // bspec, self.p['overscan'] // bspec
        nrow = self.p['nrows'] // bspat
        h = fits.Header()
        h['DATASEC'] = (f'[1:{ndata},1:{nrow}]', 'Data section')
        h['BIASSEC'] = (f'[{ndata + 1}:{ndata + nover},1:{nrow}]', 'Bias section')
        h['GAIN'] = (geom['gain'], 'e-/ADU')
        h['RDNOISE'] = (geom['ron'], 'e-')
        h['DARKCUR'] = (0.5, 'e-/pixel/hour')
        return [HDUSpec(h, (nrow, ndata + nover))]

    def compound_cards(self, frame, meta):
        bspec, bspat = frame.binning
        t = Time(frame.mjd, format='mjd')
        out = [(0, 'CCDSUM', f'{bspec} {bspat}', 'binning'),
               (0, 'DATE-OBS', t.isot[:10], 'UT date'),
               (0, 'UT', t.isot[11:19], 'UT time'),
               (0, 'CENWAVE', str(int(round(frame.setup['cw']))), 'Central wavelength'),
               (0, 'TILTPOS', float(np.round(frame.setup['cw'] / 2.0, 1)), 'Grating tilt')]
        lamp = frame.meta.get('lampstat01', 'off')
        if lamp != 'off':
            out.append((0, 'COMPLAMP', lamp, 'Comparison lamps'))
        return out

    def arc_ions(self, lamp_set, header_cards=None):
        from astropy.table import Table
        value = lamp_set.get('meta', {}).get('lampstat01', 'HeNeAr')
        # sorted: PypeIt's get_lamps returns them in a set's order, which follows the
        # interpreter's string hashing (PYTHONHASHSEED), so that the same seed drew
        # different arc pixels in different processes
        return sorted(str(x) for x in self.spec.get_lamps(Table({'lampstat01': [value]})))

    def file_name(self, seq, frame):
        t = Time(frame.mjd, format='mjd')
        return f'{t.strftime("%Y%m%d")}.{seq:04d}{self.suffix}'
