#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: openstack_metering_policy
short_description: Write the policy overrides that let the metering reader list every project's resources
version_added: 0.1.0
description:
  - Writes one C(<service>-policy.yaml) per service into O(dest) - the overrides that widen the
    services' B(read) rules for the reader-only metering account (the C(reader) role on the
    project O(admin_project_id)). Every write keeps its default rule.
  - Nova, Cinder and Octavia get fixed rules. Glance and Neutron get rules generated from the
    defaults of the installed service (the function C(list_rules) of C(glance.policies) and
    C(neutron.conf.policies), run with O(python)), so the file fits the release it runs against -
    OpenStack 2023.2 to 2026.2; Neutron before 2024.1 (no C(context_with_global_access)) needs a
    different method, chosen from those defaults. Regenerate after every upgrade.
  - Install each file as the service's C([oslo_policy] policy_file) (oslo.policy reloads a changed
    file without a restart), then prove the result with the playbook
    C(landingzone.openstack.metering_check). See docs/metering.md.
  - Talks to no cloud.
author:
  - landingzone.openstack maintainers (@landingzone)
options:
  admin_project_id:
    description:
      - The id of the project the metering account holds C(reader) on (the project its
        C(clouds.yaml) entry is scoped to), for example from
        C(openstack --os-cloud metering token issue -f value -c project_id).
    type: str
    required: true
  dest:
    description:
      - The directory to write C(<service>-policy.yaml) into (created when missing).
    type: path
    required: true
  services:
    description:
      - The services to write a file for.
    type: list
    elements: str
    choices: [nova, cinder, octavia, glance, neutron]
    default: [nova, cinder, octavia, glance, neutron]
  python:
    description:
      - The Python interpreter that imports the installed Glance and Neutron (their virtualenv's
        C(bin/python), or the system Python of their packages); only used for those two services.
      - Default - the interpreter the module runs with.
    type: path
extends_documentation_fragment:
  - landingzone.openstack.attributes
'''

EXAMPLES = r'''
# openstack_python: the interpreter that imports the installed Glance and Neutron, e.g.
# /opt/openstack/bin/python on the host where they run (delegate_to that host, or copy the files).
- name: Write the metering account's policy overrides
  landingzone.openstack.openstack_metering_policy:
    admin_project_id: 0c4e939acacf4376bdcd1129f1a054ad
    dest: /root/metering-policy
    python: "{{ openstack_python }}"
  register: metering_policy

- name: Only the services with fixed rules (no service needs to be installed)
  landingzone.openstack.openstack_metering_policy:
    admin_project_id: 0c4e939acacf4376bdcd1129f1a054ad
    dest: /root/metering-policy
    services: [nova, cinder, octavia]
'''

RETURN = r'''
files:
  description: One entry per service.
  returned: always
  type: list
  elements: dict
  contains:
    service:
      description: The service.
      type: str
      sample: neutron
    path:
      description: The file written (absolute).
      type: str
      sample: /root/metering-policy/neutron-policy.yaml
    method:
      description:
        - V(fixed) (the same rules on every release), V(generated) (from the installed defaults),
          V(context_with_global_access) or V(context_is_advsvc) (Neutron's method for the release).
      type: str
      sample: context_with_global_access
    rules:
      description: The number of rules in the file.
      type: int
      sample: 3
    changed:
      description: Whether the file was (or, in check mode, would be) written.
      type: bool
requests:
  description: HTTP requests made (always none).
  returned: always
  type: dict
  sample: {total: 0}
'''

from ansible_collections.landingzone.openstack.plugins.module_utils._metering import policy, policy_runner
from ansible_collections.landingzone.openstack.plugins.module_utils._module import LandingZoneModule


def main():
    module = LandingZoneModule(argument_spec=dict(
        admin_project_id=dict(type='str', required=True),
        dest=dict(type='path', required=True),
        services=dict(type='list', elements='str', choices=list(policy.SERVICES), default=list(policy.SERVICES)),
        python=dict(type='path'),
    ))
    module.run(policy_runner.run, module)


if __name__ == '__main__':
    main()
