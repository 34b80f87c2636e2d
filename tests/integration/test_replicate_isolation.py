# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replication keeps going and tells the truth (docs/replication.md, "When a tenant fails"):
one bad tenant never freezes the others, the report says per tenant and step what ran, a check
run's report is a plan beside the real one, users compare as Keystone compares names, and changes
made outside the inventory are named when they are reverted. Against the local cloud's Keystone."""

import json
import os

from faultproxy import FaultProxy, clouds_yaml_via, keystone_port
# keystone, make_user and platform are fixtures: imported so pytest finds them here
from helpers.keystone import recap, replicate, report, workspace

FAIL_TASK = 'Fail the platform visibly when a step or a tenant failed'
STATS_TASK = 'Publish the summary as job artifacts (AWX)'
REPORT_TASK = 'Write the replication report'


def project(ident, user, quota=None):
    spec = {'identifier': ident, 'name': ident.upper(), 'landing_zone': 'default',
            'bindings': [{'euid': user, 'role': 'admin'}]}
    if quota:
        spec['quota'] = quota
    return spec


def artifacts(run, platform):
    return run[STATS_TASK]['ansible_stats']['data']['replication'][platform]


def rows(run, platform):
    return dict((r['tenant'], r) for r in report(run, platform)['tenants'])


def assert_healthy(keystone, replicator, ws, ident, user, instances=None):
    proj = keystone.project(ws, ident)
    assert proj is not None, '%s/%s has no project' % (ws, ident)
    admin = keystone.group_named('%s-%s-admin' % (ws, ident), proj.domain_id)
    assert admin is not None, 'no admin group for %s/%s' % (ws, ident)
    assert keystone.group_roles(admin, proj) == ['manager', 'member']
    assert keystone.members(admin) == [user]
    if instances is not None:
        assert replicator.compute.get_quota_set(proj.id).instances == instances


def test_a_collision_on_one_tenant_does_not_freeze_the_others(keystone, platform, unique, make_user, replicator):
    one, two, three = ('c1%s' % unique, 'c2%s' % unique, 'c3%s' % unique)
    user = 'iso-%s' % unique
    make_user(user)
    foreign = replicator.identity.create_project(name='%s-web' % one, domain_id='default',
                                                 description='not ours', tags=['team-x'])
    quota = {'compute.instances': 7}
    inventory = [workspace(one, [project('web', user, quota), project('api', user, quota)]),
                 workspace(two, [project('app', user, quota), project('db', user, quota)]),
                 workspace(three, [dict(project('ml', user, quota), landing_zone='isolated')])]
    try:
        for attempt in (1, 2):
            run = replicate(platform, inventory)
            assert run.rc != 0, 'the platform must fail visibly'
            stats = recap(run, platform)
            assert stats['failures'] == 1, stats
            if attempt == 1:
                # the run created 4 projects, a domain, groups, grants, members and quotas: it says so
                assert stats['changed'] >= 3, stats
                assert run['Replicate tenants']['changed'] is True
            else:
                assert stats['changed'] == 0, stats
            for ws, ident in ((one, 'api'), (two, 'app'), (two, 'db'), (three, 'ml')):
                assert_healthy(keystone, replicator, ws, ident, user, instances=7)
            by = rows(run, platform)
            bad = by['%s/web' % one]
            assert bad['status'] == 'failed'
            assert bad['steps']['tenants']['status'] == 'failed'
            assert bad['steps']['access']['outcome'] == 'skipped'
            assert bad['steps']['quotas']['outcome'] == 'skipped'
            assert 'name_collision' in bad['steps']['access']['reason']
            for key in ('%s/api' % one, '%s/app' % two, '%s/db' % two, '%s/ml' % three):
                assert [by[key]['steps'][s]['outcome'] for s in ('tenants', 'access', 'quotas')] == ['ran'] * 3
            full = report(run, platform)
            assert set(full['requests']) == {'validation', 'tenants', 'access', 'quotas'}
            assert full['requests']['access'] > 0 and full['requests']['quotas'] > 0
            # the fatal message names the tenant, the reason and where the report is
            msg = run[FAIL_TASK]['msg']
            assert '%s/web (name_collision' % one in msg and run[REPORT_TASK]['path'] in msg
            # the artifacts say what the report says
            art = artifacts(run, platform)
            for status in ('ok', 'changed', 'remarks', 'skipped', 'failed'):
                assert art[status] == full['summary'][status], (status, art, full['summary'])
            assert art['failed'] == 1 and art['failure'] == full['failure']
        after = replicator.identity.get_project(foreign.id)
        assert (after.description, after.tags) == ('not ours', ['team-x'])
    finally:
        replicator.identity.delete_project(foreign.id, ignore_missing=True)
        for dom in replicator.identity.domains():
            if dom.name == 'lz-%s' % three:
                for proj in replicator.identity.projects(domain_id=dom.id):
                    replicator.identity.update_project(proj, is_enabled=False)
                    replicator.identity.delete_project(proj)
                replicator.identity.update_domain(dom, is_enabled=False)
                replicator.identity.delete_domain(dom)


def test_a_step_that_fails_as_a_whole_fails_every_tenant_in_the_artifacts(keystone, platform, unique):
    ws = 'w%s' % unique
    run = replicate(platform, [workspace(ws, [{'identifier': 'a', 'name': 'A'}, {'identifier': 'b', 'name': 'B'}])],
                    lz_cloud='no-such-cloud')
    assert run.rc != 0
    full = report(run, platform)
    assert full['summary']['failed'] == 2 and full['summary']['ok'] == 0
    assert full['summary']['failed_steps'] == ['tenants', 'access', 'quotas']
    art = artifacts(run, platform)
    assert (art['failed'], art['ok']) == (2, 0)
    assert 'cannot connect' in run[FAIL_TASK]['msg']


def test_check_mode_writes_a_plan_beside_the_last_real_report(keystone, platform, unique, make_user):
    ws = 'k%s' % unique
    user = 'plan-%s' % unique
    make_user(user)
    inventory = [workspace(ws, [project('web', user)])]
    real = replicate(platform, inventory)
    assert real.rc == 0, real.stdout[-3000:]
    summary = report(real, platform)['summary']
    art = artifacts(real, platform)
    assert dict((k, art[k]) for k in summary) == summary and art['failure'] is None   # artifacts = report
    real_path = os.path.join(real.workdir, 'reports', '%s.json' % platform)
    with open(real_path) as handle:
        before = handle.read()
    inventory[0]['projects'].append(project('api', user))
    plan = replicate(platform, inventory, check=True, diff=True, workdir=real.workdir)
    assert plan.rc == 0, plan.stdout[-3000:]
    plan_path = os.path.join(real.workdir, 'reports', '%s.plan.json' % platform)
    with open(plan_path) as handle:
        planned = json.load(handle)
    assert planned['check_mode'] is True and planned['summary']['check_mode'] is True
    api = [r for r in planned['tenants'] if r['tenant'] == '%s/api' % ws][0]
    assert api['changes'] and all(c.split(': ', 1)[1].startswith('planned: ') for c in api['changes'])
    assert plan[REPORT_TASK]['lines'][0].startswith('[plan] %s:' % platform)
    assert keystone.project(ws, 'api') is None
    # the last real report beside it is byte for byte what the real run wrote
    with open(real_path) as handle:
        assert handle.read() == before


def test_the_report_lands_under_the_working_directory_not_pwd(keystone, platform, unique):
    ws = 'r%s' % unique
    from helpers.playbook import run_playbook
    from helpers.keystone import PLAYBOOK, ZONES
    run = run_playbook(playbook=PLAYBOOK, host=platform, env={'PWD': '/nonexistent'},
                       group_vars=dict(landing_zones=ZONES, workspaces=[workspace(ws, [{'identifier': 'a', 'name': 'A'}])]))
    assert run.rc == 0, run.stdout[-3000:]
    path = os.path.join(run.workdir, 'reports', 'replication', '%s.json' % platform)
    assert run[REPORT_TASK]['path'] == path and os.path.exists(path)


def test_users_compare_as_keystone_compares_names(keystone, platform, unique, make_user, replicator):
    ws = 'u%s' % unique
    jill = 'jill-%s@example.test' % unique
    make_user(jill)
    zones = {'default': {'domain_mode': 'default', 'euid_pattern': '%S@EXAMPLE.TEST'}}
    inventory = [workspace(ws, [{'identifier': 'web', 'name': 'Web',
                                 'bindings': [{'euid': 'jill-%s' % unique, 'role': 'admin'}]}])]
    run = replicate(platform, inventory, zones=zones)
    assert run.rc == 0, run.stdout[-3000:]
    admin = keystone.group_named('%s-web-admin' % ws)
    assert keystone.members(admin) == [jill]
    remarks = rows(run, platform)['%s/web' % ws]['remarks']
    case = [r for r in remarks if r['code'] == 'user_name_case']
    assert case and jill in case[0]['message'] and jill.upper() in case[0]['message']
    assert not [r for r in remarks if r['code'] == 'user_not_found']
    run = replicate(platform, inventory, zones=zones)
    assert recap(run, platform)['changed'] == 0
    # two spellings (in two domains) that Keystone would both call KIM-...: nobody is bound
    kim = 'kim-%s@example.test' % unique
    make_user(kim)
    dom = replicator.identity.create_domain(name='d%s' % unique)
    other = replicator.identity.create_user(name=kim.upper(), domain_id=dom.id)
    try:
        inventory[0]['projects'][0]['bindings'].append({'euid': 'kim-%s' % unique, 'role': 'user'})
        run = replicate(platform, inventory, zones=zones)
        assert run.rc == 0, run.stdout[-3000:]
        remarks = rows(run, platform)['%s/web' % ws]['remarks']
        assert sorted(r['code'] for r in remarks if r['code'].startswith('user_')) == ['user_ambiguous', 'user_name_case']
        assert keystone.members(keystone.group_named('%s-web-user' % ws)) == []
    finally:
        replicator.identity.delete_user(other)
        replicator.identity.update_domain(dom, is_enabled=False)
        replicator.identity.delete_domain(dom)


def test_drift_is_named_when_reverted_and_foreign_tags_are_kept(keystone, platform, unique, make_user, replicator):
    ws = 'd%s' % unique
    user, eve = 'dr-%s' % unique, 'eve-%s' % unique
    make_user(user)
    eve_user = make_user(eve)
    inventory = [workspace(ws, [project('web', user)])]
    assert replicate(platform, inventory).rc == 0
    proj = keystone.project(ws, 'web')
    admin = keystone.group_named('%s-web-admin' % ws)
    reader = keystone.group_named('%s-web-reader' % ws)
    other = replicator.identity.create_project(name='other-%s' % unique, domain_id='default')
    try:
        # by hand: a description, a foreign tag, a removed inventory tag, a member, a grant elsewhere
        replicator.identity.update_project(proj, description='edited by hand')
        tags = [t for t in proj.tags if t != 'cost-centre=42'] + ['backup=daily']
        replicator.identity.put('/projects/%s/tags' % proj.id, json={'tags': tags})
        replicator.identity.add_user_to_group(eve_user, admin)
        role = [r for r in replicator.identity.roles() if r.name == 'reader'][0]
        replicator.identity.assign_project_role_to_group(other, reader, role)
        run = replicate(platform, inventory)
        assert run.rc == 0, run.stdout[-3000:]
        remarks = rows(run, platform)['%s/web' % ws]['remarks']
        drift = dict((r['drift']['field'], r['drift']) for r in remarks if r['code'] == 'drift_reverted')
        assert drift['description'] == dict(field='description', old='edited by hand',
                                            new='WEB (Workspace %s)' % ws)
        assert 'cost-centre=42' in drift['tags']['new'] and 'cost-centre=42' not in drift['tags']['old']
        assert drift['members']['old'] == sorted([user, eve]) and drift['members']['new'] == [user]
        foreign = [r for r in remarks if r['code'] == 'foreign_assignment']
        assert foreign and foreign[0]['project'] == 'other-%s (%s)' % (unique, other.id)
        after = keystone.project(ws, 'web')
        assert 'backup=daily' in after.tags and 'cost-centre=42' in after.tags   # foreign_tags: keep
        assert keystone.members(admin) == [user]
        # foreign_tags: remove takes the foreign tag away, and says so
        zones = {'default': {'domain_mode': 'default', 'foreign_tags': 'remove'}}
        run = replicate(platform, inventory, zones=zones)
        assert run.rc == 0, run.stdout[-3000:]
        assert 'backup=daily' not in keystone.project(ws, 'web').tags
        remarks = rows(run, platform)['%s/web' % ws]['remarks']
        assert [r['drift']['field'] for r in remarks if r['code'] == 'drift_reverted'] == ['tags']
        run = replicate(platform, inventory, zones=zones)
        assert recap(run, platform)['changed'] == 0
    finally:
        replicator.identity.delete_project(other.id, ignore_missing=True)


def test_one_tenant_whose_writes_fail_does_not_stop_the_others(keystone, platform, unique, make_user, replicator):
    ws = 'x%s' % unique
    user = 'fx-%s' % unique
    make_user(user)
    quota = {'compute.instances': 5}
    inventory = [workspace(ws, [project('bad', user, quota), project('good', user, quota),
                                project('fine', user, quota)])]
    assert replicate(platform, inventory, replicate_quotas=False).rc == 0
    bad = keystone.project(ws, 'bad')
    assert bad is not None
    # every write that names the bad tenant (its groups' creation and its project's grants) fails
    marker = ('%s/bad' % ws).encode()

    def rule(method, path, body):
        if method != 'GET' and (bad.id in path or (body and marker in body)):
            return '503_before'
        return None
    for grp in keystone.managed_groups(ws):
        replicator.identity.delete_group(grp['id'])
    with FaultProxy(keystone_port(), {}, rule=rule) as proxy:
        path = clouds_yaml_via(proxy.port, 'faulty')
        try:
            run = replicate(platform, inventory, lz_cloud='faulty', replicate_retries=1,
                            env={'OS_CLIENT_CONFIG_FILE': path})
        finally:
            os.unlink(path)
    assert proxy.counts['503_before'] >= 1, proxy.counts
    assert run.rc != 0
    by = rows(run, platform)
    assert by['%s/bad' % ws]['status'] == 'failed'
    assert by['%s/bad' % ws]['steps']['quotas']['outcome'] == 'skipped'
    for ident in ('good', 'fine'):
        assert_healthy(keystone, replicator, ws, ident, user, instances=5)
        assert by['%s/%s' % (ws, ident)]['steps']['access']['outcome'] == 'ran'
    assert replicator.compute.get_quota_set(bad.id).instances != 5
