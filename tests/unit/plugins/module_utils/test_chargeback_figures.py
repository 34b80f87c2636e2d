# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Money and quantities of the reports: the days add up to the items exactly, image sizes are
exact, every line names its resource, FOCUS Tags hold only real tags."""

import datetime
import decimal
import json
import os

from hypothesis import given, strategies as st

from ansible_collections.landingzone.openstack.plugins.module_utils import _time
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import budgets, pricing, rating, reports
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store

D = decimal.Decimal
UTC = datetime.timezone.utc
T0 = datetime.datetime(2026, 10, 1, tzinfo=UTC)
H = datetime.timedelta(hours=1)
NOW = T0 + 40 * 24 * H
PROJECTS = [dict(project_id='P1', name='ws1-alpha', domain_id='default', workspace='ws1', project='alpha',
                 landing_zone='default', managed=True, enabled=True,
                 tags=['lz-managed', 'lz-ws=ws1', 'lz-proj=alpha', 'lz-platform=p1', 'cost-centre=4711']),
            dict(project_id='P2', name='other', domain_id='default', workspace='unmanaged', project='other',
                 landing_zone=None, managed=False, enabled=True, tags=[])]


def record(ledger, n, at, observations, projects=None):
    lifetimes = [dict(kind=o['kind'], resource_id=o['resource_id'], project_id=o['project_id'],
                      created_at=_time.ts(T0 + datetime.timedelta(minutes=7)), deleted_at=None) for o in observations]
    ledger.record_run(dict(id='run-%d' % n, platform='p1', started_at=_time.ts(at), finished_at=_time.ts(at),
                           window_start=None, window_end=_time.ts(at), status='ok', counts={}, remarks=[],
                           complete_kinds=sorted(set(o['kind'] for o in observations)), requests={},
                           projects=projects or PROJECTS, observations=observations, lifetimes=lifetimes))


def obs(kind, rid, project='P1', **attributes):
    return dict(kind=kind, resource_id=rid, project_id=project, attributes=attributes)


def ledger_with(tmp_path, observations, hours=(5, 30, 77)):
    ledger = store.open_ledger(path=str(tmp_path / 'ledger.sqlite'))
    for n, h in enumerate(hours):
        record(ledger, n, T0 + h * H + datetime.timedelta(seconds=13), observations)
    return ledger


@given(total=st.integers(min_value=-10 ** 9, max_value=10 ** 9),
       weights=st.dictionaries(st.integers(0, 40), st.integers(0, 10 ** 12), min_size=1, max_size=31))
def test_allocate_shares_add_up_exactly(total, weights):
    total = D(total).scaleb(-6)
    shares = rating.allocate(total, dict((k, D(v)) for k, v in weights.items()))
    if sum(weights.values()) and total:
        assert sum(shares.values()) == total
        assert all(s.as_tuple().exponent >= -6 for s in shares.values())
        assert set(shares) <= set(k for k, v in weights.items() if v)
    else:
        assert shares == {}


def test_daily_figures_add_up_to_the_total_exactly(tmp_path):
    # awkward prices, a discount and a pro-rated monthly fee: each line's rounding used to differ
    # from the rounding of the day sums
    ledger = ledger_with(tmp_path, [obs('volumes', 'v%d' % i, size_gib=1 + i, volume_type='ssd') for i in range(7)]
                         + [obs('servers', 's1', name='vm', vcpus=3, status='ACTIVE', flavor='x')])
    catalog = pricing.load(dict(currency='EUR', discounts=[dict(workspace='ws1', percent='7')], prices=[
        dict(meter='volume_gib_hours', unit='GiB-hour', unit_price='0.0000333'),
        dict(meter='server_vcpu_hours', unit='vCPU-hour', unit_price='0.0123457'),
        dict(meter='project_monthly_fee', unit='month', unit_price='9.99')]))
    for period in (rating.period_window('2026-10', now=NOW),
                   rating.period_window(start='2026-10-01T03:17:00Z', end='2026-10-04T01:00:00Z', now=NOW)):
        rated = rating.rate(ledger, catalog, period)
        total = sum(D(i['cost']) for i in rated['items'])
        assert total > 0
        assert sum(D(d['cost']) for d in rated['daily']) == total
    ledger.close()


def test_image_sizes_are_exact_and_every_line_names_its_resource(tmp_path):
    ledger = ledger_with(tmp_path, [
        obs('images', 'i-tiny', name='tiny', size_bytes=100, size_gib=0.0, status='active'),
        obs('images', 'i-odd', name='odd', size_bytes=3 * 1024 ** 3 + 1, size_gib=3.0, status='active'),
        obs('floating_ips', 'f1', address='203.0.113.7', attached=True, status='ACTIVE'),
        obs('volumes', 'v-noname', name='', size_gib=1),
    ])
    catalog = pricing.load(dict(currency='EUR', prices=[
        dict(meter='image_gib_hours', unit='GiB-hour', unit_price='1'),
        dict(meter='floating_ip_hours', unit='hour', unit_price='1'),
        dict(meter='volume_gib_hours', unit='GiB-hour', unit_price='1'),
        dict(meter='project_monthly_fee', unit='month', unit_price='1')]))
    items = rating.rate(ledger, catalog, rating.period_window('2026-10', now=NOW))['items']
    by_id = dict((i['resource_id'], i) for i in items)
    span = rating.micros(T0 + datetime.timedelta(minutes=7), T0 + 77 * H + datetime.timedelta(seconds=13))
    hours = D(span) / rating.US_PER_HOUR
    assert by_id['i-tiny']['quantity'] == str(rating.q6(D(100) / D(1024 ** 3) * hours)) != '0.000000'
    assert by_id['i-odd']['quantity'] == str(rating.q6((D(3) + D(1) / D(1024 ** 3)) * hours))
    assert by_id['f1']['resource_name'] == '203.0.113.7'
    assert by_id['v-noname']['resource_name'] == 'v-noname'
    assert by_id['P1']['resource_name'] == 'ws1-alpha'  # the monthly fee: the Keystone project
    assert all(i['resource_name'] for i in items)
    # usage hours read the same exact size
    usage = dict((u['kind'], u) for u in rating.usage(ledger, 'p1', kinds=['images']))
    assert D(str(usage['images']['quantity_hours'])) == rating.q6((D(100) + D(3 * 1024 ** 3 + 1)) / D(1024 ** 3) * hours)
    ledger.close()


def test_focus_tags_are_the_projects_real_tags(tmp_path):
    ledger = ledger_with(tmp_path, [obs('volumes', 'v1', name='data', size_gib=2, volume_type='ssd'),
                                    obs('volumes', 'v2', project='P2', name='theirs', size_gib=1)])
    catalog = pricing.load(dict(currency='EUR', prices=[dict(meter='volume_gib_hours', unit='GiB-hour', unit_price='1')]))
    doc, dummy = reports.chargeback(ledger, catalog, rating.period_window('2026-10', now=NOW), None, write_files=False)
    rows = dict((r['ResourceId'], r) for r in reports.focus_rows(doc))
    assert json.loads(rows['v1']['Tags']) == {
        'lz-managed': True, 'lz-ws': 'ws1', 'lz-proj': 'alpha', 'lz-platform': 'p1', 'cost-centre': '4711'}
    assert json.loads(rows['v2']['Tags']) == {}  # unmanaged: no invented lz-workspace tag
    assert (rows['v2']['x_Workspace'], rows['v1']['x_Workspace'], rows['v1']['x_Project']) == ('unmanaged', 'ws1', 'alpha')
    assert json.loads(rows['v1']['x_Attributes']) == {'volume_type': 'ssd'}
    ledger.close()
    assert not os.path.exists(str(tmp_path / '2026-10'))


FOCUS_12_MANDATORY = ('BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd',
                      'BillingPeriodStart', 'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargePeriodEnd',
                      'ChargePeriodStart', 'CommitmentDiscountCategory', 'CommitmentDiscountId', 'CommitmentDiscountName',
                      'CommitmentDiscountQuantity', 'CommitmentDiscountStatus', 'CommitmentDiscountType',
                      'CommitmentDiscountUnit', 'ConsumedQuantity', 'ConsumedUnit', 'ContractedCost', 'ContractedUnitPrice',
                      'EffectiveCost', 'InvoiceIssuerName', 'ListCost', 'ListUnitPrice', 'PricingCategory',
                      'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName', 'RegionId', 'RegionName',
                      'ResourceId', 'ResourceName', 'ResourceType', 'ServiceCategory', 'ServiceName', 'SkuId',
                      'SubAccountId', 'SubAccountName', 'SubAccountType', 'Tags')


def test_focus_columns_billing_accounts_and_invoices(tmp_path):
    ledger = ledger_with(tmp_path, [obs('volumes', 'v1', name='data', size_gib=2),
                                    obs('volumes', 'v2', project='P2', name='theirs', size_gib=1)])
    catalog = pricing.load(dict(currency='EUR', prices=[dict(meter='volume_gib_hours', unit='GiB-hour', unit_price='1'),
                                                        dict(meter='project_monthly_fee', unit='month', unit_price='1')]))
    assert set(FOCUS_12_MANDATORY) <= set(reports.FOCUS_COLUMNS)
    assert all(c.startswith('x_') for c in reports.FOCUS_COLUMNS[reports.FOCUS_COLUMNS.index('x_Workspace'):])
    closed = rating.period_window('2026-10', now=NOW)
    doc, dummy = reports.chargeback(ledger, catalog, closed, None, write_files=False,
                                    billing=dict(provider_name='Acme Cloud'))
    rows = dict((r['ResourceId'], r) for r in reports.focus_rows(doc))
    assert (rows['v1']['BillingAccountId'], rows['v1']['BillingAccountType'], rows['v1']['InvoiceId']) == \
        ('4711', 'cost-centre', '2026-10-4711')
    # no cost centre tag: billed to the workspace
    assert (rows['v2']['BillingAccountId'], rows['v2']['InvoiceId']) == ('unmanaged', '2026-10-unmanaged')
    assert (rows['v1']['ProviderName'], rows['v1']['PublisherName'], rows['v1']['InvoiceIssuerName']) == ('Acme Cloud',) * 3
    assert (rows['v1']['PricingUnit'], rows['v1']['ConsumedUnit'], rows['P1']['PricingUnit']) == ('GiB-Hours', 'GiB-Hours', 'Months')
    assert (rows['P1']['ChargeCategory'], rows['P1']['ChargeFrequency'], rows['v1']['ChargeFrequency']) == \
        ('Usage', 'Recurring', 'Usage-Based')
    assert (rows['v1']['ServiceSubcategory'], rows['P1']['ServiceSubcategory']) == ('Block Storage', 'Other (Management and Governance)')
    assert doc['focus_version'] == '1.2' and doc['billing']['account_tag'] == 'cost-centre'
    # an open period is on no invoice yet
    window = rating.period_window(start='2026-10-01', end='2026-12-01', now=NOW)
    doc, dummy = reports.chargeback(ledger, catalog, window, None, write_files=False)
    assert {r['InvoiceId'] for r in reports.focus_rows(doc)} == {''}
    ledger.close()


def test_budgets_used_remaining_forecast_and_alerts(tmp_path):
    from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import budgets
    import pytest
    amounts, levels = budgets.load({'ws1': '100', 'unmanaged': 10, 'idle': '5'}, [100, '80'])
    assert levels == [D(80), D(100)]
    with pytest.raises(budgets.BudgetError) as err:
        budgets.load({'ws1': 'lots', 'ws2': -1}, [0])
    assert [e.path for e in err.value.errors] == ['budgets.ws1', 'budgets.ws2', 'budget_alert_thresholds[0]']
    month = rating.period_window('2026-10', now=NOW)
    out = budgets.evaluate(amounts, levels, month, {'ws1': '85.5', 'unmanaged': '12'}, NOW)
    ws1, unm, idle = out['workspaces']['ws1'], out['workspaces']['unmanaged'], out['workspaces']['idle']
    assert (ws1['budget'], ws1['used'], ws1['remaining'], ws1['used_percent'], ws1['forecast']) == \
        ('100.000000', '85.5', '14.500000', '85.50', '85.5')
    assert [a['threshold'] for a in ws1['alerts']] == ['80'] and [a['threshold'] for a in unm['alerts']] == ['80', '100']
    assert idle['alerts'] == [] and idle['used'] == '0'
    # the running month, a third over: 40 used so far runs to 120 by the month end
    now = datetime.datetime(2026, 11, 11, tzinfo=UTC)
    running = rating.period_window('2026-11', now=now)
    ws1 = budgets.evaluate({'ws1': D(100)}, levels, running, {'ws1': '40'}, now)['workspaces']['ws1']
    assert (ws1['used_percent'], ws1['forecast'], ws1['forecast_percent']) == ('40.00', '120.000000', '120.00')
    assert ws1['alerts'] == [dict(threshold='80', basis='forecast'), dict(threshold='100', basis='forecast')]
    # a window of half a month has half the budget
    half = rating.period_window(start='2026-11-01', end='2026-11-16', now=NOW + 60 * 24 * H)
    assert budgets.evaluate({'ws1': D(100)}, levels, half, {}, NOW + 60 * 24 * H)['workspaces']['ws1']['budget'] == '50.000000'
    # through the reports: the JSON, the result and the HTML carry them
    ledger = ledger_with(tmp_path, [obs('volumes', 'v1', name='data', size_gib=2)])
    catalog = pricing.load(dict(currency='EUR', prices=[dict(meter='volume_gib_hours', unit='GiB-hour', unit_price='1')]))
    doc, result = reports.chargeback(ledger, catalog, month, None, write_files=False, budget=(amounts, levels))
    assert result['budgets']['ws1']['used'] == doc['totals']['by_workspace']['ws1']
    assert 'id="table-budgets"' in reports.render(doc)['report.html']
    ledger.close()


def test_figures_stay_decimal_until_the_line_item(tmp_path):
    ledger = ledger_with(tmp_path, [obs('volumes', 'v1', name='data', size_gib=3, volume_type='ssd')])
    catalog = pricing.load(dict(currency='EUR', prices=[dict(meter='volume_gib_hours', unit='GiB-hour', unit_price='0.0003')],
                                discounts=[dict(workspace='ws1', percent='12.5')]))
    period = rating.period_window('2026-10', now=NOW)
    exact = rating.rate_exact(ledger, catalog, period)
    assert 'figures' not in rating.rate(ledger, catalog, period)
    assert len(exact['figures']) == len(exact['items']) == 1
    figures, item = exact['figures'][0], exact['items'][0]
    assert all(isinstance(getattr(figures, name), D) for name in ('quantity', 'unit_price', 'discount_percent', 'list_cost', 'cost'))
    assert rating.Figures.of(item) == figures  # the text the item carries reads back to the same figures
    assert figures.text() == dict((k, item[k]) for k in ('quantity', 'unit_price', 'discount_percent', 'list_cost', 'cost'))
    assert figures.cost == rating.q6(figures.list_cost * D('0.875'))
    assert rating.totals(exact['items'], exact['figures']) == rating.totals(exact['items'])
    assert rating.totals_from_json(rating.totals_json(rating.totals(exact['items'])))['cost'] == figures.cost
    ledger.close()


def test_budget_figures_become_text_once():
    figures = budgets.workspace_budget(D(100), D(1), D('85.5'), [D(80), D(100)], None)
    assert figures.used_percent == D('85.50') and figures.alerts == ((D(80), 'used'),)
    assert figures.text() == dict(monthly_amount='100', budget='100.000000', used='85.5', remaining='14.500000',
                                  used_percent='85.50', forecast='85.5', forecast_percent='85.50',
                                  alerts=[dict(threshold='80', basis='used')])
