#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: openstack_usage_info
short_description: Read usage per project and resource kind for a time window from the ledger
version_added: 0.1.0
description:
  - Reads the usage ledger written by M(landingzone.openstack.openstack_metering_collect) and
    returns, per platform, project and kind, the number of resources, their hours and
    quantity-hours (vCPU-hours for servers, GiB-hours for volumes, snapshots and images, hours for
    floating IPs, routers and load balancers) within the window.
  - Each recorded state of a resource counts from its start (the resource's creation time for its
    first state) to the next state or the end of its life (deletion time as the API reported it,
    else the first complete listing that no longer showed it, else the last sample).
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
extends_documentation_fragment:
  - landingzone.openstack.ledger
  - landingzone.openstack.attributes.INFO_MODULE
'''

EXAMPLES = r'''
- name: Usage of last month
  landingzone.openstack.openstack_usage_info:
    ledger_path: /var/lib/landingzone/ledger.sqlite
    platform: local
    start: "2026-10-01T00:00:00Z"
    end: "2026-11-01T00:00:00Z"
  register: usage
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
      description: Resources of the kind that existed in the window.
      type: int
    hours:
      description: Resource-hours in the window.
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.landingzone.openstack.plugins.module_utils._metering import (
    run_usage_module,
    usage_argument_spec,
)


def main():
    module = AnsibleModule(argument_spec=usage_argument_spec(), supports_check_mode=True)
    run_usage_module(module)


if __name__ == '__main__':
    main()
