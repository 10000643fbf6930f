"""
Frame typing inside PypeIt, as ``pypeit_spit_setup`` does it, against PypeIt's header
rules: on real frames with clean and with faulted lamp cards, and on simulated nights
with and without header faults.

For every frame: right, **silently wrong** (a wrong type with no flag), conflict
(flagged for the user; typed right or wrong), untyped (commented out as PypeIt does).
PypeIt's rules alone are what ``pypeit_setup`` writes.

Real frames (``--real``, e.g. ``../shared/realframes``, validation data only): the Kast
frames of its ``labels.csv``, one night per spectrograph, typed as found (clean) and
with their lamp cards faulted as observers' scripts fault them: every ``LAMPSTA*``
card ``off`` on arcs and flats, one arc-lamp card left ``on`` on science and standard
frames.

Simulated nights (``--nights N`` per camera, seeds from ``--seed``: use seeds never
used for training): clean, and with header faults at ``--faults``.

Usage::

    python benchmarks/setup_typing.py --real ../shared/realframes --nights 3 \\
        --faults 0.3 --seed 9100 --outdir /tmp/spit_setup_typing [--model NAME_OR_PATH]
"""
import argparse
import shutil
from collections import Counter
from pathlib import Path

import numpy as np

#: The real frames typed by default: Kast's (``labels.csv``'s instrument column; r6 is a
#: Reticon frame).
REAL_KAST = ('shane_kast_blue', 'shane_kast_red_ret')
#: Arc-lamp cards (PypeIt lampstat06..16 = LAMPSTAA..K).
ARC_CARDS = tuple(f'LAMPSTA{c}' for c in 'ABCDEFGHIJK')


def fault_lamp_cards(path, cls):
    """Fault one copied real frame's lamp cards in place, as described above."""
    from astropy.io import fits
    with fits.open(path, mode='update') as hdul:
        header = hdul[0].header
        if cls in ('arc', 'flat'):
            for key in list(header):
                if key.startswith('LAMPSTA'):
                    header[key] = 'off'
        elif cls in ('science', 'standard'):
            header['LAMPSTAF'] = 'on'


def type_night(folder, spectrograph, model=None, extension=None):
    """
    Type one night's folder as pypeit_spit_setup does.

    Returns
    -------
    dict
        file name -> (frametype, spit_src, rules class).
    """
    from pypeit.pypeitsetup import PypeItSetup

    from pypeit_spit.integration.hook import enabled
    from pypeit_spit.vocab import class_of_frametypes
    with enabled(model=model, enable=True) as record:
        ps = PypeItSetup.from_file_root(str(folder), spectrograph, extension=extension)
        ps.run(setup_only=True)
    t = record['results'][0].table
    return {str(r['filename']): (str(r['frametype']), str(r['source']),
                                 class_of_frametypes(r['rules_type'])) for r in t}


def score(typed, truth):
    """Counts of one night: rules and setup, right / silently wrong / conflict / untyped."""
    from pypeit_spit.vocab import class_of_frametypes
    c = Counter()
    for name, cls in truth.items():
        frametype, source, rules = typed[name]
        got = class_of_frametypes(frametype)
        c['n'] += 1
        c['rules_right'] += rules == cls
        c['rules_wrong'] += rules not in ('', cls)    # what pypeit_setup types silently wrong
        if source == 'none' or frametype == 'None':
            c['untyped'] += 1
        elif source == 'conflict':
            c['conflict'] += 1
            c['conflict_right'] += got == cls
        elif got == cls:
            c['right'] += 1
        else:
            c['silently_wrong'] += 1
        # a frame the rules type right, typed wrong by setup (flagged or not), or flagged
        c['rules_right_made_wrong'] += rules == cls and got != cls
        c['rules_right_flagged'] += rules == cls and source == 'conflict'
    return c


def real_nights(realframes, outdir, fault, instruments=REAL_KAST):
    """
    Copy the real frames of ``instruments`` into one folder per spectrograph (made
    afresh), their lamp cards faulted or not.

    Parameters
    ----------
    realframes : str or `pathlib.Path`
        Folder of the real frames, with its ``labels.csv``.
    outdir : str or `pathlib.Path`
        Where the folders are made (``clean/<spectrograph>`` or ``faulted/...``).
    fault : bool
        Fault the lamp cards (:func:`fault_lamp_cards`: Kast's ``LAMPSTA*`` cards).
    instruments : sequence of str, optional
        PypeIt spectrograph names (``labels.csv``'s ``instrument`` column).

    Returns
    -------
    dict
        ``{spectrograph: (folder, {file name: class})}``.

    Raises
    ------
    ValueError
        Two frames of one spectrograph with the same file name.
    """
    from astropy.table import Table
    labels = Table.read(Path(realframes) / 'labels.csv', format='ascii.csv')
    nights = {}
    for f, spec, cls in zip(labels['file'], labels['instrument'], labels['frametype']):
        spec = str(spec)
        if spec not in instruments:
            continue
        dest = Path(outdir) / ('faulted' if fault else 'clean') / spec
        if spec not in nights:
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir(parents=True)
            nights[spec] = (dest, {})
        out = dest / Path(f).name
        if out.name in nights[spec][1]:
            raise ValueError(f'{f}: a second {spec} frame named {out.name}')
        shutil.copy(Path(realframes) / f, out)
        if fault:
            fault_lamp_cards(out, cls)
        nights[spec][1][out.name] = cls
    return nights


def simulated_nights(camera, n, outdir, seed, faults, workers=1):
    """
    Simulate ``n`` nights of ``camera`` (:func:`pypeit_spit.simulate.simulate_nights`).

    Parameters
    ----------
    camera : str
    n, seed : int
    outdir : str or `pathlib.Path`
    faults : float
        Header-fault probability per frame.
    workers : int, optional

    Returns
    -------
    list of tuple
        ``(folder, {file name: class})`` per night.
    """
    from astropy.table import Table

    from pypeit_spit.simulate import simulate_nights
    manifest = simulate_nights(camera, n, outdir, seed, faults=faults, workers=workers)
    manifest = manifest[manifest['camera'] == camera] if isinstance(manifest, Table) else manifest
    out = []
    for night in np.unique(manifest['night']):
        rows = manifest[manifest['night'] == night]
        folder = (Path(outdir) / rows['file'][0]).parent
        out.append((folder, {Path(f).name: c for f, c in zip(rows['file'], rows['cls'])}))
    return out


def print_table(title, rows):
    print(f'\n{title}')
    print('| data | camera | frames | rules right | setup right | silently wrong | '
          'conflict (typed right) | untyped | rules-right frames typed wrong | '
          'rules-right frames flagged |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for data, camera, c in rows:
        n = c['n']
        print(f"| {data} | {camera} | {n} | {c['rules_right']} | {c['right']} | "
              f"{c['silently_wrong']} ({100 * c['silently_wrong'] / max(n, 1):.1f}%) | "
              f"{c['conflict']} ({c['conflict_right']}) "
              f"({100 * c['conflict'] / max(n, 1):.1f}%) | {c['untyped']} | "
              f"{c['rules_right_made_wrong']} | {c['rules_right_flagged']} |")


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    p.add_argument('--real', default=None, help='Folder of real frames with labels.csv')
    p.add_argument('--cameras', default='shane_kast_blue,shane_kast_red,shane_kast_red_ret')
    p.add_argument('--nights', type=int, default=3, help='Simulated nights per camera (0: none)')
    p.add_argument('--faults', type=float, default=0.3)
    p.add_argument('--seed', type=int, default=9100)
    p.add_argument('--model', default=None)
    p.add_argument('--outdir', required=True)
    args = p.parse_args()

    from pypeit_spit.io.sites import use_offline_sites
    use_offline_sites()
    outdir = Path(args.outdir)
    if args.real:
        for fault in (False, True):
            rows = []
            for spec, (folder, truth) in real_nights(args.real, outdir / 'real', fault).items():
                rows.append(('real ' + ('faulted lamps' if fault else 'clean'), spec,
                             score(type_night(folder, spec, args.model), truth)))
            print_table(f"Real Kast frames, {'faulted lamp cards' if fault else 'clean headers'}"
                        f" ({args.real})", rows)
    for faults in (0.0, args.faults) if args.nights else ():
        rows = []
        for k, camera in enumerate(args.cameras.split(',')):
            total = Counter()
            sim = outdir / f'sim_faults{faults:g}'
            for folder, truth in simulated_nights(camera, args.nights, sim, args.seed + k,
                                                  faults):
                total += score(type_night(folder, camera, args.model), truth)
            rows.append((f'simulated, faults {faults:g}', camera, total))
        print_table(f'Simulated nights ({args.nights} per camera, seed {args.seed}+, header '
                    f'faults {faults:g})', rows)


if __name__ == '__main__':
    main()
