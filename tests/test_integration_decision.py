"""The typing decision (pypeit_spit.integration.decision), on hand-made evidence."""
import numpy as np

from pypeit_spit.integration.decision import OUTCOMES, DecisionParams, decide_frame
from pypeit_spit.vocab import CLASSES, UNKNOWN

#: The contradiction check off (contradict = 1) unless a test turns it on.
PARAMS = DecisionParams(rules_error=0.05, near_zero=0.02, override=0.99, contradict=1.0)
ONE = np.ones(len(CLASSES))


def probs(**values):
    rest = (1 - sum(values.values())) / (len(CLASSES) - len(values))
    return np.array([values.get(c, rest) for c in CLASSES])


def test_agree():
    d = decide_frame(probs(arc=0.99), 'arc', 4, {'arc'}, ONE, PARAMS, CLASSES)
    assert (d.cls, d.source) == ('arc', 'agree')
    # SPIT below its cut but its vote winner is the rules' class: still agreement
    d = decide_frame(probs(arc=0.6), UNKNOWN, 3, {'arc'}, ONE, PARAMS, CLASSES)
    assert (d.cls, d.source) == ('arc', 'agree')


def test_spit_overrides_only_when_sure():
    sure = probs(arc=0.9999, standard=1e-6)
    d = decide_frame(sure, 'arc', 4, {'standard'}, ONE, PARAMS, CLASSES)
    assert (d.cls, d.source) == ('arc', 'spit') and d.posterior[3] >= 0.99
    # as sure, but the rules' class keeps some probability: flagged, not overridden
    d = decide_frame(probs(arc=0.99, standard=0.005), 'arc', 4, {'standard'}, ONE, PARAMS,
                     CLASSES)
    # split evidence: typed as the rules type it, flagged
    assert (d.cls, d.source) == ('standard', 'conflict')


def test_rules_when_spit_is_unsure_and_not_against():
    d = decide_frame(probs(flat=0.5, standard=0.3), UNKNOWN, 2, {'standard'}, ONE, PARAMS,
                     CLASSES)
    assert (d.cls, d.source) == ('standard', 'rules')


def test_unsure_spit_leaning_against_the_rules_is_flagged():
    """SPIT below its cut, but 4/4 votes and p=0.8 for flat against the rules' standard
    (a twilight flat typed standard by its header): kept, flagged, not silent."""
    params = DecisionParams(rules_error=0.05, near_zero=0.02, override=0.99, contradict=0.6)
    p = probs(flat=0.8, standard=0.15)
    d = decide_frame(p, UNKNOWN, 4, {'standard'}, ONE, params, CLASSES)
    assert (d.cls, d.source) == ('standard', 'conflict') and 'leans to flat' in d.reason
    # the same evidence with the check off (contradict = 1): the rules, unflagged
    d = decide_frame(p, UNKNOWN, 4, {'standard'}, ONE, PARAMS, CLASSES)
    assert (d.cls, d.source) == ('standard', 'rules')
    # leaning below the setting: the rules
    d = decide_frame(probs(flat=0.55, standard=0.4), UNKNOWN, 2, {'standard'}, ONE, params,
                     CLASSES)
    assert (d.cls, d.source) == ('standard', 'rules')


def test_near_zero_rules_class_is_flagged():
    d = decide_frame(probs(science=0.8, arc=0.01), UNKNOWN, 4, {'arc'}, ONE, PARAMS, CLASSES)
    assert d.source == 'conflict'
    # the exposure time excludes an arc (e.g. 1800 s): the rules' arc is never written;
    # SPIT's own (unsure) class, flagged
    allowed = np.array([c != 'arc' for c in CLASSES])
    d = decide_frame(probs(science=0.8, arc=0.01), UNKNOWN, 4, {'arc'}, ONE, PARAMS, CLASSES,
                     allowed=allowed, excluded='exptime 1800 s excludes arc')
    assert (d.cls, d.source) == ('science', 'conflict')
    assert 'rules arc excluded by the frame (exptime 1800 s excludes arc)' in d.reason


def test_spit_sure_against_the_posterior_is_a_conflict():
    d = decide_frame(probs(flat=0.95, bias=0.03), 'flat', 4, {'bias'}, ONE, PARAMS, CLASSES)
    assert (d.cls, d.source) == ('bias', 'conflict')


def test_hard_facts_bound_any_answer():
    """A class the header excludes is never decided, however sure SPIT is: a 16-s
    frame SPIT calls bias (p=0.999) while the rules say standard is a conflict typed
    standard, never bias (issue 23)."""
    allowed = np.array([c != 'bias' for c in CLASSES])
    d = decide_frame(probs(bias=0.999), 'bias', 4, {'standard'}, ONE, PARAMS, CLASSES,
                     allowed=allowed, excluded='exptime 16 s excludes bias')
    assert (d.cls, d.source) == ('standard', 'conflict')
    assert 'SPIT bias p=0.999 excluded by the frame (exptime 16 s excludes bias)' in d.reason
    # the rules give nothing: left untyped, never bias
    d = decide_frame(probs(bias=0.999), 'bias', 4, set(), ONE, PARAMS, CLASSES,
                     allowed=allowed, excluded='exptime 16 s excludes bias')
    assert (d.cls, d.source) == ('', 'conflict')


def test_lris_arc_never_a_third_class():
    """LRIS blue LB.20160109.14149: arc lamps on, rules arc, SPIT's top answer standard.
    The frame is never written as a flat (a class neither source named): with the
    lamps on only an arc is left, typed arc, flagged as SPIT disagrees."""
    p = probs(standard=0.55, flat=0.4, arc=0.03)
    d = decide_frame(p, 'standard', 3, {'arc'}, ONE, PARAMS, CLASSES)
    assert (d.cls, d.source) == ('arc', 'conflict')
    allowed = np.array([c == 'arc' for c in CLASSES])
    d = decide_frame(p, 'standard', 3, {'arc'}, ONE, PARAMS, CLASSES, allowed=allowed,
                     excluded='arc lamp on excludes bias/science/standard/flat')
    assert (d.cls, d.source) == ('arc', 'conflict')
    d = decide_frame(p, UNKNOWN, 2, {'arc'}, ONE, PARAMS, CLASSES)
    assert d.cls == 'arc'


def test_rules_untyped():
    d = decide_frame(probs(arc=0.99), 'arc', 4, set(), ONE, PARAMS, CLASSES)
    assert (d.cls, d.source) == ('arc', 'spit')
    d = decide_frame(probs(arc=0.5), UNKNOWN, 2, set(), ONE, PARAMS, CLASSES)
    assert (d.cls, d.source) == ('arc', 'conflict')


def test_invariants_on_random_evidence():
    """Never silently accept what SPIT contradicts; never override without the support."""
    rng = np.random.default_rng(1)
    seen = set()
    for _ in range(3000):
        p = rng.dirichlet(np.full(len(CLASSES), rng.choice([0.1, 0.5, 2.0])))
        votes = int(rng.integers(1, 5))
        cut = rng.uniform(0.5, 0.99)
        best = int(np.argmax(p))
        answer = CLASSES[best] if votes >= 3 and p[best] >= cut else UNKNOWN
        rules = set(rng.choice(CLASSES, size=int(rng.integers(0, 3)), replace=False))
        h = np.where(rng.random(len(CLASSES)) < 0.2, 0.1, 1.0)
        allowed = rng.random(len(CLASSES)) < 0.8
        d = decide_frame(p, answer, votes, rules, h, PARAMS, CLASSES, allowed=allowed)
        seen.add(d.source)
        assert d.source in OUTCOMES and (d.cls in CLASSES or d.cls == '')
        if not allowed.any():
            allowed = np.ones(len(CLASSES), dtype=bool)
        if d.cls == '':
            assert d.source == 'conflict'
            continue
        k = CLASSES.index(d.cls)
        # never a class the header excludes; never a third class neither source named
        assert allowed[k]
        named = answer if answer != UNKNOWN else CLASSES[best]
        assert d.cls in rules or d.cls == named
        if d.source == 'conflict' and any(allowed[CLASSES.index(c)] for c in rules):
            assert d.cls in rules
        if d.source != 'conflict':
            assert k == int(np.argmax(d.posterior))
        if d.source == 'rules':
            assert d.cls in rules and p[k] >= PARAMS.near_zero and answer == UNKNOWN
        if d.source == 'agree':
            assert d.cls in rules and (answer == d.cls or best == k)
        if d.source == 'spit':
            kept = [c for c in rules if allowed[CLASSES.index(c)]]
            assert answer == d.cls and (not kept or d.posterior[k] >= PARAMS.override)
        if d.cls in rules and p[k] < PARAMS.near_zero:
            assert d.source == 'conflict'
        if answer not in (UNKNOWN, d.cls):
            assert d.source == 'conflict'
    assert seen == set(OUTCOMES)


def test_soft_fact_turns_an_override_into_a_conflict():
    """SPIT sure of arc (p = 1, a lying model) on a frame the rules type standard with
    every lamp off: without the soft fact SPIT overrides silently; with it, a conflict
    typed standard (issue 24)."""
    sure = probs(arc=0.99999, standard=1e-7)
    d = decide_frame(sure, 'arc', 4, {'standard'}, ONE, PARAMS, CLASSES)
    assert (d.cls, d.source) == ('arc', 'spit')
    doubted = np.array([c in ('arc', 'flat') for c in CLASSES])
    d = decide_frame(sure, 'arc', 4, {'standard'}, ONE, PARAMS, CLASSES, doubted=doubted,
                     doubt='no lamp on')
    assert (d.cls, d.source) == ('standard', 'conflict') and 'no lamp on' in d.reason
    # a class no soft fact speaks against still overrides
    d = decide_frame(probs(bias=0.99999, standard=1e-7), 'bias', 4, {'standard'}, ONE, PARAMS,
                     CLASSES, doubted=doubted, doubt='no lamp on')
    assert (d.cls, d.source) == ('bias', 'spit')


def test_soft_facts_no_lamp_on():
    """rules.soft_facts: no lamp on speaks against arc and flat only for a frame the
    rules type as a sky frame, and only where the spectrograph reads its lamps."""
    from pypeit_spit.integration.rules import soft_facts
    off = {'arc': np.array([False, True]), 'flat': np.array([False, False])}
    doubted, note = soft_facts(0, CLASSES, {'standard'}, off)
    assert {c for c, d in zip(CLASSES, doubted) if d} == {'arc', 'flat'}
    assert note.startswith('no lamp on')
    assert not soft_facts(1, CLASSES, {'standard'}, off)[0].any()     # an arc lamp on
    assert not soft_facts(0, CLASSES, {'bias'}, off)[0].any()         # not a sky frame
    assert not soft_facts(0, CLASSES, {'standard', 'arc'}, off)[0].any()
    assert not soft_facts(0, CLASSES, set(), off)[0].any()
    assert not soft_facts(0, CLASSES, {'science'}, {'arc': None, 'flat': None})[0].any()
    only_arc = soft_facts(0, CLASSES, {'science'}, {'arc': off['arc'], 'flat': None})[0]
    assert {c for c, d in zip(CLASSES, only_arc) if d} == {'arc'}
