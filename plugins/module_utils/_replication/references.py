# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""References from the inventory to the cloud that validation cannot see, checked before the
first write of a run: the Keystone roles of a landing zone's role mapping, the domain a
``domain_mode: default`` zone names, the volume types of per-type Cinder quota keys, the identity
provider, domain and protocols of a zone's ``federation``. A landing
zone with a missing reference has none of its tenants written (they fail with
``missing_reference`` and the inventory path); the other zones go on. ``References`` reads what
the check compares with, once and only when a run is about to write.
"""

import time

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.model import DEFAULT_DOMAIN_ID, State
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.quota_keys import by_service, volume_type_of

VOLUME = 'volume'


def wanted_volume_types(tenants):
    """Volume types named by per-type quota keys (``volume.gigabytes_<type>``) of ``tenants``."""
    return set(t for tenant in tenants for t in _volume_types(tenant))


def _volume_types(tenant):
    return set(filter(None, (volume_type_of(f) for f in by_service(tenant.quota).get(VOLUME, {}))))


class References:
    """The cloud's side of the references, read on demand: ``roles()`` lists the Keystone roles,
    ``volume_types()`` the volume types (None: no block storage; None itself: not read),
    ``federation_problem(federation)`` says what the platform lacks of a zone's federation (or None)."""

    def __init__(self, roles, volume_types=None, federation_problem=None):
        self._roles = roles
        self._volume_types = volume_types
        self._federation_problem = federation_problem
        self.read_seconds = 0.0

    def missing(self, tenants, domain_exists):
        """``missing`` against the cloud: the volume types are read only when a quota key names one."""
        started = time.time()
        types = self._volume_types() if self._volume_types is not None and wanted_volume_types(tenants) else None
        roles = set(r['name'] for r in self._roles() if not r.get('domain_id'))
        problems = {}
        if self._federation_problem is not None:
            for fed in set(t.federation for t in tenants if t.federation is not None and t.state == State.PRESENT):
                problems[fed] = self._federation_problem(fed)
        self.read_seconds += time.time() - started
        return missing(tenants, roles, domain_exists, types, problems)


def missing(tenants, roles, domain_exists, volume_types=None, federation_problems=None):
    """landing zone -> [(inventory path, message)] of what its tenants name and the cloud lacks.

    ``roles``: the Keystone role names; ``domain_exists(name)``; ``volume_types``: the volume
    types, or None when the platform has no block storage (its keys are then the quota step's remark);
    ``federation_problems``: a zone federation -> what the platform lacks of it, or None.
    """
    found = {}

    def add(zone, path, message):
        entry = (path, message)
        if entry not in found.setdefault(zone, []):
            found[zone].append(entry)
    for tenant in tenants:
        if tenant.state != State.PRESENT:
            continue
        zone = tenant.landing_zone
        for group in tenant.groups:
            for role in group.keystone_roles:
                if role not in roles:
                    add(zone, 'landing_zones.%s.role_mapping.%s' % (zone, group.role),
                        'Keystone role %r does not exist on platform %s' % (role, tenant.platform))
        if not tenant.domain_managed and tenant.domain_id != DEFAULT_DOMAIN_ID and not domain_exists(tenant.domain_name):
            add(zone, 'landing_zones.%s.domain_name' % zone,
                'domain %r does not exist on platform %s' % (tenant.domain_name, tenant.platform))
        problem = (federation_problems or {}).get(tenant.federation)
        if problem:
            add(zone, 'landing_zones.%s.federation' % zone, '%s on platform %s' % (problem, tenant.platform))
        if volume_types is not None:
            for vtype in sorted(_volume_types(tenant) - set(volume_types)):
                own = any(volume_type_of(k.split('.', 1)[-1]) == vtype for k in tenant.quota_overrides)
                add(zone, '%s.quota' % tenant.path if own else 'landing_zones.%s.quota' % zone,
                    'volume type %r (quota keys volume.*_%s) does not exist on platform %s'
                    % (vtype, vtype, tenant.platform))
    return found


def hold_zones(results, actions, tenants, found):
    """Fail every tenant of the zones in ``found`` and drop their writes; returns the actions kept."""
    held = dict((t.key, t.landing_zone) for t in tenants if t.landing_zone in found)
    for res in results:
        zone = held.get(res.key)
        if zone is None:
            continue
        res.unplan()
        res.after = res.before
        res.fail('missing_reference', 'landing zone %s names what platform lacks, so none of its tenants is written: %s'
                 % (zone, '; '.join('%s: %s' % entry for entry in found[zone])),
                 paths=[path for path, dummy in found[zone]])
    return [a for a in actions if a.tenant_key not in held]
