"""
How SPIT's pixels and PypeIt's header rules decide a frame's type together.

The evidence about one frame:

``p``
    SPIT's calibrated class probabilities (the mean over the image and its three
    flips, temperature-scaled), and ``answer``: SPIT's class after the 3-of-4 vote and
    its Unknown cut, or Unknown.
``R``
    The classes of the types PypeIt's header rules give. The rules read fragile cards
    (lamp status, ``OBJECT``...) that observers and scripts get wrong; ``R`` may be
    empty (untyped) or hold several classes (e.g. ``arc,bias,tilt``).
hard facts
    The classes the frame's own header excludes
    (:func:`pypeit_spit.integration.rules.hard_facts`: the exposure time outside a
    class's PypeIt range, the arc lamps on for a non-arc, the hatch or shutter closed
    for a frame on sky): such a class is **never** decided, whatever SPIT (or any
    model) says.
soft facts
    The classes the frame's header speaks against without excluding them
    (:func:`pypeit_spit.integration.rules.soft_facts`: no lamp on for a frame the
    rules type as a sky frame speaks against an arc and a flat), passed where the
    run gives reason to doubt the model
    (:func:`pypeit_spit.integration.frametypes.doubt_of_model`): SPIT may not
    override the rules with such a class; the frame is a conflict instead.
``h``
    The plausibility of each class from sturdy header facts that the telescope's
    control system writes (:func:`pypeit_spit.integration.rules.header_facts`): the
    exposure time against each class's PypeIt exposure range, and the pointing against
    PypeIt's archive of spectrophotometric standards, which settles science against
    standard (SPIT's classic confusion).

The rules are treated as a noisy label whose error rate is ``rules_error`` (``ε``)::

    score(c) = p(c) · L(c) · h(c)        L(c) = (1 − ε) / |R|  for c in R
                                          L(c) = ε / (K − |R|)  otherwise (1/K when R is empty)
    posterior(c) = score(c) / Σ score;   f = argmax posterior

and one of these outcomes is recorded for the frame (``spit_src``):

``agree``
    ``f`` is a class the rules give, and SPIT says so too (its answer, or its 3-of-4
    vote winner when its answer is below the cut).
``rules``
    ``f`` is a class the rules give; SPIT is unsure (no answer past its cut) but gives
    ``f`` a probability of at least ``near_zero`` and no other class ``contradict`` or
    more: it does not contradict the rules, whose types are kept.
``spit``
    SPIT overrides the rules: ``f`` is not a class the rules give, SPIT's answer (past
    its cut) is ``f``, the posterior of ``f`` is at least ``override``, and no soft
    header fact speaks against ``f``. Also when the rules give nothing and SPIT
    answers.
``conflict``
    SPIT and the rules contradict each other and neither is sure enough: SPIT answers
    (past its cut) a class the posterior does not choose; or ``f`` differs from the
    rules without the support to override them; or the rules' class is one SPIT gives
    less than ``near_zero``; or SPIT names a class the header excludes; or the rules
    give nothing and SPIT is unsure; or SPIT's sure answer is a class a soft header
    fact speaks against. The frame is typed as the rules type it (SPIT's
    class only when the rules give nothing the header allows; untyped when that class
    is excluded too), never a third class neither source named; it is listed for the
    user to look at, and ``pypeit_spit_check`` fails until the user settles it in the
    ``spit`` column.

A rule's type to which SPIT gives less than ``near_zero`` is therefore never accepted
without a flag. The parameters are settings (``configs/spit_spec.cfg``); their values
were chosen on simulated validation nights (see the model card).
"""
from dataclasses import dataclass

import numpy as np

from pypeit_spit.defaults import DEFAULTS
from pypeit_spit.vocab import UNKNOWN, format_prob

__all__ = ['OUTCOMES', 'DecisionParams', 'Decision', 'decide_frame']

#: The outcomes :func:`decide_frame` records (part of :data:`pypeit_spit.vocab.OUTCOMES`).
OUTCOMES = ('agree', 'rules', 'spit', 'conflict')


@dataclass(frozen=True)
class DecisionParams:
    """
    Parameters of the decision (their defaults and meaning: ``configs/spit_spec.cfg``).

    Attributes
    ----------
    rules_error : float
        ``ε``: how often the header rules' class is taken to be wrong.
    near_zero : float
        A class SPIT gives less than this is contradicted by the pixels.
    override : float
        Posterior SPIT's answer needs to overrule the rules without a conflict.
    contradict : float, optional
        Probability of another class with which an unsure SPIT still contradicts
        the rules (1: never; default: the spec's, 0.6, the figure that chose it is
        in the model card, section 5).
    """
    rules_error: float
    near_zero: float
    override: float
    contradict: float = DEFAULTS.contradict


@dataclass
class Decision:
    """
    The decision for one frame.

    Attributes
    ----------
    cls : str
        The decided class ('' when untyped).
    source : str
        One of :data:`OUTCOMES`.
    posterior : `numpy.ndarray`
        Posterior of each class.
    reason : str
        Why, in words.
    """
    cls: str
    source: str
    posterior: np.ndarray
    reason: str


def _fmt(classes, values):
    order = np.argsort(values)[::-1][:2]
    return ', '.join(f'{classes[i]} {format_prob(values[i])}' for i in order)


def decide_frame(probs, answer, votes, rules_classes, plausibility, params, classes,
                 voted=None, allowed=None, excluded='', shown=None, doubted=None,
                 doubt=''):
    """
    Decide one frame's class from SPIT, the header rules and the header facts.

    Parameters
    ----------
    probs : array_like, shape (K,)
        SPIT's calibrated mean probabilities.
    answer : str
        SPIT's answer after its vote and cut (a class or ``'unknown'``).
    votes : int
        Votes of SPIT's most-voted class.
    rules_classes : collection of str
        Classes of the types the header rules give (empty: untyped).
    plausibility : array_like, shape (K,)
        ``h``: plausibility of each class from sturdy header facts (1 = no objection).
    params : DecisionParams
    classes : sequence of str
        Class names in the order of ``probs``.
    voted : str or None, optional
        SPIT's most-voted class (default: the class of largest probability).
    allowed : array_like of bool, shape (K,), or None, optional
        The classes the frame's hard header facts leave possible
        (:func:`pypeit_spit.integration.rules.hard_facts`); None: every class. A class
        not allowed is never decided.
    excluded : str, optional
        Why classes are excluded (for the reason).
    doubted : array_like of bool, shape (K,), or None, optional
        The classes soft header facts speak against
        (:func:`pypeit_spit.integration.rules.soft_facts`); None: none. SPIT never
        overrides the rules with such a class (a conflict instead).
    doubt : str, optional
        Which soft fact (for the reason).
    shown : tuple or None, optional
        ``(answer, probabilities)`` as SPIT gave them, before header evidence
        changed them: what the reason prints (so that a frame's probability reads
        the same in every output). Default: ``answer`` and ``probs``.

    Returns
    -------
    Decision
        ``cls`` is '' when nothing may type the frame.
    """
    p = np.asarray(probs, dtype=float)
    k = len(classes)
    ok = np.ones(k, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    if not ok.any():
        ok = np.ones(k, dtype=bool)
    h = np.asarray(plausibility, dtype=float) * ok
    given = [c for c in classes if c in set(rules_classes)]
    rules = [c for c in given if ok[classes.index(c)]]
    in_rules = np.array([c in rules for c in classes])
    eps = params.rules_error
    if rules:
        like = np.where(in_rules, (1.0 - eps) / len(rules), eps / max(k - len(rules), 1))
    else:
        like = np.full(k, 1.0 / k)
    score = p * like * h
    total = score.sum()
    post = score / total if total > 0 else ok / ok.sum()
    f = int(np.argmax(post))
    fc = classes[f]
    voted = voted or classes[int(np.argmax(p))]
    winner = voted if votes >= 3 else None
    named = answer if answer != UNKNOWN else voted
    said, said_p = (answer, p) if shown is None else (shown[0], np.asarray(shown[1]))
    spit_says = (f'SPIT {said} p={format_prob(said_p[classes.index(said)])}'
                 if said != UNKNOWN
                 else f'SPIT unsure ({votes}/4 votes; {_fmt(classes, said_p)})')
    rules_say = f'rules {"/".join(rules)}' if rules else 'rules untyped'
    if given and not rules:
        rules_say = f'rules {"/".join(given)} excluded by the frame ({excluded})'
    best = f'posterior {_fmt(classes, post)}'
    if answer != UNKNOWN and not ok[classes.index(answer)]:
        # SPIT names a class the frame's own header excludes: never chosen.
        why = f'{spit_says} excluded by the frame ({excluded})'
        if rules:
            rc = max(rules, key=lambda c: post[classes.index(c)])
            return Decision(rc, 'conflict', post, f'{why}; {rules_say}')
        return Decision('', 'conflict', post, f'{why}; {rules_say}: left untyped')
    if not rules:
        if answer == fc:
            return Decision(fc, 'spit', post, f'{spit_says}; {rules_say}')
        if fc == named:
            return Decision(fc, 'conflict', post, f'{rules_say}; {spit_says}; {best}')
        return Decision('', 'conflict', post, f'{rules_say}; {spit_says}, its {named} '
                                              f'excluded by the frame ({excluded}): '
                                              'left untyped')
    if in_rules[f]:
        if answer == fc or (answer == UNKNOWN and winner == fc):
            return Decision(fc, 'agree', post, f'{spit_says}; {rules_say}')
        if answer != UNKNOWN:
            return Decision(fc, 'conflict', post, f'{spit_says} against {rules_say}; {best}')
        if p[f] < params.near_zero:
            return Decision(fc, 'conflict', post, f'{rules_say} but SPIT gives {fc} only '
                                                  f'p={format_prob(p[f])}; {spit_says}; '
                                                  f'{best}')
        top = int(np.argmax(p))
        if top != f and p[top] >= params.contradict:
            return Decision(fc, 'conflict', post, f'{rules_say} but SPIT leans to '
                                                  f'{classes[top]} p={format_prob(p[top])} '
                                                  f'({spit_says}); {best}')
        return Decision(fc, 'rules', post, f'{rules_say}; {spit_says}, not against them')
    if answer == fc and doubted is not None and bool(np.asarray(doubted)[f]):
        rc = max(rules, key=lambda c: post[classes.index(c)])
        return Decision(rc, 'conflict', post, f'{spit_says} against {rules_say}: {doubt}; '
                                              'typed as the rules type it')
    if answer == fc and post[f] >= params.override:
        return Decision(fc, 'spit', post, f'{spit_says} overrides {rules_say} '
                                          f'(posterior {format_prob(post[f])})')
    # Split evidence: typed as the rules type it (never a class neither source named).
    rc = max(rules, key=lambda c: post[classes.index(c)])
    return Decision(rc, 'conflict', post, f'{rules_say}, {spit_says}: neither sure enough; '
                                          f'{best}; typed as the rules type it')
