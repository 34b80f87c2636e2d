# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ledger DSN's password appears in no output, log or report file of a meter run and a
chargeback run, whatever legal shape the DSN has and wherever it comes from (the option or
LZ_LEDGER_DSN), at -vvv with ANSIBLE_LOG_PATH set, a wrong password included. Against the local
cloud's PostgreSQL ledger."""

import glob
import os
from urllib.parse import quote

import pytest

from helpers.playbook import run_playbook
from helpers.cloud import ledger_dsn

from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.dsn import parse


def forms(password):
    """The same connection written in every shape libpq reads, with ``password``."""
    base = parse(ledger_dsn())
    host, port, user, db = base['host'], base['port'], base['user'], base['dbname']
    return {
        'uri': 'postgresql://%s:%s@%s:%s/%s' % (user, quote(password, safe=''), host, port, db),
        'uri-query': 'postgresql://%s@%s:%s/%s?password=%s' % (user, host, port, db, quote(password, safe='')),
        'keyword': 'host=%s port=%s user=%s dbname=%s password=%s' % (host, port, user, db, password),
        'keyword-spaces': 'host=%s port=%s user=%s dbname=%s password = %s' % (host, port, user, db, password),
        'quoted': "host=%s port=%s user=%s dbname=%s password='%s'" % (host, port, user, db, password),
    }


CATALOG = {'currency': 'EUR', 'prices': [{'meter': 'image_gib_hours', 'unit': 'GiB-hour', 'unit_price': '0.01'}]}


def meter_and_rate(tmp_path, dsn, source, steps=('meter', 'rate')):
    """One play: collect images into the ledger, then rate the running month from it (preview)."""
    log = tmp_path / 'ansible.log'
    ledger = {'ledger_dsn': dsn} if source == 'option' else {}
    tasks = [
        {'name': 'meter', 'landingzone.openstack.openstack_metering_collect': dict(
            cloud='metering', platform='local', kinds=['images'], **ledger)},
        {'name': 'rate', 'landingzone.openstack.openstack_chargeback': dict(
            price_catalog=CATALOG, preview=True, platforms=['local'], output_dir=str(tmp_path / 'reports'), **ledger)},
    ]
    tasks = [t for t in tasks if t['name'] in steps]
    env = dict(ANSIBLE_LOG_PATH=str(log), LZ_LEDGER_DSN=dsn if source == 'env' else '')
    run = run_playbook(tasks=tasks, env=env, extra_args=['-vvv'], workdir=str(tmp_path))
    return run, log


def assert_nowhere(run, tmp_path, secret):
    assert secret not in run.stdout and secret not in run.stderr
    for path in glob.glob(str(tmp_path / '**'), recursive=True):
        # play.yml holds the test's own input; everything else was written by the run
        if os.path.isfile(path) and os.path.basename(path) != 'play.yml':
            with open(path, errors='replace') as handle:
                assert secret not in handle.read(), path


@pytest.mark.parametrize('source', ['option', 'env'])
@pytest.mark.parametrize('form', ['uri', 'uri-query', 'keyword', 'keyword-spaces', 'quoted'])
def test_the_password_never_shows(tmp_path, form, source):
    password = parse(ledger_dsn())['password']
    run, log = meter_and_rate(tmp_path, forms(password)[form], source)
    assert run.rc == 0, run.stdout[-3000:]
    assert run['meter']['ledger']['backend'] == 'postgresql'
    assert run['rate']['changed'] and os.listdir(str(tmp_path / 'reports'))
    assert log.exists() and log.stat().st_size > 0
    assert_nowhere(run, tmp_path, password)


@pytest.mark.parametrize('step', ['meter', 'rate'])
@pytest.mark.parametrize('form', ['uri-query', 'keyword-spaces'])
def test_a_wrong_password_fails_without_showing_it(tmp_path, form, step):
    wrong = 'Wr0ng-pass-%s' % form
    run, dummy = meter_and_rate(tmp_path, forms(wrong)[form], 'env', steps=(step,))
    assert run.rc != 0
    assert 'ledger' in run[step]['msg'], run[step]['msg']
    assert_nowhere(run, tmp_path, wrong)
