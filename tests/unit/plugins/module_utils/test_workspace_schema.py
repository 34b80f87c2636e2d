# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The published JSON Schema of a workspace file and the validator never disagree.

The schema file is the generator's output from the validator's constants; both run on the same
cases (the fuzz-like cases of test_inventory.py, more hand-made ones, generated workspaces): what
the validator accepts the schema accepts, and every structural error the validator finds the
schema finds too. What needs the rest of the inventory is the validator's alone (VALIDATOR_ONLY).
"""

import copy
import glob
import importlib.util
import json
import os

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import validate as _validate
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.schema import workspace_schema
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import validate

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
SCHEMA_FILE = os.path.join(REPO, 'schemas', 'workspace.schema.json')
EXAMPLE_SCHEMA_FILE = os.path.join(REPO, 'examples', 'repository', 'schemas', 'workspace.schema.json')
PLATFORMS = ('local', 'other')
ZONES = {'default': {}, 'corp': {}}


def _inventory_tests():
    spec = importlib.util.spec_from_file_location('lz_test_inventory', os.path.join(HERE, 'test_inventory.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


INVENTORY_TESTS = _inventory_tests()


def cases_of(test):
    """The parameter sets of a parametrized test of test_inventory.py."""
    return test.pytestmark[0].args[1]


def schema_errors(workspace):
    with open(SCHEMA_FILE) as handle:
        schema = json.load(handle)
    return sorted(e.message for e in jsonschema.Draft7Validator(schema).iter_errors(workspace))


def validator_errors(workspace):
    inventory = dict(landing_zones=copy.deepcopy(ZONES), workspaces=[workspace])
    return [str(e) for e in validate(inventory, PLATFORMS)]


def agree(workspace):
    v, s = validator_errors(workspace), schema_errors(workspace)
    assert bool(v) == bool(s), dict(workspace=workspace, validator=v, schema=s)


def shop(**project):
    proj = {'identifier': 'web'}
    proj.update(project)
    return {'identifier': 'shop', 'name': 'Web Shop', 'projects': [proj]}


# ---------------------------------------------------------------------------- the file and its source

@pytest.mark.parametrize('path', [SCHEMA_FILE, EXAMPLE_SCHEMA_FILE])
def test_published_schema_is_the_generated_one(path):
    with open(path) as handle:
        published = json.load(handle)
    assert published == json.loads(json.dumps(workspace_schema())), 'run schemas/generate.py'
    jsonschema.Draft7Validator.check_schema(published)
    assert '$id' not in published  # it would name a URL that serves nothing


def test_schema_knows_exactly_the_validators_keys():
    schema = workspace_schema()
    assert sorted(schema['properties']) == sorted(_validate.WORKSPACE_KEYS)
    assert sorted(schema['definitions']['project']['properties']) == sorted(_validate.PROJECT_KEYS)
    assert sorted(schema['definitions']['binding']['properties']) == sorted(_validate.BINDING_KEYS)


def test_example_workspace_files_pass_both():
    files = sorted(glob.glob(os.path.join(REPO, 'examples', 'repository', 'inventory', 'workspaces', '*.yml')))
    assert files
    for name in files:
        with open(name) as handle:
            text = handle.read()
        # relative inside the example repository: it resolves wherever a team copies it
        assert text.startswith('# yaml-language-server: $schema=../../schemas/workspace.schema.json\n'), name
        assert os.path.exists(os.path.join(os.path.dirname(name), '../../schemas/workspace.schema.json'))
        workspace = yaml.safe_load(text)
        assert schema_errors(workspace) == [] and validator_errors(workspace) == [], name


# ---------------------------------------------------------------------------- the inventory tests' cases

def _workspace_cases():
    """test_inventory's schema cases that are about one workspace (not the top level of the inventory)."""
    for mutate, path, fragment in cases_of(INVENTORY_TESTS.test_schema_errors_name_the_path):
        if path.startswith('workspaces[0]'):
            inventory = INVENTORY_TESTS.minimal()
            mutate(inventory)
            yield pytest.param(inventory['workspaces'][0], False, id=path + ':' + fragment)
    for identifier in cases_of(INVENTORY_TESTS.test_valid_workspace_identifiers):
        yield pytest.param(dict(shop(), identifier=identifier), True, id='identifier-%r' % identifier)
    for identifier, fragment in cases_of(INVENTORY_TESTS.test_invalid_workspace_identifiers):
        yield pytest.param(dict(shop(), identifier=identifier), False, id='identifier-%r' % (identifier,))
    for binding, path, fragment in cases_of(INVENTORY_TESTS.test_binding_errors):
        yield pytest.param(shop(bindings=[binding]), False, id='binding-%s' % fragment)
    for tags, path, fragment in cases_of(INVENTORY_TESTS.test_tag_errors):
        yield pytest.param(shop(tags=tags), False, id='tags-%s' % fragment)


MORE = [
    (shop(), True),
    ({'identifier': 'shop'}, True),
    ({'identifier': 'shop', 'projects': None, 'tags': None}, True),
    (shop(identifier='p' * 30), True),
    (shop(identifier='p' * 31), False),
    (shop(identifier='Web'), False),
    (shop(name=' Storefront'), False),
    (shop(name='Store\tfront'), False),
    (shop(state='deleted', platforms=['local'], landing_zone={'local': 'corp', 'other': 'default'}), True),
    (shop(landing_zone={}), False),
    (shop(platforms=['local', 'local']), False),
    (shop(platforms=[1]), False),
    (shop(bindings=[{'euid': 'a', 'role': 'user'}, {'euid': 'a', 'role': 'admin'}]), True),
    (shop(bindings=[{'euid': 'a', 'role': 'user'}, {'euid': 'a', 'role': 'user'}]), False),
    (shop(bindings=None, tags=['env-prod', 'critical'], quota=None), True),
    (shop(quota={'compute.cores': 16, 'volume.gigabytes_ssd': -1, 'load_balancer.pools': 0}), True),
    (shop(quota={'compute.cores': -2}), False),
    (shop(quota={'compute.cores': '16'}), False),
    (shop(quota={'compute.cores': True}), False),
    (shop(quota={'compute.gpus': 1}), False),
    (shop(quota={'volume.gigabytes_': 1}), False),
    (shop(tags={'cost-centre': 4711, 'critical': True, 'ratio': 0.5}), True),
    (shop(tags={'k': 'v' * 253}), True),
    (shop(tags={'k': 'a,b'}), False),
    (shop(tags={'': 'x'}), False),
    (shop(tags=['x' * 256]), False),
    (shop(tags=['']), False),
    (dict(shop(), tags={'lz-ws': 'x'}), False),
    (dict(shop(), colour='red'), False),
    (dict(shop(), name=None), False),
    ({'name': 'no identifier'}, False),
    ([], False),
    ('shop', False),
]


@pytest.mark.parametrize('workspace, valid', list(_workspace_cases()) + MORE)
def test_schema_and_validator_agree(workspace, valid):
    assert (validator_errors(workspace) == []) is valid, validator_errors(workspace)
    agree(workspace)


# Accepted by the schema, rejected by the validator: each needs more than the file (other files, the
# landing zones, the platforms, the names after the patterns), or is a number JSON calls an integer.
VALIDATOR_ONLY = [
    (shop(landing_zone='nowhere'), 'unknown landing zone'),
    (shop(platforms=['mars']), 'unknown platform'),
    (shop(landing_zone={'mars': 'default'}), 'unknown platform'),
    ({'identifier': 'shop', 'projects': [{'identifier': 'web'}, {'identifier': 'web'}]}, 'duplicate project'),
    (shop(tags=['t%d' % i for i in range(81)]), 'tags; Keystone allows'),
    (shop(tags={'k' * 200: 'v' * 100}), 'Keystone allows 255'),
    (shop(quota={'compute.cores': 2.0}), 'must be an integer'),
    # characters beyond the BMP (4 bytes in UTF-8): a pattern that refuses them reads differently in
    # Python's re (code points) and in an editor's JavaScript regex (surrogate pairs)
    (shop(name='Web \U0001F600'), "utf8 columns cannot store"),
    ({'identifier': 'shop', 'name': 'Shop \U0001F600', 'projects': [{'identifier': 'web'}]},
     "utf8 columns cannot store"),
    (shop(tags=['t\U0001F600']), "utf8 columns cannot store"),
]


@pytest.mark.parametrize('workspace, fragment', VALIDATOR_ONLY)
def test_what_only_the_validator_can_check(workspace, fragment):
    assert schema_errors(workspace) == []
    assert any(fragment in e for e in validator_errors(workspace)), validator_errors(workspace)


# ---------------------------------------------------------------------------- generated workspaces

_text = st.one_of(st.sampled_from(['Shop', 'x', ' pad', 'tab\there', '', 'a/b', 'a,b', 'lz-x', 'k=v']),
                  st.text(max_size=8))
_value = st.one_of(_text, st.integers(-3, 3), st.booleans(), st.none(), st.floats(allow_nan=False),
                   st.lists(st.integers(), max_size=1))
_binding = st.one_of(st.fixed_dictionaries({'euid': _text, 'role': st.sampled_from(['reader', 'user', 'admin',
                                                                                    'owner'])}),
                     st.dictionaries(st.sampled_from(['euid', 'role', 'until']), _value, max_size=3), _value)
_project = st.dictionaries(
    st.sampled_from(['identifier', 'name', 'tags', 'landing_zone', 'platforms', 'bindings', 'state', 'quota',
                     'colour']),
    st.one_of(_value, st.sampled_from(['web', 'default', 'present', 'deleted', 'local']),
              st.lists(_binding, max_size=3), st.lists(st.sampled_from(['local', 'other', 'mars']), max_size=3),
              st.dictionaries(st.sampled_from(['compute.cores', 'volume.gigabytes_ssd', 'x.y', 'env', 'local']),
                              _value, max_size=2)),
    max_size=6)
_workspace = st.one_of(
    st.dictionaries(st.sampled_from(['identifier', 'name', 'tags', 'projects', 'owner']),
                    st.one_of(_value, st.sampled_from(['shop', 'Shop', 'a' * 17]), st.lists(_project, max_size=2)),
                    max_size=5),
    st.builds(lambda p: {'identifier': 'shop', 'projects': p}, st.lists(_project, max_size=2)),
    _value)


# Mostly valid workspaces, so that the "validator accepts => schema accepts" side is exercised too.
_ident = st.from_regex(r'\A[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?\Z')
_name = st.from_regex(r'\A[A-Za-z0-9]([A-Za-z0-9 ._-]{0,10}[A-Za-z0-9])?\Z')
_good_tags = st.one_of(st.none(), st.lists(_ident, max_size=3, unique=True),
                       st.dictionaries(_ident.filter(lambda k: not k.startswith('lz-')),
                                       st.one_of(_name, st.integers(0, 99), st.booleans()), max_size=3))
_good_project = st.fixed_dictionaries({'identifier': _ident}, optional={
    'name': _name, 'tags': _good_tags, 'state': st.sampled_from(['present', 'deleted']),
    'landing_zone': st.sampled_from(['default', 'corp', None, {'local': 'corp', 'other': 'default'}]),
    'platforms': st.sampled_from([None, [], ['local'], ['local', 'other']]),
    'bindings': st.lists(st.fixed_dictionaries({'euid': _name, 'role': st.sampled_from(['reader', 'user', 'admin'])}),
                         max_size=3, unique_by=lambda b: (b['euid'], b['role'])),
    'quota': st.dictionaries(st.sampled_from(['compute.cores', 'volume.gigabytes_ssd', 'network.router']),
                             st.integers(-1, 100), max_size=2)})
_good_workspace = st.fixed_dictionaries({'identifier': _ident}, optional={
    'name': _name, 'tags': _good_tags,
    'projects': st.lists(_good_project, max_size=3, unique_by=lambda p: p['identifier'])})


def _mutated(workspace, key, value):
    workspace = copy.deepcopy(workspace)
    target = workspace['projects'][0] if workspace.get('projects') and key.startswith('p.') else workspace
    target[key[2:] if key.startswith('p.') else key] = value
    return workspace


_nearly_valid = st.one_of(
    _good_workspace,
    st.builds(_mutated, _good_workspace,
              st.sampled_from(['identifier', 'name', 'tags', 'projects', 'extra', 'p.identifier', 'p.name',
                               'p.tags', 'p.state', 'p.bindings', 'p.quota', 'p.platforms', 'p.colour']),
              _value))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_workspace, _nearly_valid))
def test_generated_workspaces_the_validator_accepts_the_schema_accepts(workspace):
    if validator_errors(workspace) == []:
        assert schema_errors(workspace) == [], workspace
    elif not any(fragment in ' '.join(validator_errors(workspace)) for _ws, fragment in VALIDATOR_ONLY):
        # a structural error: the schema must see it too
        assert schema_errors(workspace) != [], (workspace, validator_errors(workspace))
