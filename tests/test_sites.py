"""Loading astropy's observatory list offline."""
import pytest

from pypeit_spit.sites import SITES_URLS, cache_sites, main


def test_cache_sites_from_shared(realframes):
    from astropy.utils.data import is_url_in_cache
    sites = realframes.parent / 'astropy-data' / 'coordinates' / 'sites.json'
    cache_sites(sites)
    assert all(is_url_in_cache(u) for u in SITES_URLS)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothere.json'):
        cache_sites(tmp_path / 'nothere.json')
    assert main([]) == 2
