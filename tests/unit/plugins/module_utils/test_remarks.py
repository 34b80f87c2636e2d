# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remark registry (``_remarks``) knows every remark code the collection makes, with the
severity the call site gives it, and the docs' remark tables are rendered from it."""

import ast
import os
import re

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _remarks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
PLUGINS = os.path.join(ROOT, 'plugins')
CODE_RE = re.compile(r'^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$')

# Which registry scope(s) a file's remarks land in (path under plugins/module_utils, longest prefix wins).
FILE_SCOPES = {
    '_keystone/': ('replication',),
    '_replication/': ('replication',),
    '_quota/': ('quotas',),
    '_results.py': ('replication', 'quotas'),
    '_metering/collect.py': ('metering',),
    '_metering/records.py': ('metering',),
    '_metering/check.py': ('check',),
    '_metering/visibility.py': ('check',),
}
# collect.failure_code's codes are remarks of a run and findings of the check alike.
FAILURE_CODE_SCOPES = ('metering', 'check')


def _literals(node, constants):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body, constants) + _literals(node.orelse, constants)
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    return []


def _severity(call, position, default):
    """The literal severity a call gives (keyword or position), None when computed."""
    for keyword in call.keywords:
        if keyword.arg == 'severity':
            return keyword.value.value if isinstance(keyword.value, ast.Constant) else None
    if len(call.args) > position:
        arg = call.args[position]
        return arg.value if isinstance(arg, ast.Constant) else None
    return default


def _made_remarks(tree):
    """(code, literal severity or None, line) of every remark a module makes.

    How remarks are made: ``result.remark(code, message, severity='warning')``, ``result.fail(code,
    message)`` (an error), ``Held(code, message)`` (a warning, ``_keystone/apply.py``), the metering
    ``remark(kind, code, message, severity='warning')``, a finding ``dict(code=..., severity=...)``,
    and the codes ``failure_code`` returns. A module's own ``fail(msg)`` takes a sentence, no code.
    """
    constants = dict((target.id, node.value.value) for node in tree.body if isinstance(node, ast.Assign)
                     and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                     for target in node.targets if isinstance(target, ast.Name))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == 'failure_code':
            found.extend((code, 'failure_code', ret.lineno) for ret in ast.walk(node)
                         if isinstance(ret, ast.Return) and ret.value is not None
                         for code in _literals(ret.value, constants))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, 'id', None)
        if name == 'remark' and isinstance(func, ast.Name):
            position, severity = 1, _severity(node, 3, 'warning')
        elif name == 'remark' and isinstance(func, ast.Attribute):
            position, severity = 0, _severity(node, 2, 'warning')
        elif name == 'fail' and isinstance(func, ast.Attribute):
            position, severity = 0, 'error'
        elif name == 'Held':
            position, severity = 0, 'warning'
        elif name == 'dict' and any(k.arg == 'code' for k in node.keywords):
            value = next(k.value for k in node.keywords if k.arg == 'code')
            found.extend((code, _severity(node, len(node.args) + 1, None), node.lineno)
                         for code in _literals(value, constants))
            continue
        else:
            continue
        if len(node.args) > position:
            found.extend((code, severity, node.lineno) for code in _literals(node.args[position], constants)
                         if CODE_RE.match(code))
    return found


def made_remarks():
    """{relative path: [(code, severity, line)]} over plugins/."""
    out = {}
    for directory, dummy, names in os.walk(PLUGINS):
        for name in sorted(names):
            if name.endswith('.py'):
                path = os.path.join(directory, name)
                with open(path) as handle:
                    found = _made_remarks(ast.parse(handle.read()))
                if found:
                    out[os.path.relpath(path, os.path.join(PLUGINS, 'module_utils'))] = found
    return out


def scopes_of(path):
    prefixes = [p for p in FILE_SCOPES if path.startswith(p)]
    return FILE_SCOPES[max(prefixes, key=len)] if prefixes else ()


def test_the_scan_sees_the_remarks_of_every_kind_of_call_site():
    """The scan is not vacuous: each way of making a remark is found where the code makes it."""
    found = made_remarks()
    codes = dict((path, set(c for c, s, n in rows)) for path, rows in found.items())
    assert {'user_not_found', 'name_collision'} <= codes['_keystone/plan.py']      # .remark, .fail
    assert {'purge_refused', 'domain_kept'} <= codes['_keystone/apply.py']         # Held
    assert 'skipped' in codes['_results.py']
    assert {'projects_truncated', 'fewer_than_check', 'forbidden'} <= codes['_metering/collect.py']
    assert 'write_allowed' in codes['_metering/check.py']                          # dict(code=...)
    assert sum(len(c) for c in codes.values()) >= 50


def test_every_remark_code_made_in_plugins_is_registered_with_its_severity():
    problems = []
    for path, rows in sorted(made_remarks().items()):
        scopes = scopes_of(path)
        if not scopes:
            problems.append('%s makes remarks but has no scope in FILE_SCOPES' % path)
            continue
        for code, severity, line in rows:
            for scope in FAILURE_CODE_SCOPES if severity == 'failure_code' else scopes:
                entry = _remarks.SCOPES[scope].get(code)
                if entry is None:
                    problems.append('%s:%d: remark %r is not in _remarks.%s' % (path, line, code, scope.upper()))
                elif severity not in (None, 'failure_code') and severity != entry.severity.value:
                    problems.append('%s:%d: remark %r is made as %s, registered as %s'
                                    % (path, line, code, severity, entry.severity.value))
    assert problems == []


def test_every_registered_code_is_made_somewhere():
    made = set(code for rows in made_remarks().values() for code, s, n in rows)
    registered = set(code for table in _remarks.SCOPES.values() for code in table)
    assert registered - made == set()


def test_a_code_has_one_severity_in_the_result_rows():
    """Replication and quota rows share ``TenantResult``: a code they share means the same grave."""
    shared = set(_remarks.REPLICATION) & set(_remarks.QUOTAS)
    assert shared
    for code in shared:
        assert _remarks.REPLICATION[code].severity == _remarks.QUOTAS[code].severity, code


@pytest.mark.parametrize('scope', sorted(_remarks.SCOPES))
def test_the_docs_remark_tables_are_the_registry(scope):
    with open(os.path.join(ROOT, _remarks.DOCS[scope])) as handle:
        text = handle.read()
    table = '\n'.join(_remarks.doc_table(scope))
    assert '\n%s\n' % table in text, 'regenerate the table of %s in %s from _remarks.doc_table(%r)' % (
        scope, _remarks.DOCS[scope], scope)


def test_registry_lookups():
    assert _remarks.severity('user_name_case') == 'info' and _remarks.severity('below_usage_applied') == 'info'
    assert _remarks.severity('api_error') == 'error' and _remarks.remark('orphan').meaning.startswith('carries')
    assert _remarks.severity('service_missing', 'check') == 'error'
    assert _remarks.severity('service_missing', 'metering') == 'warning'
    assert _remarks.remark('api_error', 'quotas').severity is _remarks.Severity.ERROR
    assert str(_remarks.Severity.WARNING) == 'warning' and _remarks.Severity.WARNING == 'warning'
    with pytest.raises(KeyError):
        _remarks.severity('no_such_code')
