# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""replicate.yml against the local cloud's real Keystone, driven like a platform engineer does.

Each test uses its own platform name, so ownership (the `lz-platform=` tag) keeps the tests'
projects apart from each other's and from the demo's; everything is listed back from Keystone with
the replicator account after the run.
"""

import copy
import json
import os


from helpers.keystone import PLAYBOOK, ZONES, recap, replicate, report, workspace
from helpers.playbook import run_playbook


def test_converge_check_idempotence_and_binding_changes(keystone, platform, unique, make_user):
    ws = 'w%s' % unique
    alice, bob, carol = ('alice-%s' % unique, 'bob-%s' % unique, 'carol-%s' % unique)
    make_user(alice)
    make_user(bob)
    project = {'identifier': 'web', 'name': 'Storefront', 'landing_zone': 'default',
               'bindings': [{'euid': alice, 'role': 'admin'}, {'euid': bob, 'role': 'user'},
                            {'euid': carol, 'role': 'reader'}]}
    inventory = [workspace(ws, [project])]

    # --check --diff: the whole plan, nothing written
    run = replicate(platform, inventory, check=True, diff=True)
    assert run.rc == 0, run.stdout[-3000:]
    assert run['Replicate tenants']['changed'] is True
    assert 'create project %s-web' % ws in run['Replicate tenants']['planned']
    assert 'create group %s-web-admin' % ws in run['Replicate access']['planned']
    assert keystone.projects(ws) == []
    assert keystone.group_named('%s-web-admin' % ws) is None

    # converge
    run = replicate(platform, inventory)
    assert run.rc == 0, run.stdout[-3000:]
    proj = keystone.project(ws, 'web')
    assert proj.name == '%s-web' % ws and proj.is_enabled
    assert proj.description == 'Storefront (Workspace %s)' % ws
    assert set(['lz-managed', 'lz-ws=%s' % ws, 'lz-proj=web', 'lz-platform=%s' % platform,
                'cost-centre=42']) <= set(proj.tags)
    admin = keystone.group_named('%s-web-admin' % ws)
    user = keystone.group_named('%s-web-user' % ws)
    reader = keystone.group_named('%s-web-reader' % ws)
    assert keystone.group_roles(admin, proj) == ['manager', 'member']
    assert keystone.group_roles(user, proj) == ['member']
    assert keystone.group_roles(reader, proj) == ['reader']
    assert keystone.members(admin) == [alice]
    assert keystone.members(user) == [bob]
    assert keystone.members(reader) == []
    rep = report(run, platform)
    row = rep['tenants'][0]
    assert row['tenant'] == '%s/web' % ws and row['status'] == 'changed'
    assert [r['code'] for r in row['remarks']] == ['user_not_found']
    assert carol in row['remarks'][0]['message']

    # second run: nothing to do
    run = replicate(platform, inventory)
    assert run.rc == 0
    assert recap(run, platform)['changed'] == 0, run.stdout[-3000:]
    assert run['Replicate access']['requests']['total'] <= 8  # +1 for the still-missing user

    # the missing user appears: bound on the next run
    make_user(carol)
    run = replicate(platform, inventory)
    assert run.rc == 0
    assert keystone.members(reader) == [carol]

    # role change (bob: user -> admin), binding removal (alice), display name change
    project['bindings'] = [{'euid': bob, 'role': 'admin'}, {'euid': carol, 'role': 'reader'}]
    project['name'] = 'Shop front'
    run = replicate(platform, inventory)
    assert run.rc == 0, run.stdout[-3000:]
    assert keystone.members(admin) == [bob]
    assert keystone.members(user) == []
    assert keystone.members(reader) == [carol]
    assert keystone.project(ws, 'web').description == 'Shop front (Workspace %s)' % ws
    # ids are stable: nothing was recreated
    assert keystone.project(ws, 'web').id == proj.id
    assert keystone.group_named('%s-web-admin' % ws).id == admin.id
    run = replicate(platform, inventory)
    assert recap(run, platform)['changed'] == 0


def test_deletion_lifecycle_with_and_without_automation(keystone, platform, unique, make_user):
    ws = 'd%s' % unique
    dave = 'dave-%s' % unique
    make_user(dave)
    keep = {'identifier': 'keep', 'name': 'Kept', 'landing_zone': 'default',
            'bindings': [{'euid': dave, 'role': 'user'}]}
    auto = {'identifier': 'auto', 'name': 'Auto', 'landing_zone': 'auto',
            'bindings': [{'euid': dave, 'role': 'user'}]}
    inventory = [workspace(ws, [keep, auto])]
    assert replicate(platform, inventory).rc == 0
    kept_id = keystone.project(ws, 'keep').id
    assert keystone.project(ws, 'auto') is not None

    keep['state'] = auto['state'] = 'deleted'
    run = replicate(platform, inventory)
    assert run.rc == 0, run.stdout[-3000:]
    kept = keystone.project(ws, 'keep')
    assert kept.id == kept_id and kept.is_enabled is False
    assert 'lz-access-revoked' in kept.tags
    assert keystone.project(ws, 'auto') is None
    for name in ('keep', 'auto'):
        for role in ('reader', 'user', 'admin'):
            assert keystone.group_named('%s-%s-%s' % (ws, name, role)) is None
    remarks = dict((r['tenant'], [m['code'] for m in r['remarks']]) for r in report(run, platform)['tenants'])
    assert remarks['%s/keep' % ws] == ['kept_disabled']

    run = replicate(platform, inventory)
    assert recap(run, platform)['changed'] == 0, run.stdout[-3000:]
    # a finished lifecycle costs no group listing
    assert run['Replicate tenants']['requests']['by_method'].get('GET', 0) <= 3


def test_orphans_are_reported_and_pruned_only_on_request(keystone, platform, unique):
    ws = 'o%s' % unique
    projects = [{'identifier': 'one', 'name': 'One'}, {'identifier': 'two', 'name': 'Two'}]
    zones = dict(ZONES)
    zones['default'] = dict(ZONES['default'])
    assert replicate(platform, [workspace(ws, copy.deepcopy(projects))]).rc == 0
    assert len(keystone.projects(ws)) == 2

    run = replicate(platform, [workspace(ws, projects[:1])])
    assert run.rc == 0
    orphans = run['Replicate tenants']['orphans']
    assert [o['name'] for o in orphans] == ['%s-two' % ws]
    assert len(keystone.projects(ws)) == 2

    run = replicate(platform, [workspace(ws, projects[:1])], replicate_prune=True)
    assert run.rc == 0, run.stdout[-3000:]
    assert [p.name for p in keystone.projects(ws)] == ['%s-one' % ws]
    assert keystone.group_named('%s-two-user' % ws) is None


def test_per_workspace_domain(keystone, platform, unique, replicator):
    ws = 'p%s' % unique
    inventory = [workspace(ws, [{'identifier': 'api', 'name': 'API', 'landing_zone': 'isolated'}])]
    try:
        run = replicate(platform, inventory)
        assert run.rc == 0, run.stdout[-3000:]
        domain = replicator.identity.find_domain('lz-%s' % ws)
        assert domain is not None
        proj = keystone.project(ws, 'api')
        assert proj.domain_id == domain.id
        assert keystone.group_named('%s-api-admin' % ws, domain_id=domain.id) is not None
        assert recap(replicate(platform, inventory), platform)['changed'] == 0
    finally:
        for proj in keystone.projects(ws):
            replicator.identity.update_project(proj, is_enabled=False)
            replicator.identity.delete_project(proj)
        domain = replicator.identity.find_domain('lz-%s' % ws)
        if domain is not None:
            for grp in replicator.identity.groups(domain_id=domain.id):
                replicator.identity.delete_group(grp)
            replicator.identity.update_domain(domain, is_enabled=False)
            replicator.identity.delete_domain(domain)


def test_foreign_project_with_colliding_name_is_left_untouched(keystone, platform, unique, replicator):
    ws = 'f%s' % unique
    foreign = replicator.identity.create_project(name='%s-web' % ws, domain_id='default',
                                                 description='not ours', tags=['team-x'])
    try:
        run = replicate(platform, [workspace(ws, [{'identifier': 'web', 'name': 'Web'}])])
        assert run.rc != 0, 'the play must fail visibly'
        rows = run['Write the replication report']
        assert rows['summary']['failed'] == 1
        after = replicator.identity.get_project(foreign.id)
        assert (after.description, after.tags, after.is_enabled) == ('not ours', ['team-x'], True)
        assert keystone.group_named('%s-web-admin' % ws) is None
    finally:
        replicator.identity.delete_project(foreign.id, ignore_missing=True)


def test_bad_inventory_fails_with_path_and_no_request(keystone, platform, unique):
    ws = 'b%s' % unique
    inventory = [workspace(ws, [{'identifier': 'web', 'name': 'Web',
                                 'bindings': [{'euid': 'x', 'role': 'superuser'}]},
                                {'identifier': 'api', 'name': 'API', 'quota': {'compute.corez': 4}}])]
    run = replicate(platform, inventory)
    assert run.rc != 0
    validation = run['Validate the inventory before any API call']
    assert validation['failed'] is True
    paths = [e['path'] for e in validation['errors']]
    assert 'workspaces[0].projects[0].bindings[0].role' in paths
    # quota keys are part of the inventory: a typo stops the run before the tenants are written
    assert any(p.startswith('workspaces[0].projects[1].quota') for p in paths), paths
    assert 'Replicate tenants' not in run.results  # nothing ran after validation
    assert keystone.projects(ws) == []
    # the module itself refuses too, before connecting: zero requests
    run = run_playbook(tasks=[{'name': 'tenants', 'landingzone.openstack.keystone_tenant': {
        'cloud': 'replicator', 'platform': platform, 'landing_zones': ZONES, 'workspaces': inventory}}],
        host=platform)
    assert run.rc != 0
    assert run['tenants']['requests'] == {'total': 0}
    assert 'workspaces[0].projects[0].bindings[0].role' in run['tenants']['msg']


def test_one_failing_platform_does_not_stop_the_others(keystone, platform, unique, tmp_path):
    """Two platforms in one run: one cannot authenticate; the other converges; the play fails."""
    import subprocess
    import sys

    import yaml
    from helpers.playbook import BIN, CALLBACKS, ensure_collection_link
    ws = 'm%s' % unique
    broken = 'broken%s' % unique
    inventory = {'all': {'vars': {'landing_zones': ZONES, 'lz_report_dir': str(tmp_path / 'reports'),
                                  'workspaces': [workspace(ws, [{'identifier': 'web', 'name': 'Web'}])]},
                         'children': {'platforms': {'hosts': {
                             platform: {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable},
                             broken: {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
                                      'lz_cloud': 'no-such-cloud'}}}}}}
    inv = tmp_path / 'inventory.yml'
    inv.write_text(yaml.safe_dump(inventory))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=ensure_collection_link(), ANSIBLE_FORKS='2',
               ANSIBLE_CALLBACK_PLUGINS=CALLBACKS)
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', str(inv), PLAYBOOK], cwd=str(tmp_path),
                          env=env, capture_output=True, text=True, check=False)
    assert proc.returncode != 0, 'the play must fail visibly'
    assert keystone.project(ws, 'web') is not None, proc.stdout[-3000:]
    with open(str(tmp_path / 'reports' / ('%s.json' % broken))) as handle:
        broken_report = json.load(handle)
    assert broken_report['errors'], broken_report
    with open(str(tmp_path / 'reports' / ('%s.json' % platform))) as handle:
        assert json.load(handle)['summary']['changed'] == 1


def test_secrets_never_reach_output_or_results(keystone, platform, unique):
    """auth given inline (no clouds.yaml entry): the password is in no output, even with -vvv."""
    import yaml
    with open(os.environ['OS_CLIENT_CONFIG_FILE']) as handle:
        auth = dict(yaml.safe_load(handle)['clouds']['replicator']['auth'])
    password = auth['password']
    ws = 's%s' % unique
    task = {'name': 'tenants', 'landingzone.openstack.keystone_tenant': {
        'auth': auth, 'auth_type': 'password', 'region_name': 'RegionOne', 'platform': platform,
        'landing_zones': ZONES, 'workspaces': [workspace(ws, [{'identifier': 'web', 'name': 'Web'}])]}}
    run = run_playbook(tasks=[task], host=platform, extra_args=['-vvv'])
    assert run.rc == 0, run.stdout[-3000:]
    assert keystone.project(ws, 'web') is not None
    assert password not in run.stdout and password not in run.stderr
    assert password not in json.dumps(run.results)
    # and a failing authentication does not echo it either
    task['landingzone.openstack.keystone_tenant']['auth'] = dict(auth, password=password + 'x')
    run = run_playbook(tasks=[task], host=platform, extra_args=['-vvv'])
    assert run.rc != 0
    assert password not in run.stdout and password not in run.stderr
    assert password not in json.dumps(run.results)
