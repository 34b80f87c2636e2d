# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning and safe-retry logic of the Keystone layer, on hand-made snapshots (no API)."""

import copy
import dataclasses
import types

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.model import Group, Tenant
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.naming import keystone_name_key
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import Scope
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import apply as ks_apply
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import plan as ks_plan
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import runner as ks_runner
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import snapshot as ks_snapshot
from ansible_collections.landingzone.openstack.plugins.module_utils import _ownership, _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import ApiError, RestClient

# One namespace for the layer's public names, as the tests read best.
ks = types.SimpleNamespace(**dict(
    (name, getattr(mod, name)) for mod in (ks_snapshot, ks_plan, ks_apply, ks_runner) for name in dir(mod)
    if not name.startswith('_')))
ks.GROUP_OWNER_ATTR = _ownership.GROUP_OWNER_ATTR
ks.GROUP_ROLE_ATTR = _ownership.GROUP_ROLE_ATTR
ks.ACCESS_REVOKED_TAG = _ownership.ACCESS_REVOKED_TAG

MARK = ['lz-managed', 'lz-ws=acme', 'lz-proj=web', 'lz-platform=local']


def spec(state='present', delete=False, name='acme-web', members=None, domain='default',
         key='acme/web'):
    """A model Tenant as the inventory validation builds it."""
    members = members if members is not None else {'reader': [], 'user': ['bob'], 'admin': ['alice']}
    mapping = {'reader': ['reader'], 'user': ['member'], 'admin': ['member', 'manager']}
    workspace, project_id = key.split('/')
    groups = [Group(role, '%s-%s' % (name, role), mapping[role], members.get(role, []), members.get(role, []))
              for role in ('reader', 'user', 'admin')]
    tenant = Tenant(platform='local', workspace=workspace, project=project_id, workspace_name=workspace,
                    project_name=project_id, landing_zone='default', path='workspaces[0].projects[0]', key=key,
                    name=name, domain_name=domain, domain_id='default' if domain == 'default' else None,
                    domain_managed=domain != 'default', description='Web (Acme)', tags=[], groups=groups,
                    state=state, enabled=state == 'present', delete_allowed=delete, quota_size=None,
                    quota_size_values={}, quota_values={}, quota_overrides={})
    tenant = dataclasses.replace(tenant, tags=tenant.marker_tags + ['lz-zone=default', 'prod'])
    return tenant


def project(pid='p1', name='acme-web', tags=None, enabled=True, domain_id='default',
            description='Web (Acme)', applied=True):
    """A project as Keystone lists it; ``applied``: the record of the last write (True: this state)."""
    tags = tags if tags is not None else MARK + ['lz-zone=default', 'prod']
    proj = dict(id=pid, name=name, domain_id=domain_id, enabled=enabled, description=description, tags=tags)
    if applied is True:
        proj[_ownership.APPLIED_ATTR] = _ownership.applied_project(name, description, enabled, tags)
    elif applied:
        proj[_ownership.APPLIED_ATTR] = applied
    return proj


def snapshot(projects=(), groups=(), grants=None, members=None, users=None):
    snap = ks.Snapshot()
    snap.domains = [dict(id='default', name='Default')]
    snap.projects = list(projects)
    snap.groups = list(groups)
    snap.roles_by_name = {'reader': 'r-reader', 'member': 'r-member', 'manager': 'r-manager'}
    snap.group_grants = grants or {}
    snap.members = members or {}
    # keyed as Keystone compares names (its collation's weights)
    snap.users_by_name = dict((keystone_name_key(name), ids) for name, ids in (users or {}).items())
    return snap


def group(gid, role, name=None, key='acme/web', platform='local'):
    found = {'id': gid, 'name': name or 'acme-web-%s' % role, 'domain_id': 'default',
             ks.GROUP_OWNER_ATTR: key, ks.GROUP_ROLE_ATTR: role}
    if platform is not None:   # None: a group created before groups carried their platform
        found[_ownership.GROUP_PLATFORM_ATTR] = platform
    return found


def converged_snapshot():
    groups = [group('g-reader', 'reader'), group('g-user', 'user'), group('g-admin', 'admin')]
    grants = {('g-reader', 'p1'): {'r-reader'}, ('g-user', 'p1'): {'r-member'},
              ('g-admin', 'p1'): {'r-member', 'r-manager'}}
    members = {'g-user': {'u-bob': 'bob'}, 'g-admin': {'u-alice': 'alice'}}
    users = {'bob': ['u-bob'], 'alice': ['u-alice']}
    proj = project()
    proj[_ownership.ACCESS_APPLIED_ATTR] = copy.deepcopy(CONVERGED_ACCESS)
    return snapshot([proj], groups, grants, members, users)


# the access record of converged_snapshot(): what the access step last wrote
CONVERGED_ACCESS = {'reader': {'roles': ['reader'], 'members': []}, 'user': {'roles': ['member'], 'members': ['u-bob']},
                    'admin': {'roles': ['manager', 'member'], 'members': ['u-alice']}}


class TestPlanTenants:
    def test_creates_missing_project(self):
        results, orphans, actions = ks.plan_tenants(snapshot(), [spec()], ['lz-managed'])
        assert [a.summary for a in actions] == ['create project acme-web']
        assert results[0].status == 'changed'
        assert orphans == []

    def test_converged_project_is_ok_and_plans_nothing(self):
        results, orphans, actions = ks.plan_tenants(snapshot([project()]), [spec()], ['lz-managed'])
        assert actions == []
        assert results[0].status == 'ok'
        assert results[0].project_id == 'p1'

    def test_drift_is_patched_in_one_request_and_named(self):
        written = project()[_ownership.APPLIED_ATTR]
        drifted = project(name='renamed', enabled=False, description='old',
                          tags=MARK + ['lz-zone=default'], applied=written)
        results, dummy, actions = ks.plan_tenants(snapshot([drifted]), [spec()], ['lz-managed'])
        assert len(actions) == 1
        assert actions[0].summary == 'update project acme-web (description, enabled, name, tags)'
        assert _ownership.APPLIED_ATTR not in actions[0].args['body']   # the record still holds
        drift = dict((r['drift']['field'], r['drift']) for r in results[0].remarks)
        assert [r['code'] for r in results[0].remarks] == ['drift_reverted'] * 4
        assert drift['name'] == dict(field='name', old='renamed', new='acme-web')
        assert drift['enabled'] == dict(field='enabled', old=False, new=True)
        assert drift['tags']['old'] == sorted(MARK + ['lz-zone=default'])

    def test_an_inventory_change_is_no_drift(self):
        before = project(description='Web (Acme) v1')   # the collection wrote this description
        results, dummy, actions = ks.plan_tenants(snapshot([before]), [spec()], ['lz-managed'])
        assert [a.summary for a in actions] == ['update project acme-web (description)']
        assert actions[0].args['body'][_ownership.APPLIED_ATTR]['description'] == 'Web (Acme)'
        assert results[0].remarks == []

    def test_a_project_without_a_record_gets_one_and_no_drift_claim(self):
        results, dummy, actions = ks.plan_tenants(snapshot([project(name='renamed', applied=None)]), [spec()],
                                                  ['lz-managed'])
        assert [a.summary for a in actions] == ['update project acme-web (name)']
        assert results[0].remarks == []

    def test_foreign_tags_are_kept_by_default_and_removed_on_request(self):
        written = project()[_ownership.APPLIED_ATTR]
        tagged = project(tags=MARK + ['lz-zone=default', 'prod', 'backup=daily'], applied=written)
        dummy, dummy2, actions = ks.plan_tenants(snapshot([tagged]), [spec()], ['lz-managed'])
        assert actions == []   # keep: another tool's tag is not ours to remove
        tenant = spec()
        tenant = dataclasses.replace(tenant, foreign_tags='remove')
        results, dummy, actions = ks.plan_tenants(snapshot([tagged]), [tenant], ['lz-managed'])
        assert actions[0].args['body']['tags'] == sorted(MARK + ['lz-zone=default', 'prod'])
        assert results[0].remarks[0]['drift']['old'] == sorted(MARK + ['lz-zone=default', 'prod', 'backup=daily'])

    def test_a_tag_removed_from_the_inventory_leaves_the_project_in_keep_mode(self):
        written = _ownership.applied_project('acme-web', 'Web (Acme)', True, MARK + ['lz-zone=default', 'prod', 'old'])
        proj = project(tags=MARK + ['lz-zone=default', 'prod', 'old', 'backup=daily'], applied=written)
        results, dummy, actions = ks.plan_tenants(snapshot([proj]), [spec()], ['lz-managed'])
        assert actions[0].args['body']['tags'] == sorted(MARK + ['lz-zone=default', 'prod', 'backup=daily'])
        assert results[0].remarks == []   # the inventory dropped it: no drift

    def test_a_new_value_of_an_inventory_tag_key_replaces_the_old(self):
        tenant = spec()
        tenant = dataclasses.replace(tenant, tags=tenant.tags + ['cost-centre=42'])
        proj = project(tags=MARK + ['lz-zone=default', 'prod', 'cost-centre=41'], applied=None)
        dummy, dummy2, actions = ks.plan_tenants(snapshot([proj]), [tenant], ['lz-managed'])
        assert actions[0].args['body']['tags'] == sorted(MARK + ['lz-zone=default', 'prod', 'cost-centre=42'])

    def test_foreign_project_with_same_name_is_never_touched(self):
        foreign = project(pid='x', tags=['team-owned'])
        results, dummy, actions = ks.plan_tenants(snapshot([foreign]), [spec()], ['lz-managed'])
        assert actions == []
        assert results[0].status == 'failed'
        assert results[0].remarks[0]['code'] == 'name_collision'

    def test_deleted_without_automation_disables_deletes_groups_and_marks(self):
        snap = converged_snapshot()
        results, dummy, actions = ks.plan_tenants(snap, [spec(state='deleted')], ['lz-managed'])
        summaries = [a.summary for a in actions]
        assert summaries[0] == 'disable project acme-web'
        assert sorted(summaries[1:4]) == ['delete group acme-web-admin', 'delete group acme-web-reader',
                                          'delete group acme-web-user']
        assert summaries[4] == 'mark project acme-web access-revoked'
        assert 'delete project acme-web' not in summaries
        assert [r['code'] for r in results[0].remarks] == ['kept_disabled']
        phases = [a.phase for a in actions]
        assert phases == sorted(phases), 'disable before group deletion before project step'

    def test_deleted_with_automation_deletes_project_last(self):
        results, dummy, actions = ks.plan_tenants(converged_snapshot(), [spec(state='deleted', delete=True)],
                                                  ['lz-managed'])
        assert actions[-1].summary == 'delete project acme-web'
        assert actions[-1].phase == ks.PHASE_DELETE_PROJECT

    def test_deleted_and_revoked_project_needs_no_group_listing(self):
        done = project(enabled=False, tags=MARK + [ks.ACCESS_REVOKED_TAG])
        assert not ks.deletion_pending(done)
        results, dummy, actions = ks.plan_tenants(snapshot([done]), [spec(state='deleted')], ['lz-managed'])
        assert actions == []
        assert results[0].status == 'remarks'

    def test_orphans_reported_and_pruned_only_on_request(self):
        orphan = project(pid='p9', name='old-one', tags=['lz-managed', 'lz-ws=old', 'lz-proj=one'])
        snap = snapshot([project(), orphan])
        dummy, orphans, actions = ks.plan_tenants(snap, [spec()], ['lz-managed'])
        assert [o.project_id for o in orphans] == ['p9'] and actions == []
        assert orphans[0].remarks[0]['code'] == 'orphan'
        dummy, orphans, actions = ks.plan_tenants(snap, [spec()], ['lz-managed'], prune=True)
        assert [a.summary for a in actions] == ['disable project old-one', 'delete project old-one']
        # the orphan's managed groups go with it
        snap.groups.append(group('g-old', 'user', name='old-one-user', key='old/one'))
        dummy, orphans, actions = ks.plan_tenants(snap, [spec()], ['lz-managed'], prune=True)
        assert [a.summary for a in actions] == ['disable project old-one', 'delete group old-one-user',
                                                'delete project old-one']
        assert orphans[0].key == 'old/one'

    def test_no_orphans_when_only_part_of_the_inventory_is_replicated(self):
        orphan = project(pid='p9', name='old-one', tags=['lz-managed', 'lz-ws=old', 'lz-proj=one'])
        dummy, orphans, actions = ks.plan_tenants(snapshot([orphan]), [spec()], ['lz-managed'],
                                                  prune=True, ownership_complete=False)
        assert orphans == [] and [a.summary for a in actions] == ['create project acme-web']

    def test_per_workspace_domain_created_once(self):
        a = spec(domain='lz-acme')
        b = spec(domain='lz-acme', key='acme/api', name='acme-api')
        dummy, dummy2, actions = ks.plan_tenants(snapshot(), [a, b], ['lz-managed'])
        assert [x.summary for x in actions] == ['create domain lz-acme', 'create project acme-web',
                                                'create project acme-api']

    def test_duplicate_managed_projects_fail_without_changes(self):
        snap = snapshot([project(), project(pid='p2')])
        results, dummy, actions = ks.plan_tenants(snap, [spec()], ['lz-managed'])
        assert actions == [] and results[0].status == 'failed'


class TestPlatformsSharingAKeystone:
    """Two platforms on one Keystone replicate the same workspace and project: each its own project (names set
    apart by {platform}) and its own groups; neither takes the other's (_ownership.GROUP_PLATFORM_ATTR)."""

    def shared(self, theirs_platform='ams1', ours=True):
        snap = converged_snapshot()
        snap.platform = 'local'
        snap.grants_read = True
        theirs = project('p2', 'acme-web-ams1', tags=['lz-managed', 'lz-ws=acme', 'lz-proj=web', 'lz-platform=ams1'])
        snap.projects.append(theirs)
        snap.groups += [group('t-' + role, role, 'acme-web-ams1-' + role, platform=theirs_platform)
                        for role in ('reader', 'user', 'admin')]
        snap.group_grants.update({('t-reader', 'p2'): {'r-reader'}, ('t-user', 'p2'): {'r-member'},
                                  ('t-admin', 'p2'): {'r-member', 'r-manager'}})
        if not ours:
            snap.groups = [g for g in snap.groups if g['id'].startswith('t-')]
        return snap

    def test_another_platforms_groups_are_neither_duplicates_nor_touched(self):
        results, actions = ks.plan_access(self.shared(), [spec()])
        assert actions == [] and results[0].status == 'ok'

    def test_another_platforms_groups_are_not_taken_for_missing_ones(self):
        results, actions = ks.plan_access(self.shared(ours=False), [spec()])
        assert sorted(a.label for a in actions if a.kind == ks_plan.ActionKind.CREATE_GROUP) == [
            'acme-web-admin', 'acme-web-reader', 'acme-web-user']
        assert all(a.target is None or not str(a.target).startswith('t-') for a in actions), actions

    def test_an_unmarked_group_is_marked_once_by_the_platform_whose_project_it_is_granted_on(self):
        snap = self.shared(theirs_platform=None)   # theirs created before groups carried their platform
        for grp in snap.groups:
            if not grp['id'].startswith('t-'):
                del grp[_ownership.GROUP_PLATFORM_ATTR]   # and ours too
        results, actions = ks.plan_access(snap, [spec()])
        marks = [a for a in actions if a.kind == ks_plan.ActionKind.MARK_GROUP]
        assert sorted(a.target for a in marks) == ['g-admin', 'g-reader', 'g-user'], actions
        assert marks[0].args['body'] == {_ownership.GROUP_PLATFORM_ATTR: 'local'} and marks[0].op == 'patch'
        assert len(actions) == 3, 'nothing else: the unmarked groups granted on ams1\'s project are not ours'
        assert results[0].status == 'changed'

    def test_a_deletion_never_takes_another_platforms_unmarked_group(self):
        """Both platforms' groups were made before groups carried their platform: the tenants step deleting our
        tenant reads the grants (one cloud-wide listing) and deletes only the groups granted on our project."""
        snap = self.shared(theirs_platform=None)
        for grp in snap.groups:
            grp.pop(_ownership.GROUP_PLATFORM_ATTR, None)
        rest = ListingRest(snap)
        out = ks.replicate_tenants(module(check_mode=True), rest, Scope([spec(state='deleted', delete=True)], frozenset(), True))
        assert ('GET', '/role_assignments', ()) in rest.sent
        deleted = sorted(p for p in out['planned'] if p.startswith('delete group'))
        assert deleted == ['delete group acme-web-admin', 'delete group acme-web-reader', 'delete group acme-web-user'], out['planned']
        assert not any('ams1' in p for p in out['planned'])

    def test_marked_groups_cost_no_grant_listing_in_a_deletion(self):
        rest = ListingRest(self.shared())
        ks.replicate_tenants(module(check_mode=True), rest, Scope([spec(state='deleted', delete=True)], frozenset(), True))
        assert ('GET', '/role_assignments', ()) not in rest.sent


class TestPlanAccess:
    def test_converged_access_plans_nothing(self):
        results, actions = ks.plan_access(converged_snapshot(), [spec()])
        assert actions == []
        assert results[0].status == 'ok'

    def test_from_empty_minimum_writes(self):
        snap = snapshot([project()], users={'bob': ['u-bob'], 'alice': ['u-alice']})
        results, actions = ks.plan_access(snap, [spec()])
        summaries = [a.summary for a in actions]
        # 3 groups + 4 grants + 2 members + the record of what was written: the minimum
        assert len(summaries) == 10 and summaries[-1] == 'record the access of project acme-web'
        assert actions[-1].args['body'][_ownership.ACCESS_APPLIED_ATTR]['user'] == {'roles': ['member'],
                                                                                    'members': ['u-bob']}
        assert summaries.count('create group acme-web-user') == 1
        assert 'add bob to group acme-web-user' in summaries

    def test_missing_user_is_a_remark_not_a_failure(self):
        snap = converged_snapshot()
        results, actions = ks.plan_access(snap, [spec(members={'user': ['bob', 'carol'], 'admin': ['alice']})])
        assert actions == []
        assert results[0].status == 'remarks'
        assert results[0].remarks[0]['code'] == 'user_not_found'

    def test_role_change_moves_user_between_groups(self):
        snap = converged_snapshot()
        results, actions = ks.plan_access(snap, [spec(members={'user': [], 'admin': ['alice', 'bob']})])
        assert sorted(a.summary for a in actions) == ['add bob to group acme-web-admin',
                                                      'record the access of project acme-web',
                                                      'remove bob from group acme-web-user']
        assert results[0].remarks == []   # an inventory change, not drift

    def test_extra_grant_on_managed_group_is_revoked(self):
        snap = converged_snapshot()
        snap.group_grants[('g-reader', 'p1')] = {'r-reader', 'r-manager'}
        results, actions = ks.plan_access(snap, [spec()])
        assert [a.summary for a in actions] == ['revoke manager from group acme-web-reader']
        remark = results[0].remarks[0]
        assert remark['code'] == 'drift_reverted'
        assert remark['drift'] == dict(field='grants', group='acme-web-reader', old=['manager', 'reader'],
                                       new=['reader'])

    def test_a_member_added_by_hand_is_removed_as_drift(self):
        snap = converged_snapshot()
        snap.members['g-user']['u-eve'] = 'eve'
        results, actions = ks.plan_access(snap, [spec()])
        assert [a.summary for a in actions] == ['remove eve from group acme-web-user']
        assert results[0].remarks[0]['drift'] == dict(field='members', group='acme-web-user', old=['bob', 'eve'],
                                                      new=['bob'])

    def test_user_names_compare_as_keystone_compares_them(self):
        snap = converged_snapshot()
        snap.users_by_name, snap.user_names = {}, {}
        snap.remember_user('Bob', 'u-bob')
        snap.remember_user('alice', 'u-alice')
        results, actions = ks.plan_access(snap, [spec(members={'user': ['BOB'], 'admin': ['alice']})])
        assert actions == []
        assert [(r['code'], r['severity']) for r in results[0].remarks] == [('user_name_case', 'info')]
        assert 'BOB' in results[0].remarks[0]['message'] and 'Bob' in results[0].remarks[0]['message']

    def test_two_users_differing_only_in_case_are_ambiguous(self):
        snap = converged_snapshot()
        snap.remember_user('BOB', 'u-bob2')
        results, actions = ks.plan_access(snap, [spec()])
        assert actions == []   # bob stays, nobody is added
        assert [r['code'] for r in results[0].remarks] == ['user_ambiguous']

    def test_foreign_assignment_names_the_project(self):
        snap = converged_snapshot()
        snap.projects.append(project(pid='p-other', name='other-project', tags=['team-x']))
        snap.group_grants[('g-reader', 'p-other')] = {'r-reader'}
        results, dummy = ks.plan_access(snap, [spec()])
        assert results[0].remarks[0]['code'] == 'foreign_assignment'
        assert results[0].remarks[0]['project'] == 'other-project (p-other)'

    def test_foreign_group_with_colliding_name_fails_untouched(self):
        snap = snapshot([project()], groups=[{'id': 'gx', 'name': 'acme-web-reader', 'domain_id': 'default'}])
        results, actions = ks.plan_access(snap, [spec()])
        assert results[0].status == 'failed'
        assert not any('acme-web-reader' in a.summary for a in actions)

    def test_missing_project_fails_unless_check_mode(self):
        results, actions = ks.plan_access(snapshot(), [spec()])
        assert results[0].status == 'failed' and actions == []
        results, actions = ks.plan_access(snapshot(), [spec()], project_ids={'acme/web': None})
        assert results[0].status == 'changed' and actions

    def test_group_of_unmapped_role_is_deleted(self):
        snap = converged_snapshot()
        snap.groups.append(group('g-old', 'auditor'))
        dummy, actions = ks.plan_access(snap, [spec()])
        assert [a.summary for a in actions] == ['delete group acme-web-auditor (role auditor no longer mapped)']


class FakeResponse:
    def __init__(self, status, body=None):
        self.status_code = status
        self._body = body or {}
        self.content = b'x' if body is not None else b''
        self.text = ''

    def json(self):
        return self._body


class FakeAdapter:
    """Scripted answers per (method, path); records what was sent."""

    def __init__(self, script):
        self.script = script
        self.sent = []

    def request(self, path, method, json=None, params=None, raise_exc=False, **kwargs):
        self.sent.append((method, path))
        answer = self.script[(method, path)].pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class RecordingAdapter:
    def __init__(self, answers):
        self.answers = list(answers)
        self.params = []

    def request(self, path, method, json=None, params=None, raise_exc=False, **kwargs):
        self.params.append(dict(params or {}))
        return self.answers.pop(0)


def rest_with(script, retries=3):
    return RestClient(FakeAdapter(script), retries=retries, sleep=lambda s: None)


class TestSafeRetries:
    def test_get_retried_after_503(self):
        rest = rest_with({('GET', '/projects'): [FakeResponse(503), FakeResponse(200, {'projects': []})]})
        assert rest.get('/projects') == {'projects': []}

    def test_post_is_not_blindly_retried(self):
        rest = rest_with({('POST', '/projects'): [FakeResponse(503)]})
        with pytest.raises(ApiError) as info:
            rest.request('POST', '/projects', json={})
        assert info.value.ambiguous
        assert rest.adapter.sent == [('POST', '/projects')]

    def test_ambiguous_create_that_landed_is_adopted_not_repeated(self):
        rest = rest_with({('POST', '/projects'): [FakeResponse(504)]})
        found = {'id': 'p1'}
        assert ks.create_idempotent(rest, '/projects', 'project', {}, lambda: found) is found
        assert rest.adapter.sent == [('POST', '/projects')]

    def test_ambiguous_create_that_did_not_land_is_retried(self):
        rest = rest_with({('POST', '/projects'): [FakeResponse(503),
                                                  FakeResponse(201, {'project': {'id': 'p2'}})]})
        assert ks.create_idempotent(rest, '/projects', 'project', {}, lambda: None) == {'id': 'p2'}

    def test_conflict_with_foreign_resource_raises(self):
        rest = rest_with({('POST', '/groups'): [FakeResponse(409, {'error': {'message': 'dup'}})]})
        with pytest.raises(ApiError) as info:
            ks.create_idempotent(rest, '/groups', 'group', {}, lambda: None)
        assert info.value.status == 409

    def test_client_error_is_not_retried(self):
        rest = rest_with({('PATCH', '/projects/p1'): [FakeResponse(400, {'error': {'message': 'bad'}})]})
        with pytest.raises(ApiError) as info:
            rest.request('PATCH', '/projects/p1', json={})
        assert info.value.status == 400 and 'bad' in str(info.value)

    def test_listing_follows_pages(self):
        page1 = {'projects': [{'id': 'a'}], 'truncated': True,
                 'links': {'next': 'http://k/v3/projects?limit=1&marker=a'}}
        page2 = {'projects': [{'id': 'b'}], 'links': {'next': None}}
        adapter = RecordingAdapter([FakeResponse(200, page1), FakeResponse(200, page2)])
        rest = RestClient(adapter, retries=0, sleep=lambda s: None)
        assert [p['id'] for p in ks.list_keystone(rest, '/projects', 'projects')] == ['a', 'b']
        assert adapter.params[0]['limit'] == _rest.KEYSTONE_PAGE_LIMIT and 'marker' not in adapter.params[0]
        assert adapter.params[1]['marker'] == 'a'

    def test_role_assignments_are_not_paged(self):
        adapter = RecordingAdapter([FakeResponse(200, {'role_assignments': [], 'links': {'next': None}})])
        ks.list_keystone(RestClient(adapter, retries=0), '/role_assignments', 'role_assignments',
                         params={'include_names': 'true'})
        assert adapter.params == [{'include_names': 'true'}]

    def test_truncated_listing_is_refused(self):
        rest = rest_with({('GET', '/projects'): [FakeResponse(200, {'projects': [], 'truncated': True})],
                          ('GET', '/domains'): [FakeResponse(200, {'domains': []})]})
        with pytest.raises(_rest.IncompleteListing):
            ks.Snapshot.read(rest)

    def test_truncation_keeps_the_partial_listing_and_counts_pages(self):
        pages = []
        rest = rest_with({('GET', '/projects'): [FakeResponse(200, {'projects': [{'id': 'a'}], 'truncated': True})]})
        with pytest.raises(_rest.IncompleteListing) as info:
            _rest.list_all(rest, '/projects', 'projects', on_request=lambda: pages.append(1))
        assert info.value.items == [{'id': 'a'}] and pages == [1]


class TestApply:
    def test_failed_tenant_skips_its_later_phases(self):
        calls = []

        def fail(ctx):
            raise ApiError('POST', '/projects', 500, 'boom')

        operations = dict(fail=fail, record=lambda ctx, name: calls.append(name))
        actions = [ks.Action(ks.PHASE_PROJECT, 'a', ks.ActionKind.CREATE_PROJECT, 'a', op='fail'),
                   ks.Action(ks.PHASE_GROUP, 'a', ks.ActionKind.CREATE_GROUP, 'a', op='record', args=dict(name='a')),
                   ks.Action(ks.PHASE_GROUP, 'b', ks.ActionKind.CREATE_GROUP, 'b', op='record', args=dict(name='b'))]
        results = [ks.Result('a', 'a'), ks.Result('b', 'b')]
        failed = ks.apply(ks.ApplyContext(None, ks.Snapshot()), actions, results, max_workers=2,
                          operations=operations)
        assert failed == set(['a'])
        assert calls == ['b']
        assert results[0].status == 'failed'


# ---------------------------------------------------------------------------- what a no-op costs

class ListingRest:
    """Answers GET listings from a converged Keystone; records every request."""

    retries = 0

    def __init__(self, snap, users=()):
        self.sent = []
        self.bodies = {
            '/domains': {'domains': snap.domains},
            '/projects': {'projects': snap.projects},
            '/groups': {'groups': snap.groups},
            '/roles': {'roles': [{'id': v, 'name': k} for k, v in snap.roles_by_name.items()]},
            '/users': {'users': list(users)},
        }
        assignments = []
        for (gid, pid), roles in snap.group_grants.items():
            for role_id in roles:
                name = [k for k, v in snap.roles_by_name.items() if v == role_id][0]
                assignments.append({'group': {'id': gid}, 'scope': {'project': {'id': pid}},
                                    'role': {'id': role_id, 'name': name}})
        effective = []
        for gid, members in snap.members.items():
            for uid, uname in members.items():
                effective.append({'user': {'id': uid, 'name': uname}, 'scope': {'project': {'id': 'p1'}},
                                  'links': {'membership': 'http://k/v3/groups/%s/users/%s' % (gid, uid)}})
        self.assignments = (assignments, effective)
        self.grants = dict(snap.group_grants)

        self.members = snap.members
        self.user_names = dict((uid, name) for members in snap.members.values() for uid, name in members.items())

    def get(self, path, params=None, missing_ok=False):
        params = params or {}
        self.sent.append(('GET', path, tuple(sorted((k, v) for k, v in params.items() if k != 'limit'))))
        if path == '/role_assignments':
            if params.get('group.id'):
                found = [a for a in self.assignments[0] if a['group']['id'] == params['group.id']]
            elif params.get('scope.project.id') and params.get('effective'):
                found = self.effective_on(params['scope.project.id'])
            else:
                found = self.assignments[1 if params.get('effective') else 0]
            if not params.get('include_names'):   # as Keystone: ids only
                found = [dict((k, dict((f, x) for f, x in v.items() if f != 'name') if isinstance(v, dict) else v)
                              for k, v in a.items()) for a in found]
            return {'role_assignments': found}
        if path.startswith('/groups/') and path.endswith('/users'):
            members = self.members.get(path.split('/')[2], {})
            return {'users': [{'id': uid, 'name': name} for uid, name in members.items()]}
        if path.startswith('/users/'):
            uid = path.split('/')[2]
            if uid not in self.user_names and missing_ok:
                return None
            return {'user': {'id': uid, 'name': self.user_names[uid]}}
        if path == '/users' and params and params.get('name'):
            return {'users': [u for u in self.bodies['/users']['users'] if u['name'] == params['name']]}
        return self.bodies[path]

    def effective_on(self, project_id):
        """As Keystone's effective listing of one project: a user assignment per member and role of each group
        granted there (a group without members gives none)."""
        found = []
        for (gid, pid), roles in sorted(self.grants.items()):
            for uid, uname in (self.members.get(gid) or {}).items() if pid == project_id else ():
                for role_id in sorted(roles):
                    found.append({'user': {'id': uid, 'name': uname}, 'scope': {'project': {'id': pid}},
                                  'role': {'id': role_id},
                                  'links': {'membership': 'http://k/v3/groups/%s/users/%s' % (gid, uid),
                                            'assignment': 'http://k/v3/projects/%s/groups/%s/roles/%s'
                                                          % (pid, gid, role_id)}})
        return found

    def request(self, method, path, **kwargs):
        raise AssertionError('a no-op run must not write: %s %s' % (method, path))


def on_a_large_cloud(snap):
    """``snap`` plus the groups of 400 other tenants."""
    snap.groups += [group('g-other%d' % i, 'reader', key='other/p%d' % i) for i in range(ks.LARGE_CLOUD_GROUPS + 200)]
    return snap


def module(check_mode=False, platform='local', members_read='auto'):
    warnings = []
    return types.SimpleNamespace(params={'platform': platform, 'only_workspaces': None, 'max_workers': 2,
                                         'max_deletions': 10, 'allow_empty_inventory': False,
                                         'members_read': members_read},
                                 check_mode=check_mode, _diff=False, warnings=warnings, warn=warnings.append)


class TestNoOpCost:
    def test_converged_tenants_cost_two_listings(self):
        rest = ListingRest(converged_snapshot())
        out = ks.replicate_tenants(module(), rest, Scope([spec()], frozenset(), True))
        assert [path for dummy, path, dummy2 in rest.sent] == ['/domains', '/projects']
        assert out['changed'] is False and out['planned'] == []

    def test_a_few_tenants_on_a_large_cloud_read_their_groups_one_by_one(self):
        rest = ListingRest(on_a_large_cloud(converged_snapshot()))
        out = ks.replicate_access(module(), rest, Scope([spec()], frozenset(), True, tuple([spec()])))
        # the grants group by group, the members of the three groups in one effective listing of their project
        per_group = [('GET', '/role_assignments', (('group.id', g),)) for g in ('g-reader', 'g-user', 'g-admin')]
        per_group += [('GET', '/role_assignments', (('effective', 'true'), ('include_names', 'true'),
                                                    ('scope.project.id', 'p1')))]
        assert sorted(rest.sent) == sorted([('GET', '/projects', ()), ('GET', '/groups', ()), ('GET', '/roles', ())]
                                           + per_group)
        assert out['changed'] is False and out['summary']['ok'] == 1

    def test_a_small_cloud_reads_two_named_cloud_wide_listings(self):
        rest = ListingRest(converged_snapshot())
        out = ks.replicate_access(module(), rest, Scope([spec()], frozenset(), True, (spec(),)))
        assert sorted(rest.sent) == sorted([
            ('GET', '/projects', ()), ('GET', '/groups', ()),
            ('GET', '/role_assignments', (('include_names', 'true'),)),
            ('GET', '/role_assignments', (('effective', 'true'), ('include_names', 'true')))])
        assert out['changed'] is False and out['summary']['ok'] == 1

    def test_many_tenants_on_a_large_cloud_take_members_from_the_records(self, monkeypatch):
        monkeypatch.setattr(ks_snapshot, 'LARGE_CLOUD_GROUPS', 2)
        monkeypatch.setattr(ks_snapshot, 'SCOPED_READ_GROUP_LIMIT', 2)
        rest = ListingRest(converged_snapshot(), [{'id': 'u-bob', 'name': 'bob'}, {'id': 'u-alice', 'name': 'alice'}])
        out = ks.replicate_access(module(), rest, Scope([spec()], frozenset(), True, tuple([spec()])))
        # no effective listing, no request per group: a constant number of requests
        assert sorted(rest.sent) == sorted([
            ('GET', '/projects', ()), ('GET', '/groups', ()), ('GET', '/roles', ()), ('GET', '/role_assignments', ()),
            ('GET', '/users', (('name', 'alice'),)), ('GET', '/users', (('name', 'bob'),))])
        assert out['changed'] is False and out['summary']['ok'] == 1
        assert out['members'] == {'mode': 'records', 'groups': 3, 'read': 0, 'from_records': 3}

    def test_the_effective_listing_is_read_on_request_on_a_large_cloud(self, monkeypatch):
        monkeypatch.setattr(ks_snapshot, 'LARGE_CLOUD_GROUPS', 2)
        monkeypatch.setattr(ks_snapshot, 'SCOPED_READ_GROUP_LIMIT', 2)
        rest = ListingRest(converged_snapshot(), [{'id': 'u-bob', 'name': 'bob'}, {'id': 'u-alice', 'name': 'alice'}])
        out = ks.replicate_access(module(members_read='effective'), rest, Scope([spec()], frozenset(), True, (spec(),)))
        assert sorted(rest.sent) == sorted([
            ('GET', '/projects', ()), ('GET', '/groups', ()), ('GET', '/roles', ()),
            ('GET', '/role_assignments', ()), ('GET', '/role_assignments', (('effective', 'true'),)),
            ('GET', '/users', (('name', 'alice'),)), ('GET', '/users', (('name', 'bob'),))])
        assert out['changed'] is False and out['members'] == {'mode': 'effective', 'groups': 3, 'read': 0, 'from_records': 0}

    def test_every_group_is_read_one_by_one_on_request(self, monkeypatch):
        monkeypatch.setattr(ks_snapshot, 'LARGE_CLOUD_GROUPS', 2)
        monkeypatch.setattr(ks_snapshot, 'SCOPED_READ_GROUP_LIMIT', 2)
        rest = ListingRest(converged_snapshot(), [{'id': 'u-bob', 'name': 'bob'}, {'id': 'u-alice', 'name': 'alice'}])
        out = ks.replicate_access(module(members_read='groups'), rest, Scope([spec()], frozenset(), True, (spec(),)))
        # a large scope: the grants of the cloud in one listing, the members group by group
        assert sorted(rest.sent) == sorted([('GET', '/projects', ()), ('GET', '/groups', ()), ('GET', '/roles', ()),
                                            ('GET', '/role_assignments', ())]
                                           + [('GET', '/groups/%s/users' % g, ()) for g in ('g-reader', 'g-user', 'g-admin')])
        assert out['changed'] is False and out['members'] == {'mode': 'groups', 'groups': 3, 'read': 3, 'from_records': 0}

    def test_records_set_back_grants_changed_by_hand_not_members(self, monkeypatch):
        """The records hold what the collection wrote: a grant is read, a member changed by hand is not seen
        (the price of not reading members; a ``groups`` run sees it, test_drift_is_found_by_both_reads)."""
        snap = converged_snapshot()
        snap.members['g-user']['u-eve'] = 'eve'
        snap.group_grants[('g-admin', 'p1')] = {'r-member'}
        monkeypatch.setattr(ks_snapshot, 'LARGE_CLOUD_GROUPS', 2)
        monkeypatch.setattr(ks_snapshot, 'SCOPED_READ_GROUP_LIMIT', 0)
        users = [{'id': 'u-bob', 'name': 'bob'}, {'id': 'u-alice', 'name': 'alice'}]
        out = ks.replicate_access(module(check_mode=True, members_read='records'), ListingRest(on_a_large_cloud(snap), users),
                                  Scope([spec()], frozenset(), True, (spec(),)))
        assert len(out['planned']) == 1 and 'manager' in out['planned'][0]

    def test_a_group_no_record_covers_is_read(self, monkeypatch):
        snap = converged_snapshot()
        del snap.projects[0][_ownership.ACCESS_APPLIED_ATTR]['user']
        monkeypatch.setattr(ks_snapshot, 'LARGE_CLOUD_GROUPS', 2)
        monkeypatch.setattr(ks_snapshot, 'SCOPED_READ_GROUP_LIMIT', 0)
        snap.members['g-user']['u-eve'] = 'eve'   # added by hand: seen, the group is read
        users = [{'id': 'u-bob', 'name': 'bob'}, {'id': 'u-alice', 'name': 'alice'}]
        rest = ListingRest(snap, users)
        out = ks.replicate_access(module(check_mode=True), rest, Scope([spec()], frozenset(), True, (spec(),)))
        assert ('GET', '/groups/g-user/users', ()) in rest.sent and ('GET', '/groups/g-admin/users', ()) not in rest.sent
        assert out['members'] == {'mode': 'records', 'groups': 3, 'read': 1, 'from_records': 2}
        assert any('eve' in p for p in out['planned'])

    def test_a_recorded_member_deleted_since_is_removed_by_its_id(self, monkeypatch):
        snap = converged_snapshot()
        snap.projects[0][_ownership.ACCESS_APPLIED_ATTR]['user']['members'].append('u-gone')
        monkeypatch.setattr(ks_snapshot, 'LARGE_CLOUD_GROUPS', 2)
        monkeypatch.setattr(ks_snapshot, 'SCOPED_READ_GROUP_LIMIT', 0)
        users = [{'id': 'u-bob', 'name': 'bob'}, {'id': 'u-alice', 'name': 'alice'}]
        out = ks.replicate_access(module(check_mode=True), ListingRest(snap, users), Scope([spec()], frozenset(), True, (spec(),)))
        assert len(out['planned']) == 2 and any('u-gone' in p for p in out['planned'])

    def test_a_run_limited_to_workspaces_reads_its_groups_whatever_their_number(self, monkeypatch):
        """An event run or an onboarding (only_workspaces) must see a member changed by hand: never the records."""
        monkeypatch.setattr(ks_snapshot, 'LARGE_CLOUD_GROUPS', 2)
        monkeypatch.setattr(ks_snapshot, 'SCOPED_READ_GROUP_LIMIT', 0)
        users = [{'id': 'u-bob', 'name': 'bob'}, {'id': 'u-alice', 'name': 'alice'}]
        limited = module(check_mode=True)
        limited.params['only_workspaces'] = ['acme']
        out = ks.replicate_access(limited, ListingRest(converged_snapshot(), users), Scope([spec()], frozenset(), False, (spec(),)))
        assert out['members'] == {'mode': 'groups', 'groups': 3, 'read': 3, 'from_records': 0}

    def test_members_read_auto(self):
        assert ks_snapshot.members_mode(ks_snapshot.MembersRead.AUTO, False, False) == ks_snapshot.MembersRead.EFFECTIVE
        assert ks_snapshot.members_mode(ks_snapshot.MembersRead.AUTO, True, True) == ks_snapshot.MembersRead.GROUPS
        assert ks_snapshot.members_mode(ks_snapshot.MembersRead.AUTO, True, False) == ks_snapshot.MembersRead.RECORDS
        for mode in ks_snapshot.MembersRead:
            if mode != ks_snapshot.MembersRead.AUTO:
                assert ks_snapshot.members_mode(mode, True, False) == mode == ks_snapshot.members_mode(mode, False, True)

    def test_drift_is_found_by_both_reads(self, monkeypatch):
        """A member added by hand and a grant removed by hand: the same plan from either read."""
        def drifted():
            snap = converged_snapshot()
            snap.members['g-user']['u-eve'] = 'eve'
            snap.group_grants[('g-admin', 'p1')] = {'r-member'}
            return snap
        planned = []
        monkeypatch.setattr(ks_snapshot, 'LARGE_CLOUD_GROUPS', 2)
        for limit, read in ((ks.SCOPED_READ_GROUP_LIMIT, 'auto'), (0, 'effective'), (0, 'groups')):
            monkeypatch.setattr(ks_snapshot, 'SCOPED_READ_GROUP_LIMIT', limit)
            users = [{'id': 'u-bob', 'name': 'bob'}, {'id': 'u-alice', 'name': 'alice'}]
            out = ks.replicate_access(module(check_mode=True, members_read=read), ListingRest(on_a_large_cloud(drifted()), users),
                                      Scope([spec()], frozenset(), True, (spec(),)))
            planned.append(sorted(out['planned']))
        assert planned[0] == planned[1] == planned[2] and len(planned[0]) == 2
        assert any('eve' in p for p in planned[0]) and any('manager' in p for p in planned[0])

    def test_members_not_resolved_by_name_are_named_by_id(self):
        snap = converged_snapshot()
        snap.members['g-user']['u-eve'] = None
        rest = ListingRest(converged_snapshot())
        rest.user_names['u-eve'] = 'eve'
        snap.name_members(rest)
        assert rest.sent == [('GET', '/users/u-eve', ())] and snap.members['g-user']['u-eve'] == 'eve'

    def test_groups_are_listed_only_while_a_deletion_lifecycle_has_work(self):
        pending = snapshot([project()])
        assert ks.needs_groups(pending, [spec(state='deleted')], prune=False)
        done = snapshot([project(enabled=False, tags=MARK + [ks.ACCESS_REVOKED_TAG])])
        assert not ks.needs_groups(done, [spec(state='deleted')], prune=False)
        assert not ks.needs_groups(snapshot(), [spec(state='deleted')], prune=False)   # project gone
        assert not ks.needs_groups(pending, [spec()], prune=False)
        assert ks.needs_groups(snapshot(), [spec()], prune=True)

    def test_domains_are_listed_for_access_only_when_a_project_is_missing_outside_default(self):
        assert ks.needs_domains(snapshot(), [spec(domain='lz-acme')])
        assert not ks.needs_domains(snapshot([project(domain_id='d1')]), [spec(domain='lz-acme')])
        assert not ks.needs_domains(snapshot(), [spec()])
        assert not ks.needs_domains(snapshot(), [spec(domain='lz-acme', state='deleted')])

    def test_roles_are_listed_only_when_a_mapped_role_was_not_seen(self):
        snap = converged_snapshot()
        rest = ListingRest(snap)
        ks.ensure_roles(rest, snap, [spec()])
        assert rest.sent == []
        snap.roles_by_name.pop('manager')
        rest = ListingRest(converged_snapshot())
        ks.ensure_roles(rest, snap, [spec()])
        assert [path for dummy, path, dummy2 in rest.sent] == ['/roles'] and 'manager' in snap.roles_by_name

    def test_users_by_name_for_a_few_by_one_listing_for_many(self):
        few = ['u%d' % i for i in range(ks.USER_LOOKUP_BULK_THRESHOLD)]
        users = [{'id': 'id-' + n, 'name': n} for n in few + ['x']]
        snap, rest = snapshot(), ListingRest(snapshot(), users)
        snap.resolve_users(rest, few + few)
        assert sorted(rest.sent) == sorted(('GET', '/users', (('name', n),)) for n in few)
        assert snap.users_by_name[keystone_name_key('u3')] == ['id-u3']
        many = few + ['x', 'ghost']
        snap, rest = snapshot(), ListingRest(snapshot(), users)
        snap.resolve_users(rest, many)
        assert rest.sent == [('GET', '/users', ())]
        assert snap.users_by_name[keystone_name_key('ghost')] == [] and snap.users_by_name[keystone_name_key('x')] == ['id-x']
        rest.sent = []
        snap.resolve_users(rest, many)
        assert rest.sent == []   # known now, found or not


class TestSafeDeletion:
    """The pre-deletion check holds a deletion while the project holds resources (hold_deletions)."""

    def plan_deleted(self):
        snap = converged_snapshot()
        results, dummy, actions = ks_plan.plan_tenants(snap, [spec(state='deleted', delete=True)], ['lz-managed'])
        return results, actions

    def test_deletion_is_planned_for_the_project(self):
        dummy, actions = self.plan_deleted()
        assert ks_plan.project_deletions(actions) == {'acme/web': 'p1'}

    def test_a_project_that_holds_resources_is_kept_disabled_with_its_groups_gone(self):
        results, actions = self.plan_deleted()
        held = {'acme/web': ('1 volumes: data (v1)', {'volumes': 1}, {})}
        kept = ks_plan.hold_deletions(results, actions, held)
        summaries = [a.summary for a in kept]
        assert 'delete project acme-web' not in summaries
        assert summaries[0] == 'disable project acme-web' and 'delete group acme-web-admin' in summaries
        remark = results[0].remarks[-1]
        assert remark['code'] == 'resources_remaining' and remark['counts'] == {'volumes': 1}
        assert 'data (v1)' in remark['message'] and 'delete project acme-web' not in results[0].changes

    def test_a_project_that_could_not_be_checked_is_kept_too(self):
        results, actions = self.plan_deleted()
        kept = ks_plan.hold_deletions(results, actions, {'acme/web': (None, {}, {'servers': 'GET /servers: 403'})})
        assert 'delete project acme-web' not in [a.summary for a in kept]
        assert results[0].remarks[-1]['code'] == 'resources_unknown'

    def test_an_empty_project_is_deleted(self):
        results, actions = self.plan_deleted()
        kept = ks_plan.hold_deletions(results, actions, {'acme/web': (None, {}, {})})
        assert kept == actions

    def test_leftovers_are_described_with_counts_and_the_first_few(self):
        from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import leftovers
        text, counts = leftovers.describe({'floating_ips': [{'id': 'f1', 'floating_ip_address': '203.0.113.7'}],
                                           'volumes': [{'id': 'v%d' % i, 'name': 'd%d' % i} for i in range(5)]})
        assert counts == {'floating_ips': 1, 'volumes': 5}
        assert text == '1 floating_ips: 203.0.113.7 (f1); 5 volumes: d0 (v0), d1 (v1), d2 (v2), ...'


class TestProtection:
    """protect_projects: Keystone's immutable option, lifted only for the collection's own writes."""

    def protected(self, **kwargs):
        tenant = spec(**kwargs)
        tenant = dataclasses.replace(tenant, protect=True)
        return tenant

    def locked_project(self, **kwargs):
        proj = project(**kwargs)
        proj['options'] = {'immutable': True}
        proj[_ownership.APPLIED_ATTR]['protected'] = True
        return proj

    def test_a_converged_protected_project_costs_nothing(self):
        dummy, dummy2, actions = ks_plan.plan_tenants(snapshot([self.locked_project()]), [self.protected()], ['lz-managed'])
        assert actions == []

    def test_a_change_lifts_the_option_then_sets_it_again_with_the_change(self):
        proj = self.locked_project()
        proj['description'] = 'old'
        proj[_ownership.APPLIED_ATTR]['description'] = 'old'
        dummy, dummy2, actions = ks_plan.plan_tenants(snapshot([proj]), [self.protected()], ['lz-managed'])
        assert len(actions) == 1 and actions[0].args['unlock'] is True
        assert actions[0].args['body']['options'] == {'immutable': True}
        assert actions[0].args['body']['description'] == 'Web (Acme)'

    def test_a_lifted_option_is_drift_and_set_again_without_unlocking(self):
        proj = self.locked_project()
        proj['options'] = {'immutable': False}
        results, dummy, actions = ks_plan.plan_tenants(snapshot([proj]), [self.protected()], ['lz-managed'])
        assert [a.summary for a in actions] == ['update project acme-web (protected)']
        assert actions[0].args['body'] == {'options': {'immutable': True}} and actions[0].args['unlock'] is False
        assert results[0].remarks[0]['drift'] == dict(field='protected', old=False, new=True)

    def test_turning_protection_on_is_no_drift(self):
        results, dummy, actions = ks_plan.plan_tenants(snapshot([project()]), [self.protected()], ['lz-managed'])
        assert actions[0].args['body']['options'] == {'immutable': True} and results[0].remarks == []

    def test_an_immutable_project_the_collection_did_not_protect_is_not_forced(self):
        proj = project(description='old', applied=None)
        proj['options'] = {'immutable': True}
        results, dummy, actions = ks_plan.plan_tenants(snapshot([proj]), [spec()], ['lz-managed'])
        assert actions == [] and results[0].remarks[0]['code'] == 'project_immutable'

    def test_deletion_unlocks_once(self):
        snap = converged_snapshot()
        snap.projects[0]['options'] = {'immutable': True}
        dummy, dummy2, actions = ks_plan.plan_tenants(snap, [spec(state='deleted', delete=True)], ['lz-managed'])
        unlocks = [(a.summary, a.args.get('unlock')) for a in actions if a.op in ('patch', 'delete')]
        assert unlocks[0] == ('disable project acme-web', True)
        assert [u for s, u in unlocks[1:] if u] == []

    def test_the_access_record_of_a_protected_project_unlocks(self):
        snap = converged_snapshot()
        snap.projects[0]['options'] = {'immutable': True}
        snap.projects[0].pop(_ownership.ACCESS_APPLIED_ATTR)
        dummy, actions = ks_plan.plan_access(snap, [self.protected()])
        record = [a for a in actions if a.summary.startswith('record the access')][0]
        assert record.args['unlock'] is True and record.args['body']['options'] == {'immutable': True}


class TestDomainDeletion:
    """A per-workspace domain the collection created goes with its last project (domain_deletions)."""

    def world(self, foreign_project=False, marker=True):
        dom = {'id': 'd1', 'name': 'lz-acme'}
        if marker:
            dom[_ownership.DOMAIN_OWNER_ATTR] = 'acme'
        snap = snapshot([project(domain_id='d1')], [dict(group('g-admin', 'admin'), domain_id='d1')])
        snap.domains.append(dom)
        if foreign_project:
            snap.projects.append(project(pid='x', name='theirs', tags=['team-x'], domain_id='d1'))
        tenant = spec(state='deleted', delete=True, domain='lz-acme')
        results, orphans, actions = ks_plan.plan_tenants(snap, [tenant], ['lz-managed'])
        return snap, tenant, results, actions

    def test_the_domain_of_the_last_deleted_project_goes(self):
        snap, tenant, results, actions = self.world()
        found = ks_plan.domain_deletions(snap, [tenant], actions)
        assert [(key, dom['id']) for key, dom in found] == [('acme/web', 'd1')]
        ks_plan.plan_domain_deletion(results, actions, *found[0])
        assert actions[-1].op == 'delete_domain' and actions[-1].phase == max(a.phase for a in actions)
        assert 'delete domain lz-acme' in results[0].changes

    def test_a_domain_with_a_foreign_project_stays(self):
        snap, tenant, dummy, actions = self.world(foreign_project=True)
        assert ks_plan.domain_deletions(snap, [tenant], actions) == []

    def test_a_domain_the_collection_did_not_create_stays(self):
        snap, tenant, dummy, actions = self.world(marker=False)
        assert ks_plan.domain_deletions(snap, [tenant], actions) == []

    def test_a_domain_a_present_tenant_uses_stays(self):
        snap, tenant, dummy, actions = self.world()
        present = spec(key='acme/api', name='acme-api', domain='lz-acme')
        assert ks_plan.domain_deletions(snap, [tenant, present], actions) == []

    def test_a_held_deletion_keeps_the_domain(self):
        snap, tenant, results, actions = self.world()
        actions = ks_plan.hold_deletions(results, actions, {'acme/web': ('1 volumes: v', {'volumes': 1}, {})})
        assert ks_plan.domain_deletions(snap, [tenant], actions) == []


class TestDomainAdoption:
    """A per-workspace domain found by name is used only when it is the workspace's own."""

    def plan(self, domain):
        snap = snapshot([])
        snap.domains.append(domain)
        tenant = spec(domain='lz-acme')
        results, dummy, actions = ks_plan.plan_tenants(snap, [tenant], ['lz-managed'])
        return results[0], actions

    def test_the_workspaces_own_domain_is_used(self):
        res, actions = self.plan({'id': 'd1', 'name': 'lz-acme', _ownership.DOMAIN_OWNER_ATTR: 'acme'})
        assert [a.summary for a in actions] == ['create project acme-web']

    def test_a_hand_made_domain_differing_only_in_case_is_not_adopted(self):
        res, actions = self.plan({'id': 'd1', 'name': 'LZ-Acme', 'description': 'made by hand'})
        assert actions == [] and res.remarks[0]['code'] == 'domain_collision'

    def test_an_accent_variant_of_another_workspaces_domain_is_not_shared(self):
        res, actions = self.plan({'id': 'd1', 'name': 'lz-acmé', _ownership.DOMAIN_OWNER_ATTR: 'acmé'})
        assert actions == [] and 'belongs to workspace' in res.remarks[0]['message']

    def test_a_domain_of_an_earlier_version_is_marked_once(self):
        res, actions = self.plan({'id': 'd1', 'name': 'lz-acme', 'description': 'landing zone domain of workspace lz-acme'})
        assert [a.summary for a in actions] == ['mark domain lz-acme as the domain of workspace acme',
                                                'create project acme-web']
        assert actions[0].args['body'] == {_ownership.DOMAIN_OWNER_ATTR: 'acme'}


class TestCloudReferences:
    """What the inventory names on the cloud is checked before the first write (references)."""

    def test_missing_roles_domains_and_volume_types_are_found_per_landing_zone(self):
        from ansible_collections.landingzone.openstack.plugins.module_utils._replication import references
        tenant = spec()
        tenant = dataclasses.replace(tenant, quota_overrides={'volume.gigabytes_fast': 10})
        elsewhere = spec(key='acme/api', name='acme-api', domain='corp')
        elsewhere = dataclasses.replace(elsewhere, landing_zone='corp', domain_managed=False)   # domain_mode default, domain_name corp
        found = references.missing([tenant, elsewhere], roles={'reader', 'member'}, domain_exists=lambda n: False,
                                   volume_types={'standard'})
        assert sorted(found) == ['corp', 'default']
        paths = [p for p, dummy in found['default']]
        assert 'landing_zones.default.role_mapping.admin' in paths            # manager is missing
        assert 'workspaces[0].projects[0].quota' in paths                       # the project's own key
        assert 'landing_zones.corp.domain_name' in [p for p, dummy in found['corp']]

    def test_a_zone_with_a_missing_reference_writes_nothing_the_others_go_on(self):
        from ansible_collections.landingzone.openstack.plugins.module_utils._replication import references
        bad, good = spec(), spec(key='acme/api', name='acme-api')
        good = dataclasses.replace(good, landing_zone='other')
        results, dummy, actions = ks_plan.plan_tenants(snapshot([]), [bad, good], ['lz-managed'])
        kept = references.hold_zones(results, actions, [bad, good], {'default': [('landing_zones.default', 'x')]})
        assert [a.tenant_key for a in kept] == ['acme/api']
        assert results[0].status == 'failed' and results[0].changes == []
        assert results[0].remarks[0]['code'] == 'missing_reference'
        assert results[0].remarks[0]['paths'] == ['landing_zones.default']


class TestPurge:
    """deletion_resources: purge: the purge goes between the groups' and the project's deletion,
    and the project's deletion only follows a purge after which the project is empty."""

    LEFT = {'acme/web': ('1 volumes: data (v1); 1 servers: vm (s1)', {'servers': 1, 'volumes': 1}, {})}

    def plan(self, leftovers=None, purge=True):
        snap = converged_snapshot()
        results, dummy, actions = ks_plan.plan_tenants(snap, [spec(state='deleted', delete=True)], ['lz-managed'])
        kept = ks_plan.hold_deletions(results, actions, leftovers or self.LEFT,
                                      {'acme/web': MARK} if purge else None)
        return results[0], kept

    def test_the_purge_is_planned_before_the_deletion(self):
        res, actions = self.plan()
        ops = [(a.phase, a.op, a.summary) for a in actions if a.phase >= ks.PHASE_PURGE]
        assert ops == [(ks.PHASE_PURGE, 'purge', 'purge project acme-web (1 servers, 1 volumes)'),
                       (ks.PHASE_DELETE_PROJECT, 'delete', 'delete project acme-web')]
        assert res.changes[-2:] == ['purge project acme-web (1 servers, 1 volumes)', 'delete project acme-web']
        assert ks.PHASE_DELETE_GROUP < ks.PHASE_PURGE < ks.PHASE_DELETE_PROJECT
        purge = [a for a in actions if a.op == 'purge'][0]
        assert purge.args['project_id'] == 'p1' and purge.args['marker_tags'] == MARK
        assert not [r for r in res.remarks if r['code'] == 'resources_remaining']

    def test_block_mode_holds_as_before(self):
        res, actions = self.plan(purge=False)
        assert [a.op for a in actions if a.phase >= ks.PHASE_PURGE] == []
        assert res.remarks[-1]['code'] == 'resources_remaining'

    def test_a_project_that_could_not_be_listed_is_not_purged(self):
        res, actions = self.plan({'acme/web': ('1 volumes: v', {'volumes': 1}, {'servers': 'GET /servers: 403'})})
        assert [a.op for a in actions if a.phase >= ks.PHASE_PURGE] == []
        assert [r['code'] for r in res.remarks][-2:] == ['resources_remaining', 'resources_unknown']

    def run_purge(self, outcome):
        res, actions = self.plan()
        done = []

        class Purger:
            def purge(self, rest, project_id, marker_tags):
                done.append((project_id, marker_tags))
                return outcome

        def record(ctx, **args):
            done.append(args['path'])
        ctx = ks.ApplyContext(None, ks.Snapshot())
        ctx.purger = Purger()
        operations = dict(ks_apply.OPERATIONS, patch=record, delete=record)
        failed = ks.apply(ctx, actions, [res], max_workers=1, operations=operations)
        return res, done, failed

    def outcome(self, remaining=None, unknown=None, refused=None):
        from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import purge
        outcome = purge.Outcome()
        outcome.temporary = [] if refused else ['granted member on project acme-web to the replicator']
        outcome.refused = refused
        outcome.remaining = (remaining or {}, unknown or {})
        return outcome

    def test_an_emptied_project_is_deleted_after_the_purge(self):
        res, done, failed = self.run_purge(self.outcome())
        assert failed == set() and done[-2:] == [('p1', MARK), '/projects/p1']
        assert res.changes[-2:] == ['purge project acme-web (1 servers, 1 volumes)', 'delete project acme-web']

    def test_what_the_purge_left_keeps_the_project_with_a_warning(self):
        res, done, failed = self.run_purge(self.outcome(remaining={'volumes': [{'id': 'v1', 'name': 'data'}]}))
        assert failed == set() and done[-1] == ('p1', MARK)   # no deletion after the purge
        remark = res.remarks[-1]
        assert remark['code'] == 'resources_remaining' and remark['severity'] == 'warning'
        assert remark['counts'] == {'volumes': 1} and 'data (v1)' in remark['message']
        assert 'after the purge' in remark['message']
        assert res.status == 'changed' and 'purge project acme-web (1 servers, 1 volumes)' in res.changes
        assert res.not_applied == ['delete project acme-web']

    def test_a_refused_purge_writes_nothing_and_keeps_the_project(self):
        res, done, failed = self.run_purge(self.outcome(refused='project acme-web is not purged: u1 hold a role'))
        assert failed == set() and done[-1] == ('p1', MARK)
        assert res.remarks[-1]['code'] == 'purge_refused'
        assert not [c for c in res.changes if c.startswith('purge')]

    def test_a_failed_purge_fails_only_its_tenant(self):
        res, actions = self.plan()
        other = ks.Action(ks.PHASE_DELETE_PROJECT, 'acme/api', ks.ActionKind.DELETE_PROJECT, 'acme-api', 'p2',
                          args=dict(path='/projects/p2'))
        other_res = ks.Result('acme/api', 'acme-api')
        other_res.plan(other)

        class Purger:
            def purge(self, rest, project_id, marker_tags):
                raise ApiError('CLEANUP', 'project acme-web', message='ResourceTimeout: timed out')
        deleted = []
        ctx = ks.ApplyContext(None, ks.Snapshot())
        ctx.purger = Purger()
        operations = dict(ks_apply.OPERATIONS, patch=lambda ctx, **a: None, delete=lambda ctx, **a: deleted.append(a['path']))
        failed = ks.apply(ctx, actions + [other], [res, other_res], max_workers=2, operations=operations)
        assert failed == {'acme/web'} and deleted.count('/projects/p2') == 1 and '/projects/p1' not in deleted
        assert res.status == 'failed' and 'ResourceTimeout' in res.errors[0]
        assert other_res.status == 'changed'

    def test_a_domain_still_holding_a_project_is_kept(self):
        calls = []

        class Rest:
            def get(self, path, params=None):
                calls.append(('GET', path, params))
                return {'projects': [{'id': 'p1', 'name': 'acme-web'}]}

            def request(self, method, path, **kwargs):
                calls.append((method, path))
        ctx = ks.ApplyContext(Rest(), ks.Snapshot())
        with pytest.raises(ks_apply.Held) as held:
            ks_apply.delete_domain(ctx, 'd1')
        assert held.value.code == 'domain_kept' and [c[0] for c in calls] == ['GET']

    def test_check_mode_names_what_would_be_purged(self):
        res, actions = self.plan()
        ks_runner.remark_planned_purges([res], [a for a in actions if a.op == 'purge'])
        remark = res.remarks[-1]
        assert remark['code'] == 'purge_planned' and remark['counts'] == {'servers': 1, 'volumes': 1}
        assert 'data (v1)' in remark['message'] and 'vm (s1)' in remark['message']


class TestPlanAsData:
    """An action names what it does (kind), what it writes (target id) and what it is called (label)."""

    def test_deletion_actions_carry_kind_target_and_label(self):
        results, dummy, actions = ks_plan.plan_tenants(converged_snapshot(), [spec(state='deleted', delete=True)],
                                                       ['lz-managed'])
        found = [(a.kind, a.target, a.label) for a in actions]
        assert found[0] == (ks.ActionKind.DISABLE_PROJECT, 'p1', 'acme-web')
        assert (ks.ActionKind.DELETE_GROUP, 'g-admin', 'acme-web-admin') in found
        assert found[-1] == (ks.ActionKind.DELETE_PROJECT, 'p1', 'acme-web')
        assert len(set(a.id for a in actions)) == len(actions)
        assert results[0].changes == [a.summary for a in actions] and results[0].planned == actions

    def test_access_actions_name_the_group_and_the_role_or_user(self):
        snap = converged_snapshot()
        snap.members = {}
        results, actions = ks_plan.plan_access(snap, [spec()])
        adds = [(a.kind, a.target, a.label, a.detail) for a in actions if a.kind == ks.ActionKind.ADD_MEMBER]
        assert sorted(adds) == [(ks.ActionKind.ADD_MEMBER, 'g-admin', 'acme-web-admin', 'alice'),
                                (ks.ActionKind.ADD_MEMBER, 'g-user', 'acme-web-user', 'bob')]

    def test_settle_keeps_the_actions_written_by_id(self):
        results, dummy, actions = ks_plan.plan_tenants(converged_snapshot(), [spec(state='deleted', delete=True)],
                                                       ['lz-managed'])
        results[0].settle([actions[0].id])
        assert results[0].changes == [actions[0].summary]
        assert results[0].not_applied == [a.summary for a in actions[1:]]


class TestOnDemandReads:
    """What only a deletion needs is read by the snapshot when the plan asks, once."""

    def test_leftovers_make_the_check_only_for_a_deletion(self):
        made = []

        class Checker:
            def check(self, project_id):
                return ({'volumes': [{'id': 'v1', 'name': 'data'}]} if project_id == 'p1' else {}), {}

        def checker():
            made.append(1)
            return Checker()
        snap = snapshot().on_demand(None, checker, max_workers=2)
        assert snap.leftovers({}) == {} and made == [] and snap.checker is None
        held = snap.leftovers({'acme/web': 'p1', 'acme/api': 'p2'})
        assert held['acme/web'] == ('1 volumes: data (v1)', {'volumes': 1}, {})
        assert held['acme/api'] == (None, {}, {}) and made == [1]
        snap.leftovers({'acme/web': 'p1'})
        assert made == [1]   # one check per run, made once

    def test_without_a_check_nothing_is_held(self):
        assert snapshot().on_demand(None).leftovers({'acme/web': 'p1'}) == {}

    def test_the_references_are_read_only_when_asked_and_volume_types_only_when_named(self):
        from ansible_collections.landingzone.openstack.plugins.module_utils._replication import references
        calls = []
        refs = references.References(lambda: calls.append('roles') or [{'name': 'reader'}],
                                     lambda: calls.append('types') or {'standard'})
        assert calls == []
        found = refs.missing([spec()], domain_exists=lambda name: True)
        assert calls == ['roles'] and 'default' in found   # member and manager are missing
        tenant = dataclasses.replace(spec(), quota_overrides={'volume.gigabytes_fast': 10})
        refs.missing([tenant], domain_exists=lambda name: True)
        assert calls == ['roles', 'types', 'roles']


def test_a_role_read_after_the_first_name_lookup_is_named_too():
    snap = ks_snapshot.Snapshot('local')
    snap.roles_by_name = {'reader': 'r-reader'}
    assert snap.role_name('r-reader') == 'reader' and snap.role_name('r-member') == 'r-member'
    snap.roles_by_name['member'] = 'r-member'
    assert snap.role_name('r-member') == 'member'
