"""Networks: architectures, save/load round trip, metadata checks."""
import json
import zipfile

import numpy as np
import pytest

from pypeit_spit.errors import ModelError
from pypeit_spit.model.spit_model import apply_temperature
from pypeit_spit.model.store import (build_model, load_model, read_metadata, resolve_model,
                                     save_model)
from pypeit_spit.preprocess.contract import IMAGE_SHAPE
from pypeit_spit.vocab import CLASSES


@pytest.fixture(scope='module')
def compact():
    return build_model('compact')


def test_spit2018_matches_the_paper():
    m = build_model('spit2018')
    # 69 million weights (263 MB as float32), as Jankov & Prochaska (2018) report.
    assert 68.5e6 < m.n_weights < 69.5e6
    names = [layer.name for layer in m.backend.network.layers]
    assert names == ['image', 'conv1', 'pool1', 'conv2', 'pool2', 'flatten', 'dense', 'softmax']
    net = m.backend.network
    assert net.get_layer('conv1').filters == 36
    assert net.get_layer('conv2').filters == 64
    assert net.output_shape == (None, len(CLASSES))


def test_compact_is_small(compact):
    assert compact.n_weights < 1_000_000
    assert compact.uses_stats
    assert build_model('compact', use_stats=False).backend.network.input_shape == \
        (None, *IMAGE_SHAPE, 1)


def test_unknown_architecture():
    with pytest.raises(ModelError, match='unknown architecture'):
        build_model('resnet')


def test_round_trip_keeps_weights_and_metadata(compact, tmp_path):
    compact.metadata['temperature'] = 1.7
    path = tmp_path / 'm.keras'
    save_model(compact, path)
    loaded = load_model(path)
    assert loaded.metadata == compact.metadata
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, *IMAGE_SHAPE), dtype=np.uint8)
    stats = rng.normal(size=(3, 5)).astype(np.float32)
    assert np.allclose(loaded.predict(images, stats), compact.predict(images, stats), atol=1e-5)


def _rewrite_metadata(src, dst, **changes):
    meta = read_metadata(src)
    meta.update(changes)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w') as zout:
        for item in zin.infolist():
            if item.filename != 'spit_metadata.json':
                zout.writestr(item, zin.read(item.filename))
        zout.writestr('spit_metadata.json', json.dumps(meta))


@pytest.mark.parametrize('change,message', [
    ({'classes': ['a', 'b', 'c', 'd', 'e']}, 'classes'),
    ({'input_shape': [100, 300]}, 'input shape'),
    ({'preprocess_version': 0}, 'pre-processing version'),
    ({'architecture': 'resnet'}, 'architecture'),
    ({'temperature': 0}, 'temperature 0 is not a positive number'),
    ({'temperature': -1.5}, 'temperature -1.5 is not a positive number'),
    ({'threshold': '0.9'}, "threshold '0.9' is not a number in"),
    ({'threshold': 1.5}, 'threshold 1.5 is not a number in'),
    ({'thresholds': {'bias': 'high'}}, "thresholds\\[bias\\] 'high' is not a number"),
    ({'thresholds': {'dark': 0.5}}, "unknown class 'dark'"),
])
def test_mismatched_metadata_refused(compact, tmp_path, change, message):
    good = tmp_path / 'good.keras'
    save_model(compact, good)
    bad = tmp_path / 'bad.keras'
    _rewrite_metadata(good, bad, **change)
    with pytest.raises(ModelError, match=f'bad.keras: incompatible model: .*{message}'):
        load_model(bad)


def test_plain_keras_file_refused(compact, tmp_path):
    path = tmp_path / 'plain.keras'
    compact.backend.network.save(path)
    with pytest.raises(ModelError, match='not a pypeit-spit model'):
        load_model(path)


def test_resolve_model_errors(tmp_path):
    with pytest.raises(ModelError, match='does not exist'):
        resolve_model(tmp_path / 'missing.keras')
    with pytest.raises(ModelError, match='no model named'):
        resolve_model('no_such_bundled_model')


def test_temperature_softens():
    p = np.array([[0.97, 0.01, 0.01, 0.005, 0.005]])
    soft = apply_temperature(p, 3.0)
    assert soft.sum() == pytest.approx(1.0) and soft[0, 0] < p[0, 0]
    assert np.argmax(soft) == 0
    assert np.array_equal(apply_temperature(p, 1.0), p)


@pytest.mark.parametrize('change,message', [
    ({'architecture': 'spit2018'}, 'it is a compact network, the metadata says spit2018'),
    ({'stats': []}, 'it takes 5 statistics, the metadata names 0'),
])
def test_metadata_that_lies_about_the_network_refused(compact, tmp_path, change, message):
    good = tmp_path / 'good.keras'
    save_model(compact, good)
    bad = tmp_path / 'bad.keras'
    _rewrite_metadata(good, bad, **change)
    with pytest.raises(ModelError, match=f'bad.keras: the network does not match its '
                                         f'metadata: .*{message}'):
        load_model(bad)


def test_metadata_not_an_object_refused(compact, tmp_path):
    good = tmp_path / 'good.keras'
    save_model(compact, good)
    bad = tmp_path / 'bad.keras'
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, 'w') as zout:
        for item in zin.infolist():
            if item.filename != 'spit_metadata.json':
                zout.writestr(item, zin.read(item.filename))
        zout.writestr('spit_metadata.json', json.dumps([1, 2, 3]))
    with pytest.raises(ModelError, match='bad.keras: model metadata is a list, not a JSON object'):
        load_model(bad)


def test_cuts_replace_not_stack(compact):
    meta = dict(compact.metadata, threshold=0.9, thresholds={'bias': 0.5})
    from pypeit_spit.model.spit_model import SpitModel
    model = SpitModel(compact.backend, meta)
    assert model.cuts().tolist() == [0.5, 0.9, 0.9, 0.9, 0.9]
    assert model.cuts(0.0).tolist() == [0.0] * 5
    assert model.cuts(0.95).tolist() == [0.95] * 5


def test_bundled_models_small_calibrated_and_configured():
    """Every bundled model is a few MB at most with its card beside it, carries its
    calibration (temperature, cuts; the long-slit network its out-of-distribution guard
    too, for the spectrographs it types), and the packaged configuration
    names only bundled models; each runs on a blank frame through ONNX Runtime."""
    from pypeit_spit.defaults import DEFAULTS
    from pypeit_spit.integration.config import default_path, read_config_file
    from pypeit_spit.model.store import bundled_models, get_model
    from pypeit_spit.paths import package_folder
    from pypeit_spit.preprocess.contract import STAT_NAMES
    names = bundled_models()
    assert {'kast_compact', 'longslit'} <= set(names)
    folder = package_folder('models')
    for name in names:
        path = resolve_model(name)
        assert path.suffix == '.onnx' and path.stat().st_size < 2 * 2**20, path
        assert (folder / f'{name}.md').is_file(), f'{name}: no model card'
        model = get_model(name)
        meta = model.metadata
        assert meta['preprocess_version'] == 1
        assert 0.5 < meta['temperature'] < 2
        assert np.all((model.cuts() > 0.5) & (model.cuts() < 1))   # calibrated cut(s)
        out = model.predict(np.zeros((1, *IMAGE_SHAPE), np.uint8),
                            np.zeros((1, len(STAT_NAMES)), np.float32))
        assert out.shape == (1, len(CLASSES)) and np.isclose(out.sum(), 1, atol=1e-3)
    assert get_model('longslit').guard['cut'] > 0
    config = read_config_file(default_path(), defaults=True)
    configured = {DEFAULTS.model} | {s['model'] for n, s in config.items()
                                     if n != 'default' and isinstance(s, dict) and s.get('model')}
    assert configured <= set(names), configured
