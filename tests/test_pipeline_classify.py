"""Batch classification: voting through the real code path, order, bad inputs."""
import gzip

import numpy as np
import pytest
from astropy.io import fits

from pypeit_spit.io.paths import expand_paths
from pypeit_spit.pipeline.classify import classify_files
from pypeit_spit.errors import UsageError
from pypeit_spit.model.inference import infer
from pypeit_spit.model.spit_model import SpitModel
from pypeit_spit.model.store import build_model, save_model
from pypeit_spit.vocab import CLASSES
from helpers import classify_table


class FakeModel(SpitModel):
    """A test double whose outputs are chosen: one class per flipped copy.

    ``plan`` maps a frame's mean pixel value (rounded) to the 4 classes its copies
    get, so that each file's votes are known in advance.
    """

    def __init__(self, plan, p=0.8):
        super().__init__(backend=None, metadata={'classes': list(CLASSES), 'stats': [],
                                                 'threshold': 0.0, 'temperature': 1.0})
        self.plan, self.p, self.calls = plan, p, []

    def predict(self, images, stats=None):
        self.calls.append(len(images))
        out = np.full((len(images), len(CLASSES)), (1 - self.p) / (len(CLASSES) - 1))
        for i in range(0, len(images), 4):
            key = int(round(float(images[i].mean())))
            for j, cls in enumerate(self.plan[key]):
                out[i + j, CLASSES.index(cls)] = self.p
        return out


def _frame(path, value, shape=(200, 600)):
    """A frame whose pre-processed image has a known mean: left half dark, right lit."""
    rng = np.random.default_rng(value)
    data = rng.normal(1000.0, 1.0, shape)
    data[:, : int(shape[1] * value / 255)] += 5000.0
    fits.writeto(path, data.astype(np.float32), overwrite=True)


def test_infer_votes_in_one_call():
    images = np.stack([np.full((210, 650), v, dtype=np.uint8) for v in (10, 20)])
    model = FakeModel({10: ['arc'] * 4, 20: ['science', 'standard', 'science', 'standard']})
    result = infer(model, images, batch_size=2)
    assert result.labels() == ['arc', 'unknown'] and result.votes.tolist() == [4, 2]
    assert model.calls == [8]  # one network call for both frames and their flips
    assert result.probs[0, CLASSES.index('arc')] == pytest.approx(0.8)
    # a cut replaces the model's: 0.8 passes at 0.8, not at 0.81
    assert result.labels(threshold=0.8)[0] == 'arc'
    assert result.labels(threshold=0.81)[0] == 'unknown'
    assert infer(model, images, batch_size=1).probs4.tolist() == result.probs4.tolist()
    assert model.calls[-2:] == [4, 4]
    assert infer(model, images).probs4.tolist() == result.probs4.tolist()   # the default
    assert model.calls[-2:] == [4, 4]


def _mean_key(path):
    from pypeit_spit.pipeline.prepare import prepare_frame
    return int(round(float(prepare_frame(path).image.mean())))


def test_classify_files_keeps_order_and_survives_bad_files(tmp_path):
    good1, good2 = tmp_path / 'a.fits', tmp_path / 'c.fits'
    _frame(good1, 60)
    _frame(good2, 180)
    k1, k2 = _mean_key(good1), _mean_key(good2)
    assert k1 != k2
    bad_text = tmp_path / 'b.fits'
    bad_text.write_text('not fits at all\n' * 20)
    empty = tmp_path / 'd.fits'
    empty.write_bytes(b'')
    nan = tmp_path / 'e.fits'
    fits.writeto(nan, np.full((100, 300), np.nan))
    const = tmp_path / 'f.fits'
    fits.writeto(const, np.full((100, 300), 5.0))
    tiny = tmp_path / 'g.fits'
    fits.writeto(tiny, np.ones((4, 300)))
    vector = tmp_path / 'h.fits'
    fits.writeto(vector, np.ones(300))
    truncated = tmp_path / 'i.fits.gz'
    truncated.write_bytes(gzip.compress(good1.read_bytes())[:3000])
    missing = tmp_path / 'missing.fits'
    model = FakeModel({k1: ['flat'] * 4, k2: ['bias', 'bias', 'bias', 'arc'],
                       0: ['bias'] * 4})
    paths = [good1, bad_text, good2, empty, missing, nan, const, tiny, vector, truncated]
    t = classify_table(paths, model=model, batch_size=3)
    assert list(t['file']) == [str(p) for p in paths]
    assert list(t['class'][:3]) == ['flat', 'unknown', 'bias']
    assert t['votes'][2] == 3
    errors = dict(zip([p.name for p in paths], t['error']))
    assert errors['a.fits'] == '' and errors['c.fits'] == ''
    assert 'not a FITS file' in errors['b.fits']
    assert 'empty' in errors['d.fits']
    assert 'does not exist' in errors['missing.fits']
    assert 'too small' in errors['g.fits']
    assert 'no HDU holds a 2-D image' in errors['h.fits']
    assert errors['i.fits.gz'] != ''
    # A constant frame is readable but no calibration: flagged, never typed (not bias).
    assert errors['f.fits'] == '' and t['class'][6] == 'unknown'
    assert t['flag'][6] == 'no calibration: every pixel has the same value (5)'
    # All NaN: read, but no data: flagged too (issue 24), never typed.
    assert errors['e.fits'] == ''
    assert t['flag'][5] == ('no calibration: no usable pixel values (all NaN, infinite or '
                            'beyond \u00b11e+30)')
    for name in ['b.fits', 'd.fits', 'missing.fits', 'e.fits', 'g.fits', 'h.fits', 'i.fits.gz']:
        row = t[[p.name for p in paths].index(name)]
        assert row['class'] == 'unknown' and row['votes'] == 0


def test_expand_paths(tmp_path):
    for name in ('x.fits', 'y.fits.gz', 'b10.fits', 'b2.fits'):
        (tmp_path / name).write_bytes(b'')
    (tmp_path / 'notes.txt').write_text('x')
    got = expand_paths([tmp_path, tmp_path / 'z.fits'])
    assert [p.split('/')[-1] for p in got] == ['b2.fits', 'b10.fits', 'x.fits', 'y.fits.gz',
                                               'z.fits']


def test_real_network_on_real_frames(realframes, tmp_path):
    """An (untrained) network through the real Keras path on real Kast frames."""
    path = tmp_path / 'm.keras'
    save_model(build_model('compact'), path)
    files = sorted((realframes / 'shane_kast_blue').glob('b1*.fits.gz'))[:5]
    t = classify_table(files, spectrograph='shane_kast_blue', model=path, batch_size=2)
    assert len(t) == 5 and all(t['error'] == '')
    probs = np.array([[row[f'prob_{c}'] for c in CLASSES] for row in t])
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    assert set(t['class']) <= set(CLASSES) | {'unknown'}


def test_unknown_spectrograph_is_a_usage_error(tmp_path):
    model = FakeModel({})
    with pytest.raises(UsageError, match="unknown PypeIt spectrograph 'no_such_spec'"):
        classify_files([tmp_path / 'x.fits'], spectrograph='no_such_spec', model=model)
