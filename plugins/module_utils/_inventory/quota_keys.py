# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The quota key namespace: one flat key space over Nova, Glance, Cinder, Neutron and Octavia, pure.

``compute.cores``, ``volume.gigabytes_<type>``, ``network.router``,
``load_balancer.load_balancers``, ...: ``split_key`` maps a key onto its service and the field of
that service's quota API, ``key_problems`` checks an inventory mapping of them. ``UNIFIED_LIMITS``
maps the same fields onto Keystone unified-limit resources, so an inventory stays the same when a
platform moves Nova to unified limits. Standard library
only: the inventory validation uses it before any request. See docs/quotas.md.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils._issues import ValidationIssue

COMPUTE = 'compute'
IMAGE = 'image'
VOLUME = 'volume'
NETWORK = 'network'
LOAD_BALANCER = 'load_balancer'
SERVICES = (COMPUTE, IMAGE, VOLUME, NETWORK, LOAD_BALANCER)

# Quota backends: a service's own quota API, or Keystone unified limits (oslo.limit), or found out.
LEGACY = 'legacy'
UNIFIED_LIMITS = 'unified_limits'
AUTO = 'auto'
BACKENDS = (AUTO, LEGACY, UNIFIED_LIMITS)
# Services that can enforce Keystone limits, with the catalog type their registered limits name.
LIMIT_SERVICES = {COMPUTE: 'compute', IMAGE: 'image'}
# Services that have no quota API of their own: their quotas are Keystone limits or nothing.
LIMITS_ONLY = frozenset([IMAGE])

# service -> {our key suffix: field of the service's quota API}
KEYS = {
    COMPUTE: dict((k, k) for k in (
        'instances', 'cores', 'ram', 'key_pairs', 'server_groups', 'server_group_members',
        'metadata_items')),
    IMAGE: dict((k, 'image_' + k) for k in ('size_total', 'stage_total', 'count_total', 'count_uploading')),
    VOLUME: dict((k, k) for k in (
        'volumes', 'gigabytes', 'snapshots', 'backups', 'backup_gigabytes', 'per_volume_gigabytes',
        'groups')),
    NETWORK: dict((k, k) for k in (
        'network', 'subnet', 'subnetpool', 'port', 'router', 'floatingip', 'security_group',
        'security_group_rule', 'rbac_policy')),
    LOAD_BALANCER: {
        'load_balancers': 'load_balancer', 'listeners': 'listener', 'pools': 'pool',
        'members': 'member', 'health_monitors': 'health_monitor', 'l7policies': 'l7policy',
        'l7rules': 'l7rule',
    },
}
# service -> {API field: Keystone limit resource name} (Nova's UnifiedLimitsDriver, Glance's
# use_keystone_limits). Sizes keep their units: MiB for compute.ram and the image sizes.
UNIFIED_LIMIT_RESOURCES = {
    COMPUTE: {'instances': 'servers', 'cores': 'class:VCPU', 'ram': 'class:MEMORY_MB',
              'key_pairs': 'server_key_pairs', 'server_groups': 'server_groups',
              'server_group_members': 'server_group_members', 'metadata_items': 'server_metadata_items'},
    IMAGE: dict((f, f) for f in ('image_size_total', 'image_stage_total', 'image_count_total',
                                 'image_count_uploading')),
}
# What Nova's quota API (os-quota-sets) shows of a project limit under its UnifiedLimitsDriver: the
# placement resources only; for the other keys it shows the registered default whatever the
# project limit (nova/quota.py UnifiedLimitsDriver.get_project_quotas), though it enforces the
# project limit. Only these can be read back there.
READ_BACK_UNDER_UNIFIED_LIMITS = {COMPUTE: frozenset(['instances', 'cores', 'ram'])}
# Cinder keeps these three per volume type: volume.gigabytes_<type> -> gigabytes_<type>.
VOLUME_TYPE_PREFIXES = ('gigabytes_', 'volumes_', 'snapshots_')

# What the platform's service catalog calls them (openstacksdk proxy attribute, catalog type).
SERVICE_PROXIES = {COMPUTE: 'compute', IMAGE: 'image', VOLUME: 'block_storage', NETWORK: 'network',
                   LOAD_BALANCER: 'load_balancer'}

# Cinder answers 400 to any limit below in_use + reserved (no force flag): always a remark there.
CANNOT_FORCE_BELOW_USAGE = frozenset([VOLUME])
UNLIMITED = -1


def split_key(key):
    """``'compute.cores'`` -> ``('compute', 'cores')`` (the service and its API field), else None."""
    if not isinstance(key, str) or '.' not in key:
        return None
    service, rest = key.split('.', 1)
    fields = KEYS.get(service)
    if fields is None:
        return None
    if rest in fields:
        return service, fields[rest]
    if service == VOLUME:
        for prefix in VOLUME_TYPE_PREFIXES:
            if rest.startswith(prefix) and len(rest) > len(prefix):
                return service, rest
    return None


def field_of_resource(service, resource):
    """The API field of a Keystone limit resource of ``service`` (inverse of the mapping), else None."""
    for field, name in UNIFIED_LIMIT_RESOURCES.get(service, {}).items():
        if name == resource:
            return field
    return None


def volume_type_of(field):
    """The volume type of a per-type Cinder field (``gigabytes_ssd`` -> ``ssd``), else None."""
    if field in KEYS[VOLUME]:
        return None
    for prefix in VOLUME_TYPE_PREFIXES:
        if field.startswith(prefix):
            return field[len(prefix):]
    return None


def key_problems(values, path):
    """ValidationIssues of one mapping of quota key -> value (unknown key, not -1 or more)."""
    problems = []
    if not isinstance(values, dict):
        return problems  # the inventory validation reports the type
    for key, value in values.items():
        kpath = '%s.%s' % (path, key) if path else str(key)
        if split_key(key) is None:
            problems.append(ValidationIssue(kpath, 'unknown quota key %r; keys are <service>.<name> with '
                                                   'service one of %s (see docs/quotas.md), per volume '
                                                   'type volume.gigabytes_<type>, volume.volumes_<type>, '
                                                   'volume.snapshots_<type>' % (key, ', '.join(SERVICES))))
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(ValidationIssue(kpath, 'quota must be an integer (-1 for unlimited), got %r'
                                            % (value,)))
        elif value < UNLIMITED:
            problems.append(ValidationIssue(kpath, 'quota %d is negative; only -1 (unlimited) is allowed'
                                            % value))
    return problems


def quota_mappings(inventory):
    """(path, mapping) of every quota mapping of ``inventory``: the landing zones' ``quota.values`` and
    ``quota_sizes``, the projects' ``quota`` (mappings only: the validation reports other types)."""
    zones = inventory.get('landing_zones') or {}
    if isinstance(zones, dict):
        for name, zone in zones.items():
            if not isinstance(zone, dict):
                continue
            zpath = 'landing_zones.%s' % name
            quota = zone.get('quota')
            if isinstance(quota, dict) and isinstance(quota.get('values'), dict):
                yield zpath + '.quota.values', quota['values']
            sizes = zone.get('quota_sizes')
            if isinstance(sizes, dict):
                for size, values in sizes.items():
                    if isinstance(values, dict):
                        yield '%s.quota_sizes.%s' % (zpath, size), values
    workspaces = inventory.get('workspaces') or []
    if isinstance(workspaces, list):
        for wi, workspace in enumerate(workspaces):
            projects = workspace.get('projects') if isinstance(workspace, dict) else None
            if not isinstance(projects, list):
                continue
            for pi, project in enumerate(projects):
                if isinstance(project, dict) and isinstance(project.get('quota'), dict):
                    yield 'workspaces[%d].projects[%d].quota' % (wi, pi), project['quota']


def validate_quotas(inventory):
    """Every quota key/value problem of ``inventory``, with its path (no request is made)."""
    problems = []
    for path, values in quota_mappings(inventory):
        problems.extend(key_problems(values, path))
    return problems


def by_service(quota):
    """Flat quota -> {service: {api field: value}}."""
    result = {}
    for key, value in quota.items():
        service, field = split_key(key)
        result.setdefault(service, {})[field] = value
    return result


def flat_key(service, field):
    """The namespace key of a service's API field (inverse of split_key)."""
    for ours, api in KEYS[service].items():
        if api == field:
            return '%s.%s' % (service, ours)
    return '%s.%s' % (service, field)
