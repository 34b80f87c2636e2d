#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: openstack_metering_collect
short_description: Sample every billable resource of a platform into the usage ledger
version_added: 0.1.0
description:
  - Lists every billable resource of every project of one platform, one paginated listing per
    kind across all projects (requests grow with pages, not with projects), and records the
    samples in the usage ledger in one transaction.
  - "Kinds and billable traits: V(servers) (flavor name, vcpus, ram MiB, root/ephemeral disk GiB,
    status, vm_state, created/launched/terminated times), V(volumes) (size GiB, volume type,
    status, availability zone), V(snapshots) (size GiB, status), V(floating_ips) (attached or
    not), V(routers) (external gateway or not), V(load_balancers) (flavor, provider,
    provisioning/operating status, listener and pool counts), V(images) (size, status,
    visibility, owner). Plus one record per Keystone project, with workspace and project from the
    ownership tags set by replication; projects without them are attributed to V(unmanaged)."
  - Servers deleted since the last complete server collection are listed with C(changes-since),
    so a server that lived between two samples is recorded with its real lifetime.
  - A service missing from the catalog, or failing, is a remark for its kind; the other kinds are
    still recorded. The module fails only when no kind at all could be collected, when it cannot
    connect to the platform, or when the ledger does not take the run. A V(partial) run is recorded
    and returned with RV(partial_message), which names the fix; the C(landingzone.openstack.meter)
    role fails the platform with it unless C(meter_fail_on_partial=false).
  - The ledger stores states, not raw samples; running the same collection twice adds no
    observation rows, and a run killed mid-way leaves nothing of itself. See C(docs/metering.md).
  - Meant for the reader-only metering account.
author:
  - landingzone.openstack maintainers (@landingzone)
options:
  platform:
    description:
      - Name of the platform (the inventory host); the ledger keys everything by it.
    type: str
    required: true
  kinds:
    description:
      - Resource kinds to collect.
    type: list
    elements: str
    choices: [servers, volumes, snapshots, floating_ips, routers, load_balancers, images]
    default: [servers, volumes, snapshots, floating_ips, routers, load_balancers, images]
  page_size:
    description:
      - Items asked for per page (C(limit)); services cap it at their own maximum (Nova 1000).
    type: int
    default: 1000
  check_counts:
    description:
      - Per kind, the number of resources the visibility check found with the admin account
        (RV(landingzone.openstack.openstack_metering_check#module:admin_counts)).
      - A kind of which this run sees fewer gets a warning remark (code C(fewer_than_check)), is left
        out of RV(complete_kinds) (nothing of it is marked gone) and the run is V(partial), not V(ok),
        since the reader does not see everything it should bill.
    type: dict
notes:
  - In check mode the platform is collected but nothing is written; a missing SQLite ledger is
    not created.
extends_documentation_fragment:
  - landingzone.openstack.ledger
  - landingzone.openstack.openstack
  - landingzone.openstack.attributes
'''

EXAMPLES = r'''
# One task per platform host (ansible_connection: local); lz_ledger_path / lz_ledger_dsn: inventory variables.
- name: Sample the platform into the SQLite ledger
  landingzone.openstack.openstack_metering_collect:
    cloud: metering
    platform: "{{ inventory_hostname }}"
    ledger_path: "{{ lz_ledger_path }}"   # e.g. /var/lib/landingzone/ledger.sqlite

- name: Many collectors (AWX) against one PostgreSQL ledger
  landingzone.openstack.openstack_metering_collect:
    cloud: metering
    platform: "{{ inventory_hostname }}"
    ledger_dsn: "{{ lz_ledger_dsn }}"     # postgresql://collector@db.example.com/ledger
    kinds: [servers, volumes, floating_ips]
'''

RETURN = r'''
run_id:
  description: Id of the collection run in the ledger.
  returned: always
  type: str
status:
  description:
    - V(ok), or V(partial) when a kind failed or, with O(check_counts), the reader saw fewer resources
      of a kind than the visibility check (see RV(remarks)).
  returned: always
  type: str
window_start:
  description: Start of the C(changes-since) window (the last complete collection), or null.
  returned: always
  type: str
window_end:
  description: Sample time of this run (UTC).
  returned: always
  type: str
counts:
  description: Resources per kind (null for a kind that could not be collected) and projects.
  returned: always
  type: dict
  sample: {servers: 12, volumes: 30, snapshots: 2, floating_ips: 5, routers: 3, load_balancers: null, images: 4, projects: 9}
complete_kinds:
  description: Kinds whose listing was complete.
  returned: always
  type: list
  elements: str
remarks:
  description:
    - Findings, each with C(kind), C(code), C(message) and C(severity); a remark that makes the run
      V(partial) and that the operator can fix also has C(fix).
  returned: always
  type: list
  elements: dict
fixes:
  description:
    - What fixes a V(partial) run, each once. The C(openstack role add --system all --user <account> reader)
      command when the account has no system reader role (its project list fell back to its own
      projects), the policy rule to widen when a kind is hidden from the reader, Keystone's
      C(list_limit) when the project list was truncated.
  returned: always
  type: list
  elements: str
  sample: ["openstack role add --system all --user metering reader"]
partial_message:
  description: Why the run is V(partial) and what fixes it (the meter role's failure message).
  returned: when RV(status) is V(partial)
  type: str
requests:
  description:
    - C(per_kind) and C(per_service) listing requests, C(seconds_per_kind), and C(http) every
      HTTP request sent (with token requests) by method and endpoint.
  returned: always
  type: dict
written:
  description: Rows inserted and updated per table; C(duplicate) when the run was already there.
  returned: unless check mode
  type: dict
ledger:
  description: Backend (V(sqlite) or V(postgresql)) and target (path, or DSN without password).
  returned: always
  type: dict
'''

from ansible_collections.landingzone.openstack.plugins.module_utils._metering import runner
from ansible_collections.landingzone.openstack.plugins.module_utils._platform import PlatformModule


def main():
    module = PlatformModule(argument_spec=runner.OPTIONS, connection=True, ledger=True,
                            cloud_variable='lz_metering_cloud')
    runner.run(module)


if __name__ == '__main__':
    main()
