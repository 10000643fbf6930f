"""Tests of the typing function and of the scoped patches of PypeIt."""
import numpy as np
import pytest
from astropy.table import Table

from pypeit_spit.integration.config import instrument_config
from pypeit_spit.errors import ModelError
from pypeit_spit.integration.frametypes import parse_mode, type_frames
from pypeit_spit.integration.hook import enabled, is_enabled
from pypeit_spit.integration.rules import rule_bits
from pypeit_spit.vocab import CLASSES




def fake_classifier(answers, prob=0.95, errors=None):
    """A stand-in for classify_files: file basename -> class (default science)."""
    errors = errors or {}

    def classify(paths, spectrograph=None, model=None, batch_size=16, threshold=None, **kw):
        t = Table()
        names = [str(p).split('/')[-1] for p in paths]
        voted = [answers.get(n, 'science') if n not in errors else 'unknown' for n in names]
        cut = 0.9 if threshold is None else threshold  # the (fake) model's own cut
        cls = [c if c != 'unknown' and prob >= cut else 'unknown' for c in voted]
        t['file'] = list(paths)
        t['class'] = cls
        t['votes'] = [4 if c != 'unknown' else 0 for c in voted]
        t['prob'] = [prob if c != 'unknown' else 0.0 for c in voted]
        for c in CLASSES:
            t[f'prob_{c}'] = [prob if k == c else (1 - prob) / 4 for k in voted]
        t['loader'] = 'fake'
        t['error'] = [errors.get(n, '') for n in names]
        return t
    return classify


@pytest.fixture(scope='module')
def kast_meta(realframes):
    from pypeit.pypeitsetup import PypeItSetup
    ps = PypeItSetup.from_file_root(str(realframes / 'shane_kast_blue'), 'shane_kast_blue')
    ps.build_fitstbl()
    return ps.fitstbl


def _row(result, name):
    t = result.table
    return t[list(t['filename']).index(name)]


def test_parse_mode():
    assert parse_mode('') == 'auto' and parse_mode(None) == 'auto'
    assert parse_mode(' KEEP ') == 'keep' and parse_mode('rules') == 'rules'
    assert parse_mode('arc, tilt') == ['arc', 'tilt']
    with pytest.raises(ValueError, match='twilight'):
        parse_mode('twilight')


def test_rules_without_side_effects(kast_meta):
    names = list(kast_meta['filename'])
    bits = rule_bits(kast_meta)
    assert list(kast_meta['filename']) == names          # no '# ' renaming
    assert 'frametype' not in kast_meta.keys()
    typed = kast_meta.type_bitmask.type_names(bits)
    assert typed[names.index('b1.fits.gz')] == 'arc,tilt'
    assert typed[names.index('b24.fits.gz')] == 'standard'


def test_spit_rules_and_evidence(kast_meta):
    answers = {'b1.fits.gz': 'arc', 'b14.fits.gz': 'bias', 'b3.fits.gz': 'flat',
               'b24.fits.gz': 'science',       # SPIT's classic error: standard -> science
               'b27.fits.gz': 'standard'}      # and science -> standard
    cfg = instrument_config('shane_kast_blue', model='unused')
    res = type_frames(kast_meta, config=cfg, classify=fake_classifier(
        answers, errors={'b5.fits.gz': 'cannot read pixels'}))
    assert _row(res, 'b1.fits.gz')['frametype'] == 'arc,tilt'
    assert _row(res, 'b1.fits.gz')['source'] == 'spit'
    assert _row(res, 'b3.fits.gz')['frametype'] == 'pixelflat,illumflat,trace'
    # header evidence: Feige 66 within 10' of an archived standard, 30 s
    std = _row(res, 'b24.fits.gz')
    assert std['frametype'] == 'standard' and std['spit_class'] == 'science'
    assert std['spit_settled'] == 'standard' and 'archived standard' in std['evidence']
    sci = _row(res, 'b27.fits.gz')
    assert sci['frametype'] == 'science' and 'changed SPIT standard' in sci['evidence']
    # unreadable frame: the rules, with the reason
    bad = _row(res, 'b5.fits.gz')
    assert bad['source'] == 'rules' and 'cannot read pixels' in bad['reason']
    assert bad['frametype'] == 'pixelflat,illumflat,trace'


def test_threshold_user_column_and_disabled(kast_meta):
    names = list(kast_meta['filename'])
    cfg = instrument_config('shane_kast_blue', model='unused', threshold=0.99)
    res = type_frames(kast_meta, config=cfg, classify=fake_classifier({}, prob=0.95))
    assert set(res.table['source']) == {'rules'}
    assert 'SPIT unsure (4/4 votes, p=0.950 below its cut)' in _row(res, 'b1.fits.gz')['reason']
    # the configured threshold replaces the model's cut (0.9 here): a lower one lets
    # SPIT's 0.85 answers through, 0 takes every vote winner
    for t in (0.8, 0.0):
        cfg = instrument_config('shane_kast_blue', model='unused', threshold=t)
        res = type_frames(kast_meta, config=cfg, classify=fake_classifier({}, prob=0.85))
        assert set(res.table['source']) == {'spit'}
    cfg = instrument_config('shane_kast_blue', model='unused')
    res = type_frames(kast_meta, config=cfg, classify=fake_classifier({}, prob=0.85))
    assert set(res.table['source']) == {'rules'}
    modes = ['auto'] * len(names)
    current = ['bias'] * len(names)
    modes[names.index('b1.fits.gz')] = 'keep'
    modes[names.index('b14.fits.gz')] = 'arc,tilt'
    modes[names.index('b3.fits.gz')] = 'rules'
    cfg = instrument_config('shane_kast_blue', model='unused')
    res = type_frames(kast_meta, config=cfg, spit_column=modes, current=current,
                      classify=fake_classifier({}, prob=0.99))
    assert _row(res, 'b1.fits.gz')['frametype'] == 'bias'
    assert _row(res, 'b1.fits.gz')['source'] == 'user'
    assert _row(res, 'b14.fits.gz')['frametype'] == 'arc,tilt'
    assert _row(res, 'b3.fits.gz')['frametype'] == 'pixelflat,illumflat,trace'
    assert _row(res, 'b3.fits.gz')['source'] == 'rules'
    assert _row(res, 'b10.fits.gz')['frametype'] == 'science'     # SPIT (fake)
    off = instrument_config('shane_kast_blue', enabled=False)
    res = type_frames(kast_meta, config=off, classify=None)
    assert set(res.table['source']) == {'rules'}


def test_missing_model_is_an_error(kast_meta, tmp_path):
    """A mistyped model is a configuration error, not a night silently typed by rules."""
    cfg = instrument_config('shane_kast_blue', model=str(tmp_path / 'missing.keras'))
    with pytest.raises(ModelError, match='missing.keras: model file does not exist'):
        type_frames(kast_meta, config=cfg)


def test_untyped_frames_handled_like_pypeit(kast_meta):
    from pypeit import PypeItError
    from pypeit.metadata import PypeItMetaData
    meta = PypeItMetaData(kast_meta.spectrograph, kast_meta.par, data=kast_meta.table.copy())
    # a lamps-off 0.5 s frame: the rules give nothing, SPIT is undecided
    i = list(meta['filename']).index('b3.fits.gz')
    meta.table['lampstat05'][i] = 'off'
    meta.table['exptime'][i] = 0.5
    fake = fake_classifier({}, errors={'b3.fits.gz': 'undecided'})
    with enabled(model='unused', classify=fake):
        with pytest.raises(PypeItError):
            meta.get_frame_types(flag_unknown=False)
        meta.get_frame_types(flag_unknown=True)
    assert meta['filename'][i] == '# b3.fits.gz'
    assert meta['frametype'][i] == 'None'
    assert meta['spit_src'][i] == 'none'


def test_context_manager_restores(kast_meta):
    from pypeit.metadata import PypeItMetaData
    before = dict(PypeItMetaData.__dict__)
    with pytest.raises(RuntimeError):
        with enabled(model='unused'):
            assert is_enabled()
            assert PypeItMetaData.get_frame_types is not before['get_frame_types']
            with enabled(enable=False):
                pass
            assert PypeItMetaData.get_frame_types is not before['get_frame_types']
            raise RuntimeError('boom')
    assert not is_enabled()
    assert dict(PypeItMetaData.__dict__) == before
    with enabled(model='unused'):
        pass
    assert dict(PypeItMetaData.__dict__) == before


def test_patched_get_frame_types(kast_meta):
    from pypeit.metadata import PypeItMetaData
    meta = PypeItMetaData(kast_meta.spectrograph, kast_meta.par, data=kast_meta.table.copy())
    with enabled(model='unused', classify=fake_classifier({'b1.fits.gz': 'arc'})) as rec:
        meta.get_frame_types(flag_unknown=True)
        cols = meta.set_pypeit_cols()
    assert {'spit_type', 'spit_prob', 'spit', 'spit_src'} <= set(cols)
    assert len(rec['results']) == 1
    assert meta['frametype'][list(meta['filename']).index('b1.fits.gz')] == 'arc,tilt'
    assert np.all(meta['spit'] == 'auto')
    # outside the block, the columns are not added by PypeIt
    assert 'spit' not in PypeItMetaData.set_pypeit_cols(meta)


def test_hook_is_per_thread_and_reference_counted(kast_meta):
    """A thread outside any block gets PypeIt's own typing while another thread's block
    is open; blocks of two threads closing out of order leave PypeIt restored."""
    import threading

    from pypeit.metadata import PypeItMetaData
    original = PypeItMetaData.__dict__['get_frame_types']
    fake = fake_classifier({'b1.fits.gz': 'bias'})       # SPIT would type b1 bias
    i = list(kast_meta['filename']).index('b1.fits.gz')
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def outsider():
        meta = PypeItMetaData(kast_meta.spectrograph, kast_meta.par,
                              data=kast_meta.table.copy())
        b_in.wait(10)
        meta.get_frame_types(flag_unknown=True)
        seen['outsider'] = (meta['frametype'][i], is_enabled(), 'spit_src' in meta.keys())

    def thread_a():
        with enabled(model='unused', classify=fake):
            a_in.set()
            b_in.wait(10)
            meta = PypeItMetaData(kast_meta.spectrograph, kast_meta.par,
                                  data=kast_meta.table.copy())
            meta.get_frame_types(flag_unknown=True)
            seen['a'] = meta['frametype'][i]
        a_out.set()

    def thread_b():
        a_in.wait(10)
        with enabled(model='unused', classify=fake):
            b_in.set()
            a_out.wait(10)          # A leaves first: out of order
            seen['b_enabled_after_a'] = is_enabled()
            seen['b_patched_after_a'] = PypeItMetaData.__dict__['get_frame_types'] \
                is not original

    threads = [threading.Thread(target=f) for f in (outsider, thread_a, thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert seen['a'] == 'bias'                                    # SPIT in the block
    assert seen['outsider'] == ('arc,tilt', False, False)         # PypeIt's own rules
    assert seen['b_enabled_after_a'] and seen['b_patched_after_a']
    assert PypeItMetaData.__dict__['get_frame_types'] is original
    assert not is_enabled()


def test_hook_refuses_other_signatures(monkeypatch):
    from pypeit.metadata import PypeItMetaData

    from pypeit_spit.errors import HookError

    def get_frame_types(self, flag_unknown=False, user=None, merge=True, extra=None):
        pass
    monkeypatch.setattr(PypeItMetaData, 'get_frame_types', get_frame_types)
    with pytest.raises(HookError, match='get_frame_types'):
        with enabled(model='unused'):
            pass
    assert PypeItMetaData.__dict__['get_frame_types'] is get_frame_types
