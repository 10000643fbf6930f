"""
Test configuration: offline astropy site list, paths to the shared real frames.
"""
import os
from pathlib import Path

import pytest

os.environ.setdefault('KERAS_BACKEND', 'tensorflow')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')

#: ../shared next to the checkout (CI clones the project with shared/ beside it).
SHARED = Path(__file__).resolve().parents[1].parent / 'shared'
REALFRAMES = SHARED / 'realframes'
SITES = SHARED / 'astropy-data' / 'coordinates' / 'sites.json'


def _cache_sites():
    """Put astropy's observatory list in its cache so PypeIt imports offline."""
    if not SITES.is_file():
        return
    from astropy.utils.data import import_file_to_cache, is_url_in_cache
    for url in ('http://www.astropy.org/astropy-data/coordinates/sites.json',
                'http://data.astropy.org/coordinates/sites.json'):
        if not is_url_in_cache(url):
            import_file_to_cache(url, str(SITES), remove_original=False)


_cache_sites()


@pytest.fixture(scope='session')
def realframes():
    """Folder of the shared real frames (skips when absent)."""
    if not REALFRAMES.is_dir():
        pytest.skip('../shared/realframes is not available')
    return REALFRAMES
