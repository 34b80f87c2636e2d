# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    """Module attributes, composable: one check/diff fragment plus one action-group fragment."""

    # Modules that change a platform: check mode and diff in full.
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
'''

    # Modules that only read.
    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: This module does not change anything.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: N/A
    details: This module does not change anything.
'''

    # Modules that take the connection options (doc fragment landingzone.openstack.openstack).
    ACTION_GROUP_OPENSTACK = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/landingzone.openstack.openstack) in C(module_defaults) to set the connection options.
    support: full
    membership:
      - landingzone.openstack.openstack
'''

    # Modules that take the inventory options only (doc fragment landingzone.openstack.inventory).
    ACTION_GROUP_INVENTORY = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/landingzone.openstack.inventory) in C(module_defaults) to set the inventory options.
    support: full
    membership:
      - landingzone.openstack.inventory
'''

    # Modules that replicate the inventory into a platform: both option groups.
    ACTION_GROUP_REPLICATION = r'''
options: {}
attributes:
  action_group:
    description:
      - Use C(group/landingzone.openstack.openstack) in C(module_defaults) to set the connection options
        and C(group/landingzone.openstack.inventory) to set the inventory options.
      - C(group/landingzone.openstack.ledger) sets the ledger the audit trail is kept in.
    support: full
    membership:
      - landingzone.openstack.openstack
      - landingzone.openstack.inventory
      - landingzone.openstack.ledger
'''

    # Modules that read the ledger only (doc fragment landingzone.openstack.ledger).
    ACTION_GROUP_LEDGER = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/landingzone.openstack.ledger) in C(module_defaults) to set the ledger options.
    support: full
    membership:
      - landingzone.openstack.ledger
'''
