# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The metering visibility check, applying part: writes the reader must be refused.

Each probe is one harmless write with the metering (reader) account: creating a private flavor,
a volume, a router, an image, a disabled project (removed again at once if the service takes
it), or renaming another project's router, floating IP, port, server, volume or load balancer to
the name it already has (nothing changes even when the service takes it). Refused = HTTP 401,
403 or 404. A write the service takes is a finding, and what it created is deleted (with the
admin connection when there is one). Any other answer (400, 409, 5xx) proves nothing either way
and is reported as unproven.
"""

import time
import uuid

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds, _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._results import Text

REFUSED = (401, 403, 404)
CLEANUP_SECONDS = 60


class WriteOutcome(Text):
    """What became of one probe write."""

    REFUSED = 'refused'     # as it must be (401/403/404)
    ALLOWED = 'allowed'     # taken: the reader can write
    UNPROVEN = 'unproven'   # another error: neither refused nor taken
    SKIPPED = 'skipped'     # the service is not in the catalog


def _name():
    return 'lz-metering-check-%s' % uuid.uuid4().hex[:8]


def _other(items, project_key, own_project):
    """The first item that belongs to another project than the reader's."""
    for item in items or []:
        if item.get(project_key) and item.get(project_key) != own_project:
            return item
    return None


def probes(targets, own_project):
    """The probes: (service proxy, what, method, path, body, key of the created resource or None).

    ``targets``: per kind the admin's listing (the registry's kinds with a ``rename`` probe), from which
    one resource of another project is renamed to the value its attribute already has (project field:
    the kind's first).
    """
    name = _name()
    out = [
        ('compute', 'create a flavor', 'POST', '/flavors',
         {'flavor': {'name': name, 'ram': 64, 'vcpus': 1, 'disk': 0, 'os-flavor-access:is_public': False}}, 'flavor'),
        ('block_storage', 'create a volume', 'POST', '/volumes', {'volume': {'size': 1, 'name': name}}, 'volume'),
        ('network', 'create a router', 'POST', '/routers', {'router': {'name': name}}, 'router'),
        ('image', 'create an image', 'POST', '/images',
         {'name': name, 'disk_format': 'raw', 'container_format': 'bare', 'visibility': 'private'}, None),
        ('identity', 'create a project', 'POST', '/projects',
         {'project': {'name': name, 'domain_id': 'default', 'enabled': False}}, 'project'),
    ]
    renamed = sorted((k for k in _kinds.kinds() if k.rename is not None), key=lambda k: k.rename.order)
    for spec in renamed:
        rename = spec.rename
        item = _other(targets.get(spec.name), spec.project[0], own_project)
        if item is None or (rename.ready is not None and not rename.ready(item)):
            continue
        what = 'rename another project\'s %s (%s) to its own %s' % (spec.name[:-1].replace('_', ' '), item['id'],
                                                                    rename.attr)
        body = {rename.key: {rename.attr: item.get(rename.attr) or ''}}
        out.append((spec.proxy, what, 'PUT', rename.path % item['id'], body, None))
    return out


def _created_path(path, body, key):
    item = (body or {}).get(key) if key else body
    if not isinstance(item, dict) or not item.get('id'):
        return None
    return '%s/%s' % (path, item['id'])


def _delete(rest, path):
    deadline = time.time() + CLEANUP_SECONDS
    while True:
        try:
            rest.request('DELETE', path, ok=(200, 202, 204), missing_ok=True)
            return None
        except _rest.ApiError as exc:
            # a volume is deleted once it left `creating`
            if exc.status not in (400, 409) or time.time() > deadline:
                return str(exc)
        time.sleep(1)


def run_probes(reader, admin, targets, retries=0):
    """Try every probe with ``reader``; returns [result] with ``outcome`` refused, allowed or unproven."""
    own = reader.current_project_id
    results = []
    for proxy, what, method, path, body, key in probes(targets, own):
        result = dict(service=proxy, probe=what, request='%s %s' % (method, path))
        try:
            adapter = getattr(reader, proxy)
            rest = _rest.RestClient(adapter, retries=retries)
            answer = rest.request(method, path, json=body, ok=(200, 201, 202, 204))
        except _rest.ApiError as exc:
            result['status'] = exc.status
            result['outcome'] = WriteOutcome.REFUSED if exc.status in REFUSED else WriteOutcome.UNPROVEN
            if result['outcome'] == WriteOutcome.UNPROVEN:
                result['message'] = str(exc)
        except _rest.MISSING_SERVICE_ERRORS as exc:
            result.update(outcome=WriteOutcome.SKIPPED, message='service not in the catalog: %s' % exc)
        else:
            result.update(outcome=WriteOutcome.ALLOWED, status=200)
            created = _created_path(path, answer, key) if method == 'POST' else None
            if created:
                cleaner = _rest.RestClient(getattr(admin or reader, proxy), retries=retries)
                error = _delete(cleaner, created)
                result['cleanup'] = 'deleted %s' % created if error is None else 'NOT deleted %s: %s' % (created, error)
        results.append(result)
    return results
