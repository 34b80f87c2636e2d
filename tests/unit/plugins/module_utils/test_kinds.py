# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry of resource kinds: a kind registered here (and nowhere else) is collected by
metering, counted by the pre-deletion check, named by the purge and priced by a catalog entry."""

import datetime
import decimal

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds, _rest, _time
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import pricing, rating
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import leftovers, purge
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import collect, visibility

from helpers.metering_fakes import Adapter, Conn, page

D = decimal.Decimal
UTC = datetime.timezone.utc
T0 = datetime.datetime(2026, 10, 1, tzinfo=UTC)
NOW = T0 + datetime.timedelta(days=40)
WIDGET = dict(id='w1', name='gadget', size=4, tenant='P1', created_at='2026-10-01T00:00:00Z')


@pytest.fixture
def widgets():
    """A fake kind ``widgets`` of a fake service, with one GiB-hour meter."""
    kind = _kinds.Kind('widgets', 'widget', 'widget-service', 'Widget',
                       _kinds.Listing('/widgets/detail', 'widgets', {'all_tenants': 1}), project=('tenant',),
                       fields=dict(name=_kinds.field('name'), size_gib=_kinds.field('size')),
                       leftover=_kinds.Listing('/widgets', 'widgets', project_filter='tenant'), sdk_class='Widget',
                       usage_unit='GiB')
    meter = _kinds.Meter('widget_gib_hours', 'widgets', 'GiB-hour', 'widget GiB hours', 'Widgets', 'Storage',
                         'Other (Storage)', quantity=_kinds.attribute('size_gib'), usage=_kinds.QUANTITY)
    _kinds.register(kind, meter)
    yield kind
    _kinds.unregister('widgets')
    assert _kinds.find('widgets') is None and 'widget_gib_hours' not in [m.name for m in _kinds.meters()]


def test_registry_is_complete_and_consistent():
    names = [k.name for k in _kinds.kinds()]
    assert len(names) == len(set(names))
    assert store.KINDS == _kinds.metered()
    for meter in _kinds.meters():
        assert meter.kind is None or _kinds.kind(meter.kind).metered, meter.name
        assert meter.role in (_kinds.PRIMARY, _kinds.COMPONENT)
        assert meter.selector is None or meter.selector_attr, meter.name
    for kind in _kinds.metered():
        assert [m.role for m in _kinds.meters_of(kind)].count(_kinds.PRIMARY) == 1, kind
        assert _kinds.kind(kind).usage_unit and _kinds.kind(kind).display, kind
    with pytest.raises(ValueError):
        _kinds.register(_kinds.kind('servers'))


def test_a_registered_kind_is_collected(widgets):
    adapter = Adapter({'/widgets/detail': [page('widgets', [WIDGET])],
                       '/projects': [page('projects', [dict(id='P1', name='p1', domain_id='default', tags=[])])]})
    conn = Conn(widget=adapter, identity=adapter)
    run = collect.collect(conn, 'p1', ['widgets'], now=NOW)
    assert run['complete_kinds'] == ['widgets'] and run['counts']['widgets'] == 1
    assert run['observations'] == [dict(kind='widgets', resource_id='w1', project_id='P1',
                                        attributes=dict(name='gadget', size_gib=4))]
    assert run['lifetimes'][0]['created_at'] == '2026-10-01T00:00:00.000000Z'
    assert run['requests']['per_service'] == {'widget-service': 1, 'identity': 1}
    assert adapter.calls[0][:3] == ('GET', '/widgets/detail', {'all_tenants': 1, 'limit': 1000})
    assert visibility.by_project('widgets', [WIDGET]) == {'P1': {'w1'}}


def test_a_registered_kind_is_counted_before_deletion_and_named_by_the_purge(widgets, monkeypatch):
    def answer(params):
        return {'widgets': [dict(WIDGET, tenant=params.get('tenant'))]}
    adapter = Adapter({'/widgets': answer})
    monkeypatch.setattr(_rest, 'endpoint_of', lambda conn, proxy: 'http://x' if hasattr(conn, proxy) else None)
    found, unknown = leftovers.Checker(Conn(widget=adapter), retries=0).check('P9')
    assert unknown == {} and list(found) == ['widgets'] and found['widgets'][0]['tenant'] == 'P9'
    assert adapter.calls == [('GET', '/widgets', {'tenant': 'P9'}, None)]
    assert leftovers.describe(found) == ('1 widgets: gadget (w1)', {'widgets': 1})

    class Widget:
        id = 'w1'
    assert purge.kind_of(Widget()) == 'widgets'


def test_a_registered_kind_is_priced(widgets, tmp_path):
    catalog = dict(currency='EUR', prices=[dict(meter='widget_gib_hours', unit='GiB-hour', unit_price='0.5')])
    assert pricing.validate(catalog) == []
    assert [str(i) for i in pricing.validate(dict(catalog, prices=[dict(catalog['prices'][0], unit='hour')]))] \
        == ["price_catalog.prices[0].unit: widget_gib_hours is priced per 'GiB-hour', not 'hour'"]
    ledger = store.open_ledger(path=str(tmp_path / 'ledger.sqlite'))
    for n, hours in enumerate((0, 10)):
        at = _time.ts(T0 + datetime.timedelta(hours=hours))
        ledger.record_run(dict(id='run-%d' % n, platform='p1', started_at=at, finished_at=at, window_start=None,
                               window_end=at, status='ok', counts={}, remarks=[], complete_kinds=['widgets'],
                               requests={}, projects=[], observations=[dict(kind='widgets', resource_id='w1',
                                                                            project_id='P1',
                                                                            attributes=dict(name='gadget', size_gib=4))],
                               lifetimes=[dict(kind='widgets', resource_id='w1', project_id='P1',
                                               created_at=_time.ts(T0), deleted_at=None)]))
    rated = rating.rate(ledger, pricing.load(catalog), rating.period_window('2026-10', now=NOW))
    assert [(i['kind'], i['resource_type'], i['meter'], i['service'], i['quantity'], i['cost'])
            for i in rated['items']] == [('widgets', 'Widget', 'widget_gib_hours', 'Widgets', '40.000000', '20.000000')]
    assert rated['unpriced'] == []
    usage = rating.usage(ledger, kinds=['widgets'])
    assert [(r['kind'], r['hours'], r['quantity_hours'], r['unit']) for r in usage] == [('widgets', 10.0, 40.0, 'GiB')]
