"""
``pypeit_spit_classify``: type raw spectral frames from their pixels.
"""
from pypeit_spit.scripts.base import EXIT_OK, EXIT_PARTIAL, SpitScript


class SpitClassify(SpitScript):
    """Type raw frames with the network and print (and optionally write) the table."""

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_classify'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser."""
        from pypeit_spit.model.inference import DEFAULT_BATCH_SIZE
        parser = super().get_parser(description='Type raw spectral frames (bias, science, '
                                                'standard, arc, flat) from their pixels with '
                                                'the SPIT network.', width=width)
        parser.add_argument('files', nargs='+', type=str,
                            help='FITS files and/or folders holding them')
        parser.add_argument('-s', '--spectrograph', default=None, type=str,
                            help='PypeIt spectrograph name: read the pixels as PypeIt does '
                                 '(data sections, orientation, overscan). Without it, the '
                                 'first 2-D image HDU is read.')
        parser.add_argument('--model', default=None, type=str,
                            help='Bundled model name or path to a model file (default: the '
                                 'bundled model)')
        parser.add_argument('--threshold', default=None, type=float,
                            help='Unknown cut replacing the model\'s calibrated one: least '
                                 'mean probability of the winning class (0 takes every 3-of-4 '
                                 'vote winner)')
        parser.add_argument('-o', '--output', default=None, type=str,
                            help='Write the table to this ECSV file')
        parser.add_argument('--batch-size', default=DEFAULT_BATCH_SIZE, type=int,
                            help='Frames per network call')
        parser.add_argument('--no-progress', default=False, action='store_true',
                            help='Do not show a progress bar')
        return parser

    @classmethod
    def main(cls, args):
        """Run the command; exit status 1 when some file could not be typed."""
        from pathlib import Path

        import numpy as np
        from pypeit import log

        from pypeit_spit.classify import classify_files, format_table

        table = classify_files(args.files, spectrograph=args.spectrograph, model=args.model,
                               batch_size=args.batch_size, threshold=args.threshold,
                               progress=not args.no_progress)
        print('\n'.join(format_table(table)))
        if args.output:
            out = Path(args.output)
            out.parent.mkdir(parents=True, exist_ok=True)
            table.write(out, format='ascii.ecsv', overwrite=True)
            log.info(f'Wrote {out}')
        n_bad = int(np.sum(table['error'] != ''))
        if n_bad:
            log.warning(f'{n_bad} of {len(table)} files could not be classified (see the error '
                        'column)')
            return EXIT_PARTIAL
        return EXIT_OK
