# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A run limited to one workspace (``replicate_only_workspaces``: an onboarding, an event run) on the local
cloud's real Keystone looks its tenants' projects and groups up by name, so that its cost follows the
workspace, not the cloud (docs/scale.md); it lists the cloud when a lookup misses what the last complete
run left, and still sets back what was changed by hand without creating anything twice.

One workspace converged once by a whole-platform run, then: a limited no-op; a project renamed and a
member added by hand; a new project in the inventory; a limited no-op again.
"""

import json
import os

from helpers.keystone import recap, replicate, workspace

TENANTS_TASK = 'Replicate tenants'
ACCESS_TASK = 'Replicate access'
QUOTAS_TASK = 'Replicate quotas'
BY_NAME = dict(mode='by_name', reason=None)


def project(identifier, *users):
    return {'identifier': identifier, 'name': identifier.title(), 'landing_zone': 'default',
            'bindings': [{'euid': u.name, 'role': 'user'} for u in users]}


def test_a_limited_run_reads_its_workspace_by_name_and_lists_the_cloud_when_a_lookup_misses(
        keystone, replicator, platform, unique, make_user):
    ws = 'sr%s' % unique
    alice, eve = make_user('alice-%s' % unique), make_user('eve-%s' % unique)
    # a quota of its own: the quotas step has a project to find too
    inventory = [workspace(ws, [dict(project('web', alice), quota={'compute.cores': 4}), project('api', alice)])]
    first = replicate(platform, inventory)
    assert first.rc == 0, first.stdout[-3000:]
    assert first[TENANTS_TASK]['read'] == dict(mode='listed', reason=None)
    # it created: the later steps listed the projects themselves
    assert first[ACCESS_TASK]['read']['mode'] == 'listed' and 'listing' not in first[TENANTS_TASK]['handoff']

    # a whole no-op: the tenants step wrote nothing and handed its listing on; the rows went through files the report
    # read back (every tenant in it, with its project) and removed
    whole = replicate(platform, inventory)
    assert whole.rc == 0 and recap(whole, platform)['changed'] == 0, whole.stdout[-3000:]
    assert whole[TENANTS_TASK]['handoff']['listing']['projects'] >= 2
    assert whole[ACCESS_TASK]['read']['mode'] == 'handed' and whole[QUOTAS_TASK]['read']['mode'] == 'handed'
    assert whole[TENANTS_TASK]['tenants'] == [] and whole[TENANTS_TASK]['rows_file']['rows'] == 2
    reports = os.path.join(whole.workdir, 'reports')
    with open(os.path.join(reports, '%s.json' % platform)) as handle:
        report = json.load(handle)
    assert sorted((t['tenant'], t['status'], bool(t['project_id'])) for t in report['tenants']) == [
        ('%s/api' % ws, 'ok', True), ('%s/web' % ws, 'ok', True)]
    assert [f for f in os.listdir(reports) if '.rows-' in f] == []

    limited = replicate(platform, inventory, replicate_only_workspaces=[ws])
    assert limited.rc == 0 and recap(limited, platform)['changed'] == 0, limited.stdout[-3000:]
    assert limited[TENANTS_TASK]['read'] == BY_NAME and limited[ACCESS_TASK]['read'] == BY_NAME
    assert limited[QUOTAS_TASK]['read'] == BY_NAME
    assert limited[ACCESS_TASK]['members']['mode'] == 'groups'
    # a partial view's report: <platform>.<workspace>.json
    with open(os.path.join(limited.workdir, 'reports', '%s.%s.json' % (platform, ws))) as handle:
        steps = json.load(handle)['steps']
    assert steps['tenants']['read'] == BY_NAME and steps['access']['read'] == BY_NAME
    assert steps['quotas']['read'] == BY_NAME

    # by hand: a project renamed, a member added, a group's grant revoked (the project's effective listing then shows
    # none of that group's members: it is read on its own); the lookup by name misses the project
    api = keystone.project(ws, 'api')
    api_group = keystone.group_named('%s-api-user' % ws)
    granted = keystone.group_roles(api_group, api)
    for role in granted:
        replicator.identity.unassign_project_role_from_group(api, api_group, replicator.identity.find_role(role))
    assert granted and keystone.group_roles(api_group, api) == []
    replicator.identity.update_project(api, name='renamed-by-hand-%s' % unique)
    user_group = keystone.group_named('%s-web-user' % ws)
    replicator.identity.add_user_to_group(eve, user_group)
    fixed = replicate(platform, inventory, replicate_only_workspaces=[ws])
    assert fixed.rc == 0, fixed.stdout[-3000:]
    assert fixed[TENANTS_TASK]['read'] == dict(
        mode='listed', reason='no single project named %s-api carries the marker of %s/api' % (ws, ws))
    assert replicator.identity.get_project(api.id).name == '%s-api' % ws
    # the access step runs after the rename back: its lookups find everything
    assert fixed[ACCESS_TASK]['read'] == BY_NAME
    assert keystone.members(user_group) == [alice.name]
    assert keystone.group_roles(api_group, api) == granted and keystone.members(api_group) == [alice.name]
    drift = sorted((t['tenant'], r['drift']['field']) for t in fixed[ACCESS_TASK]['tenants'] for r in t['remarks']
                   if r['code'] == 'drift_reverted')
    assert drift == [('%s/api' % ws, 'grants'), ('%s/web' % ws, 'members')]
    # the api group's members were read on their own and left as they were: only the grants were written
    assert [c for c in fixed[ACCESS_TASK]['planned'] if '%s-api-user' % ws in c and 'grant' not in c] == []

    # a new project: created after a listing (a lookup cannot tell it from one renamed), nothing twice
    inventory[0]['projects'].append(project('db', alice))
    grown = replicate(platform, inventory, replicate_only_workspaces=[ws])
    assert grown.rc == 0, grown.stdout[-3000:]
    assert grown[TENANTS_TASK]['read']['mode'] == 'listed' and '%s/db' % ws in grown[TENANTS_TASK]['read']['reason']
    assert grown[ACCESS_TASK]['read']['mode'] == 'listed'
    assert sorted(p.name for p in keystone.projects(ws)) == sorted('%s-%s' % (ws, p) for p in ('web', 'api', 'db'))
    assert len(keystone.managed_groups(ws)) == 9

    again = replicate(platform, inventory, replicate_only_workspaces=[ws])
    assert again.rc == 0 and recap(again, platform)['changed'] == 0, again.stdout[-3000:]
    assert again[TENANTS_TASK]['read'] == BY_NAME and again[ACCESS_TASK]['read'] == BY_NAME
