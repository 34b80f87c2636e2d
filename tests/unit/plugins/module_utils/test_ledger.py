# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The usage ledger on SQLite and, when reachable, on PostgreSQL (tests/localcloud postgresql).

PostgreSQL: DSN from LZ_LEDGER_DSN or <repo>/.localcloud/ledger.dsn; every test gets its own
throw-away database. Without a reachable server the PostgreSQL cases are skipped here (the
integration tests fail instead).
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _time
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import rating
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store as _ledger
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.store import LedgerError, open_ledger
from ansible_collections.landingzone.openstack.plugins.module_utils._time import ts

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))))


def base_dsn():
    dsn = os.environ.get('LZ_LEDGER_DSN')
    if not dsn:
        f = os.path.join(os.environ.get('LOCALCLOUD_STATE_DIR') or os.path.join(REPO_ROOT, '.localcloud'),
                         'ledger.dsn')
        if os.path.exists(f):
            with open(f) as fh:
                dsn = fh.read().strip()
    return dsn


def _pg_reachable():
    dsn = base_dsn()
    if not dsn:
        return False
    try:
        import psycopg
        psycopg.connect(dsn, connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001
        return False


PG = _pg_reachable()


def _with_db(dsn, name):
    return '%s/%s' % (dsn.rsplit('/', 1)[0], name)


@pytest.fixture(params=['sqlite', pytest.param('postgresql', marks=pytest.mark.skipif(
    not PG, reason='no PostgreSQL ledger server (python3 tests/localcloud/localcloud.py up)'))])
def target(request, tmp_path):
    """kwargs for open_ledger: an empty ledger of each backend."""
    if request.param == 'sqlite':
        yield dict(path=str(tmp_path / 'ledger.sqlite'))
        return
    import psycopg
    name = 'lz_test_%s' % uuid.uuid4().hex[:12]
    with psycopg.connect(base_dsn(), autocommit=True) as admin:
        admin.execute('CREATE DATABASE %s' % name)
    yield dict(dsn=_with_db(base_dsn(), name))
    with psycopg.connect(base_dsn(), autocommit=True) as admin:
        admin.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)


T0 = '2026-01-01T10:00:00Z'
T1 = '2026-01-01T11:00:00Z'
T2 = '2026-01-01T12:00:00Z'


def server(rid, project='p1', vcpus=2, status='ACTIVE'):
    return dict(kind='servers', resource_id=rid, project_id=project,
                attributes=dict(flavor='m1.small', vcpus=vcpus, ram_mib=2048, status=status))


def make_run(at, observations=(), lifetimes=(), projects=None, complete=('servers',), run_id=None,
             window_start=None):
    return dict(id=run_id or str(uuid.uuid4()), platform='local', started_at=at, finished_at=at,
                window_start=window_start, window_end=at, status='ok',
                counts={'servers': len(observations)}, remarks=[], complete_kinds=list(complete),
                requests={'total': 3},
                projects=projects if projects is not None else [
                    dict(project_id='p1', name='acme-web', domain_id='default', workspace='acme',
                         project='web', landing_zone='default', managed=True, enabled=True,
                         tags=['lz-managed', 'lz-ws=acme', 'lz-proj=web']),
                    dict(project_id='p2', name='legacy', domain_id='default', workspace='unmanaged',
                         project='legacy', managed=False, enabled=True, tags=[])],
                observations=list(observations), lifetimes=list(lifetimes))


def test_ts_normalises_api_forms():
    assert ts('2026-01-01T10:00:00Z') == '2026-01-01T10:00:00.000000Z'
    assert ts('2026-01-01T10:00:00.123') == '2026-01-01T10:00:00.123000Z'
    assert ts('2026-01-01 10:00:00.1234567+02:00') == '2026-01-01T08:00:00.123456Z'
    assert ts(None) is None
    with pytest.raises(_time.TimeError):
        ts('yesterday')


def test_resolve_target_dsn_wins_over_path():
    # ledger_dsn falls back to LZ_LEDGER_DSN (_argspec.LEDGER), so a DSN from the environment
    # arrives here as dsn and wins over ledger_path as well.
    assert _ledger.resolve_target(None, 'postgresql://x/y') == ('postgresql', 'postgresql://x/y')
    assert _ledger.resolve_target('/tmp/l.sqlite', 'postgresql://a/b') == ('postgresql', 'postgresql://a/b')
    assert _ledger.resolve_target('/tmp/l.sqlite', None) == ('sqlite', '/tmp/l.sqlite')
    assert _ledger.resolve_target('/tmp/l.sqlite', '') == ('sqlite', '/tmp/l.sqlite')
    assert _ledger.resolve_target(None, None) == ('sqlite', os.path.expanduser(_ledger.DEFAULT_PATH))


def test_migrations_applied_once_and_newer_schema_refused(target):
    with open_ledger(migrate=False, **target) as ledger:
        assert ledger.migrate(target=1) == [1]
        assert ledger.schema_version() == 1
    with open_ledger(**target) as ledger:  # opening applies the rest
        assert ledger.schema_version() == _ledger.SCHEMA_VERSION
        assert ledger.migrate() == []
        assert ledger.counts() == dict(collection_runs=0, projects=0, observations=0, lifetimes=0)
        with ledger._transaction('schema') as cur:
            ledger._execute(cur, 'INSERT INTO schema_version (version, description, applied_at) '
                                 'VALUES (?, ?, ?)', (999, 'future', T0))
    with pytest.raises(LedgerError, match='newer'):
        open_ledger(**target)


def test_same_run_twice_changes_nothing(target):
    run = make_run(T0, [server('s1'), server('s2', 'p2')],
                   [dict(kind='servers', resource_id='s1', project_id='p1', created_at=T0)])
    with open_ledger(**target) as ledger:
        first = ledger.record_run(run)
        assert not first['duplicate']
        assert first['inserted'] == dict(observations=2, projects=2, lifetimes=2)
        before = ledger.counts()
        snapshot = (list(ledger.iter_observations()), ledger.lifetimes(), ledger.projects(),
                    ledger.runs())
        again = ledger.record_run(run)
        assert again['duplicate']
        # The same observations under another run id (a retried write): still nothing new.
        other = dict(run, id=str(uuid.uuid4()))
        ledger.record_run(other)
        assert ledger.counts() == dict(before, collection_runs=2)
        assert list(ledger.iter_observations()) == snapshot[0]
        assert ledger.lifetimes() == snapshot[1]
        assert ledger.projects() == snapshot[2]


def test_unchanged_resources_extend_state_changes_add_rows(target):
    with open_ledger(**target) as ledger:
        ledger.record_run(make_run(T0, [server('s1'), server('s2')]))
        ledger.record_run(make_run(T1, [server('s1'), server('s2', vcpus=4)]))
        ledger.record_run(make_run(T2, [server('s1')]))  # s2 gone
        rows = list(ledger.iter_observations(kinds=['servers']))
        assert [(r['resource_id'], r['observed_at'], r['last_seen_at'], r['attributes']['vcpus'])
                for r in rows] == [
            ('s1', ts(T0), ts(T2), 2),
            ('s2', ts(T0), ts(T0), 2),
            ('s2', ts(T1), ts(T1), 4)]
        lives = dict((lt['resource_id'], lt) for lt in ledger.lifetimes())
        assert lives['s2']['gone_at'] == ts(T2) and lives['s2']['end_at'] == ts(T2)
        assert lives['s1']['gone_at'] is None and lives['s1']['last_seen_at'] == ts(T2)
        assert ledger.counts()['observations'] == 3
        # Window reads: only states overlapping [T1, T2).
        window = list(ledger.iter_observations(start=T1, end=T2))
        assert sorted((r['resource_id'], r['attributes']['vcpus']) for r in window) == [
            ('s1', 2), ('s2', 4)]


def test_short_lived_server_and_usage(target):
    created, deleted = '2026-01-01T10:10:00Z', '2026-01-01T10:40:00Z'
    with open_ledger(**target) as ledger:
        ledger.record_run(make_run(T0, [server('s1')],
                                   [dict(kind='servers', resource_id='s1', project_id='p1',
                                         created_at=T0)]))
        # s9 lived between the two samples: found by changes-since, with its real times.
        ledger.record_run(make_run(T1, [server('s1'), server('s9', 'p2', vcpus=8, status='DELETED')],
                                   [dict(kind='servers', resource_id='s9', project_id='p2',
                                         created_at=created, deleted_at=deleted)]))
        life = [lt for lt in ledger.lifetimes() if lt['resource_id'] == 's9'][0]
        assert (life['start_at'], life['end_at']) == (ts(created), ts(deleted))
        usage = dict(((u['project_id'], u['kind']), u) for u in rating.usage(ledger, start=T0, end=T2))
        assert usage[('p2', 'servers')]['hours'] == 0.5
        assert usage[('p2', 'servers')]['quantity_hours'] == 4.0
        assert usage[('p2', 'servers')]['workspace'] == 'unmanaged'
        assert usage[('p1', 'servers')]['hours'] == 1.0
        assert usage[('p1', 'servers')]['workspace'] == 'acme'
        assert usage[('p1', 'servers')]['project'] == 'web'
        assert rating.usage(ledger, start=T2, end='2026-01-01T13:00:00Z') == []


def test_projects_and_runs_read_api(target):
    with open_ledger(**target) as ledger:
        ledger.record_run(make_run(T0, [server('s1')], run_id='run-a', complete=('servers',)))
        ledger.record_run(make_run(T1, [server('s1')], run_id='run-b', complete=()))
        assert [r['id'] for r in ledger.runs('local')] == ['run-a', 'run-b']
        assert [r['id'] for r in ledger.runs(start=T1)] == ['run-b']
        assert ledger.last_complete('local', 'servers') == ts(T0)
        assert ledger.last_complete('local', 'volumes') is None
        assert ledger.last_complete('other', 'servers') is None
        projects = dict((p['project_id'], p) for p in ledger.projects('local'))
        assert projects['p1']['workspace'] == 'acme' and projects['p1']['managed'] is True
        assert projects['p2']['workspace'] == 'unmanaged'
        assert projects['p1']['last_seen_at'] == ts(T1)
        # An incomplete listing never marks resources as gone.
        ledger.record_run(make_run(T2, [], complete=()))
        assert ledger.lifetimes()[0]['gone_at'] is None


class Boom(Exception):
    pass


def test_crash_inside_the_transaction_leaves_ledger_unchanged(target):
    with open_ledger(**target) as ledger:
        ledger.record_run(make_run(T0, [server('s1')]))
        before = (ledger.counts(), list(ledger.iter_observations()), ledger.lifetimes(),
                  ledger.projects())

        def crash(table, n):
            if table == 'observations':
                raise Boom()
        big = [server('n%d' % i) for i in range(2500)] + [server('s1', vcpus=16)]
        with pytest.raises(Boom):
            ledger.record_run(make_run(T1, big, projects=[dict(project_id='p3', name='x')]),
                              on_batch=crash)
        after = (ledger.counts(), list(ledger.iter_observations()), ledger.lifetimes(),
                 ledger.projects())
        assert after == before
        # and the ledger is still usable
        ledger.record_run(make_run(T1, [server('s1')]))
        assert ledger.counts()['collection_runs'] == 2


KILLED_CHILD = textwrap.dedent('''
    import json, sys, time, uuid
    sys.path.insert(0, sys.argv[1])
    import conftest  # makes ansible_collections importable
    from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.store import open_ledger
    target = json.loads(sys.argv[2])
    ledger = open_ledger(**target)
    obs = [dict(kind='volumes', resource_id='v%d' % i, project_id='p1',
                attributes=dict(size_gib=i)) for i in range(5000)]
    def slow(table, n):
        if table == 'observations':
            sys.stdout.write('writing\\n'); sys.stdout.flush()
            time.sleep(60)
    ledger.record_run(dict(id=str(uuid.uuid4()), platform='local', window_end='2026-01-01T11:00:00Z',
                           observations=obs, complete_kinds=['volumes'],
                           projects=[dict(project_id='p9', name='killed')]), on_batch=slow)
    sys.stdout.write('committed\\n')
''')


def test_killed_process_mid_run_leaves_ledger_unchanged(target):
    import json
    with open_ledger(**target) as ledger:
        ledger.record_run(make_run(T0, [server('s1')]))
        before = (ledger.counts(), ledger.projects(), list(ledger.iter_observations()))
    child = subprocess.Popen([sys.executable, '-c', KILLED_CHILD,
                              os.path.join(REPO_ROOT, 'tests', 'unit'), json.dumps(target)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == 'writing'  # inside the transaction
        time.sleep(0.2)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    with open_ledger(**target) as ledger:
        after = (ledger.counts(), ledger.projects(), list(ledger.iter_observations()))
        assert after == before
        assert ledger.record_run(make_run(T1, [server('s1')]))['duplicate'] is False


def test_bulk_updates_of_many_resources(target):
    # Above the backends' bulk thresholds (PostgreSQL updates through COPY + one join).
    n = 300
    with open_ledger(**target) as ledger:
        lives = [dict(kind='servers', resource_id='s%d' % i, project_id='p1', created_at=T0)
                 for i in range(n)]
        ledger.record_run(make_run(T0, [server('s%d' % i) for i in range(n)], lives))
        ledger.record_run(make_run(T1, [server('s%d' % i) for i in range(n)], lives))
        # T2: the first 100 changed, the last 100 gone
        ledger.record_run(make_run(T2, [server('s%d' % i, vcpus=4 if i < 100 else 2)
                                        for i in range(200)], lives[:200]))
        rows = list(ledger.iter_observations())
        assert len(rows) == n + 100
        by = {}
        for r in rows:
            by.setdefault(r['resource_id'], []).append(r)
        assert [(r['observed_at'], r['last_seen_at']) for r in by['s0']] == [(ts(T0), ts(T1)), (ts(T2), ts(T2))]
        assert [(r['observed_at'], r['last_seen_at']) for r in by['s150']] == [(ts(T0), ts(T2))]
        assert [(r['observed_at'], r['last_seen_at']) for r in by['s250']] == [(ts(T0), ts(T1))]
        lt = dict((x['resource_id'], x) for x in ledger.lifetimes())
        assert lt['s250']['gone_at'] == ts(T2) and lt['s150']['gone_at'] is None
        assert lt['s150']['last_seen_at'] == ts(T2) and lt['s150']['created_at'] == ts(T0)


def test_statement_hashes_are_recorded_once(target):
    with open_ledger(**target) as ledger:
        ledger.record_statement('2026-10|p1', 0, {'a.csv': 'h1', 'b.json': 'h2'}, recorded_at=T0)
        ledger.record_statement('2026-10|p1', 0, {'a.csv': 'changed'})  # a record is never rewritten
        ledger.record_statement('2026-10|p1', 1, {'a.csv': 'h3'})
        assert ledger.statement_hashes('2026-10|p1') == {0: {'a.csv': 'h1', 'b.json': 'h2'}, 1: {'a.csv': 'h3'}}
        assert ledger.statement_hashes('2026-10|p2') == {}
