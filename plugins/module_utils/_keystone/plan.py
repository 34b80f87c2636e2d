# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keystone planning: pure functions of (snapshot, desired tenants) -> per-tenant results + actions.

``plan_tenants`` plans projects, per-workspace domains, the deletion lifecycle and orphans;
``plan_access`` plans groups, group role grants and memberships. Both read only the snapshot and
the ``Tenant`` model, and return ``Action`` objects: data (an operation name and its arguments)
that ``apply`` carries out. Unit tests drive them with hand-made snapshots.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.naming import keystone_name_key
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import (
    ACCESS_APPLIED_ATTR,
    ACCESS_REVOKED_TAG,
    APPLIED_ATTR,
    DOMAIN_OWNER_ATTR,
    IMMUTABLE_OPTION,
    applied_of,
    applied_project,
    carries,
    domain_owner,
    immutable,
    group_owner,
    managed_tags,
    owner_key,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._results import TenantResult
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.snapshot import DEFAULT_DOMAIN_ID

# Apply phases: everything in one phase may run in parallel; phases run in order.
PHASE_DOMAIN = 0
PHASE_PROJECT = 1
PHASE_GROUP = 2
PHASE_ACCESS = 3
PHASE_DISABLE = 4
PHASE_DELETE_GROUP = 5
PHASE_PURGE = 6           # deletion_resources: purge, after access is revoked, before the deletion
PHASE_DELETE_PROJECT = 7
PHASE_RECORD_ACCESS = 8   # after every grant and membership of the tenant succeeded
PHASE_DELETE_DOMAIN = 9


class Result(TenantResult):
    """A tenant's row, plus its Keystone state before and after (for --diff)."""

    def __init__(self, key, name):
        super().__init__(key, name)
        self.before = {}
        self.after = {}


class Action:
    """One write: ``op`` (an operation of ``apply.OPERATIONS``) with its ``args``.

    ``summary`` is what check mode and reports show.
    """

    def __init__(self, phase, tenant_key, summary, op, **args):
        self.phase = phase
        self.tenant_key = tenant_key
        self.summary = summary
        self.op = op
        self.args = args

    def __repr__(self):
        return 'Action(%d, %r, %r)' % (self.phase, self.tenant_key, self.summary)


def _patch_project(phase, key, summary, project_id, patch, unlock=False):
    return Action(phase, key, summary, 'patch', path='/projects/%s' % project_id, resource='project',
                  body=patch, unlock=unlock)


def _recorded(proj, patch):
    """``patch`` plus the project's ``lz_applied`` record updated with it (deletion lifecycle)."""
    base = applied_of(proj) or applied_project(proj['name'], proj.get('description') or '',
                                               proj.get('enabled', True), proj.get('tags') or [])
    return dict(patch, **{APPLIED_ATTR: dict(base, **patch)})


def _delete(phase, key, summary, path):
    return Action(phase, key, summary, 'delete', path=path)


# ----------------------------------------------------------------------------------------------
# Tenants (projects, domains, deletion lifecycle, orphans)
# ----------------------------------------------------------------------------------------------

def _project_state(proj, snap):
    if not proj:
        return {}
    return dict(name=proj['name'], domain=snap.domain_name(proj['domain_id']),
                description=proj.get('description') or '', enabled=proj.get('enabled', True),
                tags=sorted(proj.get('tags') or []))


def plan_tenants(snap, tenants, managed_tags, prune=False, ownership_complete=True):
    """Plan projects (and per-workspace domains) for ``tenants`` (model Tenants).

    ``managed_tags``: tags that every project of this collection on this platform carries; a
    project with them but matching no tenant is an orphan. ``ownership_complete`` is False when
    only a subset of the inventory is replicated (e.g. one workspace onboarded): orphans are then
    neither reported nor pruned, since the rest of the inventory is not known.
    """
    results = []
    actions = []
    planned_domains = set()
    claimed = set()
    for tenant in tenants:
        res = Result(tenant.key, tenant.name)
        results.append(res)
        owned = snap.owned_projects(tenant.marker_tags)
        if len(owned) > 1:
            res.fail('duplicate_managed_projects',
                     'several projects carry the marker of %s: %s; resolve by hand'
                     % (tenant.key, ', '.join('%s (%s)' % (p['name'], p['id']) for p in owned)))
            claimed.update(p['id'] for p in owned)
            continue
        proj = owned[0] if owned else None
        if proj:
            claimed.add(proj['id'])
            res.project_id = proj['id']
        res.before = _project_state(proj, snap)
        if tenant.state == 'deleted':
            _plan_deletion(snap, tenant.key, tenant.name, proj, res, actions, tenant.delete_allowed,
                           'deleted')
            continue
        _plan_present(snap, tenant, proj, res, actions, planned_domains)

    orphans = []
    if ownership_complete:
        for proj in snap.projects:
            if proj['id'] in claimed or not carries(proj, managed_tags):
                continue
            # The same key the tenant had (its managed groups carry it), else the project id.
            key = owner_key(proj.get('tags')) or 'orphan/%s' % proj['id']
            res = Result(key, proj['name'])
            res.project_id = proj['id']
            res.before = _project_state(proj, snap)
            if prune:
                _plan_deletion(snap, key, proj['name'], proj, res, actions, True, 'orphan')
            else:
                res.remark('orphan', 'project %s (%s) carries this collection\'s marker but the '
                           'inventory no longer names it; left as is (prune: true removes it)'
                           % (proj['name'], proj['id']))
                res.after = res.before
            orphans.append(res)
    return results, orphans, actions


LEGACY_DOMAIN_DESCRIPTION = 'landing zone domain of workspace %s'


def _domain_is_ours(snap, tenant, res, actions, planned_domains):
    """A per-workspace domain found by name is used only when this collection made it for this
    workspace; one made by an earlier version (no marker, its description) is marked once."""
    dom = snap.domain(tenant.domain)
    owner = domain_owner(dom)
    if owner == tenant.workspace:
        return True
    if owner is None and dom.get('description') == LEGACY_DOMAIN_DESCRIPTION % dom['name']:
        if dom['id'] not in planned_domains:
            planned_domains.add(dom['id'])
            summary = 'mark domain %s as the domain of workspace %s' % (dom['name'], tenant.workspace)
            res.changes.append(summary)
            actions.append(Action(PHASE_DOMAIN, tenant.key, summary, 'patch', path='/domains/%s' % dom['id'],
                                  resource='domain', body={DOMAIN_OWNER_ATTR: tenant.workspace}))
        return True
    res.fail('domain_collision', 'a domain named %s already exists (%s) and %s; it is left untouched'
             % (dom['name'], dom['id'], 'belongs to workspace %s' % owner if owner else
                'was not created by this collection'))
    return False


def _plan_present(snap, tenant, proj, res, actions, planned_domains):
    domain = tenant.domain
    domain_id = snap.domain_id(domain)
    if domain_id is not None and tenant.domain_managed and not _domain_is_ours(snap, tenant, res, actions,
                                                                               planned_domains):
        res.after = res.before
        return
    if domain_id is None and domain not in planned_domains:
        planned_domains.add(domain)
        res.changes.append('create domain %s' % domain)
        actions.append(Action(PHASE_DOMAIN, tenant.key, 'create domain %s' % domain, 'create_domain',
                              name=domain, workspace=tenant.workspace if tenant.domain_managed else None))
    after = dict(name=tenant.name, domain=domain if domain_id != DEFAULT_DOMAIN_ID
                 else snap.domain_name(DEFAULT_DOMAIN_ID),
                 description=tenant.description, enabled=True, tags=sorted(tenant.tags))
    res.after = after
    if proj is None:
        clash = snap.project_named(tenant.name, domain_id) if domain_id else None
        if clash is not None:
            res.fail('name_collision',
                     'a project named %s already exists in domain %s (%s) and does not carry this '
                     'collection\'s marker; it is left untouched' % (tenant.name, domain, clash['id']))
            res.after = res.before
            return
        res.changes.append('create project %s' % tenant.name)
        actions.append(Action(PHASE_PROJECT, tenant.key, 'create project %s' % tenant.name,
                              'create_project', tenant=tenant))
        return
    if domain_id is not None and proj['domain_id'] != domain_id:
        res.remark('domain_mismatch',
                   'project %s is in domain %s, the landing zone says %s; Keystone cannot move '
                   'projects between domains, so it stays where it is'
                   % (proj['name'], snap.domain_name(proj['domain_id']), domain))
        res.after['domain'] = snap.domain_name(proj['domain_id'])
    applied = applied_of(proj)
    tags, current_managed = managed_tags(tenant.tags, proj.get('tags'), (applied or {}).get('tags'),
                                         tenant.foreign_tags)
    res.after['tags'] = tags
    current = dict(name=proj['name'], description=proj.get('description') or '',
                   enabled=proj.get('enabled', True), tags=sorted(current_managed))
    wanted = applied_project(tenant.name, tenant.description, True, tenant.tags, tenant.protect)
    locked = immutable(proj)
    ours = bool((applied or {}).get('protected'))
    current['protected'] = locked
    patch = {}
    for field in ('name', 'description', 'enabled'):
        if current[field] != wanted[field]:
            patch[field] = wanted[field]
    if sorted(proj.get('tags') or []) != tags:
        patch['tags'] = tags
    if locked != tenant.protect and (tenant.protect or ours):
        patch['protected'] = tenant.protect   # set, or lifted when the landing zone stops protecting
    for field in sorted(f for f in ('name', 'description', 'enabled', 'tags', 'protected') if f in patch):
        # drift: the project no longer holds what the collection last wrote there
        if applied is not None and current[field] != applied.get(field, False if field == 'protected' else current[field]):
            res.remark('drift_reverted', 'project %s: %s was changed outside the inventory (%r); set back to %r'
                       % (tenant.name, field, current[field], patch[field] if field != 'tags' else wanted['tags']),
                       drift=dict(field=field, old=current[field], new=wanted.get(field, False)))
    if applied != wanted:
        patch[APPLIED_ATTR] = wanted
    if not patch:
        return
    if locked and not (tenant.protect or ours):
        res.fail('project_immutable', 'project %s is immutable (set outside the collection); it needs %s, which '
                 'Keystone refuses until the option is lifted' % (tenant.name, ', '.join(sorted(patch))))
        return
    fields = sorted(f for f in patch if f != APPLIED_ATTR)
    summary = ('update project %s (%s)' % (tenant.name, ', '.join(fields)) if fields
               else 'record the applied state of project %s' % tenant.name)
    protected = patch.pop('protected', tenant.protect)
    if protected or locked:
        patch['options'] = {IMMUTABLE_OPTION: protected}
    res.changes.append(summary)
    # an immutable project takes no change but the lifting of the option: lift, then change and set again
    actions.append(Action(PHASE_PROJECT, tenant.key, summary, 'patch', path='/projects/%s' % proj['id'],
                          resource='project', body=patch, unlock=locked and set(patch) != {'options'}))


def project_deletions(actions):
    """tenant key -> project id of every project deletion in ``actions``."""
    return dict((a.tenant_key, a.args['path'].rsplit('/', 1)[1]) for a in actions
                if a.op == 'delete' and a.phase == PHASE_DELETE_PROJECT)


def hold_deletions(results, actions, leftovers, purge=None):
    """Drop the deletion of every project that still holds resources (or could not be checked).

    ``leftovers``: tenant key -> (summary text or None, counts, unknown kinds -> error). Such a
    project stays disabled with its groups deleted; the next run checks again and deletes it once
    it is empty. ``purge``: tenant key -> marker tags of the tenants whose landing zone says
    ``deletion_resources: purge``: a project of theirs that holds resources (and was listed
    completely) is purged first and deleted after, in the same run. Returns the actions to apply.
    """
    purge = purge or {}
    by_key = dict((r.key, r) for r in results)
    kept = []
    for action in actions:
        held = leftovers.get(action.tenant_key)
        if action.op != 'delete' or action.phase != PHASE_DELETE_PROJECT or not held or not (held[0] or held[2]):
            kept.append(action)
            continue
        text, counts, unknown = held
        res = by_key[action.tenant_key]
        label = action.summary[len('delete project '):]
        if action.tenant_key in purge and text and not unknown:
            summary = 'purge project %s (%s)' % (label, ', '.join('%d %s' % (n, kind) for kind, n in sorted(counts.items())))
            res.changes.insert(res.changes.index(action.summary), summary)
            kept.append(Action(PHASE_PURGE, action.tenant_key, summary, 'purge', key=action.tenant_key,
                               name=label, project_id=action.args['path'].rsplit('/', 1)[1],
                               marker_tags=list(purge[action.tenant_key]), found=text, counts=counts))
            kept.append(action)
            continue
        res.changes.remove(action.summary)
        res.after = dict(res.before, enabled=False)
        if text:
            res.remark('resources_remaining', 'project %s still holds %s; it is kept disabled and deleted on the first '
                       'run after it is empty' % (label, text), counts=counts)
        if unknown:
            res.remark('resources_unknown', 'project %s is kept: what it holds could not be listed (%s)'
                       % (label, '; '.join('%s: %s' % kv for kv in sorted(unknown.items()))), kinds=sorted(unknown))
    return kept


def domain_deletions(snap, tenants, actions):
    """[(tenant key, domain)] of the per-workspace domains that are empty once this run's deletions
    are done: created by the collection (``domain_owner``), named by no present tenant, holding only
    projects and groups this run deletes, and at least one of its projects deleted now (a domain
    is deleted with its last project, under the same landing-zone permission). Users in the domain
    are checked by the caller (they are not in the snapshot)."""
    deleted_projects = set(project_deletions(actions).values())
    deleted_groups = set(a.args['path'].rsplit('/', 1)[1] for a in actions
                         if a.op == 'delete' and a.args['path'].startswith('/groups/'))
    in_use = set(snap.domain_id(t.domain) for t in tenants if t.state == 'present')
    found = []
    for domain in snap.domains:
        if not domain_owner(domain) or domain['id'] in in_use:
            continue
        projects = [p for p in snap.projects if p['domain_id'] == domain['id']]
        groups = [g for g in snap.groups if g.get('domain_id') == domain['id']]
        if not projects or any(p['id'] not in deleted_projects for p in projects):
            continue
        if any(g['id'] not in deleted_groups for g in groups):
            continue
        key = next(a.tenant_key for a in actions if a.op == 'delete' and a.phase == PHASE_DELETE_PROJECT
                   and a.args['path'].rsplit('/', 1)[1] in set(p['id'] for p in projects))
        found.append((key, domain))
    return found


def plan_domain_deletion(results, actions, key, domain):
    summary = 'delete domain %s' % domain['name']
    next(r for r in results if r.key == key).changes.append(summary)
    actions.append(Action(PHASE_DELETE_DOMAIN, key, summary, 'delete_domain', domain_id=domain['id']))


def deletion_pending(proj):
    """True when a deleted tenant's project still needs lifecycle work (groups may remain)."""
    return proj is not None and ACCESS_REVOKED_TAG not in (proj.get('tags') or ())


def _plan_deletion(snap, key, name, proj, res, actions, delete_project, why):
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
            actions.append(_patch_project(PHASE_DISABLE, key, 'disable project %s' % proj['name'],
                                          proj['id'], _recorded(proj, {'enabled': False}), unlock=immutable(proj)))
            res.after = dict(res.before, enabled=False)
        return
    groups = snap.owned_groups(key)
    if proj is None and not groups:
        res.after = {}
        return
    label = proj['name'] if proj else name
    # a protected project is unlocked by its first write of this run and stays so: it is on its way out
    locked = [immutable(proj)]

    def unlock():
        first, locked[0] = locked[0], False
        return first
    if proj is not None and proj.get('enabled', True):
        res.changes.append('disable project %s' % label)
        actions.append(_patch_project(PHASE_DISABLE, key, 'disable project %s' % label, proj['id'],
                                      _recorded(proj, {'enabled': False}), unlock=unlock()))
    for grp in groups:
        res.changes.append('delete group %s' % grp['name'])
        actions.append(_delete(PHASE_DELETE_GROUP, key, 'delete group %s' % grp['name'],
                               '/groups/%s' % grp['id']))
    if proj is None:
        res.after = {}
        return
    if delete_project:
        res.changes.append('delete project %s' % label)
        actions.append(Action(PHASE_DELETE_PROJECT, key, 'delete project %s' % label, 'delete',
                              path='/projects/%s' % proj['id'], unlock=unlock()))
        res.after = {}
    else:
        res.remark('kept_disabled', 'project %s is %s in the inventory; its landing zone does not '
                   'allow automated deletion, so it is left disabled' % (label, why))
        tags = sorted(set(proj.get('tags') or []) | set([ACCESS_REVOKED_TAG]))
        res.changes.append('mark project %s access-revoked' % label)
        actions.append(_patch_project(PHASE_DELETE_PROJECT, key, 'mark project %s access-revoked' % label,
                                      proj['id'], _recorded(proj, {'enabled': False, 'tags': tags}), unlock=unlock()))
        res.after = dict(res.before, enabled=False, tags=tags)


# ----------------------------------------------------------------------------------------------
# Access (groups, role grants, memberships)
# ----------------------------------------------------------------------------------------------

def plan_access(snap, tenants, project_ids=None):
    """Plan groups, group role grants and memberships for present tenants.

    Needs a snapshot with groups and assignments, ``snap.roles_by_name`` complete for the mapped
    roles, and users resolved (``Snapshot.resolve_users``). ``project_ids`` may map tenant keys of
    projects that do not exist yet (check mode) to None.
    """
    results = []
    actions = []
    for tenant in tenants:
        res = Result(tenant.key, tenant.name)
        results.append(res)
        if tenant.state != 'present':
            res.after = res.before = {}
            continue
        owned = snap.owned_projects(tenant.marker_tags)
        if len(owned) != 1:
            if project_ids is not None and tenant.key in project_ids:
                proj = None
            else:
                res.fail('project_missing' if not owned else 'duplicate_managed_projects',
                         'project of %s %s; run keystone_tenant first'
                         % (tenant.key, 'does not exist' if not owned else 'is ambiguous'))
                continue
        else:
            proj = owned[0]
            res.project_id = proj['id']
        domain_id = proj['domain_id'] if proj else snap.domain_id(tenant.domain)
        _plan_tenant_access(snap, tenant, proj, domain_id, res, actions)
    return results, actions


def _plan_tenant_access(snap, tenant, proj, domain_id, res, actions):
    owned_groups = {}
    for grp in snap.owned_groups(tenant.key):
        owned_groups.setdefault(group_owner(grp)[1], []).append(grp)
    recorded = applied_of(proj, ACCESS_APPLIED_ATTR)
    record = {}
    before, after = {}, {}
    desired_roles = set()
    for gspec in tenant.groups:
        desired_roles.add(gspec.role)
        candidates = owned_groups.get(gspec.role, [])
        grp = candidates[0] if candidates else None
        for extra in candidates[1:]:
            res.changes.append('delete duplicate group %s' % extra['name'])
            actions.append(_delete(PHASE_GROUP, tenant.key, 'delete duplicate group %s' % extra['name'],
                                   '/groups/%s' % extra['id']))
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
                summary = 'rename group %s to %s' % (grp['name'], gspec.name)
                res.changes.append(summary)
                actions.append(Action(PHASE_GROUP, tenant.key, summary, 'patch',
                                      path='/groups/%s' % grp['id'], resource='group',
                                      body={'name': gspec.name}))
            if proj is not None:
                granted = snap.group_grants.get((grp['id'], proj['id']), ())
                current_roles = set(_role_names(snap, granted))
            current_members = snap.members.get(grp['id'], {})
            _remark_foreign_grants(snap, grp, proj, res)
        else:
            res.changes.append('create group %s' % gspec.name)
            actions.append(Action(PHASE_GROUP, tenant.key, 'create group %s' % gspec.name, 'create_group',
                                  tenant=tenant, group=gspec, domain_id=domain_id))
        before[gspec.role] = dict(group=grp['name'] if grp else None,
                                  roles=sorted(current_roles),
                                  members=sorted(current_members.values())) if grp else None
        target = dict(key=tenant.key, role=gspec.role, group=grp)
        last = (recorded or {}).get(gspec.role) if grp is not None else None
        if last is not None and sorted(current_roles) != sorted(last.get('roles') or []):
            res.remark('drift_reverted', 'group %s: role grants were changed outside the inventory (%s); set back '
                       'to %s' % (gspec.name, ', '.join(sorted(current_roles)) or 'none',
                                  ', '.join(sorted(gspec.keystone_roles))),
                       drift=dict(field='grants', group=gspec.name, old=sorted(current_roles),
                                  new=sorted(gspec.keystone_roles)))
        # Grants
        for role in sorted(set(gspec.keystone_roles) - current_roles):
            if role not in snap.roles_by_name:
                res.fail('unknown_role', 'Keystone role %s (mapped from %s) does not exist'
                         % (role, gspec.role))
                continue
            summary = 'grant %s to group %s' % (role, gspec.name)
            res.changes.append(summary)
            actions.append(Action(PHASE_ACCESS, tenant.key, summary, 'grant', method='PUT',
                                  role_id=snap.roles_by_name[role], **target))
        for role in sorted(current_roles - set(gspec.keystone_roles)):
            summary = 'revoke %s from group %s' % (role, gspec.name)
            res.changes.append(summary)
            actions.append(Action(PHASE_ACCESS, tenant.key, summary, 'grant', method='DELETE',
                                  role_id=snap.roles_by_name[role], **target))
        # Members
        desired_ids = {}
        for name in gspec.members:
            users = snap.users_named(name)
            if not users:
                res.remark('user_not_found', 'user %s (%s) does not exist yet; bound on a later run'
                           % (name, gspec.role))
            elif len(users) > 1:
                res.remark('user_ambiguous', 'several users are named %s as Keystone compares names (case '
                           'ignored): %s; none is bound' % (name, ', '.join(sorted('%s (%s)' % (n, i) for i, n in users))))
            else:
                user_id, spelt = users[0]
                if spelt != name:
                    res.remark('user_name_case', 'user %s is bound as Keystone user %s: the names differ only in '
                               'case, which Keystone treats as the same name' % (name, spelt), severity='info')
                desired_ids[user_id] = spelt
        member_keys = set(keystone_name_key(n) for n in gspec.members)
        kept = set()
        for user_id in sorted(set(desired_ids) - set(current_members)):
            summary = 'add %s to group %s' % (desired_ids[user_id], gspec.name)
            res.changes.append(summary)
            actions.append(Action(PHASE_ACCESS, tenant.key, summary, 'member', method='PUT',
                                  user_id=user_id, **target))
        for user_id in sorted(set(current_members) - set(desired_ids)):
            name = current_members[user_id]
            if keystone_name_key(name) in member_keys:
                kept.add(user_id)
                continue  # ambiguous name: neither add nor remove
            summary = 'remove %s from group %s' % (name, gspec.name)
            res.changes.append(summary)
            actions.append(Action(PHASE_ACCESS, tenant.key, summary, 'member', method='DELETE',
                                  user_id=user_id, **target))
        if last is not None and sorted(current_members) != sorted(last.get('members') or []):
            res.remark('drift_reverted', 'group %s: members were changed outside the inventory (%s); set back to %s'
                       % (gspec.name, ', '.join(sorted(current_members.values())) or 'none',
                          ', '.join(sorted(desired_ids.values())) or 'none'),
                       drift=dict(field='members', group=gspec.name, old=sorted(current_members.values()),
                                  new=sorted(desired_ids.values())))
        record[gspec.role] = dict(roles=sorted(r for r in gspec.keystone_roles if r in snap.roles_by_name),
                                  members=sorted(set(desired_ids) | kept))
        after[gspec.role] = dict(group=gspec.name, roles=sorted(gspec.keystone_roles),
                                 members=sorted(desired_ids.values()))
    for role, groups in sorted(owned_groups.items()):
        if role in desired_roles:
            continue
        for grp in groups:
            before[role] = dict(group=grp['name'])
            summary = 'delete group %s (role %s no longer mapped)' % (grp['name'], role)
            res.changes.append(summary)
            actions.append(_delete(PHASE_GROUP, tenant.key, summary, '/groups/%s' % grp['id']))
    if record != recorded and not res.errors:
        # what this run makes true, recorded once all of it is written (skipped if a write fails)
        summary = 'record the access of project %s' % tenant.name
        res.changes.append(summary)
        body = {ACCESS_APPLIED_ATTR: record}
        if immutable(proj):
            body['options'] = {IMMUTABLE_OPTION: True}
        actions.append(_patch_project(PHASE_RECORD_ACCESS, tenant.key, summary,
                                      proj['id'] if proj else None, body, unlock=immutable(proj)))
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
                                                  snap.project_label(project_id)),
                       project=snap.project_label(project_id))
