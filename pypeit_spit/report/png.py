"""
The network's view of a frame as a PNG file, plain or annotated.

Every file is written atomically (:func:`pypeit_spit.atomic.atomic_open`: a
temporary file in the destination folder, moved into place with :func:`os.replace`),
so that a reader (a browser, a second command) never sees half a PNG, and an
interrupted run leaves the old file.
"""
from pathlib import Path

import numpy as np

__all__ = ['caption_text', 'write_png', 'write_exact_png', 'write_array_png', 'frame_stem',
           'grey_rgb', 'direction_label', 'write_annotated_png', 'FLIP_SUFFIXES']

#: Endings stripped from a frame's file name to name its PNG.
_SUFFIXES = ('.gz', '.fz', '.bz2', '.fits', '.fit', '.fts')

#: File-name suffixes of the image and its three flips, in the order of
#: :func:`pypeit_spit.preprocess.contract.flips` (none, vertical, horizontal, both).
FLIP_SUFFIXES = ('', '_flipv', '_fliph', '_flipvh')

#: Height in pixels of the caption strip of an annotated image.
CAPTION_HEIGHT = 48


def write_png(image, path):
    """
    Write a uint8 image as PNG through matplotlib's grey colour map (RGBA; as
    ``pypeit_spit_png`` always wrote it), atomically.

    Parameters
    ----------
    image : `numpy.ndarray` of uint8
    path : str or `pathlib.Path`
    """
    from matplotlib import image as mimage

    from pypeit_spit.atomic import atomic_open
    with atomic_open(path, 'wb') as f:
        mimage.imsave(f, image, cmap='gray', vmin=0, vmax=255, format='png')


def frame_stem(path):
    """
    A frame's file name without its FITS and compression endings.

    Parameters
    ----------
    path : str or `pathlib.Path`

    Returns
    -------
    str
    """
    name = Path(path).name
    for suffix in _SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[:-len(suffix)]
    return name


def grey_rgb(image):
    """
    A uint8 greyscale image as uint8 RGB, for drawing and writing without a colour
    map (so every grey level is kept exactly).

    Parameters
    ----------
    image : `numpy.ndarray` of uint8, shape (rows, cols)

    Returns
    -------
    `numpy.ndarray` of uint8, shape (rows, cols, 3)
    """
    image = np.asarray(image, dtype=np.uint8)
    return np.repeat(image[:, :, None], 3, axis=2)


def write_exact_png(image, path):
    """
    Write a uint8 greyscale image as an 8-bit greyscale PNG with every grey level
    kept exactly, atomically.

    (:func:`write_png`, kept as it was for ``pypeit_spit_png``, goes through a
    colour map into RGBA, which moves some levels by one.)

    Parameters
    ----------
    image : `numpy.ndarray` of uint8
    path : str or `pathlib.Path`
    """
    write_array_png(np.asarray(image, dtype=np.uint8), path)


def write_array_png(array, path):
    """
    Write a uint8 array as PNG as it is (greyscale for 2-D, RGB for 3 channels),
    with PIL (matplotlib's own image writer), atomically.

    Parameters
    ----------
    array : `numpy.ndarray` of uint8, shape (rows, cols) or (rows, cols, 3)
    path : str or `pathlib.Path`
    """
    from PIL import Image

    from pypeit_spit.atomic import atomic_open
    image = Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8))
    with atomic_open(path, 'wb') as f:
        image.save(f, format='PNG')


def direction_label(loader, reversed_=False):
    """
    What can honestly be said of the spectral axis of a canonical image.

    The canonical image always has the spectral axis horizontal. Read by PypeIt
    (``-s SPECTROGRAPH``), the image is in PypeIt's orientation, in which the
    spectrograph's ``specflip`` has been applied so that wavelength increases with
    the spectral pixel: to the right. Read by the generic loader, only the axis is
    known, not which way wavelength grows.

    Parameters
    ----------
    loader : str
        ``'pypeit:<spectrograph>'`` or ``'generic'``, maybe followed by a note (the
        ``loader`` column of :func:`pypeit_spit.pipeline.classify.classify_files`).
    reversed_ : bool, optional
        The image is flipped left-right (the horizontal flips).

    Returns
    -------
    arrow : str
        ``'→'`` or ``'←'``.
    text : str
        The label (without the arrow).
    """
    arrow = '←' if reversed_ else '→'
    loader = str(loader or '')
    if loader.startswith('pypeit:'):
        spec = loader[7:].split()[0] if loader[7:].strip() else 'PypeIt'
        return arrow, f'wavelength increases along the arrow (PypeIt orientation, {spec})'
    return arrow, 'which way wavelength increases is not known (generic loader)'


def caption_text(text):
    """
    Text as a caption draws it: bytes of a file name that are not UTF-8 (surrogate
    escapes) as ``\\xNN``, control and other unprintable characters escaped; drawn
    literally (``parse_math=False``: a ``$`` in a name is no mathtext).

    Parameters
    ----------
    text : str
        A file's name, or a caption line that holds one.

    Returns
    -------
    str
        Printable, valid UTF-8.
    """
    text = str(text).encode('utf-8', 'surrogateescape').decode('utf-8', 'backslashreplace')
    return ''.join(c if c.isprintable() else c.encode('unicode_escape').decode('ascii')
                   for c in text)


def _caption_figure(image, lines, arrow_dir, arrow_text):
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch
    rows, cols = image.shape
    dpi = 100
    height = rows + CAPTION_HEIGHT
    fig = Figure(figsize=(cols / dpi, height / dpi), dpi=dpi, facecolor='white')
    # RGB bytes: drawn exactly (a colour map would shift some grey levels by one).
    fig.figimage(grey_rgb(image), xo=0, yo=CAPTION_HEIGHT, origin='upper')
    y1 = (CAPTION_HEIGHT - 14) / height
    y2 = (CAPTION_HEIGHT - 34) / height
    lines = [caption_text(line) for line in lines]
    fig.text(6 / cols, y1, lines[0], fontsize=9, va='center', ha='left',
             fontweight='bold', parse_math=False)
    if len(lines) > 1:
        fig.text(6 / cols, y2, lines[1], fontsize=9, va='center', ha='left',
                 parse_math=False)
    # The direction: a drawn arrow (not a glyph) and its label, right-aligned.
    x0, x1 = (cols - 60) / cols, (cols - 8) / cols
    if arrow_dir == '←':
        x0, x1 = x1, x0
    fig.add_artist(FancyArrowPatch((x0, y1), (x1, y1), transform=fig.transFigure,
                                   arrowstyle='-|>', mutation_scale=14, color='black',
                                   linewidth=1.6))
    fig.text((cols - 66) / cols, y1, 'spectral axis', fontsize=9, va='center', ha='right')
    fig.text((cols - 8) / cols, y2, caption_text(arrow_text), fontsize=7.5, va='center',
             ha='right', parse_math=False,
             color='#333333')
    return fig, dpi


def write_annotated_png(image, path, name, spit_class, prob, votes, loader,
                        reversed_=False):
    """
    Write the network's image with a caption strip below it, atomically.

    The caption gives the file's name, SPIT's class, probability and votes, and the
    spectral axis as an arrow with what is known of the wavelength direction
    (:func:`direction_label`). The image itself is drawn pixel for pixel (no
    resampling): the PNG is 650 pixels wide and ``210 + CAPTION_HEIGHT`` high.

    Parameters
    ----------
    image : `numpy.ndarray` of uint8
        The 210x650 image (or one of its flips).
    path : str or `pathlib.Path`
    name : str
        The file's name as shown.
    spit_class : str
        SPIT's answer (``unknown`` when undecided).
    prob : float
        Its probability.
    votes : int
        Votes of the 4 copies.
    loader : str
        The loader that read the frame (decides the direction label).
    reversed_ : bool, optional
        The image is flipped left-right.
    """
    image = np.asarray(image)
    arrow, text = direction_label(loader, reversed_=reversed_)
    lines = [str(name), f'SPIT: {spit_class}   p={prob:.3f}   ({votes}/4 votes)']
    fig, dpi = _caption_figure(image, lines, arrow, text)
    from pypeit_spit.atomic import atomic_open
    with atomic_open(path, 'wb') as f:
        fig.savefig(f, dpi=dpi, format='png', facecolor='white')
