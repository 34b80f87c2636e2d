# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The replication report: one row per tenant merging what each replication step returned, pure.

Each step (tenants, access, quotas) returns rows ``{tenant, name, project_id, status, changes,
remarks}``; the report keeps, per tenant, every change and remark with the step it came from, and
the worst status (failed > changed > remarks > ok).
"""

from ansible_collections.landingzone.openstack.plugins.module_utils._results import STATUS_RANK, summary as status_counts

STEP_ORDER = ('tenants', 'access', 'quotas')


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
    summary = status_counts(rows)
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
