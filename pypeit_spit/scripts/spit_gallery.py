"""
``pypeit_spit_gallery``: a night at a glance, an HTML page and a PNG contact sheet of
every frame as the network sees it, with SPIT's and the header rules' types, the
frames that need a look first.
"""
from pypeit_spit.scripts.base import EXIT_OK, EXIT_PARTIAL, SpitScript
from pypeit_spit.scripts.common import add_deprecated, add_model_arguments


class SpitGallery(SpitScript):
    """Write a night's gallery (``index.html`` and ``contact_sheet.png``)."""

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_gallery'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser."""
        parser = super().get_parser(
            description='Write an HTML page (index.html) and a PNG contact sheet '
                        '(contact_sheet.png) of a night: every frame as the SPIT network '
                        "sees it, with SPIT's type and probability and PypeIt's header-"
                        "rule type (and a .pypeit file's frametype); the frames where they "
                        'disagree, where SPIT is unsure, or that cannot be read come first, '
                        'marked.  Exit status 1 when some frame could not be read.',
            width=width)
        parser.add_argument('inputs', nargs='+', type=str, metavar='DIR_OR_PYPEIT_FILE',
                            help='Raw folders and/or FITS files, or one .pypeit file')
        parser.add_argument('-s', '--spectrograph', default=None, type=str,
                            help='PypeIt spectrograph: read the pixels as PypeIt does and '
                                 "show PypeIt's header-rule types.  Taken from a .pypeit "
                                 'file.  Without it (raw inputs): generic loader, no rules.')
        parser.add_argument('-d', '--output_path', '--outdir', dest='outdir', default=None,
                            type=str, help='Output folder (created if needed; required)')
        add_deprecated(parser, '-o', dest='outdir', use='-d/--output_path')
        add_model_arguments(parser, model_help='Bundled model name or path to a model file '
                                               "(default: the spectrograph's configured "
                                               'model, or the bundled one)')
        parser.add_argument('--no-progress', default=False, action='store_true',
                            help='Do not show a progress bar (shown only on a terminal)')
        return parser

    @classmethod
    def check_args(cls, args):
        """A mistyped folder is a usage error (exit 2), not an unreadable frame."""
        from pypeit_spit.io.paths import check_inputs
        from pypeit_spit.errors import UsageError
        from pypeit_spit.report.gallery_inputs import split_inputs
        if args.outdir is None:
            raise UsageError('the output folder is required: -d/--output_path DIR')
        split_inputs(args.inputs)      # a .pypeit file mixed with raw inputs: that first
        check_inputs(args.inputs)

    @classmethod
    def main(cls, args):
        """Build the gallery; exit status 1 when some frame could not be read."""
        from pypeit import log

        from pypeit_spit.report.gallery import build_gallery

        gallery = build_gallery(args.inputs, args.outdir, spectrograph=args.spectrograph,
                                model=args.spit_model, threshold=args.spit_threshold,
                                user_file=args.spit_config, progress=not args.no_progress)
        from pypeit_spit.vocab import count_outcomes
        print(f'{gallery.source}: {len(gallery.frames)} frames: '
              f'{count_outcomes(f.status for f in gallery.frames)}')
        print(f'wrote: {gallery.index}, {gallery.contact_sheet}')
        flagged = [f for f in gallery.frames if f.flagged]
        for f in flagged:
            print(f'{f.status:<10}  {f.name}  ' + '; '.join(([f.error] if f.error else [])
                                                          + f.notes + ([f.reason] if f.reason
                                                                       else [])))
        if gallery.n_unreadable:
            log.warning(f'{gallery.n_unreadable} of {len(gallery.frames)} frames could not '
                        'be read (their tiles say why)')
            return EXIT_PARTIAL
        return EXIT_OK
