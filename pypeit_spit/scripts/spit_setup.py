"""
``pypeit_spit_setup``: PypeIt's ``pypeit_setup`` with frames typed by SPIT.

Takes exactly ``pypeit_setup``'s arguments plus ``--spit/--no-spit``,
``--spit-threshold``, ``--spit-model`` and ``--spit-config``, and runs PypeIt's
own setup inside :func:`pypeit_spit.pypeit_types.enabled`: configurations,
calibration groups and the written ``.pypeit``, ``.sorted`` and ``.calib`` files
are PypeIt's, typed by SPIT.
"""
import argparse

from pypeit.scripts.setup import Setup


def add_spit_arguments(parser, setup=True):
    """
    Add the SPIT options to a parser.

    Parameters
    ----------
    parser : `argparse.ArgumentParser`
    setup : bool, optional
        Unused; kept for symmetry with the other SPIT scripts.
    """
    group = parser.add_argument_group('SPIT (pixel-based frame typing)')
    group.add_argument('--spit', dest='spit', default=None,
                       action=argparse.BooleanOptionalAction,
                       help='Use SPIT (--spit) or the header rules only (--no-spit) for '
                            'every spectrograph.  Default: as configured (enabled for '
                            'shane_kast_blue, shane_kast_red, shane_kast_red_ret).')
    group.add_argument('--spit-threshold', dest='spit_threshold', type=float, default=None,
                       help="Least probability of SPIT's answer for it to replace the header "
                            'rules (0-1).  Default: the configured threshold.')
    group.add_argument('--spit-model', dest='spit_model', default=None,
                       help='Bundled model name or path to a .keras model.  Default: the '
                            'configured model.')
    group.add_argument('--spit-config', dest='spit_config', default=None,
                       help='pypeit-spit configuration file (configobj); default: '
                            '~/.config/pypeit_spit/spit.cfg when it exists.')
    return parser


def spit_options(args):
    """
    Keyword arguments of :func:`pypeit_spit.pypeit_types.enabled` from parsed arguments.

    Parameters
    ----------
    args : `argparse.Namespace`

    Returns
    -------
    dict
    """
    return {'user_file': getattr(args, 'spit_config', None),
            'enable': getattr(args, 'spit', None),
            'threshold': getattr(args, 'spit_threshold', None),
            'model': getattr(args, 'spit_model', None)}


class SpitSetup(Setup):
    """``pypeit_setup`` with SPIT typing the frames."""

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_setup'

    @classmethod
    def get_parser(cls, width=None):
        parser = super().get_parser(width=width)
        parser.description = ('Parse data files to construct a pypeit file in preparation '
                              "for reduction using 'run_pypeit', with frames typed by SPIT "
                              "(pixels) and PypeIt's header rules.")
        return add_spit_arguments(parser)

    @classmethod
    def main(cls, args):
        from pypeit_spit.config import instrument_config
        from pypeit_spit.pypeit_types import enabled
        opts = spit_options(args)
        if args.spectrograph is not None:
            # Fail early, naming the file, on an invalid configuration.
            instrument_config(args.spectrograph, user_file=opts['user_file'],
                              enabled=opts['enable'], threshold=opts['threshold'],
                              model=opts['model'])
        with enabled(**opts):
            return super().main(args)
