"""Tests of the Kast raw-frame simulator (pypeit_spit.simulate)."""
import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from pypeit_spit.simulate import CAMERAS, CLASSES, simulate_frame, simulate_nights
from pypeit_spit.simulate.detector import get_layout

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
    if camera == 'shane_kast_blue':
        assert raw.shape[1] == 2112
    if camera == 'shane_kast_red_ret':
        assert raw.shape[1] == 1232


def test_deterministic():
    a = simulate_frame('shane_kast_blue', 'science', np.random.default_rng(7))
    b = simulate_frame('shane_kast_blue', 'science', np.random.default_rng(7))
    assert np.array_equal(a[0], b[0])
    assert a[1]['DATE'] == b[1]['DATE']


@pytest.mark.parametrize('camera', CAMERAS)
def test_night_typed_by_pypeit(camera, tmp_path):
    tab = simulate_nights(camera, 1, tmp_path, seed=11, scale=0.4)
    man = Table.read(tmp_path / 'manifest.ecsv')
    assert len(man) == len(tab) and set(man['cls']) == set(CLASSES)
    assert np.all(man['fault'] == 'none')
    types = _pypeit_types(tmp_path, man['night_id'][0], camera)
    ok = [types[f.split('/')[-1]] == EXPECTED[c] for f, c in zip(man['file'], man['cls'])]
    assert np.mean(ok) >= 0.99
    # PypeIt derives the intended sections from the cards written
    from pypeit.spectrographs.util import load_spectrograph
    spec = load_spectrograph(camera)
    f = tmp_path / man['file'][0]
    _, raw, hdu, _, datasec, oscansec = spec.get_rawimage(str(f), 1)
    lay = get_layout(camera, *( (int(man['naxis1'][0]) - 64, int(man['naxis2'][0]),
                                 hdu[0].header['CRVAL1U'], 32) if camera == 'shane_kast_red'
                               else (int(man['naxis2'][0]),)))
    assert raw.shape == lay.shape
    assert (datasec > 0).sum() == lay.nspat * lay.nspec
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
    from pypeit_spit.preprocess import prepare_frame
    from pypeit_spit.simulate.night import write_frame
    rng = np.random.default_rng(3)
    for cls in CLASSES:
        raw, hdr, _ = simulate_frame(camera, cls, rng)
        f = tmp_path / f'{cls}.fits'
        write_frame(f, raw, hdr)
        for spectrograph in (camera, None):
            prep = prepare_frame(f, spectrograph)
            assert prep.image.shape == (210, 650) and prep.image.dtype == np.uint8


def test_realism_statistics(realframes, tmp_path):
    from pypeit_spit.simulate.compare import compare_real
    out = compare_real(realframes, tmp_path, seed=0, nsim=3)
    tab = out['table']
    assert {('shane_kast_blue', c) for c in CLASSES} <= set(zip(tab['camera'], tab['cls']))
    assert ('shane_kast_red_ret', 'arc') in set(zip(tab['camera'], tab['cls']))
    bad = tab[~tab['ok']]
    assert len(bad) == 0, str(bad)
