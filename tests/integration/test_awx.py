# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection run the way AWX runs it (docs/awx.md), against the local real cloud.

AWX hands a job to ``ansible-runner`` as a private data dir: ``env/envvars``, ``env/extravars``,
``inventory/``, ``project/`` (the project's playbook files) and ``artifacts/<job id>/``. Its
OpenStack credential writes a clouds.yaml with exactly one cloud, ``devstack``, and sets only
``OS_CLIENT_CONFIG_FILE`` (``_openstack_data`` in AWX's injectors.py); a custom credential type
renders its ``injectors`` (files, then env with ``tower.filename``). The tests build exactly that
from the wrapper playbooks and credential type files (extensions/awx/) of the collection installed
from the built tarball (the ``box`` fixture, tests/helpers/box.py), run the three jobs
through the ``ansible-runner`` CLI with an environment holding no OS_* variable, and compare the
job artifacts (``set_stats``, in the ``playbook_on_stats`` event as AWX reads them) with the
reports, on success and on failure. Also here: the metering account under ``OS_CLOUD`` and a
one-cloud clouds.yaml (the system-scoped project listing), and ``cloud`` given as a dict.
"""

import glob
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import uuid

import jinja2.sandbox
import pytest
import yaml

from helpers import cloud
from helpers.playbook import run_playbook
from helpers.cloud import ledger_dsn

from ansible_collections.landingzone.openstack.plugins.module_utils import _rest  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import collect  # noqa: E402

BIN = os.path.dirname(sys.executable)
CATALOG = {'currency': 'EUR', 'prices': [{'meter': 'server_hours', 'unit': 'hour', 'unit_price': '0.05'}]}


def local_account(name):
    with open(os.environ['OS_CLIENT_CONFIG_FILE']) as fh:
        return yaml.safe_load(fh)['clouds'][name]


def awx_openstack_clouds_yaml(account):
    """The clouds.yaml AWX's OpenStack credential writes for ``account``: one cloud ``devstack``,
    auth_url/username/password/project_name, the domain as ``domain_name``, ``verify``."""
    auth = local_account(account)['auth']
    return {'clouds': {'devstack': {
        'auth': {'auth_url': auth['auth_url'], 'username': auth['username'], 'password': auth['password'],
                 'project_name': auth['project_name'], 'project_domain_name': auth['project_domain_name'],
                 'domain_name': auth['user_domain_name']},
        'verify': True}}}


def write_private(directory, text):
    """A credential file as AWX writes it: mkstemp in the private data dir, mode 0600."""
    handle, path = tempfile.mkstemp(dir=directory)
    with os.fdopen(handle, 'w') as fh:
        fh.write(text)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    return path


def inject_custom(awx, type_file, inputs, directory):
    """The env a custom credential type (a shipped file under ``awx``) injects: its file templates rendered
    into private files, then its env templates with ``tower.filename``."""
    with open(os.path.join(awx, 'credential_types', type_file)) as fh:
        ctype = yaml.safe_load(fh)
    values = dict((f['id'], f['default']) for f in ctype['inputs']['fields'] if 'default' in f)
    values.update(inputs)
    missing = set(ctype['inputs'].get('required', [])) - set(values)
    assert not missing, missing
    jinja = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    filenames = {}
    for key, template in ctype['injectors'].get('file', {}).items():
        filenames[key.split('.', 1)[1]] = write_private(directory, jinja.from_string(template).render(**values))
    return dict((key, jinja.from_string(template).render(tower={'filename': filenames}, **values))
                for key, template in ctype['injectors'].get('env', {}).items())


class PrivateDataDir:
    """One AWX job's private data dir, run with the ansible-runner CLI."""

    counter = 0

    def __init__(self, box, root, inventory):
        PrivateDataDir.counter += 1
        self.awx = os.path.join(box.installed, 'extensions', 'awx')
        self.job = PrivateDataDir.counter
        self.path = os.path.join(root, 'job%d' % self.job)
        for sub in ('env', 'inventory', 'project'):
            os.makedirs(os.path.join(self.path, sub))
        for playbook in glob.glob(os.path.join(self.awx, 'project', '*.yml')):
            shutil.copy(playbook, os.path.join(self.path, 'project'))
        with open(os.path.join(self.path, 'inventory', 'hosts.yml'), 'w') as fh:
            yaml.safe_dump(inventory, fh)
        # what the execution environment provides: the collection (from the tarball), ansible, openstacksdk
        self.envvars = dict(ANSIBLE_COLLECTIONS_PATH=box.collections_path, ANSIBLE_NOCOLOR='1',
                            ANSIBLE_LOCALHOST_WARNING='false')

    def openstack_credential(self, account):
        self.envvars['OS_CLIENT_CONFIG_FILE'] = write_private(self.path, yaml.safe_dump(awx_openstack_clouds_yaml(account)))

    def custom_credential(self, type_file, inputs):
        self.envvars.update(inject_custom(self.awx, type_file, inputs, self.path))

    def run(self, playbook, extravars=None, limit=None):
        with open(os.path.join(self.path, 'env', 'envvars'), 'w') as fh:
            yaml.safe_dump(self.envvars, fh)
        with open(os.path.join(self.path, 'env', 'extravars'), 'w') as fh:
            yaml.safe_dump(extravars or {}, fh)
        cmd = [os.path.join(BIN, 'ansible-runner'), 'run', self.path, '-p', playbook, '--ident', str(self.job)]
        if limit:
            cmd.extend(['--limit', limit])
        # no OS_* nor LZ_* of the test run: only what the job's credentials inject
        env = dict(PATH=BIN + os.pathsep + '/usr/bin:/bin', HOME=os.environ.get('HOME', '/tmp'),
                   LANG='C.UTF-8')
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
        return Job(os.path.join(self.path, 'artifacts', str(self.job)), proc)


class Job:
    def __init__(self, artifacts, proc):
        self.artifacts = artifacts
        self.stdout = proc.stdout
        with open(os.path.join(artifacts, 'rc')) as fh:
            self.rc = int(fh.read())
        with open(os.path.join(artifacts, 'status')) as fh:
            self.status = fh.read().strip()

    @property
    def artifact_data(self):
        """What AWX stores as the job's artifacts: set_stats of the playbook_on_stats event."""
        for path in glob.glob(os.path.join(self.artifacts, 'job_events', '*.json')):
            with open(path) as fh:
                event = json.load(fh)
            if event.get('event') == 'playbook_on_stats':
                return event['event_data']['artifact_data']
        raise AssertionError('no playbook_on_stats event in %s' % self.artifacts)


@pytest.fixture
def pg_ledger():
    """An empty PostgreSQL database on the test server: dict(host, port, dbname, user, password)."""
    import psycopg
    from urllib.parse import urlsplit
    base = ledger_dsn()
    name = 'lz_awx_%s' % uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute('CREATE DATABASE %s' % name)
    url = urlsplit(base)
    yield dict(host=url.hostname, port=str(url.port or 5432), dbname=name, user=url.username,
               password=url.password, sslmode='disable')
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)


@pytest.fixture
def workspace_cleanup(replicator):
    names = []
    yield names
    for ws in names:
        for group in replicator.identity.get('/groups').json()['groups']:
            if (group.get('lz_tenant') or '').startswith(ws + '/'):
                replicator.identity.delete_group(group['id'], ignore_missing=True)
        for project in cloud.all_projects(replicator):
            if 'lz-ws=%s' % ws in (project.tags or []):
                replicator.identity.update_project(project, is_enabled=False)
                replicator.identity.delete_project(project, ignore_missing=True)


def test_awx_jobs_replicate_meter_chargeback(box, tmp_path, unique, pg_ledger, replicator, workspace_cleanup):
    first, second = 'awx%s' % unique, 'awx%sb' % unique
    ws = 'aw%s' % unique
    workspace_cleanup.append(ws)
    host = dict(ansible_connection='local', ansible_python_interpreter=sys.executable)
    inventory = {'all': {
        'vars': {'landing_zones': {'default': {'domain_mode': 'default', 'delete_projects': True}},
                 # the project is on the first platform only: the second must know that platform
                 # (lz_platforms_group, not the group "platforms") to accept the inventory
                 'workspaces': [{'identifier': ws, 'name': 'AWX %s' % unique, 'projects': [
                     {'identifier': 'web', 'name': 'Web', 'landing_zone': 'default', 'platforms': [first]}]}],
                 'price_catalog': CATALOG},
        'children': {'openstack_platforms': {'hosts': {
            first: dict(host, lz_cloud='%s-admin' % first, lz_metering_cloud='devstack'),
            second: dict(host, lz_cloud='%s-admin' % second, lz_metering_cloud='devstack')}}}}}
    replicator_entry = local_account('replicator')
    several_clouds = yaml.safe_dump({'clouds': {'%s-admin' % first: replicator_entry,
                                                '%s-admin' % second: replicator_entry}})
    reports = str(tmp_path / 'mnt' / 'reports')  # the mounted path of docs/awx.md
    # the job templates' extra vars; lz_platforms_group must be one: a play's hosts see no inventory vars
    outputs = {'lz_report_dir': reports + '/replication', 'lz_chargeback_dir': reports + '/chargeback',
               'lz_platforms_group': 'openstack_platforms'}

    # 1. replicate: the custom clouds credential (several platforms in one clouds.yaml)
    job = PrivateDataDir(box, str(tmp_path), inventory)
    job.custom_credential('landingzone_clouds.yml', {'clouds_yaml': several_clouds})
    job.custom_credential('landingzone_ledger.yml', pg_ledger)   # the audit trail (docs/audit.md)
    replicate = job.run('replicate.yml', outputs)
    assert replicate.rc == 0 and replicate.status == 'successful', replicate.stdout[-3000:]
    artifacts = replicate.artifact_data['replication']
    assert set(artifacts) == {first, second}
    for platform in (first, second):
        with open(os.path.join(reports, 'replication', '%s.json' % platform)) as fh:
            report = json.load(fh)
        assert artifacts[platform] == dict(report['summary'], failure=None, report=fh.name)
    assert artifacts[first]['changed'] == 1 and artifacts[second]['changed'] == 0
    project = [p for p in cloud.all_projects(replicator) if 'lz-ws=%s' % ws in (p.tags or [])]
    assert len(project) == 1 and 'lz-platform=%s' % first in project[0].tags
    # the job's writes are in the ledger of the LZ ledger credential (LZ_LEDGER_DSN and the pgpass file)
    ledger = store.open_ledger(dsn=ledger_dsn().rsplit('/', 1)[0] + '/' + pg_ledger['dbname'], migrate=False)
    try:
        created = [e['resource_id'] for e in ledger.audit(platform=first) if e['operation'] == 'create_project']
    finally:
        ledger.close()
    assert created == [project[0].id]

    # 2. meter: AWX's own OpenStack credential (one cloud, devstack) and the ledger credential
    job = PrivateDataDir(box, str(tmp_path), inventory)
    job.openstack_credential('metering')
    job.custom_credential('landingzone_ledger.yml', pg_ledger)
    assert pg_ledger['password'] not in json.dumps(job.envvars)  # the password is in the pgpass file only
    meter = job.run('meter.yml', outputs, limit=first)
    assert meter.rc == 0 and meter.status == 'successful', meter.stdout[-3000:]
    metering = meter.artifact_data['metering'][first]
    ledger = store.open_ledger(dsn=ledger_dsn().rsplit('/', 1)[0] + '/' + pg_ledger['dbname'], migrate=False)
    try:
        runs = ledger.runs(platform=first)
        projects = ledger.projects(platform=first)
    finally:
        ledger.close()
    assert [r['id'] for r in runs] == [metering['run_id']]
    assert runs[0]['status'] == metering['status'] == 'ok', runs[0]['remarks']
    assert 'system_scope' in [r['code'] for r in runs[0]['remarks']]
    ours = [p for p in projects if p['project_id'] == project[0].id]
    assert [(p['workspace'], p['managed']) for p in ours] == [(ws, True)]
    assert all(p['workspace'] != store.UNMANAGED for p in projects if p['managed'])
    assert len(projects) > 1  # every project of the cloud, not only the reader's own

    # 3. chargeback preview: the ledger credential only, reports to the mounted path
    job = PrivateDataDir(box, str(tmp_path), {'all': {'vars': {'price_catalog': CATALOG}}})
    job.custom_credential('landingzone_ledger.yml', pg_ledger)
    charge = job.run('chargeback.yml', dict(outputs, chargeback_preview=True))
    assert charge.rc == 0 and charge.status == 'successful', charge.stdout[-3000:]
    [(label, summary)] = charge.artifact_data['chargeback'].items()
    with open(os.path.join(reports, 'chargeback', label, 'line_items.json')) as fh:
        doc = json.load(fh)
    assert summary['status'] == doc['status'] and summary['cost'] == doc['totals']['cost']
    assert summary['by_workspace'] == doc['totals']['by_workspace']

    # failures: the artifacts still say what the report says, and never a secret
    job = PrivateDataDir(box, str(tmp_path), inventory)
    job.custom_credential('landingzone_clouds.yml', {'clouds_yaml': several_clouds})
    bad = [{'identifier': ws, 'name': 'AWX', 'projects': [{'identifier': 'web', 'name': 'Web', 'landing_zone': 'nope'}]}]
    failed = job.run('replicate.yml', dict(outputs, workspaces=bad), limit=first)
    assert failed.rc != 0 and failed.status == 'failed'
    # a failed run writes beside the last good report (issue 24)
    with open(os.path.join(reports, 'replication', '%s.failed.json' % first)) as fh:
        report = json.load(fh)
    assert failed.artifact_data['replication'][first]['failure'] == report['failure'] and report['failure']
    assert failed.artifact_data['replication'][first]['report'].endswith('%s.failed.json' % first)

    job = PrivateDataDir(box, str(tmp_path), inventory)
    job.openstack_credential('metering')
    job.custom_credential('landingzone_ledger.yml', dict(pg_ledger, password='wrong-%s' % unique))
    failed = job.run('meter.yml', outputs, limit=first)
    assert failed.rc != 0 and failed.status == 'failed'
    metering = failed.artifact_data['metering'][first]
    assert metering['status'] == 'failed' and 'ledger' in metering['msg'], metering
    assert 'wrong-%s' % unique not in open(os.path.join(failed.artifacts, 'stdout')).read()


@pytest.mark.parametrize('how', ['AWX clouds.yaml: one cloud, devstack', 'OS_CLOUD names another cloud'])
def test_system_scoped_project_listing_under_awx_and_os_cloud(tmp_path, monkeypatch, how):
    """openstacksdk merges the default cloud (OS_CLOUD, or the only one of a clouds.yaml) into any
    connection made without a cloud name: the system-scoped listing must not take its project."""
    if how.startswith('AWX'):
        path = tmp_path / 'clouds.yaml'
        path.write_text(yaml.safe_dump(awx_openstack_clouds_yaml('metering')))
        monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', str(path))
        monkeypatch.delenv('OS_CLOUD', raising=False)
        params = dict(cloud='devstack')
    else:
        monkeypatch.setenv('OS_CLOUD', 'admin')
        params = dict(cloud='metering')
    conn, counter = _rest.connect(dict(params, api_timeout=30, retries=2))
    projects, remarks = collect.collect_projects(conn, collect.Requests(), 2, counter)
    assert [r['code'] for r in remarks] == ['system_scope'], remarks
    names = set(p['name'] for p in projects)
    assert {'admin', 'service'} <= names  # the whole cloud, not the reader's own project


def test_cloud_as_a_dict_connects_and_never_shows_its_password(tmp_path):
    entry = local_account('metering')
    wrong = dict(entry, auth=dict(entry['auth'], password='wrong-pw-%s' % uuid.uuid4().hex[:6]))
    options = {'platform': 'awxdict', 'kinds': ['images'], 'ledger_path': str(tmp_path / 'l.sqlite')}
    module = 'landingzone.openstack.openstack_metering_collect'
    tasks = [{'name': 'dict', module: dict(options, cloud=entry)},
             {'name': 'bad password', module: dict(options, cloud=wrong), 'ignore_errors': True},
             {'name': 'option beside the dict', module: dict(options, cloud=wrong, region_name='RegionOne'),
              'ignore_errors': True}]
    run = run_playbook(tasks=tasks, check=True, extra_args=['-vvv'])
    assert run['dict']['status'] == 'ok' and not run['dict'].get('failed'), run.stdout[-3000:]
    assert 'cannot connect to platform ' in run['bad password']['msg']
    assert 'give region_name inside it' in run['option beside the dict']['msg']
    assert run['option beside the dict']['requests']['total'] == 0
    output = run.stdout + run.stderr + json.dumps(run.results)
    assert entry['auth']['password'] not in output and wrong['auth']['password'] not in output
