# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rating: ledger observations -> usage intervals -> charges (line items) and usage hours.

Reads the ledger only through its documented read API (``projects``, ``lifetimes``,
``iter_observations``); standard library only; money and quantities are ``decimal.Decimal``.
Pure: no file, no cloud (the reports are ``.reports``, the module runs ``.runner``).

Usage hours (``usage``, what openstack_usage_info returns) come from the very same intervals
and billed states as the invoice: for one ledger and period, a kind's ``hours`` equal the
quantity of its hour meter (``server_hours``, ``floating_ip_hours``, ``router_hours``,
``load_balancer_hours``) and its ``quantity_hours`` the quantity of its quantity meter
(``server_vcpu_hours``, ``volume_gib_hours``, ``snapshot_gib_hours``, ``image_gib_hours``).

Periods
    ``period_window(period='2026-11')`` is the UTC calendar month; ``start``/``end`` any window;
    ``preview=True`` the running month up to ``now``; nothing given: the last complete month.
    A period is *closed* when it is not a preview and its end is in the past at rating time.

The gap rule (how samples become intervals)
    The ledger stores one row per *state* of a resource (``observed_at`` = the sample that first
    saw it, ``last_seen_at`` = the last sample that still saw it) and one lifetime row
    (``created_at``/``deleted_at`` as the API reports them, ``gone_at`` = the first complete
    listing that no longer showed it). A resource's life runs

    - from ``created_at`` (the API's creation time; the first sample when the API gives none),
    - to ``deleted_at`` when the API reported it (Nova ``terminated_at``: exact), else, when a
      complete listing missed it (``gone_at``), to the catalog's ``vanished_end``:
      ``midpoint`` (default) = halfway between ``last_seen_at`` and ``gone_at``;
      ``last_seen`` = the last sample that saw it; ``gone`` = the listing that missed it;
      else (still alive) to its latest sample ``last_seen_at`` (never beyond what was seen).

    Each state counts from its ``observed_at`` (the first state from the life's start) up to the
    next state's ``observed_at`` or the end of life, and is clipped to the period.

    Error bound, per resource, in quantity-hours of a meter (q = the meter's quantity of a
    state, e.g. vCPUs, GiB, 1): with samples s_1 < s_2 < ... (every one a complete listing)

    - a state change that really happened in (s_k-1, s_k] is billed from s_k: at most
      |q_new - q_old| x (s_k - s_k-1) per change (the old state is billed until it was seen
      changed); several changes within one gap: max |q - q_billed| x gap;
    - the end: exact with ``deleted_at``; otherwise the resource ended in
      (last_seen_at, gone_at]: at most q x (gone_at - last_seen_at) / 2 for ``midpoint``, the
      whole gap for ``last_seen``/``gone`` (``last_seen`` never over-bills, ``gone`` never
      under-bills);
    - alive at the end of the period: billed to its latest sample, so under-billed by at most
      q x (period end - last sample) (the preview lags by at most one collection interval);
    - the start is exact when the API gives the creation time (every collected kind does).

    So with hourly collections and no state change, a deleted volume is off by at most 30
    minutes of its size; a server deleted through Nova not at all. tests/unit/plugins/
    module_utils/test_rating.py checks the bound against generated ground truths.

Which states are billed
    Servers: statuses in the catalog's ``billed_server_states`` (default: not BUILD, ERROR,
    SHELVED_OFFLOADED, SOFT_DELETED, DELETED, UNKNOWN). A server whose *first* recorded state is
    DELETED (created and deleted between two samples, found by ``changes-since``) is billed for
    its Nova lifetime, created to terminated. Every state of the other kinds is billed.

Charges
    Every billed span is split where a price or discount starts or ends (the catalog's
    boundaries); each piece is priced with the price in force at its start. Line items are
    per (platform, project, resource, meter, SKU, unit price, discount): quantity = the exact
    sum of quantity x seconds / 3600, rounded to 6 places; list cost = quantity x unit price,
    cost = list cost x (100 - discount %) / 100, both rounded to 6 places (ROUND_HALF_EVEN).
    Totals are sums of the line items' rounded figures, so totals equal the sum of the items
    exactly.

Project monthly fees (what comes from Keystone, which platforms sharing it all see)
    Billed only by the platform whose ``lz-platform`` marker the project carries (``fee_rule``):
    a project of another platform is still attributed to its workspace when it holds resources
    in this region (they are this region's usage), but its fee is that platform's; a project
    with the workspace marker and no platform marker (not one this collection replicates, as
    replication matches on the platform marker) and an unmanaged project pay no fee anywhere.
    The fee runs from the project's first collection (``first_seen_at``: Keystone keeps no
    creation time of a project) to the last collection that saw it (``last_seen_at``), within
    the period, as the exact fraction of each calendar month (1 for a whole month seen from
    before its start to after its end); the line's charge start and end are those bounds.

Closed periods are immutable
    ``reconcile(previous_items, new_items)`` returns the correction line items (deltas of
    quantity and costs per line key, ``charge_class='correction'``) that make the stored items
    add up to a re-rating; the caller (``.reports``) appends them and never rewrites the
    original items of a closed period.
"""

import bisect
import dataclasses
import datetime
import decimal
import enum
import hashlib
import re

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds, _time
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import UserError
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import pricing
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.store import UNMANAGED
from ansible_collections.landingzone.openstack.plugins.module_utils._time import parse_ts, ts

D = decimal.Decimal
UTC = datetime.timezone.utc
Q6 = D('0.000001')
US_PER_HOUR = D(3600 * 10 ** 6)
ZERO = D(0)
PERIOD_RE = re.compile(r'^(\d{4})-(\d{2})$')
PROJECT_RESOURCE_TYPE = 'Project'  # what a line of a per-project meter (the monthly fee) is charged for
# attributes that travel into a line item's tags
TAG_ATTRIBUTES = ('flavor', 'volume_type', 'status', 'provider', 'flavor_id', 'address', 'disk_format')


class RatingError(UserError, ValueError):
    """A period or rating request this collection cannot rate (the message says why)."""


def q6(value):
    return value.quantize(Q6, rounding=decimal.ROUND_HALF_EVEN)


@dataclasses.dataclass(frozen=True)
class Figures:
    """A line item's quantity and money, exact. Rating works on these; a document holds them as
    text (``text``, the one place they become text) and ``of`` reads them back from one."""
    quantity: decimal.Decimal
    unit_price: decimal.Decimal
    discount_percent: decimal.Decimal
    list_cost: decimal.Decimal
    cost: decimal.Decimal

    @classmethod
    def priced(cls, quantity, unit_price, discount_percent):
        """list cost = quantity x unit price, cost = list cost less the discount, each to 6 places."""
        list_cost = q6(quantity * unit_price)
        return cls(quantity, unit_price, discount_percent, list_cost, q6(list_cost * (D(100) - discount_percent) / D(100)))

    @classmethod
    def of(cls, item):
        """The figures of a document's item (a stored period's or a rating's; an absent one: 0)."""
        return cls(*(D(item.get(f.name) or 0) for f in dataclasses.fields(cls)))

    def text(self):
        """{field: Decimal text} as line items carry them."""
        return dict((f.name, str(getattr(self, f.name))) for f in dataclasses.fields(self))

    def contracted_unit_price(self):
        """The unit price less the discount, to 6 places."""
        return q6(self.unit_price * (D(100) - self.discount_percent) / D(100))


dec = _kinds.number


def micros(a, b):
    """Whole microseconds from a to b (exact integer)."""
    delta = b - a
    return (delta.days * 86400 + delta.seconds) * 10 ** 6 + delta.microseconds


def _month_start(dt):
    return datetime.datetime(dt.year, dt.month, 1, tzinfo=UTC)


def _next_month(dt):
    return datetime.datetime(dt.year + (dt.month == 12), dt.month % 12 + 1, 1, tzinfo=UTC)


class Period:
    """A rating window [start, end) with its label (directory name) and state."""

    def __init__(self, label, start, end, closed, preview, kind):
        self.label = label
        self.start = start
        self.end = end
        self.closed = closed
        self.preview = preview
        self.kind = kind  # month | window | preview
        # over, but the ledger's collections do not cover it (``.coverage``): rated, not frozen
        self.partial = False

    def mark_partial(self):
        self.closed, self.partial = False, True

    def to_dict(self):
        return dict(label=self.label, start=ts(self.start), end=ts(self.end), closed=self.closed,
                    preview=self.preview, kind=self.kind, partial=self.partial)


def period_window(period=None, start=None, end=None, preview=False, now=None):
    """The Period for a month ``YYYY-MM``, a ``start``/``end`` window, or the running month
    (``preview``); the last complete month when nothing is given."""
    now = now or datetime.datetime.now(UTC)
    if preview:
        if period or start or end:
            raise RatingError('preview rates the running month: give no period/start/end with it')
        begin = _month_start(now)
        return Period(begin.strftime('%Y-%m') + '-preview', begin, now, False, True, 'preview')
    if period:
        if start or end:
            raise RatingError('give either period or start/end, not both')
        m = PERIOD_RE.match(str(period))
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise RatingError('period must be a month YYYY-MM, got %r' % (period,))
        begin = datetime.datetime(int(m.group(1)), int(m.group(2)), 1, tzinfo=UTC)
        finish = _next_month(begin)
        return Period(str(period), begin, finish, finish <= now, False, 'month')
    if start or end:
        if not (start and end):
            raise RatingError('a window needs both start and end')
        try:
            begin, finish = _time.parse(start), _time.parse(end)
        except _time.TimeError as exc:
            raise RatingError('start/end: %s' % exc) from exc
        if finish <= begin:
            raise RatingError('end must be after start')
        label = '%s--%s' % (begin.strftime('%Y%m%dT%H%M%SZ'), finish.strftime('%Y%m%dT%H%M%SZ'))
        return Period(label, begin, finish, finish <= now, False, 'window')
    finish = _month_start(now)
    begin = _month_start(finish - datetime.timedelta(days=1))
    return Period(begin.strftime('%Y-%m'), begin, finish, True, False, 'month')


def period_days(period):
    """The UTC days of ``period`` (each a day's start; the first the day the period starts in)."""
    day = datetime.datetime(period.start.year, period.start.month, period.start.day, tzinfo=UTC)
    days = []
    while day < period.end:
        days.append(day)
        day += datetime.timedelta(days=1)
    return days


# ------------------------------------------------------------------------------ intervals

def life_bounds(states, life, vanished_end=pricing.DEFAULT_VANISHED_END):
    """(start, end) datetimes of a resource's billable life, by the gap rule (module doc)."""
    first = parse_ts(states[0]['observed_at'])
    last = parse_ts(states[-1]['last_seen_at'])
    if not life:
        return first, last
    start = first
    if life.get('created_at'):
        start = min(first, parse_ts(life['created_at']))
    if life.get('deleted_at'):
        return start, parse_ts(life['deleted_at'])
    seen = max(last, parse_ts(life['last_seen_at'])) if life.get('last_seen_at') else last
    if life.get('gone_at'):
        gone = parse_ts(life['gone_at'])
        if vanished_end == 'gone':
            return start, gone
        if vanished_end == 'midpoint' and gone > seen:
            return start, seen + (gone - seen) / 2
    return start, seen


def intervals(states, life, vanished_end=pricing.DEFAULT_VANISHED_END):
    """[(start, end, state)] of one resource: each state from its observed_at (the first from
    the life's start) to the next state's observed_at or the end of life; empty spans dropped."""
    start, end = life_bounds(states, life, vanished_end)
    out = []
    for i, state in enumerate(states):
        a = start if i == 0 else parse_ts(state['observed_at'])
        b = end if i + 1 == len(states) else min(parse_ts(states[i + 1]['observed_at']), end)
        if b > a:
            out.append((a, b, state))
    return out


def billed(kind, attributes, first_state, billed_server_states):
    """Whether a state is billed: a server in a billed status (or only ever seen DELETED, i.e.
    created and deleted between two samples: its first state); every state of the other kinds."""
    spec = _kinds.find(kind)
    if spec is None or not spec.billed_by_status:
        return True
    status = (attributes or {}).get('status')
    return status in billed_server_states or (status == 'DELETED' and first_state)


def resource_name(kind, resource_id, attributes):
    """What a line calls its resource: the name, else the kind's naming attribute (a floating IP's
    address), else its id."""
    a = attributes or {}
    label_attr = getattr(_kinds.find(kind), 'label_attr', None)
    return a.get('name') or (a.get(label_attr) if label_attr else None) or resource_id


def meters_for(catalog, kind, attributes, first_state=False):
    """[(meter, selector, quantity)] that price one state, [] when it is not billed, or None
    when the kind is billed but the catalog has no price for this state (unpriced): the kind's
    primary meter for the state's selector (flavor, volume type), else its component meters
    the catalog has (a server's vCPU and RAM), else its primary meter without selector."""
    a = attributes or {}
    if not billed(kind, a, first_state, catalog.billed_server_states):
        return []
    primary = _kinds.primary_meter(kind)
    value = a.get(primary.selector_attr) if primary is not None and primary.selector else None
    if value and catalog.has(primary.name, value):
        return [(primary.name, value, primary.quantity(a))]
    out = [(m.name, None, m.quantity(a)) for m in _kinds.meters_of(kind)
           if m.role == _kinds.COMPONENT and catalog.has(m.name)]
    if out:
        return out
    if primary is not None and catalog.has(primary.name):
        return [(primary.name, None, primary.quantity(a))]
    return None


# ------------------------------------------------------------------------------ rating

class Rater:
    """Accumulates charges for one period; feed it resources, then ``result()``."""

    def __init__(self, catalog, period):
        self.catalog = catalog
        self.period = period
        self.boundaries = [b for b in catalog.boundaries() if period.start < b < period.end]
        self.lines = {}
        self.unpriced = {}
        self.days = period_days(period)

    def _pieces(self, a, b):
        """[a, b) split at the catalog's boundaries."""
        i = bisect.bisect_right(self.boundaries, a)
        out = []
        while i < len(self.boundaries) and self.boundaries[i] < b:
            out.append((a, self.boundaries[i]))
            a = self.boundaries[i]
            i += 1
        out.append((a, b))
        return out

    def _spread(self, weights, a, b, quantity):
        """Add quantity x microseconds of [a, b) to ``weights`` per day index: how a line's cost
        is later shared out over the days (``allocate``)."""
        i = max(0, bisect.bisect_right(self.days, a) - 1)
        while a < b:
            day_end = self.days[i + 1] if i + 1 < len(self.days) else self.period.end
            c = min(b, day_end)
            weights[i] = weights.get(i, ZERO) + quantity * micros(a, c)
            a = c
            i += 1

    def add_charge(self, owner, kind, resource_id, resource_name, tags, meter, selector, quantity, a, b, extra_key=None):
        """Charge ``quantity`` of ``meter`` over [a, b) (already clipped to the period)."""
        for pa, pb in self._pieces(a, b):
            price = None
            for candidate in self.catalog.candidates(meter, selector) or ():
                if candidate.applies(pa):
                    price = candidate
                    break
            if price is None:
                key = (kind, meter, selector)
                self.unpriced[key] = self.unpriced.get(key, ZERO) + quantity * micros(pa, pb)
                continue
            pct = self.catalog.discount(owner['workspace'], meter, pa)
            key = (owner['platform'], owner['project_id'], kind, resource_id, meter, price.sku,
                   price.unit_price, pct, extra_key)
            line = self.lines.get(key)
            if line is None:
                line = self.lines[key] = dict(owner=owner, kind=kind, resource_id=resource_id,
                                              resource_name=resource_name, tags=tags, meter=meter,
                                              price=price, discount=pct, qus=ZERO, start=pa, end=pb,
                                              extra_key=extra_key, days={})
            line['qus'] += quantity * micros(pa, pb)
            line['start'] = min(line['start'], pa)
            line['end'] = max(line['end'], pb)
            line['resource_name'] = resource_name or line['resource_name']
            line['tags'] = tags
            self._spread(line['days'], pa, pb, quantity)

    def add_resource(self, owners, kind, resource_id, states, life):
        """Rate one resource (its states in time order and its lifetime row or None)."""
        start, end = self.period.start, self.period.end
        for a, b, state in intervals(states, life, self.catalog.vanished_end):
            lo, hi = max(a, start), min(b, end)
            if hi <= lo:
                continue
            first = state is states[0]
            meters = meters_for(self.catalog, kind, state.get('attributes'), first)
            if meters is None:
                if kind in self.catalog.kinds:
                    key = (kind, None, _selector_value(kind, state.get('attributes')))
                    self.unpriced[key] = self.unpriced.get(key, ZERO) + micros(lo, hi)
                continue
            owner = owners(state.get('project_id'))
            attrs = state.get('attributes') or {}
            tags = dict((k, attrs[k]) for k in TAG_ATTRIBUTES if attrs.get(k) is not None)
            for meter, selector, quantity in meters:
                if quantity:
                    self.add_charge(owner, kind, resource_id, resource_name(kind, resource_id, attrs), tags,
                                    meter, selector, quantity, lo, hi)

    def add_project_fees(self, owner, first_seen, last_seen):
        """The monthly fee of one project the ledger saw from ``first_seen`` to ``last_seen``:
        per calendar month, the exact fraction of it within the period and those bounds."""
        if not self.catalog.has('project_monthly_fee') or owner['workspace'] == UNMANAGED:
            return
        begin, finish = max(self.period.start, first_seen), min(self.period.end, last_seen)
        month = _month_start(begin)
        while month < finish:
            nxt = _next_month(month)
            lo, hi = max(month, begin), min(nxt, finish)
            if hi > lo:
                fraction = D(micros(lo, hi)) / D(micros(month, nxt))
                # quantity in months; qus is kept in quantity-microseconds-per-hour like the others
                self.add_charge(owner, None, owner['project_id'], owner.get('tenant') or owner['project_id'], {},
                                'project_monthly_fee',
                                None, fraction * US_PER_HOUR / D(micros(lo, hi)), lo, hi, month.strftime('%Y-%m'))
            month = nxt

    def result(self):
        """{items (text), figures (each item's exact Figures, in order), daily, unpriced}."""
        items, exact = [], []
        daily = [ZERO] * len(self.days)
        for key in sorted(self.lines, key=lambda k: tuple('' if x is None else str(x) for x in k)):
            line = self.lines[key]
            figures = line_figures(line)
            exact.append(figures)
            items.append(line_item(line, self.period, figures))
            # the line's rounded cost shared over its days: the days add up to the items exactly
            for i, share in allocate(figures.cost, line['days']).items():
                daily[i] += share
        unpriced = [dict(kind=k[0], meter=k[1], selector=k[2], quantity_hours=str(q6(v / US_PER_HOUR)))
                    for k, v in sorted(self.unpriced.items(), key=lambda kv: tuple(str(x) for x in kv[0]))]
        daily = [dict(day=d.strftime('%Y-%m-%d'), cost=str(q6(cost))) for d, cost in zip(self.days, daily)]
        return dict(items=items, figures=exact, daily=daily, unpriced=unpriced)


def allocate(total, weights):
    """``total`` (a Decimal of at most 6 places) split over ``weights`` {key: Decimal >= 0} in
    shares of 6 places that add up to ``total`` exactly (largest remainder, ties by key)."""
    units = int(total.scaleb(6))
    whole = sum(weights.values())
    if not units or not whole:
        return {}
    sign, units = (-1 if units < 0 else 1), abs(units)
    shares, remainders = {}, []
    for key in sorted(weights):
        exact = D(units) * weights[key] / whole
        shares[key] = int(exact)
        remainders.append((exact - shares[key], key))
    left = units - sum(shares.values())
    for dummy, key in sorted(remainders, key=lambda r: (-r[0], r[1]))[:left]:
        shares[key] += 1
    return dict((key, D(sign * n).scaleb(-6)) for key, n in shares.items() if n)


def _selector_value(kind, attributes):
    primary = _kinds.primary_meter(kind)
    return (attributes or {}).get(primary.selector_attr) if primary is not None and primary.selector_attr else None


def line_key(item):
    """What identifies a line across re-ratings (corrections are per key)."""
    fields = ('platform', 'project_id', 'resource_id', 'meter', 'sku', 'unit_price', 'discount_percent', 'month')
    return '|'.join(str(item.get(k) or '') for k in fields)


def _resource_type(kind):
    if kind is None:
        return PROJECT_RESOURCE_TYPE
    spec = _kinds.find(kind)
    return spec.display if spec is not None else None


def line_figures(line):
    """The exact figures of a rated line: quantity-microseconds to hours, priced."""
    return Figures.priced(q6(line['qus'] / US_PER_HOUR), line['price'].unit_price, line['discount'])


def line_item(line, period, figures):
    """The line item (a document's text form) of a rated line and its ``figures``."""
    owner, price = line['owner'], line['price']
    spec = _kinds.meter(line['meter'])
    item = dict(
        platform=owner['platform'], workspace=owner['workspace'], project=owner['project'],
        project_id=owner['project_id'], tenant=owner.get('tenant'), landing_zone=owner.get('landing_zone'),
        kind=line['kind'], resource_id=line['resource_id'], resource_name=line['resource_name'],
        resource_type=_resource_type(line['kind']), meter=line['meter'], sku=price.sku,
        service=spec.service, service_category=spec.category,
        charge_category='Purchase' if line['meter'] == 'project_monthly_fee' else 'Usage',
        charge_class=None, revision=0,
        description=price.description or '%s%s' % (spec.description, ' (%s)' % price.selector if price.selector else ''),
        unit=price.unit, currency=price.currency, charge_start=ts(line['start']), charge_end=ts(line['end']),
        billing_start=ts(period.start), billing_end=ts(period.end), tags=dict(line['tags']),
        project_tags=list(owner.get('tags') or []), **figures.text()
    )
    if line.get('extra_key'):
        item['month'] = line['extra_key']
    item['key'] = line_key(item)
    item['id'] = hashlib.sha256(('%s|%s' % (item['key'], 0)).encode('utf-8')).hexdigest()[:20]
    return item


class _Owners:
    """Who a project id belongs to on one platform (workspace/project from the ledger), memoised."""

    def __init__(self, platform, projects):
        self.platform = platform
        self.projects = dict((p['project_id'], p) for p in projects)
        self.cache = {}

    def __call__(self, project_id):
        if project_id not in self.cache:
            p = self.projects.get(project_id) or {}
            self.cache[project_id] = dict(platform=self.platform, project_id=project_id,
                                          workspace=p.get('workspace') or UNMANAGED,
                                          project=p.get('project') or p.get('name') or project_id,
                                          tenant=p.get('name'), landing_zone=p.get('landing_zone'),
                                          tags=list(p.get('tags') or []))
        return self.cache[project_id]


class FeeRule(str, enum.Enum):
    """Whether a platform bills the monthly fee of a project its ledger saw (``fee_rule``)."""

    BILLED = 'billed'                       # the project carries this platform's marker
    OTHER_PLATFORM = 'other_platform'       # another platform's project: its fee is billed there
    NO_PLATFORM_MARKER = 'no_platform_marker'  # workspace marker, no platform marker: billed nowhere
    UNMANAGED = 'unmanaged'                 # not ours: no fee

    def __str__(self):
        return self.value


# The platform marker _ownership.PLATFORM_TAG writes. The ledger readers ship without _ownership
# (test_chargeback_modules); test_chargeback_platforms holds the two equal.
PLATFORM_MARKER = 'lz-platform='


def home_platform(project):
    """The platform a ledger project's platform marker names, or None."""
    for tag in project.get('tags') or ():
        if tag.startswith(PLATFORM_MARKER):
            return tag[len(PLATFORM_MARKER):]
    return None


def fee_rule(project, platform):
    """The ``FeeRule`` of a ledger project on ``platform``: its workspace as metering recorded it
    from the ownership tags, its platform marker from the tags Keystone gave it."""
    if not project.get('managed') or (project.get('workspace') or UNMANAGED) == UNMANAGED:
        return FeeRule.UNMANAGED
    home = home_platform(project)
    if not home:
        return FeeRule.NO_PLATFORM_MARKER
    return FeeRule.BILLED if home == platform else FeeRule.OTHER_PLATFORM


def chosen_platforms(ledger, platforms=None):
    """The platforms to read: those given, else every platform the ledger knows."""
    if platforms:
        return sorted(platforms)
    return sorted(set(p['platform'] for p in ledger.projects()) | set(r['platform'] for r in ledger.runs()))


def resources(ledger, platform, kinds):
    """Yield (kind, resource_id, states, lifetime or None) of every resource of ``kinds`` on
    ``platform``, states in time order. No time filter: a first state observed after a period
    still starts at the resource's created_at, possibly inside it."""
    if not kinds:
        return
    lives = dict(((lt['kind'], lt['resource_id']), lt) for lt in ledger.lifetimes(platform, None, None, kinds))
    current, states = None, []
    for obs in ledger.iter_observations(platform, None, None, kinds):
        key = (obs['kind'], obs['resource_id'])
        if key != current:
            if states:
                yield current[0], current[1], states, lives.get(current)
            current, states = key, []
        states.append(obs)
    if states:
        yield current[0], current[1], states, lives.get(current)


def rate(ledger, catalog, period, platforms=None):
    """Rate ``period`` from ``ledger`` with ``catalog``: {items, daily, unpriced, platforms}."""
    out = rate_exact(ledger, catalog, period, platforms)
    del out['figures']
    return out


def rate_exact(ledger, catalog, period, platforms=None):
    """``rate`` with ``figures``: each item's exact ``Figures``, in the items' order."""
    rater = Rater(catalog, period)
    chosen = chosen_platforms(ledger, platforms)
    kinds = sorted(catalog.kinds)
    not_billed = []
    for platform in chosen:
        owner = _Owners(platform, ledger.projects(platform))
        for kind, resource_id, states, life in resources(ledger, platform, kinds):
            rater.add_resource(owner, kind, resource_id, states, life)
        charged = set(key[1] for key in rater.lines if key[0] == platform)
        for p in owner.projects.values():
            first_seen, last_seen = parse_ts(p['first_seen_at']), parse_ts(p['last_seen_at'])
            rule = fee_rule(p, platform)
            if rule == FeeRule.BILLED:
                rater.add_project_fees(owner(p['project_id']), first_seen, last_seen)
            elif (rule == FeeRule.NO_PLATFORM_MARKER or p['project_id'] in charged) and \
                    first_seen < period.end and last_seen >= period.start:
                # named in the statement: projects that would pay a fee, or of other platforms charged here
                not_billed.append(dict(platform=platform, project_id=p['project_id'], workspace=p['workspace'],
                                       project=p.get('project'), rule=rule.value, home=home_platform(p)))
    out = rater.result()
    out['platforms'] = chosen
    out['fees_not_billed'] = not_billed
    return out


# ------------------------------------------------------------------------------ usage hours

# Per kind, the meter whose quantity its usage hours equal, and the one its quantity-hours equal.
HOUR_METERS = _kinds.usage_meters(_kinds.HOURS)
QUANTITY_METERS = _kinds.usage_meters(_kinds.QUANTITY)


def usage_kinds():
    """The kinds usage hours are reported for (those with a usage unit)."""
    return tuple(k.name for k in _kinds.kinds() if k.usage_unit)


def usage_quantity(kind):
    """The function of a state's attributes that is a kind's quantity (its quantity meter's; else 1)."""
    for meter in _kinds.meters_of(kind):
        if meter.usage == _kinds.QUANTITY:
            return meter.quantity
    return _kinds.one


def _usage_of(rows, plat, owner, kind, resource_id, states, life, bounds, vanished_end, states_billed):
    """Add one resource's billed spans within ``bounds`` (lo, hi; None: unbounded) to ``rows``."""
    lo_bound, hi_bound = bounds
    quantity_of = usage_quantity(kind)
    counted = set()
    for a, b, state in intervals(states, life, vanished_end):
        lo = max(a, lo_bound) if lo_bound else a
        hi = min(b, hi_bound) if hi_bound else b
        if hi <= lo or not billed(kind, state.get('attributes'), state is states[0], states_billed):
            continue
        who = owner(state.get('project_id'))
        row = rows.get((plat, who['project_id'], kind))
        if row is None:
            row = rows[(plat, who['project_id'], kind)] = dict(
                platform=plat, project_id=who['project_id'], kind=kind, workspace=who['workspace'],
                project=who['project'], project_name=who['tenant'], resources=0, hus=ZERO, qus=ZERO,
                unit=_kinds.kind(kind).usage_unit)
        if who['project_id'] not in counted:
            counted.add(who['project_id'])
            row['resources'] += 1
        span = micros(lo, hi)
        row['hus'] += span
        row['qus'] += quantity_of(state.get('attributes')) * span


def usage(ledger, platform=None, start=None, end=None, kinds=None, vanished_end=pricing.DEFAULT_VANISHED_END,
          billed_server_states=pricing.BILLED_SERVER_STATES):
    """Usage per (platform, project, kind) within [start, end) (None: unbounded), from the
    invoice's intervals (``intervals``) and billed states (``billed``): resources, hours and
    quantity-hours of the kind's unit (the registry's ``usage_unit``), with workspace/project attribution.

    ``vanished_end`` and ``billed_server_states`` are the price catalog's (defaults: the
    catalog's defaults). Figures are exact decimals rounded to 6 places, returned as floats."""
    bounds = (_time.parse(start) if start else None, _time.parse(end) if end else None)
    states_billed = frozenset(billed_server_states)
    kinds = sorted(kinds or usage_kinds())
    rows = {}
    for plat in chosen_platforms(ledger, [platform] if platform else None):
        owner = _Owners(plat, ledger.projects(plat))
        for kind, resource_id, states, life in resources(ledger, plat, kinds):
            _usage_of(rows, plat, owner, kind, resource_id, states, life, bounds, vanished_end, states_billed)
    out = []
    for row in sorted(rows.values(), key=lambda r: (r['platform'], r['workspace'], r['project'] or '', r['kind'])):
        hus, qus = row.pop('hus'), row.pop('qus')
        row['hours'] = float(q6(D(hus) / US_PER_HOUR))
        row['quantity_hours'] = float(q6(qus / US_PER_HOUR))
        out.append(row)
    return out


def usage_totals(rows):
    """Per kind: resources, hours and quantity-hours summed over ``rows`` (of ``usage``)."""
    totals = {}
    for row in rows:
        t = totals.setdefault(row['kind'], dict(resources=0, hours=0.0, quantity_hours=0.0, unit=row['unit']))
        t['resources'] += row['resources']
        t['hours'] = round(t['hours'] + row['hours'], 6)
        t['quantity_hours'] = round(t['quantity_hours'] + row['quantity_hours'], 6)
    return totals


# ------------------------------------------------------------------------------ totals, corrections

def totals(items, figures=None):
    """Sums of the items' rounded figures: overall, per currency, workspace, project, service, meter.
    ``figures``: the items' exact ``Figures`` in order (else read from the items' text)."""
    out = dict(cost=ZERO, list_cost=ZERO, by_workspace={}, by_project={}, by_service={}, by_meter={},
               by_platform={}, currency=None, items=len(items))
    for item, figures in zip(items, _figures(items, figures)):
        cost = figures.cost
        out['cost'] += cost
        out['list_cost'] += figures.list_cost
        out['currency'] = out['currency'] or item['currency']
        for field, key in (('by_workspace', item['workspace']),
                           ('by_project', '%s/%s' % (item['workspace'], item['project'])),
                           ('by_service', item['service']), ('by_meter', item['meter']),
                           ('by_platform', item['platform'])):
            out[field][key] = out[field].get(key, ZERO) + cost
    return out


def totals_json(t):
    """``totals`` with Decimals as strings (JSON, Ansible results)."""
    out = {}
    for k, v in t.items():
        if isinstance(v, dict):
            out[k] = dict((kk, str(vv)) for kk, vv in sorted(v.items()))
        elif isinstance(v, D):
            out[k] = str(v)
        else:
            out[k] = v
    return out


def totals_from_json(t):
    """A document's ``totals`` (``totals_json``) as Decimals again."""
    out = {}
    for k, v in t.items():
        if isinstance(v, dict):
            out[k] = dict((kk, D(vv)) for kk, vv in v.items())
        elif k in ('cost', 'list_cost'):
            out[k] = D(v)
        else:
            out[k] = v
    return out


def _figures(items, figures=None):
    """The items' exact figures: ``figures`` when given, else read from the items' text."""
    return figures if figures is not None else [Figures.of(item) for item in items]


def _sums(figures):
    """What corrections add up per line key: (quantity, list cost, cost)."""
    return figures.quantity, figures.list_cost, figures.cost


def reconcile(previous, new, revision, figures=None):
    """Correction items (revision ``revision``) that turn the sum of ``previous`` (originals and
    earlier corrections) into ``new``: per line key, the deltas of quantity, list cost and cost.
    ``figures``: ``new``'s exact ``Figures`` in order (else read from its text)."""
    old_sum, old_item = {}, {}
    for item, was in zip(previous, _figures(previous)):
        old_sum[item['key']] = [a + b for a, b in zip(old_sum.get(item['key'], (ZERO, ZERO, ZERO)), _sums(was))]
        old_item.setdefault(item['key'], item)
    new_by_key = dict((item['key'], (item, exact)) for item, exact in zip(new, _figures(new, figures)))
    corrections = []
    for key in sorted(set(old_sum) | set(new_by_key)):
        target, exact = new_by_key.get(key, (None, None))
        now = _sums(exact) if target else (ZERO, ZERO, ZERO)
        was = old_sum.get(key, (ZERO, ZERO, ZERO))
        delta = dict(zip(('quantity', 'list_cost', 'cost'), (n - w for n, w in zip(now, was))))
        if not any(delta.values()):
            continue
        base = dict(target or old_item[key])
        base.update(dict((name, str(value)) for name, value in delta.items()), charge_class='correction', revision=revision)
        base['id'] = hashlib.sha256(('%s|%s' % (key, revision)).encode('utf-8')).hexdigest()[:20]
        corrections.append(base)
    return corrections
