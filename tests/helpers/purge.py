# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a project holds before ``deletion_resources: purge`` removes it: made as a user of the project would,
checked and, after a failed test, removed with the admin connection."""

from openstack import exceptions as sdk_exc

WAIT = 120


def exists(replicator, proxy, getter, ident):
    try:
        getattr(getattr(replicator, proxy), getter)(ident)
        return True
    except sdk_exc.NotFoundException:
        return False


def build_resources(replicator, project_id, unique, made):
    """A network with a subnet behind a router (gateway to ``public``), a port on it with a
    floating IP, a server and a volume, made with a member token (as a user of the project
    would), which is given back afterwards. Fills ``made``: name -> (proxy, getter, id). The
    server has no network: the local cloud's Neutron binds no port (no agent), so a server on a
    network ends in ERROR."""
    member = replicator.identity.find_role('member', ignore_missing=False)
    replicator.identity.assign_project_role_to_user(project_id, replicator.current_user_id, member.id)
    conn = replicator.connect_as_project({'id': project_id})
    try:
        public = replicator.network.find_network('public', ignore_missing=False)
        net = conn.network.create_network(name='pg-%s-net' % unique)
        made['network'] = ('network', 'get_network', net.id)
        subnet = conn.network.create_subnet(network_id=net.id, cidr='10.91.7.0/24', ip_version=4,
                                            name='pg-%s-subnet' % unique)
        made['subnet'] = ('network', 'get_subnet', subnet.id)
        router = conn.network.create_router(name='pg-%s-router' % unique,
                                            external_gateway_info={'network_id': public.id})
        made['router'] = ('network', 'get_router', router.id)
        conn.network.add_interface_to_router(router, subnet=subnet.id)
        vol = conn.block_storage.create_volume(size=1, name='pg-%s-vol' % unique)
        made['volume'] = ('block_storage', 'get_volume', vol.id)
        flavor = replicator.compute.find_flavor('m1.tiny', ignore_missing=False)
        image = replicator.image.find_image('cirros-fake', ignore_missing=False)
        server = conn.compute.create_server(name='pg-%s-vm' % unique, flavor_id=flavor.id, image_id=image.id,
                                            networks='none')
        made['server'] = ('compute', 'get_server', server.id)
        port = conn.network.create_port(network_id=net.id, name='pg-%s-port' % unique)
        made['port'] = ('network', 'get_port', port.id)
        fip = conn.network.create_ip(floating_network_id=public.id, port_id=port.id)
        made['floating_ip'] = ('network', 'get_ip', fip.id)
        conn.compute.wait_for_server(server, interval=0.5, wait=WAIT)
        conn.block_storage.wait_for_status(vol, 'available', failures=['error'], interval=0.3, wait=WAIT)
    finally:
        replicator.identity.unassign_project_role_from_user(project_id, replicator.current_user_id, member.id)
        conn.close()


def remove_resources(replicator, made):
    """What a failed test left, removed with the admin connection (the purge's own job otherwise)."""
    deleters = dict(floating_ip='delete_ip', port='delete_port', server='delete_server', volume='delete_volume')
    for name in ('floating_ip', 'port', 'server', 'volume'):
        if name in made:
            proxy, getter, ident = made[name]
            getattr(getattr(replicator, proxy), deleters[name])(ident, ignore_missing=True)
    if 'server' in made and exists(replicator, *made['server']):
        replicator.compute.wait_for_delete(replicator.compute.get_server(made['server'][2]), interval=0.5, wait=WAIT)
    if 'router' in made and exists(replicator, *made['router']):
        if 'subnet' in made and exists(replicator, *made['subnet']):
            replicator.network.remove_interface_from_router(made['router'][2], subnet=made['subnet'][2])
        replicator.network.delete_router(made['router'][2], ignore_missing=True)
    if 'network' in made:
        replicator.network.delete_network(made['network'][2], ignore_missing=True)
