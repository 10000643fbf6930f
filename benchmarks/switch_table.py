"""
Which spectrographs a model may be switched on for, judged where users meet it: frames
typed as ``pypeit_spit_setup`` types them (the model's pixels, PypeIt's header rules and
header facts deciding together), against PypeIt's header rules alone, on held-out
simulated nights with clean headers and with header faults, and on real frames.

A spectrograph is switched on when, on its held-out simulated nights (``--nights`` per
spectrograph from ``--seed`` plus the spectrograph's place in the simulator's list of
long-slit spectrographs then Kast cameras, so that a row is the same whatever ``-s``
lists: seeds never trained on), clean and with a share ``--faults`` of headers faulted:

* at most :data:`MAX_SILENT` of its frames are silently wrong (a wrong type with no
  flag), and no more than PypeIt's rules alone type wrong;
* at most :data:`MAX_MADE_WRONG` of the frames the rules type right are typed wrong
  (flagged or not): SPIT does not break what works;
* with clean headers, at most :data:`MAX_FLAGGED` of the frames the rules type right are
  flagged as conflicts (the user's time);
* with faulted headers, more frames are typed right without a flag than the rules
  type right;

and its real frames (``--real``, where there are any; clean headers) have none silently
wrong and none of those the rules type right typed wrong or flagged (a flag there is the
network sure of a wrong class on a real frame: the gap between simulated and real frames
showing, which the simulated nights cannot). This is the bar ``kast_compact`` was
switched on for Kast with (README: none wrong with clean headers; 0.8% silently wrong
against 27% for the rules with 30% of headers faulted).

With ``--test`` (a dataset folder of held-out nights, e.g. built by
``pypeit_spit_dataset --seed 9300``) the network's own figures per spectrograph and
loader (3-of-4 vote, and the model's cut) are printed too, for information; real rows by
both loaders likewise. Real frames are validation data only: nothing here trains,
calibrates or selects a model. The tables are printed (Markdown) and written to
``OUTDIR/switch.ecsv`` (and ``OUTDIR/network.ecsv``); the ``configs/spit.cfg`` sections
of the spectrographs that pass are printed last.

Usage::

    python benchmarks/switch_table.py --model MODEL --nights 3 --seed 9700 \\
        --faults 0.3 --real ../shared/realframes/labels.csv --outdir /tmp/spit_switch \\
        [-s p200_dbsp_red,not_alfosc] [--test DATASET_FOLDER]
"""
import argparse
import shutil
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from setup_typing import real_nights, score, simulated_nights, type_night  # noqa: E402

#: Criteria (fractions: of all frames, of the frames the rules type right).
MAX_SILENT = 0.01
MAX_MADE_WRONG = 0.005
MAX_FLAGGED = 0.05


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


#: The counts of :func:`setup_typing.score`, in the order ``switch.ecsv`` lists them.
COUNTS = ('n', 'rules_right', 'rules_wrong', 'right', 'silently_wrong', 'conflict',
          'conflict_right', 'untyped', 'rules_right_made_wrong', 'rules_right_flagged')


def _seed_offset(spectrograph):
    """A spectrograph's place in the simulator's long-slit list, then Kast's cameras."""
    from pypeit_spit.simulate.params import CAMERAS, LONGSLIT
    return (LONGSLIT + CAMERAS).index(spectrograph)


def setup_rows(model, spectrographs, nights, seed, faults, outdir, workers):
    """
    Held-out simulated nights typed as ``pypeit_spit_setup`` types them.

    Each spectrograph's nights (run seed ``seed`` plus :func:`_seed_offset`), with clean
    headers and with a share ``faults`` of them faulted, are simulated, typed and scored
    (:func:`setup_typing.score`); each night's frames are removed once typed (the seed
    makes them again).

    Parameters
    ----------
    model : str
        Bundled model name or model file.
    spectrographs : list of str
        PypeIt names the simulator knows.
    nights, seed : int
    faults : float
        Share of headers faulted in the second set of nights.
    outdir : `pathlib.Path`
        Working folder for the nights.
    workers : int
        Processes simulating the nights.

    Returns
    -------
    list of tuple
        ``(spectrograph, data, faults, Counter)``: two rows per spectrograph, ``data``
        names them (``'simulated, faults 0.3'``), ``faults`` is the share (0 for clean).
    """
    rows = []
    for spec in spectrographs:
        for f in (0.0, faults):
            total = Counter()
            for folder, truth in simulated_nights(spec, nights, Path(outdir) / f'sim{f:g}',
                                                  seed + _seed_offset(spec), f, workers):
                total += score(type_night(folder, spec, model), truth)
                shutil.rmtree(folder)
            rows.append((spec, f'simulated, faults {f:g}', f, total))
    return rows


def real_setup_rows(model, realframes, spectrographs, outdir):
    """
    The labelled real frames of ``spectrographs`` typed as ``pypeit_spit_setup`` types
    them (clean headers; validation only).

    Parameters
    ----------
    model : str
    realframes : `pathlib.Path`
        Folder of the real frames, with its ``labels.csv``.
    spectrographs : list of str
    outdir : `pathlib.Path`
        Working folder (copies of the frames, made afresh).

    Returns
    -------
    list of tuple
        ``(spectrograph, 'real', None, Counter)``, one per spectrograph with real frames.
    """
    nights = real_nights(realframes, Path(outdir) / 'real', False, instruments=spectrographs)
    return [(spec, 'real', None, score(type_night(folder, spec, model), truth))
            for spec, (folder, truth) in sorted(nights.items())]


def decide(rows):
    """
    The switch of every spectrograph in ``rows`` (the criteria of the module docstring).

    Parameters
    ----------
    rows : list of tuple
        :func:`setup_rows` and :func:`real_setup_rows`.

    Returns
    -------
    dict
        ``{spectrograph: (on, reasons)}``; ``reasons`` (list of str) says why it is off.
    """
    out = {}
    for spec, data, faults, c in rows:
        why = out.setdefault(spec, [])
        n, right = max(c['n'], 1), max(c['rules_right'], 1)
        if faults is None:      # real frames
            if c['silently_wrong'] or c['rules_right_made_wrong'] or c['rules_right_flagged']:
                why.append(f"real: {c['silently_wrong']} silently wrong, "
                           f"{c['rules_right_made_wrong']} rules-right typed wrong, "
                           f"{c['rules_right_flagged']} rules-right flagged")
            continue
        if c['silently_wrong'] > MAX_SILENT * n or c['silently_wrong'] > c['rules_wrong']:
            why.append(f"{data}: {c['silently_wrong']} of {c['n']} silently wrong "
                       f"(rules {c['rules_wrong']})")
        if c['rules_right_made_wrong'] > MAX_MADE_WRONG * right:
            why.append(f"{data}: {c['rules_right_made_wrong']} of {c['rules_right']} "
                       'rules-right frames typed wrong')
        if faults == 0 and c['rules_right_flagged'] > MAX_FLAGGED * right:
            why.append(f"{data}: {c['rules_right_flagged']} of {c['rules_right']} "
                       'rules-right frames flagged')
        if faults > 0 and c['right'] <= c['rules_right']:
            why.append(f"{data}: {c['right']} typed right unflagged, rules {c['rules_right']}")
    return {spec: (not why, why) for spec, why in out.items()}


def print_setup(rows, decisions):
    """Print :func:`setup_rows` and :func:`real_setup_rows` as a Markdown table."""
    print('| spectrograph | data | frames | rules right | rules wrong | setup right | '
          'silently wrong | conflicts (typed right) | untyped | rules-right typed wrong | '
          'rules-right flagged | switch |')
    print('|---|---|---|---|---|---|---|---|---|---|---|---|')
    for spec, data, _, c in rows:
        print(f"| {spec} | {data} | {c['n']} | {c['rules_right']} | {c['rules_wrong']} | "
              f"{c['right']} | {c['silently_wrong']} | {c['conflict']} "
              f"({c['conflict_right']}) | {c['untyped']} | {c['rules_right_made_wrong']} | "
              f"{c['rules_right_flagged']} | {'on' if decisions[spec][0] else 'off'} |")


def _config_name(model):
    """How ``configs/spit.cfg`` names a model file: its bundled name, else its path."""
    from pypeit_spit.paths import package_folder
    path = Path(str(model.path)).resolve()
    return path.stem if path.parent == package_folder('models').resolve() else str(path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--model', required=True, help='bundled model name or model file')
    p.add_argument('-s', '--spectrographs', default=None,
                   help='comma-separated PypeIt names (default: every simulated long-slit '
                        'spectrograph)')
    p.add_argument('--nights', type=int, default=3,
                   help='held-out simulated nights per spectrograph and fault level')
    p.add_argument('--seed', type=int, default=9700, help='a seed never trained on')
    p.add_argument('--faults', type=float, default=0.3, help='share of headers faulted')
    p.add_argument('--test', default=None,
                   help='dataset folder of held-out simulated nights: the network\'s own '
                        'figures, for information')
    p.add_argument('--real', default=None,
                   help='labels.csv of real frames, in their folder (validation only)')
    p.add_argument('--outdir', required=True)
    p.add_argument('--workers', type=int, default=2)
    args = p.parse_args()

    from astropy.table import Table, vstack

    from pypeit_spit.io.sites import use_offline_sites
    from pypeit_spit.model.store import get_model
    from pypeit_spit.simulate.params import LONGSLIT
    use_offline_sites()
    if args.real and Path(args.real).name != 'labels.csv':
        p.error('--real: the labels.csv in the folder of the real frames')
    model = get_model(args.model)
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    specs = args.spectrographs.split(',') if args.spectrographs else list(LONGSLIT)
    print(f'model: {model.path}')

    if args.test or args.real:          # the network alone, for information
        names = ('spectrograph', 'loader', 'n', 'vote_right', 'cut_right', 'cut_wrong',
                 'cut_unknown')
        dtype = (str, str, int, float, float, float, float)
        sim = Table(rows=simulated_rows(model, args.test), names=names) if args.test \
            else Table(names=names, dtype=dtype)
        sim['data'] = 'simulated'
        real = Table(rows=real_rows(model, args.real, args.workers), names=names) \
            if args.real else Table(names=names, dtype=dtype)
        real['data'] = 'real'
        net = vstack([t for t in (sim, real) if len(t)])
        net.write(outdir / 'network.ecsv', format='ascii.ecsv', overwrite=True)
        print('\nThe network alone\n')
        print('| data | spectrograph | loader | n | right (vote) | right (cut) | wrong (cut) '
              '| Unknown (cut) |')
        print('|---|---|---|---|---|---|---|---|')
        for r in net:
            print(f"| {r['data']} | {r['spectrograph']} | {r['loader']} | {r['n']} | "
                  f"{100 * r['vote_right']:.1f}% | {100 * r['cut_right']:.1f}% | "
                  f"{100 * r['cut_wrong']:.2f}% | {100 * r['cut_unknown']:.1f}% |")

    model_file = str(model.path)
    rows = setup_rows(model_file, specs, args.nights, args.seed, args.faults,
                      outdir / 'nights', args.workers)
    if args.real:
        rows += real_setup_rows(model_file, Path(args.real).parent, specs, outdir)
    decisions = decide(rows)
    table = Table(rows=[(spec, data, *[c[k] for k in COUNTS],
                         'on' if decisions[spec][0] else 'off') for spec, data, _, c in rows],
                  names=('spectrograph', 'data', *COUNTS, 'switch'))
    table.write(outdir / 'switch.ecsv', format='ascii.ecsv', overwrite=True)
    print(f'\nTyped as pypeit_spit_setup types them ({args.nights} nights per spectrograph, '
          f'seed {args.seed}+, header faults 0 and {args.faults:g})\n')
    print_setup(rows, decisions)
    for name, (ok, why) in sorted(decisions.items()):
        if not ok:
            print(f"# off: {name}: {'; '.join(why)}")
    print(f'# {sum(ok for ok, _ in decisions.values())} of {len(decisions)} spectrographs pass')
    for name, (ok, _) in sorted(decisions.items()):
        if ok:
            print(f'\n[{name}]\n    enabled = True\n    model = {_config_name(model)}')


if __name__ == '__main__':
    main()
