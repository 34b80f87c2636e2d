# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Time: the one ISO-8601 parser of the collection, and the ledger's fixed-width UTC text.

The OpenStack APIs write times in several forms (``2026-11-01T10:00:00Z``, ``...00.123456``,
``2026-11-01 10:00:00``, offsets, none); the inventory writes dates. ``parse`` reads all of them
into an aware UTC datetime. ``ts`` is the text the ledger stores (``YYYY-MM-DDTHH:MM:SS.ffffffZ``:
fixed width, so text order is time order in SQLite and PostgreSQL alike).
"""

import datetime
import re

UTC = datetime.timezone.utc
TS_FORMAT = '%Y-%m-%dT%H:%M:%S.%fZ'
_ISO_RE = re.compile(r'^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?'
                     r'(Z|[+-]\d{2}:?\d{2})?$', re.IGNORECASE)


class TimeError(ValueError):
    """Not a time this collection can read."""


def parse(value):
    """A datetime, a date, or ISO-8601 text -> aware UTC datetime; naive input is UTC."""
    if isinstance(value, datetime.datetime):
        dt = value
    elif isinstance(value, datetime.date):
        dt = datetime.datetime(value.year, value.month, value.day)
    else:
        match = _ISO_RE.match(str(value).strip())
        if not match:
            raise TimeError('not an ISO-8601 time: %r' % (value,))
        year, month, day, hour, minute, second, fraction, zone = match.groups()
        try:
            dt = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                   int(second or 0), int(((fraction or '') + '000000')[:6]))
        except ValueError as exc:
            raise TimeError('not an ISO-8601 time: %r (%s)' % (value, exc))
        if zone and zone.upper() != 'Z':
            digits = zone[1:].replace(':', '')
            hours, minutes = int(digits[:2]), int(digits[2:])
            if hours > 23 or minutes > 59:
                raise TimeError('not an ISO-8601 time: %r (offset out of range)' % (value,))
            offset = datetime.timedelta(hours=hours, minutes=minutes)
            dt = dt.replace(tzinfo=datetime.timezone(offset if zone[0] == '+' else -offset))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC)
    except OverflowError:
        raise TimeError('not a time this collection can store: %r (outside years 1-9999 in UTC)' % (value,))


def day(moment):
    """A moment as the inventory wrote it: the date alone at midnight, else ISO-8601."""
    return moment.strftime('%Y-%m-%d') if moment.time() == datetime.time(0) else moment.isoformat()


def ts(value):
    """The ledger's text of a time (see ``parse``); None and '' stay None."""
    if value is None or value == '':
        return None
    dt = parse(value)
    # %Y does not zero-pad years below 1000 on every libc: the width must not depend on it.
    return '%04d%s' % (dt.year, dt.strftime(TS_FORMAT[2:]))


def parse_ts(text):
    """Ledger text -> aware UTC datetime (the fast path: the format is known)."""
    return datetime.datetime.strptime(text, TS_FORMAT).replace(tzinfo=UTC)


def utcnow():
    return datetime.datetime.now(UTC)
