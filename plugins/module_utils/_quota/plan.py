# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Quota planning, pure: desired (the Tenant model) vs current -> per-tenant results and writes.

Only keys a tenant sets are compared; one ``Write`` per service per tenant holds only the fields
that differ. Decreases below current usage are remarks unless the landing zone forces them.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils._quota.keys import (
    CANNOT_FORCE_BELOW_USAGE,
    SERVICE_PROXIES,
    SERVICES,
    UNLIMITED,
    VOLUME,
    by_service,
    flat_key,
    split_key,
    volume_type_of,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._results import TenantResult


class Result(TenantResult):
    """A tenant's quota row: drift found (old -> new per key) and the keys written."""

    def __init__(self, key, name):
        super().__init__(key, name)
        self.drift = {}      # flat key -> {'old': x, 'new': y}: differs from the inventory
        self.fixed = []      # flat keys written (empty in check mode)

    def remark(self, code, message, severity='warning', keys=None):
        super().remark(code, message, severity, keys=sorted(keys) if keys else None)

    @property
    def changes(self):
        return ['%s: %s -> %s' % (k, self.drift[k]['old'], self.drift[k]['new'])
                for k in sorted(self.drift) if not self.drift[k].get('skipped')]

    def as_dict(self):
        row = super().as_dict()
        row.update(drift=dict((k, dict(v)) for k, v in self.drift.items()), fixed=sorted(self.fixed))
        return row


class Write:
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


def plan(tenants, project_ids, current, available, managed=SERVICES, read_errors=None, duplicates=None):
    """Compare desired and current quotas; return (results, writes).

    ``tenants``: TenantQuota list; ``project_ids``: tenant key -> Keystone project id (missing:
    no project yet); ``current``: service -> project id -> field -> Current (a service missing
    here was not read); ``available``: services in the platform's catalog; ``managed``: services
    this run manages (keys of other services are left alone without remark); ``read_errors``:
    (service, project id or None for the whole service) -> message of a failed read;
    ``duplicates``: tenant key -> ids of the several projects that carry its marker (a failure:
    which one is the tenant's is for a person to decide). Keys a tenant does not set are never
    written.
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
        if duplicates and tenant.key in duplicates:
            res.fail('duplicate_managed_projects', 'several projects carry the marker of %s: %s; resolve by '
                     'hand' % (tenant.key, ', '.join(sorted(duplicates[tenant.key]))))
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
                    if tenant.quota_below_usage == 'apply' and service not in CANNOT_FORCE_BELOW_USAGE:
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
