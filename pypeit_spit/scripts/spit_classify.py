"""
Type raw spectral frames from their pixels.
"""
from pypeit.scripts import scriptbase


class SpitClassify(scriptbase.ScriptBase):

    @classmethod
    def name(cls):
        return 'pypeit_spit_classify'

    @classmethod
    def get_parser(cls, width=None):
        parser = super().get_parser(description='Type raw spectral frames (bias, science, '
                                                'standard, arc, flat) from their pixels with '
                                                'the SPIT network.', width=width)
        parser.add_argument('files', nargs='+', type=str,
                            help='FITS files and/or folders holding them')
        parser.add_argument('-s', '--spectrograph', default=None, type=str,
                            help='PypeIt spectrograph name: read the pixels as PypeIt does '
                                 '(data sections, orientation, overscan). Without it, the '
                                 'first 2-D image HDU is read.')
        parser.add_argument('--model', default=None, type=str,
                            help='Bundled model name or path to a .keras file (default: the '
                                 'bundled Kast model)')
        parser.add_argument('--threshold', default=None, type=float,
                            help='Least mean probability of the winning class (default: the '
                                 "model's calibrated threshold)")
        parser.add_argument('-o', '--output', default=None, type=str,
                            help='Write the table to this ECSV file')
        parser.add_argument('--batch-size', default=16, type=int,
                            help='Frames per network call')
        parser.add_argument('--no-progress', default=False, action='store_true',
                            help='Do not show a progress bar')
        return parser

    @staticmethod
    def main(args):
        from pypeit_spit.cli import run_classify
        return run_classify(args)
