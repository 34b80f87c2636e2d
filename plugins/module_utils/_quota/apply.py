# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writing the planned quotas: one PUT per service per tenant that differs, in a bounded pool."""

import threading

from ansible_collections.landingzone.openstack.plugins.module_utils._quota.keys import COMPUTE, NETWORK, VOLUME, flat_key
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import ApiError, pool_map


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
    pool_map(run, writes, max_workers)
