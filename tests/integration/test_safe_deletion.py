# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Safe deletion (docs/replication.md, "Lifecycle of a deleted project"): a project that still holds
resources is never deleted, a protected project refuses hand deletion and renaming, and a
per-workspace domain goes with its last project. Against the local cloud's real services."""

import pytest
from openstack import exceptions as sdk_exc

# test_metering makes the collection importable and holds the metering entry points the tests use
from ansible_collections.landingzone.openstack.plugins.module_utils import _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import collect
from helpers.keystone import recap, replicate, report, workspace

ZONES = {
    'auto': {'domain_mode': 'default', 'delete_projects': True},
    'protected': {'domain_mode': 'default', 'delete_projects': True, 'protect_projects': True},
    'isolated': {'domain_mode': 'per_workspace', 'patterns': {'domain': 'lz-{workspace}'}, 'delete_projects': True},
}
WAIT = 120


def row(run, platform, key):
    return [r for r in report(run, platform)['tenants'] if r['tenant'] == key][0]


def scoped(replicator, project_id):
    admin = replicator.identity.find_role('admin', ignore_missing=False)
    replicator.identity.assign_project_role_to_user(project_id, replicator.current_user_id, admin.id)
    return replicator.connect_as_project({'id': project_id})


def test_a_project_holding_resources_is_kept_until_it_is_empty(keystone, platform, unique, replicator):
    ws = 's%s' % unique
    projects = [{'identifier': 'web', 'name': 'Web', 'landing_zone': 'auto'}]
    assert replicate(platform, [workspace(ws, projects)], zones=ZONES).rc == 0
    proj = keystone.project(ws, 'web')
    conn = scoped(replicator, proj.id)
    vol = conn.block_storage.create_volume(size=1, name='left-%s' % unique)
    public = replicator.network.find_network('public', ignore_missing=False)
    fip = conn.network.create_ip(floating_network_id=public.id)
    try:
        conn.block_storage.wait_for_status(vol, 'available', failures=['error'], interval=0.3, wait=WAIT)
        projects[0]['state'] = 'deleted'
        # check mode shows the deletion held, and writes nothing
        plan = replicate(platform, [workspace(ws, projects)], zones=ZONES, check=True)
        assert plan.rc == 0, plan.stdout[-3000:]
        assert 'delete project %s-web' % ws not in plan['Replicate tenants']['planned']
        assert keystone.project(ws, 'web').is_enabled
        run = replicate(platform, [workspace(ws, projects)], zones=ZONES)
        assert run.rc == 0, run.stdout[-3000:]
        kept = keystone.project(ws, 'web')
        assert kept is not None and not kept.is_enabled
        assert keystone.managed_groups(ws) == []   # access is revoked
        remark = [r for r in row(run, platform, '%s/web' % ws)['remarks'] if r['code'] == 'resources_remaining'][0]
        assert remark['counts']['volumes'] == 1 and remark['counts']['floating_ips'] == 1
        assert vol.id in remark['message'] and fip.floating_ip_address in remark['message']
        # metering still bills what a disabled project holds
        meter, counter = _rest.connect(dict(cloud='metering', api_timeout=30, retries=4))
        metered = collect.collect(meter, platform, ['volumes', 'floating_ips'], None, counter=counter)
        seen = dict((o['resource_id'], o['project_id']) for o in metered['observations'])
        assert seen.get(vol.id) == proj.id and seen.get(fip.id) == proj.id
        record = [p for p in metered['projects'] if p['project_id'] == proj.id][0]
        assert record['workspace'] == ws and record['enabled'] is False
        # emptied: the next run deletes it
        conn.network.delete_ip(fip)
        conn.block_storage.delete_volume(vol)
        conn.block_storage.wait_for_delete(vol, interval=0.5, wait=WAIT)
        run = replicate(platform, [workspace(ws, projects)], zones=ZONES)
        assert run.rc == 0, run.stdout[-3000:]
        assert keystone.project(ws, 'web') is None
        assert 'tenants: delete project %s-web' % ws in row(run, platform, '%s/web' % ws)['changes']
    finally:
        conn.network.delete_ip(fip, ignore_missing=True)
        conn.block_storage.delete_volume(vol, ignore_missing=True)


def test_protected_projects_refuse_hand_changes_and_follow_the_inventory(keystone, platform, unique, replicator):
    ws = 'p%s' % unique
    projects = [{'identifier': 'web', 'name': 'Web', 'landing_zone': 'protected'}]
    assert replicate(platform, [workspace(ws, projects)], zones=ZONES).rc == 0
    proj = keystone.project(ws, 'web')
    assert replicator.identity.get('/projects/%s' % proj.id).json()['project']['options'] == {'immutable': True}
    with pytest.raises(sdk_exc.HttpException):
        replicator.identity.delete_project(proj.id)
    with pytest.raises(sdk_exc.HttpException):
        replicator.identity.update_project(proj.id, name='renamed-%s' % unique)
    assert keystone.project(ws, 'web').name == '%s-web' % ws
    # the inventory still changes it
    projects[0]['name'] = 'Web shop'
    run = replicate(platform, [workspace(ws, projects)], zones=ZONES)
    assert run.rc == 0, run.stdout[-3000:]
    after = replicator.identity.get('/projects/%s' % proj.id).json()['project']
    assert after['description'].startswith('Web shop') and after['options'] == {'immutable': True}
    # a no-op costs no write
    run = replicate(platform, [workspace(ws, projects)], zones=ZONES)
    assert recap(run, platform)['changed'] == 0
    for step in ('Replicate tenants', 'Replicate access'):
        methods = run[step]['requests']['by_method']
        assert set(methods) <= {'GET', 'POST'} and methods.get('POST', 0) <= 1, (step, methods)   # POST: the token
    # lifting the option by hand is drift, set back
    replicator.identity.patch('/projects/%s' % proj.id, json={'project': {'options': {'immutable': False}}})
    run = replicate(platform, [workspace(ws, projects)], zones=ZONES)
    drift = [r['drift'] for r in row(run, platform, '%s/web' % ws)['remarks'] if r['code'] == 'drift_reverted']
    assert drift == [dict(field='protected', old=False, new=True)]
    assert replicator.identity.get('/projects/%s' % proj.id).json()['project']['options'] == {'immutable': True}
    # deletion lifts it
    projects[0]['state'] = 'deleted'
    run = replicate(platform, [workspace(ws, projects)], zones=ZONES)
    assert run.rc == 0, run.stdout[-3000:]
    assert keystone.project(ws, 'web') is None


def _domain(replicator, name):
    found = replicator.identity.get('/domains', params={'name': name}).json()['domains']
    return found[0] if found else None


def test_a_workspace_domain_goes_with_its_last_project_never_with_foreign_ones(keystone, platform, unique, replicator):
    ws, other = 'dd%s' % unique, 'de%s' % unique
    for name in (ws, other):
        projects = [{'identifier': 'a', 'name': 'A', 'landing_zone': 'isolated'},
                    {'identifier': 'b', 'name': 'B', 'landing_zone': 'isolated'}]
        assert replicate(platform, [workspace(name, projects)], zones=ZONES).rc == 0
        dom = _domain(replicator, 'lz-%s' % name)
        assert dom is not None and dom.get('lz_workspace') == name
    foreign = replicator.identity.create_project(name='foreign-%s' % unique, domain_id=_domain(replicator, 'lz-%s' % other)['id'])
    try:
        gone = [{'identifier': 'a', 'name': 'A', 'landing_zone': 'isolated', 'state': 'deleted'},
                {'identifier': 'b', 'name': 'B', 'landing_zone': 'isolated', 'state': 'deleted'}]
        run = replicate(platform, [workspace(ws, gone), workspace(other, [dict(p) for p in gone])], zones=ZONES)
        assert run.rc == 0, run.stdout[-3000:]
        assert _domain(replicator, 'lz-%s' % ws) is None
        assert 'tenants: delete domain lz-%s' % ws in sum((r['changes'] for r in report(run, platform)['tenants']), [])
        kept = _domain(replicator, 'lz-%s' % other)
        assert kept is not None, 'a domain holding a foreign project must never be deleted'
        assert keystone.projects(other) == []
        run = replicate(platform, [workspace(ws, gone), workspace(other, [dict(p) for p in gone])], zones=ZONES)
        assert recap(run, platform)['changed'] == 0
    finally:
        replicator.identity.delete_project(foreign.id, ignore_missing=True)
        for name in (ws, other):
            dom = _domain(replicator, 'lz-%s' % name)
            if dom:
                for proj in replicator.identity.projects(domain_id=dom['id']):
                    replicator.identity.delete_project(proj.id)
                replicator.identity.update_domain(dom['id'], is_enabled=False)
                replicator.identity.delete_domain(dom['id'])
