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
