"""
Command-line options shared by the pypeit-spit scripts.
"""

__all__ = ['add_label_arguments']


def add_label_arguments(parser):
    """
    Options that say how to read a labels table's frames (``-s``,
    ``--spectrograph-column``, ``--loader``), as
    :func:`pypeit_spit.training.dataset.read_labels` takes them.

    Parameters
    ----------
    parser : `argparse.ArgumentParser`

    Returns
    -------
    `argparse.ArgumentParser`
    """
    parser.add_argument('-s', '--spectrograph', default=None,
                        help='PypeIt spectrograph for rows that name none (default: the '
                             'generic FITS loader).')
    parser.add_argument('--spectrograph-column', default=None,
                        help='Column naming each row\'s spectrograph (default: '
                             'spectrograph, else instrument when present).')
    parser.add_argument('--loader', default='pypeit', choices=['pypeit', 'generic'],
                        help='generic ignores every spectrograph and reads the first 2-D '
                             'HDU.')
    return parser
