# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory model: landing zones, and the tenant every planner works from.

A ``Tenant`` is the desired state of one project on one platform, and it is the only description
of it: the Keystone planner (project, domain, groups, deletion lifecycle), the quota planner
(quota and the below-usage policy) and the reports all read the same object. ``validate``
builds them; nothing else does.
"""

import dataclasses
import functools
from typing import List, Optional

from ansible_collections.landingzone.openstack.plugins.module_utils import _ownership
from ansible_collections.landingzone.openstack.plugins.module_utils._results import Text


class DomainMode(Text):
    """Where a landing zone's projects live: one named domain, or a domain per workspace."""

    DEFAULT = 'default'
    PER_WORKSPACE = 'per_workspace'


class State(Text):
    """A project's state in the inventory."""

    PRESENT = 'present'
    DELETED = 'deleted'


class QuotaBelowUsage(Text):
    """What the quota planner does with a decrease below current usage (docs/quotas.md)."""

    REMARK = 'remark'
    APPLY = 'apply'


class ForeignTags(Text):
    """What happens to project tags the inventory does not own (docs/inventory.md, "Tags")."""

    KEEP = 'keep'
    REMOVE = 'remove'


class DeletionResources(Text):
    """What happens to a project due for deletion that still holds resources (docs/replication.md,
    "Lifecycle of a deleted project"): kept disabled until it is empty, or purged first."""

    BLOCK = 'block'
    PURGE = 'purge'


# cached: the validation asks for the same few enums once per project (tens of thousands of times)
@functools.lru_cache(maxsize=None)
def choices_of(choices):
    """The texts of a str-enum's members, in order (what the inventory may say)."""
    return tuple(member.value for member in choices)


def _plain(value):
    return value.value if isinstance(value, Text) else value


PROJECT_ROLES = ('reader', 'user', 'admin')
DEFAULT_ROLE_MAPPING = {'reader': ['reader'], 'user': ['member'], 'admin': ['member', 'manager']}
DOMAIN_MODES = choices_of(DomainMode)
STATES = choices_of(State)
DEFAULT_DOMAIN_NAME = 'Default'
DEFAULT_DOMAIN_ID = 'default'
QUOTA_BELOW_USAGE = choices_of(QuotaBelowUsage)
DEFAULT_QUOTA_BELOW_USAGE = QuotaBelowUsage.REMARK
FOREIGN_TAGS = choices_of(ForeignTags)
DEFAULT_FOREIGN_TAGS = ForeignTags.KEEP
DELETION_RESOURCES = choices_of(DeletionResources)
DEFAULT_DELETION_RESOURCES = DeletionResources.BLOCK
DEFAULT_EXPIRY_NOTICE_DAYS = 14


@dataclasses.dataclass(frozen=True)
class Federation:
    """A landing zone's identity provider (docs/federation.md): users bound before their first
    login are created as its shadow users, in its ``domain``, one entry per protocol."""

    identity_provider: str
    domain: str
    protocols: tuple
    exempt_from_inactivity: bool = True
    remove_unbound_users: bool = False

    def __post_init__(self):
        object.__setattr__(self, 'protocols', tuple(self.protocols))

    def to_dict(self):
        return {'identity_provider': self.identity_provider, 'domain': self.domain,
                'protocols': list(self.protocols), 'exempt_from_inactivity': self.exempt_from_inactivity,
                'remove_unbound_users': self.remove_unbound_users}


@dataclasses.dataclass(frozen=True, eq=False)
class LandingZone:
    """A validated landing zone with defaults filled in (docs/inventory.md, "Landing zones")."""

    name: str
    domain_mode: DomainMode
    domain_name: Optional[str]
    role_mapping: dict
    patterns: dict
    euid_pattern: str
    delete_projects: bool
    extra_tags: dict
    quota_size: Optional[str]
    quota_values: dict
    quota_sizes: dict
    quota_below_usage: QuotaBelowUsage = DEFAULT_QUOTA_BELOW_USAGE
    foreign_tags: ForeignTags = DEFAULT_FOREIGN_TAGS
    protect_projects: bool = False
    deletion_resources: DeletionResources = DEFAULT_DELETION_RESOURCES
    federation: Optional[Federation] = None
    max_binding_days: Optional[int] = None
    require_expiry: tuple = ()
    expiry_notice_days: int = DEFAULT_EXPIRY_NOTICE_DAYS


@dataclasses.dataclass(frozen=True)
class Binding:
    """One binding of a project: an euid in a project role, until ``expires`` (aware UTC datetime) if set."""

    euid: str
    role: str
    expires: Optional[object] = None
    path: str = ''

    def expired(self, now):
        return self.expires is not None and now >= self.expires


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Group:
    """A managed Keystone group of one tenant: one per project role. ``members`` are the euids of
    the bindings in force; ``expired`` and ``expiring`` (within the zone's notice window) hold
    (euid, expiry date text) of the others."""

    role: str
    name: str
    keystone_roles: List[str]
    euids: List[str]
    members: List[str]
    expired: tuple = ()
    expiring: tuple = ()

    def __post_init__(self):
        # written out field by field: the validation makes three groups per tenant (30,000 at 10,000 tenants)
        set_field = object.__setattr__
        set_field(self, 'keystone_roles', list(self.keystone_roles))
        set_field(self, 'euids', list(self.euids))
        set_field(self, 'members', list(self.members))
        set_field(self, 'expired', tuple(map(tuple, self.expired)))
        set_field(self, 'expiring', tuple(map(tuple, self.expiring)))

    def to_dict(self):
        return {'role': self.role, 'name': self.name, 'keystone_roles': list(self.keystone_roles),
                'euids': list(self.euids), 'members': list(self.members),
                'expired': [list(p) for p in self.expired], 'expiring': [list(p) for p in self.expiring]}

    def __repr__(self):
        return 'Group(%r)' % self.to_dict()


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class Tenant:
    """The desired state of one project on one platform (one Keystone project).

    ``key`` is '<workspace>/<project>', ``name`` the Keystone project name; ``domain_id`` is
    'default' for the default domain, else None (looked up by name); ``domain_managed`` when the
    collection owns the domain (per_workspace). ``tags``: ownership tags first, then the
    inventory's; ``groups``: one Group per project role, in PROJECT_ROLES order. ``protect`` is
    Keystone's ``immutable`` option (the landing zone's ``protect_projects``). ``adopt``: the id
    of an existing Keystone project the tenant takes over instead of creating one (docs/replication.md,
    "Adopting an existing project").
    """

    platform: str
    workspace: str
    project: str
    workspace_name: str
    project_name: str
    landing_zone: str
    path: str
    key: str
    name: str
    domain_name: str
    domain_id: Optional[str]
    domain_managed: bool
    description: str
    tags: List[str]
    groups: List[Group]
    state: State
    enabled: bool
    delete_allowed: bool
    quota_size: Optional[str]
    quota_size_values: dict
    quota_values: dict
    quota_overrides: dict
    quota_below_usage: QuotaBelowUsage = DEFAULT_QUOTA_BELOW_USAGE
    foreign_tags: ForeignTags = DEFAULT_FOREIGN_TAGS
    protect: bool = False
    deletion_resources: DeletionResources = DEFAULT_DELETION_RESOURCES
    federation: Optional[Federation] = None
    adopt: Optional[str] = None
    # quota_approval.QuotaRequest per key above its auto-approval threshold (docs/quotas.md)
    quota_requests: tuple = ()

    @property
    def marker_tags(self):
        """The tags that find this tenant's project (see _ownership.marker_tags)."""
        return _ownership.marker_tags(self.workspace, self.project, self.platform)

    @property
    def domain(self):
        """The domain as the Keystone planner looks it up: the id 'default', else the name."""
        return self.domain_id or self.domain_name

    def group(self, role):
        """The Group for project role ``role``, or None."""
        for group in self.groups:
            if group.role == role:
                return group
        return None

    @property
    def quota(self):
        """The effective flat quota (see ``effective_quota``)."""
        return self.effective_quota()

    def effective_quota(self):
        """Flat quota: the named size, then landing zone values, then project overrides (later wins)."""
        quota = dict(self.quota_size_values)
        quota.update(self.quota_values)
        quota.update(self.quota_overrides)
        return quota

    def to_dict(self):
        # plain data: a policy or state as its text
        data = dict((field.name, _plain(getattr(self, field.name))) for field in dataclasses.fields(self))
        data['groups'] = [g.to_dict() for g in self.groups]
        data['tags'] = list(self.tags)
        data['federation'] = self.federation.to_dict() if self.federation else None
        data['quota_requests'] = [r.to_dict() for r in self.quota_requests]
        return data

    def __repr__(self):
        return 'Tenant(%s@%s)' % (self.key, self.platform)
