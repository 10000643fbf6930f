"""Tests of the typing function and of the scoped patches of PypeIt."""
import os

import numpy as np
import pytest
from pypeit_spit.errors import ModelError
from pypeit_spit.integration import frametypes
from pypeit_spit.integration.config import instrument_config
from pypeit_spit.integration.frametypes import doubt_of_model, parse_mode, type_frames
from pypeit_spit.integration.hook import enabled, is_enabled
from pypeit_spit.integration.rules import rule_bits
from pypeit_spit.pipeline.verdict import FrameVerdict
from pypeit_spit.vocab import CLASSES, UNKNOWN




#: The true classes of the Kast blue night (labels.csv of ../shared/realframes; the
#: simulated night of tests/simframes.py has the same names and classes).
TRUTH = {**{f'b{i}.fits.gz': 'flat' for i in range(2, 14)},
         **{f'b{i}.fits.gz': 'bias' for i in range(14, 24)},
         'b1.fits.gz': 'arc', 'b24.fits.gz': 'standard',
         **{f'b{i}.fits.gz': 'science' for i in (27, 28, 29)}}


def fake_classifier(answers=None, prob=0.995, errors=None, cut=0.9):
    """
    A stand-in for :func:`pypeit_spit.pipeline.classify.classify_files`, giving the
    same records (:class:`~pypeit_spit.pipeline.verdict.FrameVerdict`). Each frame gets
    probability ``prob`` for a class (its true class, or ``answers[name]``: a class, or
    a dict class -> probability), the rest spread evenly; 4 of 4 votes for the largest;
    the answer passes a (fake) model cut of ``cut`` unless a threshold replaces it.
    """
    answers, errors = answers or {}, errors or {}

    def classify(paths, threshold=None, **kw):
        out = []
        c = cut if threshold is None else threshold
        for path in paths:
            n = str(path).split('/')[-1]
            if n in errors:
                out.append(FrameVerdict(str(path), error=errors[n]))
                continue
            a = answers.get(n, TRUTH.get(n, 'science'))
            if isinstance(a, str):
                a = {a: prob}
            rest = (1 - sum(a.values())) / (len(CLASSES) - len(a))
            probs = {cl: float(a.get(cl, rest)) for cl in CLASSES}
            best = max(CLASSES, key=probs.get)
            out.append(FrameVerdict(str(path), loader='fake', probs=probs, votes=4,
                                    voted=best, answer=best if probs[best] >= c else UNKNOWN,
                                    prob=probs[best]))
        return out
    return classify


def typed(meta, config, fake=None, **kwargs):
    """type_frames with the fake's verdicts on the frames of ``meta``."""
    paths = [os.path.join(str(d), str(f)) for d, f in zip(meta['directory'], meta['filename'])]
    verdicts = None if fake is None else fake(paths, threshold=config.threshold)
    return type_frames(meta, verdicts, config=config, **kwargs)


@pytest.fixture
def spit_answers(monkeypatch):
    """Make the pipeline answer as a fake classifier does (for the hook's typing)."""
    def use(fake):
        monkeypatch.setattr(frametypes, 'classify_files', fake)
    return use


def faulted(meta, arcs_flats_off=(), lamp_on=(), dome_on=()):
    """A copy of a metadata table with lamp cards faulted as on a real night."""
    from pypeit.metadata import PypeItMetaData
    out = PypeItMetaData(meta.spectrograph, meta.par, data=meta.table.copy())
    names = list(out['filename'])
    for name in arcs_flats_off:
        for k in range(1, 17):
            out.table[f'lampstat{k:02d}'][names.index(name)] = 'off'
    for name in lamp_on:
        out.table['lampstat11'][names.index(name)] = 'on'      # He arc lamp card
    for name in dome_on:
        out.table['lampstat01'][names.index(name)] = 'on'      # a flat-field lamp card
    return out


@pytest.fixture(scope='module')
def kast_meta(kastframes):
    from pypeit.pypeitsetup import PypeItSetup
    ps = PypeItSetup.from_file_root(str(kastframes), 'shane_kast_blue')
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


def test_clean_night_agrees(kast_meta):
    """Clean headers and a SPIT that is right: every row 'agree', typed as the rules."""
    res = typed(kast_meta, config=instrument_config('shane_kast_blue', model='unused'),
                      fake=fake_classifier())
    assert set(res.table['source']) == {'agree'}
    rules = kast_meta.type_bitmask.type_names(rule_bits(kast_meta))
    assert list(res.table['frametype']) == list(rules)


def test_header_evidence_settles_science_and_standard(kast_meta):
    """SPIT's classic confusion, fixed by the pointing and exposure time."""
    answers = {'b24.fits.gz': 'science',       # Feige 66, 30 s: near an archived standard
               'b27.fits.gz': 'standard'}      # 1200 s, far from every standard
    res = typed(kast_meta, config=instrument_config('shane_kast_blue', model='unused'),
                      fake=fake_classifier(answers))
    std, sci = _row(res, 'b24.fits.gz'), _row(res, 'b27.fits.gz')
    assert (std['frametype'], std['source'], std['spit_class']) == ('standard', 'agree',
                                                                    'science')
    assert 'archived standard' in std['evidence'] and 'changed SPIT science' in std['evidence']
    assert (sci['frametype'], sci['source']) == ('science', 'agree')
    assert 'changed SPIT standard' in sci['evidence']


def test_faulted_lamp_cards(kast_meta):
    """Lamp cards faulted as on a real night: SPIT overrides where it is sure (a sound
    model, not doubted: "no lamp on" does not bind it); an unsure science frame whose
    rules say arc is a conflict typed science, never silently tilt."""
    meta = faulted(kast_meta, arcs_flats_off=('b1.fits.gz', 'b3.fits.gz'),
                   lamp_on=('b27.fits.gz',))
    rules = dict(zip(meta['filename'], meta.type_bitmask.type_names(rule_bits(meta))))
    assert (rules['b1.fits.gz'], rules['b3.fits.gz'], rules['b27.fits.gz']) == \
        ('standard', 'standard', 'tilt')
    answers = {'b1.fits.gz': {'arc': 0.99995},
               'b3.fits.gz': {'flat': 0.99995},
               # unsure (below the cut), and not an arc at all
               'b27.fits.gz': {'science': 0.8, 'standard': 0.19, 'arc': 0.001}}
    res = typed(meta, config=instrument_config('shane_kast_blue', model='unused'),
                      fake=fake_classifier(answers))
    arc, flat, sci = (_row(res, n) for n in ('b1.fits.gz', 'b3.fits.gz', 'b27.fits.gz'))
    assert (arc['frametype'], arc['source']) == ('arc,tilt', 'spit')
    assert (flat['frametype'], flat['source']) == ('pixelflat,illumflat,trace', 'spit')
    assert (sci['frametype'], sci['source']) == ('science', 'conflict')
    assert 'rules arc' in sci['reason'] and 'SPIT unsure' in sci['reason']
    others = [r for r in res.table if r['filename'] not in ('b1.fits.gz', 'b3.fits.gz',
                                                            'b27.fits.gz')]
    assert {r['source'] for r in others} == {'agree'}


def test_a_doubted_model_is_bound_by_no_lamp_on(kast_meta):
    """A model that lies (arc at p = 1 for every frame) is contradicted by the hard
    header facts on most frames, so it is doubted for the run: the lamps-off standard
    b24, which no hard fact rules out as an arc, is a conflict typed standard, not a
    silent arc (issue 24). The same answer on b24 from an otherwise sound model (no
    contradiction) is an override."""
    cfg = instrument_config('shane_kast_blue', model='unused')
    liar = {n: {'arc': 0.99999} for n in kast_meta['filename']}
    res = typed(kast_meta, config=cfg, fake=fake_classifier(liar))
    b24 = _row(res, 'b24.fits.gz')
    assert (b24['frametype'], b24['source']) == ('standard', 'conflict')
    assert 'no lamp on' in b24['reason'] and 'the model is doubted' in b24['reason']
    assert not [r['filename'] for r in res.table
                if r['source'] != 'conflict' and TRUTH[r['filename']] != 'arc']
    res = typed(kast_meta, config=cfg, fake=fake_classifier({'b24.fits.gz': {'arc': 0.99999}}))
    b24 = _row(res, 'b24.fits.gz')
    assert (b24['frametype'], b24['source']) == ('arc,tilt', 'spit')


def test_doubt_of_model_thresholds():
    """doubt_of_model: at least distrust of the answered frames and distrust_min of
    them contradicted; Unknown, unreadable, flagged and non-auto frames do not count."""
    no_arc = np.array([c != 'arc' for c in CLASSES])
    anything = np.ones(len(CLASSES), bool)

    def verdicts(n):
        return [FrameVerdict(f'f{k}', loader='fake', probs={c: 0.2 for c in CLASSES},
                             votes=4, voted='arc', answer='arc', prob=0.99)
                for k in range(n)]
    v = verdicts(10)
    allowed = [no_arc] * 2 + [anything] * 8
    assert doubt_of_model(v, allowed, ['auto'] * 10, 0.2, 2).startswith(
        'its answer is a class the header facts exclude on 2 of the 10 frames')
    assert doubt_of_model(v, allowed, ['auto'] * 10, 0.21, 2) == ''
    assert doubt_of_model(v, allowed, ['auto'] * 10, 0.2, 3) == ''
    assert doubt_of_model(v, [anything] * 10, ['auto'] * 10, 0.0, 1) == ''
    # only frames the model answers, in auto mode, count
    unknown = [FrameVerdict('u', loader='fake', probs={c: 0.2 for c in CLASSES}, votes=2,
                            voted='arc', answer=UNKNOWN, prob=0.4)] * 8
    assert doubt_of_model(v[:2] + unknown, allowed, ['auto'] * 10, 1.0, 2)
    assert doubt_of_model(v, allowed, ['keep', 'auto'] + ['auto'] * 8, 0.0, 2) == ''


def test_lamp_facts(kast_meta):
    """The lamp cards as Kast reads them (PypeIt's ``lamps``: arcs, dome) bound the
    decision: a flat lamp on excludes an arc, however sure SPIT is; an arc lamp on
    excludes a flat unless a flat lamp is on too; a flat lamp card on during a sky
    exposure excludes nothing (a header fault SPIT is there to find)."""
    from pypeit_spit.integration.rules import hard_facts, lamp_facts
    meta = faulted(kast_meta, lamp_on=('b3.fits.gz',), dome_on=('b27.fits.gz',))
    cfg = instrument_config('shane_kast_blue', model='unused')
    names = list(meta['filename'])
    lamps = lamp_facts(meta)
    assert lamps['flat'][names.index('b5.fits.gz')] and not lamps['arc'][names.index('b5.fits.gz')]
    assert lamps['arc'][names.index('b1.fits.gz')] and not lamps['flat'][names.index('b1.fits.gz')]
    allowed, note = hard_facts(meta, names.index('b5.fits.gz'), CLASSES, cfg.types_for)
    assert not allowed[CLASSES.index('arc')] and allowed[CLASSES.index('flat')]
    assert 'flat lamp on excludes arc' in note
    allowed, _ = hard_facts(meta, names.index('b3.fits.gz'), CLASSES, cfg.types_for)
    assert {c for c, a in zip(CLASSES, allowed) if a} == {'arc', 'flat'}
    allowed, _ = hard_facts(meta, names.index('b1.fits.gz'), CLASSES, cfg.types_for)
    assert {c for c, a in zip(CLASSES, allowed) if a} == {'arc'}

    answers = {'b5.fits.gz': {'arc': 0.99999},          # SPIT sure, wrong: the flat b5
               'b3.fits.gz': {'flat': 0.99995},         # a flat, an arc lamp card on too
               'b27.fits.gz': {'science': 0.99995}}     # science, a flat lamp card on
    res = typed(meta, config=cfg, fake=fake_classifier(answers))
    flat, both, sci = (_row(res, n) for n in ('b5.fits.gz', 'b3.fits.gz', 'b27.fits.gz'))
    assert (flat['frametype'], flat['source']) == ('pixelflat,illumflat,trace', 'conflict')
    assert 'flat lamp on excludes arc' in flat['reason']
    # the rules give arc and flat types; SPIT's flat is allowed and agreed on: the
    # flat's types only
    assert 'arc' in both['rules_type'] and 'pixelflat' in both['rules_type']
    assert (both['frametype'], both['source']) == ('pixelflat,illumflat,trace', 'agree')
    assert (sci['frametype'], sci['source']) == ('science', 'spit')


def test_spit_sure_but_outvoted_is_a_conflict(kast_meta):
    """SPIT sure of flat on a bias (0 s): a flat is excluded by the exposure time, the
    rules' bias is kept, flagged."""
    res = typed(kast_meta, config=instrument_config('shane_kast_blue', model='unused'),
                      fake=fake_classifier({'b14.fits.gz': {'flat': 0.95, 'bias': 0.02}}))
    row = _row(res, 'b14.fits.gz')
    assert (row['frametype'], row['source']) == ('bias', 'conflict')
    assert 'SPIT flat p=0.950 excluded by the frame (exptime 0 s excludes' in row['reason']


def test_unsure_spit_not_against_the_rules(kast_meta):
    answers = {'b24.fits.gz': {'flat': 0.5, 'standard': 0.3},      # unsure, gives the rules 0.3
               'b15.fits.gz': {'arc': 0.6, 'bias': 0.005}}         # unsure, against the rules
    res = typed(kast_meta, config=instrument_config('shane_kast_blue', model='unused'),
                      fake=fake_classifier(answers))
    std, bias = _row(res, 'b24.fits.gz'), _row(res, 'b15.fits.gz')
    assert (std['frametype'], std['source']) == ('standard', 'rules')
    assert (bias['frametype'], bias['source']) == ('bias', 'conflict')
    assert 'SPIT gives bias only p=0.005' in bias['reason']


def test_unreadable_frame_keeps_the_rules(kast_meta):
    res = typed(kast_meta, config=instrument_config('shane_kast_blue', model='unused'),
                      fake=fake_classifier(errors={'b5.fits.gz': 'cannot read pixels'}))
    bad = _row(res, 'b5.fits.gz')
    assert bad['source'] == 'unreadable' and 'cannot read pixels' in bad['reason']
    assert bad['frametype'] == 'pixelflat,illumflat,trace'


def test_threshold_replaces_the_cut_user_column_and_disabled(kast_meta):
    names = list(kast_meta['filename'])
    meta = faulted(kast_meta, arcs_flats_off=('b1.fits.gz',))
    arc = {'b1.fits.gz': {'arc': 0.85, 'standard': 0.0001}}
    # the fake model's own cut is 0.9: SPIT's 0.85 arc is no answer
    res = typed(meta, config=instrument_config('shane_kast_blue', model='unused'),
                      fake=fake_classifier(arc))
    assert _row(res, 'b1.fits.gz')['spit_class'] == 'unknown'
    # a configured threshold replaces the model's cut (does not stack): 0.8 and 0
    for t in (0.8, 0.0):
        cfg = instrument_config('shane_kast_blue', model='unused', threshold=t)
        res = typed(meta, config=cfg, fake=fake_classifier(arc))
        assert _row(res, 'b1.fits.gz')['spit_class'] == 'arc'
        assert 'SPIT arc p=0.850' in _row(res, 'b1.fits.gz')['reason']
    cfg = instrument_config('shane_kast_blue', model='unused', threshold=0.99)
    res = typed(meta, config=cfg, fake=fake_classifier(arc))
    assert _row(res, 'b1.fits.gz')['spit_class'] == 'unknown'
    modes = ['auto'] * len(names)
    current = ['bias'] * len(names)
    modes[names.index('b1.fits.gz')] = 'keep'
    modes[names.index('b14.fits.gz')] = 'arc,tilt'
    modes[names.index('b3.fits.gz')] = 'rules'
    cfg = instrument_config('shane_kast_blue', model='unused')
    res = typed(kast_meta, config=cfg, spit_column=modes, current=current,
                      fake=fake_classifier({'b4.fits.gz': 'science'}))
    assert _row(res, 'b1.fits.gz')['frametype'] == 'bias'
    assert _row(res, 'b1.fits.gz')['source'] == 'user'
    assert _row(res, 'b14.fits.gz')['frametype'] == 'arc,tilt'
    assert _row(res, 'b3.fits.gz')['frametype'] == 'pixelflat,illumflat,trace'
    assert _row(res, 'b3.fits.gz')['source'] == 'user'        # the user asked for the rules
    assert _row(res, 'b4.fits.gz')['source'] == 'conflict'     # SPIT (fake) sure of science
    off = instrument_config('shane_kast_blue', enabled=False)
    res = typed(kast_meta, config=off)
    assert set(res.table['source']) == {'rules'}


def test_missing_model_is_an_error(kast_meta, tmp_path):
    """A mistyped model is a configuration error, not a night silently typed by rules."""
    cfg = instrument_config('shane_kast_blue', model=str(tmp_path / 'missing.keras'))
    with pytest.raises(ModelError, match='missing.keras: model file does not exist'):
        frametypes.classify_metadata(kast_meta, cfg)


def test_untyped_frames_handled_like_pypeit(kast_meta, spit_answers):
    from pypeit import PypeItError
    from pypeit.metadata import PypeItMetaData
    meta = PypeItMetaData(kast_meta.spectrograph, kast_meta.par, data=kast_meta.table.copy())
    # a lamps-off 0.5 s frame: the rules give nothing, and SPIT cannot read it
    i = list(meta['filename']).index('b3.fits.gz')
    for k in range(1, 17):
        meta.table[f'lampstat{k:02d}'][i] = 'off'
    meta.table['exptime'][i] = 0.5
    spit_answers(fake_classifier(errors={'b3.fits.gz': 'cannot read pixels'}))
    with enabled(model='unused'):
        with pytest.raises(PypeItError):
            meta.get_frame_types(flag_unknown=False)
        meta.get_frame_types(flag_unknown=True)
    assert meta['filename'][i] == '# b3.fits.gz'
    assert meta['frametype'][i] == 'None'
    assert meta['spit_src'][i] == 'unreadable'


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


def test_patched_get_frame_types(kast_meta, spit_answers):
    from pypeit.metadata import PypeItMetaData
    meta = PypeItMetaData(kast_meta.spectrograph, kast_meta.par, data=kast_meta.table.copy())
    spit_answers(fake_classifier())
    with enabled(model='unused') as rec:
        meta.get_frame_types(flag_unknown=True)
        cols = meta.set_pypeit_cols()
    assert {'spit_type', 'spit_prob', 'spit', 'spit_src'} <= set(cols)
    assert len(rec['results']) == 1
    assert meta['frametype'][list(meta['filename']).index('b1.fits.gz')] == 'arc,tilt'
    assert np.all(meta['spit'] == 'auto')
    # outside the block, the columns are not added by PypeIt
    assert 'spit' not in PypeItMetaData.set_pypeit_cols(meta)


def test_hook_is_per_thread_and_reference_counted(kast_meta, spit_answers):
    """A thread outside any block gets PypeIt's own typing while another thread's block
    is open; blocks of two threads closing out of order leave PypeIt restored."""
    import threading

    from pypeit.metadata import PypeItMetaData
    original = PypeItMetaData.__dict__['get_frame_types']
    spit_answers(fake_classifier({'b24.fits.gz': {'arc': 0.99999}}))   # the standard: an arc
    i = list(kast_meta['filename']).index('b24.fits.gz')
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def outsider():
        meta = PypeItMetaData(kast_meta.spectrograph, kast_meta.par,
                              data=kast_meta.table.copy())
        b_in.wait(10)
        meta.get_frame_types(flag_unknown=True)
        seen['outsider'] = (meta['frametype'][i], is_enabled(), 'spit_src' in meta.keys())

    def thread_a():
        with enabled(model='unused'):
            a_in.set()
            b_in.wait(10)
            meta = PypeItMetaData(kast_meta.spectrograph, kast_meta.par,
                                  data=kast_meta.table.copy())
            meta.get_frame_types(flag_unknown=True)
            seen['a'] = meta['frametype'][i]
        a_out.set()

    def thread_b():
        a_in.wait(10)
        with enabled(model='unused'):
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
    assert seen['a'] == 'arc,tilt'                                # SPIT in the block
    assert seen['outsider'] == ('standard', False, False)         # PypeIt's rules
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


def test_standard_lookup_matches_pypeit():
    """The cached archive lookup answers as PypeIt's get_archive_standard does."""
    from pypeit.core import standard

    from pypeit_spit.integration.rules import near_archived_standard
    rng = np.random.default_rng(2)
    points = [(rng.uniform(0, 360), rng.uniform(-70, 80)) for _ in range(25)]
    points += [(189.348, 25.0666), (159.903, 43.1025), (189.348, 25.0666 + 9.5 / 60),
               (189.348, 25.0666 + 10.5 / 60)]
    ours = [near_archived_standard(ra, dec, 10.0) for ra, dec in points]
    theirs = [bool(standard.get_archive_standard(ra, dec, tol=10.0, check=True))
              for ra, dec in points]
    assert ours == theirs and sum(ours) >= 3


def test_rules_from_the_read_headers_are_pypeits(kastframes, tmp_path):
    """The header rules from the metadata read beside the pixels (classify -s) are
    PypeIt's own (PypeItMetaData of the files), value by value; so are those read from
    the files, and a mix of both."""
    from pypeit.metadata import PypeItMetaData

    from pypeit_spit.pipeline.classify import classify_files
    from pypeit_spit.integration.rules import (header_metadata, rule_types_of_files,
                                               rule_types_of_verdicts)
    from pypeit_spit.io.spectrograph import get_spectrograph
    spec = get_spectrograph('shane_kast_blue')
    files = sorted(str(f) for f in kastframes.glob('*.fits*'))[:9]
    files.append(str(tmp_path / 'missing.fits'))
    par = spec.default_pypeit_par()
    ref = PypeItMetaData(spec, par, files=files[:-1], strict=False)
    expected = [','.join(ref.type_bitmask.flagged_bits(b)) for b in rule_bits(ref)] + [None]
    assert len(set(expected)) >= 3
    verdicts = classify_files(files, spectrograph=spec, extract=header_metadata)
    assert [bool(v.error) for v in verdicts] == [False] * 9 + [True]
    meta = {i: v.extra for i, v in enumerate(verdicts) if v.extra is not None}
    assert sorted(meta) == list(range(9))
    for i, row in meta.items():
        assert set(row) == set(spec.meta)
        for key, value in row.items():
            theirs = ref[key][i]
            assert (value is None and theirs is None) or str(value) == str(theirs), key
    got = [meta.get(i) for i in range(len(files))]
    assert rule_types_of_files(spec, files, metadata=got) == expected
    assert rule_types_of_files(spec, files) == expected
    assert rule_types_of_verdicts(spec, verdicts) == expected
    mixed = [m if i % 2 else None for i, m in enumerate(got)]
    assert rule_types_of_files(spec, files, metadata=mixed) == expected
    # without asking, no metadata is read (nor headers kept)
    seen = []
    classify_files(files[:2], spectrograph=spec, on_prepared=lambda i, p: seen.append(p))
    assert [(p.metadata, p.headers) for p in seen] == [(None, None)] * 2
