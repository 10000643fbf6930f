"""
``pypeit_spit_train``: build a training set from labelled frames and train a network.
"""
from pypeit_spit.scripts.base import EXIT_OK, SpitScript
from pypeit_spit.scripts.common import add_label_arguments

#: The arguments a run was started with, in its folder (for --resume).
RUN_ARGUMENTS = 'train_args.json'


class SpitTrain(SpitScript):
    """Train a pypeit-spit network on labelled raw frames."""

    @classmethod
    def name(cls):
        """Script name."""
        return 'pypeit_spit_train'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser (defaults: :class:`~pypeit_spit.training.train.TrainConfig`)."""
        from pypeit_spit.training.train import TrainConfig
        d = TrainConfig()
        parser = super().get_parser(
            description='Build a training set from labelled raw frames (ECSV/CSV tables of '
                        'file + class [+ night, spectrograph]), split it by night, balance and '
                        'flip it, train a network, keep the best epoch, calibrate it on the '
                        'validation nights and save it with its metadata.', width=width)
        parser.add_argument('labels', nargs='*',
                            help='Labels table(s): columns file (relative to the table or '
                                 'absolute), class (or PypeIt frametype), optional night and '
                                 'spectrograph (or instrument); or one dataset folder built '
                                 'by pypeit_spit_dataset.')
        parser.add_argument('--outdir', default=None,
                            help='Output folder (model, train.log, curves, checkpoint, cache).')
        parser.add_argument('--arch', default=d.architecture,
                            choices=['compact', 'longslit', 'spit2018'],
                            help='Network architecture (longslit: the fast one for training '
                                 'on CPUs).')
        parser.add_argument('--precision', default=None,
                            choices=['float32', 'mixed_bfloat16'],
                            help='Arithmetic of training (default: mixed_bfloat16 for longslit, '
                                 'float32 otherwise); saved models are float32.')
        parser.add_argument('--threads', type=int, default=None,
                            help="TensorFlow's threads within an operation (default: one per "
                                 'CPU).')
        parser.add_argument('--no-stats', action='store_true',
                            help='Image-only network (no raw-pixel statistics).')
        parser.add_argument('--epochs', type=int, default=None,
                            help=f'Number of epochs (default {d.epochs}; with --resume: the '
                                 "run's, or more to train on).")
        parser.add_argument('--batch-size', type=int, default=d.batch_size, help='Images per batch.')
        parser.add_argument('--learning-rate', type=float, default=d.learning_rate,
                            help="Adam's learning rate.")
        parser.add_argument('--seed', type=int, default=d.seed,
                            help='Random seed (split, sampling, weights, shuffling).')
        parser.add_argument('--fractions', type=float, nargs=3, default=list(d.fractions),
                            metavar=('TRAIN', 'VAL', 'TEST'),
                            help='Fractions of the nights for training, validation, test.')
        add_label_arguments(parser)
        parser.add_argument('--group-by', default=None,
                            help='Column defining the nights when there is no night column '
                                 '(date-times are binned into nights). Default: each file '
                                 'is its own group.')
        parser.add_argument('--generic-fraction', type=float, default=0.0,
                            help='Also read this share (0-1) of the frames with the generic '
                                 'loader (first 2-D HDU), as extra samples of the same night.')
        parser.add_argument('--generic-seed', type=int, default=0,
                            help='Seed of the --generic-fraction choice.')
        parser.add_argument('--augment', default=False, action='store_true',
                            help='Layout augmentation of the training images: random crops '
                                 'and partly lit slits (see pypeit_spit.training.augment).')
        parser.add_argument('--augment-structure', type=float, default=d.augment_structure,
                            metavar='P',
                            help='With --augment: probability per image of a random smooth '
                                 'detector structure (amplifier step, ramp, waves, low edge '
                                 'columns) of a few pixel-noise units, on frames of every '
                                 'class alike (pypeit_spit.training.augment.'
                                 'detector_structure).')
        parser.add_argument('--max-per-class', type=int, default=None,
                            help='Use at most this many frames of each class (seeded choice).')
        parser.add_argument('--cache', default=None,
                            help='Dataset cache (.npz); default OUTDIR/dataset.npz. Frames '
                                 'already in it are not read again.')
        parser.add_argument('--workers', type=int, default=2,
                            help='Processes that pre-process the frames.')
        parser.add_argument('--target-error', type=float, default=d.target_error,
                            help='Error rate among accepted validation frames that sets the '
                                 'Unknown threshold.')
        parser.add_argument('--patience', type=int, default=d.patience,
                            help='Stop after this many epochs without improvement (with '
                                 "--resume: the run's unless given).")
        parser.add_argument('--lr-patience', type=int, default=d.lr_patience,
                            help='Halve the learning rate after every this many epochs '
                                 'without improvement (default: constant).')
        parser.add_argument('--exclude', nargs='+', default=None, metavar='SPECTROGRAPH',
                            help='With a dataset folder: leave these simulated spectrographs '
                                 'out of training and validation (to measure the '
                                 'out-of-distribution guard on them).')
        parser.add_argument('--init', default=None, metavar='MODEL.keras',
                            help='Start from the weights of this .keras model of the same '
                                 'architecture (fine-tuning) instead of random weights.')
        parser.add_argument('--name', default=None,
                            help='Model file name without .keras (default spit_ARCH).')
        parser.add_argument('--resume', default=None, metavar='RUN_DIR',
                            help='Continue the run in RUN_DIR exactly from its last epoch '
                                 'checkpoint, with the labels and options it was started with '
                                 '(give no labels; --epochs and --patience may be changed).')
        parser.add_argument('--overwrite', action='store_true',
                            help='Start afresh even if OUTDIR holds a checkpoint.')
        parser.add_argument('--progress', default='bar', choices=['bar', 'epoch', 'none'],
                            help='A progress bar (on a terminal only), one line per epoch, or '
                                 'the log only; OUTDIR/train.log gets the progress in any case.')
        parser.add_argument('--no-deterministic', action='store_true',
                            help='Do not ask TensorFlow for deterministic kernels.')
        return parser

    @classmethod
    def run_arguments(cls, args):
        """
        The arguments of this run. With ``--resume RUN_DIR``: those the run was started
        with (read from :data:`RUN_ARGUMENTS` in it), but this call's ``--epochs``,
        ``--patience`` (when given) and ``--progress``. Else ``args``, checked and
        written into the run folder (paths made absolute) for a later ``--resume``.

        Parameters
        ----------
        args : `argparse.Namespace`

        Returns
        -------
        `argparse.Namespace`

        Raises
        ------
        `~pypeit_spit.errors.UsageError`
            Labels or another ``--outdir`` with ``--resume``, a folder that is no run;
            no labels or no ``--outdir`` without; a checkpoint in ``--outdir`` without
            ``--resume`` or ``--overwrite``.
        """
        import argparse
        import json
        from pathlib import Path

        from pypeit_spit.errors import UsageError
        if args.resume:
            run = Path(args.resume)
            if args.labels:
                raise UsageError('--resume takes the labels of the run it continues: give no '
                                 'labels table')
            if args.outdir and Path(args.outdir).resolve() != run.resolve():
                raise UsageError(f'--resume {run} writes into {run}: give no other --outdir')
            if not (run / RUN_ARGUMENTS).is_file():
                raise UsageError(f'{run}: not a pypeit_spit_train run folder (no '
                                 f'{RUN_ARGUMENTS})')
            # a setting added after the run started: the value (default) asked for now
            old = argparse.Namespace(**{**vars(args),
                                        **json.loads((run / RUN_ARGUMENTS).read_text())})
            old.outdir, old.resume, old.overwrite = str(run), str(run), False
            old.progress = args.progress
            if args.epochs is not None:
                old.epochs = args.epochs
            if args.patience is not None:
                old.patience = args.patience
            return old
        if not args.labels or not args.outdir:
            raise UsageError('give the labels table(s) and --outdir (or --resume RUN_DIR)')
        if not 0.0 <= args.augment_structure <= 1.0:
            raise UsageError(f'--augment-structure {args.augment_structure}: a probability '
                             '(0 to 1)')
        if args.augment_structure > 0 and not args.augment:
            raise UsageError('--augment-structure is part of --augment: give both')
        outdir = Path(args.outdir)
        if not args.overwrite and (outdir / 'checkpoint' / 'checkpoint.npz').exists():
            raise UsageError(f'{outdir}: holds a training checkpoint; --resume {outdir} to '
                             'continue it, --overwrite to start again, or another --outdir')
        outdir.mkdir(parents=True, exist_ok=True)
        saved = dict(vars(args))
        saved.pop('func', None)
        saved['labels'] = [str(Path(p).resolve()) for p in args.labels]
        for key in ('cache', 'init'):
            if saved.get(key):
                saved[key] = str(Path(saved[key]).resolve())
        (outdir / RUN_ARGUMENTS).write_text(json.dumps(saved, indent=1, sort_keys=True))
        return args

    @classmethod
    def main(cls, args):
        """Run."""
        from pathlib import Path

        import numpy as np
        from astropy.table import vstack
        from pypeit import log

        from pypeit_spit.errors import UsageError
        from pypeit_spit.training.dataset import (add_generic_copies, build_dataset,
                                                  limit_per_class, read_labels)
        from pypeit_spit.training.train import TrainConfig, command_line, train

        args = cls.run_arguments(args)
        outdir = Path(args.outdir)
        if getattr(args, 'exclude', None) and not (len(args.labels) == 1
                                                   and Path(args.labels[0]).is_dir()):
            raise UsageError('--exclude needs one dataset folder (pypeit_spit_dataset)')
        if len(args.labels) == 1 and Path(args.labels[0]).is_dir():
            # a dataset folder built by pypeit_spit_dataset: its shards, memory-mapped
            from pypeit_spit.training.factory import open_dataset
            frames = open_dataset(args.labels[0])
            if getattr(args, 'exclude', None):
                unknown = set(args.exclude) - set(np.asarray(frames.instruments, dtype=str))
                if unknown:
                    raise UsageError(f'--exclude: {", ".join(sorted(unknown))} not in the '
                                     f'dataset {args.labels[0]}')
                frames = frames.subset(~np.isin(np.asarray(frames.instruments, dtype=str),
                                                args.exclude))
            log.info(f'{len(frames)} samples from the dataset {args.labels[0]}')
        else:
            tables = [read_labels(p, spectrograph=args.spectrograph,
                                  spectrograph_column=args.spectrograph_column,
                                  group_by=args.group_by, loader=args.loader)
                      for p in args.labels]
            table = vstack(tables) if len(tables) > 1 else tables[0]
            table = add_generic_copies(table, args.generic_fraction, seed=args.generic_seed)
            table = limit_per_class(table, args.max_per_class, seed=args.seed)
            log.info(f'{len(table)} labelled frames from {len(args.labels)} table(s)')
            cache = Path(args.cache) if args.cache else outdir / 'dataset.npz'
            frames = build_dataset(table, cache=cache, workers=args.workers)
        if frames.failures:
            outdir.mkdir(parents=True, exist_ok=True)
            with open(outdir / 'failures.txt', 'w') as f:
                for path, reason in frames.failures:
                    f.write(f'{path}: {reason}\n')
        config = TrainConfig(architecture=args.arch,
                             use_stats=False if args.no_stats else None,
                             epochs=TrainConfig().epochs if args.epochs is None
                             else args.epochs, batch_size=args.batch_size,
                             learning_rate=args.learning_rate, seed=args.seed,
                             fractions=tuple(args.fractions), target_error=args.target_error,
                             patience=args.patience, lr_patience=args.lr_patience,
                             deterministic=not args.no_deterministic,
                             augment=args.augment, augment_structure=args.augment_structure,
                             name=args.name, init=args.init,
                             precision=args.precision, threads=args.threads)
        result = train(frames, outdir, config, resume=bool(args.resume),
                       overwrite=args.overwrite,
                       command=command_line(), sources=[str(Path(p).resolve())
                                                        for p in args.labels],
                       progress=args.progress)
        log.info(f'Done: {result["model"]}')
        return EXIT_OK
