# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""openstack_quota against the local cloud's real Nova, Cinder, Neutron and Octavia.

Driven like a platform engineer does: ansible-playbook with an inventory (tests/helpers/playbook.py).
Tenants are created first with keystone_tenant; every test has its own platform name (ownership tag
lz-platform=), so tests never see each other's projects. Quotas are read back
with openstacksdk (replicator account) after each run.
"""

import copy

import pytest
import yaml

from helpers.quota import as_tenant, play, workspaces, zones

pytestmark = pytest.mark.release_matrix   # each service's quota API of the release


def test_sets_then_noop_then_reverts_drift(platform, ws, cloud, cleanup):
    cleanup.append(platform)
    assert cloud.has('network'), 'the local cloud runs Neutron'
    values = {'network.router': 3, 'network.floatingip': 2}
    lz, wss = zones('small', values), workspaces(ws, overrides={'b': {'compute.cores': 6}})
    run = play(platform, lz, wss, tenants=True)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    first = run['quota']
    assert first['changed'] is True
    assert first['summary']['changed'] == 2, first
    a, b = cloud.project_id(platform, ws, 'a'), cloud.project_id(platform, ws, 'b')
    assert cloud.compute(a)['cores'] == 4 and cloud.compute(b)['cores'] == 6
    assert cloud.compute(a)['ram'] == 4096 and cloud.volume(a)['gigabytes'] == 20
    assert cloud.network(a)['router'] == 3

    # Second run: nothing to do; one read per tenant for Nova and Cinder, one listing for Neutron.
    run = play(platform, lz, wss)
    assert run.rc == 0, run.stdout[-3000:]
    second = run['quota']
    assert second['changed'] is False and second['planned'] == []
    assert second['summary'] == {'ok': 2, 'changed': 0, 'remarks': 0, 'skipped': 0, 'failed': 0}
    by_api = second['requests']['by_api']
    assert by_api['compute'] <= 2 + 1 and by_api['volume'] <= 2 + 1, by_api
    assert second['requests']['by_method'].get('PUT', 0) == 0
    assert by_api['network'] <= 2, by_api
    # Keystone: token and version discovery, projects, and the detection's two listings (services, registered
    # limits); on this legacy cloud no project limits and no system-scoped token
    assert second['quota_backends'] == {'compute': 'legacy'} and second['limits_scope'] is None, second
    assert by_api['identity'] == 5, by_api

    # A hand change is drift: found, reported old -> new, set back.
    cloud.conn.compute.put('/os-quota-sets/%s' % a, json={'quota_set': {'cores': 99}})
    run = play(platform, lz, wss, diff=True)
    third = run['quota']
    assert third['changed'] is True
    row = [r for r in third['tenants'] if r['tenant'] == '%s/a' % ws][0]
    assert row['drift'] == {'compute.cores': {'old': 99, 'new': 4}}
    assert row['fixed'] == ['compute.cores'] and row['changes'] == ['compute.cores: 99 -> 4']
    assert third['diff'] == {'before': {'%s/a' % ws: {'compute.cores': 99}},
                             'after': {'%s/a' % ws: {'compute.cores': 4}}}
    assert cloud.compute(a)['cores'] == 4


def test_check_mode_writes_nothing_and_size_change(platform, ws, cloud, cleanup):
    cleanup.append(platform)
    wss = workspaces(ws, projects=('a',))
    run = play(platform, zones('small'), wss, tenants=True)
    assert run.rc == 0, run.stdout[-3000:]
    pid = cloud.project_id(platform, ws, 'a')
    assert cloud.compute(pid)['cores'] == 4

    # small -> large, first in check mode: the plan says old -> new, the cloud stays small.
    run = play(platform, zones('large'), wss, check=True, diff=True)
    res = run['quota']
    assert res['changed'] is True and res['requests']['by_method'].get('PUT', 0) == 0
    row = res['tenants'][0]
    assert row['drift']['compute.cores'] == {'old': 4, 'new': 32}
    assert row['drift']['volume.gigabytes'] == {'old': 20, 'new': 500}
    assert row['fixed'] == []
    assert res['diff']['after']['%s/a' % ws]['compute.ram'] == 65536
    assert cloud.compute(pid)['cores'] == 4 and cloud.volume(pid)['gigabytes'] == 20

    run = play(platform, zones('large'), wss)
    assert run['quota']['changed'] is True
    assert cloud.compute(pid)['cores'] == 32 and cloud.compute(pid)['instances'] == 16
    assert cloud.volume(pid)['gigabytes'] == 500 and cloud.volume(pid)['volumes'] == 30
    assert len(run['quota']['planned']) == 2   # one PUT for Nova, one for Cinder


def test_volume_type_keys_and_missing_type(platform, ws, cloud, cleanup, unique):
    cleanup.append(platform)
    types = [t.name for t in cloud.conn.block_storage.types()]
    assert 'ssd' in types, types
    values = {'volume.gigabytes_ssd': 40, 'volume.volumes_ssd': 4, 'volume.snapshots_ssd': 2}
    missing = dict(values, **{'volume.gigabytes_nope%s' % unique: 5})
    # the replicate path: keystone_tenant checks the types before its first write; the zone writes nothing
    run = play(platform, {'default': {'quota': {'values': missing}}}, workspaces(ws, projects=('a',)),
               tenants=True)
    assert run.rc != 0
    row = run['tenants']['tenants'][0]
    assert row['remarks'][0]['code'] == 'missing_reference' and 'nope%s' % unique in row['remarks'][0]['message']
    assert list(cloud.conn.identity.projects(tags='lz-platform=%s,lz-ws=%s' % (platform, ws))) == []
    run = play(platform, {'default': {'quota': {'values': values}}}, workspaces(ws, projects=('a',)),
               tenants=True)
    assert run.rc == 0, run.stdout[-3000:]
    pid = cloud.project_id(platform, ws, 'a')
    quota = cloud.volume(pid)
    assert (quota['gigabytes_ssd'], quota['volumes_ssd'], quota['snapshots_ssd']) == (40, 4, 2)
    # openstack_quota on its own: a missing type is its remark, the other keys stay applied
    run = play(platform, {'default': {'quota': {'values': missing}}}, workspaces(ws, projects=('a',)))
    assert run.rc == 0, run.stdout[-3000:]
    row = run['quota']['tenants'][0]
    remark = [r for r in row['remarks'] if r['code'] == 'volume_type_missing']
    assert remark and remark[0]['keys'] == ['volume.gigabytes_nope%s' % unique]
    assert row['status'] == 'remarks' and run['quota']['changed'] is False
    assert run['quota']['summary']['remarks'] == 1


def test_decrease_below_usage_is_reported_not_forced(platform, ws, cloud, cleanup):
    cleanup.append(platform)
    wss = workspaces(ws, projects=('a',))
    lz = {'default': {'quota': {'values': {'compute.instances': 5, 'compute.cores': 8, 'volume.volumes': 5,
                                           'volume.gigabytes': 50}}}}
    run = play(platform, lz, wss, tenants=True)
    assert run.rc == 0, run.stdout[-3000:]
    pid = cloud.project_id(platform, ws, 'a')
    tenant = as_tenant(cloud.conn, pid)
    flavor = tenant.compute.find_flavor('m1.tiny', ignore_missing=False)
    image = tenant.image.find_image('cirros-fake', ignore_missing=False)
    servers = [tenant.compute.create_server(name='q-%d' % i, flavor_id=flavor.id, image_id=image.id,
                                            networks='none') for i in range(2)]
    volumes = [tenant.block_storage.create_volume(size=1, name='q-%d' % i) for i in range(2)]
    try:
        for server in servers:
            tenant.compute.wait_for_server(server, wait=180)
        for volume in volumes:
            tenant.block_storage.wait_for_status(volume, 'available', wait=120)
        lower = {'default': {'quota': {'values': {'compute.instances': 1, 'compute.cores': 8, 'volume.volumes': 1,
                                                  'volume.gigabytes': 40}}}}
        run = play(platform, lower, wss)
        assert run.rc == 0, run.stdout[-3000:]
        row = run['quota']['tenants'][0]
        codes = sorted((r['code'], tuple(r.get('keys', ()))) for r in row['remarks'])
        assert codes == [('below_usage', ('compute.instances',)), ('below_usage', ('volume.volumes',))], row
        assert row['drift']['compute.instances'] == {'old': 5, 'new': 1, 'used': 2, 'skipped': 'below_usage'}
        assert row['changes'] == ['volume.gigabytes: 50 -> 40']       # the other decrease goes through
        assert cloud.compute(pid)['instances'] == 5 and cloud.volume(pid)['volumes'] == 5
        assert cloud.volume(pid)['gigabytes'] == 40

        # The landing zone may say apply: then it is forced and remarked as info.
        lower['default']['quota_below_usage'] = 'apply'
        run = play(platform, lower, wss)
        row = run['quota']['tenants'][0]
        # Nova takes it with force; Cinder refuses any limit below usage, so that stays a remark.
        assert row['fixed'] == ['compute.instances'], row['remarks']
        codes = sorted((r['code'], tuple(r.get('keys', ()))) for r in row['remarks'])
        assert codes == [('below_usage', ('volume.volumes',)), ('below_usage_applied', ('compute.instances',))]
        assert cloud.compute(pid)['instances'] == 1 and cloud.volume(pid)['volumes'] == 5
    finally:
        for server in servers:
            tenant.compute.delete_server(server, ignore_missing=True)
        for volume in volumes:
            tenant.block_storage.delete_volume(volume, ignore_missing=True)
        for server in servers:
            tenant.compute.wait_for_delete(server, wait=120)
        for volume in volumes:
            tenant.block_storage.wait_for_delete(volume, wait=120)


@pytest.fixture
def region_without_octavia(replicator, unique, clouds_yaml, tmp_path):
    """A real catalog difference: a region with the same endpoints as RegionOne except load-balancer.

    Yields the OS_CLIENT_CONFIG_FILE of a copy of clouds.yaml with a cloud ``replicator-nolb`` in it.
    """
    name = 'NoLB%s' % unique
    with open(clouds_yaml) as handle:
        config = yaml.safe_load(handle)
    entry = copy.deepcopy(config['clouds']['replicator'])
    entry['region_name'] = name
    config['clouds']['replicator-nolb'] = entry
    path = tmp_path / 'clouds.yaml'
    path.write_text(yaml.safe_dump(config))
    identity = replicator.identity
    identity.create_region(id=name, description='openstack_quota test: no Octavia')
    created = []
    try:
        services = dict((s.id, s.type) for s in identity.services())
        for ep in identity.endpoints(region_id='RegionOne'):
            if services.get(ep.service_id) in ('load-balancer', None):
                continue
            created.append(identity.create_endpoint(service_id=ep.service_id, interface=ep.interface,
                                                    url=ep.url, region_id=name))
        yield {'OS_CLIENT_CONFIG_FILE': str(path)}
    finally:
        for ep in created:
            identity.delete_endpoint(ep, ignore_missing=True)
        identity.delete_region(name, ignore_missing=True)


def test_service_missing_from_catalog_is_skipped_with_remark(platform, ws, cloud, cleanup,
                                                             region_without_octavia):
    cleanup.append(platform)
    values = {'compute.cores': 5, 'load_balancer.load_balancers': 2, 'load_balancer.listeners': 4}
    lz, wss = {'default': {'quota': {'values': values}}}, workspaces(ws, projects=('a',))
    run = play(platform, lz, wss, tenants=True, env=region_without_octavia, cloud='replicator-nolb')
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
    res = run['quota']
    assert res['missing_services'] == ['load_balancer'] and 'compute' in res['services']
    row = res['tenants'][0]
    assert row['changes'] == ['compute.cores: 20 -> 5']
    remark = [r for r in row['remarks'] if r['code'] == 'service_missing'][0]
    assert remark['keys'] == ['load_balancer.listeners', 'load_balancer.load_balancers']
    assert cloud.compute(cloud.project_id(platform, ws, 'a'))['cores'] == 5
    # In RegionOne the same inventory sets the Octavia keys too.
    assert cloud.has('load-balancer'), 'the local cloud runs Octavia in RegionOne'
    run = play(platform, lz, wss)
    row = run['quota']['tenants'][0]
    assert sorted(row['fixed']) == ['load_balancer.listeners', 'load_balancer.load_balancers'], row
    run = play(platform, lz, wss)
    assert run['quota']['changed'] is False
    assert run['quota']['requests']['by_api']['load_balancer'] <= 2


def test_unmanaged_services_option(platform, ws, cloud, cleanup):
    cleanup.append(platform)
    lz = {'default': {'quota': {'values': {'compute.cores': 3, 'volume.gigabytes': 7}}}}
    wss = workspaces(ws, projects=('a',))
    run = play(platform, lz, wss, tenants=True, services=['volume'])
    assert run.rc == 0, run.stdout[-3000:]
    res = run['quota']
    assert res['requests']['by_api'].get('compute', 0) == 0
    pid = cloud.project_id(platform, ws, 'a')
    assert cloud.volume(pid)['gigabytes'] == 7 and cloud.compute(pid)['cores'] != 3


def test_bad_quota_key_fails_with_path_and_no_request(platform, ws):
    lz = {'default': {'quota': {'values': {'compute.core': 3, 'volume.gigabytes': -5}}}}
    run = play(platform, lz, workspaces(ws, projects=('a',)))
    assert run.rc != 0
    res = run['quota']
    paths = sorted(e['path'] for e in res['errors'])
    assert paths == ['landing_zones.default.quota.values.compute.core',
                     'landing_zones.default.quota.values.volume.gigabytes']
    assert res['requests'] == {'total': 0}


def test_tenant_without_project_is_a_remark(platform, ws):
    run = play(platform, {'default': {'quota': {'values': {'compute.cores': 3}}}}, workspaces(ws, projects=('a',)))
    assert run.rc == 0, run.stdout[-3000:]
    row = run['quota']['tenants'][0]
    assert row['status'] == 'remarks' and row['remarks'][0]['code'] == 'no_project'
    assert run['quota']['requests']['by_method'].get('PUT', 0) == 0
