"""
Where every console script starts (the ``console_scripts`` entry points of
``setup.cfg``): the one explicit call that makes PypeIt's observatories known offline
(:func:`pypeit_spit.io.sites.use_offline_sites`), then the command's own
``entry_point``. Nothing happens when this module is imported.
"""
import importlib

__all__ = ['COMMANDS', 'start']

#: Console script -> (module of :mod:`pypeit_spit.scripts`, command class).
COMMANDS = {
    'pypeit_spit_classify': ('spit_classify', 'SpitClassify'),
    'pypeit_spit_png': ('spit_png', 'SpitPng'),
    'pypeit_spit_simulate': ('spit_simulate', 'SpitSimulate'),
    'pypeit_spit_train': ('spit_train', 'SpitTrain'),
    'pypeit_spit_evaluate': ('spit_evaluate', 'SpitEvaluate'),
    'pypeit_spit_setup': ('spit_setup', 'SpitSetup'),
    'pypeit_spit_retype': ('spit_retype', 'SpitRetype'),
    'pypeit_spit_check': ('spit_check', 'SpitCheck'),
    'pypeit_spit_export': ('spit_export', 'SpitExport'),
    'pypeit_spit_gallery': ('spit_gallery', 'SpitGallery'),
    'pypeit_spit_dataset': ('spit_dataset', 'SpitDataset'),
    'pypeit_spit_archive': ('spit_archive', 'SpitArchive'),
}


def start(name):
    """
    Run the console script ``name``: observatories known offline, then its command.

    Parameters
    ----------
    name : str
        A key of :data:`COMMANDS`.
    """
    from pypeit_spit.io.sites import use_offline_sites
    use_offline_sites()
    module, cls = COMMANDS[name]
    command = getattr(importlib.import_module(f'pypeit_spit.scripts.{module}'), cls)
    return command.entry_point()


def _entry(name):
    def entry():
        return start(name)
    entry.__name__ = entry.__qualname__ = name.removeprefix('pypeit_spit_')
    entry.__doc__ = f'The ``{name}`` console script.'
    return entry


classify = _entry('pypeit_spit_classify')
png = _entry('pypeit_spit_png')
simulate = _entry('pypeit_spit_simulate')
train = _entry('pypeit_spit_train')
evaluate = _entry('pypeit_spit_evaluate')
setup = _entry('pypeit_spit_setup')
retype = _entry('pypeit_spit_retype')
check = _entry('pypeit_spit_check')
export = _entry('pypeit_spit_export')
gallery = _entry('pypeit_spit_gallery')
dataset = _entry('pypeit_spit_dataset')
archive = _entry('pypeit_spit_archive')
