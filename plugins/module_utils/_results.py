# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-tenant row every replication step returns (tenants, access, quotas)."""

STATUSES = ('ok', 'remarks', 'changed', 'failed')
STATUS_RANK = dict((status, rank) for rank, status in enumerate(STATUSES))


class TenantResult:
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


def summary(rows):
    """Number of rows (dicts with ``status``) per status."""
    counts = dict((status, 0) for status in STATUSES)
    for row in rows:
        counts[row['status']] += 1
    return counts
