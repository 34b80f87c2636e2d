# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""follow_step's reading of the async job file and of the step's status file (the loop itself runs in
tests/integration/test_replicate_progress.py, against the local cloud)."""

import json
import os
import subprocess
import sys
import time

from ansible_collections.landingzone.openstack.plugins.action.follow_step import (
    job_state,
    process_alive,
    status_line,
    step_gone,
)


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


def test_a_step_is_gone_when_this_jobs_module_ended_or_its_process_is_gone(tmp_path):
    job = write(tmp_path / 'j1', {'started': 1, 'finished': 0, 'ansible_job_id': 'j1'})
    status = tmp_path / 'status.json'
    running = {'line': 'tenants step: reading Keystone', 'finished': False, 'pid': 4242}
    # no status of this job yet: nothing told
    assert step_gone(job, str(status), alive=lambda pid: False) is None
    write(status, running)
    assert step_gone(job, str(status), alive=lambda pid: True) is None
    gone = step_gone(job, str(status), alive=lambda pid: False)
    assert 'pid 4242' in gone and 'tenants step: reading Keystone' in gone
    # the module ended (its exit handler wrote finished): async_wrapper writes the result at once, if it runs
    write(status, dict(running, finished=True))
    assert 'module (pid 4242) ended' in step_gone(job, str(status), alive=lambda pid: True)


def test_the_last_runs_status_or_one_without_pid_tells_nothing(tmp_path):
    status = write(tmp_path / 'status.json', {'line': 'tenants step: planning', 'finished': False, 'pid': 4242})
    job = tmp_path / 'j1'
    write(job, {'started': 1, 'finished': 0, 'ansible_job_id': 'j1'})
    # the status file is older than the job file: the last run's, left by a run that was killed
    os.utime(status, (os.stat(str(job)).st_mtime - 5,) * 2)
    assert step_gone(str(job), status, alive=lambda pid: False) is None
    write(tmp_path / 'status.json', {'line': 'tenants step: planning', 'finished': True})
    assert step_gone(str(job), status, alive=lambda pid: False) is None
    assert step_gone(str(tmp_path / 'missing'), status, alive=lambda pid: False) is None


def test_a_process_is_alive_until_it_ended():
    assert process_alive(os.getpid()) is True
    child = subprocess.Popen([sys.executable, '-c', 'pass'])
    child.wait()
    assert process_alive(child.pid) is False
    zombie = subprocess.Popen([sys.executable, '-c', 'pass'])
    deadline = time.monotonic() + 10
    # not reaped yet: a zombie, which is no running step
    while time.monotonic() < deadline and process_alive(zombie.pid):
        time.sleep(0.05)
    assert process_alive(zombie.pid) is False
    zombie.wait()
