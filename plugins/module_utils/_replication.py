# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run of a replication module: validate, connect, snapshot, plan, apply, report.

The modules keystone_tenant and keystone_group_binding are thin: argument spec, docs, and a call
to ``run_module`` with what they replicate (``ASPECT_TENANTS`` or ``ASPECT_ACCESS``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.landingzone.openstack.plugins.module_utils import _client
from ansible_collections.landingzone.openstack.plugins.module_utils import _keystone
from ansible_collections.landingzone.openstack.plugins.module_utils._quota import validate_quotas
from ansible_collections.landingzone.openstack.plugins.module_utils._report import exit_with_rows
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import (
    InventoryError,
    LANDING_ZONE_TAG,
    owner_tags,
    platform_marker_tags,
    select_tenants,
)

ASPECT_TENANTS = 'tenants'
ASPECT_ACCESS = 'access'

INVENTORY_ARGSPEC = dict(
    platform=dict(type='str', required=True),
    platforms=dict(type='list', elements='str'),
    landing_zones=dict(type='dict', required=True),
    workspaces=dict(type='list', elements='dict', required=True),
    only_workspaces=dict(type='list', elements='str'),
)


def argument_spec(**extra):
    spec = dict(_client.CONNECTION_ARGSPEC)
    spec.update(INVENTORY_ARGSPEC)
    spec.update(extra)
    return spec


def marker_tags(tenant):
    """Tags that identify the tenant's project: ours, and which workspace/project it is.

    The landing-zone tag is left out on purpose: moving a project to another landing zone must
    update the project, not orphan it.
    """
    return [t for t in owner_tags(tenant.workspace, tenant.project, tenant.landing_zone,
                                  tenant.platform)
            if not t.startswith(LANDING_ZONE_TAG)]


def tenant_spec(tenant):
    groups = [_keystone.GroupSpec(g.role, g.name, g.keystone_roles, g.members)
              for g in tenant.groups]
    return _keystone.TenantSpec(
        key=tenant.key, name=tenant.name,
        domain=tenant.domain_id or tenant.domain_name,
        description=tenant.description, tags=tenant.tags, marker_tags=marker_tags(tenant),
        state=tenant.state, delete_project=tenant.delete_allowed, groups=groups,
        workspace=tenant.workspace, project=tenant.project)


def desired_tenants(params):
    """Validate the whole inventory (quota keys included) and return this platform's TenantSpecs.

    No request is made: a bad quota key must stop the run before the tenants are written.
    """
    inventory = dict(landing_zones=params['landing_zones'], workspaces=params['workspaces'])
    tenants = select_tenants(inventory, params['platform'], params.get('platforms'),
                             params.get('only_workspaces'), validators=[validate_quotas])
    return [tenant_spec(t) for t in tenants]


def _summary(rows):
    counts = dict(ok=0, changed=0, remarks=0, failed=0)
    for row in rows:
        counts[row['status']] += 1
    return counts


def run_module(module, aspect, prune=False):
    """Run one replication module to its end (exit_json / fail_json)."""
    params = module.params
    try:
        specs = desired_tenants(params)
    except InventoryError as exc:
        module.fail_json(msg='invalid inventory: %s' % exc,
                         errors=[e.to_dict() for e in exc.errors], requests=dict(total=0))
    if not _client.HAS_SDK:
        module.fail_json(msg=missing_required_lib('openstacksdk'),
                         exception=str(_client.SDK_IMPORT_ERROR))

    counter = None
    try:
        conn, counter = _client.connect(params)
        rest = _client.RestClient(conn.identity, retries=params['retries'])
        result = _replicate(module, rest, specs, aspect, prune)
    except _keystone.KeystoneStateError as exc:
        module.fail_json(msg=str(exc), requests=_requests(counter))
    except _client.ApiError as exc:
        module.fail_json(msg='Keystone request failed before any change: %s' % exc,
                         requests=_requests(counter))
    except Exception as exc:  # noqa: BLE001 - openstacksdk config/auth errors have many types
        module.fail_json(msg='cannot connect to the platform: %s: %s'
                         % (type(exc).__name__, exc), requests=_requests(counter))
    result['requests'] = _requests(counter)
    exit_with_rows(module, result, params['platform'])


def _requests(counter):
    return counter.as_dict() if counter is not None else dict(total=0)


def _replicate(module, rest, specs, aspect, prune):
    started = time.time()
    timings = {}
    if aspect == ASPECT_TENANTS:
        snap = _keystone.Snapshot.read(rest, domains=True, projects=True)
        if _needs_groups(snap, specs, prune):
            snap.read_groups(rest)
        timings['snapshot'] = time.time() - started
        results, orphans, actions = _keystone.plan_tenants(
            snap, specs, platform_marker_tags(module.params['platform']), prune=prune,
            ownership_complete=not module.params.get('only_workspaces'))
    else:
        snap = _keystone.Snapshot.read(rest, domains=False, projects=True, groups=True,
                                       assignments=True)
        if _needs_domains(snap, specs):
            snap.read_domains(rest)
        _ensure_roles(rest, snap, specs)
        snap.resolve_users(rest, [m for s in specs if s.state == 'present'
                                  for g in s.groups for m in g.members])
        project_ids = dict((s.key, None) for s in specs) if module.check_mode else None
        timings['snapshot'] = time.time() - started
        results, actions = _keystone.plan_access(snap, specs, project_ids=project_ids)
        orphans = []
    timings['plan'] = time.time() - started - timings['snapshot']
    if actions and not module.check_mode:
        ctx = _keystone.ApplyContext(rest, snap)
        for res in results:
            if res.project_id:
                ctx.project_ids[res.key] = res.project_id
        _keystone.apply(ctx, actions, results + orphans, module.params['max_workers'])
    rows = [r.as_dict() for r in results]
    orphan_rows = [r.as_dict() for r in orphans]
    changed = any(r.changes for r in results + orphans)
    timings['apply'] = time.time() - started - timings['snapshot'] - timings['plan']
    out = dict(changed=changed, tenants=rows, orphans=orphan_rows,
               summary=_summary(rows + orphan_rows),
               planned=[a.summary for a in actions],
               timings=dict((k, round(v, 3)) for k, v in timings.items()))
    if module._diff:
        before = dict((r.key, r.before) for r in results + orphans if r.changes)
        after = dict((r.key, r.after) for r in results + orphans if r.changes)
        out['diff'] = dict(before=before, after=after)
    return out


def _needs_groups(snap, specs, prune):
    # Groups are listed only when a deletion lifecycle still has work to do: this keeps the no-op
    # run at a few calls.
    if prune:
        return True
    for spec in specs:
        if spec.state == 'deleted':
            owned = snap.owned_projects(spec.marker_tags)
            # No project left means the lifecycle finished: groups go before the project.
            if any(_keystone.deletion_pending(p) for p in owned):
                return True
    return False


def _needs_domains(snap, specs):
    # Groups are created in their project's domain; the domain list is needed only for tenants
    # whose project does not exist yet (check mode before the first run).
    return any(s.state == 'present' and s.domain != _keystone.DEFAULT_DOMAIN_ID
               and not snap.owned_projects(s.marker_tags) for s in specs)


def _ensure_roles(rest, snap, specs):
    # Role ids come free with the assignment listing; list roles only when a mapped role has not
    # been seen there (first run, or a new mapping).
    wanted = set(r for s in specs for g in s.groups for r in g.keystone_roles)
    if not wanted.issubset(snap.roles_by_name):
        snap.read_roles(rest)
