#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: openstack_usage_info
short_description: Read usage per project and resource kind for a time window from the ledger
version_added: 0.1.0
description:
  - Reads the usage ledger written by M(landingzone.openstack.openstack_metering_collect) and
    returns, per platform, project and kind, the number of resources, their hours and
    quantity-hours (vCPU-hours for servers, GiB-hours for volumes, snapshots and images, hours for
    floating IPs, routers and load balancers) within the window.
  - The hours come from the same intervals and billed states as the invoice of
    M(landingzone.openstack.openstack_chargeback), so for the same ledger and window they equal its
    quantities - RV(usage[].hours) of servers the C(server_hours), of floating IPs, routers and load
    balancers their C(*_hours); RV(usage[].quantity_hours) the C(server_vcpu_hours) and the
    C(volume_gib_hours), C(snapshot_gib_hours) and C(image_gib_hours).
  - "Intervals: each recorded state of a resource counts from its start (the resource's creation
    time for its first state) to the next state or the end of its life: the deletion time as the
    API reported it; for a resource that a complete listing no longer showed, the midpoint between
    the last sample that saw it and that listing (C(price_catalog.vanished_end)); else, still
    alive, the latest sample. Servers count only in billed states (C(price_catalog.billed_server_states),
    by default every status but BUILD, ERROR, SHELVED_OFFLOADED, SOFT_DELETED, DELETED and UNKNOWN;
    a server only ever seen DELETED counts for its Nova lifetime); every state of the other kinds
    counts. See docs/chargeback.md."
  - Talks to no cloud; needs no credentials but the ledger's.
author:
  - landingzone.openstack maintainers (@landingzone)
options:
  platform:
    description:
      - Only this platform; all platforms of the ledger when not set.
    type: str
  start:
    description:
      - Window start, ISO 8601 (C(2026-01-01T00:00:00Z)); no lower bound when not set.
    type: str
  end:
    description:
      - Window end (exclusive), ISO 8601; no upper bound when not set.
    type: str
  kinds:
    description:
      - Only these kinds.
    type: list
    elements: str
    choices: [servers, volumes, snapshots, floating_ips, routers, load_balancers, images]
  workspace:
    description:
      - Only this workspace (V(unmanaged) for projects without the ownership marker).
    type: str
  price_catalog:
    description:
      - The price catalog of M(landingzone.openstack.openstack_chargeback) (inventory variable
        C(price_catalog)), validated like there. Only its C(vanished_end) and C(billed_server_states)
        are used here, so that the hours match the invoice made with it.
      - When not set, the catalog defaults - C(vanished_end=midpoint) and the default billed server
        states.
    type: dict
extends_documentation_fragment:
  - landingzone.openstack.ledger
  - landingzone.openstack.attributes.INFO_MODULE
'''

EXAMPLES = r'''
# lz_ledger_path: the ledger the metering job writes (an inventory variable, e.g. /var/lib/landingzone/ledger.sqlite);
# price_catalog: the inventory's price catalog (examples/inventory/group_vars/all/price_catalog.yml).
- name: Usage of last month
  landingzone.openstack.openstack_usage_info:
    ledger_path: "{{ lz_ledger_path }}"
    platform: "{{ inventory_hostname }}"
    start: "2026-10-01T00:00:00Z"
    end: "2026-11-01T00:00:00Z"
  register: usage

- name: The same hours as the invoice made with this catalog
  landingzone.openstack.openstack_usage_info:
    ledger_path: "{{ lz_ledger_path }}"
    price_catalog: "{{ price_catalog }}"
    start: "2026-10-01T00:00:00Z"
    end: "2026-11-01T00:00:00Z"
'''

RETURN = r'''
usage:
  description: One row per platform, project and kind.
  returned: always
  type: list
  elements: dict
  contains:
    platform:
      description: Platform.
      type: str
    project_id:
      description: Keystone project id.
      type: str
    workspace:
      description: Workspace from the ownership tags, or V(unmanaged).
      type: str
    project:
      description: Project from the ownership tags (the Keystone name when unmanaged).
      type: str
    project_name:
      description: Keystone project name (null when Keystone did not list it).
      type: str
    kind:
      description: Resource kind.
      type: str
    resources:
      description: Resources of the kind with billed time in the window.
      type: int
    hours:
      description: Resource-hours in the window (servers - in billed states only).
      type: float
    quantity_hours:
      description: Hours times the quantity of the kind, see RV(usage[].unit).
      type: float
    unit:
      description: Quantity unit, C(vcpu), C(GiB), C(ip), C(router) or C(load balancer).
      type: str
totals:
  description: Per kind, the sums of RV(usage).
  returned: always
  type: dict
projects:
  description: The project records of the ledger (workspace/project attribution, first/last seen).
  returned: always
  type: list
  elements: dict
runs:
  description: Collection runs whose sample time is in the window (id, status, counts, remarks).
  returned: always
  type: list
  elements: dict
window:
  description: The window as normalised (UTC).
  returned: always
  type: dict
'''

from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import runner
from ansible_collections.landingzone.openstack.plugins.module_utils._module import LandingZoneModule


def main():
    module = LandingZoneModule(argument_spec=runner.USAGE_OPTIONS, ledger=True)
    module.run(runner.run_usage, module)


if __name__ == '__main__':
    main()
