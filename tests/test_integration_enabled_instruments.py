"""
``pypeit_spit_setup`` on a simulated night of every spectrograph the packaged
configuration switches SPIT on for, with the model it configures: every frame typed,
none silently wrong (a wrong type is only allowed flagged as a conflict).
"""
import pytest

from pypeit_spit.integration import config
from pypeit_spit.integration.config import default_path, read_config_file
from pypeit_spit.vocab import class_of_frametypes

from helpers import run_command


def _enabled():
    config = read_config_file(default_path(), defaults=True)
    return sorted(name for name, section in config.items()
                  if name != 'default' and isinstance(section, dict)
                  and section.get('enabled'))


ENABLED = _enabled()


@pytest.fixture(autouse=True)
def no_home_config(monkeypatch, tmp_path):
    """Never read the developer's ~/.config/pypeit_spit/spit.cfg."""
    monkeypatch.setattr(config, 'user_config_path', lambda: tmp_path / 'absent' / 'spit.cfg')


def test_some_spectrograph_is_enabled():
    assert {'shane_kast_blue', 'shane_kast_red', 'shane_kast_red_ret'} <= set(ENABLED)


@pytest.mark.parametrize('spectrograph', ENABLED)
def test_setup_types_a_simulated_night(spectrograph, tmp_path):
    from pypeit.inputfiles import PypeItFile
    from pypeit_spit.simulate import simulate_nights
    sim = tmp_path / 'sim'
    manifest = simulate_nights(spectrograph, 1, sim, seed=4242, scale=0.2)
    truth = {str(f).split('/')[-1]: str(c) for f, c in zip(manifest['file'], manifest['cls'])}
    night = sim / str(manifest['file'][0]).split('/')[0]
    out = tmp_path / 'out'
    result = run_command('pypeit_spit_setup', '-r', night, '-s', spectrograph, '-c', 'all',
                         '-d', out, cwd=tmp_path, env={'HOME': str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]
    typed = {}
    for pfile in out.glob('*/*.pypeit'):
        data = PypeItFile.from_file(str(pfile), preserve_comments=True).data
        for f, t, src in zip(data['filename'], data['frametype'], data['spit_src']):
            typed[str(f).lstrip('# ')] = (str(t), str(src))
    assert set(typed) == set(truth), 'every frame in the .pypeit files'
    silent = {name: typed[name] for name, cls in truth.items()
              if class_of_frametypes(typed[name][0]) != cls and typed[name][1] != 'conflict'}
    assert not silent, f'silently wrong: {silent}'


def test_long_slit_spectrographs_are_on_with_the_long_slit_network():
    """The switch turned the long-slit network on beyond Kast (models/longslit.md)."""
    from pypeit_spit.integration.config import instrument_config
    longslit = [n for n in ENABLED if instrument_config(n).model == 'longslit']
    assert len(longslit) >= 8 and not any(n.startswith('shane_kast') for n in longslit)


def test_classify_uses_the_spectrographs_configured_model(tmp_path):
    """``pypeit_spit_classify -s`` types with the model and cut ``pypeit_spit_setup`` would
    use for that spectrograph (recorded in the table it writes), a ``--spit-config`` file
    included; ``--spit-model`` overrides the model."""
    from astropy.table import Table
    from pypeit_spit.simulate import simulate_nights
    manifest = simulate_nights('not_alfosc', 1, tmp_path / 'sim', seed=4243, scale=0.1)
    night = tmp_path / 'sim' / str(manifest['file'][0]).split('/')[0]
    mine = tmp_path / 'mine.cfg'
    mine.write_text('[not_alfosc]\n  threshold = 0.99\n')
    used = {}
    for extra, name in (((), 'longslit'), (('--spit-model', 'kast_compact'), 'kast_compact'),
                        (('--spit-config', mine), 'mine')):
        out = tmp_path / f'{name}.ecsv'
        result = run_command('pypeit_spit_classify', night, '-s', 'not_alfosc', '-f', out,
                             '--no-progress', *extra, cwd=tmp_path, env={'HOME': str(tmp_path)})
        assert result.returncode == 0, result.stderr[-2000:]
        meta = Table.read(out).meta
        used[name] = (meta['model'], set(meta['cuts'].values()))
    assert used['longslit'][0].endswith('longslit.onnx'), used
    assert len(used['longslit'][1]) > 1          # the model's own cut per class
    assert used['kast_compact'][0].endswith('kast_compact.onnx'), used
    assert used['mine'][0].endswith('longslit.onnx') and used['mine'][1] == {0.99}, used
