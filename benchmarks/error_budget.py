"""
Where a model's plain 3-of-4 vote loses frames on held-out simulated nights, by how
each frame was made: the error budget behind the switch criterion (99% right by vote).

The simulator's manifest records, for every frame, its header fault and the draws that
made its pixels (a failed arc lamp, a standard in twilight, the kind of science target,
moonlight, the number of traces). Frames are put in one category each, those whose
pixels a fault changed first (``fault: ...``: a twilight flat, a short science
exposure, a long standard, a dark labelled bias, an arc exposed too long; faults of the
header alone, such as lamp cards left on or off, leave a frame in its class's
categories), and the vote's right and wrong shares are printed per category, with each
category's share of all the frames not typed right. This tells a model that is short on
frames anyone could type (plain standards, point-source science) from one that is short
only on frames ambiguous by construction.

The frames are read and typed by the same path as ``pypeit_spit_classify -s``
(PypeIt's reader for each frame's spectrograph, the model file through ONNX Runtime,
the image and its three flips). Simulated frames only: nothing here reads real frames.

Usage (nights of a seed never trained on; the simulation takes ~30 s per
single-detector spectrograph and 4 nights)::

    pypeit_spit_simulate -s wht_isis_blue ldt_deveny --nights 4 --seed 9300 \\
        --faults 0.1 --outdir /tmp/sim_budget --workers 2
    python benchmarks/error_budget.py /tmp/sim_budget/manifest.ecsv --model longslit
"""
import argparse
import json

import numpy as np

from pypeit_spit.simulate.params import PIXEL_FAULTS

#: Categories of frames made unlike their class on purpose (pixels that may show
#: another class: a twilight flat is sky, a short science exposure nearly a bias...).
MADE_UNLIKE = ('fault: twilight_flat', 'fault: short_science', 'fault: long_standard',
               'fault: dark_as_bias', 'arc: lamps failed', 'science: one bright point')


def category(cls, fault, params):
    """
    The category of one simulated frame.

    Parameters
    ----------
    cls : str
        True class.
    fault : str
        The simulator's fault (``'none'`` when there is none).
    params : dict
        The draws recorded in the manifest's ``params`` column.

    Returns
    -------
    str
    """
    if fault in PIXEL_FAULTS:
        return 'fault: ' + fault
    if cls == 'arc' and params.get('arc_failed'):
        return 'arc: lamps failed'
    if cls == 'standard':
        return 'standard: twilight sky' if params.get('dusk_sky') else 'standard'
    if cls == 'science':
        kind = params.get('science_kind', '?')
        if kind == 'bright_point' and params.get('n_traces', 1) == 1:
            return 'science: one bright point'
        if params.get('moon'):
            return 'science: moonlit sky'
        return 'science: ' + {'blank': 'no continuum', 'host_point': 'point in a host',
                              'bright_point': 'bright point among others'}.get(kind, kind)
    return cls


def budget(cats, right, wrong):
    """Rows (category, n, right, wrong, share of misses) and the total row."""
    cats = np.asarray(cats, dtype=str)
    right, wrong = np.asarray(right, dtype=bool), np.asarray(wrong, dtype=bool)
    misses = max(int((~right).sum()), 1)
    rows = []
    for c in sorted(set(cats)):
        m = cats == c
        rows.append((c, int(m.sum()), right[m].mean(), wrong[m].mean(),
                     (~right[m]).sum() / misses))
    rows.append(('all', len(cats), right.mean(), wrong.mean(), 1.0))
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('manifest', help="manifest.ecsv written by pypeit_spit_simulate")
    p.add_argument('--model', default=None,
                   help='bundled model name or model file (default: the packaged default, '
                        'kast_compact)')
    p.add_argument('--workers', type=int, default=2)
    args = p.parse_args()

    from astropy.table import Table
    from pypeit_spit.model.inference import infer
    from pypeit_spit.model.store import get_model
    from pypeit_spit.training.dataset import build_dataset, read_labels
    from pypeit_spit.vocab import UNKNOWN_INDEX

    manifest = Table.read(args.manifest, format='ascii.ecsv')
    model = get_model(args.model)
    table = read_labels(args.manifest, spectrograph_column='camera')
    fs = build_dataset(table, workers=args.workers, progress=False)
    if not len(fs.labels):
        p.error(f'{args.manifest}: no frame could be read')
    votes = np.asarray(infer(model, fs.images, fs.stats).decide(0.0, guard=False))
    # read_labels keeps the manifest's rows in order, with each file as the frames name it
    made = dict(zip(table['file'], zip(manifest['cls'], manifest['fault'],
                                       map(json.loads, manifest['params']))))
    cats = [category(*made[f]) for f in fs.files]
    right = votes == fs.labels
    wrong = ~right & (votes != UNKNOWN_INDEX)
    spectrographs = sorted(set(str(s) for s in fs.spectrographs))
    print(f'model: {model.path}; {len(fs.labels)} of {len(manifest)} frames typed '
          f'({", ".join(spectrographs)})')
    print('| how the frame was made | n | right (vote) | wrong (vote) | share of misses |')
    print('|---|---|---|---|---|')
    for c, n, r, w, s in budget(cats, right, wrong):
        print(f'| {c} | {n} | {100 * r:.1f}% | {100 * w:.1f}% | {100 * s:.1f}% |')
    unlike = np.isin(cats, MADE_UNLIKE)
    print(f'# frames made unlike their class ({", ".join(MADE_UNLIKE)}): {unlike.sum()} '
          f'({100 * unlike.mean():.1f}%); the other frames are '
          f'{100 * right[~unlike].mean():.1f}% right by vote; were they all right, with '
          f'these typed as they are, the vote would reach '
          f'{100 * (1 - (~right[unlike]).sum() / len(right)):.1f}%')


if __name__ == '__main__':
    main()
