"""
The two reading speed-ups change no answer: a compressed frame decompressed once into a
temporary plain copy for PypeIt's reader, and frames read ahead (``Prefetch``) while
PypeIt reads the headers.
"""
import bz2
import contextlib
import gzip
import shutil

import numpy as np
import pytest

from pypeit_spit.pipeline.classify import classify_files
from pypeit_spit.pipeline.reader import Prefetch
from pypeit_spit.errors import FrameError
from pypeit_spit.model.inference import infer
from pypeit_spit.io import loaded, plain_copy, probe, pypeit_reader
from pypeit_spit.io.spectrograph import get_spectrograph

SPEC = 'shane_kast_blue'


@pytest.fixture(scope='module')
def night(tmp_path_factory):
    """A small simulated Kast blue night (plain FITS files)."""
    from pypeit_spit.simulate import simulate_nights
    out = tmp_path_factory.mktemp('night')
    manifest = simulate_nights(SPEC, 1, out, seed=17, scale=0.15)
    files = [out / str(f) for f in manifest['file']]
    assert len(files) >= 5
    return files


@contextlib.contextmanager
def _no_plain_copy(*args):
    yield None


def _compressed(files, folder, kind):
    out = []
    for f in files:
        target = folder / (f.name + ('.gz' if kind == 'gzip' else '.bz2'))
        opener = gzip.open if kind == 'gzip' else bz2.open
        with open(f, 'rb') as src, opener(target, 'wb') as dst:
            shutil.copyfileobj(src, dst)
        out.append(target)
    return out


@pytest.mark.parametrize('kind', ['gzip', 'bzip2'])
def test_compressed_frame_reads_as_the_plain_one(night, tmp_path, kind, monkeypatch):
    """Same pixels, header and loader from a compressed frame with and without the
    temporary plain copy, and as from the plain file where PypeIt reads the
    compressed one (Kast: .fits.gz, not .fits.bz2, whose reader refuses by name)."""
    packed = _compressed(night[:3], tmp_path, kind)
    fast = [pypeit_reader.load_with_pypeit(f, SPEC) for f in packed]
    monkeypatch.setattr(pypeit_reader, '_plain_copy', _no_plain_copy)
    slow = [pypeit_reader.load_with_pypeit(f, SPEC) for f in packed]
    plain = [pypeit_reader.load_with_pypeit(f, SPEC) for f in night[:3]]
    for a, b, c, f in zip(fast, slow, plain, packed):
        assert np.array_equal(a.image, b.image) and a.loader == b.loader
        assert a.path == b.path == str(f) and a.bias_level == b.bias_level
        if kind == 'gzip':
            assert np.array_equal(a.image, c.image) and a.loader == f'pypeit:{SPEC}'
        else:
            assert a.loader.startswith('generic (PypeIt') and f.name in a.loader
        assert a.header.tostring() == b.header.tostring()


def test_plain_copy_is_bounded_and_made_only_when_it_can_be(night, tmp_path, monkeypatch):
    spec = get_spectrograph(SPEC)
    gz = _compressed(night[:1], tmp_path, 'gzip')[0]
    comp = probe._compression(gz)
    with plain_copy._plain_copy(gz, comp, spec, loaded.DEFAULT_MAX_PIXELS) as plain:
        assert plain is not None and plain.name == night[0].name and plain.is_file()
        folder = plain.parent
    assert not folder.exists(), 'the temporary copy is removed'
    # a stream that inflates beyond what the size limit allows is not copied
    monkeypatch.setattr(plain_copy, '_PLAIN_SLACK', 0)
    with plain_copy._plain_copy(gz, comp, spec, 10) as plain:
        assert plain is None
    # nor a plain file, nor a name PypeIt's extension check refuses
    with plain_copy._plain_copy(night[0], None, spec, loaded.DEFAULT_MAX_PIXELS) as plain:
        assert plain is None
    odd = tmp_path / 'frame.fits.gz.gz'
    shutil.copy(gz, odd)
    with plain_copy._plain_copy(odd, comp, spec, loaded.DEFAULT_MAX_PIXELS) as plain:
        assert plain is None


def test_truncated_gzip_is_still_reported(night, tmp_path):
    gz = _compressed(night[:1], tmp_path, 'gzip')[0]
    data = gz.read_bytes()
    gz.write_bytes(data[:len(data) // 2])
    with pytest.raises(FrameError, match='truncated') as info:
        pypeit_reader.load_with_pypeit(gz, SPEC)
    assert 'pypeit_spit_' not in str(info.value)


def _same_tables(a, b):
    """The same verdicts, field by field (probabilities to the bit)."""
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x == y, (x, y)


@pytest.mark.parametrize('processes', [False, True])
def test_prefetch_changes_no_answer(night, tmp_path, monkeypatch, processes):
    """Frames read ahead, and run through the network as they were read, give the table
    classify_files gives alone; the network is not run again on them."""
    import threading

    from pypeit_spit.pipeline import reader
    files = [str(f) for f in night] + [str(tmp_path / 'missing.fits')]
    direct = classify_files(files, spectrograph=SPEC)
    calls = []
    real_infer = reader.infer
    monkeypatch.setattr(reader, 'infer', lambda *a, **k: calls.append(
        threading.current_thread().name) or real_infer(*a, **k))
    with Prefetch(files[::-1], spectrograph=SPEC, processes=processes,
                  keep_images=True) as ahead:  # any order
        seen = []
        ahead_table = classify_files(files, spectrograph=SPEC, prefetch=ahead,
                                     on_prepared=lambda i, p: seen.append((i, p.path)))
        assert not ahead._futures, 'every frame read ahead was taken'
        assert ahead._reader.processes == processes
    _same_tables(direct, ahead_table)
    assert sorted(seen) == [(i, files[i]) for i in range(len(night))]
    assert 'does not exist' in ahead_table[-1].error
    assert calls and set(calls) == {'pypeit_spit_prefetch'}, calls


@pytest.mark.parametrize('workers', [1, 3])
def test_reading_processes_change_no_answer(night, workers):
    files = [str(f) for f in night]
    threads = classify_files(files, spectrograph=SPEC, batch_size=2)
    seen = []
    processes = classify_files(files, spectrograph=SPEC, batch_size=2, workers=workers,
                               processes=True, on_prepared=lambda i, p: seen.append(i))
    _same_tables(threads, processes)
    assert seen == list(range(len(files)))
    generic = classify_files(files, batch_size=2)
    _same_tables(generic, classify_files(files, batch_size=2, processes=True))


def test_a_reading_process_that_dies_loses_no_frame(night, monkeypatch):
    """A reading process killed in the middle of a frame (out of memory, a crash in a
    library): its frames are read again in this process, and typed the same."""
    import os

    from pypeit_spit.pipeline import reader
    files = [str(f) for f in night]
    expected = classify_files(files, spectrograph=SPEC)
    parent, real = os.getpid(), reader.prepare_frame
    read_here = []

    def dies_in_a_child(path, **kwargs):
        if os.getpid() != parent and path == files[2]:
            os._exit(9)
        if os.getpid() == parent:
            read_here.append(path)
        return real(path, **kwargs)
    monkeypatch.setattr(reader, 'prepare_frame', dies_in_a_child)
    table = classify_files(files, spectrograph=SPEC, processes=True)
    _same_tables(expected, table)
    assert files[2] in read_here, 'read again in this process'


def test_prefetch_keeps_no_image_the_network_saw(night, monkeypatch):
    """By default a frame's image is dropped once the network ran on it (memory flat in
    the number of frames); a caller that needs the images, or another model, gets the
    frame read again, and the same table."""
    from pypeit_spit.model.store import build_model
    from pypeit_spit.pipeline import classify, reader
    files = [str(f) for f in night]
    direct = classify_files(files, spectrograph=SPEC)
    with Prefetch(files, spectrograph=SPEC) as ahead:
        ahead._thread.join()
        assert all(f.result()[0].image is None for f in ahead._futures.values())
        _same_tables(direct, classify_files(files, spectrograph=SPEC, prefetch=ahead))
    reads = []
    real = reader.prepare_one
    for module in (reader, classify):   # read by the pool, or again by classify_files
        monkeypatch.setattr(module, 'prepare_one', lambda *a: reads.append(a[0]) or real(*a))
    with Prefetch(files, spectrograph=SPEC) as ahead:
        ahead._thread.join()
        n_ahead = len(reads)
        seen = []
        table = classify_files(files, spectrograph=SPEC, prefetch=ahead,
                               on_prepared=lambda i, p: seen.append(p.image.shape))
        _same_tables(direct, table)
        assert seen == [(210, 650)] * len(files) and len(reads) == n_ahead + len(files)
    other = build_model('compact')
    with Prefetch(files, spectrograph=SPEC) as ahead:
        table = classify_files(files, spectrograph=SPEC, prefetch=ahead, model=other)
        _same_tables(classify_files(files, spectrograph=SPEC, model=other), table)


def test_prefetch_for_other_settings_is_not_used(night):
    with Prefetch(night[:2], spectrograph=SPEC, keep_images=True) as ahead:
        assert ahead.take(night[0], 'shane_kast_red', 1, None) is None
        assert ahead.take(night[0], SPEC, 2, None) is None
        assert ahead.take(night[0], SPEC, 1, 1000) is None
        assert ahead.holds(night[0], SPEC, 1, None)
        prep, error, net = ahead.take(night[0], get_spectrograph(SPEC), 1, None)
        assert error is None and prep.image.shape == (210, 650)
        assert net is None, "the network's output only for the model it ran"
        assert ahead.take(night[0], SPEC, 1, None) is None, 'taken once'
        assert not ahead.holds(night[0], SPEC, 1, None)
        prep, error, net = ahead.take(night[1], SPEC, 1, None, model=ahead.model)
        alone = infer(ahead.model, prep.image[None], prep.stats[None])
        assert np.array_equal(net.probs4, alone.probs4)


def test_prefetch_reads_at_most_limit_frames(night):
    with Prefetch(night, spectrograph=SPEC, limit=2) as ahead:
        assert len(ahead._futures) == 2


def test_compressed_frame_without_image_is_still_reported(tmp_path):
    """The headers of a small plain copy are read only when PypeIt's reader refuses it:
    a compressed header-only file still gets the generic loader's reason."""
    from astropy.io import fits
    plain = tmp_path / 'empty.fits'
    fits.PrimaryHDU().writeto(plain)
    gz = _compressed([plain], tmp_path, 'gzip')[0]
    with pytest.raises(FrameError, match='no image data'):
        pypeit_reader.load_with_pypeit(gz, SPEC)
    with pytest.raises(FrameError, match='no image data'):
        pypeit_reader.load_with_pypeit(gz, SPEC, fallback=False)
