"""
Helpers shared by the tests: running the installed console scripts; SPIT's verdicts as
the table ``pypeit_spit_classify -f`` writes.
"""
import os
import subprocess
import sys
from pathlib import Path

__all__ = ['run_command', 'script_path', 'children', 'classify_table']


def script_path(name):
    """The installed console script ``name`` (beside this Python)."""
    path = Path(sys.executable).parent / name
    if not path.is_file():
        raise FileNotFoundError(f'{name} is not installed beside {sys.executable}')
    return str(path)


def run_command(name, *args, cwd=None, env=None, timeout=600):
    """
    Run an installed console script in a subprocess.

    Returns
    -------
    `subprocess.CompletedProcess`
        With ``stdout`` and ``stderr`` as text (bytes that are not UTF-8, a file name's,
        as surrogate escapes).
    """
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([script_path(name), *map(str, args)], capture_output=True,
                          text=True, errors='surrogateescape', cwd=cwd, env=full_env,
                          timeout=timeout)


def children(pid):
    """Processes whose parent is ``pid`` (Linux)."""
    kids = []
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                with open(f'/proc/{name}/stat') as f:
                    if int(f.read().rsplit(')', 1)[1].split()[1]) == pid:
                        kids.append(int(name))
            except (OSError, ValueError):
                pass
    return kids


def classify_table(paths, **kwargs):
    """
    :func:`pypeit_spit.pipeline.classify.classify_files`'s verdicts as their table
    (:func:`pypeit_spit.pipeline.verdict.to_table`, the ``-f`` file's view).
    """
    from pypeit_spit.pipeline.classify import classify_files
    from pypeit_spit.pipeline.verdict import to_table
    return to_table(classify_files(paths, **kwargs), model=kwargs.get('model'),
                    threshold=kwargs.get('threshold'))
