# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runs of keystone_tenant (``replicate_tenants``) and keystone_group_binding
(``replicate_access``): validate, connect, read, plan, apply, report, once each. Each step is
timed; the request count comes from the module's counter."""

import os
import time

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.model import DeletionResources, State
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import (
    inventory_of,
    is_validated,
    select_scope,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import UserError
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.apply import ApplyContext, apply
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.federation import read_identity_provider
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.leftovers import Checker
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.limits import (
    check_max_deletions,
    check_removals,
    removals,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.purge import Purger, describe_kinds
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.plan import (
    ActionKind,
    Result,
    domain_deletions,
    hold_deletions,
    plan_access,
    plan_domain_deletion,
    plan_unbound_users,
    plan_tenants,
    project_deletions,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.snapshot import (
    Prefetch,
    ReadMode,
    Snapshot,
    hand_listing,
    handed_projects,
    list_keystone,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import platform_marker_tags
from ansible_collections.landingzone.openstack.plugins.module_utils._progress import NoProgress, Phase, progress_of
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.isolation import (
    failed_whole,
    handoff,
    skipped_whole,
    split,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.references import References, hold_zones
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import RestClient, client_endpoint, endpoint_of, list_all
from ansible_collections.landingzone.openstack.plugins.module_utils._results import summary as status_counts


def desired_scope(params):
    """Validate the whole inventory (quota keys included; a run limited to some workspaces whose inventory the run's
    inventory_validate passed, only those: option ``validated``) and return the run's ``Scope``: this
    platform's Tenants (of ``only_workspaces``, of the ``shard``) and whether it decides orphans.

    No request is made: a bad quota key must stop the run before the tenants are written.
    """
    if params.get('identity_platform'):
        raise UserError('platform %s takes its identity from platform %s (identity_platform): Keystone is written '
                        'by the runs of %s only; run the quota step here' % (
                            params['platform'], params['identity_platform'], params['identity_platform']))
    inventory = inventory_of(params)
    return select_scope(inventory, params['platform'], params.get('platforms'), params.get('only_workspaces'),
                        params.get('workspace_files'), params.get('shard'), validated=is_validated(params))


# What each step lists of the whole cloud in a run that reads while analysing (``scope_and_prefetch``)
TENANTS_PREFETCH = ('/domains', '/projects')
ACCESS_PREFETCH = ('/groups', '/roles')


def scope_and_prefetch(module, paths, may_connect=True):
    """(the run's Scope, connection or None, Prefetch or None). A whole run whose inventory the run's
    inventory_validate passed (option ``validated``: the analysis cannot fail) connects first and lists ``paths``
    while ``desired_scope`` analyses the inventory (at 10,000 tenants both take seconds: docs/scale.md, "Figures:
    reading while analysing"); any other run, or one that may not connect, analyses before its first request."""
    params = module.params
    if not may_connect or params.get('only_workspaces') or params.get('identity_platform') or not is_validated(params):
        return desired_scope(params), None, None
    conn = module.connect()
    prefetch = Prefetch(module.rest(conn.identity), paths)
    try:
        return desired_scope(params), conn, prefetch
    except BaseException:
        prefetch.close()
        raise


def desired_tenants(params):
    """The Tenants of ``desired_scope``."""
    return desired_scope(params).tenants


def run_tenants_module(module, prune=False):
    """Run keystone_tenant to its end (exit_json / fail_json)."""
    progress = module.run(progress_of, module, 'tenants')
    module.run(check_max_deletions, module.params['max_deletions'], module.params['platform'])
    scope, conn, prefetch = module.run(scope_and_prefetch, module, TENANTS_PREFETCH)
    conn = conn or module.connect()
    result = module.run(replicate_tenants, module, module.rest(conn.identity), scope, prune,
                        progress=progress, prefetch=prefetch,
                        checker=lambda: Checker(conn, retries=module.params['retries']),
                        volume_types=lambda: read_volume_types(conn, module.params['retries']),
                        purger=lambda checker: Purger(conn, checker, module.counter, module.params['retries']))
    module.exit_with_rows(result, module.params['platform'])


def run_access_module(module):
    """Run keystone_group_binding to its end (exit_json / fail_json)."""
    progress = module.run(progress_of, module, 'access')
    # an earlier step that failed as a whole (it could not connect): this one ends without connecting
    scope, conn, prefetch = module.run(scope_and_prefetch, module, ACCESS_PREFETCH,
                                       may_connect=not failed_whole(module.params.get('previous_steps')))
    module.exit_skipped(skipped_whole(scope.tenants, module.params.get('previous_steps'), Result))
    conn = conn or module.connect()
    result = module.run(replicate_access, module, module.rest(conn.identity), scope, progress, prefetch)
    module.exit_with_rows(result, module.params['platform'])


def replicate_tenants(module, rest, scope, prune=False, checker=None, volume_types=None, purger=None,
                      progress=None, prefetch=None):
    """Read, plan and (unless check mode) apply projects, domains and the deletion lifecycle of the
    ``scope``'s tenants (validate.Scope); orphans only when the scope decides them.

    ``checker()`` gives the pre-deletion check (leftovers.Checker), made only when a project is to
    be deleted; ``volume_types()`` the platform's volume types (None: no block storage), read only
    when the tenants step is about to write and a quota key names a type; ``purger(checker)`` the
    purge of deletion_resources: purge (purge.Purger), made only when a purge is to run.
    ``progress``: _progress.Progress; ``prefetch``: listings read while the scope was analysed (snapshot.Prefetch)."""
    progress = progress or NoProgress()
    progress.enter(Phase.READ)
    started = time.time()
    tenants = scope.tenants
    try:
        snap = Snapshot.read_tenants(rest, tenants, prune, platform=module.params['platform'],
                                     limited=bool(module.params.get('only_workspaces')),
                                     max_workers=module.params['max_workers'], prefetch=prefetch).on_demand(
            rest, checker, module.params['max_workers'])
    finally:
        if prefetch is not None:
            prefetch.close()
    refs = References(lambda: list_keystone(rest, '/roles', 'roles'), volume_types,
                      lambda fed: read_identity_provider(rest, fed).problem)
    timings = dict(snapshot=time.time() - started)
    progress.enter(Phase.PLAN)
    platform = module.params['platform']
    results, orphans, actions = plan_tenant_step(snap, refs, tenants, platform, prune,
                                                 scope.decides_orphans, scope.others)
    # before the first write, in check mode too: a plan that removes too much is refused whole
    check_removals(removals(snap.projects, actions, set(r.key for r in orphans), platform_marker_tags(platform)),
                   platform, module.params['max_deletions'], module.params['allow_empty_inventory'])
    # what the plan read on demand (leftovers, a domain's users, the references)
    timings['leftovers'] = snap.read_seconds + refs.read_seconds
    timings['plan'] = time.time() - started - timings['snapshot'] - timings['leftovers']
    out = _apply(module, rest, snap, (started, timings), results, orphans, actions, purger=purger, progress=progress)
    listing = _hand_listing(module, rest, snap, actions)
    if listing is not None:
        out['handoff']['listing'] = listing
    return out


def _hand_listing(module, rest, snap, actions):
    """The reference to the projects this step listed, written for the run's later steps (``handed_projects``), when it
    listed them all and wrote nothing and the role gave it a rows file to write beside; else None."""
    path = module.params.get('rows_file')
    if not path or actions or snap.scope_read.mode != ReadMode.LISTED:
        return None
    try:
        return hand_listing(os.path.splitext(path)[0] + '.projects.json', snap, client_endpoint(rest),
                            module.params['platform'])
    except OSError as exc:
        module.warn('the project listing for the later steps could not be written (%s): they list the projects' % exc)
        return None


def plan_tenant_step(snap, refs, tenants, platform, prune=False, ownership_complete=True, others=frozenset()):
    """(results, orphans, actions) of the tenants step: the tenants' plans, less the deletions of
    projects that still hold resources (a purge before them when their zone says so), plus the
    deletion of domains left empty, less every write of a zone that names what the cloud lacks."""
    results, orphans, actions = plan_tenants(snap, tenants, platform_marker_tags(platform), prune=prune,
                                             ownership_complete=ownership_complete, others=others)
    everyone = results + orphans
    deletions = project_deletions(actions)
    if deletions:
        # orphans have no landing zone any more: their leftovers are only ever blocked
        purge = dict((t.key, t.marker_tags) for t in tenants if t.state == State.DELETED and t.deletion_resources == DeletionResources.PURGE)
        actions = hold_deletions(everyone, actions, snap.leftovers(deletions), purge)
    for key, domain in domain_deletions(snap, tenants, actions):
        # Keystone deletes a domain's users with it: only an empty domain goes
        users = snap.domain_users(domain['id'])
        if users:
            next(r for r in everyone if r.key == key).remark(
                'domain_kept', 'domain %s is kept: it still holds %d user(s)' % (domain['name'], len(users)))
            continue
        plan_domain_deletion(everyone, actions, key, domain)
    if actions:
        # before the first write: what the inventory names on the cloud must exist
        found = refs.missing(tenants, lambda name: snap.domain_id(name) is not None)
        if found:
            actions = hold_zones(results, actions, tenants, found)
    return results, orphans, actions


def replicate_access(module, rest, scope, progress=None, prefetch=None):
    """Read, plan and (unless check mode) apply groups, role grants and memberships of the run's
    ``scope``; a tenant an earlier step failed is skipped (``previous_steps``). ``prefetch``: listings read while
    the scope was analysed (snapshot.Prefetch)."""
    progress = progress or NoProgress()
    progress.enter(Phase.READ)
    started = time.time()
    tenants, skipped = split(scope.tenants, module.params.get('previous_steps'), Result)
    try:
        snap = Snapshot.read_access(rest, tenants, module.params['max_workers'], platform=module.params['platform'],
                                    members_read=module.params['members_read'],
                                    limited=bool(module.params.get('only_workspaces')),
                                    handed=handed_projects(module.params.get('previous_steps'), client_endpoint(rest),
                                                           module.params['platform'], module.warn),
                                    prefetch=prefetch)
    finally:
        if prefetch is not None:
            prefetch.close()
    project_ids = dict((t.key, None) for t in tenants) if module.check_mode else None
    timings = dict(snapshot=time.time() - started)
    progress.enter(Phase.PLAN)
    results, actions = plan_access(snap, tenants, project_ids=project_ids)
    unbound = []
    if scope.decides_orphans:
        # who still binds a user is known only from the platform's whole inventory (skipped tenants and
        # other shards included): a run of a whole platform, or the platform-wide shard, decides it
        unbound = plan_unbound_users(snap.unbound_prebound_users(rest, scope.every, module.params['platform']), actions)
    timings['plan'] = time.time() - started - timings['snapshot']
    out = _apply(module, rest, snap, (started, timings), results, unbound, actions, skipped=skipped, progress=progress)
    out['members'] = snap.member_reads.as_dict()
    return out


def _apply(module, rest, snap, clock, results, orphans, actions, skipped=(), purger=None, progress=None):
    """Apply the plan (unless check mode) and return the module result."""
    progress = progress or NoProgress()
    started, timings = clock
    purges = [a for a in actions if a.kind == ActionKind.PURGE_PROJECT]
    if module.check_mode:
        remark_planned_purges(results, purges)
    if actions and not module.check_mode:
        ctx = ApplyContext(rest, snap)
        for res in results:
            if res.project_id:
                ctx.project_ids[res.key] = res.project_id
        if purges:
            ctx.purger = purger(snap.checker)
        progress.enter(Phase.APPLY, total=len(actions), failed=sum(1 for r in results if r.errors))
        apply(ctx, actions, results + orphans, module.params['max_workers'], progress=progress)
        remark_purges(results, purges, ctx.purges)
    rows = [r.as_dict() for r in results + list(skipped)]
    orphan_rows = [r.as_dict() for r in orphans]
    timings['apply'] = time.time() - started - sum(timings.values())
    out = dict(changed=any(r.changes for r in results + orphans), tenants=rows, orphans=orphan_rows,
               summary=status_counts(rows + orphan_rows), planned=[a.summary for a in actions],
               timings=dict((k, round(v, 3)) for k, v in timings.items()), read=snap.scope_read.as_dict(),
               handoff=handoff(rows))
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
                   dry_run=counts_of(outcome.dry_run), purged=counts_of(outcome.purged),
                   temporary=outcome.temporary)


def counts_of(found):
    return dict((kind, len(items)) for kind, items in found.items())


def read_volume_types(conn, retries):
    """Names of the platform's volume types (private ones included), None without block storage."""
    if not endpoint_of(conn, 'block_storage'):
        return None
    rest = RestClient(conn.block_storage, retries=retries)
    return set(t['name'] for t in list_all(rest, '/types', 'volume_types', params={'is_public': 'None'})[0])
