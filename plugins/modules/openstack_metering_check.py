#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: openstack_metering_check
short_description: Prove that the metering account sees everything it bills and can write nothing
version_added: 0.1.0
description:
  - Checks the reader-only metering account of one platform (the connection options) against the
    platform's admin account (O(admin_cloud)), with the very listings the collector
    (M(landingzone.openstack.openstack_metering_collect)) uses.
  - "(a) Visibility: for every kind (V(servers), V(volumes), V(snapshots), V(floating_ips),
    V(routers), V(load_balancers), V(images)) the resources are counted per project for both
    accounts; every resource the admin lists and the reader does not is named, with its project.
    A service policy that hides other projects' resources from the reader (for example Neutron
    overrides written for another OpenStack release) shows up here instead of as silent
    under-billing."
  - "(b) No writes: harmless writes with the reader that must be refused (HTTP 401, 403 or 404):
    create a private flavor, a volume, a router, an image and a disabled project, and rename
    another project's router, floating IP, port, server, volume and load balancer to the name it
    already has. A write the platform takes is a problem; what it created is deleted at once."
  - "(c) Keystone: the reader lists the projects (project-scoped, else system-scoped, as the
    collector does) and, with the admin, the same ones."
  - Run it once after setting up the metering account's policies, after every OpenStack upgrade,
    and (role C(meter) with C(meter_verify=true)) before collections. RV(admin_counts) is what
    O(landingzone.openstack.openstack_metering_collect#module:check_counts) compares with.
  - Without O(admin_cloud), (a) cannot be proven and the status is V(incomplete), never V(ok).
author:
  - landingzone.openstack maintainers (@landingzone)
options:
  admin_cloud:
    description:
      - Name in C(clouds.yaml) of an account that sees every project's resources (the platform's
        admin, for example the replication account).
      - Connected with the same O(region_name), O(interface), O(validate_certs), O(ca_cert) and
        O(api_timeout) as the metering account.
    type: str
  kinds:
    description:
      - Resource kinds to check.
    type: list
    elements: str
    choices: [servers, volumes, snapshots, floating_ips, routers, load_balancers, images]
    default: [servers, volumes, snapshots, floating_ips, routers, load_balancers, images]
  write_probes:
    description:
      - Try the harmless writes of (b). They are never tried in check mode.
    type: bool
    default: true
  fail_on_problems:
    description:
      - Fail the task when a check fails (a hidden resource or project, an allowed write, a kind the
        reader cannot list). With V(false) the result says V(failed) and the task warns.
    type: bool
    default: true
  page_size:
    description:
      - Items asked for per page of each listing, as the collector does.
    type: int
    default: 1000
notes:
  - The probes are sent with the reader's token only; a platform that takes one of them has a
    policy to fix. The renames leave every resource as it was even then.
  - Resources created or deleted while the check runs can differ between the two listings; the
    reader's listing is taken again before a resource is reported hidden.
extends_documentation_fragment:
  - landingzone.openstack.openstack
  - landingzone.openstack.attributes.INFO_MODULE
  - landingzone.openstack.attributes.ACTION_GROUP_OPENSTACK
'''

EXAMPLES = r'''
- name: Prove the metering account of a platform (reader) against its admin account
  landingzone.openstack.openstack_metering_check:
    cloud: metering
    admin_cloud: replicator
  register: metering_check

- name: Only the visibility of the network kinds, reporting instead of failing
  landingzone.openstack.openstack_metering_check:
    cloud: metering
    admin_cloud: replicator
    kinds: [routers, floating_ips]
    write_probes: false
    fail_on_problems: false
'''

RETURN = r'''
status:
  description:
    - V(ok) (everything proven), V(failed) (see RV(findings)) or V(incomplete) (no admin account,
      probes not run, or a finding that is a warning only).
  returned: always
  type: str
visibility:
  description:
    - Per kind C(admin) and C(reader) counts, C(missing) (resources the reader does not see) and
      C(projects), the projects with a difference (C(name), C(admin), C(reader), C(missing) ids,
      C(missing_count)).
  returned: always
  type: dict
  sample: {routers: {admin: 3, reader: 1, missing: 2, projects: {"8c1f...": {name: shop-web, admin: 1, reader: 0,
           missing: ["f1e2..."], missing_count: 1}}}}
admin_counts:
  description: Per kind, the resources the admin account lists (empty without O(admin_cloud)).
  returned: always
  type: dict
  sample: {servers: 12, volumes: 30, routers: 3}
writes:
  description:
    - The write probes, each with C(service), C(probe), C(request), C(outcome) (V(refused),
      V(allowed), V(unproven), V(skipped)), C(status) and C(cleanup) when something was deleted.
      Null when not run.
  returned: always
  type: list
  elements: dict
projects:
  description: C(reader) and C(admin) project counts, the C(scope) of the reader's listing, C(missing) ids.
  returned: always
  type: dict
findings:
  description:
    - Problems and warnings, each with C(kind), C(code), C(severity) and C(message).
    - A kind the policies keep from the reader (C(hidden_from_reader), C(forbidden),
      C(projects_not_listed)) also has C(fix) - the policy file that lets the reader see it (written by
      the playbook C(landingzone.openstack.metering_policy)) or, for Keystone projects, the role to add;
      the message ends with it.
  returned: always
  type: list
  elements: dict
requests:
  description: Every HTTP request sent (with token requests) by method and endpoint.
  returned: always
  type: dict
'''

from ansible_collections.landingzone.openstack.plugins.module_utils._metering import check
from ansible_collections.landingzone.openstack.plugins.module_utils._platform import PlatformModule


def main():
    module = PlatformModule(argument_spec=check.OPTIONS, connection=True, cloud_variable='lz_metering_cloud')
    module.run(check.run, module)


if __name__ == '__main__':
    main()
