# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""openstack_quota driven through a playbook, and quotas as the replicator lists them."""

import copy

from helpers.playbook import run_playbook

SIZES = {
    'small': {'compute.cores': 4, 'compute.ram': 4096, 'compute.instances': 2, 'volume.gigabytes': 20,
              'volume.volumes': 3},
    'large': {'compute.cores': 32, 'compute.ram': 65536, 'compute.instances': 16, 'volume.gigabytes': 500,
              'volume.volumes': 30},
}


def zones(size='small', values=None, below=None):
    zone = {'quota': {'size': size, 'values': dict(values or {})}, 'quota_sizes': copy.deepcopy(SIZES)}
    if below:
        zone['quota_below_usage'] = below
    return {'default': zone}


def workspaces(ws, projects=('a', 'b'), overrides=None):
    overrides = overrides or {}
    entries = []
    for p in projects:
        entry = {'identifier': p}
        if p in overrides:
            entry['quota'] = overrides[p]
        entries.append(entry)
    return [{'identifier': ws, 'projects': entries}]


def play(platform, landing_zones, wss, check=False, diff=False, tenants=False, env=None, cloud='replicator',
         **options):
    tasks = []
    common = {'cloud': 'replicator', 'platform': platform, 'landing_zones': '{{ landing_zones }}',
              'workspaces': '{{ workspaces }}'}
    if tenants:
        tasks.append({'name': 'tenants', 'landingzone.openstack.keystone_tenant': dict(common)})
    quota = dict(common, cloud=cloud)
    quota.update(options)
    tasks.append({'name': 'quota', 'landingzone.openstack.openstack_quota': quota})
    return run_playbook(tasks=tasks, group_vars={'landing_zones': landing_zones, 'workspaces': wss},
                        host=platform, check=check, diff=diff, env=env)


class Cloud:
    """Quotas as the replicator lists them."""

    def __init__(self, conn):
        self.conn = conn
        self.created = []

    def project_id(self, platform, ws, proj):
        found = list(self.conn.identity.projects(tags='lz-platform=%s,lz-ws=%s,lz-proj=%s' % (platform, ws, proj)))
        assert len(found) == 1, found
        return found[0].id

    def compute(self, pid):
        return self.conn.compute.get('/os-quota-sets/%s' % pid).json()['quota_set']

    def volume(self, pid):
        return self.conn.block_storage.get('/os-quota-sets/%s' % pid).json()['quota_set']

    def network(self, pid):
        return self.conn.network.get('/quotas/%s' % pid).json()['quota']

    def has(self, service_type):
        try:
            return bool(self.conn.endpoint_for(service_type))
        except Exception:  # noqa: BLE001
            return False


def as_tenant(conn, pid):
    """A connection scoped to the tenant's project (the replicator gets member there)."""
    user = conn.current_user_id
    member = conn.identity.find_role('member')
    conn.identity.assign_project_role_to_user(pid, user, member)
    import openstack
    auth = dict(conn.config.config['auth'])
    for key in ('project_name', 'project_domain_name', 'project_domain_id'):
        auth.pop(key, None)
    auth['project_id'] = pid
    return openstack.connect(auth=auth, auth_type='password', region_name=conn.config.region_name)
