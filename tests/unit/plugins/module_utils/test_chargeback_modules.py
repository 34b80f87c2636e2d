# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""openstack_chargeback and openstack_usage_info as modules (argument spec, fail paths, the ledger
options) on a small SQLite ledger; and the reports' atomic writing."""

import json
import os

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.landingzone.openstack.plugins.module_utils import _time
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import pricing, rating, reports
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store
from ansible_collections.landingzone.openstack.plugins.modules import openstack_chargeback, openstack_usage_info

CATALOG = dict(currency='EUR', prices=[dict(meter='server_hours', unit='hour', unit_price='2'),
                                       dict(meter='volume_gib_hours', unit='GiB-hour', unit_price='0.5')])
SDK_MODULES = ('openstack', 'keystoneauth1')


def run_module(module, args, monkeypatch, capsys):
    """Run ``module.main()`` with ``args``; returns its JSON result (failed or not)."""
    monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))
    monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy', raising=False)
    with pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def ledger_path(tmp_path):
    path = str(tmp_path / 'ledger.sqlite')
    project = dict(project_id='P1', name='ws1-alpha', workspace='ws1', project='alpha', managed=True)
    with store.open_ledger(path=path) as ledger:
        for hour, status in ((1, 'ACTIVE'), (3, 'SHELVED_OFFLOADED'), (5, 'ACTIVE')):
            at = _time.ts('2026-10-01T%02d:00:00Z' % hour)
            ledger.record_run(dict(
                id='r%d' % hour, platform='p1', window_end=at, complete_kinds=['servers', 'volumes'],
                projects=[project],
                observations=[dict(kind='servers', resource_id='s1', project_id='P1',
                                   attributes=dict(flavor='m1', vcpus=2, status=status)),
                              dict(kind='volumes', resource_id='v1', project_id='P1', attributes=dict(size_gib=4))],
                lifetimes=[dict(kind='servers', resource_id='s1', project_id='P1', created_at='2026-10-01T00:00:00Z'),
                           dict(kind='volumes', resource_id='v1', project_id='P1', created_at='2026-10-01T00:00:00Z')]))
    return path


@pytest.fixture(autouse=True)
def no_env_dsn(monkeypatch):
    monkeypatch.delenv('LZ_LEDGER_DSN', raising=False)


WINDOW = dict(start='2026-10-01T00:00:00Z', end='2026-10-02T00:00:00Z')


def test_usage_info_reports_the_invoice_hours(ledger_path, monkeypatch, capsys, tmp_path):
    out = run_module(openstack_usage_info, dict(ledger_path=ledger_path, **WINDOW), monkeypatch, capsys)
    assert not out.get('failed'), out
    rows = dict((u['kind'], u) for u in out['usage'])
    # ACTIVE 0..3, shelved 3..5 (not billed), ACTIVE 5..5 (its latest sample): 3 h; the volume 0..5
    assert (rows['servers']['hours'], rows['servers']['quantity_hours']) == (3.0, 6.0)
    assert (rows['volumes']['hours'], rows['volumes']['quantity_hours']) == (5.0, 20.0)
    assert out['totals']['servers'] == dict(resources=1, hours=3.0, quantity_hours=6.0, unit='vcpu')
    assert out['changed'] is False and [r['id'] for r in out['runs']] == ['r1', 'r3', 'r5']
    assert out['window'] == dict(start='2026-10-01T00:00:00.000000Z', end='2026-10-02T00:00:00.000000Z')
    # the same as the invoice of the window, and the catalog's billed states are taken into account
    cb = run_module(openstack_chargeback, dict(ledger_path=ledger_path, price_catalog=CATALOG, allow_partial=True,
                                               output_dir=str(tmp_path / 'cb'), **WINDOW), monkeypatch, capsys)
    assert cb['status'] == 'partial'  # no collection before the window's start, none after its end
    assert cb['totals']['by_meter'] == {'server_hours': '6.000000', 'volume_gib_hours': '10.000000'}
    shelved = dict(CATALOG, billed_server_states=['ACTIVE', 'SHELVED_OFFLOADED'])
    out = run_module(openstack_usage_info, dict(ledger_path=ledger_path, price_catalog=shelved, kinds=['servers'],
                                                **WINDOW), monkeypatch, capsys)
    assert [(u['kind'], u['hours']) for u in out['usage']] == [('servers', 5.0)]


@pytest.mark.parametrize('args,message', [
    (dict(start='yesterday'), 'start/end: not an ISO-8601 time'),
    (dict(price_catalog=dict(CATALOG, vanished_end='later')), 'price_catalog.vanished_end'),
    (dict(kinds=['vms']), 'value of kinds must be one or more of'),
])
def test_usage_info_fail_paths(ledger_path, monkeypatch, capsys, args, message):
    out = run_module(openstack_usage_info, dict(ledger_path=ledger_path, **args), monkeypatch, capsys)
    assert out['failed'] and message in out['msg'], out


def test_usage_info_without_ledger_and_at_an_older_schema(tmp_path, monkeypatch, capsys):
    missing = str(tmp_path / 'none.sqlite')
    out = run_module(openstack_usage_info, dict(ledger_path=missing), monkeypatch, capsys)
    assert out['failed'] and out['msg'].startswith('no ledger at %s' % missing)
    assert not os.path.exists(missing)  # a reader never creates a ledger
    monkeypatch.chdir(tmp_path)  # a relative path: the message says where it looked, and what sets it
    out = run_module(openstack_usage_info, dict(ledger_path='rel/none.sqlite'), monkeypatch, capsys)
    assert out['msg'].startswith('no ledger at %s (the option ledger_path; in the playbooks the inventory variable '
                                 'lz_ledger_path of the platform hosts' % (tmp_path / 'rel' / 'none.sqlite')), out['msg']
    old = str(tmp_path / 'old.sqlite')
    with store.open_ledger(path=old, migrate=False) as ledger:
        ledger.migrate(target=1)
    out = run_module(openstack_usage_info, dict(ledger_path=old), monkeypatch, capsys)
    assert out['failed'] and 'schema version 1' in out['msg']


def test_ledger_dsn_from_the_environment_wins_over_ledger_path(ledger_path, monkeypatch, capsys):
    # env_fallback: LZ_LEDGER_DSN arrives as ledger_dsn, and a DSN wins over ledger_path
    monkeypatch.setenv('LZ_LEDGER_DSN', 'postgresql://lz:secret@127.0.0.1:9/ledger?connect_timeout=2')
    out = run_module(openstack_usage_info, dict(ledger_path=ledger_path), monkeypatch, capsys)
    assert out['failed'] and 'PostgreSQL ledger' in out['msg'], out
    assert 'secret' not in json.dumps(out)
    # an empty variable selects nothing: the SQLite path again
    monkeypatch.setenv('LZ_LEDGER_DSN', '')
    out = run_module(openstack_usage_info, dict(ledger_path=ledger_path), monkeypatch, capsys)
    assert not out.get('failed') and out['usage']


@pytest.fixture
def covered_ledger_path(tmp_path):
    """October 2026 covered: a complete collection before it, the three of ``ledger_path``, one after."""
    path = str(tmp_path / 'covered.sqlite')
    project = dict(project_id='P1', name='ws1-alpha', workspace='ws1', project='alpha', managed=True)
    runs = [('2026-09-30T23:00:00Z', None), ('2026-10-01T01:00:00Z', 'ACTIVE'), ('2026-10-01T03:00:00Z', 'SHELVED_OFFLOADED'),
            ('2026-10-01T05:00:00Z', 'ACTIVE'), ('2026-11-01T01:00:00Z', 'ACTIVE')]
    with store.open_ledger(path=path) as ledger:
        for n, (at, status) in enumerate(runs):
            observations = lifetimes = []
            if status:
                observations = [dict(kind='servers', resource_id='s1', project_id='P1',
                                     attributes=dict(flavor='m1', vcpus=2, status=status)),
                                dict(kind='volumes', resource_id='v1', project_id='P1', attributes=dict(size_gib=4))]
                lifetimes = [dict(kind=k, resource_id=r, project_id='P1', created_at='2026-10-01T00:00:00Z')
                             for k, r in (('servers', 's1'), ('volumes', 'v1'))]
            ledger.record_run(dict(id='c%d' % n, platform='p1', window_end=_time.ts(at), status='ok',
                                   complete_kinds=['servers', 'volumes'], projects=[project],
                                   observations=observations, lifetimes=lifetimes))
    return path


def test_an_uncovered_month_is_not_closed(ledger_path, monkeypatch, capsys, tmp_path):
    """Collections only on 1 October: October is over but not covered - fail, or partial and not frozen."""
    out_dir = str(tmp_path / 'reports')
    args = dict(ledger_path=ledger_path, price_catalog=CATALOG, output_dir=out_dir, period='2026-10')
    out = run_module(openstack_chargeback, args, monkeypatch, capsys)
    assert out['failed'] and 'period 2026-10 is not closed' in out['msg'], out
    assert out['period']['closed'] is False and '-e chargeback_allow_partial=true' in out['msg'], out
    assert out['coverage']['p1'] == [
        'no complete collection at or before the period start 2026-10-01T00:00:00.000000Z (the first is '
        '2026-10-01T01:00:00.000000Z)',
        'no complete collection at or after the period end 2026-11-01T00:00:00.000000Z (the last is '
        '2026-10-01T05:00:00.000000Z)']
    assert not os.path.exists(out_dir)
    for dummy in range(2):  # rated again: rewritten, never frozen
        out = run_module(openstack_chargeback, dict(args, allow_partial=True), monkeypatch, capsys)
        assert (out['changed'], out['status'], out['period']['closed'], out['period']['partial']) == (True, 'partial', False, True)
        assert out['totals']['cost'] == '16.000000' and sorted(out['coverage']) == ['p1']
        stored = json.load(open(os.path.join(out_dir, '2026-10', reports.STORE)))
        assert (stored['status'], stored['period']['closed'], stored['coverage']) == ('partial', False, out['coverage'])


def test_a_covered_month_is_closed_once_and_stays_fixed(covered_ledger_path, monkeypatch, capsys, tmp_path):
    out_dir = str(tmp_path / 'reports')
    args = dict(ledger_path=covered_ledger_path, price_catalog=CATALOG, output_dir=out_dir, period='2026-10')
    # a gap longer than allowed (1 Oct 05:00 to 1 Nov 01:00) is not coverage
    out = run_module(openstack_chargeback, dict(args, max_collection_gap_hours=24), monkeypatch, capsys)
    assert out['failed'] and out['coverage']['p1'] == [
        'a gap of 740.0 h between the complete collections of 2026-10-01T05:00:00.000000Z and '
        '2026-11-01T01:00:00.000000Z (at most 24.0 h)'], out
    out = run_module(openstack_chargeback, dict(args, max_collection_gap_hours=24, allow_partial=True), monkeypatch, capsys)
    assert out['status'] == 'partial'
    args['max_collection_gap_hours'] = 800
    dry = run_module(openstack_chargeback, dict(args, _ansible_check_mode=True), monkeypatch, capsys)
    assert dry['changed'] and dry['status'] == 'new' and dry['coverage'] == {}
    assert json.load(open(os.path.join(out_dir, '2026-10', reports.STORE)))['status'] == 'partial'  # check mode wrote nothing
    # server: ACTIVE 0-3 h and 5 h to the month end (742 h x 2); volume 744 h x 4 GiB x 0.5
    out = run_module(openstack_chargeback, args, monkeypatch, capsys)
    assert out['status'] == 'new' and out['period']['closed'] and out['totals']['cost'] == '2972.000000', out
    assert out['line_items'] == 2 and sorted(os.listdir(os.path.join(out_dir, '2026-10'))) == sorted(reports.FILES)
    again = run_module(openstack_chargeback, args, monkeypatch, capsys)
    assert (again['changed'], again['status']) == (False, 'unchanged')
    # frozen stays frozen: a later partial rating only compares (nothing changed: nothing written)
    again = run_module(openstack_chargeback, dict(args, max_collection_gap_hours=1, allow_partial=True), monkeypatch, capsys)
    assert (again['changed'], again['status'], again['period']['closed']) == (False, 'unchanged', True)


@pytest.mark.parametrize('args,message', [
    (dict(price_catalog=dict(CATALOG, prices=[dict(CATALOG['prices'][0], unit='day')])), 'price_catalog.prices[0].unit'),
    (dict(price_catalog=CATALOG, period='2026-10', start='2026-10-01', end='2026-10-02'), 'mutually exclusive'),
    (dict(price_catalog=CATALOG, start='2026-10-01'), 'parameters are required together'),
    (dict(price_catalog=CATALOG, period='2026-13'), 'period must be a month'),
    # what the role passes: preview false is given, and must not count against period
    (dict(price_catalog=CATALOG, period='2026-13', preview=False), 'period must be a month YYYY-MM'),
    (dict(price_catalog=CATALOG, period='2026-10', preview=True), 'preview rates the running month'),
    (dict(price_catalog=CATALOG, cloud='x'), 'Unsupported parameters'),
])
def test_chargeback_fail_paths(ledger_path, monkeypatch, capsys, tmp_path, args, message):
    out = run_module(openstack_chargeback, dict(ledger_path=ledger_path, output_dir=str(tmp_path / 'r'), **args),
                     monkeypatch, capsys)
    assert out['failed'] and message in out['msg'], out
    if 'errors' in out:
        assert [e['path'] for e in out['errors']] == ['price_catalog.prices[0].unit']


def test_chargeback_without_ledger(tmp_path, monkeypatch, capsys):
    out = run_module(openstack_chargeback, dict(ledger_path=str(tmp_path / 'none.sqlite'), price_catalog=CATALOG),
                     monkeypatch, capsys)
    assert out['failed'] and out['msg'].startswith('no ledger at')


READERS = ['ansible_collections.landingzone.openstack.plugins.modules.openstack_usage_info',
           'ansible_collections.landingzone.openstack.plugins.modules.openstack_chargeback']
MU = 'ansible_collections.landingzone.openstack.plugins.module_utils.'


def _imports(roots, stop=()):
    """Every collection module imported (transitively, statically: what Ansiballz ships) by ``roots``;
    modules in ``stop`` are listed but not followed."""
    import ast
    import importlib.util
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):  # ``from package.module import Name``: Name is no module
            continue
        if spec is None or not (spec.origin or '').endswith('.py'):
            continue
        seen.add(name)
        if name in stop:
            continue
        with open(spec.origin) as fh:
            tree = ast.parse(fh.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or '').startswith('ansible_collections'):
                todo.append(node.module)
                todo.extend('%s.%s' % (node.module, alias.name) for alias in node.names)
            elif isinstance(node, ast.Import):
                todo.extend(alias.name for alias in node.names if alias.name.startswith('ansible_collections'))
    return seen


def test_ledger_readers_import_no_sdk_inventory_or_keystone_code():
    closure = _imports(READERS)
    assert MU + '_chargeback.runner' in closure and MU + '_ledger.store' in closure
    for name in ('_rest', '_platform', '_ownership', '_keystone', '_replication', '_quota', '_inventory',
                 '_inventory.validate', '_inventory.model', '_inventory.naming', '_metering',
                 '_metering.collect'):
        assert MU + name not in closure, name
    # what they ship besides the ledger and chargeback code: the module base and its plumbing
    assert sorted(n for n in closure if n.startswith(MU) and not n.startswith((MU + '_chargeback', MU + '_ledger'))) \
        == sorted(MU + n for n in ('_argspec', '_files', '_issues', '_kinds', '_module', '_time'))


def test_reports_write_is_atomic(tmp_path):
    """A write that fails half-way leaves the previous files intact and no temporary file behind."""
    directory = str(tmp_path / '2026-10')
    doc = dict(format=1, period=dict(label='2026-10', start='2026-10-01T00:00:00.000000Z',
                                     end='2026-11-01T00:00:00.000000Z', closed=True, preview=False, kind='month'),
               status='new', rated_at='x', revisions=[], platforms=['p1'], currency='EUR',
               totals=rating.totals_json(rating.totals([])), daily=[], unpriced=[], corrections=0, items=[])
    reports.write(directory, doc)
    before = dict((n, open(os.path.join(directory, n)).read()) for n in reports.FILES)
    changed = dict(doc, status='corrected', rated_at='y')
    calls = []

    def failing_move(src, dest):
        calls.append(os.path.basename(dest))
        if dest.endswith(reports.STORE):
            raise OSError('disk full')
        os.replace(src, dest)
    with pytest.raises(OSError, match='disk full'):
        reports.write(directory, changed, move=failing_move)
    assert calls == list(reports.FILES)  # the store is written last
    after = dict((n, open(os.path.join(directory, n)).read()) for n in reports.FILES)
    assert after[reports.STORE] == before[reports.STORE]  # the store (the period's truth) is the old one
    assert json.loads(after[reports.STORE])['status'] == 'new'
    assert after['report.html'] != before['report.html']  # the files written before the failure are whole new ones
    assert sorted(os.listdir(directory)) == sorted(reports.FILES)  # no temporary file left
    assert pricing.VANISHED_END  # the catalog module is importable alongside (no cycle)


def test_a_closed_statement_verifies_and_detects_changes(covered_ledger_path, monkeypatch, capsys, tmp_path):
    import sqlite3
    out_dir = str(tmp_path / 'reports')
    args = dict(ledger_path=covered_ledger_path, price_catalog=CATALOG, output_dir=out_dir, period='2026-10',
                max_collection_gap_hours=800)
    out = run_module(openstack_chargeback, args, monkeypatch, capsys)
    assert (out['status'], out['version'], out['statement'], out['invoices']) == ('new', 0, '2026-10|p1', ['2026-10-ws1'])
    assert sorted(out['hashes']) == sorted(reports.FILES)
    with store.open_ledger(path=covered_ledger_path) as ledger:
        assert ledger.statement_hashes('2026-10|p1') == {0: out['hashes']}
    ok = run_module(openstack_chargeback, dict(args, verify=True), monkeypatch, capsys)
    assert (ok.get('failed'), ok['verified'], ok['problems'], ok['changed']) == (None, True, [], False), ok
    # a statement file changed by hand
    page = os.path.join(out_dir, '2026-10', 'report.html')
    original = open(page).read()
    with open(page, 'w') as fh:
        fh.write(original.replace('Total', 'Totl'))
    bad = run_module(openstack_chargeback, dict(args, verify=True), monkeypatch, capsys)
    assert bad['failed'] and bad['verified'] is False and len(bad['problems']) == 1, bad
    assert bad['problems'][0].startswith('report.html was changed after it was written')
    with open(page, 'w') as fh:
        fh.write(original)
    # a ledger row changed after the close: the server was shelved from 1 Oct 05:00
    db = sqlite3.connect(covered_ledger_path)
    db.execute("UPDATE observations SET attributes = replace(attributes, 'ACTIVE', 'SHELVED_OFFLOADED') "
               "WHERE observed_at = '2026-10-01T05:00:00.000000Z' AND kind = 'servers'")
    db.commit()
    db.close()
    bad = run_module(openstack_chargeback, dict(args, verify=True), monkeypatch, capsys)
    assert bad['failed'] and bad['corrections_due'] == 1 and 're-rating the ledger no longer gives' in bad['problems'][0], bad
    # rating appends a correction version (never rewrites); version 1 verifies
    fixed = run_module(openstack_chargeback, args, monkeypatch, capsys)
    assert (fixed['status'], fixed['version'], fixed['corrections']) == ('corrected', 1, 1)
    assert fixed['invoices'] == ['2026-10-ws1', '2026-10-ws1-1']
    stored = json.load(open(os.path.join(out_dir, '2026-10', reports.STORE)))
    assert [i['charge_class'] for i in stored['items']] == [None, None, 'correction']
    ok = run_module(openstack_chargeback, dict(args, verify=True), monkeypatch, capsys)
    assert ok['verified'] and ok['version'] == 1, ok
    with store.open_ledger(path=covered_ledger_path) as ledger:
        assert sorted(ledger.statement_hashes('2026-10|p1')) == [0, 1]


def test_verify_needs_a_closed_statement(ledger_path, monkeypatch, capsys, tmp_path):
    out = run_module(openstack_chargeback, dict(ledger_path=ledger_path, price_catalog=CATALOG, period='2026-10',
                                                output_dir=str(tmp_path / 'none'), verify=True), monkeypatch, capsys)
    assert out['failed'] and 'holds no closed statement' in out['msg'], out


def _parquet_cell_as_csv(value):
    """A focus.parquet cell written the way focus.csv writes it."""
    import datetime
    import decimal
    if value is None:
        return ''
    if isinstance(value, datetime.datetime):
        return value.strftime('%Y-%m-%dT%H:%M:%SZ')
    if isinstance(value, decimal.Decimal):
        return value
    return str(value)


def test_focus_parquet_reads_back_as_the_csv_and_is_part_of_the_statement(covered_ledger_path, monkeypatch, capsys, tmp_path):
    import csv
    import decimal
    import pyarrow.parquet as pq
    from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import parquet
    out_dir = str(tmp_path / 'reports')
    args = dict(ledger_path=covered_ledger_path, price_catalog=CATALOG, output_dir=out_dir, period='2026-10',
                max_collection_gap_hours=800, focus_parquet=True)
    out = run_module(openstack_chargeback, args, monkeypatch, capsys)
    assert (out['status'], out['changed']) == ('new', True), out
    directory = os.path.join(out_dir, '2026-10')
    assert sorted(os.listdir(directory)) == sorted(reports.FILES + (parquet.NAME,))
    assert sorted(out['hashes']) == sorted(reports.FILES + (parquet.NAME,))
    table = pq.read_table(os.path.join(directory, parquet.NAME))
    assert table.column_names == list(reports.FOCUS_COLUMNS)
    assert str(table.schema.field('BilledCost').type) == 'decimal128(38, 10)'
    assert str(table.schema.field('ChargePeriodStart').type) == 'timestamp[ms, tz=UTC]'
    with open(os.path.join(directory, 'focus.csv')) as fh:
        from_csv = list(csv.DictReader(fh))
    from_parquet = table.to_pylist()
    assert len(from_parquet) == len(from_csv) == 2
    for pq_row, csv_row in zip(from_parquet, from_csv):
        for column in reports.FOCUS_COLUMNS:
            got = _parquet_cell_as_csv(pq_row[column])
            want = decimal.Decimal(csv_row[column]) if isinstance(got, decimal.Decimal) else csv_row[column]
            assert got == want, (column, pq_row[column], csv_row[column])
    # the same rows give the same bytes
    doc = json.load(open(os.path.join(directory, reports.STORE)))
    assert reports.render(doc, True)[parquet.NAME] == reports.render(doc, True)[parquet.NAME]
    # part of the closed statement: verify checks its hash
    ok = run_module(openstack_chargeback, dict(args, verify=True), monkeypatch, capsys)
    assert ok['verified'], ok
    with open(os.path.join(directory, parquet.NAME), 'ab') as fh:
        fh.write(b'\0')
    bad = run_module(openstack_chargeback, dict(args, verify=True, focus_parquet=False), monkeypatch, capsys)
    assert bad['failed'] and bad['problems'] == [
        'focus.parquet was changed after it was written: its sha256 is not the one the ledger recorded for version 0'], bad


def test_focus_parquet_without_pyarrow_fails_before_any_work(ledger_path, monkeypatch, capsys, tmp_path):
    import sys
    for name in ('pyarrow', 'pyarrow.parquet'):
        monkeypatch.setitem(sys.modules, name, None)  # `import pyarrow` raises ImportError
    out_dir = str(tmp_path / 'r')
    out = run_module(openstack_chargeback, dict(ledger_path=ledger_path, price_catalog=CATALOG, output_dir=out_dir,
                                                preview=True, focus_parquet=True), monkeypatch, capsys)
    assert out['failed'] and out['msg'].startswith(
        'focus_parquet (in the playbooks the inventory variable lz_focus_parquet) needs the Python package pyarrow'), out
    assert not os.path.exists(out_dir)
