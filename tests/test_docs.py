"""The documentation site builds, warnings as errors (what CI runs through pytest)."""
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / 'docs'


def test_sphinx_site_builds_warning_free(tmp_path):
    pytest.importorskip('sphinx')
    pytest.importorskip('numpydoc')
    out = tmp_path / 'html'
    proc = subprocess.run([sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-b', 'html',
                           '-q', '-d', str(tmp_path / 'doctrees'), str(DOCS), str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (out / 'index.html').is_file()
    # the API pages hold the documented functions (autodoc imported the modules)
    assert 'decide_frame' in (out / 'api' / 'integration.html').read_text()
    assert 'format_prob' in (out / 'api' / 'vocab.html').read_text()
    assert 'PASP 130, 094501' in (out / 'index.html').read_text()


def test_citation_files():
    root = DOCS.parent
    cff = (root / 'CITATION.cff').read_text()
    assert '10.1088/1538-3873/aace98' in cff and 'cff-version:' in cff
    readme = (root / 'README.rst').read_text()
    assert 'PASP 130, 094501' in readme and '034503' not in readme
    assert (root / 'CHANGELOG.rst').is_file()
