# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The openstack_metering_collect run: the changes-since window from the ledger, collect, write."""

import os

from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.store import RunStatus
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import collect, fixes

OPTIONS = dict(
    platform=dict(type='str', required=True),
    kinds=dict(type='list', elements='str', choices=list(store.KINDS), default=list(store.KINDS)),
    page_size=dict(type='int', default=collect.DEFAULT_PAGE_SIZE),
    check_counts=dict(type='dict'),
)


def summary(run, written=None):
    """What the module returns (the run without its bulk lists); a partial run's ``partial_message``
    says what fixes it (the meter role fails the platform with it unless ``meter_fail_on_partial: false``)."""
    out = dict(run_id=run['id'], platform=run['platform'], status=run['status'],
               window_start=run['window_start'], window_end=run['window_end'],
               counts=run['counts'], remarks=run['remarks'], fixes=run.get('fixes') or [],
               complete_kinds=run['complete_kinds'], requests=run['requests'])
    if run['status'] == RunStatus.PARTIAL:
        out['partial_message'] = fixes.partial_message(run)
    if written is not None:
        out['written'] = written
    return out


def since_window(ledger, platform, kinds):
    """Per kind, the ledger time of its last complete listing (the changes-since window)."""
    if ledger is None:
        return {}
    out = {}
    for kind in kinds:
        last = ledger.last_complete(platform, kind)
        if last:
            out[kind] = last
    return out


def _open(module, migrate):
    try:
        return store.open_ledger(module.params.get('ledger_path'), module.params.get('ledger_dsn'), migrate=migrate)
    except store.LedgerError as exc:
        module.fail(str(exc))


def run(module):
    """openstack_metering_collect: collect, then write one run (not in check mode)."""
    params = module.params
    backend, target = store.resolve_target(params.get('ledger_path'), params.get('ledger_dsn'))
    # Connect before the ledger is opened: a run that cannot reach the platform (unknown cloud,
    # bad credentials) writes nothing, not even an empty, migrated ledger at the target.
    conn = module.connect()
    ledger = None
    if not module.check_mode or backend == 'postgresql' or os.path.exists(target):
        # Check mode never creates nor migrates a ledger; it reads the window if it can.
        ledger = _open(module, migrate=not module.check_mode)
    kinds = params['kinds']
    try:
        since = since_window(ledger, params['platform'], kinds)
    except Exception:  # noqa: BLE001 - check mode on an older or empty schema: no window
        if not module.check_mode:
            raise
        since = {}
    result_run = collect.collect(conn, params['platform'], kinds, since, params['page_size'], params['retries'],
                                 module.counter, check_counts=params.get('check_counts'))
    result_run['requests']['http'] = module.requests()
    written = None
    if not module.check_mode:
        try:
            written = ledger.record_run(result_run)
        except Exception as exc:  # noqa: BLE001 - the ledger rolled back: nothing of this run
            ledger.close()
            module.fail('the ledger did not take the run (nothing of it was written): %s: %s'
                        % (type(exc).__name__, exc), **summary(result_run))
    if ledger is not None:
        ledger.close()
    result = summary(result_run, written)
    result['ledger'] = dict(backend=backend, target=ledger.target if ledger else target)
    result['changed'] = written is not None
    if not result_run['complete_kinds']:
        module.fail('no resource kind could be collected on platform %s' % params['platform'], **result)
    module.exit_json(**result)
