"""
``pypeit_spit_check``: before ``run_pypeit``, list every row of a ``.pypeit`` file
that needs settling (a ``conflict`` between SPIT and the header rules, a frame SPIT
cannot read or whose pixels are no calibration), and fail until each is settled in
the ``spit`` column.
"""
from pypeit_spit.scripts.base import EXIT_OK, EXIT_PARTIAL, SpitScript


class SpitCheck(SpitScript):
    """Check a ``.pypeit`` file's frame types (exit 1 while a row needs settling)."""

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_check'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser."""
        from pypeit_spit.scripts.spit_setup import add_spit_arguments
        parser = super().get_parser(
            description="Type the rows of a PypeIt reduction file again (SPIT, PypeIt's "
                        "header rules and header facts, honouring the 'spit' column) and "
                        'list every row to settle before run_pypeit: a conflict, a frame '
                        'SPIT cannot read, an untyped or flagged frame.  Exit status 1 '
                        "while such a row is active, 0 once each is settled in its 'spit' "
                        'column (keep, rules, or frame types), as a linter would.',
            width=width)
        parser.add_argument('pypeit_file', type=str, help='PypeIt reduction file (.pypeit)')
        parser.add_argument('--all', dest='show_all', default=False, action='store_true',
                            help='List every row, not only those to settle')
        parser = add_spit_arguments(parser)
        parser.set_defaults(spit=True)
        return parser

    @classmethod
    def main(cls, args):
        """Run the check; exit status 1 while some row needs settling."""
        from pypeit_spit.integration.pypeit_file import check_file
        from pypeit_spit.scripts.spit_setup import spit_options
        from pypeit_spit.vocab import count_outcomes
        table = check_file(args.pypeit_file, **spit_options(args))
        cols = ['filename', 'frametype', 'spit_type', 'spit_prob', 'rules_type', 'spit',
                'spit_src', 'note']
        shown = table if args.show_all else table[table['settle']]
        if len(shown):
            shown[cols].pprint_all()
        n_settle = int(table['settle'].sum())
        line = f'{args.pypeit_file}: {len(table)} rows: {count_outcomes(table["spit_src"])}'
        lost = int((~table['found']).sum())
        if lost:
            line += f' ({lost} not checked: raw file not found)'
        if n_settle:
            kinds = count_outcomes(table['spit_src'][table['settle']])
            line += (f'; {n_settle} to settle ({kinds}): look at each, then set its spit '
                     'column (keep, rules, or frame types such as arc,tilt) and run '
                     'pypeit_spit_retype')
        else:
            line += '; nothing to settle'
        print(line)
        return EXIT_PARTIAL if n_settle else EXIT_OK
