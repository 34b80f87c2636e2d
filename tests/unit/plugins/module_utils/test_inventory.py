# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
import copy
import glob
import os

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._issues import InventoryError, ValidationIssue
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import build_tenants, validate, validate_or_raise
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import MANAGED_TAG, owner_tags, parse_owner_tags

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
PLATFORMS = ('local', 'other')


def minimal(**project):
    """One workspace with one project under an all-defaults landing zone."""
    proj = {'identifier': 'web'}
    proj.update(project)
    return {'landing_zones': {'default': {}},
            'workspaces': [{'identifier': 'shop', 'name': 'Web Shop', 'projects': [proj]}]}


def paths(inventory, platforms=PLATFORMS):
    return [e.path for e in validate(inventory, platforms)]


def errors_at(inventory, path, platforms=PLATFORMS):
    return [e.message for e in validate(inventory, platforms) if e.path == path]


def assert_error(inventory, path, fragment, platforms=PLATFORMS):
    messages = errors_at(inventory, path, platforms)
    assert any(fragment in m for m in messages), (path, validate(inventory, platforms))


# ---------------------------------------------------------------------------- example inventory

def load_example():
    """The replication part of the example inventory (other files hold e.g. the price catalog)."""
    yaml = pytest.importorskip('yaml')
    inventory = {}
    for name in sorted(glob.glob(os.path.join(REPO, 'examples', 'inventory', 'group_vars', 'all', '*.yml'))):
        with open(name) as handle:
            inventory.update(yaml.safe_load(handle))
    return dict((k, v) for k, v in inventory.items() if k in ('landing_zones', 'workspaces'))


def test_example_inventory_is_valid():
    assert validate(load_example(), ['local']) == []


def test_example_hosts_define_platform_local():
    yaml = pytest.importorskip('yaml')
    with open(os.path.join(REPO, 'examples', 'inventory', 'hosts.yml')) as handle:
        hosts = yaml.safe_load(handle)
    local = hosts['platforms']['hosts']['local']
    assert local['ansible_connection'] == 'local'
    assert local['lz_cloud'] == 'replicator'


def test_example_inventory_builds_expected_tenants():
    tenants = {t.key: t for t in build_tenants(load_example(), 'local', ['local'])}
    assert sorted(tenants) == ['data/lake', 'shop/legacy', 'shop/staging', 'shop/web']

    web = tenants['shop/web']
    assert web.name == 'shop-web'
    assert (web.domain_name, web.domain_id, web.domain_managed) == ('Default', 'default', False)
    assert web.description == 'Storefront (Web Shop)'
    assert web.tags == ['lz-managed', 'lz-ws=shop', 'lz-proj=web', 'lz-zone=default', 'lz-platform=local',
                        'cost-centre=4711', 'env=prod']
    assert [(g.role, g.name, g.keystone_roles, g.members) for g in web.groups] == [
        ('reader', 'shop-web-reader', ['reader'], ['bob', 'carol']),
        ('user', 'shop-web-user', ['member'], ['bob']),
        ('admin', 'shop-web-admin', ['member', 'manager'], ['alice']),
    ]
    assert web.state == 'present' and web.enabled and not web.delete_allowed
    assert web.quota_size == 'small'
    assert web.effective_quota()['compute.cores'] == 16
    assert web.effective_quota()['compute.ram'] == 16384
    assert web.path == 'workspaces[0].projects[0]'

    assert tenants['shop/staging'].landing_zone == 'default'
    legacy = tenants['shop/legacy']
    assert legacy.state == 'deleted' and not legacy.enabled

    lake = tenants['data/lake']
    assert (lake.domain_name, lake.domain_id, lake.domain_managed) == ('lz-data', None, True)
    assert lake.group('admin').members == ['dave@example.com']
    assert lake.group('user').euids == ['erin']
    assert lake.delete_allowed
    assert 'corp' in lake.tags and 'analytics' in lake.tags
    assert lake.effective_quota() == {'compute.cores': 64, 'compute.ram': 131072, 'compute.instances': 32,
                                      'network.floatingip': 4}


def test_tenant_to_dict_is_plain_data():
    data = build_tenants(minimal(), 'local')[0].to_dict()
    assert data['name'] == 'shop-web'
    assert data['groups'][0] == {'role': 'reader', 'name': 'shop-web-reader', 'keystone_roles': ['reader'],
                                 'euids': [], 'members': [], 'expired': [], 'expiring': []}


# ---------------------------------------------------------------------------- platforms

def test_project_defaults_to_all_platforms():
    inventory = minimal()
    assert [t.platform for t in build_tenants(inventory, 'other', PLATFORMS)] == ['other']


def test_project_platforms_restrict():
    inventory = minimal(platforms=['local'])
    assert build_tenants(inventory, 'other', PLATFORMS) == []
    assert len(build_tenants(inventory, 'local', PLATFORMS)) == 1


def test_landing_zone_per_platform_selects_platforms_and_zone():
    inventory = minimal(landing_zone={'other': 'corp'})
    inventory['landing_zones']['corp'] = {'domain_mode': 'per_workspace'}
    assert build_tenants(inventory, 'local', PLATFORMS) == []
    tenant, = build_tenants(inventory, 'other', PLATFORMS)
    assert tenant.landing_zone == 'corp' and tenant.domain_name == 'shop'


def test_landing_zone_mapping_missing_a_listed_platform():
    inventory = minimal(landing_zone={'local': 'default'}, platforms=['local', 'other'])
    assert_error(inventory, 'workspaces[0].projects[0].landing_zone', "no landing zone for platform 'other'")


def test_unknown_platforms():
    assert_error(minimal(platforms=['local', 'mars']), 'workspaces[0].projects[0].platforms[1]',
                 "unknown platform 'mars'")
    assert_error(minimal(landing_zone={'mars': 'default'}), 'workspaces[0].projects[0].landing_zone.mars',
                 "unknown platform 'mars'")
    assert_error(minimal(platforms=['local', 'local']), 'workspaces[0].projects[0].platforms[1]', 'duplicate')


def test_build_tenants_without_platform_list_skips_platform_name_checks():
    inventory = minimal(platforms=['local', 'mars'])
    assert len(build_tenants(inventory, 'local')) == 1
    with pytest.raises(InventoryError):
        build_tenants(inventory, 'local', PLATFORMS)


def test_build_tenants_rejects_unknown_platform_argument():
    with pytest.raises(ValueError):
        build_tenants(minimal(), 'mars', PLATFORMS)


def test_platforms_argument_must_be_a_list():
    with pytest.raises(TypeError):
        validate(minimal(), 'local')


# ---------------------------------------------------------------------------- schema

@pytest.mark.parametrize('mutate, path, fragment', [
    (lambda i: i.update(extra=1), 'extra', 'unknown key'),
    (lambda i: i.update(workspaces={}), 'workspaces', 'must be a list'),
    (lambda i: i.update(landing_zones=[]), 'landing_zones', 'must be a mapping'),
    (lambda i: i['workspaces'].append('x'), 'workspaces[1]', 'must be a mapping'),
    (lambda i: i['workspaces'][0].update(owner='x'), 'workspaces[0].owner', 'unknown key'),
    (lambda i: i['workspaces'][0].pop('identifier'), 'workspaces[0].identifier', 'is required'),
    (lambda i: i['workspaces'][0].update(name=''), 'workspaces[0].name', 'must not be empty'),
    (lambda i: i['workspaces'][0].update(projects={}), 'workspaces[0].projects', 'must be a list'),
    (lambda i: i['workspaces'][0]['projects'][0].update(colour='red'), 'workspaces[0].projects[0].colour',
     'unknown key'),
    (lambda i: i['workspaces'][0]['projects'][0].pop('identifier'), 'workspaces[0].projects[0].identifier',
     'is required'),
    (lambda i: i['workspaces'][0]['projects'][0].update(name=5), 'workspaces[0].projects[0].name',
     'must be a non-empty string'),
    (lambda i: i['workspaces'][0]['projects'][0].update(state='gone'), 'workspaces[0].projects[0].state',
     "'gone' is not one of present, deleted"),
    (lambda i: i['workspaces'][0]['projects'][0].update(quota=[1]), 'workspaces[0].projects[0].quota',
     'must be a mapping'),
    (lambda i: i['workspaces'][0]['projects'][0].update(bindings={}), 'workspaces[0].projects[0].bindings',
     'must be a list'),
    (lambda i: i['workspaces'][0]['projects'][0].update(platforms='local'), 'workspaces[0].projects[0].platforms',
     'must be a list'),
    (lambda i: i['workspaces'][0]['projects'][0].update(landing_zone=3), 'workspaces[0].projects[0].landing_zone',
     'must be a landing zone name or a non-empty mapping'),
])
def test_schema_errors_name_the_path(mutate, path, fragment):
    inventory = minimal()
    mutate(inventory)
    assert_error(inventory, path, fragment)


def test_empty_inventory_is_valid():
    assert validate({}, PLATFORMS) == []
    assert validate({'landing_zones': None, 'workspaces': None}, PLATFORMS) == []


def test_inventory_must_be_mapping():
    assert [str(e) for e in validate([], PLATFORMS)] == ['must be a mapping, got a list']


def test_quota_keys_are_validated_with_the_inventory():
    # One validation of the whole inventory, quota key namespace included: every module (and
    # inventory_validate) rejects a bad key before any request.
    inventory = minimal(quota={'anything.goes': 1})
    inventory['landing_zones']['default'] = {'quota': {'values': {'whatever': 2}}}
    assert sorted(paths(inventory)) == ['landing_zones.default.quota.values.whatever',
                                        'workspaces[0].projects[0].quota.anything.goes']


# ---------------------------------------------------------------------------- identifiers

@pytest.mark.parametrize('identifier', ['a', 'abc-123', '0a', 'a' * 16])
def test_valid_workspace_identifiers(identifier):
    inventory = minimal()
    inventory['workspaces'][0]['identifier'] = identifier
    assert validate(inventory, PLATFORMS) == []


@pytest.mark.parametrize('identifier, fragment', [
    ('a' * 17, 'at most 16'),
    ('Shop', 'lower-case'),
    ('-shop', 'lower-case'),
    ('shop-', 'lower-case'),
    ('sh_op', 'lower-case'),
    ('', 'lower-case'),
    (12, 'must be a string'),
])
def test_invalid_workspace_identifiers(identifier, fragment):
    inventory = minimal()
    inventory['workspaces'][0]['identifier'] = identifier
    assert_error(inventory, 'workspaces[0].identifier', fragment)


def test_project_identifier_length():
    assert validate(minimal(identifier='p' * 30), PLATFORMS) == []
    assert_error(minimal(identifier='p' * 31), 'workspaces[0].projects[0].identifier', 'at most 30')


def test_duplicate_workspace_identifiers():
    inventory = minimal()
    inventory['workspaces'].append(copy.deepcopy(inventory['workspaces'][0]))
    assert_error(inventory, 'workspaces[1].identifier', "duplicate workspace identifier 'shop' (also workspaces[0])")


def test_duplicate_project_identifiers_within_workspace():
    inventory = minimal()
    inventory['workspaces'][0]['projects'].append({'identifier': 'web'})
    assert_error(inventory, 'workspaces[0].projects[1].identifier', "duplicate project identifier 'web'")


def test_same_project_identifier_in_two_workspaces_is_fine():
    inventory = minimal()
    inventory['workspaces'].append({'identifier': 'blog', 'projects': [{'identifier': 'web'}]})
    assert validate(inventory, PLATFORMS) == []


# ---------------------------------------------------------------------------- landing zones

def test_unknown_landing_zone():
    assert_error(minimal(landing_zone='prod'), 'workspaces[0].projects[0].landing_zone',
                 "unknown landing zone 'prod'")
    assert_error(minimal(landing_zone={'local': 'prod'}), 'workspaces[0].projects[0].landing_zone.local',
                 "unknown landing zone 'prod'")


def test_missing_landing_zone_without_default():
    inventory = minimal()
    inventory['landing_zones'] = {'corp': {}}
    assert_error(inventory, 'workspaces[0].projects[0].landing_zone', 'is required')


@pytest.mark.parametrize('setting, expected', [(None, 'block'), ('block', 'block'), ('purge', 'purge')])
def test_deletion_resources_reaches_the_tenant(setting, expected):
    inventory = minimal()
    if setting:
        inventory['landing_zones']['default'] = {'deletion_resources': setting}
    tenants = build_tenants(inventory, 'local', PLATFORMS)
    assert tenants and all(t.deletion_resources == expected for t in tenants)


def test_landing_zone_may_be_empty():
    inventory = minimal()
    inventory['landing_zones']['default'] = None
    assert validate(inventory, PLATFORMS) == []


@pytest.mark.parametrize('zone, path, fragment', [
    ({'colour': 1}, 'landing_zones.default.colour', 'unknown key'),
    ({'domain_mode': 'tree'}, 'landing_zones.default.domain_mode', "'tree' is not one of"),
    ({'deletion_resources': 'wipe'}, 'landing_zones.default.deletion_resources', "'wipe' is not one of block, purge"),
    ({'deletion_resources': True}, 'landing_zones.default.deletion_resources', 'must be a string'),
    ({'domain_mode': 'per_workspace', 'domain_name': 'X'}, 'landing_zones.default.domain_name',
     'applies to domain_mode default only'),
    ({'domain_name': 'a/b'}, 'landing_zones.default.domain_name', 'URL-reserved'),
    ({'domain_name': 'd' * 65}, 'landing_zones.default.domain_name', 'Keystone allows 64'),
    ({'role_mapping': {'owner': ['admin']}}, 'landing_zones.default.role_mapping.owner', "unknown project role"),
    ({'role_mapping': {'admin': []}}, 'landing_zones.default.role_mapping.admin', 'at least one Keystone role'),
    ({'role_mapping': {'admin': ['member', 'member']}}, 'landing_zones.default.role_mapping.admin[1]',
     'duplicate Keystone role'),
    ({'role_mapping': {'admin': ['']}}, 'landing_zones.default.role_mapping.admin[0]', 'must not be empty'),
    ({'role_mapping': {'admin': 7}}, 'landing_zones.default.role_mapping.admin', 'must be a list'),
    ({'role_mapping': []}, 'landing_zones.default.role_mapping', 'must be a mapping'),
    ({'patterns': {'user': '{workspace}'}}, 'landing_zones.default.patterns.user', 'unknown key'),
    ({'patterns': {'project': '{workspace}-{owner}'}}, 'landing_zones.default.patterns.project',
     'unknown placeholder {owner}'),
    ({'patterns': {'project': '{workspace}-{role}'}}, 'landing_zones.default.patterns.project',
     'unknown placeholder {role}'),
    ({'patterns': {'group': '{tenant.__class__}'}}, 'landing_zones.default.patterns.group',
     'attribute or index access'),
    ({'patterns': {'domain': '{project}'}}, 'landing_zones.default.patterns.domain', 'unknown placeholder'),
    ({'patterns': {'project': ''}}, 'landing_zones.default.patterns.project', 'must not be empty'),
    ({'patterns': {'project': 3}}, 'landing_zones.default.patterns.project', 'must be a string'),
    ({'euid_pattern': '%d'}, 'landing_zones.default.euid_pattern', 'invalid sequence'),
    ({'euid_pattern': 'alice'}, 'landing_zones.default.euid_pattern', 'exactly one'),
    ({'delete_projects': 'yes'}, 'landing_zones.default.delete_projects', 'must be a boolean'),
    ({'extra_tags': 'x'}, 'landing_zones.default.extra_tags', 'mapping or a list'),
    ({'extra_tags': ['a/b']}, 'landing_zones.default.extra_tags[0]', "Keystone rejects in tags"),
    ({'quota': {'size': 'huge'}}, 'landing_zones.default.quota.size', "unknown quota size 'huge'"),
    ({'quota': {'flavor': 'x'}}, 'landing_zones.default.quota.flavor', 'unknown key'),
    ({'quota': {'values': [1]}}, 'landing_zones.default.quota.values', 'must be a mapping'),
    ({'quota_sizes': {'small': 4}}, 'landing_zones.default.quota_sizes.small', 'must be a mapping'),
    ({'quota_sizes': []}, 'landing_zones.default.quota_sizes', 'must be a mapping'),
])
def test_landing_zone_errors_name_the_path(zone, path, fragment):
    inventory = minimal()
    inventory['landing_zones']['default'] = zone
    assert_error(inventory, path, fragment)


def test_landing_zone_name_format():
    inventory = minimal(landing_zone='bad zone')
    inventory['landing_zones']['bad zone'] = {}
    assert_error(inventory, 'landing_zones.bad zone', 'landing zone name')


def test_broken_landing_zone_does_not_cascade_into_projects():
    inventory = minimal()
    inventory['landing_zones']['default'] = {'domain_mode': 'tree'}
    assert paths(inventory) == ['landing_zones.default.domain_mode']


def test_role_mapping_merges_over_defaults_and_accepts_a_string():
    inventory = minimal(bindings=[{'euid': 'a', 'role': 'admin'}])
    inventory['landing_zones']['default'] = {'role_mapping': {'admin': 'admin'}}
    tenant, = build_tenants(inventory, 'local')
    assert {g.role: g.keystone_roles for g in tenant.groups} == {
        'reader': ['reader'], 'user': ['member'], 'admin': ['admin']}


def test_custom_default_domain_name_has_no_id():
    inventory = minimal()
    inventory['landing_zones']['default'] = {'domain_name': 'tenants'}
    tenant, = build_tenants(inventory, 'local')
    assert (tenant.domain_name, tenant.domain_id, tenant.domain_managed) == ('tenants', None, False)


# ---------------------------------------------------------------------------- bindings

@pytest.mark.parametrize('binding, path, fragment', [
    ({'euid': 'a', 'role': 'owner'}, 'workspaces[0].projects[0].bindings[0].role', "'owner' is not one of"),
    ({'euid': 'a'}, 'workspaces[0].projects[0].bindings[0].role', 'is required'),
    ({'role': 'user'}, 'workspaces[0].projects[0].bindings[0].euid', 'is required'),
    ({'euid': '', 'role': 'user'}, 'workspaces[0].projects[0].bindings[0].euid', 'must not be empty'),
    ({'euid': ' a', 'role': 'user'}, 'workspaces[0].projects[0].bindings[0].euid', 'whitespace'),
    ({'euid': 'a', 'role': 'user', 'until': 1}, 'workspaces[0].projects[0].bindings[0].until', 'unknown key'),
    ('alice', 'workspaces[0].projects[0].bindings[0]', 'must be a mapping'),
    # at the edges of the checks' fast path (a plain binding passes without them)
    ({'euid': 'a\tb', 'role': 'user'}, 'workspaces[0].projects[0].bindings[0].euid', 'control characters'),
    ({'euid': 'a ', 'role': 'user'}, 'workspaces[0].projects[0].bindings[0].euid', 'whitespace'),
    ({'euid': 7, 'role': 'user'}, 'workspaces[0].projects[0].bindings[0].euid', 'must be a non-empty string'),
    ({'euid': 'a', 'role': True}, 'workspaces[0].projects[0].bindings[0].role', 'must be a string'),
    ({'euid': 'a', 'role': ['user']}, 'workspaces[0].projects[0].bindings[0].role', 'must be a string'),
    ({'euid': 'a', 'role': 'user', 'expires': 'soon'}, 'workspaces[0].projects[0].bindings[0].expires', ''),
])
def test_binding_errors(binding, path, fragment):
    assert_error(minimal(bindings=[binding]), path, fragment)


def test_bindings_path_index():
    inventory = minimal(bindings=[{'euid': 'a', 'role': 'user'}, {'euid': 'b', 'role': 'user'},
                                  {'euid': 'c', 'role': 'boss'}])
    inventory['workspaces'] = [{'identifier': 'w%d' % i, 'projects': []} for i in range(3)] + inventory['workspaces']
    assert paths(inventory) == ['workspaces[3].projects[0].bindings[2].role']


def test_several_roles_per_user_allowed_exact_duplicate_rejected():
    ok = minimal(bindings=[{'euid': 'a', 'role': 'user'}, {'euid': 'a', 'role': 'admin'}])
    assert validate(ok, PLATFORMS) == []
    dup = minimal(bindings=[{'euid': 'a', 'role': 'user'}, {'euid': 'a', 'role': 'user'}])
    assert_error(dup, 'workspaces[0].projects[0].bindings[1]', "duplicate binding of 'a' to role 'user'")


def test_euid_pattern_applies_to_members():
    inventory = minimal(bindings=[{'euid': 'alice', 'role': 'user'}, {'euid': 'Bob', 'role': 'user'}])
    inventory['landing_zones']['default'] = {'euid_pattern': 'corp\\%S'}
    tenant, = build_tenants(inventory, 'local')
    assert tenant.group('user').members == ['corp\\ALICE', 'corp\\BOB']
    assert tenant.group('user').euids == ['Bob', 'alice']
    assert tenant.group('nobody') is None


def test_members_deduplicated_after_euid_pattern():
    inventory = minimal(bindings=[{'euid': 'alice', 'role': 'user'}, {'euid': 'ALICE', 'role': 'user'}])
    inventory['landing_zones']['default'] = {'euid_pattern': '%S@example.com'}
    tenant, = build_tenants(inventory, 'local')
    assert tenant.group('user').members == ['ALICE@example.com']


# ---------------------------------------------------------------------------- tags

def test_tags_merge_zone_workspace_project_with_override():
    inventory = minimal(tags={'cost-centre': 2, 'critical': True})
    inventory['workspaces'][0]['tags'] = {'cost-centre': '1', 'team': 'shop'}
    inventory['landing_zones']['default'] = {'extra_tags': ['managed-by-platform']}
    tenant, = build_tenants(inventory, 'local')
    assert tenant.tags == owner_tags('shop', 'web', 'default', tenant.platform) + [
        'cost-centre=2', 'critical=true', 'managed-by-platform', 'team=shop']


@pytest.mark.parametrize('tags, path, fragment', [
    ({'lz-owner': 'me'}, 'workspaces[0].projects[0].tags.lz-owner', 'reserved'),
    (['lz-managed'], 'workspaces[0].projects[0].tags[0]', 'reserved'),
    ({'a=b': 'c'}, 'workspaces[0].projects[0].tags.a=b', 'without "="'),
    ({'path': '/srv'}, 'workspaces[0].projects[0].tags.path', "'/'"),
    ({'k': None}, 'workspaces[0].projects[0].tags.k', 'must be a string or number'),
    ({'k': 'v' * 300}, 'workspaces[0].projects[0].tags.k', 'Keystone allows 255'),
    ([1], 'workspaces[0].projects[0].tags[0]', 'must be a string'),
    ('env', 'workspaces[0].projects[0].tags', 'mapping or a list'),
])
def test_tag_errors(tags, path, fragment):
    assert_error(minimal(tags=tags), path, fragment)


def test_too_many_tags():
    inventory = minimal(tags=['t%d' % i for i in range(76)])
    assert_error(inventory, 'workspaces[0].projects[0]', '81 tags; Keystone allows 80')


def test_owner_tags_round_trip():
    tags = [t for t in owner_tags('shop', 'web', 'default', 'fra1') if not t.startswith('lz-platform=')] + ['env=prod']
    assert parse_owner_tags(tags) == {'workspace': 'shop', 'project': 'web', 'landing_zone': 'default',
                                      'platform': None}
    tags = owner_tags('shop', 'web', 'default', 'fra1')
    assert parse_owner_tags(tags)['platform'] == 'fra1'
    assert parse_owner_tags(['lz-ws=shop']) is None
    assert parse_owner_tags(None) is None
    assert parse_owner_tags([MANAGED_TAG]) == {'workspace': None, 'project': None, 'landing_zone': None,
                                               'platform': None}


# ---------------------------------------------------------------------------- names after patterns

def test_per_workspace_domains_with_platform_in_pattern():
    inventory = minimal()
    inventory['landing_zones']['default'] = {
        'domain_mode': 'per_workspace',
        'patterns': {'domain': '{platform}-{workspace}', 'project': '{project}',
                     'group': '{workspace}.{project}.{role}', 'description': '{tenant} on {platform}'}}
    tenant, = build_tenants(inventory, 'other', PLATFORMS)
    assert (tenant.domain_name, tenant.domain_id, tenant.domain_managed) == ('other-shop', None, True)
    assert tenant.name == 'web'
    assert tenant.group('reader').name == 'shop.web.reader'
    assert tenant.description == 'web on other'


def test_project_name_over_64_characters():
    inventory = minimal(identifier='p' * 30)
    inventory['workspaces'][0]['identifier'] = 'w' * 16
    inventory['landing_zones']['default'] = {'patterns': {'project': '{workspace}-{project}-{project}'}}
    assert_error(inventory, 'workspaces[0].projects[0]', 'project name', platforms=['local'])
    assert_error(inventory, 'workspaces[0].projects[0]', 'is 78 characters long; Keystone allows 64',
                 platforms=['local'])


def test_group_name_over_64_characters():
    inventory = minimal(identifier='p' * 30)
    inventory['workspaces'][0]['identifier'] = 'w' * 16
    inventory['landing_zones']['default'] = {'patterns': {'group': '{tenant}-{platform}-{role}-group'}}
    messages = errors_at(inventory, 'workspaces[0].projects[0]', ['local'])
    assert any('group name' in m and 'Keystone allows 64' in m for m in messages), messages


def test_domain_name_over_64_characters():
    inventory = minimal()
    inventory['workspaces'][0]['name'] = 'N' * 70
    inventory['landing_zones']['default'] = {'domain_mode': 'per_workspace',
                                             'patterns': {'domain': '{workspace_name}'}}
    assert_error(inventory, 'workspaces[0].projects[0]', 'domain name', platforms=['local'])


def test_names_with_characters_keystone_rejects():
    inventory = minimal(name='Shop/Web')
    inventory['landing_zones']['default'] = {'patterns': {'project': '{project_name}'}}
    assert_error(inventory, 'workspaces[0].projects[0]', 'URL-reserved', platforms=['local'])


def test_errors_mention_each_platform():
    inventory = minimal()
    inventory['landing_zones']['default'] = {'patterns': {'project': '{project}-' + 'x' * 64}}
    messages = [m for m in errors_at(inventory, 'workspaces[0].projects[0]') if 'project name' in m]
    assert len(messages) == 2
    assert "'local'" in messages[0] and "'other'" in messages[1]


def test_project_names_collide_after_pattern():
    inventory = minimal()
    inventory['workspaces'][0]['projects'].append({'identifier': 'api'})
    inventory['landing_zones']['default'] = {'patterns': {'project': '{workspace}'}}
    messages = errors_at(inventory, 'workspaces[0].projects[1]', ['local'])
    assert any("project name 'shop' in domain 'Default' is also the name of workspaces[0].projects[0]" in m
               for m in messages), messages


def test_project_names_collide_case_insensitively():
    inventory = minimal(name='Web')
    inventory['workspaces'].append({'identifier': 'x', 'projects': [{'identifier': 'y', 'name': 'WEB'}]})
    inventory['landing_zones']['default'] = {'patterns': {'project': '{project_name}', 'group': '{tenant}-{role}'}}
    assert any('project name' in m for m in errors_at(inventory, 'workspaces[1].projects[0]', ['local']))


def test_separate_per_workspace_domains_do_not_collide():
    inventory = minimal()
    inventory['workspaces'].append({'identifier': 'blog', 'projects': [{'identifier': 'web'}]})
    inventory['landing_zones']['default'] = {'domain_mode': 'per_workspace',
                                             'patterns': {'project': '{project}', 'group': '{project}-{role}'}}
    assert validate(inventory, PLATFORMS) == []


def test_same_name_in_default_domain_collides():
    inventory = minimal()
    inventory['workspaces'].append({'identifier': 'blog', 'projects': [{'identifier': 'web'}]})
    inventory['landing_zones']['default'] = {'patterns': {'project': '{project}'}}
    assert any('project name' in m for m in errors_at(inventory, 'workspaces[1].projects[0]', ['local']))


def test_group_pattern_without_role_collides_within_tenant():
    inventory = minimal()
    inventory['landing_zones']['default'] = {'patterns': {'group': '{tenant}'}}
    messages = errors_at(inventory, 'workspaces[0].projects[0]', ['local'])
    assert any("group name 'shop-web' (role user)" in m for m in messages), messages


def test_group_names_collide_across_tenants():
    inventory = minimal()
    inventory['workspaces'][0]['projects'].append({'identifier': 'api'})
    inventory['landing_zones']['default'] = {'patterns': {'group': '{workspace}-{role}'}}
    messages = errors_at(inventory, 'workspaces[0].projects[1]', ['local'])
    assert any("group name 'shop-reader'" in m and 'workspaces[0].projects[0]' in m for m in messages), messages


def test_per_workspace_domains_collide_when_pattern_ignores_workspace():
    inventory = minimal()
    inventory['workspaces'].append({'identifier': 'blog', 'projects': [{'identifier': 'api'}]})
    inventory['landing_zones']['default'] = {'domain_mode': 'per_workspace', 'patterns': {'domain': 'teams'}}
    messages = errors_at(inventory, 'workspaces[1].projects[0]', ['local'])
    assert any("domain 'teams' is the per_workspace domain of workspace 'blog'" in m for m in messages), messages


def test_per_workspace_domain_clashes_with_shared_default_domain():
    inventory = minimal()
    inventory['workspaces'].append({'identifier': 'default',
                                    'projects': [{'identifier': 'api', 'landing_zone': 'corp'}]})
    inventory['landing_zones']['corp'] = {'domain_mode': 'per_workspace'}
    messages = errors_at(inventory, 'workspaces[1].projects[0]', ['local'])
    assert any('shared domain' in m for m in messages), messages


def test_deleted_projects_still_hold_their_names():
    inventory = minimal(state='deleted')
    inventory['workspaces'][0]['projects'].append({'identifier': 'api'})
    inventory['landing_zones']['default'] = {'patterns': {'project': '{workspace}'}}
    assert any('project name' in m for m in errors_at(inventory, 'workspaces[0].projects[1]', ['local']))


# ---------------------------------------------------------------------------- errors and raising

def test_validate_or_raise_lists_all_errors_with_paths():
    inventory = minimal(state='gone', bindings=[{'euid': 'a', 'role': 'boss'}])
    with pytest.raises(InventoryError) as exc:
        validate_or_raise(inventory, PLATFORMS)
    assert len(exc.value.errors) == 2
    message = str(exc.value)
    assert message.startswith('inventory is invalid (2 errors):')
    assert '- workspaces[0].projects[0].state: ' in message
    assert '- workspaces[0].projects[0].bindings[0].role: ' in message


def test_validate_or_raise_passes_valid_inventory():
    assert validate_or_raise(minimal(), PLATFORMS) is None


def test_build_tenants_raises_on_invalid_inventory():
    with pytest.raises(InventoryError):
        build_tenants(minimal(state='gone'), 'local', PLATFORMS)


def test_validation_issue_value_semantics():
    issue = ValidationIssue('a.b', 'bad')
    assert issue == ValidationIssue('a.b', 'bad')
    assert str(issue) == 'a.b: bad'
    assert issue.to_dict() == {'path': 'a.b', 'message': 'bad'}
    assert len({issue, ValidationIssue('a.b', 'bad')}) == 1


def test_validate_does_not_mutate_inventory():
    inventory = load_example()
    before = copy.deepcopy(inventory)
    validate(inventory, ['local'])
    build_tenants(inventory, 'local', ['local'])
    assert inventory == before


# ------------------------------------------------ values the backend cannot store or compares as one

@pytest.mark.parametrize('field,value', [
    ('identifier', 'web\n'), ('identifier', 'web\r\n'),
])
def test_a_final_newline_never_passes_an_identifier(field, value):
    inventory = minimal(**{field: value})
    assert 'workspaces[0].projects[0].identifier' in paths(inventory)


def test_a_final_newline_never_passes_a_landing_zone_name():
    inventory = minimal(landing_zone='default\n')
    inventory['landing_zones']['default\n'] = {}
    assert any(p.startswith('landing_zones') for p in paths(inventory))


@pytest.mark.parametrize('name', ['Web\n', 'Web\t', 'Web \U0001F680'])
def test_names_keystone_cannot_store_are_rejected_with_the_path(name):
    inventory = minimal()
    inventory['landing_zones']['default'] = {'patterns': {'project': '{project_name}'}}
    inventory['workspaces'][0]['projects'][0]['name'] = name
    assert [p for p in paths(inventory) if p.startswith('workspaces[0].projects[0]')]


def test_an_emoji_in_a_description_is_rejected():
    inventory = minimal(name='Rocket \U0001F680')
    assert any('utf8' in m for m in errors_at(inventory, 'workspaces[0].projects[0]'))


def test_an_emoji_in_a_tag_is_rejected():
    inventory = minimal(tags=['launch-\U0001F680'])
    assert any('utf8' in m for m in errors_at(inventory, 'workspaces[0].projects[0].tags[0]'))


@pytest.mark.parametrize('one,two', [('web', 'WEB'), ('cafe', 'café'), ('strase', 'straße'), ('Ærø', 'æRØ')])
def test_project_names_that_the_database_compares_as_one_collide(one, two):
    inventory = {'landing_zones': {'default': {'patterns': {'project': '{project_name}'}}},
                 'workspaces': [{'identifier': 'shop', 'name': 'Shop', 'projects': [
                     {'identifier': 'a', 'name': one}, {'identifier': 'b', 'name': two}]}]}
    assert any('also the name of' in m for m in errors_at(inventory, 'workspaces[0].projects[1]'))


@pytest.mark.parametrize('platform', ['eu,west', 'eu/west', 'p' * 250])
def test_platform_names_that_cannot_be_a_tag_are_rejected(platform):
    issues = validate(minimal(), [platform])
    assert any('tag' in i.message for i in issues), issues
