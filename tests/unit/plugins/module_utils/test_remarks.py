# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remark registry (``_remarks``) knows every remark code the collection makes, with its
severity (the makers take it from there), and the docs' remark tables are rendered from it."""

import ast
import os
import re

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _remarks
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import records, visibility
from ansible_collections.landingzone.openstack.plugins.module_utils._results import TenantResult

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


REGISTRY = 'registry'   # the call site passes no severity: the maker takes the registry's
COMPUTED = 'computed'   # the call site passes a severity it computes


def _severity(call, position):
    """The severity a call passes (keyword or position): its literal, COMPUTED, or REGISTRY when none."""
    for keyword in call.keywords:
        if keyword.arg == 'severity':
            return keyword.value.value if isinstance(keyword.value, ast.Constant) else COMPUTED
    if len(call.args) > position:
        arg = call.args[position]
        return arg.value if isinstance(arg, ast.Constant) else COMPUTED
    return REGISTRY


def _maker(call):
    """(position of the code, severity passed) of a call that makes a remark, None for other calls."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, 'id', None)
    if name == 'remark' and isinstance(func, ast.Name):          # metering: remark(kind, code, message)
        return 1, _severity(call, 3)
    if name == 'remark' and isinstance(func, ast.Attribute):     # result.remark(code, message, **extra)
        return 0, _severity(call, 2)
    if name == 'finding':                                       # visibility.finding(kind, code, message)
        return 1, _severity(call, 3)
    if name == 'fail' and isinstance(func, ast.Attribute):       # result.fail(code, message): an error
        return 0, 'error'
    if name == 'Held':                                          # Held(code, message): result.remark later
        return 0, REGISTRY
    return None


def _made_remarks(tree):
    """(code, severity passed, line) of every remark a module makes.

    How remarks are made: ``result.remark(code, message)``, ``result.fail(code, message)`` (an
    error), ``Held(code, message)`` (``_keystone/apply.py``), the metering ``remark(kind, code,
    message)``, the check's ``finding(kind, code, message)``, a literal ``dict(code=...,
    severity=...)``, and the codes ``failure_code`` returns. The makers take the severity from the
    registry; a severity passed is the literal, COMPUTED, or REGISTRY when none is passed. A
    module's own ``fail(msg)`` takes a sentence, no code.
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
        if getattr(func, 'id', None) == 'dict' and any(k.arg == 'code' for k in node.keywords):
            value = next(k.value for k in node.keywords if k.arg == 'code')
            found.extend((code, _severity(node, len(node.args) + 1), node.lineno)
                         for code in _literals(value, constants))
            continue
        maker = _maker(node)
        if maker is None:
            continue
        position, severity = maker
        if len(node.args) > position:
            found.extend((code, severity, node.lineno) for code in _literals(node.args[position], constants)
                         if CODE_RE.match(code))
    return found


def _severities_passed(tree):
    """(function, line) of every remark maker call that passes a severity (``fail`` aside)."""
    out = []
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and getattr(node.func, 'attr', None) != 'fail':
                maker = _maker(node)
                if maker is not None and maker[1] != REGISTRY:
                    out.append((function.name, node.lineno))
    return out


def made_remarks():
    """{relative path: [(code, severity, line)]} over plugins/."""
    return _scan(_made_remarks)


def severities_passed():
    """{relative path: [(function, line)]} of the call sites that pass a severity, over plugins/."""
    return _scan(_severities_passed)


def _scan(scanner):
    out = {}
    for directory, dummy, names in os.walk(PLUGINS):
        for name in sorted(names):
            if name.endswith('.py'):
                path = os.path.join(directory, name)
                with open(path) as handle:
                    found = scanner(ast.parse(handle.read()))
                if found:
                    out[os.path.relpath(path, os.path.join(PLUGINS, 'module_utils'))] = sorted(set(found))
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
    assert 'write_allowed' in codes['_metering/check.py']                          # finding(...)
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
                elif severity not in (REGISTRY, 'failure_code') and severity != entry.severity.value:
                    problems.append('%s:%d: remark %r is made as %s, registered as %s'
                                    % (path, line, code, severity, entry.severity.value))
    assert problems == []


# The one call site that passes a severity: a failed project listing is an error of the run
# whatever its code (a missing identity service included, a warning for a resource kind).
SEVERITY_OVERRIDES = {'_metering/collect.py': ['collect']}


def test_the_severity_of_a_remark_comes_from_the_registry():
    """Call sites pass no severity (the makers take the registry's), but for SEVERITY_OVERRIDES."""
    passed = dict((path, sorted(set(function for function, line in rows))) for path, rows in severities_passed().items())
    assert passed == SEVERITY_OVERRIDES


def test_the_scan_sees_a_severity_passed_at_a_call_site():
    tree = ast.parse("def f(res):\n    res.remark('orphan', 'm', severity='info')\n    res.remark('orphan', 'm')\n"
                     "    remark('projects', 'system_scope', 'm', 'warning')\n")
    assert _made_remarks(tree) == [('orphan', 'info', 2), ('orphan', REGISTRY, 3), ('system_scope', 'warning', 4)]
    assert _severities_passed(tree) == [('f', 2), ('f', 4)]


def test_the_makers_take_the_registry_severity():
    res = TenantResult('a/x', 'a-x')
    res.remark('user_name_case', 'm')
    res.remark('orphan', 'm')
    res.skip('tenants step failed')
    res.fail('api_error', 'm')
    assert [r['severity'] for r in res.remarks] == ['info', 'warning', 'info', 'error']
    with pytest.raises(TypeError):
        res.remark('orphan', 'm', severity='info')
    with pytest.raises(ValueError):
        res.fail('orphan', 'a warning does not fail a tenant')
    with pytest.raises(KeyError):
        res.remark('no_such_code', 'm')
    assert records.remark('volumes', 'service_missing', 'm')['severity'] == 'warning'
    assert records.remark('projects', 'service_missing', 'm', severity='error')['severity'] == 'error'
    assert visibility.finding('volumes', 'service_missing', 'm')['severity'] == 'error'
    assert list(visibility.finding('volumes', 'hidden_from_reader', 'm', project_id='p')) == [
        'kind', 'code', 'project_id', 'severity', 'message', 'fix']


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
