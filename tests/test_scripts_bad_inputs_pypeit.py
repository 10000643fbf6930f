"""
Bad input never crashes a command, never loses a row (issue 11): ``.pypeit`` files edited
by hand and ``--spit-config`` files, through pypeit_spit_check, pypeit_spit_retype and
pypeit_spit_setup.

Each case asserts its exact outcome: exit status, the one error line naming the file
(and the row, the key or the value), every row present, and the file left untouched
where nothing may be written. The headline cases run the installed console scripts;
the others call the same ``run`` the console scripts call (``sys.exit(run(args))``),
in-process, which is much faster.
"""
import errno
import shutil
from pathlib import Path

import pytest

from helpers import run_command
from pypeit_spit.scripts.spit_check import SpitCheck
from pypeit_spit.scripts.spit_retype import SpitRetype
from pypeit_spit.scripts.spit_setup import SpitSetup

#: The night: file -> frametype, in data-block order.
NIGHT = {'b1.fits.gz': 'arc,tilt', 'b14.fits.gz': 'bias', 'b3.fits.gz': 'pixelflat,illumflat,trace',
         'b24.fits.gz': 'standard', 'b27.fits.gz': 'science'}

TEMPLATE = """\
# A hand-written PypeIt file
# my note before the parameters
[rdx]
    spectrograph = shane_kast_blue

# Setup
setup read
Setup A:
  dichroic: d55
  dispname: 600/4310
setup end

# Data block
data read
 path {path}
{rows}data end
"""


def _table(rows):
    cols = ['filename', 'frametype', 'dispname', 'dichroic', 'calib', 'spit_type', 'spit_prob',
            'spit', 'spit_src']
    lines = [' | '.join(cols)]
    for name, ftype in rows:
        lines.append(' | '.join([name, ftype, '600/4310', 'd55', '0', ftype, '1.000', 'auto',
                                 'agree']))
    return ''.join(line + '\n' for line in lines)


@pytest.fixture(scope='module')
def raw(kastframes, tmp_path_factory):
    """Copies of five simulated Kast frames (arc, bias, flat, standard, science)."""
    folder = tmp_path_factory.mktemp('raw') / 'night'
    folder.mkdir()
    for name in NIGHT:
        shutil.copy(kastframes / name, folder / name)
    return folder


def write_pypeit(folder, raw, name='night.pypeit', rows=None, edit=None, path=None):
    """A ``.pypeit`` file of the night; ``edit(text) -> text`` changes it by hand."""
    rows = list(NIGHT.items()) if rows is None else rows
    text = TEMPLATE.format(path=path or raw, rows=_table(rows))
    if edit is not None:
        text = edit(text)
    out = folder / name
    out.write_text(text)
    return out


def edit_row(name, fn):
    """An edit applying ``fn(cells) -> cells`` to the data row of ``name``."""
    def edit(text):
        lines = text.splitlines()
        for i, line in enumerate(lines):
            cells = [c.strip() for c in line.split('|')]
            if cells[0] == name:
                lines[i] = ' | '.join(fn(cells))
        return '\n'.join(lines) + '\n'
    return edit


def set_spit(name, value):
    def fn(cells):
        cells[7] = value
        return cells
    return edit_row(name, fn)


def data_rows(path):
    """The data rows of a .pypeit file, as text cells (commented rows included)."""
    lines = Path(path).read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == 'data read')
    end = next(i for i, line in enumerate(lines) if line.strip() == 'data end')
    header = next(i for i in range(start + 1, end)
                  if lines[i].strip() and not lines[i].strip().startswith(('path', '#')))
    return [[c.strip() for c in line.split('|')] for line in lines[header + 1:end]
            if line.count('|') == lines[header].count('|')]


def run(cls, *argv):
    """The console script's ``run`` on parsed arguments (its exit status)."""
    return cls.run(cls.parse_args([str(a) for a in argv] + ['-v', '0']))


def errors(captured):
    text = captured.out + captured.err
    return [line for line in text.splitlines() if 'ERROR' in line]


def refused_unchanged(pfile, capsys, message):
    """Retype and check both refuse the file (exit 2) with one error line holding
    ``message``, and leave it byte for byte as it was."""
    before = pfile.read_bytes()
    capsys.readouterr()
    for cls in (SpitRetype, SpitCheck):
        assert run(cls, pfile) == 2
        err = errors(capsys.readouterr())
        assert len(err) == 1
        assert message in err[0]
    assert pfile.read_bytes() == before


# ------------------------------------------------------------------ rows PypeIt drops

@pytest.mark.parametrize('kind,fn,cells', [
    ('one cell too many', lambda c: c + ['extra'], 10),
    ('one cell too few', lambda c: c[:-1], 8),
    ('no cells', lambda c: c[:1], 1),
])
def test_row_with_wrong_cell_count_refused(raw, tmp_path, capsys, kind, fn, cells):
    """Item 1: PypeIt's reader drops such a row; retype once rewrote the file without it."""
    pfile = write_pypeit(tmp_path, raw, edit=edit_row('b14.fits.gz', fn))
    refused_unchanged(pfile, capsys,
                      f'{pfile}: data block row(s) with a wrong number of cells (the header '
                      f'has 9): line 18 has {cells} cells; PypeIt would drop these rows: fix '
                      'them first')


def test_retype_command_refuses_a_row_with_an_extra_cell(raw, tmp_path):
    """The issue's reproduction, with the installed command: b14 is never lost."""
    pfile = write_pypeit(tmp_path, raw, edit=edit_row('b14.fits.gz', lambda c: c + ['extra']))
    before = pfile.read_bytes()
    proc = run_command('pypeit_spit_retype', pfile)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert 'line 18 has 10 cells' in out and 'Traceback' not in out
    assert 'no frame type changed' not in out
    assert pfile.read_bytes() == before


# ------------------------------------------------------------------ the spit column

@pytest.mark.parametrize('value,unknown', [('foo', 'foo'), ('arc,foo', 'foo'),
                                           ('arc,,bias,twilight', 'twilight')])
def test_invalid_spit_values(raw, tmp_path, capsys, value, unknown):
    pfile = write_pypeit(tmp_path, raw, edit=set_spit('b14.fits.gz', value))
    refused_unchanged(pfile, capsys,
                      f"{pfile}: data row 2 (b14.fits.gz): spit column value {value!r}: not "
                      f'auto/rules/keep nor a list of PypeIt frame types (unknown: {unknown})')


def test_spit_value_of_a_commented_row_is_not_checked(raw, tmp_path):
    pfile = write_pypeit(tmp_path, raw, edit=lambda t: set_spit('b14.fits.gz', 'foo')(t)
                         .replace('b14.fits.gz |', '# b14.fits.gz |'))
    assert run(SpitRetype, pfile, '--dry-run') == 0


def test_retype_command_on_invalid_spit_value(raw, tmp_path):
    pfile = write_pypeit(tmp_path, raw, edit=set_spit('b27.fits.gz', 'arc,foo'))
    before = pfile.read_bytes()
    proc = run_command('pypeit_spit_retype', pfile, '-v', '0')
    assert proc.returncode == 2
    assert "data row 5 (b27.fits.gz): spit column value 'arc,foo'" in proc.stderr + proc.stdout
    assert 'Traceback' not in proc.stderr + proc.stdout
    assert pfile.read_bytes() == before


# ------------------------------------------------------------------ raw files not found

def test_check_command_missing_raw_file(raw, tmp_path):
    """Item 2: 'unreadable' with its reason, not a PypeIt traceback; exit 1."""
    pfile = write_pypeit(tmp_path, raw, edit=lambda t: t.replace('b14.fits.gz', 'b99.fits.gz'))
    proc = run_command('pypeit_spit_check', pfile, '--all')
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert 'Traceback' not in out
    status = {line.split()[0]: line for line in proc.stdout.splitlines()
              if line.split()[:1] and line.split()[0].endswith('.fits.gz')}
    assert sorted(status) == sorted(['b99.fits.gz', *[n for n in NIGHT if n != 'b14.fits.gz']])
    assert 'unreadable' in status['b99.fits.gz'] and 'raw file not found' in status['b99.fits.gz']
    assert all('unreadable' not in line for name, line in status.items() if name != 'b99.fits.gz')
    assert ': 5 rows: ' in proc.stdout and '(1 not checked: raw file not found)' in proc.stdout


def test_retype_leaves_a_missing_row_untouched(raw, tmp_path, capsys):
    pfile = write_pypeit(tmp_path, raw, edit=lambda t: t.replace('b14.fits.gz', 'b99.fits.gz'))
    before = data_rows(pfile)
    assert run(SpitRetype, pfile) == 1
    printed = capsys.readouterr().out
    assert '1 row(s) left as they are, raw file not found: b99.fits.gz' in printed
    after = data_rows(pfile)
    assert len(after) == len(before) == 5
    assert after[1] == before[1] and after[1][0] == 'b99.fits.gz'
    # the others were typed (the file was written)
    assert [r[0] for r in after] == [r[0] for r in before]


@pytest.mark.parametrize('how', ['wrong data path', 'every row missing'])
def test_no_raw_file_found(raw, tmp_path, capsys, how):
    if how == 'wrong data path':
        pfile = write_pypeit(tmp_path, raw, path=tmp_path / 'nowhere')
    else:
        pfile = write_pypeit(tmp_path, raw, rows=[(f'x{i}.fits', 'bias') for i in range(3)])
    before = pfile.read_bytes()
    n = len(data_rows(pfile))
    assert run(SpitCheck, pfile, '--all') == 1
    out = capsys.readouterr().out
    assert f': {n} rows: {n} unreadable ({n} not checked: raw file not found)' in out
    assert run(SpitRetype, pfile) == 1
    assert 'not written (no raw file found)' in capsys.readouterr().out
    assert pfile.read_bytes() == before


def test_all_rows_commented_out(raw, tmp_path, capsys):
    """A configuration whose rows are all commented out: no IndexError from PypeIt."""
    pfile = write_pypeit(tmp_path, raw, rows=[(f'# {n}', t) for n, t in NIGHT.items()])
    assert run(SpitCheck, pfile, '--all') == 0
    out = capsys.readouterr().out
    assert out.count('commented') >= 5 and 'not checked' not in out
    assert 'nothing to settle' in out
    assert run(SpitRetype, pfile) == 0
    rows = data_rows(pfile)
    assert [r[0] for r in rows] == [f'# {n}' for n in NIGHT]


def test_corrupt_raw_file_is_commented_out_not_lost(raw, tmp_path):
    night = tmp_path / 'night'
    shutil.copytree(raw, night)
    (night / 'b14.fits.gz').write_text('not FITS\n' * 100)
    pfile = write_pypeit(tmp_path, night)
    assert run(SpitRetype, pfile) == 0
    rows = data_rows(pfile)
    assert [r[0] for r in rows] == ['b1.fits.gz', '# b14.fits.gz', 'b3.fits.gz', 'b24.fits.gz',
                                    'b27.fits.gz']


def test_duplicate_rows_are_both_kept(raw, tmp_path):
    rows = list(NIGHT.items()) + [('b14.fits.gz', 'bias')]
    pfile = write_pypeit(tmp_path, raw, rows=rows)
    assert run(SpitRetype, pfile) == 0
    assert [r[0] for r in data_rows(pfile)] == [n for n, _ in rows]


def test_comments_and_parameters_are_kept(raw, tmp_path):
    def edit(text):
        text = text.replace(' path ', '# before the columns\n path ')
        return text.replace('b3.fits.gz |', '# a note after b14\nb3.fits.gz |')
    pfile = write_pypeit(tmp_path, raw, edit=edit)
    assert run(SpitRetype, pfile) == 0
    text = pfile.read_text()
    lines = text.splitlines()
    assert '# my note before the parameters' in lines
    assert lines.index('# a note after b14') == \
        next(i for i, line in enumerate(lines) if line.lstrip().startswith('b14.fits.gz')) + 1
    assert '# before the columns' in lines
    assert 'Setup A:\n  dichroic: d55\n  dispname: 600/4310' in text
    assert len(data_rows(pfile)) == 5


# ------------------------------------------------------------------ unreadable files

@pytest.mark.parametrize('make,message', [
    (lambda p: p.write_bytes(b'# caf\xe9\n[rdx]\n'), 'not UTF-8 text (byte 0xe9 on line 1)'),
    (lambda p: None, 'file does not exist'),
    (lambda p: p.mkdir(), 'is a folder, not a PypeIt file'),
    (lambda p: p.write_text('[rdx]\n  spectrograph = shane_kast_blue\ndata read\n'),
     'cannot read PypeIt file (PypeItError: Missing'),
    (lambda p: p.write_text('[rdx]\n  spectrograph = shane_kast_blue\n'),
     'cannot read PypeIt file (PypeItError: '),
])
def test_unreadable_pypeit_files(tmp_path, capsys, make, message):
    pfile = tmp_path / 'bad.pypeit'
    make(pfile)
    for cls in (SpitCheck, SpitRetype):
        assert run(cls, pfile) == 2
        err = errors(capsys.readouterr())
        assert len(err) == 1 and f'{pfile}: {message}' in err[0], err


def test_no_spectrograph(raw, tmp_path, capsys):
    pfile = write_pypeit(tmp_path, raw, edit=lambda t: t.replace(
        '    spectrograph = shane_kast_blue\n', ''))
    assert run(SpitCheck, pfile) == 2
    err = errors(capsys.readouterr())
    assert len(err) == 1 and str(pfile) in err[0]


# ------------------------------------------------------------------ retype's output

def test_retype_output_into_a_folder_fails_before_typing(raw, tmp_path, capsys, monkeypatch):
    from pypeit_spit.integration import pypeit_file
    pfile = write_pypeit(tmp_path, raw)
    before = pfile.read_bytes()
    (tmp_path / 'outdir').mkdir()
    monkeypatch.setattr(pypeit_file, 'type_frames', lambda *a, **k: pytest.fail('typed'))
    assert run(SpitRetype, pfile, '--output', tmp_path / 'outdir') == 2
    assert 'is a folder; give a file name for the PypeIt file' in errors(capsys.readouterr())[0]
    assert pfile.read_bytes() == before


def test_retype_write_failure_leaves_the_file(raw, tmp_path, capsys, monkeypatch):
    """A full disk while writing: the original file is whole and no temporary is left."""
    import os
    pfile = write_pypeit(tmp_path, raw)
    before = pfile.read_bytes()
    real_replace = os.replace

    def full(src, dst):
        if str(dst) == str(pfile):
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real_replace(src, dst)
    monkeypatch.setattr(os, 'replace', full)
    assert run(SpitRetype, pfile) == 2
    err = errors(capsys.readouterr())
    assert (f'{pfile}: cannot write it (No space left on device); the older file is left as '
            'it was') in err[0]
    assert pfile.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ['night.pypeit']


def test_retype_refuses_to_write_a_changed_row_count(raw, tmp_path, capsys, monkeypatch):
    """The last guard: were PypeIt's writer to drop a row, nothing is written."""
    from pypeit.inputfiles import PypeItFile
    pfile = write_pypeit(tmp_path, raw)
    before = pfile.read_bytes()
    real_write = PypeItFile.write

    def lossy(self, path, **kwargs):
        self.data.remove_row(1)
        return real_write(self, path, **kwargs)
    monkeypatch.setattr(PypeItFile, 'write', lossy)
    assert run(SpitRetype, pfile) == 2
    err = errors(capsys.readouterr())
    assert f'{pfile}: the file written would have 4 data rows instead of 5; nothing written' \
        in err[0]
    assert pfile.read_bytes() == before


# ------------------------------------------------------------------ options and models

@pytest.mark.parametrize('argv,message', [
    (['--spit-model', 'kast_compactt'], "no model named 'kast_compactt'"),
    (['--spit-model', '/no/such/model.keras'], '/no/such/model.keras: model file does not exist'),
])
def test_bad_options(raw, tmp_path, capsys, argv, message):
    """Item 5: a mistyped model is an error (exit 2), not a night typed by the rules."""
    pfile = write_pypeit(tmp_path, raw)
    before = pfile.read_bytes()
    assert run(SpitRetype, pfile, *argv) == 2
    err = errors(capsys.readouterr())
    assert len(err) == 1 and message in err[0], err
    assert pfile.read_bytes() == before


@pytest.mark.parametrize('value', ['2', 'nan'])
def test_bad_threshold_is_a_usage_error(raw, tmp_path, capsys, value):
    """A threshold outside [0, 1] is refused by the parser: one line, exit 2."""
    pfile = write_pypeit(tmp_path, raw)
    before = pfile.read_bytes()
    with pytest.raises(SystemExit) as exit_info:
        run(SpitRetype, pfile, '--spit-threshold', value)
    assert exit_info.value.code == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].endswith(   # prog: sys.argv[0], here pytest's
        f': error: argument --spit-threshold: {value} is not in [0, 1] (see --help)'), err
    assert pfile.read_bytes() == before


# ------------------------------------------------------------------ --spit-config files

CONFIGS = [
    # (name, text as bytes, the message after the file name)
    ('non_utf8', b'[shane_kast_blue]\n  model = caf\xe9\n', 'not UTF-8 text (byte 0xe9 on line 2)'),
    ('binary', b'\x00\x01\x02\x03', "cannot parse configuration: Invalid line ("),
    ('unparsable', b'[shane_kast_blue\n', "cannot parse configuration: Invalid line "
                                            "('[shane_kast_blue') (matched as neither section "
                                            'nor keyword) at line 1.'),
    ('threshold_text', b'[shane_kast_blue]\n  threshold = abc\n',
     'invalid pypeit-spit configuration: [shane_kast_blue] threshold: the value "abc" is of '
     'the wrong type.'),
    ('threshold_range', b'[default]\n  threshold = 1.5\n',
     'invalid pypeit-spit configuration: [default] threshold: the value "1.5" is too big.'),
    ('enabled_maybe', b'[shane_kast_blue]\n  enabled = maybe\n',
     'invalid pypeit-spit configuration: [shane_kast_blue] enabled: the value "maybe" is of '
     'the wrong type.'),
    ('unknown_key', b'[shane_kast_blue]\n  colour = blue\n',
     'invalid pypeit-spit configuration: [shane_kast_blue] colour: unknown key'),
    ('unknown_section', b'[no_such_spectrograph]\n  enabled = True\n',
     'invalid pypeit-spit configuration: [no_such_spectrograph]: not a PypeIt spectrograph '
     'name'),
    ('types_unknown_class', b'[default]\n  [[types]]\n    sky = science\n',
     'invalid pypeit-spit configuration: [default][types] sky: unknown key'),
    ('types_scalar', b'[default]\n  types = science\n',
     "invalid pypeit-spit configuration: [default] types: Section 'types' was provided as a "
     'single value'),
    ('types_unknown_type', b'[shane_kast_blue]\n  [[types]]\n    flat = pixelflat, twilight\n',
     "invalid pypeit-spit configuration: [shane_kast_blue][types] flat: unknown PypeIt frame "
     "type(s) 'twilight'"),
    ('types_empty', b'[default]\n  [[types]]\n    science = ""\n',
     'invalid pypeit-spit configuration: [default][types] science: no PypeIt frame type '
     'given'),
    ('model_empty', b'[shane_kast_blue]\n  model = ""\n',
     'invalid pypeit-spit configuration: [shane_kast_blue] model: empty (name a bundled '
     'model or a model file)'),
]


@pytest.mark.parametrize('name,text,message', CONFIGS, ids=[c[0] for c in CONFIGS])
def test_bad_config_files(raw, tmp_path, capsys, name, text, message):
    """One error line naming the file and the key; no traceback; nothing written."""
    cfg = tmp_path / f'{name}.cfg'
    cfg.write_bytes(text)
    pfile = write_pypeit(tmp_path, raw)
    before = pfile.read_bytes()
    for cls in (SpitCheck, SpitRetype):
        assert run(cls, pfile, '--spit-config', cfg) == 2
        err = errors(capsys.readouterr())
        assert len(err) == 1, err
        assert f'{cfg}: {message}' in err[0], err[0]
        assert 's, c, i, e' not in err[0]
    assert pfile.read_bytes() == before


@pytest.mark.parametrize('make,message', [
    (lambda p: p.mkdir(), 'is a folder, not a pypeit-spit configuration file'),
    (lambda p: None, 'pypeit-spit configuration file does not exist'),
])
def test_config_path_not_a_file(raw, tmp_path, capsys, make, message):
    cfg = tmp_path / 'spit.cfg'
    make(cfg)
    pfile = write_pypeit(tmp_path, raw)
    assert run(SpitCheck, pfile, '--spit-config', cfg) == 2
    assert f'{cfg}: {message}' in errors(capsys.readouterr())[0]


def test_config_with_a_byte_order_mark_is_read(raw, tmp_path):
    cfg = tmp_path / 'bom.cfg'
    cfg.write_bytes(b'\xef\xbb\xbf[shane_kast_blue]\n  enabled = False\n')
    from pypeit_spit.integration.config import instrument_config
    assert not instrument_config('shane_kast_blue', user_file=cfg).enabled


def test_check_command_non_utf8_config(raw, tmp_path):
    """The installed command: a non-UTF-8 configuration once gave a traceback that did not
    name the file."""
    cfg = tmp_path / 'latin1.cfg'
    cfg.write_bytes(b'# r\xe9glages\n[shane_kast_blue]\n  enabled = True\n')
    pfile = write_pypeit(tmp_path, raw)
    proc = run_command('pypeit_spit_check', pfile, '--spit-config', cfg)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2
    assert f'{cfg}: not UTF-8 text (byte 0xe9 on line 1)' in out
    assert 'Traceback' not in out and 'UnicodeDecodeError' not in out


def test_setup_bad_config_fails_before_setup(raw, tmp_path, caplog):
    cfg = tmp_path / 'bad.cfg'
    cfg.write_bytes(b'[default]\n  [[types]]\n    sky = science\n')
    argv = ['-r', str(raw), '-s', 'shane_kast_blue', '-d', str(tmp_path / 'out'),
            '--log_file', 'None', '-v', '0', '--spit-config', str(cfg)]
    assert SpitSetup.run(SpitSetup.parse_args(argv)) == 2
    err = [r.getMessage() for r in caplog.records if r.levelname == 'ERROR']
    assert err == [f'{cfg}: invalid pypeit-spit configuration: [default][types] sky: '
                   'unknown key']
    assert not (tmp_path / 'out').exists()
