"""
Tests of :mod:`pypeit_spit.training.dataset`: labels, preparation and cache, split by night,
oversampling and flips.
"""
import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from pypeit_spit.errors import DatasetError
from pypeit_spit.training.dataset import (balance_indices, build_dataset, flip_samples,
                                 limit_per_class, load_cache, night_of, read_labels,
                                 split_by_night)
from pypeit_spit.vocab import CLASSES

SHAPE = (200, 640)


def synthetic_frame(kind, rng, shape=SHAPE):
    """
    A crude raw frame of one class (generic loader: first HDU, spectral axis along x).

    Parameters
    ----------
    kind : str
        One of CLASSES.
    rng : `numpy.random.Generator`
    shape : tuple, optional

    Returns
    -------
    `numpy.ndarray` of float32
    """
    ny, nx = shape
    y, x = np.mgrid[:ny, :nx]
    img = 1000.0 + rng.normal(0, 5, shape)
    slit = np.exp(-0.5 * ((y - ny / 2) / (ny / 4)) ** 4)
    if kind == 'flat':
        img += 20000 * slit * (0.5 + 0.5 * np.sin(np.pi * x / nx))
    elif kind == 'arc':
        for c in rng.uniform(20, nx - 20, 12):
            img += 8000 * slit * np.exp(-0.5 * ((x - c) / 1.5) ** 2)
    elif kind in ('science', 'standard'):
        amp = 20000 if kind == 'standard' else 300
        yc = ny / 2 + rng.uniform(-10, 10)
        img += 200 * slit + amp * np.exp(-0.5 * ((y - yc) / 2.0) ** 2)
        if kind == 'science':
            for c in rng.uniform(20, nx - 20, 6):
                img += 400 * slit * np.exp(-0.5 * ((x - c) / 1.5) ** 2)
    return img.astype(np.float32)


def write_frames(folder, n_nights=5, per_class=1, seed=1, name='labels.ecsv',
                 shape=SHAPE):
    """
    Write ``n_nights`` x ``per_class`` frames of each class and an ECSV labels table.

    Returns
    -------
    `pathlib.Path`
        The labels table.
    """
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for night in range(n_nights):
        for kind in CLASSES:
            for k in range(per_class):
                fname = f'n{night}_{k}_{CLASSES.index(kind)}.fits'
                fits.PrimaryHDU(synthetic_frame(kind, rng, shape)).writeto(folder / fname)
                rows.append((fname, kind, f'2020-01-{night + 1:02d}'))
    t = Table(rows=rows, names=('file', 'class', 'night'))
    path = folder / name
    t.write(path, format='ascii.ecsv')
    return path


def test_read_labels(tmp_path):
    t = Table({'file': ['a.fits', '/abs/b.fits'], 'frametype': ['pixelflat,trace', 'tilt,arc'],
               'instrument': ['shane_kast_blue', 'some_camera'],
               'date_obs': ['2015-05-20T01:35:27', '2015-05-20T11:00:00']})
    p = tmp_path / 'labels.csv'
    t.write(p, format='ascii.csv')
    out = read_labels(p, group_by='date_obs')
    assert list(out['class']) == ['flat', 'arc']
    assert out['file'][0] == str(tmp_path / 'a.fits')
    assert out['file'][1] == '/abs/b.fits'
    assert list(out['spectrograph']) == ['shane_kast_blue', '']
    assert out['night'][0] == 'shane_kast_blue:2015-05-19'
    assert list(read_labels(p, loader='generic')['spectrograph']) == ['', '']
    bad = Table({'file': ['a.fits'], 'class': ['dark']})
    bad.write(tmp_path / 'bad.ecsv')
    with pytest.raises(DatasetError, match='bad.ecsv.*dark'):
        read_labels(tmp_path / 'bad.ecsv')
    with pytest.raises(DatasetError, match='does not exist'):
        read_labels(tmp_path / 'missing.ecsv')


def test_night_of():
    assert night_of('2015-05-20T01:35:27.67') == '2015-05-19'
    assert night_of('2015-05-20T13:00:00') == '2015-05-20'
    assert night_of('run7') == 'run7'


def test_split_by_night_never_straddles():
    rng = np.random.default_rng(3)
    nights = rng.choice([f'night{i}' for i in range(20)], 500)
    split = split_by_night(nights, seed=7)
    sets = {k: set(nights[v]) for k, v in split.items()}
    assert not sets['train'] & sets['validation']
    assert not sets['train'] & sets['test']
    assert not sets['validation'] & sets['test']
    assert sum(v.size for v in split.values()) == nights.size
    assert len(sets['validation']) == 3 and len(sets['test']) == 3
    again = split_by_night(nights, seed=7)
    assert all(np.array_equal(split[k], again[k]) for k in split)
    other = split_by_night(nights, seed=8)
    assert not all(np.array_equal(split[k], other[k]) for k in split)
    # three nights: one each
    small = split_by_night(np.array(['a', 'a', 'b', 'c']), seed=0)
    assert all(np.unique(np.array(['a', 'a', 'b', 'c'])[v]).size == 1 for v in small.values())


def test_balance_and_flips():
    labels = np.array([0] * 10 + [1] * 3 + [3] * 7 + [4] * 1)
    idx = balance_indices(labels, np.random.default_rng(0))
    counts = np.bincount(labels[idx], minlength=5)
    assert list(counts) == [10, 10, 0, 10, 10]
    # every frame of a class appears, as evenly as possible
    c1 = np.bincount(idx[labels[idx] == 1], minlength=13)[10:13]
    assert c1.min() >= 3 and c1.max() <= 4
    s = flip_samples(np.array([5, 2]))
    assert s.tolist() == [[5, 0], [5, 1], [5, 2], [5, 3], [2, 0], [2, 1], [2, 2], [2, 3]]


def test_limit_per_class(tmp_path):
    t = Table({'file': [f'{i}.fits' for i in range(9)], 'class': ['bias'] * 6 + ['arc'] * 3,
               'night': ['x'] * 9, 'spectrograph': [''] * 9, 'source': ['s'] * 9})
    out = limit_per_class(t, 2, seed=0)
    assert sorted(out['class']) == ['arc', 'arc', 'bias', 'bias']


def test_build_dataset_cache_and_failures(tmp_path):
    labels = write_frames(tmp_path / 'frames', n_nights=1, per_class=1)
    t = Table.read(labels)
    t.add_row(('missing.fits', 'bias', '2020-01-09'))
    t.write(labels, overwrite=True)
    table = read_labels(labels)
    cache = tmp_path / 'cache.npz'
    fs = build_dataset(table, cache=cache, workers=2, progress=False)
    assert len(fs) == 5 and fs.images.dtype == np.uint8 and fs.images.shape[1:] == (210, 650)
    assert len(fs.failures) == 1 and 'missing.fits' in fs.failures[0][0]
    assert 'does not exist' in fs.failures[0][1]
    assert list(fs.labels) == [0, 1, 2, 3, 4]
    cached, keys = load_cache(cache)
    assert np.array_equal(cached.images, fs.images) and len(keys) == 5
    # second pass reads nothing (all frames come from the cache)
    again = build_dataset(table, cache=cache, workers=1, progress=False)
    assert np.array_equal(again.images, fs.images)
    assert np.array_equal(again.stats, fs.stats)
    # without the failing row the cached arrays are used as they are (no copy)
    table.remove_row(len(table) - 1)
    table['night'] = 'one night'
    fast = build_dataset(table, cache=cache, workers=1, progress=False)
    assert np.array_equal(fast.images, fs.images) and set(fast.nights) == {'one night'}
    assert not fast.failures


def test_add_generic_copies():
    from pypeit_spit.training.dataset import add_generic_copies
    t = Table({'file': [f'f{i}.fits' for i in range(200)],
               'class': ['bias'] * 200,
               'night': [f'n:{i // 20}' for i in range(200)],
               'spectrograph': ['shane_kast_blue'] * 150 + [''] * 50})
    out = add_generic_copies(t, 0.5, seed=3)
    copies = out[200:]
    assert 50 < len(copies) < 100           # about half of the 150 PypeIt rows
    assert np.all(copies['spectrograph'] == '')
    assert set(copies['file']) <= set(t['file'][:150])
    # a copy keeps its original's night
    night = dict(zip(t['file'], t['night']))
    assert all(night[f] == n for f, n in zip(copies['file'], copies['night']))
    assert add_generic_copies(t, 0.0) is t
    assert np.array_equal(add_generic_copies(t, 0.5, seed=3)['file'], out['file'])


def test_shared_cache_only_grows(tmp_path):
    labels = write_frames(tmp_path / 'frames', n_nights=1, per_class=1)
    table = read_labels(labels)
    cache = tmp_path / 'cache.npz'
    build_dataset(table[:3], cache=cache, workers=1, progress=False)
    assert len(load_cache(cache)[1]) == 3
    # a run on other frames adds them and keeps the first run's
    fs = build_dataset(table[2:], cache=cache, workers=1, progress=False)
    assert len(fs) == 3
    cached, keys = load_cache(cache)
    assert len(keys) == 5
    # a subset of the cache is served from it and leaves it whole
    sub = build_dataset(table[1:3], cache=cache, workers=1, progress=False)
    assert len(sub) == 2 and len(load_cache(cache)[1]) == 5
    assert np.array_equal(sub.images[1], fs.images[0])
