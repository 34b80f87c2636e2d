# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit trail (issue 31 point 4, docs/audit.md) on the local cloud: replicate.yml converges a workspace with
the platform host's ledger in the local cloud's PostgreSQL; the export (playbooks/audit_export.yml) lists exactly
the writes each step's request counter counted, at the targets Keystone then lists; a no-op run and a check run add
none (a check run: the second test). A run without a configured ledger keeps its writes in the default SQLite file; a
ledger that cannot be opened stops the run before its first request."""

import csv
import json
import os
import subprocess
import uuid

import pytest

from helpers.cloud import ledger_dsn
from helpers.keystone import ZONES, replicate, workspace
from helpers.playbook import REPO_ROOT, run_playbook

from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store

STEPS = ('Replicate tenants', 'Replicate access', 'Replicate quotas')
EXPORT = os.path.join(REPO_ROOT, 'playbooks', 'audit_export.yml')


@pytest.fixture
def pg_ledger():
    """A PostgreSQL database of its own on the local cloud's server (the platform host's lz_ledger_dsn)."""
    import psycopg
    base = ledger_dsn()
    name = 'lz_audit_%s' % uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute('CREATE DATABASE %s' % name)
    yield '%s/%s' % (base.rsplit('/', 1)[0], name)
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)


def git_inventory(path):
    """``path`` made a git repository with one commit (the inventory directory); returns its HEAD."""
    env = dict(os.environ, GIT_AUTHOR_NAME='t', GIT_AUTHOR_EMAIL='t@example.test', GIT_COMMITTER_NAME='t',
               GIT_COMMITTER_EMAIL='t@example.test')
    for cmd in (['git', 'init', '-q'], ['git', 'commit', '-q', '--allow-empty', '-m', 'inventory']):
        subprocess.run(cmd, cwd=path, env=env, check=True)
    return subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=path, check=True, capture_output=True,
                          text=True).stdout.strip()


def export(workdir, dsn, **extra):
    """playbooks/audit_export.yml as a platform engineer runs it: the ledger is the platform hosts'."""
    args = []
    for key, value in extra.items():
        args += ['-e', 'audit_%s=%s' % (key, value)]
    run = run_playbook(playbook=EXPORT, group_vars=dict(lz_ledger_dsn=dsn), workdir=workdir, extra_args=args)
    assert run.rc == 0, run.stdout[-3000:]
    return run.host('localhost')['Export the entries of the time range']


def read_jsonl(path):
    with open(path) as handle:
        return [json.loads(line) for line in handle]


def test_the_export_lists_exactly_the_writes_counted(keystone, platform, unique, make_user, tmp_path, pg_ledger):
    user = make_user('au%s' % unique)
    ws = 'a%s' % unique
    inventory = [workspace(ws, [{'identifier': 'web', 'name': 'Web', 'quota': {'compute.cores': 7},
                                 'bindings': [{'euid': user.name, 'role': 'admin'}]},
                                {'identifier': 'api', 'name': 'API'}])]
    workdir = str(tmp_path / 'inventory')
    os.makedirs(workdir)
    head = git_inventory(workdir)

    run = replicate(platform, inventory, workdir=workdir, lz_ledger_dsn=pg_ledger)
    assert run.rc == 0, run.stdout[-3000:]
    counted = dict((step, run[step]['requests']['writes']) for step in STEPS)
    for step in STEPS:
        audit = run[step]['audit']
        assert audit['count'] == counted[step] > 0, (step, audit, run[step]['requests'])
        assert audit['ledger'].startswith('postgresql ') and pg_ledger.rsplit('/', 1)[1] in audit['ledger']
        assert all(e['inventory_revision'] == head and e['platform'] == platform for e in audit['entries'])

    path = str(tmp_path / 'audit.jsonl')
    exported = export(workdir, pg_ledger, platform=platform, path=path)
    entries = read_jsonl(path)
    assert exported['count'] == len(entries) == sum(counted.values()), (exported, counted)
    assert sorted(exported['runs']) == sorted(run[step]['audit']['run_id'] for step in STEPS)
    for step in STEPS:
        mine = [e for e in entries if e['run_id'] == run[step]['audit']['run_id']]
        assert len(mine) == counted[step] and [e['seq'] for e in mine] == list(range(1, counted[step] + 1))
        assert mine == run[step]['audit']['entries'], step   # what the run showed is what the ledger holds
    assert all(e['outcome'] == 'ok' and 200 <= e['status'] < 300 and e['workspace'] == ws for e in entries), entries
    assert not [e for e in entries if e['path'].endswith('/auth/tokens')]

    # the targets are what Keystone lists now
    web, api = keystone.project(ws, 'web'), keystone.project(ws, 'api')
    created = dict((e['project'], e['resource_id']) for e in entries if e['operation'] == 'create_project')
    assert created == {'web': web.id, 'api': api.id}
    assert next(e for e in entries if e['operation'] == 'create_project' and e['project'] == 'web')['after']['name'] \
        == web.name
    groups = sorted(g['id'] for g in keystone.managed_groups(ws))
    assert sorted(e['resource_id'] for e in entries if e['operation'] == 'create_group') == groups
    members = [e for e in entries if e['operation'] == 'add_member']
    assert len(members) == 1 and members[0]['path'].endswith('/users/%s' % user.id) and members[0]['project'] == 'web'
    quota = [e for e in entries if e['module'] == 'openstack_quota' and e['operation'] != 'record_quota']
    assert quota and all(e['project'] == 'web' for e in quota), quota
    assert [e['after'] for e in quota if e['operation'] in ('set_quota', 'set_limit')] in ([{'compute.cores': 7}], []), quota
    for entry in quota:
        if entry['operation'] in ('set_quota', 'set_limit'):
            assert entry['resource_id'] == web.id and isinstance(entry['before']['compute.cores'], int), entry

    # a second run changes nothing and records nothing
    again = replicate(platform, inventory, workdir=workdir, lz_ledger_dsn=pg_ledger)
    assert again.rc == 0, again.stdout[-3000:]
    for step in STEPS:
        assert again[step]['requests']['writes'] == 0 and again[step]['audit']['count'] == 0, (step, again[step])
    # the ledger holds the converge's entries and nothing more (read here: no third playbook run)
    with store.open_ledger(dsn=pg_ledger) as ledger:
        assert ledger.audit(workspace=ws) == entries


def test_without_a_ledger_the_default_file_and_a_bad_ledger_stops_before_any_request(
        keystone, platform, unique, tmp_path):
    ws = 'd%s' % unique
    home = str(tmp_path / 'home')
    os.makedirs(home)
    tenants = {'cloud': 'replicator', 'platform': platform, 'landing_zones': ZONES,
               'workspaces': [workspace(ws, [{'identifier': 'web', 'name': 'Web'}])]}
    blocked = str(tmp_path / 'a-file')
    with open(blocked, 'w') as handle:
        handle.write('not a directory')
    tasks = [
        {'name': 'bad ledger', 'landingzone.openstack.keystone_tenant': dict(tenants, ledger_path=blocked + '/l.sqlite'),
         'ignore_errors': True},
        {'name': 'tenants', 'landingzone.openstack.keystone_tenant': tenants},
        # a check run of a change records nothing (and opens no ledger)
        {'name': 'plan', 'landingzone.openstack.keystone_tenant': dict(tenants, workspaces=[workspace(ws, [
            {'identifier': 'web', 'name': 'Web'}, {'identifier': 'new', 'name': 'New'}])]), 'check_mode': True},
        {'name': 'export', 'landingzone.openstack.openstack_audit_export': {'platform': platform}},
        {'name': 'export csv', 'landingzone.openstack.openstack_audit_export': {
            'workspace': ws, 'format': 'csv', 'path': str(tmp_path / 'audit.csv')}},
    ]
    run = run_playbook(tasks=tasks, host=platform, env={'HOME': home, 'LZ_LEDGER_DSN': ''}, workdir=str(tmp_path))
    assert run.rc == 0, run.stdout[-3000:]
    bad = run['bad ledger']
    assert bad['failed'] and 'ledger' in bad['msg'] and bad['requests'] == {'total': 0}, bad
    default = os.path.join(home, '.local', 'share', 'landingzone', 'ledger.sqlite')
    assert run['tenants']['audit']['ledger'] == 'sqlite %s' % default
    assert run['tenants']['audit']['count'] == run['tenants']['requests']['writes'] >= 1
    assert run['plan']['changed'] and run['plan']['planned'] and 'audit' not in run['plan'], run['plan']
    assert keystone.project(ws, 'new') is None
    exported = run['export']
    assert exported['count'] == run['tenants']['requests']['writes']
    assert [e['resource_id'] for e in exported['entries'] if e['operation'] == 'create_project'] \
        == [keystone.project(ws, 'web').id]
    with open(str(tmp_path / 'audit.csv')) as handle:
        rows = list(csv.DictReader(handle))
    assert run['export csv']['changed'] and run['export csv']['count'] == len(rows) == exported['count']
    assert [(r['run_id'], int(r['seq']), r['operation'], r['before'], r['after'] and json.loads(r['after'])['name'])
            for r in rows] == [(e['run_id'], e['seq'], e['operation'], '', e['after']['name'])
                               for e in exported['entries']]
