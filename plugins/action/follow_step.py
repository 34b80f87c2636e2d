# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of landingzone.openstack.follow_step (its documentation: plugins/modules/follow_step.py): one task
follows an async replication step to its end, printing the step's status line every interval, and returns the
step's result as async_status gives it (docs/scale.md, "Progress")."""

from __future__ import annotations

import json
import os
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

display = Display()

# How often the job's file is looked at on the controller: the end of a step is seen within this.
CHECK_SECONDS = 0.2
# Without a local job file (another connection) the job is asked through async_status this often.
REMOTE_CHECK_SECONDS = 1.0
# How often a running step's process is looked for; a job file that still says running this long after the step's
# module ended or its process was seen gone will never hold a result (async_wrapper, which writes it at once, was
# lost with it): the task fails instead of waiting for ever.
LIVENESS_SECONDS = 2.0
LOST_AFTER_SECONDS = 30.0


def job_state(path):
    """'finished', 'running' or 'missing': what the async job file at ``path`` says (async_wrapper writes
    ``{"started": 1, "finished": 0, ...}`` while the module runs and replaces it whole, by a rename, with the
    module's result, which has no ``started``)."""
    try:
        with open(path) as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return 'missing'
    except (OSError, ValueError):
        return 'running'
    if not isinstance(data, dict) or 'started' not in data or data.get('finished'):
        return 'finished'
    return 'running'


def status_line(path, step):
    """The line of the step's status file (the module's ``progress_file``); ``<step> step: starting`` before the
    module wrote its first (a finished status is the last run's)."""
    try:
        with open(path) as handle:
            status = json.load(handle)
    except (OSError, ValueError):
        status = None
    if isinstance(status, dict) and status.get('line') and not status.get('finished'):
        return status['line']
    return '%s step: starting' % step


def process_alive(pid):
    """False when no process ``pid`` runs (none, or a zombie nobody reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open('/proc/%d/stat' % pid) as handle:
            # the state follows the ')' that closes the process name
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return True


def step_gone(job_file, status_file, alive=process_alive):
    """Why the step of the job can no longer write the job's result (its module ended, or its process is gone), or
    None while it may. Told by this job's status file only: one written before the job file (the last run's) or
    without a pid says nothing."""
    try:
        started = os.stat(job_file).st_mtime
        with open(status_file) as handle:
            written = os.fstat(handle.fileno()).st_mtime
            status = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(status, dict) or written < started or not isinstance(status.get('pid'), int):
        return None
    if status.get('finished'):
        return 'its module (pid %d) ended' % status['pid']
    if not alive(status['pid']):
        return 'its process (pid %d) is gone, ended at "%s"' % (status['pid'], status.get('line'))
    return None


class ActionModule(ActionBase):

    _supports_check_mode = True   # it reads the job; the step's own task decides what the module may write
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=dict(
            job=dict(type='dict', required=True),
            step=dict(type='str', required=True),
            status_file=dict(type='path', required=True),
            interval=dict(type='int', default=30),
        ))
        jid = args['job'].get('ansible_job_id')
        if not jid:
            raise AnsibleActionFail('job must be the registered result of the step started with async and poll 0 '
                                    '(it has no ansible_job_id)')
        async_dir = self._remote_expand_user(self.get_shell_option('async_dir', default='~/.ansible_async'))
        local = getattr(self._connection, 'transport', None) == 'local'
        job_file = args['job'].get('results_file') or os.path.join(async_dir, jid)
        host = (task_vars or {}).get('inventory_hostname', '')
        interval = max(args['interval'], 1)
        next_line = time.monotonic() + interval
        next_look, gone_since = time.monotonic() + LIVENESS_SECONDS, None
        while True:
            if local and job_state(job_file) == 'running':
                time.sleep(CHECK_SECONDS)
                if time.monotonic() >= next_look:
                    next_look = time.monotonic() + LIVENESS_SECONDS
                    gone = step_gone(job_file, args['status_file'])
                    gone_since = (gone_since or time.monotonic()) if gone else None
                    if gone and time.monotonic() - gone_since >= LOST_AFTER_SECONDS:
                        raise AnsibleActionFail(
                            'the %s step was lost: %s, and for %d s its job file %s has still said running (the '
                            'async_wrapper that writes its result is gone too). What it wrote before is in the cloud; '
                            'run again to converge.' % (args['step'], gone, LOST_AFTER_SECONDS, job_file))
            elif local:
                break   # finished, or missing: async_status says which below
            else:
                polled = self._async_status(jid, async_dir, task_vars)
                if polled.get('finished') or polled.get('failed'):
                    break
                time.sleep(REMOTE_CHECK_SECONDS)
            if time.monotonic() >= next_line:
                # the status file is the controller's: the role's modules run there (ansible_connection: local)
                line = status_line(args['status_file'], args['step']) if local else '%s step: running' % args['step']
                display.display('%s: %s' % (host, line))
                next_line += interval
        # the job's result through async_status, as a poll task gives it (warnings, diff, failure and all)
        result = merge_hash(result, self._async_status(jid, async_dir, task_vars))
        # the job file holds the step's whole result: not left in the async directory
        if local:
            try:
                os.unlink(job_file)
            except FileNotFoundError:
                pass
        else:
            self._execute_module(module_name='ansible.legacy.async_status', task_vars=task_vars,
                                 module_args=dict(jid=jid, mode='cleanup', _async_dir=async_dir))
        return result

    def _async_status(self, jid, async_dir, task_vars):
        polled = self._execute_module(module_name='ansible.legacy.async_status', task_vars=task_vars,
                                      module_args=dict(jid=jid, _async_dir=async_dir))
        polled.setdefault('ansible_job_id', jid)
        for key in ('started', 'finished'):
            polled[key] = bool(polled.get(key, key == 'started'))
        return polled
