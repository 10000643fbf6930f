"""
``pypeit_spit_classify``: type raw spectral frames from their pixels.
"""
import argparse

from pypeit_spit.scripts.base import EXIT_OK, EXIT_PARTIAL, SpitScript


def positive_int(text):
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a whole number') from None
    if value < 1:
        raise argparse.ArgumentTypeError(f'{value} is not at least 1')
    return value


def probability(text):
    """argparse type: a number in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a number') from None
    if not 0.0 <= value <= 1.0:  # also refuses nan
        raise argparse.ArgumentTypeError(f'{text} is not in [0, 1]')
    return value


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
        parser.add_argument('--threshold', default=None, type=probability,
                            help='Unknown cut replacing the model\'s calibrated one: least '
                                 'mean probability of the winning class (0 takes every 3-of-4 '
                                 'vote winner)')
        parser.add_argument('-o', '--output', default=None, type=str,
                            help='Write the table to this ECSV file')
        parser.add_argument('--batch-size', default=DEFAULT_BATCH_SIZE, type=positive_int,
                            help='Frames per network call')
        parser.add_argument('--max-pixels', default=None, type=positive_int,
                            help='Size limit in pixels: a larger frame is read binned (and '
                                 "never by PypeIt's reader, which reads whole images). "
                                 'Default: $PYPEIT_SPIT_MAX_PIXELS, else 32000000.')
        parser.add_argument('--no-progress', default=False, action='store_true',
                            help='Do not show a progress bar')
        return parser

    @classmethod
    def main(cls, args):
        """Run the command; exit status 1 when some file could not be typed."""
        import numpy as np
        from pypeit import log

        from pypeit_spit.atomic import check_output, write_table
        from pypeit_spit.classify import classify_files, format_table
        from pypeit_spit.preprocess.load import size_limit

        # Refuse an output that cannot be written, and a bad size limit, before the run.
        out = check_output(args.output, what='output table') if args.output else None
        size_limit(args.max_pixels)
        try:
            table = classify_files(args.files, spectrograph=args.spectrograph,
                                   model=args.model, batch_size=args.batch_size,
                                   threshold=args.threshold, progress=not args.no_progress,
                                   max_pixels=args.max_pixels)
        except KeyboardInterrupt:
            if out is not None:
                log.error(f'{out} not written' + (' (the older file there is left as it was)'
                                                  if out.is_file() else ''))
            raise
        print('\n'.join(format_table(table)))
        if out is not None:
            write_table(table, out)
            log.info(f'Wrote {out}')
        n_bad = int(np.sum(table['error'] != ''))
        if n_bad:
            log.warning(f'{n_bad} of {len(table)} files could not be classified (see the error '
                        'column)')
            return EXIT_PARTIAL
        return EXIT_OK
