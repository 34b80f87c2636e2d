# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress on long steps (docs/scale.md, "Progress"): with replicate_progress_interval the tenants
and access steps run async, print their status at the default verbosity while they run, and end
with the same results as plain tasks: changed counts, a failed tenant failing the play with its
message, the --check --diff plan, a second run that changes nothing. Against the local cloud's
Keystone through a proxy that answers the steps' first listings 2 s late, so that each step is still running at
its first poll on a quiet machine too; one platform replicated without progress, wiped, then with it."""

import functools
import json
import os
import re
import threading
import time

from ansible.release import __version__ as ansible_core
from faultproxy import FaultProxy, clouds_yaml_via, keystone_port
from helpers.keystone import recap, replicate, report, workspace
from helpers.processes import alive, command_line, kill_tree, parent

# 0: both steps on every run; 1: the tenants step on a run of 1 tenant or more, the access step when the tenants
# step created or changed 1 tenant or more
EVERY_RUN = dict(replicate_progress_interval=1, replicate_progress_tenants=0)
PROGRESS = dict(replicate_progress_interval=1, replicate_progress_tenants=1)
# follow_step prints '<platform host>: <the status file's line>' while the step runs
LINE = re.compile(r'^[^\s:]+: ((?:tenants|access) step: .*)$', re.M)
FORMAT = re.compile(r'^(tenants|access) step: (validating the inventory|reading Keystone|planning|starting'
                    r'|writing, \d+ of \d+ writes)(, \d+ tenant\(s\) failed so far)?(, \d+ s)?$')
FAIL_TASK = 'Fail the platform visibly when a step or a tenant failed'
# ansible-core 2.16 refuses async in check mode: there the role runs a check run's steps as plain tasks
CHECK_ASYNC = tuple(int(part) for part in ansible_core.split('.')[:2]) >= (2, 17)


def project(ident, user):
    return {'identifier': ident, 'name': ident.upper(), 'landing_zone': 'default',
            'bindings': [{'euid': user, 'role': 'admin'}, {'euid': user, 'role': 'reader'}]}


def progress_lines(run):
    return [m.group(1) for m in LINE.finditer(run.stdout)]


def outcome(run, platform):
    """What must not depend on progress: the recap's changed/failed/ignored counts and, per tenant,
    its status and each step's status, outcome and changes."""
    stats = recap(run, platform)
    rows = dict((r['tenant'], dict(status=r['status'], steps=dict(
        (name, (step.get('status'), step.get('outcome'), sorted(step.get('changes') or [])))
        for name, step in r['steps'].items()))) for r in report(run, platform)['tenants'])
    return dict(rc=run.rc, changed=stats['changed'], failures=stats['failures'], ignored=stats['ignored'],
                rows=rows, summary=report(run, platform)['summary'])


def status_file(run, platform, step):
    path = os.path.join(run.workdir, 'reports', '.%s.progress.%s.json' % (platform, step))
    with open(path) as handle:
        return json.load(handle)


def wipe(keystone, replicator):
    for proj in keystone.projects():
        for tag in proj.tags:
            if tag.startswith('lz-ws='):
                for grp in keystone.managed_groups(tag[len('lz-ws='):]):
                    replicator.identity.delete_group(grp['id'], ignore_missing=True)
        replicator.identity.update_project(proj, is_enabled=False)
        replicator.identity.delete_project(proj, ignore_missing=True)


def slow_listings(method, path, body):
    """The tenants step's project listing and the access step's role-assignment listing, 2 s late."""
    if method == 'GET' and (path.startswith('/v3/projects?') or path.startswith('/v3/role_assignments')):
        return 'delay'
    return None


def test_progress_lines_and_the_same_results_as_plain_tasks(keystone, replicator, platform, unique, make_user):
    with FaultProxy(keystone_port(), {}, delay=2.0, rule=slow_listings) as proxy:
        path = clouds_yaml_via(proxy.port, 'slow')
        try:
            check_progress(keystone, replicator, platform, unique, make_user,
                           functools.partial(replicate, lz_cloud='slow', env={'OS_CLIENT_CONFIG_FILE': path}))
        finally:
            os.unlink(path)
    assert proxy.counts['delay'] >= 8, proxy.counts


def check_progress(keystone, replicator, platform, unique, make_user, replicate):
    user = 'prog-%s' % unique
    make_user(user)
    one, two = 'g1%s' % unique, 'g2%s' % unique
    inventory = [workspace(one, [project('web', user), project('api', user)]),
                 workspace(two, [project('app', user), project('db', user)])]
    # a foreign project where one/web's would be: that tenant fails, the others go on
    foreign = replicator.identity.create_project(name='%s-web' % one, domain_id='default', description='not ours')
    try:
        plain = replicate(platform, inventory, replicate_progress_interval=0)
        assert progress_lines(plain) == [] and 'skip_reason' in plain['Follow the tenants step']
        expected = outcome(plain, platform)
        assert expected['rc'] != 0 and expected['failures'] == 1 and expected['changed'] >= 2, expected
        assert expected['rows']['%s/web' % one]['status'] == 'failed'
        wipe(keystone, replicator)
        assert keystone.project(two, 'app') is None

        planned = replicate(platform, inventory, check=True, diff=True, **EVERY_RUN)
        assert keystone.project(two, 'app') is None, 'check mode wrote'
        lines = progress_lines(planned)
        assert all(FORMAT.match(line) for line in lines) and bool(lines) == CHECK_ASYNC, lines
        # the --diff output is still shown, on the task that ends the step (Ansible shows no diff of a failed task:
        # the tenants step, failed by one/web, shows none, with or without progress)
        diff = planned.stdout[planned.stdout.index('+++ after'):]
        assert '%s/app' % two in diff[:diff.index('TASK [')]
        assert planned[FAIL_TASK]['msg'].startswith('replication of %s failed' % platform)
        with open(os.path.join(planned.workdir, 'reports', '%s.plan.json' % platform)) as handle:
            plan = json.load(handle)
        assert plan['summary']['failed'] == 1 and plan['summary']['changed'] == 3, plan['summary']

        run = replicate(platform, inventory, **PROGRESS)
        lines = progress_lines(run)
        assert any(line.startswith('access step: ') for line in lines), lines
        assert all(FORMAT.match(line) for line in lines), lines
        assert outcome(run, platform) == expected
        assert '%s/web (name_collision' % one in run[FAIL_TASK]['msg']
        # one/web failed in the tenants step's plan (the collision); the access step skipped it
        for step, failed in (('tenants', 1), ('access', 0)):
            final = status_file(run, platform, step)
            assert final['finished'] is True and final['failed_tenants'] == failed, final
        # the access step wrote its whole plan, and said so
        assert status_file(run, platform, 'access')['done'] == status_file(run, platform, 'access')['total'] > 0
        assert keystone.project(two, 'app') is not None

        again = replicate(platform, inventory, **PROGRESS)
        assert recap(again, platform)['changed'] == 0, recap(again, platform)
        assert recap(again, platform)['failures'] == 1
        # a no-op: the tenants step is followed (4 tenants), the access step (no tenant changed) is a plain task
        assert 'skip_reason' not in again['Follow the tenants step'] and 'skip_reason' in again['Follow the access step']
        assert again['Replicate access'].get('ansible_job_id') is None
    finally:
        replicator.identity.delete_project(foreign.id, ignore_missing=True)


def held_projects_listing(method, path, body):
    """The tenants step's project listing, answered only after the test is over."""
    if method == 'GET' and path.startswith('/v3/projects?'):
        return 'delay'
    return None


def step_wrapper(pid):
    """The topmost async_wrapper process above the step's module ``pid`` (its watchdog)."""
    top = None
    while pid and 'async_wrapper' in command_line(parent(pid) or 0):
        pid = top = parent(pid)
    return top


def test_a_step_whose_processes_are_lost_fails_the_run_instead_of_hanging(
        keystone, platform, unique, make_user, tmp_path):
    """The step's module and async_wrapper killed (nothing writes the job's result): the follow task ends the wait."""
    user = 'lost-%s' % unique
    make_user(user)
    workdir = str(tmp_path)
    status_path = os.path.join(workdir, 'reports', '.%s.progress.tenants.json' % platform)
    with FaultProxy(keystone_port(), {}, delay=600, rule=held_projects_listing) as proxy:
        path = clouds_yaml_via(proxy.port, 'held')
        runs = []
        runner = threading.Thread(target=lambda: runs.append(replicate(
            platform, [workspace('lost%s' % unique, [project('web', user)])], workdir=workdir, lz_cloud='held',
            env={'OS_CLIENT_CONFIG_FILE': path}, **EVERY_RUN)))
        runner.start()
        try:
            deadline, status = time.monotonic() + 180, {}
            while time.monotonic() < deadline and not (status.get('pid') and proxy.counts['delay']):
                time.sleep(0.2)
                try:
                    with open(status_path) as handle:
                        status = json.load(handle)
                except (OSError, ValueError):
                    status = {}
            assert status.get('pid') and proxy.counts['delay'], (status, proxy.counts, runs and runs[0].stdout)
            watchdog = step_wrapper(status['pid'])
            assert watchdog, 'no async_wrapper above the step module %d' % status['pid']
            tree = kill_tree(watchdog)
            assert status['pid'] in tree
            killed = time.monotonic()
            runner.join(240)
            assert not runner.is_alive(), 'the run still waits %d s after its step was lost' % (time.monotonic() - killed)
        finally:
            # a run that hangs is left to run_playbook's own timeout: the test does not wait for it
            runner.join(5)
            os.unlink(path)
    assert not [pid for pid in tree if alive(pid)]
    run = runs[0]
    assert run.rc != 0, run.stdout[-3000:]
    assert 'the tenants step was lost' in run['Follow the tenants step']['msg'], run['Follow the tenants step']
    assert 'pid %d' % status['pid'] in run['Follow the tenants step']['msg']
    assert run[FAIL_TASK]['msg'].startswith('replication of %s failed' % platform), run[FAIL_TASK]
    assert keystone.project('lost%s' % unique, 'web') is None
