# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the modules that talk to a platform: ``LandingZoneModule`` plus connecting, the API
errors mapped to clear messages and the per-tenant exit path (docs/architecture.md, "Errors").
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.landingzone.openstack.plugins.module_utils import _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._clouds import connect_failure
from ansible_collections.landingzone.openstack.plugins.module_utils._module import LandingZoneModule
from ansible_collections.landingzone.openstack.plugins.module_utils._results import (
    Status,
    failure_message,
    first_error,
    summary,
)


class PlatformModule(LandingZoneModule):
    """LandingZoneModule plus the one connection of the run and the API errors. ``cloud_variable``: the inventory
    variable that names this module's clouds.yaml entry, for the message of a failed connection."""

    def __init__(self, *args, cloud_variable='lz_cloud', **kwargs):
        self.cloud_variable = cloud_variable
        super().__init__(*args, **kwargs)

    def connect(self):
        """The one connection of this run (openstacksdk Connection), request counter installed."""
        if not _rest.HAS_SDK:
            self.fail_json(msg=missing_required_lib('openstacksdk'), exception=str(_rest.SDK_IMPORT_ERROR))
        try:
            conn, self.counter = _rest.connect(self.params)
        except Exception as exc:  # noqa: BLE001 - openstacksdk config and auth errors have many types
            platform = self.params.get('platform') or 'the platform'
            self.fail(connect_failure(exc, platform, self.params.get('cloud'), self.cloud_variable))
        return conn

    def rest(self, adapter, microversion=None):
        return _rest.RestClient(adapter, retries=self.params['retries'], microversion=microversion)

    def run(self, func, *args, **kwargs):
        """``LandingZoneModule.run`` plus the API errors: the request that failed, the partial listing."""
        try:
            return super().run(func, *args, **kwargs)
        except _rest.IncompleteListing as exc:
            self.fail(str(exc))
        except _rest.ApiError as exc:
            self.fail('request failed before any change: %s' % exc)

    def exit_skipped(self, skipped):
        """End the step before connecting when ``skipped`` (every tenant's row: an earlier step failed as a whole)
        is not None; return otherwise."""
        if skipped is None:
            return
        rows = [r.as_dict() for r in skipped]
        self.exit_with_rows(dict(changed=False, tenants=rows, orphans=[], summary=summary(rows), planned=[]),
                            self.params['platform'])

    def exit_with_rows(self, result, platform, extra_failed=None):
        """End a per-tenant run: exit_json, or fail_json naming the failed tenants.

        A failed tenant fails the task (and the platform, visibly), with every row returned.
        ``extra_failed``: platform-level rows (with ``setting``) whose failure fails the task too.
        """
        result['requests'] = result.get('requests') or self.requests()
        failed = [row for row in result['tenants'] if row['status'] == Status.FAILED]
        settings = [row for row in extra_failed or [] if row['status'] == Status.FAILED]
        if failed or settings:
            # ``changed`` stays as the run found it: a task that wrote and then failed says so
            parts = ['%s failed on platform %s: %s' % (row['setting'], platform, first_error(row))
                     for row in settings]
            if failed:
                parts.append(failure_message(platform, failed))
            result['msg'] = '; '.join(parts)
            self.fail_json(**result)
        self.exit_json(**result)
