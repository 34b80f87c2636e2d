# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a project still holds before its deletion (the pre-deletion check).

Keystone does not cascade: a deleted project's servers, volumes and addresses keep running, hold
capacity and are billed to a project id nobody owns. So a project is deleted only when every
service of the platform's catalog lists nothing of it. One listing per kind with the project filter
(deletions are few per run: this costs kinds x deleted projects requests, far fewer at scale than
the all-projects listings metering pages through). A listing that fails means "unknown", and an
unknown project is not deleted either. Services the collection cannot look into (object storage,
orchestration, DNS) are named so the operator knows what was not checked.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils import _rest

# kind -> proxy, path, response key, query, project filter parameter (None: filter here by
# ``project_id``), and a test of the items that count (the project's default security group is
# Neutron's own and goes with the project).
LEFTOVER_KINDS = dict(
    servers=dict(proxy='compute', path='/servers', key='servers', query={'all_tenants': 1}, filter='project_id'),
    server_groups=dict(proxy='compute', path='/os-server-groups', key='server_groups', query={'all_projects': 'True'},
                       filter=None),
    volumes=dict(proxy='block_storage', path='/volumes', key='volumes', query={'all_tenants': 1}, filter='project_id'),
    snapshots=dict(proxy='block_storage', path='/snapshots', key='snapshots', query={'all_tenants': 1},
                   filter='project_id'),
    backups=dict(proxy='block_storage', path='/backups', key='backups', query={'all_tenants': 1}, filter='project_id'),
    networks=dict(proxy='network', path='/networks', key='networks', query={}, filter='project_id'),
    ports=dict(proxy='network', path='/ports', key='ports', query={}, filter='project_id'),
    routers=dict(proxy='network', path='/routers', key='routers', query={}, filter='project_id'),
    floating_ips=dict(proxy='network', path='/floatingips', key='floatingips', query={}, filter='project_id'),
    security_groups=dict(proxy='network', path='/security-groups', key='security_groups', query={},
                         filter='project_id', counts=lambda item: item.get('name') != 'default'),
    load_balancers=dict(proxy='load_balancer', path='/lbaas/loadbalancers', key='loadbalancers', query={},
                        filter='project_id'),
    images=dict(proxy='image', path='/images', key='images', query={'visibility': 'all', 'member_status': 'all'},
                filter='owner'),
)
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
        for proxy in sorted(set(spec['proxy'] for spec in LEFTOVER_KINDS.values())):
            if _rest.endpoint_of(conn, proxy):
                self.clients[proxy] = _rest.RestClient(getattr(conn, proxy), retries=retries)
        self.unchecked = [service for proxy, service in UNCHECKED_SERVICES if _rest.endpoint_of(conn, proxy)]

    def check(self, project_id):
        """(kind -> [items], kind -> error message): what the project still holds, and the kinds
        that could not be listed."""
        found, unknown = {}, {}
        for kind, spec in sorted(LEFTOVER_KINDS.items()):
            rest = self.clients.get(spec['proxy'])
            if rest is None:
                continue
            params = dict(spec['query'])
            if spec['filter']:
                params[spec['filter']] = project_id
            try:
                items = _rest.list_all(rest, spec['path'], spec['key'], params=params)[0]
            except (_rest.ApiError, _rest.IncompleteListing) as exc:
                unknown[kind] = str(exc)
                continue
            counts = spec.get('counts') or (lambda item: True)
            items = [i for i in items if counts(i) and (spec['filter'] or i.get('project_id') == project_id)]
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
