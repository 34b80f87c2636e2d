# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action of landingzone.openstack.inventory_validate (its documentation and its module:
plugins/modules/inventory_validate.py). On a local connection, as every platform host of the collection has, the
validation runs here, in the controller's task process: it sends no request and its input is the whole inventory,
which a module process is handed as megabytes of arguments and decodes again after Ansible packed the module and it
imported Ansible's module code (about 1 s of a 10,000-tenant run, docs/scale.md). On any other connection, or
with become, the module runs on the host, as before."""

from __future__ import annotations

import gc

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.landingzone.openstack.plugins.module_utils import _argspec
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.runner import OPTIONS, run_validate_module
from ansible_collections.landingzone.openstack.plugins.module_utils._module import (
    GC_THRESHOLDS,
    ModuleRun,
    invocation,
    module_spec,
)

MODULE = 'landingzone.openstack.inventory_validate'


class ModuleEnd(Exception):
    """The result a ``ControllerModule`` ended with (``exit_json`` or ``fail_json``)."""

    def __init__(self, result):
        super().__init__(result.get('msg'))
        self.result = result


class ControllerModule(ModuleRun):
    """What a module's run (``run_validate_module``) asks of its module, in the controller's task process: the
    arguments checked against the module's spec as AnsibleModule checks them, warnings, and its end as a result
    (``ModuleEnd``). Only for a spec without secrets: nothing here masks a ``no_log`` value."""

    def __init__(self, args, argument_spec=None, name=MODULE, check_mode=False, **groups):
        spec = module_spec(argument_spec, **groups)
        secret = sorted(key for key, option in spec.items() if option.get('no_log'))
        if secret:
            raise ValueError('%s: options %s are secrets, which a ControllerModule does not mask'
                             % (name, ', '.join(secret)))
        self.check_mode = check_mode
        self.warnings = []
        checked = ArgumentSpecValidator(spec).validate(dict(args))
        self.params = checked.validated_parameters
        if checked.error_messages:
            error = checked.errors[0]
            msg = checked.errors.msg
            if isinstance(error, UnsupportedError):
                msg = 'Unsupported parameters for (%s) module: %s' % (name, msg)
            self.fail_json(msg=msg)

    def warn(self, warning):
        self.warnings.append(warning)

    def exit_json(self, **result):
        raise ModuleEnd(self._finished(result))

    def fail_json(self, msg, **result):
        raise ModuleEnd(self._finished(dict(result, failed=True, msg=msg)))

    def _finished(self, result):
        result.setdefault('invocation', invocation(getattr(self, 'params', {})))
        if self.warnings:
            result['warnings'] = list(self.warnings)
        return result


def validate_here(args, check_mode=False):
    """The module's result for ``args``, computed in this process. The garbage collector does not walk the objects
    this process held before (the controller's, the inventory among them) and runs as rarely as in the module."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        run_validate_module(ControllerModule(args, dict(OPTIONS, **_argspec.ROWS), check_mode=check_mode,
                                             inventory=True))
    except ModuleEnd as end:
        return end.result
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
    raise AssertionError('run_validate_module returned without a result')


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        # the module on the host: another connection, or another user (become) who would write the rows file
        if self._connection.transport != 'local' or self._play_context.become:
            result = merge_hash(result, self._execute_module(module_name=MODULE, module_args=self._task.args,
                                                             task_vars=task_vars))
            self._remove_tmp_path(self._connection._shell.tmpdir)
            return result
        result.update(validate_here(self._task.args, check_mode=bool(self._task.check_mode)))
        return result
