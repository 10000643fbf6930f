"""
Command-line options shared by the pypeit-spit scripts.
"""

__all__ = ['add_label_arguments', 'add_geometry_argument', 'parse_geometry']


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


def add_geometry_argument(parser):
    """
    ``--geometry``: JSON overrides of the simulator's drawn read-out geometry
    (:func:`parse_geometry` reads it).

    Parameters
    ----------
    parser : `argparse.ArgumentParser`

    Returns
    -------
    `argparse.ArgumentParser`
    """
    parser.add_argument('--geometry', type=str, default=None,
                        help='Long-slit spectrographs: JSON overrides of the drawn '
                             'read-out geometry, e.g. \'{"binning": [2, 2]}\'')
    return parser


def parse_geometry(text):
    """
    The value of ``--geometry`` as a dict (None when not given).

    Parameters
    ----------
    text : str or None

    Returns
    -------
    dict or None

    Raises
    ------
    pypeit_spit.errors.UsageError
        Not a JSON object.
    """
    import json

    from pypeit_spit.errors import UsageError
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f'--geometry {text!r} is not JSON ({exc})') from exc
    if not isinstance(value, dict):
        raise UsageError(f'--geometry {text!r} is not a JSON object')
    return value
