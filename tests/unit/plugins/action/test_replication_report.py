# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""replication_report's action: on a local connection the report is merged and written in the controller's task
process, the same files and the same result as the module's; on any other connection the module runs on the host."""

import json
import os
import stat
from unittest import mock

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.landingzone.openstack.plugins.action import replication_report as action
from ansible_collections.landingzone.openstack.plugins.module_utils._rows import write_rows
from ansible_collections.landingzone.openstack.plugins.modules import replication_report as module


def row(tenant, status='ok'):
    return dict(tenant=tenant, name=tenant.replace('/', '-'), project_id='p-' + tenant, status=status, changes=[],
                remarks=[])


def steps(tmp_path, tag, failed=False):
    """A validation and a tenants step, the tenants' rows in a rows file as the replicate role has them."""
    validation = dict(changed=False, requests=dict(total=0),
                      tenants=[dict(tenant=k, name=k.replace('/', '-'), state='present') for k in ('a/x', 'a/y')])
    tenants = dict(changed=True, requests=dict(total=4, by_method=dict(GET=2, POST=2)),
                   tenants=[row('a/x', 'changed'), row('a/y', 'failed' if failed else 'ok')])
    write_rows(str(tmp_path / ('rows-%s.json' % tag)), tenants)
    return dict(validation=validation, tenants=tenants, access=None)


def module_result(args, capsys, check_mode=False):
    with patch_module_args(dict(args, _ansible_check_mode=check_mode)):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def comparable(result, tmp_path, tag):
    """``result`` with the run's own paths and time made the same."""
    text = json.dumps(result).replace(str(tmp_path / tag), 'REPORTS').replace(str(tmp_path / ('rows-%s.json' % tag)),
                                                                              'ROWS')
    result = json.loads(text)
    result.pop('invocation', None)
    return result


def report_file(path):
    with open(path) as handle:
        report = json.load(handle)
    report.pop('generated_at')
    return report


@pytest.mark.parametrize('check_mode, failed, only', [(False, False, []), (True, False, []), (False, True, []),
                                                      (False, False, ['a'])],
                         ids=['run', 'check', 'failed tenant', 'one workspace'])
def test_the_action_writes_and_returns_what_the_module_does(tmp_path, capsys, check_mode, failed, only):
    results = {}
    for tag in ('module', 'action'):
        args = dict(platform='east', path=str(tmp_path / tag / 'east.json'), steps=steps(tmp_path, tag, failed),
                    only_workspaces=only)
        if tag == 'module':
            results[tag] = module_result(args, capsys, check_mode)
        else:
            results[tag] = json.loads(json.dumps(action.report_here(args, check_mode=check_mode)))
        # the rows file was read back and removed
        assert not os.path.exists(str(tmp_path / ('rows-%s.json' % tag)))
    assert comparable(results['action'], tmp_path, 'action') == comparable(results['module'], tmp_path, 'module')
    assert results['action']['invocation']['module_args']['steps'] == '(3 keys, not echoed)'
    written = sorted(os.listdir(str(tmp_path / 'action')))
    assert written == sorted(os.listdir(str(tmp_path / 'module'))) and written
    for name in written:
        texts = {}
        for tag in ('module', 'action'):
            path = str(tmp_path / tag / name)
            if name.endswith('.json'):
                texts[tag] = json.dumps(report_file(path), sort_keys=True).replace(str(tmp_path / tag), 'R')
            else:
                with open(path) as handle:
                    texts[tag] = handle.read().replace(str(tmp_path / tag), 'R')
        assert texts['action'] == texts['module'], name
    assert (results['action']['failure'] is None) is (not failed)
    expected = 'east.a.json' if only else {(False, False): 'east.json', (True, False): 'east.plan.json',
                                           (False, True): 'east.failed.json'}[check_mode, failed]
    assert written == sorted([expected] + (['east.plan.md'] if check_mode else []))


def test_a_report_file_keeps_its_mode(tmp_path):
    path = tmp_path / 'east.json'
    path.write_text('{}')
    os.chmod(str(path), 0o640)
    result = action.report_here(dict(platform='east', path=str(path), steps=steps(tmp_path, 'x')))
    assert result['path'] == str(path) and stat.S_IMODE(os.stat(str(path)).st_mode) == 0o640
    assert report_file(str(path))['platform'] == 'east'


def test_a_rows_file_another_run_rewrote_fails_as_in_the_module(tmp_path, capsys):
    for tag in ('module', 'action'):
        given = steps(tmp_path, tag)
        (tmp_path / ('rows-%s.json' % tag)).write_text('[]')
        args = dict(platform='east', path=str(tmp_path / tag / 'east.json'), steps=given)
        result = module_result(args, capsys) if tag == 'module' else action.report_here(args)
        assert result['failed'] is True and 'is not the one the step wrote' in result['msg'], result
        assert not os.path.exists(str(tmp_path / tag / 'east.json'))


def test_wrong_arguments_fail_as_in_the_module(tmp_path, capsys):
    args = dict(platform='east', path=str(tmp_path / 'east.json'), steps={}, colour='blue')
    expected = module_result(args, capsys)['msg'].replace('(basic.py)', '(%s)' % action.MODULE)
    assert action.report_here(args)['msg'] == expected


def make_action(transport, args, become=False):
    task = mock.MagicMock(args=args, async_val=0, check_mode=False, action=action.MODULE)
    connection = mock.MagicMock(transport=transport)
    return action.ActionModule(task, connection, mock.MagicMock(become=become), loader=None, templar=None,
                               shared_loader_obj=None)


def test_on_a_local_connection_no_module_runs(tmp_path):
    args = dict(platform='east', path=str(tmp_path / 'east.json'), steps=steps(tmp_path, 'x'))
    plugin = make_action('local', args)
    with mock.patch.object(plugin, '_execute_module', side_effect=AssertionError('no module on local')):
        result = plugin.run(task_vars={})
    assert (result['summary']['ok'], result['summary']['changed']) == (1, 1) and os.path.exists(str(tmp_path / 'east.json'))


@pytest.mark.parametrize('transport, become', [('ssh', False), ('local', True)])
def test_on_another_connection_or_with_become_the_module_runs_on_the_host(tmp_path, transport, become):
    args = dict(platform='east', path=str(tmp_path / 'east.json'), steps={})
    plugin = make_action(transport, args, become=become)
    answer = dict(changed=False, summary=dict(ok=0))
    with mock.patch.object(plugin, '_execute_module', return_value=answer) as execute, \
            mock.patch.object(plugin, '_remove_tmp_path'):
        result = plugin.run(task_vars={})
    execute.assert_called_once_with(module_name=action.MODULE, module_args=args, task_vars={})
    assert result['summary'] == {'ok': 0} and not os.path.exists(str(tmp_path / 'east.json'))
