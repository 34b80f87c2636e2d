# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registered limits as a platform setting: validation, planning, check mode, writing, the report."""

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._issues import InventoryError
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.plan import diff, plan
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.read import Current, read_unified_limits
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.registered import (
    apply_registered,
    assume_written,
    plan_registered,
    registered_limit_problems,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.runner import quota_tenants
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.report import human_summary, merge

from helpers.quota_fakes import FakeKeystone, reg, tq

UL = {'compute': 'unified_limits', 'image': 'unified_limits'}
ALL = {'compute', 'image', 'volume', 'network', 'load_balancer'}
REGIONS = {'compute': 'RegionOne', 'image': 'RegionOne'}


def limits(registered=None):
    if registered is None:
        registered = [reg('nova-id', 'class:VCPU', 20), reg('nova-id', 'servers', 10)]
    return read_unified_limits(FakeKeystone(registered, []), [], 'RegionOne')


def test_only_compute_and_image_keys_with_valid_values_before_any_request():
    problems = registered_limit_problems({'compute.cores': 20, 'volume.gigabytes': 100, 'compute.core': 1,
                                          'image.size_total': -2, 'image.count_total': True})
    by_path = dict((p.path, p.message) for p in problems)
    assert sorted(by_path) == ['registered_limits.compute.core', 'registered_limits.image.count_total',
                               'registered_limits.image.size_total', 'registered_limits.volume.gigabytes']
    assert 'only for the compute.* and image.* keys' in by_path['registered_limits.volume.gigabytes']
    assert registered_limit_problems({'compute.cores': -1, 'image.size_total': 0}) == []
    assert registered_limit_problems(None) == []
    assert [p.path for p in registered_limit_problems(['compute.cores'])] == ['registered_limits']
    with pytest.raises(InventoryError) as err:
        quota_tenants({'landing_zones': {}, 'workspaces': []}, 'p1', registered_limits={'network.port': 5})
    assert [e.path for e in err.value.errors] == ['registered_limits.network.port']


def test_plan_creates_missing_sets_different_leaves_equal_and_undeclared_alone():
    ul = limits()
    res, writes = plan_registered({'compute.cores': 20, 'compute.instances': 12, 'compute.ram': 51200,
                                   'image.size_total': 1000}, UL, ul, ALL, ALL, {}, REGIONS)
    assert [(w.key, w.limit_id, w.value) for w in writes] == [
        ('compute.instances', 'r-servers', 12), ('compute.ram', None, 51200), ('image.size_total', None, 1000)]
    created = dict((w.key, w.body) for w in writes if w.limit_id is None)
    assert created['compute.ram'] == {'service_id': 'nova-id', 'resource_name': 'class:MEMORY_MB',
                                      'default_limit': 51200, 'region_id': 'RegionOne'}
    assert created['image.size_total']['service_id'] == 'glance-id'
    assert res.drift == {'compute.instances': {'old': 10, 'new': 12}, 'compute.ram': {'old': None, 'new': 51200},
                         'image.size_total': {'old': None, 'new': 1000}}
    assert res.status == 'changed' and res.remarks == []
    assert writes[1].summary == 'create Keystone registered limit compute.ram (class:MEMORY_MB) = 51200'
    assert diff([], res) == {'before': {'registered_limits': {'compute.instances': 10, 'compute.ram': None,
                                                              'image.size_total': None}},
                             'after': {'registered_limits': {'compute.instances': 12, 'compute.ram': 51200,
                                                             'image.size_total': 1000}}}
    # nothing declared, or all equal: no write, status ok
    assert plan_registered({}, UL, ul, ALL, ALL, {}, REGIONS)[1] == []
    same, none = plan_registered({'compute.cores': 20}, UL, ul, ALL, ALL, {}, REGIONS)
    assert none == [] and same.status == 'ok'


def test_legacy_backend_unknown_service_and_services_option_are_said_or_left_alone():
    ul = limits([])
    backends = {'compute': 'legacy', 'image': 'unified_limits'}
    res, writes = plan_registered({'compute.cores': 20, 'image.size_total': 5}, backends, ul, ALL, ALL, {}, REGIONS)
    assert [w.key for w in writes] == ['image.size_total']
    remark = res.remarks[0]
    assert remark['code'] == 'registered_limits_not_written' and remark['keys'] == ['compute.cores']
    assert 'auto, and Keystone registers no compute limit yet' in remark['message']
    forced, dummy = plan_registered({'compute.cores': 20}, backends, ul, ALL, ALL, {'compute': 'legacy'}, REGIONS)
    assert 'quota_backend compute: legacy' in forced.remarks[0]['message']
    # a run with services: [volume] leaves them alone; a catalog without Glance is a remark
    assert plan_registered({'compute.cores': 20}, UL, ul, ALL, {'volume'}, {}, REGIONS)[0].remarks == []
    missing, dummy = plan_registered({'image.size_total': 5}, UL, ul, ALL - {'image'}, ALL, {}, REGIONS)
    assert missing.remarks[0]['code'] == 'service_missing'


def test_unreadable_limits_and_two_compute_services_fail_the_setting():
    res, writes = plan_registered({'compute.cores': 20}, UL, None, ALL, ALL, {}, REGIONS,
                                  read_errors={('compute', None): 'reading Keystone limits failed: 503'})
    assert writes == [] and res.status == 'failed' and '503' in res.remarks[0]['message']
    ul = limits()
    ul.service_ids['compute'] = {'nova-id', 'nova-2'}
    res, writes = plan_registered({'compute.cores': 30}, UL, ul, ALL, ALL, {}, REGIONS)
    assert writes == [] and res.remarks[0]['code'] == 'service_ambiguous' and 'nova-2' in res.remarks[0]['message']


def test_check_mode_plans_project_limits_against_the_planned_defaults():
    ul = limits()
    dummy, writes = plan_registered({'compute.cores': 8, 'compute.ram': 4096}, UL, ul, ALL, ALL, {}, REGIONS)
    assume_written(ul, writes)
    cur = {'compute': ul.current('compute', ['p1'])}
    # cores 8 is now the default and ram has a registered limit: neither remark nor write for them
    results, project_writes = plan([tq({'compute.cores': 8, 'compute.ram': 2048})], {'shop/web': 'p1'}, cur, ALL,
                                   backends=UL)
    # (the ram decrease is said to be applied without usage: no usage was given to the plan)
    assert [r['code'] for r in results[0].remarks] == ['usage_not_checked']
    assert [w.values for w in project_writes] == [{'ram': 2048}]
    assert cur['compute']['p1']['cores'] == Current(8)


def test_apply_creates_in_one_request_patches_the_rest_and_follows_what_keystone_took():
    rest = FakeKeystone([reg('nova-id', 'servers', 10)], [])
    ul = read_unified_limits(rest, [], 'RegionOne')
    res, writes = plan_registered({'compute.cores': 8, 'compute.ram': 4096, 'compute.instances': 4}, UL, ul, ALL,
                                  ALL, {}, REGIONS)
    rest.calls = []
    apply_registered(rest, writes, res, ul)
    assert [(c[0], c[1]) for c in rest.calls] == [('POST', '/registered_limits'),
                                                  ('PATCH', '/registered_limits/r-servers')]
    assert [b['resource_name'] for b in rest.calls[0][2]['registered_limits']] == ['class:VCPU', 'class:MEMORY_MB']
    assert rest.calls[1][2] == {'registered_limit': {'default_limit': 4}}
    assert sorted(res.fixed) == ['compute.cores', 'compute.instances', 'compute.ram']
    assert ul.registered['compute']['instances']['default_limit'] == 4 and 'cores' in ul.registered['compute']


def test_failed_create_fails_the_setting_and_leaves_the_project_keys_without_registered_limit():
    rest = FakeKeystone([], [], fail_post=True)
    ul = read_unified_limits(rest, [], 'RegionOne')
    res, writes = plan_registered({'compute.cores': 8}, UL, ul, ALL, ALL, {}, REGIONS)
    apply_registered(rest, writes, res, ul)
    assert res.status == 'failed' and res.fixed == [] and 'Duplicate entry' in res.remarks[0]['message']
    results, project_writes = plan([tq({'compute.cores': 4})], {'shop/web': 'p1'},
                                   {'compute': ul.current('compute', ['p1'])}, ALL, backends=UL)
    assert project_writes == [] and results[0].remarks[0]['code'] == 'no_registered_limit'


def test_report_lists_the_setting_and_a_failed_one_fails_the_platform():
    quota = {'tenants': [], 'registered_limits': {'setting': 'registered_limits', 'status': 'failed',
                                                  'changes': ['compute.cores: 10 -> 8'], 'remarks': [
                                                      {'code': 'api_error', 'severity': 'error',
                                                       'message': 'setting registered limit compute.cores failed'}]}}
    report = merge([('validation', {'tenants': []}), ('quotas', quota)])
    assert report['summary']['failed_settings'] == ['registered_limits']
    assert report['settings'][0]['step'] == 'quotas'
    assert 'registered_limits failed: api_error: setting registered limit' in report['failure']
    lines = human_summary('p1', report)
    assert any('registered_limits [error] api_error' in line for line in lines)
    # declared and equal: nothing in the report, nothing failed
    quiet = merge([('validation', {'tenants': []}), ('quotas', {'tenants': [], 'registered_limits': {
        'setting': 'registered_limits', 'status': 'ok', 'changes': [], 'remarks': []}})])
    assert quiet['settings'] == [] and quiet['failure'] is None


def test_a_registered_limit_project_limits_refer_to_is_said_and_left():
    stranger = {'id': 'l1', 'project_id': 'stranger', 'service_id': 'nova-id', 'region_id': 'RegionOne',
                'resource_name': 'class:VCPU', 'resource_limit': 7}
    ul = read_unified_limits(FakeKeystone([reg('nova-id', 'class:VCPU', 20), reg('nova-id', 'servers', 10)],
                                          [stranger]), ['p1'], 'RegionOne')
    assert ul.referenced == {'compute': {'cores': 1}}     # counted for any project, kept only for owned ones
    assert 'stranger' not in ul.project.get('compute', {})
    res, writes = plan_registered({'compute.cores': 25, 'compute.instances': 12}, UL, ul, ALL, ALL, {}, REGIONS)
    assert [w.key for w in writes] == ['compute.instances']
    assert res.drift['compute.cores'] == {'old': 20, 'new': 25, 'skipped': 'registered_limit_in_use'}
    assert res.changes == ['compute.instances: 10 -> 12']
    remark = res.remarks[0]
    assert remark['code'] == 'registered_limit_in_use' and remark['keys'] == ['compute.cores']
    assert '(1 here)' in remark['message'] and res.status == 'changed'
    assert diff([], res)['after'] == {'registered_limits': {'compute.instances': 12}}


def test_project_limits_not_read_fail_the_setting_they_may_refer_to():
    res, writes = plan_registered({'compute.cores': 25}, UL, limits(), ALL, ALL, {}, REGIONS,
                                  read_errors={('compute', None): 'reading Keystone project limits failed: 503'})
    assert writes == [] and res.status == 'failed' and res.remarks[0]['code'] == 'read_failed'
