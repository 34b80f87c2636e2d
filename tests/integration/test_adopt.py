# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adopting an existing project on the local cloud (docs/replication.md, "Adopting an existing project"):
a project made by hand, with a role granted to a user directly, is taken over: the check run's plan (and
its Markdown, and --diff) shows the adoption and writes nothing; the run keeps the project's id, renames
and marks it, creates and grants the groups, reports the direct grant and keeps it; a project that
carries another tenant's marker is refused before any write of it; the next run changes nothing with
``adopt`` still in the inventory. One scenario: a check run, a converge, a no-op."""

import os

from helpers.keystone import replicate, report, workspace

TENANTS = 'Replicate tenants'


def _codes(row):
    return [r['code'] for r in row['remarks']]


def _rows(run, platform):
    return dict((r['tenant'], r) for r in report(run, platform)['tenants'])


def _state(replicator, project_id):
    """What Keystone holds of a project (raw: the extra attributes included)."""
    proj = replicator.identity.get('/projects/%s' % project_id).json()['project']
    proj.pop('links', None)
    return proj


def _direct_grants(replicator, project_id):
    found = replicator.identity.get('/role_assignments', params={'scope.project.id': project_id,
                                                                 'include_names': 'true'}).json()
    return sorted((a['user']['name'] if 'user' in a else 'group:' + a['group']['name'], a['role']['name'])
                  for a in found['role_assignments'])


def test_a_project_made_by_hand_is_adopted_and_another_tenants_is_refused(
        keystone, platform, unique, make_user, replicator):
    ws, other_ws = 'ad%s' % unique[:6], 'ot%s' % unique[:6]
    ann, carol = make_user('adopt-ann-%s' % unique), make_user('adopt-carol-%s' % unique)
    member = replicator.identity.find_role('member', ignore_missing=False)
    legacy = replicator.identity.create_project(name='legacy-%s' % unique, domain_id='default',
                                                description='made by hand', is_enabled=False, tags=['team=legacy'])
    # carries the marker of another tenant of this platform: not ours to take
    taken = replicator.identity.create_project(
        name='taken-%s' % unique, domain_id='default', description='another tenant\'s',
        tags=['lz-managed', 'lz-ws=%s' % other_ws, 'lz-proj=app', 'lz-zone=default', 'lz-platform=%s' % platform])
    try:
        replicator.identity.assign_project_role_to_user(legacy.id, carol.id, member.id)
        web = {'identifier': 'web', 'name': 'Web', 'adopt': {platform: legacy.id}, 'quota': {'compute.instances': 7},
               'bindings': [{'euid': ann.name, 'role': 'admin'}]}
        api = {'identifier': 'api', 'name': 'API', 'adopt': {platform: taken.id}}
        before = dict(legacy=_state(replicator, legacy.id), taken=_state(replicator, taken.id))

        plan = replicate(platform, [workspace(ws, [web, api])], check=True, diff=True)
        assert plan.rc != 0, 'the refused tenant fails the platform visibly'
        # the quota is planned on the project to adopt, which carries no marker yet
        assert 'set compute quota of %s/web (%s): instances=7' % (ws, legacy.id) in plan['Replicate quotas']['planned']
        assert 'adopt project legacy-%s (%s) as %s-web (description, enabled, name, tags)' % (
            unique, legacy.id, ws) in plan[TENANTS]['planned']
        assert plan[TENANTS]['diff']['before']['%s/web' % ws]['name'] == 'legacy-%s' % unique
        assert plan[TENANTS]['diff']['after']['%s/web' % ws]['name'] == '%s-web' % ws
        with open(os.path.join(plan.workdir, 'reports', '%s.plan.md' % platform)) as handle:
            markdown = handle.read()
        assert '**adopt** project legacy-%s' % unique in markdown.replace('\\', ''), markdown
        assert 'adopted\\_direct\\_grant' in markdown and 'adopt\\_owned' in markdown, markdown
        assert dict(legacy=_state(replicator, legacy.id), taken=_state(replicator, taken.id)) == before

        run = replicate(platform, [workspace(ws, [web, api])], replicate_quotas=False)
        assert run.rc != 0
        rows = _rows(run, platform)
        adopted, refused = rows['%s/web' % ws], rows['%s/api' % ws]
        # the project keeps its id and gets the markers, the name, the description; enabled
        proj = keystone.project(ws, 'web')
        assert proj.id == legacy.id and proj.name == '%s-web' % ws and proj.is_enabled
        assert {'lz-managed', 'lz-ws=%s' % ws, 'lz-proj=web', 'lz-platform=%s' % platform,
                'team=legacy'} <= set(proj.tags)
        admin = keystone.group_named('%s-web-admin' % ws)
        assert keystone.group_roles(admin, proj) == ['manager', 'member'] and keystone.members(admin) == [ann.name]
        # the direct grant is reported and kept
        grants = [r for r in adopted['steps']['tenants']['remarks'] if r['code'] == 'adopted_direct_grant']
        assert [(g['principal'], g['role']) for g in grants] == [('user:%s' % carol.id, 'member')], adopted
        assert (carol.name, 'member') in _direct_grants(replicator, legacy.id)
        # refused before any write of it: the run's only project write is the adoption
        assert refused['steps']['tenants']['status'] == 'failed' and 'adopt_owned' in _codes(refused), refused
        assert [refused['steps'][s]['outcome'] for s in ('access',)] == ['skipped']
        assert _state(replicator, taken.id) == before['taken']
        assert keystone.group_named('%s-api-admin' % ws) is None
        assert run[TENANTS]['requests']['by_method'].get('PATCH') == 1, run[TENANTS]['requests']

        again = replicate(platform, [workspace(ws, [web])], replicate_quotas=False)
        assert again.rc == 0, again.stdout[-3000:]
        assert again.stats(platform)['changed'] == 0, again.stdout[-3000:]
        assert keystone.project(ws, 'web').id == legacy.id
        assert _codes(_rows(again, platform)['%s/web' % ws]) == []
    finally:
        for proj in (legacy, taken):
            replicator.identity.update_project(proj, is_enabled=False)
            replicator.identity.delete_project(proj, ignore_missing=True)
