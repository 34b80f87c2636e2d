# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The option groups of _argspec and the doc fragments that document them say the same thing."""

import copy

import pytest
import yaml
from ansible.module_utils.errors import AnsibleFallbackNotFound
from ansible.module_utils.basic import env_fallback

from ansible_collections.landingzone.openstack.plugins.doc_fragments import audit as audit_fragment
from ansible_collections.landingzone.openstack.plugins.doc_fragments import inventory as inventory_fragment
from ansible_collections.landingzone.openstack.plugins.doc_fragments import isolation as isolation_fragment
from ansible_collections.landingzone.openstack.plugins.doc_fragments import ledger as ledger_fragment
from ansible_collections.landingzone.openstack.plugins.doc_fragments import openstack as openstack_fragment
from ansible_collections.landingzone.openstack.plugins.doc_fragments import progress as progress_fragment
from ansible_collections.landingzone.openstack.plugins.module_utils import _argspec

# What a doc fragment and an argument spec both state about an option, with Ansible's defaults.
COMPARED = dict(type='str', default=None, choices=None, aliases=[], elements=None, required=False)

PAIRS = [
    ('openstack', openstack_fragment, 'CONNECTION'),
    ('inventory', inventory_fragment, 'INVENTORY'),
    ('ledger', ledger_fragment, 'LEDGER'),
    ('isolation', isolation_fragment, 'ISOLATION'),
    ('audit', audit_fragment, 'AUDIT'),
    ('progress', progress_fragment, 'PROGRESS'),
]


def fragment_options(module):
    doc = yaml.safe_load(module.ModuleDocFragment.DOCUMENTATION)
    return doc['options']


def normalized(option):
    return {key: default if option.get(key) is None else option[key]
            for key, default in COMPARED.items()}


def comparisons():
    for name, module, group in PAIRS:
        spec = getattr(_argspec, group)
        for option in sorted(set(fragment_options(module)) | set(spec)):
            yield pytest.param(module, group, option, id='%s-%s' % (name, option))


@pytest.mark.parametrize('name,module,group', PAIRS)
def test_fragment_documents_exactly_the_group(name, module, group):
    assert sorted(fragment_options(module)) == sorted(getattr(_argspec, group))


@pytest.mark.parametrize('module,group,option', list(comparisons()))
def test_fragment_option_matches_the_spec(module, group, option):
    documented = fragment_options(module).get(option)
    spec = getattr(_argspec, group).get(option)
    assert documented is not None, '%s.%s is not documented' % (group, option)
    assert spec is not None, '%s documents %s, which the group lacks' % (module.__name__, option)
    assert normalized(documented) == normalized(spec)
    assert documented.get('description'), 'no description'


@pytest.mark.parametrize('name,module,group', PAIRS)
def test_fragment_is_valid_yaml_with_descriptions(name, module, group):
    options = fragment_options(module)
    assert options
    for option, doc in options.items():
        assert isinstance(doc['description'], list), option
        assert all(isinstance(line, str) and line for line in doc['description']), option


def test_comparison_sees_differences():
    # The normalization must not hide a difference.
    assert normalized(dict(type='int', default=30)) != normalized(dict(type='int', default=31))
    assert normalized(dict(type='str', aliases=['a'])) != normalized(dict(type='str'))
    assert normalized(dict(type='list', elements='str')) != normalized(dict(type='list', elements='dict'))
    assert normalized(dict(type='str', required=True)) != normalized(dict(type='str'))
    assert normalized(dict(type='str', choices=['a'])) != normalized(dict(type='str', choices=['a', 'b']))
    assert normalized(dict(type='path')) != normalized(dict())
    assert normalized(dict(type='str')) == normalized(dict())


def test_connection_requirements_documented():
    doc = yaml.safe_load(openstack_fragment.ModuleDocFragment.DOCUMENTATION)
    assert any(req.startswith('openstacksdk') for req in doc['requirements'])


def test_connection_auth_is_no_log():
    assert _argspec.CONNECTION['auth']['no_log'] is True


def test_no_option_but_secrets_is_no_log():
    for group in ('CONNECTION', 'INVENTORY', 'LEDGER'):
        for option, spec in getattr(_argspec, group).items():
            if option not in ('auth', 'ledger_dsn'):
                assert not spec.get('no_log'), option


# ----------------------------------------------------------------------------------------------
# LEDGER
# ----------------------------------------------------------------------------------------------

def test_ledger_dsn_is_no_log():
    assert _argspec.LEDGER['ledger_dsn']['no_log'] is True


def test_ledger_dsn_falls_back_to_the_environment(monkeypatch):
    assert _argspec.LEDGER_DSN_ENV == 'LZ_LEDGER_DSN'
    func, args = _argspec.LEDGER['ledger_dsn']['fallback']
    assert func is env_fallback
    monkeypatch.setenv('LZ_LEDGER_DSN', 'postgresql://u:p@db:5432/ledger')
    assert func(*args) == 'postgresql://u:p@db:5432/ledger'


def test_ledger_dsn_fallback_without_the_environment(monkeypatch):
    monkeypatch.delenv('LZ_LEDGER_DSN', raising=False)
    func, args = _argspec.LEDGER['ledger_dsn']['fallback']
    with pytest.raises(AnsibleFallbackNotFound):
        func(*args)


def test_ledger_path_has_no_fallback():
    assert 'fallback' not in _argspec.LEDGER['ledger_path']
    assert _argspec.LEDGER['ledger_path']['type'] == 'path'


# ----------------------------------------------------------------------------------------------
# compose()
# ----------------------------------------------------------------------------------------------

def test_compose_merges_groups():
    spec = _argspec.compose(_argspec.CONNECTION, _argspec.INVENTORY, _argspec.LEDGER)
    assert set(spec) == set(_argspec.CONNECTION) | set(_argspec.INVENTORY) | set(_argspec.LEDGER)
    assert spec['cloud'] == _argspec.CONNECTION['cloud']
    assert spec['platform'] == _argspec.INVENTORY['platform']
    assert spec['ledger_dsn'] == _argspec.LEDGER['ledger_dsn']


def test_compose_extras_are_added_and_win():
    spec = _argspec.compose(_argspec.CONNECTION, retries=dict(type='int', default=0),
                            state=dict(type='str', default='present'))
    assert spec['retries'] == dict(type='int', default=0)
    assert spec['state'] == dict(type='str', default='present')
    assert spec['cloud'] == dict(type='raw')


def test_compose_later_group_wins():
    spec = _argspec.compose(dict(a=dict(type='str')), dict(a=dict(type='int')))
    assert spec == dict(a=dict(type='int'))


def test_compose_nothing():
    assert _argspec.compose() == {}
    assert _argspec.compose(x=dict(type='bool')) == dict(x=dict(type='bool'))


def test_compose_does_not_change_the_groups():
    before = copy.deepcopy(_argspec.CONNECTION)
    spec = _argspec.compose(_argspec.CONNECTION, cloud=dict(type='int'), extra=dict(type='str'))
    assert spec['cloud'] == dict(type='int')
    assert _argspec.CONNECTION == before
    assert 'extra' not in _argspec.CONNECTION


def test_composed_spec_validates_with_ansible(monkeypatch):
    # The groups are valid argument specs for Ansible itself: defaults, aliases and the fallback.
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    monkeypatch.setenv('LZ_LEDGER_DSN', 'postgresql://db/ledger')
    spec = _argspec.compose(_argspec.CONNECTION, _argspec.INVENTORY, _argspec.LEDGER)
    result = ArgumentSpecValidator(spec).validate(dict(
        platform='p1', landing_zones={}, workspaces=[], endpoint_type='internal', verify=False))
    assert result.error_messages == []
    params = result.validated_parameters
    assert params['interface'] == 'internal'
    assert params['validate_certs'] is False
    assert params['api_timeout'] == 30
    assert params['retries'] == 4
    assert params['max_workers'] == 8
    assert params['ledger_dsn'] == 'postgresql://db/ledger'
    assert 'postgresql://db/ledger' in result._no_log_values


def test_composed_spec_rejects_a_bad_interface():
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    spec = _argspec.compose(_argspec.CONNECTION)
    result = ArgumentSpecValidator(spec).validate(dict(interface='private'))
    assert any('interface' in msg for msg in result.error_messages)


def test_inventory_required_options():
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    result = ArgumentSpecValidator(_argspec.compose(_argspec.INVENTORY)).validate({})
    assert len(result.error_messages) == 1
    for option in ('platform', 'landing_zones', 'workspaces'):
        assert option in result.error_messages[0]


# ----------------------------------------------------------------------------------------------
# cloud: a name or a dict of connection settings
# ----------------------------------------------------------------------------------------------

CLOUD_DICT = {'auth': {'auth_url': 'http://k:5000/v3', 'username': 'u', 'password': 's3cret-pw',
                       'project_name': 'p'},
              'region_name': 'RegionOne', 'extra': [{'application_credential_secret': 'ac-secret'}]}


def test_cloud_secrets_finds_every_secret_value_and_nothing_else():
    assert _argspec.cloud_secrets(CLOUD_DICT) == {'s3cret-pw', 'ac-secret'}
    assert _argspec.cloud_secrets('replicator') == set()
    assert _argspec.cloud_secrets({'auth': {'token': ''}}) == set()


@pytest.mark.parametrize('params, expected', [
    ({'cloud': 'replicator'}, None),
    ({'cloud': None}, None),
    ({'cloud': CLOUD_DICT, 'auth': None, 'interface': 'public'}, None),
    ({'cloud': ['x']}, 'not a list'),
    ({'cloud': CLOUD_DICT, 'auth': {'password': 'other'}}, 'give auth inside it'),
    ({'cloud': CLOUD_DICT, 'region_name': 'R2', 'interface': 'internal'}, 'give region_name, interface inside it'),
])
def test_cloud_problem(params, expected):
    problem = _argspec.cloud_problem(params)
    if expected is None:
        assert problem is None
    else:
        assert expected in problem
        assert 's3cret-pw' not in problem and 'other' not in problem
