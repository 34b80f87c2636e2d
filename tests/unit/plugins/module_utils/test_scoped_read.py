# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run limited to some workspaces (``only_workspaces``) finds its tenants' projects and groups by name, so
that its cost follows the workspaces, not the cloud (issue 29, docs/scale.md); it lists the cloud when a
lookup misses what the last complete run left, since only the listing shows a project or group under
another name, which a create would duplicate. Its steps validate only those workspaces when the run's
validation task passed the whole inventory (option ``validated``)."""

import copy
import json
import types

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _ownership
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import validate as inv
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.naming import keystone_name_key
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import Scope
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import InventoryError
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import runner as ks_runner
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import snapshot as ks_snapshot
from ansible_collections.landingzone.openstack.plugins.module_utils._quota import runner as quota_runner

from test_keystone import ListingRest, converged_snapshot, group, project, spec


class NamedRest(ListingRest):
    """ListingRest whose project and group listings take Keystone's ``name`` filter (its database's comparison) and
    ``name__istartswith`` (a page of ``limit`` items, then a next link)."""

    def get(self, path, params=None, missing_ok=False):
        params = params or {}
        if path not in ('/projects', '/groups') or not ('name' in params or 'name__istartswith' in params):
            return super().get(path, params, missing_ok)
        self.sent.append(('GET', path, tuple(sorted((k, v) for k, v in params.items() if k != 'limit'))))
        items = self.bodies[path][path[1:]]
        if 'name' in params:
            items = [i for i in items if keystone_name_key(i['name']) == keystone_name_key(params['name'])]
        else:
            items = [i for i in items if i['name'].lower().startswith(params['name__istartswith'].lower())]
        limit = int(params.get('limit') or len(items) + 1)
        body = {path[1:]: items[:limit]}
        if len(items) > limit:
            body['links'] = {'next': 'http://k/v3%s?marker=%s' % (path, items[limit - 1]['id'])}
        return body


def limited(members_read='auto', check_mode=False):
    """A module limited to workspace acme; ``check_mode`` for a run that plans writes (the fake Keystone takes none)."""
    warnings = []
    return types.SimpleNamespace(params={'platform': 'local', 'only_workspaces': ['acme'], 'max_workers': 2,
                                         'max_deletions': 10, 'allow_empty_inventory': False,
                                         'members_read': members_read},
                                 check_mode=check_mode, _diff=False, warnings=warnings, warn=warnings.append)


def scope(*tenants):
    return Scope(list(tenants or [spec()]), frozenset(), False, tuple(tenants or [spec()]))


def paths(rest):
    return sorted(rest.sent)


PROJECT_BY_PREFIX = ('GET', '/projects', (('name__istartswith', 'acme-web'),))
GROUPS_BY_PREFIX = ('GET', '/groups', (('name__istartswith', 'acme-web-'),))
# the grants group by group; the members of the groups granted on the tenant's project from its effective listing
PER_GROUP = ([('GET', '/role_assignments', (('group.id', g),)) for g in ('g-reader', 'g-user', 'g-admin')]
             + [('GET', '/role_assignments', (('effective', 'true'), ('include_names', 'true'),
                                              ('scope.project.id', 'p1')))])


# ---------------------------------------------------------------------------- the tenants step

def test_a_limited_tenants_step_finds_its_projects_by_their_prefix():
    rest = NamedRest(converged_snapshot())
    out = ks_runner.replicate_tenants(limited(), rest, scope())
    assert paths(rest) == sorted([PROJECT_BY_PREFIX, ('GET', '/domains', ())])
    assert out['read'] == {'mode': 'by_name', 'reason': None}
    assert out['changed'] is False and out['planned'] == []


def test_names_without_a_long_common_prefix_are_looked_up_one_by_one(monkeypatch):
    monkeypatch.setattr(ks_snapshot, 'PREFIX_MIN', 100)
    rest = NamedRest(converged_snapshot())
    out = ks_runner.replicate_tenants(limited(), rest, scope())
    assert ('GET', '/projects', (('name', 'acme-web'),)) in rest.sent and PROJECT_BY_PREFIX not in rest.sent
    assert out['read']['mode'] == 'by_name' and out['changed'] is False


def test_a_prefix_that_lists_too_much_is_left_for_the_names():
    snap = converged_snapshot()
    # 60 projects of other tenants share the prefix: more than the bound of 4 x 1 name + 50
    snap.projects += [project('p-x%d' % i, 'acme-web-x%d' % i, tags=['other']) for i in range(60)]
    rest = NamedRest(snap)
    out = ks_runner.replicate_tenants(limited(), rest, scope())
    assert PROJECT_BY_PREFIX in rest.sent and ('GET', '/projects', (('name', 'acme-web'),)) in rest.sent
    assert out['read']['mode'] == 'by_name' and out['tenants'][0]['project_id'] == 'p1'


def test_the_prefix_listing_keeps_only_the_names_asked_for():
    snap = converged_snapshot()
    snap.projects += [project('p2', 'acme-webshop', tags=['other'])]
    found = ks_snapshot.lookup_by_name(NamedRest(snap), '/projects', 'projects', [['acme-web']])
    assert [p['id'] for p in found] == ['p1']


def test_a_project_renamed_by_hand_makes_the_limited_run_list_the_cloud_and_rename_it_back():
    snap = converged_snapshot()
    snap.projects[0]['name'] = 'acme-renamed'
    rest = NamedRest(snap)
    out = ks_runner.replicate_tenants(limited(check_mode=True), rest, scope())
    assert out['read'] == {'mode': 'listed', 'reason': 'no single project named acme-web carries the marker of acme/web'}
    assert ('GET', '/projects', ()) in rest.sent
    assert out['tenants'][0]['project_id'] == 'p1' and out['changed'] is True
    assert [p for p in out['planned'] if 'acme-web' in p and 'create' in p] == []


def test_a_tenant_to_create_makes_the_limited_run_list_the_cloud():
    rest = NamedRest(converged_snapshot())
    new = spec(name='acme-db', key='acme/db')
    out = ks_runner.replicate_tenants(limited(check_mode=True), rest, scope(spec(), new))
    assert out['read']['mode'] == 'listed' and 'acme/db' in out['read']['reason']
    assert out['planned'] == ['create project acme-db']


@pytest.mark.parametrize('tenant, reason', [
    (spec(state='deleted', delete=True), 'acme/web is in state deleted'),
    (ks_snapshot.dataclasses.replace(spec(), adopt='p9'), 'acme/web adopts project p9'),
])
def test_what_only_the_listing_shows_is_listed(tenant, reason):
    assert ks_snapshot.by_name_blocker([tenant]) == reason


def test_a_large_scope_and_the_effective_read_are_listed(monkeypatch):
    assert ks_snapshot.by_name_blocker([spec()], ks_snapshot.MembersRead.EFFECTIVE).startswith('members_read is effective')
    monkeypatch.setattr(ks_snapshot, 'BY_NAME_TENANT_LIMIT', 0)
    assert ks_snapshot.by_name_blocker([spec()]) == '1 tenants: more than 0 are listed'


def test_a_whole_platform_run_lists_the_cloud_and_says_so_without_a_reason():
    rest = NamedRest(converged_snapshot())
    module = limited()
    module.params['only_workspaces'] = None
    out = ks_runner.replicate_tenants(module, rest, Scope([spec()], frozenset(), True))
    assert out['read'] == {'mode': 'listed', 'reason': None}
    assert paths(rest) == sorted([('GET', '/projects', ()), ('GET', '/domains', ())])


# ---------------------------------------------------------------------------- the access step

def test_a_limited_access_step_reads_only_its_tenants_groups():
    rest = NamedRest(converged_snapshot())
    out = ks_runner.replicate_access(limited(), rest, scope())
    assert paths(rest) == sorted([PROJECT_BY_PREFIX, GROUPS_BY_PREFIX, ('GET', '/roles', ())] + PER_GROUP)
    assert out['read'] == {'mode': 'by_name', 'reason': None}
    assert out['members'] == {'mode': 'groups', 'groups': 3, 'read': 3, 'from_records': 0}
    assert out['changed'] is False and out['summary']['ok'] == 1


def test_a_limited_access_step_sets_back_a_member_added_by_hand():
    snap = converged_snapshot()
    snap.members['g-user']['u-eve'] = 'eve'
    rest = NamedRest(snap)
    out = ks_runner.replicate_access(limited(check_mode=True), rest, scope())
    assert out['read']['mode'] == 'by_name'
    assert out['planned'] == ['remove eve from group acme-web-user']


def test_a_group_whose_grant_was_removed_by_hand_is_read_on_its_own_and_granted_again():
    """The effective listing of the project shows no member of a group granted nothing there: that group's members
    are read group by group, so the run grants it again and leaves its members, which did not change."""
    snap = converged_snapshot()
    del snap.group_grants[('g-admin', 'p1')]
    rest = NamedRest(snap)
    out = ks_runner.replicate_access(limited(check_mode=True), rest, scope())
    assert [p for p in rest.sent if p[1].startswith('/groups/') and p[1] != '/groups'] == [
        ('GET', '/groups/g-admin/users', ())]
    assert sorted(out['planned']) == ['grant manager to group acme-web-admin', 'grant member to group acme-web-admin']


def test_members_removed_by_hand_from_a_granted_group_are_added_again():
    """A granted group without members gives no line in the effective listing: it is read as empty."""
    snap = converged_snapshot()
    snap.members['g-admin'] = {}
    rest = NamedRest(snap, [{'id': 'u-alice', 'name': 'alice'}])
    out = ks_runner.replicate_access(limited(check_mode=True), rest, scope())
    assert [p for p in rest.sent if p[1].startswith('/groups/') and p[1] != '/groups'] == []
    assert out['planned'] == ['add alice to group acme-web-admin']


def test_records_are_used_on_request_in_a_limited_run():
    rest = NamedRest(converged_snapshot())
    out = ks_runner.replicate_access(limited('records'), rest, scope())
    assert out['read']['mode'] == 'by_name'
    assert out['members'] == {'mode': 'records', 'groups': 3, 'read': 0, 'from_records': 3}
    # the grants still group by group: a limited run sets back a grant changed by hand; no members are read
    assert [p for p in rest.sent if p[1].startswith('/groups/')] == []
    assert sorted(p for p in rest.sent if p[1] == '/role_assignments') == sorted(PER_GROUP[:3])


def without_record(snap):
    del snap.projects[0][_ownership.ACCESS_APPLIED_ATTR]
    return snap


def renamed_group(snap):
    snap.groups[1]['name'] = 'by-hand'
    return snap


def legacy_group(snap):
    del snap.groups[0][_ownership.GROUP_PLATFORM_ATTR]
    return snap


def unmapped_role(snap):
    record = snap.projects[0][_ownership.ACCESS_APPLIED_ATTR]
    record['auditor'] = {'roles': ['reader'], 'members': []}
    snap.groups.append(group('g-auditor', 'auditor', name='acme-web-auditor'))
    return snap


@pytest.mark.parametrize('change, reason', [
    (without_record, 'the access record of acme/web names other roles than admin, reader, user'),
    (unmapped_role, 'the access record of acme/web names other roles than admin, reader, user'),
    (renamed_group, 'no single group named acme-web-user of acme/web on this platform'),
    (legacy_group, 'no single group named acme-web-reader of acme/web on this platform'),
])
def test_what_a_lookup_misses_makes_the_access_step_list_the_cloud(change, reason):
    rest = NamedRest(change(converged_snapshot()))
    out = ks_runner.replicate_access(limited(check_mode=True), rest, scope())
    assert out['read'] == {'mode': 'listed', 'reason': reason}
    assert ('GET', '/groups', ()) in rest.sent and ('GET', '/projects', ()) in rest.sent
    # what only the listing showed is planned: the group renamed back or marked, the unmapped group deleted
    planned = ' '.join(out['planned'])
    assert 'create group' not in planned
    if change is renamed_group:
        assert 'rename group by-hand' in planned
    if change is unmapped_role:
        assert 'acme-web-auditor' in planned


# ---------------------------------------------------------------------------- the quota step

def test_a_limited_quota_step_finds_its_projects_by_name():
    rest = NamedRest(converged_snapshot())
    ids, duplicates, records = quota_runner.find_projects(rest, [spec()], True, limited=True)
    assert rest.sent == [PROJECT_BY_PREFIX] and ids == {'acme/web': 'p1'} and duplicates == {}
    rest = NamedRest(converged_snapshot())
    ids = quota_runner.find_projects(rest, [spec(), spec(name='acme-db', key='acme/db')], True, limited=True)[0]
    # a project the lookup misses: the listing, which alone shows a project renamed by hand
    assert ('GET', '/projects', ()) in rest.sent and ids == {'acme/web': 'p1'}


def test_the_quota_step_says_how_it_read_its_projects():
    projects, read = quota_runner.read_projects(NamedRest(converged_snapshot()), [spec()], True, limited=True)
    assert [p['id'] for p in projects] == ['p1'] and read.as_dict() == {'mode': 'by_name', 'reason': None}
    read = quota_runner.read_projects(NamedRest(converged_snapshot()), [spec(name='acme-db', key='acme/db')], True,
                                      limited=True)[1]
    assert read.as_dict() == {'mode': 'listed', 'reason': 'no single project named acme-db carries the marker of acme/db'}
    assert quota_runner.read_projects(NamedRest(converged_snapshot()), [spec()], False, limited=True) == ([], None)


# ---------------------------------------------------------------------------- the validation

ZONES = {'default': {}}


def params(workspaces, validated=None, text=True):
    value = json.dumps(workspaces) if text else workspaces
    return dict(platform='local', platforms=['local'], landing_zones=copy.deepcopy(ZONES), workspaces=value,
                workspace_files=None, validated=validated, only_workspaces=['shop'])


def shop():
    return {'identifier': 'shop', 'name': 'Shop', 'projects': [{'identifier': 'web', 'landing_zone': 'default'}]}


def broken():
    return {'identifier': 'other', 'projects': [{'identifier': 'api', 'landing_zone': 'nowhere'}]}


@pytest.mark.parametrize('text', [True, False])
def test_the_fingerprint_names_exactly_the_inventory_validated(text):
    given = params([shop()], text=text)
    given['validated'] = inv.inventory_fingerprint(given)
    assert inv.is_validated(given)
    for key, value in (('workspaces', params([shop(), broken()], text=text)['workspaces']),
                       ('landing_zones', {'default': {}, 'corp': {}}), ('platforms', ['local', 'other']),
                       ('validated', 'x' * 64), ('validated', None)):
        assert not inv.is_validated(dict(given, **{key: value})), key


def test_a_validated_limited_run_analyses_only_its_workspaces():
    inventory = dict(landing_zones=copy.deepcopy(ZONES), workspaces=[broken(), shop()])
    with pytest.raises(InventoryError, match=r'workspaces\[0\]'):
        inv.select_scope(inventory, 'local', ['local'], ['shop'])
    found = inv.select_scope(inventory, 'local', ['local'], ['shop'], validated=True)
    assert [t.key for t in found.tenants] == ['shop/web'] and found.tenants[0].path == 'workspaces[1].projects[0]'
    assert not found.decides_orphans
    # validated, but the whole platform: every workspace is analysed
    with pytest.raises(InventoryError):
        inv.select_scope(inventory, 'local', ['local'], None, validated=True)


def test_the_steps_skip_the_rest_only_with_the_fingerprint_of_the_same_inventory():
    given = params([broken(), shop()])
    with pytest.raises(InventoryError):
        ks_runner.desired_scope(given)
    given['validated'] = inv.inventory_fingerprint(given)
    assert [t.key for t in ks_runner.desired_scope(given).tenants] == ['shop/web']


def other():
    return {'identifier': 'other', 'projects': [{'identifier': 'api', 'landing_zone': 'default'}]}


def test_a_limited_run_hands_its_steps_only_its_workspaces_and_they_find_them_validated():
    files = dict(directory='inv/workspaces', files=['other.yml', 'shop.yml'], identifiers=['other', 'shop'])
    given = dict(params([other(), shop()]), workspace_files=files)
    text, fingerprint = inv.scope_workspaces(given, inv.inventory_of(given)['workspaces'])
    assert [w['identifier'] for w in json.loads(text)] == ['shop']
    step = dict(given, workspaces=text, validated=fingerprint)
    assert inv.is_validated(step)
    # the workspace files name the whole inventory: a step given its scope is not taken for a second source
    assert [t.key for t in ks_runner.desired_scope(step).tenants] == ['shop/web']
    # the whole inventory's fingerprint does not pass for the scope, nor the scope's for another scope
    assert not inv.is_validated(dict(step, validated=inv.inventory_fingerprint(given)))
    assert not inv.is_validated(dict(step, workspaces=json.dumps([other()])))
    assert inv.scope_workspaces(dict(given, only_workspaces=None), [other(), shop()]) is None


def test_the_steps_take_the_projects_the_tenants_step_listed_only_from_the_same_keystone_and_platform(tmp_path):
    snap = ks_snapshot.Snapshot('local')
    snap.projects = [project()]
    listing = ks_snapshot.hand_listing(str(tmp_path / 'l.json'), snap, 'http://k/v3', 'local')
    assert listing['projects'] == 1
    steps = {'tenants': {'tenants': [], 'listing': listing}}
    assert [p['id'] for p in ks_snapshot.handed_projects(steps, 'http://k/v3', 'local')] == ['p1']
    # the whole result, as a user registers it, carries it in its handoff
    assert ks_snapshot.handed_projects({'tenants': {'handoff': {'listing': listing}}}, 'http://k/v3', 'local')
    assert ks_snapshot.handed_projects(steps, 'http://other/v3', 'local') is None
    assert ks_snapshot.handed_projects(steps, 'http://k/v3', 'fra1') is None
    assert ks_snapshot.handed_projects(steps, None, 'local') is None
    assert ks_snapshot.handed_projects({'tenants': {'tenants': []}}, 'http://k/v3', 'local') is None
    warned = []
    (tmp_path / 'l.json').write_text('{}')
    assert ks_snapshot.handed_projects(steps, 'http://k/v3', 'local', warned.append) is None
    assert 'is not the one the step wrote' in warned[0] and 'listed again' in warned[0]


def test_a_handed_listing_spares_the_access_and_quota_steps_the_project_listing():
    rest = ListingRest(converged_snapshot())
    handed = rest.bodies['/projects']['projects']
    snap = ks_snapshot.Snapshot.read_access(rest, [spec()], platform='local', handed=handed)
    assert [p['id'] for p in snap.projects] == [p['id'] for p in handed]
    assert snap.scope_read.as_dict() == {'mode': 'handed', 'reason': None}
    assert not [s for s in rest.sent if s[1] == '/projects']
    projects, read = quota_runner.read_projects(rest, [spec()], True, handed=handed)
    assert projects == handed and read.as_dict()['mode'] == 'handed'
    assert not [s for s in rest.sent if s[1] == '/projects']


# ---------------------------------------------------------------------------- reading while analysing

class PrefetchModule:
    """A module whose connection, listing client and analysis record their order."""

    def __init__(self, given, rest):
        self.params = given
        self.events = []
        self._rest = rest

    def connect(self):
        self.events.append('connect')
        return types.SimpleNamespace(identity='identity')

    def rest(self, adapter):
        return self._rest


class OrderedRest(ListingRest):
    def __init__(self, snap, events):
        super().__init__(snap)
        self.events = events

    def get(self, path, params=None, missing_ok=False):
        self.events.append('GET ' + path)
        return super().get(path, params, missing_ok)


def whole(validated=True, broken_too=False):
    given = dict(params([shop()] + ([broken()] if broken_too else [])), only_workspaces=[])
    if validated:
        given['validated'] = inv.inventory_fingerprint(given)
    return given


def prefetching(given, monkeypatch, paths=ks_runner.TENANTS_PREFETCH, **kwargs):
    events = []
    module = PrefetchModule(given, OrderedRest(converged_snapshot(), events))
    module.events = events
    analyse = ks_runner.desired_scope

    def desired_scope(p):
        events.append('analysed')
        return analyse(p)
    monkeypatch.setattr(ks_runner, 'desired_scope', desired_scope)
    found, conn, prefetch = ks_runner.scope_and_prefetch(module, paths, **kwargs)
    return events, found, conn, prefetch


def test_a_validated_whole_run_lists_the_cloud_while_it_analyses_the_inventory(monkeypatch):
    events, found, conn, prefetch = prefetching(whole(), monkeypatch)
    assert [t.key for t in found.tenants] == ['shop/web'] and conn is not None
    # connected and the listings asked for before the analysis began
    assert events.index('connect') < events.index('analysed')
    snap = ks_snapshot.Snapshot.read_tenants(refusing(), found.tenants, platform='local', prefetch=prefetch)
    prefetch.close()
    assert sorted(e for e in events if e.startswith('GET')) == ['GET /domains', 'GET /projects']
    assert [p['id'] for p in snap.projects] == ['p1'] and snap.domains


def refusing():
    # a client that fails when asked: the snapshot must take the prefetched listings
    class Refusing:
        def get(self, path, params=None, missing_ok=False):
            raise AssertionError('listed again: %s' % path)
    return Refusing()


@pytest.mark.parametrize('given, kwargs', [
    (whole(validated=False), {}),                                      # the analysis must pass first
    (dict(whole(), only_workspaces=['shop']), {}),                     # a limited run looks its tenants up
    (whole(), {'may_connect': False}),                                 # an earlier step could not connect
])
def test_any_other_run_makes_no_request_before_its_analysis(monkeypatch, given, kwargs):
    if given.get('only_workspaces'):
        given['validated'] = inv.inventory_fingerprint(given)
    events, found, conn, prefetch = prefetching(given, monkeypatch, **kwargs)
    assert events == ['analysed'] and conn is None and prefetch is None
    assert [t.key for t in found.tenants] == ['shop/web']


def test_a_prefetched_listing_not_taken_is_listed_when_asked_and_dropped_at_close():
    events = []
    rest = OrderedRest(converged_snapshot(), events)
    prefetch = ks_snapshot.Prefetch(rest, ['/groups', '/roles'])
    assert [g['id'] for g in prefetch.take(rest, '/groups')] == ['g-reader', 'g-user', 'g-admin']
    # taken once: a second read lists again, as does a path never prefetched
    prefetch.take(rest, '/groups')
    prefetch.take(rest, '/domains')
    prefetch.close()
    # the roles listing not taken ran or was cancelled before it started, once at most
    assert sorted(e for e in events if e != 'GET /roles') == ['GET /domains', 'GET /groups', 'GET /groups']
    assert events.count('GET /roles') <= 1
    assert prefetch.take(rest, '/roles') == rest.bodies['/roles']['roles']


def test_a_listing_that_failed_in_the_background_fails_where_it_is_taken():
    class Failing(ListingRest):
        def get(self, path, params=None, missing_ok=False):
            raise ks_snapshot.ApiError('GET', path, 503, 'unavailable')
    rest = Failing(converged_snapshot())
    prefetch = ks_snapshot.Prefetch(rest, ['/projects'])
    with pytest.raises(ks_snapshot.ApiError):
        ks_snapshot.Snapshot.read(rest, domains=False, projects=True, prefetch=prefetch)
    prefetch.close()
