# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the collection the way a platform engineer does: ansible-playbook with an inventory.

`run_playbook` writes an inventory (one platform host, local connection, this venv's Python) and
a playbook into a temporary directory, runs `ansible-playbook` and
returns the exit code and, per task name, the host's result (collected by the test-only
callback tests/integration/callback_plugins/lz_results.py). Tests assert on those results and on
what the real cloud lists afterwards.
"""

import json
import os
import subprocess
import sys
import tempfile

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CALLBACKS = os.path.join(REPO_ROOT, 'tests', 'integration', 'callback_plugins')
COLLECTIONS = os.path.join(REPO_ROOT, 'build', 'collections')
BIN = os.path.dirname(sys.executable)


def ensure_collection_link():
    link = os.path.join(COLLECTIONS, 'ansible_collections', 'landingzone', 'openstack')
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        try:
            os.symlink(REPO_ROOT, link)
        except FileExistsError:   # another xdist worker made it first
            pass
    return COLLECTIONS


class PlaybookRun:
    """One ansible-playbook run: ``run[task]`` is the (first) platform host's result of that task;
    ``run.host(name)`` the same view of another host of a run over several platforms."""

    def __init__(self, rc, by_host, stats, stdout, stderr, workdir, host):
        self.rc = rc
        self.by_host = by_host      # host -> task name -> result dict
        self._stats = stats         # host -> play recap counts
        self.stdout = stdout
        self.stderr = stderr
        self.workdir = workdir
        self.results = by_host.get(host, {})

    def __getitem__(self, task_name):
        return self.results[task_name]

    def host(self, name):
        return PlaybookRun(self.rc, self.by_host, self._stats, self.stdout, self.stderr, self.workdir, name)

    @property
    def changed(self):
        return any(r.get('changed') for r in self.results.values())

    def stats(self, host='local'):
        return self._stats.get(host, {})


def run_playbook(tasks=None, host_vars=None, group_vars=None, playbook=None, check=False,
                 diff=False, extra_args=(), env=None, host='local', workdir=None, timeout=1800, hosts=None):
    """Run ``tasks`` (a list of task dicts) or a ``playbook`` path on one platform host, or on each
    of ``hosts`` (host name -> its host vars; the run's results are then those of the first one).

    ``group_vars`` become the inventory's ``all`` vars (landing_zones, workspaces, ...).
    Returns a PlaybookRun; ``run.rc`` is ansible-playbook's exit code.
    """
    workdir = workdir or tempfile.mkdtemp(prefix='lz-play-')
    hosts = hosts or {host: host_vars}
    host = next(iter(hosts))
    platforms = {}
    for name, own in hosts.items():
        platforms[name] = dict(ansible_connection='local', ansible_python_interpreter=sys.executable,
                               lz_cloud='replicator', lz_metering_cloud='metering')
        platforms[name].update(own or {})
    inventory = {'all': {'vars': group_vars or {},
                         'children': {'platforms': {'hosts': platforms}}}}
    inv_path = os.path.join(workdir, 'inventory.yml')
    with open(inv_path, 'w') as handle:
        yaml.safe_dump(inventory, handle)
    if playbook is None:
        playbook = os.path.join(workdir, 'play.yml')
        with open(playbook, 'w') as handle:
            yaml.safe_dump([{'name': 'test play', 'hosts': 'platforms', 'gather_facts': False,
                             'tasks': tasks}], handle, sort_keys=False)
    run_env = dict(os.environ)
    run_env.update(ANSIBLE_COLLECTIONS_PATH=ensure_collection_link(),
                   ANSIBLE_CALLBACK_PLUGINS=CALLBACKS,
                   ANSIBLE_CALLBACKS_ENABLED='lz_results',
                   LZ_RESULTS_FILE=os.path.join(workdir, 'results.json'),
                   ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
                   ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='false')
    run_env.update(env or {})
    cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', inv_path, playbook]
    if check:
        cmd.append('--check')
    if diff:
        cmd.append('--diff')
    cmd.extend(extra_args)
    proc = subprocess.run(cmd, cwd=workdir, env=run_env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    by_host, stats = {}, {}
    try:
        with open(run_env['LZ_RESULTS_FILE']) as handle:
            data = json.load(handle)
    except (IOError, ValueError):
        data = None
    if data:
        for task in data['tasks']:
            results = by_host.setdefault(task['host'], {})
            # role tasks are named '<role> : <task>'; index them by both names
            results[task['task']] = task['result']
            results[task['task'].split(' : ', 1)[-1]] = task['result']
        stats = data['stats']
    return PlaybookRun(proc.returncode, by_host, stats, proc.stdout, proc.stderr, workdir, host)
