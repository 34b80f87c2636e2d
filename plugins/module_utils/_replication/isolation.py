# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Failure isolation between replication steps, pure.

A later step (access, quotas) is given the registered results of the earlier ones
(``previous_steps``): each step's ``handoff`` (``handoff``: the rows a later step reads; the replicate role passes
that, not every tenant's row, which Ansible would copy into the next task: seconds at 10,000 tenants), or the whole
result when the step failed before it made one. A tenant that an earlier step failed is left alone by the later step and
gets a ``skipped`` row naming the reason; every other tenant goes on. A step that failed as a
whole (no rows: e.g. Keystone could not be listed) fails every tenant for the later steps.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils._results import Status, first_error

ALL_TENANTS = '*'
# what a later step reads of a row (failed_by, adopted_projects, new_projects)
HANDOFF_FIELDS = ('tenant', 'status', 'skipped', 'adopted_project', 'new_project')


def handoff(rows):
    """What the later steps of the run need of a step's ``rows``: the rows of the tenants it failed, skipped, created
    or adopted, with those fields and the first error remark (a no-op's is empty)."""
    kept = []
    for row in rows:
        if row.get('status') in (Status.FAILED, Status.SKIPPED) or row.get('new_project') or row.get('adopted_project'):
            small = dict((k, row[k]) for k in HANDOFF_FIELDS if row.get(k))
            small['remarks'] = [r for r in row.get('remarks') or () if r.get('severity') == 'error'][:1]
            kept.append(small)
    return dict(tenants=kept)


def failed_by(previous_steps):
    """tenant key -> why an earlier step failed it; ``ALL_TENANTS`` when a step failed as a whole."""
    failed = {}
    for step, result in (previous_steps or {}).items():
        if not isinstance(result, dict) or result.get('skipped'):
            continue
        rows = result.get('tenants') or []
        if result.get('failed') and not rows:
            failed.setdefault(ALL_TENANTS, '%s step failed: %s' % (step, result.get('msg') or 'failed'))
        for row in rows:
            if row.get('status') == Status.FAILED:
                failed.setdefault(row['tenant'], '%s step failed: %s' % (step, first_error(row)))
            elif row.get('status') == Status.SKIPPED:
                failed.setdefault(row['tenant'], row.get('skipped') or '%s step skipped it' % step)
    return failed


def split(tenants, previous_steps, result_class):
    """(tenants this step runs for, skipped results of the others) in inventory order."""
    failed = failed_by(previous_steps)
    run, skipped = [], []
    for tenant in tenants:
        reason = failed.get(tenant.key) or failed.get(ALL_TENANTS)
        if reason:
            res = result_class(tenant.key, tenant.name)
            res.skip(reason)
            skipped.append(res)
        else:
            run.append(tenant)
    return run, skipped


def failed_whole(previous_steps):
    """True when an earlier step failed as a whole (it could not connect, it refused its plan)."""
    return ALL_TENANTS in failed_by(previous_steps)


def skipped_whole(tenants, previous_steps, result_class):
    """Every tenant's skipped result when an earlier step failed as a whole (``failed_whole``), else None: the later
    step then ends without connecting (an endpoint that does not answer is waited for once per run, not once per
    step)."""
    if not failed_whole(previous_steps):
        return None
    return split(tenants, previous_steps, result_class)[1]


def adopted_projects(previous_steps):
    """tenant key -> id of the project the ``tenants`` step of this run adopts (in check mode: would
    adopt; its row says ``adopted_project``), unless that step failed them."""
    result = (previous_steps or {}).get('tenants')
    if not isinstance(result, dict) or result.get('skipped'):
        return {}
    return dict((row['tenant'], row['adopted_project']) for row in result.get('tenants') or []
                if row.get('adopted_project') and row.get('status') != Status.FAILED)


def new_projects(previous_steps):
    """Keys of the tenants whose project the ``tenants`` step of this run creates (in check mode:
    would create; its row says ``new_project``), unless that step failed them."""
    result = (previous_steps or {}).get('tenants')
    if not isinstance(result, dict) or result.get('skipped'):
        return frozenset()
    return frozenset(row['tenant'] for row in result.get('tenants') or []
                     if row.get('new_project') and row.get('status') != Status.FAILED)
