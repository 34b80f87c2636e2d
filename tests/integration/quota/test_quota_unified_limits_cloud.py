# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""openstack_quota against a local cloud whose Nova and Glance enforce Keystone unified limits.

Runs only when the instance was switched with `localcloud.py quota-backend unified_limits`
(make test, noxfile.py, does that for every release, runs these and switches back). Real services: Nova
(UnifiedLimitsDriver, fake virt driver) refuses the server, Glance (use_keystone_limits) the upload;
Keystone holds the limits.
"""

import functools
import os

import openstack
import pytest
import yaml
from keystoneauth1 import exceptions as ksa_exc

from helpers.cloud import instance, release_at_least
from helpers.quota import as_tenant, play, workspaces


def _backend():
    path = os.path.join(instance().get('state', ''), 'quota-backend')
    return open(path).read().strip() if os.path.exists(path) else 'legacy'


pytestmark = [pytest.mark.release_matrix,
              pytest.mark.skipif(_backend() != 'unified_limits',
                                 reason='the local cloud runs legacy quotas (localcloud.py quota-backend unified_limits)')]


@functools.lru_cache(maxsize=None)
def system_admin():
    """The replicator with a system-scoped token: Keystone up to 2024.1 (2023.2) lists a project-scoped
    token only its own project's limits, whatever its roles."""
    with open(os.environ['OS_CLIENT_CONFIG_FILE']) as handle:
        entry = yaml.safe_load(handle)['clouds']['replicator']
    auth = dict((k, v) for k, v in entry['auth'].items() if not k.startswith('project_'))
    return openstack.connect(auth=dict(auth, system_scope='all'), region_name=entry.get('region_name'),
                             identity_api_version='3', load_yaml_config=False, load_envvars=False)


def limits_of(dummy, pid):
    """resource name -> project limit of ``pid`` (compute and image) as Keystone holds it."""
    body = system_admin().identity.get('/limits', params={'project_id': pid}).json()
    return dict((lim['resource_name'], lim['resource_limit']) for lim in body['limits'])


def lz(values):
    return {'default': {'quota': {'values': dict(values)}}}


def quota_requests(run):
    return run['quota']['requests']


def test_limits_set_check_mode_noop_drift_and_unowned(platform, ws, cloud, cleanup, replicator):  # noqa: F811
    cleanup.append(platform)
    values = {'compute.cores': 4, 'compute.instances': 2, 'compute.ram': 4096, 'image.size_total': 50,
              'image.count_total': 5}
    wss = workspaces(ws, projects=('a', 'b'))
    # a project the collection does not own, with its own limit: never touched
    other = replicator.identity.create_project(name='ul-other-%s' % ws, domain_id='default')
    compute_id = [s.id for s in replicator.identity.services() if s.type == 'compute'][0]
    replicator.identity.post('/limits', json={'limits': [{
        'project_id': other.id, 'service_id': compute_id, 'region_id': 'RegionOne',
        'resource_name': 'class:VCPU', 'resource_limit': 7}]})
    try:
        run = play(platform, lz(values), wss, tenants=True)
        assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]
        first = run['quota']
        assert first['quota_backends'] == {'compute': 'unified_limits', 'image': 'unified_limits'}
        assert first['limits_scope'] == 'system'   # the replicator is admin on the system too
        assert first['changed'] is True and first['summary']['changed'] == 2, first
        a = cloud.project_id(platform, ws, 'a')
        assert limits_of(replicator, a) == {'class:VCPU': 4, 'servers': 2, 'class:MEMORY_MB': 4096,
                                            'image_size_total': 50, 'image_count_total': 5}
        # Nova reads them back: the quota it enforces
        assert cloud.compute(a)['cores'] == 4 and cloud.compute(a)['instances'] == 2
        # the 10 limits of both tenants in one bulk POST, no legacy PUT
        assert quota_requests(run)['by_method'].get('PUT', 0) == 0

        # check mode + diff: the plan, nothing written
        bigger = dict(values, **{'compute.cores': 8})
        run = play(platform, lz(bigger), wss, check=True, diff=True)
        res = run['quota']
        assert res['changed'] is True
        # the two POSTs are the tokens (the run's and the system-scoped one for Keystone limits)
        assert res['requests']['by_method'].get('PATCH', 0) == 0 and res['requests']['by_method'].get('POST', 0) == 2
        assert res['diff']['after']['%s/a' % ws] == {'compute.cores': 8}
        assert limits_of(replicator, a)['class:VCPU'] == 4

        run = play(platform, lz(bigger), wss)
        assert run['quota']['changed'] is True and limits_of(replicator, a)['class:VCPU'] == 8

        # no-op: changed=0, no Nova quota request, Glance only its version discovery (one, whatever the
        # tenant count), Keystone a constant number (2 tokens, projects, services, registered limits, limits)
        run = play(platform, lz(bigger), wss)
        res = run['quota']
        assert res['changed'] is False and res['planned'] == [], res
        assert res['requests']['by_api'].get('compute', 0) == 0 and res['requests']['by_api'].get('image', 0) <= 1
        assert res['requests']['by_api']['identity'] <= 8, res['requests']
        assert res['requests']['by_method'].get('PATCH', 0) == 0 and res['requests']['by_method'].get('PUT', 0) == 0

        # a hand change of a project limit is drift, reported and reverted
        lid = [lim['id'] for lim in system_admin().identity.get('/limits', params={'project_id': a}).json()['limits']
               if lim['resource_name'] == 'servers'][0]
        replicator.identity.patch('/limits/%s' % lid, json={'limit': {'resource_limit': 9}})
        run = play(platform, lz(bigger), wss, diff=True)
        row = [r for r in run['quota']['tenants'] if r['tenant'] == '%s/a' % ws][0]
        assert row['drift'] == {'compute.instances': {'old': 9, 'new': 2, 'outside_inventory': True}}
        assert row['fixed'] == ['compute.instances']
        assert [r['drift'] for r in row['remarks'] if r['code'] == 'drift_reverted'] == [
            dict(field='compute.instances', old=9, new=2, recorded=2)], row
        assert limits_of(replicator, a)['servers'] == 2
        assert limits_of(replicator, other.id) == {'class:VCPU': 7}
    finally:
        replicator.identity.update_project(other, is_enabled=False)
        replicator.identity.delete_project(other)


def test_nova_refuses_servers_past_instances_and_cores(platform, ws, cloud, cleanup):  # noqa: F811
    cleanup.append(platform)
    wss = workspaces(ws, projects=('a',))
    run = play(platform, lz({'compute.instances': 1, 'compute.cores': 4}), wss, tenants=True)
    assert run.rc == 0, run.stdout[-3000:]
    pid = cloud.project_id(platform, ws, 'a')
    tenant = as_tenant(cloud.conn, pid)
    flavor = tenant.compute.find_flavor('m1.tiny', ignore_missing=False)
    medium = tenant.compute.find_flavor('m1.medium', ignore_missing=False)   # 2 vCPU
    image = tenant.image.find_image('cirros-fake', ignore_missing=False)
    servers = [tenant.compute.create_server(name='ul-0', flavor_id=flavor.id, image_id=image.id, networks='none')]
    try:
        tenant.compute.wait_for_server(servers[0], wait=180)
        with pytest.raises(openstack.exceptions.HttpException) as refused:
            tenant.compute.create_server(name='ul-1', flavor_id=flavor.id, image_id=image.id, networks='none')
        assert refused.value.status_code == 403 and 'servers' in str(refused.value), str(refused.value)

        # more servers allowed, but 1 + 2 vCPU past compute.cores 2
        run = play(platform, lz({'compute.instances': 5, 'compute.cores': 2}), wss)
        assert run.rc == 0 and run['quota']['changed'] is True, run.stdout[-3000:]
        with pytest.raises(openstack.exceptions.HttpException) as refused:
            tenant.compute.create_server(name='ul-2', flavor_id=medium.id, image_id=image.id, networks='none')
        assert refused.value.status_code == 403 and 'VCPU' in str(refused.value), str(refused.value)

        # a decrease below usage: Nova's usage (os-quota-sets detail) under unified limits, remark
        run = play(platform, lz({'compute.instances': 0, 'compute.cores': 2}), wss)
        row = run['quota']['tenants'][0]
        assert row['drift']['compute.instances'] == {'old': 5, 'new': 0, 'used': 1, 'skipped': 'below_usage'}, row
        assert [r['code'] for r in row['remarks']] == ['below_usage']
    finally:
        for server in servers:
            tenant.compute.delete_server(server, ignore_missing=True)
        for server in servers:
            tenant.compute.wait_for_delete(server, wait=120)


def test_glance_refuses_upload_past_size_total(platform, ws, cloud, cleanup):  # noqa: F811
    cleanup.append(platform)
    wss = workspaces(ws, projects=('a',))
    run = play(platform, lz({'image.size_total': 1}), wss, tenants=True)   # MiB
    assert run.rc == 0, run.stdout[-3000:]
    pid = cloud.project_id(platform, ws, 'a')
    tenant = as_tenant(cloud.conn, pid)
    made = []

    def upload(name, size):
        """The upload's HTTP status, or 'reset': Glance may refuse (413) before it has read the whole body and
        close the connection, which the client sees as a reset."""
        image = tenant.image.post('/images', json={'name': name, 'disk_format': 'raw',
                                                   'container_format': 'bare'}).json()
        made.append(image['id'])
        try:
            return tenant.image.put('/images/%s/file' % image['id'], data=b'\0' * size,
                                    headers={'Content-Type': 'application/octet-stream'}, raise_exc=False).status_code
        except ksa_exc.ConnectFailure:
            return 'reset'

    def status(image_id):
        for attempt in (1, 2):   # the first request after a reset may meet the closed connection
            try:
                return tenant.image.get('/images/%s' % image_id).json()['status']
            except ksa_exc.ConnectFailure:
                if attempt == 2:
                    raise
    try:
        assert upload('ul-1', 512 * 1024) == 204   # below the limit: taken
        # 2.5 MiB in all, past image.size_total 1 MiB (Glance counts whole MiB, so the test stays clear
        # of rounding): refused. Glance 27 (2023.2) checks the usage before the upload, without the
        # upload's own size: there the upload that crosses the limit is taken, and the next is refused.
        refused = upload('ul-2', 2 * 1024 * 1024)
        if not release_at_least('2026.2'):
            assert refused == 204
            refused = upload('ul-3', 1024)
        assert refused in (413, 'reset'), refused
        # refused: the image holds no data
        assert status(made[-1]) == 'queued'
        assert status(made[0]) == 'active'
    finally:
        for image in made:
            for attempt in (1, 2):
                try:
                    tenant.image.delete_image(image, ignore_missing=True)
                    break
                except ksa_exc.ConnectFailure:
                    if attempt == 2:
                        raise


def test_legacy_forced_on_unified_nova_is_a_mismatch(platform, ws, cloud, cleanup):  # noqa: F811
    cleanup.append(platform)
    wss = workspaces(ws, projects=('a',))
    run = play(platform, lz({'compute.cores': 3}), wss, tenants=True, quota_backend={'compute': 'legacy'})
    res = run['quota']
    row = res['tenants'][0]
    assert row['status'] == 'failed' and row['fixed'] == [], row
    assert [r['code'] for r in row['remarks']] == ['quota_backend_mismatch'], row
    assert cloud.compute(cloud.project_id(platform, ws, 'a'))['cores'] == 20


def test_replicate_role_sets_limits_then_changes_nothing(platform, ws, cloud, cleanup, replicator):  # noqa: F811
    from helpers.keystone import recap, replicate, report
    cleanup.append(platform)
    zones = {'default': {'domain_mode': 'default', 'delete_projects': False,
                         'quota': {'values': {'compute.cores': 3, 'compute.instances': 2, 'image.count_total': 4}}}}
    wss = [{'identifier': ws, 'projects': [{'identifier': 'a'}]}]
    # the platform setting, through the role's default (lz_quota_backend): forced for Nova, detected for Glance
    backend = {'compute': 'unified_limits', 'image': 'auto'}
    run = replicate(platform, wss, zones=zones, lz_quota_backend=backend)
    assert run.rc == 0, run.stdout[-3000:]
    pid = cloud.project_id(platform, ws, 'a')
    assert limits_of(replicator, pid) == {'class:VCPU': 3, 'servers': 2, 'image_count_total': 4}
    run = replicate(platform, wss, zones=zones, lz_quota_backend=backend)
    assert run.rc == 0 and recap(run, platform)['changed'] == 0, run.stdout[-3000:]
    # the platform's registered limits, through the role's default (lz_registered_limits), in the report
    groups = registered_of(replicator, 'compute')['server_groups']
    try:
        run = replicate(platform, wss, zones=zones, lz_quota_backend=backend,
                        lz_registered_limits={'compute.server_groups': groups['default_limit'] + 1})
        assert run.rc == 0 and recap(run, platform)['changed'] == 1, run.stdout[-3000:]
        assert registered_of(replicator, 'compute')['server_groups']['default_limit'] == groups['default_limit'] + 1
        settings = report(run, platform)['settings']
        change = 'compute.server_groups: %d -> %d' % (groups['default_limit'], groups['default_limit'] + 1)
        assert [(s['setting'], s['step'], s['changes']) for s in settings] == [
            ('registered_limits', 'quotas', [change])]
    finally:
        replicator.identity.patch('/registered_limits/%s' % groups['id'],
                                  json={'registered_limit': {'default_limit': groups['default_limit']}})


def registered_of(conn, service_type):
    """resource name -> registered limit (dict) of the service of ``service_type``."""
    sid = [s.id for s in conn.identity.services() if s.type == service_type][0]
    body = conn.identity.get('/registered_limits', params={'service_id': sid}).json()
    return dict((r['resource_name'], r) for r in body['registered_limits'])


def test_registered_limits_from_inventory_created_set_drift_reverted_in_use(platform, ws, cloud, cleanup,  # noqa: F811
                                                                             replicator):
    cleanup.append(platform)
    before = registered_of(replicator, 'compute')
    # resources no other test sets project limits of: Keystone refuses to change a registered limit that
    # project limits refer to
    items, members = before['server_metadata_items'], before['server_group_members']
    compute_id = items['service_id']
    # one registered limit the cloud lacks (created by the run), one it has with another default (set)
    replicator.identity.delete('/registered_limits/%s' % members['id'])
    declared = {'compute.metadata_items': items['default_limit'] + 5, 'compute.server_group_members': 7}
    wss = workspaces(ws, projects=('a',))
    zones = lz({'compute.server_group_members': 3})
    pid = None
    try:
        assert play(platform, lz({}), wss, tenants=True).rc == 0
        pid = cloud.project_id(platform, ws, 'a')

        # check mode: the plan, with the tenant's limit planned against the default to be registered
        run = play(platform, zones, wss, check=True, diff=True, registered_limits=declared)
        res = run['quota']
        assert res['changed'] is True, res
        setting = res['registered_limits']
        assert setting['status'] == 'changed' and setting['fixed'] == [], setting
        assert setting['drift'] == {
            'compute.metadata_items': {'old': items['default_limit'], 'new': declared['compute.metadata_items']},
            'compute.server_group_members': {'old': None, 'new': 7}}
        assert res['diff']['after']['registered_limits'] == declared
        row = res['tenants'][0]
        assert row['remarks'] == [] and row['drift'] == {'compute.server_group_members': {'old': 7, 'new': 3}}, row
        now = registered_of(replicator, 'compute')
        assert 'server_group_members' not in now
        assert now['server_metadata_items']['default_limit'] == items['default_limit']

        # the real run: registered limits first (in the endpoint's region), then the project limit
        run = play(platform, zones, wss, registered_limits=declared)
        res = run['quota']
        assert run.rc == 0 and res['registered_limits']['status'] == 'changed', res.get('msg')
        assert sorted(res['registered_limits']['fixed']) == sorted(declared)
        now = registered_of(replicator, 'compute')
        assert now['server_metadata_items']['default_limit'] == declared['compute.metadata_items']
        assert now['server_group_members']['default_limit'] == 7
        assert now['server_group_members']['region_id'] == 'RegionOne'
        assert limits_of(replicator, pid) == {'server_group_members': 3}
        # Nova takes the new default
        assert cloud.compute(pid)['metadata_items'] == declared['compute.metadata_items']
        # Nova's quota API shows only the registered default of this key: written, said not verified
        row = res['tenants'][0]
        assert row['fixed'] == ['compute.server_group_members'], row
        assert [(r['code'], r['severity']) for r in row['remarks']] == [('not_read_back', 'info')], row

        # no-op: no write at all
        run = play(platform, zones, wss, registered_limits=declared)
        res = run['quota']
        assert res['changed'] is False and res['registered_limits']['status'] == 'ok', res
        # Keystone only: per connection (the run's, the system-scoped one for limits) a token and a version
        # discovery, then projects, services, registered limits, limits
        assert res['requests']['by_method'] == {'GET': 6, 'POST': 2}, res['requests']
        assert res['requests']['by_api'] == {'identity': 8}, res['requests']

        # a hand change of a registered default is drift, reported and reverted; keys not declared stay
        replicator.identity.patch('/registered_limits/%s' % now['server_metadata_items']['id'],
                                  json={'registered_limit': {'default_limit': 99}})
        kept = {'compute.metadata_items': declared['compute.metadata_items']}
        run = play(platform, zones, wss, diff=True, registered_limits=kept)
        setting = run['quota']['registered_limits']
        assert setting['drift'] == {'compute.metadata_items': {'old': 99, 'new': kept['compute.metadata_items']}}
        assert setting['changes'] == ['compute.metadata_items: 99 -> %d' % kept['compute.metadata_items']]
        after = registered_of(replicator, 'compute')
        assert after['server_metadata_items']['default_limit'] == kept['compute.metadata_items']
        assert after['server_group_members']['default_limit'] == 7

        # the tenant's project limit refers to server_group_members: Keystone refuses a change, the run says so
        run = play(platform, zones, wss, registered_limits={'compute.server_group_members': 8})
        res = run['quota']
        setting = res['registered_limits']
        assert run.rc == 0 and res['changed'] is False, res.get('msg')
        assert [r['code'] for r in setting['remarks']] == ['registered_limit_in_use'], setting
        assert setting['status'] == 'remarks' and setting['drift']['compute.server_group_members']['skipped']
        assert registered_of(replicator, 'compute')['server_group_members']['default_limit'] == 7
    finally:
        # the cloud's registered limits as they were: the other tests read these defaults
        if pid is not None:   # its limit refers to the registered one
            for lim in system_admin().identity.get('/limits', params={'project_id': pid}).json()['limits']:
                replicator.identity.delete('/limits/%s' % lim['id'])
        now = registered_of(replicator, 'compute')
        for name, old in (('server_metadata_items', items), ('server_group_members', members)):
            if name in now:
                replicator.identity.patch('/registered_limits/%s' % now[name]['id'],
                                          json={'registered_limit': {'default_limit': old['default_limit']}})
            else:
                replicator.identity.post('/registered_limits', json={'registered_limits': [{
                    'service_id': compute_id, 'region_id': old['region_id'], 'resource_name': name,
                    'default_limit': old['default_limit']}]})


def test_account_without_a_system_role_says_its_limits_listing_may_be_partial(platform, ws, cloud,  # noqa: F811
                                                                               cleanup, replicator):
    import uuid

    import yaml
    cleanup.append(platform)
    password = uuid.uuid4().hex
    user = replicator.identity.create_user(name='ul-projadmin-%s' % ws, password=password, domain_id='default')
    try:
        replicator.identity.assign_project_role_to_user(replicator.identity.find_project('admin', domain_id='default'),
                                                        user, replicator.identity.find_role('admin'))
        with open(os.environ['OS_CLIENT_CONFIG_FILE']) as handle:
            entry = yaml.safe_load(handle)['clouds']['replicator']
        entry['auth'] = dict(entry['auth'], username=user.name, password=password)
        run = play(platform, lz({'compute.cores': 3}), workspaces(ws, projects=('a',)), tenants=True, cloud=entry)
        res = run['quota']
        assert run.rc == 0 and res['limits_scope'] == 'project', res
        assert any('project-scoped token' in w for w in res.get('warnings') or []), res.get('warnings')
        assert password not in run.stdout + run.stderr
    finally:
        replicator.identity.delete_user(user)
