# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry of OpenStack resource kinds and their meters: one ``Kind`` per kind, one ``Meter``
per meter; every other place reads them from here (docs/architecture.md, "Resource kinds").

Pure and standard library only. A kind is metered when it has ledger ``fields``, checked before
a project's deletion when it has a ``leftover`` listing, priced when a meter names it. The
attribute functions are the state of a resource in the ledger: changing what one yields starts a
new state of every resource, so keep them stable.
"""

import decimal
from dataclasses import dataclass, field as _field
from typing import Callable, Optional

from ansible_collections.landingzone.openstack.plugins.module_utils._time import ts

D = decimal.Decimal
GIB = float(1024 ** 3)
GIB_BYTES = D(1024 ** 3)
NOVA_MICROVERSION = '2.47'  # the flavor embedded in the server (name, vcpus, ram, disk)
# A meter's part in pricing a state: the ``PRIMARY`` meter of a kind (a price for the state's
# selector first, else one without), else its ``COMPONENT`` meters together (servers: vCPU and RAM).
PRIMARY = 'primary'
COMPONENT = 'component'
# What a meter's quantity equals in openstack_usage_info: the kind's ``hours`` or its ``quantity_hours``.
HOURS = 'hours'
QUANTITY = 'quantity'


@dataclass(frozen=True)
class Listing:
    """One GET of a kind's resources: ``path``, the response ``key`` and the ``query``. In the
    pre-deletion check, ``project_filter`` is the project filter parameter (None: filtered here by
    ``project_id``) and ``counts`` the test of the items that count (None: every item)."""
    path: str
    key: str
    query: dict = _field(default_factory=dict)
    project_filter: Optional[str] = 'project_id'
    counts: Optional[Callable] = None


@dataclass(frozen=True)
class Rename:
    """The visibility check's harmless write on another project's resource: ``attr`` set to the
    value it has (``path`` with the id, body ``key``); ``order`` among the probes; ``ready``:
    whether the resource can take the write at all (None: always)."""
    order: int
    path: str
    key: str
    attr: str
    ready: Optional[Callable] = None


@dataclass(frozen=True)
class Kind:
    """One resource kind. ``proxy``: openstacksdk's service proxy; ``service``: its service type
    in reports; ``display``: what a line item calls it (FOCUS ResourceType); ``listing``: the
    metering listing over all projects (``microversion``, ``changes_since``: deleted resources
    listed again since the last complete listing); ``project``: fields holding the project id
    (first set wins); ``created``: the creation time field; ``fields``: ledger attribute ->
    function of the API item (None: not metered); ``optional``: attributes left out when None;
    ``deleted``: the API's deletion time of an item (None: the API gives none); ``leftover``:
    the pre-deletion check's listing; ``sdk_class``: openstacksdk's resource class (purge);
    ``rename``: the visibility probe; ``label_attr``: the attribute naming a resource without a
    name; ``billed_by_status``: only the catalog's billed statuses are billed; ``usage_unit``:
    the unit of its quantity-hours."""
    name: str
    proxy: str
    service: Optional[str] = None
    display: Optional[str] = None
    listing: Optional[Listing] = None
    microversion: Optional[str] = None
    changes_since: bool = False
    project: tuple = ('project_id',)
    created: str = 'created_at'
    fields: Optional[dict] = None
    optional: frozenset = frozenset()
    deleted: Optional[Callable] = None
    leftover: Optional[Listing] = None
    sdk_class: Optional[str] = None
    rename: Optional[Rename] = None
    label_attr: Optional[str] = None
    billed_by_status: bool = False
    usage_unit: Optional[str] = None
    reader_policy: Optional[str] = None

    @property
    def metered(self):
        return self.fields is not None


def number(value):
    """A number from the ledger (int, float, str) -> Decimal via its text; None -> 0."""
    if value is None or isinstance(value, bool):
        return D(0)
    return D(str(value))


def one(attributes):  # pylint: disable=unused-argument
    return D(1)


def attribute(name, divisor=1):
    """The quantity ``attributes[name] / divisor`` as an exact Decimal."""
    if divisor == 1:
        return lambda attributes: number((attributes or {}).get(name))
    return lambda attributes: number((attributes or {}).get(name)) / D(divisor)


def image_gib(attributes):
    """An image's size in GiB from its exact byte count (the ledger's ``size_gib`` of an image is a
    float rounded to 6 places, so a tiny image would bill 0)."""
    a = attributes or {}
    if a.get('size_bytes') is not None:
        return number(a['size_bytes']) / GIB_BYTES
    return number(a.get('size_gib'))


@dataclass(frozen=True)
class Meter:
    """One meter. ``kind`` (None: per project), catalog ``unit``, ``description``; ``selector``: the
    price key that picks a variant and ``selector_attr`` the state attribute holding its value;
    ``quantity``: function of a state's attributes; ``role`` (PRIMARY or COMPONENT); ``usage``:
    HOURS or QUANTITY when usage hours equal its quantity; FOCUS ``service``, ``category`` and
    ``subcategory`` (one subcategory per ServiceName, as FOCUS 1.2 asks)."""
    name: str
    kind: Optional[str]
    unit: str
    description: str
    service: str
    category: str
    subcategory: str
    selector: Optional[str] = None
    selector_attr: Optional[str] = None
    quantity: Callable = one
    role: str = PRIMARY
    usage: Optional[str] = None


# ------------------------------------------------------------------------------ attribute functions

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


def _server_deleted(server):
    # only Nova reports a deletion time (a DELETED server from changes-since)
    return _terminated(server) if server.get('status') == 'DELETED' else None


ALL_TENANTS = {'all_tenants': 1}
# visibility=all: community images too; member_status=all: shared ones not yet accepted
ALL_IMAGES = {'visibility': 'all', 'member_status': 'all'}
# the read rules docs/metering.md widens for the metering reader, per service
CINDER_POLICY = 'Cinder `context_is_admin` (with `admin_api` pinned to `role:admin`)'
NEUTRON_POLICY = ('Neutron `context_with_global_access` and `%s` (2023.2: `context_is_advsvc`, generated as '
                  'docs/metering.md shows)')

_BUILTIN_KINDS = (
    Kind('servers', 'compute', 'compute', 'Server',
         Listing('/servers/detail', 'servers', ALL_TENANTS), NOVA_MICROVERSION, changes_since=True,
         project=('tenant_id', 'project_id'), created='created',
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
             terminated_at=_terminated,  # left out when None (optional)
         ), optional=frozenset(['terminated_at']), deleted=_server_deleted,
         leftover=Listing('/servers', 'servers', ALL_TENANTS), sdk_class='Server',
         rename=Rename(4, '/servers/%s', 'server', 'name'), billed_by_status=True, usage_unit='vcpu',
         reader_policy='Nova `os_compute_api:servers:detail:get_all_tenants`'),
    Kind('volumes', 'block_storage', 'block-storage', 'Volume',
         Listing('/volumes/detail', 'volumes', ALL_TENANTS),
         project=('os-vol-tenant-attr:tenant_id', 'project_id'),
         fields=dict(
             name=field('name'), size_gib=field('size'), volume_type=field('volume_type'), status=field('status'),
             availability_zone=field('availability_zone'),
             bootable=lambda v: str(v.get('bootable')).lower() == 'true',
             attached=lambda v: bool(v.get('attachments')),
         ), leftover=Listing('/volumes', 'volumes', ALL_TENANTS), sdk_class='Volume',
         rename=Rename(5, '/volumes/%s', 'volume', 'name'), usage_unit='GiB', reader_policy=CINDER_POLICY),
    Kind('snapshots', 'block_storage', 'block-storage', 'Volume Snapshot',
         Listing('/snapshots/detail', 'snapshots', ALL_TENANTS),
         project=('os-extended-snapshot-attributes:project_id', 'project_id'),
         fields=dict(name=field('name'), size_gib=field('size'), status=field('status'),
                     volume_id=field('volume_id')),
         leftover=Listing('/snapshots', 'snapshots', ALL_TENANTS), sdk_class='Snapshot', usage_unit='GiB',
         reader_policy=CINDER_POLICY),
    Kind('floating_ips', 'network', 'network', 'Floating IP', Listing('/floatingips', 'floatingips'),
         project=('project_id', 'tenant_id'),
         fields=dict(address=field('floating_ip_address'), attached=lambda f: bool(f.get('port_id')),
                     status=field('status'), network_id=field('floating_network_id'), router_id=field('router_id')),
         leftover=Listing('/floatingips', 'floatingips'), sdk_class='FloatingIP',
         rename=Rename(2, '/floatingips/%s', 'floatingip', 'description'), label_attr='address', usage_unit='ip',
         reader_policy=NEUTRON_POLICY % 'get_floatingip'),
    Kind('routers', 'network', 'network', 'Router', Listing('/routers', 'routers'),
         project=('project_id', 'tenant_id'),
         fields=dict(name=field('name'), external_gateway=lambda r: bool(r.get('external_gateway_info')),
                     external_network_id=lambda r: (r.get('external_gateway_info') or {}).get('network_id'),
                     status=field('status'), admin_state_up=field('admin_state_up')),
         leftover=Listing('/routers', 'routers'), sdk_class='Router',
         rename=Rename(1, '/routers/%s', 'router', 'name'), usage_unit='router',
         reader_policy=NEUTRON_POLICY % 'get_router'),
    Kind('load_balancers', 'load_balancer', 'load-balancer', 'Load Balancer',
         Listing('/lbaas/loadbalancers', 'loadbalancers'), project=('project_id', 'tenant_id'),
         fields=dict(name=field('name'), flavor_id=lambda lb: lb.get('flavor_id') or None,
                     provider=field('provider'), provisioning_status=field('provisioning_status'),
                     operating_status=field('operating_status'),
                     listeners=lambda lb: len(lb.get('listeners') or []),
                     pools=lambda lb: len(lb.get('pools') or [])),
         leftover=Listing('/lbaas/loadbalancers', 'loadbalancers'), sdk_class='LoadBalancer',
         # Octavia answers 409 for a load balancer that is not ACTIVE: proves nothing
         rename=Rename(6, '/lbaas/loadbalancers/%s', 'loadbalancer', 'name',
                       ready=lambda lb: lb.get('provisioning_status') == 'ACTIVE'),
         usage_unit='load balancer', reader_policy='Octavia `load-balancer:global_observer`'),
    Kind('images', 'image', 'image', 'Image', Listing('/images', 'images', ALL_IMAGES), project=('owner',),
         fields=dict(name=field('name'), size_bytes=field('size'), size_gib=lambda i: _gib(i.get('size')),
                     status=field('status'), visibility=field('visibility'), owner=field('owner'),
                     disk_format=field('disk_format')),
         leftover=Listing('/images', 'images', ALL_IMAGES, project_filter='owner'), sdk_class='Image', usage_unit='GiB',
         reader_policy='Glance `context_is_admin` (every default rule that references it rewritten to `role:admin`, '
                       'except `get_images` and `get_image`)'),
    # not metered: checked before a project's deletion, or only named by the purge
    Kind('server_groups', 'compute', leftover=Listing('/os-server-groups', 'server_groups',
                                                      {'all_projects': 'True'}, project_filter=None),
         sdk_class='ServerGroup'),
    Kind('backups', 'block_storage', leftover=Listing('/backups', 'backups', ALL_TENANTS), sdk_class='Backup'),
    Kind('networks', 'network', leftover=Listing('/networks', 'networks'), sdk_class='Network'),
    Kind('subnets', 'network', sdk_class='Subnet'),
    Kind('ports', 'network', leftover=Listing('/ports', 'ports'), sdk_class='Port',
         rename=Rename(3, '/ports/%s', 'port', 'name')),
    # the project's default security group is Neutron's own and goes with the project
    Kind('security_groups', 'network', leftover=Listing('/security-groups', 'security_groups',
                                                        counts=lambda item: item.get('name') != 'default'),
         sdk_class='SecurityGroup'),
    Kind('stacks', 'orchestration', sdk_class='Stack'),
    Kind('dns_zones', 'dns', sdk_class='Zone'),
    Kind('containers', 'object_store', sdk_class='Container'),
    Kind('secrets', 'key_manager', sdk_class='Secret'),
)

_BUILTIN_METERS = (
    Meter('server_hours', 'servers', 'hour', 'server hours', 'Compute', 'Compute', 'Virtual Machines',
          selector='flavor', selector_attr='flavor', usage=HOURS),
    Meter('server_vcpu_hours', 'servers', 'vCPU-hour', 'vCPU hours', 'Compute', 'Compute', 'Virtual Machines',
          quantity=attribute('vcpus'), role=COMPONENT, usage=QUANTITY),
    Meter('server_ram_gib_hours', 'servers', 'GiB-hour', 'RAM GiB hours', 'Compute', 'Compute', 'Virtual Machines',
          quantity=attribute('ram_mib', 1024), role=COMPONENT),
    Meter('volume_gib_hours', 'volumes', 'GiB-hour', 'volume GiB hours', 'Block Storage', 'Storage',
          'Block Storage', selector='volume_type', selector_attr='volume_type', quantity=attribute('size_gib'),
          usage=QUANTITY),
    Meter('snapshot_gib_hours', 'snapshots', 'GiB-hour', 'snapshot GiB hours', 'Block Storage', 'Storage',
          'Block Storage', quantity=attribute('size_gib'), usage=QUANTITY),
    Meter('floating_ip_hours', 'floating_ips', 'hour', 'floating IP hours', 'Networking', 'Networking',
          'Network Infrastructure', usage=HOURS),
    Meter('router_hours', 'routers', 'hour', 'router hours', 'Networking', 'Networking', 'Network Infrastructure',
          usage=HOURS),
    Meter('load_balancer_hours', 'load_balancers', 'hour', 'load balancer hours', 'Load Balancing', 'Networking',
          'Application Networking', selector='flavor', selector_attr='flavor_id', usage=HOURS),
    Meter('image_gib_hours', 'images', 'GiB-hour', 'image GiB hours', 'Image', 'Storage', 'Other (Storage)',
          quantity=image_gib, usage=QUANTITY),
    Meter('project_monthly_fee', None, 'month', 'project monthly fee', 'Landing Zone', 'Management and Governance',
          'Other (Management and Governance)'),
)

# name -> record, in registration order (the ledger's kinds, the catalog's meters are listed in it)
_KINDS = dict((k.name, k) for k in _BUILTIN_KINDS)
_METERS = dict((m.name, m) for m in _BUILTIN_METERS)
_METERS_OF = {}  # kind -> its meters: rating asks once per state


# ------------------------------------------------------------------------------ reading

def kind(name):
    """The Kind called ``name``; KeyError when there is none."""
    return _KINDS[name]


def find(name):
    """The Kind called ``name``, or None."""
    return _KINDS.get(name)


def kinds():
    """Every Kind, in registration order."""
    return tuple(_KINDS.values())


def metered():
    """The names of the metered kinds (the ledger's kinds), in registration order."""
    return tuple(k.name for k in _KINDS.values() if k.metered)


def leftover_kinds():
    """{name: Kind} of the kinds the pre-deletion check lists."""
    return dict((k.name, k) for k in _KINDS.values() if k.leftover is not None)


def by_sdk_class():
    """{openstacksdk resource class name: kind name} (purge)."""
    return dict((k.sdk_class, k.name) for k in _KINDS.values() if k.sdk_class)


def meter(name):
    """The Meter called ``name``; KeyError when there is none."""
    return _METERS[name]


def meters():
    """Every Meter, in registration order."""
    return tuple(_METERS.values())


def meters_of(kind_name):
    """The meters of one kind, in registration order."""
    found = _METERS_OF.get(kind_name)
    if found is None:
        found = _METERS_OF[kind_name] = tuple(m for m in _METERS.values() if m.kind == kind_name)
    return found


def primary_meter(kind_name):
    """The kind's PRIMARY meter, or None."""
    for m in meters_of(kind_name):
        if m.role == PRIMARY:
            return m
    return None


def usage_meters(usage):
    """{kind: meter name} of the meters whose quantity a kind's usage ``usage`` (HOURS, QUANTITY) equals."""
    return dict((m.kind, m.name) for m in _METERS.values() if m.usage == usage)


# ------------------------------------------------------------------------------ registering

def register(new_kind, *new_meters):
    """Add a kind and its meters (a test's fake kind; later: a plugin's). Names must be new."""
    if new_kind.name in _KINDS or any(m.name in _METERS for m in new_meters):
        raise ValueError('already registered: %s' % new_kind.name)
    _KINDS[new_kind.name] = new_kind
    for m in new_meters:
        _METERS[m.name] = m
    _METERS_OF.clear()


def unregister(name):
    """Remove a registered kind and its meters."""
    _KINDS.pop(name, None)
    for m in meters_of(name):
        _METERS.pop(m.name, None)
    _METERS_OF.clear()
