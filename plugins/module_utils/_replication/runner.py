# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The replication_report module run: merge the steps, write the JSON report, summarise."""

import datetime
import json
import os

from ansible_collections.landingzone.openstack.plugins.module_utils._files import atomic_write
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.report import (
    STEP_ORDER,
    human_summary,
    merge,
)


def run_module(module):
    params = module.params
    steps = params['steps']
    names = [s for s in STEP_ORDER if s in steps] + sorted(s for s in steps if s not in STEP_ORDER)
    report = merge([(name, steps[name]) for name in names])
    report['platform'] = params['platform']
    report['check_mode'] = module.check_mode
    report['generated_at'] = datetime.datetime.now(datetime.timezone.utc).isoformat()
    path = os.path.abspath(params['path'])
    atomic_write(path, json.dumps(report, indent=2, sort_keys=True) + '\n', move=module.atomic_move)
    failed = [row['tenant'] for row in report['tenants'] if row['status'] == 'failed']
    module.exit_json(changed=False, summary=report['summary'], path=path, failed_tenants=failed,
                     lines=human_summary(params['platform'], report, module.check_mode))
