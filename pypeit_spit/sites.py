"""
Make astropy's observatory list available offline.

PypeIt calls ``EarthLocation.of_site`` when ``pypeit.spectrographs`` is imported, and
astropy downloads its observatory list (``sites.json``) on first use. On a machine
without network access, load a local copy into astropy's cache once::

    python -m pypeit_spit.sites ../shared/astropy-data/coordinates/sites.json
"""
import sys
from pathlib import Path

__all__ = ['SITES_URLS', 'cache_sites']

#: The addresses astropy fetches the observatory list from.
SITES_URLS = ('http://www.astropy.org/astropy-data/coordinates/sites.json',
              'http://data.astropy.org/coordinates/sites.json')


def cache_sites(path):
    """
    Load a local ``sites.json`` into astropy's download cache for both its addresses.

    Parameters
    ----------
    path : str or `pathlib.Path`
        A copy of astropy-data's ``coordinates/sites.json``.

    Raises
    ------
    FileNotFoundError
        When ``path`` is not a file.
    """
    from astropy.utils.data import import_file_to_cache, is_url_in_cache
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise FileNotFoundError(f'{path}: no such file (astropy observatory list)')
    for url in SITES_URLS:
        if not is_url_in_cache(url):
            import_file_to_cache(url, str(path), remove_original=False)


def main(argv=None):
    """``python -m pypeit_spit.sites PATH``"""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__)
        return 2
    cache_sites(argv[0])
    print(f'astropy cache: observatory list loaded from {argv[0]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
