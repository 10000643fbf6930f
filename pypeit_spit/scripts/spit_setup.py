"""
``pypeit_spit_setup``: PypeIt's ``pypeit_setup`` with frames typed by SPIT.

Takes exactly ``pypeit_setup``'s arguments plus ``--spit/--no-spit``,
``--spit-threshold``, ``--spit-model`` and ``--spit-config``, and runs PypeIt's
own setup inside :func:`pypeit_spit.integration.hook.enabled`: configurations,
calibration groups and the written ``.pypeit``, ``.sorted`` and ``.calib`` files
are PypeIt's, typed by SPIT.
"""
import argparse

from pypeit.scripts.setup import Setup

from pypeit_spit.scripts.base import SpitCommand


def add_spit_arguments(parser):
    """
    Add the SPIT options to a parser.

    Parameters
    ----------
    parser : `argparse.ArgumentParser`

    Returns
    -------
    `argparse.ArgumentParser`
    """
    group = parser.add_argument_group('SPIT (pixel-based frame typing)')
    group.add_argument('--spit', dest='spit', default=None,
                       action=argparse.BooleanOptionalAction,
                       help='Use SPIT (--spit) or the header rules only (--no-spit) for '
                            'every spectrograph.  Default: as configured.')
    group.add_argument('--spit-threshold', dest='spit_threshold', type=float, default=None,
                       help="Unknown cut replacing the model's calibrated one (0-1; 0 takes "
                            'every 3-of-4 vote winner).  Default: the configured value.')
    group.add_argument('--spit-model', dest='spit_model', default=None,
                       help='Bundled model name or path to a model file.  Default: the '
                            'configured model.')
    group.add_argument('--spit-config', dest='spit_config', default=None,
                       help='pypeit-spit configuration file (configobj); default: '
                            '~/.config/pypeit_spit/spit.cfg when it exists.')
    return parser


def spit_options(args):
    """
    Keyword arguments of :func:`pypeit_spit.integration.hook.enabled` from parsed
    arguments.

    Parameters
    ----------
    args : `argparse.Namespace`

    Returns
    -------
    dict
    """
    return {'user_file': getattr(args, 'spit_config', None),
            'enable': getattr(args, 'spit', None),
            'threshold': getattr(args, 'spit_threshold', None),
            'model': getattr(args, 'spit_model', None)}


def _read_ahead(spec, args, cfg):
    """
    Start reading the pixels of the files PypeIt will find (its own search) and running
    the network on them, so that this is done while PypeIt reads the headers; None
    when the search fails (PypeIt then reports it).
    """
    from pypeit_spit.classify import Prefetch
    try:
        files = type(spec).find_raw_files(args.root, extension=args.extension)
    except Exception:  # PypeIt reports a bad root or extension itself
        return None
    return Prefetch(files, spectrograph=spec, max_pixels=cfg.max_pixels,
                    model=cfg.model) if files else None


class SpitSetup(SpitCommand, Setup):
    """``pypeit_setup`` with SPIT typing the frames."""

    #: PypeIt's setup initialises the logger itself.
    init_log_in_run = False

    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_setup'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser: ``pypeit_setup``'s, plus the SPIT options."""
        parser = super().get_parser(width=width)
        parser.description = ('Parse data files to construct a pypeit file in preparation '
                              "for reduction using 'run_pypeit', with frames typed by SPIT "
                              "(pixels) and PypeIt's header rules.")
        return add_spit_arguments(parser)

    @classmethod
    def init_log(cls, args):
        """
        PypeIt's logger, with the default log file (``--log_file`` not given) written in
        the output folder (``-d``) beside the ``.pypeit`` files, never into the working
        directory (PypeIt's ``pypeit_setup`` writes it there).
        """
        import argparse
        from pathlib import Path
        if getattr(args, 'log_file', None) == 'default':
            folder = Path(args.output_path)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                log_file = str(folder / cls.default_log_file())
            except OSError:   # (checked before: only without -s) no log file
                log_file = None
            args = argparse.Namespace(**{**vars(args), 'log_file': log_file})
        super().init_log(args)

    @classmethod
    def main(cls, args):
        """Run PypeIt's setup with SPIT typing the frames."""
        from pypeit import log

        from pypeit_spit.classify import keep_freed_memory
        from pypeit_spit.integration.config import instrument_config
        from pypeit_spit.integration.frametypes import conflict_lines
        from pypeit_spit.integration.hook import enabled
        from pypeit_spit.integration.outputs import (check_setup_outputs, finish_outputs,
                                                     staged_setup_outputs)
        from pypeit_spit.preprocess.load import get_spectrograph
        keep_freed_memory()   # frames' arrays are reused, not faulted in again
        opts = spit_options(args)
        ahead = None
        if args.spectrograph is not None:
            # Fail early, in one line, on an unknown spectrograph or an invalid
            # configuration (naming the file and the key).
            spec = get_spectrograph(args.spectrograph)
            cfg = instrument_config(args.spectrograph, user_file=opts['user_file'],
                                    enabled=opts['enable'], threshold=opts['threshold'],
                                    model=opts['model'])
            check_setup_outputs(args)   # before the work: a folder that cannot be written
            if cfg.enabled and not getattr(args, 'gui', False):
                ahead = _read_ahead(spec, args, cfg)
        with staged_setup_outputs(args.output_path) as staged:   # the outputs: all or none
            try:
                with enabled(**opts, prefetch=ahead) as record:
                    status = super().main(args)
            finally:
                if ahead is not None:
                    ahead.close()
            finish_outputs(staged, record, args.output_path)
        conflicts = []
        for result in record['results']:
            conflicts += conflict_lines(result, result.paths)
        if conflicts:
            log.warning(f'{len(conflicts) // 2} frame(s) where SPIT and the header rules '
                        'contradict each other (spit_src = conflict): look at each, then set '
                        "its 'spit' column in the .pypeit file (keep, rules, or the types) and "
                        'run pypeit_spit_retype; pypeit_spit_check fails until then.')
            print('\n'.join(conflicts))
        return status
