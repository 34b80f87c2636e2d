# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The price catalog: what each meter costs, from when, for whom; and its validation.

Standard library only; money is ``decimal.Decimal`` throughout (prices are given as strings or
numbers in the inventory and parsed with ``Decimal(str(value))``, never through a float sum).

Inventory shape (``price_catalog``, see docs/chargeback.md)::

    price_catalog:
      currency: EUR                 # the catalog's currency; every price is in it
      billed_server_states: [...]   # optional, default BILLED_SERVER_STATES
      vanished_end: midpoint        # optional: where a resource that vanished is billed to
      prices:
        - meter: server_hours       # one of the registry's meters (_kinds)
          flavor: m1.small          # selector of the meter (optional: none = any)
          unit: hour                # must be the meter's unit
          unit_price: "0.0420"
          currency: EUR             # optional, must equal the catalog currency
          effective_from: 2026-01-01   # optional, inclusive (date or ISO time, UTC)
          effective_to: 2026-07-01     # optional, exclusive
      discounts:
        - workspace: research
          percent: "15"
          meters: [server_hours]    # optional: all meters when not set
          effective_from / effective_to

Meters and how servers are priced: a server state is priced by ``server_hours`` of its flavor
when the catalog has one for that flavor; otherwise by ``server_vcpu_hours`` and
``server_ram_gib_hours`` (either or both) when the catalog has them; otherwise by a
``server_hours`` without flavor. Volumes and load balancers likewise: a price for their
volume type/flavor first, else the price without selector. A price change at ``effective_from``
splits a charge at that instant (two line items). At any instant at most one price may apply to
a meter and selector (overlaps are validation errors).

``validate(catalog)`` returns the list of ``ValidationIssue`` (path + message, e.g.
``price_catalog.prices[3].unit``); ``load(catalog)`` returns a ``Catalog`` or raises
``CatalogError`` listing every issue, before any work.
"""

import datetime
import decimal
import re

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds, _time
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import IssuesError, ValidationIssue

D = decimal.Decimal
ROOT = 'price_catalog'

# Nova server statuses billed unless the catalog says otherwise: the server holds its flavor's
# resources. Not billed by default: BUILD, ERROR, SHELVED_OFFLOADED (no hypervisor resources),
# SOFT_DELETED, DELETED (a server only ever seen as DELETED is billed for its Nova lifetime,
# see .rating), UNKNOWN.
BILLED_SERVER_STATES = ('ACTIVE', 'HARD_REBOOT', 'MIGRATING', 'PASSWORD', 'PAUSED', 'REBOOT',
                        'REBUILD', 'RESCUE', 'RESIZE', 'REVERT_RESIZE', 'SHELVED', 'SHUTOFF',
                        'SUSPENDED', 'VERIFY_RESIZE')
SERVER_STATES = BILLED_SERVER_STATES + ('BUILD', 'DELETED', 'ERROR', 'SHELVED_OFFLOADED',
                                        'SOFT_DELETED', 'UNKNOWN')
VANISHED_END = ('last_seen', 'midpoint', 'gone')
DEFAULT_VANISHED_END = 'midpoint'

CATALOG_KEYS = ('currency', 'prices', 'discounts', 'billed_server_states', 'vanished_end')
PRICE_KEYS = ('meter', 'unit', 'unit_price', 'currency', 'effective_from', 'effective_to',
              'flavor', 'volume_type', 'description')
DISCOUNT_KEYS = ('workspace', 'percent', 'meters', 'effective_from', 'effective_to')
CURRENCY_RE = re.compile(r'^[A-Z]{3}$')


class CatalogError(IssuesError):
    """The price catalog is invalid; ``errors`` holds every ValidationIssue."""

    what = 'price catalog'


class Price:
    """One validated price: meter, selector value (or None), unit price, effective window."""

    def __init__(self, index, meter, selector, unit_price, currency, start, end, description=None):
        self.index = index
        self.meter = meter
        self.selector = selector
        self.unit_price = unit_price
        self.currency = currency
        self.start = start    # aware datetime or None (since ever)
        self.end = end        # aware datetime or None (forever), exclusive
        self.unit = _kinds.meter(meter).unit
        self.description = description

    @property
    def sku(self):
        return '%s:%s' % (self.meter, self.selector) if self.selector else self.meter

    def applies(self, at):
        return (self.start is None or self.start <= at) and (self.end is None or at < self.end)

    def __repr__(self):
        return 'Price(%s, %s, %s..%s)' % (self.sku, self.unit_price, self.start, self.end)


class Discount:
    def __init__(self, index, workspace, percent, meters, start, end):
        self.index = index
        self.workspace = workspace
        self.percent = percent
        self.meters = meters  # None = every meter
        self.start = start
        self.end = end

    def applies(self, workspace, meter, at):
        return (self.workspace == workspace and (self.meters is None or meter in self.meters)
                and (self.start is None or self.start <= at) and (self.end is None or at < self.end))


class Catalog:
    """A validated price catalog."""

    def __init__(self, currency, prices, discounts, billed_server_states, vanished_end):
        self.currency = currency
        self.prices = prices
        self.discounts = discounts
        self.billed_server_states = frozenset(billed_server_states)
        self.vanished_end = vanished_end
        self._by_meter = {}
        for price in prices:
            self._by_meter.setdefault((price.meter, price.selector), []).append(price)
        self.meters = set(p.meter for p in prices)
        self.kinds = set(_kinds.meter(m).kind for m in self.meters if _kinds.meter(m).kind)

    def candidates(self, meter, selector=None):
        """Prices of ``meter`` for ``selector`` (all effective windows), or None."""
        return self._by_meter.get((meter, selector))

    def has(self, meter, selector=None):
        return (meter, selector) in self._by_meter

    def boundaries(self):
        """Every instant where a price or a discount starts or ends (charges split there)."""
        out = set()
        for item in list(self.prices) + list(self.discounts):
            for at in (item.start, item.end):
                if at is not None:
                    out.add(at)
        return sorted(out)

    def discount(self, workspace, meter, at):
        """The discount percent (Decimal) for ``workspace``/``meter`` at ``at``: the largest of
        those that apply (discounts do not stack), 0 when none."""
        best = D(0)
        for disc in self.discounts:
            if disc.applies(workspace, meter, at) and disc.percent > best:
                best = disc.percent
        return best


def parse_decimal(value):
    """Inventory number -> Decimal (through its text, so 0.1 stays 0.1). ValueError if not."""
    if isinstance(value, bool) or value is None:
        raise ValueError('not a number')
    try:
        out = D(str(value).strip())
    except decimal.InvalidOperation as exc:
        raise ValueError('not a number') from exc
    if not out.is_finite():
        raise ValueError('not a finite number')
    return out


def _catalog_time(errors, path, value):
    if value is None:
        return None
    try:
        return _time.parse(value)
    except _time.TimeError:
        errors.append(ValidationIssue(path, 'not a date or ISO-8601 time: %r' % (value,)))
        return None


def _window(errors, path, item):
    start = _catalog_time(errors, path + '.effective_from', item.get('effective_from'))
    end = _catalog_time(errors, path + '.effective_to', item.get('effective_to'))
    if start is not None and end is not None and end <= start:
        errors.append(ValidationIssue(path + '.effective_to', 'must be after effective_from'))
    return start, end


def _unknown_keys(errors, path, item, allowed):
    for key in sorted(set(item) - set(allowed), key=str):
        errors.append(ValidationIssue('%s.%s' % (path, key), 'unknown key (allowed: %s)' % ', '.join(allowed)))


def _overlap(a, b):
    far_past = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    far_future = datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)
    return (a.start or far_past) < (b.end or far_future) and (b.start or far_past) < (a.end or far_future)


def _known(meter):
    names = tuple(m.name for m in _kinds.meters())
    return meter in names, names


def _parse_settings(catalog, errors):
    """(currency, billed server states, vanished_end) of the catalog."""
    currency = catalog.get('currency')
    if not isinstance(currency, str) or not CURRENCY_RE.match(currency):
        errors.append(ValidationIssue(ROOT + '.currency', 'required: an ISO 4217 code such as EUR'))
    states = catalog.get('billed_server_states')
    if states is None:
        states = BILLED_SERVER_STATES
    elif not isinstance(states, list) or not all(isinstance(s, str) for s in states):
        errors.append(ValidationIssue(ROOT + '.billed_server_states', 'must be a list of Nova server statuses'))
        states = BILLED_SERVER_STATES
    else:
        for i, state in enumerate(states):
            if state not in SERVER_STATES:
                errors.append(ValidationIssue('%s.billed_server_states[%d]' % (ROOT, i),
                                              'unknown server status %r (known: %s)' % (state, ', '.join(SERVER_STATES))))
    vanished = catalog.get('vanished_end', DEFAULT_VANISHED_END)
    if vanished not in VANISHED_END:
        errors.append(ValidationIssue(ROOT + '.vanished_end', 'must be one of %s' % ', '.join(VANISHED_END)))
    return currency, states, vanished


def _selector(errors, path, item, spec):
    """The price's selector value (None: any), checked against the meter's selector."""
    selector = None
    for key in ('flavor', 'volume_type'):
        if key in item and item[key] is not None:
            if spec.selector != key:
                errors.append(ValidationIssue('%s.%s' % (path, key), '%s has no %s selector' % (spec.name, key)))
            elif not isinstance(item[key], str) or not item[key]:
                errors.append(ValidationIssue('%s.%s' % (path, key), 'must be a non-empty string'))
            else:
                selector = item[key]
    return selector


def _parse_price(errors, i, item, currency, prices):
    """The Price of ``prices[i]``, or None when its meter is unknown."""
    path = '%s.prices[%d]' % (ROOT, i)
    _unknown_keys(errors, path, item, PRICE_KEYS)
    meter = item.get('meter')
    known, names = _known(meter)
    if not known:
        errors.append(ValidationIssue(path + '.meter', 'unknown meter %r (known: %s)' % (meter, ', '.join(names))))
        return None
    spec = _kinds.meter(meter)
    if item.get('unit') != spec.unit:
        errors.append(ValidationIssue(path + '.unit', '%s is priced per %r, not %r' % (meter, spec.unit, item.get('unit'))))
    selector = _selector(errors, path, item, spec)
    try:
        unit_price = parse_decimal(item.get('unit_price'))
        if unit_price < 0:
            errors.append(ValidationIssue(path + '.unit_price', 'must not be negative'))
    except ValueError:
        errors.append(ValidationIssue(path + '.unit_price', 'required: a decimal number (a quoted string keeps it exact)'))
        unit_price = D(0)
    cur = item.get('currency', currency)
    if cur != currency:
        errors.append(ValidationIssue(path + '.currency', '%r differs from the catalog currency %r (one catalog, one currency)'
                                      % (cur, currency)))
    start, end = _window(errors, path, item)
    price = Price(i, meter, selector, unit_price, currency, start, end, item.get('description'))
    for other in prices:
        if (other.meter, other.selector) == (meter, selector) and _overlap(other, price):
            errors.append(ValidationIssue(path + '.effective_from', 'overlaps %s.prices[%d] (same meter %s%s): '
                                          'at most one price applies at a time'
                                          % (ROOT, other.index, meter, ' ' + selector if selector else '')))
    return price


def _parse_discount(errors, i, item):
    path = '%s.discounts[%d]' % (ROOT, i)
    _unknown_keys(errors, path, item, DISCOUNT_KEYS)
    workspace = item.get('workspace')
    if not isinstance(workspace, str) or not workspace:
        errors.append(ValidationIssue(path + '.workspace', 'required: a workspace identifier'))
    try:
        percent = parse_decimal(item.get('percent'))
        if not D(0) <= percent <= D(100):
            errors.append(ValidationIssue(path + '.percent', 'must be between 0 and 100'))
    except ValueError:
        errors.append(ValidationIssue(path + '.percent', 'required: a decimal number between 0 and 100'))
        percent = D(0)
    meters = item.get('meters')
    if meters is not None:
        if not isinstance(meters, list):
            errors.append(ValidationIssue(path + '.meters', 'must be a list of meters'))
            meters = None
        else:
            for j, meter in enumerate(meters):
                if not _known(meter)[0]:
                    errors.append(ValidationIssue('%s.meters[%d]' % (path, j), 'unknown meter %r' % (meter,)))
            meters = frozenset(meters)
    start, end = _window(errors, path, item)
    return Discount(i, workspace, percent, meters, start, end)


def _mappings(errors, catalog, key, required):
    """Yields (index, item) of the list ``catalog[key]``; an item that is not a mapping is an issue
    (in list order: a generator, so the issues keep the catalog's order)."""
    raw = catalog.get(key)
    if required and (not isinstance(raw, list) or not raw):
        errors.append(ValidationIssue('%s.%s' % (ROOT, key), 'required: a non-empty list of prices'))
        raw = []
    raw = raw or []
    if not isinstance(raw, list):
        errors.append(ValidationIssue('%s.%s' % (ROOT, key), 'must be a list'))
        raw = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            errors.append(ValidationIssue('%s.%s[%d]' % (ROOT, key, i), 'must be a mapping'))
        else:
            yield i, item


def _parse(catalog, errors):
    if not isinstance(catalog, dict):
        errors.append(ValidationIssue(ROOT, 'must be a mapping'))
        return None
    _unknown_keys(errors, ROOT, catalog, CATALOG_KEYS)
    currency, states, vanished = _parse_settings(catalog, errors)
    prices = []
    for i, item in _mappings(errors, catalog, 'prices', True):
        price = _parse_price(errors, i, item, currency, prices)
        if price is not None:
            prices.append(price)
    discounts = [_parse_discount(errors, i, item) for i, item in _mappings(errors, catalog, 'discounts', False)]
    return Catalog(currency, prices, discounts, states, vanished)


def validate(catalog):
    """Every problem of ``catalog`` as ValidationIssue (empty when valid)."""
    errors = []
    _parse(catalog, errors)
    return errors


def load(catalog):
    """Validated ``Catalog``; raises CatalogError with every issue."""
    errors = []
    out = _parse(catalog, errors)
    if errors:
        raise CatalogError(errors)
    return out
