# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The metering visibility check against fake adapters: the comparison, the write probes, the
statuses, and a collection run that sees fewer resources than the check (a warning, never ok).

The real services are exercised by tests/integration/test_metering_check.py (right and wrong
Neutron policies on the local cloud).
"""

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._metering import check, collect, probe, visibility

from helpers.metering_fakes import NOW, Adapter, Conn, Response, healthy, page


def router(rid, project):
    return {'id': rid, 'project_id': project, 'name': 'r-%s' % rid}


# ------------------------------------------------------------------------------ compare

def test_compare_names_every_hidden_resource_per_project():
    admin = [router('r1', 'p1'), router('r2', 'p2'), router('r3', 'p2')]
    reader = [router('r1', 'p1')]
    result, findings = visibility.compare('routers', admin, reader, project_names={'p2': 'shop-web'})
    assert result['admin'] == 3 and result['reader'] == 1 and result['missing'] == 2
    assert result['projects'] == {'p2': dict(name='shop-web', admin=2, reader=0, missing=['r2', 'r3'],
                                             missing_count=2)}
    assert len(findings) == 1
    assert findings[0]['code'] == 'hidden_from_reader' and findings[0]['severity'] == 'error'
    assert findings[0]['project_id'] == 'p2'
    assert 'shop-web (p2)' in findings[0]['message'] and 'r2, r3' in findings[0]['message']


def test_compare_everything_visible():
    items = [router('r1', 'p1'), router('r2', 'p2')]
    result, findings = visibility.compare('routers', items, list(items))
    assert findings == [] and result == dict(admin=2, reader=2, missing=0, projects={})


def test_a_resource_created_between_the_listings_is_not_hidden():
    # the admin listed r2, created after the reader's first listing; the second reader listing has it
    admin = [router('r1', 'p1'), router('r2', 'p2')]
    result, findings = visibility.compare('routers', admin, [router('r1', 'p1')], [router('r1', 'p1'), router('r2', 'p2')])
    assert findings == [] and result['missing'] == 0


def test_a_resource_only_the_reader_lists_is_extra_not_an_error():
    result, findings = visibility.compare('routers', [router('r1', 'p1')], [router('r1', 'p1'), router('r9', 'p3')])
    assert findings == [] and result['projects']['p3']['extra'] == ['r9']


def test_many_hidden_resources_are_counted_and_the_first_named():
    admin = [router('r%03d' % i, 'p1') for i in range(50)]
    result, findings = visibility.compare('routers', admin, [])
    assert result['projects']['p1']['missing_count'] == 50
    assert len(result['projects']['p1']['missing']) == visibility.MAX_NAMED
    assert findings[0]['message'].endswith(' ... (fix: %s)' % findings[0]['fix'])
    assert findings[0]['fix'].startswith('neutron-policy.yaml, written by the playbook landingzone.openstack.metering_policy')


def test_fewer_than_check():
    counts = dict(servers=3, routers=0, floating_ips=None, images=5)
    assert visibility.fewer_than_check(counts, dict(servers=3, routers=2, floating_ips=1, images=4)) == [
        ('routers', 0, 2)]
    assert visibility.fewer_than_check(counts, None) == []


# ------------------------------------------------------------------------------ the collector

def test_a_run_that_sees_fewer_than_the_check_is_a_warning_and_not_ok():
    run = collect.collect(healthy(), 'local', page_size=2, retries=0, now=NOW,
                          check_counts=dict(routers=3, servers=3, floating_ips=1))
    assert run['status'] == 'partial'
    fewer = [r for r in run['remarks'] if r['code'] == 'fewer_than_check']
    assert [(r['kind'], r['severity']) for r in fewer] == [('routers', 'warning')]
    assert 'sees 1 routers' in fewer[0]['message'] and 'found 3' in fewer[0]['message']
    # nothing of it is marked gone from a listing known to be short; the other kinds are complete
    assert 'routers' not in run['complete_kinds'] and 'servers' in run['complete_kinds']
    assert run['counts']['routers'] == 1


def test_a_run_that_sees_as_many_as_the_check_is_ok():
    run = collect.collect(healthy(), 'local', page_size=2, retries=0, now=NOW,
                          check_counts=dict(routers=1, servers=3, floating_ips=1, images=1))
    assert run['status'] == 'ok' and not [r for r in run['remarks'] if r['code'] == 'fewer_than_check']


# ------------------------------------------------------------------------------ the probes

class ProbeAdapter:
    """Answers every write with ``answers[(method, path prefix)]`` (a status), 403 otherwise."""

    def __init__(self, answers=None):
        self.answers = answers or {}
        self.calls = []

    def request(self, path, method, **kwargs):
        self.calls.append((method, path, kwargs.get('json')))
        for (m, prefix), status in self.answers.items():
            if m == method and path.startswith(prefix):
                body = {}
                if status in (200, 201, 202):
                    body = {'router': {'id': 'new-router'}} if prefix == '/routers' else {'id': 'new-image'}
                return Response(status, body)
        return Response(403, {'error': {'message': 'forbidden'}})


def reader_conn(**answers):
    conn = Conn(**dict((name, ProbeAdapter(answers.get(name)))
                       for name in ('compute', 'block_storage', 'network', 'image', 'identity', 'load_balancer')))
    conn.current_project_id = 'p-admin'
    return conn


TARGETS = dict(routers=[router('own', 'p-admin'), router('r2', 'p2')],
               floating_ips=[{'id': 'f2', 'project_id': 'p2', 'description': ''}],
               load_balancers=[{'id': 'lb1', 'project_id': 'p2', 'name': 'x', 'provisioning_status': 'PENDING_UPDATE'}])


def test_every_write_refused():
    results = probe.run_probes(reader_conn(), None, TARGETS)
    assert set(r['outcome'] for r in results) == {'refused'}
    requests = [r['request'] for r in results]
    # another project's router is renamed to its own name, never the reader's own router; a load
    # balancer that is not ACTIVE is left out (Octavia would answer 409)
    assert 'PUT /routers/r2' in requests and 'PUT /routers/own' not in requests
    assert 'PUT /floatingips/f2' in requests
    assert not [r for r in requests if 'loadbalancers' in r]
    assert {'POST /flavors', 'POST /volumes', 'POST /routers', 'POST /images', 'POST /projects'} <= set(requests)


def test_a_write_taken_is_allowed_and_what_it_created_is_deleted():
    reader = reader_conn(network={('POST', '/routers'): 201, ('PUT', '/routers/'): 200})
    admin = reader_conn(network={('DELETE', '/routers/new-router'): 204})
    results = dict((r['request'], r) for r in probe.run_probes(reader, admin, TARGETS))
    assert results['POST /routers']['outcome'] == 'allowed'
    assert results['POST /routers']['cleanup'] == 'deleted /routers/new-router'
    assert ('DELETE', '/routers/new-router', None) in admin.network.calls
    assert results['PUT /routers/r2']['outcome'] == 'allowed' and 'cleanup' not in results['PUT /routers/r2']
    body = [c[2] for c in reader.network.calls if c[:2] == ('PUT', '/routers/r2')][0]
    assert body == {'router': {'name': 'r-r2'}}  # its own name: nothing changes even when taken


def test_an_answer_that_is_neither_is_unproven():
    results = dict((r['request'], r) for r in probe.run_probes(
        reader_conn(image={('POST', '/images'): 400}), None, TARGETS))
    assert results['POST /images']['outcome'] == 'unproven' and results['POST /images']['status'] == 400


# ------------------------------------------------------------------------------ the whole check

def check_conn(routers, fips, lbs=()):
    conn = healthy(network=Adapter({'/floatingips': [page('floatingips', list(fips))],
                                    '/routers': [page('routers', list(routers))],
                                    '/ports': [page('ports', [])]}),
                   load_balancer=Adapter({'/lbaas/loadbalancers': [page('loadbalancers', list(lbs))]}))
    conn.current_project_id = 'p-admin'
    return conn


PARAMS = dict(kinds=['routers', 'floating_ips'], page_size=1000, retries=0, write_probes=False)


def test_check_ok_needs_the_admin_and_the_probes():
    every = [router('r1', 'p1')]
    result = check.run_check(check_conn(every, []), check_conn(every, []), PARAMS, None)
    assert result['status'] == 'incomplete'  # write probes not run
    assert result['admin_counts'] == dict(routers=1, floating_ips=0)
    result = check.run_check(check_conn(every, []), None, PARAMS, None)
    assert result['status'] == 'incomplete' and result['admin_counts'] == {}
    assert result['visibility']['routers'] == dict(reader=1, admin=None)


def test_check_fails_on_hidden_routers_and_floating_ips():
    reader = check_conn([], [])
    admin = check_conn([router('r1', 'p1')], [{'id': 'f1', 'project_id': 'p1'}])
    result = check.run_check(reader, admin, PARAMS, None)
    assert result['status'] == 'failed'
    hidden = sorted((f['kind'], f['project_id']) for f in result['findings'] if f['code'] == 'hidden_from_reader')
    assert hidden == [('floating_ips', 'p1'), ('routers', 'p1')]
    # the reader was asked twice (the second listing after the admin's), the admin once
    assert [c[1] for c in reader.network.calls].count('/routers') == 2
    assert [c[1] for c in admin.network.calls].count('/routers') == 1
    # the project name from Keystone is in the finding
    assert any('acme-web (p1)' in f['message'] for f in result['findings'])


@pytest.mark.parametrize('status', [403, 500])
def test_check_fails_when_the_reader_cannot_list_a_kind(status):
    reader = check_conn([], [])
    reader.network = Adapter({'/routers': status, '/floatingips': [page('floatingips', [])]})
    result = check.run_check(reader, None, PARAMS, None)
    assert result['status'] == 'failed'
    assert [f['kind'] for f in result['findings']] == ['routers']
