# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reports are never lost (issue 24): a failed run, an invalid inventory and a run limited to some workspaces write
beside the last good <platform>.json, never over it."""

import json

from ansible_collections.landingzone.openstack.plugins.module_utils._replication import runner
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.runner import report_path, view_name


def test_each_kind_of_run_has_its_own_file(tmp_path):
    real = str(tmp_path / 'fra1.json')
    assert report_path(real, False) == real
    assert report_path(real, False, failed=True) == str(tmp_path / 'fra1.failed.json')
    assert report_path(real, False, only_workspaces=['shop', 'acme']) == str(tmp_path / 'fra1.acme+shop.json')
    assert report_path(real, False, failed=True, only_workspaces=['shop']) == str(tmp_path / 'fra1.shop.failed.json')
    assert report_path(real, True, failed=True, only_workspaces=['shop']) == str(tmp_path / 'fra1.plan.json')


def test_a_long_or_odd_view_name_stays_a_file_name():
    assert view_name(['a/b', 'c d']) == 'a_b+c_d'
    long_name = view_name(['workspace-%02d' % i for i in range(20)])
    assert long_name.startswith('workspaces-') and len(long_name) == len('workspaces-') + 12


class Module:
    check_mode = False

    def __init__(self, params):
        self.params = params
        self.exit = None

    def atomic_move(self, src, dst):
        import os
        os.replace(src, dst)

    def exit_json(self, **result):
        self.exit = result


def write(tmp_path, steps, only_workspaces=()):
    module = Module(dict(platform='fra1', path=str(tmp_path / 'fra1.json'), steps=steps,
                         only_workspaces=list(only_workspaces)))
    runner.run_module(module)
    return module.exit


def test_a_failed_and_an_invalid_run_leave_the_last_good_report_as_it_was(tmp_path):
    ok = write(tmp_path, dict(validation=dict(requests=dict(total=0), tenants=[]), tenants=dict(tenants=[])))
    assert ok['path'] == str(tmp_path / 'fra1.json') and ok['failure'] is None
    good = (tmp_path / 'fra1.json').read_text()
    invalid = write(tmp_path, dict(validation=dict(failed=True, msg='invalid inventory', requests=dict(total=0),
                                                   errors=[dict(path='workspaces[0].name', message='too long')])))
    assert invalid['path'] == str(tmp_path / 'fra1.failed.json') and invalid['failure']
    refused = write(tmp_path, dict(validation=dict(requests=dict(total=0), tenants=[]),
                                   tenants=dict(failed=True, msg='refusing to write: ...')))
    assert refused['path'] == str(tmp_path / 'fra1.failed.json')
    assert json.loads((tmp_path / 'fra1.failed.json').read_text())['failure'].startswith('tenants step failed: refusing')
    partial = write(tmp_path, dict(validation=dict(requests=dict(total=0), tenants=[]), tenants=dict(tenants=[])),
                    only_workspaces=['shop'])
    assert partial['path'] == str(tmp_path / 'fra1.shop.json')
    assert (tmp_path / 'fra1.json').read_text() == good


def test_a_good_run_clears_its_own_view_stale_failure_only(tmp_path):
    steps = dict(validation=dict(requests=dict(total=0), tenants=[]), tenants=dict(tenants=[]))
    failing = dict(validation=dict(requests=dict(total=0), tenants=[]), tenants=dict(failed=True, msg='refused'))
    write(tmp_path, failing)
    write(tmp_path, failing, only_workspaces=['shop'])
    assert (tmp_path / 'fra1.failed.json').exists() and (tmp_path / 'fra1.shop.failed.json').exists()
    partial = write(tmp_path, steps, only_workspaces=['shop'])
    assert partial['cleared_failure'] == str(tmp_path / 'fra1.shop.failed.json')
    assert not (tmp_path / 'fra1.shop.failed.json').exists()
    assert (tmp_path / 'fra1.failed.json').exists(), 'a partial view never speaks for the whole platform'
    whole = write(tmp_path, steps)
    assert whole['cleared_failure'] == str(tmp_path / 'fra1.failed.json')
    assert not (tmp_path / 'fra1.failed.json').exists()
    assert write(tmp_path, steps)['cleared_failure'] is None
