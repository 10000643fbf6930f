"""
Keck LRIS blue and red (LBNL chips, before the 2021 Mark4 upgrade) ([PK keck_lris.py]).

Raw files: a data-less primary HDU with the metadata and one ``VidInp<n>`` extension per
amplifier (4: two chips x two amplifiers). Each extension holds ``PRECOL`` pre-scan
columns, the amplifier's 1024 (binned: 1024/xbin) data columns and ``POSTPIX`` overscan
columns; ``DETSEC`` places it on the mosaic (flipped for the second amplifier of each
chip) and ``DATASEC`` its data [HDR]. PypeIt's detector 1 is the pair of amplifiers
with the smallest ``DETSEC`` x, detector 2 the other chip; the slit crosses both chips
along the spatial axis. ``BINNING`` is ``'xbin,ybin'`` (spatial, spectral).
"""
from functools import lru_cache

import numpy as np
from astropy.io import fits
from astropy.table import Table
from astropy.time import Time

from pypeit_spit.simulate.instruments.base import InstrumentFormat
from pypeit_spit.simulate.rawformat import HDUSpec

__all__ = ['LRISBlue', 'LRISRed']

#: Lamp cards always written (state 'off' unless on) [PK keck_lris.py compound_meta].
_FLAT_CARDS = ('HALOGEN', 'DEUTERI', 'FLAMP1', 'FLAMP2', 'FLIMAGIN', 'FLSPECTR')


class _LRIS(InstrumentFormat):
    dets = (1, 2)
    arrangement = 'spat'
    det_order = (1, 2)

    def draw_window(self, rng, binning, variety=True):
        typ, (lo, hi) = self.p['rows']
        rows = typ if (not variety or rng.random() < 0.7) else int(rng.integers(lo // 256, hi // 256 + 1)) * 256
        y0 = (4096 - rows) // 2
        return dict(rows=int(rows), y0=int(y0))

    def layout(self, geom, cards):
        bspec, bspat = geom['binning']
        pre, post = self.p['precol'] // bspat, self.p['postpix'] // bspat
        ndata = self.p['amp_cols'] // bspat
        ny = geom['rows'] // bspec
        y1, y2 = geom['y0'] + 1, geom['y0'] + geom['rows']
        h0 = fits.Header()
        h0['PRECOL'] = (self.p['precol'], 'Number of columns in prescan')
        h0['POSTPIX'] = (self.p['postpix'], 'Number of pixels in postscan')
        h0['PRELINE'] = (0, 'Number of lines in prescan')
        h0['POSTLINE'] = (0, 'Number of lines in postscan')
        h0['BINNING'] = (f'{bspat},{bspec}', 'Binning factor (x, y)')
        h0['CCDSUM'] = f'{bspat} {bspec}'
        h0['NUMAMPS'] = (4, 'Number of amplifiers')
        h0['AMPPSIZE'] = ('[1:1024,1:4096]', 'Amplifier pixel size')
        h0['WINDOW'] = f'1,0,{geom["y0"]},1024,{geom["rows"]}'
        specs = [HDUSpec(h0, None)]
        detsecs = (f'[1:1024,{y1}:{y2}]', f'[2048:1025,{y1}:{y2}]',
                   f'[2049:3072,{y1}:{y2}]', f'[4096:3073,{y1}:{y2}]')
        for i, ds in enumerate(detsecs):
            h = fits.Header()
            h['EXTNAME'] = f'VidInp{i + 1}'
            h['DETSEC'] = (ds, 'Detector section')
            h['DATASEC'] = (f'[{pre + 1}:{pre + ndata},1:{ny}]', 'Data section')
            h['CCDNAME'] = ('chip1' if i < 2 else 'chip2')
            specs.append(HDUSpec(h, (ny, pre + ndata + post)))
        return specs

    # -- lamps: which card gives which PypeIt lamp name is learnt from PypeIt itself
    @lru_cache(maxsize=None)
    def _card_lamp(self, card):
        h = fits.Header({c: 'off' for c in self.p['arc_cards'] + _FLAT_CARDS})
        h[card] = 'on'
        return str(self.spec.compound_meta([h], 'lampstat01'))

    def arc_ions(self, lamp_set, header_cards=None):
        value = ' '.join(self._card_lamp(c) for c in lamp_set.get('cards', ()))
        if not value:
            return []
        return [str(x) for x in self.spec.get_lamps(Table({'lampstat01': [value]}))]

    def class_meta(self, cls, fault=None, lamps=None, rng=None, frame=None):
        on, hatch = [], 'open'
        if cls == 'bias':
            hatch = 'closed'
        elif cls == 'arc':
            on, hatch = list((lamps or {}).get('cards', ('NEON', 'ARGON'))), 'closed'
        elif cls == 'flat' and fault != 'twilight_flat':
            mode = (frame or {}).get('flat_mode') if frame is not None else None
            if mode is None:
                mode = 'dome' if rng is None or rng.random() < dict(self.p['flat_modes'])['dome'] else 'internal'
            on, hatch = (['FLAMP1', 'FLAMP2'], 'open') if mode == 'dome' else (['HALOGEN'], 'closed')
        if fault == 'lamp_cards_off':
            on = []
        elif fault == 'lamps_left_on':
            on = [self.p['arc_cards'][int(rng.integers(len(self.p['arc_cards'])))] if rng is not None
                  else 'NEON']
        elif fault == 'hatch_open':
            hatch = 'open'
        elif fault == 'hatch_closed':
            hatch = 'closed'
        return dict(hatch=hatch, _lamps_on=tuple(on))

    def lamp_cards_label(self, meta):
        return ','.join(meta.get('_lamps_on', ())) + f";hatch={meta.get('hatch')}"

    def extra_meta(self, frame):
        return dict(dispangle=float(np.round(frame.setup.get('angle_deg', 20.0), 4)),
                    frameno=int(frame.seq), amp=4,
                    object={'arc': 'Arc', 'flat': 'DomeFlat', 'bias': 'Bias'}.get(
                        frame.cls, frame.target))

    def compound_cards(self, frame, meta):
        t = Time(frame.mjd, format='mjd')
        on = set(frame.meta.get('_lamps_on', ()))
        out = [(0, 'RA', meta['ra'], 'Right ascension'), (0, 'DEC', meta['dec'], 'Declination'),
               (0, 'MJD-OBS', f'{frame.mjd:.6f}', 'Modified Julian day'),
               (0, 'DATE-OBS', t.isot[:10], 'UT date of observation'),
               (0, 'UTC', t.isot[11:22], 'Coordinated Universal time'),
               (0, 'WAVELEN', float(np.round(frame.setup['cw'], 3)), 'Central wavelength')]
        for c in self.p['arc_cards'] + _FLAT_CARDS:
            out.append((0, c, 'on' if c in on else 'off', 'Lamp status'))
        return out

    def extra_cards(self, frame, meta):
        return [(0, 'TTIME', meta['exptime'], 'Exposure time'),
                (0, 'TELESCOP', 'Keck I', 'Telescope'),
                (0, 'AMPMODE', 'SINGLE:A', 'Amplifier mode')]

    koa = None

    def file_name(self, seq, frame):
        """KOA-style name: ``<LB|LR>.<yyyymmdd>.<seconds of the day>.fits``."""
        t = Time(frame.mjd, format='mjd')
        sec = (int(round((frame.mjd % 1.0) * 86400)) + seq) % 86400
        return f'{self.koa}.{t.strftime("%Y%m%d")}.{sec:05d}{self.suffix}'


class LRISBlue(_LRIS):
    """``keck_lris_blue`` (after 2009-04-30; ``GRISNAME``); files ``LB.<date>.<sec>.fits``."""
    name = 'keck_lris_blue'
    koa = 'LB'


class LRISRed(_LRIS):
    """``keck_lris_red`` (LBNL chips, 2009-2020; ``GRANAME``); files ``LR.<date>.<sec>.fits``."""
    name = 'keck_lris_red'
    koa = 'LR'
