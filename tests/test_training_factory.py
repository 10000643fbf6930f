"""
The sharded training set (pypeit_spit.training.factory, pypeit_spit_dataset): build,
kill and resume, append, stale stamps, the lazy image view.
"""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from helpers import run_command, script_path
from pypeit_spit.errors import DatasetError
from pypeit_spit.training.factory import (ShardedImages, build_units, dataset_summary,
                                          list_shards, open_dataset, plan_units)
from pypeit_spit.vocab import CLASSES

# Two spectrographs (one Kast camera, one long-slit PypeIt spectrograph), small nights.
SPECS = ('shane_kast_blue', 'not_alfosc')
TINY = dict(seed=11, faults=0.2, scale=0.2, geometry={'binning': (2, 2)},
            generic_fraction=0.5)
CLI = ['-s', *SPECS, '--seed', '11', '--faults', '0.2', '--scale', '0.2',
       '--geometry', '{"binning": [2, 2]}', '--generic-fraction', '0.5']


def _arrays(folder):
    fs = open_dataset(folder)
    return {'images': np.asarray(fs.images), 'stats': fs.stats, 'labels': fs.labels,
            'nights': fs.nights, 'files': fs.files, 'loaders': fs.loaders,
            'spectrographs': fs.spectrographs, 'instruments': fs.instruments}


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    """An uninterrupted build: 2 spectrographs x 2 nights, in this process."""
    folder = tmp_path_factory.mktemp('ds') / 'ref'
    result = build_units(folder, plan_units(SPECS, 2, **TINY), workers=1, progress=False)
    assert result['built'] == 4 and not result['failed']
    return folder, _arrays(folder)


def test_build_contents(reference):
    folder, ref = reference
    stamp = json.loads((folder / 'stamp.json').read_text())
    assert stamp['image_shape'] == [210, 650] and stamp['classes'] == list(CLASSES)
    assert {'preprocess_version', 'simulator_version', 'stat_names', 'format'} <= set(stamp)
    n = ref['labels'].size
    assert ref['images'].shape == (n, 210, 650) and ref['images'].dtype == np.uint8
    assert ref['stats'].shape == (n, 5) and ref['stats'].dtype == np.float32
    # every class in every unit; nights unique across spectrographs
    assert set(ref['labels'].tolist()) == set(range(len(CLASSES)))
    assert np.unique(ref['nights']).size == 4
    for spec in SPECS:
        nights = np.unique(ref['nights'][ref['instruments'] == spec])
        assert nights.size == 2 and all(n.startswith(f'{spec}:s11:') for n in nights)
    # generic copies: read with the generic loader, the same files as PypeIt-read rows
    gen = ref['loaders'] == 'generic'
    assert 0 < gen.sum() < n
    assert set(ref['files'][gen]) <= set(ref['files'][~gen])
    assert np.all(ref['spectrographs'][gen] == '')
    assert np.all(ref['spectrographs'][~gen] == ref['instruments'][~gen])
    # images are not blank; no raw file and no scratch left behind
    assert all(ref['images'][i].std() > 0 for i in range(n))
    assert not list(folder.rglob('*.fits*')) and not (folder / '.work').exists()
    shards = list_shards(folder)
    assert len(shards) == 4
    meta = json.loads((shards[0] / 'meta.json').read_text())
    assert meta['options']['scale'] == 0.2 and meta['n_frames'] >= 5
    assert 'fault' in meta['columns'] and meta['failures'] == []


def test_lazy_view_gathers_the_shards(reference):
    folder, ref = reference
    fs = open_dataset(folder)
    assert isinstance(fs.images, ShardedImages)
    full = np.concatenate([np.load(s / 'images.npy') for s in list_shards(folder)])
    np.testing.assert_array_equal(full, ref['images'])
    n = len(full)
    assert len(fs.images) == n and fs.images.shape == full.shape
    assert fs.images.dtype == np.uint8
    rng = np.random.default_rng(0)
    idx = rng.integers(0, n, 40)
    np.testing.assert_array_equal(fs.images[idx], full[idx])
    np.testing.assert_array_equal(fs.images[idx.reshape(5, 8)], full[idx.reshape(5, 8)])
    np.testing.assert_array_equal(fs.images[3], full[3])
    np.testing.assert_array_equal(fs.images[-1], full[-1])
    np.testing.assert_array_equal(fs.images[2:n - 3], full[2:n - 3])
    np.testing.assert_array_equal(fs.images[5, 10:20, ::-1], full[5, 10:20, ::-1])
    mask = rng.random(n) < 0.5
    np.testing.assert_array_equal(fs.images[mask], full[mask])
    with pytest.raises(IndexError):
        fs.images[n]
    # a subset stays lazy and indexes its own rows
    sub = fs.subset(idx[:10])
    assert isinstance(sub.images, ShardedImages)
    np.testing.assert_array_equal(sub.images[np.arange(10)[::-1]], full[idx[:10]][::-1])
    np.testing.assert_array_equal(sub.stats, fs.stats[idx[:10]])
    # selection by spectrograph and loader
    alfosc = open_dataset(folder, spectrographs=['not_alfosc'], loaders=['generic'])
    keep = (ref['instruments'] == 'not_alfosc') & (ref['loaders'] == 'generic')
    np.testing.assert_array_equal(np.asarray(alfosc.images), full[keep])
    np.testing.assert_array_equal(alfosc.labels, ref['labels'][keep])


def test_kill_and_resume_is_bitwise_equal(reference, tmp_path):
    """The installed command, killed (SIGKILL, its workers too) after its first shard,
    then run again, ends with the same arrays as an uninterrupted build."""
    _, ref = reference
    folder = tmp_path / 'killed'
    cmd = [script_path('pypeit_spit_dataset'), str(folder), *CLI, '--nights', '2',
           '--workers', '2']
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        t0 = time.time()
        while not list(folder.glob('shards/*/complete')) and time.time() - t0 < 120:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = list(folder.glob('shards/*/complete'))
    assert 1 <= len(done) < 4, 'the build was not interrupted part-way'
    before = {p.parent.name: p.stat().st_mtime_ns for p in done}
    res = run_command('pypeit_spit_dataset', folder, *CLI, '--nights', '2', '--workers', '2',
                      '--summary')
    assert res.returncode == 0, res.stderr
    assert f'{len(done)} already built' in res.stdout
    assert 'not_alfosc' in res.stdout and '4 nights' in res.stdout
    for name, mtime in before.items():          # finished shards were not rebuilt
        assert (folder / 'shards' / name / 'complete').stat().st_mtime_ns == mtime
    again = _arrays(folder)
    for key, value in ref.items():
        np.testing.assert_array_equal(again[key], value, err_msg=key)
    assert not (folder / '.work').exists()


def test_append_keeps_old_shards(reference, tmp_path):
    src, ref = reference
    folder = tmp_path / 'grow'
    build_units(folder, plan_units(SPECS[:1], 1, **TINY), workers=1, progress=False)
    old = {p: p.stat().st_mtime_ns for p in folder.glob('shards/*/*')}
    # the same plan again builds nothing; a second night and a new spectrograph add shards
    assert build_units(folder, plan_units(SPECS[:1], 1, **TINY), workers=1)['built'] == 0
    result = build_units(folder, plan_units(SPECS, 2, **TINY), workers=1, progress=False)
    assert result['built'] == 3 and result['skipped'] == 1
    assert {p: p.stat().st_mtime_ns for p in old} == old
    grown = _arrays(folder)
    for key, value in ref.items():
        np.testing.assert_array_equal(grown[key], value, err_msg=key)
    # another option for a unit already built is refused, not silently mixed
    other = dict(TINY, scale=0.3)
    with pytest.raises(DatasetError, match='other options: scale 0.2'):
        build_units(folder, plan_units(SPECS[:1], 1, **other), workers=1)


def test_stale_stamp_is_refused(reference, tmp_path):
    src, _ = reference
    folder = tmp_path / 'stale'
    folder.mkdir()
    stamp = json.loads((src / 'stamp.json').read_text())
    stamp['preprocess_version'] -= 1
    stamp['simulator_version'] += 1
    (folder / 'stamp.json').write_text(json.dumps(stamp))
    with pytest.raises(DatasetError) as err:
        open_dataset(folder)
    msg = str(err.value)
    assert '\n' not in msg and str(folder) in msg
    assert 'preprocess_version' in msg and 'simulator_version' in msg
    assert 'image_shape' not in msg
    with pytest.raises(DatasetError, match='another version'):
        build_units(folder, plan_units(SPECS[:1], 1, **TINY), workers=1)
    res = run_command('pypeit_spit_dataset', folder, '--summary')
    assert res.returncode == 2
    assert 'preprocess_version' in res.stderr and 'Traceback' not in res.stderr
    # a folder that is not a dataset, and a missing one
    with pytest.raises(DatasetError, match='no stamp.json'):
        open_dataset(tmp_path)
    with pytest.raises(DatasetError, match='does not exist'):
        open_dataset(tmp_path / 'nowhere')
    (tmp_path / 'foreign').mkdir()
    (tmp_path / 'foreign' / 'x.txt').write_text('x')
    with pytest.raises(DatasetError, match='not empty'):
        build_units(tmp_path / 'foreign', plan_units(SPECS[:1], 1, **TINY), workers=1)


def test_summary_counts(reference):
    folder, ref = reference
    table, totals = dataset_summary(folder)
    assert totals['shards'] == 4 and totals['samples'] == ref['labels'].size
    row = table[(table['spectrograph'] == 'not_alfosc') & (table['loader'] == 'pypeit')][0]
    keep = (ref['instruments'] == 'not_alfosc') & (ref['loaders'] == 'pypeit')
    assert row['nights'] == 2 and row['total'] == keep.sum()
    assert [row[c] for c in CLASSES] == np.bincount(ref['labels'][keep], minlength=5).tolist()


def test_command_usage_errors(tmp_path):
    from pypeit_spit.scripts.spit_dataset import SpitDataset
    res = run_command('pypeit_spit_dataset', tmp_path / 'x', '-s', 'no_such_spectrograph')
    assert res.returncode == 2 and 'no_such_spectrograph' in res.stderr
    assert 'Traceback' not in res.stderr and not (tmp_path / 'x').exists()
    for args in ([str(tmp_path / 'x')],
                 [str(tmp_path / 'x'), '-s', 'kast', '--override', 'keck_deimos:speed=3'],
                 [str(tmp_path / 'x'), '-s', 'kast', '--geometry', '{binning']):
        assert SpitDataset.run(SpitDataset.parse_args(args)) == 2, args
    assert not (tmp_path / 'x').exists()


def test_overrides_and_groups():
    from pypeit_spit.scripts.spit_dataset import expand_spectrographs, parse_overrides
    from pypeit_spit.simulate.params import SPECTROGRAPHS
    assert expand_spectrographs(['all-longslit']) == list(SPECTROGRAPHS)
    assert len(expand_spectrographs(['kast', 'shane_kast_red', 'generic'])) == 4
    over = parse_overrides(['keck_deimos:scale=0.5,nights=30', 'kast:binning=2x1'])
    assert over['keck_deimos'] == {'scale': 0.5, 'nights': 30}
    units = plan_units(['keck_deimos', 'shane_kast_red', 'not_alfosc'], 40, 7000,
                       overrides=over, geometry={'binning': [1, 1]})
    by = {s: [u for u in units if u.instrument == s] for s in
          ('keck_deimos', 'shane_kast_red', 'not_alfosc')}
    assert len(by['keck_deimos']) == 30 and by['keck_deimos'][0].scale == 0.5
    assert len(by['not_alfosc']) == 40 and by['not_alfosc'][0].geometry == (('binning', (1, 1)),)
    assert by['shane_kast_red'][0].geometry == ()     # Kast: no geometry override


def test_train_takes_a_dataset(reference, tmp_path):
    """train() runs on a FrameSet opened from a dataset folder (lazy images)."""
    from pypeit_spit.training.train import TrainConfig, train
    folder, _ = reference
    fs = open_dataset(folder)
    result = train(fs, tmp_path / 'run', TrainConfig(epochs=1, batch_size=10, seed=1),
                   progress='none', command='test', sources=[str(folder)])
    assert Path(result['model']).is_file()


def test_train_exclude_names_what_is_not_there(reference, tmp_path):
    """--exclude (spectrographs held out to measure the guard) is refused in one line when
    it names a spectrograph the dataset does not have, or is given with a labels table."""
    from pypeit_spit.errors import UsageError
    from pypeit_spit.scripts.spit_train import SpitTrain
    folder, _ = reference
    args = SpitTrain.parse_args([str(folder), '--outdir', str(tmp_path / 'a'), '--epochs', '1',
                                 '--exclude', 'keck_hires'])
    with pytest.raises(UsageError, match='keck_hires not in the dataset'):
        SpitTrain.main(args)
    (tmp_path / 'l.csv').write_text('file,class\nx.fits,bias\n')
    args = SpitTrain.parse_args([str(tmp_path / 'l.csv'), '--outdir', str(tmp_path / 'b'),
                                 '--exclude', SPECS[0]])
    with pytest.raises(UsageError, match='needs one dataset folder'):
        SpitTrain.main(args)
