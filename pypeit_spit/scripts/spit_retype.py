"""
``pypeit_spit_retype``: re-type the rows of a ``.pypeit`` file honouring its
``spit`` column (``auto``, ``rules``, ``keep`` or a forced type list).
"""
from pypeit_spit.scripts.base import EXIT_OK, EXIT_PARTIAL, SpitScript


class SpitRetype(SpitScript):
    """
    Re-type a ``.pypeit`` file with SPIT and the header rules.

    Exit status 1 when some active row's raw file is not found (those rows are left
    as they are); 2 when the file cannot be re-typed (nothing is written).
    """

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_retype'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser."""
        from pypeit_spit.scripts.spit_setup import add_spit_arguments
        parser = super().get_parser(
            description="Re-type the rows of a PypeIt reduction file with SPIT and PypeIt's "
                        "header rules, honouring the data block's 'spit' column (auto, "
                        'rules, keep, or a forced list of frame types).  Comments and '
                        'parameters are kept.', width=width)
        parser.add_argument('pypeit_file', type=str, help='PypeIt reduction file (.pypeit)')
        parser.add_argument('--output', type=str, default=None,
                            help='Write the result here instead of rewriting the input file')
        parser.add_argument('--dry-run', dest='dry_run', default=False, action='store_true',
                            help='Report the changes; write nothing')
        return add_spit_arguments(parser)

    @classmethod
    def main(cls, args):
        """Run the command."""
        from pypeit_spit.integration.pypeit_file import retype_file
        from pypeit_spit.scripts.spit_setup import spit_options
        report = retype_file(args.pypeit_file, output=args.output, dry_run=args.dry_run,
                             **spit_options(args))
        changed = report.table[report.table['changed']]
        if len(changed) == 0:
            print(f'{args.pypeit_file}: no frame type changed')
        else:
            print(f'{args.pypeit_file}: {len(changed)} row(s) '
                  f'{"would change" if args.dry_run else "changed"}:')
            changed['filename', 'old', 'new', 'source', 'reason'].pprint_all()
        for w in report.warnings:
            print(f'WARNING: {w}')
        if report.missing:
            print(f'{args.pypeit_file}: {len(report.missing)} row(s) left as they are, raw '
                  f'file not found: {", ".join(report.missing)}')
        if not args.dry_run and report.output is None:
            print(f'{args.pypeit_file}: not written (no raw file found)')
        return EXIT_PARTIAL if report.missing else EXIT_OK
