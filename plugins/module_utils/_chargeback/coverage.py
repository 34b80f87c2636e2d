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
``allow_partial``, rates the period marked ``partial`` and does not freeze it. Reads the ledger
only through ``runs``; no file, no cloud.
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
