# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keystone replication: snapshot in bulk, plan locally, apply only the differences.

* ``Snapshot.read`` lists a platform's Keystone state in a handful of list calls (projects,
  groups, direct and *effective* role assignments with names; the effective listing gives group
  memberships without one request per group). Truncated listings (``list_limit``) are refused:
  planning on partial data would create duplicates.
* ``plan_tenants`` / ``plan_access`` are pure functions of (snapshot, desired tenants): they return
  per-tenant results and a list of ``Action`` objects. Unit tests drive them with hand-made
  snapshots.
* ``apply`` runs the actions phase by phase, each phase in a bounded thread pool. Every action is
  idempotent, and a create that failed ambiguously (timeout, 5xx) is preceded by a lookup before it
  is tried again, so a re-run after any fault converges without duplicates.

Ownership: a project is ours when it carries the tenant's marker tags; a group is ours when it
carries the ``lz_tenant``/``lz_role`` extra attributes written at creation. Nothing else is ever
changed or deleted.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.landingzone.openstack.plugins.module_utils._client import ApiError
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import parse_owner_tags
from ansible_collections.landingzone.openstack.plugins.module_utils._report import TenantResult

GROUP_OWNER_ATTR = 'lz_tenant'
GROUP_ROLE_ATTR = 'lz_role'
# Set on a project kept disabled after its deletion lifecycle ran (groups deleted): later runs
# need not list groups to know there is nothing left to revoke.
ACCESS_REVOKED_TAG = 'lz-access-revoked'
DEFAULT_DOMAIN_ID = 'default'
# Above this many unknown users, one GET /v3/users beats one filtered GET per user.
USER_LOOKUP_BULK_THRESHOLD = 25

# Apply phases: everything in one phase may run in parallel; phases run in order.
PHASE_DOMAIN = 0
PHASE_PROJECT = 1
PHASE_GROUP = 2
PHASE_ACCESS = 3
PHASE_DISABLE = 4
PHASE_DELETE_GROUP = 5
PHASE_DELETE_PROJECT = 6


class KeystoneStateError(Exception):
    """Keystone's state cannot be read safely (e.g. a listing truncated by list_limit).

    ``items`` holds what was listed before the truncation, for callers that can report a partial
    answer (metering) instead of refusing it (replication).
    """

    def __init__(self, message, items=None):
        super(KeystoneStateError, self).__init__(message)
        self.items = items or []


class GroupSpec(object):
    """Desired group of one tenant and project role."""

    def __init__(self, role, name, keystone_roles, members):
        self.role = role
        self.name = name
        self.keystone_roles = list(keystone_roles)
        self.members = list(members)


class TenantSpec(object):
    """Desired Keystone state of one tenant (a project on this platform)."""

    def __init__(self, key, name, domain, description, tags, marker_tags, state='present',
                 delete_project=False, groups=(), workspace=None, project=None):
        self.key = key
        self.name = name
        self.domain = domain
        self.description = description
        self.tags = list(tags)
        self.marker_tags = list(marker_tags)
        self.state = state
        self.delete_project = delete_project
        self.groups = list(groups)
        self.workspace = workspace
        self.project = project


class Result(TenantResult):
    """A tenant's row, plus its Keystone state before and after (for --diff)."""

    def __init__(self, key, name):
        super(Result, self).__init__(key, name)
        self.before = {}
        self.after = {}


class Action(object):
    """One write. ``run(ctx)`` performs it; ``summary`` is what check mode and reports show."""

    def __init__(self, phase, tenant_key, summary, run):
        self.phase = phase
        self.tenant_key = tenant_key
        self.summary = summary
        self.run = run


# ----------------------------------------------------------------------------------------------
# Snapshot
# ----------------------------------------------------------------------------------------------

# Keystone (2024.2 and later) pages its listings: without ``limit`` it silently stops at
# ``[DEFAULT] max_db_limit`` (1000 by default) and gives no next link. Asking for a large limit
# makes it page at its maximum and say where the next page is.
PAGE_LIMIT = 100000
PAGINATED = frozenset(['/projects', '/groups', '/users', '/domains', '/roles'])


def list_all(rest, path, key, params=None, on_request=None):
    """Every item of a Keystone listing: follows ``links.next``; refuses a truncated listing.

    Older Keystones ignore ``limit`` and answer in one page, unless ``list_limit`` truncates the
    answer (``truncated: true``): planning on partial data would create duplicates, so that is an
    error that names the setting. ``on_request`` is called before each page is asked for (callers
    that count requests per purpose).
    """
    query = dict(params or {})
    if path in PAGINATED:
        query['limit'] = PAGE_LIMIT
    items = []
    for dummy in range(10000):
        if on_request is not None:
            on_request()
        body = rest.get(path, params=query)
        items.extend(body.get(key, []))
        marker = _next_marker(body) if path in PAGINATED else None
        if marker is not None:
            # a paged answer also says truncated: true; the next page completes it
            query['marker'] = marker
            continue
        if body.get('truncated'):
            raise KeystoneStateError(
                'Keystone truncated the listing %s (list_limit). Refusing to plan on partial data: '
                'raise [DEFAULT] list_limit (and the per-driver list_limit) above the number of '
                '%s on this cloud.' % (path, key), items)
        return items
    raise KeystoneStateError('listing %s did not end after 10000 pages' % path)


def _next_marker(body):
    link = (body.get('links') or {}).get('next')
    if not link or '?' not in link:
        return None
    for part in link.split('?', 1)[1].split('&'):
        name, dummy, value = part.partition('=')
        if name == 'marker' and value:
            return value
    return None


class Snapshot(object):
    """Keystone state of one platform, read in bulk."""

    def __init__(self):
        self.domains = []
        self.projects = []
        self.groups = []
        self.roles_by_name = {}
        # (group_id, project_id) -> set of role ids granted directly to the group on the project
        self.group_grants = {}
        # project_id -> [(user_name, role_name)] for roles given to users directly
        self.user_grants = {}
        # group_id -> {user_id: user_name}, learnt from effective assignments
        self.members = {}
        # user name -> list of user ids with that name (any domain)
        self.users_by_name = {}
        self._lock = threading.Lock()
        self._indexes = {}
        self._grants_by_group = None

    # -- reading ------------------------------------------------------------------------------
    @classmethod
    def read(cls, rest, projects=True, domains=True, groups=False, assignments=False):
        snap = cls()
        if domains:
            snap.read_domains(rest)
        if projects:
            snap.projects = [p for p in list_all(rest, '/projects', 'projects')
                             if not p.get('is_domain')]
        if groups:
            snap.read_groups(rest)
        if assignments:
            snap._read_assignments(rest)
        return snap

    def read_domains(self, rest):
        self.domains = list_all(rest, '/domains', 'domains')

    def read_groups(self, rest):
        self.groups = list_all(rest, '/groups', 'groups')

    def _read_assignments(self, rest):
        direct = list_all(rest, '/role_assignments', 'role_assignments',
                          params={'include_names': 'true'})
        for ra in direct:
            project = ra.get('scope', {}).get('project')
            role = ra.get('role', {})
            if not project:
                continue
            self.roles_by_name.setdefault(role.get('name'), role.get('id'))
            if 'group' in ra:
                key = (ra['group']['id'], project['id'])
                self.group_grants.setdefault(key, set()).add(role['id'])
            elif 'user' in ra:
                self.user_grants.setdefault(project['id'], []).append(
                    (ra['user'].get('name'), role.get('name')))
        effective = list_all(rest, '/role_assignments', 'role_assignments',
                             params={'effective': 'true', 'include_names': 'true'})
        for ra in effective:
            link = ra.get('links', {}).get('membership')
            user = ra.get('user')
            if not link or not user:
                continue
            # .../v3/groups/{group_id}/users/{user_id}
            parts = link.rstrip('/').split('/')
            group_id = parts[-3]
            self.members.setdefault(group_id, {})[user['id']] = user.get('name')
            self.remember_user(user.get('name'), user['id'])

    def remember_user(self, name, user_id):
        with self._lock:
            ids = self.users_by_name.setdefault(name, [])
            if user_id not in ids:
                ids.append(user_id)

    def read_roles(self, rest):
        for role in list_all(rest, '/roles', 'roles'):
            if not role.get('domain_id'):
                self.roles_by_name[role['name']] = role['id']

    def resolve_users(self, rest, names):
        """Learn the ids of users by name: per name for a few, one full listing for many."""
        unknown = sorted(set(n for n in names if n not in self.users_by_name))
        if not unknown:
            return
        if len(unknown) > USER_LOOKUP_BULK_THRESHOLD:
            for user in list_all(rest, '/users', 'users'):
                self.remember_user(user['name'], user['id'])
        else:
            for name in unknown:
                for user in list_all(rest, '/users', 'users', params={'name': name}):
                    self.remember_user(user['name'], user['id'])
        for name in unknown:
            self.users_by_name.setdefault(name, [])

    # -- lookups ------------------------------------------------------------------------------
    # Indexes are rebuilt whenever the list they index changed (a domain created during apply):
    # planning 1,000s of tenants must not scan every project for every tenant.
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

    def domain_id(self, name):
        if name in (None, '', DEFAULT_DOMAIN_ID, 'Default'):
            return DEFAULT_DOMAIN_ID
        found = self._index('domains', self.domains, lambda d: (d['name'], d['id'])).get(name)
        return found[0]['id'] if found else None

    def domain_name(self, domain_id):
        found = self._index('domains', self.domains, lambda d: (d['name'], d['id'])).get(domain_id)
        return found[0]['name'] if found else domain_id

    def owned_projects(self, marker_tags):
        wanted = set(marker_tags)
        by_tag = self._index('project_tags', self.projects, lambda p: p.get('tags') or ())
        # the rarest marker tag narrows the candidates (lz-proj=... names few projects)
        candidates = min((by_tag.get(t, []) for t in wanted), key=len) if wanted else self.projects
        return [p for p in candidates if wanted.issubset(p.get('tags') or ())]

    def project_named(self, name, domain_id):
        found = self._index('project_names', self.projects, lambda p: [(p['name'], p['domain_id'])])
        return (found.get((name, domain_id)) or [None])[0]

    def owned_groups(self, tenant_key):
        return list(self._index('group_owner', self.groups, lambda g: [g.get(GROUP_OWNER_ATTR)]).get(tenant_key, []))

    def group_named(self, name, domain_id):
        found = self._index('group_names', self.groups, lambda g: [(g['name'], g['domain_id'])])
        return (found.get((name, domain_id)) or [None])[0]

    def grants_of_group(self, group_id):
        """{project_id: role ids} granted directly to ``group_id``."""
        if self._grants_by_group is None:
            self._grants_by_group = {}
            for (gid, pid), roles in self.group_grants.items():
                self._grants_by_group.setdefault(gid, {})[pid] = roles
        return self._grants_by_group.get(group_id, {})


# ----------------------------------------------------------------------------------------------
# Apply context: ids of things created during the run, and the REST client
# ----------------------------------------------------------------------------------------------

class ApplyContext(object):
    def __init__(self, rest, snapshot):
        self.rest = rest
        self.snapshot = snapshot
        self.project_ids = {}   # tenant key -> project id
        self.group_ids = {}     # (tenant key, role) -> group id
        self.domain_ids = {}    # domain name -> id
        self._lock = threading.Lock()

    def set(self, table, key, value):
        with self._lock:
            getattr(self, table)[key] = value


def create_idempotent(rest, path, key, body, lookup):
    """POST ``body``; after an ambiguous failure or a 409, adopt what ``lookup()`` finds.

    ``lookup`` returns the resource if it exists *and carries our marker*, else None. A POST is
    retried only after the lookup says the first attempt did not land.
    """
    attempts = rest.retries + 1
    last = None
    for dummy in range(attempts):
        try:
            return rest.request('POST', path, json={key: body}, ok=(200, 201))[key]
        except ApiError as exc:
            last = exc
            if not exc.ambiguous and exc.status != 409:
                raise
        found = lookup()
        if found is not None:
            return found
        if last.status == 409:
            raise last
    raise last


# ----------------------------------------------------------------------------------------------
# Plan: tenants (projects, domains, deletion lifecycle, orphans)
# ----------------------------------------------------------------------------------------------

def _project_state(proj, snap):
    if not proj:
        return {}
    return dict(name=proj['name'], domain=snap.domain_name(proj['domain_id']),
                description=proj.get('description') or '', enabled=proj.get('enabled', True),
                tags=sorted(proj.get('tags') or []))


def plan_tenants(snap, tenants, managed_tags, prune=False, ownership_complete=True):
    """Plan projects (and per-workspace domains) for ``tenants``.

    ``managed_tags``: tags that every project of this collection on this platform carries; a
    project with them but matching no tenant is an orphan. ``ownership_complete`` is False when
    only a subset of the inventory is replicated (e.g. one workspace onboarded): orphans are then
    neither reported nor pruned, since the rest of the inventory is not known.
    """
    results = []
    actions = []
    planned_domains = set()
    claimed = set()
    for spec in tenants:
        res = Result(spec.key, spec.name)
        results.append(res)
        owned = snap.owned_projects(spec.marker_tags)
        if len(owned) > 1:
            res.fail('duplicate_managed_projects',
                     'several projects carry the marker of %s: %s; resolve by hand'
                     % (spec.key, ', '.join('%s (%s)' % (p['name'], p['id']) for p in owned)))
            claimed.update(p['id'] for p in owned)
            continue
        proj = owned[0] if owned else None
        if proj:
            claimed.add(proj['id'])
            res.project_id = proj['id']
        res.before = _project_state(proj, snap)
        if spec.state == 'deleted':
            _plan_deletion(snap, spec, proj, res, actions, spec.delete_project, 'deleted')
            continue
        _plan_present(snap, spec, proj, res, actions, planned_domains)

    orphans = []
    if ownership_complete:
        wanted = set(managed_tags)
        for proj in snap.projects:
            if proj['id'] in claimed or not wanted.issubset(proj.get('tags') or ()):
                continue
            key = _orphan_key(proj)
            res = Result(key, proj['name'])
            res.project_id = proj['id']
            res.before = _project_state(proj, snap)
            if prune:
                _plan_deletion(snap, TenantSpec(key, proj['name'], proj['domain_id'], '', [],
                                                proj.get('tags') or []),
                               proj, res, actions, True, 'orphan')
            else:
                res.remark('orphan', 'project %s (%s) carries this collection\'s marker but the '
                           'inventory no longer names it; left as is (prune: true removes it)'
                           % (proj['name'], proj['id']))
                res.after = res.before
            orphans.append(res)
    return results, orphans, actions


def _orphan_key(proj):
    # The same key the tenant had (its managed groups carry it), else the project id.
    owner = parse_owner_tags(proj.get('tags')) or {}
    if owner.get('workspace') and owner.get('project'):
        return '%s/%s' % (owner['workspace'], owner['project'])
    return 'orphan/%s' % proj['id']


def _plan_present(snap, spec, proj, res, actions, planned_domains):
    domain_id = snap.domain_id(spec.domain)
    if domain_id is None and spec.domain not in planned_domains:
        planned_domains.add(spec.domain)
        res.changes.append('create domain %s' % spec.domain)
        actions.append(Action(PHASE_DOMAIN, spec.key, 'create domain %s' % spec.domain,
                              _create_domain_fn(spec.domain)))
    after = dict(name=spec.name, domain=spec.domain if domain_id != DEFAULT_DOMAIN_ID
                 else snap.domain_name(DEFAULT_DOMAIN_ID),
                 description=spec.description, enabled=True, tags=sorted(spec.tags))
    res.after = after
    if proj is None:
        clash = snap.project_named(spec.name, domain_id) if domain_id else None
        if clash is not None:
            res.fail('name_collision',
                     'a project named %s already exists in domain %s (%s) and does not carry this '
                     'collection\'s marker; it is left untouched' % (spec.name, spec.domain,
                                                                     clash['id']))
            res.after = res.before
            return
        res.changes.append('create project %s' % spec.name)
        actions.append(Action(PHASE_PROJECT, spec.key, 'create project %s' % spec.name,
                              _create_project_fn(spec)))
        return
    if domain_id is not None and proj['domain_id'] != domain_id:
        res.remark('domain_mismatch',
                   'project %s is in domain %s, the landing zone says %s; Keystone cannot move '
                   'projects between domains, so it stays where it is'
                   % (proj['name'], snap.domain_name(proj['domain_id']), spec.domain))
        res.after['domain'] = snap.domain_name(proj['domain_id'])
    patch = {}
    if proj['name'] != spec.name:
        res.remark('renamed_outside', 'project %s was renamed outside the inventory; set back to %s'
                   % (proj['name'], spec.name))
        patch['name'] = spec.name
    if (proj.get('description') or '') != spec.description:
        patch['description'] = spec.description
    if not proj.get('enabled', True):
        patch['enabled'] = True
    if sorted(proj.get('tags') or []) != sorted(spec.tags):
        patch['tags'] = sorted(spec.tags)
    if patch:
        what = ', '.join(sorted(patch))
        res.changes.append('update project %s (%s)' % (spec.name, what))
        actions.append(Action(PHASE_PROJECT, spec.key, 'update project %s (%s)' % (spec.name, what),
                              _patch_project_fn(proj['id'], patch)))


def deletion_pending(proj):
    """True when a deleted tenant's project still needs lifecycle work (groups may remain)."""
    return proj is not None and ACCESS_REVOKED_TAG not in (proj.get('tags') or ())


def _plan_deletion(snap, spec, proj, res, actions, delete_project, why):
    """Deleted (or pruned) tenant: disable, then delete managed groups, then the project if allowed.

    When the landing zone does not allow deletion, the project is kept disabled and tagged
    ``lz-access-revoked`` once its groups are gone, so that later runs know without listing groups.
    """
    if proj is not None and not deletion_pending(proj):
        res.before = res.after = _project_state(proj, snap)
        res.remark('kept_disabled', 'project %s is %s in the inventory; its landing zone does not '
                   'allow automated deletion, so it is left disabled' % (proj['name'], why))
        if proj.get('enabled', True):
            res.changes.append('disable project %s' % proj['name'])
            actions.append(Action(PHASE_DISABLE, spec.key, 'disable project %s' % proj['name'],
                                  _patch_project_fn(proj['id'], {'enabled': False})))
            res.after = dict(res.before, enabled=False)
        return
    groups = snap.owned_groups(spec.key)
    if proj is None and not groups:
        res.after = {}
        return
    label = proj['name'] if proj else spec.name
    if proj is not None and proj.get('enabled', True):
        res.changes.append('disable project %s' % label)
        actions.append(Action(PHASE_DISABLE, spec.key, 'disable project %s' % label,
                              _patch_project_fn(proj['id'], {'enabled': False})))
    for grp in groups:
        res.changes.append('delete group %s' % grp['name'])
        actions.append(Action(PHASE_DELETE_GROUP, spec.key, 'delete group %s' % grp['name'],
                              _delete_fn('/groups/%s' % grp['id'])))
    if proj is None:
        res.after = {}
        return
    if delete_project:
        res.changes.append('delete project %s' % label)
        actions.append(Action(PHASE_DELETE_PROJECT, spec.key, 'delete project %s' % label,
                              _delete_fn('/projects/%s' % proj['id'])))
        res.after = {}
    else:
        res.remark('kept_disabled', 'project %s is %s in the inventory; its landing zone does not '
                   'allow automated deletion, so it is left disabled' % (label, why))
        tags = sorted(set(proj.get('tags') or []) | set([ACCESS_REVOKED_TAG]))
        res.changes.append('mark project %s access-revoked' % label)
        actions.append(Action(PHASE_DELETE_PROJECT, spec.key, 'mark project %s access-revoked'
                              % label, _patch_project_fn(proj['id'], {'tags': tags})))
        res.after = dict(res.before, enabled=False, tags=tags)


def _create_domain_fn(name):
    def run(ctx):
        def lookup():
            found = ctx.rest.get('/domains', params={'name': name}).get('domains', [])
            return found[0] if found else None
        dom = create_idempotent(ctx.rest, '/domains', 'domain',
                                dict(name=name, description='landing zone domain of workspace %s'
                                     % name, enabled=True), lookup)
        ctx.set('domain_ids', name, dom['id'])
        with ctx.snapshot._lock:
            ctx.snapshot.domains.append(dom)
        return dom['id']
    return run


def _create_project_fn(spec):
    def run(ctx):
        domain_id = ctx.snapshot.domain_id(spec.domain) or ctx.domain_ids.get(spec.domain)
        body = dict(name=spec.name, domain_id=domain_id, description=spec.description,
                    enabled=True, tags=sorted(spec.tags))

        def lookup():
            found = ctx.rest.get('/projects', params={'name': spec.name, 'domain_id': domain_id})
            for proj in found.get('projects', []):
                if set(spec.marker_tags).issubset(proj.get('tags') or ()):
                    return proj
            return None
        proj = create_idempotent(ctx.rest, '/projects', 'project', body, lookup)
        ctx.set('project_ids', spec.key, proj['id'])
        return proj['id']
    return run


def _patch_project_fn(project_id, patch):
    def run(ctx):
        ctx.rest.request('PATCH', '/projects/%s' % project_id, json={'project': patch}, ok=(200,))
    return run


def _delete_fn(path):
    def run(ctx):
        # A 404 after a retried DELETE means the first attempt landed.
        ctx.rest.request('DELETE', path, ok=(204,), missing_ok=True)
    return run


# ----------------------------------------------------------------------------------------------
# Plan: access (groups, role grants, memberships)
# ----------------------------------------------------------------------------------------------

def plan_access(snap, tenants, project_ids=None):
    """Plan groups, group role grants and memberships for present tenants.

    Needs a snapshot with groups and assignments, ``snap.roles_by_name`` complete for the mapped
    roles, and users resolved (``Snapshot.resolve_users``). ``project_ids`` may map tenant keys of
    projects that do not exist yet (check mode) to None.
    """
    results = []
    actions = []
    for spec in tenants:
        res = Result(spec.key, spec.name)
        results.append(res)
        if spec.state != 'present':
            res.after = res.before = {}
            continue
        owned = snap.owned_projects(spec.marker_tags)
        if len(owned) != 1:
            if project_ids is not None and spec.key in project_ids:
                proj = None
            else:
                res.fail('project_missing' if not owned else 'duplicate_managed_projects',
                         'project of %s %s; run keystone_tenant first'
                         % (spec.key, 'does not exist' if not owned else 'is ambiguous'))
                continue
        else:
            proj = owned[0]
            res.project_id = proj['id']
        domain_id = proj['domain_id'] if proj else snap.domain_id(spec.domain)
        _plan_tenant_access(snap, spec, proj, domain_id, res, actions)
    return results, actions


def _plan_tenant_access(snap, spec, proj, domain_id, res, actions):
    owned_groups = {}
    for grp in snap.owned_groups(spec.key):
        owned_groups.setdefault(grp.get(GROUP_ROLE_ATTR), []).append(grp)
    before, after = {}, {}
    desired_roles = set()
    for gspec in spec.groups:
        desired_roles.add(gspec.role)
        candidates = owned_groups.get(gspec.role, [])
        grp = candidates[0] if candidates else None
        for extra in candidates[1:]:
            res.changes.append('delete duplicate group %s' % extra['name'])
            actions.append(Action(PHASE_GROUP, spec.key, 'delete duplicate group %s' % extra['name'],
                                  _delete_fn('/groups/%s' % extra['id'])))
        if grp is None and domain_id is not None:
            clash = snap.group_named(gspec.name, domain_id)
            if clash is not None:
                res.fail('group_name_collision',
                         'a group named %s already exists in domain %s (%s) and is not managed by '
                         'this collection; it is left untouched'
                         % (gspec.name, snap.domain_name(domain_id), clash['id']))
                continue
        current_roles, current_members = set(), {}
        if grp is not None:
            if grp['name'] != gspec.name:
                res.changes.append('rename group %s to %s' % (grp['name'], gspec.name))
                actions.append(Action(PHASE_GROUP, spec.key, 'rename group %s to %s'
                                      % (grp['name'], gspec.name),
                                      _patch_fn('/groups/%s' % grp['id'], 'group',
                                                {'name': gspec.name})))
            if proj is not None:
                granted = snap.group_grants.get((grp['id'], proj['id']), ())
                current_roles = set(_role_names(snap, granted))
            current_members = snap.members.get(grp['id'], {})
            _remark_foreign_grants(snap, grp, proj, res)
        else:
            res.changes.append('create group %s' % gspec.name)
            actions.append(Action(PHASE_GROUP, spec.key, 'create group %s' % gspec.name,
                                  _create_group_fn(spec, gspec, domain_id)))
        before[gspec.role] = dict(group=grp['name'] if grp else None,
                                  roles=sorted(current_roles),
                                  members=sorted(current_members.values())) if grp else None
        # Grants
        for role in sorted(set(gspec.keystone_roles) - current_roles):
            if role not in snap.roles_by_name:
                res.fail('unknown_role', 'Keystone role %s (mapped from %s) does not exist'
                         % (role, gspec.role))
                continue
            res.changes.append('grant %s to group %s' % (role, gspec.name))
            actions.append(Action(PHASE_ACCESS, spec.key, 'grant %s to group %s' % (role, gspec.name),
                                  _grant_fn(spec.key, gspec.role, snap.roles_by_name[role], 'PUT',
                                            grp)))
        for role in sorted(current_roles - set(gspec.keystone_roles)):
            res.changes.append('revoke %s from group %s' % (role, gspec.name))
            actions.append(Action(PHASE_ACCESS, spec.key, 'revoke %s from group %s'
                                  % (role, gspec.name),
                                  _grant_fn(spec.key, gspec.role, snap.roles_by_name[role],
                                            'DELETE', grp)))
        # Members
        desired_ids = {}
        for name in gspec.members:
            ids = snap.users_by_name.get(name, [])
            if not ids:
                res.remark('user_not_found', 'user %s (%s) does not exist yet; bound on a later run'
                           % (name, gspec.role))
            elif len(ids) > 1:
                res.remark('user_ambiguous', 'several users are named %s; none is bound' % name)
            else:
                desired_ids[ids[0]] = name
        for user_id in sorted(set(desired_ids) - set(current_members)):
            name = desired_ids[user_id]
            res.changes.append('add %s to group %s' % (name, gspec.name))
            actions.append(Action(PHASE_ACCESS, spec.key, 'add %s to group %s' % (name, gspec.name),
                                  _member_fn(spec.key, gspec.role, user_id, 'PUT', grp)))
        for user_id in sorted(set(current_members) - set(desired_ids)):
            name = current_members[user_id]
            if name in gspec.members:
                continue  # ambiguous name: neither add nor remove
            res.changes.append('remove %s from group %s' % (name, gspec.name))
            actions.append(Action(PHASE_ACCESS, spec.key, 'remove %s from group %s'
                                  % (name, gspec.name),
                                  _member_fn(spec.key, gspec.role, user_id, 'DELETE', grp)))
        after[gspec.role] = dict(group=gspec.name, roles=sorted(gspec.keystone_roles),
                                 members=sorted(desired_ids.values()))
    for role, groups in sorted(owned_groups.items()):
        if role in desired_roles:
            continue
        for grp in groups:
            before[role] = dict(group=grp['name'])
            res.changes.append('delete group %s (role %s no longer mapped)' % (grp['name'], role))
            actions.append(Action(PHASE_GROUP, spec.key, 'delete group %s' % grp['name'],
                                  _delete_fn('/groups/%s' % grp['id'])))
    res.before, res.after = before, after


def _role_names(snap, role_ids):
    names = dict((v, k) for k, v in snap.roles_by_name.items())
    return [names.get(r, r) for r in role_ids]


def _remark_foreign_grants(snap, grp, proj, res):
    for project_id, roles in sorted(snap.grants_of_group(grp['id']).items()):
        if proj is None or project_id != proj['id']:
            res.remark('foreign_assignment',
                       'managed group %s also holds %s on project %s, granted outside the '
                       'inventory; left as is' % (grp['name'], ', '.join(sorted(_role_names(snap, roles))),
                                                  project_id))


def _create_group_fn(spec, gspec, domain_id):
    def run(ctx):
        dom = domain_id or ctx.snapshot.domain_id(spec.domain) or ctx.domain_ids.get(spec.domain)
        body = {'name': gspec.name, 'domain_id': dom,
                'description': 'landing zone group: %s of %s' % (gspec.role, spec.key),
                GROUP_OWNER_ATTR: spec.key, GROUP_ROLE_ATTR: gspec.role}

        def lookup():
            found = ctx.rest.get('/groups', params={'name': gspec.name, 'domain_id': dom})
            for grp in found.get('groups', []):
                if grp.get(GROUP_OWNER_ATTR) == spec.key:
                    return grp
            return None
        grp = create_idempotent(ctx.rest, '/groups', 'group', body, lookup)
        ctx.set('group_ids', (spec.key, gspec.role), grp['id'])
        return grp['id']
    return run


def _patch_fn(path, key, patch):
    def run(ctx):
        ctx.rest.request('PATCH', path, json={key: patch}, ok=(200,))
    return run


def _ids(ctx, tenant_key, role, grp):
    project_id = ctx.project_ids.get(tenant_key)
    group_id = grp['id'] if grp else ctx.group_ids.get((tenant_key, role))
    if not project_id or not group_id:
        raise ApiError('PUT', 'tenant %s' % tenant_key,
                       message='project or group was not created earlier in this run')
    return project_id, group_id


def _grant_fn(tenant_key, role, role_id, method, grp):
    def run(ctx):
        project_id, group_id = _ids(ctx, tenant_key, role, grp)
        ctx.rest.request(method, '/projects/%s/groups/%s/roles/%s' % (project_id, group_id, role_id),
                         ok=(204,), missing_ok=method == 'DELETE')
    return run


def _member_fn(tenant_key, role, user_id, method, grp):
    def run(ctx):
        group_id = grp['id'] if grp else ctx.group_ids.get((tenant_key, role))
        if not group_id:
            raise ApiError(method, 'tenant %s' % tenant_key, message='group was not created')
        ctx.rest.request(method, '/groups/%s/users/%s' % (group_id, user_id), ok=(204,),
                         missing_ok=method == 'DELETE')
    return run


# ----------------------------------------------------------------------------------------------
# Apply
# ----------------------------------------------------------------------------------------------

def apply(ctx, actions, results, max_workers=8):
    """Run ``actions`` phase by phase; a tenant whose action failed skips its later actions."""
    by_key = dict((r.key, r) for r in results)
    failed = set()
    phases = sorted(set(a.phase for a in actions))
    lock = threading.Lock()

    def run(action):
        if action.tenant_key in failed:
            return
        try:
            action.run(ctx)
        except ApiError as exc:
            with lock:
                failed.add(action.tenant_key)
                res = by_key.get(action.tenant_key)
                if res is not None:
                    res.fail('api_error', '%s failed: %s' % (action.summary, exc))

    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        for phase in phases:
            batch = [a for a in actions if a.phase == phase]
            list(pool.map(run, batch))
    for res in results:
        if res.key in ctx.project_ids and not res.project_id:
            res.project_id = ctx.project_ids[res.key]
    return failed
