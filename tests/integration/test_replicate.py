# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""replicate.yml against the local cloud's real Keystone: what fails before any request, a platform that
cannot connect beside one that can, and secrets. The lifecycle itself is one scenario:
test_replicate_lifecycle.py.

Each test uses its own platform name, so ownership (the `lz-platform=` tag) keeps the tests'
projects apart from each other's and from the demo's; everything is listed back from Keystone with
the replicator account after the run.
"""

import json
import os

from helpers.keystone import PLAYBOOK, ZONES, replicate, report, workspace
from helpers.playbook import run_playbook

FAIL_TASK = 'Fail the platform visibly when a step or a tenant failed'
STATS_TASK = 'Publish the summary as job artifacts (AWX)'


def test_bad_inventory_fails_with_path_and_no_request(keystone, platform, unique):
    ws = 'b%s' % unique
    inventory = [workspace(ws, [{'identifier': 'web', 'name': 'Web',
                                 'bindings': [{'euid': 'x', 'role': 'superuser'}]},
                                {'identifier': 'api', 'name': 'API', 'quota': {'compute.corez': 4}}])]
    run = replicate(platform, inventory)
    assert run.rc != 0
    validation = run['Validate the inventory before any API call']
    assert validation['failed'] is True
    paths = [e['path'] for e in validation['errors']]
    assert 'workspaces[0].projects[0].bindings[0].role' in paths
    # quota keys are part of the inventory: a typo stops the run before the tenants are written
    assert any(p.startswith('workspaces[0].projects[1].quota') for p in paths), paths
    assert 'Replicate tenants' not in run.results  # nothing ran after validation
    assert keystone.projects(ws) == []
    # the module itself refuses too, before connecting: zero requests
    run = run_playbook(tasks=[{'name': 'tenants', 'landingzone.openstack.keystone_tenant': {
        'cloud': 'replicator', 'platform': platform, 'landing_zones': ZONES, 'workspaces': inventory}}],
        host=platform)
    assert run.rc != 0
    assert run['tenants']['requests'] == {'total': 0}
    assert 'workspaces[0].projects[0].bindings[0].role' in run['tenants']['msg']


def test_one_failing_platform_does_not_stop_the_others(keystone, platform, unique, tmp_path):
    """Two platforms in one run: one cannot connect, and every step fails for each of its tenants; the other
    converges; the play fails."""
    ws = 'm%s' % unique
    broken = 'broken%s' % unique
    group_vars = dict(landing_zones=ZONES, lz_report_dir=str(tmp_path / 'reports'),
                      workspaces=[workspace(ws, [{'identifier': 'a', 'name': 'A'}, {'identifier': 'b', 'name': 'B'}])])
    run = run_playbook(playbook=PLAYBOOK, group_vars=group_vars, workdir=str(tmp_path), env={'ANSIBLE_FORKS': '2'},
                       hosts={platform: None, broken: {'lz_cloud': 'no-such-cloud'}})
    assert run.rc != 0, 'the play must fail visibly'
    assert keystone.project(ws, 'a') is not None and keystone.project(ws, 'b') is not None, run.stdout[-3000:]
    assert report(run, platform)['summary']['changed'] == 2
    failed = report(run, broken)
    assert failed['errors'], failed
    assert failed['summary']['failed'] == 2 and failed['summary']['ok'] == 0
    # the later steps skip every tenant without connecting again (issue 24)
    assert failed['summary']['failed_steps'] == ['tenants']
    assert failed['steps']['access']['requests'] == 0 and failed['steps']['quotas']['requests'] == 0
    art = run.host(broken)[STATS_TASK]['ansible_stats']['data']['replication'][broken]
    assert (art['failed'], art['ok']) == (2, 0)
    assert 'cannot connect' in run.host(broken)[FAIL_TASK]['msg']


def test_secrets_never_reach_output_or_results(keystone, platform, unique):
    """auth given inline (no clouds.yaml entry): the password is in no output, even with -vvv."""
    import yaml
    with open(os.environ['OS_CLIENT_CONFIG_FILE']) as handle:
        auth = dict(yaml.safe_load(handle)['clouds']['replicator']['auth'])
    password = auth['password']
    ws = 's%s' % unique
    task = {'name': 'tenants', 'landingzone.openstack.keystone_tenant': {
        'auth': auth, 'auth_type': 'password', 'region_name': 'RegionOne', 'platform': platform,
        'landing_zones': ZONES, 'workspaces': [workspace(ws, [{'identifier': 'web', 'name': 'Web'}])]}}
    run = run_playbook(tasks=[task], host=platform, extra_args=['-vvv'])
    assert run.rc == 0, run.stdout[-3000:]
    assert keystone.project(ws, 'web') is not None
    assert password not in run.stdout and password not in run.stderr
    assert password not in json.dumps(run.results)
    # and a failing authentication does not echo it either
    task['landingzone.openstack.keystone_tenant']['auth'] = dict(auth, password=password + 'x')
    run = run_playbook(tasks=[task], host=platform, extra_args=['-vvv'])
    assert run.rc != 0
    assert password not in run.stdout and password not in run.stderr
    assert password not in json.dumps(run.results)
