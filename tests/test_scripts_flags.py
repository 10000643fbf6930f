"""
The flags users rely on (issue 23), as a user meets them: the installed console
scripts in subprocesses, with an empty home directory.

* On a real Kast night with a faulted lamp card, ``pypeit_spit_check`` lists the
  flagged frame as ``conflict`` and exits 1; once the user settles it in the ``spit``
  column (and ``pypeit_spit_retype`` writes it), it exits 0.
* ``pypeit_spit_setup`` is quiet by default: one summary on stdout counting every
  outcome, nothing on stderr on a 12-frame night; the probability reads the same in
  the summary, the ``.pypeit`` file and the check; no carriage returns, colour codes
  or temporary paths in redirected output.
* Usage errors (a mistyped folder or file) are one line and exit status 2 in every
  command; a folder of night folders is searched and repeated file names are warned
  about; the SPIT options have the same names in every command.
"""
import re
import shutil

import pytest
from astropy.io import fits

from helpers import run_command

#: Kast blue frames of one night (labels.csv of ../shared/realframes; the simulated
#: night of tests/simframes.py has the same names and classes).
NIGHT = ('b1', 'b3', 'b4', 'b5', 'b6', 'b14', 'b15', 'b16', 'b24', 'b27', 'b28', 'b29')

#: Printed only by a terminal or a leaking temporary copy.
NOISE = re.compile(r'\r|\x1b\[|/tmp/pypeit_spit_')


@pytest.fixture
def home(tmp_path):
    path = tmp_path / 'home'
    path.mkdir()
    return {'HOME': str(path)}


def _night(source, dest, names=NIGHT):
    dest.mkdir(parents=True)
    for stem in names:
        shutil.copy(source / f'{stem}.fits.gz', dest)
    return dest


def _rows(pfile):
    """Data-block rows of a .pypeit file: filename -> cells (by column name)."""
    lines = pfile.read_text().splitlines()
    start = lines.index('data read') + 1
    names = [c.strip() for c in lines[start + 1].split('|')]
    rows = {}
    for line in lines[start + 2:lines.index('data end')]:
        cells = [c.strip() for c in line.split('|')]
        rows[cells[0].lstrip('# ')] = dict(zip(names, cells))
    return rows


def _set_spit(pfile, name, value):
    """What the user does: set one row's spit column."""
    lines = pfile.read_text().splitlines()
    start = lines.index('data read') + 1
    names = [c.strip() for c in lines[start + 1].split('|')]
    col = names.index('spit')
    for i, line in enumerate(lines):
        cells = line.split('|')
        if cells[0].strip() == name:
            cells[col] = f' {value} '
            lines[i] = '|'.join(cells)
    pfile.write_text('\n'.join(lines) + '\n')


def test_faulted_lamp_card_night_check_blocks_until_settled(realframes, tmp_path, home):
    """Done when: the standard b24 with an arc lamp card left on (PypeIt's rules: an
    arc). The arc lamp excludes a standard, so whatever SPIT says the frame is a
    conflict typed as the rules type it; check exits 1 until the spit column settles
    it (and retype writes it), then 0."""
    night = _night(realframes / 'shane_kast_blue', tmp_path / 'night')
    std = night / 'b24.fits.gz'
    with fits.open(std) as hdul:
        hdul[0].header['LAMPSTAB'] = 'on'
        hdul.writeto(std, overwrite=True)
    out = tmp_path / 'reduced'
    proc = run_command('pypeit_spit_setup', '-r', night, '-s', 'shane_kast_blue', '-c', 'all',
                       '-d', out, env=home)
    assert proc.returncode == 0, proc.stderr
    # quiet: nothing on stderr on this 12-frame night (at most 15 lines), one summary
    assert len(proc.stderr.splitlines()) <= 15, proc.stderr
    assert not NOISE.search(proc.stdout + proc.stderr)
    summary = proc.stdout.splitlines()
    counts = re.fullmatch(r'pypeit_spit_setup: 12 frames typed: (.*)', summary[0])
    assert counts, summary[0]
    counted = {w: int(n) for n, w in re.findall(r'(\d+) (\w+)', counts.group(1))}
    assert sum(counted.values()) == 12 and counted['conflict'] == 1
    assert counted.get('agree', 0) >= 9          # frames where both agree are counted
    conflict = [line for line in summary if line.startswith('  b24.fits.gz: conflict')]
    assert len(conflict) == 1 and 'typed arc,tilt' in conflict[0], proc.stdout
    assert 'arc lamp on excludes' in conflict[0]
    pfile = out / 'shane_kast_blue_A' / 'shane_kast_blue_A.pypeit'
    assert f'wrote: {pfile.relative_to(tmp_path)}' not in proc.stdout  # not the cwd's
    assert str(pfile.name) in proc.stdout and 'log: ' in proc.stdout
    row = _rows(pfile)['b24.fits.gz']
    assert (row['frametype'], row['spit_src']) == ('arc,tilt', 'conflict')
    if row['spit_type'] == 'standard':            # SPIT's answer, printed one way
        assert f"SPIT standard p={row['spit_prob']}" in conflict[0]

    check = ('pypeit_spit_check', pfile)
    proc = run_command(*check, env=home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    listed = [line for line in proc.stdout.splitlines() if line.startswith('b24.fits.gz')]
    assert len(listed) == 1 and ' conflict ' in listed[0], proc.stdout
    assert f" {row['spit_prob']} " in listed[0]
    assert '1 to settle (1 conflict)' in proc.stdout and not proc.stderr

    # settled with keep (the file's arc,tilt confirmed): nothing left
    original = pfile.read_text()
    _set_spit(pfile, 'b24.fits.gz', 'keep')
    proc = run_command(*check, env=home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'nothing to settle' in proc.stdout

    # settled with a type: check still fails until retype writes it (run_pypeit reads
    # the frametype column), then passes
    pfile.write_text(original)
    _set_spit(pfile, 'b24.fits.gz', 'standard')
    proc = run_command(*check, env=home)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'run pypeit_spit_retype' in proc.stdout
    proc = run_command('pypeit_spit_retype', pfile, env=home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _rows(pfile)['b24.fits.gz']['frametype'] == 'standard'
    proc = run_command(*check, env=home)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize('command,args,name', [
    ('pypeit_spit_setup', ['-r', '{tmp}/mistyped', '-s', 'shane_kast_blue', '-d', '{tmp}/o'],
     'mistyped'),
    ('pypeit_spit_classify', ['{tmp}/mistyped', '-s', 'shane_kast_blue'], 'mistyped'),
    ('pypeit_spit_gallery', ['{tmp}/mistyped', '-d', '{tmp}/o'], 'mistyped'),
    ('pypeit_spit_png', ['{tmp}/mistyped', '-d', '{tmp}/o'], 'mistyped'),
    ('pypeit_spit_check', ['{tmp}/mistyped.pypeit'], 'mistyped.pypeit'),
    ('pypeit_spit_retype', ['{tmp}/mistyped.pypeit'], 'mistyped.pypeit'),
])
def test_usage_errors_one_line_exit_2(tmp_path, home, command, args, name):
    args = [a.replace('{tmp}', str(tmp_path)) for a in args]
    proc = run_command(command, *args, env=home)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and name in lines[0], lines
    assert not (tmp_path / 'o').exists()


def test_folder_of_nights_and_repeated_names(kastframes, tmp_path, home):
    """-r on a folder of night folders searches the nights; a file name two nights
    reuse (Kast numbers its frames per night) is warned about; -v 1 says more."""
    parent = tmp_path / 'kast'
    _night(kastframes, parent / 'n1', ('b1', 'b3', 'b14', 'b27'))
    _night(kastframes, parent / 'n2', ('b14', 'b5', 'b28'))
    out = tmp_path / 'reduced'
    proc = run_command('pypeit_spit_setup', '-r', parent, '-s', 'shane_kast_blue', '-c', 'all',
                       '-d', out, '-v', '1', env=home)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('pypeit_spit_setup: 7 frames typed: ')
    assert 'searched the 2 night folders of' in proc.stdout
    assert 'repeated across folders: b14.fits.gz (2x)' in proc.stdout
    assert 'repeated across folders' in proc.stderr           # also a logged warning
    assert '[INFO]' in proc.stderr                             # -v 1: PypeIt's progress
    assert not NOISE.search(proc.stdout + proc.stderr)


def test_spit_options_named_alike():
    """--spit-model/--spit-threshold in every typing command, --spit-config in every
    one that reads the configuration (all of them; classify with -s); -o keeps PypeIt's meaning (overwrite) in setup;
    -d is the output folder."""
    from pypeit_spit.scripts.spit_archive import SpitArchive
    from pypeit_spit.scripts.spit_check import SpitCheck
    from pypeit_spit.scripts.spit_classify import SpitClassify
    from pypeit_spit.scripts.spit_gallery import SpitGallery
    from pypeit_spit.scripts.spit_png import SpitPng
    from pypeit_spit.scripts.spit_retype import SpitRetype
    from pypeit_spit.scripts.spit_setup import SpitSetup
    for cmd in (SpitSetup, SpitCheck, SpitRetype, SpitClassify, SpitGallery):
        options = {s for a in cmd.get_parser()._actions for s in a.option_strings}
        assert {'--spit-model', '--spit-threshold'} <= options, cmd.name()
        # the configuration file wherever one is read (classify: with -s)
        assert '--spit-config' in options, cmd.name()
    setup = {s: a for a in SpitSetup.get_parser()._actions for s in a.option_strings}
    assert setup['-o'].dest == 'overwrite' and setup['-d'].dest == 'output_path'
    for cmd in (SpitGallery, SpitPng, SpitArchive):
        out = {s: a for a in cmd.get_parser()._actions for s in a.option_strings}
        assert out['-d'] is out['--output_path'], cmd.name()


def test_a_model_that_lies_never_beats_the_header_facts(realframes, tmp_path):
    """A model that answers arc at p = 1 for every frame (issue 24: a lying model file)
    forced on for a real Kast night: every frame the header facts rule out as an arc is a
    conflict typed as PypeIt's rules type it; none is silently wrong; check fails. The
    standard b24 (every lamp card off, 1 < t <= 61 s: an arc's exposure time too) is held
    by the soft fact "no lamp on" (rules.soft_facts): a conflict, never a silent arc."""
    from astropy.table import Table
    from pypeit.inputfiles import PypeItFile

    from pypeit_spit.model.store import build_model, save_model
    from pypeit_spit.vocab import CLASSES, class_of_frametypes
    model = build_model('compact')
    last = [layer for layer in model.backend.network.layers if layer.get_weights()][-1]
    kernel, bias = last.get_weights()
    kernel[:] = 0
    bias[:] = -10
    bias[CLASSES.index('arc')] = 10
    last.set_weights([kernel, bias])
    save_model(model, tmp_path / 'always_arc.keras')
    labels = Table.read(realframes / 'labels.csv', format='ascii.csv')
    truth = {str(f).split('/')[-1]: str(c) for f, c, i in
             zip(labels['file'], labels['frametype'], labels['instrument'])
             if i == 'shane_kast_blue'}
    night = tmp_path / 'night'
    night.mkdir()
    for name in truth:
        shutil.copy(realframes / 'shane_kast_blue' / name, night / name)
    out = tmp_path / 'out'
    res = run_command('pypeit_spit_setup', '-r', night, '-s', 'shane_kast_blue', '-c', 'all',
                      '-d', out, '--spit', '--spit-model', tmp_path / 'always_arc.onnx',
                      cwd=tmp_path, env={'HOME': str(tmp_path)})
    assert res.returncode == 0, res.stderr[-2000:]
    pfile = next(out.glob('*/*.pypeit'))
    data = PypeItFile.from_file(str(pfile), preserve_comments=True).data
    typed = {str(f).lstrip('# '): (class_of_frametypes(str(t)), str(s))
             for f, t, s in zip(data['filename'], data['frametype'], data['spit_src'])}
    assert set(typed) == set(truth)
    silent = {f: typed[f] for f, c in truth.items() if typed[f][0] != c
              and typed[f][1] != 'conflict'}
    assert not silent, silent
    not_arcs = [f for f, c in truth.items() if c != 'arc']
    assert all(typed[f][1] == 'conflict' for f in not_arcs)
    # checked with the same lying model (without it, check types with the bundled model,
    # which agrees with the rules' types the conflicts were written with)
    check = run_command('pypeit_spit_check', pfile, '--spit-model', tmp_path / 'always_arc.onnx',
                        cwd=tmp_path, env={'HOME': str(tmp_path)})
    assert check.returncode == 1, check.stdout[-2000:]
    assert f'{len(not_arcs)} to settle ({len(not_arcs)} conflict)' in check.stdout
