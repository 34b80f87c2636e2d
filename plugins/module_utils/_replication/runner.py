# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The replication_report module run: merge the steps, write the JSON report, summarise."""

import datetime
import hashlib
import json
import os
import re

from ansible_collections.landingzone.openstack.plugins.module_utils._files import atomic_write
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.markdown import render
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.report import (
    STEP_ORDER,
    failure,
    human_summary,
    merge,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._rows import RowsFileError, read_rows, remove_rows_files
from ansible_collections.landingzone.openstack.plugins.module_utils._results import Status

# The module's options: its module and its action (in the controller's task process) check the same.
OPTIONS = dict(
    platform=dict(type='str', required=True),
    path=dict(type='path', required=True),
    steps=dict(type='dict', required=True),
    only_workspaces=dict(type='list', elements='str', default=[]),
)
PLAN_SUFFIX = '.plan'
FAILED_SUFFIX = '.failed'
MARKDOWN_EXT = '.md'
# A file name part of the workspaces of a partial view longer than this is replaced by a digest.
MAX_VIEW_NAME = 80
_UNSAFE = re.compile(r'[^A-Za-z0-9_.-]')


def report_path(path, check_mode, failed=False, only_workspaces=()):
    """Where the report goes: ``path`` holds the last real run of the whole platform that succeeded; a check run's
    plan, a failed run and a run limited to some workspaces land beside it, never over it."""
    path = os.path.abspath(path)
    stem, ext = os.path.splitext(path)
    if check_mode:
        return '%s%s%s' % (stem, PLAN_SUFFIX, ext or '.json')
    view = '.%s' % view_name(only_workspaces) if only_workspaces else ''
    return '%s%s%s%s' % (stem, view, FAILED_SUFFIX if failed else '', ext or '.json')


def view_name(workspaces):
    """The workspaces of a partial view as a file name part: sorted, joined by ``+``, a digest when long."""
    name = '+'.join(_UNSAFE.sub('_', w) for w in sorted(set(workspaces)))
    if len(name) <= MAX_VIEW_NAME:
        return name
    return 'workspaces-%s' % hashlib.sha256(name.encode('utf-8')).hexdigest()[:12]


def clear_failure(params):
    """After a good real run, the same view's ``.failed.json`` is stale: removed, so that a file's presence keeps
    meaning "the last run of this view failed" for whoever watches it. Returns the removed path or None."""
    stale = report_path(params['path'], False, failed=True, only_workspaces=params.get('only_workspaces'))
    try:
        os.remove(stale)
    except FileNotFoundError:
        return None
    return stale


def run_module(module):
    params = module.params
    # a step given a rows file left its rows there (_rows.py): read back, refused when another run rewrote it
    try:
        steps = dict((name, read_rows(name, result)) for name, result in params['steps'].items())
    except RowsFileError as exc:
        module.fail_json(msg=str(exc))
    names = [s for s in STEP_ORDER if s in steps] + sorted(s for s in steps if s not in STEP_ORDER)
    report = merge([(name, steps[name]) for name in names], check_mode=module.check_mode)
    report['platform'] = params['platform']
    report['failure'] = failure(report, params['platform'])
    report['generated_at'] = datetime.datetime.now(datetime.timezone.utc).isoformat()
    path = report_path(params['path'], module.check_mode, failed=report['failure'] is not None,
                       only_workspaces=params.get('only_workspaces'))
    report['path'] = path
    atomic_write(path, json.dumps(report, indent=2, sort_keys=True) + '\n', move=module.atomic_move)
    remove_rows_files(params['steps'])
    cleared = None if module.check_mode or report['failure'] else clear_failure(params)
    markdown_path = None
    if module.check_mode:
        # the plan a CI job posts on a pull request, beside the JSON plan
        markdown_path = os.path.splitext(path)[0] + MARKDOWN_EXT
        atomic_write(markdown_path, render(report, params['platform']), move=module.atomic_move)
    failed = [row['tenant'] for row in report['tenants'] if row['status'] == Status.FAILED]
    module.exit_json(changed=False, summary=report['summary'], path=path, markdown_path=markdown_path,
                     failed_tenants=failed,
                     failed_steps=report['summary']['failed_steps'], settings=report['settings'],
                     failure=report['failure'],
                     requests=report['requests'], cleared_failure=cleared,
                     lines=human_summary(params['platform'], report))
