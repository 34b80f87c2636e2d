# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The metering visibility check (openstack_metering_check, playbooks/metering_check.yml, the meter
role's meter_verify) against the local cloud.

With the local cloud's own policy overrides the check passes: the reader sees every resource the
admin sees, every probe write is refused, the projects are listed. With Neutron overrides that do
nothing on this release (on 2023.2: the 2026.2 overrides, whose `context_with_global_access`
Neutron 23 does not know; on 2026.2: none at all) the check names the hidden routers and floating
IPs, and a meter run with meter_verify is not `ok` and fails the platform after recording.
"""

import importlib.util
import os
import time
import uuid

import pytest

from helpers import cloud
from helpers.playbook import REPO_ROOT, run_playbook

pytestmark = pytest.mark.release_matrix   # what the release's policies let the reader see

CHECK_TASK = 'Compare the metering reader with the admin account and try writes that must be refused'
WAIT = 60


def _neutron_service():
    """tests/localcloud/services/neutron.py (its policy rules), imported beside the launcher."""
    import sys
    sys.path.insert(0, os.path.join(REPO_ROOT, 'tests', 'localcloud'))
    spec = importlib.util.spec_from_file_location('lz_localcloud_neutron', os.path.join(
        REPO_ROOT, 'tests', 'localcloud', 'services', 'neutron.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _wait(what, check, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError('timeout waiting for %s' % what)
        time.sleep(0.5)


@pytest.fixture(scope='module')
def workload(replicator):
    """Project it-chk-<unique> with a router (gateway on `public`) and a floating IP."""
    unique = uuid.uuid4().hex[:8]
    project = replicator.identity.create_project(name='it-chk-%s' % unique, domain_id='default',
                                                 description='test_metering_check')
    conn = None
    try:
        admin_role = replicator.identity.find_role('admin', ignore_missing=False)
        replicator.identity.assign_project_role_to_user(project.id, replicator.current_user_id, admin_role.id)
        conn = replicator.connect_as_project({'id': project.id})
        public = replicator.network.find_network('public', ignore_missing=False)
        router = conn.network.create_router(name='it-chk-router-%s' % unique,
                                            external_gateway_info={'network_id': public.id})
        fip = conn.network.create_ip(floating_network_id=public.id)
        yield dict(project=project, router=router, fip=fip)
    finally:
        if conn is not None:
            for ip in conn.network.ips(project_id=project.id):
                conn.network.delete_ip(ip.id, ignore_missing=True)
            for router in conn.network.routers(project_id=project.id):
                conn.network.delete_router(router.id, ignore_missing=True)
        replicator.identity.delete_project(project.id, ignore_missing=True)


@pytest.fixture
def wrong_neutron_overrides(replicator, metering, workload):
    """Neutron overrides that do nothing on this release, for the duration of one test."""
    path = os.path.join(cloud.instance()['state'], 'etc', 'neutron', 'policy.yaml')
    with open(path) as handle:
        right = handle.read()
    admin = replicator.identity.find_project('admin', ignore_missing=False).id
    neutron = _neutron_service()
    if cloud.release_at_least('2024.1'):
        wrong = '# test_metering_check: Neutron defaults only\n{}\n'
    else:  # what a 2026.2 setup guide would give: loads without error on Neutron 23 and does nothing
        wrong = neutron.policy_text(neutron.policy_rules(admin), 'test_metering_check: the 2026.2 overrides')
    router_id = workload['router'].id

    def reader_sees_router():
        return any(r.id == router_id for r in metering.network.routers())
    assert reader_sees_router(), 'precondition: the reader sees other projects\' routers with the right policy'
    try:
        with open(path, 'w') as handle:
            handle.write(wrong)
        _wait('Neutron to load the wrong overrides', lambda: not reader_sees_router())
        yield
    finally:
        with open(path, 'w') as handle:
            handle.write(right)
        _wait('Neutron to load the right overrides again', reader_sees_router)


def _check(run):
    result = run[CHECK_TASK]
    return result


def test_check_passes_with_the_right_overrides(workload):
    run = run_playbook(playbook=os.path.join(REPO_ROOT, 'playbooks', 'metering_check.yml'))
    result = _check(run)
    assert run.rc == 0, run.stdout[-3000:]
    assert result['status'] == 'ok', result['findings']
    assert not result['findings']
    for kind in ('servers', 'volumes', 'snapshots', 'floating_ips', 'routers', 'load_balancers', 'images'):
        seen = result['visibility'][kind]
        assert seen['missing'] == 0 and seen['reader'] >= seen['admin'], (kind, seen)
        assert result['admin_counts'][kind] == seen['admin']
    assert result['visibility']['routers']['admin'] >= 1 and result['visibility']['floating_ips']['admin'] >= 1
    outcomes = dict((w['probe'], w['outcome']) for w in result['writes'])
    assert set(outcomes.values()) == {'refused'}, result['writes']
    probes = ' | '.join(outcomes)
    for what in ('create a flavor', 'create a volume', 'create a router', 'create an image', 'create a project',
                 'rename another project\'s router', 'rename another project\'s floating ip'):
        assert what in probes, (what, probes)
    assert result['projects']['missing_count'] == 0 and result['projects']['reader'] >= result['projects']['admin']
    assert not result['changed']


@pytest.mark.exclusive   # Neutron runs with other policy overrides meanwhile
def test_check_names_hidden_routers_and_floating_ips_and_meter_is_not_ok(workload, wrong_neutron_overrides,
                                                                         tmp_path):
    pid = workload['project'].id
    ledger = str(tmp_path / 'ledger.sqlite')
    tasks = [
        {'name': 'check', 'landingzone.openstack.openstack_metering_check': {
            'cloud': 'metering', 'admin_cloud': 'replicator', 'fail_on_problems': False}},
        {'name': 'meter', 'ansible.builtin.include_role': {'name': 'landingzone.openstack.meter'},
         'vars': {'meter_verify': True, 'meter_ledger_path': ledger, 'meter_platform': 'chk'}},
    ]
    run = run_playbook(tasks=tasks)
    check = run['check']
    assert check['status'] == 'failed', check
    for kind, item in (('routers', workload['router']), ('floating_ips', workload['fip'])):
        hidden = [f for f in check['findings'] if f['kind'] == kind and f['code'] == 'hidden_from_reader'
                  and f.get('project_id') == pid]
        assert hidden and item.id in hidden[0]['message'], (kind, check['findings'])
        assert item.id in check['visibility'][kind]['projects'][pid]['missing']
        assert check['visibility'][kind]['missing'] >= 1
    assert 'routers' in check['msg'] and 'floating_ips' in check['msg']
    # every other kind is still fully visible, and the writes stay refused
    for kind in ('servers', 'volumes', 'snapshots', 'load_balancers', 'images'):
        assert check['visibility'][kind]['missing'] == 0, (kind, check['visibility'][kind])
    assert set(w['outcome'] for w in check['writes']) == {'refused'}, check['writes']

    # the meter role with meter_verify: the run is recorded, not ok, and the platform fails after it
    collected = run['Collect usage samples into the ledger']
    assert collected['status'] == 'partial', collected
    fewer = dict((r['kind'], r) for r in collected['remarks'] if r['code'] == 'fewer_than_check')
    assert set(fewer) >= {'routers', 'floating_ips'}, collected['remarks']
    assert all(r['severity'] == 'warning' for r in fewer.values())
    assert 'routers' not in collected['complete_kinds'] and 'floating_ips' not in collected['complete_kinds']
    assert 'servers' in collected['complete_kinds']
    assert run.rc != 0
    failed = run['Fail the platform when the metering check failed (the run above is recorded, with its remarks)']
    assert failed.get('failed') and 'routers' in failed['msg'], failed
