"""Loaders on a simulated frame of every instrument (tests/simframes.py), on constructed
files, and on the real frames of ../shared/realframes where present."""
import numpy as np
import pytest
from astropy.io import fits

from pypeit_spit.errors import FrameError
from pypeit_spit.io.generic import load_generic
from pypeit_spit.io.load import load_frame
from pypeit_spit.preprocess.stats import robust_sigma

# (folder, PypeIt spectrograph) for each instrument of the shared real frames.
INSTRUMENTS = [('shane_kast_blue', 'shane_kast_blue'), ('shane_kast_red', 'shane_kast_red_ret'),
               ('wht_isis_blue', 'wht_isis_blue'), ('keck_lris_blue', 'keck_lris_blue'),
               ('p200_dbsp_blue', 'p200_dbsp_blue'), ('p200_dbsp_red', 'p200_dbsp_red'),
               ('lco_floyds', None)]

# (simulated file, PypeIt spectrograph) for each loader (tests/simframes.py).
SIMULATED = [('shane_kast_blue/b14.fits.gz', 'shane_kast_blue'),
             ('loaders/kast_red_ret.fits.gz', 'shane_kast_red_ret'),
             ('loaders/wht_isis_blue.fit.gz', 'wht_isis_blue'),
             ('loaders/keck_lris_blue.fits.gz', 'keck_lris_blue'),
             ('loaders/p200_dbsp_blue.fits.gz', 'p200_dbsp_blue'),
             ('loaders/p200_dbsp_red.fits.gz', 'p200_dbsp_red'),
             ('loaders/tile_compressed.fits.fz', None)]


def _first(folder):
    files = sorted(p for p in folder.iterdir() if p.is_file())
    assert files, folder
    return files[0]


def _check_generic(path):
    frame = load_generic(path)
    assert frame.image.ndim == 2
    assert frame.image.shape[1] >= frame.image.shape[0]  # spectral axis horizontal
    assert np.all(np.isfinite(frame.image))
    assert frame.loader == 'generic'


def _check_pypeit(path, spec):
    frame = load_frame(path, spectrograph=spec)
    assert frame.loader == f'pypeit:{spec}'
    assert frame.image.ndim == 2 and np.all(np.isfinite(frame.image))
    # Spectral axis horizontal: PypeIt's spectral length is the longer axis for all of
    # these long-slit instruments.
    assert frame.image.shape[1] > frame.image.shape[0]


@pytest.mark.parametrize('name,spec', SIMULATED)
def test_generic_loader_every_instrument(name, spec, kastframes):
    _check_generic(kastframes.parent / name)


@pytest.mark.parametrize('name,spec', [i for i in SIMULATED if i[1] is not None])
def test_pypeit_loader_every_instrument(name, spec, kastframes):
    _check_pypeit(kastframes.parent / name, spec)


def test_loaders_every_real_instrument(realframes):
    """The same checks on the first real frame of each instrument."""
    for folder, spec in INSTRUMENTS:
        path = _first(realframes / folder)
        _check_generic(path)
        if spec is not None:
            _check_pypeit(path, spec)


def test_kast_blue_pypeit_loader_crops_overscan(realframes):
    path = realframes / 'shane_kast_blue' / 'b14.fits.gz'  # a bias
    raw = fits.getdata(path).astype(float)
    frame = load_frame(path, spectrograph='shane_kast_blue')
    # 2048 data columns of the 2112 raw ones (overscan cropped), all 350 rows.
    assert frame.image.shape == (350, 2048)
    # Overscan subtracted per amplifier: a bias is then centred on zero on both amps.
    assert abs(np.median(frame.image[:, :1024])) < 3
    assert abs(np.median(frame.image[:, 1024:])) < 3
    assert 900 < frame.bias_level < 1000
    assert 1 < frame.read_noise < 6
    assert frame.raw_max == pytest.approx(raw[:, :2048].max())


def test_kast_red_reticon_orientation(realframes):
    frame = load_frame(realframes / 'shane_kast_red' / 'r6.fits', spectrograph='shane_kast_red_ret')
    assert frame.image.shape == (250, 1200)


def test_lris_joins_amplifiers(loaderframes):
    path = loaderframes / 'keck_lris_blue.fits.gz'
    with fits.open(path) as hdul:
        amp_width = hdul[1].data.shape[1]
    frame = load_frame(path, spectrograph='keck_lris_blue')
    # Two amplifiers per LRIS-blue CCD are joined into one image wider than either.
    assert frame.image.shape[0] > amp_width


def test_fz_file_reads_extension(loaderframes):
    path = loaderframes / 'tile_compressed.fits.fz'
    frame = load_generic(path)
    with fits.open(path) as hdul:
        assert frame.image.shape == hdul[1].data.shape


def test_generic_rotates_tall_images(tmp_path):
    data = np.zeros((300, 100), dtype=np.float32)
    data[:, 10] = 5.0  # a column of the tall frame becomes a row
    path = tmp_path / 'tall.fits'
    fits.writeto(path, data)
    frame = load_generic(path)
    assert frame.image.shape == (100, 300)
    assert np.count_nonzero(frame.image.max(axis=1)) == 1


def test_generic_finds_first_2d_extension(tmp_path):
    path = tmp_path / 'mef.fits'
    hdus = fits.HDUList([fits.PrimaryHDU(),
                         fits.ImageHDU(np.ones(5)),
                         fits.ImageHDU(np.full((20, 40), 7.0))])
    hdus.writeto(path)
    assert np.all(load_generic(path).image == 7.0)


def test_nan_pixels_replaced(tmp_path):
    data = np.ones((60, 100))
    data[5, 5] = np.nan
    path = tmp_path / 'nan.fits'
    fits.writeto(path, data)
    assert np.all(np.isfinite(load_generic(path).image))


@pytest.mark.parametrize('maker,reason', [
    (lambda p: None, 'does not exist'),
    (lambda p: p.write_bytes(b''), 'empty'),
    (lambda p: p.write_text('this is not FITS\n' * 10), 'not a FITS file'),
    (lambda p: fits.writeto(p, np.ones(50)), 'no image data .no HDU holds a 2-D image'),
    (lambda p: fits.writeto(p, np.full((10, 10), np.nan)), 'no usable pixel values'),
])
def test_bad_inputs_name_file_and_reason(tmp_path, maker, reason):
    path = tmp_path / 'bad.fits'
    maker(path)
    with pytest.raises(FrameError, match=reason) as info:
        load_generic(path)
    assert str(path) in str(info.value)


def test_truncated_fits(tmp_path):
    good = tmp_path / 'good.fits'
    fits.writeto(good, np.ones((200, 300), dtype=np.float32))
    bad = tmp_path / 'truncated.fits'
    bad.write_bytes(good.read_bytes()[:5000])
    with pytest.raises(FrameError, match='truncated.fits'):
        load_generic(bad)


def test_unknown_spectrograph(kastframes):
    with pytest.raises(FrameError, match='unknown PypeIt spectrograph'):
        load_frame(kastframes / 'b1.fits.gz', spectrograph='not_a_spec')


def test_robust_sigma_gaussian():
    rng = np.random.default_rng(1)
    assert robust_sigma(rng.normal(0, 3.0, 100_000)) == pytest.approx(3.0, rel=0.02)
    assert np.isnan(robust_sigma([np.nan]))


def test_plain_copy_is_the_same_with_or_without_isal(kastframes, monkeypatch, tmp_path):
    """A compressed frame's plain copy has the same bytes whichever gzip decoder made it
    (ISA-L where installed, Python's otherwise); a corrupt stream gives no copy."""
    import gzip

    from pypeit_spit.io import loaded, plain_copy
    from pypeit_spit.io.spectrograph import get_spectrograph
    path = kastframes / 'b1.fits.gz'
    spec = get_spectrograph('shane_kast_blue')
    expected = gzip.decompress(path.read_bytes())
    broken = tmp_path / 'broken.fits.gz'
    data = bytearray(path.read_bytes())
    data[-6] ^= 0xFF                     # its CRC
    broken.write_bytes(bytes(data))
    for fast in (plain_copy._fast_gzip(), None):
        monkeypatch.setattr(plain_copy, '_fast_gzip', lambda fast=fast: fast)
        with plain_copy._plain_copy(path, 'gzip', spec, loaded.size_limit()) as plain:
            assert plain.read_bytes() == expected
        with plain_copy._plain_copy(broken, 'gzip', spec, loaded.size_limit()) as plain:
            assert plain is None


def test_plain_copy_folder_is_listed_before_it_exists(kastframes, monkeypatch, tmp_path):
    """The folder of a plain copy is in the list a reading process told to end removes
    (``remove_plain_copies``) from before it is made, so that no moment leaves one behind;
    with no temporary space the compressed frame is read as it is (no copy)."""
    import os
    import tempfile

    from pypeit_spit.io import loaded, plain_copy
    from pypeit_spit.io.spectrograph import get_spectrograph
    path = kastframes / 'b1.fits.gz'
    spec = get_spectrograph('shane_kast_blue')
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path))
    made = []
    real_mkdir = os.mkdir

    def mkdir(folder, mode=0o777):
        made.append(folder in plain_copy._LIVE_COPIES)   # told to end: nothing made yet
        real_mkdir(folder, mode)
        made.append(folder in plain_copy._LIVE_COPIES)   # told to end: it would be removed

    monkeypatch.setattr(os, 'mkdir', mkdir)
    with plain_copy._plain_copy(path, 'gzip', spec, loaded.size_limit()) as plain:
        assert plain.parent.parent == tmp_path and plain.stat().st_size > 0
    assert made == [True, True] and not plain_copy._LIVE_COPIES
    assert not list(tmp_path.iterdir())

    def no_space(folder, mode=0o777):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(os, 'mkdir', no_space)
    with plain_copy._plain_copy(path, 'gzip', spec, loaded.size_limit()) as plain:
        assert plain is None
    assert not plain_copy._LIVE_COPIES


def test_orientation_view_is_pypeits_orient_image():
    """The canonical image is PypeIt's orient_image of the data, for every transpose
    and flip a detector can ask for (taken as a view: one copy, not two)."""
    from pypeit_spit.io import pypeit_reader
    from pypeit_spit.io.spectrograph import get_spectrograph
    spec = get_spectrograph('shane_kast_blue')
    image = np.arange(6 * 9, dtype=float).reshape(6, 9)
    for specaxis in (0, 1):
        for specflip in (False, True):
            for spatflip in (False, True):
                det = {'specaxis': specaxis, 'specflip': specflip, 'spatflip': spatflip}
                ours = pypeit_reader._oriented(spec, det, image)
                assert np.array_equal(ours, spec.orient_image(det, image)), det
                assert np.shares_memory(ours, image)
