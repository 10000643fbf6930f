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

from pypeit_spit.console import quiet_parser
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
    from pypeit_spit.scripts.common import add_model_arguments
    group = parser.add_argument_group('SPIT (pixel-based frame typing)')
    group.add_argument('--spit', dest='spit', default=None,
                       action=argparse.BooleanOptionalAction,
                       help='Use SPIT (--spit) or the header rules only (--no-spit) for '
                            'every spectrograph.  Default: as configured.')
    add_model_arguments(group)
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
    from pypeit_spit.pipeline.reader import Prefetch
    try:
        files = type(spec).find_raw_files(args.root, extension=args.extension)
    except Exception:  # PypeIt reports a bad root or extension itself
        return None
    return Prefetch(files, spectrograph=spec, max_pixels=cfg.max_pixels,
                    model=cfg.model, model_budget=cfg.model_budget) if files else None


class SpitSetup(SpitCommand, Setup):
    """``pypeit_setup`` with SPIT typing the frames."""


    @classmethod
    def name(cls):
        """Command name."""
        return 'pypeit_spit_setup'

    @classmethod
    def get_parser(cls, width=None):
        """Command-line parser: ``pypeit_setup``'s, plus the SPIT options."""
        parser = super().get_parser(width=width)
        parser = quiet_parser(parser)
        parser.description = ('Parse data files to construct a pypeit file in preparation '
                              "for reduction using 'run_pypeit', with frames typed by SPIT "
                              "(pixels) and PypeIt's header rules.")
        return add_spit_arguments(parser)

    @classmethod
    def check_args(cls, args):
        """
        Fail early, in one line and before any output, on an unknown spectrograph, a
        mistyped folder or an invalid configuration (naming the file and the key); a
        folder of night folders is replaced by its nights.
        """
        from pypeit_spit.integration.config import instrument_config
        from pypeit_spit.integration.outputs import check_setup_outputs
        from pypeit_spit.integration.roots import resolve_roots
        from pypeit_spit.io.spectrograph import get_spectrograph
        if args.spectrograph is None:
            return
        spec = get_spectrograph(args.spectrograph)
        args.root, args.expanded_roots = resolve_roots(args.root, spec, args.extension)
        opts = spit_options(args)
        instrument_config(args.spectrograph, user_file=opts['user_file'],
                          enabled=opts['enable'], threshold=opts['threshold'],
                          model=opts['model'])
        # the output folder and --log_file, before the log file is made in it (a bad
        # configuration above leaves no folder behind)
        check_setup_outputs(args)

    @classmethod
    def log_folder(cls, args):
        """The log file goes beside the outputs (PypeIt's own goes in the cwd)."""
        return getattr(args, 'output_path', None)

    @classmethod
    def main(cls, args):
        """Run PypeIt's setup with SPIT typing the frames; one summary on stdout."""
        import time
        from pathlib import Path

        from pypeit import log

        from pypeit_spit.pipeline.reader import keep_freed_memory
        from pypeit_spit.integration.config import instrument_config
        from pypeit_spit.integration.hook import enabled
        from pypeit_spit.integration.outputs import finish_outputs, staged_setup_outputs
        from pypeit_spit.integration.summary import setup_summary
        from pypeit_spit.io.spectrograph import get_spectrograph
        keep_freed_memory()   # frames' arrays are reused, not faulted in again
        opts = spit_options(args)
        ahead = None
        expanded = getattr(args, 'expanded_roots', {})
        files = None
        if args.spectrograph is not None:
            spec = get_spectrograph(args.spectrograph)
            try:
                files = type(spec).find_raw_files(args.root, extension=args.extension)
            except Exception:   # PypeIt reports a bad extension itself
                files = None
            cfg = instrument_config(args.spectrograph, user_file=opts['user_file'],
                                    enabled=opts['enable'], threshold=opts['threshold'],
                                    model=opts['model'])
            if cfg.enabled and not getattr(args, 'gui', False):
                ahead = _read_ahead(spec, args, cfg)
        started = time.time()
        with staged_setup_outputs(args.output_path) as staged:   # the outputs: all or none
            try:
                with enabled(**opts, prefetch=ahead) as record:
                    status = super().main(args)
            finally:
                if ahead is not None:
                    ahead.close()
            finish_outputs(staged, record, args.output_path)
        written = sorted(p for pattern in ('*/*.pypeit', '*/*.calib', '*/*.sorted',
                                           '*/*.obslog')
                         for p in Path(args.output_path).glob(pattern)
                         if p.stat().st_mtime >= started - 1)
        for folder, nights in expanded.items():
            log.info(f'{folder}: searched its {len(nights)} night folders')
        print(setup_summary(record['results'], written, log_file=getattr(cls, 'log_path', None),
                            expanded=expanded, files=files))
        return status
