# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The replication report: one row per tenant merging what each replication step returned.

Each step (tenants, access, quotas) returns rows ``{tenant, name, project_id, status, changes,
remarks}``; the report keeps, per tenant, every change and remark with the step it came from, and
the worst status (failed > changed > remarks > ok).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import tempfile

STATUS_RANK = {'ok': 0, 'remarks': 1, 'changed': 2, 'failed': 3}


class TenantResult(object):
    """What happened (or would happen) to one tenant in one step; one row of the report.

    Status: ``failed`` when an error remark was made, else ``changed`` when there are changes,
    else ``remarks`` when there are remarks, else ``ok``.
    """

    def __init__(self, key, name):
        self.key = key
        self.name = name
        self.project_id = None
        self._changes = []
        self.remarks = []
        self.errors = []

    @property
    def changes(self):
        return self._changes

    def remark(self, code, message, severity='warning', **extra):
        entry = dict(code=code, message=message, severity=severity)
        entry.update((k, v) for k, v in extra.items() if v)
        self.remarks.append(entry)

    def fail(self, code, message, **extra):
        self.remark(code, message, severity='error', **extra)
        self.errors.append(message)

    @property
    def status(self):
        if self.errors:
            return 'failed'
        if self.changes:
            return 'changed'
        if self.remarks:
            return 'remarks'
        return 'ok'

    def as_dict(self):
        return dict(tenant=self.key, name=self.name, project_id=self.project_id,
                    status=self.status, changes=list(self.changes), remarks=list(self.remarks))


def exit_with_rows(module, result, platform):
    """End a per-tenant module run: exit_json, or fail_json naming the failed tenants.

    A failed tenant fails the task (and the platform, visibly), with every row still returned.
    """
    failed = [row['tenant'] for row in result['tenants'] if row['status'] == 'failed']
    if failed:
        result['msg'] = '%d tenant(s) failed on platform %s: %s' % (
            len(failed), platform, ', '.join(failed[:20]))
        module.fail_json(**result)
    module.exit_json(**result)


def merge(steps):
    """``steps``: list of (step name, module result or None). Returns the report dict."""
    tenants = {}
    order = []
    orphans = []
    requests = {}
    errors = []
    for step, result in steps:
        if not result:
            continue
        if result.get('skipped'):
            continue
        requests[step] = (result.get('requests') or {}).get('total', 0)
        if result.get('errors'):
            errors.extend(dict(e, step=step) for e in result['errors'])
        if result.get('failed') and not result.get('tenants'):
            errors.append(dict(step=step, path=None, message=result.get('msg', 'failed')))
        for row in result.get('tenants') or []:
            key = row['tenant']
            if key not in tenants:
                order.append(key)
                tenants[key] = dict(tenant=key, name=row.get('name'), project_id=None,
                                    status='ok', changes=[], remarks=[])
            merged = tenants[key]
            merged['project_id'] = merged['project_id'] or row.get('project_id')
            if STATUS_RANK.get(row.get('status'), 0) > STATUS_RANK[merged['status']]:
                merged['status'] = row['status']
            merged['changes'].extend('%s: %s' % (step, c) for c in row.get('changes') or [])
            merged['remarks'].extend(dict(r, step=step) for r in row.get('remarks') or [])
        for row in result.get('orphans') or []:
            orphans.append(dict(row, step=step))
    rows = [tenants[k] for k in order]
    summary = dict(ok=0, changed=0, remarks=0, failed=0)
    for row in rows:
        summary[row['status']] += 1
    summary['orphans'] = len(orphans)
    summary['remarks_total'] = sum(len(r['remarks']) for r in rows)
    return dict(summary=summary, tenants=rows, orphans=orphans, requests=requests, errors=errors)


def human_summary(platform, report, check_mode=False):
    s = report['summary']
    line = ('%s%s: %d tenants: %d changed, %d ok, %d with remarks, %d failed; %d orphans; '
            '%d requests' % ('[plan] ' if check_mode else '', platform, len(report['tenants']),
                             s['changed'], s['ok'], s['remarks'], s['failed'], s['orphans'],
                             sum(report['requests'].values())))
    lines = [line]
    for row in report['tenants']:
        for remark in row['remarks']:
            lines.append('  %s [%s] %s: %s' % (row['tenant'], remark.get('severity', 'warning'),
                                               remark.get('code'), remark.get('message')))
    for err in report['errors']:
        lines.append('  error %s: %s' % (err.get('path') or err.get('step'), err.get('message')))
    return lines


def write_json(path, data):
    """Write atomically: a reader (or a killed run) never sees half a report."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.report-')
    try:
        with os.fdopen(fd, 'w') as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write('\n')
        os.rename(tmp, path)
    except Exception:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
