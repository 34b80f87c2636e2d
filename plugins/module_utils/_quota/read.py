# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading current quotas in as few requests as each API allows.

Neutron and Octavia list every project's quota in one (paged) listing, plus one read of the
defaults for projects without their own; Nova and Cinder are read per project, in a bounded pool,
usage included. A failed read is recorded per (service, project) for the planner to report.
Under Keystone unified limits the whole cloud's registered limits and project limits are two paged
listings (``read_unified_limits``), whatever the number of tenants.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.quota_keys import (
    COMPUTE,
    LIMIT_SERVICES,
    LOAD_BALANCER,
    NETWORK,
    VOLUME,
    field_of_resource,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import (
    KEYSTONE_PAGE_LIMIT,
    ApiError,
    list_all,
    pool_map,
)


class Current:
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


def _lacks(have, fields):
    for field in (fields if fields is not None else have):
        cur = have.get(field)
        if cur is None or cur.limit is None:
            return True
    return False


class Reader:
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
                # Octavia's quota listing cannot page (its marker query fails with HTTP 500 past
                # pagination_max_limit): the projects a failed page hid are read one by one.
                items, complete = list_all(rest, path, key, partial_ok=True,
                                           marker_of=lambda q: q.get('project_id') or q.get('id'))
                listed = dict((q.get('project_id') or q.get('tenant_id'), parse_flat(q)) for q in items)
                result = dict((pid, listed[pid]) for pid in project_ids if pid in listed)
                if not complete:
                    unseen = [pid for pid in project_ids if pid not in result]
                    single = '%s/%%s' % path
                    for pid, body in pool_map(lambda p: (p, rest.get(single % p) or {}), unseen, self.max_workers):
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
        return dict((pid, q) for pid, q in pool_map(one, project_ids, self.max_workers) if q is not None)

    def read_usage(self, service, project_ids):
        """Usage for decreases where the bulk listing has none (Neutron details)."""
        if service != NETWORK or not project_ids:
            return {}
        rest = self.clients[service]

        def one(pid):
            try:
                body = rest.get('/quotas/%s/details' % pid) or {}
                return pid, parse_neutron_details(body.get('quota'))
            except ApiError:
                return pid, None  # usage stays unknown: the decrease is applied as planned
        return dict((pid, q) for pid, q in pool_map(one, project_ids, self.max_workers) if q)


class UnifiedLimits:
    """Keystone's limits of the limit services, as read in one go.

    ``service_ids``: service -> Keystone service ids of its catalog type; ``registered``: service ->
    field -> registered limit (dict: id, service_id, region_id, default_limit) in the run's region;
    ``project``: service -> project id -> field -> project limit (dict: id, resource_limit).
    Only limits of ``project_ids`` are kept: limits of projects the collection does not own are
    neither planned nor written.
    """

    def __init__(self, service_ids, registered, project):
        self.service_ids = service_ids
        self.registered = registered
        self.project = project
        # service -> field -> number of project limits (of any project) in the listing: Keystone
        # refuses to change a registered limit that project limits refer to
        self.referenced = {}

    def has_registered(self, service):
        return bool(self.registered.get(service))

    def current(self, service, project_ids):
        """project id -> field -> Current: the project limit, else the registered default."""
        defaults = self.registered.get(service, {})
        mine = self.project.get(service, {})
        result = {}
        for pid in project_ids:
            have = dict((f, Current(r['default_limit'])) for f, r in defaults.items())
            for field, limit in mine.get(pid, {}).items():
                have[field] = Current(limit['resource_limit'])
            result[pid] = have
        return result

    def limit_id(self, service, project_id, field):
        return (self.project.get(service, {}).get(project_id, {}).get(field) or {}).get('id')


def _in_region(item, region):
    return item.get('region_id') in (None, region) or region is None


def read_registered_limits(identity, region=None):
    """Keystone's services and registered limits (two listings for the whole cloud, shown whole to any
    scope): the UnifiedLimits without project limits, enough to choose the backend.

    Raises ApiError / IncompleteListing.
    """
    services = list_all(identity, '/services', 'services')[0]
    service_ids = dict((svc, set(s['id'] for s in services if s.get('type') == stype))
                       for svc, stype in LIMIT_SERVICES.items())
    of_id = _service_of_id(service_ids)
    registered = {}
    for reg in list_all(identity, '/registered_limits', 'registered_limits', limit=KEYSTONE_PAGE_LIMIT)[0]:
        service = of_id.get(reg.get('service_id'))
        field = field_of_resource(service, reg.get('resource_name')) if service else None
        if field is not None and _in_region(reg, region):
            registered.setdefault(service, {})[field] = reg
    return UnifiedLimits(service_ids, registered, {})


def read_project_limits(identity, limits, project_ids, region=None):
    """Fill ``limits`` with the project limits of ``project_ids``: one listing for the whole cloud.

    Raises ApiError / IncompleteListing: planning on a partial listing would write limits twice.
    """
    of_id = _service_of_id(limits.service_ids)
    wanted = set(project_ids)
    for limit in list_all(identity, '/limits', 'limits', limit=KEYSTONE_PAGE_LIMIT)[0]:
        service = of_id.get(limit.get('service_id'))
        field = field_of_resource(service, limit.get('resource_name')) if service else None
        if field is None or not _in_region(limit, region):
            continue
        counts = limits.referenced.setdefault(service, {})
        counts[field] = counts.get(field, 0) + 1
        if limit.get('project_id') not in wanted:
            continue
        limits.project.setdefault(service, {}).setdefault(limit['project_id'], {})[field] = limit
    return limits


def read_unified_limits(identity, project_ids, region=None):
    """Keystone's services, registered limits and project limits: three listings for the whole cloud."""
    return read_project_limits(identity, read_registered_limits(identity, region), project_ids, region)


def _service_of_id(service_ids):
    return dict((sid, svc) for svc, ids in service_ids.items() for sid in ids)
