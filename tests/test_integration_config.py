"""Tests of the layered, validated pypeit-spit configuration."""
import pytest

from pypeit_spit.errors import ConfigError
from pypeit_spit.integration import config
from pypeit_spit.integration.config import instrument_config, read_config_file
from pypeit_spit.vocab import CLASSES


@pytest.fixture(autouse=True)
def no_home_config(monkeypatch, tmp_path):
    """Never read the developer's ~/.config/pypeit_spit/spit.cfg."""
    monkeypatch.setattr(config, 'user_config_path', lambda: tmp_path / 'absent' / 'spit.cfg')


def test_packaged_defaults():
    for name in ('shane_kast_blue', 'shane_kast_red', 'shane_kast_red_ret'):
        cfg = instrument_config(name)
        assert cfg.enabled
        assert cfg.types_for('arc') == ['arc', 'tilt']
        assert cfg.types_for('flat') == ['pixelflat', 'illumflat', 'trace']
        assert cfg.types_for('science') == ['science']
        assert cfg.types_for('unknown') == []
        assert cfg.threshold is None      # the model's own calibrated cut
        assert cfg.model == 'kast_compact'
    for name in ('keck_deimos', 'not_alfosc', 'gemini_gmos_south_ham'):
        cfg = instrument_config(name)
        assert cfg.enabled and cfg.model == 'longslit' and cfg.threshold is None
    other = instrument_config('keck_lris_blue')      # did not pass the switch
    assert not other.enabled and other.model == 'kast_compact'
    assert not instrument_config('keck_hires').enabled   # never simulated


def test_layering(tmp_path, monkeypatch):
    user = tmp_path / 'user.cfg'
    user.write_text('[default]\n  threshold = 0.5\n  enabled = True\n'
                    '[shane_kast_blue]\n  model = mine\n  [[types]]\n    flat = pixelflat\n')
    blue = instrument_config('shane_kast_blue', user_file=user)
    assert blue.threshold == 0.5 and blue.model == 'mine'
    assert blue.types_for('flat') == ['pixelflat']
    assert blue.types_for('arc') == ['arc', 'tilt']
    assert str(user) in blue.sources
    # the user [default] enables every spectrograph
    assert instrument_config('keck_deimos', user_file=user).enabled
    # command line beats the files
    cli = instrument_config('shane_kast_blue', user_file=user, enabled=False, threshold=0.9,
                            model='x.keras')
    assert (cli.enabled, cli.threshold, cli.model) == (False, 0.9, 'x.keras')
    # each file overrides the one before: the user's [default] overrides the packaged
    # sections too (the packaged [keck_deimos] names longslit and switches it on)
    mine = tmp_path / 'mine.cfg'
    mine.write_text('[default]\n  model = mine.onnx\n  enabled = False\n')
    for name in ('keck_deimos', 'shane_kast_blue'):
        cfg = instrument_config(name, user_file=mine)
        assert (cfg.enabled, cfg.model) == (False, 'mine.onnx'), name
    # the home file is read when it exists
    home = tmp_path / 'home.cfg'
    home.write_text('[shane_kast_red]\n  enabled = False\n')
    monkeypatch.setattr(config, 'user_config_path', lambda: home)
    assert not instrument_config('shane_kast_red').enabled
    assert instrument_config('shane_kast_blue').enabled


@pytest.mark.parametrize('text, key', [
    ('[shane_kast_blue]\n  threshold = abc\n', 'threshold'),
    ('[shane_kast_blue]\n  threshold = 1.5\n', 'threshold'),
    ('[shane_kast_blue]\n  enabled = maybe\n', 'enabled'),
    ('[shane_kast_blue]\n  colour = blue\n', 'colour'),
    ('[no_such_spectrograph]\n  enabled = True\n', 'no_such_spectrograph'),
    ('[default]\n  [[types]]\n    flat = pixelflat, twilight\n', 'twilight'),
])
def test_invalid_names_key_and_file(tmp_path, text, key):
    bad = tmp_path / 'bad.cfg'
    bad.write_text(text)
    with pytest.raises(ConfigError) as err:
        instrument_config('shane_kast_blue', user_file=bad)
    assert str(bad) in str(err.value) and key in str(err.value)


def test_missing_and_cli_errors(tmp_path):
    with pytest.raises(ConfigError, match='nothere.cfg'):
        instrument_config('shane_kast_blue', user_file=tmp_path / 'nothere.cfg')
    with pytest.raises(ConfigError, match='spit-threshold'):
        instrument_config('shane_kast_blue', threshold=2.0)


def test_packaged_files_valid():
    packaged = read_config_file(config.default_path(), defaults=True)
    assert packaged['default']['enabled'] is False
    assert set(packaged['default']['types']) == set(CLASSES)


def test_defaults_live_only_in_the_spec():
    """The packaged spit.cfg sets nothing but the per-instrument switches and models, and
    an instrument without a section has the spec's defaults."""
    import configobj
    import validate
    spec = configobj.ConfigObj(str(config.spec_path()), list_values=False, _inspec=True)
    packaged = configobj.ConfigObj(str(config.default_path()))
    assert not packaged['default'].scalars and not packaged['default'].sections
    for name in packaged.sections:
        assert set(packaged[name].scalars) <= {'enabled', 'model'}
    assert 'keck_lris_blue' not in packaged.sections
    cfg = instrument_config('keck_lris_blue')
    check = validate.Validator()
    for key in config.KEYS:
        assert getattr(cfg, key) == check.get_default_value(spec['default'][key]), key
    for cls in CLASSES:
        assert cfg.types_for(cls) == check.get_default_value(spec['default']['types'][cls])


def test_size_limit_default_is_the_loaders():
    """The configuration's max_pixels default and classify_files' are one number."""
    from pypeit_spit.io.loaded import DEFAULT_MAX_PIXELS
    assert instrument_config('keck_deimos').max_pixels == DEFAULT_MAX_PIXELS
