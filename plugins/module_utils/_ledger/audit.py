# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit trail's pure part: what one write to a cloud becomes in the ledger (docs/audit.md).

Every HTTP request a run sends passes the run's ``_rest.RequestCounter``; the counter hands each
write (``_rest.is_write``: not GET/HEAD/OPTIONS, not authentication) to the run's ``WriteLog``,
which makes an ``Entry`` of it: the request (method, service, path), its answer (status), and
what the code that sent it said about it (``describe``: the operation, the tenant, the target,
before and after). ``describe`` is a thread-local context: the apply steps wrap each action in it,
and the counter's hook runs on the thread that sent the request.

Never a secret: the log reads the method, the URL's path (no query) and, of a created resource's
answer, its ``id`` and ``name`` only; bodies are never stored. Storage is ``store.record_audit``;
the export formats (JSON Lines, CSV) are here.
"""

import contextlib
import csv
import enum
import io
import json
import re
import threading
from dataclasses import asdict, dataclass
from typing import Optional
from urllib.parse import urlsplit

from ansible_collections.landingzone.openstack.plugins.module_utils._time import ts, utcnow

# The columns of the table audit_log, in order (the export's columns too).
COLUMNS = ('run_id', 'seq', 'at', 'platform', 'workspace', 'project', 'module', 'operation', 'method', 'service',
           'path', 'resource_id', 'target', 'before', 'after', 'status', 'outcome', 'inventory_revision')
# Columns holding JSON (before, after): text in the table, values in the export's JSON Lines.
JSON_COLUMNS = ('before', 'after')
# How many of a run's entries its result shows (the export has them all).
SHOWN = 200
# A path segment that is a resource id: Keystone, Nova, Cinder, Neutron, Octavia ids (uuid, 32 or 64 hex).
_ID = re.compile(r'^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$|^[0-9a-fA-F]{32,64}$')


class Outcome(str, enum.Enum):
    """An entry's outcome: the write was answered with success (below 400), with an error, or not at all (it may have
    landed: a timeout, a connection failure; no status). A str-enum like
    ``store.RunStatus``, on its own: the ledger readers ship no result code."""

    OK = 'ok'
    ERROR = 'error'
    NO_ANSWER = 'no_answer'

    def __str__(self):
        return self.value


@dataclass(frozen=True)
class Entry:
    """One write to a cloud. ``before``/``after``: what the plan knew (None: not known)."""

    run_id: str
    seq: int
    at: str
    platform: str
    workspace: Optional[str]
    project: Optional[str]
    module: str
    operation: str
    method: str
    service: str
    path: str
    resource_id: Optional[str]
    target: Optional[str]
    before: Optional[dict]
    after: Optional[dict]
    status: Optional[int]
    outcome: str
    inventory_revision: Optional[str]

    def as_dict(self):
        return asdict(self)


_context = threading.local()


@contextlib.contextmanager
def describe(operation, tenant=None, target=None, before=None, after=None, service=None):
    """What the writes sent inside this block are: ``operation`` (an action kind such as
    ``create_project``), the ``tenant`` key (``workspace/project``), the ``target`` (a name),
    ``before``/``after`` (dicts, no secret). Nested blocks: the innermost wins."""
    previous = getattr(_context, 'value', None)
    _context.value = dict(operation=operation, tenant=tenant, target=target, before=before, after=after,
                          service=service)
    try:
        yield
    finally:
        _context.value = previous


def current():
    """The ``describe`` block the calling thread is in (a dict), or None."""
    return getattr(_context, 'value', None)


def resource_id_of(path):
    """The first id in a path: the resource the write is about (``/v3/projects/<id>/groups/<g>/roles/<r>``:
    the project; ``/v3/groups/<id>/users/<u>``: the group)."""
    for segment in path.split('/'):
        if _ID.match(segment):
            return segment
    return None


def created_of(body):
    """(id, name) of what a POST's answer created: ``{"project": {"id": ..}}`` or a list of them (ids joined)."""
    if not isinstance(body, dict) or len(body) != 1:
        return None, None
    value = next(iter(body.values()))
    if isinstance(value, dict):
        return value.get('id'), value.get('name')
    if isinstance(value, list):
        ids = [str(item['id']) for item in value if isinstance(item, dict) and item.get('id')]
        return (','.join(ids) or None), None
    return None, None


def outcome_of(status):
    """The Outcome of an HTTP status (None: no answer)."""
    if status is None:
        return Outcome.NO_ANSWER
    return Outcome.OK if status < 400 else Outcome.ERROR


def split_tenant(tenant):
    """(workspace, project) of a tenant key ``workspace/project``; a key without a slash is a workspace."""
    if not tenant:
        return None, None
    workspace, dummy, project = str(tenant).partition('/')
    return workspace, project or None


class WriteLog:
    """The writes of one module run, in the order they were answered (thread-safe)."""

    def __init__(self, run_id, platform, module, inventory_revision=None, endpoints=()):
        self.run_id = run_id
        self.endpoints = self.sorted_endpoints(endpoints)
        self.platform = platform
        self.module = module
        self.inventory_revision = inventory_revision or None
        self.entries = []
        self._lock = threading.Lock()

    def record(self, method, url, status, service, body=None, at=None, about=None):
        """One write to ``service`` (host:port, as the counter groups them) answered with ``status`` (None: no
        answer; ``url`` is then the path the client sent); ``body()`` reads the answer (a created resource only).
        ``about``: the description when the sending thread has none (``RequestCounter.install``)."""
        about = current() or about or {}
        path = urlsplit(url or '').path
        resource_id, name = None, None
        if method == 'POST' and status is not None and status < 300 and body is not None:
            resource_id, name = created_of(body())
        workspace, project = split_tenant(about.get('tenant'))
        with self._lock:
            entry = Entry(
                run_id=self.run_id, seq=len(self.entries) + 1, at=ts(at or utcnow()), platform=self.platform,
                workspace=workspace, project=project, module=self.module,
                operation=about.get('operation') or method.lower(), method=method,
                service=about.get('service') or self.service_of(url) or service, path=path,
                resource_id=resource_id or resource_id_of(path), target=about.get('target') or name,
                before=about.get('before'), after=about.get('after'), status=status,
                outcome=outcome_of(status).value,
                inventory_revision=self.inventory_revision)
            self.entries.append(entry)
        return entry

    @staticmethod
    def sorted_endpoints(endpoints):
        """(endpoint URL, service type) of the catalog, longest first: a write's service is the longest
        endpoint its URL starts with (services behind one host:port, by path, are told apart)."""
        return sorted(((url.rstrip('/') + '/', kind) for url, kind in endpoints), key=lambda e: -len(e[0]))

    def service_of(self, url):
        """The catalog's service type of a URL (None: no endpoint of the catalog holds it)."""
        for prefix, kind in self.endpoints:
            if (url or '').startswith(prefix) or (url or '') + '/' == prefix:
                return kind
        return None

    def summary(self, ledger=None, shown=SHOWN):
        """The run's audit as its result shows it: run id, count, counts by operation, the first ``shown`` entries."""
        with self._lock:
            entries = list(self.entries)
        operations = {}
        for entry in entries:
            operations[entry.operation] = operations.get(entry.operation, 0) + 1
        return dict(run_id=self.run_id, count=len(entries), operations=operations, ledger=ledger,
                    entries=[e.as_dict() for e in entries[:shown]], truncated=len(entries) > shown)


# ------------------------------------------------------------------------------------ export

def to_jsonl(rows):
    """Entries (dicts) as JSON Lines, one entry a line, keys in COLUMNS order."""
    return ''.join(json.dumps(dict((c, row.get(c)) for c in COLUMNS), sort_keys=False) + '\n' for row in rows)


def to_csv(rows):
    """Entries (dicts) as CSV with a header; before/after as JSON text, None as empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(['' if row.get(c) is None else
                         json.dumps(row[c], sort_keys=True) if c in JSON_COLUMNS else row[c] for c in COLUMNS])
    return out.getvalue()


FORMATS = dict(jsonl=to_jsonl, csv=to_csv)
