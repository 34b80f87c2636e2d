# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replication keeps going and tells the truth (docs/replication.md, "When a tenant fails"):
one bad tenant never freezes the others (a name collision with a foreign project, writes that fail),
and the report says per tenant and step what ran. Against the local cloud's Keystone. The check
run's plan, users compared as Keystone compares names and drift are in test_replicate_lifecycle.py."""

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
        assert (after.description, after.tags, after.is_enabled) == ('not ours', ['team-x'], True)
        assert keystone.group_named('%s-web-admin' % one) is None
    finally:
        replicator.identity.delete_project(foreign.id, ignore_missing=True)
        for dom in replicator.identity.domains():
            if dom.name == 'lz-%s' % three:
                for proj in replicator.identity.projects(domain_id=dom.id):
                    replicator.identity.update_project(proj, is_enabled=False)
                    replicator.identity.delete_project(proj)
                replicator.identity.update_domain(dom, is_enabled=False)
                replicator.identity.delete_domain(dom)


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
