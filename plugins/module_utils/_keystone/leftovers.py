# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a project still holds before its deletion (the pre-deletion check).

Keystone does not cascade: a deleted project's servers, volumes and addresses keep running, hold
capacity and are billed to a project id nobody owns. So a project is deleted only when every
service of the platform's catalog lists nothing of it. One listing per kind with the project filter
(deletions are few per run: this costs kinds x deleted projects requests, far fewer at scale than
the all-projects listings metering pages through). A listing that fails means "unknown", and an
unknown project is not deleted either. What is listed per kind is the registry's ``leftover``
listing (``_kinds``). Services the collection cannot look into (object storage,
orchestration, DNS) are named so the operator knows what was not checked.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds, _rest

# Catalog services that can hold a project's resources but that this check does not list.
UNCHECKED_SERVICES = (('object_store', 'object-store'), ('orchestration', 'orchestration'), ('dns', 'dns'))
SHOWN = 3


def label(item):
    """What a leftover is called in a remark: its name (or address) and id."""
    name = item.get('name') or item.get('floating_ip_address') or ''
    return '%s (%s)' % (name, item['id']) if name else item['id']


class Checker:
    """The catalog's services, looked up once per run; ``check(project_id)`` per deleted project."""

    def __init__(self, conn, retries=4):
        self.clients = {}
        for proxy in sorted(set(spec.proxy for spec in _kinds.leftover_kinds().values())):
            if _rest.endpoint_of(conn, proxy):
                self.clients[proxy] = _rest.RestClient(getattr(conn, proxy), retries=retries)
        self.unchecked = [service for proxy, service in UNCHECKED_SERVICES if _rest.endpoint_of(conn, proxy)]

    def check(self, project_id):
        """(kind -> [items], kind -> error message): what the project still holds, and the kinds
        that could not be listed."""
        found, unknown = {}, {}
        for kind, spec in sorted(_kinds.leftover_kinds().items()):
            rest = self.clients.get(spec.proxy)
            if rest is None:
                continue
            listing = spec.leftover
            params = dict(listing.query)
            if listing.project_filter:
                params[listing.project_filter] = project_id
            try:
                items = _rest.list_all(rest, listing.path, listing.key, params=params)[0]
            except (_rest.ApiError, _rest.IncompleteListing) as exc:
                unknown[kind] = str(exc)
                continue
            counts = listing.counts or (lambda item: True)
            items = [i for i in items if counts(i) and (listing.project_filter or i.get('project_id') == project_id)]
            if items:
                found[kind] = items
        return found, unknown


def describe(found):
    """``2 volumes: v1 (id), v2 (id); 1 floating_ips: 203.0.113.7 (id)`` and the counts per kind."""
    counts = dict((kind, len(items)) for kind, items in sorted(found.items()))
    text = '; '.join('%d %s: %s%s' % (len(items), kind, ', '.join(label(i) for i in items[:SHOWN]),
                                      ', ...' if len(items) > SHOWN else '')
                     for kind, items in sorted(found.items()))
    return text, counts
