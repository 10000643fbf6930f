"""
``pypeit_spit_png`` and :mod:`pypeit_spit.report.png`: the plain image unchanged, atomic
writes, the annotated image (caption strip with file, class, probability and the
spectral axis).
"""
import numpy as np
import pytest
from astropy.io import fits
from matplotlib import image as mimage

from pypeit_spit.report.png import CAPTION_HEIGHT, direction_label, write_exact_png, write_png
from pypeit_spit.pipeline.prepare import prepare_frame
from pypeit_spit.scripts.spit_png import SpitPng


def _frame(path, seed=0):
    data = np.random.default_rng(seed).normal(1000, 3, (300, 800)).astype(np.float32)
    data[:, 200:204] += 5000          # an arc-like line
    fits.writeto(path, data)
    return path


def _grey(path):
    img = np.asarray(mimage.imread(path))
    img = img if img.ndim == 2 else img[..., 0]
    return np.rint(img * 255).astype(np.uint8)


def test_write_png_as_before(tmp_path):
    """The plain PNG has the same bytes as the former (non-atomic) writer's."""
    img = (np.random.default_rng(1).random((210, 650)) * 255).astype(np.uint8)
    mimage.imsave(str(tmp_path / 'before.png'), img, cmap='gray', vmin=0, vmax=255)
    write_png(img, tmp_path / 'after.png')
    assert (tmp_path / 'after.png').read_bytes() == (tmp_path / 'before.png').read_bytes()
    write_exact_png(img, tmp_path / 'exact.png')
    np.testing.assert_array_equal(_grey(tmp_path / 'exact.png'), img)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['after.png', 'before.png',
                                                          'exact.png']


def test_png_command_plain_unchanged(tmp_path):
    path = _frame(tmp_path / 'f.fits')
    out = tmp_path / 'png'
    assert SpitPng.run(SpitPng.parse_args([str(path), '-d', str(out), '-v', '0'])) == 0
    ref = tmp_path / 'ref.png'
    mimage.imsave(str(ref), prepare_frame(path).image, cmap='gray', vmin=0, vmax=255)
    assert (out / 'f.png').read_bytes() == ref.read_bytes()


def test_failed_write_keeps_old_file(tmp_path):
    target = tmp_path / 'a.png'
    target.write_bytes(b'old')
    with pytest.raises(Exception):
        write_png(np.zeros(5, dtype=np.uint8), target)          # fails while writing
    assert target.read_bytes() == b'old'
    assert [p.name for p in tmp_path.iterdir()] == ['a.png']


def test_direction_label():
    arrow, text = direction_label('pypeit:shane_kast_blue')
    assert arrow == '→' and 'wavelength increases' in text and 'shane_kast_blue' in text
    arrow, text = direction_label('generic', reversed_=True)
    assert arrow == '←' and 'not known' in text


def _arrow_centroid(img):
    """Column centroid of the ink of the caption's arrow (right end of line 1)."""
    cols = img.shape[1]
    region = img[210 + 6:210 + 24, cols - 62:cols - 4]
    ink = 255 - region.astype(float)
    return (ink.sum(axis=0) * np.arange(region.shape[1])).sum() / ink.sum() \
        / region.shape[1]


def test_png_annotate(tmp_path, capsys):
    """Caption strip below the exact image; flips reverse the arrow; an unreadable file
    is reported (exit 1) and does not stop the batch."""
    a = _frame(tmp_path / 'a.fits', seed=1)
    (tmp_path / 'bad.fits').write_text('not a FITS file')
    out = tmp_path / 'png'
    status = SpitPng.run(SpitPng.parse_args([str(tmp_path / 'bad.fits'), str(a), '-d',
                                             str(out), '--annotate', '--flips', '-v', '0']))
    assert status == 1
    names = sorted(p.name for p in out.iterdir())
    assert names == ['a.png', 'a_fliph.png', 'a_flipv.png', 'a_flipvh.png']
    printed = capsys.readouterr().out
    assert str(out / 'a.png') in printed
    img = _grey(out / 'a.png')
    assert img.shape == (210 + CAPTION_HEIGHT, 650)
    np.testing.assert_array_equal(img[:210], prepare_frame(a).image)
    caption = img[210:]
    assert (caption < 100).mean() > 0.01          # text and arrow drawn
    # the arrow points right on the image, left on the left-right flips (its head,
    # heavier than its shaft, pulls the ink's centroid towards it)
    assert _arrow_centroid(img) > 0.5
    assert _arrow_centroid(_grey(out / 'a_fliph.png')) < 0.5
    assert _arrow_centroid(_grey(out / 'a_flipv.png')) > 0.5


def test_png_annotate_caption_text_with_pypeit(kastframes, tmp_path, monkeypatch):
    """With -s, the caption says wavelength increases along the arrow; the class and
    probability are those of the one inference path."""
    import pypeit_spit.report.png as png
    seen = []
    real = png.write_annotated_png

    def spy(image, path, name, spit_class, prob, votes, loader, reversed_=False):
        seen.append((name, spit_class, prob, votes, direction_label(loader)[1]))
        return real(image, path, name, spit_class, prob, votes, loader, reversed_)

    monkeypatch.setattr(png, 'write_annotated_png', spy)
    frame = kastframes / 'b1.fits.gz'
    out = tmp_path / 'png'
    assert SpitPng.run(SpitPng.parse_args([str(frame), '-s', 'shane_kast_blue', '-d',
                                           str(out), '--annotate', '-v', '0'])) == 0
    from pypeit_spit.pipeline.classify import classify_files
    verdict = classify_files([frame], spectrograph='shane_kast_blue')[0]
    assert seen == [('b1.fits.gz', verdict.answer, verdict.prob, verdict.votes,
                     direction_label('pypeit:shane_kast_blue')[1])]
    assert 'wavelength increases' in seen[0][-1]
    assert _grey(out / 'b1.png').shape == (210 + CAPTION_HEIGHT, 650)
