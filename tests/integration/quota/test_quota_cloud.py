# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""openstack_quota against the local cloud's real Nova, Cinder, Neutron and Octavia, as one scenario.

Eight cases, each on a platform (inventory host) of its own with its own landing zones and workspaces
(host vars), run side by side in three ansible-playbook runs (stages); each host keeps its own results
and request counts. Between the stages the test does what people do by hand (a quota edited, servers and
volumes created). Tenants are created with keystone_tenant where a case needs them; quotas are read back
with openstacksdk (replicator account).
"""

import copy
import uuid

import pytest
import yaml

from helpers.playbook import run_playbook
from helpers.quota import Cloud, as_tenant, workspaces, zones

pytestmark = pytest.mark.release_matrix   # each service's quota API of the release

CASES = ('sets', 'check', 'vtype', 'decrease', 'nolb', 'unmanaged', 'badkey', 'noproject')
TASKS = [
    {'name': 'tenants', 'when': 'q_tenants | default(false)',
     'landingzone.openstack.keystone_tenant': {'cloud': 'replicator', 'platform': '{{ inventory_hostname }}',
                                               'landing_zones': '{{ landing_zones }}', 'workspaces': '{{ workspaces }}'}},
    {'name': 'quota', 'check_mode': '{{ q_check | default(false) }}', 'diff': '{{ q_diff | default(false) }}',
     'landingzone.openstack.openstack_quota': {
         'cloud': "{{ q_cloud | default('replicator') }}", 'platform': '{{ inventory_hostname }}',
         'landing_zones': '{{ landing_zones }}', 'workspaces': '{{ workspaces }}',
         'services': '{{ q_services | default(omit) }}'}},
]
LOWER = {'compute.instances': 1, 'compute.cores': 8, 'volume.volumes': 1, 'volume.gigabytes': 40}
NOLB = {'compute.cores': 5, 'load_balancer.load_balancers': 2, 'load_balancer.listeners': 4}


class Scenario:
    def __init__(self, replicator, clouds_yaml_path):
        self.cloud = Cloud(replicator)
        self.u = uuid.uuid4().hex[:8]
        self.platform = dict((case, 'q%s%s' % (case[:4], self.u)) for case in CASES)
        # a workspace per case: the platforms share the default domain, where project names are unique
        self.ws = dict((case, 'w%s%s' % (case[:4], self.u)) for case in CASES)
        self.clouds_yaml = clouds_yaml_path
        self.runs = []
        self.facts = {}
        self.made = []

    def host_vars(self, stage):
        """Each case's host vars at ``stage`` (1, 2, 3): its landing zones, workspaces, and how it runs."""
        ws = self.ws

        def one(case):
            return workspaces(ws[case], projects=('a',))
        vtype = {'volume.gigabytes_ssd': 40, 'volume.volumes_ssd': 4, 'volume.snapshots_ssd': 2}
        missing = dict(vtype, **{'volume.gigabytes_nope%s' % self.u: 5})
        below = dict(LOWER, **{'compute.instances': 5, 'volume.volumes': 5, 'volume.gigabytes': 50})
        cases = {
            'sets': dict(landing_zones=zones('small', {'network.router': 3, 'network.floatingip': 2}),
                         workspaces=workspaces(ws['sets'], overrides={'b': {'compute.cores': 6}}),
                         q_tenants=stage == 1, q_diff=stage == 3),
            'check': dict(landing_zones=zones('small' if stage == 1 else 'large'), workspaces=one('check'),
                          q_tenants=stage == 1, q_check=stage == 2, q_diff=stage == 2),
            'vtype': dict(landing_zones={'default': {'quota': {'values': vtype if stage == 2 else missing}}},
                          workspaces=one('vtype'), q_tenants=stage < 3),
            'decrease': dict(landing_zones={'default': {'quota': {'values': below if stage == 1 else LOWER}}},
                             workspaces=one('decrease'), q_tenants=stage == 1),
            'nolb': dict(landing_zones={'default': {'quota': {'values': NOLB}}}, workspaces=one('nolb'),
                         q_tenants=stage == 1, q_cloud='replicator-nolb' if stage == 1 else 'replicator'),
            'unmanaged': dict(landing_zones={'default': {'quota': {'values': {'compute.cores': 3, 'volume.gigabytes': 7}}}},
                              workspaces=one('unmanaged'), q_tenants=True, q_services=['volume']),
            'badkey': dict(landing_zones={'default': {'quota': {'values': {'compute.core': 3, 'volume.gigabytes': -5}}}},
                           workspaces=one('badkey')),
            'noproject': dict(landing_zones={'default': {'quota': {'values': {'compute.cores': 3}}}}, workspaces=one('noproject')),
        }
        if stage == 3:
            cases['decrease']['landing_zones']['default']['quota_below_usage'] = 'apply'
        # cases that have said all they have to say by then stay out of the later stages
        done = {2: ('unmanaged', 'badkey', 'noproject'), 3: ('unmanaged', 'badkey', 'noproject')}.get(stage, ())
        return dict((self.platform[c], v) for c, v in cases.items() if c not in done)

    def run(self, stage):
        run = run_playbook(tasks=copy.deepcopy(TASKS), hosts=self.host_vars(stage),
                           env={'OS_CLIENT_CONFIG_FILE': self.clouds_yaml, 'ANSIBLE_FORKS': '8'})
        self.runs.append(run)
        return run

    def result(self, stage, case, task='quota'):
        return self.runs[stage - 1].host(self.platform[case])[task]

    def project_id(self, case, proj='a'):
        return self.cloud.project_id(self.platform[case], self.ws[case], proj)

    def play(self):
        self.run(1)
        self.facts['vtype_projects_after_1'] = list(self.cloud.conn.identity.projects(
            tags='lz-platform=%s,lz-ws=%s' % (self.platform['vtype'], self.ws['vtype'])))
        self.facts['sets_after_1'] = (self.cloud.compute(self.project_id('sets', 'a'))['cores'],
                                      self.cloud.compute(self.project_id('sets', 'b'))['cores'])
        self._usage_of_decrease()
        self.run(2)
        self.facts['check_after_2'] = (self.cloud.compute(self.project_id('check'))['cores'],
                                       self.cloud.volume(self.project_id('check'))['gigabytes'])
        # a hand change is drift: found, reported old -> new, set back
        self.cloud.conn.compute.put('/os-quota-sets/%s' % self.project_id('sets'), json={'quota_set': {'cores': 99}})
        self.run(3)

    def _usage_of_decrease(self):
        pid = self.project_id('decrease')
        tenant = as_tenant(self.cloud.conn, pid)
        flavor = tenant.compute.find_flavor('m1.tiny', ignore_missing=False)
        image = tenant.image.find_image('cirros-fake', ignore_missing=False)
        servers = [tenant.compute.create_server(name='q-%d' % i, flavor_id=flavor.id, image_id=image.id,
                                                networks='none') for i in range(2)]
        volumes = [tenant.block_storage.create_volume(size=1, name='q-%d' % i) for i in range(2)]
        self.made = [(tenant, servers, volumes)]
        for server in servers:
            tenant.compute.wait_for_server(server, wait=180)
        for volume in volumes:
            tenant.block_storage.wait_for_status(volume, 'available', wait=120)

    def teardown(self):
        for tenant, servers, volumes in self.made:
            for server in servers:
                tenant.compute.delete_server(server, ignore_missing=True)
            for volume in volumes:
                tenant.block_storage.delete_volume(volume, ignore_missing=True)
            for server in servers:
                tenant.compute.wait_for_delete(server, wait=120)
            for volume in volumes:
                tenant.block_storage.wait_for_delete(volume, wait=120)
        for platform in self.platform.values():
            for project in self.cloud.conn.identity.projects(tags='lz-platform=%s' % platform):
                self.cloud.conn.identity.update_project(project, is_enabled=False)
                self.cloud.conn.identity.delete_project(project)


@pytest.fixture(scope='module')
def region_without_octavia(replicator, clouds_yaml, tmp_path_factory):
    """A real catalog difference: a region with the same endpoints as RegionOne except load-balancer.

    Yields the OS_CLIENT_CONFIG_FILE of a copy of clouds.yaml with a cloud ``replicator-nolb`` in it.
    """
    name = 'NoLB%s' % uuid.uuid4().hex[:8]
    with open(clouds_yaml) as handle:
        config = yaml.safe_load(handle)
    entry = copy.deepcopy(config['clouds']['replicator'])
    entry['region_name'] = name
    config['clouds']['replicator-nolb'] = entry
    path = tmp_path_factory.mktemp('nolb') / 'clouds.yaml'
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
        yield str(path)
    finally:
        for ep in created:
            identity.delete_endpoint(ep, ignore_missing=True)
        identity.delete_region(name, ignore_missing=True)


@pytest.fixture(scope='module')
def q(replicator, region_without_octavia):
    scenario = Scenario(replicator, region_without_octavia)
    try:
        scenario.play()
        yield scenario
    finally:
        scenario.teardown()


def test_the_local_cloud_runs_every_quota_service(q):
    assert q.cloud.has('network'), 'the local cloud runs Neutron'
    assert q.cloud.has('load-balancer'), 'the local cloud runs Octavia in RegionOne'
    types = [t.name for t in q.cloud.conn.block_storage.types()]
    assert 'ssd' in types, types


def test_sets_then_noop_then_reverts_drift(q):
    run = q.runs[0].host(q.platform['sets'])
    assert run.stats(q.platform['sets'])['failures'] == 0, run.stdout[-3000:] + run.stderr[-2000:]
    first = q.result(1, 'sets')
    assert first['changed'] is True
    assert first['summary']['changed'] == 2, first
    a = q.project_id('sets', 'a')
    assert q.facts['sets_after_1'] == (4, 6)
    assert q.cloud.compute(a)['ram'] == 4096 and q.cloud.volume(a)['gigabytes'] == 20
    assert q.cloud.network(a)['router'] == 3

    # Second run: nothing to do; one read per tenant for Nova and Cinder, one listing for Neutron.
    second = q.result(2, 'sets')
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

    # A hand change (cores 99 on a) is drift: found, reported old -> new, set back, and named as a change
    # outside the inventory (it differs from the project's lz_quota record), issue 24.
    third = q.result(3, 'sets')
    assert third['changed'] is True
    ws = q.ws['sets']
    row = [r for r in third['tenants'] if r['tenant'] == '%s/a' % ws][0]
    assert row['drift'] == {'compute.cores': {'old': 99, 'new': 4, 'outside_inventory': True}}
    reverted = [r for r in row['remarks'] if r['code'] == 'drift_reverted']
    assert [r['drift'] for r in reverted] == [dict(field='compute.cores', old=99, new=4, recorded=4)], row
    assert row['fixed'] == ['compute.cores'] and row['changes'] == ['compute.cores: 99 -> 4']
    assert third['diff'] == {'before': {'%s/a' % ws: {'compute.cores': 99}},
                             'after': {'%s/a' % ws: {'compute.cores': 4}}}
    assert q.cloud.compute(a)['cores'] == 4


def test_check_mode_writes_nothing_and_size_change(q):
    assert q.runs[0].stats(q.platform['check'])['failures'] == 0
    pid = q.project_id('check')
    # small -> large, first in check mode: the plan says old -> new, the cloud stays small.
    res = q.result(2, 'check')
    assert res['changed'] is True and res['requests']['by_method'].get('PUT', 0) == 0
    row = res['tenants'][0]
    assert row['drift']['compute.cores'] == {'old': 4, 'new': 32}
    assert row['drift']['volume.gigabytes'] == {'old': 20, 'new': 500}
    assert row['fixed'] == []
    assert res['diff']['after']['%s/a' % q.ws['check']]['compute.ram'] == 65536
    assert q.facts['check_after_2'] == (4, 20)

    res = q.result(3, 'check')
    assert res['changed'] is True
    assert q.cloud.compute(pid)['cores'] == 32 and q.cloud.compute(pid)['instances'] == 16
    assert q.cloud.volume(pid)['gigabytes'] == 500 and q.cloud.volume(pid)['volumes'] == 30
    assert len(res['planned']) == 2   # one PUT for Nova, one for Cinder


def test_volume_type_keys_and_missing_type(q):
    # the replicate path: keystone_tenant checks the types before its first write; the zone writes nothing
    platform = q.platform['vtype']
    assert q.runs[0].stats(platform)['failures'] == 1
    row = q.result(1, 'vtype', 'tenants')['tenants'][0]
    assert row['remarks'][0]['code'] == 'missing_reference' and 'nope%s' % q.u in row['remarks'][0]['message']
    assert q.facts['vtype_projects_after_1'] == []
    assert q.runs[1].stats(platform)['failures'] == 0, q.runs[1].stdout[-3000:]
    quota = q.cloud.volume(q.project_id('vtype'))
    assert (quota['gigabytes_ssd'], quota['volumes_ssd'], quota['snapshots_ssd']) == (40, 4, 2)
    # openstack_quota on its own: a missing type is its remark, the other keys stay applied
    assert q.runs[2].stats(platform)['failures'] == 0, q.runs[2].stdout[-3000:]
    res = q.result(3, 'vtype')
    row = res['tenants'][0]
    remark = [r for r in row['remarks'] if r['code'] == 'volume_type_missing']
    assert remark and remark[0]['keys'] == ['volume.gigabytes_nope%s' % q.u]
    assert row['status'] == 'remarks' and res['changed'] is False
    assert res['summary']['remarks'] == 1


def test_decrease_below_usage_is_reported_not_forced(q):
    assert q.runs[0].stats(q.platform['decrease'])['failures'] == 0
    pid = q.project_id('decrease')
    row = q.result(2, 'decrease')['tenants'][0]
    codes = sorted((r['code'], tuple(r.get('keys', ()))) for r in row['remarks'])
    assert codes == [('below_usage', ('compute.instances',)), ('below_usage', ('volume.volumes',))], row
    assert row['drift']['compute.instances'] == {'old': 5, 'new': 1, 'used': 2, 'skipped': 'below_usage'}
    assert row['changes'] == ['volume.gigabytes: 50 -> 40']       # the other decrease goes through

    # The landing zone may say apply: then it is forced and remarked as info.
    row = q.result(3, 'decrease')['tenants'][0]
    # Nova takes it with force; Cinder refuses any limit below usage, so that stays a remark.
    assert row['fixed'] == ['compute.instances'], row['remarks']
    codes = sorted((r['code'], tuple(r.get('keys', ()))) for r in row['remarks'])
    assert codes == [('below_usage', ('volume.volumes',)), ('below_usage_applied', ('compute.instances',))]
    assert q.cloud.compute(pid)['instances'] == 1 and q.cloud.volume(pid)['volumes'] == 5
    assert q.cloud.volume(pid)['gigabytes'] == 40


def test_service_missing_from_catalog_is_skipped_with_remark(q):
    run = q.runs[0].host(q.platform['nolb'])
    assert run.stats(q.platform['nolb'])['failures'] == 0, run.stdout[-3000:] + run.stderr[-2000:]
    res = q.result(1, 'nolb')
    assert res['missing_services'] == ['load_balancer'] and 'compute' in res['services']
    row = res['tenants'][0]
    assert row['changes'] == ['compute.cores: 20 -> 5']
    remark = [r for r in row['remarks'] if r['code'] == 'service_missing'][0]
    assert remark['keys'] == ['load_balancer.listeners', 'load_balancer.load_balancers']
    assert q.cloud.compute(q.project_id('nolb'))['cores'] == 5
    # In RegionOne the same inventory sets the Octavia keys too.
    row = q.result(2, 'nolb')['tenants'][0]
    assert sorted(row['fixed']) == ['load_balancer.listeners', 'load_balancer.load_balancers'], row
    res = q.result(3, 'nolb')
    assert res['changed'] is False
    assert res['requests']['by_api']['load_balancer'] <= 2


def test_unmanaged_services_option(q):
    assert q.runs[0].stats(q.platform['unmanaged'])['failures'] == 0
    res = q.result(1, 'unmanaged')
    assert res['requests']['by_api'].get('compute', 0) == 0
    pid = q.project_id('unmanaged')
    assert q.cloud.volume(pid)['gigabytes'] == 7 and q.cloud.compute(pid)['cores'] != 3


def test_bad_quota_key_fails_with_path_and_no_request(q):
    assert q.runs[0].stats(q.platform['badkey'])['failures'] == 1
    res = q.result(1, 'badkey')
    paths = sorted(e['path'] for e in res['errors'])
    assert paths == ['landing_zones.default.quota.values.compute.core',
                     'landing_zones.default.quota.values.volume.gigabytes']
    assert res['requests'] == {'total': 0}


def test_tenant_without_project_is_a_remark(q):
    assert q.runs[0].stats(q.platform['noproject'])['failures'] == 0
    row = q.result(1, 'noproject')['tenants'][0]
    assert row['status'] == 'remarks' and row['remarks'][0]['code'] == 'no_project'
    assert q.result(1, 'noproject')['requests']['by_method'].get('PUT', 0) == 0
