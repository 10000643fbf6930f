"""
Command-line options shared by the pypeit-spit scripts: one name and one meaning
for each option across the commands, PypeIt's meanings kept where PypeIt defines
them (``-o`` is PypeIt's overwrite, ``-d`` its output folder, ``-f`` its output file;
``-s`` the spectrograph, ``-v`` the verbosity).

========================  =====================================================
``--spit-model``          bundled model name or model file (every command)
``--spit-threshold``      Unknown cut replacing the model's (every command)
``--spit-config``         pypeit-spit configuration file
``-d``/``--output_path``  output folder (setup, gallery, png)
``-f``/``--file``         output table file (classify)
========================  =====================================================

Old spellings (``--model``, ``--threshold``; classify's and gallery's ``-o``) still
work, with a warning naming the new one.
"""
import argparse
import os

__all__ = ['available_cores', 'cap_workers', 'add_label_arguments', 'add_model_arguments',
           'add_deprecated', 'probability', 'positive_int', 'deprecation_notes', 'add_geometry_argument', 'parse_geometry']


def available_cores():
    """Cores this process may run on (its affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def cap_workers(workers, option='-j'):
    """
    ``workers`` capped at the cores (``-j 200`` forked 200 reading processes, 2.2 GB,
    for no gain), with a one-line note when capped.

    Parameters
    ----------
    workers : int
    option : str, optional
        The option's name, for the note.

    Returns
    -------
    int
    """
    cores = available_cores()
    if workers > cores:
        from pypeit import log
        log.warning(f'{option} {workers}: capped at the {cores} cores this machine gives')
        return cores
    return workers


def positive_int(text):
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a whole number') from None
    if value < 1:
        raise argparse.ArgumentTypeError(f'{value} is not at least 1')
    return value


def probability(text):
    """argparse type: a number in [0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a number') from None
    if not 0.0 <= value <= 1.0:  # also refuses nan
        raise argparse.ArgumentTypeError(f'{text} is not in [0, 1]')
    return value


class _Deprecated(argparse.Action):
    """Stores the value like the new option, and notes that the old spelling was used."""

    def __init__(self, option_strings, dest, use=None, **kwargs):
        self.use = use
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, values)
        notes = list(getattr(namespace, 'deprecated_options', []) or [])
        notes.append(f'{option_string} is deprecated: use {self.use}')
        namespace.deprecated_options = notes


def add_deprecated(parser, *flags, dest, use, type=None):
    """
    Keep an old spelling of an option working (hidden from ``--help``).

    Parameters
    ----------
    parser : `argparse.ArgumentParser`
    *flags : str
        The old spellings.
    dest : str
        The new option's destination.
    use : str
        The new spelling (named in the warning).
    type : callable or None, optional
    """
    parser.add_argument(*flags, dest=dest, action=_Deprecated, use=use, type=type,
                        default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def deprecation_notes(args):
    """The warnings for old spellings used on the command line."""
    return list(getattr(args, 'deprecated_options', []) or [])


def add_model_arguments(parser, config=True, model_help=None):
    """
    Add ``--spit-model``, ``--spit-threshold`` (and ``--spit-config``) to a parser,
    with ``--model`` and ``--threshold`` as deprecated spellings.

    Parameters
    ----------
    parser : `argparse.ArgumentParser` or argument group
    config : bool, optional
        Add ``--spit-config``.
    model_help : str or None, optional

    Returns
    -------
    The parser or group.
    """
    parser.add_argument('--spit-threshold', dest='spit_threshold', type=probability,
                        default=None,
                        help="Unknown cut replacing the model's calibrated one (0-1; 0 takes "
                             'every 3-of-4 vote winner).  Default: the configured value, '
                             "else the model's.")
    parser.add_argument('--spit-model', dest='spit_model', default=None,
                        help=model_help or 'Bundled model name or path to a model file.  '
                                           'Default: the configured model.')
    if config:
        parser.add_argument('--spit-config', dest='spit_config', default=None,
                            help='pypeit-spit configuration file (configobj); default: '
                                 '~/.config/pypeit_spit/spit.cfg when it exists.')
    add_deprecated(parser, '--threshold', dest='spit_threshold', use='--spit-threshold',
                   type=probability)
    add_deprecated(parser, '--model', dest='spit_model', use='--spit-model')
    return parser


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
