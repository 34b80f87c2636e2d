# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local cloud's Nova + Placement + Glance, and what the reader-only `metering` account may do there.

With the replicator: a project `it-<unique>`, scoped into it a private image and a server (fake virt
driver, no network), ACTIVE. With metering (reader on project `admin` + the read-only policy overrides
written by tests/localcloud/services/{nova,glance}.py): the services answer, the other project's
server, private image and usage are visible, and nothing can be created.
"""

import datetime
import time

import pytest

from openstack import exceptions as os_exc

pytestmark = pytest.mark.release_matrix   # the release's own Nova, Glance and policies


def _wait(what, check, timeout=60, interval=0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('timeout waiting for %s' % what)
        time.sleep(interval)


@pytest.fixture
def workload(replicator, unique, request):
    """Project it-<unique> with a private image and an ACTIVE server in it; removed afterwards."""
    cleanup = []

    def finalize():
        for fn in reversed(cleanup):
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - clean up as much as possible
                print('cleanup failed: %r' % (exc,))
    request.addfinalizer(finalize)

    project = replicator.identity.create_project(name='it-%s' % unique, domain_id='default',
                                                 description='test_localcloud_compute')
    cleanup.append(lambda: replicator.identity.delete_project(project))
    user_id = replicator.current_user_id
    admin_role = replicator.identity.find_role('admin')
    replicator.identity.assign_project_role_to_user(project, user_id, admin_role)

    conn = replicator.connect_as_project(project.name)  # name: keeps project_domain_name
    image = conn.image.create_image(name='it-%s-img' % unique, disk_format='raw', container_format='bare',
                                    visibility='private', data=b'\0' * 4096)
    cleanup.append(lambda: replicator.image.delete_image(image.id, ignore_missing=True))
    assert image.owner == project.id

    flavor = conn.compute.find_flavor('m1.tiny', ignore_missing=False)
    t0 = time.monotonic()
    server = conn.compute.create_server(name='it-%s-vm' % unique, flavor_id=flavor.id, image_id=image.id,
                                        networks='none')

    def delete_server():
        conn.compute.delete_server(server.id, ignore_missing=True)
        conn.compute.wait_for_delete(server, interval=0.5, wait=60)
    cleanup.append(delete_server)
    server = conn.compute.wait_for_server(server, status='ACTIVE', interval=0.5, wait=90)
    print('server ACTIVE in %.1fs' % (time.monotonic() - t0))
    return {'project': project, 'image': image, 'server': server, 'conn': conn}


def test_replicator_quota_usage(workload):
    conn, project = workload['conn'], workload['project']
    quota = conn.compute.get_quota_set(project.id, usage=True)
    assert quota.usage['instances'] >= 1
    assert quota.usage['cores'] >= 1


def test_metering_sees_everything_and_writes_nothing(workload, metering, unique):
    project, image, server = workload['project'], workload['image'], workload['server']

    # every service answers to the reader-only account
    assert metering.identity.get('/auth/projects').status_code == 200
    assert {'m1.tiny', 'm1.small', 'm1.medium'} <= {f.name for f in metering.compute.flavors()}
    assert metering.compute.get('/').status_code == 200
    assert metering.placement.get('/').status_code == 200
    assert metering.image.get('/images?limit=1').status_code == 200

    # servers of all projects (detail), also with changes-since
    found = [s for s in metering.compute.servers(details=True, all_projects=True) if s.id == server.id]
    assert found and found[0].project_id == project.id
    since = (datetime.datetime.utcnow() - datetime.timedelta(hours=1)).strftime('%Y-%m-%dT%H:%M:%SZ')
    resp = metering.compute.get('/servers/detail?all_tenants=1&changes-since=%s' % since)
    assert resp.status_code == 200
    assert server.id in [s['id'] for s in resp.json()['servers']]

    # another project's private image
    assert image.id in [i.id for i in metering.image.images()]
    assert metering.image.get_image(image.id).owner == project.id

    # usage of all tenants includes that project
    start = (datetime.datetime.utcnow() - datetime.timedelta(hours=1)).strftime('%Y-%m-%dT%H:%M:%S')
    # microversion 2.40 pages the usages by instance (max_limit, 1,000): every page is read. CI saw the new server
    # missing from them now and then, cause not found: asked again for a while before it fails

    def usage_lists_the_server():
        servers_of, url = {}, '/os-simple-tenant-usage?detailed=1&start=%s' % start
        while url:
            resp = metering.compute.get(url, microversion='2.40')
            assert resp.status_code == 200, resp.text
            for usage in resp.json()['tenant_usages']:
                servers_of.setdefault(usage['tenant_id'], []).extend(s['instance_id'] for s in usage['server_usages'])
            url = next((link['href'] for link in resp.json().get('tenant_usages_links') or [] if link.get('rel') == 'next'), None)
        return server.id in servers_of.get(project.id, [])
    _wait('the server in the usage of all tenants', usage_lists_the_server, timeout=30, interval=2)

    # ... and no write anywhere
    with pytest.raises(os_exc.ForbiddenException):
        metering.identity.create_project(name='it-%s-met' % unique, domain_id='default')
    with pytest.raises(os_exc.ForbiddenException):
        metering.compute.create_server(name='it-%s-met' % unique, flavorRef='1', imageRef=image.id,
                                       networks='none')
    with pytest.raises(os_exc.ForbiddenException):
        metering.image.create_image(name='it-%s-met' % unique, disk_format='raw', container_format='bare')
    # another project's server is not even found by id (show/delete are project-scoped): 404
    with pytest.raises((os_exc.ForbiddenException, os_exc.NotFoundException)):
        metering.compute.delete_server(server.id, ignore_missing=False)
    with pytest.raises(os_exc.ForbiddenException):
        metering.image.delete_image(image.id, ignore_missing=False)
    assert workload['conn'].compute.get_server(server.id).status == 'ACTIVE'
    assert workload['conn'].image.get_image(image.id).status == 'active'
    with pytest.raises(os_exc.ForbiddenException):
        metering.compute.create_flavor(name='it-%s-met' % unique, ram=64, vcpus=1, disk=0)


def test_metering_sees_deleted_server_with_changes_since(workload, metering):
    conn, server = workload['conn'], workload['server']
    since = (datetime.datetime.utcnow() - datetime.timedelta(minutes=10)).strftime('%Y-%m-%dT%H:%M:%SZ')
    conn.compute.delete_server(server.id)
    conn.compute.wait_for_delete(server, interval=0.5, wait=60)

    def deleted_listed():
        resp = metering.compute.get('/servers/detail?all_tenants=1&changes-since=%s' % since)
        assert resp.status_code == 200, resp.text
        return [s for s in resp.json()['servers'] if s['id'] == server.id and s['status'] == 'DELETED']
    assert _wait('deleted server in changes-since listing', deleted_listed, timeout=20)
