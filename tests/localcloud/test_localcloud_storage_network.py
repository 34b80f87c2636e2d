# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cinder, Neutron and Octavia of the local cloud, and the metering account's read-only view of them.

The replicator creates a project `it-<unique>` and, scoped to it, a volume, a snapshot, a router with
an external gateway on `public`, a floating IP and a load balancer. The metering account (reader only)
must list each of them across all projects, with the right project, and must not be able to write.
"""

import uuid

import pytest
from openstack import exceptions as sdk_exc

pytestmark = pytest.mark.release_matrix   # the release's own Cinder, Neutron, Octavia and policies

WAIT = 120


def _by_id(items, wanted):
    return {i.id: i for i in items if i.id == wanted}.get(wanted)


@pytest.fixture(scope='module')
def project_resources(replicator, request):
    """Project it-<unique> with volume, snapshot, router (gateway on public), floating IP and LB.

    Module-scoped (built once for the three tests), so its own unique suffix instead of `unique`.
    """
    unique = uuid.uuid4().hex[:8]
    errors = []
    cleanups = []

    def finalizer():
        for name, fn in reversed(cleanups):
            try:
                fn()
            except Exception as e:  # noqa: BLE001 - clean up as much as possible, report at the end
                errors.append('%s: %s' % (name, e))
        if errors:
            raise AssertionError('cleanup failed: ' + '; '.join(errors))

    request.addfinalizer(finalizer)

    project = replicator.identity.create_project(name='it-%s' % unique, domain_id='default',
                                                 description='integration test (storage/network)')
    cleanups.append(('project', lambda: replicator.identity.delete_project(project.id)))
    admin_role = replicator.identity.find_role('admin', ignore_missing=False)
    replicator.identity.assign_project_role_to_user(project.id, replicator.current_user_id, admin_role.id)
    conn = replicator.connect_as_project({'id': project.id})
    res = {'project': project}

    # --- Cinder: volume + snapshot
    vol = conn.block_storage.create_volume(size=1, name='it-vol-%s' % unique)
    cleanups.append(('volume', lambda: (conn.block_storage.delete_volume(vol.id, ignore_missing=True),
                                        conn.block_storage.wait_for_delete(vol, interval=0.5, wait=WAIT))))
    res['volume'] = conn.block_storage.wait_for_status(
        vol, 'available', failures=['error'], interval=0.3, wait=WAIT)
    snap = conn.block_storage.create_snapshot(volume_id=vol.id, name='it-snap-%s' % unique)
    cleanups.append(('snapshot', lambda: (conn.block_storage.delete_snapshot(snap.id, ignore_missing=True),
                                          conn.block_storage.wait_for_delete(snap, interval=0.5, wait=WAIT))))
    res['snapshot'] = conn.block_storage.wait_for_status(
        snap, 'available', failures=['error'], interval=0.3, wait=WAIT)

    # --- Neutron: router with external gateway, floating IP, tenant network for the LB VIP
    public = replicator.network.find_network('public', ignore_missing=False)
    router = conn.network.create_router(name='it-router-%s' % unique,
                                        external_gateway_info={'network_id': public.id})
    cleanups.append(('router', lambda: conn.network.delete_router(router.id, ignore_missing=True)))
    res['router'] = router
    fip = conn.network.create_ip(floating_network_id=public.id)
    cleanups.append(('floating ip', lambda: conn.network.delete_ip(fip.id, ignore_missing=True)))
    res['fip'] = fip
    net = conn.network.create_network(name='it-net-%s' % unique)
    cleanups.append(('network', lambda: conn.network.delete_network(net.id, ignore_missing=True)))
    subnet = conn.network.create_subnet(network_id=net.id, name='it-subnet-%s' % unique,
                                        cidr='10.77.0.0/24', ip_version=4)
    cleanups.append(('subnet', lambda: conn.network.delete_subnet(subnet.id, ignore_missing=True)))
    port = conn.network.create_port(network_id=net.id, name='it-port-%s' % unique)
    cleanups.append(('port', lambda: conn.network.delete_port(port.id, ignore_missing=True)))
    res.update(net=net, subnet=subnet, port=port)

    # --- Octavia: load balancer (amphora provider with noop drivers)
    lb = conn.load_balancer.create_load_balancer(name='it-lb-%s' % unique, vip_subnet_id=subnet.id)

    def delete_lb():
        try:
            conn.load_balancer.wait_for_load_balancer(lb.id, status='ACTIVE', failures=['ERROR'],
                                                      interval=0.5, wait=WAIT)
        except Exception:  # noqa: BLE001 - delete whatever state it is in
            pass
        conn.load_balancer.delete_load_balancer(lb.id, ignore_missing=True, cascade=True)
        conn.load_balancer.wait_for_delete(lb, interval=0.5, wait=WAIT)
    cleanups.append(('load balancer', delete_lb))
    res['lb'] = conn.load_balancer.wait_for_load_balancer(lb.id, status='ACTIVE', failures=['ERROR'],
                                                          interval=0.5, wait=WAIT)
    res['conn'] = conn
    return res


def test_resources_created_in_project(project_resources):
    r = project_resources
    pid = r['project'].id
    assert r['volume'].status == 'available'
    assert r['snapshot'].status == 'available'
    assert r['router'].external_gateway_info['network_id']
    assert r['router'].project_id == pid
    assert r['fip'].floating_ip_address.startswith('172.24.4.')
    assert r['fip'].project_id == pid
    assert r['lb'].provisioning_status == 'ACTIVE'
    assert r['lb'].project_id == pid


def test_metering_lists_all_projects(project_resources, metering):
    r = project_resources
    pid = r['project'].id
    assert pid != metering.current_project_id

    vol = _by_id(metering.block_storage.volumes(all_projects=True), r['volume'].id)
    assert vol is not None, 'metering does not see the volume with all_projects'
    assert vol.project_id == pid
    # without all_projects only its own project's volumes
    assert _by_id(metering.block_storage.volumes(), r['volume'].id) is None

    snap = _by_id(metering.block_storage.snapshots(all_projects=True), r['snapshot'].id)
    assert snap is not None, 'metering does not see the snapshot with all_projects'
    assert snap.project_id == pid

    router = _by_id(metering.network.routers(), r['router'].id)
    assert router is not None, 'metering does not see the router of another project'
    assert router.project_id == pid
    assert metering.network.get_router(r['router'].id).project_id == pid
    assert [x.id for x in metering.network.routers(project_id=pid)] == [r['router'].id]

    fip = _by_id(metering.network.ips(), r['fip'].id)
    assert fip is not None, 'metering does not see the floating IP of another project'
    assert fip.project_id == pid
    assert fip.floating_ip_address == r['fip'].floating_ip_address

    lb = _by_id(metering.load_balancer.load_balancers(), r['lb'].id)
    assert lb is not None, 'metering does not see the load balancer of another project'
    assert lb.project_id == pid
    assert metering.load_balancer.get_load_balancer(r['lb'].id).project_id == pid


def test_metering_cannot_write(project_resources, metering, unique):
    r = project_resources
    public = metering.network.find_network('public', ignore_missing=False)

    with pytest.raises(sdk_exc.ForbiddenException):
        metering.block_storage.create_volume(size=1, name='it-metering-%s' % unique)
    with pytest.raises(sdk_exc.ForbiddenException):
        metering.network.create_router(name='it-metering-%s' % unique,
                                       external_gateway_info={'network_id': public.id})
    with pytest.raises(sdk_exc.ForbiddenException):
        metering.load_balancer.create_load_balancer(name='it-metering-%s' % unique,
                                                    vip_network_id=public.id)
    # the widened read rights (Cinder is_admin, Neutron global access) must not open writes on
    # other projects' resources nor Cinder's admin API
    with pytest.raises(sdk_exc.ForbiddenException):
        metering.block_storage.reset_volume_status(r['volume'].id, status='error')
    # Cinder answers 404 here: `volume:get` (project reader) is checked before `volume:delete`
    with pytest.raises((sdk_exc.ForbiddenException, sdk_exc.NotFoundException)):
        metering.block_storage.delete_volume(r['volume'].id, ignore_missing=False)
    with pytest.raises(sdk_exc.ForbiddenException):
        metering.block_storage.create_type(name='it-metering-%s' % unique)
    with pytest.raises(sdk_exc.ForbiddenException):
        metering.network.update_router(r['router'].id, name='it-metering-%s' % unique)
    with pytest.raises(sdk_exc.ForbiddenException):
        metering.network.delete_ip(r['fip'].id, ignore_missing=False)
    with pytest.raises(sdk_exc.ForbiddenException):
        metering.load_balancer.update_load_balancer(r['lb'].id, name='it-metering-%s' % unique)

    # nothing changed
    conn = r['conn']
    assert conn.block_storage.get_volume(r['volume'].id).status == 'available'
    assert conn.network.get_router(r['router'].id).name == r['router'].name
    assert conn.load_balancer.get_load_balancer(r['lb'].id).name == r['lb'].name


REFUSED = (sdk_exc.ForbiddenException, sdk_exc.NotFoundException)


def test_metering_cannot_write_networks_and_ports(project_resources, metering, unique):
    """Every Neutron write of the reader stays refused. On 2023.2 the reader's cross-project view comes
    from a widened `context_is_advsvc` (the service role), which the default rules also use for port
    writes: the generated policy must have pinned all of them back to `role:advsvc`."""
    r = project_resources
    new = 'it-metering-%s' % unique
    attempts = [
        ('create a network', lambda: metering.network.create_network(name=new)),
        ('update the network', lambda: metering.network.update_network(r['net'].id, name=new)),
        ('delete the network', lambda: metering.network.delete_network(r['net'].id, ignore_missing=False)),
        ('create a subnet in it', lambda: metering.network.create_subnet(
            network_id=r['net'].id, cidr='10.78.0.0/24', ip_version=4, name=new)),
        ('delete the subnet', lambda: metering.network.delete_subnet(r['subnet'].id, ignore_missing=False)),
        ('create a port in it', lambda: metering.network.create_port(network_id=r['net'].id, name=new)),
        ('create a port with a device owner', lambda: metering.network.create_port(
            network_id=r['net'].id, name=new, device_owner='network:dhcp')),
        ('rename the port', lambda: metering.network.update_port(r['port'].id, name=new)),
        ('change the port\'s device', lambda: metering.network.update_port(r['port'].id, device_id=new)),
        ('delete the port', lambda: metering.network.delete_port(r['port'].id, ignore_missing=False)),
        ('tag the port', lambda: metering.network.set_tags(r['port'], ['it-metering'])),
        ('rename the router', lambda: metering.network.update_router(r['router'].id, name=new)),
        ('remove the router gateway', lambda: metering.network.update_router(
            r['router'].id, external_gateway_info={})),
        ('add a router interface', lambda: metering.network.add_interface_to_router(
            r['router'].id, subnet_id=r['subnet'].id)),
        ('delete the router', lambda: metering.network.delete_router(r['router'].id, ignore_missing=False)),
        ('change the floating IP', lambda: metering.network.update_ip(r['fip'].id, description=new)),
        ('delete the floating IP', lambda: metering.network.delete_ip(r['fip'].id, ignore_missing=False)),
        ('create a security group', lambda: metering.network.create_security_group(name=new)),
    ]
    allowed = []
    for what, attempt in attempts:
        try:
            attempt()
        except REFUSED:
            continue
        allowed.append(what)
    assert not allowed, 'the metering reader was allowed to: %s' % ', '.join(allowed)
    conn = r['conn']
    assert conn.network.get_port(r['port'].id).name == r['port'].name
    assert conn.network.get_network(r['net'].id).name == r['net'].name
    assert conn.network.get_router(r['router'].id).external_gateway_info
    assert not conn.network.get_ip(r['fip'].id).description
