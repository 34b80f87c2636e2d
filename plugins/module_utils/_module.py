# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module base: option groups, one way to fail, the typed errors every module maps, the
request figure. ``_platform.PlatformModule`` adds connecting and API errors. Imports nothing of the
SDK or the inventory code (docs/architecture.md, "Errors").
"""

import gc

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.landingzone.openstack.plugins.module_utils import _argspec
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import UserError
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.dsn import secrets as dsn_secrets


# Options whose values are the inventory (or earlier steps' results built from it): large at scale.
# replication_report's ``steps``: every step's result, every tenant's row (6 MB at 10,000 tenants).
BULKY_OPTIONS = frozenset(('landing_zones', 'workspaces', 'workspace_files', 'previous_steps', 'steps'))


def summarized(key, value):
    """``value`` as ``invocation`` shows it: a bulky option as a count of its items."""
    if key in BULKY_OPTIONS and isinstance(value, (dict, list)):
        return '(%d %s, not echoed)' % (len(value), 'items' if isinstance(value, list) else 'keys')
    if key in BULKY_OPTIONS and isinstance(value, str) and len(value) > 80:
        return '(JSON text of %d characters, not echoed)' % len(value)
    return value


# Python's cyclic garbage collector walks every live object at each full collection: a module holding 10,000 tenants
# (millions of objects, hardly any cycle) spent 0.5 s of a 1.9 s validation in it (docs/scale.md). With these
# thresholds young cycles are still collected, every 100,000 allocations; the peak memory is the same.
GC_THRESHOLDS = (100000, 50, 50)


def module_spec(argument_spec=None, connection=False, inventory=False, ledger=False, isolation=False, audit=False):
    """The argument spec of a module: its option groups (``_argspec``) and its own options."""
    groups = [g for g, wanted in ((_argspec.CONNECTION, connection), (_argspec.INVENTORY, inventory),
                                  (_argspec.LEDGER, ledger), (_argspec.ISOLATION, isolation),
                                  (_argspec.AUDIT, audit)) if wanted]
    return _argspec.compose(*groups, **(argument_spec or {}))


def invocation(params):
    """The ``invocation`` of a result: the arguments, a bulky option as a count of its items (``summarized``)."""
    return {'module_args': dict((key, summarized(key, value)) for key, value in params.items())}


class ModuleRun:
    """One way to fail and the typed errors every module maps: for a module process (``LandingZoneModule``) and for
    an action that runs a module's code in the controller's task process (plugins/plugin_utils/_controller_module.py).
    Needs ``fail_json`` and ``counter``."""

    counter = None

    def requests(self):
        """The HTTP requests of this run so far (a product figure, returned by every module)."""
        return self.counter.as_dict() if self.counter is not None else dict(total=0)

    def fail(self, msg, **result):
        result.setdefault('requests', self.requests())
        self.fail_json(msg=msg, **result)

    def fail_user_error(self, exc):
        """Fail with a ``UserError``: its message, and every problem with its path when it has them."""
        result = {}
        if getattr(exc, 'errors', None) is not None:
            result['errors'] = [e.to_dict() for e in exc.errors]
        self.fail('%s%s' % (exc.prefix, exc), **result)

    def run(self, func, *args, **kwargs):
        """``func(*args, **kwargs)`` with the typed errors mapped to failures: a ``UserError``
        (inventory, price catalog, budgets, ledger) and an ``OSError`` (a file) end the module with
        their message; anything else is a bug of the collection and keeps its traceback."""
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            self.fail_user_error(exc)
        except OSError as exc:
            self.fail(str(exc))


class LandingZoneModule(ModuleRun, AnsibleModule):
    """AnsibleModule with the collection's option groups (``_argspec``)."""

    def __init__(self, argument_spec=None, connection=False, inventory=False, ledger=False,
                 isolation=False, audit=False, **kwargs):
        # before the arguments are decoded (the inventory's megabytes)
        gc.set_threshold(*GC_THRESHOLDS)
        kwargs.setdefault('supports_check_mode', True)
        self.counter = None
        super().__init__(argument_spec=module_spec(argument_spec, connection=connection, inventory=inventory,
                                                   ledger=ledger, isolation=isolation, audit=audit), **kwargs)
        if connection:
            # again: AnsibleModule skips _log_invocation when the module itself is no_log
            self.no_log_values.update(_argspec.cloud_secrets(self.params.get('cloud')))
            problem = _argspec.cloud_problem(self.params)
            if problem:
                self.fail(problem)
        if ledger:
            # no_log masks the whole DSN; its password may also appear on its own (a driver's
            # message, a redacted target): mask every secret the DSN holds, in any shape
            self.no_log_values.update(dsn_secrets(self.params.get('ledger_dsn')))

    def _log_invocation(self):
        # AnsibleModule logs the arguments before __init__ returns: a cloud dict's secrets are
        # masked from that log on (and from every result, warning and error)
        self.no_log_values.update(_argspec.cloud_secrets(self.params.get('cloud')))
        super()._log_invocation()

    def _return_formatted(self, kwargs):
        # the inventory is data the run was given, often megabytes: echoed back as ``invocation`` it
        # would be decoded, pickled and kept as a registered variable by Ansible once more per task
        # (docs/scale.md, "Where the time goes"); the result names its size instead
        if 'invocation' not in kwargs:
            kwargs['invocation'] = invocation(self.params)
        super()._return_formatted(kwargs)
