#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: openstack_audit_export
short_description: Export the audit trail of the writes to the clouds for a time range, as JSON Lines or CSV
version_added: 0.2.0
description:
  - Reads the audit trail from the ledger, the table C(audit_log) that M(landingzone.openstack.keystone_tenant),
    M(landingzone.openstack.keystone_group_binding) and M(landingzone.openstack.openstack_quota) append every write
    they make to a cloud to (docs/audit.md), and writes the entries of a time range as JSON Lines (one entry a
    line) or CSV (a header, then one entry a row).
  - An entry is one write - run id, time, platform, workspace and project, module, operation
    (C(create_project), C(add_member), C(set_quota), ...), HTTP method, service, path, resource id, target, before
    and after where the plan knew them (JSON), HTTP status, outcome, the inventory's revision - oldest first.
  - Talks to no cloud; needs no credentials but the ledger's. The file is written atomically and only when its
    content changes; in check mode it is not written (C(changed) says whether it would be).
author:
  - landingzone.openstack maintainers (@landingzone)
options:
  start:
    description:
      - Window start, ISO 8601 (C(2026-11-01T00:00:00Z)), inclusive; no lower bound when not set.
    type: str
  end:
    description:
      - Window end, ISO 8601, exclusive; no upper bound when not set.
    type: str
  platform:
    description:
      - Only the writes to this platform; every platform of the ledger when not set.
    type: str
  workspace:
    description:
      - Only the writes that belong to this workspace (its projects, groups, grants, members and quotas).
    type: str
  run_id:
    description:
      - Only the writes of this run (the C(audit.run_id) of a replication module's result).
    type: str
  format:
    description:
      - V(jsonl) (JSON Lines, C(before) and C(after) as objects) or V(csv) (C(before) and C(after) as JSON text).
    type: str
    choices: [csv, jsonl]
    default: jsonl
  path:
    description:
      - The file to write (its directory is created). When not set, the entries are returned in RV(entries)
        and no file is written.
    type: path
extends_documentation_fragment:
  - landingzone.openstack.ledger
  - landingzone.openstack.attributes.ACTION_GROUP_LEDGER
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reads the entries and says whether the file would change; writes no file.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
'''

EXAMPLES = r'''
# lz_ledger_path: the ledger the replication and metering jobs write (an inventory variable; lz_ledger_dsn for
# PostgreSQL).
- name: Every write to the clouds in November, as JSON Lines
  landingzone.openstack.openstack_audit_export:
    ledger_path: "{{ lz_ledger_path }}"
    start: "2026-11-01T00:00:00Z"
    end: "2026-12-01T00:00:00Z"
    path: "{{ playbook_dir }}/audit/2026-11.jsonl"

- name: The writes of one workspace on this platform, as CSV
  landingzone.openstack.openstack_audit_export:
    ledger_path: "{{ lz_ledger_path }}"
    platform: "{{ inventory_hostname }}"
    workspace: shop
    start: "2026-11-01T00:00:00Z"
    end: "2026-12-01T00:00:00Z"
    format: csv
    path: "{{ playbook_dir }}/audit/shop-2026-11.csv"

- name: The last day's writes, in the result
  landingzone.openstack.openstack_audit_export:
    ledger_path: "{{ lz_ledger_path }}"
    start: "{{ '%Y-%m-%dT%H:%M:%SZ' | strftime(now(utc=true).timestamp() - 86400) }}"
  register: audit
'''

RETURN = r'''
count:
  description: The number of entries exported.
  returned: success
  type: int
  sample: 12
entries:
  description:
    - The entries, oldest first, when O(path) is not set.
    - Each with C(run_id), C(seq), C(at), C(platform), C(workspace), C(project), C(module), C(operation),
      C(method), C(service), C(path), C(resource_id), C(target), C(before), C(after), C(status), C(outcome) and
      C(inventory_revision).
  returned: when O(path) is not set
  type: list
  elements: dict
path:
  description: The file written (or, in check mode, that would be).
  returned: when O(path) is set
  type: str
format:
  description: The file's format.
  returned: success
  type: str
  sample: jsonl
runs:
  description: The run ids the entries belong to.
  returned: success
  type: list
  elements: str
ledger:
  description: The ledger read, without secrets.
  returned: success
  type: str
start:
  description: The window's start as the ledger writes times (null when not set).
  returned: success
  type: str
end:
  description: The window's end as the ledger writes times (null when not set).
  returned: success
  type: str
'''

from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import runner
from ansible_collections.landingzone.openstack.plugins.module_utils._module import LandingZoneModule


def main():
    module = LandingZoneModule(argument_spec=runner.EXPORT_OPTIONS, ledger=True)
    runner.run(module)


if __name__ == '__main__':
    main()
