# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Quota planning, pure: desired (the Tenant model) vs current -> per-tenant results and writes.

Only keys a tenant sets are compared; one ``Write`` per service per tenant holds only the fields
that differ. Decreases below current usage are remarks unless the landing zone forces them.
Which backend holds a service's quotas (its own API or Keystone unified limits) is decided here
too, from what Keystone registers (``choose_backends``), and a write the service did not take is
found from its read-back (``check_read_back``).

Drift: the project's ``lz_quota`` record (``_ownership.QUOTA_APPLIED_ATTR``) holds, per flat key,
the value this step last wrote or found as the inventory says. A value that differs from the
inventory *and* from the record was changed outside the inventory: it is set back with the remark
``drift_reverted`` (key, old, new), as the tenants step does for Keystone fields. A value that
differs from the inventory but equals the record is an inventory change. ``next_records`` is the
record after the run.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.model import QuotaBelowUsage
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.quota_keys import (
    AUTO,
    CANNOT_FORCE_BELOW_USAGE,
    IMAGE,
    LOAD_BALANCER,
    LEGACY,
    LIMIT_SERVICES,
    LIMITS_ONLY,
    READ_BACK_UNDER_UNIFIED_LIMITS,
    UNIFIED_LIMITS,
    SERVICE_PROXIES,
    SERVICES,
    UNIFIED_LIMIT_RESOURCES,
    UNLIMITED,
    VOLUME,
    by_service,
    flat_key,
    split_key,
    volume_type_of,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._results import TenantResult


# What a change of a project the same run creates (check mode) is planned against: nothing yet.
NEW_PROJECT = '(new project)'


class Result(TenantResult):
    """A tenant's quota row: drift found (old -> new per key) and the keys written."""

    def __init__(self, key, name):
        super().__init__(key, name)
        self.drift = {}      # flat key -> {'old': x, 'new': y}: differs from the inventory
        self.fixed = []      # flat keys written (empty in check mode)
        self.recorded = False  # the project's lz_quota record was (re)written

    def remark(self, code, message, keys=None, **extra):
        super().remark(code, message, keys=sorted(keys) if keys else None, **extra)

    @property
    def changes(self):
        return ['%s: %s -> %s%s' % (k, NEW_PROJECT if self.drift[k]['old'] is None else self.drift[k]['old'],
                                    self.drift[k]['new'],
                                    ' (%s)' % self.drift[k]['approval'] if self.drift[k].get('approval') else '')
                for k in sorted(self.drift) if not self.drift[k].get('skipped')]

    def as_dict(self):
        row = super().as_dict()
        row.update(drift=dict((k, dict(v)) for k, v in self.drift.items()), fixed=sorted(self.fixed),
                   recorded=self.recorded)
        return row


class Write:
    """One service's quota for one tenant: ``values`` holds only the differing fields. Legacy: one
    PUT of the service's quota API; unified limits: Keystone limits (created in bulk or patched)."""

    def __init__(self, service, tenant_key, project_id, values, force=False, backend=LEGACY, before=None):
        self.service = service
        self.tenant_key = tenant_key
        self.project_id = project_id
        self.values = values
        self.force = force
        self.backend = backend
        self.before = before    # field -> the limit read before the write (the audit trail's before)

    @property
    def summary(self):
        where = ' (Keystone limits)' if self.backend == UNIFIED_LIMITS else ''
        return 'set %s quota%s of %s (%s): %s' % (
            self.service, where, self.tenant_key, self.project_id,
            ', '.join('%s=%s' % (k, self.values[k]) for k in sorted(self.values)))

    def __repr__(self):
        force = ', force' if self.force else ''
        limits = ', unified_limits' if self.backend == UNIFIED_LIMITS else ''
        return 'Write(%r, %r, %r%s%s)' % (self.service, self.tenant_key, self.values, force, limits)


def choose_backends(modes, limits):
    """service -> backend (legacy or unified_limits) for the services that can use Keystone limits.

    ``modes``: service -> auto / legacy / unified_limits (missing: auto); ``limits``: the
    UnifiedLimits read, or None when not read (every mode forced to legacy). ``auto`` is unified
    limits when Keystone registers limits for the service in the run's region: the services read
    their defaults from there, and without a registered limit Keystone refuses project limits.
    """
    chosen = {}
    for service in LIMIT_SERVICES:
        mode = (modes or {}).get(service) or AUTO
        if mode == AUTO:
            mode = UNIFIED_LIMITS if limits is not None and limits.has_registered(service) else LEGACY
        chosen[service] = mode
    return chosen


def read_back_fields(write):
    """The fields of ``write`` the service's quota API can show back (all, except under unified
    limits, where Nova shows only its placement resources' project limits)."""
    if write.backend == UNIFIED_LIMITS and write.service in READ_BACK_UNDER_UNIFIED_LIMITS:
        return sorted(f for f in write.values if f in READ_BACK_UNDER_UNIFIED_LIMITS[write.service])
    return sorted(write.values)


def read_back_sample(writes, service):
    """The project id whose quota is read back after the writes of ``service`` (None: no write
    that can be read back).

    One per run: the backend is the platform's, not a tenant's, so one tenant's read-back shows it
    (Nova's read under unified limits asks Keystone for every limit and costs seconds a project).
    """
    pids = sorted(w.project_id for w in writes if w.service == service and read_back_fields(w))
    return pids[0] if pids else None


def check_read_back(results, writes, read_back):
    """Fail with ``quota_backend_mismatch`` the writes of a service whose quota, read back from the
    service after the write (``read_back``: service -> project id -> field -> Current, one sample
    project, or no project when no write could be read back), does not show the values written: the
    service enforces another backend than the one written to (Nova's UnifiedLimitsDriver accepts a
    legacy PUT and changes nothing; the legacy driver ignores Keystone limits). That goes for every
    write of the run to that service and backend.
    """
    by_key = dict((r.key, r) for r in results)
    verdicts = {}   # (service, backend) -> None (shown), 'unread' or a message
    for write in writes:
        if write.service not in read_back or write.project_id not in read_back[write.service]:
            continue
        seen = read_back[write.service][write.project_id]
        res = by_key[write.tenant_key]
        written = [f for f in read_back_fields(write) if flat_key(write.service, f) in res.fixed]
        if seen is None:
            verdicts[(write.service, write.backend)] = 'unread'
            continue
        wrong = sorted(f for f in written if seen.get(f) is None or seen[f].limit != write.values[f])
        if wrong:
            other = LEGACY if write.backend == UNIFIED_LIMITS else UNIFIED_LIMITS
            verdicts[(write.service, write.backend)] = (
                'written as %s, but the %s API of %s reads back %s: the service enforces %s; set '
                'quota_backend %s: %s for this platform' % (
                    write.backend, write.service, write.tenant_key,
                    ', '.join('%s=%s (written %s)' % (flat_key(write.service, f),
                                                      seen[f].limit if seen.get(f) else None, write.values[f])
                              for f in wrong), other, write.service, other))
        else:
            verdicts.setdefault((write.service, write.backend), None)
    for write in writes:
        if write.service not in read_back:
            continue
        res = by_key[write.tenant_key]
        keys = [flat_key(write.service, f) for f in write.values if flat_key(write.service, f) in res.fixed]
        if not keys:
            continue
        if (write.service, write.backend) not in verdicts:
            # no write of the run had a key the service shows back (Nova under unified limits shows
            # only instances, cores and ram of a project): written to Keystone, not verified
            res.remark('not_read_back', 'the %s API shows no project limit of %s (only the registered '
                       'default): whether the service enforces it is not verified'
                       % (write.service, ', '.join(keys)), keys=keys)
            continue
        verdict = verdicts[(write.service, write.backend)]
        if verdict is None:
            continue
        if verdict == 'unread':
            res.remark('read_back_failed', 'the %s quota could not be read back after the write: whether the '
                       'service enforces it is not verified' % write.service, keys=keys)
            continue
        res.fixed = [k for k in res.fixed if k not in keys]
        res.fail('quota_backend_mismatch', '%s %s' % (', '.join(keys), verdict), keys=keys)


# Why a service's usage is not known for a decrease (Nova and Cinder report it with the quota).
USAGE_UNSEEN = {
    IMAGE: 'Glance reports usage only to the project itself; it refuses new uploads past the limit',
    LOAD_BALANCER: 'Octavia publishes no usage; it refuses new resources past the limit',
}


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


def plan(tenants, project_ids, current, available, managed=SERVICES, read_errors=None, duplicates=None,
         backends=None, records=None, new_projects=()):
    """Compare desired and current quotas; return (results, writes).

    ``tenants``: TenantQuota list; ``project_ids``: tenant key -> Keystone project id (missing:
    no project yet); ``current``: service -> project id -> field -> Current (a service missing
    here was not read); ``available``: services in the platform's catalog; ``managed``: services
    this run manages (keys of other services are left alone without remark); ``read_errors``:
    (service, project id or None for the whole service) -> message of a failed read;
    ``duplicates``: tenant key -> ids of the several projects that carry its marker (a failure:
    which one is the tenant's is for a person to decide); ``backends``: service -> legacy or
    unified_limits (``choose_backends``; missing: legacy); ``records``: tenant key -> the project's
    ``lz_quota`` record (missing: none yet, no drift can be told). Keys a tenant does not set are
    never written.
    ``new_projects``: keys of the tenants whose project the tenants step of this check run would
    create: their keys are planned against empty (old None), nothing read, nothing written.
    """
    found = _Found(current, available, managed, read_errors or {}, backends or {}, records or {})
    results, writes = [], []
    for tenant in tenants:
        res = Result(tenant.key, tenant.name)
        results.append(res)
        res.project_id = project_ids.get(tenant.key)
        wanted = by_service(tenant.quota)
        if wanted and res.project_id is None and tenant.key in new_projects:
            _plan_new_project(res, wanted, found)
        elif wanted and _has_project(tenant, res, duplicates):
            for service in SERVICES:
                fields = wanted.get(service)
                if fields and service in managed:
                    write = _plan_service(tenant, res, service, fields, found)
                    if write is not None:
                        writes.append(write)
        mark_requests(tenant, res)
    return results, writes


def mark_requests(tenant, res):
    """Each planned change to a value above its auto-approval threshold says who approved it, or
    that it needs approval (docs/quotas.md, "Quota requests with approval"): in the drift entry
    (``approval``), the change line and a remark."""
    for request in tenant.quota_requests:
        entry = res.drift.get(request.key)
        if entry is None or entry.get('skipped') or entry['new'] != request.value:
            continue
        entry['approval'] = request.mark
        change = '%s: %s -> %s is above the auto-approval threshold %d' % (
            request.key, NEW_PROJECT if entry['old'] is None else entry['old'], request.value, request.threshold)
        if request.approved_by is None:
            res.remark('quota_needs_approval', '%s and nothing approves it (lz_quota_approval: report: applied); '
                       'record the approval in lz_quota_approvals' % change, keys=[request.key])
        else:
            res.remark('quota_approved', '%s; %s' % (change, request.mark), keys=[request.key],
                       approved_by=request.approved_by)


class _Found:
    """What ``plan`` compares with, besides the tenants (its arguments of the same names)."""

    def __init__(self, current, available, managed, read_errors, backends, records):
        self.current = current
        self.available = available
        self.managed = managed
        self.read_errors = read_errors
        self.backends = backends
        self.records = records


def _has_project(tenant, res, duplicates):
    """True when the tenant has its one project; else the row says why not."""
    if duplicates and tenant.key in duplicates:
        res.fail('duplicate_managed_projects', 'several projects carry the marker of %s: %s; resolve by '
                 'hand' % (tenant.key, ', '.join(sorted(duplicates[tenant.key]))))
        return False
    if res.project_id is None:
        res.remark('no_project', 'no Keystone project carries the marker tags of %s; quotas are set '
                                 'once keystone_tenant created it' % tenant.key,
                   keys=list(tenant.quota))
        return False
    return True


def _plan_new_project(res, wanted, found):
    """The quota of a project the tenants step creates in this (check) run: every key it sets,
    planned against empty, with the remarks that need no project (a service the platform lacks)."""
    for service in SERVICES:
        fields = wanted.get(service)
        backend = found.backends.get(service, LEGACY)
        if fields and service in found.managed and _writable(res, service, fields, backend, found):
            for field in sorted(fields):
                res.drift[flat_key(service, field)] = {'old': None, 'new': fields[field]}


def _writable(res, service, fields, backend, found):
    """True when the platform can hold the quota of ``service``; else the row says why not."""
    keys = [flat_key(service, f) for f in fields]
    if service not in found.available:
        res.remark('service_missing', 'the platform has no %s service in its catalog; %s skipped'
                   % (SERVICE_PROXIES[service].replace('_', '-'), ', '.join(sorted(keys))), keys=keys)
        return False
    if service in LIMITS_ONLY and backend != UNIFIED_LIMITS:
        res.remark('no_unified_limits', 'the %s service has per-project quotas only as Keystone '
                   'unified limits, and Keystone registers no limit for it (the service does not '
                   'enforce them); %s skipped' % (service, ', '.join(sorted(keys))), keys=keys)
        return False
    return True


def _current_of(res, service, fields, backend, found):
    """The current quota of the tenant's project on ``service``; None when it is not to be written."""
    if not _writable(res, service, fields, backend, found):
        return None
    have = found.current.get(service, {}).get(res.project_id)
    if have is None:
        errs = found.read_errors
        message = errs.get((service, res.project_id)) or errs.get((service, None)) or 'not read'
        res.fail('read_failed', 'reading the current %s quota failed: %s' % (service, message))
    return have


def _plan_service(tenant, res, service, fields, found):
    """The write of one service's quota for one tenant (None: nothing to write)."""
    backend = found.backends.get(service, LEGACY)
    have = _current_of(res, service, fields, backend, found)
    if have is None:
        return None
    values, force = {}, False
    missing_types = []
    for field in sorted(fields):
        cur = have.get(field)
        if cur is None:
            _remark_unknown_key(res, service, field, backend, missing_types)
            continue
        new = fields[field]
        if cur.limit == new:
            continue
        planned = _plan_value(tenant, res, service, field, cur, new)
        if planned is not None:
            values[field] = new
            force = force or planned
            _remark_drift(res, flat_key(service, field), cur.limit, new, found.records.get(tenant.key))
    if missing_types:
        types = sorted(set(volume_type_of(split_key(k)[1]) for k in missing_types))
        res.remark('volume_type_missing', 'volume type(s) %s do not exist on the platform; %s skipped'
                   % (', '.join(types), ', '.join(missing_types)), keys=missing_types)
    if not values:
        return None
    return Write(service, tenant.key, res.project_id, values, force=force and backend == LEGACY, backend=backend,
                 before=dict((field, have[field].limit) for field in values))


def _remark_drift(res, key, old, new, record):
    """``drift_reverted`` when the value set back is not what this step last left there (``record``)."""
    if record is None or key not in record or record[key] == old:
        return
    res.drift[key]['outside_inventory'] = True
    res.remark('drift_reverted', '%s was changed outside the inventory (%s, last set to %s by the collection); '
               'set back to %s' % (key, old, record[key], new), keys=[key],
               drift=dict(field=key, old=old, new=new, recorded=record[key]))


def next_records(tenants, results, current, records):
    """{project id: record} of the tenants whose ``lz_quota`` record changes with this run: per key
    the inventory's value where it was written (``fixed``) or already held; a key neither keeps its
    earlier recorded value; keys the inventory no longer sets are dropped."""
    by_key = dict((r.key, r) for r in results)
    out = {}
    for tenant in tenants:
        res = by_key.get(tenant.key)
        if res is None or res.project_id is None or not tenant.quota:
            continue
        previous = records.get(tenant.key) or {}
        record = {}
        for service, fields in by_service(tenant.quota).items():
            have = current.get(service, {}).get(res.project_id) or {}
            for field, value in fields.items():
                key = flat_key(service, field)
                held = have.get(field)
                if key in res.fixed or (held is not None and held.limit == value):
                    record[key] = value
                elif key in previous:
                    record[key] = previous[key]
        if (record or tenant.key in records) and record != records.get(tenant.key):
            out[res.project_id] = (tenant.key, record)
    return out


def _remark_unknown_key(res, service, field, backend, missing_types):
    key = flat_key(service, field)
    vtype = volume_type_of(field) if service == VOLUME else None
    if backend == UNIFIED_LIMITS:
        res.remark('no_registered_limit', '%s: Keystone has no registered limit %r for the %s '
                   'service in this region, and refuses a project limit without one'
                   % (key, UNIFIED_LIMIT_RESOURCES[service][field], service), keys=[key])
    elif vtype is not None:
        missing_types.append(key)
    else:
        res.remark('key_not_supported', '%s: the %s service does not know the quota %r'
                   % (key, service, field), keys=[key])


def _plan_value(tenant, res, service, field, cur, new):
    """Plan one changed value: None when it is held (below usage), else whether it must be forced."""
    key = flat_key(service, field)
    entry = {'old': cur.limit, 'new': new}
    force = False
    if is_decrease_below_usage(cur.limit, new, cur.used):
        entry['used'] = cur.used
        if tenant.quota_below_usage == QuotaBelowUsage.APPLY and service not in CANNOT_FORCE_BELOW_USAGE:
            force = True
            res.remark('below_usage_applied', '%s: %s -> %s is below the usage %s; applied as '
                       'the landing zone sets quota_below_usage: apply'
                       % (key, cur.limit, new, cur.used), keys=[key])
        else:
            entry['skipped'] = 'below_usage'
            res.drift[key] = entry
            if service in CANNOT_FORCE_BELOW_USAGE:
                hint = '%s refuses a limit below usage even when forced' % service
            else:
                hint = 'set quota_below_usage: apply on the landing zone to force it'
            res.remark('below_usage', '%s: %s -> %s is below the usage %s; not applied (%s)'
                       % (key, cur.limit, new, cur.used, hint), keys=[key])
            return None
    elif cur.used is None and new != UNLIMITED and (cur.limit == UNLIMITED or new < cur.limit):
        res.remark('usage_not_checked', '%s: %s -> %s is a decrease, and the usage of the project '
                   'is not visible here (%s); applied without a usage check'
                   % (key, cur.limit, new, USAGE_UNSEEN.get(service, 'its usage read failed')),
                   keys=[key])
    res.drift[key] = entry
    return force


def diff(results, platform=None):
    """Ansible diff: per tenant key (and ``registered_limits`` for the platform's registered
    limits, ``platform``) -> {flat key: value} before and after, only what changes; ``prepared``
    (text Ansible prints below) names who approved each change above its auto-approval threshold."""
    before, after, marks = {}, {}, []
    for res in results + ([platform] if platform is not None else []):
        changes = dict((k, v) for k, v in res.drift.items() if not v.get('skipped'))
        if changes:
            before[res.key] = dict((k, v['old']) for k, v in changes.items())
            after[res.key] = dict((k, v['new']) for k, v in changes.items())
            marks.extend('%s %s -> %s: %s' % (res.key, k, v['new'], v['approval'])
                         for k, v in sorted(changes.items()) if v.get('approval'))
    result = dict(before=before, after=after)
    if marks:
        result['prepared'] = 'above the auto-approval threshold (lz_quota_definitions):\n%s\n' % '\n'.join(marks)
    return result
