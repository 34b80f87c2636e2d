# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Partial is not green (issue 24, point 3): a metering account without the system reader role.

A real account made here holds `reader` on the operators' project (the local cloud's read policies
widen reads to exactly that) and not the system-scoped reader role, so it cannot list every
Keystone project. The meter playbook records the run as `partial` and fails the platform with the
exact `openstack role add --system all --user <account> reader` command; with
`meter_fail_on_partial: false` the job goes on and says `partial`; `openstack_metering_check`
names the same command. The account's password never appears in the output.
"""

import os

import pytest

from helpers import cloud
from helpers.playbook import REPO_ROOT, run_playbook

PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'meter.yml')
COLLECT = 'Collect usage samples into the ledger'
PARTIAL = 'Fail the platform when the run is partial (recorded first; meter_fail_on_partial=false goes on)'


@pytest.fixture
def reader_without_system_role(replicator, make_user, unique):
    """(clouds.yaml-style dict, user name, password) of a project reader without the system role."""
    name = 'it-mp-%s' % unique
    password = 'pw-%s-secret' % unique
    user = make_user(name)
    replicator.identity.update_user(user, password=password)
    admin_project = replicator.identity.find_project('admin', ignore_missing=False)
    reader = replicator.identity.find_role('reader', ignore_missing=False)
    replicator.identity.assign_project_role_to_user(admin_project.id, user.id, reader.id)
    base = cloud.connect('metering').config.config
    auth = dict(auth_url=base['auth']['auth_url'], username=name, password=password, user_domain_name='Default',
                project_name='admin', project_domain_name='Default')
    return dict(auth=auth, region_name=base.get('region_name') or 'RegionOne', interface='public',
                identity_api_version='3'), name, password


def _meter(account, tmp_path, **more):
    host_vars = dict(lz_metering_cloud=account, lz_ledger_path=str(tmp_path / 'ledger.sqlite'), **more)
    return run_playbook(playbook=PLAYBOOK, host_vars=host_vars, env={'LZ_LEDGER_DSN': ''})


def test_a_partial_run_fails_the_job_with_the_command_that_fixes_it(reader_without_system_role, tmp_path):
    account, name, password = reader_without_system_role
    command = 'openstack role add --system all --user %s reader' % name
    run = _meter(account, tmp_path)
    assert run.rc != 0, run.stdout[-3000:]
    collected = run[COLLECT]
    assert collected['status'] == 'partial' and collected['written'], collected
    assert command in collected['fixes'], collected['fixes']
    failed = run[PARTIAL]
    assert failed.get('failed') and command in failed['msg'], failed
    assert 'meter_fail_on_partial' in failed['msg']
    # the remark says what is missing, not a bare 401 that reads like a wrong password
    remark = [r for r in collected['remarks'] if r['code'] == 'projects_partial'][0]
    assert 'system' in remark['message'] and command in remark['fix'], remark
    assert password not in run.stdout + run.stderr

    # the switch: the job goes on, the run is recorded and says partial
    goes_on = _meter(account, tmp_path, meter_fail_on_partial=False)
    assert goes_on.rc == 0, goes_on.stdout[-3000:]
    assert goes_on[COLLECT]['status'] == 'partial'
    assert 'partial' in goes_on['Show the summary']['msg'][0]
    assert 'skip_reason' in goes_on[PARTIAL] and not goes_on[PARTIAL].get('failed')
    assert command in goes_on['Say that the partial run was tolerated (meter_fail_on_partial is false)']['msg']

    # the visibility check names the same fix
    check = run_playbook(tasks=[{'name': 'check', 'landingzone.openstack.openstack_metering_check': dict(
        cloud=account, admin_cloud='replicator', kinds=['routers'], write_probes=False, fail_on_problems=False)}])
    assert check.rc == 0, check.stdout[-3000:]
    findings = [f for f in check['check']['findings'] if f['code'] == 'projects_not_listed']
    assert findings and command in findings[0]['message'], check['check']['findings']
    assert password not in check.stdout + check.stderr
