"""
Test configuration: where the shared real frames are. Nothing here touches the network
or astropy's cache: PypeIt's observatories come from pypeit_spit.io.sites when astropy has
no list (as on a fresh offline machine).
"""
from pathlib import Path

import pytest

from pypeit_spit.io.sites import use_offline_sites

#: ../shared next to the checkout (CI clones the project with shared/ beside it).
SHARED = Path(__file__).resolve().parents[1].parent / 'shared'
REALFRAMES = SHARED / 'realframes'

use_offline_sites()


@pytest.fixture(scope='session')
def realframes():
    """Folder of the shared real frames (skips when absent)."""
    if not REALFRAMES.is_dir():
        pytest.skip('../shared/realframes is not available')
    return REALFRAMES


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch, tmp_path):
    """No test reads the user's ~/.config/pypeit_spit/spit.cfg."""
    from pypeit_spit.integration import config
    monkeypatch.setattr(config, 'user_config_path', lambda: tmp_path / 'absent-user.cfg')
