# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The base of the modules that talk to a platform: ``LandingZoneModule`` plus connecting, the API
errors mapped to clear messages and the per-tenant exit path (docs/architecture.md, "Errors").
"""

import uuid

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.landingzone.openstack.plugins.module_utils import _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._clouds import connect_failure
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import UserError
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.audit import WriteLog
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.store import open_ledger
from ansible_collections.landingzone.openstack.plugins.module_utils._module import LandingZoneModule
from ansible_collections.landingzone.openstack.plugins.module_utils._rows import rows_out
from ansible_collections.landingzone.openstack.plugins.module_utils._results import (
    Status,
    failure_message,
    first_error,
    summary,
)


class PlatformModule(LandingZoneModule):
    """LandingZoneModule plus the one connection of the run and the API errors. ``cloud_variable``: the inventory
    variable that names this module's clouds.yaml entry, for the message of a failed connection."""

    def __init__(self, *args, cloud_variable='lz_cloud', audit=None, **kwargs):
        """``audit``: the module's name when its writes go to the audit trail (it then takes the LEDGER and
        AUDIT options; docs/audit.md)."""
        self.cloud_variable = cloud_variable
        self.audit_module = audit
        self.audit_log = None
        self._audit_ledger = None
        if audit:
            kwargs.update(ledger=True, audit=True)
        super().__init__(*args, **kwargs)

    def connect(self):
        """The one connection of this run (openstacksdk Connection), request counter installed; the audit
        trail's ledger opened first (a run that cannot record its writes makes none)."""
        if not _rest.HAS_SDK:
            self.fail_json(msg=missing_required_lib('openstacksdk'), exception=str(_rest.SDK_IMPORT_ERROR))
        self.start_audit()
        try:
            conn, self.counter = _rest.connect(self.params)
        except Exception as exc:  # noqa: BLE001 - openstacksdk config and auth errors have many types
            platform = self.params.get('platform') or 'the platform'
            self.fail(connect_failure(exc, platform, self.params.get('cloud'), self.cloud_variable))
        if self.audit_log is not None:
            self.audit_log.endpoints = WriteLog.sorted_endpoints(catalog_endpoints(conn))
            self.counter.write_log = self.audit_log
        return conn

    # --- the audit trail (docs/audit.md): check mode records nothing
    def start_audit(self):
        """Open the ledger and start this run's write log (modules made with ``audit``, not in check mode)."""
        if not self.audit_module or self.check_mode or self.audit_log is not None:
            return
        try:
            self._audit_ledger = open_ledger(self.params.get('ledger_path'), self.params.get('ledger_dsn'))
        except (UserError, OSError) as exc:
            self.fail('no request was made: the ledger that keeps the audit trail of the writes (ledger_path / '
                      'ledger_dsn; in the role the platform host\'s lz_ledger_path / lz_ledger_dsn) cannot be opened: %s'
                      % exc)
        self.audit_log = WriteLog(str(uuid.uuid4()), self.params.get('platform'), self.audit_module,
                                  self.params.get('inventory_revision'))

    def finish_audit(self, result):
        """Append the run's writes to the ledger (one transaction) and show them in ``result['audit']``; the
        message of a failed append, or None. Once per run: every exit path calls it."""
        log, ledger = self.audit_log, self._audit_ledger
        if log is None or ledger is None:
            return None
        self._audit_ledger = None
        result['audit'] = log.summary(ledger='%s %s' % (ledger.backend, ledger.target))
        try:
            ledger.record_audit([e.as_dict() for e in log.entries])
        except Exception as exc:  # noqa: BLE001 - any driver error: the writes are in the result, the task fails
            return ('the audit trail of this run (%d write(s), shown in audit.entries) could not be written to the '
                    'ledger %s: %s' % (len(log.entries), ledger.target, exc))
        finally:
            ledger.close()
        return None

    def exit_json(self, **kwargs):
        problem = self.finish_audit(kwargs)
        if problem:
            kwargs['msg'] = problem
            super().fail_json(**kwargs)
        super().exit_json(**kwargs)

    def fail_json(self, msg, **kwargs):
        problem = self.finish_audit(kwargs)
        if problem:
            msg = '%s; %s' % (msg, problem)
        super().fail_json(msg, **kwargs)

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
        except Exception:
            # a bug of the collection keeps its traceback; the writes made before it are recorded first
            self.finish_audit({})
            raise

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
        # a failed step's rows too: the report reads them
        rows_out(self, result)
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


def catalog_endpoints(conn):
    """(URL, service type) of every endpoint in the token's catalog (no request: the token holds it)."""
    try:
        catalog = conn.session.auth.get_access(conn.session).service_catalog.catalog or []
    except Exception:  # noqa: BLE001 - an auth plugin without a catalog: the writes keep their host:port
        return []
    return [(endpoint['url'], service.get('type')) for service in catalog
            for endpoint in service.get('endpoints') or [] if endpoint.get('url')]
