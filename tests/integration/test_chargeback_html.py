# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The static HTML report opened in headless Debian Chromium: screenshot, and the DOM carries the
SVG charts with the figures (cost by workspace, by service, day by day)."""

import datetime
import os
import re
import subprocess


HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))


# tests/conftest.py made the collection importable (ansible_collections.landingzone.openstack)
from ansible_collections.landingzone.openstack.plugins.module_utils import _time  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import pricing as _pricing  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import rating as _rating  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import reports as _reports  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store as _ledger  # noqa: E402

CHROMIUM = '/usr/bin/chromium'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync']
UTC = datetime.timezone.utc
T0 = datetime.datetime(2026, 10, 1, tzinfo=UTC)


def chromium(tmp_path, *args):
    assert os.path.exists(CHROMIUM), 'apt-get install -y chromium (tests/localcloud/localcloud.py APT_PACKAGES)'
    cmd = [CHROMIUM] + FLAGS + ['--user-data-dir=%s' % (tmp_path / 'profile')] + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def _ledger_with_usage(path):
    ledger = _ledger.open_ledger(path=path)
    projects = [dict(project_id='P%d' % i, name='t-%s' % ws, domain_id='default', workspace=ws, project='app',
                     landing_zone='default', managed=True, enabled=True, tags=[]) for i, ws in enumerate(['finance', 'research'])]
    lifetimes = [dict(kind='servers', resource_id='s0', project_id='P0', created_at=_time.ts(T0), deleted_at=None),
                 dict(kind='volumes', resource_id='v1', project_id='P1', created_at=_time.ts(T0), deleted_at=None)]
    for day in (1, 10, 20, 31):
        at = T0 + datetime.timedelta(days=day - 1, hours=23)
        obs = [dict(kind='servers', resource_id='s0', project_id='P0',
                    attributes=dict(name='web', flavor='m1.small', vcpus=1, ram_mib=2048, status='ACTIVE'))]
        if day < 20:
            obs.append(dict(kind='volumes', resource_id='v1', project_id='P1',
                            attributes=dict(name='data', size_gib=500, volume_type='ssd', status='available')))
        ledger.record_run(dict(id='r%d' % day, platform='local', started_at=_time.ts(at), finished_at=_time.ts(at),
                               window_start=None, window_end=_time.ts(at), status='ok', counts={}, remarks=[],
                               complete_kinds=['servers', 'volumes'], requests={}, projects=projects,
                               observations=obs, lifetimes=lifetimes[:len(obs)]))
    return ledger


def test_html_report_renders_in_headless_chromium(tmp_path):
    ledger = _ledger_with_usage(str(tmp_path / 'ledger.sqlite'))
    catalog = _pricing.load(dict(currency='EUR', prices=[
        dict(meter='server_hours', flavor='m1.small', unit='hour', unit_price='0.10'),
        dict(meter='volume_gib_hours', unit='GiB-hour', unit_price='0.0002')]))
    period = _rating.period_window('2026-10', now=T0 + datetime.timedelta(days=40))
    doc, result = _reports.chargeback(ledger, catalog, period, str(tmp_path / 'reports'))
    ledger.close()
    html = os.path.join(result['directory'], 'report.html')
    # expected figures: server from Oct 1 to its latest sample Oct 31 23:00, 743 h x 0.10; volume 500 GiB from Oct 1 to the midpoint of
    # Oct 10 23:00 .. Oct 20 23:00 = Oct 15 23:00 -> 359 h x 500 x 0.0002
    assert result['totals']['by_workspace'] == {'finance': '74.300000', 'research': '35.900000'}

    shot = tmp_path / 'report.png'
    run = chromium(tmp_path, '--screenshot=%s' % shot, '--window-size=1280,2000', 'file://' + html)
    assert shot.exists() and shot.stat().st_size > 10000, run.stderr[-2000:]
    dom = chromium(tmp_path, '--dump-dom', 'file://' + html)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    for chart in ('chart-workspace', 'chart-service', 'chart-daily'):
        assert re.search(r'<svg[^>]*id="%s"' % chart, text), chart
    bars = dict(re.findall(r'<rect class="(?:bar|no-collection)"[^>]*data-label="([^"]+)" data-value="([^"]+)"', text))
    # collections on 1, 10, 20 and 31 October only: the other 27 days are hatched, not bars (issue 26)
    hatched = re.findall(r'<rect class="no-collection"[^>]*data-label="([^"]+)"', text)
    assert len(hatched) == 27 and '2026-10-10' not in hatched and '2026-10-02' in hatched
    assert bars['finance'] == '74.30' and bars['research'] == '35.90'
    assert bars['Compute'] == '74.30' and bars['Block Storage'] == '35.90'
    # Oct 1: 24 h server (2.40) + 24 h x 500 GiB volume (2.40); Oct 15: 2.40 + 23 h of volume (2.30);
    # Oct 31: 23 h of server only
    assert (bars['2026-10-01'], bars['2026-10-15'], bars['2026-10-16'], bars['2026-10-31']) == ('4.80', '4.70', '2.40', '2.30')
    assert len([d for d in bars if d.startswith('2026-10-')]) == 31
    assert 'Total 110.20 EUR' in text
    # a statement a finance person can read: a human title, per workspace and project the meters with quantity,
    # unit, unit price and cost, total rows, sorted by cost
    assert '<title>Chargeback statement October 2026</title>' in text and '<h1>Chargeback statement October 2026</h1>' in text
    assert '.000000Z' not in text  # no raw ledger timestamps
    assert 'version 0' in text and 'Invoices: 2026-10-finance, 2026-10-research' in text
    tables = re.findall(r'<table class="statement" data-workspace="([^"]+)">(.*?)</table>', text, re.S)
    assert [ws for ws, dummy in tables] == ['finance', 'research']  # largest first
    rows = [re.findall(r'<td[^>]*>([^<]*)</td>', row) for row in re.findall(r'<tr[^>]*>(.*?)</tr>', tables[0][1], re.S)]
    assert ['app (t-finance on local)', 'server hours (m1.small)', '743.00', 'hour', '0.10', '0', '74.30'] in rows
    assert ['Total app (t-finance on local)', '74.30'] in rows and ['Total workspace finance', '74.30'] in rows
    rows = [re.findall(r'<td[^>]*>([^<]*)</td>', row) for row in re.findall(r'<tr[^>]*>(.*?)</tr>', tables[1][1], re.S)]
    assert ['app (t-research on local)', 'volume GiB hours', '179,500.00', 'GiB-hour', '0.0002', '0', '35.90'] in rows
    assert re.search(r'id="grand-total" data-value="110.20"', text)
    projects = re.findall(r'<tr><td>(finance|research)</td>', text)
    assert projects == ['finance', 'research']
    if os.environ.get('LZ_KEEP_SCREENSHOT'):
        import shutil
        shutil.copy(str(shot), os.environ['LZ_KEEP_SCREENSHOT'])
