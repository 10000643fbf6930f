"""
Bad input never crashes a command, never loses a row, never exhausts memory (issue 11):
frames, folders, links, models and options.

A corpus of bad or odd inputs is built by fixtures; each kind asserts its exact outcome
(a row with its reason, the exit status, files left untouched). The commands run as the
installed console scripts where the exit status or the output is what is tested, with
many inputs grouped into one run (each run costs seconds of PypeIt imports).
See also ``tests/test_scripts_bad_inputs_pypeit.py`` (``.pypeit`` files and configurations).
"""
import bz2
import errno
import gzip
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from helpers import classify_table, run_command
from pypeit_spit.io.paths import expand_paths
from pypeit_spit.pipeline.classify import classify_files
from pypeit_spit.errors import FrameError, UsageError
from pypeit_spit.io.generic import load_generic
from pypeit_spit.io.load import load_frame
from pypeit_spit.io.loaded import size_limit
from pypeit_spit.scripts.spit_classify import SpitClassify

#: Root reads files whatever their permission bits say.
IS_ROOT = hasattr(os, 'geteuid') and os.geteuid() == 0

NO_USABLE = 'no usable pixel values (all NaN, infinite or beyond \u00b11e+30)'
#: The same frames as typing flags them: read, but no data (issue 24).
NO_DATA = 'flag:no calibration: ' + NO_USABLE


def _good(shape=(120, 400), seed=0):
    """A frame the generic loader types: noise, a lit half (a flat-like slit)."""
    rng = np.random.default_rng(seed)
    data = rng.normal(1000.0, 3.0, shape).astype(np.float32)
    data[:, shape[1] // 2:] += 4000.0
    return data


def _truncate(src, dest, keep):
    data = Path(src).read_bytes()
    Path(dest).write_bytes(data[:int(len(data) * keep)])


def _output(proc):
    return proc.stdout + proc.stderr


# ------------------------------------------------------------------ the frame corpus

def _build_frames(folder):
    """
    Write one file per kind of bad (or odd but good) frame into ``folder``.

    Returns
    -------
    dict
        File name -> expected ``error`` column ('' when the frame is typed), or None
        for an entry that must not get a row (not a FITS name, a sub-folder).
    """
    folder.mkdir()
    rng = np.random.default_rng(11)
    good = _good()
    exp = {}

    def put(name, reason, writer):
        writer(folder / name)
        exp[name] = reason

    # -- good, or odd but honest: typed
    put('good.fits', '', lambda p: fits.writeto(p, good))
    put('good.fits.gz', '', lambda p: fits.writeto(p, good))
    put('good.fits.bz2', '', lambda p: fits.writeto(p, good))
    put('good.fits.fz', '', lambda p: fits.HDUList(
        [fits.PrimaryHDU(), fits.CompImageHDU(good)]).writeto(p))
    put('UPPER.FITS', '', lambda p: fits.writeto(p, good))
    put('tall.fits', '', lambda p: fits.writeto(p, np.ascontiguousarray(good.T)))
    put('unit_axis.fits', '', lambda p: fits.writeto(p, good[None]))
    put('second_hdu.fits', '', lambda p: fits.HDUList(
        [fits.PrimaryHDU(), fits.ImageHDU(np.ones(5)), fits.ImageHDU(good)]).writeto(p))
    put('uint8.fits', '', lambda p: fits.writeto(p, (good / 20).astype(np.uint8)))
    put('uint16.fits', '', lambda p: fits.writeto(p, good.astype(np.uint16)))

    def blank16(p):
        data = (good / 4).astype(np.int16)
        data[5, 5] = -32768
        hdu = fits.PrimaryHDU(data)
        hdu.header['BLANK'] = -32768
        hdu.writeto(p)
    put('blank16.fits', '', blank16)
    # -- no calibration at all (issue 10): flagged, never typed (not even bias)
    put('constant.fits', 'flag:no calibration: every pixel has the same value (5)',
        lambda p: fits.writeto(p, np.full((120, 400), 5.0)))
    put('all_zero.fits', 'flag:no calibration: every pixel is zero (a dead read-out)',
        lambda p: fits.writeto(p, np.zeros((120, 400), dtype=np.int16)))

    def dead_rows(p):
        fits.writeto(p, np.repeat(rng.normal(1000, 5, (120, 1)), 400, axis=1))
    put('dead_rows.fits', 'flag:no calibration: every row is constant (no pixel noise: a dead '
        'read-out)', dead_rows)

    def saturated(p):
        data = np.full((120, 400), 65535, dtype=np.uint16)
        data[:, :20] = rng.normal(20000, 50, (120, 20)).astype(np.uint16)
        fits.writeto(p, data)
    put('saturated.fits', 'flag:no calibration: 95% of pixels saturated', saturated)

    def some_nan(p):
        data = good.copy()
        data[rng.random(data.shape) < 0.1] = np.nan
        fits.writeto(p, data)
    put('some_nan.fits', '', some_nan)

    def one_huge(p):
        data = good.astype(float)
        data[60, 100] = 1e300
        fits.writeto(p, data)
    put('one_pixel_1e300.fits', '', one_huge)
    put('link_to_good.fits', '', lambda p: p.symlink_to(folder / 'good.fits'))
    # -- big: read binned under the run's --max-pixels 300000
    put('big.fits', 'binned', lambda p: fits.writeto(p, _good((700, 1400), seed=2)))

    # -- not FITS
    put('text.fits', 'not a FITS file (it does not start with SIMPLE)',
        lambda p: p.write_text('this is not FITS\n' * 40))
    put('random.fits.gz', 'not a FITS file (it does not start with SIMPLE)',
        lambda p: p.write_bytes(rng.bytes(5000)))
    put('gzip_of_text.fits.gz', 'not a FITS file (gzip-compressed, but not FITS inside)',
        lambda p: p.write_bytes(gzip.compress(b'hello\n' * 500)))
    put('corrupt_gzip.fits.gz', 'corrupt gzip stream (',
        lambda p: p.write_bytes(b'\x1f\x8b\x08\x00' + rng.bytes(4000)))
    put('corrupt_bzip2.fits.bz2', 'corrupt bzip2 stream (Invalid data stream)',
        lambda p: p.write_bytes(b'BZh9' + rng.bytes(4000)))
    put('empty.fits', 'file is empty', lambda p: p.write_bytes(b''))

    # -- truncated
    put('truncated.fits.gz', 'truncated (gzip stream ends early)',
        lambda p: p.write_bytes(gzip.compress((folder / 'good.fits').read_bytes())[:3000]))
    put('truncated.fits.bz2', 'truncated (bzip2 stream ends early)',
        lambda p: p.write_bytes(bz2.compress((folder / 'good.fits').read_bytes())[:3000]))
    put('truncated.fits', 'truncated (file ends before its data)',
        lambda p: _truncate(folder / 'good.fits', p, 0.4))
    put('truncated.fits.fz', 'truncated (file ends before its data)',
        lambda p: _truncate(folder / 'good.fits.fz', p, 0.6))

    # -- no image
    put('header_only.fits', 'no image data (header only)',
        lambda p: fits.PrimaryHDU().writeto(p))

    def zero_axis(p):
        header = fits.Header([('SIMPLE', True), ('BITPIX', -32), ('NAXIS', 2),
                              ('NAXIS1', 0), ('NAXIS2', 10)])
        p.write_bytes(header.tostring().encode('ascii'))
    put('zero_axis.fits', 'no image data (header only)', zero_axis)
    put('vector.fits', 'no image data (no HDU holds a 2-D image)',
        lambda p: fits.writeto(p, np.ones(300)))
    put('cube.fits', 'no image data (no HDU holds a 2-D image)',
        lambda p: fits.writeto(p, rng.normal(0, 1, (3, 50, 60)).astype(np.float32)))
    put('table_only.fits', 'no image data (no HDU holds a 2-D image)', lambda p: fits.HDUList(
        [fits.PrimaryHDU(), fits.BinTableHDU.from_columns(
            [fits.Column('a', 'E', array=np.ones(10))])]).writeto(p))

    # -- pixels that are no data: read, flagged as no calibration (never typed)
    put('all_nan.fits', NO_DATA, lambda p: fits.writeto(p, np.full((120, 400), np.nan)))
    put('all_inf.fits', NO_DATA, lambda p: fits.writeto(
        p, np.full((120, 400), -np.inf, dtype=np.float32)))
    put('values_1e300.fits', NO_DATA, lambda p: fits.writeto(
        p, rng.normal(1.0, 0.1, (120, 400)) * 1e300))

    def mostly_nan(p):
        data = good.copy()
        data[:, :int(0.6 * data.shape[1])] = np.nan
        fits.writeto(p, data)
    put('mostly_nan.fits', 'flag:no calibration: 60% of the pixel values are unusable (NaN, '
        'infinite or beyond \u00b11e+30)', mostly_nan)
    put('tiny.fits', 'image of 4x300 pixels is too small',
        lambda p: fits.writeto(p, np.ones((4, 300))))

    # -- links and special files: a row each, never skipped
    put('broken_link.fits', 'broken symbolic link',
        lambda p: p.symlink_to(folder / 'no_such_target.fits'))
    put('link_loop.fits', 'symbolic link loop', lambda p: p.symlink_to(p.name))
    put('named_pipe.fits', 'not a regular file (a named pipe)', lambda p: os.mkfifo(p))

    def unreadable(p):
        fits.writeto(p, good)
        p.chmod(0)
    # root reads it all the same (and types it)
    put('unreadable.fits', '' if IS_ROOT else 'permission denied', unreadable)

    # -- no row
    (folder / 'notes.txt').write_text('not a frame')
    exp['notes.txt'] = None
    (folder / 'sub_folder.fits').mkdir()
    fits.writeto(folder / 'sub_folder.fits' / 'inside.fits', good)
    exp['sub_folder.fits'] = None
    return exp


@pytest.fixture(scope='module')
def frame_corpus(tmp_path_factory):
    """The bad-frame folder and the expected outcome of each entry."""
    root = tmp_path_factory.mktemp('corpus')
    expected = _build_frames(root / 'night')
    (root / 'empty_folder').mkdir()
    (root / 'plain_file').write_text('x')
    return root, expected


def _rows(table):
    # an ECSV file holds empty strings, which astropy reads back as masked
    for name in table.colnames:
        if getattr(table[name], 'mask', None) is not None and table[name].dtype.kind == 'U':
            table[name] = table[name].filled('')
    return {Path(str(f)).name: row for f, row in zip(table['file'], table)}


def test_corpus_is_large(frame_corpus):
    _, expected = frame_corpus
    assert len(expected) >= 40


def test_classify_command_on_the_corpus(frame_corpus):
    """One pypeit_spit_classify run over ~45 kinds: every row present with its reason,
    the rest typed, exit status 1, nothing but the output written."""
    root, expected = frame_corpus
    before = sorted(p.name for p in (root / 'night').iterdir())
    out = root / 'out' / 'types.ecsv'
    proc = run_command('pypeit_spit_classify', root / 'night', root / 'missing.fits',
                       root / 'empty_folder', root / 'plain_file' / 'x.fits',
                       '--max-pixels', 300000, '-o', out, '--no-progress')
    text = _output(proc)
    assert proc.returncode == 1, text
    assert 'Traceback' not in text
    table = Table.read(out)
    rows = _rows(table)
    want = {k: v for k, v in expected.items() if v is not None}
    # nothing lost, nothing invented: every FITS entry of the folder and every argument
    assert sorted(rows) == sorted([*want, 'missing.fits', 'empty_folder', 'x.fits'])
    assert rows['missing.fits']['error'] == 'file does not exist'
    assert rows['empty_folder']['error'] == 'folder holds no FITS files'
    assert rows['x.fits']['error'] == 'file does not exist (a parent is not a folder)'
    for name, reason in want.items():
        row = rows[name]
        if reason == '':
            assert row['error'] == '' and row['class'] != '' and row['loader'] == 'generic', \
                (name, row['error'])
            assert row['votes'] > 0 and row['flag'] == ''
        elif reason.startswith('flag:'):
            assert row['error'] == '' and row['flag'] == reason[5:], (name, row['flag'])
            assert row['class'] == 'unknown' and row['votes'] == 0
            continue
        elif reason == 'binned':
            assert row['error'] == '', row['error']
            assert row['loader'] == ('generic (binned 2x2: 700x1400 pixels is above the '
                                     '0.3 Mpix limit)')
        elif reason.endswith('('):
            assert row['error'].startswith(reason), (name, row['error'])
        else:
            assert row['error'] == reason, (name, row['error'])
        if reason not in ('', 'binned'):
            assert row['class'] == 'unknown' and row['votes'] == 0
    # the printed table has the same rows; each failure is named in one warning line
    lines = proc.stdout.splitlines()
    # (names relative to the common folder of the arguments: night/..., plain_file/x.fits)
    assert len([line for line in lines if line.split()[:1] and
                Path(line.split()[0]).name in {Path(str(f)).name for f in table['file']}]) \
        == len(table)
    for name, reason in want.items():
        if reason.startswith('flag:'):
            assert f'{root / "night" / name}: {reason[5:]}' in text, name
        elif reason not in ('', 'binned'):
            assert f'{root / "night" / name}: cannot classify: ' in text, name
    # the folder is as it was (sub-folders are not searched, with a word)
    assert sorted(p.name for p in (root / 'night').iterdir()) == before
    assert 'sub_folder.fits: a folder inside' in text
    # the output was written atomically: no temporary file left beside it
    assert sorted(p.name for p in out.parent.iterdir()) == ['types.ecsv']


def test_in_process_same_rows(frame_corpus):
    """classify_files (warnings are errors under pytest) gives the same reasons."""
    root, expected = frame_corpus
    from pypeit_spit.model.store import get_model
    table = classify_table([root / 'night'], model=get_model(None), max_pixels=300000,
                           batch_size=7)
    rows = _rows(table)
    for name, reason in expected.items():
        if reason is None:
            assert name not in rows
        elif reason in ('', 'binned'):
            assert rows[name]['error'] == '', (name, rows[name]['error'])
        elif reason.startswith('flag:'):
            assert rows[name]['flag'] == reason[5:], (name, rows[name]['flag'])
        elif reason.endswith('('):
            assert rows[name]['error'].startswith(reason)
        else:
            assert rows[name]['error'] == reason, (name, rows[name]['error'])


def test_expand_paths_keeps_links_and_empty_folders(frame_corpus):
    root, expected = frame_corpus
    names = [Path(p).name for p in expand_paths([root / 'night', root / 'empty_folder'])]
    assert {'broken_link.fits', 'link_loop.fits', 'named_pipe.fits'} <= set(names)
    assert 'sub_folder.fits' not in names and 'notes.txt' not in names
    assert names[-1] == 'empty_folder'


def test_folder_of_dangling_links_gives_a_row_each(tmp_path):
    """300 links, 22 of them dangling: 300 rows (the hostile run got 278)."""
    target = tmp_path / 'target.fits'
    fits.writeto(target, _good((60, 120)))
    night = tmp_path / 'night'
    night.mkdir()
    for i in range(300):
        (night / f'l{i}.fits').symlink_to(target if i % 14 else tmp_path / f'gone{i}.fits')
    files = expand_paths([night])
    assert len(files) == 300
    with pytest.raises(FrameError, match='l0.fits: broken symbolic link'):
        load_frame(files[0])


# ------------------------------------------------------------------ with PypeIt's reader

@pytest.fixture(scope='module')
def kast_corpus(kastframes, loaderframes, tmp_path_factory):
    """Kast frames and bad files for a run with -s shane_kast_blue (simulated frames)."""
    folder = tmp_path_factory.mktemp('kast') / 'night'
    folder.mkdir()
    kast = kastframes
    exp = {}
    shutil.copy(kast / 'b1.fits.gz', folder / 'b1.fits.gz')
    exp['b1.fits.gz'] = ('', 'pypeit:shane_kast_blue')
    wht = loaderframes / 'wht_isis_blue.fit.gz'
    shutil.copy(wht, folder / wht.name)
    exp[wht.name] = ('', "generic (PypeIt's reader failed: PypeItError: The input file ("
                         f'{wht.name}) does not have a recognized extension.')
    (folder / 'text.fits').write_text('not FITS\n' * 400)
    exp['text.fits'] = ('not a FITS file (it does not start with SIMPLE)', '')
    _truncate(kast / 'b14.fits.gz', folder / 'b14_truncated.fits.gz', 0.05)
    exp['b14_truncated.fits.gz'] = ('truncated (gzip stream ends early)', '')
    with fits.open(kast / 'b14.fits.gz') as hdul:
        header = hdul[0].header.copy()
        data = hdul[0].data.astype(float)
    fits.PrimaryHDU(header=header).writeto(folder / 'b14_header_only.fits')
    exp['b14_header_only.fits'] = ('no image data (header only)', '')
    fits.PrimaryHDU(np.full(data.shape, 1e300), header=header).writeto(
        folder / 'b14_1e300.fits')
    exp['b14_1e300.fits'] = (NO_DATA, '')
    fits.PrimaryHDU(data.astype(np.float32), header=header).writeto(folder / 'b14.fits')
    _truncate(folder / 'b14.fits', folder / 'b14_cut.fits', 0.5)
    exp['b14.fits'] = ('', 'pypeit:shane_kast_blue')
    exp['b14_cut.fits'] = ('truncated (file ends before its data)', '')
    (folder / 'empty.fits').write_bytes(b'')
    exp['empty.fits'] = ('file is empty', '')
    return folder, exp


def test_classify_command_with_pypeit_reader(kast_corpus):
    """-s: PypeIt's reader failures are reasons (no KeyError 'ignore_missing_end', no
    'NoneType' ... astype); a file PypeIt refuses falls back to the generic loader and
    says so in the loader column (item 9)."""
    folder, expected = kast_corpus
    proc = run_command('pypeit_spit_classify', folder, '-s', 'shane_kast_blue', '-o',
                       folder.parent / 'k.ecsv', '--no-progress')
    text = _output(proc)
    assert proc.returncode == 1, text
    assert 'Traceback' not in text and 'ignore_missing_end' not in text
    assert "'NoneType'" not in text and 'buffer is too small' not in text
    rows = _rows(Table.read(folder.parent / 'k.ecsv'))
    assert sorted(rows) == sorted(expected)
    for name, (reason, loader) in expected.items():
        if reason.startswith('flag:'):
            assert (rows[name]['error'], rows[name]['flag']) == ('', reason[5:]), name
            assert rows[name]['votes'] == 0
            continue
        assert rows[name]['error'] == reason, (name, rows[name]['error'])
        assert rows[name]['loader'].startswith(loader), (name, rows[name]['loader'])
        if not reason:
            assert rows[name]['votes'] > 0


def test_pypeit_reader_not_used_above_the_size_limit(loaderframes):
    path = loaderframes / 'p200_dbsp_red.fits.gz'   # 220 x 2070 pixels
    frame = load_frame(path, spectrograph='p200_dbsp_red', max_pixels=400_000)
    assert frame.loader == ("generic (PypeIt's reader not used: 0.5 Mpix is above the 0.4 Mpix "
                            'limit; binned 2x2)')
    assert frame.image.shape == (110, 1035)
    with pytest.raises(FrameError, match="p200_dbsp_red.fits.gz: PypeIt's reader not used"):
        load_frame(path, spectrograph='p200_dbsp_red', max_pixels=400_000, fallback=False)
    assert load_frame(path, spectrograph='p200_dbsp_red').loader == 'pypeit:p200_dbsp_red'


def test_no_fallback_names_pypeit(loaderframes):
    wht = loaderframes / 'wht_isis_blue.fit.gz'
    with pytest.raises(FrameError, match=r'PypeIt \(wht_isis_red\) cannot read it: '):
        load_frame(wht, spectrograph='wht_isis_red', fallback=False)
    assert load_frame(wht, spectrograph='wht_isis_red').loader.startswith(
        "generic (PypeIt's reader failed: ")


# ------------------------------------------------------------------ binned reading

@pytest.mark.parametrize('kind', ['plain', 'gzip', 'bzip2', 'fpack'])
def test_binned_read_is_the_block_mean(tmp_path, kind):
    rng = np.random.default_rng(3)
    data = rng.normal(100.0, 5.0, (301, 703)).astype(np.float32)
    data[10, 20] = np.nan
    data[11, 21] = np.inf
    path = tmp_path / {'plain': 'f.fits', 'gzip': 'f.fits.gz', 'bzip2': 'f.fits.bz2',
                       'fpack': 'f.fits.fz'}[kind]
    if kind == 'fpack':
        fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(
            data, compression_type='GZIP_1', quantize_level=0.0)]).writeto(path)
    else:
        fits.writeto(path, data)
    frame = load_generic(path, max_pixels=50_000)
    b = 3                           # 301x703 = 211603 pixels: 3x3 blocks fit 50000
    assert frame.loader.startswith(f'generic (binned {b}x{b}: 301x703 pixels is above')
    ref = data[:300, :702].astype(float).reshape(100, b, 234, b)
    good = np.isfinite(ref)
    expect = np.where(good, ref, 0).sum(axis=(1, 3)) / good.sum(axis=(1, 3))
    assert frame.image.shape == (100, 234)
    np.testing.assert_allclose(frame.image, expect, rtol=1e-6)
    assert frame.raw_max == pytest.approx(np.nanmax(np.where(np.isinf(data), np.nan, data)))


def test_binned_read_applies_bscale_bzero_and_blank(tmp_path):
    raw = np.arange(200 * 300, dtype=np.int16).reshape(200, 300) % 1000
    raw[0, 0] = -999
    hdu = fits.PrimaryHDU(raw)
    hdu.header['BSCALE'] = 2.0
    hdu.header['BZERO'] = 10.0
    hdu.header['BLANK'] = -999
    path = tmp_path / 'scaled.fits'
    hdu.writeto(path)
    frame = load_generic(path, max_pixels=20_000)       # 2x2 blocks
    values = raw.astype(float) * 2.0 + 10.0
    values[0, 0] = np.nan
    ref = values.reshape(100, 2, 150, 2)
    expect = np.nanmean(ref, axis=(1, 3))
    np.testing.assert_allclose(frame.image, expect)


def test_size_limit_setting():
    from pypeit_spit.io.loaded import DEFAULT_MAX_PIXELS
    assert size_limit(5) == 5 and size_limit() == DEFAULT_MAX_PIXELS
    with pytest.raises(UsageError, match="max_pixels = 'lots': not a number of pixels"):
        size_limit('lots')
    for bad in (0, -3, 2.5):
        with pytest.raises(UsageError, match='must be a positive whole number'):
            size_limit(bad)


def test_memory_of_a_huge_frame_is_bounded(tmp_path):
    """A 6000x6000 float32 frame (sparse on disk) read with a 2-Mpix limit: the process
    grows by far less than the frame (137 MB on disk, 275 MB as float64; reading it whole
    grew the process by over 400 MB)."""
    code = textwrap.dedent(f'''
        import numpy as np
        from astropy.io import fits
        from pathlib import Path
        from pypeit_spit.io.generic import load_generic

        def mb(key):
            for line in Path('/proc/self/status').read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1]) / 1024

        n = 6000
        header = fits.Header([('SIMPLE', True), ('BITPIX', -32), ('NAXIS', 2),
                              ('NAXIS1', n), ('NAXIS2', n)]).tostring().encode()
        path = Path({str(tmp_path)!r}) / 'huge.fits'
        with open(path, 'wb') as f:
            f.write(header)
            size = len(header) + 4 * n * n
            f.truncate(size + (-size) % 2880)
            f.seek(len(header) + 4 * n * 3000)
            f.write(np.full(n, 5000.0, dtype='>f4').tobytes())
        before = mb('VmRSS:')
        frame = load_generic(path, max_pixels=2_000_000)
        print(frame.image.shape, round(mb('VmHWM:') - before), frame.loader)
    ''')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith('(1200, 1200)'), last
    grown = int(last.split(')')[1].split()[0])
    assert grown < 80, last        # the strips and the 1200x1200 result, not the frame
    assert 'binned 5x5' in last


# ------------------------------------------------------------------ options and outputs

def test_negative_batch_size_is_a_usage_error(tmp_path):
    """--batch-size -3 once returned every frame Unknown with an empty error column."""
    fits.writeto(tmp_path / 'a.fits', _good())
    proc = run_command('pypeit_spit_classify', tmp_path, '--batch-size', '-3')
    assert proc.returncode == 2
    assert 'argument --batch-size: -3 is not at least 1' in proc.stderr
    assert 'Traceback' not in _output(proc) and 'a.fits' not in proc.stdout


@pytest.mark.parametrize('argv,message', [
    (['--batch-size', '0'], 'argument --batch-size: 0 is not at least 1'),
    (['--batch-size', 'two'], "argument --batch-size: 'two' is not a whole number"),
    (['--threshold', '2'], 'argument --threshold: 2 is not in [0, 1]'),
    (['--threshold', 'nan'], 'argument --threshold: nan is not in [0, 1]'),
    (['--max-pixels', '0'], 'argument --max-pixels: 0 is not at least 1'),
])
def test_option_values_refused_by_the_parser(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        SpitClassify.parse_args([str(tmp_path), *argv])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize('kwargs,message', [
    ({'batch_size': 0}, 'batch_size must be a whole number of at least 1, not 0'),
    ({'batch_size': -3}, 'batch_size must be a whole number of at least 1, not -3'),
    ({'batch_size': 2.5}, 'batch_size must be a whole number of at least 1, not 2.5'),
    ({'workers': 0}, 'workers must be a whole number of at least 1, not 0'),
    ({'det': 0}, 'det must be a whole number of at least 1, not 0'),
    ({'threshold': 1.5}, 'threshold must be a number in [0, 1], not 1.5'),
    ({'threshold': float('nan')}, 'threshold must be a number in [0, 1], not nan'),
    ({'max_pixels': 0}, 'max_pixels = 0: must be a positive whole number of pixels'),
])
def test_classify_files_refuses_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(UsageError) as info:
        classify_files([tmp_path], model='no_model_is_loaded_first', **kwargs)
    assert str(info.value) == message


def test_output_into_a_folder_fails_before_the_run(tmp_path):
    fits.writeto(tmp_path / 'a.fits', _good())
    (tmp_path / 'out').mkdir()
    proc = run_command('pypeit_spit_classify', tmp_path / 'a.fits', '-o', tmp_path / 'out',
                       '--no-progress')
    assert proc.returncode == 2
    assert f'{tmp_path / "out"}: is a folder; give a file name for the output table' in \
        proc.stderr
    # before the run: no table printed, nothing written
    assert 'a.fits' not in proc.stdout and list((tmp_path / 'out').iterdir()) == []
    assert 'Traceback' not in _output(proc)


@pytest.mark.parametrize('where,message', [
    ('file/out.ecsv', 'file is a file, not a folder'),
    ('dev_null', 'not a regular file; cannot write the output table there'),
])
def test_output_that_cannot_be_written(tmp_path, monkeypatch, capsys, where, message):
    calls = []
    monkeypatch.setattr('pypeit_spit.pipeline.classify.classify_files',
                        lambda *a, **k: calls.append(1))
    (tmp_path / 'file').write_text('x')
    out = '/dev/null' if where == 'dev_null' else str(tmp_path / where)
    args = SpitClassify.parse_args([str(tmp_path), '-o', out, '-v', '0'])
    assert SpitClassify.run(args) == 2
    assert calls == []            # refused before the run
    captured = capsys.readouterr()
    assert message in captured.out + captured.err


@pytest.mark.skipif(IS_ROOT, reason='root writes anywhere')
def test_output_in_a_read_only_folder(tmp_path):
    locked = tmp_path / 'locked'
    locked.mkdir()
    locked.chmod(0o500)
    args = SpitClassify.parse_args([str(tmp_path), '-o', str(locked / 'x.ecsv'), '-v', '0'])
    try:
        assert SpitClassify.run(args) == 2
    finally:
        locked.chmod(0o700)


def test_unwritable_output_folder_simulated(tmp_path, monkeypatch, capsys):
    """As root, too: a folder where no file can be created is refused before the run."""
    import tempfile

    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, 'Permission denied')
    monkeypatch.setattr(tempfile, 'mkstemp', denied)
    calls = []
    monkeypatch.setattr('pypeit_spit.pipeline.classify.classify_files',
                        lambda *a, **k: calls.append(1))
    args = SpitClassify.parse_args([str(tmp_path), '-o', str(tmp_path / 'x.ecsv'), '-v', '0'])
    assert SpitClassify.run(args) == 2 and calls == []
    captured = capsys.readouterr()
    assert f'{tmp_path / "x.ecsv"}: cannot write in {tmp_path} (Permission denied)' in \
        captured.out + captured.err


def test_unreadable_file_simulated(tmp_path, monkeypatch):
    """As root, too: a file the user may not read is 'permission denied', with either
    loader, before any reader sees it."""
    from pypeit_spit.io import probe
    path = tmp_path / 'locked.fits'
    fits.writeto(path, _good())
    monkeypatch.setattr(probe.os, 'access', lambda p, mode: Path(p) != path)
    for spec in (None, 'shane_kast_blue'):
        with pytest.raises(FrameError) as info:
            load_frame(path, spectrograph=spec)
        assert info.value.reason == 'permission denied'


def test_full_disk_leaves_the_older_output(tmp_path, monkeypatch, capsys):
    """A write that fails (a full disk) leaves the older file whole and no temporary."""
    fits.writeto(tmp_path / 'a.fits', _good())
    out = tmp_path / 'types.ecsv'
    out.write_text('older table\n')

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr('astropy.table.Table.write', full)
    args = SpitClassify.parse_args([str(tmp_path / 'a.fits'), '-o', str(out), '-v', '0',
                                    '--no-progress'])
    assert SpitClassify.run(args) == 2
    assert out.read_text() == 'older table\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['a.fits', 'types.ecsv']


def test_atomic_write_keeps_permissions(tmp_path):
    from pypeit_spit.atomic import write_text
    path = tmp_path / 'f.txt'
    path.write_text('old')
    path.chmod(0o640)
    write_text(path, 'new')
    assert path.read_text() == 'new' and (path.stat().st_mode & 0o777) == 0o640


# ------------------------------------------------------------------ per-frame bugs

def test_unexpected_error_in_one_frame_keeps_the_batch(tmp_path, monkeypatch):
    """A bug in one frame's pre-processing becomes that row's reason, not a lost night."""
    from pypeit_spit.model.store import get_model
    from pypeit_spit.pipeline import reader
    for name in ('a.fits', 'b.fits', 'c.fits'):
        fits.writeto(tmp_path / name, _good())
    real = reader.prepare_frame

    def flaky(path, **kwargs):
        if Path(path).name == 'b.fits':
            raise IndexError('index 0 is out of bounds for axis 0 with size 0')
        return real(path, **kwargs)
    monkeypatch.setattr(reader, 'prepare_frame', flaky)
    table = classify_table([tmp_path], model=get_model(None))
    assert list(table['error']) == [
        '', 'internal error (IndexError: index 0 is out of bounds for axis 0 with size 0)', '']
    assert table['votes'][0] > 0 and table['votes'][2] > 0


# ------------------------------------------------------------------ model files

@pytest.mark.parametrize('make,message', [
    (lambda p: p.write_text('not a model'), 'cannot read model file (BadZipFile'),
    (lambda p: p.write_bytes(b''), 'cannot read model file (BadZipFile'),
    (lambda p: None, 'model file does not exist'),
])
def test_bad_model_files(tmp_path, capsys, make, message):
    path = tmp_path / 'm.keras'
    make(path)
    fits.writeto(tmp_path / 'a.fits', _good())
    args = SpitClassify.parse_args([str(tmp_path / 'a.fits'), '--model', str(path), '-v', '0',
                                    '--no-progress'])
    assert SpitClassify.run(args) == 2
    assert 'a.fits' not in capsys.readouterr().out


# ------------------------------------------------------------------ pypeit_spit_png

def test_png_keeps_the_rest_of_its_batch(tmp_path):
    """A frame of values near 1e300 is reported; the other frames are written."""
    fits.writeto(tmp_path / 'a_good.fits', _good())
    fits.writeto(tmp_path / 'b_1e300.fits', np.random.default_rng(0).normal(1, 0.1, (120, 400))
                 * 1e300)
    (tmp_path / 'c_text.fits').write_text('not FITS\n' * 50)
    fits.writeto(tmp_path / 'd_good.fits', _good(seed=4))
    outdir = tmp_path / 'png'
    proc = run_command('pypeit_spit_png', tmp_path, '-d', outdir)
    text = _output(proc)
    assert proc.returncode == 1, text
    assert 'Traceback' not in text and 'IndexError' not in text
    assert sorted(p.name for p in outdir.iterdir()) == ['a_good.png', 'd_good.png']
    assert f'{tmp_path / "b_1e300.fits"}: {NO_USABLE}' in text
    assert f'{tmp_path / "c_text.fits"}: not a FITS file' in text
