"""
The gallery's contact sheet (``contact_sheet.png``): every tile on one PNG image, in
the page's order, drawn with numpy and matplotlib's Agg canvas.
"""
import math

import numpy as np

from pypeit_spit.preprocess.contract import IMAGE_SHAPE
from pypeit_spit.report.gallery_frames import COLOURS, STATUSES, spit_text
from pypeit_spit.report.png import caption_text, grey_rgb, write_array_png
from pypeit_spit.vocab import class_of_frametypes

__all__ = ['write_contact_sheet']


# Contact sheet geometry (pixels).
_PAD, _BORDER = 8, 4
_TEXT = 44                   # three caption lines
_HEAD = 36                   # title strip


def _rgb(colour):
    from matplotlib.colors import to_rgb
    return np.rint(np.array(to_rgb(colour)) * 255).astype(np.uint8)


def _short(text, n, middle=False):
    """Cut text to n characters: at the end, or in the middle (names)."""
    text = str(text)
    if len(text) <= n:
        return text
    if middle:
        head = (n - 1) // 2
        return text[:head] + '…' + text[-(n - 1 - head):]
    return text[:n - 1] + '…'


def _as_class(types):
    """PypeIt frame types as a class where they amount to one (for the sheet)."""
    return class_of_frametypes(types) or str(types)


def _draw_texts(canvas, texts, title):
    """Draw text (matplotlib, Agg) onto an RGB canvas in place."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    height, width = canvas.shape[:2]
    dpi = 100
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    fig.patch.set_alpha(0.0)
    fig.text(_PAD / width, 1 - (_HEAD / 2) / height, caption_text(title), fontsize=11,
             va='center', ha='left', fontweight='bold', parse_math=False)
    for x, y, text, colour, weight in texts:
        fig.text(x / width, 1 - y / height, caption_text(text), fontsize=7.5, va='center',
                 ha='left', color=colour, fontweight=weight, parse_math=False)
    agg = FigureCanvasAgg(fig)
    agg.draw()
    ink = np.asarray(agg.buffer_rgba())
    h, w = min(height, ink.shape[0]), min(width, ink.shape[1])
    ink = ink[:h, :w]
    # Only the inked pixels are blended (straight alpha), so the canvas is not copied.
    mask = ink[..., 3] > 0
    alpha = ink[..., 3][mask].astype(np.float32)[:, None] / 255.0
    region = canvas[:h, :w]
    region[mask] = np.rint(region[mask] * (1 - alpha)
                           + ink[..., :3][mask] * alpha).astype(np.uint8)


def write_contact_sheet(gallery, small, shrink=2):
    """
    Write the gallery's contact sheet (``contact_sheet.png``), atomically.

    Tiles in the page's order (flagged first), each the network's image shrunk
    ``shrink`` times, with a coloured border when flagged, and three lines: the
    name, SPIT's type and probability with the rules' (and the file's) type, and the
    status. The number of columns grows with the night, so that the sheet stays
    about three times taller than wide at most.

    Parameters
    ----------
    gallery : `~pypeit_spit.report.gallery_frames.Gallery`
    small : dict
        Frame order -> shrunk uint8 image (missing for unreadable frames).
    shrink : int, optional
        Reduction of the images in ``small`` (for the size of unreadable tiles).
    """
    frames = gallery.frames
    n = len(frames)
    tile_h, tile_w = IMAGE_SHAPE[0] // shrink, IMAGE_SHAPE[1] // shrink
    cell_w, cell_h = tile_w + 2 * _PAD, tile_h + _TEXT + 2 * _PAD
    ncols = max(4, math.ceil(math.sqrt(n * cell_h / (3.0 * cell_w))))
    ncols = min(ncols, max(n, 1))
    nrows = math.ceil(n / ncols)
    width, height = ncols * cell_w, _HEAD + nrows * cell_h
    canvas = np.full((height, width, 3), 255, dtype=np.uint8)
    chars = max(24, int(tile_w / 5.6))       # caption characters that fit a tile
    texts = []
    for k, f in enumerate(frames):
        x0 = (k % ncols) * cell_w + _PAD
        y0 = _HEAD + (k // ncols) * cell_h + _PAD
        if f.flagged:
            canvas[max(y0 - _BORDER, 0):y0 + tile_h + _BORDER,
                   max(x0 - _BORDER, 0):x0 + tile_w + _BORDER] = _rgb(COLOURS[f.status])
        img = small.get(f.order)
        if img is not None:
            canvas[y0:y0 + img.shape[0], x0:x0 + img.shape[1]] = grey_rgb(img)
        else:
            canvas[y0:y0 + tile_h, x0:x0 + tile_w] = 225
            texts.append((x0 + 6, y0 + tile_h // 2, _short(f.no_image or f.error, chars - 6),
                          '#333333', 'normal'))
        parts = [f'SPIT {spit_text(f)}']
        if f.rules_type is not None:
            parts.append(f'rules {_as_class(f.rules_type)}')
        if f.file_type is not None:
            parts.append(f'file {_as_class(f.file_type)}')
        ty = y0 + tile_h + _BORDER + 2
        texts.append((x0, ty + 6, _short(f.name, chars - 8, middle=True), '#000000',
                      'bold'))
        texts.append((x0, ty + 19, _short(' | '.join(parts), chars), '#000000', 'normal'))
        texts.append((x0, ty + 32, f.status.upper() if f.flagged else f.status,
                      COLOURS[f.status], 'bold'))
    counts = ', '.join(f'{gallery.count(s)} {s}' for s in STATUSES if gallery.count(s))
    title = _short(f'SPIT gallery: {gallery.source} ({n} frames: {counts})',
                   max(40, width // 8))
    _draw_texts(canvas, texts, title)
    write_array_png(canvas, gallery.contact_sheet)
