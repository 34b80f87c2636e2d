# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' own paths through LandingZoneModule: argument specs and what each failure says.

No cloud is needed: these are the paths that end before (or instead of) talking to one. The
connection is replaced where a test needs to say what connecting does.
"""

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.landingzone.openstack.plugins.module_utils import _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import runner as keystone_runner
from ansible_collections.landingzone.openstack.plugins.modules import (
    inventory_validate,
    keystone_group_binding,
    keystone_tenant,
    openstack_quota,
)

INVENTORY = dict(platform='local', landing_zones={'default': {}},
                 workspaces=[{'identifier': 'shop', 'projects': [{'identifier': 'web'}]}])


def run(module, args, capsys):
    """Run ``module.main()`` with ``args``; returns its JSON result (exit or fail)."""
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture(autouse=True)
def own_home(tmp_path, monkeypatch):
    """A replication module that connects opens the audit trail's default ledger under HOME (docs/audit.md):
    the test's own, never the user's."""
    monkeypatch.setenv('HOME', str(tmp_path))


@pytest.fixture
def no_connect(monkeypatch):
    """Connecting is a test failure: the paths under test must end before it."""
    def connect(params):
        raise AssertionError('connect() must not be called')
    monkeypatch.setattr(_rest, 'connect', connect)


@pytest.mark.parametrize('module', [keystone_tenant, keystone_group_binding, openstack_quota, inventory_validate])
def test_invalid_inventory_fails_before_any_request_with_every_path(module, capsys, no_connect):
    args = dict(INVENTORY, workspaces=[{'identifier': 'Shop!', 'projects': [{'identifier': 'web', 'quota': {'compute.bogus': 1}}]}])
    if module is not inventory_validate:
        args['cloud'] = 'nowhere'
    result = run(module, args, capsys)
    assert result['failed'] and result['msg'].startswith('invalid inventory')
    assert sorted(e['path'] for e in result['errors']) == ['workspaces[0].identifier',
                                                           'workspaces[0].projects[0].quota.compute.bogus']
    assert result['requests'] == {'total': 0}


def test_inventory_validate_takes_no_connection_options(capsys, no_connect):
    result = run(inventory_validate, dict(INVENTORY, cloud='replicator'), capsys)
    assert result['failed'] and 'Unsupported parameters' in result['msg'] and 'cloud' in result['msg']


def test_inventory_validate_lists_the_tenants(capsys, no_connect):
    result = run(inventory_validate, INVENTORY, capsys)
    assert not result.get('failed') and result['changed'] is False and result['requests'] == {'total': 0}
    assert result['tenants'] == [dict(tenant='shop/web', name='shop-web', domain='default', state='present',
                                      groups={'reader': 'shop-web-reader', 'user': 'shop-web-user',
                                              'admin': 'shop-web-admin'}, quota_requests=[])]
    assert result['notices'] == []


@pytest.mark.parametrize('module', [keystone_tenant, keystone_group_binding, openstack_quota])
def test_a_failure_while_connecting_says_cannot_connect(module, capsys, monkeypatch):
    def connect(params):
        raise _ConfigError('Cloud nowhere was not found.')
    monkeypatch.setattr(_rest, 'connect', connect)
    result = run(module, dict(INVENTORY, cloud='nowhere', auth={'password': 's3cret-pw'}), capsys)
    assert result['failed']
    # the kind of failure, the clouds.yaml files (their names only), the variable and host to fix
    assert result['msg'].startswith("cannot connect to platform %s: cloud 'nowhere' is not in the clouds.yaml read. "
                                    % INVENTORY['platform']), result['msg']
    assert result['msg'].endswith("The cloud ('nowhere') is lz_cloud of host %s." % INVENTORY['platform'])
    assert 's3cret-pw' not in json.dumps(result)


class _ConfigError(Exception):
    pass


class _Conn:
    identity = object()


def test_a_failed_request_after_connecting_names_the_request(capsys, monkeypatch):
    monkeypatch.setattr(_rest, 'connect', lambda params: (_Conn(), _rest.RequestCounter()))

    def replicate(*args, **kwargs):
        raise _rest.ApiError('GET', '/projects', 503, 'Service Unavailable', ambiguous=True)
    monkeypatch.setattr(keystone_runner, 'replicate_tenants', replicate)
    result = run(keystone_tenant, dict(INVENTORY, cloud='x'), capsys)
    assert result['failed'] and 'cannot connect' not in result['msg']
    assert result['msg'] == 'request failed before any change: GET /projects: HTTP 503 Service Unavailable'
    assert result['requests']['total'] == 0


def test_a_truncated_listing_is_refused_with_its_reason(capsys, monkeypatch):
    monkeypatch.setattr(_rest, 'connect', lambda params: (_Conn(), _rest.RequestCounter()))

    def replicate(*args, **kwargs):
        raise _rest.IncompleteListing('the listing /projects was truncated by the server (Keystone list_limit).')
    monkeypatch.setattr(keystone_runner, 'replicate_tenants', replicate)
    result = run(keystone_tenant, dict(INVENTORY, cloud='x'), capsys)
    assert result['failed'] and result['msg'].startswith('the listing /projects was truncated')


def test_a_bug_of_the_collection_is_not_reported_as_a_connection_problem(monkeypatch):
    # A planner bug must surface as itself (the module ends with its traceback), never as
    # "cannot connect to the platform" as the old catch-all did.
    monkeypatch.setattr(_rest, 'connect', lambda params: (_Conn(), _rest.RequestCounter()))

    def replicate(*args, **kwargs):
        raise KeyError('planner bug')
    monkeypatch.setattr(keystone_runner, 'replicate_tenants', replicate)
    with patch_module_args(dict(INVENTORY, cloud='x')):
        with pytest.raises(KeyError, match='planner bug'):
            keystone_tenant.main()


def test_without_openstacksdk_the_module_says_what_to_install(capsys, monkeypatch):
    monkeypatch.setattr(_rest, 'HAS_SDK', False)
    monkeypatch.setattr(_rest, 'SDK_IMPORT_ERROR', ImportError('No module named openstack'))
    result = run(keystone_group_binding, dict(INVENTORY, cloud='x'), capsys)
    assert result['failed'] and 'openstacksdk' in result['msg']


def test_quota_services_are_checked_by_the_argument_spec(capsys, no_connect):
    result = run(openstack_quota, dict(INVENTORY, cloud='x', services=['compute', 'dns']), capsys)
    assert result['failed'] and 'services' in result['msg'] and 'dns' in result['msg']


@pytest.mark.parametrize('workspaces,path', [
    (['identifier=shop'], 'workspaces[0]'),                                  # Ansible would make it a dict
    ('{"identifier": "shop", "projects": []}', 'workspaces'),                # a JSON text, not of a list
    ('identifier=shop', 'workspaces'),
    ([None], 'workspaces[0]'),
    ([{'identifier': 'shop', 'projects': 'web'}], 'workspaces[0].projects'),
])
@pytest.mark.parametrize('module', [keystone_tenant, inventory_validate])
def test_values_of_the_wrong_shape_are_never_coerced(module, workspaces, path, capsys, no_connect):
    args = dict(INVENTORY, workspaces=workspaces)
    if module is not inventory_validate:
        args['cloud'] = 'nowhere'
    result = run(module, args, capsys)
    assert result['failed'] and result['msg'].startswith('invalid inventory'), result['msg']
    assert path in [e['path'] for e in result['errors']]
    assert result['requests'] == {'total': 0}


def test_landing_zones_as_a_string_are_reported_with_the_path(capsys, no_connect):
    result = run(inventory_validate, dict(INVENTORY, landing_zones='default=x'), capsys)
    assert result['failed'] and 'landing_zones' in [e['path'] for e in result['errors']]
