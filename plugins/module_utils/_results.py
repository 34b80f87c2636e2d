# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-tenant row every replication step returns (tenants, access, quotas)."""

import enum

from ansible_collections.landingzone.openstack.plugins.module_utils import _remarks


class Text(str, enum.Enum):
    """A str-enum: its members equal their text, and print and serialize as it (JSON, ``%s``)."""

    def __str__(self):
        return self.value


class Status(Text):
    """The status of a row (a tenant in a step, a platform setting), worst last."""

    OK = 'ok'
    REMARKS = 'remarks'
    CHANGED = 'changed'
    SKIPPED = 'skipped'
    FAILED = 'failed'


# Worst last: a tenant's overall status is the worst of its steps.
STATUSES = tuple(status.value for status in Status)
STATUS_RANK = dict((status, rank) for rank, status in enumerate(STATUSES))


class TenantResult:
    """What happened (or would happen) to one tenant in one step; one row of the report.

    Status: ``failed`` when an error remark was made, else ``skipped`` when the step left the
    tenant alone because an earlier step failed it, else ``changed`` when there are changes,
    else ``remarks`` when there are remarks, else ``ok``.
    """

    def __init__(self, key, name):
        self.key = key
        self.name = name
        self.project_id = None
        # the actions planned for the tenant, in plan order: anything with an ``id`` and a ``summary``
        self.planned = []
        self._applied = None   # ids of the planned actions written, once settled
        self.remarks = []
        self.errors = []
        self.skipped = None

    @property
    def carried_out(self):
        """The planned actions (after a real apply: those written)."""
        return [a for a in self.planned if self._applied is None or a.id in self._applied]

    @property
    def changes(self):
        """What the planned actions do (after a real apply: what was written)."""
        return [a.summary for a in self.carried_out]

    @property
    def not_applied(self):
        """Planned changes that were not carried out because a write of the tenant failed."""
        if self._applied is None:
            return []
        return [a.summary for a in self.planned if a.id not in self._applied]

    def plan(self, action, before=None):
        """Add ``action`` to the tenant's plan (before the action with id ``before``, if given)."""
        ids = [a.id for a in self.planned]
        self.planned.insert(ids.index(before) if before in ids else len(ids), action)

    def unplan(self, action_id=None):
        """Take the action with ``action_id`` (None: every action) out of the tenant's plan."""
        self.planned = [a for a in self.planned if action_id is not None and a.id != action_id]

    def remark(self, code, message, **extra):
        """Add the remark ``code`` with the severity the registry (``_remarks``) gives it."""
        if 'severity' in extra:
            raise TypeError('a remark\'s severity is the registry\'s (_remarks), not the call site\'s')
        entry = dict(code=code, message=message, severity=_remarks.severity(code))
        entry.update((k, v) for k, v in extra.items() if v)
        self.remarks.append(entry)

    def fail(self, code, message, **extra):
        """Add the error remark ``code`` (registered as an error) and fail the tenant."""
        if _remarks.remark(code).severity is not _remarks.ERROR:
            raise ValueError('remark %r is not registered as an error' % code)
        self.remark(code, message, **extra)
        self.errors.append(message)

    def skip(self, reason):
        """Leave the tenant alone in this step: an earlier step failed it."""
        self.skipped = reason
        self.remark('skipped', 'skipped: %s' % reason)

    def settle(self, applied):
        """After a real apply: keep as changes only the actions written (``applied``: their ids)."""
        self._applied = frozenset(applied)

    @property
    def status(self):
        if self.errors:
            return Status.FAILED
        if self.skipped:
            return Status.SKIPPED
        if self.changes:
            return Status.CHANGED
        if self.remarks:
            return Status.REMARKS
        return Status.OK

    def as_dict(self):
        # the row holds plain text: what a module returns and a report writes
        row = dict(tenant=self.key, name=self.name, project_id=self.project_id,
                   status=self.status.value, changes=list(self.changes), remarks=list(self.remarks))
        if self.skipped:
            row['skipped'] = self.skipped
        if self.not_applied:
            row['not_applied'] = list(self.not_applied)
        return row


def summary(rows):
    """Number of rows (dicts with ``status``) per status."""
    counts = dict((status, 0) for status in STATUSES)
    for row in rows:
        counts[row['status']] += 1
    return counts


def first_error(row):
    """``code: message`` of a row's first error remark (or its status)."""
    for remark in row.get('remarks') or ():
        if remark.get('severity') == 'error':
            return '%s: %s' % (remark.get('code'), remark.get('message'))
    return row.get('status')


def failure_message(platform, failed_rows, shown=5):
    """One line naming the failed tenants with the reason of each: the first few, then a count."""
    named = ', '.join('%s (%s)' % (row['tenant'], first_error(row)) for row in failed_rows[:shown])
    more = len(failed_rows) - shown
    return '%d tenant(s) failed on platform %s: %s%s' % (
        len(failed_rows), platform, named, ' and %d more' % more if more > 0 else '')
