"""Layout augmentation of training images."""
import numpy as np

from pypeit_spit.training.augment import augment_batch, random_band, random_crop


def _image():
    img = np.zeros((210, 650), dtype=np.uint8)
    img[60:150] = 200          # a lit slit
    img[:, 300:303] = 255      # an arc line
    return img


def test_crop_keeps_shape_and_zooms():
    out = random_crop(_image(), np.random.default_rng(0), min_rows=0.5, min_cols=0.5)
    assert out.shape == (210, 650) and out.dtype == np.uint8
    # A zoom makes the lit band taller than the original 90 rows (or equal when the
    # crop keeps every row).
    assert np.sum(out[:, 10] >= 100) >= 90


def test_band_squeezes_the_slit_and_fills():
    img = _image()
    out = random_band(img, np.random.default_rng(3), min_fraction=0.4, max_fraction=0.5)
    lit = np.sum(out[:, 10] >= 150)
    assert 30 <= lit <= 50  # 90 lit rows squeezed into 40-50 % of the frame
    # outside the band: the noisy fill (the original's dark rows are exactly 0)
    assert out[out[:, 10] < 150, 10].std() > 0.5


def test_augment_batch_deterministic_and_copy():
    batch = np.stack([_image()] * 6)
    a = augment_batch(batch, np.random.default_rng([1, 2]), p_crop=1.0, p_band=0.5)
    b = augment_batch(batch, np.random.default_rng([1, 2]), p_crop=1.0, p_band=0.5)
    assert np.array_equal(a, b)
    assert np.array_equal(batch[0], _image())  # input untouched
    assert not np.array_equal(a, batch)
    assert np.array_equal(augment_batch(batch, np.random.default_rng(0), 0.0, 0.0), batch)


def test_batch_crop_is_the_one_image_resize():
    """The vectorised crop resizes each window as preprocess.resize does."""
    from pypeit_spit.preprocess.resize import resize
    from pypeit_spit.training.augment import _resize_windows
    rng = np.random.default_rng(4)
    batch = rng.integers(0, 256, (3, 210, 650), dtype=np.uint8)
    r0, hr = np.array([0, 30, 94]), np.array([210, 150, 116])
    c0, hc = np.array([0, 100, 195]), np.array([650, 455, 455])
    out = _resize_windows(batch, r0, hr, c0, hc, (210, 650))
    for k in range(3):
        want = resize(batch[k, r0[k]:r0[k] + hr[k], c0[k]:c0[k] + hc[k]], (210, 650))
        assert np.abs(out[k] - want).max() < 0.01   # float rounding of the coordinates


def test_batch_band_squeezes_like_the_one_image_version():
    batch = np.stack([_image()] * 40)
    out = augment_batch(batch, np.random.default_rng(7), p_crop=0.0, p_band=1.0,
                        min_fraction=0.4, max_fraction=0.5)
    lit = np.sum(out[:, :, 10] >= 150, axis=1)
    assert np.all((30 <= lit) & (lit <= 50))
    assert all(img[img[:, 10] < 150, 10].std() > 0.5 for img in out)
    # a frame squeezed 2x or more (rows averaged in pairs first) keeps its arc line
    assert np.all(out[:, :, 301].max(axis=1) == 255)


def test_detector_structure_is_smooth_and_scaled_by_noise():
    from pypeit_spit.training.augment import detector_structure, pixel_noise_uint8
    flat = np.full((4, 210, 650), 200, np.uint8)
    for sigma, count in ((20.0, 200), (5.0, 60)):
        rng = np.random.default_rng(3)
        noisy = np.clip(rng.normal(120, sigma, (count, 210, 650)), 0, 255).astype(np.uint8)
        assert np.allclose(pixel_noise_uint8(noisy), sigma, rtol=0.1)
        out = detector_structure(noisy, np.random.default_rng(0))
        diff = out.astype(float) - noisy.astype(float)
        axes = []
        for d, img in zip(diff, out):
            cols, rows = np.median(d, axis=0), np.median(d, axis=1)
            along_cols = np.ptp(cols) >= np.ptp(rows)
            prof = np.broadcast_to(cols[None, :] if along_cols else rows[:, None], d.shape)
            inside = (img > 0) & (img < 255)       # pixels no clip reached
            # one profile, constant along the other axis (rounding to uint8 aside)
            assert np.abs(d - prof)[inside].max() <= 1.0 + 1e-6 or np.ptp(prof) == 0
            peak = np.abs(prof).max()
            assert peak == 0 or 0.5 * sigma * 0.8 <= peak <= 3.0 * sigma * 1.2
            if np.ptp(prof) > 0:
                axes.append(along_cols)
        # p_columns 0.6; 1 profile in 16 is flat
        assert 0.45 <= np.mean(axes) <= 0.75 and len(axes) >= 0.8 * count
    # no noise, no structure: a frame of constant light is left as it is
    assert np.array_equal(detector_structure(flat, np.random.default_rng(0)), flat)
    assert np.array_equal(detector_structure(noisy, np.random.default_rng(0)), out)
    assert out.dtype == np.uint8 and out.shape == noisy.shape


def test_augment_batch_structure_comes_last():
    """With structure drawn, the crops and bands are those of p_structure=0 (the
    structure's draws come after theirs), and about p_structure of the images differ."""
    rng = np.random.default_rng(4)
    batch = np.clip(rng.normal(120, 20, (40, 210, 650)), 0, 255).astype(np.uint8)
    plain = augment_batch(batch, np.random.default_rng(9))
    some = augment_batch(batch, np.random.default_rng(9), p_structure=0.5)
    same = np.array([np.array_equal(a, b) for a, b in zip(some, plain)])
    assert 8 <= (~same).sum() <= 32
    assert np.array_equal(some, augment_batch(batch, np.random.default_rng(9),
                                              p_structure=0.5))
    # an image without structure is exactly the p_structure=0 image
    assert same.sum() >= 8
