"""
Which spectrographs a model may be switched on for: its figures per spectrograph and
loader on held-out simulated nights and, separately, on real frames, against the
criteria of the packaged configuration.

A spectrograph is switched on when, read with its PypeIt reader (as
``pypeit_spit_setup`` reads it):

* its held-out simulated nights (a seed never trained on, e.g. a dataset built by
  ``pypeit_spit_dataset --seed 9300``) are at least 99% right by the plain 3-of-4
  vote and at most 0.5% wrong at the model's cut, and
* its real frames (``--real``, where there are any) have none wrong at the cut.

Real frames are validation data only: nothing here trains, calibrates or selects a
model. The same inference path as ``pypeit_spit_classify`` runs (the model file,
ONNX Runtime, the vote, the cut and the guard). The table is printed (Markdown) and
written to ``OUTDIR/switch.ecsv``; the ``configs/spit.cfg`` sections of the
spectrographs that pass are printed last.

Usage::

    python benchmarks/switch_table.py --model longslit --test DATASET_FOLDER \\
        --real ../shared/realframes/labels.csv --outdir /tmp/spit_switch
"""
import argparse
from pathlib import Path

import numpy as np

#: Criteria (fractions of frames).
MIN_VOTE_RIGHT = 0.99
MAX_CUT_WRONG = 0.005


def _figures(pred_vote, pred_cut, labels):
    from pypeit_spit.training.evaluate import final_scheme
    fv, fc = final_scheme(pred_vote, labels), final_scheme(pred_cut, labels)
    return fv['correct'], fc['correct'], fc['wrong'], fc['unknown']


def simulated_rows(model, folder):
    """Per (spectrograph, loader) figures on a dataset folder of held-out nights."""
    from pypeit_spit.model.inference import infer
    from pypeit_spit.training.evaluate import per_instrument
    from pypeit_spit.training.factory import open_dataset
    fs = open_dataset(folder)
    result = infer(model, fs.images[np.arange(len(fs.labels))], fs.stats)
    return [(r['instrument'], r['loader'], r['n'], r['vote_correct'], r['cut_correct'],
             r['cut_wrong'], r['cut_unknown']) for r in per_instrument(result, fs)]


def real_rows(model, labels_path, workers):
    """Per (instrument, loader) figures on labelled real frames."""
    from astropy.table import Table
    from pypeit_spit.model.inference import infer
    from pypeit_spit.training.dataset import build_dataset, read_labels
    instrument = np.array(Table.read(labels_path, format='ascii.csv')['instrument'], dtype=str)
    rows = []
    for loader in ('pypeit', 'generic'):
        table = read_labels(labels_path, loader=loader)
        for name in sorted(set(instrument)):
            keep = instrument == name
            fs = build_dataset(table[keep], workers=workers, progress=False)
            if not len(fs.labels):
                continue
            result = infer(model, fs.images, fs.stats)
            rows.append((name, loader, len(fs.labels),
                         *_figures(result.decide(0.0, guard=False), result.decide(),
                                   fs.labels)))
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--model', required=True, help='bundled model name or model file')
    p.add_argument('--test', default=None,
                   help='dataset folder of held-out simulated nights (without it: the real '
                        'rows alone, no switch decided)')
    p.add_argument('--real', default=None, help='labels.csv of real frames (validation only)')
    p.add_argument('--outdir', required=True)
    p.add_argument('--workers', type=int, default=2)
    args = p.parse_args()

    from astropy.table import Table, vstack
    from pypeit_spit.model.store import get_model
    model = get_model(args.model)
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    names = ('spectrograph', 'loader', 'n', 'vote_right', 'cut_right', 'cut_wrong',
             'cut_unknown')
    if not args.test and not args.real:
        p.error('give --test, --real or both')
    dtype = (str, str, int, float, float, float, float)
    sim = Table(rows=simulated_rows(model, args.test), names=names) if args.test \
        else Table(names=names, dtype=dtype)
    sim['data'] = 'simulated'
    real = Table(rows=real_rows(model, args.real, args.workers), names=names) \
        if args.real else Table(names=names, dtype=dtype)
    real['data'] = 'real'
    decisions = {}
    for row in sim[sim['loader'] == 'pypeit']:
        name = row['spectrograph']
        ok = row['vote_right'] >= MIN_VOTE_RIGHT and row['cut_wrong'] <= MAX_CUT_WRONG
        why = [] if ok else [f"simulated {100 * row['vote_right']:.1f}% right by vote, "
                             f"{100 * row['cut_wrong']:.2f}% wrong at the cut"]
        rr = real[(real['spectrograph'] == name) & (real['loader'] == 'pypeit')]
        if len(rr) and rr['cut_wrong'][0] > 0:
            ok = False
            why.append(f"{int(round(rr['cut_wrong'][0] * rr['n'][0]))} of {rr['n'][0]} real "
                       'frames wrong')
        decisions[name] = (ok, '; '.join(why))
    table = vstack([t for t in (sim, real) if len(t)])
    table['switch'] = [('on' if decisions[s][0] else 'off') if s in decisions else '-'
                       for s in table['spectrograph']]
    table.write(outdir / 'switch.ecsv', format='ascii.ecsv', overwrite=True)
    print(f'model: {model.path}')
    print('| data | spectrograph | loader | n | right (vote) | right (cut) | wrong (cut) '
          '| Unknown (cut) | switch |')
    print('|---|---|---|---|---|---|---|---|---|')
    for r in table:
        print(f"| {r['data']} | {r['spectrograph']} | {r['loader']} | {r['n']} | "
              f"{100 * r['vote_right']:.1f}% | {100 * r['cut_right']:.1f}% | "
              f"{100 * r['cut_wrong']:.2f}% | {100 * r['cut_unknown']:.1f}% | {r['switch']} |")
    for name, (ok, why) in sorted(decisions.items()):
        if not ok:
            print(f'# off: {name}: {why}')
    print(f'# {sum(ok for ok, _ in decisions.values())} of {len(decisions)} simulated '
          'spectrographs pass')
    for name, (ok, _) in sorted(decisions.items()):
        if ok and name != 'generic':
            print(f'\n[{name}]\n    enabled = True\n    model = {Path(str(model.path)).stem}')


if __name__ == '__main__':
    main()
