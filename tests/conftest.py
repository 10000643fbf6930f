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


if SITES.is_file():
    # PypeIt needs astropy's observatory list at import: load it from ../shared, never
    # from the network.
    from pypeit_spit.sites import cache_sites
    cache_sites(SITES)


@pytest.fixture(scope='session')
def realframes():
    """Folder of the shared real frames (skips when absent)."""
    if not REALFRAMES.is_dir():
        pytest.skip('../shared/realframes is not available')
    return REALFRAMES
