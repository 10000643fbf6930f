"""Observatory locations without network access (``pypeit_spit.io.sites``)."""
import importlib.util
import json
import os
import re
import subprocess
import sys
import urllib.error
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import EarthLocation, UnknownSiteException
from astropy.coordinates.sites import SiteRegistry
from astropy.utils import data as astropy_data

from pypeit_spit.io import sites
from pypeit_spit.io.sites import (SITES, OfflineSiteRegistry, main, offline_registry,
                               sites_in_cache, sites_urls, use_offline_sites)

#: astropy-data's observatory list, beside the checkout.
SHARED_SITES = (Path(__file__).resolve().parents[1].parent / 'shared' / 'astropy-data'
                / 'coordinates' / 'sites.json')

#: The installed PypeIt's telescope definitions (found without importing PypeIt).
TELESCOPES = (Path(importlib.util.find_spec('pypeit').submodule_search_locations[0])
              / 'telescopes.py')


def pypeit_site_names():
    """Every name PypeIt's telescopes.py passes to ``EarthLocation.of_site``."""
    text = TELESCOPES.read_text()
    names = re.findall(r"""of_site\(\s*(['"])(.+?)\1\s*\)""", text)
    # Every call must have a literal name, or this list would miss one.
    assert len(names) == text.count('of_site('), 'of_site() called without a literal name'
    return sorted({name for _, name in names})


def fresh_env(tmp_path):
    """Environment of a fresh user: empty HOME, no XDG or astropy folders set."""
    home = tmp_path / 'home'
    home.mkdir()
    # matplotlib (imported by PypeIt) writes its font cache into HOME otherwise: let it
    # use (and, once, fill) the one of this process instead.
    env = dict(os.environ, HOME=str(home), MPLCONFIGDIR=matplotlib.get_cachedir())
    for var in ('XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'ASTROPY_CACHE_DIR',
                'ASTROPY_CONFIG_DIR', 'PYTHONWARNINGS'):
        env.pop(var, None)
    return home, env


def run_python(args, env, cwd):
    return subprocess.run([sys.executable, *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def no_download(monkeypatch):
    """Fail any attempt to fetch astropy's list."""
    def fail(*args, **kwargs):
        raise AssertionError(f'download attempted: {args} {kwargs}')
    monkeypatch.setattr(astropy_data, 'download_file', fail)


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """An empty astropy cache folder (ASTROPY_CACHE_DIR) and no registry loaded."""
    cache = tmp_path / 'astropy-cache'
    cache.mkdir()
    monkeypatch.setenv('ASTROPY_CACHE_DIR', str(cache))
    monkeypatch.setattr(EarthLocation, '_site_registry', None)
    return cache


def test_pypeit_names_parsed():
    names = pypeit_site_names()
    assert 'Lick Observatory' in names and 'gemini_south' in names
    assert len(names) >= 15


@pytest.mark.parametrize('name', pypeit_site_names())
def test_pypeit_sites_offline(name, monkeypatch, no_download):
    monkeypatch.setattr(EarthLocation, '_site_registry', offline_registry())
    loc = EarthLocation.of_site(name)
    assert isinstance(loc, EarthLocation)
    assert loc.info.meta['source'].startswith('astropy-data coordinates/sites.json')
    assert name in EarthLocation.get_site_names()


def test_table_matches_astropy_data():
    if not SHARED_SITES.is_file():
        pytest.skip(f'{SHARED_SITES} is not available')
    astropy_sites = json.loads(SHARED_SITES.read_text(encoding='UTF-8'))
    theirs = SiteRegistry.from_json(astropy_sites)
    ours = offline_registry()
    for key, site in SITES.items():
        entry = astropy_sites[key]
        assert site.name == entry['name']
        assert set(site.aliases) == {a for a in entry['aliases'] if a}
        assert site.source.endswith(f"(source: {entry['source']})")
        for name in (key, site.name, *site.aliases):
            a, b = ours[name], theirs[name]
            assert np.linalg.norm((a.get_itrs().cartesian - b.get_itrs().cartesian)
                                  .xyz.to_value(u.m)) < 1, name
            assert a.info.name == b.info.name
        # The numbers as written, against the geodetic ones of astropy-data.
        loc = ours[key]
        assert abs((loc.lon.deg - entry['longitude'] + 180) % 360 - 180) < 1e-8
        assert loc.lat.deg == pytest.approx(entry['latitude'], abs=1e-8)
        assert loc.height.to_value(u.m) == pytest.approx(entry['elevation'], abs=1e-3)


def test_unknown_site_falls_back_to_astropy(tmp_path, monkeypatch):
    fake = dict(sites._sites_json({'nowhere': SITES['keck']._replace(
        name='Nowhere Observatory', aliases=('Nowhere',), source='test')}))
    fake_file = tmp_path / 'sites.json'
    fake_file.write_text(json.dumps(fake))
    calls = []

    def fake_download(remote_url, cache=False, sources=None, **kwargs):
        calls.append((remote_url, cache, sources))
        return str(fake_file)

    monkeypatch.setattr(astropy_data, 'download_file', fake_download)
    registry = offline_registry()
    monkeypatch.setattr(EarthLocation, '_site_registry', registry)
    assert 'Nowhere Observatory' not in registry.names
    assert EarthLocation.of_site('nowhere observatory').info.name == 'Nowhere Observatory'
    assert calls == [(sites_urls()[0], True, list(sites_urls()))]
    # Loaded once, then kept; the project's own sites are still there.
    assert registry['Nowhere'].info.name == 'Nowhere Observatory'
    assert registry['keck'].info.meta['source'].startswith('astropy-data')
    with pytest.raises(UnknownSiteException):
        EarthLocation.of_site('no such observatory')
    assert len(calls) == 1
    assert {'Nowhere Observatory', 'Lick Observatory'} <= set(registry.names)
    assert len(registry) == len(list(registry)) == len(set(registry))


def test_unknown_site_offline_raises_astropys_error(monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError('offline')

    monkeypatch.setattr(astropy_data, 'download_file', offline)
    registry = offline_registry()
    with pytest.raises(urllib.error.URLError) as err:
        registry['Nowhere Observatory']
    assert err.value.__context__ is None
    assert registry['Lick Observatory'].info.name == 'Lick Observatory'


def test_use_offline_sites_installs_once(empty_cache, no_download):
    assert not sites_in_cache()
    assert use_offline_sites() is True
    registry = EarthLocation._site_registry
    assert isinstance(registry, OfflineSiteRegistry)
    assert use_offline_sites() is False
    assert EarthLocation._site_registry is registry
    assert list(empty_cache.iterdir()) == []


@pytest.mark.parametrize('which', [0, 1])
def test_use_offline_sites_keeps_astropys_cache(which, empty_cache, tmp_path, no_download):
    listfile = tmp_path / 'sites.json'
    listfile.write_text(json.dumps(sites._sites_json(SITES)))
    astropy_data.import_file_to_cache(sites_urls()[which], str(listfile))
    assert sites_in_cache()
    assert use_offline_sites() is False
    assert EarthLocation._site_registry is None


def test_use_offline_sites_keeps_loaded_registry(monkeypatch, no_download):
    registry = SiteRegistry()
    registry.add_site(['here'], EarthLocation.from_geodetic(0, 0, 0))
    monkeypatch.setattr(EarthLocation, '_site_registry', registry)
    assert use_offline_sites() is False
    assert EarthLocation._site_registry is registry


def test_pypeit_starts_in_fresh_home(tmp_path):
    home, env = fresh_env(tmp_path)
    code = ('from pypeit_spit.io.sites import use_offline_sites; '
            'print(use_offline_sites(), use_offline_sites()); '
            'import pypeit.spectrographs; '
            'from pypeit.spectrographs.util import load_spectrograph; '
            "load_spectrograph('shane_kast_blue')")
    result = run_python(['-W', 'error', '-c', code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ['True', 'False']
    assert 'Traceback' not in result.stderr
    assert 'Warning' not in result.stderr and 'WARNING' not in result.stderr
    assert list(home.iterdir()) == [], 'something was written into HOME'


def test_cli_loads_cache_in_fresh_home(tmp_path):
    home, env = fresh_env(tmp_path)
    listfile = tmp_path / 'sites.json'
    listfile.write_text(json.dumps(sites._sites_json(SITES)))
    result = run_python(['-W', 'error', '-m', 'pypeit_spit.io.sites', str(listfile)], env,
                        tmp_path)
    assert result.returncode == 0, result.stderr
    assert str(listfile) in result.stdout
    check = ('from astropy.utils.data import is_url_in_cache; '
             'from pypeit_spit.io.sites import sites_urls, use_offline_sites; '
             'assert all(is_url_in_cache(u) for u in sites_urls()); '
             'assert not use_offline_sites(); '
             'from astropy.coordinates import EarthLocation; '
             "print(EarthLocation.of_site('gems').info.meta['source'])")
    result = run_python(['-W', 'error', '-c', check], env, tmp_path)
    assert result.returncode == 0, result.stderr
    # astropy's own registry, read from the cache
    assert result.stdout.strip() == SITES['gemini_south'].source


def test_cli_missing_file(tmp_path):
    _, env = fresh_env(tmp_path)
    missing = tmp_path / 'nothere.json'
    result = run_python(['-m', 'pypeit_spit.io.sites', str(missing)], env, tmp_path)
    assert result.returncode == 2
    assert result.stderr.count('\n') == 1 and 'nothere.json' in result.stderr
    assert 'Traceback' not in result.stderr


def test_cli_usage(capsys):
    with pytest.raises(SystemExit) as err:
        main([])
    assert err.value.code == 2


def test_cli_not_a_list(tmp_path, capsys):
    bad = tmp_path / 'bad.json'
    bad.write_text('{"a": 1}')
    assert main([str(bad)]) == 2
    assert 'bad.json' in capsys.readouterr().err


def test_cli_download(tmp_path, monkeypatch, capsys):
    listfile = tmp_path / 'sites.json'
    listfile.write_text(json.dumps(sites._sites_json(SITES)))
    calls = []

    def fake_download(remote_url, cache=False, sources=None, **kwargs):
        calls.append((remote_url, cache))
        return str(listfile)

    monkeypatch.setattr(astropy_data, 'download_file', fake_download)
    assert main(['--download']) == 0
    assert calls == [(sites_urls()[0], 'update')]
    assert f'({len(SITES)} sites)' in capsys.readouterr().out

    def offline(*args, **kwargs):
        raise urllib.error.URLError('offline')

    monkeypatch.setattr(astropy_data, 'download_file', offline)
    assert main(['--download']) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'offline' in err
