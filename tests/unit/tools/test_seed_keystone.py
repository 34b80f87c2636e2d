# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bench/seed_keystone.py, its pure parts: the rows it seeds are what the collection's applier writes,
and the collection's planners, reading them back, plan nothing (the seed is a converged state)."""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), 'bench'))
import seed_keystone  # noqa: E402

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import select_scope  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.plan import (  # noqa: E402
    plan_access,
    plan_tenants,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.snapshot import Snapshot  # noqa: E402

PLATFORM = 'seedtest'
ROLES = dict(reader='r-id', member='m-id', manager='g-id')
USERS = dict(alice='u-alice', bob='u-bob', carol='u-carol')
ZONES = {'default': {'domain_mode': 'default',
                     'role_mapping': {'reader': ['reader'], 'user': ['member'], 'admin': ['member', 'manager']}}}
WORKSPACES = [{'identifier': 'ws1', 'name': 'WS 1', 'projects': [
    {'identifier': 'p0', 'name': 'Project 0',
     'bindings': [{'euid': 'alice', 'role': 'reader'}, {'euid': 'bob', 'role': 'admin'}]},
    {'identifier': 'p1', 'name': 'Project 1', 'bindings': [{'euid': 'carol', 'role': 'user'}]}]}]


def ids():
    counter = iter(range(1000))
    return lambda: 'id%d' % next(counter)


@pytest.fixture(name='rec')
def recorded():
    return seed_keystone.seed_plan(ZONES, WORKSPACES, PLATFORM, USERS, ROLES,
                                   seed_keystone.RecordingKeystone(new_id=ids()))


def test_rows_hold_what_converge_writes(rec):
    rows = seed_keystone.rows(rec)
    assert len(rows['project']) == 2 and len(rows['group']) == 6
    proj = next(r for r in rows['project'] if r[1] == 'ws1-p0')
    extra = json.loads(proj[2])
    assert extra['lz_applied']['name'] == 'ws1-p0' and extra['lz_applied']['enabled'] is True
    assert extra['lz_access']['reader'] == {'roles': ['reader'], 'members': ['u-alice']}
    assert extra['lz_access']['admin'] == {'roles': ['manager', 'member'], 'members': ['u-bob']}
    assert proj[4:] == (1, 'default', 'default', 0)
    tags = sorted(t for p, t in rows['project_tag'] if p == proj[0])
    assert 'lz-platform=%s' % PLATFORM in tags and 'lz-managed' in tags
    groups = dict((json.loads(g[4])['lz_tenant'] + ':' + json.loads(g[4])['lz_role'], g) for g in rows['group'])
    assert json.loads(groups['ws1/p0:admin'][4])['lz_platform'] == PLATFORM
    admin = groups['ws1/p0:admin'][0]
    assert sorted(r for t, g, p, r, i in rows['assignment'] if g == admin) == ['g-id', 'm-id']
    assert len(rows['assignment']) == 8 and all(a[0] == 'GroupProject' and a[4] == 0 for a in rows['assignment'])
    assert sorted(rows['user_group_membership']) == sorted(
        [('u-alice', groups['ws1/p0:reader'][0]), ('u-bob', groups['ws1/p0:admin'][0]),
         ('u-carol', groups['ws1/p1:user'][0])])


def test_the_planners_plan_nothing_on_the_seed(rec):
    tenants = select_scope(dict(landing_zones=ZONES, workspaces=WORKSPACES), PLATFORM).tenants
    snap = Snapshot(PLATFORM)
    snap.domains = [dict(seed_keystone.DEFAULT_DOMAIN)]
    snap.projects = list(rec.projects.values())
    snap.groups = list(rec.groups.values())
    snap.roles_by_name = dict(ROLES)
    snap.grants_read = True
    for name, user_id in USERS.items():
        snap.remember_user(name, user_id)
    for group_id, project_id, role_id in rec.grants:
        snap.group_grants.setdefault((group_id, project_id), set()).add(role_id)
    names = dict((v, k) for k, v in USERS.items())
    for user_id, group_id in rec.members:
        snap.members.setdefault(group_id, {})[user_id] = names[user_id]
    results, orphans, actions = plan_tenants(snap, tenants, ['lz-managed', 'lz-platform=%s' % PLATFORM])
    assert not actions and not orphans and not any(r.errors for r in results)
    results, actions = plan_access(snap, tenants)
    assert not actions and not any(r.errors or r.remarks for r in results)


def test_sql_is_one_transaction_quoted():
    rows = dict((t, []) for t in seed_keystone.TABLE_ORDER)
    rows['project_tag'] = [('p1', "it's")]
    statements = list(seed_keystone.sql_statements(rows))
    assert statements[0] == 'START TRANSACTION;' and statements[-1] == 'COMMIT;'
    assert "('p1', 'it\\'s')" in statements[1]


def test_an_unknown_write_fails_the_seed():
    with pytest.raises(AssertionError, match='does not know'):
        seed_keystone.RecordingKeystone().request('DELETE', '/projects/x')
    with pytest.raises(AssertionError, match='reads nothing'):
        seed_keystone.RecordingKeystone().get('/projects')
