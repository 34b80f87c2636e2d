# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registered limits: the cloud-wide defaults of Keystone unified limits, a platform setting.

Managed only when the inventory declares them, and only the keys it declares (never deleted).
Planned against the registered limits read with the project limits (no request of its own), written
before the project limits: Keystone refuses a project limit without a registered one, and a project
without its own limit has the registered default. See docs/quotas.md.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils._issues import ValidationIssue
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.quota_keys import (
    LIMIT_SERVICES,
    UNIFIED_LIMIT_RESOURCES,
    UNIFIED_LIMITS,
    by_service,
    flat_key,
    key_problems,
    split_key,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.plan import Result
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import audit
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import ApiError

SETTING = 'registered_limits'


def registered_limit_problems(values, path=SETTING):
    """ValidationIssues of the declared registered limits (quota keys of the limit services)."""
    if values is None:
        return []
    if not isinstance(values, dict):
        return [ValidationIssue(path, 'must be a mapping of quota key -> default limit, got %s'
                                % type(values).__name__)]
    problems = key_problems(values, path)
    bad = set(p.path for p in problems)
    for key in values:
        kpath = '%s.%s' % (path, key)
        parts = split_key(key)
        if kpath not in bad and parts is not None and parts[0] not in LIMIT_SERVICES:
            problems.append(ValidationIssue(kpath, 'Keystone registers limits only for the %s keys; %r '
                                                   'is a quota of the service itself'
                                            % (' and '.join('%s.*' % s for s in sorted(LIMIT_SERVICES)), key)))
    return problems


class PlatformResult(Result):
    """The row of the platform's registered limits: drift (old -> new), keys written, remarks."""

    def __init__(self):
        super().__init__(SETTING, None)

    def as_dict(self):
        row = super().as_dict()
        for key in ('tenant', 'name', 'project_id'):
            row.pop(key, None)
        row['setting'] = SETTING
        return row


class RegisteredWrite:
    """One registered limit to create (``limit_id`` None) or to patch."""

    def __init__(self, service, field, value, limit_id=None, body=None):
        self.service = service
        self.field = field
        self.value = value
        self.limit_id = limit_id
        self.body = body

    @property
    def key(self):
        return flat_key(self.service, self.field)

    @property
    def summary(self):
        return '%s Keystone registered limit %s (%s) = %s' % (
            'create' if self.limit_id is None else 'set', self.key,
            UNIFIED_LIMIT_RESOURCES[self.service][self.field], self.value)


def plan_registered(declared, backends, limits, available, managed, modes, regions, read_errors=None):
    """(PlatformResult, writes) for the declared registered limits.

    ``declared``: flat key -> default limit; ``backends``: service -> chosen backend; ``limits``:
    the UnifiedLimits read (None: not read); ``available``: services in the catalog; ``managed``:
    services of this run; ``modes``: service -> configured quota_backend; ``regions``: service ->
    region of its endpoint (where Nova and Glance look their registered limits up).
    """
    res = PlatformResult()
    writes = []
    for service, fields in sorted(by_service(declared or {}).items()):
        if service not in managed:
            continue
        keys = sorted(flat_key(service, f) for f in fields)
        service_id = _writable_service(res, service, keys, backends, limits, available, modes, read_errors)
        if service_id is None:
            continue
        have = limits.registered.get(service, {})
        for field in sorted(fields):
            write = _plan_default(res, service, field, fields[field], have.get(field), service_id, limits, regions)
            if write is not None:
                writes.append(write)
    return res, writes


def _writable_service(res, service, keys, backends, limits, available, modes, read_errors):
    """The Keystone service id the registered limits of ``service`` are written for; None (and a
    remark or failure saying why) when they are not written."""
    if service not in available:
        res.remark('service_missing', 'the platform has no %s service in its catalog; registered limits '
                   '%s skipped' % (service, ', '.join(keys)), keys=keys)
        return None
    if backends.get(service) != UNIFIED_LIMITS:
        why = ('quota_backend %s: legacy' % service if (modes or {}).get(service) == 'legacy'
               else 'quota_backend %s: auto, and Keystone registers no %s limit yet' % (service, service))
        res.remark('registered_limits_not_written', 'registered limits %s not written: the %s backend is '
                   'legacy (%s); they are written only under unified limits, so set quota_backend %s: '
                   'unified_limits on a platform whose %s enforces them'
                   % (', '.join(keys), service, why, service, service), keys=keys)
        return None
    message = (read_errors or {}).get((service, None))
    if limits is None or message:
        # also when the project limits were not read: which registered limits they refer to is unknown
        res.fail('read_failed', 'registered limits %s: %s' % (', '.join(keys), message or 'Keystone limits not '
                                                              'read'), keys=keys)
        return None
    service_ids = sorted(limits.service_ids.get(service) or [])
    if len(service_ids) != 1:
        res.fail('service_ambiguous', 'registered limits %s: Keystone has %s services of type %s (%s); '
                 'which one the service enforces is for a person to decide'
                 % (', '.join(keys), len(service_ids), LIMIT_SERVICES[service], ', '.join(service_ids)
                    or 'none'), keys=keys)
        return None
    return service_ids[0]


def _plan_default(res, service, field, value, current, service_id, limits, regions):
    """The write of one registered default (None: as declared already, or held)."""
    if current is not None and current.get('default_limit') == value:
        return None
    key = flat_key(service, field)
    if current is None:
        body = dict(service_id=service_id, resource_name=UNIFIED_LIMIT_RESOURCES[service][field],
                    default_limit=value)
        if regions.get(service):
            body['region_id'] = regions[service]
        res.drift[key] = {'old': None, 'new': value}
        return RegisteredWrite(service, field, value, body=body)
    if limits.referenced.get(service, {}).get(field):
        # Keystone refuses any change of a registered limit that project limits refer to (HTTP
        # 403, keystone/limit/backends/sql.py); the run says so and leaves it
        res.drift[key] = {'old': current.get('default_limit'), 'new': value,
                          'skipped': 'registered_limit_in_use'}
        refs = limits.referenced[service][field]
        res.remark('registered_limit_in_use', '%s: the registered default is %s, the inventory declares '
                   '%s; Keystone refuses to change a registered limit that project limits refer to (%d '
                   'here), so it is left as is: set the value as a project quota instead, or remove '
                   'those project limits first' % (key, current.get('default_limit'), value, refs),
                   keys=[key])
        return None
    res.drift[key] = {'old': current.get('default_limit'), 'new': value}
    return RegisteredWrite(service, field, value, limit_id=current['id'])


def assume_written(limits, writes):
    """Check mode: ``limits`` as if ``writes`` were done, so the project limits are planned against
    the defaults the run would set."""
    for write in writes:
        registered = limits.registered.setdefault(write.service, {})
        if write.limit_id is None:
            registered[write.field] = dict(write.body, id=None)
        else:
            registered[write.field] = dict(registered[write.field], default_limit=write.value)


def apply_registered(identity, writes, res, limits):
    """Create the missing registered limits in one request, patch the others; ``limits`` follows
    what Keystone took, so the project limits are planned against it."""
    creates = [w for w in writes if w.limit_id is None]
    if creates:
        try:
            with audit.describe('create_registered_limits', target=', '.join(w.key for w in creates),
                                after=dict((w.key, w.value) for w in creates)):
                body = identity.request('POST', '/registered_limits',
                                        json={'registered_limits': [w.body for w in creates]}, ok=(201,)) or {}
        except ApiError as exc:
            # one transaction: none was created (or, unanswered, the next run reads what Keystone holds)
            res.fail('api_error', 'creating registered limits %s failed: %s'
                     % (', '.join(w.key for w in creates), exc), keys=[w.key for w in creates])
        else:
            made = dict((r.get('resource_name'), r) for r in body.get('registered_limits') or [])
            for write in creates:
                limit = made.get(write.body['resource_name']) or dict(write.body, id=None)
                limits.registered.setdefault(write.service, {})[write.field] = limit
                res.fixed.append(write.key)
    for write in writes:
        if write.limit_id is None:
            continue
        try:
            with audit.describe('set_registered_limit', target=write.key,
                                before={write.key: limits.registered[write.service][write.field].get('default_limit')},
                                after={write.key: write.value}):
                identity.request('PATCH', '/registered_limits/%s' % write.limit_id,
                                 json={'registered_limit': {'default_limit': write.value}}, ok=(200,))
        except ApiError as exc:
            res.fail('api_error', 'setting registered limit %s failed: %s' % (write.key, exc), keys=[write.key])
            continue
        registered = limits.registered[write.service]
        registered[write.field] = dict(registered[write.field], default_limit=write.value)
        res.fixed.append(write.key)
