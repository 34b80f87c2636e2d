# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory-driven onboarding on the local cloud, as a pull request goes (docs/onboarding.md).

A temporary git repository laid out like examples/repository (ansible.cfg enabling the vars plugin,
inventory/workspaces/*.yml): a commit adds a workspace file; the changed workspaces come from
`git diff` (examples/repository/ci/changed-workspaces.sh); validate passes with 0 requests; the
Markdown plan of `--check` lists exactly the new tenant and its groups, and so does the example's
plain-shell check (examples/repository/ci/pull-request.sh); the new project's quota is planned
against empty in `--check --diff` and in the Markdown plan, with no `no_project` remark (issue 25);
replicate for the changed workspace creates them and sets exactly that quota; a second run changes
nothing. The repository's ansible.cfg sets the plugin's cache_dir: by then it holds both workspace files, private.
Then a bad file fails validation naming the file and the path inside it (the cached entry of the file is not used),
and replicate stops before any request.
"""

import json
import os
import re
import shutil
import stat
import subprocess
import tempfile

import yaml

from helpers.playbook import BIN, CALLBACKS, REPO_ROOT, ensure_collection_link
from helpers.quota import Cloud as quota_cloud


EXAMPLE = os.path.join(REPO_ROOT, 'examples', 'repository')
CHANGED = os.path.join(EXAMPLE, 'ci', 'changed-workspaces.sh')
# the new project's own quota (none of them the local cloud's default)
NEW_QUOTA = {'compute.cores': 17, 'network.router': 3, 'volume.gigabytes': 123}


def git(repo, *args):
    return subprocess.run(['git', '-c', 'user.name=t', '-c', 'user.email=t@example.invalid'] + list(args), cwd=repo,
                          check=True, capture_output=True, text=True).stdout


def write(repo, path, data):
    full = os.path.join(repo, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, 'w') as handle:
        handle.write(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))


def make_repository(platform):
    repo = tempfile.mkdtemp(prefix='lz-onboarding-')
    shutil.copy(os.path.join(EXAMPLE, 'ansible.cfg'), repo)
    # the example's commented cache_dir, set (its section is the file's last)
    with open(os.path.join(repo, 'ansible.cfg'), 'a') as handle:
        handle.write('cache_dir = %s\n' % os.path.join(repo, 'cache'))
    write(repo, 'inventory/hosts.yml', {'platforms': {'hosts': {platform: {
        'ansible_connection': 'local', 'ansible_python_interpreter': os.path.join(BIN, 'python'),
        'lz_cloud': 'replicator'}}}})
    write(repo, 'inventory/group_vars/all/landing_zones.yml', {
        'landing_zones': {'default': {'domain_mode': 'default'}},
        'lz_report_dir': os.path.join(repo, 'reports')})
    git(repo, 'init', '-q')
    return repo


def ansible(repo, playbook, *args):
    """ansible-playbook run from the repository (its ansible.cfg), results per task name."""
    results_file = os.path.join(repo, 'results.json')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=ensure_collection_link(),
               ANSIBLE_CALLBACK_PLUGINS=CALLBACKS, ANSIBLE_CALLBACKS_ENABLED='lz_results',
               LZ_RESULTS_FILE=results_file, ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='false')
    env.pop('ANSIBLE_CONFIG', None)
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'inventory/', playbook] + list(args),
                          cwd=repo, env=env, capture_output=True, text=True, timeout=1800, check=False)
    results = {}
    if os.path.exists(results_file):
        with open(results_file) as handle:
            for task in json.load(handle)['tasks']:
                results[task['task'].split(' : ', 1)[-1]] = task['result']
        os.unlink(results_file)
    return proc, results


def read(path):
    with open(path) as handle:
        return handle.read()


def test_pull_request_to_project_and_groups(keystone, platform, unique, make_user):  # noqa: F811
    base, ws = 'b%s' % unique, 'w%s' % unique
    owner = 'owner-%s' % unique
    make_user(owner)
    repo = make_repository(platform)
    write(repo, 'inventory/workspaces/%s.yml' % base, {'identifier': base, 'projects': [{'identifier': 'app'}]})
    git(repo, 'add', '-A')
    git(repo, 'commit', '-qm', 'base')

    # the pull request: one new workspace file
    write(repo, 'inventory/workspaces/%s.yml' % ws, {'identifier': ws, 'name': 'Team %s' % unique, 'projects': [
        {'identifier': 'web', 'bindings': [{'euid': owner, 'role': 'admin'}], 'quota': NEW_QUOTA}]})
    git(repo, 'add', '-A')
    git(repo, 'commit', '-qm', 'onboard %s' % ws)
    changed = subprocess.run([CHANGED, 'HEAD~1'], cwd=repo, check=True, capture_output=True, text=True).stdout
    assert json.loads(changed) == [ws]

    proc, results = ansible(repo, 'landingzone.openstack.validate')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    validation = results['Validate landing zones and workspaces of every platform']
    assert validation['requests'] == {'total': 0}
    assert sorted(t['tenant'] for t in validation['tenants']) == sorted(['%s/app' % base, '%s/web' % ws])

    only = '{"replicate_only_workspaces": %s}' % changed.strip()
    proc, results = ansible(repo, 'landingzone.openstack.replicate', '--check', '--diff', '-e', only)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    quota = results['Replicate quotas']
    row = quota['tenants'][0]
    assert row['tenant'] == '%s/web' % ws and row['status'] == 'changed' and row['remarks'] == [], row
    assert row['drift'] == dict((k, {'old': None, 'new': v}) for k, v in NEW_QUOTA.items()), row
    assert quota['diff']['after'] == {'%s/web' % ws: NEW_QUOTA}, quota['diff']
    assert quota['requests']['by_method'].get('PUT', 0) == 0 and 'no_project' not in proc.stdout
    plan = read(os.path.join(repo, 'reports', '%s.plan.md' % platform))
    assert sorted(re.findall(r'^- \*\*(\S+):\*\* \(new project\) -\\> (\d+) \(quotas\)$', plan, re.M)) == sorted(
        (k, str(v)) for k, v in NEW_QUOTA.items()), plan
    assert 'no\\_project' not in plan and 'no_project' not in plan, plan
    created = re.findall(r'^- \*\*create\*\* (project|group) (\S+) ', plan, re.M)
    assert sorted(created) == sorted([('project', '%s-web' % ws)] + [
        ('group', '%s-web-%s' % (ws, role)) for role in ('reader', 'user', 'admin')]), plan
    assert re.findall(r'^\| ([a-z0-9-]+/[a-z0-9-]+) \|', plan, re.M) == ['%s/web' % ws], plan
    print(plan)
    assert '**1 tenants**: 1 would change' in plan, plan
    assert keystone.projects() == []

    # the example's plain-shell pull-request check does the same: validate, then plan.md of the changed workspaces
    shutil.copytree(os.path.join(EXAMPLE, 'ci'), os.path.join(repo, 'ci'))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=ensure_collection_link(), PATH=BIN + os.pathsep + os.environ['PATH'])
    env.pop('ANSIBLE_CONFIG', None)
    proc = subprocess.run(['ci/pull-request.sh', 'HEAD~1'], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=1800, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(re.findall(r'^- \*\*create\*\* (project|group) (\S+) ', read(os.path.join(repo, 'plan.md')),
                             re.M)) == sorted(created)
    assert keystone.projects() == []

    proc, results = ansible(repo, 'landingzone.openstack.replicate', '-e', only)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # a run limited to some workspaces writes beside the platform's report, never over it (issue 24)
    report = json.loads(read(os.path.join(repo, 'reports', '%s.%s.json' % (platform, ws))))
    assert report['summary']['changed'] == 1 and report['summary']['failed'] == 0, report['summary']
    print('onboarding replicate requests: %s' % report['requests'])
    project = keystone.project(ws, 'web')
    assert project is not None and project.name == '%s-web' % ws
    groups = sorted(g['name'] for g in keystone.managed_groups(ws))
    assert groups == sorted('%s-web-%s' % (ws, role) for role in ('admin', 'reader', 'user'))
    assert keystone.members(keystone.group_named('%s-web-admin' % ws)) == [owner]
    assert keystone.project(base, 'app') is None  # not a changed workspace
    # the quota the plan showed is the project's now
    cloud = quota_cloud(keystone.conn)
    pid = cloud.project_id(platform, ws, 'web')
    assert (cloud.compute(pid)['cores'], cloud.network(pid)['router'], cloud.volume(pid)['gigabytes']) == (
        NEW_QUOTA['compute.cores'], NEW_QUOTA['network.router'], NEW_QUOTA['volume.gigabytes'])
    assert not [r for r in report['tenants'][0]['remarks'] if r.get('severity') != 'info'], report['tenants'][0]

    proc, results = ansible(repo, 'landingzone.openstack.replicate', '-e', only)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # a run limited to some workspaces writes beside the platform's report, never over it (issue 24)
    report = json.loads(read(os.path.join(repo, 'reports', '%s.%s.json' % (platform, ws))))
    assert report['summary']['changed'] == 0 and report['summary']['ok'] == 1, report['summary']
    print('no-op replicate requests: %s' % report['requests'])
    # the plugin's cache_dir: one private file holding both workspace files (written minutes ago)
    cache = os.path.join(repo, 'cache')
    cached = os.listdir(cache)
    assert len(cached) == 1 and stat.S_IMODE(os.stat(cache).st_mode) == 0o700, cached
    assert stat.S_IMODE(os.stat(os.path.join(cache, cached[0])).st_mode) == 0o600
    entries = json.loads(read(os.path.join(cache, cached[0])))['files']
    assert sorted(entries) == sorted('workspaces/%s.yml' % w for w in (base, ws)), sorted(entries)
    assert entries['workspaces/%s.yml' % ws]['data']['projects'][0]['bindings'] == [{'euid': owner, 'role': 'admin'}]

    # a bad file: validation names the file and the path inside it; replicate sends nothing
    write(repo, 'inventory/workspaces/%s.yml' % ws, {'identifier': ws, 'projects': [
        {'identifier': 'web', 'bindings': [{'euid': owner, 'role': 'owner'}]}]})
    proc, results = ansible(repo, 'landingzone.openstack.validate')
    assert proc.returncode != 0
    failed = results['Validate landing zones and workspaces of every platform']
    assert failed['requests'] == {'total': 0}
    assert failed['errors'] == [{'path': 'workspaces/%s.yml: projects[0].bindings[0].role' % ws,
                                 'message': "'owner' is not one of reader, user, admin"}]
    assert 'workspaces/%s.yml: projects[0].bindings[0].role' % ws in proc.stdout

    proc, results = ansible(repo, 'landingzone.openstack.replicate', '-e', only)
    assert proc.returncode != 0
    report = json.loads(read(os.path.join(repo, 'reports', '%s.%s.failed.json' % (platform, ws))))
    assert not os.path.exists(os.path.join(repo, 'reports', '%s.json' % platform))   # no full run happened
    assert sum(report['requests'].values()) == 0, report['requests']
    assert [e['path'] for e in report['errors']] == ['workspaces/%s.yml: projects[0].bindings[0].role' % ws]
    assert keystone.members(keystone.group_named('%s-web-admin' % ws)) == [owner]
