"""Sphinx configuration of the pypeit-spit documentation (``sphinx-build -W docs out``)."""
import os
import sys

sys.path.insert(0, os.path.abspath('..'))

import pypeit_spit  # noqa: E402

project = 'pypeit-spit'
author = 'The pypeit-spit developers'
copyright = '2026, the pypeit-spit developers'
version = release = pypeit_spit.__version__

extensions = ['sphinx.ext.autodoc', 'sphinx.ext.autosummary', 'sphinx.ext.intersphinx',
              'sphinx.ext.viewcode', 'numpydoc']

# numpydoc writes the parameter sections; no autosummary tables of class members
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
autosummary_generate = False
autodoc_default_options = {'members': True, 'show-inheritance': False}
autodoc_member_order = 'bysource'
# The network runtimes are not needed to read the documentation
autodoc_mock_imports = ['tensorflow', 'keras', 'tf2onnx', 'onnx']

# offline: no inventory is fetched (references to other projects stay plain text)
intersphinx_mapping = {}
default_role = 'obj'
nitpicky = False

exclude_patterns = ['_build', 'realism/*.md', 'model']
html_theme = 'alabaster'
html_static_path = []
suppress_warnings = ['ref.python']
