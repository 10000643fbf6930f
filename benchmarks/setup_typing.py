"""
Frame typing on simulated Kast nights: PypeIt's header rules against SPIT, with and
without the header evidence that settles science vs standard.

Simulates fresh nights (seeds never used for training) with header faults switched
on, builds PypeIt's metadata for each night, types every frame with
:func:`pypeit_spit.integration.frametypes.type_frames` and compares with the simulator's truth:

- ``rules``: PypeIt's header rules alone (what ``pypeit_setup`` does);
- ``spit``: the network's answer (Unknown counted apart);
- ``spit+evidence``: after a known standard near the pointing / the exposure-time
  ranges settle science vs standard;
- ``final``: what ``pypeit_spit_setup`` writes (SPIT, else the rules).

Usage::

    python benchmarks/setup_typing.py --nights 3 --faults 0.3 --seed 99 \
        --outdir /tmp/spit_setup_typing [--model PATH]
"""
import argparse
from collections import Counter
from pathlib import Path

import numpy as np

#: SPIT class -> the PypeIt types the rules give a correctly typed frame.
RULE_TYPES = {'bias': {'bias'}, 'arc': {'arc', 'tilt'},
              'flat': {'pixelflat', 'illumflat', 'trace'},
              'science': {'science'}, 'standard': {'standard'}}


def _class_of(types):
    """The SPIT class a PypeIt type string amounts to ('' when none matches)."""
    got = set(t for t in str(types).split(',') if t and t != 'None')
    for cls, want in RULE_TYPES.items():
        if got == want:
            return cls
    return ''


def header_evidence_gain(result, true_classes):
    """
    How many SPIT errors the header evidence removes (and adds), given true labels.

    Returns
    -------
    dict
        ``n``, ``settled`` (frames where the evidence decided), ``errors_spit`` /
        ``errors_settled`` (wrong classes before / after, over the frames SPIT
        answered), ``fixed`` and ``broken`` (frames the evidence made right / wrong).
    """
    table = result.table
    raw = np.asarray(table['spit_class'], dtype=str)
    settled = np.asarray(table['spit_settled'], dtype=str)
    truth = np.asarray(true_classes, dtype=str)
    answered = raw != 'unknown'
    changed = raw != settled
    return {'n': int(len(raw)),
            'settled': int(np.sum(np.asarray(table['evidence'], dtype=str) != '')),
            'errors_spit': int(np.sum(answered & (raw != truth))),
            'errors_settled': int(np.sum(answered & (settled != truth))),
            'fixed': int(np.sum(changed & (settled == truth))),
            'broken': int(np.sum(changed & (raw == truth)))}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    p.add_argument('--cameras', default='shane_kast_blue,shane_kast_red,shane_kast_red_ret')
    p.add_argument('--nights', type=int, default=3)
    p.add_argument('--faults', type=float, default=0.3)
    p.add_argument('--seed', type=int, default=99)
    p.add_argument('--model', default=None)
    p.add_argument('--outdir', required=True)
    args = p.parse_args()

    from pypeit.pypeitsetup import PypeItSetup
    from pypeit_spit.integration.config import instrument_config
    from pypeit_spit.integration.frametypes import type_frames
    from pypeit_spit.simulate import simulate_nights

    outdir = Path(args.outdir)
    totals = Counter()
    gain = Counter()
    for k, camera in enumerate(args.cameras.split(',')):
        manifest = simulate_nights(camera, args.nights, outdir / 'sim', args.seed + k,
                                   faults=args.faults)
        manifest = manifest[manifest['camera'] == camera]
        cfg = instrument_config(camera, enabled=True, model=args.model)
        for night in np.unique(manifest['night']):
            rows = manifest[manifest['night'] == night]
            folder = (outdir / 'sim' / rows['file'][0]).parent
            ps = PypeItSetup.from_file_root(str(folder), camera, extension='.fits')
            ps.build_fitstbl()
            truth_of = {Path(f).name: c for f, c in zip(rows['file'], rows['cls'])}
            fault_of = {Path(f).name: c for f, c in zip(rows['file'], rows['fault'])}
            res = type_frames(ps.fitstbl, config=cfg)
            t = res.table
            names = [Path(f).name for f in t['filename']]
            truth = np.array([truth_of[n] for n in names])
            faulted = np.array([fault_of[n] not in ('', 'none') for n in names])
            rules = np.array([_class_of(x) for x in t['rules_type']])
            final = np.array([_class_of(x) for x in t['frametype']])
            spit = np.asarray(t['spit_class'], dtype=str)
            settled = np.asarray(t['spit_settled'], dtype=str)
            for name, pred in (('rules', rules), ('spit', spit), ('spit+evidence', settled),
                               ('final', final)):
                totals[(camera, name, 'correct')] += int(np.sum(pred == truth))
                totals[(camera, name, 'unknown')] += int(np.sum(pred == 'unknown'))
                totals[(camera, name, 'faulted_correct')] += int(np.sum((pred == truth)
                                                                        & faulted))
            totals[(camera, 'n')] += len(truth)
            totals[(camera, 'faulted')] += int(faulted.sum())
            for key, val in header_evidence_gain(res, truth).items():
                gain[(camera, key)] += val
    print(f'{args.nights} simulated nights per camera, header-fault rate {args.faults}, '
          f'seed {args.seed}')
    print('| camera | typer | correct | Unknown | correct on faulted headers |')
    print('|---|---|---|---|---|')
    for camera in args.cameras.split(','):
        n, nf = totals[(camera, 'n')], totals[(camera, 'faulted')]
        for name in ('rules', 'spit', 'spit+evidence', 'final'):
            c = totals[(camera, name, 'correct')]
            u = totals[(camera, name, 'unknown')]
            fc = totals[(camera, name, 'faulted_correct')]
            print(f'| {camera} | {name} | {c}/{n} ({100 * c / n:.1f}%) | {u} | {fc}/{nf} |')
    print('\nHeader evidence (science vs standard), over frames SPIT answered:')
    print('| camera | settled by evidence | SPIT errors before | after | fixed | broken |')
    print('|---|---|---|---|---|---|')
    for camera in args.cameras.split(','):
        g = {k[1]: v for k, v in gain.items() if k[0] == camera}
        print(f'| {camera} | {g["settled"]} | {g["errors_spit"]} | {g["errors_settled"]} | '
              f'{g["fixed"]} | {g["broken"]} |')


if __name__ == '__main__':
    main()
