# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ownership: what marks a Keystone object as the collection's, and which tenant it is.

The safety rule "never touch what is not ours" lives here and only here: a project is ours by its
marker tags, a group by ``lz_tenant``/``lz_role``, and the records of the last write tell drift from
inventory changes (docs/replication.md, "Ownership" and "Drift"; docs/inventory.md, "Ownership
tags"). Standard library only.
"""

MANAGED_TAG = 'lz-managed'
WORKSPACE_TAG = 'lz-ws='
PROJECT_TAG = 'lz-proj='
LANDING_ZONE_TAG = 'lz-zone='
PLATFORM_TAG = 'lz-platform='
RESERVED_TAG_PREFIX = 'lz-'
# Set on a project kept disabled after its deletion lifecycle ran (groups deleted): later runs
# need not list groups to know there is nothing left to revoke.
ACCESS_REVOKED_TAG = 'lz-access-revoked'

GROUP_OWNER_ATTR = 'lz_tenant'
GROUP_ROLE_ATTR = 'lz_role'
# The platform of a managed group: platforms sharing one Keystone may replicate the same workspace and project
# (one Keystone project each, the names set apart by {platform}); without it each would take the other's groups.
# Groups created before it existed carry none (``legacy``): see ``group_platform_matches``.
GROUP_PLATFORM_ATTR = 'lz_platform'
# A per-workspace domain the collection created carries the workspace in this extra attribute;
# only such a domain is ever deleted (domains made before the attribute existed never are).
DOMAIN_OWNER_ATTR = 'lz_workspace'


def domain_owner(domain):
    """The workspace of a domain the collection created, else None."""
    return (domain or {}).get(DOMAIN_OWNER_ATTR) or None


# What the collection last wrote, kept as extra attributes of the project (Keystone returns them
# in every listing), so that a later run can tell a change made outside the inventory (drift)
# from a change of the inventory: ``lz_applied`` (tenants step: name, description, enabled, the
# tags it manages) and ``lz_access`` (access step: per project role, Keystone roles and member ids).
APPLIED_ATTR = 'lz_applied'
ACCESS_APPLIED_ATTR = 'lz_access'
# ``lz_quota`` (quotas step: flat quota key -> the value it last wrote or found as the inventory says).
QUOTA_APPLIED_ATTR = 'lz_quota'


def quota_record_attr(region_platform=None):
    """The attribute of a project that holds the quotas step's record: ``lz_quota``, or ``lz_quota@<platform>``
    for a region of another platform's Keystone (identity_platform). The regions share the project, not
    their quotas: one record would be overwritten by each region in turn, and read as drift by the next."""
    return '%s@%s' % (QUOTA_APPLIED_ATTR, region_platform) if region_platform else QUOTA_APPLIED_ATTR


# Keystone's resource option that refuses every change and the deletion of a project
# (landing-zone option protect_projects); the collection lifts it only for its own writes.
IMMUTABLE_OPTION = 'immutable'


def applied_project(name, description, enabled, tags, protected=False):
    """The ``lz_applied`` record of a project write (``protected``: the collection set immutable)."""
    record = {'name': name, 'description': description, 'enabled': bool(enabled), 'tags': sorted(tags)}
    if protected:
        record['protected'] = True
    return record


def immutable(project):
    """True when Keystone refuses changes to ``project`` (its ``immutable`` resource option)."""
    return bool(((project or {}).get('options') or {}).get(IMMUTABLE_OPTION))


def applied_of(obj, attr=APPLIED_ATTR):
    """The record ``attr`` of a Keystone object, or None (written before records existed)."""
    record = (obj or {}).get(attr)
    return record if isinstance(record, dict) else None


def tag_key(tag):
    """``cost-centre`` of ``cost-centre=4711``; None for a plain tag."""
    return tag.split('=', 1)[0] if '=' in tag else None


def managed_tags(tenant_tags, current_tags, previous, remove_foreign):
    """(the tags a project should carry, the current tags the collection manages).

    Managed: every ``lz-`` tag, the inventory's tags, every value of a ``key=`` the inventory
    names, and the tags the collection wrote last time (``previous``, so that a tag removed from the
    inventory is removed from the project). With ``remove_foreign`` (``foreign_tags: remove``)
    every tag is managed; without (``keep``, the default) tags set by other tools or people are
    left in place.
    """
    wanted = set(tenant_tags)
    keys = set(tag_key(t) for t in wanted if tag_key(t) and not t.startswith(RESERVED_TAG_PREFIX))
    previous = set(previous or ())

    def managed(tag):
        return (remove_foreign or tag.startswith(RESERVED_TAG_PREFIX) or tag in wanted
                or tag in previous or tag_key(tag) in keys)
    current_managed = set(t for t in current_tags or () if managed(t))
    kept = set(current_tags or ()) - current_managed
    return sorted(wanted | kept), current_managed


def owner_tags(workspace, project, landing_zone, platform):
    """Every ownership tag of a tenant's project (what keystone_tenant writes)."""
    return [MANAGED_TAG, WORKSPACE_TAG + workspace, PROJECT_TAG + project,
            LANDING_ZONE_TAG + landing_zone, PLATFORM_TAG + platform]


def marker_tags(workspace, project, platform):
    """The tags that identify a tenant's project: ours, and which workspace/project/platform.

    The platform tag scopes ownership to one platform, so that platforms sharing one Keystone
    (regions) never take each other's projects.
    """
    return [MANAGED_TAG, WORKSPACE_TAG + workspace, PROJECT_TAG + project, PLATFORM_TAG + platform]


OWNER_TAG_PREFIXES = (WORKSPACE_TAG, PROJECT_TAG, LANDING_ZONE_TAG, PLATFORM_TAG)


def foreign_owner_tags(tags, own):
    """The ownership tags among ``tags`` that are not in ``own`` (a tenant's ``owner_tags``): a project
    carrying any is another tenant's or another platform's, and is never adopted."""
    return sorted(t for t in tags or () if t not in own and (t == MANAGED_TAG or t.startswith(OWNER_TAG_PREFIXES)))


def platform_marker_tags(platform):
    """Tags every project of this collection on ``platform`` carries (orphan detection)."""
    return [MANAGED_TAG, PLATFORM_TAG + platform]


def carries(obj, tags):
    """True when the Keystone object ``obj`` carries every tag of ``tags``."""
    return set(tags).issubset(obj.get('tags') or ())


def parse_owner_tags(tags):
    """Ownership read back from project tags: None when not ours, else a dict with workspace,
    project, landing_zone and platform (None where the tag is missing)."""
    tags = list(tags or [])
    if MANAGED_TAG not in tags:
        return None
    owner = {'workspace': None, 'project': None, 'landing_zone': None, 'platform': None}
    for tag in tags:
        for prefix, field in ((WORKSPACE_TAG, 'workspace'), (PROJECT_TAG, 'project'),
                              (LANDING_ZONE_TAG, 'landing_zone'), (PLATFORM_TAG, 'platform')):
            if tag.startswith(prefix):
                owner[field] = tag[len(prefix):]
    return owner


def owner_key(tags):
    """The tenant key ``<workspace>/<project>`` a project's tags name, or None."""
    owner = parse_owner_tags(tags) or {}
    if owner.get('workspace') and owner.get('project'):
        return '%s/%s' % (owner['workspace'], owner['project'])
    return None


def tag_index(projects):
    """tag -> the projects carrying it: one pass over a listing, so that finding each tenant's
    project never scans every project per tenant."""
    index = {}
    for project in projects:
        for tag in project.get('tags') or ():
            index.setdefault(tag, []).append(project)
    return index


def carrying(index, tags, projects):
    """The projects (of ``tag_index(projects)``) that carry every tag of ``tags``."""
    wanted = set(tags)
    if not wanted:
        return list(projects)
    # the rarest tag narrows the candidates (lz-proj=... names few projects)
    candidates = min((index.get(t, []) for t in wanted), key=len)
    return [p for p in candidates if wanted.issubset(p.get('tags') or ())]


def projects_by_tenant(projects, tenants):
    """tenant key -> [projects carrying the tenant's marker tags], from one project listing.

    A key with several projects is a conflict for the caller to report; tenants without a
    project are absent.
    """
    index = tag_index(projects)
    found = {}
    for tenant in tenants:
        matches = carrying(index, marker_tags(tenant.workspace, tenant.project, tenant.platform), projects)
        if matches:
            found[tenant.key] = matches
    return found


def group_owner(group):
    """(tenant key, project role) of a managed group, or None when the group is not ours."""
    key = group.get(GROUP_OWNER_ATTR)
    return (key, group.get(GROUP_ROLE_ATTR)) if key else None


def group_platform(group):
    """The platform a managed group was created for; None for a group created before groups carried it."""
    return (group or {}).get(GROUP_PLATFORM_ATTR) or None


def group_platform_matches(group, platform):
    """True unless ``group`` is marked for another platform (``platform`` None: any)."""
    marked = group_platform(group)
    return platform is None or marked is None or marked == platform


def group_owned_by(group, tenant_key, platform=None):
    """True when ``group`` is a managed group of the tenant ``tenant_key`` (on ``platform``, when given)."""
    return (group_owner(group) or (None,))[0] == tenant_key and group_platform_matches(group, platform)


def group_owner_attrs(tenant_key, role, platform):
    """The extra attributes a managed group is created with."""
    return {GROUP_OWNER_ATTR: tenant_key, GROUP_ROLE_ATTR: role, GROUP_PLATFORM_ATTR: platform}
