# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory model: landing zones, and the tenant every planner works from.

A ``Tenant`` is the desired state of one project on one platform, and it is the only description
of it: the Keystone planner (project, domain, groups, deletion lifecycle), the quota planner
(quota and the below-usage policy) and the reports all read the same object. ``validate``
builds them; nothing else does.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils import _ownership

PROJECT_ROLES = ('reader', 'user', 'admin')
DEFAULT_ROLE_MAPPING = {'reader': ['reader'], 'user': ['member'], 'admin': ['member', 'manager']}
DOMAIN_MODES = ('default', 'per_workspace')
STATES = ('present', 'deleted')
DEFAULT_DOMAIN_NAME = 'Default'
DEFAULT_DOMAIN_ID = 'default'
# What the quota planner does with a decrease below current usage (docs/quotas.md).
QUOTA_BELOW_USAGE = ('remark', 'apply')
DEFAULT_QUOTA_BELOW_USAGE = 'remark'
# What happens to project tags the inventory does not own (docs/inventory.md, "Tags").
FOREIGN_TAGS = ('keep', 'remove')
DEFAULT_FOREIGN_TAGS = 'keep'
# What happens to a project due for deletion that still holds resources (docs/replication.md,
# "Lifecycle of a deleted project"): kept disabled until it is empty, or purged first.
DELETION_RESOURCES = ('block', 'purge')
DEFAULT_DELETION_RESOURCES = 'block'


class LandingZone:
    """A validated landing zone with defaults filled in."""

    def __init__(self, name, domain_mode, domain_name, role_mapping, patterns, euid_pattern,
                 delete_projects, extra_tags, quota_size, quota_values, quota_sizes,
                 quota_below_usage=DEFAULT_QUOTA_BELOW_USAGE, foreign_tags=DEFAULT_FOREIGN_TAGS,
                 protect_projects=False, deletion_resources=DEFAULT_DELETION_RESOURCES):
        self.name = name
        self.domain_mode = domain_mode
        self.domain_name = domain_name
        self.role_mapping = role_mapping
        self.patterns = patterns
        self.euid_pattern = euid_pattern
        self.delete_projects = delete_projects
        self.extra_tags = extra_tags
        self.quota_size = quota_size
        self.quota_values = quota_values
        self.quota_sizes = quota_sizes
        self.quota_below_usage = quota_below_usage
        self.foreign_tags = foreign_tags
        self.protect_projects = protect_projects
        self.deletion_resources = deletion_resources


class Group:
    """A managed Keystone group of one tenant: one per project role."""

    def __init__(self, role, name, keystone_roles, euids, members):
        self.role = role
        self.name = name
        self.keystone_roles = list(keystone_roles)
        self.euids = list(euids)
        self.members = list(members)

    def to_dict(self):
        return {'role': self.role, 'name': self.name, 'keystone_roles': list(self.keystone_roles),
                'euids': list(self.euids), 'members': list(self.members)}

    def __repr__(self):
        return 'Group(%r)' % self.to_dict()


class Tenant:
    """The desired state of one project on one platform (one Keystone project).

    Fields: platform, workspace, project (identifiers), workspace_name, project_name,
    landing_zone, path (inventory path of the project), key ('<workspace>/<project>'), name
    (Keystone project name), domain_name, domain_id ('default' for the default domain, else None:
    look up by name), domain_managed (True when the collection owns the domain: per_workspace),
    description, tags (ownership tags first, then the inventory's), groups (Group per project
    role, in PROJECT_ROLES order), state, enabled, delete_allowed, quota_size,
    quota_size_values, quota_values, quota_overrides, quota_below_usage, foreign_tags, protect
    (Keystone's ``immutable`` option on the project: the landing zone's ``protect_projects``),
    deletion_resources (``block`` or ``purge``: the landing zone's setting).
    """

    FIELDS = ('platform', 'workspace', 'project', 'workspace_name', 'project_name', 'landing_zone', 'path',
              'key', 'name', 'domain_name', 'domain_id', 'domain_managed', 'description', 'tags', 'groups',
              'state', 'enabled', 'delete_allowed', 'quota_size', 'quota_size_values', 'quota_values',
              'quota_overrides', 'quota_below_usage', 'foreign_tags', 'protect', 'deletion_resources')

    def __init__(self, **fields):
        fields.setdefault('quota_below_usage', DEFAULT_QUOTA_BELOW_USAGE)
        fields.setdefault('foreign_tags', DEFAULT_FOREIGN_TAGS)
        fields.setdefault('protect', False)
        fields.setdefault('deletion_resources', DEFAULT_DELETION_RESOURCES)
        for field in self.FIELDS:
            setattr(self, field, fields.pop(field))
        if fields:
            raise TypeError('unknown tenant fields: %s' % ', '.join(sorted(fields)))

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
        data = dict((field, getattr(self, field)) for field in self.FIELDS)
        data['groups'] = [g.to_dict() for g in self.groups]
        data['tags'] = list(self.tags)
        return data

    def __repr__(self):
        return 'Tenant(%s@%s)' % (self.key, self.platform)
