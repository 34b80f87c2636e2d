# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Metering collectors: one listing per resource kind across all projects, into the ledger.

Every kind is one paginated listing over all projects (``all_tenants=1`` where the API wants
it; Neutron and Octavia list everything the account's policy lets it see), so the number of
requests grows with pages (``page_size`` items each), not with projects. Servers take one more
listing: ``changes-since`` the last complete server collection (minus ``OVERLAP_SECONDS``), which
returns the servers deleted in between with their real ``created``/``terminated_at``: a server
that lived between two samples is still billed for its life.

``collect(conn, platform, kinds, since, ...)`` returns the ``run`` dict that
``_ledger.Ledger.record_run`` writes in one transaction. A kind whose service is missing from
the catalog, or whose listing fails, gets a remark and is left out of ``complete_kinds`` (so
nothing of that kind is marked gone); the other kinds are recorded.

Projects: one ``GET /v3/projects``. The metering account is a reader; Keystone's default
policy lets a *project*-scoped reader list only its own projects, so on 403 the collector asks
once for a *system*-scoped token of the same account (the local cloud's metering user has the
system reader role) and, if that fails too, falls back to ``/v3/auth/projects`` with a remark.
Workspace and project come from the ownership tags (``_inventory.parse_owner_tags``); projects
without the marker, and project ids seen on resources but unknown to Keystone, are attributed
to workspace ``unmanaged``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import time
import uuid

try:
    from urllib.parse import parse_qsl, urlsplit
except ImportError:  # pragma: no cover - Python 2
    from urlparse import parse_qsl, urlsplit

from ansible_collections.landingzone.openstack.plugins.module_utils import _client
from ansible_collections.landingzone.openstack.plugins.module_utils import _keystone
from ansible_collections.landingzone.openstack.plugins.module_utils import _ledger
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import (
    parse_owner_tags,
)

KINDS = _ledger.KINDS
# kind -> (openstacksdk proxy attribute, service type shown in reports)
SERVICES = {
    'servers': ('compute', 'compute'),
    'volumes': ('block_storage', 'block-storage'),
    'snapshots': ('block_storage', 'block-storage'),
    'floating_ips': ('network', 'network'),
    'routers': ('network', 'network'),
    'load_balancers': ('load_balancer', 'load-balancer'),
    'images': ('image', 'image'),
}
NOVA_MICROVERSION = '2.47'  # the flavor embedded in the server (name, vcpus, ram, disk)
OVERLAP_SECONDS = 300       # changes-since reaches back a little: clock skew, slow commits
DEFAULT_PAGE_SIZE = 1000
GIB = float(1024 ** 3)


class _Microversioned(object):
    """An adapter that sends a microversion with every request (RestClient knows no headers)."""

    def __init__(self, adapter, microversion):
        self._adapter = adapter
        self._microversion = microversion

    def request(self, path, method, **kwargs):
        kwargs.setdefault('microversion', self._microversion)
        return self._adapter.request(path, method, **kwargs)


class Pager(object):
    """Follows an API's pagination and counts the requests it sends per kind."""

    def __init__(self, page_size=DEFAULT_PAGE_SIZE):
        self.page_size = page_size
        self.requests = {}

    def list(self, rest, kind, path, key, params=None, limit=True):
        params = dict(params or {})
        if limit:
            params['limit'] = self.page_size
        out, seen_markers = [], set()
        while True:
            self.requests[kind] = self.requests.get(kind, 0) + 1
            body = rest.get(path, params=params) or {}
            items = body.get(key) or []
            out.extend(items)
            nxt = _next_query(body, key)
            if not items or not nxt:
                return out, body
            marker = nxt.get('marker')
            if marker is None or marker in seen_markers:
                return out, body
            seen_markers.add(marker)
            params = dict(params)
            params.update(nxt)


def _next_query(body, key):
    """Query parameters of the next page: ``<key>_links`` rel=next (Nova, Cinder, Neutron,
    Octavia) or ``next`` (Glance)."""
    href = None
    for link in body.get(key + '_links') or []:
        if link.get('rel') == 'next':
            href = link.get('href')
    if href is None and isinstance(body.get('next'), str):
        href = body['next']
    if not href:
        return None
    return dict(parse_qsl(urlsplit(href).query, keep_blank_values=True))


def remark(kind, code, message, severity='warning'):
    return dict(kind=kind, code=code, message=message, severity=severity)


# ------------------------------------------------------------------------------ per kind

def _gib(nbytes):
    return round(nbytes / GIB, 6) if nbytes is not None else None


def server_record(s):
    flavor = s.get('flavor') or {}
    status = s.get('status')
    attrs = dict(
        name=s.get('name'),
        flavor=flavor.get('original_name') or flavor.get('id'),
        vcpus=flavor.get('vcpus'),
        ram_mib=flavor.get('ram'),
        disk_gib=flavor.get('disk'),
        ephemeral_gib=flavor.get('ephemeral'),
        swap_mib=flavor.get('swap') or 0,
        status=status,
        vm_state=s.get('OS-EXT-STS:vm_state'),
        launched_at=_ledger.ts(s.get('OS-SRV-USG:launched_at')),
    )
    terminated = _ledger.ts(s.get('OS-SRV-USG:terminated_at'))
    if status == 'DELETED' and not terminated:
        terminated = _ledger.ts(s.get('updated'))
    if terminated:
        attrs['terminated_at'] = terminated
    project = s.get('tenant_id') or s.get('project_id')
    return (dict(kind='servers', resource_id=s['id'], project_id=project, attributes=attrs),
            dict(kind='servers', resource_id=s['id'], project_id=project,
                 created_at=_ledger.ts(s.get('created')),
                 deleted_at=terminated if status == 'DELETED' else None))


def volume_record(v):
    project = v.get('os-vol-tenant-attr:tenant_id') or v.get('project_id')
    attrs = dict(name=v.get('name'), size_gib=v.get('size'), volume_type=v.get('volume_type'),
                 status=v.get('status'), availability_zone=v.get('availability_zone'),
                 bootable=str(v.get('bootable')).lower() == 'true',
                 attached=bool(v.get('attachments')))
    return (dict(kind='volumes', resource_id=v['id'], project_id=project, attributes=attrs),
            dict(kind='volumes', resource_id=v['id'], project_id=project,
                 created_at=_ledger.ts(v.get('created_at'))))


def snapshot_record(s):
    project = s.get('os-extended-snapshot-attributes:project_id') or s.get('project_id')
    attrs = dict(name=s.get('name'), size_gib=s.get('size'), status=s.get('status'),
                 volume_id=s.get('volume_id'))
    return (dict(kind='snapshots', resource_id=s['id'], project_id=project, attributes=attrs),
            dict(kind='snapshots', resource_id=s['id'], project_id=project,
                 created_at=_ledger.ts(s.get('created_at'))))


def floating_ip_record(f):
    project = f.get('project_id') or f.get('tenant_id')
    attrs = dict(address=f.get('floating_ip_address'), attached=bool(f.get('port_id')),
                 status=f.get('status'), network_id=f.get('floating_network_id'),
                 router_id=f.get('router_id'))
    return (dict(kind='floating_ips', resource_id=f['id'], project_id=project, attributes=attrs),
            dict(kind='floating_ips', resource_id=f['id'], project_id=project,
                 created_at=_ledger.ts(f.get('created_at'))))


def router_record(r):
    project = r.get('project_id') or r.get('tenant_id')
    gateway = r.get('external_gateway_info') or None
    attrs = dict(name=r.get('name'), external_gateway=bool(gateway),
                 external_network_id=(gateway or {}).get('network_id'),
                 status=r.get('status'), admin_state_up=r.get('admin_state_up'))
    return (dict(kind='routers', resource_id=r['id'], project_id=project, attributes=attrs),
            dict(kind='routers', resource_id=r['id'], project_id=project,
                 created_at=_ledger.ts(r.get('created_at'))))


def load_balancer_record(lb):
    project = lb.get('project_id') or lb.get('tenant_id')
    attrs = dict(name=lb.get('name'), flavor_id=lb.get('flavor_id') or None,
                 provider=lb.get('provider'), provisioning_status=lb.get('provisioning_status'),
                 operating_status=lb.get('operating_status'),
                 listeners=len(lb.get('listeners') or []), pools=len(lb.get('pools') or []))
    return (dict(kind='load_balancers', resource_id=lb['id'], project_id=project, attributes=attrs),
            dict(kind='load_balancers', resource_id=lb['id'], project_id=project,
                 created_at=_ledger.ts(lb.get('created_at'))))


def image_record(i):
    attrs = dict(name=i.get('name'), size_bytes=i.get('size'), size_gib=_gib(i.get('size')),
                 status=i.get('status'), visibility=i.get('visibility'), owner=i.get('owner'),
                 disk_format=i.get('disk_format'))
    return (dict(kind='images', resource_id=i['id'], project_id=i.get('owner'), attributes=attrs),
            dict(kind='images', resource_id=i['id'], project_id=i.get('owner'),
                 created_at=_ledger.ts(i.get('created_at'))))


# kind -> (path, response key, extra query, record function)
LISTINGS = {
    'servers': ('/servers/detail', 'servers', {'all_tenants': 1}, server_record),
    'volumes': ('/volumes/detail', 'volumes', {'all_tenants': 1}, volume_record),
    'snapshots': ('/snapshots/detail', 'snapshots', {'all_tenants': 1}, snapshot_record),
    'floating_ips': ('/floatingips', 'floatingips', {}, floating_ip_record),
    'routers': ('/routers', 'routers', {}, router_record),
    'load_balancers': ('/lbaas/loadbalancers', 'loadbalancers', {}, load_balancer_record),
    # visibility=all: community images too; member_status=all: shared ones not yet accepted
    'images': ('/images', 'images', {'visibility': 'all', 'member_status': 'all'}, image_record),
}


def _rest_for(conn, kind, retries):
    adapter = getattr(conn, SERVICES[kind][0])
    if kind == 'servers':
        adapter = _Microversioned(adapter, NOVA_MICROVERSION)
    return _client.RestClient(adapter, retries=retries)


def collect_kind(conn, kind, pager, retries=4, since=None):
    """(observations, lifetimes, remarks) of one kind; raises on failure."""
    path, key, extra, record = LISTINGS[kind]
    rest = _rest_for(conn, kind, retries)
    items = pager.list(rest, kind, path, key, extra)[0]
    observations, lifetimes, remarks = [], [], []
    seen = set()
    for item in items:
        if item.get('id') in seen:  # a resource that moved across a page boundary
            continue
        seen.add(item['id'])
        obs, life = record(item)
        observations.append(obs)
        lifetimes.append(life)
    if kind == 'servers' and since:
        changed = pager.list(rest, kind, path, key, dict(extra, **{'changes-since': since}))[0]
        for item in changed:
            if item.get('status') != 'DELETED' or item['id'] in seen:
                continue
            seen.add(item['id'])
            obs, life = record(item)
            observations.append(obs)
            lifetimes.append(life)
    missing = sum(1 for o in observations if not o['project_id'])
    if missing:
        remarks.append(remark(kind, 'project_unknown', '%d %s without a project id: the account '
                              'may not see the project attribute (policy)' % (missing, kind)))
    return observations, lifetimes, remarks


# ------------------------------------------------------------------------------ projects

def project_record(p):
    owner = parse_owner_tags(p.get('tags'))
    rec = dict(project_id=p['id'], name=p.get('name'), domain_id=p.get('domain_id'),
               enabled=p.get('enabled'), tags=list(p.get('tags') or []),
               managed=owner is not None)
    if owner is not None and owner.get('workspace'):
        rec.update(workspace=owner['workspace'], project=owner.get('project'),
                   landing_zone=owner.get('landing_zone'))
    else:
        rec.update(workspace=_ledger.UNMANAGED, project=p.get('name'), landing_zone=None)
    return rec


def system_scoped(conn, counter=None):
    """A connection of the same account with a system-scoped token (for Keystone listings)."""
    import openstack
    config = conn.config.config
    auth = dict(config.get('auth') or {})
    for key in list(auth):
        if key.startswith('project_') or key.startswith('tenant_') or \
                key in ('domain_id', 'domain_name'):
            auth.pop(key)
    auth['system_scope'] = 'all'
    kwargs = dict(auth=auth, auth_type=config.get('auth_type') or 'password',
                  identity_api_version='3')
    for key in ('region_name', 'interface', 'verify', 'cacert', 'api_timeout'):
        if config.get(key) is not None:
            kwargs[key] = config[key]
    sys_conn = openstack.connect(**kwargs)
    if counter is not None:
        sys_conn.session.session.hooks.setdefault('response', []).append(counter.hook)
    return sys_conn


def _list_projects(rest, pager):
    """(all projects, truncated): Keystone's pages followed by ``_keystone.list_all``; a listing cut
    by ``list_limit`` is kept, partial, and reported rather than refused."""
    def count():
        pager.requests['projects'] = pager.requests.get('projects', 0) + 1
    try:
        return _keystone.list_all(rest, '/projects', 'projects', on_request=count), False
    except _keystone.KeystoneStateError as exc:
        return exc.items, True


def collect_projects(conn, pager, retries=4, counter=None):
    """(project records, remarks, complete)."""
    remarks = []
    rest = _client.RestClient(conn.identity, retries=retries)
    try:
        projects, truncated = _list_projects(rest, pager)
    except _client.ApiError as exc:
        if exc.status not in (401, 403):
            raise
        projects = None
    if projects is None:
        try:
            sys_rest = _client.RestClient(system_scoped(conn, counter).identity, retries=retries)
            projects, truncated = _list_projects(sys_rest, pager)
            remarks.append(remark('projects', 'system_scope', 'projects listed with a '
                                  'system-scoped token: the project-scoped reader may not list '
                                  'projects', 'info'))
        except Exception as exc:  # noqa: BLE001 - any auth/config error: fall back below
            pager.requests['projects'] += 1
            body = rest.get('/auth/projects')
            remarks.append(remark('projects', 'projects_partial', 'the metering account may not '
                                  'list projects (%s); only its own projects have names, other '
                                  'resources are attributed to unmanaged' % (exc,)))
            return [project_record(p) for p in body.get('projects') or []], remarks, False
    if truncated:
        remarks.append(remark('projects', 'projects_truncated', 'Keystone truncated the project '
                              'list (list_limit): raise [DEFAULT] list_limit'))
    return [project_record(p) for p in projects], remarks, not truncated


# ------------------------------------------------------------------------------ a run

def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def collect(conn, platform, kinds=None, since=None, page_size=DEFAULT_PAGE_SIZE, retries=4,
            counter=None, now=None):
    """Collect one run (see the module docstring); ``since`` = per-kind changes-since start
    (dict kind -> ledger time, or None)."""
    kinds = list(kinds or KINDS)
    started = now or _now()
    sample = _ledger.ts(started)
    pager = Pager(page_size)
    observations, lifetimes, remarks, complete, counts, timings = [], [], [], [], {}, {}
    for kind in kinds:
        t0 = time.time()
        kind_since = None
        if since and since.get(kind):
            back = _ledger.parse_ts(since[kind]) - datetime.timedelta(seconds=OVERLAP_SECONDS)
            kind_since = back.strftime('%Y-%m-%dT%H:%M:%SZ')
        try:
            obs, lives, kind_remarks = collect_kind(conn, kind, pager, retries, kind_since)
        except Exception as exc:  # noqa: BLE001 - one service failing must not stop the others
            code = _failure_code(exc)
            remarks.append(remark(kind, code, '%s not collected: %s: %s'
                                  % (kind, type(exc).__name__, exc),
                                  'warning' if code == 'service_missing' else 'error'))
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
        projects, project_remarks = collect_projects(conn, pager, retries, counter)[:2]
    except Exception as exc:  # noqa: BLE001
        projects, project_remarks = [], [remark('projects', _failure_code(exc),
                                                'projects not listed: %s' % exc, 'error')]
    timings['projects'] = round(time.time() - t0, 3)
    remarks.extend(project_remarks)
    known = set(p['project_id'] for p in projects)
    unknown = sorted(set(o['project_id'] for o in observations if o['project_id']) - known)
    # images carry their owner; an owner unknown to Keystone is still a project id
    for project_id in unknown:
        projects.append(dict(project_id=project_id, name=None, domain_id=None, enabled=None,
                             tags=[], managed=False, workspace=_ledger.UNMANAGED,
                             project=None, landing_zone=None))
    if unknown:
        remarks.append(remark('projects', 'projects_unknown', '%d project id(s) on resources are '
                              'not in the project list: attributed to unmanaged' % len(unknown),
                              'info'))
    counts['projects'] = len(projects)
    failed = [r for r in remarks if r['severity'] == 'error']
    run = dict(id=str(uuid.uuid4()), platform=platform, started_at=sample,
               finished_at=_ledger.ts(_now()), window_start=_window_start(since, kinds),
               window_end=sample, status='partial' if failed else 'ok', counts=counts,
               remarks=remarks, complete_kinds=complete, projects=projects,
               observations=observations, lifetimes=lifetimes,
               requests=dict(per_kind=dict(pager.requests), per_service=_per_service(pager),
                             seconds_per_kind=timings))
    return run


def _window_start(since, kinds):
    values = [since[k] for k in kinds if since and since.get(k)]
    return min(values) if values else None


def _per_service(pager):
    out = {}
    for kind, n in pager.requests.items():
        service = SERVICES[kind][1] if kind in SERVICES else 'identity'
        out[service] = out.get(service, 0) + n
    return out


def _failure_code(exc):
    name = type(exc).__name__
    if 'EndpointNotFound' in name or 'ServiceDisabled' in name or 'catalog' in str(exc).lower():
        return 'service_missing'
    if isinstance(exc, _client.ApiError) and exc.status in (401, 403):
        return 'forbidden'
    return 'service_failed'


def since_from_ledger(ledger, platform, kinds):
    """Per-kind start of the changes-since window: the last complete collection of the kind."""
    if ledger is None:
        return {}
    out = {}
    runs = ledger.runs(platform)
    for kind in kinds:
        for run in reversed(runs):
            if kind in run['complete_kinds']:
                out[kind] = run['window_end']
                break
    return out


def summary(run, written=None):
    """What the module returns (the run without its bulk lists)."""
    out = dict(run_id=run['id'], platform=run['platform'], status=run['status'],
               window_start=run['window_start'], window_end=run['window_end'],
               counts=run['counts'], remarks=run['remarks'],
               complete_kinds=run['complete_kinds'], requests=run['requests'])
    if written is not None:
        out['written'] = written
    return out


# ------------------------------------------------------------------------------ module runs

LEDGER_ARGSPEC = _ledger.LEDGER_ARGSPEC


def collect_argument_spec():
    spec = dict(_client.CONNECTION_ARGSPEC)
    spec.update(LEDGER_ARGSPEC)
    spec.update(
        platform=dict(type='str', required=True),
        kinds=dict(type='list', elements='str', choices=list(KINDS), default=list(KINDS)),
        page_size=dict(type='int', default=DEFAULT_PAGE_SIZE),
    )
    return spec


def _open(module, migrate=True):
    try:
        return _ledger.open_ledger(module.params.get('ledger_path'),
                                   module.params.get('ledger_dsn'), migrate=migrate)
    except _ledger.LedgerError as exc:
        module.fail_json(msg=str(exc))


def run_collect_module(module):
    """openstack_metering_collect: collect, then write one run (not in check mode)."""
    from ansible.module_utils.basic import missing_required_lib
    params = module.params
    if not _client.HAS_SDK:
        module.fail_json(msg=missing_required_lib('openstacksdk'),
                         exception=str(_client.SDK_IMPORT_ERROR))
    backend, target = _ledger.resolve_target(params.get('ledger_path'), params.get('ledger_dsn'))
    ledger = None
    if not module.check_mode or backend == 'postgresql' or _exists(target):
        # Check mode never creates nor migrates a ledger; it reads the window if it can.
        ledger = _open(module, migrate=not module.check_mode)
    kinds = params['kinds']
    try:
        since = since_from_ledger(ledger, params['platform'], kinds)
    except Exception:  # noqa: BLE001 - check mode on an older schema: no window
        since = {}
    counter = None
    try:
        conn, counter = _client.connect(params)
        run = collect(conn, params['platform'], kinds, since, params['page_size'],
                      params['retries'], counter)
    except Exception as exc:  # noqa: BLE001 - openstacksdk config/auth errors have many types
        module.fail_json(msg='cannot collect from platform %s: %s: %s'
                         % (params['platform'], type(exc).__name__, exc),
                         requests=counter.as_dict() if counter else dict(total=0))
    run['requests']['http'] = counter.as_dict()
    written = None
    if not module.check_mode:
        try:
            written = ledger.record_run(run)
        except Exception as exc:  # noqa: BLE001 - the ledger rolled back: nothing of this run
            module.fail_json(msg='the ledger did not take the run (nothing of it was written): '
                                 '%s: %s' % (type(exc).__name__, exc), **summary(run))
    if ledger is not None:
        ledger.close()
    result = summary(run, written)
    result['ledger'] = dict(backend=backend, target=ledger.target if ledger else target)
    result['changed'] = written is not None
    if not run['complete_kinds']:
        module.fail_json(msg='no resource kind could be collected on platform %s'
                             % params['platform'], **result)
    module.exit_json(**result)


def _exists(path):
    import os
    return os.path.exists(path)


def usage_argument_spec():
    spec = dict(LEDGER_ARGSPEC)
    spec.update(
        platform=dict(type='str'),
        start=dict(type='str'),
        end=dict(type='str'),
        kinds=dict(type='list', elements='str', choices=list(KINDS)),
        workspace=dict(type='str'),
    )
    return spec


def run_usage_module(module):
    """openstack_usage_info: usage per project and kind over a window, from the ledger."""
    params = module.params
    try:
        start, end = _ledger.ts(params.get('start')), _ledger.ts(params.get('end'))
    except _ledger.LedgerError as exc:
        module.fail_json(msg='start/end: %s' % exc)
    backend, target = _ledger.resolve_target(params.get('ledger_path'), params.get('ledger_dsn'))
    if backend == 'sqlite' and not _exists(target):
        module.fail_json(msg='no ledger at %s (run openstack_metering_collect first)' % target)
    ledger = _open(module, migrate=False)
    try:
        if ledger.schema_version() != _ledger.SCHEMA_VERSION:
            module.fail_json(msg='the ledger has schema version %d, this collection reads %d: run '
                                 'a collection (it migrates) or upgrade the collection'
                             % (ledger.schema_version(), _ledger.SCHEMA_VERSION))
        usage = ledger.usage(params.get('platform'), start, end, params.get('kinds'))
        runs = ledger.runs(params.get('platform'), start, end)
        projects = ledger.projects(params.get('platform'))
    finally:
        ledger.close()
    if params.get('workspace'):
        usage = [u for u in usage if u['workspace'] == params['workspace']]
    totals = {}
    for row in usage:
        t = totals.setdefault(row['kind'], dict(resources=0, hours=0.0, quantity_hours=0.0,
                                                unit=row['unit']))
        t['resources'] += row['resources']
        t['hours'] = round(t['hours'] + row['hours'], 6)
        t['quantity_hours'] = round(t['quantity_hours'] + row['quantity_hours'], 6)
    module.exit_json(changed=False, usage=usage, totals=totals, projects=projects,
                     runs=[dict(id=r['id'], platform=r['platform'], status=r['status'],
                                window_end=r['window_end'], counts=r['counts'],
                                remarks=len(r['remarks'])) for r in runs],
                     window=dict(start=start, end=end))
