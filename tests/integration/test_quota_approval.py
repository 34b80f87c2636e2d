# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Quota requests with approval on the local cloud (docs/quotas.md, "Quota requests with approval"), in a
repository laid out like examples/repository (its ansible.cfg, one file per workspace, the platform's
definitions and approvals in group_vars/all): a project override above the auto-approval threshold
without approval fails validate naming the workspace file and path, and the replicate run stops before
any request; the label passed by CI lets validate pass and names who approved; with the approval
recorded in the inventory the replicate run applies it, says who approved it, and warns about a stale
approval. One converge. From the box (the installed tarball, the example repository as docs/onboarding.md
lays it out): the example's request validates with its approval (test_box.py) and fails without it."""

import json
import os
import shutil
import subprocess
import tempfile
import time

import yaml

from helpers import box as boxlib
from helpers.playbook import BIN, CALLBACKS, REPO_ROOT, ensure_collection_link
from helpers.quota import Cloud as quota_cloud

EXAMPLE = os.path.join(REPO_ROOT, 'examples', 'repository')
CORES = 40           # above the threshold 32, within the maximum 64; not the local cloud's default
VALIDATE = 'Validate landing zones and workspaces of every platform'
ROLE_VALIDATE = 'Validate the inventory before any API call'


def write(repo, path, data):
    full = os.path.join(repo, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, 'w') as handle:
        yaml.safe_dump(data, handle, sort_keys=False)


def ansible(repo, playbook, *args):
    """ansible-playbook run from the repository (its ansible.cfg): (process, results per task name)."""
    results_file = os.path.join(repo, 'results.json')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=ensure_collection_link(), ANSIBLE_CALLBACK_PLUGINS=CALLBACKS,
               ANSIBLE_CALLBACKS_ENABLED='lz_results', LZ_RESULTS_FILE=results_file, ANSIBLE_NOCOLOR='1',
               ANSIBLE_RETRY_FILES_ENABLED='false')
    env.pop('ANSIBLE_CONFIG', None)
    started = time.monotonic()
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'inventory/', playbook] + list(args),
                          cwd=repo, env=env, capture_output=True, text=True, timeout=1800, check=False)
    print('%s %s: %.1f s' % (playbook, ' '.join(args), time.monotonic() - started))
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


def test_a_quota_above_the_threshold_needs_an_approval(keystone, platform, unique):
    started = time.monotonic()
    ws = 'qa%s' % unique[:8]
    path = 'workspaces/%s.yml: projects[0].quota.compute.cores' % ws
    repo = tempfile.mkdtemp(prefix='lz-quota-approval-')
    shutil.copy(os.path.join(EXAMPLE, 'ansible.cfg'), repo)
    write(repo, 'inventory/hosts.yml', {'platforms': {'hosts': {platform: {
        'ansible_connection': 'local', 'ansible_python_interpreter': os.path.join(BIN, 'python'),
        'lz_cloud': 'replicator'}}}})
    write(repo, 'inventory/group_vars/all/landing_zones.yml', {
        'landing_zones': {'default': {'domain_mode': 'default'}}, 'lz_report_dir': os.path.join(repo, 'reports')})
    write(repo, 'inventory/group_vars/all/quota_definitions.yml', {'lz_quota_definitions': {
        'compute.cores': {'min': 1, 'max': 64, 'auto_approve_max': 32}}})
    stale = {'workspace': ws, 'project': 'gone', 'key': 'compute.cores', 'value': 48, 'approved_by': 'lead'}
    write(repo, 'inventory/group_vars/all/quota_approvals.yml', {'lz_quota_approvals': [stale]})
    write(repo, 'inventory/workspaces/%s.yml' % ws, {'identifier': ws, 'projects': [
        {'identifier': 'web', 'quota': {'compute.cores': CORES}}]})
    only = '{"replicate_only_workspaces": ["%s"]}' % ws

    # the pull request without approval: validate fails naming the file, the path and how to approve
    proc, results = ansible(repo, 'landingzone.openstack.validate')
    assert proc.returncode != 0, proc.stdout
    failed = results[VALIDATE]
    assert failed['requests'] == {'total': 0}
    assert [e['path'] for e in failed['errors']] == [path], failed['errors']
    message = failed['errors'][0]['message']
    assert 'compute.cores %d is above the auto-approval threshold 32' % CORES in message, message
    assert 'lz_quota_approvals' in message and '-e lz_quota_approved_by=<name>' in message, message

    # ... and the replicate run stops before any request
    proc, results = ansible(repo, 'landingzone.openstack.replicate', '-e', only)
    assert proc.returncode != 0 and path in proc.stdout, proc.stdout[-3000:]
    report = json.loads(read(os.path.join(repo, 'reports', '%s.%s.failed.json' % (platform, ws))))
    assert sum(report['requests'].values()) == 0, report['requests']
    assert keystone.project(ws, 'web') is None

    # the label passed by CI approves the pull request's run (the Markdown plan's marks: test_quota_approval.py, unit)
    proc, results = ansible(repo, 'landingzone.openstack.validate', '-e', 'lz_quota_approved_by=ci-bot')
    assert proc.returncode == 0, proc.stdout[-3000:]
    (tenant,) = results[VALIDATE]['tenants']
    assert [(r['key'], r['value'], r['approved_by']) for r in tenant['quota_requests']] == [
        ('compute.cores', CORES, 'ci-bot (label passed by CI)')], tenant

    # approved in the inventory (the CODEOWNERS-protected file): the run applies it and says who approved it
    approval = {'workspace': ws, 'project': 'web', 'key': 'compute.cores', 'value': 48, 'approved_by': 'lead',
                'ticket': 'OPS-9'}
    write(repo, 'inventory/group_vars/all/quota_approvals.yml', {'lz_quota_approvals': [stale, approval]})
    proc, results = ansible(repo, 'landingzone.openstack.replicate', '-e', only)
    assert proc.returncode == 0, proc.stdout[-3000:]
    notices = results[ROLE_VALIDATE]['notices']
    assert [n['path'] for n in notices] == ['lz_quota_approvals[0]'] and 'stale approval' in notices[0]['message']
    assert 'stale approval' in proc.stdout + proc.stderr     # a warning of the run, not only a field of the result
    row = results['Replicate quotas']['tenants'][0]
    assert row['drift']['compute.cores']['approval'] == 'approved by lead (ticket OPS-9)', row
    assert [r['approved_by'] for r in row['remarks'] if r['code'] == 'quota_approved'] == ['lead'], row
    pid = keystone.project(ws, 'web').id
    assert quota_cloud(keystone.conn).compute(pid)['cores'] == CORES
    print('quota approval test: %.1f s' % (time.monotonic() - started))


def test_box_the_example_request_without_its_approval_fails_validate(box, tmp_path):
    """The installed collection, configured only as the example repository is: its approved request passes
    (test_box.py validates the repository as it is); without the platform team's approvals file validate
    fails naming the workspace file, the path and the threshold, with no request."""
    repo = boxlib.copy_tree(os.path.join(box.installed, 'examples', 'repository'), str(tmp_path / 'repo'))
    os.unlink(os.path.join(repo, 'inventory', 'group_vars', 'all', 'quota_approvals.yml'))
    run = box.run(['ansible-playbook', '-i', 'inventory/', 'landingzone.openstack.validate'], repo,
                  str(tmp_path / 'home'), OS_CLIENT_CONFIG_FILE=None)
    assert run.rc != 0, run.tail()
    assert ('workspaces/shop.yml: projects[0].quota.compute.cores: compute.cores 16 is above the auto-approval '
            'threshold 12') in run.output, run.tail()
    print('box validate without the approval: %.1f s' % run.seconds)
