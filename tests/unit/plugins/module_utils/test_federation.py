# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users bound before their first federated login: unique_id, validation, plan, apply (pure logic)."""

import dataclasses
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.model import Federation
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import select_tenants, validate
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import federation as fed_mod
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import apply as ks_apply
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import plan as ks_plan
from ansible_collections.landingzone.openstack.plugins.module_utils import _ownership

from test_keystone import converged_snapshot, spec

FED = Federation(identity_provider='idp', domain='fed', protocols=('openid', 'saml2'))


class TestUniqueId:
    # Keystone's mapped plugin: user['id'] = urllib.parse.quote(user_id) (auth/plugins/mapped.py)
    @pytest.mark.parametrize('euid, expected', [
        ('example.com/ana', 'example.com/ana'),          # '/' is kept (quote_plus would escape it)
        ('bo b', 'bo%20b'),                              # a space is %20 (quote_plus: '+')
        ('a+b', 'a%2Bb'),
        ('50%', '50%25'),
        ('j\u00fcrgen', 'j%C3%BCrgen'),
    ])
    def test_first_unique_id_is_keystones_quote(self, euid, expected):
        assert fed_mod.unique_ids(euid)[0] == expected

    def test_the_characters_where_quote_plus_differs(self):
        for euid in ('example.com/ana', 'bo b'):
            assert fed_mod.unique_ids(euid)[0] != quote_plus(euid)
        # quote_plus gives 'a b' and 'a+b' one reading; Keystone's quote keeps them two users
        assert len(set(fed_mod.unique_ids(e)[0] for e in ('a b', 'a+b'))) == 2

    def test_non_ascii_also_gets_the_latin1_reading_of_older_keystones(self):
        # 2023.2 keeps the web server's Latin-1 decoding of the UTF-8 header (seen on the local cloud)
        assert fed_mod.unique_ids('zo\u00eb') == ['zo%C3%AB', 'zo%C3%83%C2%AB']
        assert fed_mod.unique_ids('ascii/only') == ['ascii/only']

    def test_body_has_one_entry_per_protocol_and_unique_id_and_the_marker(self):
        body = fed_mod.user_body(FED, 'zo\u00eb', 'd1', 'local')
        protocols = body['federated'][0]['protocols']
        assert sorted((p['protocol_id'], p['unique_id']) for p in protocols) == sorted(
            (proto, uid) for proto in ('openid', 'saml2') for uid in ('zo%C3%AB', quote('zo\u00c3\u00ab')))
        assert body[fed_mod.PREBOUND_ATTR] == 'local' and body['domain_id'] == 'd1'
        assert body['options'] == {'ignore_user_inactivity': True}
        exempt_off = dataclasses.replace(FED, exempt_from_inactivity=False)
        assert 'options' not in fed_mod.user_body(exempt_off, 'x', 'd1', 'local')


class TestValidation:
    def _inventory(self, federation):
        return dict(landing_zones={'fed': {'federation': federation}},
                    workspaces=[{'identifier': 'acme', 'name': 'Acme', 'projects': [
                        {'identifier': 'web', 'name': 'Web', 'landing_zone': 'fed',
                         'bindings': [{'euid': 'example.com/ana', 'role': 'user'}]}]}])

    def test_a_complete_block_reaches_the_tenant(self):
        inventory = self._inventory({'identity_provider': 'idp', 'domain': 'fed', 'protocols': ['openid']})
        assert validate(inventory, ['local']) == []
        assert select_tenants(inventory, 'local', ['local'])[0].federation == Federation('idp', 'fed', ('openid',))

    @pytest.mark.parametrize('block, path', [
        ({'domain': 'fed', 'protocols': ['openid']}, 'landing_zones.fed.federation.identity_provider'),
        ({'identity_provider': 'idp', 'domain': 'fed', 'protocols': []}, 'landing_zones.fed.federation.protocols'),
        ({'identity_provider': 'idp', 'domain': 'fed', 'protocols': ['a', 'a']},
         'landing_zones.fed.federation.protocols'),
        ({'identity_provider': 'idp', 'domain': 'fed', 'protocols': ['a'], 'typo': 1},
         'landing_zones.fed.federation.typo'),
        ({'identity_provider': 'idp', 'domain': 'fed', 'protocols': ['a'], 'exempt_from_inactivity': 'yes'},
         'landing_zones.fed.federation.exempt_from_inactivity'),
    ])
    def test_errors_name_the_path(self, block, path):
        errors = validate(self._inventory(block), ['local'])
        assert path in [e.path for e in errors], errors


def _fed_snapshot(problem=None):
    snap = converged_snapshot()
    snap.identity_providers[FED] = fed_mod.IdentityProvider(
        FED, domain_id='d-fed', protocols=['openid', 'saml2'], problem=problem)
    return snap


def _fed_tenant(members, key='acme/web', name='acme-web'):
    return dataclasses.replace(spec(members=members, key=key, name=name), federation=FED)


class TestPlan:
    def test_an_unknown_member_is_created_once_and_bound(self):
        snap = _fed_snapshot()
        members = {'user': ['bob', 'new/one'], 'admin': ['alice', 'new/one']}
        results, actions = ks_plan.plan_access(snap, [_fed_tenant(members)])
        creates = [a for a in actions if a.kind == ks_plan.ActionKind.CREATE_USER]
        assert [a.label for a in creates] == ['new/one']
        assert creates[0].args['domain_id'] == 'd-fed' and creates[0].phase < ks_plan.PHASE_ACCESS
        adds = [a for a in actions if a.kind == ks_plan.ActionKind.ADD_MEMBER]
        assert sorted(a.args['user_id'] for a in adds) == [fed_mod.pending_id('new/one')] * 2
        assert [r['code'] for r in results[0].remarks].count('user_prebound') == 2
        assert 'user_not_found' not in [r['code'] for r in results[0].remarks]

    def test_a_zone_without_federation_keeps_the_remark(self):
        tenant = spec(members={'user': ['bob', 'new/one'], 'admin': ['alice']})
        results, actions = ks_plan.plan_access(converged_snapshot(), [tenant])
        assert actions == [] and results[0].remarks[0]['code'] == 'user_not_found'

    def test_an_idp_problem_fails_the_tenant_before_any_write(self):
        results, actions = ks_plan.plan_access(_fed_snapshot('identity provider idp does not exist'),
                                               [_fed_tenant({'user': ['new/one']})])
        assert actions == [] and results[0].status == 'failed'
        assert results[0].remarks[0]['code'] == 'federation_unavailable'


class _Rest:
    """Answers the federated lookup (nothing found) and the POST; records what was sent."""

    retries = 0

    def __init__(self):
        self.sent = []

    def get(self, path, params=None, missing_ok=False):
        self.sent.append(('GET', path))
        return {'users': []}

    def request(self, method, path, json=None, ok=(), missing_ok=False, params=None):
        self.sent.append((method, path))
        if method == 'POST':
            (key, body), = json.items()
            return {key: dict(body, id='u-new' if key == 'user' else 'new-%s' % body['name'])}
        return {}


class TestApply:
    def test_two_tenants_binding_one_new_user_create_it_once(self):
        snap = _fed_snapshot()
        tenants = [_fed_tenant({'user': ['new/one']}),
                   _fed_tenant({'user': ['new/one']}, key='acme/api', name='acme-api')]
        snap.projects.append(dict(snap.projects[0], id='p2', name='acme-api',
                                  tags=tenants[1].marker_tags))
        results, actions = ks_plan.plan_access(snap, tenants)
        rest = _Rest()
        ctx = ks_apply.ApplyContext(rest, snap)
        ctx.project_ids.update({'acme/web': 'p1', 'acme/api': 'p2'})
        failed = ks_apply.apply(ctx, actions, results, max_workers=4)
        assert failed == set()
        assert rest.sent.count(('POST', '/users')) == 1
        assert ('PUT', '/groups/g-user/users/u-new') in rest.sent
        assert ('PUT', '/groups/new-acme-api-user/users/u-new') in rest.sent
        assert ('PATCH', '/projects/p1') in rest.sent and ('PATCH', '/projects/p2') in rest.sent

    def test_the_record_gets_the_created_users_id(self):
        ctx = ks_apply.ApplyContext(_Rest(), _fed_snapshot())
        ctx.users.user_ids['new/one'] = 'u-new'
        sent = []
        ctx.rest.request = lambda method, path, json=None, ok=(), **kw: sent.append(json)
        body = {_ownership.ACCESS_APPLIED_ATTR: {'user': {'roles': ['member'],
                                                          'members': ['u-bob', fed_mod.pending_id('new/one')]}}}
        ks_apply.record_access(ctx, '/projects/p1', 'project', body)
        assert sent[-1]['project'][_ownership.ACCESS_APPLIED_ATTR]['user']['members'] == ['u-bob', 'u-new']


class TestUnboundUsers:
    def _user(self, logged_in=False, groups=('g-user',)):
        return fed_mod.PreboundUser('u-old', 'old/one', logged_in, tuple(groups))

    def test_bound_users_are_not_candidates(self):
        users = [fed_mod.PreboundUser('u1', 'Bob', False), fed_mod.PreboundUser('u2', 'gone', False)]
        assert [u.id for u in fed_mod.unbound_users(users, [spec()])] == ['u2']  # 'Bob' is 'bob' to Keystone

    def test_never_logged_in_and_left_in_no_group_is_deleted_after_the_membership_goes(self):
        snap = converged_snapshot()
        snap.members['g-user']['u-old'] = 'old/one'
        results, actions = ks_plan.plan_access(snap, [spec()])
        rows = ks_plan.plan_unbound_users([self._user()], actions)
        deletions = [a for a in actions if a.kind == ks_plan.ActionKind.DELETE_USER]
        removal = next(a for a in actions if a.kind == ks_plan.ActionKind.REMOVE_MEMBER)
        assert [a.target for a in deletions] == ['u-old'] and deletions[0].phase > removal.phase
        assert rows[0].key == 'user/old/one' and rows[0].remarks == []

    def test_a_user_who_logged_in_is_kept(self):
        rows = ks_plan.plan_unbound_users([self._user(logged_in=True, groups=())], [])
        assert rows[0].planned == [] and rows[0].remarks[0]['code'] == 'prebound_user_kept'

    def test_a_user_in_a_group_this_run_leaves_alone_is_kept(self):
        rows = ks_plan.plan_unbound_users([self._user(groups=('g-elsewhere',))], [])
        assert rows[0].planned == [] and 'g-elsewhere' in rows[0].remarks[0]['message']


class _MappingRest:
    def __init__(self, rules):
        self.rules = rules

    def get(self, path, params=None, missing_ok=False):
        return {'mapping': {'rules': self.rules[path.rsplit('/', 1)[1]]}}


class TestLoginTrace:
    PROTOCOLS = [{'id': 'openid', 'mapping_id': 'm-oidc'}, {'id': 'saml2', 'mapping_id': 'm-saml'}]

    def test_removal_needs_every_used_protocol_to_map_an_email(self):
        rest = _MappingRest({'m-oidc': [{'local': [{'user': {'id': '{0}', 'email': '{1}'}}]}],
                             'm-saml': [{'local': [{'user': {'name': '{0}'}}]}]})
        fed = dataclasses.replace(FED, remove_unbound_users=True)
        problem = fed_mod._login_trace_problem(rest, fed, self.PROTOCOLS)
        assert 'm-saml' in problem and 'saml2' in problem
        only_oidc = dataclasses.replace(fed, protocols=('openid',))
        assert fed_mod._login_trace_problem(rest, only_oidc, self.PROTOCOLS) is None


class TestReferences:
    def test_a_federation_problem_holds_the_zone_before_the_tenants_step_writes(self):
        from ansible_collections.landingzone.openstack.plugins.module_utils._replication.references import missing
        tenant = _fed_tenant({'user': ['bob']})
        roles = {'reader', 'member', 'manager'}
        found = missing([tenant], roles, lambda name: True, None, {FED: 'identity provider idp does not exist'})
        assert found == {'default': [('landing_zones.default.federation',
                                      'identity provider idp does not exist on platform local')]}
        assert missing([tenant], roles, lambda name: True, None, {FED: None}) == {}
