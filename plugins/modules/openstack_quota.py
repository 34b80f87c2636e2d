#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: openstack_quota
short_description: Replicate the quotas of all tenants of one platform (Nova, Glance, Cinder, Neutron, Octavia)
version_added: 0.1.0
description:
  - Makes the quotas of every tenant of one platform match the inventory, in one call. A tenant's
    quota is its landing zone's named size (C(quota.size) from C(quota_sizes)), then the landing
    zone's C(quota.values), then the project's own C(quota) overrides (later wins).
  - Keys form one flat namespace across services, for example C(compute.cores),
    C(volume.gigabytes), C(volume.gigabytes_<volume type>), C(network.router),
    C(load_balancer.load_balancers), C(image.size_total); V(-1) means unlimited. See C(docs/quotas.md). Unknown keys
    and negative values other than V(-1) are inventory errors, reported with their path before
    any request.
  - Keys a tenant does not set are left alone. Every run compares all set keys with the platform
    and writes back what differs (drift, for example a quota changed by hand), one request per
    service per tenant, only the differing keys.
  - Current quotas are read in bulk where the API allows it (Neutron and Octavia list all
    projects in one request) and in parallel elsewhere (Nova and Cinder, one read per tenant
    that sets keys of that service, usage included).
  - Tenant projects are found by their ownership tags from one Keystone project listing; a
    tenant whose project does not exist yet is a remark (run
    M(landingzone.openstack.keystone_tenant) first), except in check mode for a tenant whose
    project the C(tenants) step of O(previous_steps) would create (its row says C(new_project)).
    Every key such a tenant sets is planned against empty (C(drift) with C(old) null), and
    nothing is read or written for it. Tenants in state C(deleted) are skipped.
  - In check mode a tenant whose existing project the C(tenants) step would adopt (its row says
    C(adopted_project)) has its quota planned on that project.
  - Nova and Glance quotas are Keystone unified limits where the platform enforces them
    (C(quota_backend)); project limits are read for the whole cloud in one paged listing, created in
    bulk and patched one by one; the same keys map onto the limit resources (C(compute.cores) is
    C(class:VCPU), ...), with a system-scoped token of the same account where it may have one
    (C(limits_scope)). Glance has per-project quotas only as Keystone limits. After a Nova write
    the quota is read back from Nova; a value Nova does not show is the failure
    V(quota_backend_mismatch).
  - A service missing from the platform's catalog is skipped with a remark; a quota for a volume
    type that does not exist is a remark; a decrease below current usage is a remark and not
    applied, unless the landing zone sets C(quota_below_usage=apply).
author:
  - landingzone.openstack maintainers (@landingzone)
options:
  services:
    description:
      - The services whose quotas this run manages. Keys of other services are left alone,
        without remark.
    type: list
    elements: str
    choices: [compute, image, volume, network, load_balancer]
    default: [compute, image, volume, network, load_balancer]
  quota_backend:
    description:
      - Where the platform keeps the quotas of Nova and Glance. V(legacy) is the service's own quota
        API (Nova C(os-quota-sets); Glance has none, its keys are then a remark), V(unified_limits)
        Keystone limits (C(/v3/limits)), V(auto) detects it - Keystone registers limits for the
        service in the run's region (C(/v3/registered_limits)) - and is the default.
      - Forcing is for a platform whose registered limits do not tell (for example registered
        ahead of a migration). See C(docs/quotas.md).
    type: dict
    default: {}
    suboptions:
      compute:
        description: Backend of the C(compute.*) keys.
        type: str
        choices: [auto, legacy, unified_limits]
        default: auto
      image:
        description: Backend of the C(image.*) keys.
        type: str
        choices: [auto, legacy, unified_limits]
        default: auto
  registered_limits:
    description:
      - The platform's registered limits, the cloud-wide defaults of Keystone unified limits that a
        project without its own limit has, as a mapping of C(<quota key>) to its default for C(compute.*) and
        C(image.*) keys (for example C(compute.cores), C(image.size_total)).
      - Managed only when declared, and only the keys declared; none is ever deleted. Created in one
        request (C(POST /v3/registered_limits)) or set (C(PATCH)), in the endpoint's region, before the
        project limits. Written only for a service whose backend is V(unified_limits) (forced, or
        detected); for a legacy one the keys are the remark V(registered_limits_not_written).
      - A key of another service, or a value other than an integer of V(-1) or more, is an error
        before any request.
    type: dict
    default: {}
extends_documentation_fragment:
  - landingzone.openstack.rows
  - landingzone.openstack.openstack
  - landingzone.openstack.inventory
  - landingzone.openstack.isolation
  - landingzone.openstack.ledger
  - landingzone.openstack.audit
  - landingzone.openstack.attributes
  - landingzone.openstack.attributes.ACTION_GROUP_REPLICATION
'''

EXAMPLES = r'''
# landing_zones and workspaces: the inventory variables (examples/inventory/group_vars/all/);
# one host per platform in the group platforms, ansible_connection: local.
- name: Replicate the quotas of this platform
  landingzone.openstack.openstack_quota:
    cloud: replicator
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"

- name: Show the quota drift only (old -> new per key)
  landingzone.openstack.openstack_quota:
    cloud: replicator
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"
  check_mode: true
  diff: true

- name: Only Nova and Cinder quotas
  landingzone.openstack.openstack_quota:
    cloud: replicator
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"
    services: [compute, volume]

- name: A platform whose Nova enforces Keystone unified limits (registered ahead of Glance's)
  landingzone.openstack.openstack_quota:
    cloud: replicator
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"
    quota_backend: {compute: unified_limits}

- name: Move a platform to unified limits, with its cloud-wide defaults from the inventory
  landingzone.openstack.openstack_quota:
    cloud: replicator
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"
    quota_backend: {compute: unified_limits, image: unified_limits}
    registered_limits:
      compute.instances: 10
      compute.cores: 20
      compute.ram: 51200
      image.size_total: 1000
      image.count_total: 100
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
    - One row per tenant of the platform (tenants in state C(deleted) are not listed).
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
    project_id:
      description: Keystone project id (null while the project does not exist).
      type: str
    status:
      description: V(ok), V(changed), V(remarks) or V(failed).
      type: str
    changes:
      description: "Quotas set (in check mode, to be set), each as C(<key>: <old> -> <new>)."
      type: list
      elements: str
      sample: ["compute.cores: 20 -> 8"]
    drift:
      description: >-
        Every key whose platform value differs from the inventory, with C(old) and C(new); a key
        not applied (below usage) also has C(used) and C(skipped); a value above its auto-approval
        threshold (O(quota_definitions)) has C(approval), who approved it or C(needs approval).
      type: dict
      sample: {compute.cores: {old: 20, new: 8}}
    fixed:
      description: Keys written in this run (empty in check mode).
      type: list
      elements: str
    remarks:
      description: >-
        Remarks with C(code) (V(service_missing), V(volume_type_missing), V(below_usage),
        V(below_usage_applied), V(key_not_supported), V(no_unified_limits), V(no_registered_limit),
        V(no_project), V(read_failed), V(read_back_failed), V(not_read_back), V(usage_not_checked), V(quota_backend_mismatch),
        V(quota_approved), V(quota_needs_approval),
        V(api_error)), C(message), C(severity) and the C(keys) concerned.
      type: list
      elements: dict
summary:
  description: Number of tenants per status.
  returned: always
  type: dict
  sample: {ok: 10, changed: 1, remarks: 0, failed: 0}
planned:
  description: Every write of the plan (one per service per tenant that differs).
  returned: always
  type: list
  elements: str
services:
  description: Managed services that the platform's catalog has (and that some tenant sets keys of).
  returned: always
  type: list
  elements: str
missing_services:
  description: Services some tenant sets keys of that the platform's catalog does not have.
  returned: always
  type: list
  elements: str
registered_limits:
  description: >-
    The platform's registered limits as declared: C(status) (V(ok), V(changed), V(remarks),
    V(failed)), C(changes), C(drift) (C(old) is null for a limit created), C(fixed) and C(remarks)
    (V(registered_limits_not_written), V(registered_limit_in_use), V(service_missing), V(service_ambiguous), V(read_failed),
    V(api_error)). A failure fails the task.
  returned: always
  type: dict
  sample: {setting: registered_limits, status: changed, changes: ["compute.cores: 10 -> 20"],
           drift: {compute.cores: {old: 10, new: 20}}, fixed: [compute.cores], remarks: []}
limits_scope:
  description:
    - The scope of the token the Keystone limits were read and written with - V(system) where the
      account may have a system-scoped token (asked once per run), else V(project) with a warning
      (Keystone up to 2024.1 lists a project-scoped token only its own project's limits); null when
      no Keystone limit was read.
  returned: always
  type: str
  sample: system
quota_backends:
  description: The backend used per service that can use Keystone limits (after detection).
  returned: always
  type: dict
  sample: {compute: unified_limits, image: unified_limits}
read:
  description:
    - How the step found its tenants' projects in Keystone; null when it needed none (no quota service wanted).
    - C(mode) V(listed), every project of the cloud listed, or V(by_name), a run limited to some workspaces
      (O(only_workspaces)) that looked each one up by the name the inventory gives it; C(reason), why a limited
      run listed the cloud (a project the lookup did not find under its name with its marker), else null.
  returned: success
  type: dict
  version_added: 0.2.0
  sample: {mode: by_name, reason: null}
requests:
  description: >-
    HTTP requests sent, in total, by method, by endpoint (C(by_service)) and by API name
    (C(by_api): identity, compute, volume, network, load_balancer); C(writes), the requests that changed the
    platform (each an entry of RV(audit)).
  returned: always
  type: dict
  sample: {total: 4, by_method: {GET: 4}, by_api: {identity: 2, network: 1, compute: 1}}
errors:
  description: Inventory validation errors, each with C(path) and C(message).
  returned: when the inventory is invalid
  type: list
  elements: dict
'''

from ansible_collections.landingzone.openstack.plugins.module_utils import _argspec
from ansible_collections.landingzone.openstack.plugins.module_utils._platform import PlatformModule
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.quota_keys import AUTO, BACKENDS, SERVICES
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.runner import run_module


def main():
    module = PlatformModule(
        argument_spec=dict(
            services=dict(type='list', elements='str', choices=list(SERVICES), default=list(SERVICES)),
            quota_backend=dict(type='dict', default={}, options=dict(
                compute=dict(type='str', choices=list(BACKENDS), default=AUTO),
                image=dict(type='str', choices=list(BACKENDS), default=AUTO))),
            registered_limits=dict(type='dict', default={}), **_argspec.ROWS),
        connection=True, inventory=True, isolation=True, audit='openstack_quota')
    run_module(module)


if __name__ == '__main__':
    main()
