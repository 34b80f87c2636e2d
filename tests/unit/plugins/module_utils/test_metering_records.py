# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The metering record table: every kind from a sample API body (as the services answer)."""

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import records

P = 'a1b2c3d4e5f6'

# Trimmed from real answers of the local cloud (Nova 2.47, Cinder 3, Neutron, Octavia, Glance 2).
SERVER = {
    'id': 's-1', 'name': 'web', 'status': 'ACTIVE', 'tenant_id': P, 'created': '2026-11-01T10:00:00Z',
    'updated': '2026-11-01T10:01:00Z', 'OS-EXT-STS:vm_state': 'active',
    'OS-SRV-USG:launched_at': '2026-11-01T10:00:30.000000', 'OS-SRV-USG:terminated_at': None,
    'flavor': {'original_name': 'm1.small', 'vcpus': 1, 'ram': 2048, 'disk': 20, 'ephemeral': 0, 'swap': 0,
               'extra_specs': {}},
}
DELETED_SERVER = dict(SERVER, id='s-2', status='DELETED',
                      **{'OS-EXT-STS:vm_state': 'deleted', 'OS-SRV-USG:terminated_at': '2026-11-01T10:20:00.000000'})
VOLUME = {'id': 'v-1', 'name': 'data', 'size': 10, 'volume_type': 'ssd', 'status': 'in-use',
          'availability_zone': 'nova', 'bootable': 'false', 'attachments': [{'server_id': 's-1'}],
          'os-vol-tenant-attr:tenant_id': P, 'created_at': '2026-11-01T09:00:00.123456'}
SNAPSHOT = {'id': 'sn-1', 'name': 'nightly', 'size': 10, 'status': 'available', 'volume_id': 'v-1',
            'os-extended-snapshot-attributes:project_id': P, 'created_at': '2026-11-01T11:00:00.000000'}
FLOATING_IP = {'id': 'f-1', 'floating_ip_address': '172.24.4.10', 'port_id': 'port-1', 'status': 'ACTIVE',
               'floating_network_id': 'net-pub', 'router_id': 'r-1', 'project_id': P, 'tenant_id': P,
               'created_at': '2026-11-01T09:30:00Z'}
ROUTER = {'id': 'r-1', 'name': 'edge', 'status': 'ACTIVE', 'admin_state_up': True, 'project_id': P,
          'external_gateway_info': {'network_id': 'net-pub', 'enable_snat': True},
          'created_at': '2026-11-01T09:10:00Z'}
LOAD_BALANCER = {'id': 'lb-1', 'name': 'front', 'flavor_id': '', 'provider': 'amphora',
                 'provisioning_status': 'ACTIVE', 'operating_status': 'ONLINE', 'project_id': P,
                 'listeners': [{'id': 'l1'}, {'id': 'l2'}], 'pools': [{'id': 'p1'}],
                 'created_at': '2026-11-01T09:40:00'}
IMAGE = {'id': 'i-1', 'name': 'cirros', 'size': 3 * 1024 ** 3 // 2, 'status': 'active', 'visibility': 'private',
         'owner': P, 'disk_format': 'qcow2', 'created_at': '2026-11-01T08:00:00Z'}

CASES = [
    ('servers', SERVER, dict(name='web', flavor='m1.small', vcpus=1, ram_mib=2048, disk_gib=20, ephemeral_gib=0,
                             swap_mib=0, status='ACTIVE', vm_state='active',
                             launched_at='2026-11-01T10:00:30.000000Z'),
     '2026-11-01T10:00:00.000000Z', None),
    ('servers', DELETED_SERVER, dict(name='web', flavor='m1.small', vcpus=1, ram_mib=2048, disk_gib=20,
                                     ephemeral_gib=0, swap_mib=0, status='DELETED', vm_state='deleted',
                                     launched_at='2026-11-01T10:00:30.000000Z',
                                     terminated_at='2026-11-01T10:20:00.000000Z'),
     '2026-11-01T10:00:00.000000Z', '2026-11-01T10:20:00.000000Z'),
    ('volumes', VOLUME, dict(name='data', size_gib=10, volume_type='ssd', status='in-use', availability_zone='nova',
                             bootable=False, attached=True),
     '2026-11-01T09:00:00.123456Z', None),
    ('snapshots', SNAPSHOT, dict(name='nightly', size_gib=10, status='available', volume_id='v-1'),
     '2026-11-01T11:00:00.000000Z', None),
    ('floating_ips', FLOATING_IP, dict(address='172.24.4.10', attached=True, status='ACTIVE', network_id='net-pub',
                                       router_id='r-1'),
     '2026-11-01T09:30:00.000000Z', None),
    ('routers', ROUTER, dict(name='edge', external_gateway=True, external_network_id='net-pub', status='ACTIVE',
                             admin_state_up=True),
     '2026-11-01T09:10:00.000000Z', None),
    ('load_balancers', LOAD_BALANCER, dict(name='front', flavor_id=None, provider='amphora',
                                           provisioning_status='ACTIVE', operating_status='ONLINE', listeners=2,
                                           pools=1),
     '2026-11-01T09:40:00.000000Z', None),
    ('images', IMAGE, dict(name='cirros', size_bytes=3 * 1024 ** 3 // 2, size_gib=1.5, status='active',
                           visibility='private', owner=P, disk_format='qcow2'),
     '2026-11-01T08:00:00.000000Z', None),
]


def test_one_table_entry_per_ledger_kind():
    table = dict((k.name, k) for k in _kinds.kinds() if k.metered)
    assert tuple(table) == store.KINDS
    for kind, spec in table.items():
        assert all((spec.proxy, spec.service, spec.listing.path, spec.listing.key, spec.project, spec.created,
                    spec.fields)), kind
        assert isinstance(spec.listing.query, dict), kind
    assert table['servers'].microversion == _kinds.NOVA_MICROVERSION
    assert table['servers'].listing.query == {'all_tenants': 1}
    assert table['images'].listing.query == {'visibility': 'all', 'member_status': 'all'}


@pytest.mark.parametrize('kind,item,attributes,created,deleted', CASES,
                         ids=['%s-%s' % (c[0], c[1]['id']) for c in CASES])
def test_record_of_every_kind(kind, item, attributes, created, deleted):
    obs, life = records.record(kind, item)
    assert obs == dict(kind=kind, resource_id=item['id'], project_id=P, attributes=attributes)
    assert life == dict(kind=kind, resource_id=item['id'], project_id=P, created_at=created, deleted_at=deleted)


def test_server_variants():
    # a DELETED server without terminated_at ended at its last update
    obs, life = records.record('servers', dict(DELETED_SERVER, **{'OS-SRV-USG:terminated_at': None}))
    assert obs['attributes']['terminated_at'] == life['deleted_at'] == '2026-11-01T10:01:00.000000Z'
    # an older microversion: flavor id only; project_id when tenant_id is missing; swap '' -> 0
    item = dict(SERVER, flavor={'id': 'f-42', 'swap': ''}, project_id='p2')
    del item['tenant_id']
    obs, dummy = records.record('servers', item)
    assert (obs['attributes']['flavor'], obs['attributes']['vcpus'], obs['attributes']['swap_mib'],
            obs['project_id']) == ('f-42', None, 0, 'p2')


def test_missing_fields_are_none_not_errors():
    for kind in store.KINDS:
        obs, life = records.record(kind, {'id': 'x'})
        assert obs['project_id'] is None and life['created_at'] is None and life['deleted_at'] is None
        assert 'terminated_at' not in obs['attributes']
    obs, dummy = records.record('volumes', dict(VOLUME, bootable='true', attachments=[]))
    assert (obs['attributes']['bootable'], obs['attributes']['attached']) == (True, False)
    obs, dummy = records.record('routers', dict(ROUTER, external_gateway_info=None))
    assert (obs['attributes']['external_gateway'], obs['attributes']['external_network_id']) == (False, None)
    obs, dummy = records.record('floating_ips', dict(FLOATING_IP, port_id=None, project_id=None))
    assert obs['attributes']['attached'] is False and obs['project_id'] == P  # tenant_id as fallback


def test_project_records():
    managed = records.project_record({'id': 'p1', 'name': 'acme-web', 'domain_id': 'default', 'enabled': True,
                                      'tags': ['lz-managed', 'lz-ws=acme', 'lz-proj=web', 'lz-zone=default']})
    assert (managed['workspace'], managed['project'], managed['landing_zone'], managed['managed']) == \
        ('acme', 'web', 'default', True)
    other = records.project_record({'id': 'p2', 'name': 'legacy', 'tags': ['cost-centre=42']})
    assert (other['workspace'], other['project'], other['landing_zone'], other['managed']) == \
        (store.UNMANAGED, 'legacy', None, False)
    # the marker without a workspace tag is not attributable: unmanaged, but marked as managed
    odd = records.project_record({'id': 'p3', 'name': 'half', 'tags': ['lz-managed']})
    assert (odd['workspace'], odd['managed']) == (store.UNMANAGED, True)
    assert records.unknown_project('p9') == dict(project_id='p9', name=None, domain_id=None, enabled=None, tags=[],
                                                 managed=False, workspace=store.UNMANAGED, project=None,
                                                 landing_zone=None)
