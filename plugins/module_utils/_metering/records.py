# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Metering records, pure: one table says, per resource kind, where it is listed and which
billable traits are kept; ``record(kind, item)`` turns one API item into the ledger's
observation and lifetime.

``KIND_TABLE[kind]``: ``proxy`` (openstacksdk service proxy attribute), ``service`` (service type
in reports), ``path``, ``key`` (response key), ``query`` (extra query: ``all_tenants`` where the
API wants it), ``microversion``, ``project`` (fields holding the project id, first set wins),
``created`` (creation time field) and ``fields`` (attribute -> function of the item). The
attribute values are the state of a resource: changing what a field yields starts a new state
of every resource in the ledger, so keep them stable.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.store import UNMANAGED
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import parse_owner_tags
from ansible_collections.landingzone.openstack.plugins.module_utils._time import ts

GIB = float(1024 ** 3)
NOVA_MICROVERSION = '2.47'  # the flavor embedded in the server (name, vcpus, ram, disk)


def field(name):
    return lambda item: item.get(name)


def _flavor(name, fallback=None):
    def get(item):
        flavor = item.get('flavor') or {}
        value = flavor.get(name)
        if fallback is not None:
            return value or flavor.get(fallback)
        return value
    return get


def _gib(nbytes):
    return round(nbytes / GIB, 6) if nbytes is not None else None


def _terminated(server):
    """Nova's termination time; a DELETED server without one ended at its last update."""
    terminated = ts(server.get('OS-SRV-USG:terminated_at'))
    if server.get('status') == 'DELETED' and not terminated:
        terminated = ts(server.get('updated'))
    return terminated


KIND_TABLE = {
    'servers': dict(
        proxy='compute', service='compute', path='/servers/detail', key='servers', query={'all_tenants': 1},
        microversion=NOVA_MICROVERSION, project=('tenant_id', 'project_id'), created='created',
        fields=dict(
            name=field('name'),
            flavor=_flavor('original_name', 'id'),
            vcpus=_flavor('vcpus'),
            ram_mib=_flavor('ram'),
            disk_gib=_flavor('disk'),
            ephemeral_gib=_flavor('ephemeral'),
            swap_mib=lambda s: (s.get('flavor') or {}).get('swap') or 0,
            status=field('status'),
            vm_state=field('OS-EXT-STS:vm_state'),
            launched_at=lambda s: ts(s.get('OS-SRV-USG:launched_at')),
            terminated_at=_terminated,  # left out when None (see OPTIONAL)
        )),
    'volumes': dict(
        proxy='block_storage', service='block-storage', path='/volumes/detail', key='volumes',
        query={'all_tenants': 1}, project=('os-vol-tenant-attr:tenant_id', 'project_id'), created='created_at',
        fields=dict(
            name=field('name'), size_gib=field('size'), volume_type=field('volume_type'), status=field('status'),
            availability_zone=field('availability_zone'),
            bootable=lambda v: str(v.get('bootable')).lower() == 'true',
            attached=lambda v: bool(v.get('attachments')),
        )),
    'snapshots': dict(
        proxy='block_storage', service='block-storage', path='/snapshots/detail', key='snapshots',
        query={'all_tenants': 1}, project=('os-extended-snapshot-attributes:project_id', 'project_id'),
        created='created_at',
        fields=dict(name=field('name'), size_gib=field('size'), status=field('status'),
                    volume_id=field('volume_id'))),
    'floating_ips': dict(
        proxy='network', service='network', path='/floatingips', key='floatingips', query={},
        project=('project_id', 'tenant_id'), created='created_at',
        fields=dict(address=field('floating_ip_address'), attached=lambda f: bool(f.get('port_id')),
                    status=field('status'), network_id=field('floating_network_id'), router_id=field('router_id'))),
    'routers': dict(
        proxy='network', service='network', path='/routers', key='routers', query={},
        project=('project_id', 'tenant_id'), created='created_at',
        fields=dict(name=field('name'), external_gateway=lambda r: bool(r.get('external_gateway_info')),
                    external_network_id=lambda r: (r.get('external_gateway_info') or {}).get('network_id'),
                    status=field('status'), admin_state_up=field('admin_state_up'))),
    'load_balancers': dict(
        proxy='load_balancer', service='load-balancer', path='/lbaas/loadbalancers', key='loadbalancers',
        query={}, project=('project_id', 'tenant_id'), created='created_at',
        fields=dict(name=field('name'), flavor_id=lambda lb: lb.get('flavor_id') or None,
                    provider=field('provider'), provisioning_status=field('provisioning_status'),
                    operating_status=field('operating_status'),
                    listeners=lambda lb: len(lb.get('listeners') or []),
                    pools=lambda lb: len(lb.get('pools') or []))),
    # visibility=all: community images too; member_status=all: shared ones not yet accepted
    'images': dict(
        proxy='image', service='image', path='/images', key='images',
        query={'visibility': 'all', 'member_status': 'all'}, project=('owner',), created='created_at',
        fields=dict(name=field('name'), size_bytes=field('size'), size_gib=lambda i: _gib(i.get('size')),
                    status=field('status'), visibility=field('visibility'), owner=field('owner'),
                    disk_format=field('disk_format'))),
}
# Attributes left out of a state when they have no value (not a change of state when absent).
OPTIONAL = frozenset(['terminated_at'])


def record(kind, item):
    """(observation, lifetime) of one API item of ``kind`` (see the ledger's ``record_run``)."""
    spec = KIND_TABLE[kind]
    attrs = {}
    for name, get in spec['fields'].items():
        value = get(item)
        if value is not None or name not in OPTIONAL:
            attrs[name] = value
    project = None
    for key in spec['project']:
        project = item.get(key)
        if project:
            break
    # Only Nova reports a deletion time (a DELETED server from changes-since).
    deleted = attrs.get('terminated_at') if kind == 'servers' and item.get('status') == 'DELETED' else None
    return (dict(kind=kind, resource_id=item['id'], project_id=project, attributes=attrs),
            dict(kind=kind, resource_id=item['id'], project_id=project, created_at=ts(item.get(spec['created'])),
                 deleted_at=deleted))


def project_record(project):
    """The ledger's record of one Keystone project: workspace/project from the ownership tags,
    ``unmanaged`` (and the Keystone name as project) without them."""
    owner = parse_owner_tags(project.get('tags'))
    rec = dict(project_id=project['id'], name=project.get('name'), domain_id=project.get('domain_id'),
               enabled=project.get('enabled'), tags=list(project.get('tags') or []), managed=owner is not None)
    if owner is not None and owner.get('workspace'):
        rec.update(workspace=owner['workspace'], project=owner.get('project'), landing_zone=owner.get('landing_zone'))
    else:
        rec.update(workspace=UNMANAGED, project=project.get('name'), landing_zone=None)
    return rec


def unknown_project(project_id):
    """A project id seen on resources (e.g. an image owner) but not in Keystone's listing."""
    return dict(project_id=project_id, name=None, domain_id=None, enabled=None, tags=[], managed=False,
                workspace=UNMANAGED, project=None, landing_zone=None)


def remark(kind, code, message, severity='warning'):
    return dict(kind=kind, code=code, message=message, severity=severity)
