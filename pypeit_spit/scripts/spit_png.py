"""
``pypeit_spit_png``: write the pre-processed image of a frame (what the network sees)
as a PNG.
"""
from pypeit_spit.scripts.base import EXIT_OK, EXIT_PARTIAL, SpitScript


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
        parser.add_argument('-d', '--outdir', required=True, type=str,
                            help='Folder for the PNG files (created if needed)')
        parser.add_argument('--flips', default=False, action='store_true',
                            help='Also write the three flipped copies')
        return parser

    @classmethod
    def main(cls, args):
        """Run the command; exit status 1 when some file could not be read."""
        from pathlib import Path

        from pypeit import log

        from pypeit_spit.classify import expand_paths
        from pypeit_spit.errors import FrameError
        from pypeit_spit.png import frame_stem, write_png
        from pypeit_spit.preprocess.contract import flips
        from pypeit_spit.preprocess.frame import prepare_frame
        from pypeit_spit.preprocess.load import get_spectrograph

        spectrograph = get_spectrograph(args.spectrograph) if args.spectrograph else None
        outdir = Path(args.outdir)
        outdir.mkdir(parents=True, exist_ok=True)
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
