# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module's run in the controller's task process: the actions of the modules that send no request and only read
and write files on the controller (inventory_validate, replication_report). On a local connection, as every platform
host of the collection has, the module's own code runs here with the module's argument spec, and the module is
neither packed nor started (about 0.5-1 s per task, docs/scale.md). On any other connection, or with become, the
module runs on the host."""

from __future__ import annotations

import gc
import grp
import os
import pwd
import stat

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.landingzone.openstack.plugins.module_utils._module import (
    GC_THRESHOLDS,
    ModuleRun,
    invocation,
    module_spec,
)


class ModuleEnd(Exception):
    """The result a ``ControllerModule`` ended with (``exit_json`` or ``fail_json``)."""

    def __init__(self, result):
        super().__init__(result.get('msg'))
        self.result = result


class ControllerModule(ModuleRun):
    """What a module's run asks of its module, in the controller's task process: the arguments checked against the
    module's spec as AnsibleModule checks them, warnings, ``atomic_move``, and its end as a result (``ModuleEnd``).
    Only for a spec without secrets: nothing here masks a ``no_log`` value."""

    def __init__(self, args, argument_spec, name, check_mode=False, **groups):
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

    @staticmethod
    def atomic_move(src, dest):
        # the controller's user replaces a file of its own; the caller (_files.atomic_write) gave the temporary
        # file the target's mode
        os.replace(src, dest)

    def exit_json(self, **result):
        raise ModuleEnd(self._finished(result))

    def fail_json(self, msg, **result):
        raise ModuleEnd(self._finished(dict(result, failed=True, msg=msg)))

    def _finished(self, result):
        result.setdefault('invocation', invocation(self.params))
        path_info(result)
        if self.warnings:
            result['warnings'] = list(self.warnings)
        return result


def path_info(result):
    """The file facts AnsibleModule adds to a result that names a ``path`` (or ``dest``) that exists (``add_path_info``;
    no SELinux context)."""
    path = result.get('path', result.get('dest'))
    if path is None or not os.path.exists(path):
        return result
    st = os.lstat(path)
    try:
        owner = pwd.getpwuid(st.st_uid)[0]
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid)[0]
    except KeyError:
        group = str(st.st_gid)
    if os.path.islink(path):
        state = 'link'
    elif os.path.isdir(path):
        state = 'directory'
    elif os.stat(path).st_nlink > 1:
        state = 'hard'
    else:
        state = 'file'
    result.update(uid=st.st_uid, gid=st.st_gid, owner=owner, group=group, mode='0%03o' % stat.S_IMODE(st.st_mode),
                  state=state, size=st.st_size)
    return result


def run_here(run, args, argument_spec, name, check_mode=False, **groups):
    """The result of ``run(module)``, ``module`` a ``ControllerModule`` of ``args``, computed in this process. The
    garbage collector does not walk the objects this process held before (the controller's, the inventory among them)
    and runs as rarely as in a module."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        run(ControllerModule(args, argument_spec, name, check_mode=check_mode, **groups))
    except ModuleEnd as end:
        return end.result
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
    raise AssertionError('%r returned without a result' % run)


class ControllerAction(ActionBase):
    """The action of a module whose run may take place in the controller's task process (``run_here``)."""

    MODULE = None

    def run_here(self, args, check_mode):
        """The module's result for ``args``, computed in this process."""
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        # the module on the host: another connection, or another user (become) who would write the files
        if self._connection.transport != 'local' or self._play_context.become:
            result = merge_hash(result, self._execute_module(module_name=self.MODULE, module_args=self._task.args,
                                                             task_vars=task_vars))
            self._remove_tmp_path(self._connection._shell.tmpdir)
            return result
        result.update(self.run_here(self._task.args, check_mode=bool(self._task.check_mode)))
        return result
