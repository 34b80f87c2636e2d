# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The chargeback playbook run exactly as docs/chargeback.md says (`-e chargeback_period=...`,
`-e chargeback_preview=true`, `-e chargeback_start=... -e chargeback_end=...`, bad input), on a
ledger collected from the local real cloud; and a meter run that fails before collecting."""

import datetime
import os


from helpers.playbook import run_playbook


HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'chargeback.yml')
TASK = 'Rate the ledger into chargeback reports'
SQLITE = {'LZ_LEDGER_DSN': ''}
CATALOG = {'currency': 'EUR', 'prices': [{'meter': 'server_hours', 'unit': 'hour', 'unit_price': '0.05'}]}


def collect(ledger_path):
    task = {'name': 'collect', 'landingzone.openstack.openstack_metering_collect': {
        'cloud': 'metering', 'platform': 'local', 'ledger_path': ledger_path, 'kinds': ['servers']}}
    run = run_playbook(tasks=[task], env=SQLITE)
    assert run.rc == 0 and run['collect']['status'] == 'ok', run.stdout[-3000:]
    return run['collect']


def chargeback(ledger_path, out, *extra):
    args = []
    for e in extra:
        args.extend(['-e', e])
    return run_playbook(playbook=PLAYBOOK, host='localhost', extra_args=args, env=SQLITE,
                        group_vars={'lz_ledger_path': ledger_path, 'lz_chargeback_dir': out, 'price_catalog': CATALOG})


def months(now):
    this = now.strftime('%Y-%m')
    last = (now.replace(day=1) - datetime.timedelta(days=1)).strftime('%Y-%m')
    return this, last


def test_chargeback_role_as_documented(tmp_path):
    ledger_path = str(tmp_path / 'ledger.sqlite')
    out = str(tmp_path / 'reports')
    collect(ledger_path)
    this, last = months(datetime.datetime.now(datetime.timezone.utc))

    run = chargeback(ledger_path, out, 'chargeback_period=%s' % this)
    assert run.rc == 0, run.stdout[-3000:]
    assert (run[TASK]['period']['label'], run[TASK]['status']) == (this, 'open')

    # a newcomer's first chargeback: the default (the last complete month) is not covered by the
    # one collection of today, so it is not frozen: the run fails saying why ...
    run = chargeback(ledger_path, out)
    assert run.rc != 0 and 'period %s is not closed' % last in run.stdout, run.stdout[-3000:]
    assert 'no complete collection at or before the period start' in run.stdout
    assert not os.path.exists(os.path.join(out, last))
    # ... or, with chargeback_allow_partial, rates it marked partial
    run = chargeback(ledger_path, out, 'chargeback_period=%s' % last, 'chargeback_allow_partial=true')
    assert run.rc == 0, run.stdout[-3000:]
    assert (run[TASK]['status'], run[TASK]['period']['closed'], sorted(run[TASK]['coverage'])) == ('partial', False, ['local'])
    with open(os.path.join(out, last, 'report.html')) as fh:
        assert 'id="coverage"' in fh.read()

    run = chargeback(ledger_path, out, 'chargeback_preview=true')
    assert run.rc == 0, run.stdout[-3000:]
    assert (run[TASK]['period']['label'], run[TASK]['status']) == ('%s-preview' % this, 'preview')

    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    end = start + datetime.timedelta(hours=3)
    run = chargeback(ledger_path, out, 'chargeback_start=%s' % start.isoformat(), 'chargeback_end=%s' % end.isoformat())
    assert run.rc == 0, run.stdout[-3000:]
    assert (run[TASK]['period']['kind'], run[TASK]['status']) == ('window', 'open')


def test_chargeback_role_bad_input_says_what_is_wrong(tmp_path):
    ledger_path = str(tmp_path / 'ledger.sqlite')
    out = str(tmp_path / 'reports')
    collect(ledger_path)
    for bad in ('2026-13', 'november', '2026-1'):
        run = chargeback(ledger_path, out, 'chargeback_period=%s' % bad)
        assert run.rc != 0 and 'period must be a month YYYY-MM' in run.stdout, run.stdout[-3000:]
        assert 'mutually exclusive' not in run.stdout
    run = chargeback(ledger_path, out, 'chargeback_period=2026-11', 'chargeback_preview=true')
    assert run.rc != 0 and 'preview rates the running month' in run.stdout, run.stdout[-3000:]
    run = chargeback(ledger_path, out, 'chargeback_period=2026-11', 'chargeback_start=2026-11-01', 'chargeback_end=2026-11-02')
    assert run.rc != 0 and 'mutually exclusive: period|start' in run.stdout, run.stdout[-3000:]
    run = chargeback(ledger_path, out, 'chargeback_start=2026-11-01')
    assert run.rc != 0 and 'required together: start, end' in run.stdout, run.stdout[-3000:]
    assert not os.path.exists(out)


def test_meter_run_that_cannot_connect_writes_no_ledger(tmp_path):
    ledger_path = str(tmp_path / 'ledger.sqlite')
    task = {'name': 'collect', 'landingzone.openstack.openstack_metering_collect': {
        'cloud': 'no-such-cloud', 'platform': 'local', 'ledger_path': ledger_path, 'kinds': ['servers']}}
    run = run_playbook(tasks=[task], env=SQLITE)
    assert run.rc != 0 and 'cannot connect to platform ' in run['collect']['msg'], run.stdout[-3000:]
    assert not os.path.exists(ledger_path)
