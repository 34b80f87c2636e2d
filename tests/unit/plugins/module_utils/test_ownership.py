# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ownership: the tags and group attributes that make a Keystone object the collection's."""

import collections

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _ownership
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import (
    carries,
    group_owner,
    group_owner_attrs,
    marker_tags,
    owner_key,
    owner_tags,
    parse_owner_tags,
    platform_marker_tags,
    projects_by_tenant,
)

# What projects_by_tenant reads of a tenant (the inventory's Tenant has these and more).
Tenant = collections.namedtuple('Tenant', 'workspace project platform key')


def tenant(workspace, project, platform='plat-a'):
    return Tenant(workspace, project, platform, '%s/%s' % (workspace, project))


def keystone_project(pid, name, tags):
    return {'id': pid, 'name': name, 'domain_id': 'default', 'enabled': True, 'tags': tags}


# ----------------------------------------------------------------------------------------------
# Tags
# ----------------------------------------------------------------------------------------------

def test_owner_tags():
    assert owner_tags('ws1', 'web', 'lz-prod', 'plat-a') == [
        'lz-managed', 'lz-ws=ws1', 'lz-proj=web', 'lz-zone=lz-prod', 'lz-platform=plat-a']


def test_marker_tags():
    assert marker_tags('ws1', 'web', 'plat-a') == ['lz-managed', 'lz-ws=ws1', 'lz-proj=web', 'lz-platform=plat-a']


def test_marker_tags_leave_out_the_landing_zone():
    # Moving a project to another landing zone must not orphan it.
    assert not any(tag.startswith(_ownership.LANDING_ZONE_TAG) for tag in marker_tags('ws1', 'web', 'plat-a'))
    assert set(marker_tags('ws1', 'web', 'plat-a')) < set(owner_tags('ws1', 'web', 'lz-prod', 'plat-a'))
    assert set(marker_tags('ws1', 'web', 'plat-a')) < set(owner_tags('ws1', 'web', 'lz-dev', 'plat-a'))


def test_platform_marker_tags():
    assert platform_marker_tags('plat-a') == ['lz-managed', 'lz-platform=plat-a']
    assert set(platform_marker_tags('plat-a')) < set(marker_tags('ws1', 'web', 'plat-a'))
    assert not set(platform_marker_tags('plat-b')) <= set(marker_tags('ws1', 'web', 'plat-a'))


def test_every_ownership_tag_is_reserved():
    tags = owner_tags('ws1', 'web', 'lz', 'p') + [_ownership.ACCESS_REVOKED_TAG]
    assert all(tag.startswith(_ownership.RESERVED_TAG_PREFIX) for tag in tags)


def test_marker_tags_differ_per_tenant():
    assert marker_tags('ws1', 'web', 'p') != marker_tags('ws2', 'web', 'p')
    assert marker_tags('ws1', 'web', 'p') != marker_tags('ws1', 'db', 'p')
    assert marker_tags('ws1', 'web', 'p') != marker_tags('ws1', 'web', 'q')


def test_carries():
    project = {'tags': ['team=x'] + owner_tags('ws1', 'web', 'lz', 'plat-a')}
    assert carries(project, marker_tags('ws1', 'web', 'plat-a')) is True
    assert carries(project, platform_marker_tags('plat-a')) is True
    assert carries(project, marker_tags('ws1', 'web', 'plat-b')) is False
    assert carries(project, marker_tags('ws2', 'web', 'plat-a')) is False
    assert carries({'tags': None}, ['lz-managed']) is False
    assert carries({}, ['lz-managed']) is False
    assert carries({}, []) is True


# ----------------------------------------------------------------------------------------------
# parse_owner_tags / owner_key
# ----------------------------------------------------------------------------------------------

def test_parse_owner_tags_round_trip():
    assert parse_owner_tags(owner_tags('ws1', 'web', 'lz-prod', 'plat-a')) == dict(
        workspace='ws1', project='web', landing_zone='lz-prod', platform='plat-a')


def test_parse_owner_tags_ignores_order_and_other_tags():
    tags = ['cost-center=42', 'lz-platform=plat-a', 'env=prod', 'lz-zone=z', 'lz-proj=web', 'lz-ws=ws1',
            'lz-managed', _ownership.ACCESS_REVOKED_TAG]
    assert parse_owner_tags(tags) == dict(workspace='ws1', project='web', landing_zone='z', platform='plat-a')


def test_parse_owner_tags_values_with_separators():
    assert parse_owner_tags(owner_tags('ws-1.x', 'a=b', 'lz_1', 'reg-one'))['project'] == 'a=b'


@pytest.mark.parametrize('tags', [
    None,
    [],
    ['env=prod'],
    ['lz-ws=ws1', 'lz-proj=web', 'lz-zone=z', 'lz-platform=plat-a'],   # everything but lz-managed
    ['lz-managed=true', 'lz-ws=ws1', 'lz-proj=web', 'lz-platform=plat-a'],
    ['LZ-MANAGED', 'lz-ws=ws1', 'lz-proj=web', 'lz-platform=plat-a'],
])
def test_parse_owner_tags_none_for_unmarked(tags):
    assert parse_owner_tags(tags) is None


def test_parse_owner_tags_missing_fields_are_none():
    assert parse_owner_tags(['lz-managed']) == dict(workspace=None, project=None, landing_zone=None, platform=None)
    assert parse_owner_tags(['lz-managed', 'lz-ws=ws1']) == dict(
        workspace='ws1', project=None, landing_zone=None, platform=None)


def test_parse_owner_tags_accepts_a_tuple():
    assert parse_owner_tags(tuple(owner_tags('ws1', 'web', 'z', 'p')))['workspace'] == 'ws1'


def test_owner_key():
    assert owner_key(owner_tags('ws1', 'web', 'z', 'p')) == 'ws1/web'
    assert owner_key(['lz-ws=ws1', 'lz-proj=web']) is None
    assert owner_key(['lz-managed', 'lz-ws=ws1']) is None
    assert owner_key(None) is None


# ----------------------------------------------------------------------------------------------
# projects_by_tenant
# ----------------------------------------------------------------------------------------------

def test_projects_by_tenant_matches_the_marked_project():
    mine = keystone_project('p1', 'ws1-web', ['team=x'] + owner_tags('ws1', 'web', 'lz-prod', 'plat-a'))
    found = projects_by_tenant([mine], [tenant('ws1', 'web')])
    assert found == {'ws1/web': [mine]}
    assert found['ws1/web'][0] is mine


def test_projects_by_tenant_landing_zone_is_not_part_of_the_match():
    moved = keystone_project('p1', 'ws1-web', owner_tags('ws1', 'web', 'lz-old', 'plat-a'))
    assert projects_by_tenant([moved], [tenant('ws1', 'web')]) == {'ws1/web': [moved]}


def test_projects_by_tenant_needs_workspace_project_and_platform():
    projects = [
        keystone_project('a', 'ws1-web', owner_tags('ws2', 'web', 'z', 'plat-a')),      # other workspace
        keystone_project('b', 'ws1-web', owner_tags('ws1', 'db', 'z', 'plat-a')),       # other project
        keystone_project('c', 'ws1-web', owner_tags('ws1', 'web', 'z', 'plat-b')),      # other platform
        keystone_project('d', 'ws1-web', ['lz-managed', 'lz-ws=ws1', 'lz-proj=web']),   # no platform tag
        keystone_project('e', 'ws1-web', ['lz-managed', 'lz-ws=ws1', 'lz-platform=plat-a']),
        keystone_project('f', 'ws1-web', ['lz-managed', 'lz-proj=web', 'lz-platform=plat-a']),
    ]
    assert projects_by_tenant(projects, [tenant('ws1', 'web', 'plat-a')]) == {}


def test_projects_by_tenant_ignores_unmarked_projects_with_the_same_name():
    projects = [
        keystone_project('u1', 'ws1-web', []),
        keystone_project('u2', 'ws1-web', None),
        keystone_project('u3', 'ws1-web', ['lz-ws=ws1', 'lz-proj=web', 'lz-platform=plat-a']),  # not lz-managed
        {'id': 'u4', 'name': 'ws1-web'},
    ]
    assert projects_by_tenant(projects, [tenant('ws1', 'web')]) == {}


def test_projects_by_tenant_ignores_projects_of_another_platform():
    # Two platforms share one Keystone (regions): each sees its own project only.
    on_a = keystone_project('pa', 'ws1-web', owner_tags('ws1', 'web', 'z', 'plat-a'))
    on_b = keystone_project('pb', 'ws1-web', owner_tags('ws1', 'web', 'z', 'plat-b'))
    projects = [on_a, on_b]
    assert projects_by_tenant(projects, [tenant('ws1', 'web', 'plat-a')]) == {'ws1/web': [on_a]}
    assert projects_by_tenant(projects, [tenant('ws1', 'web', 'plat-b')]) == {'ws1/web': [on_b]}
    assert projects_by_tenant(projects, [tenant('ws1', 'web', 'plat-c')]) == {}


def test_projects_by_tenant_several_matches_are_listed():
    first = keystone_project('p1', 'ws1-web', owner_tags('ws1', 'web', 'z', 'plat-a'))
    second = keystone_project('p2', 'ws1-web-copy', owner_tags('ws1', 'web', 'other', 'plat-a'))
    other = keystone_project('p3', 'ws1-db', owner_tags('ws1', 'db', 'z', 'plat-a'))
    found = projects_by_tenant([first, other, second], [tenant('ws1', 'web'), tenant('ws1', 'db')])
    assert found == {'ws1/web': [first, second], 'ws1/db': [other]}


def test_projects_by_tenant_tenants_without_a_project_are_absent():
    mine = keystone_project('p1', 'ws1-web', owner_tags('ws1', 'web', 'z', 'plat-a'))
    found = projects_by_tenant([mine], [tenant('ws1', 'web'), tenant('ws9', 'new')])
    assert set(found) == {'ws1/web'}


def test_projects_by_tenant_uses_the_tenant_key():
    mine = keystone_project('p1', 'x', owner_tags('ws1', 'web', 'z', 'plat-a'))
    found = projects_by_tenant([mine], [Tenant('ws1', 'web', 'plat-a', 'custom-key')])
    assert found == {'custom-key': [mine]}


def test_projects_by_tenant_empty_inputs():
    assert projects_by_tenant([], [tenant('ws1', 'web')]) == {}
    assert projects_by_tenant([keystone_project('p1', 'x', owner_tags('ws1', 'web', 'z', 'plat-a'))], []) == {}


def test_projects_by_tenant_accepts_a_generator():
    mine = keystone_project('p1', 'x', owner_tags('ws1', 'web', 'z', 'plat-a'))
    assert projects_by_tenant(iter([mine]), [tenant('ws1', 'web')]) == {'ws1/web': [mine]}


# ----------------------------------------------------------------------------------------------
# Groups
# ----------------------------------------------------------------------------------------------

def test_group_owner_attrs():
    assert group_owner_attrs('ws1/web', 'member', 'fra1') == {'lz_tenant': 'ws1/web', 'lz_role': 'member',
                                                              'lz_platform': 'fra1'}


def test_group_owner_round_trip():
    group = dict(id='g1', name='ws1-web-member', domain_id='default', **group_owner_attrs('ws1/web', 'member', 'fra1'))
    assert group_owner(group) == ('ws1/web', 'member')
    assert _ownership.group_owned_by(group, 'ws1/web', 'fra1') and _ownership.group_owned_by(group, 'ws1/web')
    assert not _ownership.group_owned_by(group, 'ws1/web', 'ams1'), 'another platform on the same Keystone'
    legacy = dict(group)
    del legacy['lz_platform']
    assert _ownership.group_owned_by(legacy, 'ws1/web', 'ams1'), 'created before groups carried their platform'


@pytest.mark.parametrize('group', [
    {'id': 'g1', 'name': 'ws1-web-member'},
    {'id': 'g1', 'name': 'ws1-web-member', 'lz_tenant': ''},
    {'id': 'g1', 'name': 'ws1-web-member', 'lz_tenant': None, 'lz_role': 'member'},
    {'id': 'g1', 'name': 'ws1-web-member', 'lz_role': 'member'},
])
def test_group_owner_none_when_not_ours(group):
    assert group_owner(group) is None


def test_group_owner_without_role():
    assert group_owner({'lz_tenant': 'ws1/web'}) == ('ws1/web', None)


def test_carrying_narrows_by_the_rarest_tag_and_needs_every_tag():
    a = keystone_project('a', 'a', marker_tags('ws1', 'web', 'plat-a'))
    b = keystone_project('b', 'b', marker_tags('ws1', 'db', 'plat-a'))
    c = keystone_project('c', 'c', ['lz-ws=ws1', 'lz-proj=web', 'lz-platform=plat-a'])   # not managed
    projects = [a, b, c]
    index = _ownership.tag_index(projects)
    assert index['lz-proj=web'] == [a, c] and index['lz-managed'] == [a, b]
    assert _ownership.carrying(index, marker_tags('ws1', 'web', 'plat-a'), projects) == [a]
    assert _ownership.carrying(index, platform_marker_tags('plat-a'), projects) == [a, b]
    assert _ownership.carrying(index, marker_tags('ws2', 'web', 'plat-a'), projects) == []
    assert _ownership.carrying(index, [], projects) == projects


def test_group_owned_by():
    assert _ownership.group_owned_by({'lz_tenant': 'ws1/web', 'lz_role': 'user'}, 'ws1/web') is True
    assert _ownership.group_owned_by({'lz_tenant': 'ws1/db', 'lz_role': 'user'}, 'ws1/web') is False
    assert _ownership.group_owned_by({'name': 'ws1-web-user'}, 'ws1/web') is False
