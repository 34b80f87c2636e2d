# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's EXAMPLES, as `ansible-doc` shows them, run on the local real cloud.

Each module's EXAMPLES string is read from the module file and its tasks run in a play on one
platform host named ``local`` (as in examples/inventory/hosts.yml) with the variables the
examples name: the example inventory's own group_vars (landing_zones, workspaces,
price_catalog), and lz_ledger_path / lz_ledger_dsn / lz_chargeback_dir pointing at a ledger, a
PostgreSQL database and a directory of this test. The modules that write to a platform or to
report files run with ``--check`` (they support it and write nothing to the platform); the ones
that only read the platform (inventory_validate, the metering check and collection - which
write only this test's ledger) run for real. Every task of every example must have run and
none may have failed. Not ``release_matrix``: the examples exercise the modules' interface; what
differs between releases is the marked tests' business.
"""

import ast
import glob
import os
import uuid

import pytest
import yaml

from helpers.playbook import run_playbook
from helpers import cloud
from helpers.cloud import ledger_dsn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
MODULES_DIR = os.path.join(REPO_ROOT, 'plugins', 'modules')
GROUP_VARS = os.path.join(REPO_ROOT, 'examples', 'inventory', 'group_vars', 'all')


# the modules whose examples write (to the platform or files): run with --check
CHECK = {'keystone_tenant', 'keystone_group_binding', 'openstack_quota', 'replication_report', 'openstack_chargeback',
         'openstack_metering_policy', 'openstack_audit_export',
         'follow_step'}   # its example starts keystone_tenant async
# the modules whose examples only read the platform: run for real
REAL = {'inventory_validate', 'openstack_metering_check', 'openstack_metering_collect', 'openstack_usage_info'}


def modules():
    return sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(MODULES_DIR, '*.py'))
                  if not os.path.basename(p).startswith('_'))


def examples(module):
    """The tasks of the module's EXAMPLES string (parsed from the file, not imported)."""
    with open(os.path.join(MODULES_DIR, module + '.py')) as handle:
        tree = ast.parse(handle.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'EXAMPLES' for t in node.targets):
            tasks = yaml.safe_load(node.value.value)
            assert isinstance(tasks, list) and tasks, '%s: EXAMPLES is not a list of tasks' % module
            return tasks
    raise AssertionError('%s has no EXAMPLES' % module)


def inventory_vars():
    out = {}
    for path in sorted(glob.glob(os.path.join(GROUP_VARS, '*.yml'))):
        with open(path) as handle:
            out.update(yaml.safe_load(handle) or {})
    return out


def test_every_module_is_classified():
    assert set(modules()) == CHECK | REAL, 'classify each module as CHECK (writes) or REAL (reads only)'
    assert not CHECK & REAL


@pytest.fixture(scope='module')
def pg_dsn():
    import psycopg
    base = ledger_dsn()
    name = 'lz_examples_%s' % uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute('CREATE DATABASE %s' % name)
    yield '%s/%s' % (base.rsplit('/', 1)[0], name)
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)


@pytest.fixture(scope='module')
def example_vars(tmp_path_factory, pg_dsn):
    tmp = tmp_path_factory.mktemp('examples')
    ledger = str(tmp / 'ledger.sqlite')
    values = dict(inventory_vars(), lz_ledger_path=ledger, lz_ledger_dsn=pg_dsn,
                  lz_chargeback_dir=str(tmp / 'chargeback'),
                  # openstack_metering_policy: the Python of the local cloud's Glance and Neutron
                  openstack_python=os.path.join(cloud.instance()['venv'], 'bin', 'python'))
    # a ledger with one collection of this cloud, for the examples that read it (usage, chargeback)
    task = {'name': 'collect', 'landingzone.openstack.openstack_metering_collect': {
        'cloud': 'metering', 'platform': 'local', 'ledger_path': ledger, 'kinds': ['servers']}}
    run = run_playbook(tasks=[task], env={'LZ_LEDGER_DSN': ''})
    assert run.rc == 0 and run['collect']['status'] == 'ok', run.stdout[-3000:]
    return values


def wrapped(selected):
    """The examples of ``selected`` modules as one task list, each task named '<module>: <name>'."""
    tasks, names = [], []
    for module in selected:
        for task in examples(module):
            task = dict(task, name='%s: %s' % (module, task['name']))
            # every task runs even when an earlier one failed: each is asserted on its own
            task['ignore_errors'] = True
            tasks.append(task)
            names.append(task['name'])
    return tasks, names


@pytest.mark.parametrize('mode', ['check', 'real'])
def test_module_examples_run(mode, example_vars, tmp_path):
    selected = sorted(CHECK if mode == 'check' else REAL)
    tasks, names = wrapped(selected)
    run = run_playbook(tasks=tasks, group_vars=example_vars, check=(mode == 'check'),
                       env={'LZ_LEDGER_DSN': ''}, workdir=str(tmp_path))
    assert run.rc == 0, run.stdout[-4000:]
    missing = [n for n in names if n not in run.results]
    assert not missing, 'tasks that did not run: %s\n%s' % (missing, run.stdout[-4000:])
    failed = dict((n, run[n].get('msg')) for n in names if run[n].get('failed') or run[n].get('skipped'))
    assert not failed, 'examples that failed: %s' % failed
    if mode == 'check':
        # the run was a plan: the report says check mode and is the plan file
        report = run['replication_report: Write the report']
        assert report['summary']['check_mode'] is True, report
        assert report['path'] == os.path.join(str(tmp_path), 'reports', 'local.plan.json'), report
        assert os.path.isfile(report['path'])
    else:
        collected = run['openstack_metering_collect: Sample the platform into the SQLite ledger']
        assert collected['status'] == 'ok', collected
        assert os.path.isfile(example_vars['lz_ledger_path'])
