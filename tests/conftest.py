"""
Test configuration: where the frames are. The core tests read small simulated frames
that our simulator writes once per session (``simframes.py``; never a real frame); only the real-frame accuracy tests need ../shared/realframes
and skip when it is absent. Nothing here touches the network
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


@pytest.fixture(scope='session')
def simframes(tmp_path_factory):
    """The simulated frames of the session (simframes.py): ``shane_kast_blue/`` and
    ``loaders/`` in one folder, written once."""
    from simframes import kast_night, loader_frames
    folder = tmp_path_factory.mktemp('simframes')
    kast_night(folder / 'shane_kast_blue')
    loader_frames(folder / 'loaders')
    return folder


@pytest.fixture(scope='session')
def kastframes(simframes):
    """A simulated Kast blue night with the file names and classes of the real one (b1 arc,
    b3-b6 flats, b14-b16 biases, b24 standard, b27-b29 science); never skips."""
    return simframes / 'shane_kast_blue'


@pytest.fixture(scope='session')
def loaderframes(simframes):
    """One simulated frame per loader and instrument."""
    return simframes / 'loaders'


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch, tmp_path):
    """No test reads the user's ~/.config/pypeit_spit/spit.cfg."""
    from pypeit_spit.integration import config
    monkeypatch.setattr(config, 'user_config_path', lambda: tmp_path / 'absent-user.cfg')
