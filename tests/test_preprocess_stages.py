"""Each pre-processing step on constructed inputs whose right answer is known."""
import numpy as np
import pytest
from astropy.io import fits

from pypeit_spit.errors import FrameError
from pypeit_spit.preprocess.contract import IMAGE_SHAPE, STAT_NAMES, flips
from pypeit_spit.pipeline.prepare import prepare_frame
from pypeit_spit.preprocess.frame import preprocess_image
from pypeit_spit.preprocess.resize import block_mean, resize
from pypeit_spit.preprocess.scale import to_uint8, zscale_limits
from pypeit_spit.preprocess.stats import frame_stats, median, robust_sigma
from pypeit_spit.preprocess.trim import (MIN_ROWS, TrimError, find_cut, min_rows_of,
                                         trim_columns, trim_rows)


def _slit_image(n_rows=300, n_cols=1000, blank=(20, 30), level=1000.0, sky=5000.0, seed=0):
    """Blank bands of ``blank`` rows at the bottom and top, illuminated slit between."""
    rng = np.random.default_rng(seed)
    img = rng.normal(level, 3.0, (n_rows, n_cols))
    img[blank[0]:n_rows - blank[1]] += sky
    return img


def test_trim_cuts_blank_bands_at_the_right_rows():
    img = _slit_image(blank=(20, 30))
    trimmed, rows = trim_rows(img)
    assert rows == slice(20, 270)
    assert trimmed.shape == (250, 1000)


def test_trim_keeps_uniform_image():
    img = np.random.default_rng(2).normal(1000.0, 3.0, (200, 500))
    _, rows = trim_rows(img)
    # A frame without blank bands loses at most a row at each end.
    assert rows.start <= 1 and rows.stop >= 199


def test_find_cut_jump_and_median_rules():
    assert find_cut([100, 101, 102, 200, 200, 200, 200], near_median=None) == 3
    assert find_cut([100, 100, 100, 100], near_median=None) == 0
    # Within 20% of the median ends the walk even without a jump.
    assert find_cut([150, 170, 190, 200, 200, 200, 200]) == 1
    # Limit respected.
    assert find_cut([1, 1, 1, 1, 1, 50], near_median=None, limit=3) == 0


def test_too_short_after_trimming_is_reported():
    img = _slit_image(n_rows=120, blank=(40, 40))
    with pytest.raises(TrimError, match='rows left after trimming'):
        trim_rows(img, min_rows=MIN_ROWS)  # 40 lit rows < 50
    assert MIN_ROWS == 50
    with pytest.raises(TrimError, match='at least 41 needed'):
        trim_rows(img, min_rows=41)


def test_binned_frame_keeps_a_short_slit():
    """A frame binned on chip has fewer rows: a seventh of them is enough (46 of 175)."""
    assert [min_rows_of(n) for n in (350, 2725, 175, 100, 50)] == [50, 50, 25, 16, 16]
    img = _slit_image(n_rows=175, blank=(64, 65))
    trimmed, rows = trim_rows(img)
    assert 40 <= trimmed.shape[0] <= 50


def test_trim_columns_cuts_overscan_only():
    img = _slit_image(n_rows=100, n_cols=1000, blank=(0, 0))
    img[:, -30:] = np.random.default_rng(3).normal(1000.0, 3.0, (100, 30))  # overscan
    img[:, 10] += 3000.0  # a bright line near the edge must not be mistaken for it
    trimmed, cols = trim_columns(img)
    assert cols.stop == 970
    assert cols.start == 0


def test_zscale_limits_gaussian():
    img = np.random.default_rng(4).normal(100.0, 5.0, (200, 200))
    z1, z2 = zscale_limits(img)
    assert 80 < z1 < 100 < z2 < 120


def test_constant_image_does_not_divide_by_zero():
    img = np.full((210, 650), 17.0)
    z1, z2 = zscale_limits(img)
    out = to_uint8(img, z1, z2)
    assert out.dtype == np.uint8 and np.all(out == 0)


def test_saturated_image_stays_finite():
    img = np.full((300, 900), 65535.0)
    img[:, :100] = 1000.0
    out, _, _ = preprocess_image(img)
    assert out.dtype == np.uint8 and out.shape == IMAGE_SHAPE


def test_to_uint8_range():
    out = to_uint8(np.array([[-5.0, 0.0, 5.0, 10.0, 20.0]]), 0.0, 10.0)
    assert out.tolist() == [[0, 0, 128, 255, 255]]


def test_resize_shape_and_linear_values():
    ramp = np.tile(np.arange(1300, dtype=float), (420, 1))
    out = resize(ramp)
    assert out.shape == IMAGE_SHAPE and out.dtype == np.float32
    assert np.allclose(np.diff(out[100, 5:-5]), np.diff(out[100, 5:-5]).mean(), rtol=1e-3)
    assert out[0, 0] == pytest.approx(0.5, abs=1.0)


def test_resize_keeps_narrow_lines():
    # One-pixel lines every 7 columns of a 2048-wide image shrunk ~3x: with point
    # sampling, many fall between samples; every one must leave a trace here.
    img = np.zeros((300, 2048))
    lines = np.arange(3, 2040, 97)
    img[:, lines] = 1000.0
    out = resize(img)
    for col in lines:
        j = int(round(col * (IMAGE_SHAPE[1] - 1) / 2047))
        assert out[150, max(j - 1, 0):j + 2].max() > 100.0, col


def test_preprocess_image_pipeline():
    img = _slit_image(n_rows=350, n_cols=2048, blank=(22, 22))
    out, trimmed, rows = preprocess_image(img)
    assert out.shape == IMAGE_SHAPE and out.dtype == np.uint8
    assert rows == slice(22, 328)
    assert trimmed.shape == (306, 2048)


def test_preprocess_with_bias_level_matches_raw():
    img = _slit_image(blank=(20, 30))
    out_raw, _, rows_raw = preprocess_image(img)
    out_sub, _, rows_sub = preprocess_image(img - 1000.0, bias_level=1000.0)
    assert rows_raw == rows_sub
    assert np.abs(out_raw.astype(int) - out_sub.astype(int)).max() <= 1


def test_flips_order():
    img = np.arange(6).reshape(2, 3)
    f = flips(img)
    assert f.shape == (4, 2, 3)
    assert np.array_equal(f[1], img[::-1]) and np.array_equal(f[2], img[:, ::-1])
    assert np.array_equal(f[3], img[::-1, ::-1])


def test_stats_separate_bias_from_flat():
    rng = np.random.default_rng(5)
    bias = rng.normal(0.0, 3.0, (300, 1000))
    flat = rng.normal(20000.0, 150.0, (300, 1000)) * np.linspace(0.2, 1.0, 1000)
    sb = frame_stats(bias, bias_level=1000.0, read_noise=3.0)
    sf = frame_stats(flat, bias_level=1000.0, read_noise=3.0)
    assert sb.shape == (len(STAT_NAMES),)
    assert sb[0] < 0.5 < 3.0 < sf[0]   # log_signal
    assert sf[4] > 0.9 > 0.01 > sb[4]  # bright_fraction


def test_stats_count_cosmic_rays_not_lines():
    rng = np.random.default_rng(6)
    img = rng.normal(0.0, 3.0, (200, 500))
    img[:, 100] += 500.0              # an arc line: not a cosmic ray
    img[50, 200:300] += 500.0         # a trace: not a cosmic ray
    for r, c in [(20, 20), (150, 400), (100, 50)]:
        img[r, c] += 800.0            # three hits
    s = frame_stats(img, bias_level=0.0, read_noise=3.0)
    n = 10 ** s[3] - 1
    assert n == pytest.approx(3 / (198 * 498 / 1e6), rel=0.01)


def test_prepare_frame_too_small_reports_file(tmp_path):
    path = tmp_path / 'small.fits'
    fits.writeto(path, np.ones((5, 40), dtype=np.float32))
    with pytest.raises(FrameError, match='small.fits.*too small'):
        prepare_frame(path)


def test_prepare_real_kast_frame(realframes):
    prep = prepare_frame(realframes / 'shane_kast_blue' / 'b3.fits.gz', 'shane_kast_blue')
    assert prep.image.shape == IMAGE_SHAPE
    # The 2" dome flat lights rows ~23-328 of 350: trimming removes the dark bands.
    assert 10 <= prep.rows.start <= 30 and 320 <= prep.rows.stop <= 340


def test_block_mean_gives_numpys_mean():
    """The fast block mean is numpy's mean over a block axis, bit for bit (so the
    pre-processing's answers are those measured with numpy's)."""
    rng = np.random.default_rng(3)
    for dtype in (np.float64, np.float32):
        for shape in ((37, 1650), (350, 2048), (401, 3000), (129, 4100)):
            x = (rng.standard_normal(shape) * 1000 + 5000).astype(dtype)
            for axis in (0, 1):
                for block in (2, 3, 4, 5, 7, 8, 11):
                    n = x.shape[axis] // block * block
                    v = np.moveaxis(x, axis, 0)[:n]
                    expected = np.moveaxis(
                        v.reshape(n // block, block, *v.shape[1:]).mean(axis=1), 0, axis)
                    got = block_mean(x, block, axis)
                    assert got.dtype == dtype
                    assert np.array_equal(got, expected), (dtype, shape, axis, block)


def test_median_gives_numpys_median():
    """Counting or partitioning, the median is numpy's: whole and half-whole pixel
    values (counted), real-valued and wide-ranged ones (partitioned), odd and even
    counts; the input is left as it was."""
    rng = np.random.default_rng(4)
    cases = []
    for size in (1, 2, 3, 4095, 4096, 4097, 10_000, 170_001):
        cases += [rng.integers(-50, 50, size).astype(float),
                  rng.integers(-3000, 70_000, size) + 0.5,
                  np.round(rng.normal(1e6, 30, size)),
                  rng.normal(0.0, 10.0, size),
                  rng.integers(0, 1 << 20, size).astype(float),
                  np.full(size, 7.0)]
    for v in cases:
        kept = v.copy()
        assert median(v) == float(np.median(v)), v.size
        dev = np.abs(v - np.median(v))
        assert median(dev) == float(np.median(dev)), v.size
        assert np.array_equal(v, kept)
    pixels = rng.poisson(900.0, (300, 400)).astype(float)
    from astropy.stats import mad_std
    assert robust_sigma(pixels) == float(mad_std(pixels))


def test_quality_flag_reasons():
    """Dead, constant and saturated read-outs are flagged; a frame whose first row or
    column alone is constant is not."""
    from pypeit_spit.preprocess.quality import quality_flag
    rng = np.random.default_rng(6)
    noisy = rng.normal(1000.0, 5.0, (200, 300))
    assert quality_flag(noisy) == ''
    first_flat = noisy.copy()
    first_flat[0] = 1000.0
    first_flat[:, 0] = 1000.0
    assert quality_flag(first_flat) == ''
    rows = np.repeat(rng.normal(1000.0, 5.0, (200, 1)), 300, axis=1)
    assert 'every row is constant' in quality_flag(rows)
    cols = np.repeat(rng.normal(1000.0, 5.0, (1, 300)), 200, axis=0)
    assert 'every column is constant' in quality_flag(cols)
    assert 'every pixel is zero' in quality_flag(np.full((50, 60), -300.0), bias_level=300.0)
    hot = 0.2 * noisy + 64800.0        # 65000 +- 1
    hot[:10] = 100.0
    assert quality_flag(hot) == 'no calibration: 95% of pixels saturated'
    # the level added back counts: 59990 + 20 is saturated, 59990 alone is not
    assert quality_flag(hot - 5010.0) == ''
    assert quality_flag(hot - 5010.0, bias_level=20.0) == \
        'no calibration: 95% of pixels saturated'
