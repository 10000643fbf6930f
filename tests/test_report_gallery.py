"""
``pypeit_spit_gallery``: the page's structure and order, the contact sheet, names and
thumbnails, exit statuses (installed console script), a big night in one pass, and
the page as headless Chromium renders it.
"""
import math
import os
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest
from astropy.io import fits

from pypeit_spit.report.gallery import FLAGGED, build_gallery, display_names, thumbnail_name
from pypeit_spit.model.spit_model import SpitModel
from pypeit_spit.scripts.spit_gallery import SpitGallery
from pypeit_spit.vocab import CLASSES

#: Kast blue frames whose lamp cards are faulted: PypeIt's rules read them as standards.
FAULTED = ('b1.fits.gz', 'b3.fits.gz')


# ------------------------------------------------------------------ helpers


class _Tiles(HTMLParser):
    """The tiles of a gallery page (or of Chromium's rendered DOM), in page order."""

    def __init__(self):
        super().__init__()
        self.tiles, self.imgs, self.scripts, self.links = [], [], 0, []
        self._in = None
        self._field = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'script':
            self.scripts += 1
        if tag in ('img', 'link', 'script', 'iframe') and (a.get('src') or a.get('href')):
            self.links.append(a.get('src') or a.get('href'))
        if tag == 'figure' and 'tile' in a.get('class', '').split():
            self._in = {'status': a.get('data-status'), 'name': a.get('data-name'),
                        'class': a.get('class'), 'img': None, 'badge': '', 'text': ''}
            self.tiles.append(self._in)
        elif self._in is not None and tag == 'img':
            self._in['img'] = a.get('src')
            self.imgs.append(a.get('src'))
        elif self._in is not None and tag == 'span' and 'badge' in a.get('class', ''):
            self._field = 'badge'
        elif self._in is not None and tag == 'dd':
            self._field = a.get('class')

    def handle_endtag(self, tag):
        if tag == 'figure':
            self._in = None
        if tag in ('span', 'dd'):
            self._field = None

    def handle_data(self, data):
        if self._in is not None:
            self._in['text'] += data
            if self._field:
                self._in[self._field] = self._in.get(self._field, '') + data.strip()


def parse_page(text):
    """Tiles, images, scripts and links of a page."""
    p = _Tiles()
    p.feed(text)
    return p


def _fault_lamps(path):
    """Every LAMPSTA* card 'off': PypeIt's Kast rules then type arcs and flats standard."""
    with fits.open(path) as hdul:
        for key in list(hdul[0].header):
            if key.startswith('LAMPSTA'):
                hdul[0].header[key] = 'off'
        hdul.writeto(path, overwrite=True)


@pytest.fixture(scope='module')
def faulted_night(realframes, tmp_path_factory):
    """The 27 real Kast-blue frames, with b1 (arc) and b3 (flat) lamp cards faulted."""
    night = tmp_path_factory.mktemp('kast') / 'night'
    night.mkdir()
    for src in sorted((realframes / 'shane_kast_blue').glob('*.fits.gz')):
        shutil.copy(src, night / src.name)
    for name in FAULTED:
        _fault_lamps(night / name)
    return night


@pytest.fixture(scope='module')
def kast_gallery(faulted_night, tmp_path_factory):
    """The gallery of the faulted night, with -s shane_kast_blue (in-process)."""
    out = tmp_path_factory.mktemp('gallery') / 'out'
    args = SpitGallery.parse_args([str(faulted_night), '-s', 'shane_kast_blue', '-d',
                                   str(out), '-v', '0'])
    assert SpitGallery.run(args) == 0
    return out


class StubModel(SpitModel):
    """A fast stand-in network: bright frames are flats, dark ones biases, mid-grey
    ones undecided; counts its calls."""

    def __init__(self):
        super().__init__(None, {'classes': list(CLASSES), 'stats': [], 'threshold': 0.0})
        self.calls = 0

    def predict(self, images, stats=None):
        self.calls += 1
        out = np.full((len(images), len(CLASSES)), 0.01)
        for i, im in enumerate(np.asarray(images)):
            level = float(np.mean(im))
            if level > 150:
                out[i, CLASSES.index('flat')] = 0.96
            elif level < 100:
                out[i, CLASSES.index('bias')] = 0.96
            else:
                out[i] = 1.0 / len(CLASSES)
        return out


def _synthetic(path, level, seed):
    """A small raw frame: a ramp (bright, ZSCALEd high) or noise."""
    rng = np.random.default_rng(seed)
    if level == 'bright':
        data = np.tile(np.linspace(100, 60000, 400), (120, 1)) + rng.normal(0, 5, (120, 400))
    else:
        data = rng.normal(1000, 3, (120, 400))
    fits.writeto(path, data.astype(np.float32), overwrite=True)


# ------------------------------------------------------------------ units


def test_names_and_thumbnails_of_two_nights(tmp_path):
    a, b = tmp_path / 'night1' / 'b1.fits', tmp_path / 'night2' / 'b1.fits'
    names = display_names([str(a), str(b)], [str(a.parent), str(b.parent)])
    assert names == ['night1/b1.fits', 'night2/b1.fits']
    assert display_names([str(a)], [str(a.parent)]) == ['b1.fits']
    ta, tb = thumbnail_name(str(a)), thumbnail_name(str(b))
    assert ta != tb and ta.startswith('b1-') and ta.endswith('.png')
    assert thumbnail_name(str(a)) == ta                          # stable across runs
    assert '/' not in thumbnail_name(str(tmp_path / 'we ird;name.fits.gz'))


def test_two_nights_without_spectrograph(tmp_path):
    """Generic loader, no rules column; same file names in two folders kept apart;
    mid-grey frames undecided and shown first; an unreadable file gets a tile."""
    for night, seed in (('night1', 0), ('night2', 10)):
        (tmp_path / night).mkdir()
        _synthetic(tmp_path / night / 'b1.fits', 'bright', seed)
        _synthetic(tmp_path / night / 'b2.fits', 'dark', seed + 1)
    (tmp_path / 'night2' / 'b3.fits').write_text('not a FITS file')
    model = StubModel()
    out = tmp_path / 'out'
    g = build_gallery([tmp_path / 'night1', tmp_path / 'night2'], out, model=model)
    names = [f.name for f in g.frames]
    assert sorted(names) == ['night1/b1.fits', 'night1/b2.fits', 'night2/b1.fits',
                             'night2/b2.fits', 'night2/b3.fits']
    assert g.frames[0].name == 'night2/b3.fits' and g.frames[0].status == 'unreadable'
    assert g.n_unreadable == 1
    thumbs = sorted(p.name for p in (out / 'thumbs').iterdir())
    assert len(thumbs) == 4 and len(set(thumbs)) == 4
    assert not [p for p in out.rglob('*.tmp')]
    page = parse_page((out / 'index.html').read_text())
    assert [t['name'] for t in page.tiles] == names
    assert 'class="rules"' not in (out / 'index.html').read_text()
    assert page.tiles[0]['img'] is None and 'not readable' in page.tiles[0]['text']
    for t in page.tiles[1:]:
        assert t['status'] in ('spit', 'unknown') and (out / t['img']).is_file()
    # the undecided (mid-grey) frames are none here; SPIT's answers read 'spit': there
    # are no header rules to agree with
    assert {t['status'] for t in page.tiles[1:]} == {'spit'}


def test_big_night_one_pass(tmp_path):
    """300 frames: one model, read 16 at a time and sent to the network a few frames per
    call, flagged first, a sheet that holds them all."""
    night = tmp_path / 'night'
    night.mkdir()
    for i in range(300):
        _synthetic(night / f'f{i:03d}.fits', 'bright' if i % 3 else 'dark', i)
    model = StubModel()
    g = build_gallery([night], tmp_path / 'out', model=model, batch_size=16)
    assert len(g.frames) == 300 and g.n_unreadable == 0
    from pypeit_spit.model.inference import DEFAULT_BATCH_SIZE
    assert model.calls == sum(math.ceil(min(16, 300 - s) / DEFAULT_BATCH_SIZE)
                              for s in range(0, 300, 16))
    assert len(list((tmp_path / 'out' / 'thumbs').iterdir())) == 300
    import matplotlib.image as mimage
    sheet = mimage.imread(tmp_path / 'out' / 'contact_sheet.png')
    assert sheet.shape[0] < 4 * sheet.shape[1]
    page = parse_page((tmp_path / 'out' / 'index.html').read_text())
    assert len(page.tiles) == 300


def test_single_pass_reads_each_frame_once(tmp_path, monkeypatch):
    """The gallery's thumbnails come from the one pass of the pipeline: each frame is
    read and pre-processed exactly once."""
    from pypeit_spit.pipeline import reader
    real_prepare = reader.prepare_frame
    reads = []
    monkeypatch.setattr(reader, 'prepare_frame',
                        lambda path, **k: reads.append(os.path.basename(path))
                        or real_prepare(path, **k))
    night = tmp_path / 'night'
    night.mkdir()
    for i in range(3):
        _synthetic(night / f'f{i}.fits', 'bright', i)
    g = build_gallery([night], tmp_path / 'out', model=StubModel())
    assert sorted(reads) == ['f0.fits', 'f1.fits', 'f2.fits']
    assert all(f.thumb and (tmp_path / 'out' / f.thumb).is_file() for f in g.frames)


# ------------------------------------------------------------------ real night


def test_gallery_page(kast_gallery, faulted_night):
    text = (kast_gallery / 'index.html').read_text()
    page = parse_page(text)
    assert len(page.tiles) == 27
    statuses = [t['status'] for t in page.tiles]
    flagged = [s in FLAGGED for s in statuses]
    # flagged tiles first, the faulted frames among them: SPIT against the rules, a
    # conflict ("no lamp on" for a frame the rules call a standard is a soft fact
    # against SPIT's arc or flat, issue 24)
    assert flagged == sorted(flagged, reverse=True)
    first = {t['name']: t for t in page.tiles[:sum(flagged)]}
    for name in FAULTED:
        assert first[name]['status'] == 'conflict', first
        assert first[name]['badge'] == 'conflict'
        assert 'conflict' in first[name]['class']
        assert first[name]['rules'] == 'standard'
    assert first['b1.fits.gz']['spit'].startswith('arc ')
    # offline: no script, nothing but the thumbnails and the sheet next to the page
    assert page.scripts == 0 and '<script' not in text
    assert all(not l.startswith(('http:', 'https:', '//')) for l in page.links)
    assert len(page.imgs) == 27
    for src in page.imgs:
        assert (kast_gallery / src).is_file()
    # a thumbnail is exactly what the network sees
    from matplotlib import image as mimage

    from pypeit_spit.pipeline.prepare import prepare_frame
    tile = next(t for t in page.tiles if t['name'] == 'b14.fits.gz')
    thumb = np.asarray(mimage.imread(kast_gallery / tile['img']))
    thumb = np.rint((thumb if thumb.ndim == 2 else thumb[..., 0]) * 255).astype(np.uint8)
    expect = prepare_frame(faulted_night / 'b14.fits.gz', spectrograph='shane_kast_blue').image
    np.testing.assert_array_equal(thumb, expect)
    sheet = mimage.imread(kast_gallery / 'contact_sheet.png')
    assert sheet.ndim == 3 and sheet.shape[1] >= 4 * 325


def test_gallery_of_pypeit_file(kast_gallery, faulted_night, tmp_path):
    """From a .pypeit file: the file's frametype shown and compared, the spectrograph
    taken from the file, a missing raw file shown unreadable (exit 1)."""
    pfile = tmp_path / 'night.pypeit'
    pfile.write_text(f"""# hand-written
[rdx]
    spectrograph = shane_kast_blue

setup read
Setup A:
  dichroic: d55
  dispname: 600/4310
setup end

data read
 path {faulted_night}
    filename | frametype
 b14.fits.gz | bias
 b27.fits.gz | standard
  b1.fits.gz | arc,tilt
# b24.fits.gz | standard
 b99.fits.gz | bias
data end
""")
    out = tmp_path / 'out'
    assert SpitGallery.run(SpitGallery.parse_args([str(pfile), '-d', str(out), '-v', '0'])) == 1
    page = parse_page((out / 'index.html').read_text())
    tiles = {t['name']: t for t in page.tiles}
    # what needs a look (conflicts, then unreadable), each group in the file's order
    assert list(tiles)[:3] == ['b27.fits.gz', 'b1.fits.gz', 'b99.fits.gz']
    assert tiles['b27.fits.gz']['status'] == 'conflict'     # the file against the typing
    assert tiles['b27.fits.gz']['file'] == 'standard'
    assert 'the .pypeit file says standard' in tiles['b27.fits.gz']['text']
    assert tiles['b1.fits.gz']['status'] == 'conflict'      # SPIT's arc, lamps off: flagged
    assert tiles['b99.fits.gz']['status'] == 'unreadable'
    assert 'raw file not found' in tiles['b99.fits.gz']['text']
    assert tiles['b24.fits.gz']['status'] == 'agree'
    assert 'commented out' in tiles['b24.fits.gz']['text']
    # a spectrograph other than the file's is a usage error
    assert SpitGallery.run(SpitGallery.parse_args(
        [str(pfile), '-s', 'shane_kast_red', '-d', str(out), '-v', '0'])) == 2


# ------------------------------------------------------------------ console script


def _installed():
    """The console script is installed (a missing one fails: setup.cfg declares it)."""
    from helpers import script_path
    script_path('pypeit_spit_gallery')


def test_exit_statuses(faulted_night, tmp_path):
    """The installed command: 0 all shown, 1 some unreadable (tile says why), 2 usage."""
    _installed()
    from helpers import run_command
    good = tmp_path / 'good'
    good.mkdir()
    for name in ('b14.fits.gz', 'b1.fits.gz'):
        shutil.copy(faulted_night / name, good / name)
    proc = run_command('pypeit_spit_gallery', good, '-s', 'shane_kast_blue', '-o',
                       tmp_path / 'out0', '-v', '0', cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'Traceback' not in proc.stderr
    assert '-o is deprecated: use -d/--output_path' in proc.stderr   # the old spelling works
    page = parse_page((tmp_path / 'out0' / 'index.html').read_text())
    assert [t['name'] for t in page.tiles] == ['b1.fits.gz', 'b14.fits.gz']
    assert page.tiles[0]['status'] == 'conflict'

    (good / 'junk.fits').write_text('not a FITS file')
    proc = run_command('pypeit_spit_gallery', good, '-d', tmp_path / 'out1', '-v', '0',
                       cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'Traceback' not in proc.stderr
    page = parse_page((tmp_path / 'out1' / 'index.html').read_text())
    tiles = {t['name']: t for t in page.tiles}
    assert len(tiles) == 3 and tiles['junk.fits']['status'] == 'unreadable'
    assert 'not readable' in tiles['junk.fits']['text'] and not tiles['junk.fits']['img']
    flagged = [t['status'] in FLAGGED for t in page.tiles]
    assert flagged == sorted(flagged, reverse=True)
    assert (tmp_path / 'out1' / 'contact_sheet.png').is_file()

    for args, message in (
            ([good, '-s', 'no_such_spec'], "unknown PypeIt spectrograph 'no_such_spec'"),
            ([good, tmp_path / 'x.pypeit'], 'give either one .pypeit file')):
        proc = run_command('pypeit_spit_gallery', *args, '-d', tmp_path / 'out2', '-v', '0',
                           cwd=tmp_path)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert message in proc.stderr + proc.stdout and 'Traceback' not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ['good', 'out0', 'out1']


def test_usage_errors_in_process(tmp_path, capsys):
    assert SpitGallery.run(SpitGallery.parse_args(
        [str(tmp_path / 'x.pypeit'), '-d', str(tmp_path / 'out'), '-v', '0'])) == 2
    assert SpitGallery.run(SpitGallery.parse_args([str(tmp_path), '-v', '0'])) == 2  # no -d
    with pytest.raises(SystemExit) as exc:
        SpitGallery.parse_args([str(tmp_path), '--no-such-option'])
    assert exc.value.code == 2
    assert SpitGallery.run(SpitGallery.parse_args(
        [str(tmp_path / 'mistyped'), '-d', str(tmp_path / 'out'), '-v', '0'])) == 2
    assert 'mistyped: no such folder or file' in capsys.readouterr().err
    assert not (tmp_path / 'out').exists()


# ------------------------------------------------------------------ browser


def _browser():
    for name in ('chromium', 'chromium-browser', 'google-chrome'):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip('no headless browser installed (chromium, chromium-browser, google-chrome)')


def _chromium(browser, tmp_path, *args):
    profile = tmp_path / f'profile{len(list(tmp_path.glob("profile*")))}'
    cmd = [browser, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
           '--no-first-run', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', f'--user-data-dir={profile}', *args]
    env = dict(os.environ, HOME=str(tmp_path))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)


def test_page_in_headless_chromium(kast_gallery, tmp_path):
    browser = _browser()
    url = (kast_gallery / 'index.html').as_uri()
    proc = _chromium(browser, tmp_path, '--dump-dom', url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = parse_page(proc.stdout)
    # one tile per frame, the disagreements first and marked
    assert len(dom.tiles) == 27
    flagged = [t['status'] in FLAGGED for t in dom.tiles]
    assert flagged == sorted(flagged, reverse=True)
    head = dom.tiles[:sum(flagged)]
    assert {t['name'] for t in head if t['status'] == 'conflict'} >= set(FAULTED)
    assert all(t['badge'] == t['status'] for t in head)
    assert all(t['img'] for t in dom.tiles)

    shot = tmp_path / 'shot.png'
    proc = _chromium(browser, tmp_path, f'--screenshot={shot}', '--window-size=1400,2000',
                     '--hide-scrollbars', url)
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    from matplotlib import image as mimage
    img = np.rint(np.asarray(mimage.imread(shot))[..., :3] * 255).astype(np.uint8)
    assert img.shape == (2000, 1400, 3)
    # not blank: the thumbnails bring many grey levels
    grey = img[(img[..., 0] == img[..., 1]) & (img[..., 1] == img[..., 2])][:, 0]
    assert len(np.unique(grey)) > 150
    # the first tile is marked (its red border is drawn) and its image is shown: inside
    # the border, the thumbnail's grey levels, not a white box with a broken image
    from matplotlib.colors import to_rgb

    from pypeit_spit.report.gallery import COLOURS
    border = np.rint(np.array(to_rgb(COLOURS[dom.tiles[0]['status']])) * 255).astype(int)
    top, bottom, left, right = _first_box(np.all(np.abs(img.astype(int) - border)
                                                 <= 2, axis=-1))
    assert right - left > 250 and bottom - top > 150
    inner = img[top + 8:bottom - 8, left + 8:right - 8]
    grey = (inner[..., 0] == inner[..., 1]) & (inner[..., 1] == inner[..., 2])
    assert np.mean(grey & (inner[..., 0] < 200)) > 0.3
    assert len(np.unique(inner[grey][:, 0])) > 100


def _first_box(mask, min_len=250):
    """Rows and columns of the first (top-most) box outlined in a mask: its top edge is
    the first run of at least min_len pixels (a tile border, not a label)."""
    for r in range(mask.shape[0]):
        edges = np.diff(np.concatenate([[0], mask[r].astype(np.int8), [0]]))
        runs = [(s, e) for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1))
                if e - s >= min_len]
        if runs:
            left, right = runs[0]
            bottom = r
            while bottom + 1 < mask.shape[0] and mask[bottom + 1, left]:
                bottom += 1
            return r, bottom, left, right
    raise AssertionError('no marked tile in the screenshot')
