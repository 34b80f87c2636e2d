#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: inventory_validate
short_description: Validate the landing-zone inventory of one platform without any API call
version_added: 0.1.0
description:
  - Checks the whole inventory (schema, identifiers, references to landing zones, roles and
    platforms, Keystone name limits and name collisions after the naming patterns) and returns
    the tenants it describes for O(platform).
  - Sends no request. The connection options are accepted (so that C(module_defaults) for the
    action group apply) and ignored.
  - On error, every problem is listed with its path in the inventory, for example
    C(workspaces[3].projects[0].bindings[2].role).
author:
  - landingzone.openstack maintainers (@landingzone)
options: {}
extends_documentation_fragment:
  - landingzone.openstack.openstack
  - landingzone.openstack.inventory
  - landingzone.openstack.attributes.INFO_MODULE
'''

EXAMPLES = r'''
- name: Validate before any change
  landingzone.openstack.inventory_validate:
    platform: "{{ inventory_hostname }}"
    platforms: "{{ groups['platforms'] }}"
    landing_zones: "{{ landing_zones }}"
    workspaces: "{{ workspaces }}"
'''

RETURN = r'''
tenants:
  description: The tenants of the platform, with Keystone names, domains, groups and state.
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
errors:
  description: Validation errors, each with C(path) and C(message).
  returned: failure
  type: list
  elements: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import InventoryError
from ansible_collections.landingzone.openstack.plugins.module_utils._replication import (
    argument_spec,
    desired_tenants,
)


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    try:
        specs = desired_tenants(module.params)
    except InventoryError as exc:
        module.fail_json(msg='invalid inventory: %s' % exc, errors=[e.to_dict() for e in exc.errors])
    module.exit_json(changed=False, tenants=[
        dict(tenant=s.key, name=s.name, domain=s.domain, state=s.state,
             groups=dict((g.role, g.name) for g in s.groups)) for s in specs])


if __name__ == '__main__':
    main()
