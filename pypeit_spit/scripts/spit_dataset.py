"""
``pypeit_spit_dataset``: build, continue or extend a sharded training set of simulated
nights (:mod:`pypeit_spit.training.factory`), or summarise one.
"""
from pypeit_spit.scripts.base import EXIT_OK, EXIT_PARTIAL, SpitScript
from pypeit_spit.scripts.common import add_geometry_argument, parse_geometry

#: Names of groups of simulated spectrographs accepted by ``-s``.
GROUPS = ('all', 'all-longslit', 'kast', 'longslit')

#: Keys of ``--override``.
OVERRIDE_KEYS = ('scale', 'nights', 'binning')


def expand_spectrographs(names):
    """
    Spectrograph names with the groups of :data:`GROUPS` expanded (order kept, no
    repeats).

    ``all`` and ``all-longslit``: the 19 simulated spectrographs (Kast's three cameras,
    the 15 long-slit PypeIt spectrographs, ``generic``); ``kast``: the Kast cameras;
    ``longslit``: the 15 long-slit PypeIt spectrographs beyond Kast.

    Parameters
    ----------
    names : list of str

    Returns
    -------
    list of str
    """
    from pypeit_spit.simulate.params import CAMERAS, LONGSLIT, SPECTROGRAPHS
    groups = {'all': SPECTROGRAPHS, 'all-longslit': SPECTROGRAPHS, 'kast': CAMERAS,
              'longslit': LONGSLIT}
    out = []
    for name in names:
        out.extend(groups.get(name, (name,)))
    return list(dict.fromkeys(out))


def parse_overrides(items):
    """
    ``SPEC:KEY=VALUE[,KEY=VALUE...]`` strings as ``{spec: {key: value}}``.

    Keys: ``scale`` (float), ``nights`` (int), ``binning`` (``SPECxSPAT``, e.g. ``2x2``:
    the read-out binning of a long-slit spectrograph's frames).

    Parameters
    ----------
    items : list of str

    Returns
    -------
    dict

    Raises
    ------
    UsageError
    """
    from pypeit_spit.errors import UsageError
    out = {}
    for item in items or []:
        spec, sep, rest = item.partition(':')
        if not sep or not rest:
            raise UsageError(f'--override {item!r}: expected SPEC:KEY=VALUE[,KEY=VALUE]')
        for spec_name in expand_spectrographs([spec]):
            d = out.setdefault(spec_name, {})
            for pair in rest.split(','):
                key, eq, value = pair.partition('=')
                if not eq or key not in OVERRIDE_KEYS:
                    raise UsageError(f'--override {item!r}: {pair!r} is not KEY=VALUE with '
                                     f'KEY one of {", ".join(OVERRIDE_KEYS)}')
                try:
                    if key == 'scale':
                        d['scale'] = float(value)
                    elif key == 'nights':
                        d['nights'] = int(value)
                    else:
                        a, b = value.lower().split('x')
                        d['geometry'] = {'binning': (int(a), int(b))}
                except ValueError as exc:
                    raise UsageError(f'--override {item!r}: bad value {value!r} for {key}') \
                        from exc
    return out


class SpitDataset(SpitScript):
    """Build (resume, extend) or summarise a sharded training set of simulated nights."""

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_dataset'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser."""
        from pypeit_spit.training.factory import GENERIC_FRACTION
        parser = super().get_parser(
            description='Build a training set once: simulate nights of the chosen '
                        'spectrographs, pre-process every frame as pypeit_spit_classify '
                        'does (the PypeIt reader, and for a share of the frames also the '
                        'generic loader) and write memory-mapped shards (one per night) '
                        'into OUT, stamped with the pre-processing and simulator versions. '
                        'Running the same command again continues a killed build; more '
                        'nights (--first-night) or spectrographs add shards and never '
                        'recompute old ones. pypeit_spit_train and pypeit_spit_evaluate '
                        'take OUT in place of a labels table. Disk: ~137 kB per sample; '
                        'the raw FITS files are deleted as soon as they are read.',
            width=width)
        parser.add_argument('out', help='Dataset folder (created if needed).')
        parser.add_argument('-s', '--spectrograph', nargs='+', default=None,
                            metavar='SPECTROGRAPH',
                            help='Simulated spectrographs, or a group: all (or all-longslit: '
                                 'the 19: Kast blue, red and red Reticon, the 15 long-slit '
                                 'PypeIt spectrographs, generic), kast, longslit (the 15).')
        parser.add_argument('--nights', type=int, default=1,
                            help='Nights per spectrograph (numbered from --first-night).')
        parser.add_argument('--first-night', type=int, default=0,
                            help='Number of the first night (to add nights to a dataset).')
        parser.add_argument('--seed', type=int, default=0,
                            help='Simulation seed; the same (seed, spectrograph, night) '
                                 'always gives the same frames. Use another seed for '
                                 'held-out test nights.')
        parser.add_argument('--faults', type=float, default=0.1,
                            help='Probability per frame of a header fault (the pixels keep '
                                 'the true class).')
        parser.add_argument('--scale', type=float, default=1.0,
                            help='Scale of the number of frames per night.')
        parser.add_argument('--generic-fraction', type=float, default=GENERIC_FRACTION,
                            help='Share (0-1, drawn per frame from the seed) of the frames '
                                 'read with a PypeIt reader that are also read with the '
                                 'generic loader, as a second sample (the generic '
                                 'instrument is always read generically).')
        add_geometry_argument(parser)
        parser.add_argument('--override', action='append', default=[],
                            metavar='SPEC:KEY=VALUE[,KEY=VALUE]',
                            help='Per-spectrograph options (repeatable): scale=F, nights=N, '
                                 'binning=AxB, e.g. keck_deimos:scale=0.5,nights=30. SPEC '
                                 'may be a group (kast, longslit, all).')
        parser.add_argument('--workers', type=int, default=2,
                            help='Processes (each one night at a time, single-threaded).')
        parser.add_argument('--summary', action='store_true',
                            help='Print the samples per spectrograph, loader and class, '
                                 'and the failures, of OUT (after building, when -s is '
                                 'given).')
        return parser

    @classmethod
    def main(cls, args):
        """Run the command; exit status 1 when some night could not be built."""
        from pypeit import log

        from pypeit_spit.errors import UsageError
        from pypeit_spit.training.factory import build_units, dataset_summary, plan_units

        if args.spectrograph is None and not args.summary:
            raise UsageError('name the spectrographs to build (-s ...), or ask for --summary')
        if args.workers < 1 or args.nights < 0 or args.first_night < 0:
            raise UsageError('--workers must be >= 1, --nights and --first-night >= 0')
        status = EXIT_OK
        if args.spectrograph is not None:
            geometry = parse_geometry(args.geometry)
            units = plan_units(expand_spectrographs(args.spectrograph), args.nights, args.seed,
                               first_night=args.first_night, faults=args.faults,
                               scale=args.scale, geometry=geometry,
                               generic_fraction=args.generic_fraction,
                               overrides=parse_overrides(args.override))
            result = build_units(args.out, units, workers=args.workers)
            print(f'{args.out}: {result["built"]} nights built, {result["skipped"]} already '
                  f'built, {len(result["failed"])} failed ({result["samples"]} samples added)')
            if result['failed']:
                log.error(f'{len(result["failed"])} night(s) could not be built: '
                          + ', '.join(result['failed']))
                status = EXIT_PARTIAL
        if args.summary:
            table, totals = dataset_summary(args.out)
            table.pprint_all()
            print(f'{totals["shards"]} nights, {totals["samples"]} samples, '
                  f'{totals["failed"]} failed, {totals["bytes"] / 1e9:.2f} GB of images, '
                  f'{totals["cpu_seconds"] / 3600:.2f} CPU hours to build')
        return status
