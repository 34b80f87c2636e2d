#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: inventory_validate
short_description: Validate the landing-zone inventory of one platform without any API call
version_added: 0.1.0
description:
  - Checks the whole inventory (schema, identifiers, references to landing zones, roles and
    platforms, Keystone name limits and name collisions after the naming patterns) and returns
    the tenants it describes for O(platform).
  - Sends no request and takes no connection options. It is in the action group
    C(landingzone.openstack.inventory) (not C(landingzone.openstack.openstack)), so
    C(module_defaults) for the inventory group apply to it.
  - On error, every problem is listed with its path in the inventory, for example
    C(workspaces[3].projects[0].bindings[2].role).
  - On a local connection, as every platform host of the collection has, the validation runs in the controller's
    task process (this module's action plugin, with this module's code and argument spec), not as a module process
    that would be handed the whole inventory as its arguments. On any other connection, or with become, the module
    runs on the host.
author:
  - landingzone.openstack maintainers (@landingzone)
options:
  inventory_dir:
    description:
      - The directory of the inventory source (pass C({{ inventory_dir }})). When workspace files lie in
        its C(workspaces/) directory but O(workspace_files) is not set, the vars plugin
        C(landingzone.openstack.workspaces) was not enabled (an C(ansible.cfg) that was not read), so the
        inventory has none of their workspaces; the module then fails naming the C(ansible.cfg) lines,
        instead of validating an inventory that lost its contents.
    type: path
    version_added: 0.1.0
  shard_hosts:
    description:
      - The shard layout of the hosts this run sees, one mapping per host with the keys C(host), C(platform),
        C(shard) and C(shards)
        (the role C(landingzone.openstack.replicate) builds it from C(lz_platform), C(lz_shard) and
        C(lz_shards)). Per sharded platform every host must give the same count and each index
        from 0 to N-1 must be on exactly one host, else the module fails naming the hosts.
    type: list
    elements: dict
    version_added: 0.1.0
  sliced:
    description:
      - The run is one slice of an AWX sliced job, which sees only its own hosts. A shard index on
        no host is then not an error here (the unsliced check run catches it).
    type: bool
    default: false
    version_added: 0.1.0
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details: On a local connection the whole validation runs on the controller.
  async:
    description: Supports being used with the C(async) keyword.
    support: none
extends_documentation_fragment:
  - landingzone.openstack.rows
  - landingzone.openstack.inventory
  - landingzone.openstack.attributes.INFO_MODULE
  - landingzone.openstack.attributes.ACTION_GROUP_INVENTORY
'''

EXAMPLES = r'''
# landing_zones and workspaces: the inventory variables (examples/inventory/group_vars/all/);
# one host per platform in the group platforms, ansible_connection: local.
- name: Validate before any change
  landingzone.openstack.inventory_validate:
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"
    inventory_dir: "{{ inventory_dir }}"
'''

RETURN = r'''
fingerprint:
  description:
    - One sha256 of the inventory validated (its workspaces, landing zones, platforms, workspace files, quota
      definitions and approvals). Pass it to the later steps of the same run as their option C(validated); a run
      limited to some workspaces (O(only_workspaces)) then validates only those.
  returned: success
  type: str
  sample: 3f0c1e5a9b7d4c2e8f6a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f3a5b7c9d1e
scope_workspaces:
  description:
    - A run limited to some workspaces (O(only_workspaces)) only; the JSON text of those workspaces. Pass it as the
      later steps' O(workspaces) with C(scope_fingerprint) as their C(validated); they then read and validate those
      workspaces only (the replicate role does).
  returned: when O(only_workspaces) is given
  type: str
scope_fingerprint:
  description:
    - The C(fingerprint) of these options with C(scope_workspaces) as the workspaces.
  returned: when O(only_workspaces) is given
  type: str
rows_file:
  description:
    - Where every tenant's row went when O(rows_file) was given; C(tenants) is then empty.
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
    - The tenants of the platform, with Keystone names, domains, groups and state.
    - With O(rows_file) they are in that file and this list is empty.
  returned: success
  type: list
  elements: dict
  contains:
    tenant:
      description: C(<workspace>/<project>).
      type: str
    name:
      description: Keystone project name after the pattern.
      type: str
    domain:
      description: Keystone domain (id C(default) or a name).
      type: str
    state:
      description: C(present) or C(deleted).
      type: str
    groups:
      description: Group name per project role.
      type: dict
    quota_requests:
      description:
        - The tenant's quota overrides above their key's C(auto_approve_max) (option O(quota_definitions)), each
          with C(key), C(value), C(threshold), C(path) and who approved it (C(approved_by), C(ticket), C(until);
          C(approved_by) null when nothing does, under O(quota_approval=report)).
      type: list
      elements: dict
notices:
  description:
    - What does not fail validation but must not pass unseen, each with C(path) and C(message), also shown as
      warnings - an approval that approves nothing (stale), a quota request nothing approves under
      O(quota_approval=report).
  returned: success
  type: list
  elements: dict
errors:
  description: Validation errors, each with C(path) and C(message).
  returned: failure
  type: list
  elements: dict
'''

from ansible_collections.landingzone.openstack.plugins.module_utils import _argspec
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.runner import OPTIONS, run_validate_module
from ansible_collections.landingzone.openstack.plugins.module_utils._module import LandingZoneModule


def main():
    run_validate_module(LandingZoneModule(argument_spec=dict(OPTIONS, **_argspec.ROWS), inventory=True))


if __name__ == '__main__':
    main()
