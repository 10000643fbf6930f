"""
Structural rules of the code base, checked on its source: one inference path, one
module per network runtime, no import cycles, no debugger, no stray vocabulary.
"""
import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / 'pypeit_spit'
SOURCES = sorted(PACKAGE.rglob('*.py'))


def _rel(path):
    return str(path.relative_to(PACKAGE.parent))


def _calls(path, names):
    tree = ast.parse(path.read_text())
    return [node.func.attr for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in names]


def _imports(path):
    """Modules a file imports (``from package import module`` counts as the module)."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            subs = [f'{node.module}.{a.name}' for a in node.names]
            modules = [m for m in subs if _is_module(m)]
            found.update(modules)
            if len(modules) < len(subs):
                found.add(node.module)
    return found


def _is_module(name):
    if not name.startswith('pypeit_spit.'):
        return False
    rel = Path(*name.split('.')[1:])
    return (PACKAGE / rel).with_suffix('.py').is_file() or (PACKAGE / rel / '__init__.py').is_file()


def test_one_inference_path():
    """Only the inference module asks a model for predictions; only backends run a
    network. A second path (e.g. training calling keras' predict) fails here."""
    allowed = {'pypeit_spit/model/inference.py': {'predict'},
               'pypeit_spit/model/spit_model.py': {'predict'},
               'pypeit_spit/model/keras_net.py': {'predict_on_batch'},
               'pypeit_spit/model/runtime.py': {'run'}}
    names = {'predict', 'predict_on_batch', 'predict_step', 'evaluate'}
    for path in SOURCES:
        rel = _rel(path)
        extra = {'run'} if 'runtime' in rel or 'onnx' in _imports(path) else set()
        found = set(_calls(path, names | extra)) - allowed.get(rel, set())
        assert not found, f'{rel} runs a network outside the one inference path: {found}'


@pytest.mark.parametrize('runtime,home', [
    ('keras', {'pypeit_spit/model/keras_net.py'}),
    ('tensorflow', {'pypeit_spit/model/keras_net.py'}),
    ('onnxruntime', {'pypeit_spit/model/runtime.py'}),
])
def test_one_module_imports_each_runtime(runtime, home):
    users = {_rel(p) for p in SOURCES
             if any(m == runtime or m.startswith(runtime + '.') for m in _imports(p))}
    assert users <= home, f'{runtime} imported outside {home}: {users - home}'


def test_no_import_cycle():
    modules = {}
    for path in SOURCES:
        rel = path.relative_to(PACKAGE.parent).with_suffix('')
        name = '.'.join(rel.parts).removesuffix('.__init__')
        modules[name] = {m for m in _imports(path) if m.startswith('pypeit_spit')}
    # follow module -> imported module edges (a package import counts as its __init__)
    def deps(name):
        return {m for m in modules.get(name, set()) if m in modules and m != name}
    visiting, done = [], set()

    def visit(name):
        if name in done:
            return
        assert name not in visiting, 'import cycle: ' + ' -> '.join(
            visiting[visiting.index(name):] + [name])
        visiting.append(name)
        for d in deps(name):
            visit(d)
        visiting.pop()
        done.add(name)
    for name in modules:
        visit(name)


def test_no_debugger_and_no_env_data_roots():
    for path in SOURCES:
        text = path.read_text()
        assert not re.search(r'\bimport pdb\b|pdb\.set_trace|breakpoint\(\)', text), path
        assert 'os.environ[' not in text.replace("os.environ['", 'X'), path


def test_one_vocabulary():
    """The class list and Unknown are written once (pypeit_spit.vocab)."""
    pattern = re.compile(r"""\(\s*'bias',\s*'science',\s*'standard',\s*'arc',\s*'flat'\s*\)""")
    owners = {_rel(p) for p in SOURCES if pattern.search(p.read_text())}
    assert owners == {'pypeit_spit/vocab.py'}, owners
    unknown = {_rel(p) for p in SOURCES if re.search(r"^UNKNOWN\s*=", p.read_text(), re.M)}
    assert unknown == {'pypeit_spit/vocab.py'}, unknown


def test_every_subpackage_is_packaged():
    """setup.cfg lists every sub-package (a missing one installs without it) and the
    installed package has it."""
    import configparser
    import importlib
    cfg = configparser.ConfigParser()
    cfg.read(PACKAGE.parent / 'setup.cfg')
    listed = set(cfg['options']['packages'].split())
    found = {'.'.join(init.parent.relative_to(PACKAGE.parent).parts)
             for init in PACKAGE.rglob('__init__.py')}
    assert found <= listed, f'not in setup.cfg: {sorted(found - listed)}'
    for name in sorted(found):
        importlib.import_module(name)
