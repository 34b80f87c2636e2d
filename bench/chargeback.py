# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bench: rate a month for N projects (default 1,000) with hourly samples.

Generates a SQLite ledger in a temporary directory directly through the ledger's ``record_run``: each
project has a server, a volume, a floating IP and a router; every hour is one collection run (720
runs for a 30-day month); a tenth of the servers is resized mid-month and a tenth of the volumes
is deleted mid-month (so the ledger holds state changes and gone resources). Then rates the
month with the example price catalog and writes the reports. Prints a table and a final JSON line.

    .venv/bin/python bench/chargeback.py [--projects 1000] [--days 30]
"""

import argparse
import datetime
import json
import os
import resource
import shutil
import sys
import tempfile
import time

import yaml

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests', 'unit'))
__import__("conftest")  # makes ansible_collections importable
from ansible_collections.landingzone.openstack.plugins.module_utils import _time  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import pricing, rating, reports  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store  # noqa: E402

UTC = datetime.timezone.utc


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def generate(ledger, projects, days, start):
    prj = [dict(project_id='p%04d' % i, name='ws%02d-app%04d' % (i % 50, i), domain_id='default',
                workspace='ws%02d' % (i % 50), project='app%04d' % i, landing_zone='default', managed=True,
                enabled=True, tags=['lz-managed', 'lz-ws=ws%02d' % (i % 50), 'lz-proj=app%04d' % i, 'lz-platform=bench'])
           for i in range(projects)]  # the markers replication writes: the fee is billed by the platform named
    created = _time.ts(start - datetime.timedelta(days=3))
    for h in range(days * 24):
        at = start + datetime.timedelta(hours=h, minutes=7)
        mid = h >= days * 12
        obs, lts = [], []
        for i, p in enumerate(prj):
            pid = p['project_id']
            resized = mid and i % 10 == 0
            obs.append(dict(kind='servers', resource_id='s-%s' % pid, project_id=pid, attributes=dict(
                name='vm', flavor='m1.small' if resized else 'm1.tiny', vcpus=2 if resized else 1,
                ram_mib=2048 if resized else 512, status='ACTIVE')))
            if not (mid and i % 10 == 1):
                obs.append(dict(kind='volumes', resource_id='v-%s' % pid, project_id=pid, attributes=dict(
                    name='data', size_gib=10 + i % 7, volume_type='ssd' if i % 2 else 'standard', status='in-use')))
            obs.append(dict(kind='floating_ips', resource_id='f-%s' % pid, project_id=pid, attributes=dict(attached=True)))
            obs.append(dict(kind='routers', resource_id='r-%s' % pid, project_id=pid, attributes=dict(external_gateway=True)))
            if h == 0:
                for o in obs[-4:]:
                    lts.append(dict(kind=o['kind'], resource_id=o['resource_id'], project_id=pid, created_at=created))
        ledger.record_run(dict(id='bench-%d' % h, platform='bench', started_at=_time.ts(at), finished_at=_time.ts(at),
                               window_start=None, window_end=_time.ts(at), status='ok', counts={}, remarks=[],
                               complete_kinds=['servers', 'volumes', 'floating_ips', 'routers'], requests={},
                               # the projects in the first and last runs: a fee runs from the first to the last
                               projects=prj if h in (0, days * 24 - 1) else [], observations=obs, lifetimes=lts))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--projects', type=int, default=1000)
    parser.add_argument('--days', type=int, default=30)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix='lz-bench-chargeback-')
    try:
        start = datetime.datetime(2026, 9, 1, tzinfo=UTC)
        ledger = store.open_ledger(path=os.path.join(work, 'ledger.sqlite'))
        t0 = time.monotonic()
        generate(ledger, args.projects, args.days, start)
        t_gen = time.monotonic() - t0
        counts = ledger.counts()
        rss_gen = peak_mib()
        with open(os.path.join(REPO_ROOT, 'examples', 'inventory', 'group_vars', 'all', 'price_catalog.yml')) as fh:
            catalog = pricing.load(yaml.safe_load(fh)['price_catalog'])
        period = rating.period_window('2026-09')
        t0 = time.monotonic()
        rated = rating.rate(ledger, catalog, period)
        t_rate = time.monotonic() - t0
        t0 = time.monotonic()
        doc, result = reports.chargeback(ledger, catalog, period, os.path.join(work, 'reports'))
        t_all = time.monotonic() - t0
        t0 = time.monotonic()
        dummy, again = reports.chargeback(ledger, catalog, period, os.path.join(work, 'reports'))
        t_again = time.monotonic() - t0
        sizes = dict((os.path.basename(f), os.path.getsize(f)) for f in result['files'])
        ledger.close()
        rows = [('projects', args.projects), ('hourly runs', args.days * 24), ('ledger rows', counts),
                ('generate ledger (s)', round(t_gen, 2)), ('rate month (s)', round(t_rate, 2)),
                ('rate + write reports (s)', round(t_all, 2)), ('re-rate closed, unchanged (s)', round(t_again, 2)),
                ('line items', len(rated['items'])), ('total cost', '%s %s' % (result['totals']['cost'], result['currency'])),
                ('report bytes', sizes), ('peak RSS after generating (MiB)', round(rss_gen, 1)),
                ('peak RSS (MiB)', round(peak_mib(), 1))]
        for name, value in rows:
            print('%-34s %s' % (name, value))
        print(json.dumps(dict(bench='chargeback', projects=args.projects, runs=args.days * 24, ledger=counts,
                              generate_s=round(t_gen, 3), rate_s=round(t_rate, 3), rate_and_write_s=round(t_all, 3),
                              rerate_unchanged_s=round(t_again, 3), rerate_status=again['status'],
                              line_items=len(rated['items']), total=result['totals']['cost'], currency=result['currency'],
                              report_bytes=sizes, peak_rss_mib=round(peak_mib(), 1))))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
