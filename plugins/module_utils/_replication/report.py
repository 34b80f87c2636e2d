# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The replication report: one row per tenant merging what each replication step returned, pure.

Each step (tenants, access, quotas) returns rows ``{tenant, name, project_id, status, changes,
remarks}``; the report keeps, per tenant, every step with its outcome (``ran``, ``skipped`` with
the reason, ``failed`` when the step failed as a whole, ``not_run`` when it never started,
``not_applicable`` when the step does not handle the tenant), every change and remark with the
step it came from, and the worst status (failed > skipped > changed > remarks > ok). The tenants
are those the validation step listed, so a step that failed before returning rows still fails
every tenant in the counts. docs/replication.md shows the format.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils._results import (
    STATUS_RANK,
    Status,
    Text,
    failure_message,
    first_error,
    summary as status_counts,
)

VALIDATION = 'validation'
STEP_ORDER = (VALIDATION, 'tenants', 'access', 'quotas')
PLANNED = 'planned: '
# Platform-level rows a step returns beside its tenants (the quota step's registered limits).
SETTINGS = ('registered_limits',)


class Outcome(Text):
    """What became of a step, for the run and for each tenant."""

    RAN = 'ran'
    SKIPPED = 'skipped'                 # the step left the tenant alone: an earlier step failed it
    FAILED = 'failed'                   # the step failed as a whole
    NOT_RUN = 'not_run'                 # never started, or turned off
    NOT_APPLICABLE = 'not_applicable'   # the step does not handle the tenant


def step_outcome(result):
    """(outcome, message) of one registered step result."""
    if not isinstance(result, dict) or not result:
        return Outcome.NOT_RUN, 'not reached (an earlier step stopped the run)'
    if result.get('skipped'):
        return Outcome.NOT_RUN, 'turned off (%s)' % (result.get('false_condition') or result.get('skip_reason') or 'when')
    if result.get('failed') and not result.get('tenants'):
        return Outcome.FAILED, result.get('msg') or 'failed'
    return Outcome.RAN, None


def _new_row(key, name, state=None):
    return dict(tenant=key, name=name, project_id=None, state=state, status=Status.OK.value, changes=[],
                remarks=[], steps={})


def _worsen(row, status):
    if STATUS_RANK.get(status, 0) > STATUS_RANK[row['status']]:
        row['status'] = status


def merge(steps, check_mode=False):
    """``steps``: list of (step name, registered result or None). Returns the report dict."""
    merger = _Merger(PLANNED if check_mode else '')
    for step, result in steps:
        merger.add_step(step, result)
    merger.fill_steps()
    rows = [merger.tenants[k] for k in merger.order]
    summary = status_counts(rows)
    summary['orphans'] = len(merger.orphans)
    # orphans that prune disables or deletes in this run: counted apart, since they are no tenant row
    summary['orphans_removed'] = sum(1 for row in merger.orphans if row.get('changes'))
    summary['remarks_total'] = sum(len(r['remarks']) for r in rows)
    summary['failed_steps'] = [s for s, i in merger.step_info.items() if i['outcome'] == Outcome.FAILED]
    summary['check_mode'] = bool(check_mode)
    summary['failed_settings'] = [r['setting'] for r in merger.settings if r.get('status') == Status.FAILED]
    report = dict(summary=summary, tenants=rows, orphans=merger.orphans, settings=merger.settings,
                  requests=merger.requests, errors=merger.errors, steps=merger.step_info, check_mode=bool(check_mode))
    report['failure'] = failure(report)
    return report


class _Merger:
    """The report being merged, step by step: tenant rows in the validation's order, orphans,
    errors, platform settings, each step's outcome and request count."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.tenants, self.order = {}, []
        self.orphans, self.errors, self.settings = [], [], []
        self.step_info, self.requests = {}, {}

    def tenant(self, key, name, state=None):
        if key not in self.tenants:
            self.order.append(key)
            self.tenants[key] = _new_row(key, name, state)
        return self.tenants[key]

    def _changes(self, row):
        return ['%s%s' % (self.prefix, c) for c in row.get('changes') or []]

    def add_step(self, step, result):
        outcome, message = step_outcome(result)
        info = dict(outcome=outcome)
        if message:
            info['message'] = message
        if outcome != Outcome.NOT_RUN:
            self.requests[step] = ((result.get('requests') or {}).get('total', 0))
            info['requests'] = self.requests[step]
            if result.get('members'):
                # the access step: how it learnt the members (read, or taken from the access records)
                info['members'] = result['members']
            if result.get('read'):
                # the Keystone steps: the cloud listed, or (a run limited to some workspaces) looked up by name
                info['read'] = result['read']
        self.step_info[step] = info
        if outcome == Outcome.NOT_RUN:
            return
        self.errors.extend(dict(e, step=step) for e in result.get('errors') or [])
        if step == VALIDATION:
            if outcome == Outcome.FAILED and not result.get('errors'):
                self.errors.append(dict(step=step, path=None, message=message))
            for row in result.get('tenants') or []:
                self.tenant(row['tenant'], row.get('name'), row.get('state'))
            return
        if outcome == Outcome.FAILED:
            self.errors.append(dict(step=step, path=None, message=message))
            return
        for row in result.get('tenants') or []:
            self.add_row(step, row)
        for name in SETTINGS:
            row = result.get(name)
            if isinstance(row, dict) and (row.get('changes') or row.get('remarks')):
                self.settings.append(dict(row, step=step, changes=self._changes(row)))
        for row in result.get('orphans') or []:
            self.orphans.append(dict(row, step=step, changes=self._changes(row)))

    def add_row(self, step, row):
        merged = self.tenant(row['tenant'], row.get('name'))
        merged['project_id'] = merged['project_id'] or row.get('project_id')
        _worsen(merged, row.get('status'))
        entry = dict(outcome=Outcome.SKIPPED if row.get('status') == Status.SKIPPED else Outcome.RAN, status=row.get('status'),
                     changes=self._changes(row), remarks=list(row.get('remarks') or []))
        for extra in ('skipped', 'not_applied'):
            if row.get(extra):
                entry['reason' if extra == 'skipped' else extra] = row[extra]
        merged['steps'][step] = entry
        merged['changes'].extend('%s: %s' % (step, c) for c in entry['changes'])
        merged['remarks'].extend(dict(r, step=step) for r in entry['remarks'])

    def fill_steps(self):
        """Every tenant gets an entry for every step after validation."""
        for step, info in self.step_info.items():
            if step == VALIDATION:
                continue
            for key in self.order:
                row = self.tenants[key]
                if step in row['steps']:
                    continue
                if info['outcome'] == Outcome.FAILED:
                    row['steps'][step] = dict(outcome=Outcome.FAILED, reason=info['message'])
                    _worsen(row, Status.FAILED)
                elif info['outcome'] == Outcome.NOT_RUN:
                    row['steps'][step] = dict(outcome=Outcome.NOT_RUN, reason=info['message'])
                else:
                    row['steps'][step] = dict(outcome=Outcome.NOT_APPLICABLE,
                                              reason='the step does not handle this tenant (state: %s)' % row['state'])


def failure(report, platform=None):
    """Why the run failed, in one line (None when nothing failed)."""
    parts = []
    for step in report['summary']['failed_steps']:
        parts.append('%s step failed: %s' % (step, report['steps'][step].get('message')))
    for row in report.get('settings') or []:
        if row.get('status') == Status.FAILED:
            parts.append('%s step: %s failed: %s' % (row['step'], row['setting'], first_error(row)))
    failed_rows = [r for r in report['tenants'] if r['status'] == Status.FAILED and _failed_in_a_step(r)]
    if failed_rows:
        parts.append(failure_message(platform or report.get('platform') or 'this platform',
                                     [dict(r, remarks=_step_errors(r)) for r in failed_rows]))
    return '; '.join(parts) or None


def _failed_in_a_step(row):
    return any(e.get('status') == Status.FAILED for e in row['steps'].values())


def _step_errors(row):
    return [dict(r, message='%s step: %s' % (r['step'], r['message'])) for r in row['remarks']
            if r.get('severity') == 'error']


def orphans_text(summary, plan):
    """``N orphans``, and how many of them this run removes (prune) when it removes any."""
    removed = summary.get('orphans_removed') or 0
    if not removed:
        return '%d orphans' % summary['orphans']
    return '%d orphans (%d %s)' % (summary['orphans'], removed, 'would be removed' if plan else 'removed')


def human_summary(platform, report):
    s = report['summary']
    plan = report.get('check_mode')
    line = ('%s%s: %d tenants: %d %s, %d ok, %d with remarks, %d skipped, %d failed; %s; '
            '%d requests' % ('[plan] ' if plan else '', platform, len(report['tenants']),
                             s['changed'], 'would change' if plan else 'changed', s['ok'], s['remarks'],
                             s['skipped'], s['failed'], orphans_text(s, plan), sum(report['requests'].values())))
    lines = [line]
    for row in report['tenants']:
        for remark in row['remarks']:
            if remark.get('code') == 'skipped':
                continue
            lines.append('  %s [%s] %s: %s' % (row['tenant'], remark.get('severity', 'warning'),
                                               remark.get('code'), remark.get('message')))
        skipped = sorted(step for step, e in row['steps'].items() if e.get('outcome') == Outcome.SKIPPED)
        if skipped:
            lines.append('  %s [skipped] %s: %s' % (row['tenant'], ', '.join(skipped),
                                                    row['steps'][skipped[0]].get('reason')))
    for row in report.get('settings') or []:
        for change in row.get('changes') or []:
            lines.append('  %s [%s] %s' % (row['setting'], 'plan' if plan else 'changed', change))
        for remark in row.get('remarks') or []:
            lines.append('  %s [%s] %s: %s' % (row['setting'], remark.get('severity', 'warning'),
                                               remark.get('code'), remark.get('message')))
    for err in report['errors']:
        lines.append('  error %s: %s' % (err.get('path') or err.get('step'), err.get('message')))
    return lines
