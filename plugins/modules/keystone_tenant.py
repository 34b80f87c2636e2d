#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: keystone_tenant
short_description: Replicate inventory projects into Keystone projects of one platform
version_added: 0.1.0
description:
  - Makes the Keystone projects (tenants) of one platform match the inventory, all tenants in one
    call. Reads Keystone in a few list calls, plans locally, writes only the differences in
    parallel, with retries that cannot create duplicates.
  - A tenant's project is named and described after its landing zone's patterns, lives in the
    C(default) domain or in a per-workspace domain (created when missing), and carries ownership
    tags (C(lz-managed), C(lz-ws=<workspace>), C(lz-proj=<project>), C(lz-zone=<landing zone>))
    plus the inventory's tags. Only projects carrying these tags are ever changed.
  - A project in state C(deleted) is disabled, its managed groups are deleted, and the Keystone
    project is deleted only when its landing zone sets C(delete_projects); otherwise it stays
    disabled and a remark says so.
  - Projects that carry the marker but that the inventory no longer names are reported as orphans
    and removed only with O(prune=true).
  - A project whose inventory entry names an existing Keystone project in C(adopt) takes that project over
    instead of creating one (it keeps its id), renamed, tagged and described as the inventory says; its direct
    role assignments are reported and kept. A project carrying another tenant's or platform's marker, in another
    domain, or missing is refused before any write of that tenant.
  - Groups, role grants and members are the job of M(landingzone.openstack.keystone_group_binding).
author:
  - landingzone.openstack maintainers (@landingzone)
options:
  prune:
    description:
      - Delete orphans (projects with this collection's marker that the inventory no longer
        names). Each is disabled, its managed groups are deleted, then the project.
    type: bool
    default: false
  max_deletions:
    description:
      - The most managed projects one run may disable, purge or delete (tenants in state V(deleted) and pruned
        orphans together). A plan that removes more is refused before the first write, in check mode too, with a
        message that says how many and which.
      - The role sets it from the platform host variable C(lz_max_deletions).
    type: int
    default: 10
  allow_empty_inventory:
    description:
      - Allow a plan that prunes every managed project of the platform (the inventory names none of them any
        more). Without it such a plan is refused before the first write, as what an inventory that lost its
        workspaces looks like.
      - The role sets it from the platform host variable C(lz_allow_empty_inventory).
    type: bool
    default: false
extends_documentation_fragment:
  - landingzone.openstack.rows
  - landingzone.openstack.openstack
  - landingzone.openstack.inventory
  - landingzone.openstack.ledger
  - landingzone.openstack.audit
  - landingzone.openstack.progress
  - landingzone.openstack.attributes
  - landingzone.openstack.attributes.ACTION_GROUP_REPLICATION
'''

EXAMPLES = r'''
# landing_zones and workspaces: the inventory variables (examples/inventory/group_vars/all/);
# one host per platform in the group platforms, ansible_connection: local.
- name: Replicate the tenants of this platform
  landingzone.openstack.keystone_tenant:
    cloud: replicator
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"

- name: Show the plan only (like terraform plan)
  landingzone.openstack.keystone_tenant:
    cloud: replicator
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"
  check_mode: true
  diff: true
'''

RETURN = r'''
audit:
  description:
    - The audit trail of this run (docs/audit.md), appended to the ledger's C(audit_log) before the module ended.
    - Not returned in check mode (nothing is recorded) and before the first request (an invalid inventory, an earlier
      step's failure).
  returned: when the run connected, not in check mode
  type: dict
  contains:
    run_id:
      description: The run's id, in every entry (the export's C(run_id) filter).
      type: str
    count:
      description: The writes recorded, as many as C(requests.writes) (plus C(requests.unanswered_writes), the writes that got no answer).
      type: int
    operations:
      description: The count of entries per operation (C(create_project), C(add_member), C(set_quota), ...).
      type: dict
    ledger:
      description: The ledger written, without secrets (backend and file or redacted DSN).
      type: str
    entries:
      description: The first 200 entries, with the columns of the export.
      type: list
      elements: dict
    truncated:
      description: True when the run made more writes than C(entries) shows (the export has them all).
      type: bool
rows_file:
  description:
    - Where every tenant's row went when O(rows_file) was given; C(tenants) then holds only the rows whose status is
      not V(ok).
  returned: when O(rows_file) was given and written
  type: dict
  contains:
    path:
      description: The file, an absolute path.
      type: str
    sha256:
      description: The digest of the file as written (the report refuses a file that no longer has it).
      type: str
    rows:
      description: How many rows the file holds.
      type: int
tenants:
  description:
    - One row per tenant of the platform.
    - With O(rows_file) every row is in that file and this list keeps those whose status is not V(ok).
  returned: always
  type: list
  elements: dict
  contains:
    tenant:
      description: C(<workspace>/<project>).
      type: str
      sample: acme/web
    name:
      description: Keystone project name.
      type: str
      sample: acme-web
    project_id:
      description: Keystone project id (null while it does not exist).
      type: str
    new_project:
      description:
        - V(true) when this run creates the tenant's project (in check mode, would create it).
        - M(landingzone.openstack.openstack_quota) takes it through O(landingzone.openstack.openstack_quota#module:previous_steps)
          to plan such a tenant's quota against empty in check mode.
      type: bool
    adopted_project:
      version_added: 0.2.0
      description:
        - The id of the existing project this run adopts for the tenant (in check mode, would adopt); absent
          otherwise. M(landingzone.openstack.openstack_quota) takes it through
          O(landingzone.openstack.openstack_quota#module:previous_steps) to plan the quota on that project in check
          mode.
      type: str
      returned: when the tenant adopts its project
    status:
      description: V(ok), V(changed), V(remarks) or V(failed).
      type: str
    changes:
      description: Changes made (or, in check mode, planned).
      type: list
      elements: str
    remarks:
      description: Replication remarks, each with C(code), C(message) and C(severity).
      type: list
      elements: dict
orphans:
  description: Projects with this collection's marker that the inventory no longer names.
  returned: always
  type: list
  elements: dict
summary:
  description: Number of tenants per status.
  returned: always
  type: dict
  sample: {ok: 10, changed: 1, remarks: 0, failed: 0}
planned:
  description: Every write of the plan, in order.
  returned: always
  type: list
  elements: str
handoff:
  description:
    - What the later steps of the run read of this one (their option C(previous_steps)), the rows of the tenants it
      failed, skipped, created or adopted, each with its first error remark; empty when every tenant is ok or
      changed in place. The role C(landingzone.openstack.replicate) passes this instead of the whole result, which
      Ansible would copy into the next task (seconds at 10,000 tenants).
  returned: when the run read Keystone
  type: dict
  version_added: 0.2.0
  sample: {tenants: [{tenant: shop/web, status: failed, remarks: [{code: api_error, severity: error, message: "..."}]}]}
read:
  description:
    - How the step found its tenants' projects in Keystone.
  returned: when the run read Keystone
  type: dict
  version_added: 0.2.0
  contains:
    mode:
      description:
        - V(listed), every project of the cloud listed; V(by_name), a run limited to some workspaces
          (O(only_workspaces)) that looked each one up by the name the inventory gives it (one filtered listing per
          workspace, a request per name where the names share no prefix), so that its cost follows the workspaces,
          not the cloud.
        - A run limited to some workspaces lists the cloud when a lookup misses what the last complete run left (a
          project to create or adopt, a tenant renamed or deleted, a group of a role no longer mapped).
      type: str
      sample: by_name
    reason:
      description: Why a run limited to some workspaces listed the cloud; null otherwise.
      type: str
      sample: no single project named shop-web carries the marker of shop/web
timings:
  description: Seconds spent reading Keystone (C(snapshot)), planning (C(plan)) and writing (C(apply)).
  returned: success
  type: dict
  sample: {snapshot: 0.41, plan: 0.02, apply: 3.1}
requests:
  description: HTTP requests sent to the platform, in total, by method and by endpoint; C(writes), the requests that
    changed the platform (each an entry of RV(audit)).
  returned: always
  type: dict
  sample: {total: 3, by_method: {POST: 1, GET: 2}, by_service: {"127.0.0.1:5000": 3}, writes: 1}
errors:
  description: Inventory validation errors, each with C(path) and C(message).
  returned: when the inventory is invalid
  type: list
  elements: dict
'''

from ansible_collections.landingzone.openstack.plugins.module_utils import _argspec
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.limits import DEFAULT_MAX_DELETIONS
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.runner import run_tenants_module
from ansible_collections.landingzone.openstack.plugins.module_utils._platform import PlatformModule


def main():
    module = PlatformModule(argument_spec=dict(_argspec.PROGRESS, **_argspec.ROWS,
                                               prune=dict(type='bool', default=False),
                                               max_deletions=dict(type='int', default=DEFAULT_MAX_DELETIONS),
                                               allow_empty_inventory=dict(type='bool', default=False)),
                            connection=True, inventory=True, audit='keystone_tenant')
    run_tenants_module(module, prune=module.params['prune'])


if __name__ == '__main__':
    main()
