"""
``pypeit_spit_evaluate``: the paper's figures of merit for a model on a labelled set.
"""
from pypeit_spit.scripts.base import EXIT_OK, SpitScript
from pypeit_spit.scripts.common import add_label_arguments


class SpitEvaluate(SpitScript):
    """Evaluate a pypeit-spit model on labelled frames."""

    @classmethod
    def name(cls):
        """Script name."""
        return 'pypeit_spit_evaluate'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser."""
        parser = super().get_parser(
            description='Evaluate a model on labelled frames: normalized accuracy, final '
                        'scheme (%% correct / wrong / Unknown), differential confusion matrix, '
                        'per-class recall and the misclassified files (ECSV, PNG, Markdown).',
            width=width)
        parser.add_argument('labels',
                            help='Labels table (ECSV/CSV: file + class or frametype, optional '
                                 'night, spectrograph or instrument), a dataset cache '
                                 '(.npz) written by pypeit_spit_train, or a dataset folder '
                                 'built by pypeit_spit_dataset (figures per spectrograph '
                                 'and loader in per_instrument.ecsv).')
        parser.add_argument('--model', default=None,
                            help='Bundled model name or path to a model file (default: the '
                                 'bundled default).')
        parser.add_argument('--outdir', required=True, help='Output folder.')
        add_label_arguments(parser)
        parser.add_argument('--split', default=None, choices=['train', 'validation', 'test'],
                            help='With a .npz cache: evaluate only this part of the split '
                                 'recorded in --split-table.')
        parser.add_argument('--split-table', default=None,
                            help='split.ecsv written by pypeit_spit_train (default: next to '
                                 'the .npz).')
        parser.add_argument('--threshold', type=float, default=None,
                            help='Unknown cut replacing the model\'s calibrated one (0: the '
                                 'paper\'s plain 3-of-4 vote).')
        parser.add_argument('--workers', type=int, default=2,
                            help='Processes that pre-process the frames.')
        return parser

    @classmethod
    def main(cls, args):
        """Run."""
        from pathlib import Path

        import numpy as np
        from astropy.table import Table
        from pypeit import log

        from pypeit_spit.errors import DatasetError
        from pypeit_spit.model.store import get_model
        from pypeit_spit.training.dataset import build_dataset, load_cache, read_labels
        from pypeit_spit.training.evaluate import evaluate_frameset

        src = Path(args.labels)
        if src.suffix == '.npz':
            frames, _ = load_cache(src)
            if args.split:
                st = Path(args.split_table) if args.split_table else src.parent / 'split.ecsv'
                if not st.is_file():
                    raise DatasetError(f'{st}: split table does not exist')
                split = Table.read(st, format='ascii.ecsv')
                chosen = set(np.asarray(split['file'])[np.asarray(split['split']) == args.split])
                frames = frames.subset(np.isin(frames.files, list(chosen)))
            title = f'{src.name}' + (f' ({args.split})' if args.split else '')
        elif src.is_dir():
            # a dataset folder built by pypeit_spit_dataset (e.g. held-out test nights)
            from pypeit_spit.training.factory import open_dataset
            frames, title = open_dataset(src), src.name
        else:
            table = read_labels(src, spectrograph=args.spectrograph,
                                spectrograph_column=args.spectrograph_column,
                                loader=args.loader)
            frames = build_dataset(table, cache=None, workers=args.workers)
            title = src.name
        if len(frames) == 0:
            raise DatasetError(f'{src}: no frame to evaluate')
        model = get_model(args.model)
        evaluate_frameset(model, frames, Path(args.outdir), threshold=args.threshold,
                          title=title)
        log.info(f'Report: {Path(args.outdir) / "summary.md"}')
        return EXIT_OK
