# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of landingzone.openstack.replication_report (its documentation and its module:
plugins/modules/replication_report.py). On a local connection the report is merged and written here, in the
controller's task process (plugins/plugin_utils/_controller_module.py): it sends no request and reads and writes
files on the controller; a module process cost every run about 0.5 s more to pack and start (docs/scale.md). On any
other connection, or with become, the module runs on the host, as before."""

from __future__ import annotations

from ansible_collections.landingzone.openstack.plugins.module_utils._replication.runner import OPTIONS, run_module
from ansible_collections.landingzone.openstack.plugins.plugin_utils._controller_module import ControllerAction, run_here

MODULE = 'landingzone.openstack.replication_report'


def report_here(args, check_mode=False):
    """The module's result for ``args``, computed in this process."""
    return run_here(run_module, args, OPTIONS, MODULE, check_mode=check_mode)


class ActionModule(ControllerAction):

    MODULE = MODULE

    def run_here(self, args, check_mode):
        return report_here(args, check_mode=check_mode)
