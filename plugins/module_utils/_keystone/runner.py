# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runs of keystone_tenant and keystone_group_binding: validate, connect, snapshot, plan,
apply, report. Each step is timed; the request count comes from the module's counter."""

import time

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import select_tenants
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.apply import ApplyContext, apply
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.leftovers import Checker, describe
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.purge import Purger, describe_kinds
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.plan import (
    Result,
    deletion_pending,
    domain_deletions,
    hold_deletions,
    plan_access,
    plan_domain_deletion,
    plan_tenants,
    project_deletions,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.snapshot import (
    DEFAULT_DOMAIN_ID,
    Snapshot,
    list_keystone,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import platform_marker_tags
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.isolation import split
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.references import (
    hold_zones,
    missing,
    wanted_volume_types,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import RestClient, endpoint_of, list_all, pool_map
from ansible_collections.landingzone.openstack.plugins.module_utils._results import summary as status_counts

ASPECT_TENANTS = 'tenants'
ASPECT_ACCESS = 'access'


def desired_tenants(params):
    """Validate the whole inventory (quota keys included) and return this platform's Tenants.

    No request is made: a bad quota key must stop the run before the tenants are written.
    """
    inventory = dict(landing_zones=params['landing_zones'], workspaces=params['workspaces'])
    return select_tenants(inventory, params['platform'], params.get('platforms'), params.get('only_workspaces'),
                          params.get('workspace_files'))


def run_module(module, aspect, prune=False):
    """Run one replication module to its end (exit_json / fail_json)."""
    tenants = module.run(desired_tenants, module.params)
    conn = module.connect()
    result = module.run(replicate, module, module.rest(conn.identity), tenants, aspect, prune,
                        checker=lambda: Checker(conn, retries=module.params['retries']),
                        volume_types=lambda: read_volume_types(conn, module.params['retries']),
                        purger=lambda checker: Purger(conn, checker, module.counter, module.params['retries']))
    module.exit_with_rows(result, module.params['platform'])


def replicate(module, rest, tenants, aspect, prune=False, checker=None, volume_types=None, purger=None):
    """Snapshot, plan and (unless check mode) apply one aspect; returns the module result.

    ``checker()`` gives the pre-deletion check (leftovers.Checker), made only when a project is to
    be deleted; ``volume_types()`` the platform's volume types (None: no block storage), read only
    when the tenants step is about to write and a quota key names a type; ``purger(checker)`` the
    purge of deletion_resources: purge (purge.Purger), made only when a purge is to run."""
    started = time.time()
    timings = {}
    skipped = []
    leftover_checker = None
    if aspect == ASPECT_ACCESS:
        tenants, skipped = split(tenants, module.params.get('previous_steps'), Result)
    if aspect == ASPECT_TENANTS:
        snap = Snapshot.read(rest, domains=True, projects=True)
        if needs_groups(snap, tenants, prune):
            snap.read_groups(rest)
        timings['snapshot'] = time.time() - started
        results, orphans, actions = plan_tenants(
            snap, tenants, platform_marker_tags(module.params['platform']), prune=prune,
            ownership_complete=not module.params.get('only_workspaces'))
        deletions = project_deletions(actions)
        if deletions and checker is not None:
            leftover_checker = checker()
            # orphans have no landing zone any more: their leftovers are only ever blocked
            purge = dict((t.key, t.marker_tags) for t in tenants
                         if t.state == 'deleted' and t.deletion_resources == 'purge')
            actions = hold_deletions(results + orphans, actions,
                                     leftovers_of(leftover_checker, deletions, module.params['max_workers']), purge)
        for key, domain in domain_deletions(snap, tenants, actions):
            # Keystone deletes a domain's users with it: only an empty domain goes
            users = list_keystone(rest, '/users', 'users', params={'domain_id': domain['id']})
            if users:
                next(r for r in results + orphans if r.key == key).remark(
                    'domain_kept', 'domain %s is kept: it still holds %d user(s)' % (domain['name'], len(users)))
                continue
            plan_domain_deletion(results + orphans, actions, key, domain)
        if actions:
            # before the first write: what the inventory names on the cloud must exist
            types = volume_types() if volume_types is not None and wanted_volume_types(tenants) else None
            roles = set(r['name'] for r in list_keystone(rest, '/roles', 'roles') if not r.get('domain_id'))
            found = missing(tenants, roles, lambda name: snap.domain_id(name) is not None, types)
            if found:
                actions = hold_zones(results, actions, tenants, found)
        timings['leftovers'] = time.time() - started - timings['snapshot']
    else:
        snap = Snapshot.read(rest, domains=False, projects=True, groups=True, assignments=True)
        if needs_domains(snap, tenants):
            snap.read_domains(rest)
        ensure_roles(rest, snap, tenants)
        snap.resolve_users(rest, [m for t in tenants if t.state == 'present' for g in t.groups for m in g.members])
        project_ids = dict((t.key, None) for t in tenants) if module.check_mode else None
        timings['snapshot'] = time.time() - started
        results, actions = plan_access(snap, tenants, project_ids=project_ids)
        orphans = []
    timings['plan'] = time.time() - started - timings['snapshot'] - timings.get('leftovers', 0)
    purges = [a for a in actions if a.op == 'purge']
    if module.check_mode:
        remark_planned_purges(results, purges)
    if actions and not module.check_mode:
        ctx = ApplyContext(rest, snap)
        for res in results:
            if res.project_id:
                ctx.project_ids[res.key] = res.project_id
        if purges:
            ctx.purger = purger(leftover_checker)
        apply(ctx, actions, results + orphans, module.params['max_workers'])
        remark_purges(results, purges, ctx.purges)
    rows = [r.as_dict() for r in results + skipped]
    orphan_rows = [r.as_dict() for r in orphans]
    timings['apply'] = time.time() - started - sum(timings.values())
    out = dict(changed=any(r.changes for r in results + orphans), tenants=rows, orphans=orphan_rows,
               summary=status_counts(rows + orphan_rows), planned=[a.summary for a in actions],
               timings=dict((k, round(v, 3)) for k, v in timings.items()))
    if module._diff:
        out['diff'] = dict(before=dict((r.key, r.before) for r in results + orphans if r.changes),
                           after=dict((r.key, r.after) for r in results + orphans if r.changes))
    return out


def remark_planned_purges(results, purges):
    """Check mode: what a purge would delete, as the pre-deletion check listed it (its dry run
    needs a token scoped to the project, which takes writes: enabling it, granting a role)."""
    by_key = dict((r.key, r) for r in results)
    for action in purges:
        by_key[action.tenant_key].remark(
            'purge_planned', 'project %s holds %s; deletion_resources: purge deletes it with openstacksdk\'s project '
            'cleanup (a dry run first), then the project' % (action.args['name'], action.args['found']),
            counts=action.args['counts'])


def remark_purges(results, purges, outcomes):
    """After the apply: what each purge's dry run listed and what the purge deleted (info remark
    ``purged``), and the temporary changes it made and undid."""
    by_key = dict((r.key, r) for r in results)
    for action in purges:
        outcome = outcomes.get(action.tenant_key)
        res = by_key[action.tenant_key]
        if outcome is None or outcome.refused:
            res.after = dict(res.before, enabled=False)
            continue
        if outcome.remaining[0] or outcome.remaining[1]:
            res.after = dict(res.before, enabled=False)
        res.remark('purged', 'project %s: the dry run listed %s; the purge asked for the deletion of %s (%s, undone after it)'
                   % (action.args['name'], describe_kinds(outcome.dry_run) or 'nothing',
                      describe_kinds(outcome.purged) or 'nothing', '; '.join(outcome.temporary) or 'no temporary change'),
                   severity='info', dry_run=counts_of(outcome.dry_run), purged=counts_of(outcome.purged),
                   temporary=outcome.temporary)


def counts_of(found):
    return dict((kind, len(items)) for kind, items in found.items())


def read_volume_types(conn, retries):
    """Names of the platform's volume types (private ones included), None without block storage."""
    if not endpoint_of(conn, 'block_storage'):
        return None
    rest = RestClient(conn.block_storage, retries=retries)
    return set(t['name'] for t in list_all(rest, '/types', 'volume_types', params={'is_public': 'None'})[0])


def leftovers_of(checker, deletions, max_workers):
    """tenant key -> (summary, counts, unknown kinds) of each project about to be deleted."""
    keys = sorted(deletions)
    checked = pool_map(lambda key: checker.check(deletions[key]), keys, max_workers)
    held = {}
    for key, (found, unknown) in zip(keys, checked):
        text, counts = describe(found) if found else (None, {})
        held[key] = (text, counts, unknown)
    return held


def needs_groups(snap, tenants, prune):
    # Groups are listed only when a deletion lifecycle still has work to do: this keeps the no-op
    # run at a few calls.
    if prune:
        return True
    for tenant in tenants:
        if tenant.state == 'deleted':
            # No project left means the lifecycle finished: groups go before the project.
            if any(deletion_pending(p) for p in snap.owned_projects(tenant.marker_tags)):
                return True
    return False


def needs_domains(snap, tenants):
    # Groups are created in their project's domain; the domain list is needed only for tenants
    # whose project does not exist yet (check mode before the first run).
    return any(t.state == 'present' and t.domain != DEFAULT_DOMAIN_ID and not snap.owned_projects(t.marker_tags)
               for t in tenants)


def ensure_roles(rest, snap, tenants):
    # Role ids come free with the assignment listing; list roles only when a mapped role has not
    # been seen there (first run, or a new mapping).
    wanted = set(r for t in tenants for g in t.groups for r in g.keystone_roles)
    if not wanted.issubset(snap.roles_by_name):
        snap.read_roles(rest)
