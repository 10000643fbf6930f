"""
Accuracy of a model on the shared real frames, reported per instrument group.

The real frames (``../shared/realframes``) are never trained on. Kast (blue and the
red Reticon) is reported on its own; the other instruments are a generalization
figure. Each group is evaluated with the PypeIt loader (pixels read as PypeIt reads
them, where the instrument is a PypeIt spectrograph) and with the generic loader
(first 2-D HDU). The full reports (confusion matrices, misclassified files) go to
``--outdir``; a Markdown table is printed.

Usage::

    python benchmarks/accuracy_real.py ../shared/realframes/labels.csv \
        --model kast_compact --outdir /tmp/spit_real
"""
import argparse
import json
from pathlib import Path

import numpy as np

GROUPS = {'kast': ('shane_kast_blue', 'shane_kast_red_ret'),
          'other': ('wht_isis_blue', 'keck_lris_blue', 'p200_dbsp_blue', 'p200_dbsp_red',
                    'lco_floyds')}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    p.add_argument('labels', help='labels.csv of the real frames')
    p.add_argument('--model', default=None, help='model name or path (default: bundled)')
    p.add_argument('--outdir', required=True)
    p.add_argument('--workers', type=int, default=2)
    p.add_argument('--threshold', type=float, default=None,
                   help="Unknown threshold (default: the model's calibrated one; 0 gives "
                        "the paper's plain 3-of-4 vote)")
    args = p.parse_args()

    from astropy.table import Table
    from pypeit_spit.model.store import get_model
    from pypeit_spit.training.dataset import build_dataset, read_labels
    from pypeit_spit.training.evaluate import evaluate_frameset

    model = get_model(args.model)
    outdir = Path(args.outdir)
    rows = []
    for loader in ('pypeit', 'generic'):
        table = read_labels(args.labels, loader=loader)
        # The instrument comes from the labels file's own column, not the path.
        instrument = np.array(Table.read(args.labels, format='ascii.csv')['instrument'],
                              dtype=str)
        for group, members in GROUPS.items():
            for name in (group,) + members:
                keep = np.isin(instrument, members if name == group else (name,))
                if not keep.any():
                    continue
                fs = build_dataset(table[keep], workers=args.workers, progress=False)
                summary = evaluate_frameset(model, fs, outdir / f'{name}_{loader}',
                                            threshold=args.threshold,
                                            title=f'{name} ({loader} loader)')
                fin = summary['final']
                rows.append((name, loader, summary['n_frames'],
                             summary['normalized_accuracy'], fin['correct'], fin['wrong'],
                             fin['unknown'], summary.get('recall')))
    cuts = model.cuts(args.threshold)
    print(f'model: {model.path}; Unknown cut per class: '
          + ', '.join(f'{c} {v:.3f}' for c, v in zip(model.classes, cuts)))
    print('| frames | loader | n | normalized acc. | final: correct | wrong | Unknown |')
    print('|---|---|---|---|---|---|---|')
    for name, loader, n, norm, cor, wrong, unk, _ in rows:
        print(f'| {name} | {loader} | {n} | {100 * norm:.1f}% | {100 * cor:.1f}% | '
              f'{100 * wrong:.1f}% | {100 * unk:.1f}% |')
    (outdir / 'summary.json').write_text(json.dumps(
        [dict(zip(('group', 'loader', 'n', 'normalized', 'correct', 'wrong', 'unknown'),
                  r[:7])) for r in rows], indent=1, default=float))


if __name__ == '__main__':
    main()
