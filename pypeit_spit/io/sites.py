"""
Observatory locations for PypeIt without network access.

PypeIt calls `astropy.coordinates.EarthLocation.of_site` for every telescope when
``pypeit.spectrographs`` is imported, and astropy (version 8 ships no built-in
observatory list) downloads its list, astropy-data's ``coordinates/sites.json``, on
first use. On a machine without network access and with a cold astropy cache, PypeIt
therefore cannot start.

`use_offline_sites` fixes this without any download: when astropy has no observatory
list yet (neither loaded nor in its download cache), it installs a registry holding
the observatories PypeIt asks for (`SITES`), which falls back to astropy's own
download for any other name.

To give astropy its complete list instead, load a local copy of ``sites.json`` into
astropy's cache once::

    python -m pypeit_spit.io.sites ../shared/astropy-data/coordinates/sites.json

or, with network access, refresh it from astropy's servers::

    python -m pypeit_spit.io.sites --download
"""
import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import NamedTuple

from astropy.coordinates.errors import UnknownSiteException
from astropy.coordinates.sites import SiteRegistry

__all__ = ['SITES', 'Site', 'OfflineSiteRegistry', 'cache_sites', 'main',
           'offline_registry', 'sites_in_cache', 'sites_urls', 'use_offline_sites']

#: Name of astropy's observatory list, relative to its data server
#: (``astropy.utils.data.conf.dataurl`` and ``dataurl_mirror``).
SITES_DATA_NAME = 'coordinates/sites.json'


class Site(NamedTuple):
    """
    One observatory of `SITES`.

    Attributes
    ----------
    name : str
        Full name (astropy's ``info.name`` of the location).
    aliases : tuple of str
        Other names the site is found under (case-insensitive).
    longitude : float
        Geodetic longitude in degrees, east positive (either 0..360 or -180..180).
    latitude : float
        Geodetic latitude in degrees.
    elevation : float
        Elevation in metres (astropy, like PypeIt, takes longitude, latitude and
        elevation as WGS84 geodetic coordinates).
    source : str
        Where the numbers come from.
    """
    name: str
    aliases: tuple
    longitude: float
    latitude: float
    elevation: float
    source: str


def _astropy_data(source):
    return f'astropy-data coordinates/sites.json (source: {source})'


#: The observatories that PypeIt 2.0.1 (``pypeit/telescopes.py``) asks
#: `~astropy.coordinates.EarthLocation.of_site` for, keyed by astropy-data's key for the
#: site, with every name astropy-data gives the site (the comments name PypeIt's
#: telescope classes and the name each asks for). The numbers are astropy-data's
#: (https://github.com/astropy/astropy-data, ``coordinates/sites.json``), which cites
#: the source named in each entry. Longitudes are east-positive, as there.
SITES = {
    # AAT: 'Siding Spring Observatory'
    'sso': Site('Siding Spring Observatory', ('Siding Spring Observatory',),
                149.06119444444445, -31.27336111111111, 1149.0,
                _astropy_data('IRAF Observatory Database')),
    # GTC, WHT, TNG, NOT: 'Roque de los Muchachos'
    'lapalma': Site('Roque de los Muchachos, La Palma', ('Roque de los Muchachos',),
                    342.12, 28.758333333333333, 2327.0,
                    _astropy_data('IRAF Observatory Database')),
    # Keck: 'W. M. Keck Observatory'
    'keck': Site('W. M. Keck Observatory', ('W. M. Keck Observatory', 'Keck Observatory'),
                 204.52166666666668, 19.828333333333333, 4160.0,
                 _astropy_data('IRAF Observatory Database')),
    # Subaru: 'Subaru Telescope'
    'Subaru': Site('Subaru Telescope', ('Subaru Telescope',),
                   204.5238888888889, 19.825555555555557, 4139.0,
                   _astropy_data('Subaru Telescope website (August 2015)')),
    # Magellan: 'Las Campanas Observatory'
    'lco': Site('Las Campanas Observatory', ('Las Campanas Observatory',),
                289.29833333333335, -29.003333333333334, 2282.0,
                _astropy_data('IRAF Observatory Database')),
    # Shane, APF: 'Lick Observatory'
    'lick': Site('Lick Observatory', ('Lick Observatory',),
                 238.36333333333332, 37.343333333333334, 1290.0,
                 _astropy_data('IRAF Observatory Database')),
    # VLT: 'Paranal Observatory'
    'paranal': Site('Paranal Observatory (ESO)', ('Cerro Paranal', 'Paranal Observatory'),
                    -70.40498688, -24.62743941, 2669.0,
                    _astropy_data('Official reference in VLTI raw data products')),
    # NTT: 'La Silla Observatory'
    'lasilla': Site('La Silla Observatory (ESO)', ('La Silla Observatory',),
                    289.27, -29.256666666666668, 2347.0,
                    _astropy_data('IRAF Observatory Database')),
    # GeminiN: 'gemini_north'
    'gemini_north': Site('Gemini North', ('gemn',),
                         -155.4690467527778, 19.823801447222223, 4213.0,
                         _astropy_data('CTIO Website')),
    # GeminiS: 'gemini_south'; SOAR: 'Cerro Pachon'
    'gemini_south': Site('Gemini South', ('Cerro Pachon', 'Gemini South', 'gems'),
                         289.2633166666667, -30.24074166666667, 2750.0,
                         _astropy_data('CTIO Website')),
    # LBT: 'Large Binocular Telescope'
    'lbt': Site('Large Binocular Telescope',
                ('Large Binocular Telescope', 'Mount Graham International Observatory',
                 'Mt Graham'),
                250.1281, 32.7016, 2902.0,
                _astropy_data('LBT website')),
    # KPNO: 'Kitt Peak National Observatory'; Bok: 'Kitt Peak'
    'kpno': Site('Kitt Peak National Observatory',
                 ('Kitt Peak', 'Kitt Peak National Observatory'),
                 248.4, 31.96333333333333, 2120.0,
                 _astropy_data('IRAF Observatory Database')),
    # Hiltner: 'mdm'
    'mdm': Site('MDM Observatory', ('Michigan-Dartmouth-MIT Observatory',),
                248.38333333333333, 31.95, 1938.0,
                _astropy_data('IRAF Observatory Database')),
    # MMT: 'Whipple Observatory'
    'flwo': Site('Whipple Observatory', ('Whipple', 'Whipple Observatory'),
                 249.1225, 31.680944444444446, 2320.0,
                 _astropy_data('IRAF Observatory Database')),
    # P200: 'Palomar'
    'Palomar': Site('The Hale Telescope', ('Hale Telescope',),
                    243.137, 33.356, 1706.0,
                    _astropy_data('IRAF Observatory Database')),
    # LDT: 'Discovery Channel Telescope'
    'dct': Site('Lowell Discovery Telescope',
                ('DCT', 'Discovery Channel Telescope', 'Happy Jack', 'LDT', 'ldt',
                 'Lowell Discovery Telescope'),
                248.577485, 34.744305, 2337.0,
                _astropy_data('Site GPS on 20130708 UT as recorded in observatory wiki')),
}


def sites_urls():
    """
    The addresses astropy reads its observatory list from.

    These are what ``get_pkg_data_contents('coordinates/sites.json')`` (called by
    `~astropy.coordinates.EarthLocation.of_site`) resolves to: the list is cached under
    the first; the second is the mirror it is downloaded from when the first fails.

    Returns
    -------
    urls : tuple of str
        ``conf.dataurl`` and ``conf.dataurl_mirror`` of `astropy.utils.data`, each
        followed by ``coordinates/sites.json``.
    """
    from astropy.utils.data import conf
    return (conf.dataurl + SITES_DATA_NAME, conf.dataurl_mirror + SITES_DATA_NAME)


def _download_astropy_sites(cache=True):
    """Astropy's observatory list (``sites.json`` as text), exactly as astropy gets it."""
    from astropy.utils import data
    # package='astropy.coordinates': the same local-file check and remote addresses as
    # astropy.coordinates.EarthLocation._get_site_registry.
    return data.get_pkg_data_contents(SITES_DATA_NAME, package='astropy.coordinates',
                                      encoding='UTF-8', cache=cache)


def _astropy_has_local_sites():
    """Whether astropy would read ``sites.json`` from a file installed with it."""
    from astropy.utils.data import get_pkg_data_path
    try:
        return Path(get_pkg_data_path(SITES_DATA_NAME,
                                      package='astropy.coordinates')).is_file()
    except Exception:  # noqa: BLE001 - any failure means "no local copy"
        return False


def sites_in_cache():
    """
    Whether astropy's download cache holds its observatory list.

    Checked for both addresses of `sites_urls`. Nothing is downloaded, nothing is
    created (astropy >= 8; astropy 7 creates its cache folder when looked at), and no
    warning escapes, whether or not the cache folder exists.

    Returns
    -------
    cached : bool
        `True` when ``sites.json`` is in the cache under either address.
    """
    from astropy.utils.data import is_url_in_cache
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for url in sites_urls():
            try:
                try:
                    found = is_url_in_cache(url, on_missing='ignore')
                except TypeError:  # astropy < 8: no on_missing
                    found = is_url_in_cache(url)
            except (OSError, ValueError):  # e.g. a file where the cache folder is
                found = False
            if found:
                return True
    return False


def _sites_json(sites):
    """``sites`` (like `SITES`) in the layout of astropy-data's ``sites.json``."""
    return {key: {'name': site.name, 'aliases': list(site.aliases),
                  'longitude': site.longitude, 'longitude_unit': 'degree',
                  'latitude': site.latitude, 'latitude_unit': 'degree',
                  'elevation': site.elevation, 'elevation_unit': 'meter',
                  'source': site.source}
            for key, site in sites.items()}


class OfflineSiteRegistry(SiteRegistry):
    """
    A site registry holding `SITES`, falling back to astropy's list.

    Looking up a name the registry does not hold loads astropy's own observatory list
    the way astropy does (its download cache, else its data server) and looks the name
    up there; that list is kept for the next look-ups. Without network access that
    look-up raises what astropy raises (`urllib.error.URLError`); a name astropy does
    not know either raises `~astropy.coordinates.UnknownSiteException`.

    `names`, ``len`` and iteration cover `SITES` until astropy's list has been loaded,
    and both lists after.
    """

    def __init__(self):
        super().__init__()
        self._astropy = None

    def __getitem__(self, site_name):
        try:
            return super().__getitem__(site_name)
        except UnknownSiteException:
            pass
        # Outside the except block, so that a download error is not chained to the miss.
        return self.astropy_registry()[site_name]

    def astropy_registry(self):
        """
        Astropy's own registry, loaded on the first call (which may download).

        Returns
        -------
        registry : `~astropy.coordinates.sites.SiteRegistry`
            Astropy's registry, built from its ``sites.json``.

        Raises
        ------
        urllib.error.URLError
            When the list is neither in astropy's cache nor downloadable.
        """
        if self._astropy is None:
            self._astropy = SiteRegistry.from_json(json.loads(_download_astropy_sites()))
        return self._astropy

    def _all_keys(self):
        keys = list(super().__iter__())
        if self._astropy is not None:
            own = set(keys)
            keys += [key for key in self._astropy if key not in own]
        return keys

    def __iter__(self):
        return iter(self._all_keys())

    def __len__(self):
        return len(self._all_keys())

    @property
    def names(self):
        """
        Names of the sites: those of `SITES`, plus astropy's once loaded.

        Returns
        -------
        names : list of str
            Sorted, each name once.
        """
        names = set(super().names)
        if self._astropy is not None:
            names.update(self._astropy.names)
        return sorted(names)


def offline_registry(sites=None):
    """
    A new `OfflineSiteRegistry` holding ``sites``.

    Parameters
    ----------
    sites : dict of `Site`, optional
        Keyed by site key, like `SITES` (the default).

    Returns
    -------
    registry : `OfflineSiteRegistry`
        Every key, name and alias of ``sites``, case-insensitive, each location with
        ``info.name`` its name and ``info.meta['source']`` its source.
    """
    return OfflineSiteRegistry.from_json(_sites_json(SITES if sites is None else sites))


def use_offline_sites():
    """
    Make `~astropy.coordinates.EarthLocation.of_site` work offline for PypeIt.

    Does nothing when astropy already has its observatory list: loaded (a registry is
    set), installed with astropy, or in astropy's download cache (for either address of
    `sites_urls`). Otherwise sets astropy's registry to `offline_registry` (`SITES`,
    falling back to astropy's download for other names). Calling it again does nothing.
    It downloads nothing, writes nothing and lets no warning escape.

    Returns
    -------
    installed : bool
        `True` when this call installed the offline registry, `False` when astropy's
        own list is (or will be) used or a registry was already set.
    """
    from astropy.coordinates import EarthLocation
    if EarthLocation._site_registry:
        return False
    if _astropy_has_local_sites() or sites_in_cache():
        return False
    EarthLocation._site_registry = offline_registry()
    return True


def cache_sites(path, replace=False):
    """
    Load a local ``sites.json`` into astropy's download cache for both its addresses.

    Parameters
    ----------
    path : str or `pathlib.Path`
        A copy of astropy-data's ``coordinates/sites.json``.
    replace : bool, optional
        Replace a copy already in the cache (default: keep it).

    Raises
    ------
    FileNotFoundError
        When ``path`` is not a file.
    ValueError
        When ``path`` is not a JSON observatory list.
    """
    from astropy.utils.data import import_file_to_cache
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise FileNotFoundError(f'{path}: no such file (astropy observatory list)')
    try:
        sites = json.loads(path.read_text(encoding='UTF-8'))
        if not isinstance(sites, dict) or not all(
                'longitude' in s for s in sites.values()):
            raise ValueError
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f'{path}: not an astropy observatory list') from None
    for url in sites_urls():
        import_file_to_cache(url, str(path), remove_original=False, replace=replace)


def main(argv=None):
    """
    ``python -m pypeit_spit.io.sites FILE | --download``.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success, 1 when the download fails, 2 for a bad argument or file.
    """
    parser = argparse.ArgumentParser(
        prog='python -m pypeit_spit.io.sites',
        description="Load astropy's observatory list (astropy-data "
                    "coordinates/sites.json) into astropy's download cache, so that "
                    "PypeIt starts without network access.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('file', nargs='?', help='a local copy of sites.json')
    source.add_argument('--download', action='store_true',
                        help="download it from astropy's data server instead")
    args = parser.parse_args(argv)
    if args.download:
        try:
            n = len(json.loads(_download_astropy_sites(cache='update')))
        except OSError as e:  # URLError is an OSError
            print(f'error: cannot download {sites_urls()[0]}: {e}', file=sys.stderr)
            return 1
        print(f'astropy cache: observatory list downloaded ({n} sites)')
        return 0
    try:
        cache_sites(args.file, replace=True)
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'astropy cache: observatory list loaded from {args.file}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
