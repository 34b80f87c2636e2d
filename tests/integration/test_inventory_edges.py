# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory edge cases through the replicate role against the local cloud: empty YAML keys, values of
the wrong shape, and inline connection settings as role variables."""

import os

import yaml

from helpers.keystone import replicate, report, workspace


def test_workspaces_null_is_an_empty_inventory(keystone, platform):
    run = replicate(platform, None)
    assert run.rc == 0, run.stdout[-3000:]
    assert report(run, platform)['tenants'] == []


def test_a_workspace_given_as_a_string_is_refused_with_its_path_before_any_request(keystone, platform, unique):
    run = replicate(platform, ['identifier=w%s' % unique])
    assert run.rc != 0
    validation = run['Validate the inventory before any API call']
    assert 'workspaces[0]' in [e['path'] for e in validation['errors']]
    assert 'Replicate tenants' not in run.results
    assert keystone.projects() == []


def test_inline_auth_as_role_variables_and_the_password_never_shows(keystone, platform, unique):
    with open(os.environ['OS_CLIENT_CONFIG_FILE']) as handle:
        cloud = yaml.safe_load(handle)['clouds']['replicator']
    ws = 'a%s' % unique
    run = replicate(platform, [workspace(ws, [{'identifier': 'web', 'name': 'Web'}])], replicate_cloud=None,
                    replicate_auth=cloud['auth'], replicate_auth_type=cloud.get('auth_type'),
                    replicate_region_name=cloud.get('region_name'))
    assert run.rc == 0, run.stdout[-3000:]
    assert keystone.project(ws, 'web') is not None
    password = cloud['auth']['password']
    assert password not in run.stdout and password not in run.stderr
    with open(os.path.join(run.workdir, 'results.json')) as handle:
        assert password not in handle.read()


def test_literal_braces_in_a_pattern_need_unsafe_and_then_reach_keystone(keystone, platform, unique, tmp_path):
    ws = 'b%s' % unique
    extra = tmp_path / 'zones.yml'
    extra.write_text("landing_zones:\n  default:\n    domain_mode: default\n    patterns:\n"
                     "      description: !unsafe '{{{project_name}}} of {workspace_name}'\n")
    from helpers.playbook import run_playbook
    from helpers.keystone import PLAYBOOK
    run = run_playbook(playbook=PLAYBOOK, host=platform, extra_args=['-e', '@%s' % extra],
                       group_vars=dict(workspaces=[workspace(ws, [{'identifier': 'web', 'name': 'Web'}])]))
    assert run.rc == 0, run.stdout[-3000:]
    assert keystone.project(ws, 'web').description == '{Web} of Workspace %s' % ws


def test_a_landing_zone_naming_what_the_cloud_lacks_writes_nothing_the_others_go_on(keystone, platform, unique):
    """Three broken landing zones in one run (a role, a domain, a volume type the cloud lacks): none of their
    tenants is written; the good one is."""
    ws = 'r%s' % unique
    broken = {
        'role': ({'domain_mode': 'default', 'role_mapping': {'admin': ['no-such-role']}}, None),
        'domain': ({'domain_mode': 'default', 'domain_name': 'no-such-domain'}, None),
        'vtype': ({'domain_mode': 'default'}, {'volume.gigabytes_no-such-type': 5}),
    }
    zones = {'default': {'domain_mode': 'default'}}
    projects = [{'identifier': 'good', 'name': 'Good', 'landing_zone': 'default'}]
    for name, (zone, quota) in broken.items():
        zones['broken-%s' % name] = zone
        projects.append(dict({'identifier': name, 'name': name, 'landing_zone': 'broken-%s' % name},
                             **({'quota': quota} if quota else {})))
    run = replicate(platform, [workspace(ws, projects)], zones=zones)
    assert run.rc != 0
    assert keystone.project(ws, 'good') is not None
    rows = dict((r['tenant'], r) for r in report(run, platform)['tenants'])
    for index, name in enumerate(broken, start=1):
        assert keystone.project(ws, name) is None, 'nothing of the broken landing zone may be written'
        remark = [r for r in rows['%s/%s' % (ws, name)]['remarks'] if r['code'] == 'missing_reference'][0]
        assert remark['paths'] and all(p.startswith(('landing_zones.broken-%s' % name, 'workspaces[0].projects[%d]' % index))
                                       for p in remark['paths']), remark
