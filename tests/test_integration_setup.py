"""
End-to-end tests with real PypeIt (offline): pypeit_spit_setup, vanilla loading,
--no-spit / disabled identity, wrong lamp cards, retype and check.
"""
import hashlib
import shutil

import numpy as np
import pytest
from astropy.io import fits

from pypeit_spit.model.spit_model import SpitModel
from pypeit_spit.vocab import CLASSES
from pypeit_spit.scripts.spit_check import SpitCheck
from pypeit_spit.scripts.spit_retype import SpitRetype
from pypeit_spit.scripts.spit_setup import SpitSetup





@pytest.fixture(scope='module')
def model_file(tmp_path_factory):
    """An untrained compact model (its answers are arbitrary)."""
    from pypeit_spit.model.store import build_model, save_model
    path = tmp_path_factory.mktemp('model') / 'untrained.keras'
    save_model(build_model('compact'), path)
    return path


class OracleModel(SpitModel):
    """A test double that answers each frame's true class (looked up by pixels)."""

    def __init__(self, truth, spectrograph):
        from pypeit_spit.preprocess.contract import flips
        from pypeit_spit.pipeline.prepare import prepare_frame
        from pypeit_spit.io.spectrograph import get_spectrograph
        super().__init__(None, {'classes': list(CLASSES), 'stats': [], 'threshold': 0.0})
        spec = get_spectrograph(spectrograph)
        self.lookup = {}
        for path, cls in truth.items():
            image = prepare_frame(path, spectrograph=spec).image
            for im in flips(image[None]):
                self.lookup[hashlib.sha1(np.ascontiguousarray(im[0]).tobytes()).hexdigest()] = cls

    def predict(self, images, stats=None):
        out = np.full((len(images), len(CLASSES)), 1e-6)
        for i, im in enumerate(images):
            cls = self.lookup.get(hashlib.sha1(np.ascontiguousarray(im).tobytes()).hexdigest())
            if cls is None:
                out[i] = 1.0 / len(CLASSES)
            else:
                out[i, CLASSES.index(cls)] = 1 - 4e-6
        return out


def run_setup(cls, root, out, *extra, model=None):
    argv = ['-r', str(root), '-s', 'shane_kast_blue', '-d', str(out), '--log_file', 'None',
            '-v', '0', '--date_override', '2000-01-01', *extra]
    args = cls.parse_args(argv)
    if model is not None:
        args.spit_model = model
    if hasattr(cls, 'run'):
        assert cls.run(args) == 0
    else:
        cls.main(args)              # PypeIt's own pypeit_setup
    return out


def load_vanilla(pypeit_file, tmp_path):
    """Load with run_pypeit's own loader."""
    from pypeit.pypeit import PypeIt
    return PypeIt(str(pypeit_file), redux_path=str(tmp_path / 'redux'))


def data_rows(pypeit_file):
    from pypeit.inputfiles import PypeItFile
    return PypeItFile.from_file(str(pypeit_file)).data


def stable(path, out):
    """Lines of a written file, without date stamps and with the output folder generic."""
    return [l.replace(str(out), 'OUT') for l in path.read_text().splitlines()
            if not l.startswith('# UTC') and 'Auto-generated' not in l]


def test_setup_real_frames(realframes, tmp_path, model_file):
    # an untrained model is unsure of everything at a 0.99 cut: the rules type the night
    out = run_setup(SpitSetup, realframes / 'shane_kast_blue', tmp_path / 'out', '-c', 'all',
                    '--spit-model', str(model_file), '--spit-threshold', '0.99')
    pfile = out / 'shane_kast_blue_A' / 'shane_kast_blue_A.pypeit'
    assert (out / 'shane_kast_blue_A' / 'shane_kast_blue_A.calib').is_file()
    data = data_rows(pfile)
    assert {'spit_type', 'spit_prob', 'spit', 'spit_src'} <= set(data.colnames)
    assert len(data) == 27 and all(str(f)[0] != '#' for f in data['filename'])
    assert all(str(t) not in ('', 'None') for t in data['frametype'])
    assert set(data['spit']) == {'auto'}
    pypeit = load_vanilla(pfile, tmp_path)
    assert len(pypeit.fitstbl) == 27
    assert np.all(pypeit.fitstbl['framebit'] > 0)


@pytest.mark.parametrize('how', ['no-spit', 'disabled'])
def test_identical_to_pypeit_setup(kastframes, tmp_path, how, model_file):
    from pypeit.scripts.setup import Setup
    root = kastframes
    if how == 'no-spit':
        extra = ['--no-spit', '--spit-model', str(model_file)]
    else:
        cfg = tmp_path / 'off.cfg'
        cfg.write_text('[shane_kast_blue]\n  enabled = False\n')
        extra = ['--spit-config', str(cfg)]
    for cfg_split in (['-c', 'all'], []):
        ours = run_setup(SpitSetup, root, tmp_path / f'ours{len(cfg_split)}', *cfg_split, *extra)
        theirs = run_setup(Setup, root, tmp_path / f'theirs{len(cfg_split)}', *cfg_split)
        for name in ('shane_kast_blue_A/shane_kast_blue_A.pypeit',
                     'shane_kast_blue_A/shane_kast_blue_A.calib',
                     'setup_files/shane_kast_blue.sorted'):
            if (theirs / name).is_file():
                assert stable(ours / name, ours) == stable(theirs / name, theirs), name


def _lamps_broken_night(kastframes, dest):
    """Kast frames whose lamp cards are wrong: arc and flats read as lamps off."""
    dest.mkdir()
    truth = {}
    names = {'b1': 'arc', 'b3': 'flat', 'b4': 'flat', 'b14': 'bias', 'b15': 'bias',
             'b24': 'standard', 'b27': 'science'}
    for stem, cls in names.items():
        src = kastframes / f'{stem}.fits.gz'
        out = dest / src.name
        shutil.copy(src, out)
        if cls in ('arc', 'flat'):
            with fits.open(out) as hdul:
                for key in list(hdul[0].header):
                    if key.startswith('LAMPSTA'):
                        hdul[0].header[key] = 'off'
                hdul.writeto(out, overwrite=True)
        truth[str(out)] = cls
    return truth


def test_wrong_lamp_cards(kastframes, tmp_path):
    from pypeit.scripts.setup import Setup
    root = tmp_path / 'night'
    truth = _lamps_broken_night(kastframes, root)
    oracle = OracleModel(truth, 'shane_kast_blue')
    rules = run_setup(Setup, root, tmp_path / 'rules', '-c', 'all')
    spit = run_setup(SpitSetup, root, tmp_path / 'spit', '-c', 'all', model=oracle)
    expect = {'arc': 'arc,tilt', 'flat': 'pixelflat,illumflat,trace', 'bias': 'bias',
              'standard': 'standard', 'science': 'science'}
    want = {p.split('/')[-1]: expect[c] for p, c in truth.items()}

    def typed(out):
        data = data_rows(out / 'shane_kast_blue_A' / 'shane_kast_blue_A.pypeit')
        return {str(f): str(t) for f, t in zip(data['filename'], data['frametype'])}

    by_rules, by_spit = typed(rules), typed(spit)
    # the header rules read the lamps-off arc and flats as standards
    assert by_rules['b1.fits.gz'] == 'standard' and by_rules['b3.fits.gz'] == 'standard'
    assert sum(by_rules[k] != v for k, v in want.items()) == 3
    # a sound model (no hard header fact contradicts it: not doubted) fixes the lamp
    # cards left off
    assert by_spit == want
    load_vanilla(spit / 'shane_kast_blue_A' / 'shane_kast_blue_A.pypeit', tmp_path)


def test_simulated_night(tmp_path):
    """On a simulated night with header faults, SPIT types what the rules mistype."""
    from pypeit.inputfiles import PypeItFile
    from pypeit.scripts.setup import Setup

    from pypeit_spit import simulate
    night = tmp_path / 'sim'
    manifest = simulate.simulate_nights('shane_kast_blue', 1, night, seed=3, faults=0.5,
                                        scale=0.3)
    truth = {str(night / f): c for f, c in zip(manifest['file'], manifest['cls'])}
    oracle = OracleModel(truth, 'shane_kast_blue')
    root = night / str(manifest['file'][0]).split('/')[0]
    expect = {'arc': 'arc,tilt', 'flat': 'pixelflat,illumflat,trace', 'bias': 'bias',
              'standard': 'standard', 'science': 'science'}
    want = {f.split('/')[-1]: expect[c] for f, c in truth.items()}

    def typed(out, column='frametype'):
        types = {}
        for pfile in out.glob('*/*.pypeit'):
            data = PypeItFile.from_file(str(pfile), preserve_comments=True).data
            types.update({str(f).lstrip('# '): str(t)
                          for f, t in zip(data['filename'], data[column])})
        return types

    by_rules = typed(run_setup(Setup, root, tmp_path / 'rules', '-c', 'all'))
    spit_out = run_setup(SpitSetup, root, tmp_path / 'spit', '-c', 'all', model=oracle)
    by_spit, source = typed(spit_out), typed(spit_out, 'spit_src')
    wrong_rules = {k for k, v in by_rules.items() if v != want[k]}
    wrong_spit = {k for k, v in by_spit.items() if v != want[k]}
    assert wrong_rules, 'the header faults should mislead the rules'
    # a SPIT that is always right and sure: every frame the rules mistype is typed right
    # by SPIT's override, or (where a header fact objects) flagged as a conflict
    assert not {k for k in wrong_spit if source[k] != 'conflict'}, 'silently wrong'
    assert sum(source[k] == 'spit' for k in wrong_rules) >= len(wrong_rules) // 2
    assert set(by_spit) == set(want)


def test_retype_keep_force_and_check(kastframes, tmp_path, model_file, capsys):
    out = run_setup(SpitSetup, kastframes, tmp_path / 'out', '-c', 'all',
                    '--spit-model', str(model_file), '--spit-threshold', '0.99')
    pfile = out / 'shane_kast_blue_A' / 'shane_kast_blue_A.pypeit'
    # the user edits: a comment, keep, force, rules
    text = pfile.read_text().replace('[rdx]', '# my note\n[rdx]')
    setup_block = text[text.index('Setup A:'):text.index('setup end')]
    assert 'dichroic: ' in setup_block
    lines = text.splitlines()
    edits = {'b1.fits.gz': ('arc,tilt', 'keep'), 'b14.fits.gz': ('bias', 'arc,tilt'),
             'b27.fits.gz': ('science', 'rules')}
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.split('|')]
        if cells and cells[0] in edits:
            cells[1] = 'science' if cells[0] == 'b1.fits.gz' else cells[1]
            cells[-2] = edits[cells[0]][1]
            lines[i] = ' | '.join(cells)
    pfile.write_text('\n'.join(lines) + '\n')

    status = SpitCheck.run(SpitCheck.parse_args([str(pfile), '--spit-model', str(model_file),
                                                  '--spit-threshold', '0', '-v', '0', '--all']))
    assert 'conflict' in capsys.readouterr().out and status == 1

    assert SpitRetype.run(SpitRetype.parse_args(
        [str(pfile), '--spit-model', str(model_file), '--spit-threshold', '0.99', '-v', '0'])) == 0
    printed = capsys.readouterr().out
    data = data_rows(pfile)
    typed = {str(f): str(t) for f, t in zip(data['filename'], data['frametype'])}
    spit = {str(f): str(t) for f, t in zip(data['filename'], data['spit'])}
    assert typed['b1.fits.gz'] == 'science' and spit['b1.fits.gz'] == 'keep'
    assert typed['b14.fits.gz'] == 'arc,tilt' and spit['b14.fits.gz'] == 'arc,tilt'
    assert typed['b27.fits.gz'] == 'science'
    assert typed['b24.fits.gz'] == 'standard'
    assert any('b14.fits.gz' in w and 'configuration' in w for w in printed.splitlines()
               if w.startswith('WARNING'))
    assert '# my note' in pfile.read_text()
    assert setup_block in pfile.read_text()
    pypeit = load_vanilla(pfile, tmp_path)
    names = list(pypeit.fitstbl['filename'])
    assert pypeit.fitstbl['frametype'][names.index('b14.fits.gz')] == 'arc,tilt'


def test_check_exit_status(kastframes, tmp_path, model_file):
    """pypeit_spit_check exits 1 while a row is in conflict, 0 when none is (a linter)."""
    from helpers import run_command
    out = run_setup(SpitSetup, kastframes, tmp_path / 'out', '-c', 'all',
                    '--spit-model', str(model_file), '--spit-threshold', '0.99')
    pfile = out / 'shane_kast_blue_A' / 'shane_kast_blue_A.pypeit'
    # the untrained model at cut 0: every answer taken, some rows in conflict
    proc = run_command('pypeit_spit_check', pfile, '--spit-model', model_file,
                       '--spit-threshold', '0', '-v', '0')
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'conflict' in proc.stdout and 'Traceback' not in proc.stderr
    # at a cut no answer reaches, nothing is in conflict
    proc = run_command('pypeit_spit_check', pfile, '--spit-model', model_file,
                       '--spit-threshold', '1', '-v', '0')
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dead_frames_never_enter_a_calibration(realframes, tmp_path):
    """A dead (all-zero), constant or saturated read-out whose header says bias is not
    typed bias: it is flagged and commented out, as PypeIt does with untyped frames."""
    from pypeit.inputfiles import PypeItFile
    night = tmp_path / 'night'
    night.mkdir()
    for name in ('b1', 'b3', 'b14', 'b15', 'b16', 'b24', 'b27'):
        shutil.copy(realframes / 'shane_kast_blue' / f'{name}.fits.gz', night)
    dead = {'b15.fits.gz': 0, 'b16.fits.gz': 65535}
    for name, value in dead.items():
        with fits.open(night / name) as hdul:
            hdul[0].data = np.full(hdul[0].data.shape, value, dtype=np.uint16)
            hdul.writeto(night / name, overwrite=True)
    out = run_setup(SpitSetup, night, tmp_path / 'out', '-c', 'all')
    data = PypeItFile.from_file(str(out / 'shane_kast_blue_A' / 'shane_kast_blue_A.pypeit'),
                                preserve_comments=True).data
    rows = {str(f).lstrip('# '): (str(f), str(t), str(s))
            for f, t, s in zip(data['filename'], data['frametype'], data['spit_src'])}
    for name in dead:
        filename, frametype, source = rows[name]
        assert filename.startswith('#') and frametype == 'None' and source == 'flagged', rows[name]
    assert rows['b14.fits.gz'][1:] == ('bias', 'agree')
