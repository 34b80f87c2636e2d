# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the modules that read the inventory or talk to a platform: connecting, typed
errors mapped to clear messages, the per-tenant exit path.

The failures say where the run went wrong:

* ``InventoryError``: the inventory is invalid; nothing was sent (``requests.total == 0``);
* anything raised while connecting and authenticating: "cannot connect to the platform";
* ``ApiError`` / ``IncompleteListing`` after that: the request that failed, or the listing that
  was partial;
* any other exception is a bug of the collection and ends the module with its traceback: it is
  never reported as a connection problem.
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.landingzone.openstack.plugins.module_utils import _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import InventoryError
from ansible_collections.landingzone.openstack.plugins.module_utils._module import LandingZoneModule
from ansible_collections.landingzone.openstack.plugins.module_utils._results import failure_message, first_error


class PlatformModule(LandingZoneModule):
    """LandingZoneModule plus the one connection of the run and the collection's typed errors."""

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

    def exit_with_rows(self, result, platform, extra_failed=None):
        """End a per-tenant run: exit_json, or fail_json naming the failed tenants.

        A failed tenant fails the task (and the platform, visibly), with every row returned.
        ``extra_failed``: platform-level rows (with ``setting``) whose failure fails the task too.
        """
        result['requests'] = result.get('requests') or self.requests()
        failed = [row for row in result['tenants'] if row['status'] == 'failed']
        settings = [row for row in extra_failed or [] if row['status'] == 'failed']
        if failed or settings:
            # ``changed`` stays as the run found it: a task that wrote and then failed says so
            parts = ['%s failed on platform %s: %s' % (row['setting'], platform, first_error(row))
                     for row in settings]
            if failed:
                parts.append(failure_message(platform, failed))
            result['msg'] = '; '.join(parts)
            self.fail_json(**result)
        self.exit_json(**result)
