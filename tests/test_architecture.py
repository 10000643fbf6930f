"""
Structural rules of the code base, checked on its source: arrows only go down (the
import graph of the package's parts, every import statement counted, those inside
functions too), pre-processing never reaches PypeIt, one inference path, one module per
network runtime, no import cycles, no debugger, no stray vocabulary.
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


#: The package's parts, from the top down: a part imports only parts of its own layer
#: or below (arrows only go down), and no two parts import each other. The face
#: ``pypeit_spit/__init__.py`` (``pypeit_spit``) and the small shared modules form the
#: ground floor.
LAYERS = (
    ('scripts',),
    ('archive',),
    ('report',),
    ('integration', 'training'),
    ('simulate',),
    ('pipeline',),
    ('model', 'io'),
    ('preprocess',),
    ('defaults', 'atomic', 'console', 'stop', 'errors', 'vocab', 'paths', 'pypeit_spit'),
)


def _module_name(path):
    return '.'.join(path.relative_to(PACKAGE.parent).with_suffix('').parts).removesuffix(
        '.__init__')


def _statements(path):
    """Every import statement of a file (at any depth: inside functions too), as the
    absolute module names it names (relative imports resolved; ``from package import
    name`` counts as the module ``package.name`` where that is a module), with its line."""
    module = _module_name(path)
    package = module if path.name == '__init__.py' else module.rpartition('.')[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split('.')
                base = '.'.join(parts[:len(parts) - node.level + 1])
                target = f'{base}.{node.module}' if node.module else base
            else:
                target = node.module
            subs = [f'{target}.{a.name}' for a in node.names]
            modules = [m for m in subs if _is_module(m)]
            for m in modules:
                yield m, node.lineno
            if len(modules) < len(subs):
                yield target, node.lineno


def _part(module):
    """The part of the package a module belongs to: its first-level sub-package or
    module (``pypeit_spit`` for the package's own ``__init__``)."""
    bits = module.split('.')
    return bits[1] if len(bits) > 1 else bits[0]


def _part_graph():
    """part -> {imported part: [file:line, ...]} over every import statement."""
    graph = {}
    for path in SOURCES:
        part = _part(_module_name(path))
        graph.setdefault(part, {})
        for target, line in _statements(path):
            if target.split('.')[0] != 'pypeit_spit':
                continue
            other = _part(target)
            if other != part:
                graph[part].setdefault(other, []).append(f'{_rel(path)}:{line}')
    return graph


def _find_cycle(graph):
    """A cycle of the graph as a list of nodes (first == last), or None."""
    state = {}

    def visit(node, trail):
        state[node] = 'open'
        for other in sorted(graph.get(node, ())):
            if state.get(other) == 'open':
                return trail[trail.index(other):] + [node, other] if other in trail \
                    else [node, other]
            if other not in state:
                found = visit(other, trail + [node])
                if found:
                    return found
        state[node] = 'done'
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def test_find_cycle_finds_one():
    """The cycle finder itself: it finds a two-way seam and a longer loop, and passes
    a graph whose arrows only go down."""
    assert _find_cycle({'a': {'b': 1}, 'b': {'a': 1}}) in (['a', 'b', 'a'], ['b', 'a', 'b'])
    loop = _find_cycle({'a': {'b': 1}, 'b': {'c': 1}, 'c': {'a': 1}, 'd': {'a': 1}})
    assert loop[0] == loop[-1] and set(loop) == {'a', 'b', 'c'}
    assert _find_cycle({'a': {'b': 1, 'c': 1}, 'b': {'c': 1}, 'c': {}}) is None


def test_statements_count_imports_inside_functions(tmp_path):
    """An import inside a function is an arrow (the classify <-> integration seam was
    made of such imports), and so is a relative one."""
    source = PACKAGE / 'pipeline' / 'classify.py'
    found = {m for m, _ in _statements(source)}
    assert 'pypeit_spit.pipeline.reader' in found
    hook = [m for m, _ in _statements(PACKAGE / 'scripts' / 'spit_classify.py')]
    assert 'pypeit_spit.integration.rules' in hook   # imported inside main()


def test_no_cycle_between_parts():
    graph = _part_graph()
    cycle = _find_cycle(graph)
    assert cycle is None, 'parts import each other: ' + ' -> '.join(cycle) + ' (' + \
        '; '.join(f'{a}->{b} at {", ".join(graph[a][b][:3])}'
                  for a, b in zip(cycle, cycle[1:])) + ')'


def test_arrows_only_go_down():
    """Every part is placed in :data:`LAYERS`, and imports only its own layer or those
    below it."""
    rank = {part: k for k, layer in enumerate(LAYERS) for part in layer}
    graph = _part_graph()
    assert set(graph) <= set(rank), f'parts not in LAYERS: {sorted(set(graph) - set(rank))}'
    up = [f'{a} -> {b} ({", ".join(where[:3])})' for a, others in graph.items()
          for b, where in others.items() if rank[b] < rank[a]]
    assert not up, 'arrows running back up: ' + '; '.join(up)


def test_preprocess_never_reaches_pypeit():
    """Pre-processing is numpy only: nothing under preprocess/ imports PypeIt, nor any
    module of the package that does (followed through every import)."""
    imports = {_module_name(p): {m for m, _ in _statements(p)} for p in SOURCES}

    def reach(module, seen):
        for target in imports.get(module, ()):
            if target.split('.')[0] == 'pypeit':
                return [module, target]
            if target in imports and target not in seen:
                seen.add(target)
                found = reach(target, seen)
                if found:
                    return [module] + found
        return None

    for module in sorted(m for m in imports if m.startswith('pypeit_spit.preprocess')):
        path = reach(module, {module})
        assert path is None, 'pre-processing reaches PypeIt: ' + ' -> '.join(path)


def _env_reads(source):
    """Environment variables a source reads by name: ``os.environ['X']`` (read),
    ``os.environ.get('X')``, ``os.getenv('X')`` with a constant name."""
    def is_environ(node):
        return (isinstance(node, ast.Attribute) and node.attr == 'environ'
                and isinstance(node.value, ast.Name) and node.value.id == 'os')
    found = []
    for node in ast.walk(ast.parse(source)):
        key = None
        if isinstance(node, ast.Subscript) and is_environ(node.value) \
                and isinstance(node.ctx, ast.Load):
            key = node.slice
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            f = node.func
            if (f.attr == 'get' and is_environ(f.value)) or (
                    f.attr == 'getenv' and isinstance(f.value, ast.Name) and f.value.id == 'os'):
                key = node.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.append(key.value)
    return found


def test_env_reads_finds_data_roots():
    """The check below finds what it forbids, and lets a saved-and-restored
    environment (the worker processes' thread counts) be."""
    assert _env_reads("import os\nroot = os.environ['SPIT_DATA']") == ['SPIT_DATA']
    assert _env_reads("import os\nroot = os.getenv('SPIT_ROOT', '/data')") == ['SPIT_ROOT']
    assert _env_reads("import os\nroot = os.environ.get('X')") == ['X']
    assert _env_reads("import os\nsaved = {k: os.environ.get(k) for k in K}\n"
                      "os.environ['OMP_NUM_THREADS'] = '1'") == []


def test_no_debugger_and_no_env_data_roots():
    """No debugger, and nothing (a data root above all) read from an environment
    variable by name."""
    for path in SOURCES:
        text = path.read_text()
        assert not re.search(r'\bimport pdb\b|pdb\.set_trace|breakpoint\(\)', text), path
        assert not _env_reads(text), f'{_rel(path)} reads {_env_reads(text)} from the environment'


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


#: Run in a fresh interpreter: import every module of the package and report what the
#: imports changed (os.environ, astropy's site registry, calls of use_offline_sites).
_IMPORT_ALL = '''
import importlib, json, os, pkgutil, sys
from astropy.coordinates import EarthLocation
from pypeit_spit.io import sites
calls = []
real = sites.use_offline_sites
sites.use_offline_sites = lambda: calls.append(1) or real()
registry = EarthLocation._site_registry = sites.offline_registry()  # PypeIt imports offline
import pypeit.scripts  # PypeIt's own import-time settings (scikit-learn's KMP_*) are not ours
env = dict(os.environ)
import pypeit_spit
names = sorted(m.name for m in pkgutil.walk_packages(pypeit_spit.__path__, 'pypeit_spit.'))
for name in names:
    importlib.import_module(name)
print(json.dumps({'modules': len(names), 'calls': len(calls),
                  'registry': EarthLocation._site_registry is registry,
                  'changed': sorted(k for k in set(env) | set(os.environ)
                                    if env.get(k) != os.environ.get(k)),
                  'runtimes': sorted(m for m in ('keras', 'tensorflow', 'onnxruntime')
                                     if m in sys.modules)}))
'''


def test_nothing_happens_at_import(tmp_path):
    """Importing every module of the package (the console scripts' modules included)
    leaves os.environ and astropy's site registry as they were, calls no
    use_offline_sites, and loads no network runtime (issue 21.4: the registry is set by
    an explicit call where a command starts)."""
    import json
    import os
    import subprocess
    import sys
    env = dict(os.environ, PYTHONPATH=str(PACKAGE.parent))
    proc = subprocess.run([sys.executable, '-c', _IMPORT_ALL], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got['modules'] > 50
    assert got == {'modules': got['modules'], 'calls': 0, 'registry': True, 'changed': [],
                   'runtimes': []}


def test_nothing_happens_at_import_sees_a_change(tmp_path):
    """The check above fails on a module that touches the environment or the registry."""
    import json
    import os
    import subprocess
    import sys
    code = _IMPORT_ALL.replace(
        'for name in names:',
        "os.environ['SPIT_X'] = '1'; sites.use_offline_sites()\n"
        "EarthLocation._site_registry = sites.offline_registry()\nfor name in []:")
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(PACKAGE.parent)),
                          timeout=300)
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got['calls'] == 1 and not got['registry'] and got['changed'] == ['SPIT_X']
