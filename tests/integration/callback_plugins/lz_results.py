# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: write every task result and the play recap to $LZ_RESULTS_FILE as JSON.

ansible-core no longer ships a json stdout callback; the tests need the modules' structured
results next to the normal, human-readable output.
"""

DOCUMENTATION = r'''
name: lz_results
type: aggregate
short_description: write task results and stats to a JSON file (tests only)
description:
  - Writes every task result and the play recap as JSON to the file named by E(LZ_RESULTS_FILE).
requirements:
  - enabled in C(callbacks_enabled)
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'lz_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.tasks = []

    def _record(self, result, status):
        data = self._clean(result._result)
        data.setdefault('failed', status == 'failed')
        self.tasks.append(dict(task=result._task.get_name(), host=result._host.get_name(),
                               status=status, result=data))

    @staticmethod
    def _clean(data):
        return json.loads(json.dumps(data, default=str))

    def v2_runner_on_ok(self, result, **kwargs):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False, **kwargs):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result, **kwargs):
        self._record(result, 'skipped')

    def v2_runner_on_unreachable(self, result, **kwargs):
        self._record(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        summary = dict((host, stats.summarize(host)) for host in sorted(stats.processed))
        path = os.environ.get('LZ_RESULTS_FILE')
        if path:
            with open(path, 'w') as handle:
                json.dump(dict(tasks=self.tasks, stats=summary), handle)
