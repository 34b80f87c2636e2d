# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's result does not echo the inventory back as ``invocation`` (issue 29: at 1,000 tenants
the echo is 0.6 MB that Ansible decodes, pickles and keeps per task); other options stay as given."""

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.landingzone.openstack.plugins.module_utils._module import LandingZoneModule, summarized

WORKSPACES = [{'identifier': 'w%d' % i, 'projects': [{'identifier': 'p'}]} for i in range(3)]


def finished(capsys, params, failing=False):
    with patch_module_args(params):
        module = LandingZoneModule(inventory=True, isolation=True)
        with pytest.raises(SystemExit):
            if failing:
                module.fail('bad')
            module.exit_json(changed=False)
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize('failing', [False, True])
def test_the_inventory_options_are_summarized_in_the_invocation(capsys, failing):
    result = finished(capsys, dict(platform='east', landing_zones={'default': {}}, workspaces=WORKSPACES,
                                   only_workspaces=['w1'], previous_steps={'tenants': {'tenants': []}}), failing)
    args = result['invocation']['module_args']
    assert args['workspaces'] == '(3 items, not echoed)'
    assert args['landing_zones'] == '(1 keys, not echoed)'
    assert args['previous_steps'] == '(1 keys, not echoed)'
    # what is small and says what the run did stays as given
    assert args['platform'] == 'east' and args['only_workspaces'] == ['w1'] and args['shard'] == {}
    assert 'w0' not in json.dumps(result)


def test_a_value_that_is_not_a_collection_is_shown_as_given():
    # the validation names a workspaces value of the wrong type: the invocation must show it too
    assert summarized('workspaces', 'oops') == 'oops'
    assert summarized('workspace_files', None) is None
    assert summarized('platform', ['a']) == ['a']


def test_the_inventory_as_one_json_text_is_summarized_and_decoded():
    """The replicate role passes the workspaces as one JSON text (ansible-core 2.19+ copies a structure into every
    task's arguments): not echoed either, and the validation sees the list it holds."""
    from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import inventory_of, json_list
    text = json.dumps(WORKSPACES)
    assert summarized('workspaces', text) == '(JSON text of %d characters, not echoed)' % len(text)
    assert inventory_of(dict(landing_zones={}, workspaces=text))['workspaces'] == WORKSPACES
    # anything else is left for the validation to name, as given
    assert json_list('[not json') == '[not json' and json_list('{"a": 1}') == '{"a": 1}' and json_list(' [1]') == [1]
    assert json_list(WORKSPACES) is WORKSPACES


def test_the_reports_step_results_are_summarized(capsys):
    """replication_report takes every step's result, every tenant's row (6 MB at 10,000 tenants): echoed back, Ansible
    spent seconds on it after the report was written."""
    rows = [{'tenant': 'w%d/p' % i, 'status': 'ok'} for i in range(3)]
    with patch_module_args(dict(platform='east', path='/tmp/r.json', steps={'tenants': {'tenants': rows}})):
        module = LandingZoneModule(argument_spec=dict(platform=dict(type='str'), path=dict(type='path'),
                                                      steps=dict(type='dict')))
        with pytest.raises(SystemExit):
            module.exit_json(changed=False)
    result = json.loads(capsys.readouterr().out)
    assert result['invocation']['module_args']['steps'] == '(1 keys, not echoed)'
    assert 'w0/p' not in json.dumps(result)
