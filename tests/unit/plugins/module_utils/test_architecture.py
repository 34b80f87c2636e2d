# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fitness tests of the shape (docs/architecture.md): the layers of plugins/module_utils as a DAG
of allowed imports, what inventory_validate ships, and a map that names every file."""

import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
PLUGINS = os.path.join(ROOT, 'plugins')
PREFIX = 'ansible_collections.landingzone.openstack.plugins.'

# The layers, lowest first. A file may import a file of a lower layer, or of its own package
# (a top-level file of module_utils is a package of its own). So the domain packages never import
# each other: only their runners reach across, and nothing below a runner imports one.
LAYERS = (
    ('plumbing', ('_argspec', '_files', '_issues', '_ownership', '_remarks', '_rest', '_time')),
    ('progress', ('_progress',)),   # a long step's status file (written with _files)
    ('connection messages', ('_clouds',)),   # reads _rest's failures and the clouds.yaml files
    ('registry', ('_kinds',)),   # the resource kinds and meters (reads _time)
    ('results', ('_results',)),
    ('rows', ('_rows',)),   # a step's rows in a file (reads _results, writes with _files)
    ('inventory and ledger', ('_inventory', '_ledger')),
    ('domain', ('_keystone', '_quota', '_replication', '_metering', '_chargeback', '_events')),
    ('runners', ()),             # <package>/runner.py and RUNNERS
    ('module base', ('_module',)),
    ('platform base', ('_platform',)),
    ('controller base', ()),     # plugins/plugin_utils/*: a module's run in the controller's task process
    ('plugins', ()),             # plugins/modules/*, plugins/action/*, plugins/vars/*
)
# Files that run a module without being named runner.py.
RUNNERS = ('_metering.check', '_metering.policy_runner')
RANK = dict((name, rank) for rank, (layer, names) in enumerate(LAYERS) for name in names)
RUNNER_RANK = [layer for layer, dummy in LAYERS].index('runners')
CONTROLLER_RANK = [layer for layer, dummy in LAYERS].index('controller base')
PLUGIN_RANK = len(LAYERS) - 1


def package(module):
    """'module_utils._keystone.plan' -> '_keystone'; 'module_utils._rest' -> '_rest'; 'modules.x' -> 'modules'."""
    parts = module.split('.')
    return parts[1] if parts[0] == 'module_utils' else parts[0]


def rank(module):
    if module.startswith('plugin_utils.'):
        return CONTROLLER_RANK
    if not module.startswith('module_utils.'):
        return PLUGIN_RANK
    if module.endswith('.runner') or module in RUNNERS:
        return RUNNER_RANK
    return RANK[package(module)]


def plugin_files():
    """{module name under plugins (e.g. 'module_utils._keystone.plan'): path}."""
    files = {}
    for directory, dummy, names in os.walk(PLUGINS):
        for name in names:
            if name.endswith('.py') and name != '__init__.py':
                path = os.path.join(directory, name)
                files[os.path.relpath(path, PLUGINS)[:-3].replace(os.sep, '.')] = path
    return files


def import_edges(files=None):
    """{module: {imported collection module}} (a ``from package import module`` names the module)."""
    files = files or plugin_files()
    edges = {}
    for module, path in files.items():
        with open(path) as handle:
            tree = ast.parse(handle.read())
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or '').startswith(PREFIX):
                base = node.module[len(PREFIX):]
                for alias in node.names:
                    targets.add('%s.%s' % (base, alias.name) if '%s.%s' % (base, alias.name) in files else base)
            elif isinstance(node, ast.Import):
                targets.update(a.name[len(PREFIX):] for a in node.names if a.name.startswith(PREFIX))
        edges[module] = targets
    return edges


def forbidden_edges(edges):
    problems = []
    for module, targets in sorted(edges.items()):
        for target in sorted(targets):
            if package(module) == package(target) and module.startswith('module_utils.'):
                continue
            if rank(target) >= rank(module) or (module.startswith('modules.') and target.startswith('plugin_utils.')):
                problems.append('%s (%s) imports %s (%s)'
                                % (module, LAYERS[rank(module)][0], target, LAYERS[rank(target)][0]))
    return problems


def cycles(edges):
    """Every strongly connected component of more than one node (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def package_edges(edges):
    out = {}
    for module, targets in edges.items():
        out.setdefault(package(module), set()).update(package(t) for t in targets if package(t) != package(module))
    return out


def test_every_module_utils_file_has_a_layer():
    unknown = [m for m in plugin_files() if m.startswith('module_utils.') and package(m) not in RANK]
    assert unknown == [], 'add the new package or top-level file to LAYERS'


def test_imports_only_go_down_the_layers():
    edges = import_edges()
    assert 'module_utils._inventory.quota_keys' in edges['module_utils._quota.plan']   # the scan sees imports
    assert forbidden_edges(edges) == []


def test_no_import_cycle_between_files_or_packages():
    edges = import_edges()
    assert cycles(edges) == []
    assert cycles(package_edges(edges)) == []


def test_the_layer_check_sees_a_forbidden_import_and_a_cycle():
    """The check is not vacuous: an inventory file importing a domain package, and a cycle."""
    assert forbidden_edges({'module_utils._inventory.model': {'module_utils._keystone.plan'}}) \
        == ['module_utils._inventory.model (inventory and ledger) imports module_utils._keystone.plan (domain)']
    assert cycles({'module_utils._quota.plan': {'module_utils._quota.runner'},
                   'module_utils._quota.runner': {'module_utils._quota.plan'}}) \
        == [['module_utils._quota.plan', 'module_utils._quota.runner']]
    # a domain package importing another is forbidden too: only runners reach across
    assert forbidden_edges({'module_utils._quota.plan': {'module_utils._keystone.snapshot'}}) != []
    assert forbidden_edges({'module_utils._quota.runner': {'module_utils._keystone.snapshot'}}) == []
    # controller code: above the module bases, below the plugins; a module never imports it (it is not shipped)
    assert forbidden_edges({'action.x': {'plugin_utils._controller_module'},
                            'plugin_utils._controller_module': {'module_utils._module'}}) == []
    assert forbidden_edges({'module_utils._module': {'plugin_utils._controller_module'}}) != []
    assert forbidden_edges({'modules.x': {'plugin_utils._controller_module'}}) != []


def closure(root, edges):
    seen, todo = set(), [root]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(edges.get(module, ()))
    return seen


def external_imports(paths):
    """Top-level names of the modules outside the collection that ``paths`` import."""
    names = set()
    for path in paths:
        with open(path) as handle:
            tree = ast.parse(handle.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and not node.module.startswith(PREFIX):
                names.add(node.module.split('.')[0])
            elif isinstance(node, ast.Import):
                names.update(a.name.split('.')[0] for a in node.names if not a.name.startswith(PREFIX))
    return names


def test_inventory_validate_ships_no_sdk_code():
    files = plugin_files()
    edges = import_edges(files)
    shipped = closure('modules.inventory_validate', edges)
    assert 'module_utils._inventory.validate' in shipped and 'module_utils._module' in shipped
    for name in ('module_utils._rest', 'module_utils._platform'):
        assert name not in shipped, name
    assert not any(package(m) in ('_keystone', '_quota', '_replication', '_metering', '_chargeback') for m in shipped)
    external = external_imports(files[m] for m in shipped)
    assert 'openstack' not in external and 'keystoneauth1' not in external, external


def test_inventory_validate_runs_without_openstacksdk(monkeypatch, capsys):
    import json
    import sys
    from ansible.module_utils.testing import patch_module_args
    for name in list(sys.modules):
        if name == 'openstack' or name.startswith('openstack.'):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, 'openstack', None)   # `import openstack` raises ImportError
    from ansible_collections.landingzone.openstack.plugins.modules import inventory_validate
    args = dict(platform='local', landing_zones={'default': {}},
                workspaces=[{'identifier': 'shop', 'projects': [{'identifier': 'web'}]}])
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            inventory_validate.main()
    result = json.loads(capsys.readouterr().out)
    assert not result.get('failed') and [t['tenant'] for t in result['tenants']] == ['shop/web']


def test_the_architecture_map_names_every_file_of_plugins():
    with open(os.path.join(ROOT, 'docs', 'architecture.md')) as handle:
        text = handle.read()
    missing = []
    for directory, dummy, names in os.walk(PLUGINS):
        for name in sorted(names):
            if name.endswith('.py') and name != '__init__.py':
                path = os.path.relpath(os.path.join(directory, name), ROOT)
                if '`%s`' % path not in text:
                    missing.append(path)
    assert missing == [], 'docs/architecture.md, "Files": add a row for each'
