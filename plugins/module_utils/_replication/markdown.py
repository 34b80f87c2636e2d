# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The replication report as Markdown, pure: what a CI job posts on a pull request.

``render(report)`` takes the dict that report.merge made (the JSON plan of a ``--check`` run) and
returns Markdown: a short header with the counts, one table row per tenant, then per tenant with
something to do what would be created, changed, revoked and deleted, and its remarks; orphans and
errors last. Every change string of the steps is classified by its verb (``kind_of``); nothing is
dropped: a verb this file does not know counts as a change. docs/replication.md shows an example.
"""

import re

from ansible_collections.landingzone.openstack.plugins.module_utils._replication.report import (
    PLANNED,
    STEP_ORDER,
    Outcome,
    orphans_text,
)

KINDS = ('create', 'change', 'revoke', 'delete')
_REVOKE_VERBS = ('revoke', 'remove', 'disable')
_SPECIAL = re.compile(r'([\\`*_\[\]<>|#])')


def text(value):
    """Plain text for Markdown: the characters that would format or inject HTML are escaped."""
    return _SPECIAL.sub(r'\\\1', str(value)).replace('\n', ' ')


def kind_of(change):
    """``create``, ``change``, ``revoke`` or ``delete`` for one change line of a step."""
    change = change[len(PLANNED):] if change.startswith(PLANNED) else change
    verb = change.split(' ', 1)[0]
    if verb == 'create':
        return 'create'
    if verb == 'delete':
        return 'delete'
    if verb in _REVOKE_VERBS or change.endswith('access-revoked'):
        return 'revoke'
    return 'change'


def _plain(change):
    return change[len(PLANNED):] if change.startswith(PLANNED) else change


def _changes(row):
    """(kind, change without the 'planned: ' prefix, step) of a tenant, in step order."""
    result = []
    for step in sorted(row.get('steps') or {}, key=lambda s: (STEP_ORDER + (s,)).index(s)):
        for change in row['steps'][step].get('changes') or []:
            plain = change[len(PLANNED):] if change.startswith(PLANNED) else change
            result.append((kind_of(plain), plain, step))
    return result


def _counts(changes):
    counts = dict((kind, 0) for kind in KINDS)
    for kind, _change, _step in changes:
        counts[kind] += 1
    return counts


def render(report, platform=None):
    rows = report['tenants']
    per_row = [(row, _changes(row)) for row in rows]
    lines = _header(report, platform or report.get('platform') or 'platform', per_row)
    lines.extend(_table(per_row))
    for row, changes in per_row:
        lines.extend(_tenant_section(row, changes))
    lines.extend(_orphans(report.get('orphans')))
    lines.extend(_settings(report.get('settings')))
    lines.extend(_errors(report.get('errors')))
    return '\n'.join(lines).rstrip('\n') + '\n'


def _header(report, platform, per_row):
    plan = bool(report.get('check_mode'))
    s = report['summary']
    rows = report['tenants']
    # an orphan that prune removes is a deletion like a tenant's: counted in the totals
    orphan_changes = [_plain(c) for row in report.get('orphans') or [] for c in row.get('changes') or []]
    totals = _counts([c for _row, changes in per_row for c in changes] + [(kind_of(c), c, '') for c in orphan_changes])
    lines = ['# Replication %s: %s' % ('plan' if plan else 'report', text(platform)), '',
             '**%d tenants**: %d %s, %d ok, %d with remarks, %d skipped, %d failed; %s; %d requests.'
             % (len(rows), s['changed'], 'would change' if plan else 'changed', s['ok'], s['remarks'],
                s['skipped'], s['failed'], orphans_text(s, plan), sum((report.get('requests') or {}).values())),
             '%s %d, change %d, revoke %d, delete %d; %d remarks.'
             % ('Would create' if plan else 'Created', totals['create'], totals['change'], totals['revoke'],
                totals['delete'], s.get('remarks_total', 0)), '']
    if report.get('failure'):
        lines.extend(['**Failure**: %s' % text(report['failure']), ''])
    return lines


def _table(per_row):
    if not per_row:
        return []
    lines = ['| tenant | project | status | create | change | revoke | delete | remarks |',
             '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |']
    for row, changes in per_row:
        counts = _counts(changes)
        lines.append('| %s | %s | %s | %d | %d | %d | %d | %d |' % (
            text(row['tenant']), text(row.get('name') or ''), row['status'], counts['create'],
            counts['change'], counts['revoke'], counts['delete'], len(row.get('remarks') or [])))
    return lines + ['']


def _tenant_section(row, changes):
    remarks = [r for r in row.get('remarks') or [] if r.get('code') != 'skipped']
    skipped = sorted(step for step, e in (row.get('steps') or {}).items() if e.get('outcome') == Outcome.SKIPPED)
    if not changes and not remarks and not skipped:
        return []
    lines = ['## %s: %s (%s)' % (text(row['tenant']), text(row.get('name') or ''), row['status']), '']
    for kind in KINDS:
        for _kind, change, step in (c for c in changes if c[0] == kind):
            verb, _sep, rest = change.partition(' ')
            lines.append('- **%s** %s (%s)' % (text(verb), text(rest), step))
    for remark in remarks:
        fields = (remark.get('severity', 'warning'), remark.get('code'), remark.get('message'), remark.get('step'))
        lines.append('- remark [%s] %s: %s (%s)' % tuple(text(f) for f in fields))
    for step in skipped:
        lines.append('- skipped %s: %s' % (step, text(row['steps'][step].get('reason'))))
    return lines + ['']


def _orphans(orphans):
    if not orphans:
        return []
    lines = ['## Orphans', '', 'Projects that carry the marker of this platform but that the inventory no '
             'longer names (removed only with prune: true):', '']
    for orphan in orphans:
        done = [c[len(PLANNED):] if c.startswith(PLANNED) else c for c in orphan.get('changes') or []]
        lines.append('- %s: %s: %s' % (text(orphan.get('tenant')), text(orphan.get('name') or ''),
                                       text('; '.join(done) if done else 'left as is')))
    return lines + ['']


def _settings(settings):
    if not settings:
        return []
    lines = ['## Platform settings', '']
    for row in settings:
        for change in row.get('changes') or []:
            lines.append('- %s: %s (%s)' % (text(row['setting']), text(change), text(row['step'])))
        for remark in row.get('remarks') or []:
            fields = (row['setting'], remark.get('severity', 'warning'), remark.get('code'),
                      remark.get('message'), row['step'])
            lines.append('- %s: remark [%s] %s: %s (%s)' % tuple(text(f) for f in fields))
    return lines + ['']


def _errors(errors):
    if not errors:
        return []
    lines = ['## Errors', '']
    for err in errors:
        fields = (err.get('path') or err.get('step'), err.get('message'), err.get('step'))
        lines.append('- %s: %s (%s)' % tuple(text(f) for f in fields))
    return lines + ['']
