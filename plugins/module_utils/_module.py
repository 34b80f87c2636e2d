# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module base: argument spec composition, connecting, typed errors, one way to end a run.

Every module of the collection is ``LandingZoneModule(...)`` plus one call into a runner. The
base knows which failures mean what, so that a message says where it went wrong:

* ``InventoryError``: the inventory is invalid; nothing was sent (``requests.total == 0``);
* anything raised while connecting and authenticating: "cannot connect to the platform";
* ``ApiError`` / ``IncompleteListing`` after that: a request failed, or a listing was partial;
* any other exception is a bug of the collection and ends the module with its traceback.
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.landingzone.openstack.plugins.module_utils import _argspec, _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.issues import InventoryError


class LandingZoneModule(AnsibleModule):
    """AnsibleModule with the collection's option groups and its connection."""

    def __init__(self, argument_spec=None, connection=False, inventory=False, ledger=False,
                 **kwargs):
        groups = [g for g, wanted in ((_argspec.CONNECTION, connection), (_argspec.INVENTORY, inventory),
                                      (_argspec.LEDGER, ledger)) if wanted]
        kwargs.setdefault('supports_check_mode', True)
        super().__init__(argument_spec=_argspec.compose(*groups, **(argument_spec or {})), **kwargs)
        self.counter = None

    def requests(self):
        """The HTTP requests of this run so far (a product figure, returned by every module)."""
        return self.counter.as_dict() if self.counter is not None else dict(total=0)

    def fail(self, msg, **result):
        result.setdefault('requests', self.requests())
        self.fail_json(msg=msg, **result)

    def fail_inventory(self, exc):
        self.fail('invalid inventory: %s' % exc, errors=[e.to_dict() for e in exc.errors])

    def connect(self):
        """The one connection of this run (openstacksdk Connection), request counter installed."""
        if not _rest.HAS_SDK:
            self.fail_json(msg=missing_required_lib('openstacksdk'), exception=str(_rest.SDK_IMPORT_ERROR))
        try:
            conn, self.counter = _rest.connect(self.params)
        except Exception as exc:  # noqa: BLE001 - openstacksdk config and auth errors have many types
            self.fail('cannot connect to the platform: %s: %s' % (type(exc).__name__, exc))
        return conn

    def rest(self, adapter, microversion=None):
        return _rest.RestClient(adapter, retries=self.params['retries'], microversion=microversion)

    def run(self, func, *args, **kwargs):
        """``func(*args, **kwargs)`` with the collection's typed errors mapped to clear failures."""
        try:
            return func(*args, **kwargs)
        except InventoryError as exc:
            self.fail_inventory(exc)
        except _rest.IncompleteListing as exc:
            self.fail(str(exc))
        except _rest.ApiError as exc:
            self.fail('request failed before any change: %s' % exc)

    def exit_with_rows(self, result, platform):
        """End a per-tenant run: exit_json, or fail_json naming the failed tenants.

        A failed tenant fails the task (and the platform, visibly), with every row returned.
        """
        result['requests'] = result.get('requests') or self.requests()
        failed = [row['tenant'] for row in result['tenants'] if row['status'] == 'failed']
        if failed:
            result['msg'] = '%d tenant(s) failed on platform %s: %s' % (
                len(failed), platform, ', '.join(failed[:20]))
            self.fail_json(**result)
        self.exit_json(**result)
