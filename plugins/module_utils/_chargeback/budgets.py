# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Budgets: an optional amount per workspace and calendar month, in the catalog's currency.

For a period, a workspace's budget is its monthly amount times the fraction of each calendar
month the period covers (1 for a month; the running month's whole amount for a preview, which is
measured against the month). ``used`` is the workspace's cost of the period (the sum of its line
items), ``remaining`` = budget - used. The forecast runs the month's rate to its end: for a
period not yet over, used x (length of the period / time elapsed), else used. An alert is raised
for each threshold (percent, default 80 and 100) that ``used`` reaches, and, marked
``forecast``, for each one only the forecast reaches. Pure: Decimals in, ``WorkspaceBudget`` figures (Decimal)
inside, text only in the document ``evaluate`` returns.
"""

import dataclasses
import datetime
import decimal
import typing

from ansible_collections.landingzone.openstack.plugins.module_utils._issues import IssuesError, ValidationIssue

D = decimal.Decimal
UTC = datetime.timezone.utc
DEFAULT_THRESHOLDS = (80, 100)
Q2 = D('0.01')
Q6 = D('0.000001')


class BudgetError(IssuesError):
    what = 'budgets'


def load(budgets, thresholds=None):
    """({workspace: Decimal monthly amount}, sorted thresholds); every problem with its path."""
    issues = []
    out = {}
    for workspace, amount in sorted((budgets or {}).items()):
        try:
            value = D(str(amount))
        except decimal.InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0 or isinstance(amount, bool):
            issues.append(ValidationIssue('budgets.%s' % workspace, 'a budget is an amount >= 0 per month, got %r'
                                          % (amount,)))
            continue
        out[str(workspace)] = value
    levels = []
    for i, level in enumerate(DEFAULT_THRESHOLDS if thresholds is None else thresholds):
        try:
            value = D(str(level))
        except decimal.InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value <= 0 or isinstance(level, bool):
            issues.append(ValidationIssue('budget_alert_thresholds[%d]' % i, 'a threshold is a percent > 0, got %r'
                                          % (level,)))
            continue
        levels.append(value)
    if issues:
        raise BudgetError(issues)
    return out, sorted(set(levels))


def _month_start(dt):
    return datetime.datetime(dt.year, dt.month, 1, tzinfo=UTC)


def _next_month(dt):
    return datetime.datetime(dt.year + (dt.month == 12), dt.month % 12 + 1, 1, tzinfo=UTC)


def months_covered(start, end, preview=False):
    """The period's length in calendar months (a preview: the whole running month)."""
    if preview:
        return D(1)
    total = D(0)
    month = _month_start(start)
    while month < end:
        nxt = _next_month(month)
        lo, hi = max(month, start), min(nxt, end)
        if hi > lo:
            total += D(str((hi - lo).total_seconds())) / D(str((nxt - month).total_seconds()))
        month = nxt
    return total


def _percent(part, whole):
    return (part * 100 / whole).quantize(Q2) if whole else None


def _reaches(part, whole, level):
    """Whether ``part`` reaches ``level`` percent of ``whole`` (anything spent reaches a zero budget)."""
    return part * 100 >= level * whole if whole else part > 0


@dataclasses.dataclass(frozen=True)
class WorkspaceBudget:
    """One workspace's budget figures for a period, exact; ``text`` is how a document holds them."""
    monthly_amount: decimal.Decimal
    budget: decimal.Decimal
    used: decimal.Decimal
    remaining: decimal.Decimal
    used_percent: typing.Optional[decimal.Decimal]
    forecast: decimal.Decimal
    forecast_percent: typing.Optional[decimal.Decimal]
    alerts: tuple  # (threshold percent, basis 'used' or 'forecast')

    def text(self):
        out = dict((f.name, None if getattr(self, f.name) is None else str(getattr(self, f.name)))
                   for f in dataclasses.fields(self) if f.name != 'alerts')
        out['alerts'] = [dict(threshold=str(level), basis=basis) for level, basis in self.alerts]
        return out


def workspace_budget(amount, share, used, levels, stretch):
    """The figures of a monthly ``amount`` over ``share`` months, ``used`` spent; ``stretch``
    ((length, elapsed) of the period, None once over) runs the rate to the period's end."""
    exact = amount * share  # compared unrounded: a short window's budget may round to 0
    forecast = (used * stretch[0] / stretch[1]).quantize(Q6) if stretch is not None else used
    raised = []
    for level in levels:
        if _reaches(used, exact, level):
            raised.append((level, 'used'))
        elif _reaches(forecast, exact, level):
            raised.append((level, 'forecast'))
    return WorkspaceBudget(amount, exact.quantize(Q6), used, (exact - used).quantize(Q6), _percent(used, exact),
                           forecast, _percent(forecast, exact), tuple(raised))


def evaluate(amounts, levels, period, by_workspace, now):
    """{'workspaces': {ws: figures}, 'alerts': [...]} for ``period`` (rating.Period) given the
    workspaces' costs ``by_workspace`` {ws: Decimal (or its text)} at time ``now``."""
    start, end = period.start, period.end
    if period.preview:
        end = _next_month(start)  # the forecast runs to the month end
    share = months_covered(period.start, period.end, period.preview)
    elapsed = (min(now, end) - start).total_seconds()
    length = (end - start).total_seconds()
    stretch = (D(str(length)), D(str(elapsed))) if now < end and elapsed > 0 else None
    workspaces, alerts = {}, []
    for workspace, amount in sorted(amounts.items()):
        figures = workspace_budget(amount, share, D(by_workspace.get(workspace, 0)), levels, stretch)
        workspaces[workspace] = doc = figures.text()
        for alert in doc['alerts']:
            alerts.append(dict(alert, workspace=workspace, used_percent=doc['used_percent'],
                               forecast_percent=doc['forecast_percent']))
    return dict(workspaces=workspaces, alerts=alerts, thresholds=[str(level) for level in levels])
