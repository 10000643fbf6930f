"""
``pypeit_spit_check``: list the rows of a ``.pypeit`` file where SPIT and the
file's ``frametype`` disagree, before running ``run_pypeit``.
"""
from pypeit_spit.scripts.base import EXIT_OK, EXIT_PARTIAL, SpitScript


class SpitCheck(SpitScript):
    """Compare a ``.pypeit`` file's frame types with SPIT (exit 1 on disagreement)."""

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_check'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser."""
        from pypeit_spit.scripts.spit_setup import add_spit_arguments
        parser = super().get_parser(
            description="List every row of a PypeIt reduction file whose frametype "
                        "disagrees with SPIT's (pixel-based) type.  Exit status 1 when a "
                        'row disagrees or its raw file is not found, as a linter would.',
            width=width)
        parser.add_argument('pypeit_file', type=str, help='PypeIt reduction file (.pypeit)')
        parser.add_argument('--all', dest='show_all', default=False, action='store_true',
                            help='List every row, not only the disagreements')
        parser = add_spit_arguments(parser)
        parser.set_defaults(spit=True)
        return parser

    @classmethod
    def main(cls, args):
        """Run the check; exit status 1 when some row disagrees or cannot be checked."""
        from pypeit import log

        from pypeit_spit.integration.pypeit_file import check_file
        from pypeit_spit.scripts.spit_setup import spit_options
        table = check_file(args.pypeit_file, **spit_options(args))
        cols = ['filename', 'frametype', 'spit_type', 'spit_prob', 'rules_type', 'spit',
                'status', 'note']
        shown = table if args.show_all else table[table['status'] == 'disagree']
        n_dis = int((table['status'] == 'disagree').sum())
        n_und = int((table['status'] == 'undecided').sum())
        n_mis = int((table['status'] == 'missing').sum())
        if len(shown):
            shown[cols].pprint_all()
        print(f'{args.pypeit_file}: {n_dis} row(s) where SPIT and the file disagree, '
              f'{n_und} undecided by SPIT, {n_mis} not checked (raw file not found), '
              f'{len(table)} in all')
        if n_mis:
            missing = table['filename'][table['status'] == 'missing']
            log.warning(f'{args.pypeit_file}: raw file not found for {n_mis} row(s): '
                        f'{", ".join(missing)}')
        return EXIT_PARTIAL if n_dis or n_mis else EXIT_OK
