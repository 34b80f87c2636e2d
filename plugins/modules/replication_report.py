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
  - The file is written atomically. In check mode the report of the plan is written too (it
    changes nothing on the platform).
author:
  - landingzone.openstack maintainers (@landingzone)
options:
  platform:
    description: Name of the platform the report is about.
    type: str
    required: true
  path:
    description: File to write the JSON report to. Its directory is created when missing.
    type: path
    required: true
  steps:
    description:
      - Results of the replication steps, as registered, by step name (for example C(tenants),
        C(access), C(quotas)). A step that did not run may be omitted or null.
    type: dict
    required: true
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Writes the report of the plan; the report file is local output, not the platform.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
'''

EXAMPLES = r'''
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
  sample: {ok: 8, changed: 2, remarks: 1, failed: 0, orphans: 0, remarks_total: 3}
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
  description: Absolute path of the report written.
  returned: always
  type: str
'''

from ansible_collections.landingzone.openstack.plugins.module_utils._module import LandingZoneModule
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.runner import run_module


def main():
    run_module(LandingZoneModule(argument_spec=dict(
        platform=dict(type='str', required=True),
        path=dict(type='path', required=True),
        steps=dict(type='dict', required=True),
    )))


if __name__ == '__main__':
    main()
