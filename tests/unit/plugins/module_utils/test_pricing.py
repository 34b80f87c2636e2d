# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Price catalog validation: every problem reported with its path, before any work."""

import datetime
import decimal
import os

import pytest
import yaml

from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import pricing as _pricing

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
D = decimal.Decimal
UTC = datetime.timezone.utc


def paths(catalog):
    return [e.path for e in _pricing.validate(catalog)]


def test_example_catalog_is_valid():
    with open(os.path.join(REPO_ROOT, 'examples', 'inventory', 'group_vars', 'all', 'price_catalog.yml')) as fh:
        catalog = yaml.safe_load(fh)['price_catalog']
    assert _pricing.validate(catalog) == []
    loaded = _pricing.load(catalog)
    assert loaded.currency == 'EUR' and 'SHELVED_OFFLOADED' not in loaded.billed_server_states
    assert loaded.boundaries() == [datetime.datetime(2026, 11, 15, tzinfo=UTC)]
    assert all(isinstance(p.unit_price, D) for p in loaded.prices)


@pytest.mark.parametrize('catalog,expected', [
    ([], ['price_catalog']),
    ({}, ['price_catalog.currency', 'price_catalog.prices']),
    ({'currency': 'EUR', 'prices': [], 'colour': 1}, ['price_catalog.colour', 'price_catalog.prices']),
    ({'currency': 'EUR', 'prices': ['x']}, ['price_catalog.prices[0]']),
    ({'currency': 'EUR', 'prices': [{'meter': 'cpu', 'unit': 'hour', 'unit_price': 1}]}, ['price_catalog.prices[0].meter']),
    ({'currency': 'EUR', 'prices': [{'meter': 'router_hours', 'unit': 'hour', 'unit_price': 1},
                                    {'meter': 'volume_gib_hours', 'unit': 'hour', 'unit_price': 1},
                                    {'meter': 'router_hours', 'unit': 'hour', 'unit_price': 'abc', 'effective_from': '2027-01-01'},
                                    {'meter': 'snapshot_gib_hours', 'unit': 'GiB', 'unit_price': '-1'}]},
     ['price_catalog.prices[1].unit', 'price_catalog.prices[2].unit_price', 'price_catalog.prices[2].effective_from',
      'price_catalog.prices[3].unit', 'price_catalog.prices[3].unit_price']),
    ({'currency': 'EUR', 'prices': [{'meter': 'router_hours', 'unit': 'hour', 'unit_price': 1, 'flavor': 'x',
                                     'currency': 'USD'}]},
     ['price_catalog.prices[0].flavor', 'price_catalog.prices[0].currency']),
    ({'currency': 'EUR', 'prices': [{'meter': 'server_hours', 'flavor': 'a', 'unit': 'hour', 'unit_price': 1,
                                     'effective_from': 'soon', 'effective_to': '2026-01-01'},
                                    {'meter': 'server_hours', 'flavor': 'b', 'unit': 'hour', 'unit_price': 1,
                                     'effective_from': '2026-02-01', 'effective_to': '2026-01-01'}]},
     ['price_catalog.prices[0].effective_from', 'price_catalog.prices[1].effective_to']),
    ({'currency': 'EUR', 'prices': [{'meter': 'router_hours', 'unit': 'hour', 'unit_price': 1}],
      'billed_server_states': ['ACTIVE', 'ON'], 'vanished_end': 'later',
      'discounts': [{'workspace': '', 'percent': 120, 'meters': ['bogus']}, {'workspace': 'w', 'percent': 'x'}]},
     ['price_catalog.billed_server_states[1]', 'price_catalog.vanished_end', 'price_catalog.discounts[0].workspace',
      'price_catalog.discounts[0].percent', 'price_catalog.discounts[0].meters[0]', 'price_catalog.discounts[1].percent']),
])
def test_validation_paths(catalog, expected):
    assert sorted(paths(catalog)) == sorted(expected)
    if expected:
        with pytest.raises(_pricing.CatalogError) as err:
            _pricing.load(catalog)
        assert len(err.value.errors) == len(expected) and expected[0] in str(err.value)


def test_effective_windows_may_touch_but_not_overlap():
    base = {'meter': 'server_hours', 'flavor': 'm1', 'unit': 'hour'}
    ok = {'currency': 'EUR', 'prices': [dict(base, unit_price='1', effective_to='2026-11-15'),
                                        dict(base, unit_price='2', effective_from='2026-11-15')]}
    assert paths(ok) == []
    catalog = _pricing.load(ok)
    at = datetime.datetime(2026, 11, 15, tzinfo=UTC)
    assert [p.unit_price for p in catalog.candidates('server_hours', 'm1') if p.applies(at)] == [D(2)]
    bad = {'currency': 'EUR', 'prices': [dict(base, unit_price='1', effective_to='2026-11-16'),
                                         dict(base, unit_price='2', effective_from='2026-11-15')]}
    assert paths(bad) == ['price_catalog.prices[1].effective_from']
    other_flavor = {'currency': 'EUR', 'prices': [dict(base, unit_price='1'), dict(base, flavor='m2', unit_price='2')]}
    assert paths(other_flavor) == []


def test_prices_are_exact_decimals_and_discounts_do_not_stack():
    catalog = _pricing.load({'currency': 'EUR', 'prices': [{'meter': 'router_hours', 'unit': 'hour', 'unit_price': 0.1}],
                             'discounts': [{'workspace': 'w', 'percent': 10},
                                           {'workspace': 'w', 'percent': '12.5', 'meters': ['router_hours']}]})
    assert catalog.prices[0].unit_price == D('0.1')
    at = datetime.datetime(2026, 1, 1, tzinfo=UTC)
    assert catalog.discount('w', 'router_hours', at) == D('12.5')
    assert catalog.discount('w', 'image_gib_hours', at) == D(10)
    assert catalog.discount('x', 'router_hours', at) == D(0)


def test_effective_dates_accept_the_time_forms():
    # dates are midnight UTC, offsets are converted, fractions kept (_time.parse)
    forms = ['2026-11-01', datetime.date(2026, 11, 1), '2026-11-01T02:00:00+02:00', '2026-11-01T00:00:00Z',
             '2026-11-01 00:00:00']
    for form in forms:
        catalog = _pricing.load({'currency': 'EUR', 'prices': [
            {'meter': 'router_hours', 'unit': 'hour', 'unit_price': 1, 'effective_from': form}]})
        assert catalog.prices[0].start == datetime.datetime(2026, 11, 1, tzinfo=UTC), form
    catalog = _pricing.load({'currency': 'EUR', 'prices': [
        {'meter': 'router_hours', 'unit': 'hour', 'unit_price': 1, 'effective_from': '2026-11-01T00:00:00.5Z'}]})
    assert catalog.prices[0].start.microsecond == 500000
    assert paths({'currency': 'EUR', 'prices': [
        {'meter': 'router_hours', 'unit': 'hour', 'unit_price': 1, 'effective_from': 'tomorrow'}]}) == \
        ['price_catalog.prices[0].effective_from']
