# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing the planned quotas, in a bounded pool.

Legacy: one PUT per service per tenant that differs. Unified limits: the project limits that do
not exist yet in bulk (``POST /v3/limits`` takes a list, ``LIMITS_PER_POST`` at a time), the ones
that exist with one ``PATCH /v3/limits/{id}`` each.
"""

import threading

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.quota_keys import (
    COMPUTE,
    NETWORK,
    UNIFIED_LIMIT_RESOURCES,
    UNIFIED_LIMITS,
    VOLUME,
    flat_key,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import audit
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import QUOTA_APPLIED_ATTR
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import ApiError, pool_map

# Keystone creates a POST's limits in one transaction: a failed batch fails only its own tenants.
LIMITS_PER_POST = 500


def write_request(write):
    """(path, body) of the PUT that carries out a legacy ``write``."""
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


def keyed(write, values):
    """A write's values by flat quota key (``compute.cores``), for the audit trail (None: not known)."""
    if values is None:
        return None
    return dict((flat_key(write.service, field), value) for field, value in sorted(values.items()))


def limit_requests(writes, limits):
    """(creates, patches) for unified-limits ``writes``: creates are (write, field, body) to POST,
    patches (write, field, limit id, value)."""
    creates, patches = [], []
    for write in writes:
        for field in sorted(write.values):
            value = write.values[field]
            limit_id = limits.limit_id(write.service, write.project_id, field)
            if limit_id:
                patches.append((write, field, limit_id, value))
                continue
            reg = limits.registered[write.service][field]
            body = dict(project_id=write.project_id, service_id=reg['service_id'],
                        resource_name=UNIFIED_LIMIT_RESOURCES[write.service][field], resource_limit=value)
            if reg.get('region_id'):
                body['region_id'] = reg['region_id']
            creates.append((write, field, body))
    return creates, patches


def apply(clients, writes, results, max_workers=8, identity=None, limits=None):
    """Carry out ``writes`` (legacy ones through ``clients``, unified-limits ones through
    ``identity`` with the ``limits`` read); record fixed keys or failures on the results."""
    by_key = dict((r.key, r) for r in results)
    lock = threading.Lock()

    def failed(write, what, exc):
        with lock:
            by_key[write.tenant_key].fail('api_error', '%s failed: %s' % (what, exc))

    def fixed(write, fields):
        with lock:
            by_key[write.tenant_key].fixed.extend(flat_key(write.service, f) for f in fields)

    def put(write):
        path, body = write_request(write)
        try:
            with audit.describe('set_quota', write.tenant_key, '%s quota of project %s' % (write.service, write.project_id),
                                keyed(write, write.before), keyed(write, write.values)):
                clients[write.service].request('PUT', path, json=body, ok=(200, 202, 204))
        except ApiError as exc:
            failed(write, write.summary, exc)
            return
        fixed(write, write.values)

    def post(batch):
        tenants = sorted(set(w.tenant_key for w, dummy, dummy in batch))
        try:
            # one request for many tenants: the entry names the tenant when there is one, the keys of each in after
            with audit.describe('create_limits', tenants[0] if len(tenants) == 1 else None,
                                '%d Keystone limit(s) of %s' % (len(batch), ', '.join(tenants)),
                                None, dict(('%s %s' % (w.tenant_key, flat_key(w.service, f)), b['resource_limit'])
                                           for w, f, b in batch)):
                identity.request('POST', '/limits', json={'limits': [body for dummy, dummy, body in batch]},
                                 ok=(201,))
        except ApiError as exc:
            # ambiguous (no answer) or refused: the next run reads what Keystone holds and completes it
            hint = (' (a limit exists that the listing did not show: created meanwhile, or listed with a '
                    'project-scoped token, see limits_scope)' if exc.status == 409 else '')
            for write in dict((id(w), w) for w, dummy, dummy in batch).values():
                failed(write, 'creating Keystone limits (%d in one request, this tenant among them)%s'
                       % (len(batch), hint), exc)
            return
        for write, field, dummy in batch:
            fixed(write, [field])

    def patch(item):
        write, field, limit_id, value = item
        key = flat_key(write.service, field)
        try:
            with audit.describe('set_limit', write.tenant_key, '%s of project %s' % (key, write.project_id),
                                {key: (write.before or {}).get(field)}, {key: value}):
                identity.request('PATCH', '/limits/%s' % limit_id, json={'limit': {'resource_limit': value}},
                                 ok=(200,))
        except ApiError as exc:
            failed(write, 'setting Keystone limit %s of %s' % (flat_key(write.service, field), write.tenant_key),
                   exc)
            return
        fixed(write, [field])

    pool_map(put, [w for w in writes if w.backend != UNIFIED_LIMITS], max_workers)
    creates, patches = limit_requests([w for w in writes if w.backend == UNIFIED_LIMITS], limits)
    pool_map(post, [creates[i:i + LIMITS_PER_POST] for i in range(0, len(creates), LIMITS_PER_POST)], max_workers)
    pool_map(patch, patches, max_workers)


def apply_records(identity, records, results, max_workers=8, record_attr=QUOTA_APPLIED_ATTR):
    """Write each project's ``lz_quota`` record (``plan.next_records``): one ``PATCH /v3/projects/{id}``
    of that extra attribute alone (Keystone keeps the project's other attributes)."""
    by_key = dict((r.key, r) for r in results)
    lock = threading.Lock()

    def write(item):
        project_id, (tenant_key, record) = item
        try:
            with audit.describe('record_quota', tenant_key, 'project %s' % project_id, None, {record_attr: record}):
                identity.request('PATCH', '/projects/%s' % project_id,
                                 json={'project': {record_attr: record}}, ok=(200,))
        except ApiError as exc:
            with lock:
                by_key[tenant_key].fail('api_error', 'recording the quotas written (%s of project %s) failed: %s'
                                        % (record_attr, project_id, exc))
            return
        with lock:
            by_key[tenant_key].recorded = True

    pool_map(write, sorted(records.items()), max_workers)
