# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Metering collection (reading): one listing per resource kind across all projects.

Every kind is one paginated listing over all projects (``all_tenants=1`` where the API wants
it; Neutron and Octavia list everything the account's policy lets it see), through the one
pager ``_rest.list_all``, so the number of requests grows with pages (``page_size`` items each),
not with projects. Servers take one more listing: ``changes-since`` the last complete server
collection (minus ``OVERLAP_SECONDS``), which returns the servers deleted in between with their
real ``created``/``terminated_at``: a server that lived between two samples is still billed.

``collect(conn, platform, kinds, since, ...)`` returns the ``run`` dict that the ledger's
``record_run`` writes in one transaction. A kind whose service is missing from the catalog, or
whose listing fails, gets a remark and is left out of ``complete_kinds`` (so nothing of that kind
is marked gone); the other kinds are recorded.

Projects: ``GET /v3/projects`` through the pager (Keystone pages with ``limit``; a listing cut by
``list_limit`` is kept, partial, with a remark). The metering account is a reader; Keystone's
default policy lets a *project*-scoped reader list only its own projects, so on 401/403 the
collector asks once for a *system*-scoped token of the same account (the local cloud's metering
user has the system reader role; ``_rest.connect_system_scope``) and, if that fails too, falls
back to ``/v3/auth/projects`` with a warning. A fallback or truncated project list makes the run
``partial`` (``PARTIAL_CODES``). Records come from ``records`` (pure).
"""

import datetime
import time
import uuid

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds, _remarks, _rest, _time
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.store import RunStatus
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import fixes, records, visibility
from ansible_collections.landingzone.openstack.plugins.module_utils._metering.records import remark

FEWER_THAN_CHECK = 'fewer_than_check'
# Remarks after which the run is ``partial``: the project list is not the whole of Keystone's, so
# resources of the projects it misses are attributed to ``unmanaged`` (a wrong chargeback, not ``ok``).
PARTIAL_CODES = frozenset([FEWER_THAN_CHECK, 'projects_partial', 'projects_truncated'])
OVERLAP_SECONDS = 300       # changes-since reaches back a little: clock skew, slow commits
DEFAULT_PAGE_SIZE = 1000


class Requests:
    """Listing requests per kind (the pager calls ``counter(kind)`` before each page)."""

    def __init__(self):
        self.per_kind = {}

    def counter(self, kind):
        def count():
            self.per_kind[kind] = self.per_kind.get(kind, 0) + 1
        return count

    def per_service(self):
        out = {}
        for kind, n in self.per_kind.items():
            spec = _kinds.find(kind)
            service = spec.service if spec is not None and spec.metered else 'identity'
            out[service] = out.get(service, 0) + n
        return out


def account_of(conn):
    """The metering account as a fix names it: user name and domain from the resolved config (never
    a secret), else the token's user id."""
    config = getattr(getattr(conn, 'config', None), 'config', None) or {}
    auth = config.get('auth') or {}
    user_id = None
    if not (auth.get('username') or auth.get('user_id')):
        try:
            user_id = conn.current_user_id   # the token's, no request
        except Exception:  # noqa: BLE001 - the command is still named, with a placeholder
            user_id = None
    return fixes.Account.from_auth(auth, user_id)


def kind_fix(conn, code):
    """The fix of a kind's failure ``code``: the policy to widen when the reader is refused or sees
    too little (None for other failures, e.g. a service down)."""
    if code not in ('forbidden', FEWER_THAN_CHECK):
        return None

    def fix(kind):
        try:
            project_id = conn.current_project_id   # the token's, no request
        except Exception:  # noqa: BLE001 - the fix is still named, without the project id
            project_id = None
        return fixes.policy_fix(kind, project_id)
    return fix


def failure_code(exc):
    """The remark code of a kind that could not be collected."""
    if isinstance(exc, _rest.MISSING_SERVICE_ERRORS):
        return 'service_missing'
    if isinstance(exc, _rest.ApiError) and exc.status in (401, 403):
        return 'forbidden'
    return 'service_failed'


# ------------------------------------------------------------------------------ resources

def collect_kind(conn, kind, requests, page_size=DEFAULT_PAGE_SIZE, retries=4, since=None):
    """(observations, lifetimes, remarks) of one kind; raises on failure."""
    spec = _kinds.kind(kind)
    rest = _rest.RestClient(getattr(conn, spec.proxy), retries=retries, microversion=spec.microversion)
    listings = [spec.listing.query]
    if spec.changes_since and since:
        listings.append(dict(spec.listing.query, **{'changes-since': since}))
    observations, lifetimes, remarks, seen = [], [], [], set()
    for n, query in enumerate(listings):
        items = _rest.list_all(rest, spec.listing.path, spec.listing.key, params=query, limit=page_size,
                               on_request=requests.counter(kind))[0]
        for item in items:
            # a resource that moved across a page boundary; from changes-since only the deleted
            if item.get('id') in seen or (n and item.get('status') != 'DELETED'):
                continue
            seen.add(item['id'])
            obs, life = records.record(kind, item)
            observations.append(obs)
            lifetimes.append(life)
    missing = sum(1 for o in observations if not o['project_id'])
    if missing:
        remarks.append(remark(kind, 'project_unknown', '%d %s without a project id: the account '
                              'may not see the project attribute (policy)' % (missing, kind)))
    return observations, lifetimes, remarks


# ------------------------------------------------------------------------------ projects

def _list_projects(rest, requests):
    """(all projects, complete): Keystone's pages; a listing cut by ``list_limit`` is kept."""
    return _rest.list_all(rest, '/projects', 'projects', limit=_rest.KEYSTONE_PAGE_LIMIT,
                          on_request=requests.counter('projects'), partial_ok=True)


def collect_projects(conn, requests, retries=4, counter=None):
    """(project records, remarks); a partial listing is a remark with its fix."""
    remarks = []
    rest = _rest.RestClient(conn.identity, retries=retries)
    try:
        projects, complete = _list_projects(rest, requests)
    except _rest.ApiError as exc:
        if exc.status not in (401, 403):
            raise
        projects = None
    if projects is None:
        try:
            sys_conn = _rest.connect_system_scope(conn, counter, retries)[0]
            sys_rest = _rest.RestClient(sys_conn.identity, retries=retries)
            projects, complete = _list_projects(sys_rest, requests)
            remarks.append(remark('projects', 'system_scope', 'projects listed with a system-scoped token: the '
                                  'project-scoped reader may not list projects'))
        except Exception as exc:  # noqa: BLE001 - any auth/config error: fall back below
            requests.counter('projects')()
            body = rest.get('/auth/projects')
            remarks.append(projects_partial(account_of(conn), exc))
            return [records.project_record(p) for p in body.get('projects') or []], remarks
    if not complete:
        remarks.append(remark('projects', 'projects_truncated', 'Keystone truncated the project list '
                              '(list_limit): raise [DEFAULT] list_limit', fix=fixes.LIST_LIMIT))
    return [records.project_record(p) for p in projects], remarks


def projects_partial(account, exc):
    """The remark of a project list that fell back to the account's own projects: the project-scoped
    login worked, so a refused system-scoped token (HTTP 401/403) means the system reader role is
    missing, not a wrong password."""
    status = _http_status(exc)
    if status in (401, 403):
        why = ('it has no system-scoped reader role (Keystone refused it a system-scoped token, HTTP %s; its '
               'password is fine: the project-scoped login worked)' % status)
    else:
        why = 'no system-scoped token (%s: %s)' % (type(exc).__name__, exc)
    return remark('projects', 'projects_partial', 'the metering account %s may not list all Keystone projects: %s; '
                  'only its own projects have names, the resources of the others are attributed to unmanaged'
                  % (account.user, why), fix=fixes.system_reader_command(account))


def _http_status(exc):
    """The HTTP status of a failure or of its cause (openstacksdk wraps keystoneauth's), else None."""
    for dummy in range(5):
        if exc is None:
            return None
        status = getattr(exc, 'http_status', None) or getattr(exc, 'status_code', None) or getattr(exc, 'status', None)
        if isinstance(status, int):
            return status
        exc = exc.__cause__ or exc.__context__
    return None


# ------------------------------------------------------------------------------ a run

def changes_since(last_complete):
    """The ``changes-since`` of a kind whose last complete listing was at ``last_complete``."""
    back = _time.parse_ts(last_complete) - datetime.timedelta(seconds=OVERLAP_SECONDS)
    return back.strftime('%Y-%m-%dT%H:%M:%SZ')


def collect(conn, platform, kinds=None, since=None, page_size=DEFAULT_PAGE_SIZE, retries=4, counter=None,
            now=None, check_counts=None):
    """Collect one run (see the module docstring); ``since`` = per-kind start of the changes-since
    window (dict kind -> ledger time of its last complete listing, ``Ledger.last_complete``).
    ``check_counts``: per kind the resources the visibility check found with the admin account
    (``openstack_metering_check``'s ``admin_counts``); see ``mark_fewer_than_check``."""
    kinds = list(kinds or _kinds.metered())
    since = since or {}
    sample = _time.ts(now or _time.utcnow())
    requests = Requests()
    observations, lifetimes, remarks, complete, counts, timings = [], [], [], [], {}, {}
    for kind in kinds:
        t0 = time.time()
        try:
            obs, lives, kind_remarks = collect_kind(conn, kind, requests, page_size, retries,
                                                    changes_since(since[kind]) if since.get(kind) else None)
        except Exception as exc:  # noqa: BLE001 - one service failing must not stop the others
            code = failure_code(exc)
            fix = kind_fix(conn, code)
            remarks.append(remark(kind, code, '%s not collected: %s: %s' % (kind, type(exc).__name__, exc),
                                  fix=fix(kind) if fix else None))
            counts[kind] = None
            timings[kind] = round(time.time() - t0, 3)
            continue
        observations.extend(obs)
        lifetimes.extend(lives)
        remarks.extend(kind_remarks)
        complete.append(kind)
        counts[kind] = len(obs)
        timings[kind] = round(time.time() - t0, 3)
    t0 = time.time()
    try:
        projects, project_remarks = collect_projects(conn, requests, retries, counter)
    except Exception as exc:  # noqa: BLE001 - the resources are still recorded, as unmanaged
        # without the projects no resource is attributed: an error whatever the cause (also a missing service)
        projects, project_remarks = [], [remark('projects', failure_code(exc), 'projects not listed: %s' % exc,
                                                severity=_remarks.ERROR.value)]
    timings['projects'] = round(time.time() - t0, 3)
    remarks.extend(project_remarks)
    known = set(p['project_id'] for p in projects)
    # images carry their owner; an owner unknown to Keystone is still a project id
    unknown = sorted(set(o['project_id'] for o in observations if o['project_id']) - known)
    projects.extend(records.unknown_project(project_id) for project_id in unknown)
    if unknown:
        remarks.append(remark('projects', 'projects_unknown', '%d project id(s) on resources are not in the '
                              'project list: attributed to unmanaged' % len(unknown)))
    counts['projects'] = len(projects)
    mark_fewer_than_check(counts, check_counts, remarks, complete, kind_fix(conn, FEWER_THAN_CHECK))
    failed = [r for r in remarks if r['severity'] == 'error' or r['code'] in PARTIAL_CODES]
    return dict(id=str(uuid.uuid4()), platform=platform, started_at=sample, finished_at=_time.ts(_time.utcnow()),
                window_start=_window_start(since, kinds), window_end=sample,
                status=RunStatus.PARTIAL if failed else RunStatus.OK, counts=counts, remarks=remarks,
                fixes=fixes.fixes(failed), complete_kinds=complete,
                projects=projects, observations=observations, lifetimes=lifetimes,
                requests=dict(per_kind=dict(requests.per_kind), per_service=requests.per_service(),
                              seconds_per_kind=timings))


def mark_fewer_than_check(counts, check_counts, remarks, complete, fix=None):
    """A kind of which the reader saw fewer resources than the visibility check found with the admin:
    a warning remark, the run is not ``ok``, and the kind is not complete (a resource the reader no
    longer sees must not be marked gone: that would stop billing it)."""
    for kind, seen, expected in visibility.fewer_than_check(counts, check_counts):
        remarks.append(remark(kind, FEWER_THAN_CHECK, 'the metering reader sees %d %s, the visibility check '
                              'found %d with the admin account: some are hidden from the reader (policy?); the '
                              'kind is not complete in this run' % (seen, kind, expected),
                              fix=fix(kind) if fix else None))
        if kind in complete:
            complete.remove(kind)


def _window_start(since, kinds):
    values = [since[k] for k in kinds if since.get(k)]
    return min(values) if values else None
