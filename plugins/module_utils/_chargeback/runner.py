# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module runs of openstack_chargeback and openstack_usage_info: options, ledger, one exit.

Both read only the ledger: nothing here imports the SDK, the inventory or the Keystone code.
"""

import os

from ansible_collections.landingzone.openstack.plugins.module_utils import _time
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import budgets, coverage, parquet, pricing, rating, reports
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store

DEFAULT_OUTPUT_DIR = '~/.local/share/landingzone/chargeback'

CHARGEBACK_OPTIONS = dict(
    price_catalog=dict(type='dict', required=True),
    period=dict(type='str'),
    start=dict(type='str'),
    end=dict(type='str'),
    preview=dict(type='bool', default=False),
    allow_partial=dict(type='bool', default=False),
    verify=dict(type='bool', default=False),
    budgets=dict(type='dict'),
    budget_alert_thresholds=dict(type='list', elements='raw'),
    max_collection_gap_hours=dict(type='float', default=coverage.DEFAULT_MAX_GAP_HOURS),
    output_dir=dict(type='path', default=DEFAULT_OUTPUT_DIR),
    focus_parquet=dict(type='bool', default=False),
    billing=dict(type='dict', options=dict(
        provider_name=dict(type='str', default=reports.BILLING_DEFAULTS['provider_name']),
        publisher_name=dict(type='str'),
        invoice_issuer_name=dict(type='str'),
        account_tag=dict(type='str', default=reports.BILLING_DEFAULTS['account_tag']),
    )),
    platforms=dict(type='list', elements='str'),
)
# preview is a bool with a default, so Ansible counts it as given even when false: whether it
# combines with period/start/end is checked by rating.period_window, which reads its value.
CHARGEBACK_KWARGS = dict(
    mutually_exclusive=[('period', 'start'), ('period', 'end')],
    required_together=[('start', 'end')],
)

USAGE_OPTIONS = dict(
    platform=dict(type='str'),
    start=dict(type='str'),
    end=dict(type='str'),
    kinds=dict(type='list', elements='str', choices=list(store.KINDS)),
    workspace=dict(type='str'),
    price_catalog=dict(type='dict'),
)


def open_for_reading(module):
    """The ledger of the module's options, opened without migrating, at the schema we read."""
    p = module.params
    backend, target = store.resolve_target(p.get('ledger_path'), p.get('ledger_dsn'))
    if backend == 'sqlite' and not os.path.exists(target):
        module.fail('no ledger at %s (the option ledger_path; in the playbooks the inventory variable '
                    'lz_ledger_path of the platform hosts, default %s, or -e chargeback_ledger_path): run the '
                    'playbook landingzone.openstack.meter first, or set lz_ledger_path to the ledger it wrote'
                    % (os.path.abspath(target), store.DEFAULT_PATH))
    ledger = store.open_ledger(p.get('ledger_path'), p.get('ledger_dsn'), migrate=False)
    try:
        version = ledger.schema_version()
    except Exception as exc:  # noqa: BLE001 - sqlite3/psycopg errors: an empty or foreign file
        ledger.close()
        module.fail('%s is not a usage ledger: %s' % (ledger.target, exc))
    if version != store.SCHEMA_VERSION:
        ledger.close()
        module.fail('the ledger has schema version %d, this collection reads %d: run a collection '
                    '(it migrates) or upgrade the collection' % (version, store.SCHEMA_VERSION))
    return ledger


def run_chargeback(module):
    """openstack_chargeback: rate the period, write its reports (not in check mode). Run through
    ``module.run``: catalog, budget, rating, ledger and file errors end the module with their message."""
    p = module.params
    catalog = pricing.load(p['price_catalog'])
    no_parquet = p['focus_parquet'] and not p['verify'] and parquet.missing()
    if no_parquet:
        module.fail(no_parquet)
    budget = budgets.load(p['budgets'], p['budget_alert_thresholds'])
    period = rating.period_window(p['period'], p['start'], p['end'], p['preview'])
    ledger = open_for_reading(module)
    if p['verify']:
        run_verify(module, ledger, catalog, period)
    try:
        missing = {}
        if period.closed:
            # coverage before close: never freeze a period the collections do not cover
            missing = coverage.problems(ledger, rating.chosen_platforms(ledger, p['platforms']), period,
                                        p['max_collection_gap_hours'])
            if missing and not p['allow_partial']:
                # the failure's period says what the message says: not closed (the month is over: `end`)
                module.fail('period %s is not closed: the ledger\'s complete collections do not cover it (%s); '
                            'collect until they do (playbook landingzone.openstack.meter), or rate it anyway, marked '
                            'partial and not frozen: -e chargeback_allow_partial=true (module option allow_partial)'
                            % (period.label, coverage.summary(missing)), coverage=missing,
                            period=dict(period.to_dict(), closed=False))
            if missing:
                period.mark_partial()
        dummy, result = reports.chargeback(ledger, catalog, period, p['output_dir'], p['platforms'],
                                           write_files=not module.check_mode, move=module.atomic_move,
                                           coverage=missing, billing=p['billing'], budget=budget,
                                           with_parquet=p['focus_parquet'])
        if result['hashes'] and result['period']['closed']:
            # the statement's content hashes, so that verify can tell a changed file
            try:
                ledger.record_statement(result['statement'], result['version'], result['hashes'])
            except Exception as exc:  # noqa: BLE001 - sqlite3/psycopg errors: say so, never end ok
                module.fail('the statement was written but the ledger did not take its content hashes (verify will '
                            'report them missing): %s: %s' % (type(exc).__name__, exc), **result)
    finally:
        ledger.close()
    module.exit_json(**result)


def run_verify(module, ledger, catalog, period):
    """openstack_chargeback verify=true: check a closed statement, write nothing."""
    try:
        problems, facts = reports.verify(ledger, catalog, period, module.params['output_dir'], module.params['platforms'])
    except ValueError as exc:  # a statement file that does not parse (ledger, rating and file errors: module.run)
        module.fail(str(exc))
    finally:
        ledger.close()
    if problems:
        module.fail('statement %s does not verify: %s' % (period.label, '; '.join(problems)), problems=problems,
                    verified=False, period=period.to_dict(), **facts)
    module.exit_json(changed=False, verified=True, problems=[], period=period.to_dict(), **facts)


def run_usage(module):
    """openstack_usage_info: usage per project and kind over a window, from the invoice's intervals."""
    p = module.params
    try:
        start, end = _time.ts(p.get('start')), _time.ts(p.get('end'))
    except _time.TimeError as exc:
        module.fail('start/end: %s' % exc)
    # Without a catalog, rating.usage applies the catalog defaults.
    settings = {}
    if p.get('price_catalog') is not None:
        catalog = pricing.load(p['price_catalog'])
        settings = dict(vanished_end=catalog.vanished_end, billed_server_states=catalog.billed_server_states)
    ledger = open_for_reading(module)
    try:
        usage = rating.usage(ledger, p.get('platform'), start, end, p.get('kinds'), **settings)
        runs = ledger.runs(p.get('platform'), start, end)
        projects = ledger.projects(p.get('platform'))
    finally:
        ledger.close()
    if p.get('workspace'):
        usage = [u for u in usage if u['workspace'] == p['workspace']]
    module.exit_json(changed=False, usage=usage, totals=rating.usage_totals(usage), projects=projects,
                     runs=[dict(id=r['id'], platform=r['platform'], status=r['status'], window_end=r['window_end'],
                                counts=r['counts'], remarks=len(r['remarks'])) for r in runs],
                     window=dict(start=start, end=end))
