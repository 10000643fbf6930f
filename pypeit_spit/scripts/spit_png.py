"""
``pypeit_spit_png``: write the pre-processed image of a frame (what the network sees)
as a PNG; with ``--annotate``, with a caption strip (file, SPIT's class and
probability, the spectral axis).
"""
from pypeit_spit.scripts.base import EXIT_OK, EXIT_PARTIAL, SpitScript
from pypeit_spit.scripts.common import add_deprecated


class SpitPng(SpitScript):
    """Write the 210x650 image the network sees, as PNG."""

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_png'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser."""
        parser = super().get_parser(description='Write the 210x650 pre-processed image of '
                                                'raw frames (what the network sees) as PNG.',
                                    width=width)
        parser.add_argument('files', nargs='+', type=str, help='FITS files and/or folders')
        parser.add_argument('-s', '--spectrograph', default=None, type=str,
                            help='PypeIt spectrograph name used to read the pixels')
        parser.add_argument('-d', '--output_path', '--outdir', dest='outdir', required=True,
                            type=str,
                            help='Folder for the PNG files (created if needed)')
        parser.add_argument('--flips', default=False, action='store_true',
                            help='Also write the three flipped copies')
        parser.add_argument('--annotate', default=False, action='store_true',
                            help="Add a caption strip below the image: the file's name, "
                                 "SPIT's class, probability and votes (the frames are "
                                 'classified), and an arrow along the spectral axis (with '
                                 '-s: the direction of increasing wavelength in PypeIt\'s '
                                 'orientation; without: the axis only)')
        parser.add_argument('--spit-model', dest='spit_model', default=None, type=str,
                            help='With --annotate: bundled model name or path to a model '
                                 'file (default: with -s, the model configured for that '
                                 'spectrograph, as pypeit_spit_setup uses it; without, the '
                                 'bundled default)')
        add_deprecated(parser, '--model', dest='spit_model', use='--spit-model')
        return parser

    @classmethod
    def check_args(cls, args):
        """A mistyped folder is a usage error (exit 2), not an unreadable frame."""
        from pypeit_spit.io.paths import check_inputs
        check_inputs(args.files)

    @classmethod
    def main(cls, args):
        """Run the command; exit status 1 when some file could not be read."""
        from pathlib import Path

        from pypeit import log

        from pypeit_spit.io.paths import expand_paths
        from pypeit_spit.errors import FrameError
        from pypeit_spit.report.png import frame_stem, write_png
        from pypeit_spit.preprocess.contract import flips
        from pypeit_spit.pipeline.prepare import prepare_frame
        from pypeit_spit.io.spectrograph import get_spectrograph

        spectrograph = get_spectrograph(args.spectrograph) if args.spectrograph else None
        outdir = Path(args.outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        if args.annotate:
            return cls._annotated(args, spectrograph, outdir)
        status = EXIT_OK
        for path in expand_paths(args.files):
            try:
                prep = prepare_frame(path, spectrograph=spectrograph)
            except FrameError as exc:
                log.warning(str(exc))
                status = EXIT_PARTIAL
                continue
            images = flips(prep.image) if args.flips else [prep.image]
            for suffix, img in zip(('', '_flipv', '_fliph', '_flipvh'), images):
                out = outdir / f'{frame_stem(path)}{suffix}.png'
                write_png(img, out)
                print(out)
        return status

    @classmethod
    def _annotated(cls, args, spectrograph, outdir, chunk=64):
        """Classify the frames (in batches) and write their captioned images."""
        from pathlib import Path

        from pypeit_spit.io.paths import display_names, expand_paths
        from pypeit_spit.report.gallery import classify_frames
        from pypeit_spit.report.png import FLIP_SUFFIXES, frame_stem, write_annotated_png
        from pypeit_spit.preprocess.contract import flips
        from pypeit_spit.scripts.base import EXIT_OK, EXIT_PARTIAL

        files = expand_paths(args.files)
        bases = [a if Path(a).is_dir() else str(Path(a).parent) for a in args.files]
        names = display_names([str(Path(f).absolute()) for f in files], bases)
        status = EXIT_OK
        model, threshold = args.spit_model, None
        if spectrograph is not None:     # its model and cut, as pypeit_spit_setup's
            from pypeit_spit.integration.config import instrument_config
            cfg = instrument_config(spectrograph, enabled=True, model=model)
            model, threshold = cfg.model, cfg.threshold
        # A chunk at a time, so that a long night's images are not all held at once.
        for start in range(0, len(files), chunk):
            part = files[start:start + chunk]
            images = {}
            verdicts = classify_frames(part, spectrograph=spectrograph, model=model,
                                       threshold=threshold,
                                       on_image=lambda i, prep: images.__setitem__(i, prep.image))
            for i, verdict in enumerate(verdicts):
                if verdict.error:
                    status = EXIT_PARTIAL      # already logged by classify_frames
                    continue
                copies = flips(images[i]) if args.flips else [images[i]]
                for suffix, img in zip(FLIP_SUFFIXES, copies):
                    out = outdir / f'{frame_stem(part[i])}{suffix}.png'
                    write_annotated_png(img, out, names[start + i], verdict.answer,
                                        verdict.prob, verdict.votes, verdict.loader,
                                        reversed_=suffix in ('_fliph', '_flipvh'))
                    print(out)
        return status
