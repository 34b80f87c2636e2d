# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Metering against the local cloud, into a SQLite and a PostgreSQL ledger.

The replicator creates three projects (two carrying the ownership marker of replication, one
unmanaged) and, scoped to each, a server, a volume, a snapshot, a router, a floating IP, a load
balancer and an image. The collection itself runs with the reader-only `metering` account, and
the ledger must match what the replicator (openstacksdk and the `openstack` CLI) lists.
"""

import datetime
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from helpers.cloud import ledger_dsn
from helpers.playbook import run_playbook

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))


# tests/conftest.py made the collection importable (ansible_collections.landingzone.openstack)
from ansible_collections.landingzone.openstack.plugins.module_utils import _rest, _time  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import rating  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store as _ledger  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import collect, runner  # noqa: E402

KINDS = _ledger.KINDS

WAIT = 120


@pytest.fixture(params=['sqlite', 'postgresql'])
def ledger_target(request, tmp_path):
    """An empty ledger of each backend: kwargs for open_ledger. PostgreSQL is not optional here."""
    if request.param == 'sqlite':
        yield dict(path=str(tmp_path / 'ledger.sqlite'))
        return
    import psycopg
    base = ledger_dsn()
    name = 'lz_it_%s' % uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute('CREATE DATABASE %s' % name)
    yield dict(dsn='%s/%s' % (base.rsplit('/', 1)[0], name))
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)


def cli(*args):
    # the collection's own venv's client (requirements-dev.txt): the same columns against every release
    # (python-openstackclient 6.3 of the 2023.2 servers' venv has no 'Project ID' in `server list --long`)
    cli_path = os.path.join(os.path.dirname(sys.executable), 'openstack')
    out = subprocess.check_output([cli_path, *args, '-f', 'json'], text=True,
                                  env=dict(os.environ, OS_CLOUD='replicator'))
    return json.loads(out)


@pytest.fixture(scope='module')
def cloud(replicator, request):
    """Three projects with one resource of every kind each."""
    unique = uuid.uuid4().hex[:8]
    cleanups, errors = [], []

    def finalizer():
        for name, fn in reversed(cleanups):
            for attempt in range(4):  # a delete can race the service's own teardown (LB, ports)
                try:
                    fn()
                    break
                except Exception as exc:  # noqa: BLE001 - clean up as much as possible
                    if attempt == 3:
                        errors.append('%s: %s' % (name, exc))
                    time.sleep(3)
        if errors:
            raise AssertionError('cleanup failed: ' + '; '.join(errors))
    request.addfinalizer(finalizer)

    admin_role = replicator.identity.find_role('admin', ignore_missing=False)
    public = replicator.network.find_network('public', ignore_missing=False)
    flavor = replicator.compute.find_flavor('m1.tiny', ignore_missing=False)
    base_image = replicator.image.find_image('cirros-fake', ignore_missing=False)
    out = dict(unique=unique, projects={}, ids={})
    specs = [('a', ['lz-managed', 'lz-ws=mt%s' % unique, 'lz-proj=alpha', 'lz-zone=default'], 'standard'),
             ('b', ['lz-managed', 'lz-ws=mt%s' % unique, 'lz-proj=beta', 'lz-zone=default'], 'ssd'),
             ('c', ['cost-centre=42'], 'standard')]
    for key, tags, vtype in specs:
        name = 'mt-%s-%s' % (unique, key)
        project = replicator.identity.create_project(name=name, domain_id='default', tags=tags,
                                                     description='metering integration test')
        cleanups.append(('project ' + key, lambda p=project: replicator.identity.delete_project(p.id)))
        replicator.identity.assign_project_role_to_user(project.id, replicator.current_user_id,
                                                        admin_role.id)
        conn = replicator.connect_as_project({'id': project.id})
        ids = out['ids'].setdefault(key, {})
        out['projects'][key] = dict(id=project.id, name=name, conn=conn)

        server = conn.compute.create_server(name='mt-%s-vm' % key, flavor_id=flavor.id,
                                            image_id=base_image.id, networks='none')
        cleanups.append(('server ' + key, lambda c=conn, s=server: (
            c.compute.delete_server(s.id, ignore_missing=True),
            c.compute.wait_for_delete(s, interval=0.5, wait=WAIT))))
        ids['servers'] = server.id

        vol = conn.block_storage.create_volume(size=1 + len(key) * (ord(key) - 96), name='mt-%s-vol' % key,
                                               volume_type=vtype)
        cleanups.append(('volume ' + key, lambda c=conn, v=vol: (
            c.block_storage.delete_volume(v.id, ignore_missing=True),
            c.block_storage.wait_for_delete(v, interval=0.5, wait=WAIT))))
        conn.block_storage.wait_for_status(vol, 'available', failures=['error'], interval=0.3, wait=WAIT)
        ids['volumes'] = vol.id
        snap = conn.block_storage.create_snapshot(volume_id=vol.id, name='mt-%s-snap' % key)
        cleanups.append(('snapshot ' + key, lambda c=conn, s=snap: (
            c.block_storage.delete_snapshot(s.id, ignore_missing=True),
            c.block_storage.wait_for_delete(s, interval=0.5, wait=WAIT))))
        conn.block_storage.wait_for_status(snap, 'available', failures=['error'], interval=0.3, wait=WAIT)
        ids['snapshots'] = snap.id

        # router with an external gateway, except in the unmanaged project
        gateway = {'network_id': public.id} if key != 'c' else None
        router = conn.network.create_router(name='mt-%s-router' % key, external_gateway_info=gateway)
        cleanups.append(('router ' + key, lambda c=conn, r=router: c.network.delete_router(r.id, ignore_missing=True)))
        ids['routers'] = router.id
        net = conn.network.create_network(name='mt-%s-net' % key)
        cleanups.append(('network ' + key, lambda c=conn, n=net: c.network.delete_network(n.id, ignore_missing=True)))
        subnet = conn.network.create_subnet(network_id=net.id, name='mt-%s-subnet' % key,
                                            cidr='10.78.%d.0/24' % (ord(key) - 96), ip_version=4)
        cleanups.append(('subnet ' + key, lambda c=conn, s=subnet: c.network.delete_subnet(s.id, ignore_missing=True)))
        fip = conn.network.create_ip(floating_network_id=public.id)
        cleanups.append(('fip ' + key, lambda c=conn, f=fip: c.network.delete_ip(f.id, ignore_missing=True)))
        ids['floating_ips'] = fip.id
        if key == 'a':  # one attached floating IP: port behind the router
            conn.network.add_interface_to_router(router, subnet=subnet.id)
            cleanups.append(('router interface', lambda c=conn, r=router, s=subnet:
                             c.network.remove_interface_from_router(r, subnet=s.id)))
            port = conn.network.create_port(network_id=net.id, name='mt-a-port')
            cleanups.append(('port', lambda c=conn, p=port: c.network.delete_port(p.id, ignore_missing=True)))
            conn.network.update_ip(fip, port_id=port.id)
            cleanups.append(('fip detach', lambda c=conn, f=fip: c.network.update_ip(f.id, port_id=None)))

        lb = conn.load_balancer.create_load_balancer(name='mt-%s-lb' % key, vip_subnet_id=subnet.id)

        def delete_lb(c=conn, lb=lb):
            try:
                c.load_balancer.wait_for_load_balancer(lb.id, status='ACTIVE', failures=['ERROR'],
                                                       interval=0.5, wait=WAIT)
            except Exception:  # noqa: BLE001
                pass
            c.load_balancer.delete_load_balancer(lb.id, ignore_missing=True, cascade=True)
            c.load_balancer.wait_for_delete(lb, interval=0.5, wait=3 * WAIT)
        cleanups.append(('lb ' + key, delete_lb))
        ids['load_balancers'] = lb.id

        image = conn.image.create_image(name='mt-%s-img' % key, data=b'x' * (1000 * (ord(key) - 96)),
                                        disk_format='raw', container_format='bare',
                                        visibility='private')
        cleanups.append(('image ' + key, lambda c=conn, i=image: c.image.delete_image(i.id, ignore_missing=True)))
        ids['images'] = image.id
    for key, proj in out['projects'].items():
        conn = proj['conn']
        conn.compute.wait_for_server(conn.compute.get_server(out['ids'][key]['servers']),
                                     status='ACTIVE', interval=0.5, wait=WAIT)
        conn.load_balancer.wait_for_load_balancer(out['ids'][key]['load_balancers'], status='ACTIVE',
                                                  failures=['ERROR'], interval=0.5, wait=WAIT)
    return out


def metering_collect(ledger, platform='local', kinds=None):
    """One collection with the metering account only (as the module does)."""
    conn, counter = _rest.connect(dict(cloud='metering', api_timeout=30, retries=4))
    since = runner.since_window(ledger, platform, kinds or list(KINDS))
    run = collect.collect(conn, platform, kinds, since, counter=counter)
    run['requests']['http'] = counter.as_dict()
    return run


def ours(ledger, cloud, kind):
    """{resource_id: latest observation} of the test's projects."""
    pids = set(p['id'] for p in cloud['projects'].values())
    latest = {}
    for obs in ledger.iter_observations('local', kinds=[kind]):
        if obs['project_id'] in pids:
            latest[obs['resource_id']] = obs
    return latest


@pytest.mark.release_matrix   # what the release's services list, and how
def test_metering_account_is_reader_only(metering):
    access = metering.session.auth.get_access(metering.session)
    assert sorted(access.role_names) == ['reader']


@pytest.mark.release_matrix   # what the release's services list, and how
def test_collection_matches_the_cloud(cloud, ledger_target, replicator):
    with _ledger.open_ledger(**ledger_target) as ledger:
        run = metering_collect(ledger)
        assert run['status'] == 'ok', run['remarks']
        assert sorted(run['complete_kinds']) == sorted(KINDS)
        ledger.record_run(run)

        # requests grow with pages, not with projects: one page per kind here
        for kind in KINDS:
            assert run['requests']['per_kind'][kind] == 1, run['requests']
        for kind in KINDS:
            expected = set(cloud['ids'][k][kind] for k in cloud['ids'])
            assert set(ours(ledger, cloud, kind)) == expected, kind

        pid = dict((k, p['id']) for k, p in cloud['projects'].items())
        # --- servers and volumes against the openstack CLI
        servers = ours(ledger, cloud, 'servers')
        listed = dict((s['ID'], s) for s in cli('server', 'list', '--all-projects', '--long'))
        for sid, obs in servers.items():
            row = listed[sid]
            assert obs['attributes']['flavor'] == row.get('Flavor Name', row.get('Flavor')) == 'm1.tiny'
            assert obs['attributes']['status'] == row['Status'] == 'ACTIVE'
            assert obs['attributes']['vcpus'] == 1 and obs['attributes']['ram_mib'] == 512
            assert obs['attributes']['disk_gib'] == 1
            assert obs['project_id'] == row['Project ID']
        volumes = ours(ledger, cloud, 'volumes')
        listed = dict((v['ID'], v) for v in cli('volume', 'list', '--all-projects', '--long'))
        for vid, obs in volumes.items():
            row = listed[vid]
            assert obs['attributes']['size_gib'] == row['Size']
            assert obs['attributes']['volume_type'] == row['Type']
            assert obs['attributes']['status'] == row['Status'] == 'available'
        assert volumes[cloud['ids']['b']['volumes']]['attributes']['volume_type'] == 'ssd'
        # --- the other kinds against openstacksdk (replicator)
        snapshots = ours(ledger, cloud, 'snapshots')
        listed = dict((snap.id, snap) for snap in replicator.block_storage.snapshots(all_projects=True)
                      if snap.id in snapshots)
        assert sorted(listed) == sorted(snapshots)  # every snapshot of ours, compared below
        for sid, snap in listed.items():
            obs = snapshots[sid]
            assert (obs['attributes']['size_gib'], obs['attributes']['status']) == (snap.size, snap.status)
            assert obs['project_id'] == snap.project_id
        fips = ours(ledger, cloud, 'floating_ips')
        assert fips[cloud['ids']['a']['floating_ips']]['attributes']['attached'] is True
        assert fips[cloud['ids']['b']['floating_ips']]['attributes']['attached'] is False
        listed = list(replicator.network.ips(project_id=pid['a']))
        assert [fip.id for fip in listed] == [cloud['ids']['a']['floating_ips']]
        for fip in listed:
            assert fips[fip.id]['attributes']['address'] == fip.floating_ip_address
        routers = ours(ledger, cloud, 'routers')
        assert routers[cloud['ids']['a']['routers']]['attributes']['external_gateway'] is True
        assert routers[cloud['ids']['c']['routers']]['attributes']['external_gateway'] is False
        lbs = ours(ledger, cloud, 'load_balancers')
        for key in cloud['ids']:
            lb = replicator.load_balancer.get_load_balancer(cloud['ids'][key]['load_balancers'])
            attrs = lbs[lb.id]['attributes']
            assert (attrs['provider'], attrs['provisioning_status'], attrs['listeners']) == \
                (lb.provider, lb.provisioning_status, len(lb.listeners or []))
            assert lbs[lb.id]['project_id'] == pid[key]
        images = ours(ledger, cloud, 'images')
        for key in cloud['ids']:
            image = replicator.image.get_image(cloud['ids'][key]['images'])
            attrs = images[image.id]['attributes']
            assert (attrs['size_bytes'], attrs['status'], attrs['visibility'], attrs['owner']) == \
                (image.size, 'active', 'private', pid[key])
        # --- projects: workspace/project from the marker, unmanaged otherwise
        projects = dict((p['project_id'], p) for p in ledger.projects('local'))
        assert (projects[pid['a']]['workspace'], projects[pid['a']]['project']) == \
            ('mt%s' % cloud['unique'], 'alpha')
        assert projects[pid['b']]['project'] == 'beta' and projects[pid['b']]['managed']
        assert projects[pid['c']]['workspace'] == 'unmanaged' and not projects[pid['c']]['managed']
        usage = [u for u in rating.usage(ledger, 'local') if u['project_id'] in pid.values()]
        assert set((u['workspace'], u['kind']) for u in usage if u['project_id'] == pid['c']) == \
            set(('unmanaged', k) for k in KINDS)


def test_same_collection_twice_adds_no_rows(cloud, ledger_target):
    with _ledger.open_ledger(**ledger_target) as ledger:
        first = metering_collect(ledger)
        ledger.record_run(first)
        before = ledger.counts()
        assert ledger.record_run(first)['duplicate'] is True  # the very same run again
        assert ledger.counts() == before
        # a second collection of the unchanged cloud: states extended, no new rows
        second = metering_collect(ledger)
        written = ledger.record_run(second)
        mine = set(p['id'] for p in cloud['projects'].values())
        new = [o for o in ledger.iter_observations('local', start=second['window_end'])
               if o['project_id'] in mine and o['observed_at'] == _time.ts(second['window_end'])]
        assert new == []
        after = ledger.counts()
        assert after['collection_runs'] == before['collection_runs'] + 1
        # other helpers may change the shared cloud meanwhile; our projects added nothing
        assert written['duplicate'] is False


@pytest.mark.release_matrix   # what the release's services list, and how
def test_short_lived_server_is_recorded_with_its_lifetime(cloud, ledger_target, replicator):
    proj = cloud['projects']['b']
    conn = proj['conn']
    with _ledger.open_ledger(**ledger_target) as ledger:
        ledger.record_run(metering_collect(ledger, kinds=['servers']))
        flavor = replicator.compute.find_flavor('m1.small', ignore_missing=False)
        image = replicator.image.find_image('cirros-fake', ignore_missing=False)
        t_create = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        server = conn.compute.create_server(name='mt-short', flavor_id=flavor.id, image_id=image.id,
                                            networks='none')
        conn.compute.wait_for_server(server, status='ACTIVE', interval=0.3, wait=WAIT)
        # Nova's times have whole seconds: let the server live a measurable lifetime
        time.sleep(2)
        conn.compute.delete_server(server.id)
        conn.compute.wait_for_delete(server, interval=0.3, wait=WAIT)
        t_gone = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
        run = metering_collect(ledger, kinds=['servers'])
        assert run['window_start'] is not None
        ledger.record_run(run)

        life = [lt for lt in ledger.lifetimes('local', kinds=['servers']) if lt['resource_id'] == server.id]
        assert len(life) == 1, 'the short-lived server was not recorded'
        life = life[0]
        assert life['project_id'] == proj['id']
        # what Nova itself says (admin view of the deleted server)
        nova = [s for s in replicator.compute.servers(all_projects=True, changes_since=t_create.isoformat())
                if s.id == server.id][0]
        assert nova.status == 'DELETED'
        assert life['created_at'] == _time.ts(nova.created_at)
        assert life['deleted_at'] == _time.ts(nova.terminated_at)
        assert _time.ts(t_create) <= life['created_at'] < life['deleted_at'] <= _time.ts(t_gone)
        obs = [o for o in ledger.iter_observations('local', kinds=['servers']) if o['resource_id'] == server.id]
        assert obs[-1]['attributes']['flavor'] == 'm1.small' and obs[-1]['attributes']['vcpus'] == 1
        usage = [u for u in rating.usage(ledger, 'local', kinds=['servers']) if u['project_id'] == proj['id']]
        expected = (_time.parse_ts(life['deleted_at']) - _time.parse_ts(life['created_at'])).total_seconds()
        assert usage and usage[0]['hours'] * 3600 >= expected - 0.01


KILLED = textwrap.dedent('''
    import json, os, sys, time
    sys.path.insert(0, sys.argv[1])
    import conftest  # noqa: F401 - makes ansible_collections importable
    from ansible_collections.landingzone.openstack.plugins.module_utils import _rest
    from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store
    from ansible_collections.landingzone.openstack.plugins.module_utils._metering import collect
    ledger = store.open_ledger(**json.loads(sys.argv[2]))
    conn, counter = _rest.connect(dict(cloud='metering', api_timeout=30, retries=4))
    run = collect.collect(conn, 'local', counter=counter)
    def slow(table, n):
        if table == 'observations':
            print('writing', flush=True)
            time.sleep(120)
    ledger.record_run(run, on_batch=slow)
    print('committed', flush=True)
''')


def test_collection_killed_mid_way_leaves_the_ledger_as_before(cloud, ledger_target):
    with _ledger.open_ledger(**ledger_target) as ledger:
        ledger.record_run(metering_collect(ledger, kinds=['volumes']))
        before = (ledger.counts(), ledger.runs(), list(ledger.iter_observations()), ledger.projects())
    child = subprocess.Popen([sys.executable, '-c', KILLED, os.path.join(REPO_ROOT, 'tests', 'unit'),
                              json.dumps(ledger_target)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == 'writing'
        time.sleep(0.3)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(60)
    with _ledger.open_ledger(**ledger_target) as ledger:
        assert (ledger.counts(), ledger.runs(), list(ledger.iter_observations()), ledger.projects()) == before


def test_meter_playbook_and_usage_info(cloud, ledger_target):
    host_vars = {'lz_ledger_path': ledger_target['path']} if 'path' in ledger_target else \
        {'lz_ledger_dsn': ledger_target['dsn']}
    # ledger_dsn falls back to LZ_LEDGER_DSN and wins over ledger_path: keep the SQLite case SQLite
    env = {'LZ_LEDGER_DSN': ''} if 'path' in ledger_target else None
    run = run_playbook(playbook=os.path.join(REPO_ROOT, 'playbooks', 'meter.yml'), host_vars=host_vars, env=env)
    assert run.rc == 0, run.stdout[-3000:]
    collected = run['Collect usage samples into the ledger']
    assert collected['changed'] and collected['status'] == 'ok'
    assert collected['counts']['servers'] >= 3 and collected['counts']['projects'] >= 3
    info = run_playbook(tasks=[{'name': 'usage', 'landingzone.openstack.openstack_usage_info': dict(
        ledger_target and {('ledger_path' if 'path' in ledger_target else 'ledger_dsn'):
                           list(ledger_target.values())[0]}, platform='local', workspace='mt%s' % cloud['unique'])}],
                        env=env)
    assert info.rc == 0, info.stdout[-3000:]
    usage = info['usage']['usage']
    assert sorted(set((u['project'], u['kind']) for u in usage)) == sorted(
        (p, k) for p in ('alpha', 'beta') for k in KINDS)
    assert all(u['resources'] == 1 for u in usage)
    # check mode collects without writing
    check = run_playbook(playbook=os.path.join(REPO_ROOT, 'playbooks', 'meter.yml'), host_vars=host_vars,
                         check=True, env=env)
    assert check.rc == 0 and not check['Collect usage samples into the ledger']['changed']
