# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bench/seed_resources.py, its pure parts: the plan (mix, spread over projects, items), the clone of
a template's rows (ids, project, names, times, fresh values, JSON text), the SQL text, and the
normalization that compares an API-made resource with a seeded one."""

import datetime
import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), 'bench'))
import seed_resources as sr  # noqa: E402

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds  # noqa: E402

TEMPLATE = dict(id='11111111-1111-1111-1111-111111111111', project_id='a' * 32)


def counter_ids(prefix='id'):
    numbers = iter(range(100000))
    return lambda: '%s-%d' % (prefix, next(numbers))


def test_mix_is_50000_of_every_metered_kind():
    assert sum(sr.MIX.values()) == 50000
    assert sorted(sr.MIX) == sorted(_kinds.metered())
    for kind in sr.MIX:
        assert kind in sr.SPECS


@pytest.mark.parametrize('total', [0, 1, 7, 140, 50000, 123457])
def test_scale_mix_sums_to_total(total):
    mix = sr.scale_mix(total)
    assert sum(mix.values()) == total
    assert set(mix) == set(sr.MIX)


@pytest.mark.parametrize('total,projects', [(0, 3), (5, 10), (15000, 2000), (7, 1), (1001, 7)])
def test_spread_sums_and_follows_weights(total, projects):
    weights = sr.project_weights(projects)
    counts = sr.spread(total, weights)
    assert sum(counts) == total and len(counts) == projects
    assert all(c >= 0 for c in counts)
    # in proportion: no bucket is more than one away from its exact share
    whole = sum(weights)
    assert all(abs(c - total * w / whole) < 1 for c, w in zip(counts, weights))


def test_project_weights_are_skewed_and_deterministic():
    weights = sr.project_weights(100)
    assert weights == sr.project_weights(100)
    assert min(weights) == 2 and max(weights) == 10
    assert weights[0] == 10 and weights[10] == 10


def test_plan_items_projects_names_times():
    start = datetime.datetime(2026, 11, 1)
    items = sr.plan_items('volumes', [2, 0, 1], ['p0', 'p1', 'p2'], start, 60, new_id=counter_ids())
    assert [(i.project_id, i.id, i.name) for i in items] == [
        ('p0', 'id-0', 'seed-volumes-0'), ('p0', 'id-1', 'seed-volumes-1'), ('p2', 'id-2', 'seed-volumes-2')]
    assert [i.created_at for i in items] == ['2026-11-01 00:00:00', '2026-11-01 00:01:00', '2026-11-01 00:02:00']


def test_plan_items_snapshots_take_volumes_of_their_project():
    start = datetime.datetime(2026, 11, 1)
    volumes = dict(p0=['v0a', 'v0b'], p1=['v1'])
    items = sr.plan_items('snapshots', [3, 2], ['p0', 'p1'], start, 1, new_id=counter_ids(), volumes=volumes)
    assert [(i.project_id, i.volume_id) for i in items] == [
        ('p0', 'v0a'), ('p0', 'v0b'), ('p0', 'v0a'), ('p1', 'v1'), ('p1', 'v1')]


def fip_template_rows():
    """The rows Neutron wrote for one floating IP (shape read from the local cloud, trimmed)."""
    port = '22222222-2222-2222-2222-222222222222'
    return {
        'neutron.floatingips': [dict(id=TEMPLATE['id'], project_id=TEMPLATE['project_id'], floating_port_id=port,
                                     floating_ip_address='10.64.0.5', standard_attr_id=16, fixed_port_id=None,
                                     floating_network_id='net')],
        'neutron.ports': [dict(id=port, project_id='', device_id=TEMPLATE['id'], mac_address='fa:16:3e:00:00:01',
                               standard_attr_id=13, network_id='net', name='')],
        'neutron.standardattributes': [
            dict(id=13, resource_type='ports', revision_number=1, created_at='2026-12-06 09:29:02',
                 updated_at='2026-12-06 09:29:02', description=None),
            dict(id=16, resource_type='floatingips', revision_number=13, created_at='2026-12-06 09:29:02',
                 updated_at='2026-12-06 09:29:03', description='')],
        'neutron.ipallocations': [dict(port_id=port, ip_address='10.64.0.5', subnet_id='sub', network_id='net')],
        'neutron.ipamallocations': [dict(ip_address='10.64.0.5', status='ALLOCATED', ipam_subnet_id='ipam')],
        'neutron.ml2_port_bindings': [dict(port_id=port, host='', vif_details='{"port_id": "%s"}' % port)],
        'neutron.portsecuritybindings': [dict(port_id=port, port_security_enabled=1)],
    }


class FakeFresh:
    def __init__(self):
        self.attr, self.mac, self.ips = 100, 0, iter(['10.64.0.%d' % n for n in range(10, 250)])

    def __call__(self, how, value, item):
        if how == 'uuid':
            return 'new-%s-%s' % (item.id, value[:4])
        if how == 'standard_attr':
            self.attr += 1
            return self.attr
        if how == 'mac':
            self.mac += 1
            return sr.mac_address(self.mac)
        if how == 'ip':
            return next(self.ips)
        return item.volume_id


def test_source_values_follow_the_rows_read_before():
    rows = fip_template_rows()
    table = sr.SPECS['floating_ips'].tables[2]
    assert table.name == 'neutron.standardattributes'
    assert sr.source_values(table, rows) == [13, 16]


def test_clone_of_a_floating_ip_gets_its_own_ids_everywhere():
    spec = sr.SPECS['floating_ips']
    items = [sr.Item('floating_ips', 'fip-%d' % n, 'proj-%d' % n, 'seed-floating_ips-%d' % n, '2026-11-0%d 10:00:00'
                     % (n + 1)) for n in range(2)]
    out = sr.clone_rows(spec, TEMPLATE, fip_template_rows(), items, FakeFresh())
    assert dict((t, len(r)) for t, r in out.items()) == dict(
        (t, 2 * len(r)) for t, r in fip_template_rows().items())
    fips, ports = out['neutron.floatingips'], out['neutron.ports']
    assert [f['id'] for f in fips] == ['fip-0', 'fip-1']
    assert [f['project_id'] for f in fips] == ['proj-0', 'proj-1']
    assert [p['device_id'] for p in ports] == ['fip-0', 'fip-1']
    assert [p['project_id'] for p in ports] == ['', '']          # a FIP's port has no project: kept
    assert [f['floating_port_id'] for f in fips] == [p['id'] for p in ports]
    assert len(set(p['id'] for p in ports)) == 2
    # the standard attributes: new ids, referenced by the floating IP and by its port
    attrs = out['neutron.standardattributes']
    assert sorted(a['id'] for a in attrs) == [101, 102, 103, 104]
    assert set(f['standard_attr_id'] for f in fips) | set(p['standard_attr_id'] for p in ports) == {101, 102, 103, 104}
    assert [a['revision_number'] for a in attrs] == [1, 13, 1, 13]   # an int outside id columns is not an id
    assert [a['created_at'] for a in attrs] == ['2026-11-01 10:00:00'] * 2 + ['2026-11-02 10:00:00'] * 2
    # addresses: the same new one in the floating IP, its allocation and the IPAM's; MAC addresses new
    assert [f['floating_ip_address'] for f in fips] == ['10.64.0.10', '10.64.0.11']
    assert [a['ip_address'] for a in out['neutron.ipallocations']] == ['10.64.0.10', '10.64.0.11']
    assert [a['ip_address'] for a in out['neutron.ipamallocations']] == ['10.64.0.10', '10.64.0.11']
    assert [p['mac_address'] for p in ports] == ['fa:16:3e:a0:00:01', 'fa:16:3e:a0:00:02']
    # inside JSON text too
    assert [json.loads(b['vif_details'])['port_id'] for b in out['neutron.ml2_port_bindings']] == [
        p['id'] for p in ports]


def test_clone_of_a_server_names_host_and_omitted_ids():
    spec = sr.SPECS['servers']
    rows = {'nova_cell1.instances': [dict(id=7, uuid=TEMPLATE['id'], project_id=TEMPLATE['project_id'],
                                          display_name='seed-template', hostname='seed-template', host='h7',
                                          node='h7', launched_on='h7', vcpus=1, launched_at='2026-12-06 09:00:00',
                                          deleted_at=None, terminated_at=None, deleted=0)],
            'nova_api.request_specs': [dict(id=3, instance_uuid=TEMPLATE['id'], spec=json.dumps(
                {'instance_uuid': TEMPLATE['id'], 'project_id': TEMPLATE['project_id']}))],
            'nova_cell1.block_device_mapping': [dict(id=9, uuid='33333333-3333-3333-3333-333333333333',
                                                     instance_uuid=TEMPLATE['id'])]}
    item = sr.Item('servers', 'srv-1', 'proj-1', 'seed-servers-1', '2026-11-05 00:00:00')
    out = sr.clone_rows(spec, TEMPLATE, rows, [item], FakeFresh())
    inst = out['nova_cell1.instances'][0]
    assert 'id' not in inst                                 # auto-increment: the database's
    assert (inst['uuid'], inst['project_id']) == ('srv-1', 'proj-1')
    assert (inst['display_name'], inst['hostname']) == ('seed-servers-1', 'seed-servers-1')
    assert (inst['host'], inst['node'], inst['launched_on']) == (sr.SEED_HOST,) * 3
    assert inst['launched_at'] == '2026-11-05 00:00:00'
    assert inst['deleted_at'] is None and inst['terminated_at'] is None and inst['deleted'] == 0
    assert json.loads(out['nova_api.request_specs'][0]['spec']) == dict(instance_uuid='srv-1', project_id='proj-1')
    bdm = out['nova_cell1.block_device_mapping'][0]
    assert bdm['uuid'].startswith('new-srv-1') and bdm['instance_uuid'] == 'srv-1'


def test_clone_of_a_snapshot_takes_the_items_volume():
    rows = {'cinder.snapshots': [dict(id=TEMPLATE['id'], project_id=TEMPLATE['project_id'], volume_id='v-tmpl',
                                      display_name='seed-template')]}
    item = sr.Item('snapshots', 'snap-1', 'proj-1', 'seed-snapshots-1', '2026-11-05 00:00:00', volume_id='v-own')
    out = sr.clone_rows(sr.SPECS['snapshots'], TEMPLATE, rows, [item], FakeFresh())
    assert out['cinder.snapshots'] == [dict(id='snap-1', project_id='proj-1', volume_id='v-own',
                                            display_name='seed-snapshots-1')]


def test_clone_of_an_image_keeps_the_owner_column():
    rows = {'images': [dict(id=TEMPLATE['id'], owner=TEMPLATE['project_id'], name='seed-template', size=1048576)],
            'image_locations': [dict(id=14, image_id=TEMPLATE['id'], value='file:///x/%s' % TEMPLATE['id'])]}
    item = sr.Item('images', 'img-1', 'proj-1', 'seed-images-1', '2026-11-05 00:00:00')
    out = sr.clone_rows(sr.SPECS['images'], TEMPLATE, rows, [item], FakeFresh())
    assert out['images'] == [dict(id='img-1', owner='proj-1', name='seed-images-1', size=1048576)]
    assert out['image_locations'] == [dict(image_id='img-1', value='file:///x/img-1')]


def test_free_addresses_skip_gateway_and_used():
    assert sr.free_addresses('10.64.0.0/29', ['10.64.0.3'], 4) == ['10.64.0.2', '10.64.0.4', '10.64.0.5', '10.64.0.6']
    with pytest.raises(ValueError, match='only 5 free'):
        sr.free_addresses('10.64.0.0/29', [], 6)


def test_mac_addresses_are_distinct():
    assert len(set(sr.mac_address(n) for n in range(65536))) == 65536


def test_sql_literals_and_inserts():
    literals = [sr.sql_literal(v) for v in (None, True, 3, 1.5, "it's \\ x")]
    assert literals == ['NULL', '1', '3', '1.5', "'it''s \\\\ x'"]
    rows = [dict(a=1, b='x'), dict(a=2, b=None), dict(a=3, b='z')]
    statements = sr.insert_statements('cinder.volumes', rows, batch=2)
    assert statements == ["INSERT INTO `cinder`.`volumes` (`a`, `b`) VALUES\n(1, 'x'),\n(2, NULL);",
                          "INSERT INTO `cinder`.`volumes` (`a`, `b`) VALUES\n(3, 'z');"]
    assert sr.insert_statements('t', []) == []


def test_normalize_and_differences():
    api = dict(id='i' * 32, tenant_id='p' * 32, name='seed-api', created='2026-12-06T09:00:00Z', status='ACTIVE',
               links=[dict(href='http://x/servers/' + 'i' * 32)], hostId='h1')
    seeded = dict(id='j' * 32, tenant_id='p' * 32, name='seed-servers-3', created='2026-11-01T00:00:00Z',
                  status='ACTIVE', links=[dict(href='http://x/servers/' + 'j' * 32)], hostId='h2')
    norm_api = sr.normalize(api, {api['id']: 'ID', 'p' * 32: 'PROJECT', api['name']: 'NAME'})
    norm_seeded = sr.normalize(seeded, {seeded['id']: 'ID', 'p' * 32: 'PROJECT', seeded['name']: 'NAME'})
    assert norm_api['links'] == [dict(href='http://x/servers/ID')]
    assert norm_api['created'] == 'TIME'
    assert sr.differences(norm_api, norm_seeded) == [('/hostId', 'h1', 'h2')]
    assert sr.differences(dict(a=1), dict(b=1)) == [('/a', 1, '<absent>'), ('/b', '<absent>', 1)]


@pytest.mark.parametrize('total', [50000, 50101, 1000, 7])
def test_change_plan_is_the_fraction(total):
    plan = sr.change_plan(total, 0.01)
    assert sum(plan.values()) == round(total * 0.01)
    assert set(plan) == {'servers_deleted', 'volumes_created', 'floating_ips_deleted', 'routers_created'}
    assert all(v >= 0 for v in plan.values())


def test_change_plan_mix_at_50000():
    assert sr.change_plan(50000) == dict(servers_deleted=200, volumes_created=150, floating_ips_deleted=100,
                                         routers_created=50)


def test_change_projects_keep_three_per_project():
    assert sr.change_projects(sr.change_plan(50000)) == 50
    assert sr.change_projects(dict(volumes_created=0, routers_created=0)) == 1
    assert sr.change_projects(dict(volumes_created=7, routers_created=2)) == 3


def test_next_mac_number_follows_the_highest_not_the_count():
    assert sr.next_mac_number([]) == 0
    # a seeded floating IP deleted (its port's address gone): the next number is still after the highest
    assert sr.next_mac_number([sr.mac_address(0), sr.mac_address(2), sr.mac_address(300)]) == 301


def test_is_seeded_by_name_or_subnet():
    assert sr.is_seeded('servers', dict(name='seed-servers-12'))
    assert not sr.is_seeded('servers', dict(name='seed-template'))
    assert not sr.is_seeded('volumes', dict(name=None))
    assert sr.is_seeded('floating_ips', dict(floating_ip_address='10.64.3.7'))
    assert not sr.is_seeded('floating_ips', dict(floating_ip_address='172.24.4.20'))
