"""
The gallery's HTML page (``index.html``): no JavaScript, no network resource; the
tiles that need a look first, then the others, then every frame in night order.
"""
import html
from urllib.parse import quote

from pypeit_spit.atomic import write_text
from pypeit_spit.report.gallery_frames import (COLOURS, FLAGGED, MEANINGS, SHEET_NAME,
                                               STATUSES, spit_text)
from pypeit_spit.report.png import caption_text

__all__ = ['write_html']


_CSS = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 16px;
       background: #fafafa; color: #111; }
h1 { font-size: 20px; margin: 0 0 6px 0; }
h2 { font-size: 16px; margin: 18px 0 8px 0; }
p { margin: 4px 0; font-size: 13px; }
.legend span.badge { margin-right: 4px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr));
         gap: 10px; }
figure.tile { margin: 0; background: #fff; border: 2px solid #ccc; padding: 4px;
              position: relative; }
figure.tile img, figure.tile .noimage { display: block; width: 100%; height: auto;
              image-rendering: pixelated; }
figure.tile .noimage { aspect-ratio: 650 / 210; background: repeating-linear-gradient(
              45deg, #eee, #eee 8px, #ddd 8px, #ddd 16px); color: #333;
              font-size: 12px; overflow: hidden; padding: 6px; box-sizing: border-box; }
figcaption { font-size: 12px; padding-top: 3px; }
figcaption .name { font-weight: bold; word-break: break-all; }
figcaption dl { margin: 2px 0; display: grid; grid-template-columns: auto 1fr;
                column-gap: 6px; }
figcaption dt { color: #555; } figcaption dd { margin: 0; }
figcaption .note { color: #333; font-style: italic; }
.badge { display: inline-block; font-size: 11px; font-weight: bold; color: #fff;
         padding: 1px 6px; border-radius: 3px; text-transform: uppercase; }
table.frames { border-collapse: collapse; font-size: 12px; }
table.frames td, table.frames th { border: 1px solid #ccc; padding: 2px 6px;
                                   text-align: left; }
"""


def _status_css():
    """Border of the flagged tiles and colour of every badge, from :data:`COLOURS`."""
    lines = [f'figure.tile.{s} {{ border: 6px solid {COLOURS[s]}; }}' for s in FLAGGED]
    lines += [f'.badge.{s} {{ background: {COLOURS[s]}; }}' for s in STATUSES]
    return '\n'.join(lines) + '\n'


def _escape(text):
    """Text for the page: valid UTF-8 (a name's bytes that are not as ``\\xNN``), no
    control character, HTML-escaped."""
    return html.escape(caption_text(text))


def _tile_html(f, rules, pfile):
    e = _escape
    hover = '; '.join(t for t in (f.reason, f.evidence) if t)
    lines = [f'<figure class="tile {f.status}" id="frame-{f.order}" '
             f'data-status="{f.status}" data-name="{e(f.name)}"'
             + (f' title="{e(hover)}"' if hover else '') + '>',
             f'<span class="badge {f.status}">{f.status}</span>']
    if f.thumb:
        lines.append(f'<img src="{e(quote(f.thumb))}" width="650" height="210" '
                     f'alt="{e(f.name)}: the 210x650 image the network sees">')
    else:
        why = f.no_image or f'not readable: {f.error}'
        lines.append(f'<div class="noimage">{e(why)}</div>')
    lines.append(f'<figcaption><div class="name">{e(f.name)}</div><dl>')
    lines.append(f'<dt>SPIT</dt><dd class="spit">{e(spit_text(f))}</dd>')
    if rules:
        lines.append(f'<dt>rules</dt><dd class="rules">{e(str(f.rules_type or "—"))}</dd>')
    if pfile:
        lines.append(f'<dt>file</dt><dd class="file">{e(str(f.file_type or "—"))}</dd>')
    if rules and f.decided:
        lines.append(f'<dt>decided</dt><dd class="decided">{e(f.decided)}</dd>')
    lines.append('</dl>')
    notes = ([f.error] if f.error else []) + list(f.notes)
    if notes:
        lines.append(f'<div class="note">{e("; ".join(notes))}</div>')
    lines.append('</figcaption></figure>')
    return '\n'.join(lines)


def write_html(gallery):
    """
    Write the gallery's page (``index.html``), atomically.

    The page needs no JavaScript and no network: CSS is inline and the images are
    the thumbnails next to it. Flagged tiles (disagree, unsure, unreadable) come
    first under their own heading, marked by a coloured border and a label; then
    the others; then a table of every frame in night order.

    Parameters
    ----------
    gallery : `~pypeit_spit.report.gallery_frames.Gallery`
    """
    e = _escape
    rules = gallery.spectrograph is not None
    pfile = any(f.file_type is not None for f in gallery.frames)
    flagged = [f for f in gallery.frames if f.flagged]
    others = [f for f in gallery.frames if not f.flagged]
    counts = ' · '.join(f'{gallery.count(s)} {s}' for s in STATUSES if gallery.count(s))
    if rules:
        orient = ('wavelength increases to the right (PypeIt orientation of '
                  f'{e(gallery.spectrograph)})')
    else:
        orient = ('spectral axis horizontal → (generic loader: which way wavelength '
                  'increases is not known)')
    compared = 'the header rules' + (' and the file' if pfile else '') if rules else None
    out = ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
           f'<title>SPIT gallery: {e(gallery.source)}</title>',
           f'<style>{_CSS}{_status_css()}</style>', '</head>', '<body>', '<header>',
           f'<h1>SPIT gallery: {e(gallery.source)}</h1>',
           f'<p class="summary">{len(gallery.frames)} frames: {e(counts)}</p>',
           f'<p>Spectrograph: {e(gallery.spectrograph or "none (generic loader)")} · '
           f'model: {e(gallery.model)}'
           + (f' · SPIT compared with {compared}' if compared else '') + '</p>',
           f'<p>Each image is what the network sees (210×650, ZSCALE); {orient}.</p>',
           ('<p>SPIT: its answer from the pixels, probability and votes of 4 copies; '
            "rules: PypeIt's header rules; "
            + ('file: the .pypeit file\'s frametype; ' if pfile else '')
            + 'decided: the type pypeit_spit_setup would give and who decided '
              '(hover a tile for the reason).</p>' if rules else ''),
           '<p class="legend">'
           + ' '.join(f'<span class="badge {s}">{s}</span> {e(MEANINGS[s])}.'
                      for s in STATUSES
                      if rules or s in ('spit', 'unknown', 'unreadable', 'flagged'))
           + '</p>',
           f'<p><a href="{SHEET_NAME}">Contact sheet (PNG)</a></p>', '</header>',
           f'<h2 id="flagged">Needs a look ({len(flagged)})</h2>',
           '<section class="tiles flagged">']
    out += [_tile_html(f, rules, pfile) for f in flagged]
    if not flagged:
        out.append('<p>Nothing: every frame was read and typed as '
                   + ('the header rules type it' if rules else 'SPIT decided') + '.</p>')
    out += ['</section>', f'<h2 id="others">{"Agree" if rules else "Typed"} '
            f'({len(others)})</h2>', '<section class="tiles others">']
    out += [_tile_html(f, rules, pfile) for f in others]
    out += ['</section>', '<h2 id="night">Night order</h2>',
            '<table class="frames"><thead><tr><th>#</th><th>file</th><th>status</th>'
            '<th>SPIT</th>' + ('<th>rules</th>' if rules else '')
            + ('<th>file frametype</th>' if pfile else '') + '</tr></thead><tbody>']
    for f in sorted(gallery.frames, key=lambda f: f.order):
        out.append(f'<tr><td>{f.order + 1}</td><td><a href="#frame-{f.order}">{e(f.name)}'
                   f'</a></td><td>{f.status}</td><td>{e(spit_text(f))}</td>'
                   + (f'<td>{e(str(f.rules_type or "—"))}</td>' if rules else '')
                   + (f'<td>{e(str(f.file_type or "—"))}</td>' if pfile else '') + '</tr>')
    out += ['</tbody></table>', '</body>', '</html>', '']
    write_text(gallery.index, '\n'.join(out))
