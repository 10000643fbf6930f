"""
Which PypeIt spectrograph took a raw frame, found from its headers as PypeIt's own
classes recognise their files.

A PypeIt spectrograph names the header card of its instrument (its ``meta``
``instrument``: extension and card, usually ``INSTRUME`` of the primary header) and the
value that card starts with on its files (``header_name``); PypeIt's metadata checks a
night this way (``PypeItMetaData._vet_instrument``). Several spectrographs can share a
value (the Kast red CCD and its old Reticon; LRIS red before and after its detector
upgrades): those whose ``check_spectrograph`` refuses the file are dropped (LRIS
tells its detectors by date), the longest ``header_name`` wins (``LRISBLUE`` over
``LRIS``), and a tie left after that goes to a spectrograph SPIT is configured for,
then to the first name, with the others named in the frame's note (``-s`` forces
one). A frame no spectrograph recognises is ``generic``: its pixels are read by the
generic loader, and no header rules apply.
"""
import functools

__all__ = ['GENERIC', 'spectrograph_index', 'identify']

#: The name of frames no PypeIt spectrograph recognises.
GENERIC = 'generic'


@functools.lru_cache(maxsize=1)
def spectrograph_index():
    """
    Every PypeIt spectrograph that can be recognised from a header card (built once
    per process: about 3 s).

    Returns
    -------
    tuple of (str, int, str, str)
        Name, header extension, card, ``header_name``.
    """
    from pypeit_spit.io.spectrograph import get_spectrograph
    from pypeit.spectrographs import available_spectrographs
    out = []
    for name in available_spectrographs:
        try:
            spec = get_spectrograph(name)
        except Exception:   # a spectrograph PypeIt cannot load here is never recognised
            continue
        meta = spec.meta.get('instrument') if hasattr(spec, 'meta') else None
        if not spec.header_name or not isinstance(meta, dict) or 'card' not in meta:
            continue
        out.append((name, int(meta.get('ext', 0)), str(meta['card']), str(spec.header_name)))
    return tuple(out)


@functools.lru_cache(maxsize=64)
def _configured(name, user_file):
    from pypeit_spit.integration.config import instrument_config
    try:
        return instrument_config(name, user_file=user_file).enabled
    except Exception:
        return False


def identify(path, headers, user_file=None):
    """
    The PypeIt spectrograph of a raw frame from its headers.

    Parameters
    ----------
    path : str
        The file (PypeIt's ``check_spectrograph`` reads it, for the ties it settles).
    headers : sequence of `astropy.io.fits.Header`
        The file's headers, primary first (at least as many as the index names).
    user_file : str or None, optional
        pypeit-spit configuration file (settles a tie for a configured spectrograph).

    Returns
    -------
    name : str
        A PypeIt spectrograph name, or :data:`GENERIC`.
    note : str
        How it was found (``header INSTRUME='KASTb'``), and the other candidates of
        a tie.
    """
    from pypeit_spit.io.spectrograph import get_spectrograph
    found = []
    for name, ext, card, header_name in spectrograph_index():
        if ext >= len(headers):
            continue
        value = headers[ext].get(card)
        if isinstance(value, str) and value.strip().startswith(header_name):
            found.append((name, card, value.strip(), header_name))
    if not found:
        return GENERIC, 'no PypeIt spectrograph recognises the headers'
    longest = max(len(f[3]) for f in found)
    found = [f for f in found if len(f[3]) == longest]
    if len(found) > 1:
        kept = []
        for f in found:
            try:
                get_spectrograph(f[0]).check_spectrograph(path)
            except Exception:   # PypeIt says the file is not this spectrograph's
                continue
            kept.append(f)
        found = kept or found
    found.sort(key=lambda f: (not _configured(f[0], user_file), f[0]))
    name, card, value, _ = found[0]
    note = f'header {card}={value!r}'
    if len(found) > 1:
        note += f'; also matches {", ".join(f[0] for f in found[1:])} (-s forces one)'
    return name, note
