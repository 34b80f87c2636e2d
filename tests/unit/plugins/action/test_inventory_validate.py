# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""inventory_validate's action: on a local connection the validation runs in the controller's task process and
returns what the module returns; on any other connection the module runs on the host."""

import gc
import json
from unittest import mock

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.landingzone.openstack.plugins.action import inventory_validate as action
from ansible_collections.landingzone.openstack.plugins.module_utils._module import GC_THRESHOLDS
from ansible_collections.landingzone.openstack.plugins.modules import inventory_validate as module
from ansible_collections.landingzone.openstack.plugins.plugin_utils._controller_module import ControllerModule

INVENTORY = dict(platform='local', platforms=['local', 'other'], landing_zones={'default': {}},
                 workspaces=[{'identifier': 'shop', 'projects': [{'identifier': 'web'}]},
                             {'identifier': 'bank', 'projects': [{'identifier': 'app', 'platforms': ['other']}]}])


def module_result(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def here(args):
    # as the task's result would travel: JSON
    return json.loads(json.dumps(action.validate_here(args)))


def comparable(result):
    """``result`` with its warnings as texts (ansible-core 2.19 and later encode a module's as objects, the task
    executor makes an action's texts the same objects) and the module's name as a real run gives it (the test
    runs the module as ``basic.py``)."""
    result = dict(result)
    result['warnings'] = [w['event']['msg'] if isinstance(w, dict) else w for w in result.get('warnings', [])]
    if 'msg' in result:
        result['msg'] = result['msg'].replace('(basic.py)', '(%s)' % action.MODULE)
    return result


@pytest.mark.parametrize('args', [
    INVENTORY,
    dict(INVENTORY, only_workspaces=['shop']),
    dict(INVENTORY, workspaces=[{'identifier': 'Shop', 'projects': [{'identifier': 'web', 'bindings': [{}]}]}]),
    dict(INVENTORY, cloud='replicator'),
    dict(INVENTORY, shard_hosts=[{'host': 'a', 'platform': 'local', 'shard': 0, 'shards': 2}]),
    dict(INVENTORY, sliced='maybe'),
], ids=['valid', 'limited', 'invalid', 'unsupported option', 'shard layout', 'wrong type'])
def test_the_action_returns_what_the_module_returns(args, capsys):
    expected = comparable(module_result(args, capsys))
    assert comparable(here(args)) == expected
    assert 'invocation' in expected


def test_the_rows_go_to_the_rows_file_as_in_the_module(tmp_path, capsys):
    expected = module_result(dict(INVENTORY, rows_file=str(tmp_path / 'module.json')), capsys)
    got = here(dict(INVENTORY, rows_file=str(tmp_path / 'action.json')))
    assert (tmp_path / 'action.json').read_text() == (tmp_path / 'module.json').read_text()
    assert got['rows_file']['sha256'] == expected['rows_file']['sha256']
    assert got['tenants'] == expected['tenants'] == []   # the validation's rows have no status: all in the file


def test_a_notice_is_a_warning_as_in_the_module(capsys):
    # an approval that approves nothing (8 cores need none): a stale approval, a notice, not an error
    args = dict(INVENTORY, quota_definitions={'compute.cores': {'max': 256, 'auto_approve_max': 32}},
                quota_approvals=[dict(workspace='shop', project='web', key='compute.cores', value=64,
                                      approved_by='lead')],
                workspaces=[{'identifier': 'shop', 'projects': [{'identifier': 'web', 'quota': {'compute.cores': 8}}]}])
    expected = comparable(module_result(args, capsys))
    got = comparable(here(args))
    assert [n['path'] for n in expected['notices']] == ['lz_quota_approvals[0]']
    # the module warns with each notice as "path: message" (once this test process imported controller code, a
    # module's warnings go to the display instead of its result: compared through the notices)
    assert got['warnings'] == ['%s: %s' % (n['path'], n['message']) for n in expected['notices']]
    assert 'stale approval' in got['warnings'][0]
    assert dict(got, warnings=None) == dict(expected, warnings=None)


@pytest.fixture
def controller_collector():
    """The controller's own thresholds (Python's default; a module run in this test process set the modules')."""
    kept = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield (700, 10, 10)
    gc.set_threshold(*kept)


def test_the_collector_is_left_as_it_was(controller_collector):
    before = controller_collector
    seen = []

    def analyse(*args, **kwargs):
        seen.append((gc.get_threshold(), gc.get_freeze_count() > 0))
        raise RuntimeError('a bug')

    with mock.patch.object(action, 'run_validate_module', analyse):
        with pytest.raises(RuntimeError, match='a bug'):
            action.validate_here(INVENTORY)
    assert seen == [(GC_THRESHOLDS, True)]
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_spec_with_secrets_is_refused():
    with pytest.raises(ValueError, match='options auth are secrets'):
        ControllerModule({}, dict(auth=dict(type='dict', no_log=True)), action.MODULE)


def make_action(transport, args, check_mode=False, become=False):
    task = mock.MagicMock(args=args, async_val=0, check_mode=check_mode, action=action.MODULE)
    connection = mock.MagicMock(transport=transport)
    return action.ActionModule(task, connection, mock.MagicMock(become=become), loader=None, templar=None,
                               shared_loader_obj=None)


def test_on_a_local_connection_no_module_runs(capsys):
    plugin = make_action('local', INVENTORY)
    with mock.patch.object(plugin, '_execute_module', side_effect=AssertionError('no module on local')):
        result = plugin.run(task_vars={})
    assert result['tenants'] == module_result(INVENTORY, capsys)['tenants']


@pytest.mark.parametrize('transport, become', [('ssh', False), ('local', True)])
def test_on_another_connection_or_with_become_the_module_runs_on_the_host(transport, become):
    plugin = make_action(transport, INVENTORY, become=become)
    answer = dict(changed=False, tenants=[], requests=dict(total=0))
    with mock.patch.object(plugin, '_execute_module', return_value=answer) as execute, \
            mock.patch.object(plugin, '_remove_tmp_path'):
        result = plugin.run(task_vars={})
    execute.assert_called_once_with(module_name=action.MODULE, module_args=INVENTORY, task_vars={})
    assert result['tenants'] == [] and result['requests'] == {'total': 0}
