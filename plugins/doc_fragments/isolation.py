# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    # Failure isolation of the later replication steps (docs/replication.md, "When a tenant fails").
    DOCUMENTATION = r'''
options:
  previous_steps:
    description:
      - Registered results of the replication steps that ran before this one, by step name (for
        example C(tenants) for the result of M(landingzone.openstack.keystone_tenant)).
      - A tenant that one of them failed (or skipped) is left alone by this step and gets a row
        with status V(skipped) and the reason; all other tenants go on. A step that failed as a
        whole (no rows) makes this step skip every tenant.
    type: dict
    default: {}
'''
