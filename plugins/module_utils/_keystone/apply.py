# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Carrying out a Keystone plan: phase by phase, each phase in a bounded thread pool.

Every operation is idempotent, and a create that failed ambiguously (timeout, 5xx) is preceded by
a lookup before it is tried again, so a re-run after any fault converges without duplicates.
A tenant whose write failed skips its later writes; the other tenants go on.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import (
    ACCESS_APPLIED_ATTR,
    APPLIED_ATTR,
    DOMAIN_OWNER_ATTR,
    IMMUTABLE_OPTION,
    applied_project,
    carries,
    domain_owner,
    group_owned_by,
    group_owner_attrs,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.federation import Creator
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.leftovers import describe
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import audit
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import ApiError


class Held(Exception):
    """An operation that ends its tenant's writes for this run without failing it: the tenant
    gets the warning remark ``code`` and its later actions wait for a later run. ``wrote``: the
    operation changed something before it stopped."""

    def __init__(self, code, message, wrote=False, **extra):
        super().__init__(message)
        self.code = code
        self.message = message
        self.wrote = wrote
        self.extra = extra


class ApplyContext:
    """The REST client, the snapshot, and the ids of what this run created."""

    def __init__(self, rest, snapshot):
        self.rest = rest
        self.snapshot = snapshot
        self.project_ids = {}   # tenant key -> project id
        self.group_ids = {}     # (tenant key, role) -> group id
        self.domain_ids = {}    # domain name -> id
        self.purger = None      # purge.Purger when a purge is planned
        self.purges = {}        # tenant key -> purge.Outcome
        self.users = Creator()  # users created ahead of their first login
        self._lock = threading.Lock()

    def set(self, table, key, value):
        with self._lock:
            getattr(self, table)[key] = value

    def domain_of(self, domain):
        return self.snapshot.domain_id(domain) or self.domain_ids.get(domain)


def create_idempotent(rest, path, key, body, lookup):
    """POST ``body``; after an ambiguous failure or a 409, adopt what ``lookup()`` finds.

    ``lookup`` returns the resource if it exists *and is ours*, else None. A POST is retried only
    after the lookup says the first attempt did not land.
    """
    last = None
    for dummy in range(rest.retries + 1):
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


def create_domain(ctx, name, workspace=None):
    def lookup():
        # Keystone's name filter ignores case (and accents): adopt only the domain made for this workspace
        found = ctx.rest.get('/domains', params={'name': name}).get('domains', [])
        return next((d for d in found if workspace and domain_owner(d) == workspace), None)
    body = dict(name=name, description='landing zone domain of workspace %s' % name, enabled=True)
    if workspace:
        body[DOMAIN_OWNER_ATTR] = workspace
    dom = create_idempotent(ctx.rest, '/domains', 'domain', body, lookup)
    ctx.set('domain_ids', name, dom['id'])
    ctx.snapshot.add_domain(dom)


def create_project(ctx, tenant):
    domain_id = ctx.domain_of(tenant.domain)
    body = dict(name=tenant.name, domain_id=domain_id, description=tenant.description,
                enabled=True, tags=sorted(tenant.tags))
    body[APPLIED_ATTR] = applied_project(tenant.name, tenant.description, True, tenant.tags, tenant.protect)
    if tenant.protect:
        body['options'] = {IMMUTABLE_OPTION: True}

    def lookup():
        found = ctx.rest.get('/projects', params={'name': tenant.name, 'domain_id': domain_id})
        return next((p for p in found.get('projects', []) if carries(p, tenant.marker_tags)), None)
    proj = create_idempotent(ctx.rest, '/projects', 'project', body, lookup)
    ctx.set('project_ids', tenant.key, proj['id'])


def create_group(ctx, tenant, group, domain_id):
    dom = domain_id or ctx.domain_of(tenant.domain)
    body = dict(name=group.name, domain_id=dom,
                description='landing zone group: %s of %s' % (group.role, tenant.key),
                **group_owner_attrs(tenant.key, group.role, tenant.platform))

    def lookup():
        found = ctx.rest.get('/groups', params={'name': group.name, 'domain_id': dom})
        return next((g for g in found.get('groups', []) if group_owned_by(g, tenant.key, tenant.platform)), None)
    grp = create_idempotent(ctx.rest, '/groups', 'group', body, lookup)
    ctx.set('group_ids', (tenant.key, group.role), grp['id'])


def _unlock(ctx, path):
    # Keystone refuses every change to an immutable project but the lifting of the option itself;
    # the change that follows sets it again in the same request (protect_projects).
    ctx.rest.request('PATCH', path, json={'project': {'options': {IMMUTABLE_OPTION: False}}}, ok=(200,))


def patch(ctx, path, resource, body, unlock=False):
    if unlock:
        _unlock(ctx, path)
    ctx.rest.request('PATCH', path, json={resource: body}, ok=(200,))


def delete(ctx, path, unlock=False):
    if unlock:
        _unlock(ctx, path)
    # A 404 after a retried DELETE means the first attempt landed.
    ctx.rest.request('DELETE', path, ok=(204,), missing_ok=True)


def _group_id(ctx, key, role, group, method):
    group_id = group['id'] if group else ctx.group_ids.get((key, role))
    if not group_id:
        raise ApiError(method, 'tenant %s' % key, message='group was not created earlier in this run')
    return group_id


def grant(ctx, key, role, group, role_id, method):
    """Grant (PUT) or revoke (DELETE) ``role_id`` to the tenant's group on its project."""
    group_id = _group_id(ctx, key, role, group, method)
    project_id = ctx.project_ids.get(key)
    if not project_id:
        raise ApiError(method, 'tenant %s' % key, message='project was not created earlier in this run')
    ctx.rest.request(method, '/projects/%s/groups/%s/roles/%s' % (project_id, group_id, role_id),
                     ok=(204,), missing_ok=method == 'DELETE')


def member(ctx, key, role, group, user_id, method):
    """Add (PUT) or remove (DELETE) a user of the tenant's group."""
    group_id = _group_id(ctx, key, role, group, method)
    ctx.rest.request(method, '/groups/%s/users/%s' % (group_id, ctx.users.resolve(user_id)), ok=(204,),
                     missing_ok=method == 'DELETE')


def create_user(ctx, federation, name, domain_id, platform):
    ctx.users.ensure(ctx.rest, federation, name, domain_id, platform)


def record_access(ctx, path, resource, body, unlock=False):
    """``patch`` of the access record, with the ids of the users this run created."""
    record = dict((role, dict(entry, members=sorted(ctx.users.resolve(m) for m in entry.get('members') or [])))
                  for role, entry in body[ACCESS_APPLIED_ATTR].items())
    patch(ctx, path, resource, dict(body, **{ACCESS_APPLIED_ATTR: record}), unlock)


def delete_domain(ctx, domain_id):
    # Keystone deletes a domain's projects with it: a project of it that this run kept (a purge
    # that left resources, a held deletion of another tenant) keeps the domain
    left = ctx.rest.get('/projects', params={'domain_id': domain_id}).get('projects') or []
    if left:
        raise Held('domain_kept', 'domain %s is kept: it still holds project(s) %s'
                   % (domain_id, ', '.join(sorted('%s (%s)' % (p['name'], p['id']) for p in left))))
    # Keystone deletes only a disabled domain
    ctx.rest.request('PATCH', '/domains/%s' % domain_id, json={'domain': {'enabled': False}}, ok=(200,),
                     missing_ok=True)
    ctx.rest.request('DELETE', '/domains/%s' % domain_id, ok=(204,), missing_ok=True)


def purge(ctx, key, name, project_id, marker_tags, found, counts):
    """deletion_resources: purge. The project's deletion (the next phase) goes ahead only when the
    leftovers check after the purge finds it empty; otherwise it is held as in block mode."""
    outcome = ctx.purger.purge(ctx.rest, project_id, marker_tags)
    ctx.set('purges', key, outcome)
    if outcome.refused:
        raise Held('purge_refused', '%s; it still holds %s and is kept disabled' % (outcome.refused, found),
                   counts=counts)
    remaining, unknown = outcome.remaining
    if unknown:
        raise Held('resources_unknown', 'project %s is kept after the purge: what it holds could not be listed (%s)'
                   % (name, '; '.join('%s: %s' % kv for kv in sorted(unknown.items()))), wrote=True,
                   kinds=sorted(unknown))
    if remaining:
        text, left = describe(remaining)
        raise Held('resources_remaining', 'project %s still holds %s after the purge (openstacksdk\'s project cleanup '
                   'could not remove it); it is kept disabled and deleted on the first run after it is empty'
                   % (name, text), wrote=True, counts=left)


OPERATIONS = dict(create_domain=create_domain, create_project=create_project, create_group=create_group,
                  patch=patch, delete=delete, delete_domain=delete_domain, grant=grant, member=member, purge=purge,
                  create_user=create_user, record_access=record_access)


def apply(ctx, actions, results, max_workers=8, operations=None, progress=None):
    """Run ``actions`` phase by phase; a tenant whose action failed skips its later actions.
    ``progress`` (_progress.Progress) counts each action done and the tenants failed so far.

    Afterwards each result's changes are what was written (``TenantResult.settle``, by action
    id); the rest is in ``not_applied``. Returns the keys of the tenants that failed; their results
    carry an ``api_error``.
    """
    run = _Runner(ctx, results, operations or OPERATIONS, progress)
    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        for phase in sorted(set(a.phase for a in actions)):
            list(pool.map(run, [a for a in actions if a.phase == phase]))
    for res in results:
        if res.key in ctx.project_ids and not res.project_id:
            res.project_id = ctx.project_ids[res.key]
        res.settle(run.applied.get(res.key, ()))
    return run.failed


class _Runner:
    """Runs one action at a time (from many threads) and keeps what each tenant wrote."""

    def __init__(self, ctx, results, operations, progress=None):
        self.ctx = ctx
        self.progress = progress
        self.operations = operations
        self.by_key = dict((r.key, r) for r in results)
        self.failed = set()
        self.held = set()   # stopped by a Held operation: not failed, but their later actions wait
        self.applied = dict((r.key, []) for r in results)   # tenant key -> ids of the actions written
        self.lock = threading.Lock()

    def __call__(self, action):
        self._run(action)
        if self.progress is not None:
            self.progress.advance(len(self.failed))

    def _run(self, action):
        key = action.tenant_key
        if key in self.failed or key in self.held:
            return
        before, after = audit_change(action, self.by_key.get(key))
        try:
            with audit.describe(action.kind.value, key, action.label, before, after):
                self.operations[action.op](self.ctx, **action.args)
        except Held as held:
            with self.lock:
                self.held.add(key)
                res = self.by_key.get(key)
                if res is not None:
                    res.remark(held.code, held.message, **held.extra)
                if held.wrote:
                    self.applied.setdefault(key, []).append(action.id)
            return
        except ApiError as exc:
            with self.lock:
                self.failed.add(key)
                res = self.by_key.get(key)
                if res is not None:
                    res.fail('api_error', '%s failed: %s' % (action.summary, exc))
            return
        with self.lock:
            self.applied.setdefault(key, []).append(action.id)


# Operations whose audit entries carry the project's fields the plan read (before) and wants (after).
_CREATES_PROJECT = ('create_project',)
_DELETES_PROJECT = ('delete_project',)


def audit_change(action, res):
    """(before, after) of an action's audit entries, as far as the plan knows them: a patch's fields as Keystone
    had them and as written; a created project's fields; a deleted project's fields (None: not known)."""
    before = getattr(res, 'before', None) or {}
    body = action.args.get('body')
    if isinstance(body, dict):
        return dict((k, before[k]) for k in body if k in before) or None, body
    if action.kind.value in _CREATES_PROJECT:
        return None, getattr(res, 'after', None) or None
    if action.kind.value in _DELETES_PROJECT:
        return before or None, None
    return None, None
