# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keystone unified limits for Nova and Glance: key mapping, reading, detection, planning, writing."""


from ansible_collections.landingzone.openstack.plugins.module_utils._quota import apply as apply_mod
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.apply import apply, limit_requests
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.quota_keys import field_of_resource, key_problems, split_key
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.plan import (
    Result,
    Write,
    check_read_back,
    choose_backends,
    plan,
    read_back_sample,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.read import Current, read_unified_limits

from helpers.quota_fakes import FakeKeystone, reg, tq

UL = {'compute': 'unified_limits', 'image': 'unified_limits'}
ALL = {'compute', 'image', 'volume', 'network', 'load_balancer'}


def test_image_keys_and_resource_names():
    assert split_key('image.size_total') == ('image', 'image_size_total')
    assert split_key('image.count_uploading') == ('image', 'image_count_uploading')
    assert field_of_resource('compute', 'class:VCPU') == 'cores'
    assert field_of_resource('compute', 'servers') == 'instances'
    assert field_of_resource('compute', 'class:DISK_GB') is None   # no key of ours: never read or written
    assert [p.path for p in key_problems({'image.size': 3, 'image.size_total': -2}, 'q')] == \
        ['q.image.size', 'q.image.size_total']


REGISTERED = [reg('nova-id', 'class:VCPU', 20), reg('nova-id', 'servers', 10), reg('nova-id', 'class:DISK_GB', 100),
              reg('glance-id', 'image_size_total', 1000), reg('nova-id', 'class:VCPU', 99, region='Other')]


def test_read_unified_limits_is_three_listings_and_keeps_only_owned_projects():
    limits = [{'id': 'l1', 'project_id': 'p1', 'service_id': 'nova-id', 'region_id': 'RegionOne',
               'resource_name': 'class:VCPU', 'resource_limit': 4},
              {'id': 'l2', 'project_id': 'stranger', 'service_id': 'nova-id', 'region_id': 'RegionOne',
               'resource_name': 'class:VCPU', 'resource_limit': 7}]
    rest = FakeKeystone(REGISTERED, limits)
    pids = ['p%d' % i for i in range(1000)]
    got = read_unified_limits(rest, pids, 'RegionOne')
    assert [c[1] for c in rest.calls] == ['/services', '/registered_limits', '/limits']   # whatever the tenant count
    assert got.has_registered('compute') and got.has_registered('image')
    cur = got.current('compute', ['p1', 'p2'])
    assert cur['p1'] == {'cores': Current(4), 'instances': Current(10)}     # other region's 99 not taken
    assert cur['p2'] == {'cores': Current(20), 'instances': Current(10)}
    assert got.limit_id('compute', 'p1', 'cores') == 'l1' and got.limit_id('compute', 'p2', 'cores') is None
    assert 'stranger' not in got.project.get('compute', {})


def test_choose_backends_detects_from_registered_limits_and_can_be_forced():
    with_nova_only = read_unified_limits(FakeKeystone(REGISTERED[:3], []), [], 'RegionOne')
    assert choose_backends({}, with_nova_only) == {'compute': 'unified_limits', 'image': 'legacy'}
    assert choose_backends({'compute': 'legacy'}, with_nova_only)['compute'] == 'legacy'
    assert choose_backends({'image': 'unified_limits'}, None)['image'] == 'unified_limits'
    assert choose_backends({}, None) == {'compute': 'legacy', 'image': 'legacy'}   # not read: every mode legacy


def ul_current(**services):
    return dict((s, {'p1': dict((f, v if isinstance(v, Current) else Current(v)) for f, v in fields.items())})
                for s, fields in services.items())


def test_plan_under_unified_limits_same_keys_no_force_and_remarks():
    t = tq({'compute.cores': 8, 'compute.instances': 1, 'image.size_total': 50, 'compute.key_pairs': 3},
           below='apply')
    cur = ul_current(compute={'cores': 20, 'instances': Current(10, 2)}, image={'image_size_total': 1000})
    results, writes = plan([t], {'shop/web': 'p1'}, cur, ALL, backends=UL)
    by_service = dict((w.service, w) for w in writes)
    assert by_service['compute'].values == {'cores': 8, 'instances': 1}
    assert by_service['compute'].backend == 'unified_limits' and by_service['compute'].force is False
    assert by_service['image'].values == {'image_size_total': 50}
    codes = sorted(r['code'] for r in results[0].remarks)
    # key_pairs: no registered server_key_pairs; cores and image.size_total: decreases without usage given
    assert codes == ['below_usage_applied', 'no_registered_limit', 'usage_not_checked', 'usage_not_checked']
    unseen = [r for r in results[0].remarks if r['code'] == 'usage_not_checked']
    assert [(r['keys'], r['severity']) for r in unseen] == [(['compute.cores'], 'info'), (['image.size_total'], 'info')]
    assert 'Glance reports usage only to the project itself' in unseen[1]['message']


def test_plan_image_keys_without_unified_limits_are_a_remark():
    t = tq({'image.size_total': 50, 'compute.cores': 8})
    results, writes = plan([t], {'shop/web': 'p1'}, ul_current(compute={'cores': 20}), ALL,
                           backends={'compute': 'legacy', 'image': 'legacy'})
    assert [(w.service, w.backend) for w in writes] == [('compute', 'legacy')]
    remark = [r for r in results[0].remarks if r['code'] != 'usage_not_checked'][0]
    assert remark['code'] == 'no_unified_limits' and remark['keys'] == ['image.size_total']


def limits_of(pids_with_cores_limit):
    limits = [{'id': 'l-%s' % p, 'project_id': p, 'service_id': 'nova-id', 'region_id': 'RegionOne',
               'resource_name': 'class:VCPU', 'resource_limit': 20} for p in pids_with_cores_limit]
    return limits


def test_apply_creates_in_bulk_and_patches_existing(monkeypatch):
    monkeypatch.setattr(apply_mod, 'LIMITS_PER_POST', 3)
    pids = ['p%d' % i for i in range(5)]
    rest = FakeKeystone(REGISTERED, limits_of(['p0']))
    limits = read_unified_limits(rest, pids, 'RegionOne')
    writes = [Write('compute', 'ws/%s' % p, p, {'cores': 4, 'instances': 2}, backend='unified_limits') for p in pids]
    creates, patches = limit_requests(writes, limits)
    assert [(w.project_id, f, lid, v) for w, f, lid, v in patches] == [('p0', 'cores', 'l-p0', 4)]
    assert creates[0][2] == {'project_id': 'p0', 'service_id': 'nova-id', 'resource_name': 'servers',
                             'resource_limit': 2, 'region_id': 'RegionOne'}
    results = [Result('ws/%s' % p, p) for p in pids]
    rest.calls = []
    apply({}, writes, results, max_workers=2, identity=rest, limits=limits)
    posts = [c for c in rest.calls if c[0] == 'POST']
    assert len(posts) == 3 and sum(len(c[2]['limits']) for c in posts) == 9      # 9 new limits, 3 per POST
    assert [c[1] for c in rest.calls if c[0] == 'PATCH'] == ['/limits/l-p0']
    assert all(sorted(r.fixed) == ['compute.cores', 'compute.instances'] for r in results)


def test_apply_failed_bulk_post_fails_its_tenants_only_with_the_reason():
    rest = FakeKeystone(REGISTERED, [], fail_post=True)
    limits = read_unified_limits(rest, ['p1'], 'RegionOne')
    results = [Result('ws/p1', 'p1')]
    apply({}, [Write('compute', 'ws/p1', 'p1', {'cores': 4}, backend='unified_limits')], results,
          identity=rest, limits=limits)
    assert results[0].status == 'failed' and results[0].fixed == []
    assert 'Duplicate entry' in results[0].remarks[0]['message']


def test_read_back_sample_that_did_not_change_fails_every_write_of_that_backend():
    writes = [Write('compute', 'ws/p%d' % i, 'p%d' % i, {'cores': 4, 'instances': 2}) for i in range(3)]
    assert read_back_sample(writes, 'compute') == 'p0' and read_back_sample(writes, 'image') is None
    results = [Result('ws/p%d' % i, 'p%d' % i) for i in range(3)]
    for res in results:
        res.fixed = ['compute.cores', 'compute.instances']
    check_read_back(results, writes, {'compute': {'p0': {'cores': Current(20), 'instances': Current(2)}}})
    # a write to the backend the service does not use took effect nowhere (instances=2 was there before)
    for res in results:
        assert res.status == 'failed' and res.fixed == [], res.as_dict()
        remark = res.remarks[0]
        assert remark['code'] == 'quota_backend_mismatch'
        assert remark['keys'] == ['compute.cores', 'compute.instances']
        assert 'unified_limits' in remark['message'] and 'ws/p0' in remark['message']


def test_read_back_that_shows_the_write_is_ok_and_a_failed_read_back_is_said():
    writes = [Write('compute', 'ws/p%d' % i, 'p%d' % i, {'cores': 4}, backend='unified_limits') for i in range(2)]
    results = [Result('ws/p%d' % i, 'p%d' % i) for i in range(2)]
    for res in results:
        res.fixed = ['compute.cores']
    check_read_back(results, writes, {'compute': {'p0': {'cores': Current(4)}}})
    assert all(r.remarks == [] and r.fixed == ['compute.cores'] for r in results)
    check_read_back(results, writes, {'compute': {'p0': None}})
    assert all([x['code'] for x in r.remarks] == ['read_back_failed'] for r in results)


def test_read_back_under_unified_limits_compares_only_what_nova_shows_of_a_project():
    # Nova shows the registered default of server_groups whatever the project limit: not a mismatch
    writes = [Write('compute', 'ws/p0', 'p0', {'cores': 4, 'server_groups': 3}, backend='unified_limits')]
    results = [Result('ws/p0', 'p0')]
    results[0].fixed = ['compute.cores', 'compute.server_groups']
    assert read_back_sample(writes, 'compute') == 'p0'
    check_read_back(results, writes, {'compute': {'p0': {'cores': Current(4), 'server_groups': Current(10)}}})
    assert results[0].status != 'failed' and results[0].remarks == []
    # only such keys written in the run: nothing to read back, and the row says it is not verified
    writes = [Write('compute', 'ws/p1', 'p1', {'server_group_members': 3}, backend='unified_limits')]
    results = [Result('ws/p1', 'p1')]
    results[0].fixed = ['compute.server_group_members']
    assert read_back_sample(writes, 'compute') is None
    check_read_back(results, writes, {'compute': {}})
    assert [(r['code'], r['severity']) for r in results[0].remarks] == [('not_read_back', 'info')]
    assert results[0].fixed == ['compute.server_group_members']
    # legacy: every key is shown, so every key is compared
    writes = [Write('compute', 'ws/p2', 'p2', {'server_groups': 3})]
    results = [Result('ws/p2', 'p2')]
    results[0].fixed = ['compute.server_groups']
    check_read_back(results, writes, {'compute': {'p2': {'server_groups': Current(10)}}})
    assert [r['code'] for r in results[0].remarks] == ['quota_backend_mismatch']
