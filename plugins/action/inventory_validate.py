# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of landingzone.openstack.inventory_validate (its documentation and its module:
plugins/modules/inventory_validate.py). On a local connection, as every platform host of the collection has, the
validation runs here, in the controller's task process (plugins/plugin_utils/_controller_module.py): it sends no
request and its input is the whole inventory, which a module process is handed as megabytes of arguments and decodes
again after Ansible packed the module and it imported Ansible's module code (about 1 s of a 10,000-tenant run,
docs/scale.md). On any other connection, or with become, the module runs on the host, as before."""

from __future__ import annotations

from ansible_collections.landingzone.openstack.plugins.module_utils import _argspec
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.runner import OPTIONS, run_validate_module
from ansible_collections.landingzone.openstack.plugins.plugin_utils._controller_module import ControllerAction, run_here

MODULE = 'landingzone.openstack.inventory_validate'


def _validate(module):
    run_validate_module(module)   # looked up when called: the unit tests replace it


def validate_here(args, check_mode=False):
    """The module's result for ``args``, computed in this process."""
    return run_here(_validate, args, dict(OPTIONS, **_argspec.ROWS), MODULE, check_mode=check_mode, inventory=True)


class ActionModule(ControllerAction):

    MODULE = MODULE

    def run_here(self, args, check_mode):
        return validate_here(args, check_mode=check_mode)
