# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 25 point 4: in check mode, a tenant whose project the tenants step would create shows its
quota planned against empty, with no ``no_project`` remark (pure logic; the cloud run is
tests/integration/quota/test_quota_new_project_cloud.py)."""

from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import plan as ks
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.plan import NEW_PROJECT, diff, plan
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.read import Current
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.isolation import new_projects
from helpers.quota_fakes import tq

ALL = {'compute', 'volume', 'network', 'load_balancer'}
QUOTA = {'compute.cores': 20, 'volume.gigabytes': 500, 'network.router': 2}


def test_a_new_project_is_planned_against_empty_without_no_project():
    results, writes = plan([tq(QUOTA)], {}, {}, ALL, new_projects={'shop/web'})
    res = results[0]
    assert writes == [] and res.status == 'changed' and res.remarks == []
    assert res.drift == dict((k, {'old': None, 'new': v}) for k, v in QUOTA.items())
    assert res.changes == ['compute.cores: %s -> 20' % NEW_PROJECT, 'network.router: %s -> 2' % NEW_PROJECT,
                           'volume.gigabytes: %s -> 500' % NEW_PROJECT]
    assert diff(results) == {'before': {'shop/web': dict((k, None) for k in QUOTA)}, 'after': {'shop/web': QUOTA}}


def test_a_tenant_without_project_that_no_step_creates_keeps_no_project():
    results, writes = plan([tq(QUOTA)], {}, {}, ALL, new_projects={'other/web'})
    assert writes == [] and results[0].status == 'remarks'
    assert [r['code'] for r in results[0].remarks] == ['no_project'] and results[0].drift == {}


def test_a_new_project_skips_what_the_platform_cannot_hold_and_what_the_run_does_not_manage():
    results, dummy = plan([tq(QUOTA)], {}, {}, {'compute', 'network'}, managed=('compute', 'volume'),
                          new_projects={'shop/web'})
    res = results[0]
    assert res.drift == {'compute.cores': {'old': None, 'new': 20}}
    assert [r['code'] for r in res.remarks] == ['service_missing'] and res.remarks[0]['keys'] == ['volume.gigabytes']


def test_an_existing_project_is_planned_against_its_quota_even_when_named_new():
    cur = {'compute': {'p1': {'cores': Current(10)}}}
    results, writes = plan([tq({'compute.cores': 20})], {'shop/web': 'p1'}, cur, ALL, new_projects={'shop/web'})
    assert results[0].drift == {'compute.cores': {'old': 10, 'new': 20}}
    assert [w.values for w in writes] == [{'cores': 20}]


def tenants_step(*rows):
    return {'tenants': {'changed': True, 'tenants': list(rows)}}


def test_new_projects_are_the_tenants_steps_rows_that_create_one_and_did_not_fail():
    steps = tenants_step({'tenant': 'a/x', 'status': 'changed', 'new_project': True},
                         {'tenant': 'b/y', 'status': 'ok', 'new_project': False},
                         {'tenant': 'c/z', 'status': 'failed', 'new_project': True},
                         {'tenant': 'd/w', 'status': 'changed'})
    assert new_projects(steps) == {'a/x'}
    assert new_projects({}) == set() and new_projects(None) == set()
    assert new_projects({'tenants': {'skipped': True}}) == set()


def test_the_tenants_row_says_new_project_only_when_it_creates_the_project():
    create = ks.Result('a/x', 'a-x')
    create.plan(ks.Action(ks.PHASE_PROJECT, 'a/x', ks.ActionKind.CREATE_PROJECT, 'a-x'))
    update = ks.Result('b/y', 'b-y')
    update.plan(ks.Action(ks.PHASE_PROJECT, 'b/y', ks.ActionKind.UPDATE_PROJECT, 'b-y', target='p2'))
    assert create.as_dict()['new_project'] is True and update.as_dict()['new_project'] is False
    # a real run whose creation failed: not created
    create.settle(applied=())
    assert create.as_dict()['new_project'] is False
