# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``deletion_resources: purge`` (docs/replication.md, "Lifecycle of a deleted project"): a deleted
project's server, volume, floating IP, network and router are removed with openstacksdk's project
cleanup, then the project; check mode writes nothing. Against the local cloud's real services."""

import json
import os

from openstack import exceptions as sdk_exc

from helpers.keystone import recap, replicate, report, workspace

ZONES = {'purging': {'domain_mode': 'default', 'delete_projects': True, 'protect_projects': True,
                     'deletion_resources': 'purge'}}
WAIT = 120


def row(run, platform, key, check=False):
    if check:   # a check run's report is the plan, beside the report
        with open(os.path.join(run.workdir, 'reports', '%s.plan.json' % platform)) as handle:
            rows = json.load(handle)['tenants']
    else:
        rows = report(run, platform)['tenants']
    return [r for r in rows if r['tenant'] == key][0]


def remark(found, code):
    return [r for r in found['remarks'] if r['code'] == code][0]


def exists(replicator, proxy, getter, ident):
    try:
        getattr(getattr(replicator, proxy), getter)(ident)
        return True
    except sdk_exc.NotFoundException:
        return False


def build(replicator, project_id, unique, made):
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


def remove(replicator, made):
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


def test_purge_removes_what_a_deleted_project_holds_then_the_project(keystone, platform, unique, replicator):
    ws = 'pg%s' % unique
    key = '%s/web' % ws
    projects = [{'identifier': 'web', 'name': 'Web', 'landing_zone': 'purging'}]
    assert replicate(platform, [workspace(ws, projects)], zones=ZONES).rc == 0
    proj = keystone.project(ws, 'web')
    made = {}
    try:
        build(replicator, proj.id, unique, made)
        projects[0]['state'] = 'deleted'
        # check mode: what would be purged, from the pre-deletion check; nothing written
        plan = replicate(platform, [workspace(ws, projects)], zones=ZONES, check=True)
        assert plan.rc == 0, plan.stdout[-3000:]
        planned = plan['Replicate tenants']['planned']
        assert [p for p in planned if p.startswith('purge project %s-web (' % ws)], planned
        assert 'delete project %s-web' % ws in planned
        would = remark(row(plan, platform, key, check=True), 'purge_planned')
        for kind in ('servers', 'volumes', 'floating_ips', 'networks', 'routers'):
            assert would['counts'].get(kind, 0) >= 1, would
        assert made['volume'][2] in would['message']
        assert all(exists(replicator, *spec) for spec in made.values())
        still = replicator.identity.get('/projects/%s' % proj.id).json()['project']
        assert still['enabled'] is True and still['options'] == {'immutable': True}
        assert list(replicator.identity.role_assignments(scope_project_id=proj.id,
                                                         user_id=replicator.current_user_id)) == []

        run = replicate(platform, [workspace(ws, projects)], zones=ZONES)
        assert run.rc == 0, run.stdout[-3000:]
        done = row(run, platform, key)
        assert keystone.project(ws, 'web') is None, done
        gone = [name for name, spec in made.items() if not exists(replicator, *spec)]
        assert sorted(gone) == sorted(made), done
        purged = remark(done, 'purged')
        assert purged['severity'] == 'info'
        for kind in ('servers', 'volumes', 'floating_ips', 'networks', 'routers'):
            assert purged['dry_run'].get(kind, 0) >= 1 and purged['purged'].get(kind, 0) >= 1, purged
        assert 'granted member on project %s-web to the replicator' % ws in purged['temporary']
        assert [c for c in done['changes'] if c.startswith('tenants: purge project %s-web' % ws)], done['changes']
        assert 'tenants: delete project %s-web' % ws in done['changes']
        # the cost of the purge, stated in docs/replication.md
        requests = run['Replicate tenants']['requests']
        print('purge run, tenants step: %d requests %r %r; timings %r; purged %r'
              % (requests['total'], requests['by_method'], requests.get('by_service'),
                 run['Replicate tenants']['timings'], purged))

        again = replicate(platform, [workspace(ws, projects)], zones=ZONES)
        assert again.rc == 0 and recap(again, platform)['changed'] == 0, again.stdout[-3000:]
    finally:
        remove(replicator, made)
        # a failed test leaves the project protected: the keystone fixture deletes it by hand
        replicator.identity.patch('/projects/%s' % proj.id, json={'project': {'options': {'immutable': False}}})
