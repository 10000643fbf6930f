"""
Write the pre-processed image of a frame (what the network sees) as a PNG.
"""
from pypeit.scripts import scriptbase


class SpitPng(scriptbase.ScriptBase):

    @classmethod
    def name(cls):
        return 'pypeit_spit_png'

    @classmethod
    def get_parser(cls, width=None):
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

    @staticmethod
    def main(args):
        from pypeit_spit.cli import run_png
        return run_png(args)
