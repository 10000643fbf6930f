"""
The small SIMULATED raw frames the core tests read (never a real frame: those are not ours
to redistribute), written by our simulator once per test session into a temporary folder
(the ``kastframes`` and ``loaderframes`` fixtures of ``conftest.py``), so that the core tests
run on a fresh clone without ../shared and no data is committed.

``kast_night`` writes one Kast blue night with the file names (and true classes) of
the real night the tests were first written on, read out through a narrow, binned window
(small files); ``loader_frames`` one frame per loader and instrument of
``test_io_load.py`` (PypeIt's readers, the generic reader, a tile-compressed ``.fz``).
"""

import numpy as np
from astropy.io import fits

from pypeit_spit.simulate import draw_night_context, simulate_raw
from pypeit_spit.simulate.frame import draw_context, draw_exposure, simulate_frame
from pypeit_spit.simulate.header import NIGHT_LENGTH_DAYS
from pypeit_spit.simulate.night import write_frame

#: The Kast blue night: file stem -> true class (as ``labels.csv`` of the real night).
KAST_NIGHT = {'b1': 'arc', 'b3': 'flat', 'b4': 'flat', 'b5': 'flat', 'b6': 'flat',
              'b14': 'bias', 'b15': 'bias', 'b16': 'bias', 'b24': 'standard',
              'b27': 'science', 'b28': 'science', 'b29': 'science'}

#: Its read-out window: 64 rows along the slit, 2x2 binning (a file of ~60 kB).
KAST_WINDOW = {'nspat': 64, 'binning': (2, 2)}

#: One frame per loader: file name -> (spectrograph, class, read-out geometry override).
LOADERS = {
    'kast_red_ret.fits.gz': ('shane_kast_red_ret', 'bias', {'window': {'binning': (2, 2)}}),
    'wht_isis_blue.fit.gz': ('wht_isis_blue', 'bias', {'geometry': {'binning': (2, 2), 'cols': 400}}),
    'keck_lris_blue.fits.gz': ('keck_lris_blue', 'bias', {'geometry': {'binning': (2, 4), 'rows': 1280}}),
    'p200_dbsp_blue.fits.gz': ('p200_dbsp_blue', 'bias', {'geometry': {'binning': (2, 2)}}),
    'p200_dbsp_red.fits.gz': ('p200_dbsp_red', 'bias', {'geometry': {'binning': (2, 2)}}),
}


def kast_night(folder, seed=21):
    """The simulated Kast blue night (gzip-compressed, as the real files)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ctx = draw_context('shane_kast_blue', rng, variety=False, window=KAST_WINDOW)
    elapsed = 0.0
    order = sorted(KAST_NIGHT, key=lambda s: int(s[1:]))
    for i, stem in enumerate(order):
        cls = KAST_NIGHT[stem]
        t, lamps = draw_exposure('shane_kast_blue', cls, rng, None)
        raw, header, _ = simulate_frame('shane_kast_blue', cls, rng, context=ctx,
                                        phase=elapsed / (NIGHT_LENGTH_DAYS * 86400.0),
                                        exptime=t, lamps=lamps, seq=int(stem[1:]))
        elapsed += t + 40.0 + (300.0 if cls in ('science', 'standard') else 0.0)
        write_frame(folder / f'{stem}.fits.gz', raw, header, compress=True)


def loader_frames(folder, seed=21):
    """One frame per loader, and a tile-compressed copy of one of them (``.fz``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for k, (name, (spec, cls, geometry)) in enumerate(sorted(LOADERS.items())):
        rng = np.random.default_rng(seed + k)
        if 'window' in geometry:
            ctx = draw_context(spec, rng, variety=False, window=geometry['window'])
        else:
            ctx = draw_night_context(spec, rng, variety=False, geometry=geometry['geometry'])
        hdul, _ = simulate_raw(spec, cls, rng, context=ctx)
        hdul.writeto(folder / name, overwrite=True, output_verify='silentfix')
    # A 2-D image in the first extension of a tile-compressed file (as LCO's .fz files).
    data = fits.getdata(folder / 'kast_red_ret.fits.gz')
    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(data)]).writeto(
        folder / 'tile_compressed.fits.fz', overwrite=True)

