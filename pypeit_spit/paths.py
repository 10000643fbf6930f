"""
Where the package's bundled files live (installed wheel or source checkout).
"""
from importlib import resources
from pathlib import Path

__all__ = ['package_folder']


def package_folder(name):
    """
    Folder of bundled files: ``'models'`` or ``'configs'``.

    In an installed package these are the sub-packages ``pypeit_spit.models`` and
    ``pypeit_spit.configs``; in a source checkout, the top-level folders of the same
    names.

    Parameters
    ----------
    name : str
        ``'models'`` or ``'configs'``.

    Returns
    -------
    `pathlib.Path`
    """
    if name not in ('models', 'configs'):
        raise ValueError(f'unknown bundled folder {name!r}')
    # A source checkout (its setup.cfg beside the package) uses its own folders, also
    # when an editable install of another checkout maps the sub-packages elsewhere.
    root = Path(__file__).resolve().parent.parent
    if (root / 'setup.cfg').is_file() and (root / name / '__init__.py').is_file():
        return root / name
    try:
        return Path(str(resources.files(f'pypeit_spit.{name}')))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / name
