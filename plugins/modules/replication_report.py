#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: replication_report
short_description: Write the JSON replication report of one platform and summarise it
version_added: 0.1.0
description:
  - Merges what the replication steps returned (M(landingzone.openstack.keystone_tenant),
    M(landingzone.openstack.keystone_group_binding), M(landingzone.openstack.openstack_quota))
    into one row per tenant (status, changes, remarks with the step they came from), writes it as
    JSON to O(path) and returns a short human summary.
  - Every tenant of the platform (as the validation step listed them) gets, for every step, its
    outcome, one of V(ran), V(skipped) (an earlier step failed the tenant; the reason is given),
    V(failed) (the step failed as a whole), V(not_run) or V(not_applicable). A step that failed
    before returning rows therefore fails every tenant in the summary.
  - The file is written atomically. In check mode the report of the plan is written too (it
    changes nothing on the platform), marked with C(check_mode) true, its changes phrased as planned,
    and to C(<name>.plan.json) beside O(path), so a check run never replaces the last real report.
  - A real run never replaces the last good report with a worse or narrower one. A run that failed (a step, a
    tenant, a setting, or the inventory's validation) writes C(<name>.failed.json) beside O(path); a run limited
    to some workspaces (O(only_workspaces)) writes C(<name>.<workspaces>.json) (C(<name>.<workspaces>.failed.json)
    when it failed), the workspaces sorted and joined by C(+). O(path) itself holds the last run of the whole
    platform that succeeded. A later run of the same view that succeeds removes that view's C(.failed.json).
  - In check mode the plan is also written as Markdown to C(<name>.plan.md) (per tenant what would be
    created, changed, revoked and deleted, with remarks; a header with the counts), for a CI job to
    post on a pull request.
  - The format is described in C(docs/replication.md).
  - On a local connection, as every platform host of the collection has, the module's code runs in the controller's
    task process (its action plugin); on any other connection, or with C(become), the module runs on the host.
author:
  - landingzone.openstack maintainers (@landingzone)
options:
  platform:
    description: Name of the platform the report is about.
    type: str
    required: true
  path:
    description:
      - File to write the JSON report to. Its directory is created when missing. A relative path
        is relative to the working directory of the module (that of C(ansible-playbook) for the
        local connection platform hosts use).
    type: path
    required: true
  steps:
    description:
      - Results of the replication steps, as registered, by step name (for example C(tenants),
        C(access), C(quotas)), and C(validation) for the result of
        M(landingzone.openstack.inventory_validate). A step that did not run may be omitted or null.
      - A step run with its option C(rows_file) left its rows in that file; they are read back from it, and the
        file is removed once the report is written. The module fails when the file is gone or no longer has the
        digest the result gives (another run wrote it since).
    type: dict
    required: true
  only_workspaces:
    description:
      - The workspaces the run was limited to (the C(only_workspaces) of the steps); its report is then written
        beside O(path), never over the report of the whole platform.
    type: list
    elements: str
    default: []
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details: On a local connection the whole report is merged and written on the controller.
  async:
    description: Supports being used with the C(async) keyword.
    support: none
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Writes the report of the plan; the report file is local output, not the platform.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
'''

EXAMPLES = r'''
# After the replication steps of a platform host (as the role landingzone.openstack.replicate does);
# landing_zones and workspaces: the inventory variables.
- name: Replicate the tenants
  landingzone.openstack.keystone_tenant:
    cloud: replicator
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"
  register: tenants_result

- name: Replicate access
  landingzone.openstack.keystone_group_binding:
    cloud: replicator
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"
  register: access_result

- name: Write the report
  landingzone.openstack.replication_report:
    platform: "{{ inventory_hostname }}"
    path: "reports/{{ inventory_hostname }}.json"
    steps:
      tenants: "{{ tenants_result }}"
      access: "{{ access_result }}"
'''

RETURN = r'''
summary:
  description: Number of tenants per status, orphans and remarks.
  returned: always
  type: dict
  sample: {ok: 8, changed: 2, remarks: 1, skipped: 0, failed: 0, orphans: 0, remarks_total: 3, failed_steps: [],
           failed_settings: [], check_mode: false}
lines:
  description: Short human summary, one line per remark or error after the first.
  returned: always
  type: list
  elements: str
failed_tenants:
  description: Tenants whose status is V(failed).
  returned: always
  type: list
  elements: str
path:
  description:
    - Absolute path of the report written (C(<name>.plan.json) in check mode, C(<name>.failed.json) after a
      failure, C(<name>.<workspaces>.json) for a run limited to some workspaces).
  returned: always
  type: str
cleared_failure:
  version_added: 0.2.0
  description:
    - After a real run that did not fail, the C(<name>.failed.json) of the same view (the whole platform, or the
      same workspaces) that an earlier run left and this run removed, so that the file exists only while the
      last run of that view failed; null when there was none (and always in check mode).
  returned: always
  type: str
markdown_path:
  description:
    - In check mode, the absolute path of the plan as Markdown (C(<name>.plan.md)) written beside the
      JSON plan, for a CI job to post on a pull request; null otherwise.
  returned: always
  type: str
failed_steps:
  description: Steps that failed as a whole (before returning rows).
  returned: always
  type: list
  elements: str
settings:
  description:
    - Platform-level settings a step changed or remarked on (the quota step's C(registered_limits)),
      each with C(setting), C(step), C(status), C(changes) and C(remarks); a failed one fails the
      platform (C(summary.failed_settings), C(failure)).
  returned: always
  type: list
  elements: dict
failure:
  description:
    - Why the run failed, in one line naming the failed steps and settings and the failed tenants with the reason
      of each (the first few, then a count); null when nothing failed.
  returned: always
  type: str
requests:
  description: HTTP requests per step that ran.
  returned: always
  type: dict
  sample: {validation: 0, tenants: 3, access: 5, quotas: 9}
'''

from ansible_collections.landingzone.openstack.plugins.module_utils._module import LandingZoneModule
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.runner import OPTIONS, run_module


def main():
    run_module(LandingZoneModule(argument_spec=OPTIONS))


if __name__ == '__main__':
    main()
