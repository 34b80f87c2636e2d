# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adopting an existing project (docs/replication.md, "Adopting an existing project"): validation of
``adopt``, the schema, the tenants planner on hand-made snapshots, and what the snapshot reads for it."""

import dataclasses

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _ownership
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import validate as inv
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import Scope
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import plan as ks_plan
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import runner as ks_runner
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.snapshot import Snapshot
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.isolation import adopted_projects

from test_keystone import ListingRest, module, project, snapshot, spec
from test_workspace_schema import schema_errors, shop, validator_errors

PID = '0123456789abcdef0123456789abcdef'
OTHER = 'fedcba9876543210fedcba9876543210'


# ---------------------------------------------------------------------------- validation and schema

def inventory(*projects, **zone):
    return dict(landing_zones={'default': zone}, workspaces=[{'identifier': 'acme', 'name': 'Acme',
                                                              'projects': list(projects)}])


def errors(*projects):
    return dict((e.path, e.message) for e in inv.validate(inventory(*projects), ['local', 'other']))


def test_adopt_names_the_project_id_per_platform():
    tenants = inv.select_tenants(inventory({'identifier': 'web', 'adopt': {'local': PID}}), 'local', ['local', 'other'])
    assert [(t.key, t.platform, t.adopt) for t in tenants] == [('acme/web', 'local', PID)]
    other = inv.select_tenants(inventory({'identifier': 'web', 'adopt': {'local': PID}}), 'other', ['local', 'other'])
    assert [t.adopt for t in other] == [None]   # ids are per Keystone: another platform creates its own


@pytest.mark.parametrize('adopt, path, fragment', [
    (PID, 'workspaces[0].projects[0].adopt', 'must be a mapping of platform to Keystone project id'),
    ({}, 'workspaces[0].projects[0].adopt', 'must name at least one platform'),
    ({'moon': PID}, 'workspaces[0].projects[0].adopt.moon', "unknown platform 'moon'; known: local, other"),
    ({'local': PID.upper()}, 'workspaces[0].projects[0].adopt.local', 'is not a Keystone project id'),
    ({'local': 'web'}, 'workspaces[0].projects[0].adopt.local', 'is not a Keystone project id'),
    ({'local': 42}, 'workspaces[0].projects[0].adopt.local', 'must be a Keystone project id'),
])
def test_a_bad_adopt_is_named_by_its_path(adopt, path, fragment):
    found = errors({'identifier': 'web', 'adopt': adopt})
    assert fragment in found.get(path, ''), found


def test_adopt_on_a_platform_the_project_is_not_on():
    found = errors({'identifier': 'web', 'platforms': ['other'], 'adopt': {'local': PID}})
    assert found == {'workspaces[0].projects[0].adopt.local':
                     "the project is not on platform 'local' (its platforms: other)"}


def test_one_project_id_is_adopted_by_one_tenant_only():
    found = errors({'identifier': 'web', 'adopt': {'local': PID}}, {'identifier': 'api', 'adopt': {'other': PID}})
    assert list(found) == ['workspaces[0].projects[1].adopt.other'], found
    assert 'also adopted by workspaces[0].projects[0].adopt.local' in found['workspaces[0].projects[1].adopt.other']


def test_the_paths_name_the_workspace_file():
    raw = inventory({'identifier': 'web', 'adopt': {'local': 'nope'}})
    files = {'directory': 'workspaces', 'files': ['workspaces/acme.yml'], 'identifiers': ['acme']}
    found = [str(e) for e in inv.validate(raw, ['local'], workspace_files=files)]
    assert len(found) == 1 and found[0].startswith('workspaces/acme.yml: projects[0].adopt.local:'), found


@pytest.mark.parametrize('adopt, valid', [
    ({'local': PID}, True), ({'local': PID, 'other': OTHER}, True), (None, True),
    ({}, False), ({'local': 'abc'}, False), ({'local': PID.upper()}, False), ({'local': 1}, False), ([PID], False),
])
def test_schema_and_validator_agree_on_adopt(adopt, valid):
    workspace = shop(adopt=adopt)
    assert (validator_errors(workspace) == []) is valid, validator_errors(workspace)
    assert (schema_errors(workspace) == []) is valid, schema_errors(workspace)


# ---------------------------------------------------------------------------- planning

def adopter(**fields):
    return dataclasses.replace(spec(), adopt=PID, **fields)


def legacy(domain_id='default', tags=('team=web',), enabled=False, pid=PID, name='legacy-web'):
    """A project made by hand: no marker, no record of ours."""
    return project(pid=pid, name=name, tags=list(tags), enabled=enabled, domain_id=domain_id,
                   description='made by hand', applied=False)


def direct_grants():
    return [{'user': {'id': 'u-carol', 'name': 'carol', 'domain': {'id': 'default', 'name': 'Default'}},
             'role': {'id': 'r-member', 'name': 'member'}, 'scope': {'project': {'id': PID}}},
            {'group': {'id': 'g-ops', 'name': 'ops', 'domain': {'id': 'default', 'name': 'Default'}},
             'role': {'id': 'r-reader', 'name': 'reader'}, 'scope': {'project': {'id': PID}}}]


def codes(result):
    return [r['code'] for r in result.remarks]


def test_an_adopted_project_is_renamed_marked_and_recorded_in_one_patch():
    snap = snapshot([legacy()])
    snap.adopted_grants[PID] = direct_grants()
    tenant = adopter()
    results, orphans, actions = ks_plan.plan_tenants(snap, [tenant], ['lz-managed'])
    res = results[0]
    assert [a.summary for a in actions] == [
        'adopt project legacy-web (%s) as acme-web (description, enabled, name, tags)' % PID]
    action = actions[0]
    assert action.kind == ks_plan.ActionKind.ADOPT_PROJECT and action.target == PID and action.op == 'patch'
    body = action.args['body']
    assert body['name'] == 'acme-web' and body['description'] == 'Web (Acme)' and body['enabled'] is True
    assert body['tags'] == sorted(tenant.tags + ['team=web'])      # the markers added, the team's tag kept
    assert body[_ownership.APPLIED_ATTR] == _ownership.applied_project('acme-web', 'Web (Acme)', True, tenant.tags)
    assert res.project_id == PID and res.status == 'changed' and orphans == []
    assert codes(res) == ['adopted', 'adopted_direct_grant', 'adopted_direct_grant']
    grants = [r for r in res.remarks if r['code'] == 'adopted_direct_grant']
    assert [(g['principal'], g['role']) for g in grants] == [('user:u-carol', 'member'), ('group:g-ops', 'reader')]
    assert 'user carol (domain Default) holds role member directly' in grants[0]['message']
    assert res.before == dict(name='legacy-web', domain='Default', description='made by hand', enabled=False,
                              tags=['team=web'])
    assert res.after['name'] == 'acme-web' and res.after['enabled'] is True
    # nothing revokes them: no action of the plan names the grants' principals
    assert not any('carol' in a.summary or 'ops' in a.summary for a in actions)


def test_once_adopted_it_is_an_ordinary_project_and_the_next_run_plans_nothing():
    results, orphans, actions = ks_plan.plan_tenants(snapshot([project(pid=PID)]), [adopter()], ['lz-managed'])
    assert actions == [] and results[0].status == 'ok' and results[0].project_id == PID
    assert codes(results[0]) == []


def test_a_foreign_lock_refuses_the_adoption():
    locked = dict(legacy(), options={'immutable': True})
    results, dummy, actions = ks_plan.plan_tenants(snapshot([locked]), [adopter()], ['lz-managed'])
    assert actions == [] and codes(results[0]) == ['project_immutable']


@pytest.mark.parametrize('tags, owner', [
    (['lz-managed', 'lz-ws=beta', 'lz-proj=api', 'lz-platform=local', 'lz-zone=default'], 'tenant beta/api on platform local'),
    (['lz-managed', 'lz-ws=acme', 'lz-proj=web', 'lz-platform=fra1'], 'tenant acme/web on platform fra1'),
    (['lz-ws=beta'], "another tool's"),
])
def test_a_project_carrying_another_owners_tags_is_refused(tags, owner):
    results, orphans, actions = ks_plan.plan_tenants(snapshot([legacy(tags=tags)]), [adopter()], ['lz-managed'])
    res = results[0]
    assert actions == [] and res.status == 'failed' and codes(res) == ['adopt_owned']
    assert owner in res.remarks[0]['message'] and res.remarks[0]['tags']
    assert res.project_id is None


def test_a_missing_project_is_refused_and_nothing_is_created():
    results, dummy, actions = ks_plan.plan_tenants(snapshot([]), [adopter()], ['lz-managed'])
    assert actions == [] and codes(results[0]) == ['adopt_missing']
    assert PID in results[0].errors[0]


def test_a_project_in_another_domain_is_refused_keystone_cannot_move_it():
    snap = snapshot([legacy(domain_id='d-other')])
    snap.domains.append(dict(id='d-other', name='Other'))
    results, dummy, actions = ks_plan.plan_tenants(snap, [adopter()], ['lz-managed'])
    assert actions == [] and codes(results[0]) == ['adopt_domain']
    assert 'is in domain Other' in results[0].errors[0] and 'cannot move a project between domains' in results[0].errors[0]


def test_a_tenant_with_a_managed_project_cannot_adopt_another():
    snap = snapshot([project(pid='p1'), legacy()])
    results, dummy, actions = ks_plan.plan_tenants(snap, [adopter()], ['lz-managed'])
    assert actions == [] and codes(results[0]) == ['adopt_conflict']
    assert 'acme-web (p1)' in results[0].errors[0] and 'two projects for one tenant' in results[0].errors[0]


def test_a_foreign_project_with_the_target_name_is_refused():
    snap = snapshot([legacy(), legacy(pid=OTHER, name='acme-web')])
    results, dummy, actions = ks_plan.plan_tenants(snap, [adopter()], ['lz-managed'])
    assert actions == [] and codes(results[0]) == ['name_collision']


def test_one_refused_adoption_does_not_stop_the_others():
    snap = snapshot([legacy(tags=['lz-managed', 'lz-ws=beta', 'lz-proj=api', 'lz-platform=local'])])
    other = spec(key='acme/api', name='acme-api')
    results, orphans, actions = ks_plan.plan_tenants(snap, [adopter(), other], ['lz-managed', 'lz-platform=local'])
    assert [r.status for r in results] == ['failed', 'changed']
    assert [a.summary for a in actions] == ['create project acme-api']
    # the refused project is another tenant's: it stays an orphan of the platform, untouched
    assert [o.project_id for o in orphans] == [PID] and codes(orphans[0]) == ['orphan']


def test_a_deleted_tenant_never_adopts():
    results, dummy, actions = ks_plan.plan_tenants(snapshot([legacy()]), [adopter(state='deleted', enabled=False)],
                                                   ['lz-managed'])
    assert actions == [] and codes(results[0]) == []


# ---------------------------------------------------------------------------- reading and the step

class AdoptionRest(ListingRest):
    """``ListingRest`` that also answers a project read by id and the direct assignments on one project."""

    def __init__(self, snap, by_id=None, grants=()):
        super().__init__(snap)
        self.by_id = by_id or {}
        self.grants = list(grants)

    def get(self, path, params=None, missing_ok=False):
        if path.startswith('/projects/'):
            self.sent.append(('GET', path, ()))
            found = self.by_id.get(path.split('/')[2])
            assert missing_ok
            return {'project': found} if found else None
        if path == '/role_assignments' and (params or {}).get('scope.project.id'):
            self.sent.append(('GET', path, tuple(sorted(params.items()))))
            return {'role_assignments': self.grants}
        return super().get(path, params, missing_ok)


def paths(rest):
    return [path for dummy, path, dummy2 in rest.sent]


def test_the_adopting_run_reads_the_projects_direct_grants_once():
    rest = AdoptionRest(snapshot([legacy()]), grants=direct_grants())
    out = ks_runner.replicate_tenants(module(check_mode=True), rest, Scope([adopter()], frozenset(), True))
    # the roles: the references a writing step checks first
    assert paths(rest) == ['/domains', '/projects', '/role_assignments', '/roles']
    assert rest.sent[2][2] == (('include_names', 'true'), ('scope.project.id', PID))
    row = out['tenants'][0]
    assert out['changed'] is True and out['planned'] == [
        'adopt project legacy-web (%s) as acme-web (description, enabled, name, tags)' % PID]
    assert [r['code'] for r in row['remarks']] == ['adopted', 'adopted_direct_grant', 'adopted_direct_grant']
    assert row['project_id'] == PID and row['new_project'] is False and row['adopted_project'] == PID
    # the quota step of the check run plans on the project to adopt; not for a tenant the step failed
    assert adopted_projects({'tenants': out}) == {'acme/web': PID}
    assert adopted_projects({'tenants': dict(out, tenants=[dict(row, status='failed')])}) == {}
    assert adopted_projects({'tenants': {'skipped': True}}) == {}


def test_a_project_the_listing_lacks_is_read_by_id_once():
    rest = AdoptionRest(snapshot([]), by_id={PID: legacy()})
    snap = Snapshot.read_tenants(rest, [adopter()])
    assert snap.adoption(PID)['name'] == 'legacy-web'
    assert paths(rest) == ['/domains', '/projects', '/projects/%s' % PID, '/role_assignments']


def test_no_such_project_costs_one_read_and_fails_the_tenant():
    rest = AdoptionRest(snapshot([]))
    out = ks_runner.replicate_tenants(module(check_mode=True), rest, Scope([adopter()], frozenset(), True))
    assert paths(rest) == ['/domains', '/projects', '/projects/%s' % PID]
    assert out['tenants'][0]['status'] == 'failed' and out['planned'] == []


def test_an_adopted_project_costs_no_request_more():
    rest = AdoptionRest(snapshot([project(pid=PID)]))
    out = ks_runner.replicate_tenants(module(), rest, Scope([adopter()], frozenset(), True))
    assert paths(rest) == ['/domains', '/projects'] and out['changed'] is False
    assert 'adopted_project' not in out['tenants'][0]


def test_another_tenants_project_is_not_read_further():
    owned = legacy(tags=['lz-managed', 'lz-ws=beta', 'lz-proj=api', 'lz-platform=local'])
    rest = AdoptionRest(snapshot([owned]), grants=direct_grants())
    out = ks_runner.replicate_tenants(module(), rest, Scope([adopter()], frozenset(), False))
    assert paths(rest) == ['/domains', '/projects'] and out['planned'] == []
    assert [r['code'] for r in out['tenants'][0]['remarks']] == ['adopt_owned']
