# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bench: rate a month for N projects (default 1,000) with hourly samples.

Generates a ledger (SQLite in a temporary directory, or a throwaway PostgreSQL database of the
local cloud) directly through the ledger's ``record_run``: each project has a server, a volume, a
floating IP and a router (and with ``--snapshots`` a volume snapshot: 5 resources per project, 50,000
for 10,000 projects); every ``--every-hours`` hours is one collection run (720 runs for a 30-day
month hourly); a tenth of the servers is resized mid-month and a tenth of the volumes is deleted
mid-month (so the ledger holds state changes and gone resources). The ledger is generated in a
child process, so the peak RSS printed last is the rating's and the reports'. Then rates the month
with the example price catalog and writes the reports (CSV, FOCUS CSV, HTML, JSON store), and
times each renderer alone. Prints a table and a final JSON line.

    .venv/bin/python bench/chargeback.py [--projects 1000] [--days 30] [--every-hours 1] [--snapshots]
        [--ledger sqlite|postgresql]

``--ledger postgresql`` makes a throwaway database on the local cloud's PostgreSQL (``LZ_LEDGER_DSN``, else
``<LOCALCLOUD_STATE_DIR or .localcloud>/ledger.dsn``) and drops it at the end.
"""

import argparse
import datetime
import json
import multiprocessing
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
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import html, pricing, rating, reports  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store  # noqa: E402

UTC = datetime.timezone.utc


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def generate(ledger, projects, days, start, every_hours=1, snapshots=False):
    prj = [dict(project_id='p%04d' % i, name='ws%02d-app%04d' % (i % 50, i), domain_id='default',
                workspace='ws%02d' % (i % 50), project='app%04d' % i, landing_zone='default', managed=True,
                enabled=True, tags=['lz-managed', 'lz-ws=ws%02d' % (i % 50), 'lz-proj=app%04d' % i, 'lz-platform=bench'])
           for i in range(projects)]  # the markers replication writes: the fee is billed by the platform named
    created = _time.ts(start - datetime.timedelta(days=3))
    last = days * 24 - every_hours
    for h in range(0, days * 24, every_hours):
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
            if snapshots:
                obs.append(dict(kind='snapshots', resource_id='n-%s' % pid, project_id=pid, attributes=dict(
                    name='nightly', size_gib=10 + i % 7, status='available')))
            if h == 0:
                for o in obs[-(5 if snapshots else 4):]:
                    lts.append(dict(kind=o['kind'], resource_id=o['resource_id'], project_id=pid, created_at=created))
        ledger.record_run(dict(id='bench-%d' % h, platform='bench', started_at=_time.ts(at), finished_at=_time.ts(at),
                               window_start=None, window_end=_time.ts(at), status='ok', counts={}, remarks=[],
                               complete_kinds=['servers', 'volumes', 'floating_ips', 'routers']
                               + (['snapshots'] if snapshots else []), requests={},
                               # the projects in the first and last runs: a fee runs from the first to the last
                               projects=prj if h in (0, last) else [], observations=obs, lifetimes=lts))


def make_target(kind, work):
    """(open_ledger arguments, cleanup) of a new, empty ledger."""
    if kind == 'sqlite':
        return dict(path=os.path.join(work, 'ledger.sqlite')), lambda: None
    from meter import new_database   # the local cloud's PostgreSQL, as the metering bench finds it
    return new_database('lz_bench_cb_')


def generate_child(target, args, start, out):
    """Child process: write the ledger; report its time and peak RSS through ``out``."""
    ledger = store.open_ledger(**target)
    t0 = time.monotonic()
    generate(ledger, args.projects, args.days, start, args.every_hours, args.snapshots)
    out.put(dict(seconds=time.monotonic() - t0, counts=ledger.counts(), peak_rss_mib=peak_mib()))
    ledger.close()


def timed(func, *args):
    t0 = time.monotonic()
    value = func(*args)
    return value, time.monotonic() - t0


def cpu_timed(func, *args):
    """(value, wall seconds, CPU seconds of this process): the CPU figure holds on a loaded machine."""
    c0 = time.process_time()
    value, wall = timed(func, *args)
    return value, wall, time.process_time() - c0


def render_seconds(doc):
    """Seconds of each renderer alone (what reports.write spends per file, without the disk)."""
    renderers = [('line_items.csv', reports.line_items_csv), ('focus.csv', reports.focus_csv),
                 ('report.html', html.report), ('store.json', lambda d: json.dumps(d, indent=1, sort_keys=True))]
    return dict((name, round(timed(func, doc)[1], 3)) for name, func in renderers)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--projects', type=int, default=1000)
    parser.add_argument('--days', type=int, default=30)
    parser.add_argument('--every-hours', type=int, default=1, choices=[1, 2, 3, 4, 6, 8, 12, 24],
                        help='collection cadence: one run every N hours (default hourly)')
    parser.add_argument('--snapshots', action='store_true', help='a fifth resource per project (a volume snapshot)')
    parser.add_argument('--ledger', choices=['sqlite', 'postgresql'], default='sqlite')
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix='lz-bench-chargeback-')
    cleanup = None
    try:
        target, cleanup = make_target(args.ledger, work)
        start = datetime.datetime(2026, 9, 1, tzinfo=UTC)
        # generated in a child: the peak RSS of this process is then the rating's and the reports'
        queue = multiprocessing.get_context('fork').Queue()
        child = multiprocessing.get_context('fork').Process(target=generate_child, args=(target, args, start, queue))
        child.start()
        gen = queue.get()
        child.join()
        counts = gen['counts']
        ledger = store.open_ledger(**target)
        with open(os.path.join(REPO_ROOT, 'examples', 'inventory', 'group_vars', 'all', 'price_catalog.yml')) as fh:
            catalog = pricing.load(yaml.safe_load(fh)['price_catalog'])
        period = rating.period_window('2026-09')
        rated, t_rate, cpu_rate = cpu_timed(rating.rate, ledger, catalog, period)
        rss_rate = peak_mib()
        (doc, result), t_all, cpu_all = cpu_timed(reports.chargeback, ledger, catalog, period, os.path.join(work, 'reports'))
        (dummy, again), t_again = timed(reports.chargeback, ledger, catalog, period, os.path.join(work, 'reports'))
        renders = render_seconds(doc)
        sizes = dict((os.path.basename(f), os.path.getsize(f)) for f in result['files'])
        ledger.close()
        resources = counts.get('lifetimes')
        runs = len(range(0, args.days * 24, args.every_hours))
        load = os.getloadavg()
        rows = [('ledger', args.ledger), ('projects', args.projects), ('resources (lifetimes)', resources),
                ('collection runs', '%d (every %d h)' % (runs, args.every_hours)), ('ledger rows', counts),
                ('generate ledger (s)', round(gen['seconds'], 2)),
                ('rate month (s, CPU s)', (round(t_rate, 2), round(cpu_rate, 2))),
                ('rate + write reports (s, CPU s)', (round(t_all, 2), round(cpu_all, 2))), ('re-rate closed, unchanged (s)', round(t_again, 2)),
                ('render alone (s)', renders),
                ('line items', len(rated['items'])), ('total cost', '%s %s' % (result['totals']['cost'], result['currency'])),
                ('report bytes', sizes), ('peak RSS generating (MiB)', round(gen['peak_rss_mib'], 1)),
                ('peak RSS after rating (MiB)', round(rss_rate, 1)),
                ('peak RSS rating + reports (MiB)', round(peak_mib(), 1)), ('load average', '%.1f %.1f %.1f' % load)]
        for name, value in rows:
            print('%-34s %s' % (name, value))
        print(json.dumps(dict(bench='chargeback', ledger_kind=args.ledger, projects=args.projects, resources=resources,
                              runs=runs, every_hours=args.every_hours, ledger=counts,
                              generate_s=round(gen['seconds'], 3), rate_s=round(t_rate, 3), rate_cpu_s=round(cpu_rate, 3),
                              rate_and_write_s=round(t_all, 3), rate_and_write_cpu_s=round(cpu_all, 3),
                              rerate_unchanged_s=round(t_again, 3), rerate_status=again['status'], render_s=renders,
                              line_items=len(rated['items']), total=result['totals']['cost'], currency=result['currency'],
                              report_bytes=sizes, peak_rss_generate_mib=round(gen['peak_rss_mib'], 1),
                              peak_rss_rate_mib=round(rss_rate, 1), peak_rss_mib=round(peak_mib(), 1),
                              load=[round(x, 2) for x in load])))
    finally:
        if cleanup is not None:
            cleanup()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
