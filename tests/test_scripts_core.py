"""The pypeit_spit_classify and pypeit_spit_png commands."""
import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from pypeit_spit.network import build_model, save_model
from pypeit_spit.scripts.spit_classify import SpitClassify
from pypeit_spit.scripts.spit_png import SpitPng


@pytest.fixture(scope='module')
def model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp('model') / 'm.keras'
    save_model(build_model('compact'), path)
    return path


def test_names():
    assert SpitClassify.name() == 'pypeit_spit_classify'
    assert SpitPng.name() == 'pypeit_spit_png'


def test_classify_command_prints_and_writes_ecsv(realframes, model_path, tmp_path, capsys):
    folder = realframes / 'shane_kast_blue'
    out = tmp_path / 'sub' / 'types.ecsv'
    args = SpitClassify.parse_args([str(folder), str(tmp_path / 'missing.fits'), '-s',
                                    'shane_kast_blue', '--model', str(model_path), '-o', str(out)])
    assert SpitClassify.main(args) == 0
    printed = capsys.readouterr().out.splitlines()
    n_files = len(list(folder.glob('*.fits*')))
    assert len(printed) == 2 + n_files + 1
    assert printed[0].split()[:4] == ['file', 'class', 'votes', 'prob']
    assert 'file does not exist' in printed[-1]
    t = Table.read(out)
    assert len(t) == n_files + 1 and 'prob_flat' in t.colnames


def test_classify_command_bad_model(tmp_path):
    args = SpitClassify.parse_args([str(tmp_path), '--model', str(tmp_path / 'none.keras')])
    assert SpitClassify.main(args) == 2


def test_png_command(tmp_path, capsys):
    data = np.random.default_rng(0).normal(1000, 3, (300, 800)).astype(np.float32)
    fits.writeto(tmp_path / 'f.fits.gz', data)
    outdir = tmp_path / 'png'
    args = SpitPng.parse_args([str(tmp_path / 'f.fits.gz'), '-d', str(outdir), '--flips'])
    assert SpitPng.main(args) == 0
    names = sorted(p.name for p in outdir.iterdir())
    assert names == ['f.png', 'f_fliph.png', 'f_flipv.png', 'f_flipvh.png']
    import matplotlib.image as mimage
    img = mimage.imread(outdir / 'f.png')
    assert img.shape[:2] == (210, 650)
