"""
What the ``pypeit_spit_classify`` and ``pypeit_spit_png`` commands do (the scripts
themselves only parse arguments).
"""
import sys
from pathlib import Path

import numpy as np
from pypeit import log

from pypeit_spit.classify import classify_files, expand_paths
from pypeit_spit.load import FrameError
from pypeit_spit.network import ModelError
from pypeit_spit.preprocess import flips, prepare_frame

__all__ = ['format_table', 'run_classify', 'run_png', 'write_png']


def format_table(table):
    """
    Readable lines for a classification table (file, class, votes, probability, error).

    Parameters
    ----------
    table : `astropy.table.Table`
        Output of :func:`pypeit_spit.classify.classify_files`.

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


def run_classify(args):
    """Run ``pypeit_spit_classify``; returns the exit status."""
    try:
        table = classify_files(args.files, spectrograph=args.spectrograph, model=args.model,
                               batch_size=args.batch_size, threshold=args.threshold,
                               progress=not args.no_progress)
    except (ModelError, FrameError, ValueError) as exc:
        log.error(str(exc))
        return 2
    print('\n'.join(format_table(table)))
    if args.output:
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        table.write(out, format='ascii.ecsv', overwrite=True)
        log.info(f'Wrote {out}')
    n_bad = int(np.sum(table['error'] != ''))
    if n_bad:
        log.warning(f'{n_bad} of {len(table)} files could not be classified (see the error '
                    'column)')
    return 0


def write_png(image, path):
    """
    Write a uint8 image as an 8-bit greyscale PNG.

    Parameters
    ----------
    image : `numpy.ndarray` of uint8
    path : str or `pathlib.Path`
    """
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import image as mimage
    mimage.imsave(str(path), image, cmap='gray', vmin=0, vmax=255)


def _stem(path):
    name = Path(path).name
    for suffix in ('.gz', '.fz', '.bz2', '.fits', '.fit', '.fts'):
        if name.lower().endswith(suffix):
            name = name[:-len(suffix)]
    return name


def run_png(args):
    """Run ``pypeit_spit_png``; returns the exit status."""
    outdir = Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    status = 0
    for path in expand_paths(args.files):
        try:
            prep = prepare_frame(path, spectrograph=args.spectrograph)
        except FrameError as exc:
            log.warning(str(exc))
            status = 1
            continue
        images = flips(prep.image) if args.flips else [prep.image]
        for suffix, img in zip(('', '_flipv', '_fliph', '_flipvh'), images):
            out = outdir / f'{_stem(path)}{suffix}.png'
            write_png(img, out)
            print(out)
    return status
