#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: keystone_group_binding
short_description: Replicate project role bindings into Keystone groups, grants and members
version_added: 0.1.0
description:
  - For every tenant of one platform and every project role (C(reader), C(user), C(admin)), keeps
    one Keystone group (named after the landing zone's group pattern), grants it the Keystone
    roles the landing zone maps the project role to on the tenant's project, and makes its members
    exactly the users whose C(User.name) equals a bound euid after the euid pattern.
  - Members not in the inventory are removed; a user that does not exist yet is a remark
    (C(user_not_found)) and is added on the first run after it appears; a role change moves the
    user between groups.
  - In a landing zone with C(federation), a bound user who has not logged in yet is created as a
    shadow user of the zone's identity provider and bound in the same run (remark
    C(user_prebound)); its first login lands on that user. See docs/federation.md.
  - Reads Keystone in bulk (projects, groups, role assignments; users only where a euid is not yet known), plans
    locally and writes only the differences in parallel. How it learns the members of the tenants' groups is
    O(members_read); on a cloud of more than 1,000 groups a whole-platform run takes them from the access
    records the collection keeps on each project, not from Keystone (docs/scale.md).
  - Only groups created by this module (extra attributes C(lz_tenant), C(lz_role)) are changed or
    deleted; a foreign group with a colliding name is a failure remark and is left untouched.
  - Run M(landingzone.openstack.keystone_tenant) first, so that the tenants' projects exist.
author:
  - landingzone.openstack maintainers (@landingzone)
options:
  members_read:
    description:
      - How the members of the run's groups are learnt.
      - V(effective) reads Keystone's cloud-wide effective role-assignment listing, one request whose cost to Keystone
        grows with the square of the whole cloud's assignments (seconds at 1,000 tenants, more than ten minutes at
        10,000).
      - V(groups) reads them group by group, one request per group (two for a small scope, which reads its grants the
        same way), every member as Keystone holds it, at a cost that follows the run's groups.
      - V(records) takes them from the record each project carries of the members the last complete run wrote
        (C(lz_access)), and reads only the groups no record covers. Grants are still read from Keystone (one
        cloud-wide listing), so a grant changed by hand is set back; a member added or removed by hand is not seen
        until a run that reads members (V(groups), V(effective), a run limited to a few workspaces, or an event
        run, docs/events.md). RV(members) says how many groups were read and how many taken from records.
      - V(auto) is V(effective) on a cloud of at most 1,000 groups; on a larger one V(groups) when the run's tenants
        own at most 150 groups and a tenth of the cloud's or the run is limited to some workspaces
        (O(only_workspaces), as an onboarding or an event run is), else V(records).
    type: str
    choices: [auto, effective, groups, records]
    default: auto
    version_added: 0.2.0
extends_documentation_fragment:
  - landingzone.openstack.rows
  - landingzone.openstack.openstack
  - landingzone.openstack.inventory
  - landingzone.openstack.isolation
  - landingzone.openstack.ledger
  - landingzone.openstack.audit
  - landingzone.openstack.progress
  - landingzone.openstack.attributes
  - landingzone.openstack.attributes.ACTION_GROUP_REPLICATION
'''

EXAMPLES = r'''
# landing_zones and workspaces: the inventory variables (examples/inventory/group_vars/all/);
# one host per platform in the group platforms, ansible_connection: local.
- name: Replicate access of this platform's tenants
  landingzone.openstack.keystone_group_binding:
    cloud: replicator
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"

# On a cloud of more than 1,000 groups a whole-platform run takes the members from the access records;
# a nightly run that reads every group sets back a member added or removed by hand.
- name: Replicate access, reading the members of every group
  landingzone.openstack.keystone_group_binding:
    cloud: replicator
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"
    members_read: groups
  register: nightly_access

- name: Say how the members were learnt
  ansible.builtin.debug:
    msg: "{{ nightly_access.members.read }} of {{ nightly_access.members.groups }} groups read ({{ nightly_access.members.mode }})"
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
    name:
      description: Keystone project name.
      type: str
    project_id:
      description: Keystone project id.
      type: str
    status:
      description: V(ok), V(changed), V(remarks) or V(failed).
      type: str
    changes:
      description: Changes made (or, in check mode, planned).
      type: list
      elements: str
    remarks:
      description: Replication remarks (for example C(user_not_found)), each with C(code),
        C(message) and C(severity).
      type: list
      elements: dict
summary:
  description: Number of tenants per status.
  returned: always
  type: dict
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
    - How the step found its tenants' projects and groups in Keystone.
  returned: when the run read Keystone
  type: dict
  version_added: 0.2.0
  contains:
    mode:
      description:
        - V(listed), every project (and group) of the cloud listed; V(by_name), a run limited to some workspaces
          (O(only_workspaces)) that looked each one up by the name the inventory gives it (one filtered listing per
          workspace, a request per name where the names share no prefix), so that its cost follows the workspaces,
          not the cloud.
        - A run limited to some workspaces lists the cloud when a lookup misses what the last complete run left (a
          project to create or adopt, a tenant renamed or deleted, a group of a role no longer mapped, no access record).
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
members:
  description:
    - How the members of the run's groups were learnt (O(members_read)).
  returned: when the run read Keystone
  type: dict
  version_added: 0.2.0
  contains:
    mode:
      description: The read used, O(members_read) with V(auto) resolved.
      type: str
      sample: records
    groups:
      description: The run's existing groups.
      type: int
    read:
      description: Groups whose members were read from Keystone one by one (V(groups), V(records)); 0 with V(effective).
      type: int
    from_records:
      description: Groups whose members were taken from the access records and not read (V(records)).
      type: int
errors:
  description: Inventory validation errors, each with C(path) and C(message).
  returned: when the inventory is invalid
  type: list
  elements: dict
'''

from ansible_collections.landingzone.openstack.plugins.module_utils import _argspec
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.runner import run_access_module
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.snapshot import MembersRead
from ansible_collections.landingzone.openstack.plugins.module_utils._platform import PlatformModule


def main():
    members_read = dict(type='str', default=str(MembersRead.AUTO), choices=[str(m) for m in MembersRead])
    module = PlatformModule(argument_spec=dict(_argspec.PROGRESS, members_read=members_read, **_argspec.ROWS), connection=True, inventory=True, isolation=True,
                            audit='keystone_group_binding')
    run_access_module(module)


if __name__ == '__main__':
    main()
