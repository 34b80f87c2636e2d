# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``focus.parquet``: the rows of ``focus.csv`` as a typed Parquet file (optional, needs pyarrow).

pyarrow is an extra, not a dependency: it is imported only when a run asks for Parquet, and
``missing()`` says so before any work. Costs, prices and quantities are decimals (exact, as in the
CSV), the FOCUS date-times UTC timestamps, every other column a string; an empty CSV cell is null.
"""

import datetime
import decimal
import io

NAME = 'focus.parquet'
# 38 digits, 10 after the point: the rating keeps 6 decimals (rating.q6), a unit price up to 10
DECIMAL = (38, 10)
DECIMAL_COLUMNS = ('BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'ConsumedQuantity',
                   'PricingQuantity', 'ListUnitPrice', 'ContractedUnitPrice', 'CommitmentDiscountQuantity',
                   'x_DiscountPercent')
TIME_COLUMNS = ('BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd')
INTEGER_COLUMNS = ('x_Revision',)


def missing():
    """None when pyarrow imports, else what to install."""
    try:
        import pyarrow  # noqa: F401 - only checking that it imports
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:
        return ('focus_parquet (in the playbooks the inventory variable lz_focus_parquet) needs the Python package '
                'pyarrow where the module runs (pip install pyarrow; see docs/chargeback.md): %s' % exc)
    return None


def _time(value):
    # FOCUS times as focus_csv writes them: 2026-11-01T00:00:00Z
    return datetime.datetime.strptime(value, '%Y-%m-%dT%H:%M:%SZ').replace(tzinfo=datetime.timezone.utc)


def _cell(column, value):
    if value is None or value == '':
        return None
    if column in DECIMAL_COLUMNS:
        return decimal.Decimal(str(value))
    if column in TIME_COLUMNS:
        return _time(value)
    if column in INTEGER_COLUMNS:
        return int(value)
    return str(value)


def schema(columns):
    import pyarrow as pa
    fields = []
    for column in columns:
        if column in DECIMAL_COLUMNS:
            kind = pa.decimal128(*DECIMAL)
        elif column in TIME_COLUMNS:
            kind = pa.timestamp('ms', tz='UTC')  # Parquet's coarsest unit
        elif column in INTEGER_COLUMNS:
            kind = pa.int64()
        else:
            kind = pa.string()
        fields.append(pa.field(column, kind))
    return pa.schema(fields, metadata={'focus_version': '1.2'})


def render(rows, columns):
    """The bytes of a Parquet file of ``rows`` (dicts) with ``columns``."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    rows = list(rows)
    data = dict((c, [_cell(c, r.get(c)) for r in rows]) for c in columns)
    table = pa.Table.from_pydict(data, schema=schema(columns))
    buf = io.BytesIO()
    # pyarrow writes no time or random id into the file: the same rows give the same bytes (tested)
    pq.write_table(table, buf, compression='zstd')
    return buf.getvalue()
