# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""openstack_usage_info's hours and the invoice agree: for one synthetic SQLite ledger and one
period, usage hours / quantity-hours equal the chargeback quantities of the matching meters."""

import datetime
import decimal
import uuid

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _time
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import pricing, rating
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store

D = decimal.Decimal
UTC = datetime.timezone.utc
T0 = datetime.datetime(2026, 10, 1, tzinfo=UTC)
H = datetime.timedelta(hours=1)
PROJECTS = [dict(project_id='P1', name='ws1-alpha', domain_id='default', workspace='ws1', project='alpha',
                 landing_zone='default', managed=True, enabled=True, tags=[]),
            dict(project_id='P2', name='legacy', domain_id='default', workspace='unmanaged', project='legacy',
                 managed=False, enabled=True, tags=[])]


def at(hours):
    return _time.ts(T0 + hours * H)


def obs(kind, rid, project='P1', **attrs):
    return dict(kind=kind, resource_id=rid, project_id=project, attributes=attrs)


SERVER = dict(flavor='m1.small', vcpus=2, ram_mib=2048, status='ACTIVE')


def server(rid, project='P1', **changes):
    return dict(kind='servers', resource_id=rid, project_id=project, attributes={**SERVER, **changes})


def life(kind, rid, created, project='P1', deleted=None):
    return dict(kind=kind, resource_id=rid, project_id=project, created_at=at(created),
                deleted_at=at(deleted) if deleted is not None else None)


def sample(ledger, hours, observations, lifetimes=()):
    kinds = list(store.KINDS)
    ledger.record_run(dict(id=str(uuid.uuid4()), platform='p1', window_end=at(hours), observations=observations,
                           lifetimes=list(lifetimes), complete_kinds=kinds, projects=PROJECTS))


@pytest.fixture
def ledger(tmp_path):
    """Every kind, with state changes, a vanished volume, a shelved server, a server seen only as
    DELETED (changes-since), a resource created before the period, and one observed after it."""
    with store.open_ledger(path=str(tmp_path / 'ledger.sqlite')) as led:
        lives = [life('servers', 's1', -30), life('volumes', 'v1', 1.5), life('volumes', 'v2', 2, project='P2'),
                 life('snapshots', 'sn1', 3), life('images', 'i1', -100), life('floating_ips', 'f1', 0.25),
                 life('routers', 'r1', 0.5), life('load_balancers', 'lb1', 4, project='P2')]
        every = [server('s1'), obs('volumes', 'v1', size_gib=10, volume_type='ssd'),
                 obs('volumes', 'v2', 'P2', size_gib=3), obs('snapshots', 'sn1', size_gib=10),
                 obs('images', 'i1', size_gib=0.5), obs('floating_ips', 'f1', attached=True),
                 obs('routers', 'r1', external_gateway=True), obs('load_balancers', 'lb1', 'P2', flavor_id=None)]
        sample(led, 5, every, lives)
        # s1 resized to 4 vCPUs, v1 grown, f1 detached
        every[0] = server('s1', vcpus=4)
        every[1] = obs('volumes', 'v1', size_gib=20, volume_type='ssd')
        every[5] = obs('floating_ips', 'f1', attached=False)
        sample(led, 10, every)
        # s1 shelved (not billed by default), v2 gone (vanished: the listing at 20 misses it), a server
        # created and deleted between two samples appears only as DELETED
        shelved = server('s1', vcpus=4, status='SHELVED_OFFLOADED')
        short = server('s9', 'P2', vcpus=8, status='DELETED')
        sample(led, 15, [shelved, short] + every[1:], [life('servers', 's9', 11, project='P2', deleted=12.5)])
        sample(led, 20, [server('s1', vcpus=4)] + every[1:2] + every[3:])
        # after the period (ends at 24 h): a router created inside it, first seen at 30 h
        sample(led, 30, [obs('routers', 'r2', external_gateway=False)], [life('routers', 'r2', 22)])
        yield led


def price(meter, unit, **extra):
    return dict(meter=meter, unit=unit, unit_price='1', **extra)


HOURS = [price('server_hours', 'hour'), price('floating_ip_hours', 'hour'), price('router_hours', 'hour'),
         price('load_balancer_hours', 'hour')]
QUANTITIES = [price('server_vcpu_hours', 'vCPU-hour'), price('volume_gib_hours', 'GiB-hour'),
              price('snapshot_gib_hours', 'GiB-hour'), price('image_gib_hours', 'GiB-hour')]


def charged(ledger, catalog, period, meters):
    """{(project_id, kind): quantity} of the chargeback line items of ``meters``."""
    out = {}
    for item in rating.rate(ledger, catalog, period)['items']:
        if item['meter'] in meters:
            key = (item['project_id'], item['kind'])
            out[key] = out.get(key, D(0)) + D(item['quantity'])
    return out


@pytest.mark.parametrize('extra', [{}, {'vanished_end': 'gone'}, {'vanished_end': 'last_seen'},
                                   {'billed_server_states': ['ACTIVE', 'SHELVED_OFFLOADED']}],
                         ids=['defaults', 'gone', 'last_seen', 'shelved-billed'])
@pytest.mark.parametrize('window', [(0, 24), (7, 18), (-40, 40)], ids=['day', 'partial', 'wide'])
def test_usage_hours_equal_the_chargeback_quantities(ledger, extra, window):
    period = rating.period_window(start=at(window[0]), end=at(window[1]), now=T0 + 1000 * H)
    hours_catalog = pricing.load(dict(currency='EUR', prices=HOURS, **extra))
    quantity_catalog = pricing.load(dict(currency='EUR', prices=QUANTITIES, **extra))
    by_hours = charged(ledger, hours_catalog, period, set(rating.HOUR_METERS.values()))
    by_quantity = charged(ledger, quantity_catalog, period, set(rating.QUANTITY_METERS.values()))
    assert by_hours and by_quantity
    usage = rating.usage(ledger, 'p1', at(window[0]), at(window[1]), None, hours_catalog.vanished_end,
                         hours_catalog.billed_server_states)
    assert usage, 'no usage in the window'
    got_hours, got_quantity = {}, {}
    for row in usage:
        if row['kind'] in rating.HOUR_METERS:
            got_hours[(row['project_id'], row['kind'])] = D(str(row['hours']))
        if row['kind'] in rating.QUANTITY_METERS:
            got_quantity[(row['project_id'], row['kind'])] = D(str(row['quantity_hours']))
    # one resource per project and kind except servers of P2 (s9 only): the sums are exact
    assert got_hours == by_hours
    assert got_quantity == by_quantity


def test_usage_figures_by_hand(ledger):
    rows = dict(((r['project_id'], r['kind']), r) for r in rating.usage(ledger, start=at(0), end=at(24)))
    s1 = rows[('P1', 'servers')]
    # ACTIVE 0..15 (2 vCPU to 10, 4 after), shelved 15..20, ACTIVE again from 20; the listing at 30
    # misses it (gone), so it ends at the midpoint 25, after the window: 15 + 4 h
    assert (s1['resources'], s1['hours'], s1['quantity_hours']) == (1, 19.0, 2 * 10 + 4 * 5 + 4 * 4.0)
    assert (s1['workspace'], s1['project'], s1['project_name'], s1['unit']) == ('ws1', 'alpha', 'ws1-alpha', 'vcpu')
    # s9: its Nova life 11..12.5 at 8 vCPUs
    assert (rows[('P2', 'servers')]['hours'], rows[('P2', 'servers')]['quantity_hours']) == (1.5, 12.0)
    # v2 last seen 15, gone 20: billed to the midpoint 17.5, from 2
    assert rows[('P2', 'volumes')]['hours'] == 15.5 and rows[('P2', 'volumes')]['quantity_hours'] == 46.5
    # r1 from 0.5 to the end of the window; r2 was created at 22 but first seen at 30: its 2 hours count
    assert rows[('P1', 'routers')]['resources'] == 2 and rows[('P1', 'routers')]['hours'] == 23.5 + 2
    assert rows[('P2', 'load_balancers')]['workspace'] == 'unmanaged'
    totals = rating.usage_totals(rating.usage(ledger, start=at(0), end=at(24)))
    assert totals['servers'] == dict(resources=2, hours=20.5, quantity_hours=68.0, unit='vcpu')
    assert rating.usage(ledger, start=at(40), end=at(50)) == []
    assert [r['kind'] for r in rating.usage(ledger, kinds=['images'])] == ['images']
