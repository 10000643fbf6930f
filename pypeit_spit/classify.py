"""
Type raw frames from their pixels: pre-process each file, run the network on every
image and its three flips in batches (:func:`pypeit_spit.model.inference.infer`, the
one inference path), and vote.
"""
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from astropy.table import Table
from pypeit import log

from pypeit_spit.errors import FrameError
from pypeit_spit.model.inference import DEFAULT_BATCH_SIZE, infer
from pypeit_spit.model.store import get_model
from pypeit_spit.preprocess.frame import prepare_frame
from pypeit_spit.preprocess.load import get_spectrograph
from pypeit_spit.vocab import CLASSES, UNKNOWN

__all__ = ['FITS_SUFFIXES', 'expand_paths', 'classify_files', 'result_table', 'format_table']

#: File name endings taken as FITS when a folder is given.
FITS_SUFFIXES = ('.fits', '.fit', '.fts', '.fits.gz', '.fit.gz', '.fts.gz', '.fits.fz',
                 '.fz', '.fits.bz2')


def _natural_key(path):
    """Sort key putting b2.fits before b10.fits."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r'(\d+)', path.name)]


def expand_paths(items):
    """
    Expand folders into the FITS files they hold (sorted); keep other items as given.

    Parameters
    ----------
    items : str, `pathlib.Path` or sequence of them

    Returns
    -------
    list of str
        Paths, in the order given (a folder's files in natural order: b2 before
        b10); a missing path is kept so that it can be reported in its own row.
    """
    if isinstance(items, (str, Path)):
        items = [items]
    out = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            files = sorted((f for f in p.iterdir()
                            if f.is_file() and f.name.lower().endswith(FITS_SUFFIXES)),
                           key=_natural_key)
            if not files:
                log.warning(f'{p}: folder holds no FITS files')
            out.extend(str(f) for f in files)
        else:
            out.append(str(item))
    return out


def result_table(n, classes=CLASSES):
    """
    An empty result table with ``n`` rows.

    Parameters
    ----------
    n : int
    classes : sequence of str, optional

    Returns
    -------
    `astropy.table.Table`
    """
    t = Table()
    t['file'] = np.full(n, '', dtype=object)
    t['class'] = np.full(n, UNKNOWN, dtype='U8')
    t['votes'] = np.zeros(n, dtype=int)
    t['prob'] = np.zeros(n, dtype=float)
    for c in classes:
        t[f'prob_{c}'] = np.zeros(n, dtype=float)
    t['loader'] = np.full(n, '', dtype=object)
    t['error'] = np.full(n, '', dtype=object)
    t['prob'].format = '.3f'
    for c in classes:
        t[f'prob_{c}'].format = '.3f'
    return t


class _Progress:
    """A minimal progress bar on stderr."""

    def __init__(self, total, enabled):
        self.total, self.done = total, 0
        self.enabled = enabled and total > 5

    def update(self, k):
        self.done += k
        if self.enabled:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            sys.stderr.write(f'\rpypeit_spit [{"#" * filled}{"." * (width - filled)}] '
                             f'{self.done}/{self.total}')
            sys.stderr.flush()

    def close(self):
        if self.enabled:
            sys.stderr.write('\n')
            sys.stderr.flush()


def classify_files(paths, spectrograph=None, model=None, batch_size=DEFAULT_BATCH_SIZE,
                   threshold=None, progress=False, det=1, workers=2):
    """
    Type raw frames from their pixels.

    Frames are read, pre-processed and sent through the network ``batch_size`` at a
    time (each with its three flips), so a whole night is never held in memory. A
    frame that cannot be read or pre-processed gets class ``unknown`` and a one-line
    reason in the ``error`` column; the others are still classified.

    Parameters
    ----------
    paths : str, `pathlib.Path` or sequence
        Files and/or folders (folders are expanded into their FITS files).
    spectrograph : str, Spectrograph or None, optional
        PypeIt spectrograph used to read the pixels; None reads the first 2-D HDU.
    model : str, `pathlib.Path`, SpitModel or None, optional
        Model name, path, or loaded model; None is the bundled default.
    batch_size : int, optional
        Frames per network call.
    threshold : float or None, optional
        Least mean probability of the winning class, replacing the model's own
        (per-class) cut; None keeps the model's; 0 takes every 3-of-4 vote winner.
    progress : bool, optional
        Show a progress bar on stderr (only for more than 5 files).
    det : int, optional
        Detector read by the PypeIt loader.
    workers : int, optional
        Threads that read and pre-process frames.

    Returns
    -------
    `astropy.table.Table`
        One row per file, in input order: ``file``, ``class``, ``votes``, ``prob``
        (mean probability of the answer's class, or of the most-voted class when
        Unknown), ``prob_<class>`` for each class, ``loader`` and ``error``.

    Raises
    ------
    pypeit_spit.errors.UsageError
        An unknown spectrograph name (the whole call is wrong, not one frame).
    pypeit_spit.errors.ModelError
        No usable model.
    """
    files = expand_paths(paths)
    spit_model = get_model(model)
    spectrograph = get_spectrograph(spectrograph) if spectrograph is not None else None
    table = result_table(len(files), spit_model.classes)
    table['file'] = files
    bar = _Progress(len(files), progress)

    def prepare(i):
        try:
            return prepare_frame(files[i], spectrograph=spectrograph, det=det), None
        except FrameError as exc:
            return None, exc.reason
        except Exception as exc:  # never lose the rest of the batch
            return None, f'{type(exc).__name__}: {exc}'

    # Two threads read and pre-process (decompression and numpy release the GIL);
    # the network runs on whole batches.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(files), batch_size):
            batch = range(start, min(start + batch_size, len(files)))
            idx, images, stats = [], [], []
            for i, (prep, error) in zip(batch, pool.map(prepare, batch)):
                if error is not None:
                    table['error'][i] = error
                    log.warning(f'{files[i]}: cannot classify: {error}')
                    continue
                idx.append(i)
                images.append(prep.image)
                stats.append(prep.stats)
                table['loader'][i] = prep.loader
            _fill(table, idx, images, stats, spit_model, threshold)
            bar.update(len(batch))
    bar.close()
    return table


def _fill(table, idx, images, stats, spit_model, threshold):
    """Run the network on one batch and write its rows."""
    if not idx:
        return
    result = infer(spit_model, np.stack(images),
                   np.stack(stats) if spit_model.uses_stats else None, batch_size=len(idx))
    pred = result.decide(threshold)
    prob = result.answer_probs(pred)
    for j, i in enumerate(idx):
        table['class'][i] = UNKNOWN if pred[j] < 0 else spit_model.classes[pred[j]]
        table['votes'][i] = result.votes[j]
        table['prob'][i] = prob[j]
        for k, c in enumerate(spit_model.classes):
            table[f'prob_{c}'][i] = result.probs[j, k]


def format_table(table):
    """
    Readable lines for a classification table (file, class, votes, probability, error).

    Parameters
    ----------
    table : `astropy.table.Table`
        Output of :func:`classify_files`.

    Returns
    -------
    list of str
    """
    names = [Path(f).name for f in table['file']]
    w = max([4] + [len(n) for n in names])
    lines = [f'{"file":<{w}}  {"class":<8}  votes  prob   error',
             f'{"-" * w}  {"-" * 8}  -----  -----  -----']
    for name, row in zip(names, table):
        lines.append(f'{name:<{w}}  {row["class"]:<8}  {row["votes"]:>3}/4  '
                     f'{row["prob"]:5.3f}  {row["error"]}')
    return lines
