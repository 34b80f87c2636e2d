# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The usage ledger, storage only: what metering collected, stored idempotently; read back by chargeback. Also the
audit trail of the replication modules' writes (``audit_log``).

One small interface, two backends: a SQLite file (stdlib ``sqlite3``, the default) and
PostgreSQL (psycopg 3, imported only when used), for teams that run many collectors against one
store. The SQL is the same for both (no autoincrement, JSON kept as text, times as text).

Opening
    ``open_ledger(path=None, dsn=None)`` -> ``Ledger``. With ``dsn`` PostgreSQL, else the SQLite
    file ``path`` (default ``DEFAULT_PATH``). The modules' ``ledger_dsn`` option falls back to
    the environment ``LZ_LEDGER_DSN`` (``_argspec.LEDGER``), so a DSN from the environment wins
    over ``ledger_path`` too. Opening applies the missing schema migrations (table
    ``schema_version``, list ``MIGRATIONS``); a ledger newer than the code is refused.
    ``Ledger.close()``; ``Ledger`` is also a context manager.

Times
    Every time is a UTC text ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (fixed width, so text order is time
    order in both backends); ``_time.ts`` normalises datetimes and the ISO strings of the
    OpenStack APIs to it. Window arguments accept a datetime or such a string.

Writing: one collection run = one transaction
    ``record_run(run)`` writes a whole collection (``run`` is a dict, see ``record_run``):
    the ``collection_runs`` row, the project records, the observations and the lifetimes, in
    one transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL with a transaction-scoped advisory
    lock per platform, so concurrent collectors of one platform serialise). A run killed or
    failing mid-way leaves nothing of itself. Writing the same run again (same run ``id``)
    changes nothing and returns ``duplicate=True``.

Observations are state intervals, not raw samples
    A row of ``observations`` is one *state* of one resource: key
    ``(platform, kind, resource_id, observed_at)``, with ``attributes`` (JSON, the billable
    traits), its ``attrs_hash``, ``project_id`` and ``last_seen_at``. A sample whose
    attributes and project equal the resource's current state only moves ``last_seen_at``
    forward; a changed state starts a new row at the sample time. So:

    - inserting the same collection twice changes nothing (same key, same state, same time);
    - a second collection of an unchanged cloud adds no observation/project/lifetime rows,
      only its ``collection_runs`` row (and moves ``last_seen_at``);
    - the ledger grows with changes, not with the collection frequency (10,000 resources
      sampled every 5 minutes do not make 2.9 million rows a day).

    ``lifetimes`` holds one row per resource: ``created_at`` and ``deleted_at`` as the API
    reports them (Nova ``created``/``terminated_at``, so a server created and deleted between
    two samples is billed for its real life), ``first_seen_at``/``last_seen_at`` by the
    collector and ``gone_at``: the first complete listing of its kind that no longer showed it
    (the resource ended between ``last_seen_at`` and ``gone_at``).

Reading (used by openstack_usage_info and chargeback)
    - ``runs(platform=None, start=None, end=None, status=None)`` -> list of run dicts.
    - ``last_complete(platform, kind)`` -> the latest ``window_end`` of a run whose listing of
      ``kind`` was complete (the collector's ``changes-since``), or None.
    - ``projects(platform=None)`` -> list of project dicts (workspace/project from the
      ownership tags; unmanaged projects have ``workspace='unmanaged'``).
    - ``iter_observations(platform=None, start=None, end=None, kinds=None, project_ids=None)``
      -> yields the states that overlap ``[start, end)``, ordered by platform, kind, resource,
      time. Each: platform, kind, resource_id, project_id, observed_at, last_seen_at,
      attributes (dict), run_id.
    - ``lifetimes(platform=None, start=None, end=None, kinds=None)`` -> lifetimes that overlap
      the window (dicts, with ``end_at``: deleted_at, else gone_at, else last_seen_at).
    - ``counts()`` -> rows per table (tests, benchmarks).

Statements (written by openstack_chargeback when it closes a period)
    - ``record_statement(statement, revision, hashes)`` records the sha256 of each file of a
      closed statement's version (never rewritten); ``statement_hashes(statement)`` ->
      {revision: {file: sha256}}, read by its verify step.

The audit trail (written by the replication modules, docs/audit.md)
    - ``record_audit(entries)`` appends a run's write entries (``audit.COLUMNS``) to ``audit_log`` in one
      transaction; never updated, never deleted. ``audit(start, end, platform, workspace, run_id)`` reads them,
      oldest first.

    Usage hours are not computed here: ``_chargeback.rating.usage`` derives them from the same
    intervals as the invoice.
"""

import enum
import hashlib
import json
import os
import sqlite3

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import UserError
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.audit import (
    COLUMNS as AUDIT_COLUMNS,
    JSON_COLUMNS as AUDIT_JSON,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.dsn import redact as dsn_redact, scrub
from ansible_collections.landingzone.openstack.plugins.module_utils._time import ts, utcnow

DEFAULT_PATH = '~/.local/share/landingzone/ledger.sqlite'
# Workspace of projects without the ownership marker, and of project ids Keystone did not list.
UNMANAGED = 'unmanaged'


class RunStatus(str, enum.Enum):
    """A collection run's status: ``ok`` (complete), ``partial`` (a kind or the projects missing or cut).
    A str-enum like ``_results.Text``, on its own: the ledger readers ship no result code."""

    OK = 'ok'
    PARTIAL = 'partial'

    def __str__(self):
        return self.value


# The resource kinds the ledger holds: the registry's metered kinds (the modules' ``kinds`` choices).
KINDS = _kinds.metered()

# Versioned schema. Append, never edit: each entry is (version, description, statements).
# The SQL must run unchanged on SQLite and PostgreSQL.
MIGRATIONS = [
    (1, 'collection runs, projects, observations, lifetimes', [
        '''CREATE TABLE collection_runs (
            id TEXT PRIMARY KEY,
            platform TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            window_start TEXT,
            window_end TEXT NOT NULL,
            status TEXT NOT NULL,
            counts TEXT NOT NULL,
            remarks TEXT NOT NULL,
            complete_kinds TEXT NOT NULL,
            requests TEXT NOT NULL,
            written TEXT NOT NULL
        )''',
        'CREATE INDEX collection_runs_platform ON collection_runs (platform, window_end)',
        '''CREATE TABLE projects (
            platform TEXT NOT NULL,
            project_id TEXT NOT NULL,
            name TEXT,
            domain_id TEXT,
            workspace TEXT NOT NULL,
            project TEXT,
            landing_zone TEXT,
            managed INTEGER NOT NULL,
            enabled INTEGER,
            tags TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            PRIMARY KEY (platform, project_id)
        )''',
        '''CREATE TABLE observations (
            platform TEXT NOT NULL,
            kind TEXT NOT NULL,
            resource_id TEXT NOT NULL,
            observed_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            project_id TEXT,
            attrs_hash TEXT NOT NULL,
            attributes TEXT NOT NULL,
            run_id TEXT NOT NULL,
            PRIMARY KEY (platform, kind, resource_id, observed_at)
        )''',
        'CREATE INDEX observations_window ON observations (platform, observed_at, last_seen_at)',
        '''CREATE TABLE lifetimes (
            platform TEXT NOT NULL,
            kind TEXT NOT NULL,
            resource_id TEXT NOT NULL,
            project_id TEXT,
            created_at TEXT,
            deleted_at TEXT,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            gone_at TEXT,
            PRIMARY KEY (platform, kind, resource_id)
        )''',
    ]),
    (2, 'index observations by project for chargeback', [
        'CREATE INDEX observations_project ON observations (platform, project_id, kind)',
    ]),
    (3, 'content hashes of closed chargeback statements', [
        '''CREATE TABLE statements (
            statement TEXT NOT NULL,
            revision INTEGER NOT NULL,
            file TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            PRIMARY KEY (statement, revision, file)
        )''',
    ]),
    (4, 'audit trail: every write of the replication modules to a cloud', [
        '''CREATE TABLE audit_log (
            run_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            at TEXT NOT NULL,
            platform TEXT NOT NULL,
            workspace TEXT,
            project TEXT,
            module TEXT NOT NULL,
            operation TEXT NOT NULL,
            method TEXT NOT NULL,
            service TEXT NOT NULL,
            path TEXT NOT NULL,
            resource_id TEXT,
            target TEXT,
            before TEXT,
            after TEXT,
            status INTEGER,
            outcome TEXT NOT NULL,
            inventory_revision TEXT,
            PRIMARY KEY (run_id, seq)
        )''',
        'CREATE INDEX audit_log_time ON audit_log (at, platform)',
    ]),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]


class LedgerError(UserError):
    """The ledger cannot be opened or written (the message says why)."""


# ------------------------------------------------------------------------------------ helpers

def _now():
    return ts(utcnow())


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(',', ':'), default=str)


def state_hash(project_id, attributes):
    """What makes a new state: the project and the billable attributes."""
    text = canonical_json([project_id, attributes])
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]


def resolve_target(path=None, dsn=None):
    """('postgresql', dsn) or ('sqlite', path): a DSN wins over a path (the modules' ledger_dsn
    option falls back to LZ_LEDGER_DSN, so the environment's DSN wins over ledger_path too)."""
    if dsn:
        return 'postgresql', dsn
    return 'sqlite', os.path.expanduser(path or DEFAULT_PATH)


def open_ledger(path=None, dsn=None, migrate=True):
    """Open (and migrate) the ledger: PostgreSQL with ``dsn``, else the SQLite file ``path``."""
    backend, target = resolve_target(path, dsn)
    if backend == 'postgresql':
        ledger = PostgresLedger(target)
    else:
        ledger = SqliteLedger(target)
    if migrate:
        try:
            ledger.migrate()
        except Exception:
            ledger.close()
            raise
    return ledger


# ------------------------------------------------------------------------------------ ledger

class Ledger:
    """Backend-neutral logic. Subclasses provide the connection and transactions."""

    backend = None
    _param = '?'

    # --- backend hooks
    def _transaction(self, platform=None):  # pragma: no cover - abstract
        raise NotImplementedError

    def _execute(self, cur, sql, args=()):
        if self._param != '?':
            sql = sql.replace('?', self._param)
        cur.execute(sql, args)
        return cur

    def _executemany(self, cur, sql, rows):
        if not rows:
            return
        if self._param != '?':
            sql = sql.replace('?', self._param)
        cur.executemany(sql, rows)

    def _bulk_update(self, cur, table, columns, keys, rows, guard=None):
        """UPDATE ``table`` SET columns WHERE keys (AND table.guard < new guard value) for each
        row (column values, then key values). Backends may do it faster than statement-wise."""
        if not rows:
            return
        sql = 'UPDATE %s SET %s WHERE %s' % (table, ', '.join('%s = ?' % c for c in columns),
                                             ' AND '.join('%s = ?' % k for k in keys))
        if guard:
            sql += ' AND %s < ?' % guard
            at = columns.index(guard)
            rows = [tuple(r) + (r[at],) for r in rows]
        self._executemany(cur, sql, rows)

    def _query(self, sql, args=()):
        cur = self._conn.cursor()
        try:
            self._execute(cur, sql, args)
            return cur.fetchall()
        finally:
            cur.close()
            self._end_read()

    def _end_read(self):
        pass

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- schema
    def schema_version(self):
        rows = self._query('SELECT MAX(version) FROM schema_version')
        return rows[0][0] or 0

    def migrate(self, target=None):
        """Apply the missing migrations up to ``target`` (default: all). Returns the versions
        applied. Each migration is its own transaction; concurrent openers wait for the lock."""
        target = SCHEMA_VERSION if target is None else target
        applied = []
        with self._transaction('schema') as cur:
            self._execute(cur, 'CREATE TABLE IF NOT EXISTS schema_version ('
                               'version INTEGER PRIMARY KEY, description TEXT NOT NULL, '
                               'applied_at TEXT NOT NULL)')
        for version, description, statements in MIGRATIONS:
            if version > target:
                break
            with self._transaction('schema') as cur:
                self._execute(cur, 'SELECT MAX(version) FROM schema_version')
                current = cur.fetchone()[0] or 0
                if current > SCHEMA_VERSION:
                    raise LedgerError('the ledger has schema version %d, newer than this '
                                      'collection knows (%d): upgrade the collection'
                                      % (current, SCHEMA_VERSION))
                if version <= current:
                    continue
                for statement in statements:
                    self._execute(cur, statement)
                self._execute(cur, 'INSERT INTO schema_version (version, description, applied_at)'
                                   ' VALUES (?, ?, ?)', (version, description, _now()))
                applied.append(version)
        if self.schema_version() > SCHEMA_VERSION:
            raise LedgerError('the ledger has schema version %d, newer than this collection '
                              'knows (%d): upgrade the collection'
                              % (self.schema_version(), SCHEMA_VERSION))
        return applied

    # --- writing
    def record_run(self, run, on_batch=None):
        """Write one collection run in one transaction. ``run`` keys:

        ``id`` (unique text, e.g. a uuid), ``platform``, ``started_at``, ``finished_at``,
        ``window_start`` (None on a first run), ``window_end`` (the sample time), ``status``
        (``ok``/``partial``/``failed``), ``counts`` {kind: n}, ``remarks`` [{kind, code,
        message}], ``complete_kinds`` [kinds whose listing was complete: only those mark unseen
        resources as gone], ``requests`` {...},
        ``projects`` [{project_id, name, domain_id, workspace, project, landing_zone, managed,
        enabled, tags}],
        ``observations`` [{kind, resource_id, project_id, attributes, observed_at (optional,
        default window_end)}],
        ``lifetimes`` [{kind, resource_id, project_id, created_at, deleted_at}].

        Returns {duplicate, inserted: {table: n}, updated: {table: n}}. ``on_batch(table, n)``
        is called while writing (tests use it to kill a run mid-way).
        """
        platform = run['platform']
        sample = ts(run['window_end'])
        written = dict(inserted=dict(observations=0, projects=0, lifetimes=0),
                       updated=dict(observations=0, projects=0, lifetimes=0, gone=0))
        with self._transaction(platform) as cur:
            self._execute(cur, 'SELECT id FROM collection_runs WHERE id = ?', (run['id'],))
            if cur.fetchone():
                return dict(duplicate=True, **written)
            self._write_projects(cur, platform, sample, run.get('projects') or [], written)
            if on_batch:
                on_batch('projects', len(run.get('projects') or []))
            self._write_observations(cur, platform, run['id'], sample,
                                     run.get('observations') or [], written, on_batch)
            self._write_lifetimes(cur, platform, sample, run.get('lifetimes') or [],
                                  run.get('observations') or [],
                                  run.get('complete_kinds') or [], written)
            if on_batch:
                on_batch('lifetimes', len(run.get('lifetimes') or []))
            self._execute(cur, 'INSERT INTO collection_runs (id, platform, started_at, '
                               'finished_at, window_start, window_end, status, counts, remarks, '
                               'complete_kinds, requests, written) '
                               'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                          (run['id'], platform, ts(run.get('started_at')) or sample,
                           ts(run.get('finished_at')), ts(run.get('window_start')), sample,
                           str(run.get('status') or RunStatus.OK), canonical_json(run.get('counts') or {}),
                           canonical_json(run.get('remarks') or []),
                           canonical_json(sorted(run.get('complete_kinds') or [])),
                           canonical_json(run.get('requests') or {}), canonical_json(written)))
        return dict(duplicate=False, **written)

    def _write_projects(self, cur, platform, sample, projects, written):
        self._execute(cur, 'SELECT project_id, name, domain_id, workspace, project, landing_zone, '
                           'managed, enabled, tags FROM projects WHERE platform = ?', (platform,))
        known = dict((r[0], tuple(r[1:])) for r in cur.fetchall())
        inserts, updates, seen = [], [], []
        for p in projects:
            values = (p.get('name'), p.get('domain_id'), p.get('workspace') or UNMANAGED,
                      p.get('project'), p.get('landing_zone'), 1 if p.get('managed') else 0,
                      None if p.get('enabled') is None else (1 if p.get('enabled') else 0),
                      canonical_json(sorted(p.get('tags') or [])))
            pid = p['project_id']
            if pid not in known:
                inserts.append((platform, pid) + values + (sample, sample))
            elif known[pid] != values:
                updates.append(values + (sample, platform, pid, sample))
            else:
                seen.append((sample, platform, pid, sample))
        self._executemany(cur, 'INSERT INTO projects (platform, project_id, name, domain_id, '
                               'workspace, project, landing_zone, managed, enabled, tags, '
                               'first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) '
                               'ON CONFLICT (platform, project_id) DO NOTHING', inserts)
        self._executemany(cur, 'UPDATE projects SET name = ?, domain_id = ?, workspace = ?, '
                               'project = ?, landing_zone = ?, managed = ?, enabled = ?, tags = ?, '
                               'last_seen_at = ? WHERE platform = ? AND project_id = ? '
                               'AND last_seen_at <= ?', updates)
        self._executemany(cur, 'UPDATE projects SET last_seen_at = ? WHERE platform = ? AND '
                               'project_id = ? AND last_seen_at < ?', seen)
        written['inserted']['projects'] += len(inserts)
        written['updated']['projects'] += len(updates)

    def _current_states(self, cur, platform, kinds):
        """{(kind, resource_id): (observed_at, last_seen_at, attrs_hash)} of the latest state."""
        states = {}
        for kind in kinds:
            self._execute(cur, 'SELECT resource_id, observed_at, last_seen_at, attrs_hash '
                               'FROM observations WHERE platform = ? AND kind = ?',
                          (platform, kind))
            for rid, observed, last_seen, digest in cur.fetchall():
                old = states.get((kind, rid))
                if old is None or observed > old[0]:
                    states[(kind, rid)] = (observed, last_seen, digest)
        return states

    def _write_observations(self, cur, platform, run_id, sample, observations, written,
                            on_batch=None):
        kinds = sorted(set(o['kind'] for o in observations))
        states = self._current_states(cur, platform, kinds)
        inserts, touches = [], []
        for obs in observations:
            at = ts(obs.get('observed_at')) or sample
            attrs = obs.get('attributes') or {}
            digest = state_hash(obs.get('project_id'), attrs)
            key = (obs['kind'], obs['resource_id'])
            current = states.get(key)
            if current is not None and at < current[0]:
                current = self._state_at(cur, platform, key, at)  # an older sample: rare
            if current is not None and current[2] == digest:
                if at > current[1]:
                    touches.append((at, platform, key[0], key[1], current[0]))
                continue
            inserts.append((platform, key[0], key[1], at, at, obs.get('project_id'), digest,
                            canonical_json(attrs), run_id))
            if current is None or at > current[0]:
                states[key] = (at, at, digest)
        for start in range(0, len(inserts), 1000):
            batch = inserts[start:start + 1000]
            self._executemany(cur, 'INSERT INTO observations (platform, kind, resource_id, '
                                   'observed_at, last_seen_at, project_id, attrs_hash, attributes, '
                                   'run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) '
                                   'ON CONFLICT (platform, kind, resource_id, observed_at) '
                                   'DO NOTHING', batch)
            if on_batch:
                on_batch('observations', len(batch))
        for start in range(0, len(touches), 5000):
            batch = touches[start:start + 5000]
            self._bulk_update(cur, 'observations', ['last_seen_at'],
                              ['platform', 'kind', 'resource_id', 'observed_at'], batch,
                              guard='last_seen_at')
            if on_batch:
                on_batch('observations', len(batch))
        written['inserted']['observations'] += len(inserts)
        written['updated']['observations'] += len(touches)

    def _state_at(self, cur, platform, key, at):
        self._execute(cur, 'SELECT observed_at, last_seen_at, attrs_hash FROM observations '
                           'WHERE platform = ? AND kind = ? AND resource_id = ? AND observed_at <= ? '
                           'ORDER BY observed_at DESC LIMIT 1', (platform, key[0], key[1], at))
        row = cur.fetchone()
        return tuple(row) if row else None

    def _write_lifetimes(self, cur, platform, sample, lifetimes, observations, complete_kinds,
                         written):
        by_key = {}
        for obs in observations:
            at = ts(obs.get('observed_at')) or sample
            key = (obs['kind'], obs['resource_id'])
            first, last, project = by_key.get(key, (at, at, obs.get('project_id')))
            by_key[key] = (min(first, at), max(last, at), obs.get('project_id') or project)
        api = dict(((lt['kind'], lt['resource_id']), lt) for lt in lifetimes)
        for key in api:
            by_key.setdefault(key, (sample, sample, api[key].get('project_id')))
        kinds = sorted(set(key[0] for key in by_key) | set(complete_kinds))
        known = {}
        for kind in kinds:
            self._execute(cur, 'SELECT resource_id, project_id, created_at, deleted_at, '
                               'first_seen_at, last_seen_at, gone_at FROM lifetimes '
                               'WHERE platform = ? AND kind = ?', (platform, kind))
            for row in cur.fetchall():
                known[(kind, row[0])] = tuple(row[1:])
        inserts, updates = [], []
        for key, (first, last, project) in by_key.items():
            lt = api.get(key, {})
            created, deleted = ts(lt.get('created_at')), ts(lt.get('deleted_at'))
            project = lt.get('project_id') or project
            old = known.get(key)
            if old is None:
                inserts.append((platform, key[0], key[1], project, created, deleted, first, last,
                                None))
                continue
            new = (project or old[0], old[1] or created, deleted or old[2], min(old[3], first),
                   max(old[4], last),
                   # seen again after a listing missed it: it was not gone after all
                   old[5] if old[5] is None or old[5] > last else None)
            if new != tuple(old):
                updates.append(new + (platform, key[0], key[1]))
        gone = []
        for key, old in known.items():
            if key[0] in complete_kinds and key not in by_key and old[2] is None \
                    and old[5] is None and old[4] < sample:
                gone.append((sample, platform, key[0], key[1]))
        self._executemany(cur, 'INSERT INTO lifetimes (platform, kind, resource_id, project_id, '
                               'created_at, deleted_at, first_seen_at, last_seen_at, gone_at) '
                               'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) '
                               'ON CONFLICT (platform, kind, resource_id) DO NOTHING', inserts)
        self._bulk_update(cur, 'lifetimes', ['project_id', 'created_at', 'deleted_at',
                                             'first_seen_at', 'last_seen_at', 'gone_at'],
                          ['platform', 'kind', 'resource_id'], updates)
        self._bulk_update(cur, 'lifetimes', ['gone_at'], ['platform', 'kind', 'resource_id'], gone)
        written['inserted']['lifetimes'] += len(inserts)
        written['updated']['lifetimes'] += len(updates)
        written['updated']['gone'] += len(gone)

    # --- reading
    @staticmethod
    def _where(platform=None, kinds=None, extra=None):
        clauses, args = [], []
        if platform:
            clauses.append('platform = ?')
            args.append(platform)
        if kinds:
            kinds = list(kinds)
            clauses.append('kind IN (%s)' % ', '.join('?' * len(kinds)))
            args.extend(kinds)
        for clause, values in extra or []:
            clauses.append(clause)
            args.extend(values)
        return (' WHERE ' + ' AND '.join(clauses)) if clauses else '', args

    def runs(self, platform=None, start=None, end=None, status=None):
        """Collection runs (oldest first) whose window_end lies in [start, end)."""
        extra = []
        if start:
            extra.append(('window_end >= ?', [ts(start)]))
        if end:
            extra.append(('window_end < ?', [ts(end)]))
        if status:
            statuses = [str(s) for s in ([status] if isinstance(status, str) else status)]
            extra.append(('status IN (%s)' % ', '.join('?' * len(statuses)), statuses))
        where, args = self._where(platform, None, extra)
        rows = self._query('SELECT id, platform, started_at, finished_at, window_start, window_end,'
                           ' status, counts, remarks, complete_kinds, requests, written '
                           'FROM collection_runs' + where + ' ORDER BY window_end, id', args)
        out = []
        for r in rows:
            out.append(dict(id=r[0], platform=r[1], started_at=r[2], finished_at=r[3],
                            window_start=r[4], window_end=r[5], status=r[6],
                            counts=json.loads(r[7]), remarks=json.loads(r[8]),
                            complete_kinds=json.loads(r[9]), requests=json.loads(r[10]),
                            written=json.loads(r[11])))
        return out

    def last_complete(self, platform, kind):
        """window_end of the latest run that listed ``kind`` completely (None if none): the start
        of the collector's ``changes-since`` window. ``complete_kinds`` is canonical JSON, so
        the kind appears in it as ``"kind"``."""
        rows = self._query('SELECT MAX(window_end) FROM collection_runs WHERE platform = ? AND '
                           'complete_kinds LIKE ?', (platform, '%%"%s"%%' % kind))
        return rows[0][0] if rows else None

    def projects(self, platform=None):
        where, args = self._where(platform)
        rows = self._query('SELECT platform, project_id, name, domain_id, workspace, project, '
                           'landing_zone, managed, enabled, tags, first_seen_at, last_seen_at '
                           'FROM projects' + where + ' ORDER BY platform, workspace, project, '
                           'project_id', args)
        return [dict(platform=r[0], project_id=r[1], name=r[2], domain_id=r[3], workspace=r[4],
                     project=r[5], landing_zone=r[6], managed=bool(r[7]),
                     enabled=None if r[8] is None else bool(r[8]), tags=json.loads(r[9]),
                     first_seen_at=r[10], last_seen_at=r[11]) for r in rows]

    def iter_observations(self, platform=None, start=None, end=None, kinds=None,
                          project_ids=None):
        """Yield the states overlapping [start, end): observed_at < end, last_seen_at >= start.

        A state's billable span runs past its last_seen_at up to the next state or the end of
        life; for that, read ``lifetimes`` (``_chargeback.rating`` does)."""
        extra = []
        if start:
            extra.append(('last_seen_at >= ?', [ts(start)]))
        if end:
            extra.append(('observed_at < ?', [ts(end)]))
        if project_ids:
            project_ids = list(project_ids)
            extra.append(('project_id IN (%s)' % ', '.join('?' * len(project_ids)), project_ids))
        where, args = self._where(platform, kinds, extra)
        rows = self._query('SELECT platform, kind, resource_id, project_id, observed_at, '
                           'last_seen_at, attributes, run_id FROM observations' + where +
                           ' ORDER BY platform, kind, resource_id, observed_at', args)
        for r in rows:
            yield dict(platform=r[0], kind=r[1], resource_id=r[2], project_id=r[3],
                       observed_at=r[4], last_seen_at=r[5], attributes=json.loads(r[6]),
                       run_id=r[7])

    def lifetimes(self, platform=None, start=None, end=None, kinds=None):
        """Lifetimes overlapping [start, end), each with ``end_at`` (deleted_at, else gone_at,
        else last_seen_at) and ``start_at`` (created_at, else first_seen_at)."""
        where, args = self._where(platform, kinds)
        rows = self._query('SELECT platform, kind, resource_id, project_id, created_at, '
                           'deleted_at, first_seen_at, last_seen_at, gone_at FROM lifetimes' +
                           where + ' ORDER BY platform, kind, resource_id', args)
        start, end = ts(start), ts(end)
        out = []
        for r in rows:
            item = dict(platform=r[0], kind=r[1], resource_id=r[2], project_id=r[3],
                        created_at=r[4], deleted_at=r[5], first_seen_at=r[6], last_seen_at=r[7],
                        gone_at=r[8])
            item['start_at'] = min(x for x in (r[4], r[6]) if x)
            item['end_at'] = r[5] or r[8] or r[7]
            if (start and item['end_at'] < start) or (end and item['start_at'] >= end):
                continue
            out.append(item)
        return out

    def record_statement(self, statement, revision, hashes, recorded_at=None):
        """Record the content hashes {file name: sha256} of revision ``revision`` of the closed
        chargeback statement ``statement`` (one transaction). A file already recorded for that
        revision keeps its first hash: a statement's record is never rewritten."""
        at = ts(recorded_at) or _now()
        with self._transaction('statements') as cur:
            self._executemany(cur, 'INSERT INTO statements (statement, revision, file, sha256, recorded_at) '
                                   'VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
                              [(statement, int(revision), name, digest, at) for name, digest in sorted(hashes.items())])

    def statement_hashes(self, statement):
        """{revision: {file name: sha256}} recorded for ``statement``."""
        out = {}
        for revision, name, digest in self._query('SELECT revision, file, sha256 FROM statements WHERE statement = ? '
                                                  'ORDER BY revision, file', (statement,)):
            out.setdefault(int(revision), {})[name] = digest
        return out

    # --- the audit trail (append-only: entries are inserted, never updated or deleted)
    def record_audit(self, entries):
        """Append a run's audit entries (dicts of ``audit.COLUMNS``) in one transaction; an entry already
        recorded (same run id and seq) is kept as it was: the log is never updated, never deleted from."""
        rows = [tuple(canonical_json(e[c]) if c in AUDIT_JSON and e.get(c) is not None else e.get(c)
                      for c in AUDIT_COLUMNS) for e in entries]
        if not rows:
            return 0
        with self._transaction('audit') as cur:
            self._executemany(cur, 'INSERT INTO audit_log (%s) VALUES (%s) ON CONFLICT DO NOTHING'
                              % (', '.join(AUDIT_COLUMNS), ', '.join('?' * len(AUDIT_COLUMNS))), rows)
        return len(rows)

    def audit(self, start=None, end=None, platform=None, workspace=None, run_id=None):
        """Audit entries with ``at`` in [start, end), oldest first (dicts; before/after as values)."""
        extra = []
        if start:
            extra.append(('at >= ?', [ts(start)]))
        if end:
            extra.append(('at < ?', [ts(end)]))
        if workspace:
            extra.append(('workspace = ?', [workspace]))
        if run_id:
            extra.append(('run_id = ?', [run_id]))
        where, args = self._where(platform, None, extra)
        rows = self._query('SELECT %s FROM audit_log%s ORDER BY at, run_id, seq' % (', '.join(AUDIT_COLUMNS), where),
                           args)
        return [dict((c, json.loads(v) if c in AUDIT_JSON and v is not None else v)
                     for c, v in zip(AUDIT_COLUMNS, row)) for row in rows]

    def counts(self):
        out = {}
        for table in ('collection_runs', 'projects', 'observations', 'lifetimes'):
            out[table] = self._query('SELECT COUNT(*) FROM %s' % table)[0][0]
        return out


class _Tx:
    def __init__(self, enter, leave):
        self._enter, self._leave = enter, leave

    def __enter__(self):
        return self._enter()

    def __exit__(self, exc_type, exc, tb):
        self._leave(exc_type is None)
        return False


class SqliteLedger(Ledger):
    """SQLite file, WAL mode; a run writes under ``BEGIN IMMEDIATE`` (one writer at a time)."""

    backend = 'sqlite'

    def __init__(self, path):
        self.target = path
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            os.makedirs(directory)
        try:
            self._conn = sqlite3.connect(path, timeout=60, isolation_level=None)
            self._conn.execute('PRAGMA journal_mode=WAL')
            self._conn.execute('PRAGMA synchronous=NORMAL')
        except sqlite3.Error as exc:
            raise LedgerError('cannot open the SQLite ledger %s: %s' % (path, exc)) from exc

    def _transaction(self, platform=None):
        state = {}

        def enter():
            cur = self._conn.cursor()
            cur.execute('BEGIN IMMEDIATE')
            state['cur'] = cur
            return cur

        def leave(ok):
            cur = state['cur']
            cur.execute('COMMIT' if ok else 'ROLLBACK')
            cur.close()
        return _Tx(enter, leave)


class PostgresLedger(Ledger):
    """PostgreSQL through psycopg 3; the run's transaction holds an advisory lock per platform."""

    backend = 'postgresql'
    _param = '%s'

    def __init__(self, dsn):
        self.target = _redact(dsn)
        try:
            import psycopg  # noqa: F401 - lazily: only PostgreSQL users need it
        except ImportError as exc:
            raise LedgerError('the PostgreSQL ledger needs psycopg 3 (pip install "psycopg[binary]")') from exc
        self._psycopg = psycopg
        try:
            self._conn = psycopg.connect(dsn, autocommit=False, connect_timeout=15)
        except psycopg.Error as exc:
            raise LedgerError('cannot connect to the PostgreSQL ledger %s: %s'
                              % (self.target, scrub(str(exc).strip(), dsn))) from exc

    def _end_read(self):
        self._conn.rollback()  # do not keep a read transaction open

    def _bulk_update(self, cur, table, columns, keys, rows, guard=None):
        # One statement per row costs a round trip each (~0.5 ms): COPY the rows into a temporary
        # table and update with one join instead (10,000 rows: ~0.3 s instead of ~5 s).
        if len(rows) < 50:
            return super()._bulk_update(cur, table, columns, keys, rows, guard)
        names = list(columns) + list(keys)
        tmp = 'lz_update_%s_%s' % (table, '_'.join(c[:3] for c in columns))
        cur.execute('CREATE TEMP TABLE IF NOT EXISTS %s (%s) ON COMMIT DROP'
                    % (tmp, ', '.join('%s TEXT' % n for n in names)))
        with cur.copy('COPY %s (%s) FROM STDIN' % (tmp, ', '.join(names))) as copy:
            for row in rows:
                copy.write_row(row)
        sql = 'UPDATE %s AS t SET %s FROM %s AS u WHERE %s' % (
            table, ', '.join('%s = u.%s' % (c, c) for c in columns), tmp,
            ' AND '.join('t.%s = u.%s' % (k, k) for k in keys))
        if guard:
            sql += ' AND t.%s < u.%s' % (guard, guard)
        cur.execute(sql)
        cur.execute('DELETE FROM %s' % tmp)

    def _transaction(self, platform=None):
        state = {}

        def enter():
            cur = self._conn.cursor()
            cur.execute('SELECT pg_advisory_xact_lock(hashtext(%s))', ('lz-ledger:%s' % platform,))
            state['cur'] = cur
            return cur

        def leave(ok):
            try:
                if ok:
                    self._conn.commit()
                else:
                    self._conn.rollback()
            finally:
                state['cur'].close()
        return _Tx(enter, leave)


def _redact(dsn):
    """The DSN without its secrets (for messages): read as libpq reads it (``_ledger/dsn.py``)."""
    return dsn_redact(dsn)
