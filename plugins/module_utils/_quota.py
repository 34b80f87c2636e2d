# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Quotas of all tenants of one platform: key namespace, validation, bulk read, plan, apply.

One flat key namespace (``compute.cores``, ``volume.gigabytes_<type>``, ``network.router``,
``load_balancer.load_balancers``, ...) maps onto the quota APIs of Nova, Cinder, Neutron and
Octavia. The run is: validate the inventory and its quota keys (no request), list Keystone
projects once, read current quotas (Neutron and Octavia: one listing for all projects; Nova and
Cinder: one read per tenant, in a bounded pool, usage included), plan locally (pure: only the
keys that differ), write one PUT per service per tenant that differs. See docs/quotas.md.

The top level imports only the standard library and the inventory model, so that validation
works without openstacksdk; the client is imported when the module connects.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import (
    InventoryError,
    ValidationIssue,
    parse_owner_tags,
    select_tenants,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._report import TenantResult, exit_with_rows

# ----------------------------------------------------------------------------------------------
# Key namespace
# ----------------------------------------------------------------------------------------------

COMPUTE = 'compute'
VOLUME = 'volume'
NETWORK = 'network'
LOAD_BALANCER = 'load_balancer'
SERVICES = (COMPUTE, VOLUME, NETWORK, LOAD_BALANCER)

# service -> {our key suffix: field of the service's quota API}
KEYS = {
    COMPUTE: dict((k, k) for k in (
        'instances', 'cores', 'ram', 'key_pairs', 'server_groups', 'server_group_members',
        'metadata_items')),
    VOLUME: dict((k, k) for k in (
        'volumes', 'gigabytes', 'snapshots', 'backups', 'backup_gigabytes', 'per_volume_gigabytes',
        'groups')),
    NETWORK: dict((k, k) for k in (
        'network', 'subnet', 'subnetpool', 'port', 'router', 'floatingip', 'security_group',
        'security_group_rule', 'rbac_policy')),
    LOAD_BALANCER: {
        'load_balancers': 'load_balancer', 'listeners': 'listener', 'pools': 'pool',
        'members': 'member', 'health_monitors': 'health_monitor', 'l7policies': 'l7policy',
        'l7rules': 'l7rule',
    },
}
# Cinder keeps these three per volume type: volume.gigabytes_<type> -> gigabytes_<type>.
VOLUME_TYPE_PREFIXES = ('gigabytes_', 'volumes_', 'snapshots_')

# What the platform's service catalog calls them (openstacksdk proxy attribute, catalog type).
SERVICE_PROXIES = {COMPUTE: 'compute', VOLUME: 'block_storage', NETWORK: 'network',
                   LOAD_BALANCER: 'load_balancer'}

BELOW_USAGE_POLICIES = ('remark', 'apply')
# Cinder answers 400 to any limit below in_use + reserved (no force flag): always a remark there.
CANNOT_FORCE_BELOW_USAGE = frozenset([VOLUME])
DEFAULT_BELOW_USAGE = 'remark'
UNLIMITED = -1


def split_key(key):
    """``'compute.cores'`` -> ``('compute', 'cores')`` (the service and its API field), else None."""
    if not isinstance(key, str) or '.' not in key:
        return None
    service, rest = key.split('.', 1)
    fields = KEYS.get(service)
    if fields is None:
        return None
    if rest in fields:
        return service, fields[rest]
    if service == VOLUME:
        for prefix in VOLUME_TYPE_PREFIXES:
            if rest.startswith(prefix) and len(rest) > len(prefix):
                return service, rest
    return None


def volume_type_of(field):
    """The volume type of a per-type Cinder field (``gigabytes_ssd`` -> ``ssd``), else None."""
    if field in KEYS[VOLUME]:
        return None
    for prefix in VOLUME_TYPE_PREFIXES:
        if field.startswith(prefix):
            return field[len(prefix):]
    return None


def all_keys():
    """Every fixed key of the namespace (per-volume-type keys are patterns), sorted by service."""
    return ['%s.%s' % (service, key) for service in SERVICES for key in KEYS[service]]


def key_problems(values, path):
    """ValidationIssues of one mapping of quota key -> value (unknown key, not -1 or more)."""
    problems = []
    if not isinstance(values, dict):
        return problems  # the inventory validation reports the type
    for key, value in values.items():
        kpath = '%s.%s' % (path, key) if path else str(key)
        if split_key(key) is None:
            problems.append(ValidationIssue(kpath, 'unknown quota key %r; keys are <service>.<name> with '
                                                   'service one of %s (see docs/quotas.md), per volume '
                                                   'type volume.gigabytes_<type>, volume.volumes_<type>, '
                                                   'volume.snapshots_<type>' % (key, ', '.join(SERVICES))))
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(ValidationIssue(kpath, 'quota must be an integer (-1 for unlimited), got %r'
                                            % (value,)))
        elif value < UNLIMITED:
            problems.append(ValidationIssue(kpath, 'quota %d is negative; only -1 (unlimited) is allowed'
                                            % value))
    return problems


def validate_quotas(inventory):
    """Every quota key/value problem of ``inventory``, with its path (no request is made)."""
    problems = []
    zones = inventory.get('landing_zones') or {}
    if isinstance(zones, dict):
        for name, zone in zones.items():
            if not isinstance(zone, dict):
                continue
            zpath = 'landing_zones.%s' % name
            quota = zone.get('quota')
            if isinstance(quota, dict):
                problems.extend(key_problems(quota.get('values'), zpath + '.quota.values'))
            sizes = zone.get('quota_sizes')
            if isinstance(sizes, dict):
                for size, values in sizes.items():
                    problems.extend(key_problems(values, '%s.quota_sizes.%s' % (zpath, size)))
    workspaces = inventory.get('workspaces') or []
    if isinstance(workspaces, list):
        for wi, workspace in enumerate(workspaces):
            projects = workspace.get('projects') if isinstance(workspace, dict) else None
            if not isinstance(projects, list):
                continue
            for pi, project in enumerate(projects):
                if isinstance(project, dict):
                    problems.extend(key_problems(project.get('quota'),
                                                 'workspaces[%d].projects[%d].quota' % (wi, pi)))
    return problems


def by_service(quota):
    """Flat quota -> {service: {api field: value}}."""
    result = {}
    for key, value in quota.items():
        service, field = split_key(key)
        result.setdefault(service, {})[field] = value
    return result


def flat_key(service, field):
    """The namespace key of a service's API field (inverse of split_key)."""
    for ours, api in KEYS[service].items():
        if api == field:
            return '%s.%s' % (service, ours)
    return '%s.%s' % (service, field)


# ----------------------------------------------------------------------------------------------
# Desired state
# ----------------------------------------------------------------------------------------------

class TenantQuota(object):
    """Desired quotas of one tenant: ``quota`` (flat key -> value) and the below-usage policy."""

    def __init__(self, key, name, workspace, project, quota, below_usage=DEFAULT_BELOW_USAGE,
                 size=None, path=None, platform=None):
        self.key = key
        self.platform = platform
        self.name = name
        self.workspace = workspace
        self.project = project
        self.quota = dict(quota)
        self.below_usage = below_usage
        self.size = size
        self.path = path


def desired_quotas(inventory, platform, platforms=None, only_workspaces=None):
    """Validate the inventory with its quota keys; the TenantQuotas of ``platform`` (no request).

    Tenants in state ``deleted`` are not managed. Raises InventoryError listing every problem.
    """
    tenants = select_tenants(inventory, platform, platforms, only_workspaces, validators=[validate_quotas])
    zones = inventory.get('landing_zones') or {}
    result = []
    for tenant in tenants:
        if tenant.state != 'present':
            continue
        zone = zones.get(tenant.landing_zone) or {}
        result.append(TenantQuota(tenant.key, tenant.name, tenant.workspace, tenant.project,
                                  tenant.effective_quota(),
                                  below_usage=zone.get('quota_below_usage') or DEFAULT_BELOW_USAGE,
                                  size=tenant.quota_size, path=tenant.path, platform=tenant.platform))
    return result


# ----------------------------------------------------------------------------------------------
# Current state: {service: {project_id: {field: Current}}}
# ----------------------------------------------------------------------------------------------

class Current(object):
    """One quota as read: its limit and, when the service publishes it, the usage (in use + reserved)."""

    __slots__ = ('limit', 'used')

    def __init__(self, limit, used=None):
        self.limit = limit
        self.used = used

    def __repr__(self):
        return 'Current(%r, %r)' % (self.limit, self.used)

    def __eq__(self, other):
        return isinstance(other, Current) and (self.limit, self.used) == (other.limit, other.used)


def parse_quota_set(quota_set):
    """A Nova/Cinder quota set (plain, or with usage per key as dict) -> {field: Current}."""
    result = {}
    for field, value in (quota_set or {}).items():
        if field == 'id' or isinstance(value, bool):
            continue
        if isinstance(value, dict):
            if 'limit' not in value:
                continue
            used = None
            if 'in_use' in value:
                used = (value.get('in_use') or 0) + (value.get('reserved') or 0)
            result[field] = Current(value['limit'], used)
        elif isinstance(value, int):
            result[field] = Current(value)
    return result


def parse_flat(quota):
    """A Neutron/Octavia quota (field -> limit) -> {field: Current}; a null limit stays None."""
    result = {}
    for field, value in (quota or {}).items():
        if field in ('project_id', 'tenant_id', 'id') or isinstance(value, bool):
            continue
        if isinstance(value, int) or value is None:
            result[field] = Current(value)   # None (Octavia): the default applies, filled in by the reader
    return result


def parse_neutron_details(quota):
    """Neutron ``/quotas/{id}/details`` -> {field: Current} with usage (used + reserved)."""
    result = {}
    for field, value in (quota or {}).items():
        if isinstance(value, dict) and 'limit' in value:
            result[field] = Current(value['limit'], (value.get('used') or 0) + (value.get('reserved') or 0))
    return result


# ----------------------------------------------------------------------------------------------
# Plan (pure)
# ----------------------------------------------------------------------------------------------

class Result(TenantResult):
    """A tenant's quota row: drift found (old -> new per key) and the keys written."""

    def __init__(self, key, name):
        super(Result, self).__init__(key, name)
        self.drift = {}      # flat key -> {'old': x, 'new': y}: differs from the inventory
        self.fixed = []      # flat keys written (empty in check mode)

    def remark(self, code, message, severity='warning', keys=None):
        super(Result, self).remark(code, message, severity, keys=sorted(keys) if keys else None)

    @property
    def changes(self):
        return ['%s: %s -> %s' % (k, self.drift[k]['old'], self.drift[k]['new'])
                for k in sorted(self.drift) if not self.drift[k].get('skipped')]

    def as_dict(self):
        row = super(Result, self).as_dict()
        row.update(drift=dict((k, dict(v)) for k, v in self.drift.items()), fixed=sorted(self.fixed))
        return row


class Write(object):
    """One PUT of one service's quota for one tenant: ``values`` holds only the differing fields."""

    def __init__(self, service, tenant_key, project_id, values, force=False):
        self.service = service
        self.tenant_key = tenant_key
        self.project_id = project_id
        self.values = values
        self.force = force

    @property
    def summary(self):
        return 'set %s quota of %s (%s): %s' % (
            self.service, self.tenant_key, self.project_id,
            ', '.join('%s=%s' % (k, self.values[k]) for k in sorted(self.values)))

    def __repr__(self):
        force = ', force' if self.force else ''
        return 'Write(%r, %r, %r%s)' % (self.service, self.tenant_key, self.values, force)


def is_decrease_below_usage(old, new, used):
    """True when ``new`` lowers the limit below what the project already uses."""
    if used is None or new == UNLIMITED or new >= used:
        return False
    return old == UNLIMITED or new < old


def needs_usage(tenants, project_ids, current, service):
    """Project ids whose planned change on ``service`` is a decrease with unknown usage."""
    wanted = []
    for tenant in tenants:
        pid = project_ids.get(tenant.key)
        have = current.get(service, {}).get(pid)
        if pid is None or have is None:
            continue
        for field, new in by_service(tenant.quota).get(service, {}).items():
            cur = have.get(field)
            if cur is None or cur.used is not None or new == UNLIMITED:
                continue
            if cur.limit == UNLIMITED or new < cur.limit:
                wanted.append(pid)
                break
    return wanted


def plan(tenants, project_ids, current, available, managed=SERVICES, read_errors=None):
    """Compare desired and current quotas; return (results, writes).

    ``tenants``: TenantQuota list; ``project_ids``: tenant key -> Keystone project id (missing:
    no project yet); ``current``: service -> project id -> field -> Current (a service missing
    here was not read); ``available``: services in the platform's catalog; ``managed``: services
    this run manages (keys of other services are left alone without remark); ``read_errors``:
    (service, project id or None for the whole service) -> message of a failed read.
    Keys a tenant does not set are never written.
    """
    results, writes = [], []
    for tenant in tenants:
        res = Result(tenant.key, tenant.name)
        results.append(res)
        pid = project_ids.get(tenant.key)
        res.project_id = pid
        wanted = by_service(tenant.quota)
        if not wanted:
            continue
        if pid is None:
            res.remark('no_project', 'no Keystone project carries the marker tags of %s; quotas are set '
                                     'once keystone_tenant created it' % tenant.key,
                       keys=list(tenant.quota))
            continue
        for service in SERVICES:
            fields = wanted.get(service)
            if not fields or service not in managed:
                continue
            keys = [flat_key(service, f) for f in fields]
            if service not in available:
                res.remark('service_missing', 'the platform has no %s service in its catalog; %s skipped'
                           % (SERVICE_PROXIES[service].replace('_', '-'), ', '.join(sorted(keys))), keys=keys)
                continue
            have = current.get(service, {}).get(pid)
            if have is None:
                errs = read_errors or {}
                message = errs.get((service, pid)) or errs.get((service, None)) or 'not read'
                res.fail('read_failed', 'reading the current %s quota failed: %s' % (service, message))
                continue
            values, force = {}, False
            missing_types, below = [], []
            for field in sorted(fields):
                new = fields[field]
                key = flat_key(service, field)
                cur = have.get(field)
                if cur is None:
                    vtype = volume_type_of(field) if service == VOLUME else None
                    if vtype is not None:
                        missing_types.append(key)
                    else:
                        res.remark('key_not_supported', '%s: the %s service does not know the quota %r'
                                   % (key, service, field), keys=[key])
                    continue
                if cur.limit == new:
                    continue
                entry = {'old': cur.limit, 'new': new}
                if is_decrease_below_usage(cur.limit, new, cur.used):
                    entry['used'] = cur.used
                    if tenant.below_usage == 'apply' and service not in CANNOT_FORCE_BELOW_USAGE:
                        force = True
                        res.remark('below_usage_applied', '%s: %s -> %s is below the usage %s; applied as '
                                   'the landing zone sets quota_below_usage: apply'
                                   % (key, cur.limit, new, cur.used), severity='info', keys=[key])
                    else:
                        entry['skipped'] = 'below_usage'
                        below.append(key)
                        res.drift[key] = entry
                        if service in CANNOT_FORCE_BELOW_USAGE:
                            hint = '%s refuses a limit below usage even when forced' % service
                        else:
                            hint = 'set quota_below_usage: apply on the landing zone to force it'
                        res.remark('below_usage', '%s: %s -> %s is below the usage %s; not applied (%s)'
                                   % (key, cur.limit, new, cur.used, hint), keys=[key])
                        continue
                res.drift[key] = entry
                values[field] = new
            if missing_types:
                types = sorted(set(volume_type_of(split_key(k)[1]) for k in missing_types))
                res.remark('volume_type_missing', 'volume type(s) %s do not exist on the platform; %s skipped'
                           % (', '.join(types), ', '.join(missing_types)), keys=missing_types)
            if values:
                writes.append(Write(service, tenant.key, pid, values, force=force))
    return results, writes


def diff(results):
    """Ansible diff: per tenant key -> {flat key: value} before and after, only what changes."""
    before, after = {}, {}
    for res in results:
        changes = dict((k, v) for k, v in res.drift.items() if not v.get('skipped'))
        if changes:
            before[res.key] = dict((k, v['old']) for k, v in changes.items())
            after[res.key] = dict((k, v['new']) for k, v in changes.items())
    return dict(before=before, after=after)


def summary(results):
    counts = dict(ok=0, changed=0, remarks=0, failed=0)
    for res in results:
        counts[res.status] += 1
    return counts


# ----------------------------------------------------------------------------------------------
# Reading and writing (REST through _client.RestClient, one per service)
# ----------------------------------------------------------------------------------------------

def _pool_map(func, items, max_workers):
    items = list(items)
    if not items:
        return []
    if len(items) == 1 or max_workers <= 1:
        return [func(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
        return list(pool.map(func, items))


def _listing_all(rest, path, key):
    """A listing with ``<key>_links`` paging followed; returns (items, complete).

    Octavia's quota listing cannot page (its marker query fails with HTTP 500 past
    pagination_max_limit): a failed next page ends the listing as incomplete, and the caller
    reads the projects it did not see one by one.
    """
    from ansible_collections.landingzone.openstack.plugins.module_utils._client import ApiError
    items, params = [], None
    while True:
        try:
            body = rest.get(path, params=params) or {}
        except ApiError:
            if params is None:
                raise
            return items, False
        page = body.get(key) or []
        items.extend(page)
        nxt = [link for link in body.get(key + '_links') or [] if link.get('rel') == 'next']
        if not nxt or not page:
            return items, True
        marker = page[-1].get('project_id') or page[-1].get('id')
        params = {'marker': marker}


def _lacks(have, fields):
    for field in (fields if fields is not None else have):
        cur = have.get(field)
        if cur is None or cur.limit is None:
            return True
    return False


class Reader(object):
    """Reads current quotas of one service for a set of projects, as few requests as the API allows."""

    def __init__(self, clients, max_workers=8):
        self.clients = clients        # service -> RestClient (services in the catalog only)
        self.max_workers = max_workers
        self.errors = {}              # (service, project id or None) -> message

    def read(self, service, project_ids, fields=None):
        """{project_id: {field: Current}} for ``project_ids``; failures are recorded in ``errors``.

        ``fields``: the API fields the tenants set; the defaults (Neutron, Octavia) are read only
        when one of them is not in the listing (a project without own quota, or a null limit).
        """
        from ansible_collections.landingzone.openstack.plugins.module_utils._client import ApiError
        rest = self.clients[service]
        project_ids = sorted(set(project_ids))
        if not project_ids:
            return {}
        if service in (NETWORK, LOAD_BALANCER):
            path, default_path, key = {
                NETWORK: ('/quotas', '/quotas/%s/default' % project_ids[0], 'quotas'),
                LOAD_BALANCER: ('/lbaas/quotas', '/lbaas/quotas/defaults', 'quotas'),
            }[service]
            try:
                items, complete = _listing_all(rest, path, key)
                listed = dict((q.get('project_id') or q.get('tenant_id'), parse_flat(q)) for q in items)
                result = dict((pid, listed[pid]) for pid in project_ids if pid in listed)
                if not complete:
                    unseen = [pid for pid in project_ids if pid not in result]
                    single = '%s/%%s' % path
                    for pid, body in _pool_map(lambda p: (p, rest.get(single % p) or {}), unseen, self.max_workers):
                        result[pid] = parse_flat(body.get('quota') or {})
                if any(pid not in result or _lacks(result[pid], fields) for pid in project_ids):
                    # Projects without their own quota have the defaults: one request for all.
                    body = rest.get(default_path) or {}
                    defaults = parse_flat(body.get('quota') or {})
                    for pid in project_ids:
                        have = result.setdefault(pid, {})
                        for field, cur in defaults.items():
                            if have.get(field) is None or have[field].limit is None:
                                have[field] = cur
                return result
            except ApiError as exc:
                self.errors[(service, None)] = str(exc)
                return {}
        path = {COMPUTE: '/os-quota-sets/%s/detail', VOLUME: '/os-quota-sets/%s'}[service]
        params = {'usage': 'True'} if service == VOLUME else None

        def one(pid):
            try:
                body = rest.get(path % pid, params=params) or {}
                return pid, parse_quota_set(body.get('quota_set'))
            except ApiError as exc:
                self.errors[(service, pid)] = str(exc)
                return pid, None
        return dict((pid, q) for pid, q in _pool_map(one, project_ids, self.max_workers) if q is not None)

    def read_usage(self, service, project_ids):
        """Usage for decreases where the bulk listing has none (Neutron details)."""
        from ansible_collections.landingzone.openstack.plugins.module_utils._client import ApiError
        if service != NETWORK or not project_ids:
            return {}
        rest = self.clients[service]

        def one(pid):
            try:
                body = rest.get('/quotas/%s/details' % pid) or {}
                return pid, parse_neutron_details(body.get('quota'))
            except ApiError:
                return pid, None  # usage stays unknown: the decrease is applied as planned
        return dict((pid, q) for pid, q in _pool_map(one, project_ids, self.max_workers) if q)


def write_request(write):
    """(path, body) of the PUT that carries out ``write``."""
    values = dict(write.values)
    if write.service == COMPUTE:
        if write.force:
            values['force'] = True
        return '/os-quota-sets/%s' % write.project_id, {'quota_set': values}
    if write.service == VOLUME:
        return '/os-quota-sets/%s' % write.project_id, {'quota_set': values}
    if write.service == NETWORK:
        return '/quotas/%s' % write.project_id, {'quota': values}
    return '/lbaas/quotas/%s' % write.project_id, {'quota': values}


def apply(clients, writes, results, max_workers=8):
    """Carry out ``writes`` in a bounded pool; record fixed keys or failures on the results."""
    from ansible_collections.landingzone.openstack.plugins.module_utils._client import ApiError
    by_key = dict((r.key, r) for r in results)
    lock = threading.Lock()

    def run(write):
        path, body = write_request(write)
        res = by_key[write.tenant_key]
        try:
            clients[write.service].request('PUT', path, json=body, ok=(200, 202, 204))
        except ApiError as exc:
            with lock:
                res.fail('api_error', '%s failed: %s' % (write.summary, exc))
            return
        with lock:
            res.fixed.extend(flat_key(write.service, f) for f in write.values)
    _pool_map(run, writes, max_workers)


# ----------------------------------------------------------------------------------------------
# The module run
# ----------------------------------------------------------------------------------------------

def catalog_clients(conn, services, retries):
    """{service: RestClient} for the managed services that the platform's catalog has."""
    from ansible_collections.landingzone.openstack.plugins.module_utils._client import RestClient
    clients = {}
    for service in services:
        try:
            proxy = getattr(conn, SERVICE_PROXIES[service])
            endpoint = _endpoint_of(proxy)
        except Exception:  # noqa: BLE001 - keystoneauth/openstacksdk raise several "not found" types
            endpoint = None
        if endpoint:
            clients[service] = RestClient(proxy, retries=retries)
            clients[service].endpoint = endpoint
    return clients


def _endpoint_of(proxy):
    # The adapter's own lookup: some proxies shadow get_endpoint (identity: the endpoint resource).
    from keystoneauth1.adapter import Adapter
    return Adapter.get_endpoint(proxy)


def find_projects(projects, tenants):
    """tenant key -> project id, by the marker tags of one listing (as keystone_tenant's marker_tags).

    A project is a tenant's when it carries lz-managed, lz-ws=<workspace>, lz-proj=<project> and,
    for a tenant of a platform, lz-platform=<platform>.
    """
    index = {}
    for project in projects:
        owner = parse_owner_tags(project.get('tags'))
        if owner and owner['workspace'] and owner['project']:
            index.setdefault((owner['workspace'], owner['project'], owner.get('platform')), project['id'])
    found = {}
    for tenant in tenants:
        pid = index.get((tenant.workspace, tenant.project, tenant.platform))
        if pid is not None:
            found[tenant.key] = pid
    return found


def _netloc(url):
    rest = (url or '').split('://', 1)[-1]
    return rest.split('/', 1)[0]


def requests_by_service(counter, clients, identity_endpoint):
    """The counter's per-endpoint figures with service names (identity, compute, ...)."""
    counts = counter.as_dict() if counter is not None else dict(total=0)
    names = {_netloc(identity_endpoint): 'identity'}
    for service, client in clients.items():
        names[_netloc(getattr(client, 'endpoint', ''))] = service
    counts['by_api'] = dict((names.get(netloc, netloc), n) for netloc, n in (counts.get('by_service') or {}).items())
    return counts


def converge(conn, tenants, services=SERVICES, retries=4, max_workers=8, check_mode=False):
    """One whole run against an open connection: returns the module result (without exit)."""
    from ansible_collections.landingzone.openstack.plugins.module_utils import _keystone
    from ansible_collections.landingzone.openstack.plugins.module_utils._client import RestClient
    identity = RestClient(conn.identity, retries=retries)
    wanted_services = set(s for t in tenants for s in by_service(t.quota)) & set(services)
    project_ids = {}
    if wanted_services:
        project_ids = find_projects(_keystone.list_all(identity, '/projects', 'projects'), tenants)
    clients = catalog_clients(conn, sorted(wanted_services), retries)
    reader = Reader(clients, max_workers=max_workers)
    current = {}
    for service in sorted(clients):
        pids, fields = [], set()
        for tenant in tenants:
            wanted = by_service(tenant.quota).get(service)
            if wanted and tenant.key in project_ids:
                pids.append(project_ids[tenant.key])
                fields.update(wanted)
        current[service] = reader.read(service, pids, fields)
    for service in sorted(clients):
        usage = reader.read_usage(service, needs_usage(tenants, project_ids, current, service))
        for pid, fields in usage.items():
            for field, cur in fields.items():
                if field in current[service].get(pid, {}):
                    current[service][pid][field] = cur
    results, writes = plan(tenants, project_ids, current, set(clients), managed=services,
                           read_errors=reader.errors)
    if writes and not check_mode:
        apply(clients, writes, results, max_workers=max_workers)
    rows = [r.as_dict() for r in results]
    out = dict(changed=any(r.changes for r in results), tenants=rows, summary=summary(results),
               planned=[w.summary for w in writes], services=sorted(clients),
               missing_services=sorted(wanted_services - set(clients)))
    out['_diff'] = diff(results)
    out['_clients'] = clients
    out['_identity_endpoint'] = _endpoint_of(conn.identity)
    return out


def run_module(module):
    """Run openstack_quota to its end (exit_json / fail_json)."""
    from ansible.module_utils.basic import missing_required_lib
    from ansible_collections.landingzone.openstack.plugins.module_utils import _client
    params = module.params
    try:
        tenants = desired_quotas(dict(landing_zones=params['landing_zones'], workspaces=params['workspaces']),
                                 params['platform'], params.get('platforms'), params.get('only_workspaces'))
    except InventoryError as exc:
        module.fail_json(msg='invalid inventory: %s' % exc, errors=[e.to_dict() for e in exc.errors],
                         requests=dict(total=0))
    if not _client.HAS_SDK:
        module.fail_json(msg=missing_required_lib('openstacksdk'), exception=str(_client.SDK_IMPORT_ERROR))
    counter = None
    try:
        conn, counter = _client.connect(params)
        out = converge(conn, tenants, services=params['services'], retries=params['retries'],
                       max_workers=params['max_workers'], check_mode=module.check_mode)
    except _client.ApiError as exc:
        module.fail_json(msg='request failed before any change: %s' % exc,
                         requests=counter.as_dict() if counter else dict(total=0))
    except Exception as exc:  # noqa: BLE001 - openstacksdk config/auth errors have many types
        module.fail_json(msg='cannot connect to the platform: %s: %s' % (type(exc).__name__, exc),
                         requests=counter.as_dict() if counter else dict(total=0))
    result_diff = out.pop('_diff')
    out['requests'] = requests_by_service(counter, out.pop('_clients'), out.pop('_identity_endpoint'))
    if module._diff:
        out['diff'] = result_diff
    exit_with_rows(module, out, params['platform'])
