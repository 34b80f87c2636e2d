# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chargeback across platforms sharing one Keystone and across partial months (issue 26): a
project's fee is billed by its own platform only, from its first collection to its last; the
collections behind the figures travel with them (result, JSON, HTML); a month closed before this
rule only gets appended corrections."""

import datetime
import decimal
import json
import os
import re
import shutil

from ansible_collections.landingzone.openstack.plugins.module_utils import _ownership, _time
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import pricing, rating, reports
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store

D = decimal.Decimal
UTC = datetime.timezone.utc
H = datetime.timedelta(hours=1)
OCT = datetime.datetime(2026, 10, 1, tzinfo=UTC)
NOV = datetime.datetime(2026, 11, 1, tzinfo=UTC)
# the second PB is first collected: its fee runs from here
PB_FIRST = datetime.datetime(2026, 10, 13, 9, 41, 27, tzinfo=UTC)
HERE = os.path.dirname(os.path.abspath(__file__))
# line_items.json of October 2026 on platform b, closed by the collection before issue 26 (main at
# 7b5821b, reports.chargeback on closed_month_ledger, rated_at 2026-11-02T00:00:00Z): the fees of
# PA (platform a) and PB (first seen 13 Oct) were both billed as whole months
BEFORE = os.path.join(HERE, '..', '..', 'data', 'chargeback', 'b-2026-10-before-issue-26.json')
CATALOG = dict(currency='EUR', prices=[dict(meter='project_monthly_fee', unit='month', unit_price='5.00'),
                                       dict(meter='volume_gib_hours', unit='GiB-hour', unit_price='0.01')])


def project(pid, workspace, platform=None, managed=True):
    tags = (['lz-managed', 'lz-ws=%s' % workspace, 'lz-proj=app'] if managed else []) + (
        ['lz-platform=%s' % platform] if platform else [])
    return dict(project_id=pid, name='%s-app' % workspace, domain_id='default',
                workspace=workspace if managed else 'unmanaged', project='app', landing_zone='default',
                managed=managed, enabled=True, tags=tags)


PA, PB = project('PA', 'wsa', 'a'), project('PB', 'wsb', 'b')
LEGACY, FOREIGN = project('PL', 'wsl'), project('PU', 'other', managed=False)


def record(ledger, platform, n, at, projects, observations=(), status='ok', remarks=()):
    ledger.record_run(dict(
        id='%s-%d' % (platform, n), platform=platform, started_at=_time.ts(at), finished_at=_time.ts(at),
        window_start=None, window_end=_time.ts(at), status=status, counts={}, remarks=list(remarks),
        complete_kinds=['volumes'], requests={}, projects=list(projects), observations=list(observations),
        lifetimes=[dict(kind=o['kind'], resource_id=o['resource_id'], project_id=o['project_id'],
                        created_at=_time.ts(OCT - H), deleted_at=None) for o in observations]))


def volume(rid, pid, size):
    return dict(kind='volumes', resource_id=rid, project_id=pid, attributes=dict(name=rid, size_gib=size))


def closed_month_ledger(path):
    """Platform b's ledger of October 2026: collections every 6 hours from 30 Sep 23:00 to 1 Nov
    05:00, one more at PB_FIRST; PA (platform a's, with a 3 GiB volume here) all along, PB from PB_FIRST."""
    ledger = store.open_ledger(path=path)
    times = sorted(set([OCT - H + i * 6 * H for i in range(127)] + [PB_FIRST]))
    for n, at in enumerate(times):
        record(ledger, 'b', n, at, [PA] + ([PB] if at >= PB_FIRST else []), [volume('vol-a', 'PA', 3)])
    return ledger


def test_the_platform_marker_is_the_one_replication_writes():
    assert rating.PLATFORM_MARKER == _ownership.PLATFORM_TAG
    assert rating.home_platform(dict(tags=_ownership.marker_tags('ws', 'app', 'east'))) == 'east'


def test_each_platform_bills_only_its_own_projects_fees(tmp_path):
    # one Keystone, two platforms: each meter sees every project; PA holds a volume in b's region
    ledger = store.open_ledger(path=str(tmp_path / 'ledger.sqlite'))
    everyone = [PA, PB, LEGACY, FOREIGN]
    for n, at in enumerate((OCT - H, NOV + H)):
        record(ledger, 'a', n, at, everyone)
        record(ledger, 'b', n, at, everyone, [volume('vol-a', 'PA', 2)])
    catalog = pricing.load(CATALOG)
    month = rating.period_window('2026-10', now=NOV + 2 * H)
    fees = {}
    for platform in ('a', 'b'):
        rated = rating.rate(ledger, catalog, month, [platform])
        fees[platform] = sorted((i['project_id'], i['workspace'], i['meter'], i['cost']) for i in rated['items'])
        notes = reports.fee_notes(rated['fees_not_billed'])
        assert any('no platform marker (wsl/app)' in n for n in notes), notes
    volume_cost = str(rating.q6(2 * 31 * 24 * D('0.01')))
    assert fees == {'a': [('PA', 'wsa', 'project_monthly_fee', '5.000000')],
                    'b': [('PA', 'wsa', 'volume_gib_hours', volume_cost), ('PB', 'wsb', 'project_monthly_fee', '5.000000')]}
    # both platforms rated together: each fee once
    both = rating.rate(ledger, catalog, month)
    assert sum(D(i['cost']) for i in both['items']) == D('10') + D(volume_cost)
    # named: the project without a platform marker, and platform a's project that holds a volume on b
    assert sorted((n['platform'], n['project_id'], n['rule']) for n in both['fees_not_billed']) == [
        ('a', 'PL', 'no_platform_marker'), ('b', 'PA', 'other_platform'), ('b', 'PL', 'no_platform_marker')]
    assert reports.fee_notes(both['fees_not_billed'])[0] == \
        'b: projects of platform a hold resources here: they are billed here, their monthly fees on a'
    ledger.close()


def test_a_project_first_seen_mid_month_pays_the_fraction_it_existed(tmp_path):
    ledger = closed_month_ledger(str(tmp_path / 'ledger.sqlite'))
    catalog = pricing.load(CATALOG)
    month = rating.period_window('2026-10', now=NOV + 2 * 24 * H)
    rated = rating.rate(ledger, catalog, month, ['b'])
    fee = [i for i in rated['items'] if i['meter'] == 'project_monthly_fee']
    # to the second of the first collection: (1 Nov - 13 Oct 09:41:27) / 31 days
    fraction = rating.q6(D(int((NOV - PB_FIRST).total_seconds())) / D(31 * 86400))
    assert fraction == D('0.599878')  # 1606713 s of 2678400
    assert [(i['project_id'], i['quantity'], i['cost'], i['charge_start'], i['charge_end']) for i in fee] == [
        ('PB', str(fraction), str(rating.q6(fraction * 5)), _time.ts(PB_FIRST), _time.ts(NOV))]
    total = sum(D(i['cost']) for i in rated['items'])
    assert sum(D(d['cost']) for d in rated['daily']) == total
    # nothing of the fee before its first collection: the days up to 12 October carry the volume only
    volume_day = rating.q6(3 * 24 * D('0.01'))
    assert [D(d['cost']) for d in rated['daily'][:12]] == [volume_day] * 12
    assert D(rated['daily'][12]['cost']) > volume_day
    ledger.close()


def test_a_preview_says_when_its_collections_start_late_or_were_partial(tmp_path):
    ledger = store.open_ledger(path=str(tmp_path / 'ledger.sqlite'))
    first = datetime.datetime(2026, 12, 5, 22, 16, tzinfo=UTC)
    record(ledger, 'b', 0, first, [PB], [volume('vol-b', 'PB', 1)])
    record(ledger, 'b', 1, first + H, [PB], [volume('vol-b', 'PB', 1)], status='partial',
           remarks=[dict(kind='projects', code='projects_partial', message='401', severity='warning')])
    record(ledger, 'b', 2, first + 2 * H, [PB], [volume('vol-b', 'PB', 1)])
    preview = rating.period_window(preview=True, now=first + 2 * H + datetime.timedelta(minutes=1))
    catalog = pricing.load(CATALOG)
    doc, result = reports.chargeback(ledger, catalog, preview, str(tmp_path / 'out'), rated_at=_time.ts(first + 3 * H))
    c = result['collections']['b']
    assert (c['first_complete'], c['last_complete'], c['complete'], c['partial'], c['partial_codes']) == (
        _time.ts(first), _time.ts(first + 2 * H), 2, 1, ['projects_partial'])
    assert c['longest_gap'] == dict(hours=118.27, start='2026-12-01T00:00:00.000000Z', end=_time.ts(first))
    assert c['days_without'] == ['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04']
    assert any('first complete collection of the period is %s' % _time.ts(first) in n for n in result['notes'])
    assert any('1 collection run(s) of the period were partial (projects_partial)' in n for n in result['notes'])
    # the fee from the first collection (not from 1 December), to the last one that saw the project
    fee = [i for i in doc['items'] if i['meter'] == 'project_monthly_fee'][0]
    assert (fee['charge_start'], fee['charge_end']) == (_time.ts(first), _time.ts(first + 2 * H))
    with open(os.path.join(result['directory'], 'line_items.json')) as fh:
        stored = json.load(fh)
    assert stored['notes'] == result['notes'] and stored['collections'] == result['collections']
    assert [d['collected'] for d in stored['daily']] == [False] * 4 + [True, True]
    with open(os.path.join(result['directory'], 'report.html')) as fh:
        page = fh.read()
    # days without a complete collection are hatched columns, never bars
    assert re.findall(r'<rect class="no-collection"[^>]*data-label="([^"]+)"', page) == [
        '2026-12-0%d' % d for d in range(1, 5)]
    assert re.findall(r'<rect class="bar"[^>]*data-label="(2026-12-[^"]+)"', page) == ['2026-12-05', '2026-12-06']
    assert 'were partial (projects_partial)' in page and 'id="table-collections"' in page
    assert 'from its first collection' in page  # the fee rule in the statement's notes
    ledger.close()


def test_a_month_closed_before_the_rule_gets_fee_corrections_appended(tmp_path):
    ledger = closed_month_ledger(str(tmp_path / 'ledger.sqlite'))
    out = tmp_path / 'out'
    os.makedirs(str(out / '2026-10'))
    shutil.copy(BEFORE, str(out / '2026-10' / 'line_items.json'))
    with open(BEFORE) as fh:
        before = json.load(fh)
    assert before['period']['closed'] and before['status'] == 'new'
    assert sorted((i['project_id'], i['quantity']) for i in before['items'] if i['meter'] == 'project_monthly_fee') \
        == [('PA', '1.000000'), ('PB', '1.000000')]
    month = rating.period_window('2026-10', now=NOV + 2 * 24 * H)
    doc, result = reports.chargeback(ledger, pricing.load(CATALOG), month, str(out), rated_at='2026-12-06T00:00:00Z')
    assert result['status'] == 'corrected' and result['version'] == 1
    assert doc['items'][:len(before['items'])] == before['items']  # never a rewrite
    fraction = rating.q6(D(int((NOV - PB_FIRST).total_seconds())) / D(31 * 86400))
    corrections = sorted((i['project_id'], i['meter'], i['quantity'], i['cost'], i['revision'], i['charge_class'])
                         for i in doc['items'][len(before['items']):])
    assert corrections == [
        ('PA', 'project_monthly_fee', '-1.000000', '-5.000000', 1, 'correction'),  # platform a's fee
        ('PB', 'project_monthly_fee', str(fraction - 1), str(rating.q6(fraction * 5) - 5), 1, 'correction')]
    assert D(result['totals']['cost']) == D(before['totals']['cost']) - 5 + rating.q6(fraction * 5) - 5
    ledger.close()
