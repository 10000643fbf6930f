"""
``pypeit_spit_classify``: type raw spectral frames from their pixels.
"""
import argparse

from pypeit_spit.scripts.base import EXIT_OK, EXIT_PARTIAL, SpitScript
from pypeit_spit.scripts.common import add_deprecated, add_model_arguments, positive_int


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown, description and epilog kept as written."""


def _epilog():
    from pypeit_spit.model.store import DEFAULT_MODEL, bundled_models
    from pypeit_spit.vocab import CLASSES, UNKNOWN
    models = ', '.join(f'{m} (default)' if m == DEFAULT_MODEL else m
                       for m in bundled_models())
    return f"""\
The table, one row per file:
  class   {', '.join(CLASSES)}, or {UNKNOWN} when the network is unsure.
  votes   how many of the four copies of the frame (the image and its three
          flips) the winning class won; it wins with at least 3 of 4.
  prob    the mean calibrated probability of that class over the four copies
          (the largest class probability when {UNKNOWN}); below the model's cut
          the frame is {UNKNOWN}.
  header rules (with -s)  PypeIt's header-rule types of the frame ('-': none,
          '?': header unreadable); '!' marks rows where SPIT and the header
          rules name different classes.
  error   why a file could not be typed (the rest are still typed).
The ECSV (-f) also has prob_<class> for every class, voted, loader and flag.

Bundled models: {models}.
Exit status: 0 every file typed, 1 some file could not be typed, 2 usage or
configuration error.
"""


class SpitClassify(SpitScript):
    """Type raw frames with the network and print (and optionally write) the table."""

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_classify'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser."""
        from pypeit_spit.pipeline.classify import READ_BATCH
        parser = super().get_parser(description='Type raw spectral frames (bias, science, '
                                                'standard, arc, flat) from their pixels with '
                                                'the SPIT network.', width=width,
                                    formatter=_Formatter)
        parser.epilog = _epilog()
        parser.add_argument('files', nargs='+', type=str,
                            help='FITS files and/or folders holding them')
        parser.add_argument('-s', '--spectrograph', default=None, type=str,
                            help='PypeIt spectrograph name: read the pixels as PypeIt does '
                                 '(data sections, orientation, overscan). Without it, the '
                                 'first 2-D image HDU is read.')
        add_model_arguments(parser,
                            model_help='Bundled model name or path to a model file (default: '
                                       'with -s, the model configured for that spectrograph '
                                       "(pypeit_spit_setup's, with its threshold); without, "
                                       'the bundled default)')
        parser.add_argument('-f', '--file', dest='output', default=None, type=str,
                            help='Write the table to this ECSV file')
        add_deprecated(parser, '-o', '--output', dest='output', use='-f/--file')
        parser.add_argument('--batch-size', default=READ_BATCH, type=positive_int,
                            help='Frames read and pre-processed together')
        from pypeit_spit.io.loaded import DEFAULT_MAX_PIXELS
        parser.add_argument('--max-pixels', default=DEFAULT_MAX_PIXELS, type=positive_int,
                            help='Size limit in pixels: a larger frame is read binned (and '
                                 "never by PypeIt's reader, which reads whole images)")
        parser.add_argument('-j', '--workers', default=2, type=positive_int,
                            help='Processes reading and pre-processing frames (threads where '
                                 'processes cannot be forked: macOS, Windows)')
        parser.add_argument('--no-progress', default=False, action='store_true',
                            help='Do not show a progress bar (shown only on a terminal)')
        return parser

    @classmethod
    def check_args(cls, args):
        """A mistyped folder is a usage error (exit 2), not an unreadable frame."""
        from pypeit_spit.io.paths import check_inputs
        check_inputs(args.files)

    @classmethod
    def main(cls, args):
        """Run the command; exit status 1 when some file could not be typed."""
        from pypeit import log

        from pypeit_spit.atomic import check_output, write_table
        from pypeit_spit.io.loaded import size_limit
        from pypeit_spit.io.paths import display_names, input_bases
        from pypeit_spit.pipeline.classify import classify_files
        from pypeit_spit.pipeline.reader import keep_freed_memory
        from pypeit_spit.pipeline.verdict import to_table
        from pypeit_spit.report.table import format_table
        from pypeit_spit.scripts.common import cap_workers

        keep_freed_memory()   # this process only types frames

        # Refuse an output that cannot be written, and a bad size limit, before the run.
        out = check_output(args.output, what='output table') if args.output else None
        size_limit(args.max_pixels)
        workers = cap_workers(args.workers)
        # PypeIt's header metadata of each frame, read beside its pixels (for the rules)
        extract = None
        model, threshold = args.spit_model, args.spit_threshold
        if args.spectrograph is not None:
            from pypeit_spit.integration.config import instrument_config
            from pypeit_spit.integration.rules import header_metadata as extract
            # the spectrograph's model and cut, as pypeit_spit_setup resolves them
            cfg = instrument_config(args.spectrograph, user_file=args.spit_config,
                                    enabled=True, threshold=threshold, model=model)
            model, threshold = cfg.model, cfg.threshold
        try:
            verdicts = classify_files(args.files, spectrograph=args.spectrograph,
                                      model=model, batch_size=args.batch_size,
                                      threshold=threshold,
                                      progress=not args.no_progress,
                                      max_pixels=args.max_pixels, workers=workers,
                                      processes=True, extract=extract)
        except KeyboardInterrupt:
            if out is not None:
                log.error(f'{out} not written' + (' (the older file there is left as it was)'
                                                  if out.is_file() else ''))
            raise
        rules = None
        if args.spectrograph is not None:
            from pypeit_spit.integration.rules import rule_types_of_verdicts
            rules = rule_types_of_verdicts(args.spectrograph, verdicts)
        names = display_names([v.path for v in verdicts], input_bases(args.files))
        print('\n'.join(format_table(verdicts, names=names, rules=rules)))
        if out is not None:
            table = to_table(verdicts, model=model, threshold=threshold)
            if rules is not None:
                table['rules_type'] = ['' if r is None else r for r in rules]
            write_table(table, out)
            log.info(f'Wrote {out}')
        n_bad = sum(1 for v in verdicts if v.error)
        if n_bad:
            log.warning(f'{n_bad} of {len(verdicts)} files could not be classified (see the '
                        'error column)')
            return EXIT_PARTIAL
        return EXIT_OK
