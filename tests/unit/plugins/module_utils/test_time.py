# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one ISO-8601 parser and the ledger's fixed-width UTC text."""

import datetime
import time

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _time
from ansible_collections.landingzone.openstack.plugins.module_utils._time import TimeError, parse, parse_ts, ts

UTC = datetime.timezone.utc


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


# Every form the OpenStack APIs (and the inventory) write.
FORMS = [
    ('2026-11-01T10:00:00Z', utc(2026, 11, 1, 10, 0, 0)),               # Keystone, Nova
    ('2026-11-01T10:00:00z', utc(2026, 11, 1, 10, 0, 0)),
    ('2026-11-01T10:00:00', utc(2026, 11, 1, 10, 0, 0)),                # Nova created (no zone)
    ('2026-11-01T10:00:00.123456', utc(2026, 11, 1, 10, 0, 0, 123456)),  # Cinder, Nova updated_at
    ('2026-11-01T10:00:00.000000Z', utc(2026, 11, 1, 10, 0, 0)),        # Keystone expires_at
    ('2026-11-01T12:00:00+02:00', utc(2026, 11, 1, 10, 0, 0)),
    ('2026-11-01T10:00:00+00:00', utc(2026, 11, 1, 10, 0, 0)),          # Neutron, Octavia
    ('2026-11-01T04:30:00-0530', utc(2026, 11, 1, 10, 0, 0)),
    ('2026-11-01T15:30:00+0530', utc(2026, 11, 1, 10, 0, 0)),
    ('2026-11-01T01:00:00+02:00', utc(2026, 10, 31, 23, 0, 0)),         # offset crosses midnight
    ('2026-12-31T23:30:00-01:00', utc(2027, 1, 1, 0, 30, 0)),           # ... and the year
    ('2026-11-01 10:00:00', utc(2026, 11, 1, 10, 0, 0)),                # Gnocchi, SQL dumps
    ('2026-11-01 10:00:00.5+01:00', utc(2026, 11, 1, 9, 0, 0, 500000)),
    ('2026-11-01T10:00', utc(2026, 11, 1, 10, 0, 0)),
    ('2026-11-01', utc(2026, 11, 1)),                                   # inventory dates
    ('  2026-11-01T10:00:00Z\n', utc(2026, 11, 1, 10, 0, 0)),
    ('2024-02-29T00:00:00Z', utc(2024, 2, 29)),
]


@pytest.mark.parametrize('text,expected', FORMS)
def test_parse_forms(text, expected):
    got = parse(text)
    assert got == expected
    assert got.utcoffset() == datetime.timedelta(0)
    assert got.tzinfo is UTC


@pytest.mark.parametrize('digits', range(1, 10))
def test_parse_fraction_digits(digits):
    fraction = '123456789'[:digits]
    micro = int((fraction + '000000')[:6])
    assert parse('2026-11-01T10:00:00.%sZ' % fraction) == utc(2026, 11, 1, 10, 0, 0, micro)
    assert parse('2026-11-01T10:00:00.%s' % fraction) == utc(2026, 11, 1, 10, 0, 0, micro)
    assert parse('2026-11-01T10:00:00.%s+01:00' % fraction) == utc(2026, 11, 1, 9, 0, 0, micro)


def test_parse_fraction_is_truncated_not_rounded():
    assert parse('2026-11-01T10:00:00.9999999Z') == utc(2026, 11, 1, 10, 0, 0, 999999)


def test_parse_aware_datetime_is_converted():
    plus2 = datetime.timezone(datetime.timedelta(hours=2))
    value = datetime.datetime(2026, 11, 1, 12, 0, tzinfo=plus2)
    got = parse(value)
    assert got == utc(2026, 11, 1, 10, 0)
    assert got.tzinfo is UTC
    assert got.hour == 10


def test_parse_naive_datetime_is_utc():
    got = parse(datetime.datetime(2026, 11, 1, 10, 0, 0, 42))
    assert got == utc(2026, 11, 1, 10, 0, 0, 42)
    assert got.tzinfo is UTC


@pytest.fixture
def local_zone_not_utc(monkeypatch):
    # Naive means UTC, whatever the zone of the host running the module.
    monkeypatch.setenv('TZ', 'EST+05EDT,M3.2.0,M11.1.0')
    time.tzset()
    assert time.timezone != 0
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures('local_zone_not_utc')
def test_naive_is_utc_on_a_host_in_another_zone():
    assert parse(datetime.datetime(2026, 11, 1, 10, 0)) == utc(2026, 11, 1, 10, 0)
    assert parse('2026-11-01T10:00:00') == utc(2026, 11, 1, 10, 0)
    assert parse('2026-11-01') == utc(2026, 11, 1)
    assert parse(datetime.date(2026, 7, 1)) == utc(2026, 7, 1)
    assert ts('2026-07-01 10:00:00') == '2026-07-01T10:00:00.000000Z'


def test_parse_date_is_midnight_utc():
    got = parse(datetime.date(2026, 11, 1))
    assert got == utc(2026, 11, 1)
    assert got.tzinfo is UTC


def test_parse_utc_datetime_is_unchanged():
    value = utc(2026, 11, 1, 10, 0, 0, 7)
    assert parse(value) == value


@pytest.mark.parametrize('value', [
    '2026-13-01',
    '2026-02-30',
    '2025-02-29',
    '2026-11-01T25:00:00',
    '2026-11-01T10:61:00',
    '2026-11-01T10:00:61Z',
    '0000-01-01',
    'yesterday',
    '',
    '   ',
    '2026-11-1',
    '26-11-01',
    '2026/11/01',
    '2026-11-01T10',
    '2026-11-01T10:00:00+2',
    '2026-11-01T10:00:00 UTC',
    '2026-11-01T10:00:00.Z',
    '1730455200',
    None,
    1730455200,
])
def test_parse_invalid_raises_time_error_naming_the_value(value):
    with pytest.raises(TimeError) as err:
        parse(value)
    assert isinstance(err.value, ValueError)
    assert repr(value) in str(err.value)


def test_time_error_is_a_value_error():
    assert issubclass(TimeError, ValueError)


# An offset of 24h or more must not reach datetime.timezone(), which raises a plain ValueError.
@pytest.mark.parametrize('value', ['2026-11-01T10:00:00+24:00', '2026-11-01T10:00:00-2500'])
def test_parse_out_of_range_offset_raises_time_error(value):
    with pytest.raises(TimeError) as err:
        parse(value)
    assert repr(value) in str(err.value)


# +02:99 must not be read as +03:39.
def test_parse_offset_minutes_over_59_raise_time_error():
    with pytest.raises(TimeError):
        parse('2026-11-01T10:00:00+02:99')


# Converting to UTC past year 1 or 9999 must not leak astimezone()'s OverflowError.
@pytest.mark.parametrize('value', ['0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00'])
def test_parse_out_of_range_after_conversion_raises_time_error(value):
    with pytest.raises(TimeError) as err:
        parse(value)
    assert repr(value) in str(err.value)


# ----------------------------------------------------------------------------------------------
# ts / parse_ts
# ----------------------------------------------------------------------------------------------

def test_ts_format():
    assert ts('2026-11-01') == '2026-11-01T00:00:00.000000Z'
    assert ts('2026-11-01T12:00:00.5+02:00') == '2026-11-01T10:00:00.500000Z'
    assert ts(utc(2026, 11, 1, 10, 0, 0, 1)) == '2026-11-01T10:00:00.000001Z'
    assert ts(datetime.date(2026, 1, 2)) == '2026-01-02T00:00:00.000000Z'


@pytest.mark.parametrize('text,expected', FORMS)
def test_ts_fixed_width(text, expected):
    assert len(ts(text)) == len('YYYY-MM-DDTHH:MM:SS.ffffffZ')
    assert ts(text) == expected.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


@pytest.mark.parametrize('value', [None, ''])
def test_ts_of_nothing_is_none(value):
    assert ts(value) is None


def test_ts_of_invalid_raises():
    with pytest.raises(TimeError):
        ts('yesterday')


# strftime %Y does not zero-pad years below 1000 on glibc: the ledger text must stay fixed width.
def test_ts_fixed_width_for_small_years():
    text = ts('0005-01-01')
    assert text == '0005-01-01T00:00:00.000000Z'
    assert parse_ts(text) == utc(5, 1, 1)


@pytest.mark.parametrize('text,expected', FORMS)
def test_round_trip(text, expected):
    back = parse_ts(ts(text))
    assert back == parse(text)
    assert back.tzinfo is UTC


@pytest.mark.parametrize('digits', range(1, 10))
def test_round_trip_fractions(digits):
    text = '2026-11-01T10:00:00.%s-03:00' % '987654321'[:digits]
    assert parse_ts(ts(text)) == parse(text)


def test_parse_ts_rejects_other_forms():
    with pytest.raises(ValueError):
        parse_ts('2026-11-01T10:00:00Z')


def test_text_order_is_time_order():
    # Chosen so that the order of the inputs' own text differs from their time order.
    sample = [
        '2026-11-01T12:00:00+02:00',        # 10:00Z
        '2026-11-01T09:59:59.999999',
        '2026-11-01 10:00:00.000001Z',
        '2026-11-01T04:29:00-0530',         # 09:59Z
        '2026-10-31T23:30:00-01:00',        # 2026-11-01T00:30Z
        '2026-11-01',
        '2026-11-02T00:30:00+01:00',        # 2026-11-01T23:30Z
        '2025-12-31T23:59:59.5Z',
        '2026-01-01T00:00:00.05Z',
        '2026-01-01T00:00:00.5Z',
        '2026-11-01T10:00:00.1',
        '2026-11-01T10:00:00.09',
        '1999-01-01T00:00:00Z',
        '2100-06-01T00:00:00Z',
    ]
    assert sorted(sample) != sorted(sample, key=parse)  # the sample is meaningful
    by_time = [ts(v) for v in sorted(sample, key=parse)]
    by_text = sorted(ts(v) for v in sample)
    assert by_text == by_time
    assert len(set(by_text)) == len(sample)


def test_utcnow_is_aware_utc():
    before = datetime.datetime.now(UTC)
    now = _time.utcnow()
    after = datetime.datetime.now(UTC)
    assert now.utcoffset() == datetime.timedelta(0)
    assert before <= now <= after
