# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a platform's Keystone state in bulk: the snapshot the planners work on.

A handful of list calls (projects, groups), then the grants and members of the run's groups:
a run limited to a few workspaces looks its tenants' projects and groups up by name instead (``ReadMode``;
it lists the cloud when a lookup does not find what the last complete run left);
on a large cloud, group by group when the run owns few of the cloud's groups (a one-workspace run:
its cost follows the workspace), else the cloud-wide direct and *effective* role assignments, named on a small cloud (a constant number of
requests; Keystone's cost follows the whole cloud, docs/scale.md). Truncated listings
(``list_limit``) are refused by the pager: planning on partial data would create duplicates.
Lookups are indexed, so planning thousands of tenants never scans every project per tenant.
``read_tenants`` and ``read_access`` read what each step's planner needs; what a plan needs only
when it deletes (a project's leftovers, a domain's users) is read on demand, once (a no-op run
reads none of it).
"""

import dataclasses
import enum
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.model import DEFAULT_DOMAIN_ID, State
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.naming import keystone_name_key
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import (
    ACCESS_APPLIED_ATTR,
    ACCESS_REVOKED_TAG,
    MANAGED_TAG,
    PLATFORM_TAG,
    applied_of,
    carrying,
    group_owner,
    group_platform,
    group_platform_matches,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.federation import (
    find_federated_user,
    read_identity_provider,
    read_prebound_users,
    unbound_users,
    with_groups,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.leftovers import describe
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import (
    KEYSTONE_PAGE_LIMIT,
    ApiError,
    KEYSTONE_PAGED,
    list_all,
    next_query,
    pool_map,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._rows import RowsFileError, read_data, write_data

# Above this many unknown users, one GET /v3/users beats one filtered GET per user.
USER_LOOKUP_BULK_THRESHOLD = 25
# A cloud of more than this many groups is large: there the cloud-wide listings cost Keystone seconds
# to minutes (it expands every group of the cloud in the effective one: 3.8 s at rest, 25-236 s under
# writes at 1,000-1,500 tenants) and several times more with names (11.2 s against 1.5 s for 2,206
# direct assignments). On a smaller cloud they are cheap: named, they give roles and users for free.
LARGE_CLOUD_GROUPS = 1000
# On a large cloud, a run whose tenants own at most this many groups (50 tenants of 3 roles), and at
# most a tenth of the cloud's, reads their grants group by group and their members from one effective
# listing per tenant project (read_scoped_access): small requests, in parallel.
SCOPED_READ_GROUP_LIMIT = 150
SCOPED_READ_COST = 10


class MembersRead(str, enum.Enum):
    """How the access step learns the members of the run's groups (option ``members_read``, docs/scale.md)."""

    AUTO = 'auto'            # EFFECTIVE on a small cloud; on a large one GROUPS for a small scope, else RECORDS
    EFFECTIVE = 'effective'  # the cloud-wide effective role-assignment listing: Keystone's cost follows the cloud
    GROUPS = 'groups'        # group by group: one request per group, every member as Keystone holds it
    RECORDS = 'records'      # each project's lz_access record; the groups without one group by group

    def __str__(self):
        return self.value


@dataclasses.dataclass
class MemberReads:
    """What the access step read of its groups' members: the mode, the groups it covered, how many of
    them it read from Keystone and how many it took from the access records (not read)."""

    mode: MembersRead = MembersRead.EFFECTIVE
    groups: int = 0
    read: int = 0
    from_records: int = 0

    def as_dict(self):
        return dict(mode=str(self.mode), groups=self.groups, read=self.read, from_records=self.from_records)


class ReadMode(str, enum.Enum):
    """How a step found the projects (and groups) of its tenants (result ``read``, docs/scale.md)."""

    LISTED = 'listed'    # every project (and group) of the cloud listed: renames, duplicates and orphans are seen
    BY_NAME = 'by_name'  # a run limited to some workspaces: each tenant's project and groups looked up by name
    # a later step: every project as the run's tenants step listed it (it wrote nothing: the listing is the cloud's)
    HANDED = 'handed'

    def __str__(self):
        return self.value


@dataclasses.dataclass
class ScopeRead:
    """The ``ReadMode`` of a step and, when a run limited to some workspaces listed the cloud, why."""

    mode: ReadMode = ReadMode.LISTED
    reason: Optional[str] = None

    def as_dict(self):
        return dict(mode=str(self.mode), reason=self.reason)


# Up to this many tenants a run limited to some workspaces looks them up by name (a request per project and per
# group, in parallel); above it the cloud-wide listings cost less.
BY_NAME_TENANT_LIMIT = 100


def by_name_blocker(tenants, members_read=MembersRead.AUTO):
    """Why the ``tenants`` of a limited run cannot be looked up by name (None: they can). A lookup finds what carries
    the name the inventory gives now: a project to create, adopt or delete, or a tenant renamed, needs the listing
    (it alone shows a project or group under another name, which a create would duplicate)."""
    if len(tenants) > BY_NAME_TENANT_LIMIT:
        return '%d tenants: more than %d are listed' % (len(tenants), BY_NAME_TENANT_LIMIT)
    if members_read == MembersRead.EFFECTIVE:
        return 'members_read is effective (a cloud-wide listing)'
    for tenant in tenants:
        if tenant.state != State.PRESENT:
            return '%s is in state %s' % (tenant.key, State(tenant.state).value)
        if tenant.adopt:
            return '%s adopts project %s' % (tenant.key, tenant.adopt)
    return None


# One workspace's names share a prefix (the naming patterns start with the workspace): one listing filtered by it in
# Keystone's database (``name__istartswith``, paged correctly) replaces a request per name when the prefix is at least
# this long and the listing holds at most PREFIX_SURPLUS times the names (+ PREFIX_SLACK); else name by name.
PREFIX_MIN = 4
PREFIX_SURPLUS = 4
PREFIX_SLACK = 50


def lookup_by_name(rest, path, key, names_by_workspace, max_workers=1):
    """The items of Keystone listing ``path`` named one of the names (as its database compares names: the
    ``name`` filter's result), each once; ``names_by_workspace``: lists of names, one per workspace."""
    found, single = {}, []
    for names in names_by_workspace:
        listed = _lookup_by_prefix(rest, path, key, names)
        if listed is None:
            single.extend(names)
            continue
        wanted = set(keystone_name_key(n) for n in names)
        for item in listed:
            if keystone_name_key(item['name']) in wanted:
                found.setdefault(item['id'], item)
    for items in pool_map(lambda name: list_keystone(rest, path, key, params={'name': name}), sorted(set(single)),
                          max_workers):
        for item in items:
            found.setdefault(item['id'], item)
    return list(found.values())


def by_workspace(tenants, names_of):
    """[names of one workspace's tenants] per workspace, ``names_of(tenant)`` giving a tenant's names."""
    found = {}
    for tenant in tenants:
        found.setdefault(tenant.workspace, []).extend(names_of(tenant))
    return [found[w] for w in sorted(found)]


def _lookup_by_prefix(rest, path, key, names):
    """The items whose name starts as all ``names`` do (a superset of them), in one request; None when the prefix is
    short or that listing longer than the bound (a next page, or truncated by Keystone's ``list_limit``)."""
    # LIKE's own escape character would change what the pattern means: the prefix ends before it
    prefix = os.path.commonprefix(list(names)).split('\\')[0]
    if len(prefix) < PREFIX_MIN:
        return None
    body = rest.get(path, params={'name__istartswith': prefix,
                                  'limit': PREFIX_SURPLUS * len(names) + PREFIX_SLACK}) or {}
    if next_query(body, key) is not None or body.get('truncated'):
        return None
    return body.get(key) or []


def list_keystone(rest, path, key, params=None):
    """Every item of a Keystone listing (paged where Keystone pages; a truncated one raises)."""
    limit = KEYSTONE_PAGE_LIMIT if path in KEYSTONE_PAGED else None
    return list_all(rest, path, key, params, limit=limit)[0]


class Prefetch:
    """Cloud-wide listings (``paths``: /domains, /projects, /groups, /roles) read in the background while the module
    analyses the inventory, taken by the snapshot's reads (``take``); a path not prefetched is listed when taken.
    Only a run whose inventory passed validation earlier (its analysis cannot fail) reads before analysing
    (docs/scale.md, "Figures: reading while analysing")."""

    def __init__(self, rest=None, paths=()):
        paths = list(paths)
        self._pool = ThreadPoolExecutor(max_workers=len(paths)) if paths else None
        self._listings = dict((path, self._pool.submit(list_keystone, rest, path, path[1:])) for path in paths)

    def take(self, rest, path):
        """The listing of ``path``: the prefetched one (waited for; its error raised here), else listed now."""
        future = self._listings.pop(path, None)
        return list_keystone(rest, path, path[1:]) if future is None else future.result()

    def close(self):
        """Drop the listings not taken (those still running end first)."""
        for future in self._listings.values():
            future.cancel()
        self._listings = {}
        if self._pool is not None:
            self._pool.shutdown(wait=True)


NOT_PREFETCHED = Prefetch()


class Snapshot:
    """Keystone state of one platform, read in bulk."""

    def __init__(self, platform=None):
        # the platform read for: its managed groups are told from another platform's on the same Keystone
        self.platform = platform
        # the listings read while the module analysed the inventory (``Prefetch``)
        self.prefetch = NOT_PREFETCHED
        self.domains = []
        self.projects = []
        self.groups = []
        self.roles_by_name = {}
        self._role_names = (0, {})
        # (group_id, project_id) -> set of role ids granted directly to the group on the project
        self.group_grants = {}
        # project_id -> [(user_name, role_name)] for roles given to users directly
        self.user_grants = {}
        # group_id -> {user_id: user_name}, learnt from effective assignments
        self.members = {}
        # keystone_name_key(user name) -> ids of the users with that name, compared as Keystone
        # compares names (any domain); user_names: user id -> the name as Keystone spells it
        self.users_by_name = {}
        self.user_names = {}
        # landing zone federation -> federation.IdentityProvider (zones that pre-bind users)
        self.identity_providers = {}
        # projects tenants adopt (``adopt``) and do not own yet: the ones the listing lacks, read by id
        # (None: no such project), and each one's direct role assignments, named
        self.adoptions = {}
        self.adopted_grants = {}
        self._federated_lookups = set()
        self.lock = threading.Lock()
        self._indexes = {}
        self._grants_by_group = None
        self.grants_read = False
        # read on demand (``on_demand``): the client, the pre-deletion check and its factory
        self.rest = None
        self.checker = None
        self._make_checker = None
        self._max_workers = 1
        self.read_seconds = 0.0   # time spent in on-demand reads
        self.member_reads = MemberReads()
        self.scope_read = ScopeRead()

    # -- reading for a step --------------------------------------------------------------------
    @classmethod
    def read_tenants(cls, rest, tenants, prune=False, platform=None, limited=False, max_workers=1, prefetch=None):
        """What the tenants step plans from: domains and projects, groups while a deletion lifecycle has work.
        ``limited``: the run is limited to some workspaces (it decides no orphans): its projects are looked up by
        name when ``by_name_blocker`` allows and every one is found. ``prefetch``: listings read already (``Prefetch``)."""
        snap, scope_read = cls.looked_up(rest, tenants, limited, max_workers, platform=platform)
        if snap is not None:
            snap.read_domains(rest)
            return snap
        snap = cls.read(rest, domains=True, projects=True, platform=platform, prefetch=prefetch)
        snap.scope_read = scope_read
        if needs_groups(snap, tenants, prune):
            snap.read_groups(rest)
            if snap.legacy_groups_at_stake(tenants, prune):
                # a group made before groups carried their platform may be another platform's (same tenant key on one
                # Keystone): only its grants tell, and a deletion must not take it (one listing, in the upgrade window)
                snap.add_grants(list_assignments(rest, {}))
        snap.read_adoptions(rest, tenants)
        return snap

    @classmethod
    def looked_up(cls, rest, tenants, limited, max_workers=1, platform=None, groups=False,
                  members_read=MembersRead.AUTO):
        """(snapshot, ScopeRead): the ``tenants``' projects (with ``groups`` their groups) looked up by name when the
        run is ``limited`` to some workspaces, ``by_name_blocker`` allows and ``read_by_name`` finds them all; else
        (None, LISTED and why a limited run must list the cloud) for the caller to list it."""
        reason = by_name_blocker(tenants, members_read) if limited else None
        if limited and reason is None:
            snap = cls(platform)
            reason = snap.read_by_name(rest, tenants, max_workers, groups)
            if reason is None:
                snap.scope_read = ScopeRead(ReadMode.BY_NAME)
                return snap, snap.scope_read
        return None, ScopeRead(ReadMode.LISTED, reason)

    def read_by_name(self, rest, tenants, max_workers=1, groups=False):
        """Look the present ``tenants``' projects (and with ``groups`` their groups) up by the names the inventory
        gives them. Returns None when each tenant has one project under its name carrying its marker (and one
        group of its platform per role, its access record naming the same roles), else why not: then only the
        listing shows what the run needs (a project to create, a tenant renamed, a group of a role no longer
        mapped)."""
        self.projects = [p for p in lookup_by_name(rest, '/projects', 'projects', by_workspace(
            tenants, lambda t: [t.name]), max_workers) if not p.get('is_domain')]
        for tenant in tenants:
            if len(self.owned_projects(tenant.marker_tags)) != 1:
                return 'no single project named %s carries the marker of %s' % (tenant.name, tenant.key)
        if not groups:
            return None
        self.groups = lookup_by_name(rest, '/groups', 'groups', by_workspace(
            tenants, lambda t: [g.name for g in t.groups]), max_workers)
        for tenant in tenants:
            record = applied_of(self.owned_projects(tenant.marker_tags)[0], ACCESS_APPLIED_ATTR)
            roles = set(g.role for g in tenant.groups)
            if not isinstance(record, dict) or set(record) != roles:
                return 'the access record of %s names other roles than %s' % (tenant.key, ', '.join(sorted(roles)))
            owned = {}
            for grp in self.owned_groups(tenant.key):
                owned.setdefault(group_owner(grp)[1], []).append(grp)
            for gspec in tenant.groups:
                found = owned.get(gspec.role, [])
                # a group made before groups carried their platform: only the listing tells whose it is
                if len(found) != 1 or group_platform(found[0]) is None:
                    return 'no single group named %s of %s on this platform' % (gspec.name, tenant.key)
        return None

    def legacy_groups_at_stake(self, tenants, prune):
        """True when a managed group without a platform mark belongs to a tenant this run may delete (a deleted
        tenant, or with ``prune`` any orphan)."""
        if self.platform is None:
            return False
        deleted = set(t.key for t in tenants if t.state == State.DELETED)
        present = set(t.key for t in tenants if t.state == State.PRESENT)
        for grp in self.groups:
            owner = group_owner(grp)
            if owner and group_platform(grp) is None and (owner[0] in deleted or (prune and owner[0] not in present)):
                return True
        return False

    @classmethod
    def read_access(cls, rest, tenants, max_workers=1, platform=None, members_read=MembersRead.AUTO, limited=False,
                    handed=None, prefetch=None):
        """What the access step plans from: projects, groups, the roles, the grants and members of
        the tenants' groups (as ``members_read`` says; ``limited``: the run is limited to some workspaces, its
        projects and groups looked up by name when ``by_name_blocker`` allows and every one is found) and the
        users the inventory binds (domains only for a project not created yet). ``handed``: the projects the run's
        tenants step listed (``handed_projects``), taken instead of listing them. ``prefetch``: listings read
        already (``Prefetch``)."""
        requested = MembersRead(members_read)
        snap, scope_read = cls.looked_up(rest, tenants, limited, max_workers, platform=platform, groups=True,
                                         members_read=requested)
        if snap is not None:
            snap.read_roles(rest)
            snap.read_members(rest, tenants, members_mode(requested, True, True), max_workers, scoped=True)
        else:
            snap = cls.read(rest, domains=False, projects=handed is None, groups=True, platform=platform,
                            prefetch=prefetch)
            if handed is not None:
                snap.projects = [p for p in handed if not p.get('is_domain')]
                scope_read = ScopeRead(ReadMode.HANDED, scope_read.reason)
            snap.scope_read = scope_read
            if needs_domains(snap, tenants):
                snap.read_domains(rest)
            groups = snap.groups_of(tenants)
            large = len(snap.groups) > LARGE_CLOUD_GROUPS
            scoped = (large and len(groups) <= SCOPED_READ_GROUP_LIMIT
                      and len(groups) * SCOPED_READ_COST <= len(snap.groups))
            mode = members_mode(requested, large, scoped or limited)
            if mode == MembersRead.EFFECTIVE:
                snap.member_reads = MemberReads(mode, len(groups))
                snap.read_assignments(rest, names=not large)
                ensure_roles(rest, snap, tenants)
            else:
                snap.read_roles(rest)
                if not scoped:
                    # every grant of the cloud in one listing (no names: Keystone's cost follows the assignments)
                    snap.add_grants(list_assignments(rest, {}))
                snap.read_members(rest, tenants, mode, max_workers, scoped)
        snap.resolve_users(rest, [m for t in tenants if t.state == State.PRESENT for g in t.groups for m in g.members])
        snap.name_members(rest, max_workers)
        snap.read_federation(rest, tenants)
        return snap

    def read_members(self, rest, tenants, mode, max_workers=1, scoped=False):
        """Members of the ``tenants``' groups as ``mode`` (GROUPS or RECORDS) says, and with ``scoped`` (a small
        scope) their grants too (``read_scoped_access``; the members only where no record holds them)."""
        groups = self.groups_of(tenants)
        unread = groups if mode == MembersRead.GROUPS else self.members_from_records(tenants)
        if scoped:
            self.read_scoped_access(rest, tenants, groups, set(g['id'] for g in unread), max_workers)
        else:
            self.read_group_members(rest, unread, max_workers)
        self.member_reads = MemberReads(mode, len(groups), read=len(unread), from_records=len(groups) - len(unread))

    def read_scoped_access(self, rest, tenants, groups, members_of, max_workers=1):
        """Grants of ``groups`` group by group (on any project: a foreign one is remarked) and members of those in
        ``members_of``: one effective listing per tenant project names the members of each group granted there (a
        request per project, not per group); a group not granted on its tenant's project is read on its own."""
        projects = {}
        for tenant in tenants:
            owned = self.owned_projects(tenant.marker_tags) if tenant.state == State.PRESENT else []
            if len(owned) == 1:
                for grp in self.owned_groups(tenant.key):
                    if grp['id'] in members_of:
                        projects[grp['id']] = owned[0]['id']
        reads = [('group.id', g['id']) for g in groups] + [('scope.project.id', p) for p in sorted(set(projects.values()))]

        def read(job):
            key, ident = job
            params = {key: ident} if key == 'group.id' else {key: ident, 'effective': 'true', 'include_names': 'true'}
            return list_keystone(rest, '/role_assignments', 'role_assignments', params=params)

        effective = []
        for (key, dummy), found in zip(reads, pool_map(read, reads, max_workers)):
            if key == 'group.id':
                self.add_grants(found)
            else:
                effective.extend(found)
        covered = set(gid for gid, pid in projects.items() if self.group_grants.get((gid, pid)))
        for gid in covered:
            self.members[gid] = {}
        self.add_members(effective, covered)
        self.read_group_members(rest, [g for g in groups if g['id'] in members_of and g['id'] not in covered],
                                max_workers)

    def add_members(self, effective, groups=None):
        """Remember the members of groups (of those in ``groups``, default all) among ``effective`` role
        assignments: each user assignment a group gave carries the group in its ``membership`` link."""
        for ra in effective:
            link = ra.get('links', {}).get('membership')
            user = ra.get('user')
            if not link or not user:
                continue
            # .../v3/groups/{group_id}/users/{user_id}
            group_id = link.rstrip('/').split('/')[-3]
            if groups is not None and group_id not in groups:
                continue
            self.members.setdefault(group_id, {})[user['id']] = user.get('name')
            if user.get('name') is not None:
                self.remember_user(user['name'], user['id'])

    def members_from_records(self, tenants):
        """Take the members of the present ``tenants``' groups from their projects' ``lz_access`` records
        (what the last complete run wrote); returns the groups no record covers (to be read)."""
        unread = []
        for tenant in tenants:
            if tenant.state != State.PRESENT:
                continue
            owned = self.owned_projects(tenant.marker_tags)
            record = (applied_of(owned[0], ACCESS_APPLIED_ATTR) or {}) if len(owned) == 1 else {}
            by_role = {}
            for grp in self.owned_groups(tenant.key):
                by_role.setdefault(group_owner(grp)[1], []).append(grp)
            for role, groups in by_role.items():
                members = (record.get(role) or {}).get('members')
                if len(groups) == 1 and isinstance(members, list):
                    self.members[groups[0]['id']] = dict((uid, None) for uid in members)
                else:
                    # no record (the access step never completed), or duplicates to clean up: read
                    unread.extend(groups)
        return unread

    def read_adoptions(self, rest, tenants):
        """What adopting a project needs, on the run that adopts it only (an adopted project carries the
        tenant's marker after): the project, read by id when the listing lacks it, and the role assignments
        made on it directly (reported, never removed). A project another tenant owns is not read further."""
        for tenant in tenants:
            project_id = tenant.adopt
            if not project_id or tenant.state != State.PRESENT or self.owned_projects(tenant.marker_tags):
                continue
            proj = self.project(project_id)
            if proj is None and project_id not in self.adoptions:
                found = (rest.get('/projects/%s' % project_id, missing_ok=True) or {}).get('project')
                proj = self.adoptions[project_id] = found if found and not found.get('is_domain') else None
            if proj is not None and project_id not in self.adopted_grants and MANAGED_TAG not in (proj.get('tags') or ()):
                self.adopted_grants[project_id] = list_keystone(
                    rest, '/role_assignments', 'role_assignments',
                    params={'scope.project.id': project_id, 'include_names': 'true'})

    def adoption(self, project_id):
        """The project ``project_id`` as listed or read by ``read_adoptions``, else None."""
        return self.project(project_id) or self.adoptions.get(project_id)

    def groups_of(self, tenants):
        """The groups the present ``tenants`` own (what the access planner reads grants and members of)."""
        return [g for t in tenants if t.state == State.PRESENT for g in self.owned_groups(t.key)]

    def on_demand(self, rest, checker=None, max_workers=1):
        """Let the planners read what only a deletion needs: ``checker()`` makes the pre-deletion
        check (leftovers.Checker), made only when a project is to be deleted."""
        self.rest = rest
        self._make_checker = checker
        self._max_workers = max_workers
        return self

    def leftovers(self, deletions):
        """tenant key -> (summary, counts, unknown kinds) of each project about to be deleted
        (``deletions``: tenant key -> project id); {} without a pre-deletion check."""
        if not deletions or self._make_checker is None:
            return {}
        started = time.time()
        if self.checker is None:
            self.checker = self._make_checker()
        keys = sorted(deletions)
        checked = pool_map(lambda key: self.checker.check(deletions[key]), keys, self._max_workers)
        held = {}
        for key, (found, unknown) in zip(keys, checked):
            text, counts = describe(found) if found else (None, {})
            held[key] = (text, counts, unknown)
        self.read_seconds += time.time() - started
        return held

    def domain_users(self, domain_id):
        """The users of a domain (Keystone deletes them with it)."""
        started = time.time()
        users = list_keystone(self.rest, '/users', 'users', params={'domain_id': domain_id})
        self.read_seconds += time.time() - started
        return users

    # -- reading ------------------------------------------------------------------------------
    @classmethod
    def read(cls, rest, projects=True, domains=True, groups=False, assignments=False, platform=None, prefetch=None):
        snap = cls(platform)
        snap.prefetch = prefetch or NOT_PREFETCHED
        if domains:
            snap.read_domains(rest)
        # the two largest listings side by side (10,000 tenants: 3.8 s and 1.9 s one after the other)
        listed = pool_map(lambda path: snap.prefetch.take(rest, path),
                          [path for path, wanted in (('/projects', projects), ('/groups', groups)) if wanted], 2)
        if projects:
            snap.projects = [p for p in listed.pop(0) if not p.get('is_domain')]
        if groups:
            snap.groups = listed.pop(0)
        if assignments:
            snap.read_assignments(rest)
        return snap

    def read_domains(self, rest):
        self.domains = self.prefetch.take(rest, '/domains')

    def read_groups(self, rest):
        self.groups = self.prefetch.take(rest, '/groups')

    def read_assignments(self, rest, names=False):
        """Grants and members of every group of the cloud: the direct and the effective listing,
        with names on a small cloud (``name_members`` names the others' members)."""
        params = {'include_names': 'true'} if names else {}
        # side by side: the direct listing costs Keystone a fraction of the effective one (docs/scale.md),
        # asked at the same time it adds nothing to the run's wall time
        direct, effective = pool_map(lambda extra: list_assignments(rest, dict(params, **extra)),
                                     ({}, {'effective': 'true'}), 2)
        for ra in direct:
            if ra.get('role', {}).get('name'):
                self.roles_by_name.setdefault(ra['role']['name'], ra['role']['id'])
        self.add_grants(direct)
        self.add_members(effective)

    def read_group_members(self, rest, groups, max_workers=1):
        """Members of ``groups``, group by group."""
        for grp, members in zip(groups, pool_map(lambda g: list_keystone(rest, '/groups/%s/users' % g['id'], 'users'),
                                                 groups, max_workers)):
            self.members[grp['id']] = dict((u['id'], u['name']) for u in members)
            for user in members:
                self.remember_user(user['name'], user['id'])

    def add_grants(self, assignments):
        """Remember the project grants of groups among ``assignments`` (a direct listing)."""
        for ra in assignments:
            project = ra.get('scope', {}).get('project')
            if project and 'group' in ra:
                self.group_grants.setdefault((ra['group']['id'], project['id']), set()).add(ra['role']['id'])
        self._grants_by_group = None
        self.grants_read = True

    def name_members(self, rest, max_workers=1):
        """Names of the members listed without one: from the users resolved, else read by id."""
        unnamed = sorted(set(uid for members in self.members.values() for uid, name in members.items()
                             if name is None and uid not in self.user_names))
        if len(unnamed) > USER_LOOKUP_BULK_THRESHOLD:
            for user in list_keystone(rest, '/users', 'users'):
                self.remember_user(user['name'], user['id'])
        else:
            # a recorded member may have been deleted since: named by its id
            for found in pool_map(lambda uid: rest.get('/users/%s' % uid, missing_ok=True), unnamed, max_workers):
                if found:
                    self.remember_user(found['user']['name'], found['user']['id'])
        for members in self.members.values():
            for uid, name in members.items():
                if name is None:
                    members[uid] = self.user_names.get(uid, uid)

    def remember_user(self, name, user_id):
        with self.lock:
            ids = self.users_by_name.setdefault(keystone_name_key(name), [])
            if user_id not in ids:
                ids.append(user_id)
            self.user_names[user_id] = name

    def users_named(self, name):
        """[(user id, name as Keystone spells it)] of the users Keystone would call ``name``."""
        return [(uid, self.user_names.get(uid, name)) for uid in self.users_by_name.get(keystone_name_key(name), [])]

    def read_roles(self, rest):
        for role in self.prefetch.take(rest, '/roles'):
            if not role.get('domain_id'):
                self.roles_by_name[role['name']] = role['id']

    def read_federation(self, rest, tenants):
        """The identity providers of the zones that bind users before their first login, and the
        bound users not known by name found by their federated id (renamed by their IdP)."""
        for tenant in tenants:
            fed = tenant.federation
            if fed is None or tenant.state != State.PRESENT:
                continue
            if fed not in self.identity_providers:
                self.identity_providers[fed] = read_identity_provider(rest, fed)
            if self.identity_providers[fed].problem:
                continue
            for name in sorted(set(m for g in tenant.groups for m in g.members)):
                if self.users_named(name) or (fed, name) in self._federated_lookups:
                    continue
                self._federated_lookups.add((fed, name))
                user = find_federated_user(rest, fed, name)
                if user is not None:
                    self.users_by_name[keystone_name_key(name)] = [user['id']]
                    self.user_names[user['id']] = user['name']

    def unbound_prebound_users(self, rest, tenants, platform):
        """Users ``platform`` created ahead of their login, in zones that remove them once unbound,
        that none of ``tenants`` (the platform's whole inventory) binds, with their groups."""
        found = {}
        for fed, idp in self.identity_providers.items():
            if fed.remove_unbound_users and not idp.problem:
                found.update((u.id, u) for u in read_prebound_users(rest, idp, platform))
        # a user who logged in is kept whatever groups it is in: its groups are not read
        return [u if u.logged_in else with_groups(rest, u)
                for u in unbound_users(sorted(found.values(), key=lambda u: u.name), tenants)]

    def resolve_users(self, rest, names):
        """Learn the ids of users by name: per name for a few, one full listing for many."""
        unknown = sorted(set(n for n in names if keystone_name_key(n) not in self.users_by_name))
        if not unknown:
            return
        if len(unknown) > USER_LOOKUP_BULK_THRESHOLD:
            for user in list_keystone(rest, '/users', 'users'):
                self.remember_user(user['name'], user['id'])
        else:
            for name in unknown:
                # Keystone's name filter compares as its database does: a user spelt in another
                # case is returned, and remembered under the same key
                for user in list_keystone(rest, '/users', 'users', params={'name': name}):
                    self.remember_user(user['name'], user['id'])
        for name in unknown:
            self.users_by_name.setdefault(keystone_name_key(name), [])

    # -- changes made during apply --------------------------------------------------------------
    def add_domain(self, domain):
        with self.lock:
            self.domains.append(domain)

    # -- lookups ------------------------------------------------------------------------------
    # Indexes are rebuilt whenever the list they index changed (a domain created during apply).
    def _index(self, name, items, build):
        key = (id(items), len(items))
        cached = self._indexes.get(name)
        if cached is None or cached[0] != key:
            index = {}
            for item in items:
                for k in build(item):
                    index.setdefault(k, []).append(item)
            cached = self._indexes[name] = (key, index)
        return cached[1]

    # Names are looked up as Keystone's database compares them (keystone_name_key): the domain,
    # project or group a create would collide with is found before the create is tried.
    def domain(self, name):
        """The listed domain Keystone would call ``name`` (or with that id), else None."""
        found = self._index('domains', self.domains, lambda d: (keystone_name_key(d['name']), d['id']))
        return ((found.get(name) or found.get(keystone_name_key(name))) or [None])[0]

    def domain_id(self, name):
        if name in (None, '', DEFAULT_DOMAIN_ID, 'Default'):
            return DEFAULT_DOMAIN_ID
        found = self.domain(name)
        return found['id'] if found else None

    def domain_name(self, domain_id):
        found = self._index('domains', self.domains, lambda d: (keystone_name_key(d['name']), d['id'])).get(domain_id)
        return found[0]['name'] if found else domain_id

    def owned_projects(self, marker_tags):
        """Projects carrying every tag of ``marker_tags`` (the rule: _ownership.carrying)."""
        by_tag = self._index('project_tags', self.projects, lambda p: p.get('tags') or ())
        return carrying(by_tag, marker_tags, self.projects)

    def role_name(self, role_id):
        """The name of role ``role_id``, its id when the snapshot does not know it."""
        # the reverse of roles_by_name, kept while that does not grow (built per call it cost 0.7 s at 30,000 groups)
        size, names = self._role_names
        if size != len(self.roles_by_name):
            names = dict((v, k) for k, v in self.roles_by_name.items())
            self._role_names = (len(self.roles_by_name), names)
        return names.get(role_id, role_id)

    def project(self, project_id):
        """The listed project with id ``project_id``, else None."""
        return (self._index('project_ids', self.projects, lambda p: [p['id']]).get(project_id) or [None])[0]

    def project_label(self, project_id):
        """``name (id)`` of a listed project, for messages; the id alone when it is not listed."""
        found = self._index('project_ids', self.projects, lambda p: [p['id']]).get(project_id)
        return '%s (%s)' % (found[0]['name'], project_id) if found else project_id

    def project_named(self, name, domain_id):
        found = self._index('project_names', self.projects, lambda p: [(keystone_name_key(p['name']), p['domain_id'])])
        return (found.get((keystone_name_key(name), domain_id)) or [None])[0]

    def owned_groups(self, tenant_key):
        """The managed groups of ``tenant_key`` on this platform: marked for it, or unmarked (created before groups
        carried their platform) and, once grants are read, not granted only on other platforms' projects."""
        groups = self._index('group_owner', self.groups, lambda g: [(group_owner(g) or (None,))[0]]).get(tenant_key, [])
        return [g for g in groups if group_platform_matches(g, self.platform) and not self._another_platforms(g)]

    def _another_platforms(self, grp):
        if self.platform is None or not self.grants_read or group_platform(grp) is not None:
            return False
        granted = self.grants_of_group(grp['id'])
        ours = self._index('platform_projects', self.projects,
                           lambda p: [p['id']] if PLATFORM_TAG + self.platform in (p.get('tags') or ()) else [])
        return bool(granted) and not any(pid in ours for pid in granted)

    def group_named(self, name, domain_id):
        found = self._index('group_names', self.groups, lambda g: [(keystone_name_key(g['name']), g['domain_id'])])
        return (found.get((keystone_name_key(name), domain_id)) or [None])[0]

    def grants_of_group(self, group_id):
        """{project_id: role ids} granted directly to ``group_id``."""
        if self._grants_by_group is None:
            self._grants_by_group = {}
            for (gid, pid), roles in self.group_grants.items():
                self._grants_by_group.setdefault(gid, {})[pid] = roles
        return self._grants_by_group.get(group_id, {})


# Keystone resolves a cloud-wide listing's projects while it builds it: a project another client deletes meanwhile
# makes it answer 404 (``Could not find project``), a race of the listing, not a missing resource; asked again.
ASSIGNMENT_LISTING_ATTEMPTS = 3


def hand_listing(path, snap, endpoint, platform):
    """Write the projects ``snap`` listed for the later steps of the run (``handed_projects``); returns the reference
    the step's ``handoff`` carries as ``listing``."""
    ref = write_data(path, dict(endpoint=endpoint, platform=platform, projects=snap.projects))
    return dict(ref, projects=len(snap.projects))


def handed_projects(previous_steps, endpoint, platform, warn=None):
    """The projects the run's tenants step listed and handed on (its handoff's ``listing``, made only when it wrote
    nothing, so the listing is still the cloud's), when it is of this Keystone (``endpoint``) and ``platform``; else
    None and the step lists them. A listing file gone or rewritten is listed again, with a ``warn``ing."""
    step = (previous_steps or {}).get('tenants')
    if not isinstance(step, dict) or endpoint is None:
        return None
    ref = step.get('listing') or (step.get('handoff') or {}).get('listing')
    if not isinstance(ref, dict):
        return None
    try:
        data = read_data(ref, 'the tenants step\'s project listing')
    except RowsFileError as exc:
        if warn is not None:
            warn('%s: the projects are listed again' % exc)
        return None
    if not isinstance(data, dict) or data.get('endpoint') != endpoint or data.get('platform') != platform:
        return None
    return data.get('projects')


def list_assignments(rest, params):
    """A cloud-wide role-assignment listing, asked again when a concurrent deletion made Keystone answer 404."""
    for attempt in range(ASSIGNMENT_LISTING_ATTEMPTS):
        try:
            return list_keystone(rest, '/role_assignments', 'role_assignments', params=params)
        except ApiError as exc:
            if exc.status != 404 or attempt == ASSIGNMENT_LISTING_ATTEMPTS - 1:
                raise


def members_mode(requested, large, few):
    """The read ``requested`` (MembersRead), AUTO resolved: the cloud-wide effective listing on a small cloud; on a
    large one group by group for ``few`` groups (a small scope, or a run limited to some workspaces: an event run,
    an onboarding, which must see what changed by hand), else the access records (Keystone's effective listing grows
    with the square of the cloud: docs/scale.md)."""
    if requested != MembersRead.AUTO:
        return requested
    if not large:
        return MembersRead.EFFECTIVE
    return MembersRead.GROUPS if few else MembersRead.RECORDS


def deletion_pending(proj):
    """True when a deleted tenant's project still needs lifecycle work (groups may remain)."""
    return proj is not None and ACCESS_REVOKED_TAG not in (proj.get('tags') or ())


def needs_groups(snap, tenants, prune):
    # Groups are listed only when a deletion lifecycle still has work to do: this keeps the no-op
    # run at a few calls.
    if prune:
        return True
    for tenant in tenants:
        if tenant.state == State.DELETED:
            # No project left means the lifecycle finished: groups go before the project.
            if any(deletion_pending(p) for p in snap.owned_projects(tenant.marker_tags)):
                return True
    return False


def needs_domains(snap, tenants):
    # Groups are created in their project's domain; the domain list is needed only for tenants
    # whose project does not exist yet (check mode before the first run).
    return any(t.state == State.PRESENT and t.domain != DEFAULT_DOMAIN_ID and not snap.owned_projects(t.marker_tags)
               for t in tenants)


def ensure_roles(rest, snap, tenants):
    # Role ids come free with a named assignment listing; list roles only when a mapped role has not
    # been seen there (first run, a new mapping, or a listing without names).
    wanted = set(r for t in tenants for g in t.groups for r in g.keystone_roles)
    if not wanted.issubset(snap.roles_by_name):
        snap.read_roles(rest)
