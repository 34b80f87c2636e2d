# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import sys

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._issues import InventoryError
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import validate
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import projects_by_tenant
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.apply import write_request
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.quota_keys import split_key, validate_quotas
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.plan import Write, diff, is_decrease_below_usage, needs_usage, plan
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.read import Current, Reader, parse_flat, parse_neutron_details, parse_quota_set
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.runner import quota_tenants as desired_quotas
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import ApiError
from ansible_collections.landingzone.openstack.plugins.module_utils._results import summary as status_counts
from helpers.quota_fakes import tq


def summary(results):
    return status_counts([r.as_dict() for r in results])


ALL = {'compute', 'volume', 'network', 'load_balancer'}


def inventory(zone=None, project_quota=None, state='present'):
    zone = zone if zone is not None else {
        'quota': {'size': 'small', 'values': {'network.router': 2}},
        'quota_sizes': {'small': {'compute.cores': 8, 'volume.gigabytes': 100},
                        'large': {'compute.cores': 64, 'volume.gigabytes': 1000}}}
    project = {'identifier': 'web', 'state': state}
    if project_quota is not None:
        project['quota'] = project_quota
    return {'landing_zones': {'default': zone},
            'workspaces': [{'identifier': 'shop', 'projects': [project]}]}


# ------------------------------------------------------------------------------- namespace

@pytest.mark.parametrize('key, expected', [
    ('compute.cores', ('compute', 'cores')),
    ('compute.ram', ('compute', 'ram')),
    ('volume.gigabytes', ('volume', 'gigabytes')),
    ('volume.per_volume_gigabytes', ('volume', 'per_volume_gigabytes')),
    ('volume.gigabytes_ssd', ('volume', 'gigabytes_ssd')),
    ('volume.volumes_fast-nvme', ('volume', 'volumes_fast-nvme')),
    ('volume.snapshots___DEFAULT__', ('volume', 'snapshots___DEFAULT__')),
    ('network.floatingip', ('network', 'floatingip')),
    ('load_balancer.load_balancers', ('load_balancer', 'load_balancer')),
    ('load_balancer.health_monitors', ('load_balancer', 'health_monitor')),
    ('compute.gigabytes', None),
    ('volume.gigabytes_', None),
    ('volume.cores', None),
    ('network.routers', None),
    ('dns.zones', None),
    ('cores', None),
])
def test_split_key(key, expected):
    assert split_key(key) == expected


# ------------------------------------------------------------------------------- validation

def test_valid_quotas_have_no_problems():
    inv = inventory(project_quota={'compute.cores': -1, 'volume.gigabytes_ssd': 0})
    assert validate_quotas(inv) == []
    assert validate(inv, ['local']) == []


@pytest.mark.parametrize('mutate, path, fragment', [
    (lambda i: i['landing_zones']['default']['quota']['values'].update({'compute.core': 1}),
     'landing_zones.default.quota.values.compute.core', "unknown quota key 'compute.core'"),
    (lambda i: i['landing_zones']['default']['quota_sizes']['large'].update({'volume.gigabytes': -2}),
     'landing_zones.default.quota_sizes.large.volume.gigabytes', 'negative'),
    (lambda i: i['workspaces'][0]['projects'][0].update(quota={'network.port': '10'}),
     'workspaces[0].projects[0].quota.network.port', 'must be an integer'),
    (lambda i: i['workspaces'][0]['projects'][0].update(quota={'network.port': True}),
     'workspaces[0].projects[0].quota.network.port', 'must be an integer'),
    (lambda i: i['workspaces'][0]['projects'][0].update(quota={'floatingip': 1}),
     'workspaces[0].projects[0].quota.floatingip', 'unknown quota key'),
])
def test_quota_errors_name_their_path(mutate, path, fragment):
    inv = inventory()
    mutate(inv)
    problems = validate_quotas(inv)
    assert [p.path for p in problems] == [path]
    assert fragment in problems[0].message
    with pytest.raises(InventoryError) as err:
        desired_quotas(inv, 'local')
    assert path in str(err.value)


def test_validation_makes_no_request_and_needs_no_sdk(monkeypatch):
    # desired_quotas fails on the inventory alone: openstacksdk is never imported for it.
    monkeypatch.setitem(sys.modules, 'openstack', None)
    inv = inventory(project_quota={'compute.bogus': 1})
    with pytest.raises(InventoryError):
        desired_quotas(inv, 'local')


def test_below_usage_policy_is_a_landing_zone_key():
    inv = inventory(zone={'quota_below_usage': 'apply', 'quota': {'values': {'compute.cores': 4}}})
    assert validate(inv, ['local']) == []
    assert desired_quotas(inv, 'local')[0].quota_below_usage == 'apply'
    inv = inventory(zone={'quota_below_usage': 'force'})
    assert [e.path for e in validate(inv, ['local'])] == ['landing_zones.default.quota_below_usage']
    assert desired_quotas(inventory(), 'local')[0].quota_below_usage == 'remark'


def test_desired_quota_merges_size_values_and_overrides():
    tenants = desired_quotas(inventory(project_quota={'compute.cores': 16}), 'local')
    assert [t.key for t in tenants] == ['shop/web']
    assert tenants[0].quota == {'compute.cores': 16, 'volume.gigabytes': 100, 'network.router': 2}
    assert tenants[0].quota_size == 'small'


def test_deleted_tenants_are_not_managed():
    assert desired_quotas(inventory(state='deleted'), 'local') == []


# ------------------------------------------------------------------------------- reading

def test_parse_quota_set_with_usage():
    got = parse_quota_set({'id': 'p', 'cores': {'limit': 20, 'in_use': 3, 'reserved': 1},
                           'gigabytes_ssd': {'limit': -1, 'in_use': 0, 'reserved': 0, 'allocated': 0}})
    assert got == {'cores': Current(20, 4), 'gigabytes_ssd': Current(-1, 0)}
    assert parse_quota_set({'id': 'p', 'cores': 20}) == {'cores': Current(20)}


def test_parse_flat_and_neutron_details():
    assert parse_flat({'project_id': 'p', 'tenant_id': 'p', 'router': 10, 'load_balancer': None}) == \
        {'router': Current(10), 'load_balancer': Current(None)}
    assert parse_neutron_details({'router': {'limit': 10, 'used': 2, 'reserved': 1}}) == \
        {'router': Current(10, 3)}


def test_projects_by_tenant_by_marker_tags():
    projects = [{'id': 'o', 'tags': ['lz-managed', 'lz-ws=shop', 'lz-proj=web', 'lz-platform=other']},
                {'id': 'a', 'tags': ['lz-managed', 'lz-ws=shop', 'lz-proj=web', 'lz-zone=x', 'lz-platform=local']},
                {'id': 'b', 'tags': ['lz-ws=shop', 'lz-proj=db', 'lz-platform=local']},   # not ours
                {'id': 'c', 'tags': None}]
    tenants = [tq({}, key='shop/web'), tq({}, key='shop/db')]
    assert projects_by_tenant(projects, tenants) == {'shop/web': [projects[1]]}
    assert desired_quotas(inventory(), 'local')[0].platform == 'local'


# ------------------------------------------------------------------------------- planning

def current(**services):
    return dict((s, {'p1': dict((f, v if isinstance(v, Current) else Current(v)) for f, v in fields.items())})
                for s, fields in services.items())


def test_plan_writes_only_differing_keys_one_write_per_service():
    t = tq({'compute.cores': 8, 'compute.ram': 1024, 'network.router': 2, 'volume.gigabytes': 100})
    cur = current(compute={'cores': 20, 'ram': 1024, 'instances': 10}, network={'router': 10, 'port': 50},
                  volume={'gigabytes': 100})
    results, writes = plan([t], {'shop/web': 'p1'}, cur, ALL)
    assert sorted((w.service, w.values) for w in writes) == [('compute', {'cores': 8}), ('network', {'router': 2})]
    res = results[0]
    assert res.status == 'changed'
    assert res.changes == ['compute.cores: 20 -> 8', 'network.router: 10 -> 2']
    assert res.drift == {'compute.cores': {'old': 20, 'new': 8}, 'network.router': {'old': 10, 'new': 2}}
    assert diff(results) == {'before': {'shop/web': {'compute.cores': 20, 'network.router': 10}},
                             'after': {'shop/web': {'compute.cores': 8, 'network.router': 2}}}


def test_plan_no_op_when_equal_and_unset_keys_are_left_alone():
    t = tq({'compute.cores': 8})
    results, writes = plan([t], {'shop/web': 'p1'}, current(compute={'cores': 8, 'ram': 1}), ALL)
    assert writes == [] and results[0].status == 'ok' and results[0].drift == {}
    assert summary(results) == {'ok': 1, 'changed': 0, 'remarks': 0, 'skipped': 0, 'failed': 0}


def test_plan_service_missing_from_catalog_is_a_remark():
    t = tq({'compute.cores': 8, 'load_balancer.load_balancers': 5, 'load_balancer.pools': 5})
    results, writes = plan([t], {'shop/web': 'p1'}, current(compute={'cores': 4}), {'compute'})
    assert [w.service for w in writes] == ['compute']
    remark = [r for r in results[0].remarks if r['code'] == 'service_missing'][0]
    assert remark['keys'] == ['load_balancer.load_balancers', 'load_balancer.pools']
    assert 'load-balancer' in remark['message']


def test_plan_unmanaged_service_is_left_alone_without_remark():
    t = tq({'compute.cores': 8, 'network.router': 1})
    results, writes = plan([t], {'shop/web': 'p1'}, current(compute={'cores': 4}), {'compute'},
                           managed=('compute',))
    assert [w.service for w in writes] == ['compute'] and results[0].remarks == []


def test_plan_volume_type_keys_and_missing_type():
    t = tq({'volume.gigabytes_ssd': 50, 'volume.volumes_ssd': 5, 'volume.gigabytes_nope': 1})
    cur = current(volume={'gigabytes': 100, 'gigabytes_ssd': -1, 'volumes_ssd': 5, 'snapshots_ssd': -1})
    results, writes = plan([t], {'shop/web': 'p1'}, cur, ALL)
    assert [(w.service, w.values) for w in writes] == [('volume', {'gigabytes_ssd': 50})]
    remark = [r for r in results[0].remarks if r['code'] == 'volume_type_missing'][0]
    assert remark['keys'] == ['volume.gigabytes_nope'] and 'nope' in remark['message']


def test_plan_key_the_service_does_not_know_is_a_remark():
    t = tq({'compute.metadata_items': 10})
    results, writes = plan([t], {'shop/web': 'p1'}, current(compute={'cores': 4}), ALL)
    assert writes == [] and results[0].remarks[0]['code'] == 'key_not_supported'


@pytest.mark.parametrize('old, new, used, below', [
    (20, 2, 4, True), (-1, 2, 4, True), (20, 4, 4, False), (20, -1, 40, False), (2, 3, 4, False),
    (20, 2, None, False), (20, 0, 0, False)])
def test_is_decrease_below_usage(old, new, used, below):
    assert is_decrease_below_usage(old, new, used) is below


def test_plan_decrease_below_usage_is_a_remark_by_default():
    t = tq({'compute.instances': 1, 'compute.cores': 10})
    cur = current(compute={'instances': Current(10, 3), 'cores': Current(20, 2)})
    results, writes = plan([t], {'shop/web': 'p1'}, cur, ALL)
    assert [(w.values, w.force) for w in writes] == [({'cores': 10}, False)]
    res = results[0]
    assert res.changes == ['compute.cores: 20 -> 10']
    assert res.drift['compute.instances'] == {'old': 10, 'new': 1, 'used': 3, 'skipped': 'below_usage'}
    assert [r['code'] for r in res.remarks] == ['below_usage']
    assert diff(results)['after'] == {'shop/web': {'compute.cores': 10}}


def test_plan_decrease_below_usage_applied_when_landing_zone_says_so():
    t = tq({'compute.instances': 1}, below='apply')
    cur = current(compute={'instances': Current(10, 3)})
    results, writes = plan([t], {'shop/web': 'p1'}, cur, ALL)
    assert [(w.values, w.force) for w in writes] == [({'instances': 1}, True)]
    assert write_request(writes[0]) == ('/os-quota-sets/p1', {'quota_set': {'instances': 1, 'force': True}})
    assert results[0].remarks[0]['code'] == 'below_usage_applied'
    assert results[0].status == 'changed'


def test_plan_tenant_without_project_is_a_remark():
    results, writes = plan([tq({'compute.cores': 1})], {}, {}, ALL)
    assert writes == [] and results[0].status == 'remarks'
    assert results[0].remarks[0]['code'] == 'no_project'


def test_plan_tenant_without_quota_is_ok_even_without_project():
    results, writes = plan([tq({})], {}, {}, ALL)
    assert writes == [] and results[0].status == 'ok'


def test_plan_failed_read_fails_only_that_tenant():
    t1, t2 = tq({'compute.cores': 1}, key='a/x'), tq({'compute.cores': 1}, key='b/y')
    cur = {'compute': {'p2': {'cores': Current(4)}}}
    results, writes = plan([t1, t2], {'a/x': 'p1', 'b/y': 'p2'}, cur, ALL,
                           read_errors={('compute', 'p1'): 'GET ...: HTTP 403'})
    assert [r.status for r in results] == ['failed', 'changed']
    assert 'HTTP 403' in results[0].remarks[0]['message']
    assert [w.tenant_key for w in writes] == ['b/y']


def test_needs_usage_only_for_decreases_without_known_usage():
    tenants = [tq({'network.router': 1}, key='a/x'), tq({'network.router': 50}, key='b/y'),
               tq({'network.port': -1}, key='c/z')]
    cur = {'network': {'p1': {'router': Current(10)}, 'p2': {'router': Current(10)}, 'p3': {'port': Current(5)}}}
    assert needs_usage(tenants, {'a/x': 'p1', 'b/y': 'p2', 'c/z': 'p3'}, cur, 'network') == ['p1']


@pytest.mark.parametrize('service, path, body', [
    ('compute', '/os-quota-sets/p', {'quota_set': {'cores': 1}}),
    ('volume', '/os-quota-sets/p', {'quota_set': {'cores': 1}}),
    ('network', '/quotas/p', {'quota': {'cores': 1}}),
    ('load_balancer', '/lbaas/quotas/p', {'quota': {'cores': 1}}),
])
def test_write_request(service, path, body):
    assert write_request(Write(service, 'k', 'p', {'cores': 1})) == (path, body)


def test_plan_of_2000_tenants_writes_exactly_the_drifted_ones():
    # Speed is the bench's business (bench/quota.py); here: at scale, nothing converged is written
    # and every drifted tenant gets one write per drifted service, with only the drifted key.
    tenants = [tq({'compute.cores': 8, 'network.router': 2}, key='w%d/p' % i) for i in range(2000)]
    ids = dict((t.key, 'id%d' % i) for i, t in enumerate(tenants))
    cur = {'compute': dict((pid, {'cores': Current(8)}) for pid in ids.values()),
           'network': dict((pid, {'router': Current(2)}) for pid in ids.values())}
    results, writes = plan(tenants, ids, cur, ALL)
    assert writes == [] and summary(results)['ok'] == 2000
    drifted = ['id%d' % i for i in range(0, 2000, 7)]
    for pid in drifted:
        cur['network'][pid] = {'router': Current(5)}
    results, writes = plan(tenants, ids, cur, ALL)
    assert sorted((w.project_id, w.service, w.values) for w in writes) == \
        sorted((pid, 'network', {'router': 2}) for pid in drifted)
    assert summary(results) == dict(ok=2000 - len(drifted), remarks=0, changed=len(drifted), skipped=0, failed=0)


# ------------------------------------------------------------------------------- reader (fake REST)

class FakeRest:
    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def get(self, path, params=None, missing_ok=False):
        self.calls.append(path)
        return self.answers(path)


def test_reader_lists_neutron_once_and_reads_defaults_only_when_needed():
    listing = {'quotas': [{'project_id': 'p1', 'router': 2, 'port': 50}]}
    rest = FakeRest(lambda path: listing if path == '/quotas' else {'quota': {'router': 10, 'port': 500}})
    reader = Reader({'network': rest})
    assert reader.read('network', ['p1'], {'router'}) == {'p1': {'router': Current(2), 'port': Current(50)}}
    assert rest.calls == ['/quotas']
    got = reader.read('network', ['p1', 'p2'], {'router'})
    assert got['p2'] == {'router': Current(10), 'port': Current(500)}
    assert rest.calls[1:] == ['/quotas', '/quotas/p1/default']


def test_reader_fills_octavia_null_limits_from_defaults():
    listing = {'quotas': [{'project_id': 'p1', 'load_balancer': 3, 'listener': None}], 'quotas_links': []}
    rest = FakeRest(lambda path: listing if path == '/lbaas/quotas' else {'quota': {'load_balancer': -1,
                                                                                    'listener': 7}})
    got = Reader({'load_balancer': rest}).read('load_balancer', ['p1'], {'listener'})
    assert got == {'p1': {'load_balancer': Current(3), 'listener': Current(7)}}


def test_reader_nova_one_read_per_project_with_usage():
    rest = FakeRest(lambda path: {'quota_set': {'id': 'x', 'cores': {'limit': 4, 'in_use': 1, 'reserved': 0}}})
    got = Reader({'compute': rest}, max_workers=4).read('compute', ['p%d' % i for i in range(10)])
    assert len(got) == 10 and got['p3'] == {'cores': Current(4, 1)}
    assert sorted(rest.calls) == sorted('/os-quota-sets/p%d/detail' % i for i in range(10))


def test_plan_cinder_below_usage_stays_a_remark_even_with_apply():
    t = tq({'volume.volumes': 1, 'volume.gigabytes': 40}, below='apply')
    cur = current(volume={'volumes': Current(5, 2), 'gigabytes': Current(50, 2)})
    results, writes = plan([t], {'shop/web': 'p1'}, cur, ALL)
    assert [(w.values, w.force) for w in writes] == [({'gigabytes': 40}, False)]
    remark = results[0].remarks[0]
    assert remark['code'] == 'below_usage' and 'refuses' in remark['message']


def test_reader_octavia_failed_page_falls_back_to_per_project_reads():

    class Rest(FakeRest):
        def get(self, path, params=None, missing_ok=False):
            self.calls.append((path, params))
            if params:
                raise ApiError('GET', path, 500, 'Entity namespace for "quotas" has no property "id"')
            if path == '/lbaas/quotas':
                return {'quotas': [{'project_id': 'p1', 'load_balancer': 1}],
                        'quotas_links': [{'rel': 'next', 'href': 'x'}]}
            return {'quota': {'project_id': 'p2', 'load_balancer': 2}}
    rest = Rest(None)
    got = Reader({'load_balancer': rest}).read('load_balancer', ['p1', 'p2'], {'load_balancer'})
    assert got == {'p1': {'load_balancer': Current(1)}, 'p2': {'load_balancer': Current(2)}}
    assert ('/lbaas/quotas/p2', None) in rest.calls


def test_plan_duplicate_managed_projects_fail_without_writes():
    t = tq({'compute.cores': 8})
    results, writes = plan([t], {}, {}, ALL, duplicates={'shop/web': ['p2', 'p1']})
    assert writes == [] and results[0].status == 'failed'
    assert results[0].remarks[0]['code'] == 'duplicate_managed_projects' and 'p1, p2' in results[0].remarks[0]['message']
