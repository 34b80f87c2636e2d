# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""openstack_metering_collect as a module: argument spec and the fail paths before any listing,
and the changes-since window it takes from the ledger (its collection runs against the local
cloud in tests/integration/test_metering.py)."""

import json
import os

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import runner
from ansible_collections.landingzone.openstack.plugins.modules import openstack_metering_collect


def run_module(args, monkeypatch, capsys):
    monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))
    monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy', raising=False)
    with pytest.raises(SystemExit):
        openstack_metering_collect.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture(autouse=True)
def no_cloud(monkeypatch, tmp_path):
    clouds = tmp_path / 'clouds.yaml'
    clouds.write_text('clouds: {}\n')
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', str(clouds))
    monkeypatch.delenv('LZ_LEDGER_DSN', raising=False)
    for name in list(os.environ):
        if name.startswith('OS_') and name != 'OS_CLIENT_CONFIG_FILE':
            monkeypatch.delenv(name)


def test_a_cloud_that_cannot_be_reached_fails_with_cannot_connect(tmp_path, monkeypatch, capsys):
    ledger_path = str(tmp_path / 'ledger.sqlite')
    out = run_module(dict(cloud='nowhere', platform='p1', ledger_path=ledger_path), monkeypatch, capsys)
    assert out['failed'] and out['msg'].startswith("cannot connect to platform p1: cloud 'nowhere' is not in the "
                                                   "clouds.yaml read. clouds.yaml read: "), out
    assert 'lz_metering_cloud of host p1' in out['msg'], out
    assert out['requests'] == dict(total=0)
    # the ledger was opened (and migrated) before connecting, but holds no run
    with store.open_ledger(path=ledger_path) as ledger:
        assert ledger.counts()['collection_runs'] == 0


def test_check_mode_never_creates_a_ledger(tmp_path, monkeypatch, capsys):
    ledger_path = str(tmp_path / 'sub' / 'ledger.sqlite')
    out = run_module(dict(cloud='nowhere', platform='p1', ledger_path=ledger_path, _ansible_check_mode=True),
                     monkeypatch, capsys)
    assert out['failed'] and 'cannot connect' in out['msg']
    assert not os.path.exists(os.path.dirname(ledger_path))


@pytest.mark.parametrize('args,message', [
    (dict(cloud='x'), 'missing required arguments: platform'),
    (dict(cloud='x', platform='p1', kinds=['vms']), 'value of kinds must be one or more of'),
    (dict(cloud='x', platform='p1', price_catalog={}), 'Unsupported parameters'),
])
def test_argument_spec(tmp_path, monkeypatch, capsys, args, message):
    out = run_module(dict(args, ledger_path=str(tmp_path / 'l.sqlite')), monkeypatch, capsys)
    assert out['failed'] and message in out['msg'], out


def test_the_changes_since_window_is_the_last_complete_listing_per_kind(tmp_path):
    with store.open_ledger(path=str(tmp_path / 'ledger.sqlite')) as ledger:
        assert runner.since_window(ledger, 'p1', list(store.KINDS)) == {}
        ledger.record_run(dict(id='a', platform='p1', window_end='2026-11-01T10:00:00Z',
                               complete_kinds=['servers', 'volumes']))
        ledger.record_run(dict(id='b', platform='p1', window_end='2026-11-01T11:00:00Z', complete_kinds=['volumes']))
        ledger.record_run(dict(id='c', platform='p2', window_end='2026-11-01T12:00:00Z', complete_kinds=['servers']))
        assert runner.since_window(ledger, 'p1', ['servers', 'volumes', 'floating_ips']) == {
            'servers': '2026-11-01T10:00:00.000000Z', 'volumes': '2026-11-01T11:00:00.000000Z'}
    assert runner.since_window(None, 'p1', ['servers']) == {}
