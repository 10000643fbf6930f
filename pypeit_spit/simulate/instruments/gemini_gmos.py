"""
Gemini GMOS-N and GMOS-S with Hamamatsu CCDs ([PK gemini_gmos.py]).

Raw files: a data-less primary HDU with the metadata and 12 image extensions, one per
amplifier (3 CCDs x 4 amplifiers); every extension has the same size, a ``DATASEC`` and
a ``BIASSEC`` (overscan alternately left and right) and ``CCDSUM`` (``'xbin ybin'``,
x along the dispersion). PypeIt reads detector 1 from extensions 12-9, detector 2 from
8-5 and detector 3 from 4-1 (``hdu_read_order``); the three CCDs sit along the
dispersion with gaps of 67 (GMOS-N) / 61 (GMOS-S) unbinned pixels [GEMINI], wavelength
increasing from detector 1 to 3. The date is read from ``OBSEPOCH``.
"""
import numpy as np
from astropy.io import fits
from astropy.time import Time

from pypeit_spit.simulate.instruments.base import InstrumentFormat
from pypeit_spit.simulate.rawformat import HDUSpec

__all__ = ['GMOSNorthHam', 'GMOSSouthHam']


class _GMOSHam(InstrumentFormat):
    dets = (1, 2, 3)
    arrangement = 'spec'
    det_order = (1, 2, 3)

    def draw_window(self, rng, binning, variety=True):
        rows = self.p['rows']
        if variety and rng.random() < self.p['p_central_roi']:
            return dict(rows=rows // 4, y0=rows * 3 // 8)      # "Central Spectrum" ROI
        return dict(rows=rows, y0=0)

    def layout(self, geom, cards):
        bspec, bspat = geom['binning']
        nxd, nxb = self.p['amp_cols'] // bspec, self.p['overscan'] // bspec
        ny = geom['rows'] // bspat
        y1, y2 = geom['y0'] + 1, geom['y0'] + geom['rows']
        specs = [HDUSpec(fits.Header(), None)]
        for ext in range(1, 13):
            ccd, amp = (ext - 1) // 4, (ext - 1) % 4
            x1 = ccd * 2048 + amp * 512 + 1
            h = fits.Header()
            h['EXTNAME'] = 'SCI'
            h['EXTVER'] = ext
            h['CCDSUM'] = (f'{bspec} {bspat}', 'CCD pixel summing')
            if amp % 2 == 0:
                h['DATASEC'] = (f'[{nxb + 1}:{nxb + nxd},1:{ny}]', 'Data section')
                h['BIASSEC'] = (f'[1:{nxb},1:{ny}]', 'Bias section')
            else:
                h['DATASEC'] = (f'[1:{nxd},1:{ny}]', 'Data section')
                h['BIASSEC'] = (f'[{nxd + 1}:{nxd + nxb},1:{ny}]', 'Bias section')
            h['CCDSEC'] = (f'[{amp * 512 + 1}:{amp * 512 + 512},{y1}:{y2}]', 'CCD section')
            h['DETSEC'] = (f'[{x1}:{x1 + 511},{y1}:{y2}]', 'Detector section')
            h['CCDNAME'] = f'CCD{ccd + 1}'
            h['AMPNAME'] = f'amp{ext}'
            specs.append(HDUSpec(h, (ny, nxd + nxb)))
        return specs

    def compound_cards(self, frame, meta):
        t = Time(frame.mjd, format='mjd')
        obstype = self.p['obstype'][frame.cls]
        return [(0, 'OBSEPOCH', float(np.round(t.jyear, 6)), 'Epoch at start of exposure'),
                (0, 'OBSTYPE', obstype, 'Observation type'),
                (0, 'QOFFSET', 0.0, 'Q offset')]

    def extra_meta(self, frame):
        return dict(dispangle=float(np.round(frame.setup['cw'] / 10.0, 1)))   # CENTWAVE, nm

    def extra_cards(self, frame, meta):
        t = Time(frame.mjd, format='mjd')
        return [(0, 'TIME-OBS', t.isot[11:22], 'Time of observation'),
                (0, 'OBSCLASS', {'standard': 'partnerCal', 'science': 'science'}.get(
                    frame.cls, 'dayCal'), 'Observe class'),
                (0, 'GCALLAMP', {'arc': 'CuAr', 'flat': 'QH'}.get(frame.cls, 'none'), 'GCAL lamp'),
                (0, 'TELESCOP', 'Gemini-North' if 'north' in self.name else 'Gemini-South', '')]

    def file_name(self, seq, frame):
        t = Time(frame.mjd, format='mjd')
        return f'{self.p["prefix"]}{t.strftime("%Y%m%d")}S{seq:04d}{self.suffix}'


class GMOSNorthHam(_GMOSHam):
    """``gemini_gmos_north_ham``; files ``N<date>S<nnnn>.fits``."""
    name = 'gemini_gmos_north_ham'


class GMOSSouthHam(_GMOSHam):
    """``gemini_gmos_south_ham``; files ``S<date>S<nnnn>.fits``."""
    name = 'gemini_gmos_south_ham'
