# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The openstack_quota module run: validate, connect, find projects, read, plan, apply, report."""

import time

from ansible_collections.landingzone.openstack.plugins.module_utils import _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import InventoryError
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.model import State
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import (
    inventory_of,
    is_validated,
    select_tenants,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.snapshot import (
    ReadMode,
    ScopeRead,
    Snapshot,
    handed_projects,
    list_keystone,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import (
    QUOTA_APPLIED_ATTR,
    quota_record_attr,
    applied_of,
    immutable,
    projects_by_tenant,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.apply import apply, apply_records
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.quota_keys import (
    AUTO,
    COMPUTE,
    LEGACY,
    LIMIT_SERVICES,
    LIMITS_ONLY,
    SERVICE_PROXIES,
    SERVICES,
    UNIFIED_LIMITS,
    by_service,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.plan import (
    Result,
    check_read_back,
    choose_backends,
    read_back_sample,
    diff,
    needs_usage,
    next_records,
    plan,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.read import (
    Reader,
    read_project_limits,
    read_registered_limits,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.registered import (
    SETTING as REGISTERED,
    apply_registered,
    assume_written,
    plan_registered,
    registered_limit_problems,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.shards import parse_shard
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.isolation import (
    adopted_projects, new_projects, skipped_whole, split)
from ansible_collections.landingzone.openstack.plugins.module_utils._results import summary


def quota_tenants(inventory, platform, platforms=None, only_workspaces=None, workspace_files=None,
                  registered_limits=None, shard=None, identity_platform=None, validated=False):
    """The present tenants of ``platform`` (of the ``shard``) after validating the whole inventory (``validated``:
    select_scope) and the platform's registered limits (no request)."""
    problems = registered_limit_problems(registered_limits)
    if problems:
        raise InventoryError(problems)
    return [t for t in select_tenants(inventory, platform, platforms, only_workspaces, workspace_files, shard,
                                      identity_platform, validated) if t.state == State.PRESENT]


def platform_registered_limits(params):
    """The registered limits this run manages: a platform's are written by one run only, the
    platform-wide shard 0 when the platform is sharded (shards run at the same time)."""
    shard = parse_shard(params.get('shard'))
    return params.get('registered_limits') if shard is None or shard.platform_wide else None


def catalog_clients(conn, services, retries):
    """{service: RestClient} for the managed services that the platform's catalog has."""
    clients = {}
    for service in services:
        endpoint = _rest.endpoint_of(conn, SERVICE_PROXIES[service])
        if endpoint:
            clients[service] = _rest.RestClient(getattr(conn, SERVICE_PROXIES[service]), retries=retries)
            clients[service].endpoint = endpoint
    return clients


def requests_by_service(counter, clients, identity_endpoint):
    """The counter's per-endpoint figures with service names (identity, compute, ...)."""
    counts = counter.as_dict() if counter is not None else dict(total=0)
    names = {_rest.netloc(identity_endpoint): 'identity'}
    for service, client in clients.items():
        names[_rest.netloc(getattr(client, 'endpoint', ''))] = service
    counts['by_api'] = dict((names.get(netloc, netloc), n) for netloc, n in (counts.get('by_service') or {}).items())
    return counts


def pids_setting(tenants, project_ids, service):
    """Project ids of the tenants that set keys of ``service``."""
    return [project_ids[t.key] for t in tenants if t.key in project_ids and by_service(t.quota).get(service)]


PROJECT_SCOPED_LIMITS = (
    'Keystone limits were read with the project-scoped token, as the account may not have a system-scoped one: '
    'Keystone up to 2024.1 shows such a token only its own project\'s limits, so the tenants\' limits look '
    'missing there and creating them fails as duplicates (HTTP 409); give the account the admin role on the system')


def limits_client(conn, identity, retries, counter):
    """(Keystone client for the limit APIs, its scope): system-scoped where the account may have
    such a token, else the run's own. Keystone up to 2024.1 lists a project-scoped token only the
    limits of its own project, whatever its roles (keystone/api/limits.py), so a project-scoped
    listing would miss every tenant's limits (and their creation would fail as duplicates)."""
    if (conn.config.config.get('auth') or {}).get('system_scope'):
        return identity, 'system'
    try:
        system = _rest.connect_system_scope(conn, counter, retries)[0]
    except Exception:  # noqa: BLE001 - any auth/config error: the run's own token, and the run says so
        return identity, 'project'
    return _rest.RestClient(system.identity, retries=retries), 'system'


def read_limits(identity, clients, modes, region, errors):
    """The UnifiedLimits (registered limits only) of the run, or None: not needed (every limit
    service forced to legacy) or not readable (recorded in ``errors`` for each limit service not
    forced legacy). ``clients``: the services some tenant or the registered limits set keys of."""
    wanted = [s for s in LIMIT_SERVICES if s in clients and (modes.get(s) or AUTO) != LEGACY]
    if not wanted:
        return None
    try:
        return read_registered_limits(identity, region)
    except (_rest.ApiError, _rest.IncompleteListing) as exc:
        for service in wanted:
            errors[(service, None)] = 'reading Keystone limits (the backend of %s quotas) failed: %s' % (service, exc)
        return None


def read_tenant_limits(identity, limits, tenants, project_ids, services, region, errors):
    """Add the project limits of the tenants that set keys of ``services`` (the limit services whose
    backend is unified limits); a failed listing is recorded in ``errors`` for each of them."""
    pids = sorted(set(p for s in services for p in pids_setting(tenants, project_ids, s)))
    try:
        read_project_limits(identity, limits, pids, region)
    except (_rest.ApiError, _rest.IncompleteListing) as exc:
        for service in services:
            errors[(service, None)] = 'reading Keystone project limits (%s quotas) failed: %s' % (service, exc)


def converge(conn, tenants, services=SERVICES, retries=4, max_workers=8, check_mode=False, previous_steps=None,
             quota_backend=None, registered_limits=None, counter=None, record_attr=QUOTA_APPLIED_ATTR, limited=False,
             platform=None, warn=None):
    """One whole run against an open connection: returns the module result (without exit).
    ``limited``: the run is limited to some workspaces (its projects are looked up by name, ``find_projects``).

    ``quota_backend``: service -> auto / legacy / unified_limits for Nova and Glance (missing: auto);
    ``registered_limits``: flat key -> the platform's registered default (only these are managed).
    ``platform``: the run's, whose tenants step may have handed its project listing on (``warn``: a listing lost).
    """
    tenants, skipped = split(tenants, previous_steps, Result)
    identity = _rest.RestClient(conn.identity, retries=retries)
    declared = by_service(registered_limits or {})
    wanted_services = (set(s for t in tenants for s in by_service(t.quota)) | set(declared)) & set(services)
    # read only when some service is wanted: then the projects are needed
    handed = handed_projects(previous_steps, _rest.client_endpoint(identity), platform, warn) \
        if platform and wanted_services else None
    projects, scope_read = read_projects(identity, tenants, bool(wanted_services), limited, max_workers, handed)
    project_ids, duplicates, records = projects_found(projects, tenants, record_attr)
    if check_mode:
        # a project the tenants step would adopt carries no marker yet: its quota is planned on it
        project_ids = dict(adopted_projects(previous_steps), **project_ids)
    clients = catalog_clients(conn, sorted(wanted_services), retries)
    reader = Reader(clients, max_workers=max_workers)
    modes = dict(quota_backend or {})
    region = conn.config.region_name
    limits = read_limits(identity, clients, modes, region, reader.errors)
    backends = choose_backends(modes, limits)
    # project limits and every limit write only where a service is under unified limits: a legacy
    # cloud costs the two listings of the detection, and no second token
    limits_scope, keystone_limits = None, identity
    unified = [s for s in LIMIT_SERVICES if s in clients and backends.get(s) == UNIFIED_LIMITS]
    if limits is not None and unified:
        keystone_limits, limits_scope = limits_client(conn, identity, retries, counter)
        read_tenant_limits(keystone_limits, limits, tenants, project_ids, unified, region, reader.errors)
    # the platform's defaults first: project limits are planned against the defaults Keystone then holds
    platform, registered_writes = plan_registered(
        registered_limits, backends, limits, set(clients), services, modes,
        dict((s, _rest.endpoint_region(conn, SERVICE_PROXIES[s])) for s in declared if s in unified),
        read_errors=reader.errors)
    if registered_writes:
        if check_mode:
            assume_written(limits, registered_writes)
        else:
            apply_registered(keystone_limits, registered_writes, platform, limits)
    current = read_current(reader, tenants, project_ids, backends, limits)
    results, writes = plan(tenants, project_ids, current, set(clients), managed=services,
                           read_errors=reader.errors, duplicates=duplicates, backends=backends,
                           records=dict((k, r) for k, (r, dummy) in records.items() if r is not None),
                           new_projects=new_projects(previous_steps) if check_mode else ())
    if writes and not check_mode:
        apply(clients, writes, results, max_workers=max_workers, identity=keystone_limits, limits=limits)
        verify_written(reader, results, writes)
    if not check_mode:
        record_quotas(identity, tenants, results, current, records, max_workers, record_attr, limited)
    rows = [r.as_dict() for r in results + skipped]
    # what was written: the drift found is only planned in check mode or when a write failed
    changed = (any(r.changes for r in results + [platform]) if check_mode
               else any(r.fixed for r in results + [platform]) or any(r.recorded for r in results))
    out = dict(changed=changed, tenants=rows, summary=summary(rows), registered_limits=platform.as_dict(),
               planned=[w.summary for w in registered_writes] + [w.summary for w in writes],
               services=sorted(clients), missing_services=sorted(wanted_services - set(clients)),
               quota_backends=dict((s, b) for s, b in backends.items() if s in clients), limits_scope=limits_scope,
               read=scope_read.as_dict() if scope_read is not None else None)
    return out, diff(results, platform), clients, _rest.endpoint_of(conn, 'identity')


def find_projects(identity, tenants, listed, record_attr=QUOTA_APPLIED_ATTR, limited=False, max_workers=1):
    """(tenant key -> project id, tenant key -> ids of the several projects carrying its marker,
    tenant key -> (its ``lz_quota`` record, the project is immutable)) of ``read_projects``."""
    return projects_found(read_projects(identity, tenants, listed, limited, max_workers)[0], tenants, record_attr)


def read_projects(identity, tenants, listed, limited=False, max_workers=1, handed=None):
    """(the projects of the ``tenants``, how they were read: a ScopeRead, None when not read): listed only when
    ``listed`` (some service is wanted), looked up by name in a run ``limited`` to some workspaces when each tenant's
    project is found so (Snapshot.looked_up), else the projects the run's tenants step ``handed`` on (it wrote
    nothing) or listed. The records come with the projects: no request of their own."""
    if not listed:
        return [], None
    snap, scope_read = Snapshot.looked_up(identity, tenants, limited, max_workers)
    if snap is not None:
        return snap.projects, scope_read
    if handed is not None:
        return [p for p in handed if not p.get('is_domain')], ScopeRead(ReadMode.HANDED, scope_read.reason)
    return list_keystone(identity, '/projects', 'projects'), scope_read


def projects_found(projects, tenants, record_attr=QUOTA_APPLIED_ATTR):
    """``find_projects``'s three mappings from the ``projects`` read."""
    found = projects_by_tenant(projects, tenants)
    single = dict((key, projects[0]) for key, projects in found.items() if len(projects) == 1)
    project_ids = dict((key, project['id']) for key, project in single.items())
    duplicates = dict((key, [p['id'] for p in projects]) for key, projects in found.items() if len(projects) > 1)
    records = dict((key, (applied_of(project, record_attr), immutable(project)))
                   for key, project in single.items())
    return project_ids, duplicates, records


# how often a record lost to a concurrent write of the project is written again, after how long a wait
RECORD_ROUNDS = 3
RECORD_SETTLE_SECONDS = 0.5


def record_quotas(identity, tenants, results, current, records, max_workers, record_attr=QUOTA_APPLIED_ATTR,
                  limited=False):
    """Write the ``lz_quota`` records that change with this run. An immutable project (landing zone
    ``protect_projects``) refuses every change: its record is not written, so its quota drift is set
    back without being told from an inventory change."""
    changed = next_records(tenants, results, current,
                           dict((k, r) for k, (r, dummy) in records.items() if r is not None))
    locked = set(k for k, (dummy, frozen) in records.items() if frozen)
    pending = dict((pid, item) for pid, item in changed.items() if item[0] not in locked)
    by_key = dict((r.key, r) for r in results)
    for dummy in range(RECORD_ROUNDS):
        if not pending:
            return
        apply_records(identity, pending, results, max_workers, record_attr)
        # Keystone updates a project by read-modify-write of one row: platforms sharing the project (regions of
        # one Keystone, their quota steps at the same time) can lose each other's record. One listing tells.
        time.sleep(RECORD_SETTLE_SECONDS)
        dummy, dummy, now = find_projects(identity, tenants, True, record_attr, limited, max_workers)
        # a write Keystone refused failed its tenant already (apply_records): not written again
        pending = dict((pid, (key, record)) for pid, (key, record) in pending.items()
                       if (now.get(key) or (None,))[0] != record and not by_key[key].errors)
    for pid, (key, dummy) in sorted(pending.items()):
        by_key[key].fail(
            'api_error', 'recording the quotas written (%s of project %s) did not hold: %d times another write to '
            'the project replaced it' % (record_attr, pid, RECORD_ROUNDS))


def read_current(reader, tenants, project_ids, backends, limits):
    """service -> project id -> field -> Current of the tenants' projects, with the usage of the
    projects a decrease needs it for."""
    unreadable = set(s for s, pid in reader.errors if pid is None)
    current = {}
    for service in sorted(reader.clients):
        pids, fields = [], set()
        for tenant in tenants:
            wanted = by_service(tenant.quota).get(service)
            if wanted and tenant.key in project_ids:
                pids.append(project_ids[tenant.key])
                fields.update(wanted)
        if service in unreadable:
            continue    # the backend is unknown: the planner fails these tenants with the reason
        if backends.get(service) == UNIFIED_LIMITS:
            current[service] = limits.current(service, pids)
        elif service not in LIMITS_ONLY:
            current[service] = reader.read(service, pids, fields)
    for service in sorted(current):
        add_usage(reader, current, service, needs_usage(tenants, project_ids, current, service),
                  backends.get(service) == UNIFIED_LIMITS)
    return current


def add_usage(reader, current, service, pids, unified):
    """Read the usage of ``pids`` on ``service`` into ``current``."""
    if service == COMPUTE and unified:
        # Nova counts usage whatever its driver: os-quota-sets/{id}/detail, only for decreases
        usage = reader.read(COMPUTE, pids)
    else:
        usage = reader.read_usage(service, pids)
    for pid, fields in usage.items():
        for field, cur in fields.items():
            have = current[service].get(pid, {})
            if field in have and cur.used is not None:
                have[field] = type(cur)(have[field].limit, cur.used)


def verify_written(reader, results, writes):
    """What Nova enforces, read back on one written tenant: a write to the backend it does not
    use changes nothing there, and must not pass for done."""
    sample = read_back_sample(writes, COMPUTE)
    seen = reader.read(COMPUTE, [sample]) if sample is not None else {}
    check_read_back(results, writes, {COMPUTE: {sample: seen.get(sample)} if sample is not None else {}})


def run_module(module):
    """Run openstack_quota to its end (exit_json / fail_json)."""
    params = module.params
    inventory = inventory_of(params)
    tenants = module.run(quota_tenants, inventory, params['platform'], params.get('platforms'),
                         params.get('only_workspaces'), params.get('workspace_files'),
                         params.get('registered_limits'), params.get('shard'), params.get('identity_platform'),
                         is_validated(params))
    module.exit_skipped(skipped_whole(tenants, params['previous_steps'], Result))
    conn = module.connect()
    out, result_diff, clients, identity_endpoint = module.run(
        converge, conn, tenants, services=params['services'], retries=params['retries'],
        max_workers=params['max_workers'], check_mode=module.check_mode, previous_steps=params['previous_steps'],
        quota_backend=params.get('quota_backend'), registered_limits=platform_registered_limits(params),
        counter=module.counter,
        record_attr=quota_record_attr(params['platform'] if params.get('identity_platform') else None),
        limited=bool(params.get('only_workspaces')), platform=params['platform'], warn=module.warn)
    if out['limits_scope'] == 'project' and UNIFIED_LIMITS in out['quota_backends'].values():
        module.warn(PROJECT_SCOPED_LIMITS)
    out['requests'] = requests_by_service(module.counter, clients, identity_endpoint)
    if module._diff:
        out['diff'] = result_diff
    module.exit_with_rows(out, params['platform'], extra_failed=[out[REGISTERED]])
