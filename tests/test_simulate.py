"""Tests of the Kast raw-frame simulator (pypeit_spit.simulate, the Kast path)."""
import os
import subprocess
import sys

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from pypeit_spit.simulate import (CAMERAS, CLASSES, SPECTROGRAPHS, draw_context, simulate_frame,
                                  simulate_nights, simulate_raw)
from pypeit_spit.simulate.detector import get_layout
from pypeit_spit.simulate.params import INSTRUMENTS
from pypeit_spit.simulate.scene import SCIENCE_KINDS

EXPECTED = {'arc': {'arc', 'tilt'}, 'flat': {'pixelflat', 'illumflat', 'trace'},
            'bias': {'bias'}, 'science': {'science'}, 'standard': {'standard'}}


def _pypeit_types(root, night_id, camera):
    from pypeit.pypeitsetup import PypeItSetup
    ps = PypeItSetup.from_file_root(str(root / night_id), camera, extension='.fits')
    ps.run(setup_only=True)
    return {f: set(str(t).split(',')) for f, t in zip(ps.fitstbl['filename'],
                                                       ps.fitstbl['frametype'])}


@pytest.mark.parametrize('camera', CAMERAS)
def test_frames_shapes_and_sections(camera):
    rng = np.random.default_rng(1)
    for cls in CLASSES:
        raw, hdr, p = simulate_frame(camera, cls, rng)
        assert raw.dtype == np.uint16
        assert p['cls'] == cls
        assert hdr['VERSION'] == ('kastb' if camera == 'shane_kast_blue' else 'kastr')
        assert raw.shape == (p['naxis2'], p['naxis1'])


def test_real_formats_and_binning():
    """Section 1.4 formats: the real 2017-18 Hamamatsu and blue windows, binned variants."""
    from pypeit.spectrographs.util import load_spectrograph
    for ncol in (405, 440):
        lay = get_layout('shane_kast_red', ncol, 2725, 400, 100, (1, 1), 3400)
        assert lay.shape == (2725, ncol + 200)
        assert lay.cards['COVER'] == 100 and lay.cards['CRVAL2U'] == 3400
        assert lay.cards['CDELT2U'] == -1
        hdu = fits.HDUList([fits.PrimaryHDU(np.zeros(lay.shape, dtype=np.uint16))])
        hdu[0].header.update(CRVAL1U=400, COVER=100)
        det = load_spectrograph('shane_kast_red').get_detector_par(1, hdu=hdu)
        from pypeit.core.parse import sec2slice
        for mine, theirs in zip(lay.datasec, det['datasec']):
            sl = sec2slice(theirs, one_indexed=True, include_end=True, require_dim=2)
            assert mine[1] == slice(*sl[1].indices(lay.shape[1]))
    blue = get_layout('shane_kast_blue', 350, crval2u=1275)
    assert blue.shape == (350, 2112) and blue.cards['CRVAL2U'] == 1275
    binned = get_layout('shane_kast_blue', 175, binning=(2, 2))
    assert binned.shape == (175, 1088) and binned.nspec == 1024
    assert binned.cards['CDELT1U'] == 2 and binned.cards['CDELT2U'] == -2
    # the typical windows drawn for Kast red are the real ones
    shapes = {draw_context('shane_kast_red', s, variety=False).layout.shape for s in range(6)}
    assert shapes <= {(2725, 605), (2725, 640)}
    assert INSTRUMENTS['shane_kast_red']['readspd'] == (40,)


def test_science_kinds_and_long_exposures():
    """Bright point sources reach standard levels; long exposures gather many cosmic rays."""
    ctx = draw_context('shane_kast_blue', 5, variety=False)
    peaks = {}
    for kind in SCIENCE_KINDS:
        _, _, p = simulate_frame('shane_kast_blue', 'science', 3, context=ctx, kind=kind,
                                 exptime=1800)
        assert p['science_kind'] == kind
        peaks[kind] = p['trace_peak']
        assert p['n_cosmic'] > 20
    _, _, s = simulate_frame('shane_kast_blue', 'standard', 3, context=ctx, dusk=True)
    assert 'dusk_sky' in s
    assert peaks['bright_point'] > peaks['point']


def test_deterministic():
    a = simulate_frame('shane_kast_blue', 'science', np.random.default_rng(7))
    b = simulate_frame('shane_kast_blue', 'science', np.random.default_rng(7))
    assert np.array_equal(a[0], b[0])
    assert a[1]['DATE'] == b[1]['DATE']
    h, p = simulate_raw('shane_kast_red', 'arc', 3)
    assert h[0].data.shape == (p['naxis2'], p['naxis1'])


@pytest.mark.parametrize('camera', CAMERAS)
def test_night_typed_by_pypeit(camera, tmp_path):
    tab = simulate_nights(camera, 1, tmp_path, seed=11, scale=0.4)
    man = Table.read(tmp_path / 'manifest.ecsv')
    assert len(man) == len(tab) and set(man['cls']) == set(CLASSES)
    assert np.all(man['fault'] == 'none')
    types = _pypeit_types(tmp_path, man['night_id'][0], camera)
    ok = [types[f.split('/')[-1]] == EXPECTED[c] for f, c in zip(man['file'], man['cls'])]
    assert np.mean(ok) >= 0.99
    # PypeIt derives the intended sections from the cards written (unbinned windows)
    from pypeit.spectrographs.util import load_spectrograph
    spec = load_spectrograph(camera)
    f = tmp_path / man['file'][0]
    p0 = __import__('json').loads(man['params'][0])
    if p0['binning'] == '1,1':
        _, raw, hdu, _, datasec, _ = spec.get_rawimage(str(f), 1)
        assert raw.shape == (man['naxis2'][0], man['naxis1'][0])
        assert (datasec > 0).sum() == p0['nspat'] * p0['nspec']
    with fits.open(f) as h:
        assert h[0].header['BITPIX'] == 16 and h[0].header['BZERO'] == 32768
    # same seed -> identical pixels
    tab2 = simulate_nights(camera, 1, tmp_path / 'again', seed=11, scale=0.4)
    assert np.array_equal(fits.getdata(f), fits.getdata(tmp_path / 'again' / man['file'][0]))
    assert list(tab2['file']) == list(tab['file'])


def test_faults_mistyped(tmp_path):
    man = simulate_nights('shane_kast_blue', 1, tmp_path, seed=4, faults=1.0, scale=0.3)
    assert np.all(man['fault'] != 'none')
    types = _pypeit_types(tmp_path, man['night_id'][0], 'shane_kast_blue')
    wrong = [types[f.split('/')[-1]] != EXPECTED[c] for f, c in zip(man['file'], man['cls'])]
    assert np.mean(wrong) >= 0.9


@pytest.mark.parametrize('camera', CAMERAS)
def test_survives_loaders(camera, tmp_path):
    from pypeit_spit.pipeline.prepare import prepare_frame
    from pypeit_spit.simulate.night import write_frame
    rng = np.random.default_rng(3)
    for cls in CLASSES:
        raw, hdr, _ = simulate_frame(camera, cls, rng)
        f = tmp_path / f'{cls}.fits'
        write_frame(f, raw, hdr)
        for spectrograph in (camera, None):
            prep = prepare_frame(f, spectrograph)
            assert prep.image.shape == (210, 650) and prep.image.dtype == np.uint8


def test_supported_names():
    assert SPECTROGRAPHS[:3] == CAMERAS and 'generic' in SPECTROGRAPHS
    with pytest.raises(ValueError):
        simulate_nights('no_such_spectrograph', 1, '/nonexistent', seed=0)


def test_realism_statistics(realframes, tmp_path):
    from pypeit_spit.simulate.compare import compare_real
    out = compare_real(realframes, tmp_path, seed=0, nsim=6, cameras=CAMERAS, facts=False)
    tab = out['table']
    assert {('shane_kast_blue', c) for c in CLASSES} <= set(zip(tab['camera'], tab['cls']))
    assert ('shane_kast_red_ret', 'arc') in set(zip(tab['camera'], tab['cls']))
    bad = tab[tab['asserted'] & ~tab['ok']]
    assert len(bad) == 0, str(bad)


def test_kast_facts_covered():
    """The simulated 2017-18 Kast setups cover every level of kast-facts section 1.4."""
    from pypeit_spit.simulate.compare import kast_facts_table
    tab = kast_facts_table(nsim=12, seed=1)
    assert np.all(tab['covers']), str(tab[~tab['covers']])


def test_simulator_api_works_offline_in_a_fresh_interpreter(tmp_path):
    """The simulator's API, called from a fresh interpreter with an empty astropy cache
    and no commands run first, finds PypeIt's observatories offline (through
    io.spectrograph) instead of trying to download astropy's sites list."""
    code = ('import numpy as np\n'
            'from pypeit_spit.simulate import simulate_raw\n'
            "hdul, p = simulate_raw('keck_lris_blue', 'arc', np.random.default_rng(1))\n"
            'print(len(hdul))\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith('XDG_')}
    env['HOME'] = str(tmp_path)
    run = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split()[-1] == '5'
