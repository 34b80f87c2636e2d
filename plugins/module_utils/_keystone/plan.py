# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keystone planning: pure functions of (snapshot, desired tenants) -> per-tenant plans.

``plan_tenants`` plans projects, per-workspace domains, the deletion lifecycle and orphans;
``plan_access`` plans groups, group role grants and memberships. Both read only the snapshot and
the ``Tenant`` model. A tenant's ``Plan`` is its result row and its ``Action`` objects: data (a
kind, the id of the target, a label) that ``apply`` carries out; the row's changes are the
summaries of its actions. Unit tests drive them with hand-made snapshots.
"""

import itertools
from dataclasses import dataclass, field
from enum import Enum
from typing import Optional

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.model import ForeignTags, State
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.naming import keystone_name_key
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import (
    ACCESS_APPLIED_ATTR,
    ACCESS_REVOKED_TAG,
    APPLIED_ATTR,
    DOMAIN_OWNER_ATTR,
    GROUP_PLATFORM_ATTR,
    IMMUTABLE_OPTION,
    applied_of,
    applied_project,
    carries,
    domain_owner,
    foreign_owner_tags,
    immutable,
    group_owner,
    group_platform,
    managed_tags,
    owner_key,
    owner_tags,
    parse_owner_tags,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._results import TenantResult
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.federation import pending_id
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.snapshot import (
    DEFAULT_DOMAIN_ID,
    deletion_pending,
)

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


class ActionKind(str, Enum):
    """What an action does; its summary (check mode, reports) is the kind's text with the label."""

    CREATE_DOMAIN = 'create_domain'
    MARK_DOMAIN = 'mark_domain'
    DELETE_DOMAIN = 'delete_domain'
    CREATE_PROJECT = 'create_project'
    UPDATE_PROJECT = 'update_project'
    ADOPT_PROJECT = 'adopt_project'
    RECORD_PROJECT = 'record_project'
    DISABLE_PROJECT = 'disable_project'
    REVOKE_PROJECT = 'revoke_project'
    PURGE_PROJECT = 'purge_project'
    DELETE_PROJECT = 'delete_project'
    CREATE_GROUP = 'create_group'
    RENAME_GROUP = 'rename_group'
    MARK_GROUP = 'mark_group'
    DELETE_GROUP = 'delete_group'
    DELETE_DUPLICATE_GROUP = 'delete_duplicate_group'
    DELETE_UNMAPPED_GROUP = 'delete_unmapped_group'
    GRANT = 'grant'
    REVOKE = 'revoke'
    ADD_MEMBER = 'add_member'
    REMOVE_MEMBER = 'remove_member'
    RECORD_ACCESS = 'record_access'
    CREATE_USER = 'create_user'
    DELETE_USER = 'delete_user'


# kind -> (summary template over label and detail, operation of apply.OPERATIONS)
_KINDS = {
    ActionKind.CREATE_DOMAIN: ('create domain %(label)s', 'create_domain'),
    ActionKind.MARK_DOMAIN: ('mark domain %(label)s as the domain of workspace %(detail)s', 'patch'),
    ActionKind.DELETE_DOMAIN: ('delete domain %(label)s', 'delete_domain'),
    ActionKind.CREATE_PROJECT: ('create project %(label)s', 'create_project'),
    ActionKind.UPDATE_PROJECT: ('update project %(label)s (%(detail)s)', 'patch'),
    ActionKind.ADOPT_PROJECT: ('adopt project %(label)s (%(detail)s)', 'patch'),
    ActionKind.RECORD_PROJECT: ('record the applied state of project %(label)s', 'patch'),
    ActionKind.DISABLE_PROJECT: ('disable project %(label)s', 'patch'),
    ActionKind.REVOKE_PROJECT: ('mark project %(label)s access-revoked', 'patch'),
    ActionKind.PURGE_PROJECT: ('purge project %(label)s (%(detail)s)', 'purge'),
    ActionKind.DELETE_PROJECT: ('delete project %(label)s', 'delete'),
    ActionKind.CREATE_GROUP: ('create group %(label)s', 'create_group'),
    ActionKind.RENAME_GROUP: ('rename group %(label)s to %(detail)s', 'patch'),
    ActionKind.MARK_GROUP: ('mark group %(label)s as platform %(detail)s\'s', 'patch'),
    ActionKind.DELETE_GROUP: ('delete group %(label)s', 'delete'),
    ActionKind.DELETE_DUPLICATE_GROUP: ('delete duplicate group %(label)s', 'delete'),
    ActionKind.DELETE_UNMAPPED_GROUP: ('delete group %(label)s (role %(detail)s no longer mapped)', 'delete'),
    ActionKind.GRANT: ('grant %(detail)s to group %(label)s', 'grant'),
    ActionKind.REVOKE: ('revoke %(detail)s from group %(label)s', 'grant'),
    ActionKind.ADD_MEMBER: ('add %(detail)s to group %(label)s', 'member'),
    ActionKind.REMOVE_MEMBER: ('remove %(detail)s from group %(label)s', 'member'),
    ActionKind.RECORD_ACCESS: ('record the access of project %(label)s', 'record_access'),
    ActionKind.CREATE_USER: ('create user %(label)s ahead of its first login through %(detail)s', 'create_user'),
    ActionKind.DELETE_USER: ('delete user %(label)s (bound before its first login, never logged in, bound no more)',
                             'delete'),
}
GROUP_DELETIONS = (ActionKind.DELETE_GROUP, ActionKind.DELETE_DUPLICATE_GROUP, ActionKind.DELETE_UNMAPPED_GROUP)

_ids = itertools.count(1)


def _next_id():
    return 'a%d' % next(_ids)


@dataclass(frozen=True)
class Action:
    """One write of one tenant: its ``kind``, the ``target`` it writes (a Keystone id; None when
    the target is created earlier in this run), the ``label`` messages name it by and the
    ``detail`` its summary adds. ``op`` and ``args`` are what ``apply`` calls (``op`` defaults to
    the kind's operation); ``id`` is unique, and what the tenant's row settles by."""

    phase: int
    tenant_key: str
    kind: ActionKind
    label: str
    target: Optional[str] = None
    detail: str = ''
    op: str = ''
    args: dict = field(default_factory=dict, compare=False)
    id: str = field(default_factory=_next_id)

    def __post_init__(self):
        if not self.op:
            object.__setattr__(self, 'op', _KINDS[self.kind][1])

    @property
    def summary(self):
        return _KINDS[self.kind][0] % dict(label=self.label, detail=self.detail)


class Result(TenantResult):
    """A tenant's row, plus its Keystone state before and after (for --diff)."""

    def __init__(self, key, name):
        super().__init__(key, name)
        self.before = {}
        self.after = {}

    def as_dict(self):
        row = super().as_dict()
        # the quota step of a check run plans this tenant's quota against empty (its project is not there yet)
        row['new_project'] = any(a.kind == ActionKind.CREATE_PROJECT for a in self.carried_out)
        adopted = [a.target for a in self.carried_out if a.kind == ActionKind.ADOPT_PROJECT]
        if adopted:
            # the quota step of a check run plans this tenant's quota on the project it would adopt
            row['adopted_project'] = adopted[0]
        return row


class Plan:
    """One tenant's plan: its result row and its actions (``result.planned``). An action added here
    joins the step's list of actions too (``actions``: every tenant's, in the order planned)."""

    def __init__(self, result, actions):
        self.result = result
        self.step_actions = actions

    @property
    def actions(self):
        return self.result.planned

    def add(self, phase, kind, label, target=None, detail='', **args):
        action = Action(phase, self.result.key, kind, label, target, detail, args=args)
        self.result.plan(action)
        self.step_actions.append(action)
        return action


def _recorded(proj, patch):
    """``patch`` plus the project's ``lz_applied`` record updated with it (deletion lifecycle)."""
    base = applied_of(proj) or applied_project(proj['name'], proj.get('description') or '',
                                               proj.get('enabled', True), proj.get('tags') or [])
    return dict(patch, **{APPLIED_ATTR: dict(base, **patch)})


def _patch_project(plan, phase, kind, label, project_id, body, unlock=False, detail=''):
    return plan.add(phase, kind, label, project_id, detail, path='/projects/%s' % project_id, resource='project',
                    body=body, unlock=unlock)


def _delete_group(plan, phase, kind, grp, detail=''):
    return plan.add(phase, kind, grp['name'], grp['id'], detail, path='/groups/%s' % grp['id'])


# ----------------------------------------------------------------------------------------------
# Tenants (projects, domains, deletion lifecycle, orphans)
# ----------------------------------------------------------------------------------------------

def _project_state(proj, snap):
    if not proj:
        return {}
    return dict(name=proj['name'], domain=snap.domain_name(proj['domain_id']),
                description=proj.get('description') or '', enabled=proj.get('enabled', True),
                tags=sorted(proj.get('tags') or []))


def plan_tenants(snap, tenants, managed_tags, prune=False, ownership_complete=True, others=frozenset()):
    """Plan projects (and per-workspace domains) for ``tenants`` (model Tenants).

    ``managed_tags``: tags that every project of this collection on this platform carries; a
    project with them but matching no tenant is an orphan. ``ownership_complete`` is False when
    only a subset of the inventory is replicated (e.g. one workspace onboarded): orphans are then
    neither reported nor pruned, since the rest of the inventory is not known. ``others``: keys of
    the platform's tenants another run replicates (the other shards): their projects are no orphans.
    Returns (results, orphan results, actions).
    """
    results = []
    actions = []
    planned_domains = set()
    claimed = set()
    for tenant in tenants:
        plan = Plan(Result(tenant.key, tenant.name), actions)
        results.append(plan.result)
        _plan_tenant(snap, tenant, plan, planned_domains, claimed)
    orphans = []
    if ownership_complete:
        for proj in snap.projects:
            if proj['id'] not in claimed and carries(proj, managed_tags) and owner_key(proj.get('tags')) not in others:
                orphans.append(_plan_orphan(snap, proj, prune, actions))
    return results, orphans, actions


def _plan_tenant(snap, tenant, plan, planned_domains, claimed):
    res = plan.result
    owned = snap.owned_projects(tenant.marker_tags)
    if len(owned) > 1:
        res.fail('duplicate_managed_projects',
                 'several projects carry the marker of %s: %s; resolve by hand'
                 % (tenant.key, ', '.join('%s (%s)' % (p['name'], p['id']) for p in owned)))
        claimed.update(p['id'] for p in owned)
        return
    proj = owned[0] if owned else None
    adopting = bool(tenant.adopt and tenant.state == State.PRESENT and (proj or {}).get('id') != tenant.adopt)
    if adopting:
        proj = _adoptable(snap, tenant, proj, res)
        if proj is None:
            return
    if proj:
        claimed.add(proj['id'])
        res.project_id = proj['id']
    res.before = _project_state(proj, snap)
    if tenant.state == State.DELETED:
        _plan_deletion(snap, tenant.key, tenant.name, proj, plan, tenant.delete_allowed, State.DELETED.value)
        return
    _plan_present(snap, tenant, proj, plan, planned_domains, adopting)
    if adopting and not res.errors:
        _remark_adoption(snap, tenant, proj, res)


def _adoptable(snap, tenant, owned, res):
    """The project ``tenant.adopt`` names, when the tenant may take it over; else None, the tenant
    failed and nothing of it written: the tenant has another project (``owned``), there is no such
    project, it carries another tenant's or platform's marker, or it is in another domain."""
    project_id = tenant.adopt
    proj = snap.adoption(project_id)
    res.before = _project_state(proj, snap)
    res.after = res.before
    if owned is not None:
        res.fail('adopt_conflict', '%s already has project %s (%s); it cannot adopt project %s too (two projects '
                 'for one tenant): remove adopt from the inventory, or resolve by hand'
                 % (tenant.key, owned['name'], owned['id'], project_id))
        return None
    if proj is None:
        res.fail('adopt_missing', 'adopt names project %s, which platform %s does not have (it may have been '
                 'deleted); nothing is created in its place' % (project_id, tenant.platform))
        return None
    label = '%s (%s)' % (proj['name'], project_id)
    foreign = foreign_owner_tags(proj.get('tags'), owner_tags(tenant.workspace, tenant.project, tenant.landing_zone,
                                                              tenant.platform))
    if foreign:
        owner = parse_owner_tags(proj.get('tags')) or {}
        res.fail('adopt_owned', 'project %s is not adopted: it carries the ownership tags %s (%s); it is left '
                 'untouched' % (label, ', '.join(foreign), 'tenant %s/%s on platform %s' % (
                     owner['workspace'], owner['project'], owner['platform']) if owner else 'another tool\'s'),
                 tags=foreign)
        return None
    domain_id = snap.domain_id(tenant.domain)
    if proj['domain_id'] != domain_id:
        res.fail('adopt_domain', 'project %s is in domain %s, but the landing zone puts %s in domain %s; Keystone '
                 'cannot move a project between domains: adopt a project of that domain, or change the landing zone'
                 % (label, snap.domain_name(proj['domain_id']), tenant.key, tenant.domain_name))
        return None
    clash = snap.project_named(tenant.name, domain_id)
    if clash is not None and clash['id'] != project_id:
        res.fail('name_collision', 'project %s cannot be renamed %s: a project of that name already exists in '
                 'domain %s (%s) and does not carry this collection\'s marker; it is left untouched'
                 % (label, tenant.name, tenant.domain_name, clash['id']))
        return None
    return proj


def _remark_adoption(snap, tenant, proj, res):
    """The adoption named, and every role assignment made on the project directly: kept, never removed."""
    res.remark('adopted', 'project %s (%s) is adopted by %s: it keeps its id and what it holds, and is managed as '
               '%s from this run on' % (proj['name'], proj['id'], tenant.key, tenant.name), project=proj['id'])
    for ra in snap.adopted_grants.get(proj['id'], ()):
        kind = 'user' if 'user' in ra else 'group'
        who = ra.get(kind) or {}
        name = '%s %s%s' % (kind, who.get('name') or who.get('id'),
                            ' (domain %s)' % who['domain']['name'] if (who.get('domain') or {}).get('name') else '')
        role = (ra.get('role') or {}).get('name') or (ra.get('role') or {}).get('id')
        res.remark('adopted_direct_grant', 'project %s: %s holds role %s directly, granted outside the inventory; '
                   'kept (the collection never removes it): bind it in the inventory and revoke it by hand, or '
                   'leave it' % (proj['name'], name, role), principal='%s:%s' % (kind, who.get('id')), role=role)


def _plan_orphan(snap, proj, prune, actions):
    # The same key the tenant had (its managed groups carry it), else the project id.
    key = owner_key(proj.get('tags')) or 'orphan/%s' % proj['id']
    plan = Plan(Result(key, proj['name']), actions)
    res = plan.result
    res.project_id = proj['id']
    res.before = _project_state(proj, snap)
    if prune:
        _plan_deletion(snap, key, proj['name'], proj, plan, True, 'orphan')
    else:
        res.remark('orphan', 'project %s (%s) carries this collection\'s marker but the '
                   'inventory no longer names it; left as is (prune: true removes it)'
                   % (proj['name'], proj['id']))
        res.after = res.before
    return res


LEGACY_DOMAIN_DESCRIPTION = 'landing zone domain of workspace %s'


def _domain_is_ours(snap, tenant, plan, planned_domains):
    """A per-workspace domain found by name is used only when this collection made it for this
    workspace; one made by an earlier version (no marker, its description) is marked once."""
    dom = snap.domain(tenant.domain)
    owner = domain_owner(dom)
    if owner == tenant.workspace:
        return True
    if owner is None and dom.get('description') == LEGACY_DOMAIN_DESCRIPTION % dom['name']:
        if dom['id'] not in planned_domains:
            planned_domains.add(dom['id'])
            plan.add(PHASE_DOMAIN, ActionKind.MARK_DOMAIN, dom['name'], dom['id'], tenant.workspace,
                     path='/domains/%s' % dom['id'], resource='domain', body={DOMAIN_OWNER_ATTR: tenant.workspace})
        return True
    plan.result.fail('domain_collision', 'a domain named %s already exists (%s) and %s; it is left untouched'
                     % (dom['name'], dom['id'], 'belongs to workspace %s' % owner if owner else
                        'was not created by this collection'))
    return False


def _plan_domain(snap, tenant, plan, planned_domains):
    """The tenant's domain: created when missing; False when it may not be used."""
    domain = tenant.domain
    domain_id = snap.domain_id(domain)
    if domain_id is not None and tenant.domain_managed and not _domain_is_ours(snap, tenant, plan, planned_domains):
        return False
    if domain_id is None and domain not in planned_domains:
        planned_domains.add(domain)
        plan.add(PHASE_DOMAIN, ActionKind.CREATE_DOMAIN, domain, name=domain,
                 workspace=tenant.workspace if tenant.domain_managed else None)
    return True


def _plan_present(snap, tenant, proj, plan, planned_domains, adopting=False):
    res = plan.result
    if not _plan_domain(snap, tenant, plan, planned_domains):
        res.after = res.before
        return
    domain = tenant.domain
    domain_id = snap.domain_id(domain)
    res.after = dict(name=tenant.name, domain=domain if domain_id != DEFAULT_DOMAIN_ID
                     else snap.domain_name(DEFAULT_DOMAIN_ID),
                     description=tenant.description, enabled=True, tags=sorted(tenant.tags))
    if proj is None:
        clash = snap.project_named(tenant.name, domain_id) if domain_id else None
        if clash is not None:
            res.fail('name_collision',
                     'a project named %s already exists in domain %s (%s) and does not carry this '
                     'collection\'s marker; it is left untouched' % (tenant.name, domain, clash['id']))
            res.after = res.before
            return
        plan.add(PHASE_PROJECT, ActionKind.CREATE_PROJECT, tenant.name, tenant=tenant)
        return
    if domain_id is not None and proj['domain_id'] != domain_id:
        res.remark('domain_mismatch',
                   'project %s is in domain %s, the landing zone says %s; Keystone cannot move '
                   'projects between domains, so it stays where it is'
                   % (proj['name'], snap.domain_name(proj['domain_id']), domain))
        res.after['domain'] = snap.domain_name(proj['domain_id'])
    _plan_update(tenant, proj, plan, adopting)


def _project_patch(tenant, proj, res):
    """(patch, wanted record, locked) of an existing project; drift from the record is remarked."""
    applied = applied_of(proj)
    tags, current_managed = managed_tags(tenant.tags, proj.get('tags'), (applied or {}).get('tags'),
                                         tenant.foreign_tags == ForeignTags.REMOVE)
    res.after['tags'] = tags
    current = dict(name=proj['name'], description=proj.get('description') or '',
                   enabled=proj.get('enabled', True), tags=sorted(current_managed))
    wanted = applied_project(tenant.name, tenant.description, True, tenant.tags, tenant.protect)
    locked = immutable(proj)
    ours = bool((applied or {}).get('protected'))
    current['protected'] = locked
    patch = {}
    for name in ('name', 'description', 'enabled'):
        if current[name] != wanted[name]:
            patch[name] = wanted[name]
    if sorted(proj.get('tags') or []) != tags:
        patch['tags'] = tags
    if locked != tenant.protect and (tenant.protect or ours):
        patch['protected'] = tenant.protect   # set, or lifted when the landing zone stops protecting
    for name in sorted(f for f in ('name', 'description', 'enabled', 'tags', 'protected') if f in patch):
        # drift: the project no longer holds what the collection last wrote there
        if applied is not None and current[name] != applied.get(name, False if name == 'protected' else current[name]):
            res.remark('drift_reverted', 'project %s: %s was changed outside the inventory (%r); set back to %r'
                       % (tenant.name, name, current[name], patch[name] if name != 'tags' else wanted['tags']),
                       drift=dict(field=name, old=current[name], new=wanted.get(name, False)))
    if applied != wanted:
        patch[APPLIED_ATTR] = wanted
    return patch, locked, locked and not (tenant.protect or ours)


def _plan_update(tenant, proj, plan, adopting=False):
    res = plan.result
    patch, locked, foreign_lock = _project_patch(tenant, proj, res)
    if not patch:
        return
    if foreign_lock:
        res.fail('project_immutable', 'project %s is immutable (set outside the collection); it needs %s, which '
                 'Keystone refuses until the option is lifted' % (tenant.name, ', '.join(sorted(patch))))
        return
    fields = sorted(f for f in patch if f != APPLIED_ATTR)
    protected = patch.pop('protected', tenant.protect)
    if protected or locked:
        patch['options'] = {IMMUTABLE_OPTION: protected}
    kind = ActionKind.UPDATE_PROJECT if fields else ActionKind.RECORD_PROJECT
    label = tenant.name
    if adopting:
        kind, label = ActionKind.ADOPT_PROJECT, '%s (%s) as %s' % (proj['name'], proj['id'], tenant.name)
    # an immutable project takes no change but the lifting of the option: lift, then change and set again
    _patch_project(plan, PHASE_PROJECT, kind, label, proj['id'], patch, unlock=locked and set(patch) != {'options'},
                   detail=', '.join(fields))


def project_deletions(actions):
    """tenant key -> project id of every project deletion in ``actions``."""
    return dict((a.tenant_key, a.target) for a in actions if a.kind == ActionKind.DELETE_PROJECT)


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
        if action.kind != ActionKind.DELETE_PROJECT or not held or not (held[0] or held[2]):
            kept.append(action)
            continue
        text, counts, unknown = held
        res = by_key[action.tenant_key]
        if action.tenant_key in purge and text and not unknown:
            first = Action(PHASE_PURGE, action.tenant_key, ActionKind.PURGE_PROJECT, action.label, action.target,
                           ', '.join('%d %s' % (n, kind) for kind, n in sorted(counts.items())),
                           args=dict(key=action.tenant_key, name=action.label, project_id=action.target,
                                     marker_tags=list(purge[action.tenant_key]), found=text, counts=counts))
            res.plan(first, before=action.id)
            kept.extend((first, action))
            continue
        res.unplan(action.id)
        res.after = dict(res.before, enabled=False)
        if text:
            res.remark('resources_remaining', 'project %s still holds %s; it is kept disabled and deleted on the first '
                       'run after it is empty' % (action.label, text), counts=counts)
        if unknown:
            res.remark('resources_unknown', 'project %s is kept: what it holds could not be listed (%s)'
                       % (action.label, '; '.join('%s: %s' % kv for kv in sorted(unknown.items()))),
                       kinds=sorted(unknown))
    return kept


def domain_deletions(snap, tenants, actions):
    """[(tenant key, domain)] of the per-workspace domains that are empty once this run's deletions
    are done: created by the collection (``domain_owner``), named by no present tenant, holding only
    projects and groups this run deletes, and at least one of its projects deleted now (a domain
    is deleted with its last project, under the same landing-zone permission). Users in the domain
    are checked by the caller (``Snapshot.domain_users``)."""
    deleted_projects = project_deletions(actions)
    deleted_groups = set(a.target for a in actions if a.kind in GROUP_DELETIONS)
    in_use = set(snap.domain_id(t.domain) for t in tenants if t.state == State.PRESENT)
    found = []
    for domain in snap.domains:
        if not domain_owner(domain) or domain['id'] in in_use:
            continue
        projects = set(p['id'] for p in snap.projects if p['domain_id'] == domain['id'])
        groups = [g for g in snap.groups if g.get('domain_id') == domain['id']]
        if not projects or not projects.issubset(deleted_projects.values()):
            continue
        if any(g['id'] not in deleted_groups for g in groups):
            continue
        key = next(a.tenant_key for a in actions if a.kind == ActionKind.DELETE_PROJECT and a.target in projects)
        found.append((key, domain))
    return found


def plan_domain_deletion(results, actions, key, domain):
    res = next(r for r in results if r.key == key)
    Plan(res, actions).add(PHASE_DELETE_DOMAIN, ActionKind.DELETE_DOMAIN, domain['name'], domain['id'],
                           domain_id=domain['id'])


def _plan_kept_disabled(snap, key, proj, plan, why):
    """A project whose lifecycle is done (access revoked) and whose zone keeps it: stays disabled."""
    res = plan.result
    res.before = res.after = _project_state(proj, snap)
    res.remark('kept_disabled', 'project %s is %s in the inventory; its landing zone does not '
               'allow automated deletion, so it is left disabled' % (proj['name'], why))
    if proj.get('enabled', True):
        _patch_project(plan, PHASE_DISABLE, ActionKind.DISABLE_PROJECT, proj['name'], proj['id'],
                       _recorded(proj, {'enabled': False}), unlock=immutable(proj))
        res.after = dict(res.before, enabled=False)


def _plan_deletion(snap, key, name, proj, plan, delete_project, why):
    """Deleted (or pruned) tenant: disable, then delete managed groups, then the project if allowed.

    When the landing zone does not allow deletion, the project is kept disabled and tagged
    ``lz-access-revoked`` once its groups are gone, so that later runs know without listing groups.
    """
    res = plan.result
    if proj is not None and not deletion_pending(proj):
        _plan_kept_disabled(snap, key, proj, plan, why)
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
        _patch_project(plan, PHASE_DISABLE, ActionKind.DISABLE_PROJECT, label, proj['id'],
                       _recorded(proj, {'enabled': False}), unlock=unlock())
    for grp in groups:
        _delete_group(plan, PHASE_DELETE_GROUP, ActionKind.DELETE_GROUP, grp)
    if proj is None:
        res.after = {}
        return
    if delete_project:
        plan.add(PHASE_DELETE_PROJECT, ActionKind.DELETE_PROJECT, label, proj['id'],
                 path='/projects/%s' % proj['id'], unlock=unlock())
        res.after = {}
    else:
        res.remark('kept_disabled', 'project %s is %s in the inventory; its landing zone does not '
                   'allow automated deletion, so it is left disabled' % (label, why))
        tags = sorted(set(proj.get('tags') or []) | set([ACCESS_REVOKED_TAG]))
        _patch_project(plan, PHASE_DELETE_PROJECT, ActionKind.REVOKE_PROJECT, label, proj['id'],
                       _recorded(proj, {'enabled': False, 'tags': tags}), unlock=unlock())
        res.after = dict(res.before, enabled=False, tags=tags)


# ----------------------------------------------------------------------------------------------
# Access (groups, role grants, memberships)
# ----------------------------------------------------------------------------------------------

def plan_access(snap, tenants, project_ids=None):
    """Plan groups, group role grants and memberships for present tenants.

    Needs a snapshot with groups and assignments, ``snap.roles_by_name`` complete for the mapped
    roles, and users resolved (``Snapshot.read_access`` does all three). ``project_ids`` may map
    tenant keys of projects that do not exist yet (check mode) to None.
    """
    results = []
    actions = []
    for tenant in tenants:
        plan = Plan(Result(tenant.key, tenant.name), actions)
        res = plan.result
        results.append(res)
        if tenant.state != State.PRESENT:
            res.after = res.before = {}
            continue
        owned = snap.owned_projects(tenant.marker_tags)
        if len(owned) != 1:
            if project_ids is not None and tenant.key in project_ids:
                proj = None
            else:
                res.fail('project_missing' if not owned else 'duplicate_managed_projects',
                         'project of %s %s; replicate the tenants first (the playbook '
                         'landingzone.openstack.replicate does; module keystone_tenant)'
                         % (tenant.key, 'does not exist' if not owned else 'is ambiguous'))
                continue
        else:
            proj = owned[0]
            res.project_id = proj['id']
        domain_id = proj['domain_id'] if proj else snap.domain_id(tenant.domain)
        _plan_tenant_access(snap, tenant, proj, domain_id, plan)
    return results, actions


class _GroupState:
    """What one managed group holds now: the group (None: to be created), its roles on the
    project and its members (user id -> name)."""

    def __init__(self, grp, roles=(), members=None):
        self.grp = grp
        self.roles = set(roles)
        self.members = members or {}


def _plan_tenant_access(snap, tenant, proj, domain_id, plan):
    idp = snap.identity_providers.get(tenant.federation) if tenant.federation else None
    if idp is not None and idp.problem:
        # checked before any write: nothing of the tenant's access is changed until it is fixed
        plan.result.fail('federation_unavailable', 'landing zone %s binds users through federation, but %s'
                         % (tenant.landing_zone, idp.problem))
        return
    owned_groups = {}
    for grp in snap.owned_groups(tenant.key):
        owned_groups.setdefault(group_owner(grp)[1], []).append(grp)
    recorded = applied_of(proj, ACCESS_APPLIED_ATTR)
    record, before, after = {}, {}, {}
    for gspec in tenant.groups:
        state = _plan_group(snap, tenant, gspec, owned_groups.get(gspec.role, []), proj, domain_id, plan)
        if state is None:
            continue
        grp = state.grp
        before[gspec.role] = dict(group=grp['name'], roles=sorted(state.roles),
                                  members=sorted(state.members.values())) if grp else None
        last = (recorded or {}).get(gspec.role) if grp is not None else None
        record[gspec.role] = _plan_group_access(snap, tenant, gspec, state, last, plan)
        after[gspec.role] = dict(group=gspec.name, roles=sorted(gspec.keystone_roles),
                                 members=sorted(record[gspec.role].pop('names')))
    desired_roles = set(g.role for g in tenant.groups)
    for role, groups in sorted(owned_groups.items()):
        if role in desired_roles:
            continue
        for grp in groups:
            before[role] = dict(group=grp['name'])
            _delete_group(plan, PHASE_GROUP, ActionKind.DELETE_UNMAPPED_GROUP, grp, role)
    if record != recorded and not plan.result.errors:
        # what this run makes true, recorded once all of it is written (skipped if a write fails)
        body = {ACCESS_APPLIED_ATTR: record}
        if immutable(proj):
            body['options'] = {IMMUTABLE_OPTION: True}
        _patch_project(plan, PHASE_RECORD_ACCESS, ActionKind.RECORD_ACCESS, tenant.name,
                       proj['id'] if proj else None, body, unlock=immutable(proj))
    plan.result.before, plan.result.after = before, after


def _plan_group(snap, tenant, gspec, candidates, proj, domain_id, plan):
    """The group of ``gspec``: duplicates deleted, renamed or created; None when a foreign group has its name."""
    grp = candidates[0] if candidates else None
    for extra in candidates[1:]:
        _delete_group(plan, PHASE_GROUP, ActionKind.DELETE_DUPLICATE_GROUP, extra)
    if grp is None:
        clash = snap.group_named(gspec.name, domain_id) if domain_id is not None else None
        if clash is not None:
            plan.result.fail('group_name_collision',
                             'a group named %s already exists in domain %s (%s) and is not managed by '
                             'this collection; it is left untouched'
                             % (gspec.name, snap.domain_name(domain_id), clash['id']))
            return None
        plan.add(PHASE_GROUP, ActionKind.CREATE_GROUP, gspec.name, tenant=tenant, group=gspec, domain_id=domain_id)
        return _GroupState(None)
    if grp['name'] != gspec.name:
        plan.add(PHASE_GROUP, ActionKind.RENAME_GROUP, grp['name'], grp['id'], gspec.name,
                 path='/groups/%s' % grp['id'], resource='group', body={'name': gspec.name})
    if group_platform(grp) is None:
        # created before groups carried their platform: marked once, so that a platform sharing this Keystone
        # never takes it (_ownership.GROUP_PLATFORM_ATTR)
        plan.add(PHASE_GROUP, ActionKind.MARK_GROUP, gspec.name, grp['id'], tenant.platform,
                 path='/groups/%s' % grp['id'], resource='group', body={GROUP_PLATFORM_ATTR: tenant.platform})
    roles = _role_names(snap, snap.group_grants.get((grp['id'], proj['id']), ())) if proj is not None else ()
    state = _GroupState(grp, roles, snap.members.get(grp['id'], {}))
    _remark_foreign_grants(snap, grp, proj, plan.result)
    return state


def _plan_group_access(snap, tenant, gspec, state, last, plan):
    """Grants and memberships of one group; returns its access record (plus the bound ``names``)."""
    res = plan.result
    if last is not None and sorted(state.roles) != sorted(last.get('roles') or []):
        res.remark('drift_reverted', 'group %s: role grants were changed outside the inventory (%s); set back '
                   'to %s' % (gspec.name, ', '.join(sorted(state.roles)) or 'none',
                              ', '.join(sorted(gspec.keystone_roles))),
                   drift=dict(field='grants', group=gspec.name, old=sorted(state.roles),
                              new=sorted(gspec.keystone_roles)))
    _plan_grants(snap, tenant, gspec, state, plan)
    _remark_expiry(gspec, res)
    desired = _bound_users(snap, tenant, gspec, plan)
    kept = _plan_members(tenant, gspec, state, desired, plan)
    if last is not None and sorted(state.members) != sorted(last.get('members') or []):
        res.remark('drift_reverted', 'group %s: members were changed outside the inventory (%s); set back to %s'
                   % (gspec.name, ', '.join(sorted(state.members.values())) or 'none',
                      ', '.join(sorted(desired.values())) or 'none'),
                   drift=dict(field='members', group=gspec.name, old=sorted(state.members.values()),
                              new=sorted(desired.values())))
    return dict(roles=sorted(r for r in gspec.keystone_roles if r in snap.roles_by_name),
                members=sorted(set(desired) | kept), names=list(desired.values()))


def _remark_expiry(gspec, res):
    for euid, day in gspec.expired:
        res.remark('binding_expired', 'the binding of %s as %s expired on %s: the member is removed; remove the '
                   'binding from the inventory' % (euid, gspec.role, day), user=euid, role=gspec.role, expires=day)
    for euid, day in gspec.expiring:
        res.remark('binding_expires_soon', 'the binding of %s as %s expires on %s' % (euid, gspec.role, day),
                   user=euid, role=gspec.role, expires=day)


def _plan_grants(snap, tenant, gspec, state, plan):
    target = dict(key=tenant.key, role=gspec.role, group=state.grp)
    group_id = state.grp['id'] if state.grp else None
    for role in sorted(set(gspec.keystone_roles) - state.roles):
        if role not in snap.roles_by_name:
            plan.result.fail('unknown_role', 'Keystone role %s (mapped from %s) does not exist' % (role, gspec.role))
            continue
        plan.add(PHASE_ACCESS, ActionKind.GRANT, gspec.name, group_id, role, method='PUT',
                 role_id=snap.roles_by_name[role], **target)
    for role in sorted(state.roles - set(gspec.keystone_roles)):
        plan.add(PHASE_ACCESS, ActionKind.REVOKE, gspec.name, group_id, role, method='DELETE',
                 role_id=snap.roles_by_name[role], **target)


def _bound_users(snap, tenant, gspec, plan):
    """user id -> name as Keystone spells it, of the members of ``gspec`` bound now (a user this
    run creates ahead of its login: ``federation.pending_id``)."""
    res = plan.result
    desired = {}
    for name in gspec.members:
        users = snap.users_named(name)
        if not users and tenant.federation is not None:
            _plan_prebound_user(snap, tenant, name, plan)
            desired[pending_id(name)] = name
        elif not users:
            res.remark('user_not_found', 'user %s (%s) does not exist yet; bound on a later run'
                       % (name, gspec.role))
        elif len(users) > 1:
            res.remark('user_ambiguous', 'several users are named %s as Keystone compares names (case '
                       'ignored): %s; none is bound' % (name, ', '.join(sorted('%s (%s)' % (n, i) for i, n in users))))
        else:
            user_id, spelt = users[0]
            if spelt != name:
                res.remark('user_name_case', 'user %s is bound as Keystone user %s: the names differ only in '
                           'case, which Keystone treats as the same name' % (name, spelt))
            desired[user_id] = spelt
    return desired


def _plan_prebound_user(snap, tenant, name, plan):
    """Create ``name`` as a shadow user of the zone's identity provider, once per run."""
    fed = tenant.federation
    plan.result.remark('user_prebound', 'user %s has not logged in yet; it is created in domain %s for %s (%s) '
                       'and bound now' % (name, fed.domain, fed.identity_provider, ', '.join(fed.protocols)),
                       user=name)
    if any(a.kind == ActionKind.CREATE_USER and a.label == name for a in plan.step_actions):
        return
    plan.add(PHASE_GROUP, ActionKind.CREATE_USER, name, None, fed.identity_provider, federation=fed, name=name,
             domain_id=snap.identity_providers[fed].domain_id, platform=tenant.platform)


def plan_unbound_users(unbound, actions):
    """Rows for users this platform created ahead of their login that nothing binds any more
    (``unbound``: with their groups): deleted when they never logged in and this run leaves them
    in no group; kept, with a remark, otherwise."""
    results = []
    for user in unbound:
        plan = Plan(Result('user/%s' % user.name, user.name), actions)
        removed = set(a.target for a in actions if a.kind in GROUP_DELETIONS or (
            a.kind == ActionKind.REMOVE_MEMBER and a.args.get('user_id') == user.id))
        others = sorted(set(user.group_ids) - removed)
        if user.logged_in:
            plan.result.remark('prebound_user_kept', 'user %s is bound no more but has logged in; the collection '
                               'never deletes it' % user.name, user=user.name)
        elif others:
            plan.result.remark('prebound_user_kept', 'user %s is bound no more but is a member of group(s) %s, '
                               'which this run does not manage; kept' % (user.name, ', '.join(others)), user=user.name)
        else:
            plan.add(PHASE_DELETE_GROUP, ActionKind.DELETE_USER, user.name, user.id, path='/users/%s' % user.id)
        results.append(plan.result)
    return results


def _plan_members(tenant, gspec, state, desired, plan):
    """Adds and removals; returns the ids of members kept because their name is ambiguous."""
    target = dict(key=tenant.key, role=gspec.role, group=state.grp)
    group_id = state.grp['id'] if state.grp else None
    member_keys = set(keystone_name_key(n) for n in gspec.members)
    kept = set()
    for user_id in sorted(set(desired) - set(state.members)):
        plan.add(PHASE_ACCESS, ActionKind.ADD_MEMBER, gspec.name, group_id, desired[user_id], method='PUT',
                 user_id=user_id, **target)
    for user_id in sorted(set(state.members) - set(desired)):
        name = state.members[user_id]
        if keystone_name_key(name) in member_keys:
            kept.add(user_id)
            continue  # ambiguous name: neither add nor remove
        plan.add(PHASE_ACCESS, ActionKind.REMOVE_MEMBER, gspec.name, group_id, name, method='DELETE',
                 user_id=user_id, **target)
    return kept


def _role_names(snap, role_ids):
    return [snap.role_name(r) for r in role_ids]


def _remark_foreign_grants(snap, grp, proj, res):
    for project_id, roles in sorted(snap.grants_of_group(grp['id']).items()):
        if proj is None or project_id != proj['id']:
            res.remark('foreign_assignment',
                       'managed group %s also holds %s on project %s, granted outside the '
                       'inventory; left as is' % (grp['name'], ', '.join(sorted(_role_names(snap, roles))),
                                                  snap.project_label(project_id)),
                       project=snap.project_label(project_id))
