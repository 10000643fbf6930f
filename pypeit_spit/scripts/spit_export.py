"""
``pypeit_spit_export``: write the ONNX graph of a ``.keras`` model (for models saved
without one; ``pypeit_spit_train`` writes both).
"""
from pypeit_spit.scripts.base import EXIT_OK, SpitScript


class SpitExport(SpitScript):
    """Export a ``.keras`` model's graph to ONNX, with its metadata inside."""

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_export'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser."""
        parser = super().get_parser(
            description='Export the graph of a pypeit-spit .keras model to ONNX (run by ONNX '
                        'Runtime when typing frames, without TensorFlow). Needs the training '
                        'extra: pip install "pypeit-spit[train]".', width=width)
        parser.add_argument('model', type=str, help='A .keras model file')
        parser.add_argument('-o', '--output', default=None, type=str,
                            help='The .onnx file (default: beside the model, same name)')
        return parser

    @classmethod
    def main(cls, args):
        """Run the command."""
        from pypeit_spit.model.store import export_model
        out = export_model(args.model, args.output)
        print(out)
        return EXIT_OK
