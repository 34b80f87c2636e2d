# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Metering collection against fake service adapters: paging, changes-since, failing kinds.

The adapters answer like keystoneauth adapters (``request(path, method, **kwargs)`` -> response);
the real services are exercised by tests/integration/test_metering.py. Here: what the collector
does when a kind fails, which the local cloud cannot be made to do on demand.
"""


import pytest
from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as os_exc

from ansible_collections.landingzone.openstack.plugins.module_utils import _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import collect
from helpers.metering_fakes import NOW, Adapter, Missing, healthy, page, server


def test_every_kind_collected_with_paging_and_counts():
    conn = healthy()
    run = collect.collect(conn, 'local', page_size=2, retries=0, now=NOW)
    assert run['status'] == 'ok' and run['complete_kinds'] == list(store.KINDS)
    assert run['counts'] == dict(servers=3, volumes=1, snapshots=0, floating_ips=1, routers=1, load_balancers=0,
                                 images=1, projects=2)
    assert run['requests']['per_kind'] == dict(servers=2, volumes=1, snapshots=1, floating_ips=1, routers=1,
                                               load_balancers=1, images=1, projects=1)
    assert run['requests']['per_service'] == {'compute': 2, 'block-storage': 2, 'network': 2, 'load-balancer': 1,
                                              'image': 1, 'identity': 1}
    calls = conn.compute.calls
    assert [c[2] for c in calls] == [{'all_tenants': 1, 'limit': 2}, {'all_tenants': 1, 'limit': '2', 'marker': 'm1'}]
    assert all(c[3] == '2.47' for c in calls)  # the microversion goes with every server request
    assert conn.identity.calls[0][2] == {'limit': _rest.KEYSTONE_PAGE_LIMIT}
    assert run['window_end'] == run['started_at'] == '2026-11-01T12:00:00.000000Z' and run['window_start'] is None
    # p-gone (on a server, unknown to Keystone) and the router without project are attributed/remarked
    owners = dict((p['project_id'], p['workspace']) for p in run['projects'])
    assert owners == {'p1': 'acme', 'p-gone': store.UNMANAGED}
    codes = sorted((r['kind'], r['code']) for r in run['remarks'])
    assert codes == [('projects', 'projects_unknown'), ('routers', 'project_unknown')]


@pytest.mark.parametrize('failure,code,severity', [
    (500, 'service_failed', 'error'),
    (403, 'forbidden', 'error'),
    (ksa_exc.EndpointNotFound('no volumev3 endpoint'), 'service_missing', 'warning'),
])
def test_a_failing_kind_is_a_remark_and_the_others_are_recorded(failure, code, severity):
    storage = Adapter({'/volumes/detail': failure, '/snapshots/detail': [page('snapshots', [])]})
    run = collect.collect(healthy(block_storage=storage), 'local', retries=0, now=NOW)
    assert 'volumes' not in run['complete_kinds']
    assert run['complete_kinds'] == [k for k in store.KINDS if k != 'volumes']
    assert run['counts']['volumes'] is None and run['counts']['servers'] == 3
    assert not [o for o in run['observations'] if o['kind'] == 'volumes']
    assert len([o for o in run['observations'] if o['kind'] == 'servers']) == 3
    volume_remarks = [r for r in run['remarks'] if r['kind'] == 'volumes']
    assert [(r['code'], r['severity']) for r in volume_remarks] == [(code, severity)]
    assert run['status'] == ('partial' if severity == 'error' else 'ok')


@pytest.mark.parametrize('exc', [os_exc.ServiceDisabledException('Service load-balancer is disabled'),
                                 os_exc.EndpointNotFound('no endpoint')])
def test_a_service_missing_from_the_catalog(exc):
    run = collect.collect(healthy(load_balancer=Missing(exc)), 'local', retries=0, now=NOW)
    assert 'load_balancers' not in run['complete_kinds'] and len(run['complete_kinds']) == len(store.KINDS) - 1
    assert [(r['code'], r['severity']) for r in run['remarks'] if r['kind'] == 'load_balancers'] == \
        [('service_missing', 'warning')]
    assert run['status'] == 'ok'


def test_truncated_listing_is_a_failed_kind():
    network = Adapter({'/floatingips': [{'floatingips': [{'id': 'f1'}], 'truncated': True}],
                       '/routers': [page('routers', [])]})
    run = collect.collect(healthy(network=network), 'local', retries=0, now=NOW)
    assert 'floating_ips' not in run['complete_kinds'] and 'routers' in run['complete_kinds']
    assert [r['code'] for r in run['remarks'] if r['kind'] == 'floating_ips'] == ['service_failed']


def test_changes_since_adds_only_deleted_servers():
    def servers(params):
        if 'changes-since' in params:
            return page('servers', [server('s1'), server('s9', status='DELETED')])
        return page('servers', [server('s1')])
    conn = healthy(compute=Adapter({'/servers/detail': servers}))
    run = collect.collect(conn, 'local', kinds=['servers'], since={'servers': '2026-11-01T11:00:00.000000Z'},
                          retries=0, now=NOW)
    assert [c[2].get('changes-since') for c in conn.compute.calls] == [None, '2026-11-01T10:55:00Z']
    assert [o['resource_id'] for o in run['observations']] == ['s1', 's9']
    assert run['requests']['per_kind']['servers'] == 2
    assert run['window_start'] == '2026-11-01T11:00:00.000000Z'


def test_projects_fall_back_to_own_projects_when_listing_is_refused():
    identity = Adapter({'/projects': 403, '/auth/projects': [{'projects': [{'id': 'p1', 'name': 'mine'}]}]})
    conn = healthy(identity=identity)
    conn.config = None  # no config: the system-scoped connection cannot be made either
    run = collect.collect(conn, 'local', kinds=['volumes'], retries=0, now=NOW)
    assert [(r['code'], r['severity']) for r in run['remarks'] if r['kind'] == 'projects'] == \
        [('projects_partial', 'warning')]
    assert [p['project_id'] for p in run['projects']] == ['p1']
    assert run['requests']['per_kind']['projects'] == 2
    # the other projects' resources land on unmanaged: never a quiet ok
    assert run['status'] == 'partial'


def test_projects_truncated_are_kept_with_a_remark():
    identity = Adapter({'/projects': [{'projects': [{'id': 'p1', 'name': 'a'}], 'truncated': True}]})
    run = collect.collect(healthy(identity=identity), 'local', kinds=['volumes'], retries=0, now=NOW)
    assert [r['code'] for r in run['remarks'] if r['kind'] == 'projects'] == ['projects_truncated']
    assert [p['project_id'] for p in run['projects']] == ['p1']
    assert run['status'] == 'partial'


def test_projects_failing_leave_resources_unmanaged():
    run = collect.collect(healthy(identity=Adapter({'/projects': 500})), 'local', kinds=['volumes'], retries=0,
                          now=NOW)
    assert [(r['code'], r['severity']) for r in run['remarks'] if r['kind'] == 'projects'][0] == \
        ('service_failed', 'error')
    assert run['status'] == 'partial' and run['complete_kinds'] == ['volumes']
    assert [(p['project_id'], p['workspace']) for p in run['projects']] == [('p1', store.UNMANAGED)]


def test_failure_codes_are_typed():
    assert collect.failure_code(ksa_exc.EndpointNotFound()) == 'service_missing'
    assert collect.failure_code(os_exc.ServiceDisabledException('x')) == 'service_missing'
    assert collect.failure_code(_rest.ApiError('GET', '/x', 401)) == 'forbidden'
    assert collect.failure_code(_rest.ApiError('GET', '/x', 503)) == 'service_failed'
    # a message that merely mentions the catalog is no longer taken for a missing service
    assert collect.failure_code(RuntimeError('catalog is on fire')) == 'service_failed'
