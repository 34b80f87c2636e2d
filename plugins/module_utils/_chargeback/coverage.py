# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Coverage before close: may a period be frozen, given the ledger's collections?

A closed period is immutable (later data only arrives as corrections), so it is closed only
when, on every platform rated, the ledger's *complete* collections (runs with status ``ok``:
every kind listed, no error) cover it:

- one at or before the period start (what existed when the period began was seen),
- no gap between two consecutive ones, over the period, longer than ``max_gap_hours``,
- one at or after the period end (nothing of the period is still to come).

Otherwise ``problems`` says what is missing; the runner fails with it, or, with
``allow_partial``, rates the period marked ``partial`` and does not freeze it.

Coverage is shown wherever money is shown (``collections``, ``notes``): every statement and
preview carries, per platform, the first and last complete collection within the period, the
longest gap without one, the partial runs, and the days without a complete collection (the
HTML marks them). Reads the ledger only through ``runs``; no file, no cloud.
"""

import datetime

from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.store import RunStatus
from ansible_collections.landingzone.openstack.plugins.module_utils._time import parse_ts, ts

DEFAULT_MAX_GAP_HOURS = 6.0
COMPLETE = RunStatus.OK


def _hours(delta):
    return round(delta.total_seconds() / 3600.0, 2)


def platform_problems(times, start, end, max_gap):
    """What keeps [start, end) from being covered by complete collections at ``times``
    (sorted datetimes) of one platform: a list of sentences, empty when covered."""
    if not times:
        return ['no complete collection at all']
    problems = []
    before = [t for t in times if t <= start]
    after = [t for t in times if t >= end]
    if not before:
        problems.append('no complete collection at or before the period start %s (the first is %s)'
                        % (ts(start), ts(times[0])))
    if not after:
        problems.append('no complete collection at or after the period end %s (the last is %s)'
                        % (ts(end), ts(times[-1])))
    # the collections that bound the period: the last before it, those inside, the first after
    inside = ([before[-1]] if before else []) + [t for t in times if start < t < end] + ([after[0]] if after else [])
    for a, b in zip(inside, inside[1:]):
        if b - a > max_gap:
            problems.append('a gap of %s h between the complete collections of %s and %s (at most %s h)'
                            % (_hours(b - a), ts(a), ts(b), _hours(max_gap)))
    return problems


def problems(ledger, platforms, period, max_gap_hours=DEFAULT_MAX_GAP_HOURS):
    """{platform: [problem]} for the platforms whose collections do not cover ``period``
    ({} when every platform is covered, or no platform is rated: then {'': [...]})."""
    if not platforms:
        return {'': ['the ledger has no platform to rate']}
    max_gap = datetime.timedelta(hours=max_gap_hours)
    out = {}
    for platform in platforms:
        times = sorted(parse_ts(r['window_end']) for r in ledger.runs(platform, status=COMPLETE) if r['window_end'])
        found = platform_problems(times, period.start, period.end, max_gap)
        if found:
            out[platform] = found
    return out


def summary(found):
    """One line of ``problems``' result, for a failure message."""
    return '; '.join('%s: %s' % (platform or 'ledger', ', '.join(items)) for platform, items in sorted(found.items()))


# ------------------------------------------------------------------------------ coverage shown with the money

def _gaps(times, start, end):
    """[(a, b)] between consecutive complete collections over [start, end]: from the last one at or
    before ``start`` (else ``start``) through those inside to the first at or after ``end`` (else ``end``)."""
    before = [t for t in times if t <= start]
    after = [t for t in times if t >= end]
    points = ([before[-1]] if before else [start]) + [t for t in times if start < t < end] + [after[0] if after else end]
    return list(zip(points, points[1:]))


def days_without(times, days, end):
    """The days (datetimes, each a day's start) with no complete collection in [day, next day or ``end``)."""
    out = []
    for i, day in enumerate(days):
        until = days[i + 1] if i + 1 < len(days) else end
        if not any(day <= t < until for t in times):
            out.append(day)
    return out


def platform_collections(runs, period, days):
    """What the collections of one platform (``runs``: its runs, oldest first) give ``period``:
    first and last complete collection within it, the longest gap without one, the complete and
    partial runs within it (with the partial runs' remark codes), the days without a complete one."""
    inside = [r for r in runs if r['window_end'] and period.start <= parse_ts(r['window_end']) <= period.end]
    complete = sorted(parse_ts(r['window_end']) for r in runs if r['status'] == str(COMPLETE) and r['window_end'])
    within = [t for t in complete if period.start <= t <= period.end]
    gap = max(_gaps(complete, period.start, period.end), key=lambda ab: (ab[1] - ab[0], ab[0]))
    partial = [r for r in inside if r['status'] != str(COMPLETE)]
    return dict(first_complete=ts(within[0]) if within else None, last_complete=ts(within[-1]) if within else None,
                from_start=any(t <= period.start for t in complete), complete=len(within), partial=len(partial),
                partial_codes=sorted(set(m.get('code') for r in partial for m in r.get('remarks') or [] if m.get('code'))),
                longest_gap=dict(hours=_hours(gap[1] - gap[0]), start=ts(gap[0]), end=ts(gap[1])),
                days_without=[d.strftime('%Y-%m-%d') for d in days_without(complete, days, period.end)])


def collections(ledger, platforms, period, days):
    """{platform: ``platform_collections``} of the platforms rated (``days``: the period's days)."""
    return dict((platform, platform_collections(ledger.runs(platform), period, days)) for platform in platforms)


def notes(found, period, max_gap_hours=DEFAULT_MAX_GAP_HOURS):
    """Sentences that say where the collections behind the figures fall short (``collections``'
    result): the first complete one after the period start, a long gap, partial runs."""
    out = []
    for platform, c in sorted(found.items()):
        if c['first_complete'] is None:
            out.append('%s: no complete collection within the period: its figures rest on no complete listing'
                       % platform)
        elif not c['from_start']:
            out.append('%s: the first complete collection of the period is %s, %s h after its start: charges before it '
                       'rest on the APIs\' creation times, and project fees start at a project\'s first collection'
                       % (platform, c['first_complete'], _hours(parse_ts(c['first_complete']) - period.start)))
        if c['longest_gap']['hours'] > max_gap_hours and (c['from_start'] or c['longest_gap']['start'] != ts(period.start)):
            out.append('%s: a gap of %s h without a complete collection (%s to %s)'
                       % (platform, c['longest_gap']['hours'], c['longest_gap']['start'], c['longest_gap']['end']))
        if c['partial']:
            out.append('%s: %d collection run(s) of the period were partial (%s): resources of projects they missed '
                       'are attributed to unmanaged or not seen, so figures may be low; see docs/metering.md'
                       % (platform, c['partial'], ', '.join(c['partial_codes']) or 'no remark code'))
    return out
