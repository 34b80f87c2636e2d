# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of metering on the local cloud: wall time, requests per kind, ledger rows/s, memory.

    eval "$(python3 tests/localcloud/localcloud.py env)"
    .venv/bin/python bench/meter.py                       # modest: 200 servers, 200 volumes, 50 FIPs, 20 projects
    .venv/bin/python bench/meter.py --ledger postgresql   # the same into PostgreSQL (tests/localcloud postgresql)
    .venv/bin/python bench/meter.py --servers 2000 --volumes 2000 --fips 500 --projects 200 --workers 32
                                                          # the issue's scale (fake Nova driver; ~10/project
                                                          # stays within the default quotas)
    .venv/bin/python bench/meter.py --synthetic 10000 [--ledger postgresql]   # ledger write speed only
    .venv/bin/python bench/meter.py --cleanup             # delete the bench projects and their resources
    .venv/bin/python bench/meter.py --seeded [--ledger both]   # >= 50,000 resources seeded by
                                                          # bench/seed_resources.py (an instance of your own):
                                                          # first, no change, ~1 % changed through the APIs

Setup (replicator account) is idempotent: projects `bench-meter-NNN` are reused and only missing
resources are created, so a second run measures at once. The measurement runs in a child
process with the metering (reader) account only: a first collection into an empty ledger, then
a second one (nothing changed: no new rows). Peak memory is the child's ru_maxrss.
Output: a table, then one JSON line.

``--seeded``: the cloud holds what ``bench/seed_resources.py seed`` put there (kept; nothing is set
up). Per ledger (SQLite, PostgreSQL or both) three collections, each in a child process of its own
(its peak RSS is that collection's): into an empty ledger, again with nothing changed, and after
``seed_resources.change`` changed ~1 % through the APIs. Per collection: wall time, requests by
service and method, rows written, ledger write seconds, peak RSS; a table, then one JSON line each.
"""

import argparse
import concurrent.futures
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# tests/unit/conftest.py makes ansible_collections importable from the checkout
sys.path.insert(0, os.path.join(ROOT, 'tests', 'unit'))
__import__("conftest")  # noqa: E402
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integration'))
from _fixtures import all_projects  # noqa: E402 - every project on every Keystone release's paging

PREFIX = 'bench-meter-'


def log(msg):
    print('[bench] %s' % msg, file=sys.stderr, flush=True)


def dsn_from_state():
    if os.environ.get('LZ_LEDGER_DSN'):
        return os.environ['LZ_LEDGER_DSN']
    state = os.environ.get('LOCALCLOUD_STATE_DIR') or os.path.join(ROOT, '.localcloud')
    with open(os.path.join(state, 'ledger.dsn')) as fh:
        return fh.read().strip()


def spread(total, buckets):
    return [total // buckets + (1 if i < total % buckets else 0) for i in range(buckets)]


# ---------------------------------------------------------------------------------- setup

def setup(args):
    import openstack
    admin = openstack.connect(cloud='replicator')
    role = admin.identity.find_role('admin', ignore_missing=False)
    public = admin.network.find_network('public', ignore_missing=False)
    flavor = admin.compute.find_flavor('m1.tiny', ignore_missing=False)
    image = admin.image.find_image('cirros-fake', ignore_missing=False)
    projects = []
    for i in range(args.projects):
        name = '%s%03d' % (PREFIX, i)
        # by name: Keystone caps an unpaginated project list silently
        found = list(admin.identity.projects(name=name, domain_id='default'))
        project = found[0] if found else None
        if project is None:
            tags = ['lz-managed', 'lz-ws=bench', 'lz-proj=p%03d' % i] if i % 4 else []
            project = admin.identity.create_project(name=name, domain_id='default', tags=tags)
            admin.identity.assign_project_role_to_user(project.id, admin.current_user_id, role.id)
        projects.append(project)
    want_servers = spread(args.servers, args.projects)
    want_volumes = spread(args.volumes, args.projects)
    want_fips = spread(args.fips, args.projects)

    def fill(i):
        conn = admin.connect_as_project({'id': projects[i].id})
        made = dict(servers=0, volumes=0, fips=0)
        have = len(list(conn.compute.servers()))
        for n in range(have, want_servers[i]):
            conn.compute.create_server(name='bench-%d' % n, flavor_id=flavor.id, image_id=image.id, networks='none')
            made['servers'] += 1
        have = len(list(conn.block_storage.volumes()))
        for n in range(have, want_volumes[i]):
            conn.block_storage.create_volume(size=1, name='bench-%d' % n)
            made['volumes'] += 1
        have = len(list(conn.network.ips(project_id=projects[i].id)))
        for n in range(have, want_fips[i]):
            conn.network.create_ip(floating_network_id=public.id)
            made['fips'] += 1
        return made

    t0 = time.time()
    totals = dict(servers=0, volumes=0, fips=0)
    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
        for made in pool.map(fill, range(args.projects)):
            for k in totals:
                totals[k] += made[k]
    log('setup: created %s in %.1fs' % (totals, time.time() - t0))
    # wait until servers settled (fake driver: seconds)
    ids = set(p.id for p in projects)
    deadline = time.time() + 600
    while time.time() < deadline:
        building = [s for s in admin.compute.servers(all_projects=True)
                    if s.project_id in ids and s.status not in ('ACTIVE', 'ERROR')]
        if not building:
            break
        time.sleep(2)
    return totals


def cleanup():
    import openstack
    admin = openstack.connect(cloud='replicator')
    projects = [p for p in all_projects(admin, name__contains=PREFIX)
                if p.name.startswith(PREFIX)]

    def empty(project):
        conn = admin.connect_as_project({'id': project.id})
        for s in conn.compute.servers():
            conn.compute.delete_server(s.id)
        for ip in conn.network.ips(project_id=project.id):
            conn.network.delete_ip(ip.id)
        for s in list(conn.compute.servers()):
            conn.compute.wait_for_delete(s, wait=300)
        for v in conn.block_storage.volumes():
            conn.block_storage.delete_volume(v.id)
        for v in list(conn.block_storage.volumes()):
            conn.block_storage.wait_for_delete(v, wait=300)
        admin.identity.delete_project(project.id)
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(empty, projects))
    log('deleted %d bench projects' % len(projects))


# ---------------------------------------------------------------------------------- measure

def measure(args):
    """Child process: two collections with the metering account into an empty ledger."""
    from ansible_collections.landingzone.openstack.plugins.module_utils import _rest
    from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store as _ledger
    from ansible_collections.landingzone.openstack.plugins.module_utils._metering import collect, runner
    if args.ledger == 'postgresql':
        import psycopg
        base = dsn_from_state()
        name = 'lz_bench_%s' % uuid.uuid4().hex[:10]
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute('CREATE DATABASE %s' % name)
        target = dict(dsn='%s/%s' % (base.rsplit('/', 1)[0], name))
    else:
        target = dict(path=os.path.join(tempfile.mkdtemp(prefix='lz-bench-'), 'ledger.sqlite'))
    out = dict(ledger=args.ledger, page_size=args.page_size, collections=[])
    try:
        ledger = _ledger.open_ledger(**target)
        for label in ('first', 'second (no change)'):
            t0 = time.time()
            conn, counter = _rest.connect(dict(cloud='metering', api_timeout=60, retries=4))
            since = runner.since_window(ledger, 'local', list(_ledger.KINDS))
            run = collect.collect(conn, 'local', None, since, args.page_size, 4, counter)
            t1 = time.time()
            written = ledger.record_run(run)
            t2 = time.time()
            rows = sum(written['inserted'].values()) + sum(written['updated'].values()) + 1
            out['collections'].append(dict(
                label=label, status=run['status'], counts=run['counts'],
                remarks=[r['code'] for r in run['remarks']],
                requests_per_kind=run['requests']['per_kind'], http_total=counter.total,
                collect_s=round(t1 - t0, 3), write_s=round(t2 - t1, 3), wall_s=round(t2 - t0, 3),
                rows_written=rows, rows_per_s=round(rows / max(t2 - t1, 1e-6)),
                inserted=written['inserted'], seconds_per_kind=run['requests']['seconds_per_kind']))
        out['ledger_rows'] = ledger.counts()
        ledger.close()
    finally:
        if args.ledger == 'postgresql':
            with psycopg.connect(base, autocommit=True) as admin:
                admin.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
    out['peak_rss_mib'] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)
    print(json.dumps(out))


def synthetic(args):
    """Ledger only (no cloud): write N resources twice, then change 10 % of them."""
    from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store as _ledger
    base = name = None
    if args.ledger == 'postgresql':
        import psycopg
        base = dsn_from_state()
        name = 'lz_bench_%s' % uuid.uuid4().hex[:10]
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute('CREATE DATABASE %s' % name)
        target = dict(dsn='%s/%s' % (base.rsplit('/', 1)[0], name))
    else:
        target = dict(path=os.path.join(tempfile.mkdtemp(prefix='lz-bench-'), 'ledger.sqlite'))
    n, projects = args.synthetic, max(args.projects, 1)
    kinds = ['servers', 'volumes', 'floating_ips']

    def make_run(at, changed=0.0):
        obs, lives = [], []
        for i in range(n):
            kind = kinds[i % 3]
            size = 2 if i < n * changed else 1
            obs.append(dict(kind=kind, resource_id='r%06d' % i, project_id='p%03d' % (i % projects),
                            attributes=dict(size_gib=size, vcpus=size, status='ACTIVE')))
            lives.append(dict(kind=kind, resource_id='r%06d' % i, project_id='p%03d' % (i % projects),
                              created_at='2026-01-01T00:00:00Z'))
        return dict(id=str(uuid.uuid4()), platform='synthetic', window_end=at, observations=obs,
                    lifetimes=lives, complete_kinds=kinds,
                    projects=[dict(project_id='p%03d' % j, name='p%03d' % j) for j in range(projects)])
    rows = []
    try:
        with _ledger.open_ledger(**target) as ledger:
            for label, at, changed in (('first', '2026-01-01T01:00:00Z', 0.0),
                                       ('same again', '2026-01-01T02:00:00Z', 0.0),
                                       ('10% changed', '2026-01-01T03:00:00Z', 0.1)):
                run = make_run(at, changed)
                t0 = time.time()
                written = ledger.record_run(run)
                dt = time.time() - t0
                touched = sum(written['inserted'].values()) + sum(written['updated'].values()) + 1
                rows.append(dict(label=label, seconds=round(dt, 3), rows=touched,
                                 rows_per_s=round(touched / dt), resources_per_s=round(n / dt),
                                 inserted=written['inserted']))
            counts = ledger.counts()
    finally:
        if name:
            with psycopg.connect(base, autocommit=True) as admin:
                admin.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
    print('%-14s %8s %8s %10s %12s' % ('write', 'seconds', 'rows', 'rows/s', 'resources/s'))
    for r in rows:
        print('%-14s %8.3f %8d %10d %12d'
              % (r['label'], r['seconds'], r['rows'], r['rows_per_s'], r['resources_per_s']))
    print(json.dumps(dict(bench='meter-ledger', ledger=args.ledger, resources=n, writes=rows,
                          ledger_rows=counts,
                          peak_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1))))


# ---------------------------------------------------------------------------------- --seeded

def service_names():
    """host:port -> service name, from the instance's localcloud.json."""
    state = os.environ.get('LOCALCLOUD_STATE_DIR') or os.path.dirname(os.path.abspath(
        os.environ.get('OS_CLIENT_CONFIG_FILE') or os.path.join(ROOT, '.localcloud', 'clouds.yaml')))
    with open(os.path.join(state, 'localcloud.json')) as handle:
        ports = json.load(handle)['ports']
    return dict(('127.0.0.1:%d' % port, name) for name, port in ports.items())


def count_by_service_and_method(counter, names):
    """Counts every request ``counter`` counts by (service, method) as well: {'nova GET': n}."""
    pairs = {}
    count = counter._count

    def by_pair(response, about=None):
        request = response.request
        netloc = request.url.split('/')[2]
        key = '%s %s' % (names.get(netloc, netloc), request.method)
        pairs[key] = pairs.get(key, 0) + 1
        return count(response, about)
    counter._count = by_pair    # the hook calls self._count: also for the system-scoped session
    return pairs


def collect_once(args):
    """Child process: one collection with the metering account into the ledger ``args.target``."""
    from ansible_collections.landingzone.openstack.plugins.module_utils import _rest
    from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store as _ledger
    from ansible_collections.landingzone.openstack.plugins.module_utils._metering import collect, runner
    ledger = _ledger.open_ledger(**json.loads(args.target))
    t0 = time.time()
    counter = _rest.RequestCounter()
    pairs = count_by_service_and_method(counter, service_names())
    conn = _rest.connect(dict(cloud='metering', api_timeout=300, retries=4), counter)[0]
    since = runner.since_window(ledger, 'local', list(_ledger.KINDS))
    run = collect.collect(conn, 'local', None, since, args.page_size, 4, counter)
    t1 = time.time()
    written = ledger.record_run(run)
    t2 = time.time()
    ledger.close()
    rows = sum(written['inserted'].values()) + sum(written['updated'].values()) + 1
    print(json.dumps(dict(
        label=args.label, status=run['status'], counts=run['counts'], remarks=[r['code'] for r in run['remarks']],
        requests_per_kind=run['requests']['per_kind'], seconds_per_kind=run['requests']['seconds_per_kind'],
        http_total=counter.total, http=dict(sorted(pairs.items())), collect_s=round(t1 - t0, 2),
        write_s=round(t2 - t1, 2), wall_s=round(t2 - t0, 2), rows_written=rows, inserted=written['inserted'],
        updated=written['updated'],
        peak_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1))))


def child_collection(args, target, label):
    child = subprocess.run([sys.executable, __file__, '--collect-child', '--target', json.dumps(target),
                            '--label', label, '--page-size', str(args.page_size)],
                           capture_output=True, text=True, check=False)
    if child.returncode:
        sys.stderr.write(child.stderr)
        sys.exit(child.returncode)
    return json.loads(child.stdout.strip().splitlines()[-1])


def ledger_target(backend):
    """(target for open_ledger, drop()): an empty SQLite file or a new PostgreSQL database."""
    if backend == 'sqlite':
        return dict(path=os.path.join(tempfile.mkdtemp(prefix='lz-bench-'), 'ledger.sqlite')), lambda: None
    return new_database('lz_bench_')


def new_database(prefix):
    """(open_ledger target, drop()) of a new database on the local cloud's PostgreSQL (the benches' ledgers)."""
    import psycopg
    base = dsn_from_state()
    name = '%s%s' % (prefix, uuid.uuid4().hex[:10])
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute('CREATE DATABASE %s' % name)

    def drop():
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
    return dict(dsn='%s/%s' % (base.rsplit('/', 1)[0], name)), drop


def seeded(args):
    """First, no change, ~1 % changed: per ledger backend (see the module docstring)."""
    import seed_resources
    load = os.getloadavg()
    figures = []
    for backend in (['sqlite', 'postgresql'] if args.ledger == 'both' else [args.ledger]):
        target, drop = ledger_target(backend)
        try:
            for label in ('first', 'no change', '~1 % changed'):
                changed = None
                if label.startswith('~'):
                    changed = seed_resources.change(args.change)
                    log('changed through the APIs: %s' % changed)
                result = child_collection(args, target, label)
                result.update(ledger=backend, changed=changed, load_after=[round(x, 2) for x in os.getloadavg()])
                figures.append(result)
                log('%s %s: %.1fs, %d requests' % (backend, label, result['wall_s'], result['http_total']))
        finally:
            drop()
    print_seeded(figures, load)


def print_seeded(figures, load):
    header = ('ledger', 'collection', 'resources', 'requests', 'collect_s', 'write_s', 'wall_s', 'rows', 'rss_mib')
    print('%-10s %-13s %9s %8s %9s %8s %8s %9s %8s' % header)
    for f in figures:
        resources = sum(v for k, v in f['counts'].items() if v and k != 'projects')
        print('%-10s %-13s %9d %8d %9.2f %8.2f %8.2f %9d %8.1f'
              % (f['ledger'], f['label'], resources, f['http_total'], f['collect_s'], f['write_s'], f['wall_s'],
                 f['rows_written'], f['peak_rss_mib']))
    for f in figures:
        print('%s %s: requests %s; seconds per kind %s' % (f['ledger'], f['label'], f['http'], f['seconds_per_kind']))
    for f in figures:
        print(json.dumps(dict(bench='meter-seeded', load_at_start=[round(x, 2) for x in load], **f)))


def add_seeded_arguments(ap):
    ap.add_argument('--seeded', action='store_true',
                    help='measure the resources bench/seed_resources.py seeded (no setup): first, no change, ~1 %% changed')
    ap.add_argument('--change', type=float, default=0.01, help='--seeded: the share changed before the third collection')
    ap.add_argument('--collect-child', action='store_true', help=argparse.SUPPRESS)
    ap.add_argument('--target', help=argparse.SUPPRESS)
    ap.add_argument('--label', help=argparse.SUPPRESS)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--servers', type=int, default=200)
    ap.add_argument('--volumes', type=int, default=200)
    ap.add_argument('--fips', type=int, default=50)
    ap.add_argument('--projects', type=int, default=20)
    ap.add_argument('--workers', type=int, default=16, help='parallel setup workers')
    ap.add_argument('--page-size', type=int, default=1000)
    ap.add_argument('--ledger', choices=['sqlite', 'postgresql', 'both'], default='sqlite')
    ap.add_argument('--cleanup', action='store_true', help='delete the bench projects and exit')
    ap.add_argument('--no-setup', action='store_true', help='measure what the cloud holds now')
    ap.add_argument('--synthetic', type=int, metavar='N',
                    help='ledger only, no cloud: write N synthetic resources (e.g. 10000)')
    ap.add_argument('--measure-child', action='store_true', help=argparse.SUPPRESS)
    add_seeded_arguments(ap)
    args = ap.parse_args()
    if args.measure_child:
        return measure(args)
    if args.collect_child:
        return collect_once(args)
    if args.seeded:
        return seeded(args)
    if args.cleanup:
        return cleanup()
    if args.synthetic:
        return synthetic(args)
    created = {} if args.no_setup else setup(args)
    t0 = time.time()
    child = subprocess.run([sys.executable, __file__, '--measure-child', '--ledger', args.ledger,
                            '--page-size', str(args.page_size)], capture_output=True, text=True,
                           check=False)
    if child.returncode:
        sys.stderr.write(child.stderr)
        sys.exit(child.returncode)
    result = json.loads(child.stdout.strip().splitlines()[-1])
    print('%-20s %9s %9s %9s %8s %8s %10s' % ('collection', 'resources', 'requests', 'collect_s',
                                              'write_s', 'wall_s', 'rows/s'))
    for c in result['collections']:
        resources = sum(v for v in c['counts'].values() if v)
        print('%-20s %9d %9d %9.2f %8.2f %8.2f %10d'
              % (c['label'], resources, c['http_total'], c['collect_s'], c['write_s'], c['wall_s'],
                 c['rows_per_s']))
    first = result['collections'][0]
    print('requests per kind: %s' % first['requests_per_kind'])
    print('counts: %s' % first['counts'])
    print('ledger rows: %s; peak RSS of the collector: %.1f MiB'
          % (result['ledger_rows'], result['peak_rss_mib']))
    scale = dict(servers=args.servers, volumes=args.volumes, fips=args.fips, projects=args.projects)
    summary = dict(bench='meter', scale=scale, created=created,
                   ledger=args.ledger, page_size=args.page_size,
                   wall_s=first['wall_s'], collect_s=first['collect_s'], write_s=first['write_s'],
                   requests_per_kind=first['requests_per_kind'], http_total=first['http_total'],
                   counts=first['counts'], rows_per_s=first['rows_per_s'],
                   second=dict(wall_s=result['collections'][1]['wall_s'],
                               inserted=result['collections'][1]['inserted']),
                   ledger_rows=result['ledger_rows'], peak_rss_mib=result['peak_rss_mib'],
                   remarks=first['remarks'], measure_s=round(time.time() - t0, 2))
    print(json.dumps(summary))


if __name__ == '__main__':
    main()
