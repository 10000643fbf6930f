"""
``pypeit_spit_check``: list the rows of a ``.pypeit`` file where SPIT and the
file's ``frametype`` disagree, before running ``run_pypeit``.
"""
from pypeit.scripts import scriptbase


class SpitCheck(scriptbase.ScriptBase):
    """Compare a ``.pypeit`` file's frame types with SPIT."""

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_check'

    @classmethod
    def get_parser(cls, width=None):
        from pypeit_spit.scripts.spit_setup import add_spit_arguments
        parser = super().get_parser(
            description="List every row of a PypeIt reduction file whose frametype "
                        "disagrees with SPIT's (pixel-based) type.", width=width)
        parser.add_argument('pypeit_file', type=str, help='PypeIt reduction file (.pypeit)')
        parser.add_argument('--all', dest='show_all', default=False, action='store_true',
                            help='List every row, not only the disagreements')
        parser = add_spit_arguments(parser)
        parser.set_defaults(spit=True)
        return parser

    @classmethod
    def main(cls, args):
        from pypeit_spit.pypeit_file import check_file
        from pypeit_spit.scripts.spit_setup import spit_options
        cls.init_log(args)
        opts = spit_options(args)
        table = check_file(args.pypeit_file, **opts)
        cols = ['filename', 'frametype', 'spit_type', 'spit_prob', 'rules_type', 'spit',
                'status', 'note']
        shown = table if args.show_all else table[table['status'] == 'disagree']
        n_dis = int((table['status'] == 'disagree').sum())
        n_und = int((table['status'] == 'undecided').sum())
        if len(shown):
            shown[cols].pprint_all()
        print(f'{args.pypeit_file}: {n_dis} row(s) where SPIT and the file disagree, '
              f'{n_und} undecided by SPIT, {len(table)} in all')
        return table
