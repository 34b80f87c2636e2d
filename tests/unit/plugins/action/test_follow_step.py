# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""follow_step's reading of the async job file and of the step's status file (the loop itself runs in
tests/integration/test_replicate_progress.py, against the local cloud)."""

import json

from ansible_collections.landingzone.openstack.plugins.action.follow_step import job_state, status_line


def write(path, data):
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


def test_the_job_runs_until_async_wrapper_replaces_its_start_with_the_result(tmp_path):
    job = tmp_path / 'j1'
    assert job_state(str(job)) == 'missing'
    assert job_state(write(job, {'started': 1, 'finished': 0, 'ansible_job_id': 'j1'})) == 'running'
    # the module's result has no "started": finished, whether it succeeded or failed
    assert job_state(write(job, {'changed': False, 'tenants': []})) == 'finished'
    assert job_state(write(job, {'failed': True, 'msg': 'boom'})) == 'finished'
    assert job_state(write(job, {'started': 1, 'finished': 1})) == 'finished'
    # what cannot be read yet is taken for running (async_status then decides)
    assert job_state(write(job, '')) == 'running'


def test_the_line_is_the_status_files_while_the_step_runs(tmp_path):
    status = tmp_path / 'status.json'
    assert status_line(str(status), 'tenants') == 'tenants step: starting'
    write(status, {'line': 'tenants step: writing, 3 of 9 writes', 'finished': False})
    assert status_line(str(status), 'tenants') == 'tenants step: writing, 3 of 9 writes'
    # a finished status is the last run's, left before this run's module wrote its first
    write(status, {'line': 'tenants step: writing, 9 of 9 writes', 'finished': True})
    assert status_line(str(status), 'tenants') == 'tenants step: starting'
    write(status, '{not json')
    assert status_line(str(status), 'access') == 'access step: starting'
