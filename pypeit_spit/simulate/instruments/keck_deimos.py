"""
Keck DEIMOS in long-slit mode ([PK keck_deimos.py]).

A data-less primary HDU with the metadata and 8 image extensions, one per chip
(2048 x 4096, dispersion along the rows, ``POSTPIX`` overscan columns after the data).
Chips 1-4 lie side by side along the slit, 5-8 above them at longer wavelengths;
PypeIt mosaics them in pairs (1,5), (2,6)... PypeIt reads only unbinned,
``AMPMODE = SINGLE:A/B``, ``MOSMODE = Spectral`` frames. To keep files small only the
chips named in ``sim_chips`` (default: the first mosaic, 1 and 5) carry pixels; the
others are written as header-only extensions, which PypeIt reads fine for metadata and
for the simulated detectors.
"""
import numpy as np
from astropy.io import fits
from astropy.time import Time

from pypeit_spit.simulate.instruments.base import InstrumentFormat
from pypeit_spit.simulate.rawformat import HDUSpec

__all__ = ['DEIMOS']

_GRID = {1: (0, 0), 2: (1, 0), 3: (2, 0), 4: (3, 0), 5: (0, 1), 6: (1, 1), 7: (2, 1), 8: (3, 1)}


class DEIMOS(InstrumentFormat):
    """``keck_deimos``; files ``DE.<date>.<sec>.fits`` (KOA style)."""
    name = 'keck_deimos'

    @property
    def dets(self):
        chips = self.p['sim_chips']
        return tuple(range(1, 9)) if chips == 'all' else tuple(chips)

    @property
    def arrangement(self):
        return {d: _GRID[d] for d in self.dets}

    def raw_map(self, geom, cards):
        key = ('deimos',) + tuple(self.dets)
        if key not in self._maps:
            from pypeit_spit.simulate.rawformat import learn_raw_map
            self._maps[key] = learn_raw_map(self.spec, self.build_hdus(geom, cards), self.dets,
                                            self.suffix, arrangement=self.arrangement,
                                            gap=(int(self.p.get('det_gap', 0)),
                                                 int(self.p['det_gap_spec'])))
        return self._maps[key]

    def layout(self, geom, cards):
        nx, ny = self.p['chip']
        pre, post = self.p['precol'], self.p['postpix']
        h0 = fits.Header()
        h0['MOSMODE'] = ('Spectral', 'Mosaic mode')
        h0['AMPMODE'] = ('SINGLE:B', 'Amplifier mode')
        h0['BINNING'] = ('1,1', 'Binning')
        h0['POSTPIX'] = (post, 'Postscan pixels')
        h0['PRECOL'] = (pre, 'Prescan columns')
        h0['DETLSIZE'] = ('[1:8192,1:8192]', 'Detector size')
        specs = [HDUSpec(h0, None)]
        for chip in range(1, 9):
            i, j = _GRID[chip]
            h = fits.Header()
            h['EXTNAME'] = f'Chip{chip}'
            h['DATASEC'] = (f'[{pre + 1}:{pre + nx},1:{ny}]', 'Data section')
            h['DETSEC'] = (f'[{i * nx + 1}:{(i + 1) * nx},{j * ny + 1}:{(j + 1) * ny}]',
                           'Detector section')
            h['CCDNAME'] = f'CCD{chip}'
            specs.append(HDUSpec(h, (ny, pre + nx + post) if chip in self.dets else None))
        return specs

    def extra_meta(self, frame):
        return dict(object=frame.target, frameno=int(frame.seq), amp='SINGLE:B',
                    utc=Time(frame.mjd, format='mjd').isot[11:22], filter1='GG455')

    def compound_cards(self, frame, meta):
        pos = int(frame.setup.get('gratepos', 3))
        return [(0, 'MJD-OBS', float(np.round(frame.mjd, 6)), 'Modified Julian date'),
                (0, 'BINNING', '1,1', 'Binning'),
                (0, 'GRATEPOS', pos, 'Grating position'),
                (0, f'G{pos}TLTWAV', float(np.round(frame.setup['cw'], 1)), 'Grating tilt wavelength')]

    def extra_cards(self, frame, meta):
        return [(0, 'TELESCOP', 'Keck II', '')]

    def file_name(self, seq, frame):
        t = Time(frame.mjd, format='mjd')
        sec = int(round((frame.mjd % 1.0) * 86400)) + seq
        return f'DE.{t.strftime("%Y%m%d")}.{sec % 86400:05d}{self.suffix}'
