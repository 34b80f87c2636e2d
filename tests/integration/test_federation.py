# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users bound before their first federated login (docs/federation.md), proven with real logins.

One scenario, one converge: a landing zone with ``federation`` binds three euids that never logged
in (one with ``/``, one with a space and ``+``, one non-ASCII); a zone without it binds one more; a
zone that removes unbound users binds two. Then each user logs in for the first time through
Keystone's mapped auth (the local identity provider, tests/localcloud/services/keystone.py) and must
land on the user the collection made; the removing zone's bindings go, and only the user who never
logged in is deleted.
"""

import pytest

from helpers import federation
from helpers.keystone import replicate, report, workspace

pytestmark = pytest.mark.release_matrix

EUIDS = ('example.com/ana', 'example.com/bo b+1', 'example.com/j\u00fcrgen%41')
LATE = 'example.com/late'
GONE, SEEN = 'example.com/gone', 'example.com/seen'   # bound in the removing zone, then unbound


def _zones():
    removing = dict(federation.federation(protocols=['openid']), remove_unbound_users=True)
    return {'fed': {'domain_mode': 'default', 'federation': federation.federation()},
            'plain': {'domain_mode': 'default'},
            'rm': {'domain_mode': 'default', 'federation': removing}}


def _workspaces(ws, late_bound=True, removing_bound=True):
    bindings = [{'euid': EUIDS[0], 'role': 'admin'}, {'euid': EUIDS[1], 'role': 'user'},
                {'euid': EUIDS[2], 'role': 'reader'}]
    return [workspace(ws, [
        {'identifier': 'app', 'name': 'App', 'landing_zone': 'fed', 'bindings': bindings},
        {'identifier': 'old', 'name': 'Old', 'landing_zone': 'plain',
         'bindings': [{'euid': LATE, 'role': 'user'}] if late_bound else []},
        {'identifier': 'tmp', 'name': 'Tmp', 'landing_zone': 'rm',
         'bindings': [{'euid': GONE, 'role': 'user'}, {'euid': SEEN, 'role': 'user'}] if removing_bound else []},
    ])]


def _rows(run, platform):
    return dict((row['tenant'], row) for row in report(run, platform)['tenants'])


def _codes(row):
    return sorted(r['code'] for r in row.get('remarks') or [])


def _users_named(conn, name):
    # Keystone's name filter lists a pre-created user twice: by its local name and its federated display name
    found = dict((u['id'], u) for u in conn.identity.get('/users', params={'name': name}).json()['users']
                 if u['name'] == name)
    return list(found.values())


@pytest.fixture
def prebound(replicator):
    yield
    for name in EUIDS + (LATE, GONE, SEEN):
        for user in _users_named(replicator, name):
            replicator.identity.delete_user(user['id'], ignore_missing=True)


def test_users_bound_before_their_first_login_log_in_as_the_same_user(
        platform, keystone, replicator, unique, prebound):
    ws = 'fed%s' % unique[:6]
    plan = replicate(platform, _workspaces(ws), zones=_zones(), check=True, replicate_quotas=False)
    assert plan.rc == 0, plan.stdout[-3000:]
    assert all(not _users_named(replicator, e) for e in EUIDS), 'check mode created a user'

    run = replicate(platform, _workspaces(ws), zones=_zones(), replicate_quotas=False)
    assert run.rc == 0, run.stdout[-3000:]
    rows = _rows(run, platform)
    app, old = rows['%s/app' % ws], rows['%s/old' % ws]
    assert _codes(app).count('user_prebound') == 3, app
    assert _codes(rows['%s/tmp' % ws]).count('user_prebound') == 2
    assert 'user_not_found' in _codes(old), old  # the zone without federation: unchanged behaviour
    created = {}
    for euid in EUIDS + (GONE, SEEN):
        users = _users_named(replicator, euid)
        assert len(users) == 1, (euid, users)
        user = replicator.identity.get('/users/%s' % users[0]['id']).json()['user']
        assert user['lz_prebound'] == platform and user['options'].get('ignore_user_inactivity') is True, user
        protocols = sorted(p['protocol_id'] for f in user['federated'] for p in f['protocols'])
        assert set(protocols) == ({'openid'} if euid in (GONE, SEEN) else {'openid', 'saml2'}), user['federated']
        created[euid] = user['id']

    project = keystone.project(ws, 'app')
    expected = {EUIDS[0]: {'member', 'manager', 'reader'}, EUIDS[1]: {'member', 'reader'}, EUIDS[2]: {'reader'}}
    for protocol, euid in zip(('saml2', 'openid', 'saml2'), EUIDS):
        extra = () if protocol == 'saml2' else ('Display %s' % euid, 'someone@example.com')
        token, user = federation.login(replicator, protocol, euid, *extra)
        assert user['id'] == created[euid], (euid, protocol, user)  # no second user
        assert expected[euid] <= set(federation.scoped_roles(replicator, token, project.id)), euid
        again, user = federation.login(replicator, protocol, euid, *extra)
        assert user['id'] == created[euid]
    # the IdP renames a user (openid maps a display name): the same user, still bound
    dummy, user = federation.login(replicator, 'openid', EUIDS[0], 'Ana Renamed', 'ana@example.com')
    assert user['id'] == created[EUIDS[0]]
    # the zone without federation: the first login creates the user, the next run binds it
    dummy, late = federation.login(replicator, 'saml2', LATE)
    # of the removing zone's users one logs in, then both are unbound
    seen = _users_named(replicator, SEEN)[0]['id']
    dummy, user = federation.login(replicator, 'openid', SEEN, 'Seen', 'seen@example.com')
    assert user['id'] == seen

    rerun = replicate(platform, _workspaces(ws, removing_bound=False), zones=_zones(), replicate_quotas=False)
    assert rerun.rc == 0, rerun.stdout[-3000:]
    rows = _rows(rerun, platform)
    assert 'user_not_found' not in _codes(rows['%s/old' % ws]), rows['%s/old' % ws]
    assert 'user_prebound' not in _codes(rows['%s/app' % ws])
    assert _users_named(replicator, GONE) == [], 'the unbound user who never logged in stays'
    assert [u['id'] for u in _users_named(replicator, SEEN)] == [seen], 'a user who logged in was deleted'
    orphans = dict((row['tenant'], row) for row in report(rerun, platform).get('orphans') or [])
    assert 'prebound_user_kept' in _codes(orphans['user/%s' % SEEN]), orphans
    assert any('delete user %s' % GONE in c for c in orphans['user/%s' % GONE]['changes']), orphans
    members = dict((g['name'], keystone.members(replicator.identity.get_group(g['id'])))
                   for g in keystone.managed_groups(ws))
    assert LATE in members['%s-old-user' % ws], members
    assert members['%s-app-admin' % ws] == [EUIDS[0]], members
    assert all(len(_users_named(replicator, e)) == 1 for e in EUIDS)
    noop = replicate(platform, _workspaces(ws, removing_bound=False), zones=_zones(), replicate_quotas=False)
    assert noop.stats(platform)['changed'] == 0, noop.stdout[-3000:]


def test_a_zone_naming_a_missing_identity_provider_changes_nothing_of_its_access(
        platform, keystone, replicator, unique, prebound):
    ws = 'fex%s' % unique[:6]
    zones = _zones()
    zones['fed']['federation'] = dict(federation.federation(), identity_provider='no-such-idp')
    run = replicate(platform, _workspaces(ws, late_bound=False, removing_bound=False), zones=zones, replicate_quotas=False)
    assert run.rc != 0
    row = _rows(run, platform)['%s/app' % ws]
    # checked before the first write of the tenants step: the zone's project is not even created
    assert row['status'] == 'failed' and 'missing_reference' in _codes(row), row
    assert any('landing_zones.fed.federation' in str(r) and 'no-such-idp' in r['message'] for r in row['remarks']), row
    assert keystone.project(ws, 'app') is None
    tenants_with_groups = set(g['lz_tenant'] for g in keystone.managed_groups(ws))
    # the failed tenant wrote nothing of its access; the others went on
    assert tenants_with_groups == {'%s/old' % ws, '%s/tmp' % ws}, tenants_with_groups
    assert all(not _users_named(replicator, e) for e in EUIDS)
