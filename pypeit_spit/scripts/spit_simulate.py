"""
``pypeit_spit_simulate``: write simulated observing nights of any supported long-slit
spectrograph (Lick/Kast in most detail), or compare simulated frames with real ones.
"""
from pypeit_spit.scripts.base import EXIT_OK, SpitScript
from pypeit_spit.scripts.common import add_geometry_argument, parse_geometry


class SpitSimulate(SpitScript):
    """Simulate raw nights (FITS + manifest), or build the realism gallery."""

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_simulate'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser."""
        from pypeit_spit.simulate.params import CAMERAS, SPECTROGRAPHS
        parser = super().get_parser(
            description='Simulate whole observing nights of raw long-slit frames in the '
                        'real formats PypeIt reads (Lick/Kast in most detail), with a '
                        'manifest (true class, night, spectrograph, header fault, drawn '
                        'parameters), or compare simulated frames with real ones '
                        '(--compare).', width=width)
        parser.add_argument('-s', '--spectrograph', choices=SPECTROGRAPHS, nargs='+',
                            default=list(CAMERAS), metavar='SPECTROGRAPH',
                            help='Spectrograph(s) to simulate: ' + ', '.join(SPECTROGRAPHS)
                                 + ' (generic: a randomized long-slit instrument PypeIt does '
                                 'not know). Default: the three Kast cameras.')
        parser.add_argument('--nights', type=int, default=1, help='Nights per camera')
        parser.add_argument('--outdir', type=str, required=True,
                            help='Output folder (nights in <camera>_nightNNN/, '
                                 'manifest.ecsv at the top)')
        parser.add_argument('--seed', type=int, default=0, help='Random seed')
        parser.add_argument('--faults', type=float, default=0.0,
                            help='Probability per frame of a real-night header fault (wrong '
                                 'lamp cards, lamps left on, dark typed as bias, short '
                                 'science, long standard, long arc, twilight flat); 0 = off')
        parser.add_argument('--scale', type=float, default=1.0,
                            help='Scale the number of frames per night')
        parser.add_argument('--first_night', type=int, default=0,
                            help='Index of the first night (to extend a run)')
        parser.add_argument('--workers', type=int, default=1, help='Processes')
        add_geometry_argument(parser)
        parser.add_argument('--compare', type=str, default=None,
                            help='Folder of real frames with labels.csv: write the realism '
                                 'gallery (PNG) and statistics table into --outdir')
        parser.add_argument('--nsim', type=int, default=6,
                            help='Simulated frames per class for --compare')
        return parser

    @classmethod
    def main(cls, args):
        """Run the command."""
        from pypeit import log
        if args.compare is not None:
            from pypeit_spit.simulate.compare import compare_real
            out = compare_real(args.compare, args.outdir, seed=args.seed, nsim=args.nsim)
            for k, v in out.items():
                log.info(f'{k}: {v}')
            return EXIT_OK
        from pypeit_spit.simulate.night import simulate_nights
        geometry = parse_geometry(args.geometry)
        tab = simulate_nights(args.spectrograph, args.nights, args.outdir, args.seed,
                              faults=args.faults, scale=args.scale,
                              first_night=args.first_night, workers=args.workers,
                              geometry=geometry)
        log.info(f'{len(tab)} frames listed in the manifest')
        return EXIT_OK
