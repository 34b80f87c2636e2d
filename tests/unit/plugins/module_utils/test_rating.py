# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rating against ground truth: generated resource lives, states and sample times go through the
real ledger (record_run into a temporary SQLite file), are rated, and the billed quantities must
match the true ones within the documented sampling error bound (_rating module docstring)."""

import csv
import datetime
import decimal
import json
import os
import shutil
import tempfile

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from ansible_collections.landingzone.openstack.plugins.module_utils import _time
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import pricing as _pricing
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import rating as _rating
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import reports as _reports
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store as _ledger

D = decimal.Decimal
UTC = datetime.timezone.utc
T0 = datetime.datetime(2026, 10, 1, tzinfo=UTC)
H = datetime.timedelta(hours=1)


def hours(td):
    return D(_rating.micros(datetime.datetime(2000, 1, 1, tzinfo=UTC),
                            datetime.datetime(2000, 1, 1, tzinfo=UTC) + td)) / _rating.US_PER_HOUR


def _pos_hours(td):
    return max(hours(td), D(0))


class Cloud:
    """Ground truth: resources with true lives and states; sampled into a real ledger."""

    def __init__(self, path, platform='p1'):
        self.ledger = _ledger.open_ledger(path=path)
        self.platform = platform
        self.resources = []
        self.n = 0
        self.projects = [dict(project_id='P1', name='ws1-alpha', domain_id='default', workspace='ws1', project='alpha',
                              landing_zone='default', managed=True, enabled=True,
                              tags=['lz-managed', 'lz-ws=ws1', 'lz-proj=alpha', 'lz-platform=%s' % platform]),
                         dict(project_id='P2', name='other', domain_id='default', workspace='unmanaged', project='other',
                              landing_zone=None, managed=False, enabled=True, tags=[])]

    def add(self, kind, rid, created, deleted, states, attrs=None, nova_deleted=False, project='P1'):
        """states: [(since, quantity)] with since[0] == created; deleted None = alive."""
        self.resources.append(dict(kind=kind, id=rid, created=created, deleted=deleted, states=states,
                                   attrs=attrs or {}, nova=nova_deleted, project=project, reported=False))

    def quantity_at(self, res, at):
        q = None
        for since, quantity in res['states']:
            if since <= at:
                q = quantity
        return q

    def sample(self, at, kinds=('servers', 'volumes')):
        self.n += 1
        observations, lifetimes = [], []
        for res in self.resources:
            alive = res['created'] <= at and (res['deleted'] is None or at < res['deleted'])
            q = self.quantity_at(res, at) if alive else None
            attr = 'vcpus' if res['kind'] == 'servers' else 'size_gib'
            if alive:
                attrs = dict(res['attrs'], **{attr: q})
                if res['kind'] == 'servers':
                    attrs.setdefault('status', 'ACTIVE')
                    attrs.setdefault('flavor', 'f%d' % q)
                observations.append(dict(kind=res['kind'], resource_id=res['id'], project_id=res['project'],
                                         attributes=attrs))
                lifetimes.append(dict(kind=res['kind'], resource_id=res['id'], project_id=res['project'],
                                      created_at=_time.ts(res['created']), deleted_at=None))
            elif res['nova'] and res['deleted'] is not None and res['deleted'] <= at and not res['reported']:
                # Nova changes-since: the deleted server with its real times, once
                res['reported'] = True
                last = res['states'][-1][1]
                observations.append(dict(kind='servers', resource_id=res['id'], project_id=res['project'],
                                         attributes=dict(res['attrs'], vcpus=last, status='DELETED', flavor='f%d' % last)))
                lifetimes.append(dict(kind='servers', resource_id=res['id'], project_id=res['project'],
                                      created_at=_time.ts(res['created']), deleted_at=_time.ts(res['deleted'])))
        run = dict(id='run-%d' % self.n, platform=self.platform, started_at=_time.ts(at), finished_at=_time.ts(at),
                   window_start=None, window_end=_time.ts(at), status='ok', counts={}, remarks=[],
                   complete_kinds=list(kinds), requests={}, projects=self.projects, observations=observations,
                   lifetimes=lifetimes)
        self.ledger.record_run(run)

    def truth(self, res, start, end):
        """True quantity-hours of ``res`` within [start, end)."""
        life_end = res['deleted'] or end
        total = D(0)
        for i, (since, quantity) in enumerate(res['states']):
            until = res['states'][i + 1][0] if i + 1 < len(res['states']) else life_end
            a, b = max(since, start), min(until, life_end, end)
            if b > a:
                total += D(quantity) * hours(b - a)
        return total

    def bound(self, res, samples, start, end, vanished_end='midpoint'):
        """The documented bound (quantity-hours) for ``res`` sampled at ``samples``."""
        seen = [s for s in samples if res['created'] <= s and (res['deleted'] is None or s < res['deleted'])]
        life_end = res['deleted'] or end
        qmax = max(q for dummy, q in res['states'])
        changes = [since for since, dummy in res['states'][1:]]
        total = D(0)
        hours = _pos_hours
        if not seen:
            # only a Nova-reported server can be billed without being seen alive: exact
            reported = res['nova'] and res['deleted'] is not None and any(s >= res['deleted'] for s in samples)
            # Nova reports the final flavor only: exact unless it was resized between two samples
            return D(0) if reported and not changes else qmax * hours(min(life_end, end) - max(res['created'], start))
        points = [res['created']] + seen
        for a, b in zip(points, points[1:]):
            if any(a < c <= b for c in changes):
                total += qmax * hours(b - a)
        last = seen[-1]
        tail_changes = any(c > last for c in changes)
        gone = [s for s in samples if res['deleted'] is not None and s >= res['deleted']]
        if not gone:
            # never missed by a listing (alive, or deleted after the last sample): billed to its
            # latest sample
            total += qmax * hours(min(res['deleted'] or end, end) - last)
        elif res['nova']:
            if tail_changes:  # Nova's terminated_at is exact; only changes after the last sample
                total += qmax * hours(res['deleted'] - last)
        elif tail_changes:
            total += qmax * hours(gone[0] - last)
        else:
            factor = D('0.5') if vanished_end == 'midpoint' else D(1)
            total += D(self.quantity_at(res, last)) * hours(gone[0] - last) * factor
        return total


CATALOG = dict(currency='EUR', prices=[
    dict(meter='server_vcpu_hours', unit='vCPU-hour', unit_price='1'),
    dict(meter='volume_gib_hours', unit='GiB-hour', unit_price='1'),
])

minutes = st.integers(min_value=1, max_value=600)


@st.composite
def scenario(draw):
    gaps = draw(st.lists(st.integers(min_value=5, max_value=240), min_size=2, max_size=10))
    samples, at = [], T0 + datetime.timedelta(minutes=draw(st.integers(0, 120)))
    for g in gaps:
        at = at + datetime.timedelta(minutes=g, seconds=draw(st.integers(0, 59)))
        samples.append(at)
    span = samples[-1] - T0 + 4 * H
    resources = []
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(['volumes', 'servers', 'servers_nova']))
        created = T0 + datetime.timedelta(seconds=draw(st.integers(0, int(span.total_seconds()))))
        life = datetime.timedelta(seconds=draw(st.integers(60, int(span.total_seconds()))))
        deleted = draw(st.one_of(st.none(), st.just(created + life)))
        n_states = draw(st.integers(1, 3))
        states = [(created, draw(st.integers(1, 64)))]
        for dummy in range(n_states - 1):
            lo = states[-1][0] + datetime.timedelta(minutes=1)
            hi = (deleted or created + life) - datetime.timedelta(minutes=1)
            if hi <= lo:
                break
            since = lo + datetime.timedelta(seconds=draw(st.integers(0, int((hi - lo).total_seconds()))))
            states.append((since, draw(st.integers(1, 64))))
        resources.append((kind, 'r%d' % i, created, deleted, states))
    window_start = T0 + datetime.timedelta(minutes=draw(st.integers(0, 600)))
    window_end = window_start + datetime.timedelta(minutes=draw(st.integers(30, 3000)))
    vanished = draw(st.sampled_from(_pricing.VANISHED_END))
    return samples, resources, window_start, window_end, vanished


@pytest.fixture
def tmpdir_path():
    path = tempfile.mkdtemp(prefix='lz-rating-')
    yield path
    shutil.rmtree(path, ignore_errors=True)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario())
def test_billed_quantities_match_the_truth_within_the_sampling_bound(tmpdir_path, case):
    samples, resources, start, end, vanished = case
    cloud = Cloud(os.path.join(tmpdir_path, 'ledger-%s.sqlite' % os.urandom(4).hex()))
    try:
        for kind, rid, created, deleted, states in resources:
            nova = kind == 'servers_nova'
            if kind == 'volumes' and not any(created <= s and (deleted is None or s < deleted) for s in samples):
                continue  # no listing ever showed it: not in the ledger, nothing to rate
            if kind == 'servers' and deleted is not None:
                nova = True  # Nova reports every deleted server through changes-since
            cloud.add('volumes' if kind == 'volumes' else 'servers', rid, created, deleted, states, nova_deleted=nova)
        for s in samples:
            cloud.sample(s)
        catalog = _pricing.load(dict(CATALOG, vanished_end=vanished))
        period = _rating.period_window(start=start.isoformat(), end=end.isoformat(), now=end + H)
        rating = _rating.rate(cloud.ledger, catalog, period)
        billed = {}
        for item in rating['items']:
            billed[item['resource_id']] = billed.get(item['resource_id'], D(0)) + D(item['quantity'])
            # decimal exactness: list cost = quantity x unit price (1), no float anywhere
            assert D(item['list_cost']) == D(item['quantity']) * D(item['unit_price'])
        for res in cloud.resources:
            seen_samples = samples if res['nova'] else samples
            truth = cloud.truth(res, start, end)
            bound = cloud.bound(res, seen_samples, start, end, vanished)
            got = billed.get(res['id'], D(0))
            assert abs(got - truth) <= bound + D('0.00001'), (res, got, truth, bound)
            if vanished == 'last_seen' and res['deleted'] is not None and not res['nova'] and len(res['states']) == 1:
                assert got <= truth + D('0.00001')  # last_seen never over-bills
        # totals equal the sum of the items, exactly
        t = _rating.totals(rating['items'])
        assert t['cost'] == sum((D(i['cost']) for i in rating['items']), D(0))
        assert sum(t['by_workspace'].values(), D(0)) == t['cost']
        assert sum(t['by_service'].values(), D(0)) == t['cost']
    finally:
        cloud.ledger.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(1, 500), price_a=st.decimals('0.00001', '9.99999', places=5),
       price_b=st.decimals('0.00001', '9.99999', places=5), split_min=st.integers(1, 60 * 24 * 29),
       pct=st.decimals('0', '100', places=2))
def test_price_change_splits_the_charge_exactly(tmpdir_path, size, price_a, price_b, split_min, pct):
    assume(price_a != price_b)
    cloud = Cloud(os.path.join(tmpdir_path, 'ledger-%s.sqlite' % os.urandom(4).hex()))
    try:
        cloud.add('volumes', 'v1', T0, None, [(T0, size)])
        cloud.sample(T0 + H)
        cloud.sample(T0 + 30 * 24 * H)  # seen at the end of the month: billed the whole October
        boundary = T0 + datetime.timedelta(minutes=split_min)
        catalog = _pricing.load(dict(currency='EUR', prices=[
            dict(meter='volume_gib_hours', unit='GiB-hour', unit_price=str(price_a), effective_to=boundary.isoformat()),
            dict(meter='volume_gib_hours', unit='GiB-hour', unit_price=str(price_b), effective_from=boundary.isoformat()),
        ], discounts=[dict(workspace='ws1', percent=str(pct))]))
        period = _rating.period_window('2026-10', now=T0 + 40 * 24 * H)
        items = _rating.rate(cloud.ledger, catalog, period)['items']
        assert sorted(i['unit_price'] for i in items) == sorted([str(price_a), str(price_b)])
        by_price = dict((i['unit_price'], i) for i in items)
        qa = D(size) * D(split_min) / D(60)
        qb = D(size) * D(30 * 24 * 60 - split_min) / D(60)
        assert D(by_price[str(price_a)]['quantity']) == _rating.q6(qa)
        assert D(by_price[str(price_b)]['quantity']) == _rating.q6(qb)
        assert by_price[str(price_a)]['charge_end'] == by_price[str(price_b)]['charge_start'] == _time.ts(boundary)
        for item in items:
            list_cost = _rating.q6(D(item['quantity']) * D(item['unit_price']))
            assert D(item['list_cost']) == list_cost
            assert D(item['cost']) == _rating.q6(list_cost * (100 - pct) / 100)
    finally:
        cloud.ledger.close()


# ------------------------------------------------------------------------------ deterministic rules

def _cloud(tmpdir_path):
    return Cloud(os.path.join(tmpdir_path, 'ledger-%s.sqlite' % os.urandom(4).hex()))


@pytest.mark.parametrize('rule,end_hours', [('last_seen', 10), ('midpoint', 15), ('gone', 20)])
def test_vanished_resource_is_billed_to_the_chosen_point(tmpdir_path, rule, end_hours):
    cloud = _cloud(tmpdir_path)
    cloud.add('volumes', 'v1', T0, T0 + 12 * H, [(T0, 10)])
    for h in (5, 10, 20):
        cloud.sample(T0 + h * H)
    life = cloud.ledger.lifetimes('p1')[0]
    assert (life['last_seen_at'], life['gone_at']) == (_time.ts(T0 + 10 * H), _time.ts(T0 + 20 * H))
    catalog = _pricing.load(dict(CATALOG, vanished_end=rule))
    items = _rating.rate(cloud.ledger, catalog, _rating.period_window('2026-10', now=T0 + 40 * 24 * H))['items']
    assert [(i['quantity'], i['charge_end']) for i in items] == [('%d.000000' % (10 * end_hours), _time.ts(T0 + end_hours * H))]


def test_server_states_billed_are_configurable(tmpdir_path):
    cloud = _cloud(tmpdir_path)
    cloud.add('servers', 's1', T0, None, [(T0, 2)])
    cloud.sample(T0 + 2 * H)
    cloud.resources[0]['attrs'] = dict(status='SHELVED_OFFLOADED')
    cloud.sample(T0 + 5 * H)
    cloud.resources[0]['attrs'] = dict(status='ACTIVE')
    cloud.sample(T0 + 8 * H)
    cloud.sample(T0 + 10 * H)
    period = _rating.period_window('2026-10', now=T0 + 40 * 24 * H)
    items = _rating.rate(cloud.ledger, _pricing.load(CATALOG), period)['items']
    # ACTIVE 0..5 (seen shelved at 5), ACTIVE again 8..10: 7 hours x 2 vCPUs
    assert sum(D(i['quantity']) for i in items) == D(14)
    catalog = _pricing.load(dict(CATALOG, billed_server_states=['ACTIVE', 'SHELVED_OFFLOADED']))
    items = _rating.rate(cloud.ledger, catalog, period)['items']
    assert sum(D(i['quantity']) for i in items) == D(20)


def test_short_lived_server_seen_only_as_deleted_is_billed_for_its_nova_life(tmpdir_path):
    cloud = _cloud(tmpdir_path)
    created = T0 + datetime.timedelta(minutes=70, seconds=7)
    cloud.add('servers', 's1', created, created + datetime.timedelta(minutes=13), [(created, 4)], nova_deleted=True)
    cloud.sample(T0 + H)
    cloud.sample(T0 + 2 * H)
    period = _rating.period_window('2026-10', now=T0 + 40 * 24 * H)
    items = _rating.rate(cloud.ledger, _pricing.load(CATALOG), period)['items']
    assert [(i['resource_id'], D(i['quantity'])) for i in items] == [('s1', _rating.q6(D(4) * D(13) / D(60)))]


def test_flavor_price_wins_over_vcpu_and_ram(tmpdir_path):
    cloud = _cloud(tmpdir_path)
    cloud.add('servers', 's1', T0, None, [(T0, 2)], attrs=dict(flavor='m1.small', ram_mib=3072))
    cloud.add('servers', 's2', T0, None, [(T0, 2)], attrs=dict(flavor='other', ram_mib=3072))
    cloud.sample(T0 + 10 * H)
    catalog = _pricing.load(dict(currency='EUR', prices=[
        dict(meter='server_hours', flavor='m1.small', unit='hour', unit_price='0.5'),
        dict(meter='server_vcpu_hours', unit='vCPU-hour', unit_price='0.1'),
        dict(meter='server_ram_gib_hours', unit='GiB-hour', unit_price='0.01')]))
    rating = _rating.rate(cloud.ledger, catalog, _rating.period_window('2026-10', now=T0 + 40 * 24 * H))
    got = sorted((i['resource_id'], i['meter'], i['quantity'], i['cost']) for i in rating['items'])
    assert got == [('s1', 'server_hours', '10.000000', '5.000000'),
                   ('s2', 'server_ram_gib_hours', '30.000000', '0.300000'),
                   ('s2', 'server_vcpu_hours', '20.000000', '2.000000')]


def test_unpriced_usage_is_reported_not_dropped(tmpdir_path):
    cloud = _cloud(tmpdir_path)
    cloud.add('volumes', 'v1', T0, None, [(T0, 5)], attrs=dict(volume_type='gold'))
    cloud.sample(T0 + 4 * H)
    catalog = _pricing.load(dict(currency='EUR', prices=[
        dict(meter='volume_gib_hours', volume_type='ssd', unit='GiB-hour', unit_price='1')]))
    rating = _rating.rate(cloud.ledger, catalog, _rating.period_window('2026-10', now=T0 + 40 * 24 * H))
    assert rating['items'] == []
    assert rating['unpriced'] == [dict(kind='volumes', meter=None, selector='gold', quantity_hours='4.000000')]


def test_monthly_fee_per_managed_project_prorated_by_the_window(tmpdir_path):
    cloud = _cloud(tmpdir_path)
    cloud.sample(T0 - H)  # seen before October began: the whole month
    cloud.sample(T0 + 45 * 24 * H)
    catalog = _pricing.load(dict(currency='EUR', prices=[
        dict(meter='project_monthly_fee', unit='month', unit_price='31.00')]))
    month = _rating.rate(cloud.ledger, catalog, _rating.period_window('2026-10', now=T0 + 60 * 24 * H))['items']
    assert [(i['project_id'], i['quantity'], i['cost'], i['charge_category']) for i in month] == \
        [('P1', '1.000000', '31.000000', 'Purchase')]  # P2 is unmanaged: no fee
    window = _rating.period_window(start='2026-10-31', end='2026-11-02', now=T0 + 60 * 24 * H)
    items = _rating.rate(cloud.ledger, catalog, window)['items']
    # one day of October (1/31) and one of November (1/30), one line per month; cost = rounded quantity x price
    assert sorted((i['month'], i['quantity'], i['cost']) for i in items) == [
        ('2026-10', '0.032258', '0.999998'), ('2026-11', '0.033333', '1.033323')]


def test_decimal_prices_add_up_exactly(tmpdir_path):
    cloud = _cloud(tmpdir_path)
    for n in range(3):
        cloud.add('volumes', 'v%d' % n, T0, None, [(T0, 1)])
    cloud.sample(T0 + H)
    catalog = _pricing.load(dict(currency='EUR', prices=[dict(meter='volume_gib_hours', unit='GiB-hour', unit_price=0.1)]))
    items = _rating.rate(cloud.ledger, catalog, _rating.period_window('2026-10', now=T0 + 40 * 24 * H))['items']
    assert _rating.totals(items)['cost'] == D('0.3')  # 0.1 + 0.1 + 0.1, not 0.30000000000000004


def test_periods():
    now = datetime.datetime(2026, 12, 10, 12, tzinfo=UTC)
    p = _rating.period_window('2026-11', now=now)
    assert (p.label, p.start, p.end, p.closed) == ('2026-11', datetime.datetime(2026, 11, 1, tzinfo=UTC),
                                                   datetime.datetime(2026, 12, 1, tzinfo=UTC), True)
    assert _rating.period_window('2026-12', now=now).closed is False
    p = _rating.period_window(now=now)
    assert p.label == '2026-11' and p.closed
    p = _rating.period_window(preview=True, now=now)
    assert (p.label, p.end, p.closed, p.preview) == ('2026-12-preview', now, False, True)
    p = _rating.period_window(start='2026-11-01', end='2026-11-15T12:00:00Z', now=now)
    assert p.label == '20261101T000000Z--20261115T120000Z' and p.closed
    assert _rating.period_window('2026-12', now=datetime.datetime(2027, 1, 1, tzinfo=UTC)).end.year == 2027
    for bad in (dict(period='2026-13'), dict(period='26-1'), dict(start='2026-11-02', end='2026-11-01'),
                dict(start='2026-11-01'), dict(period='2026-11', preview=True)):
        with pytest.raises(_rating.RatingError):
            _rating.period_window(now=now, **bad)


# ------------------------------------------------------------------------------ closed periods, reports

def test_closed_period_is_immutable_rerating_appends_corrections(tmpdir_path):
    cloud = _cloud(tmpdir_path)
    cloud.add('volumes', 'v1', T0, None, [(T0, 10)])
    cloud.sample(T0 + 10 * H)
    catalog = _pricing.load(dict(CATALOG))
    now = T0 + 40 * 24 * H
    period = _rating.period_window('2026-10', now=now)
    out = os.path.join(tmpdir_path, 'reports')
    doc, result = _reports.chargeback(cloud.ledger, catalog, period, out, rated_at='first')
    assert result['status'] == 'new' and result['totals']['cost'] == '100.000000'
    stored = open(os.path.join(out, '2026-10', 'line_items.csv')).read()
    original = [dict(i) for i in doc['items']]

    doc, result = _reports.chargeback(cloud.ledger, catalog, period, out, rated_at='again')
    assert (result['status'], result['changed'], result['corrections']) == ('unchanged', False, 0)

    # a late collection shows the volume lived longer (ten more hours in October)
    cloud.sample(T0 + 20 * H)
    doc, result = _reports.chargeback(cloud.ledger, catalog, period, out, rated_at='late')
    assert (result['status'], result['corrections']) == ('corrected', 1)
    assert doc['items'][:len(original)] == original  # the original items are untouched
    correction = doc['items'][-1]
    assert (correction['charge_class'], correction['revision'], correction['quantity'], correction['cost']) == \
        ('correction', 1, '100.000000', '100.000000')
    assert result['totals']['cost'] == '200.000000'
    new_csv = open(os.path.join(out, '2026-10', 'line_items.csv')).read()
    assert new_csv.startswith(stored)  # the CSV only grew
    focus = list(csv.DictReader(open(os.path.join(out, '2026-10', 'focus.csv'))))
    assert [r['ChargeClass'] for r in focus] == ['', 'Correction']
    # the price of the closed month changes retroactively: one negative, one positive correction
    catalog2 = _pricing.load(dict(currency='EUR', prices=[dict(meter='volume_gib_hours', unit='GiB-hour', unit_price='2')]))
    doc, result = _reports.chargeback(cloud.ledger, catalog2, period, out, rated_at='reprice')
    assert result['corrections'] == 2 and result['totals']['cost'] == '400.000000'
    assert sorted(i['cost'] for i in doc['items'] if i['revision'] == 2) == ['-200.000000', '400.000000']
    # check mode (write_files=False) computes but leaves every file as it was
    before = dict((n, open(os.path.join(out, '2026-10', n)).read()) for n in _reports.FILES)
    cloud.sample(T0 + 30 * H)
    doc, result = _reports.chargeback(cloud.ledger, catalog2, period, out, write_files=False)
    assert result['changed'] and result['status'] == 'corrected'
    assert before == dict((n, open(os.path.join(out, '2026-10', n)).read()) for n in _reports.FILES)
    assert not [n for n in os.listdir(os.path.join(out, '2026-10')) if n.startswith('.')]


def test_open_period_and_preview_are_rewritten(tmpdir_path):
    cloud = _cloud(tmpdir_path)
    cloud.add('volumes', 'v1', T0, None, [(T0, 1)])
    cloud.sample(T0 + 10 * H)
    catalog = _pricing.load(CATALOG)
    now = T0 + 11 * H
    out = os.path.join(tmpdir_path, 'reports')
    dummy, result = _reports.chargeback(cloud.ledger, catalog, _rating.period_window(preview=True, now=now), out)
    assert result['status'] == 'preview' and result['directory'].endswith('2026-10-preview')
    assert result['totals']['cost'] == '10.000000'
    cloud.sample(T0 + 12 * H)
    dummy, result = _reports.chargeback(cloud.ledger, catalog, _rating.period_window(preview=True, now=now + H), out)
    assert result['totals']['cost'] == '12.000000' and result['corrections'] == 0
    dummy, result = _reports.chargeback(cloud.ledger, catalog, _rating.period_window('2026-10', now=now), out)
    assert result['status'] == 'open'


def test_reports_columns_and_html(tmpdir_path):
    cloud = _cloud(tmpdir_path)
    cloud.add('volumes', 'v1', T0, None, [(T0, 3)], attrs=dict(name='data', volume_type='ssd'))
    cloud.add('servers', 's1', T0, None, [(T0, 2)], project='P2')
    cloud.sample(T0 + 30 * H)
    catalog = _pricing.load(dict(currency='EUR', prices=CATALOG['prices'], discounts=[dict(workspace='ws1', percent='10')]))
    period = _rating.period_window('2026-10', now=T0 + 40 * 24 * H)
    out = os.path.join(tmpdir_path, 'reports')
    doc, result = _reports.chargeback(cloud.ledger, catalog, period, out)
    d = os.path.join(out, '2026-10')
    rows = list(csv.DictReader(open(os.path.join(d, 'line_items.csv'))))
    assert set(_reports.LINE_COLUMNS) == set(rows[0])
    vol = [r for r in rows if r['resource_id'] == 'v1'][0]
    assert (vol['workspace'], vol['project'], vol['tenant'], vol['platform'], vol['meter'], vol['quantity'], vol['unit'],
            vol['unit_price'], vol['list_cost'], vol['cost'], vol['currency']) == \
        ('ws1', 'alpha', 'ws1-alpha', 'p1', 'volume_gib_hours', '90.000000', 'GiB-hour', '1', '90.000000', '81.000000', 'EUR')
    assert json.loads(vol['tags'])['volume_type'] == 'ssd'
    focus = list(csv.DictReader(open(os.path.join(d, 'focus.csv'))))
    for col in ('BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'BillingCurrency', 'BillingPeriodStart',
                'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd', 'ChargeCategory', 'ChargeClass',
                'ChargeDescription', 'ConsumedQuantity', 'ConsumedUnit', 'PricingQuantity', 'PricingUnit', 'ResourceId',
                'ResourceName', 'ResourceType', 'ServiceName', 'ServiceCategory', 'SubAccountId', 'SubAccountName',
                'SkuId', 'ListUnitPrice', 'Tags'):
        assert col in focus[0]
    fv = [r for r in focus if r['ResourceId'] == 'v1'][0]
    assert (fv['BilledCost'], fv['ListCost'], fv['BillingPeriodStart'], fv['BillingPeriodEnd'], fv['ServiceName'],
            fv['SubAccountId'], fv['ResourceType']) == \
        ('81.000000', '90.000000', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z', 'Block Storage', 'P1', 'Volume')
    assert json.loads(open(os.path.join(d, 'line_items.json')).read())['totals']['cost'] == '141.000000'
    html = open(os.path.join(d, 'report.html')).read()
    assert '<script' not in html and 'http://' not in html.replace('http://www.w3.org/2000/svg', '')
    for chart in ('chart-workspace', 'chart-service', 'chart-daily'):
        assert 'id="%s"' % chart in html
    assert 'data-label="ws1" data-value="81.00"' in html and 'data-label="unmanaged" data-value="60.00"' in html
    assert sum(D(x['cost']) for x in result['daily']) == D('141')
