"""
``pypeit_spit_archive``: type a whole archive (night folders at any depth, several
spectrographs) into a catalog, resumably, on local processes or a Dask cluster; and
ask the catalog what is in it.
"""
import argparse

from pypeit_spit.scripts.base import EXIT_OK, EXIT_PARTIAL, SpitScript
from pypeit_spit.scripts.common import add_model_arguments, positive_int


class SpitArchive(SpitScript):
    """Type an archive into a catalog; summarise, list conflicts, export."""

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_archive'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser."""
        parser = super().get_parser(
            description='Type every raw frame under the ROOT folders (night folders at any '
                        'depth; .fits, .fits.gz, .fits.fz) as pypeit_spit_setup types a '
                        "night (SPIT where configured, PypeIt's header rules, conflicts, "
                        'QA flags), one row per frame in CATALOG (SQLite).  Each file\'s '
                        'spectrograph is found from its header as PypeIt recognises it '
                        '(generic where none does).  Re-running continues: frames already '
                        'in the catalog with the same size, modification time and model '
                        'version are skipped.  Without ROOT: ask the catalog (--summary, '
                        '--conflicts, --export, --gallery).  Exit status 1 when some frame '
                        'could not be read (or, for --gallery, shown).',
            width=width)
        for action in parser._actions:
            if action.dest == 'verbosity':   # a long run: its progress lines by default
                action.default = 1
                action.help = action.help.replace('0 (default)', '0').replace(
                    '1 (-v alone)', '1 (default; progress lines off a terminal)')
        parser.add_argument('roots', nargs='*', metavar='ROOT',
                            help='Folders of the archive')
        parser.add_argument('--catalog', required=True,
                            help='The catalog file (SQLite; created if needed)')
        parser.add_argument('-j', '--workers', type=positive_int, default=1,
                            help='Local worker processes (default 1)')
        parser.add_argument('--scheduler', default=None, metavar='ADDRESS',
                            help='Run the tasks on this dask.distributed scheduler (e.g. '
                                 'tcp://10.0.0.1:8786) instead of local processes')
        parser.add_argument('-s', '--spectrograph', default=None,
                            help='PypeIt spectrograph of every file (default: found from '
                                 'each header)')
        parser.add_argument('--spit', dest='spit', default=None,
                            action=argparse.BooleanOptionalAction,
                            help='Decide with SPIT (--spit) or the header rules only '
                                 '(--no-spit) for every spectrograph.  Default: as '
                                 'configured.')
        add_model_arguments(parser)
        parser.add_argument('--redo', default=False, action='store_true',
                            help='Type every frame again (e.g. after a configuration change)')
        parser.add_argument('--summary', default=False, action='store_true',
                            help='Print, per spectrograph and night, the frames of each '
                                 'class, conflicts, unknown, unreadable')
        parser.add_argument('--conflicts', nargs='?', type=positive_int, const=0,
                            default=None, metavar='N',
                            help='Print the frames to look at, worst first (the first N)')
        parser.add_argument('--export', default=None, metavar='FILE',
                            help='Write the catalog as a table: .ecsv or .csv')
        parser.add_argument('--gallery', default=None, metavar='NIGHT',
                            help="Write the night's gallery (pypeit_spit_gallery's page "
                                 'and contact sheet) from its catalog rows into -d OUTDIR; '
                                 'NIGHT: its folder, or the end of its path if only one '
                                 'night ends so.  Thumbnails are read again (-j processes); '
                                 'a file moved or changed since it was catalogued is shown '
                                 'without one.')
        parser.add_argument('-d', '--output_path', '--outdir', dest='outdir', default=None,
                            metavar='OUTDIR',
                            help='Output folder of --gallery (created if needed)')
        parser.add_argument('--log-every', type=positive_int, default=None, metavar='N',
                            help='Off a terminal: a progress line every N frames '
                                 '(default 500)')
        parser.add_argument('--no-progress', default=False, action='store_true',
                            help='No progress bar or progress lines')
        return parser

    @classmethod
    def check_args(cls, args):
        """Refuse what cannot work before any work: no root and nothing asked, a bad
        export name, a root that is not a folder, -j with --scheduler, --gallery
        without an output folder (or -d without --gallery), a night not in the
        catalog."""
        from pathlib import Path

        from pypeit_spit.atomic import check_folder, check_output
        from pypeit_spit.errors import UsageError
        if not args.roots and not (args.summary or args.conflicts is not None
                                   or args.export or args.gallery is not None):
            raise UsageError('give the archive\'s folders (ROOT ...), or --summary, '
                             '--conflicts, --export or --gallery to ask the catalog')
        for root in args.roots:
            if not Path(root).is_dir():
                raise UsageError(f'{root}: no such folder (give the folders of the archive)')
        if args.scheduler is not None and args.workers != 1:
            raise UsageError('-j is for local processes; with --scheduler the cluster\'s '
                             'workers run the tasks')
        if args.export is not None:
            if not str(args.export).lower().endswith(('.ecsv', '.csv')):
                raise UsageError(f'--export {args.export}: give a .ecsv or .csv file name')
            check_output(args.export, what='export file')
        if args.gallery is not None:
            from pypeit_spit.report.gallery_frames import INDEX_NAME, SHEET_NAME
            if args.outdir is None:
                raise UsageError('--gallery writes into a folder: give -d/--output_path '
                                 'OUTDIR')
            check_folder(args.outdir, what='gallery folder', names=(INDEX_NAME, SHEET_NAME))
        elif args.outdir is not None:
            raise UsageError('-d/--output_path is the folder of --gallery NIGHT')
        if not args.roots and not Path(args.catalog).is_file():
            raise UsageError(f'{args.catalog}: no such catalog file')
        if not args.roots and args.gallery is not None:
            from pypeit_spit.archive.catalog import find_night
            find_night(args.catalog, args.gallery)    # an unknown night: before any output

    @classmethod
    def main(cls, args):
        """Type, then answer the questions asked; exit status 1 when some frame could not
        be read (or its worker died every time)."""
        from pypeit_spit.archive import catalog as cat
        from pypeit_spit.archive.night import TypingOptions
        from pypeit_spit.archive.run import LOG_EVERY, type_archive
        from pypeit_spit.vocab import count_outcomes
        status = EXIT_OK
        if args.roots:
            options = TypingOptions(spectrograph=args.spectrograph, user_file=args.spit_config,
                                    enable=args.spit, threshold=args.spit_threshold,
                                    model=args.spit_model)
            report = type_archive(args.roots, args.catalog, workers=args.workers,
                                  scheduler=args.scheduler, options=options, redo=args.redo,
                                  progress=not args.no_progress,
                                  log_every=0 if args.no_progress
                                  else args.log_every or LOG_EVERY)
            rate = report.typed / report.seconds if report.seconds and report.typed else 0.0
            typed = f' ({count_outcomes(report.outcomes.elements())})' if report.typed else ''
            print(f'pypeit_spit_archive: {report.frames} frames in {report.nights} night '
                  f'folders: {report.typed} typed{typed}, {report.skipped} already in '
                  f'{args.catalog}; {rate:.2f} frames/s')
            for folder in report.failed_tasks:
                print(f'  {folder}: its worker died every time (its rows say so)')
            if report.outcomes['unreadable']:
                status = EXIT_PARTIAL
        if args.summary:
            cat.summary(args.catalog).pprint(max_lines=-1, max_width=-1)
        if args.conflicts is not None:
            t = cat.conflicts(args.catalog, limit=args.conflicts or None)
            if len(t):
                t.pprint(max_lines=-1, max_width=-1)
            else:
                print('no frame to look at: no conflict, unknown, flagged or unreadable frame')
        if args.export:
            from pypeit_spit.atomic import write_table
            table = cat.read_catalog(args.catalog)
            fmt = 'ascii.ecsv' if str(args.export).lower().endswith('.ecsv') else 'ascii.csv'
            write_table(table, args.export, format=fmt)
            print(f'wrote: {args.export} ({len(table)} frames)')
        if args.gallery is not None:
            status = max(status, cls._gallery(args))
        return status

    @classmethod
    def _gallery(cls, args):
        """Write the night's gallery; EXIT_PARTIAL when some frame is not shown (not
        readable when catalogued, moved, changed or unreadable now)."""
        from pypeit_spit.archive.gallery import night_gallery
        from pypeit_spit.vocab import count_outcomes
        gallery = night_gallery(args.catalog, args.gallery, args.outdir,
                                workers=args.workers, user_file=args.spit_config,
                                progress=not args.no_progress)
        print(f'{gallery.source}: {len(gallery.frames)} frames: '
              f'{count_outcomes(f.status for f in gallery.frames)}')
        print(f'wrote: {gallery.index}, {gallery.contact_sheet}')
        missing = [f for f in gallery.frames if f.error or f.no_image]
        for f in missing:
            print(f'no image  {f.name}  {f.no_image or f.error}')
        return EXIT_PARTIAL if missing else EXIT_OK
