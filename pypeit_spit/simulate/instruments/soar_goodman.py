"""
SOAR Goodman red camera ([PK soar_goodman.py]).

Tile-compressed files (``.fz``): an empty primary HDU and the image with every card in
extension 1. PypeIt reads only 2x2 binning for the red camera; the data start at the
``TRIMSEC`` column, the columns before are the overscan; the dispersion runs along
``NAXIS1``. Lamps: ``LAMP_*`` cards ``'TRUE'``/``'FALSE'``; PypeIt never types biases.
"""
import numpy as np
from astropy.io import fits
from astropy.time import Time

from pypeit_spit.simulate.instruments.base import InstrumentFormat
from pypeit_spit.simulate.rawformat import HDUSpec

__all__ = ['GoodmanRed']


class GoodmanRed(InstrumentFormat):
    """``soar_goodman_red``; files ``<nnnn>_<object>.fz``."""
    name = 'soar_goodman_red'
    suffix = '.fz'

    def draw_window(self, rng, binning, variety=True):
        typ, (lo, hi) = self.p['nrows']
        rows = typ if (not variety or rng.random() < 0.6) else int(rng.integers(lo, hi + 1))
        return dict(rows=int(rows), pre=int(rng.integers(*self.p['prescan_cols'], endpoint=True)),
                    gain=float(np.round(rng.uniform(*self.p['gain']), 3)),
                    ron=float(np.round(rng.uniform(*self.p['ronoise_e']), 2)))

    def layout(self, geom, cards):
        pre = geom['pre']
        ncol = pre + self.p['data_cols']
        h1 = fits.Header()
        h1['TRIMSEC'] = (f'[{pre + 1}:{ncol},1:{geom["rows"]}]', 'Trim section')
        h1['GAIN'] = (geom['gain'], 'e-/ADU')
        h1['RDNOISE'] = (geom['ron'], 'e-')
        return [HDUSpec(fits.Header(), None),
                HDUSpec(h1, (geom['rows'], ncol), compressed=True)]

    def class_meta(self, cls, fault=None, lamps=None, rng=None, frame=None):
        on = []
        if cls == 'arc':
            on = list((lamps or {}).get('cards', ('LAMP_NE',)))
        elif cls == 'flat' and fault != 'twilight_flat':
            sets = self.p['flat_cards']
            on = list(sets[int(rng.integers(len(sets)))] if rng is not None else sets[0])
        if fault == 'lamp_cards_off':
            on = []
        elif fault == 'lamps_left_on':
            on = ['LAMP_NE']
        obst = self.p['obstype']['science' if fault == 'twilight_flat' else cls]
        meta = dict(idname=obst)
        for k, card in enumerate(self.p['lamp_cards'], start=1):
            meta[f'lampstat{k:02d}'] = 'TRUE' if card in on else 'FALSE'
        return meta

    def lamp_cards_label(self, meta):
        return ','.join(c for k, c in enumerate(self.p['lamp_cards'], start=1)
                        if meta.get(f'lampstat{k:02d}') == 'TRUE')

    def extra_meta(self, frame):
        g = frame.setup['name'].split('_')[0]
        return dict(mode=f'{g}_M2', dispangle=float(np.round(frame.setup['cw'] / 500.0, 3)))

    def compound_cards(self, frame, meta):
        t = Time(frame.mjd, format='mjd')
        return [(1, 'CCDSUM', '2 2', 'binning'), (1, 'DATE-OBS', t.isot[:23], 'UT start')]

    def extra_cards(self, frame, meta):
        return [(1, 'INSTRUME', 'Goodman Spectro', ''), (1, 'TELESCOP', 'SOAR 4.1m', '')]

    @property
    def data_hdu(self):
        return 1

    def file_name(self, seq, frame):
        obj = ''.join(ch for ch in str(frame.target) if ch.isalnum())[:12] or 'frame'
        return f'{seq:04d}_{obj}_{frame.setup["name"].split("_")[0]}M2{self.suffix}'
