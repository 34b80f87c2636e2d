# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What fixes a partial metering run (issue 24): the command with the account's user name, never a
secret; the policy of a hidden kind; the message the meter role fails with. The real account without
the system role is tests/integration/test_metering_partial.py."""

import types

import pytest
from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as os_exc

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import collect, fixes, runner
from helpers.metering_fakes import NOW, Adapter, healthy, page

AUTH = dict(auth_url='https://keystone.example.com/v3', username='meter-bot', password='s3cret-pw',
            user_domain_name='Default', project_name='ops', project_domain_name='Default')


def test_the_command_names_the_user_and_never_the_password():
    account = fixes.Account.from_auth(AUTH)
    assert fixes.system_reader_command(account) == 'openstack role add --system all --user meter-bot reader'
    other = fixes.Account.from_auth(dict(AUTH, user_domain_name='Customers'))
    assert fixes.system_reader_command(other) == \
        'openstack role add --system all --user meter-bot --user-domain Customers reader'
    # an application credential names no user: the token's user id
    app = fixes.Account.from_auth(dict(application_credential_id='ac1', application_credential_secret='x'), 'u-42')
    assert fixes.system_reader_command(app) == 'openstack role add --system all --user u-42 reader'
    assert 'x' not in repr(app) and 's3cret' not in repr(account)


def test_every_metered_kind_names_the_policy_to_widen():
    for kind in _kinds.metered():
        text = fixes.policy_fix(kind, 'p-admin')
        assert _kinds.kind(kind).reader_policy in text and 'role:reader and project_id:p-admin' in text
    assert '`os_compute_api:servers:detail:get_all_tenants`' in fixes.policy_fix('servers')


@pytest.mark.parametrize('exc,why', [
    (os_exc.HttpException('refused', http_status=401), 'no system-scoped reader role'),
    (ksa_exc.Unauthorized('The request you have made requires authentication.'), 'no system-scoped reader role'),
    (RuntimeError('config broken'), 'no system-scoped token (RuntimeError: config broken)'),
])
def test_a_refused_system_token_is_the_missing_role_not_a_wrong_password(exc, why):
    remark = collect.projects_partial(fixes.Account('meter-bot'), exc)
    assert remark['code'] == 'projects_partial' and why in remark['message']
    assert remark['fix'] == 'openstack role add --system all --user meter-bot reader'


def _conn(**proxies):
    conn = healthy(**proxies)
    conn.config = types.SimpleNamespace(config=dict(auth=AUTH))
    conn.current_project_id = 'p-admin'
    return conn


def test_a_partial_run_carries_its_fixes_and_the_message_names_them():
    identity = Adapter({'/projects': 403, '/auth/projects': [{'projects': [{'id': 'p1', 'name': 'mine'}]}]})
    storage = Adapter({'/volumes/detail': 403, '/snapshots/detail': [page('snapshots', [])]})
    conn = _conn(identity=identity, block_storage=storage)
    run = collect.collect(conn, 'local', kinds=['volumes', 'snapshots'], retries=0, now=NOW)
    assert run['status'] == 'partial'
    command = 'openstack role add --system all --user meter-bot reader'
    assert command in run['fixes']  # the system-scoped connection cannot be made from this fake config
    assert any('Cinder `context_is_admin`' in f and 'p-admin' in f for f in run['fixes'])
    out = runner.summary(run)
    assert out['fixes'] == run['fixes']
    message = out['partial_message']
    assert command in message and 'Cinder' in message and fixes.SWITCH in message and run['id'] in message
    assert 's3cret-pw' not in repr(out)


def test_an_ok_run_has_no_fix_and_no_message():
    run = collect.collect(_conn(), 'local', kinds=['volumes'], retries=0, now=NOW)
    assert run['status'] == 'ok' and run['fixes'] == []
    assert 'partial_message' not in runner.summary(run)


def test_fewer_than_check_names_the_policy():
    run = collect.collect(_conn(), 'local', kinds=['volumes'], retries=0, now=NOW, check_counts=dict(volumes=5))
    remark = [r for r in run['remarks'] if r['code'] == 'fewer_than_check'][0]
    assert 'Cinder' in remark['fix'] and run['fixes'] == [remark['fix']]


def test_the_check_and_a_partial_run_name_the_same_shipped_file():
    from ansible_collections.landingzone.openstack.plugins.module_utils._metering import visibility
    findings = [visibility.finding('routers', 'hidden_from_reader', 'the admin lists 3 routers, the reader 1'),
                visibility.finding('servers', 'forbidden', 'the metering reader cannot list servers: 403')]
    assert findings[0]['fix'].startswith('neutron-policy.yaml') and findings[0]['fix'] in findings[0]['message']
    assert findings[1]['fix'].startswith('nova-policy.yaml')
    # the partial run's remark names the rule and the same file
    text = fixes.policy_fix('routers', 'p-admin')
    assert 'get_router' in text and 'p-admin' in text and findings[0]['fix'] in text
