# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ends of the supported range, run by nox in a venv of their own (noxfile.py, --noconftest).

Session ``lowest``: Python 3.10 + the newest ansible-core 2.16.x and requirements.txt as pip
resolves them on 3.10 (openstacksdk 4.13.x is the last release for 3.10). Session ``newest``:
Python 3.13 + the newest ansible-core that meta/runtime.yml allows. Both run every test here; the
collection's venv (Python 3.11) runs the whole suite.

1. the versions are those the session asked for (``LZ_EXPECT_VERSIONS``: Python [ansible-core]);
2. ``ansible-doc`` of every module and role of the collection (one call, JSON; each must be there);
3. ``ansible-playbook --syntax-check`` of every playbook of playbooks/ with examples/inventory;
4. one real run of ``landingzone.openstack.replicate``, ``landingzone.openstack.meter`` and
   ``landingzone.openstack.chargeback`` (preview; the FQCN playbooks, imported by one playbook) on
   a platform of its own on the local cloud: one workspace with one project; replication must have
   created it (seen through the admin account), the meter role must have recorded ``ok``
   collections (two: a project's fee runs from its first collection to its last) into a SQLite
   ledger, the chargeback preview must bill the workspace from that ledger (the example price
   catalog's project fee). No "does not support Ansible version"
   warning: the session's ansible-core is inside requires_ansible. What it created is deleted
   afterwards.
"""

import glob
import json
import os
import subprocess
import sys
import uuid

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VBIN = os.path.dirname(sys.executable)
COLLECTIONS = os.path.join(ROOT, 'build', 'collections')
CALLBACKS = os.path.join(ROOT, 'tests', 'integration', 'callback_plugins')

if not os.environ.get('LZ_EXPECT_VERSIONS'):
    pytest.skip('the ends of the supported range run in their own venvs: nox -s lowest newest', allow_module_level=True)


class Failed(AssertionError):
    pass


def tool_env(**extra):
    env = dict(os.environ)
    for key in ('VIRTUAL_ENV', 'PYTHONPATH', 'ANSIBLE_CONFIG'):
        env.pop(key, None)
    env.update(PATH=VBIN + os.pathsep + env.get('PATH', ''), ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
               ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='false', LZ_LEDGER_DSN='')
    env.update(extra)
    return env


def step(name, cmd, warnings=None, **kwargs):
    """The command's stdout; its stderr apart (warnings, e.g. a dependency's deprecation, are no JSON),
    its WARNING lines of either stream appended to ``warnings``."""
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    print(proc.stderr[-3000:], end='')
    if warnings is not None:
        warnings.extend(line for line in (proc.stdout + proc.stderr).splitlines() if 'WARNING' in line)
    if proc.returncode != 0:
        print(proc.stdout[-6000:])
        raise Failed('%s failed (rc %d)' % (name, proc.returncode))
    return proc.stdout


def test_versions_are_those_the_session_asked_for():
    out = step('versions', [os.path.join(VBIN, 'python'), '-c',
                            'import sys, ansible.release, openstack.version; '
                            'print(sys.version.split()[0], ansible.release.__version__, '
                            'openstack.version.__version__)'], env=tool_env())
    python, core, sdk = out.split()
    print('Python %s, ansible-core %s, openstacksdk %s' % (python, core, sdk))
    expected = os.environ['LZ_EXPECT_VERSIONS'].split()  # Python [ansible-core]
    assert python.startswith(expected[0] + '.'), (python, expected)
    assert len(expected) < 2 or core.startswith(expected[1] + '.'), (core, expected)


def test_ansible_doc_of_every_module_and_role():
    env = tool_env()
    modules = sorted('landingzone.openstack.' + os.path.basename(p)[:-3]
                     for p in glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.py')))
    roles = sorted('landingzone.openstack.' + os.path.basename(p) for p in glob.glob(os.path.join(ROOT, 'roles', '*')))
    docs = json.loads(step('ansible-doc %d modules' % len(modules),
                           [os.path.join(VBIN, 'ansible-doc'), '-j'] + modules, env=env))
    missing = [m for m in modules if not (docs.get(m) or {}).get('doc')]
    docs = json.loads(step('ansible-doc %d roles' % len(roles),
                           [os.path.join(VBIN, 'ansible-doc'), '-t', 'role', '-j'] + roles, env=env))
    missing += [r for r in roles if not (docs.get(r) or {}).get('entry_points', {}).get('main')]
    if missing:
        raise Failed('ansible-doc gave no documentation for %s' % ', '.join(missing))


def test_syntax_check_of_every_playbook():
    env = tool_env()
    playbooks = sorted(glob.glob(os.path.join(ROOT, 'playbooks', '*.yml')))
    step('syntax-check %d playbooks' % len(playbooks),
         [os.path.join(VBIN, 'ansible-playbook'), '--syntax-check', '-i',
          os.path.join(ROOT, 'examples', 'inventory')] + playbooks, env=env)


def test_replicate_meter_and_chargeback_on_the_cloud(tmp_path):
    workdir = str(tmp_path)
    link_collection()
    uid = uuid.uuid4().hex[:8]
    platform, workspace = 'ver%s' % uid, 'v%s' % uid
    ledger = os.path.join(workdir, 'ledger.sqlite')
    inventory = {'all': {
        'vars': {'landing_zones': {'default': {'domain_mode': 'default', 'delete_projects': True}},
                 'workspaces': [{'identifier': workspace, 'name': 'min versions %s' % uid,
                                 'projects': [{'identifier': 'app', 'name': 'App'}]}],
                 'lz_report_dir': os.path.join(workdir, 'reports'), 'lz_ledger_path': ledger,
                 'lz_chargeback_dir': os.path.join(workdir, 'chargeback'), 'price_catalog': example_price_catalog()},
        'children': {'platforms': {'hosts': {platform: {
            'ansible_connection': 'local', 'ansible_python_interpreter': os.path.join(VBIN, 'python'),
            'lz_cloud': 'replicator', 'lz_metering_cloud': 'metering'}}}}}}
    with open(os.path.join(workdir, 'inventory.yml'), 'w') as handle:
        yaml.safe_dump(inventory, handle)
    with open(os.path.join(workdir, 'play.yml'), 'w') as handle:
        yaml.safe_dump([{'import_playbook': 'landingzone.openstack.replicate'},
                        # two collections: a project's fee runs from its first collection to its last
                        {'import_playbook': 'landingzone.openstack.meter'},
                        {'import_playbook': 'landingzone.openstack.meter'},
                        {'import_playbook': 'landingzone.openstack.chargeback'}], handle)
    results = os.path.join(workdir, 'results.json')
    import openstack
    admin = openstack.connect(cloud='replicator')
    try:
        warnings = []
        step('replicate + meter + chargeback on %s' % platform,
             [os.path.join(VBIN, 'ansible-playbook'), '-i', 'inventory.yml', 'play.yml', '-e', 'chargeback_preview=true'],
             cwd=workdir, env=tool_env(ANSIBLE_CALLBACK_PLUGINS=CALLBACKS, ANSIBLE_CALLBACKS_ENABLED='lz_results',
                                       LZ_RESULTS_FILE=results), warnings=warnings)
        unsupported = [line for line in warnings if 'does not support Ansible version' in line]
        if unsupported:
            raise Failed('ansible-core outside requires_ansible: %s' % unsupported)
        with open(results) as handle:
            data = json.load(handle)
        stats = data['stats'].get(platform, {})
        if stats.get('failures') or stats.get('unreachable') or not stats.get('ok'):
            raise Failed('recap of %s: %s' % (platform, stats))
        tasks = dict((t['task'].split(' : ', 1)[-1], t['result']) for t in data['tasks'] if t['host'] == platform)
        collected = tasks.get('Collect usage samples into the ledger') or {}
        if collected.get('status') != 'ok' or not os.path.isfile(ledger):
            raise Failed('meter did not record an ok collection: %s' % collected.get('status'))
        with open(os.path.join(workdir, 'reports', '%s.json' % platform)) as handle:
            summary = json.load(handle)['summary']
        if summary.get('failed') or not summary.get('changed'):
            raise Failed('replication report of %s: %s' % (platform, summary))
        made = ours(admin, platform)
        if len(made) != 1:
            raise Failed('expected 1 project of %s on the cloud, found %d' % (platform, len(made)))
        billed = [t['result'] for t in data['tasks']
                  if t['host'] == 'localhost' and t['task'].endswith('Rate the ledger into chargeback reports')]
        if not billed or billed[0].get('status') != 'preview':
            raise Failed('chargeback preview did not run: %s' % [b.get('status') for b in billed])
        cost = float(billed[0]['totals']['by_workspace'].get(workspace, 0))
        if cost <= 0:
            raise Failed('chargeback preview billed nothing to %s: %s' % (workspace, billed[0]['totals']))
        print('replicated %s (%s), metered run %s: %s, chargeback preview %s: %s %s'
              % (made[0].name, summary, collected.get('run_id'), collected.get('counts'),
                 billed[0]['period']['label'], cost, billed[0].get('currency')))
    finally:
        cleanup(admin, platform, workspace)


def example_price_catalog():
    with open(os.path.join(ROOT, 'examples', 'inventory', 'group_vars', 'all', 'price_catalog.yml')) as handle:
        return yaml.safe_load(handle)['price_catalog']


def ours(admin, platform):
    tag = 'lz-platform=%s' % platform
    return [p for p in admin.identity.projects() if tag in (p.tags or [])]


def cleanup(admin, platform, workspace):
    for group in admin.identity.get('/groups').json()['groups']:
        if (group.get('lz_tenant') or '').startswith(workspace + '/'):
            admin.identity.delete_group(group['id'], ignore_missing=True)
    for project in ours(admin, platform):
        admin.identity.update_project(project, is_enabled=False)
        admin.identity.delete_project(project, ignore_missing=True)


def link_collection():
    link = os.path.join(COLLECTIONS, 'ansible_collections', 'landingzone', 'openstack')
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
