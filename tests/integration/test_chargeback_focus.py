# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""FOCUS 1.2 on the local real cloud: a managed project with a cost centre tag and a server is
collected three times, the chargeback playbook rates an open window, a closed (covered) window and
a correction of it, and the FinOps Foundation's focus-validator 2.2.1 checks every focus.csv
(tests/focus_validator.py). The files are also left under build/focus/ for `make test`'s phase."""

import csv
import datetime
import decimal
import json
import os
import shutil
import time

import focus_validator  # tests/focus_validator.py (tests/ is on sys.path: tests/pytest.ini)
from helpers.playbook import run_playbook

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))

PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'chargeback.yml')
TASK = 'Rate the ledger into chargeback reports'
SQLITE = {'LZ_LEDGER_DSN': ''}
CATALOG = {'currency': 'EUR', 'prices': [
    {'meter': 'server_hours', 'flavor': 'm1.tiny', 'unit': 'hour', 'unit_price': '3.6'},
    {'meter': 'server_vcpu_hours', 'unit': 'vCPU-hour', 'unit_price': '1.2'},
    {'meter': 'volume_gib_hours', 'unit': 'GiB-hour', 'unit_price': '0.5'},
    {'meter': 'floating_ip_hours', 'unit': 'hour', 'unit_price': '0.01'},
    {'meter': 'project_monthly_fee', 'unit': 'month', 'unit_price': '5.00'},
]}
BILLING = {'provider_name': 'Example Cloud', 'publisher_name': 'Example Cloud Platform Team'}
WAIT = 120


def collect(ledger_path, platform):
    task = {'name': 'collect', 'landingzone.openstack.openstack_metering_collect': {
        'cloud': 'metering', 'platform': platform, 'ledger_path': ledger_path,
        'kinds': ['servers', 'volumes', 'floating_ips']}}
    run = run_playbook(tasks=[task], env=SQLITE)
    assert run.rc == 0 and run['collect']['status'] == 'ok', run.stdout[-3000:]
    return run['collect']


def chargeback(ledger_path, out, catalog, *extra, budgets=None, whole=False):
    args = []
    for e in extra:
        args.extend(['-e', e])
    run = run_playbook(playbook=PLAYBOOK, host='localhost', extra_args=args, env=SQLITE,
                       group_vars={'lz_ledger_path': ledger_path, 'lz_chargeback_dir': out, 'price_catalog': catalog,
                                   'lz_billing': BILLING, 'lz_budgets': budgets or {}, 'lz_focus_parquet': True})
    assert run.rc == 0, run.stdout[-3000:]
    return run if whole else run[TASK]


def validate(path, name):
    keep = os.path.join(REPO_ROOT, 'build', 'focus', name)
    os.makedirs(keep, exist_ok=True)
    shutil.copy(path, os.path.join(keep, 'focus.csv'))
    total, passed, failed, output = focus_validator.validate(path)
    assert focus_validator.unexplained(output, failed) == 0, '\n'.join(focus_validator.failures(output))
    assert total > 0 and passed > 100
    return failed


def rows(directory, workspace):
    with open(os.path.join(directory, 'focus.csv')) as fh:
        return [r for r in csv.DictReader(fh) if r['x_Workspace'] == workspace]


def test_focus_csv_validates_open_closed_and_corrected(replicator, unique, platform, tmp_path):
    ledger_path = str(tmp_path / 'ledger.sqlite')
    out = str(tmp_path / 'reports')
    workspace = 'fc%s' % unique
    admin_role = replicator.identity.find_role('admin', ignore_missing=False)
    flavor = replicator.compute.find_flavor('m1.tiny', ignore_missing=False)
    image = replicator.image.find_image('cirros-fake', ignore_missing=False)
    project = replicator.identity.create_project(
        name='fc-%s' % unique, domain_id='default', description='FOCUS integration test',
        # its own platform marker: the fee is billed only by the platform it names (issue 26)
        tags=['lz-managed', 'lz-ws=%s' % workspace, 'lz-proj=app', 'lz-zone=default', 'lz-platform=%s' % platform,
              'cost-centre=cc%s' % unique])
    conn = server = None
    try:
        replicator.identity.assign_project_role_to_user(project.id, replicator.current_user_id, admin_role.id)
        conn = replicator.connect_as_project({'id': project.id})
        server = conn.compute.create_server(name='fc-vm', flavor_id=flavor.id, image_id=image.id, networks='none')
        conn.compute.wait_for_server(server, status='ACTIVE', interval=0.5, wait=WAIT)
        first = collect(ledger_path, platform)
        time.sleep(2)
        collect(ledger_path, platform)
        time.sleep(2)
        third = collect(ledger_path, platform)

        # an open window (ends in the future): no invoice yet
        now = datetime.datetime.now(datetime.timezone.utc)
        result = chargeback(ledger_path, out, CATALOG, 'chargeback_start=%s' % (now - datetime.timedelta(hours=1)).isoformat(),
                            'chargeback_end=%s' % (now + datetime.timedelta(hours=1)).isoformat())
        assert result['status'] == 'open'
        mine = rows(result['directory'], workspace)
        assert mine and all(r['InvoiceId'] == '' for r in mine)
        validate(os.path.join(result['directory'], 'focus.csv'), 'open')

        # a closed window the collections cover: from just after the first to just before the third
        start = datetime.datetime.strptime(first['window_end'], '%Y-%m-%dT%H:%M:%S.%fZ') + datetime.timedelta(seconds=0.5)
        end = datetime.datetime.strptime(third['window_end'], '%Y-%m-%dT%H:%M:%S.%fZ') - datetime.timedelta(seconds=0.5)
        window = ['chargeback_start=%sZ' % start.isoformat(), 'chargeback_end=%sZ' % end.isoformat()]
        # with a budget of 1 cent for the workspace: both alerts, published for AWX
        play = chargeback(ledger_path, out, CATALOG, *window, budgets={workspace: '0.01'}, whole=True)
        result = play[TASK]
        assert (result['status'], result['period']['closed']) == ('new', True), result
        assert [(a['workspace'], a['threshold'], a['basis']) for a in result['budget_alerts']] == \
            [(workspace, '80', 'used'), (workspace, '100', 'used')]
        budget = result['budgets'][workspace]
        assert (budget['monthly_amount'], budget['used']) == ('0.01', result['totals']['by_workspace'][workspace])
        stats = play['Publish the summary as job artifacts (AWX)']['ansible_stats']['data']
        assert stats['chargeback_budget_alerts'] == result['budget_alerts']
        mine = rows(result['directory'], workspace)
        label = result['period']['label']
        assert {r['ResourceId'] for r in mine} == {server.id, project.id}
        for r in mine:
            assert (r['BillingAccountId'], r['BillingAccountType'], r['InvoiceId']) == \
                ('cc%s' % unique, 'cost-centre', '%s-cc%s' % (label, unique)), r
            assert (r['ProviderName'], r['PublisherName'], r['InvoiceIssuerName']) == \
                ('Example Cloud', 'Example Cloud Platform Team', 'Example Cloud')
            assert (r['SubAccountId'], r['SubAccountType'], r['PricingCategory'], r['ChargeClass']) == \
                (project.id, 'Project', 'Standard', '')
            assert json.loads(r['Tags'])['cost-centre'] == 'cc%s' % unique
        assert {r['PricingUnit'] for r in mine} == {'Hours', 'Months'}
        validate(os.path.join(result['directory'], 'focus.csv'), 'closed')
        # focus.parquet (lz_focus_parquet): the same rows, typed
        import pyarrow.parquet as pq
        typed = pq.read_table(os.path.join(result['directory'], 'focus.parquet')).to_pylist()
        typed_mine = [r for r in typed if r['x_Workspace'] == workspace]
        assert [(r['ResourceId'], r['BilledCost'], r['ChargePeriodStart'].strftime('%Y-%m-%dT%H:%M:%SZ')) for r in typed_mine] == \
            [(r['ResourceId'], decimal.Decimal(r['BilledCost']), r['ChargePeriodStart']) for r in mine]
        assert (result['version'], result['invoices'][:0]) == (0, []) and '%s-cc%s' % (label, unique) in result['invoices']

        # the verify step: the statement as closed verifies; a file edited by hand does not
        verified = chargeback(ledger_path, out, CATALOG, 'chargeback_verify=true', *window)
        assert (verified['verified'], verified['version']) == (True, 0), verified
        focus_path = os.path.join(result['directory'], 'focus.csv')
        with open(focus_path) as fh:
            original = fh.read()
        with open(focus_path, 'w') as fh:
            fh.write(original.replace('Example Cloud', 'Other Cloud', 1))
        bad = run_playbook(playbook=PLAYBOOK, host='localhost', env=SQLITE,
                           extra_args=['-e', 'chargeback_verify=true'] + sum((['-e', w] for w in window), []),
                           group_vars={'lz_ledger_path': ledger_path, 'lz_chargeback_dir': out, 'price_catalog': CATALOG})
        assert bad.rc != 0 and 'focus.csv was changed after it was written' in bad.stdout, bad.stdout[-3000:]
        with open(focus_path, 'w') as fh:
            fh.write(original)

        # a corrected catalog: correction rows of revision 1 with their own invoice
        corrected = dict(CATALOG, discounts=[{'workspace': workspace, 'percent': '50'}])
        result = chargeback(ledger_path, out, corrected, *window)
        assert result['status'] == 'corrected', result
        mine = rows(result['directory'], workspace)
        fixes = [r for r in mine if r['ChargeClass'] == 'Correction']
        assert fixes and {r['InvoiceId'] for r in fixes} == {'%s-cc%s-1' % (label, unique)}
        assert {r['x_Revision'] for r in fixes} == {'1'}
        # the originals stay; the corrections (old lines reversed, the discounted ones added) bring the sum to the new total
        assert sum(decimal.Decimal(r['BilledCost']) for r in mine) == decimal.Decimal(result['totals']['by_workspace'][workspace])
        validate(os.path.join(result['directory'], 'focus.csv'), 'corrected')
        verified = chargeback(ledger_path, out, corrected, 'chargeback_verify=true', *window)
        assert (verified['verified'], verified['version']) == (True, 1), verified
    finally:
        if conn is not None and server is not None:
            conn.compute.delete_server(server.id, ignore_missing=True)
            conn.compute.wait_for_delete(server, interval=0.5, wait=WAIT)
        replicator.identity.delete_project(project.id)
