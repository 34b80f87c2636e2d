# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Chargeback on the local real cloud: the replicator creates a managed project with a server and
a volume, the metering module collects several times (the volume is deleted in between), the
chargeback playbook rates the window, and the report matches figures computed by hand from the
ledger's sample times and Nova's/Cinder's own creation times."""

import csv
import datetime
import decimal
import json
import os
import time


from helpers.playbook import run_playbook


HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
D = decimal.Decimal
WAIT = 120


# tests/conftest.py made the collection importable (ansible_collections.landingzone.openstack)
from ansible_collections.landingzone.openstack.plugins.module_utils import _time  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store as _ledger  # noqa: E402

# The ledger of these tests is SQLite: an LZ_LEDGER_DSN of the environment would win over ledger_path.
SQLITE = {'LZ_LEDGER_DSN': ''}
CATALOG = {'currency': 'EUR', 'prices': [
    {'meter': 'server_hours', 'flavor': 'm1.tiny', 'unit': 'hour', 'unit_price': '3.6'},
    {'meter': 'volume_gib_hours', 'unit': 'GiB-hour', 'unit_price': '1.8'},
]}


def collect(ledger_path):
    task = {'name': 'collect', 'landingzone.openstack.openstack_metering_collect': {
        'cloud': 'metering', 'platform': 'local', 'ledger_path': ledger_path, 'kinds': ['servers', 'volumes']}}
    run = run_playbook(tasks=[task], env=SQLITE)
    assert run.rc == 0 and run['collect']['status'] == 'ok', run.stdout[-3000:]
    return run['collect']


def hours(a, b):
    delta = _time.parse_ts(b) - _time.parse_ts(a)
    return D((delta.days * 86400 + delta.seconds) * 10 ** 6 + delta.microseconds) / D(3600 * 10 ** 6)


def q6(value):
    return value.quantize(D('0.000001'), rounding=decimal.ROUND_HALF_EVEN)


def test_chargeback_of_collected_usage_matches_hand_computed_figures(replicator, unique, tmp_path):
    ledger_path = str(tmp_path / 'ledger.sqlite')
    admin_role = replicator.identity.find_role('admin', ignore_missing=False)
    flavor = replicator.compute.find_flavor('m1.tiny', ignore_missing=False)
    image = replicator.image.find_image('cirros-fake', ignore_missing=False)
    project = replicator.identity.create_project(
        name='cb-%s' % unique, domain_id='default', description='chargeback integration test',
        tags=['lz-managed', 'lz-ws=cb%s' % unique, 'lz-proj=app', 'lz-zone=default'])
    conn = None
    server = volume = None
    try:
        replicator.identity.assign_project_role_to_user(project.id, replicator.current_user_id, admin_role.id)
        conn = replicator.connect_as_project({'id': project.id})
        start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - datetime.timedelta(seconds=1)
        server = conn.compute.create_server(name='cb-vm', flavor_id=flavor.id, image_id=image.id, networks='none')
        volume = conn.block_storage.create_volume(size=2, name='cb-vol')
        conn.compute.wait_for_server(server, status='ACTIVE', interval=0.5, wait=WAIT)
        conn.block_storage.wait_for_status(volume, 'available', failures=['error'], interval=0.3, wait=WAIT)
        first = collect(ledger_path)
        time.sleep(2)
        second = collect(ledger_path)
        conn.block_storage.delete_volume(volume.id)
        conn.block_storage.wait_for_delete(volume, interval=0.3, wait=WAIT)
        time.sleep(1)
        third = collect(ledger_path)  # the volume is gone: it ended between second and third
        time.sleep(2)
        fourth = collect(ledger_path)
        end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5)

        with _ledger.open_ledger(path=ledger_path) as ledger:
            lives = dict((lt['resource_id'], lt) for lt in ledger.lifetimes('local'))
        srv, vol = lives[server.id], lives[volume.id]
        # what the APIs said
        assert srv['created_at'] == _time.ts(conn.compute.get_server(server.id).created_at)
        assert vol['created_at'] == _time.ts(volume.created_at)
        assert (vol['last_seen_at'], vol['gone_at']) == (_time.ts(second['window_end']), _time.ts(third['window_end']))
        assert srv['last_seen_at'] == _time.ts(fourth['window_end'])
        assert first['window_end'] < second['window_end']

        out = str(tmp_path / 'reports')
        play = run_playbook(playbook=os.path.join(REPO_ROOT, 'playbooks', 'chargeback.yml'), host='localhost',
                            group_vars={'lz_ledger_path': ledger_path, 'lz_chargeback_dir': out, 'price_catalog': CATALOG},
                            extra_args=['-e', 'chargeback_start=%s' % start.isoformat(), '-e', 'chargeback_end=%s' % end.isoformat()],
                            env=SQLITE)
        assert play.rc == 0, play.stdout[-3000:]
        result = play['Rate the ledger into chargeback reports']
        assert result['status'] == 'open' and result['changed']

        # by hand: the server from Nova's created time to its latest sample, 1 x 3.6 per hour;
        # the volume from Cinder's created time to the midpoint of (last seen, gone), 2 GiB x 1.8
        server_h = q6(hours(srv['created_at'], srv['last_seen_at']))
        vol_end = _time.ts(_time.parse_ts(vol['last_seen_at']) + (_time.parse_ts(vol['gone_at']) - _time.parse_ts(vol['last_seen_at'])) / 2)
        volume_q = q6(2 * hours(vol['created_at'], vol_end))
        expected = q6(server_h * D('3.6')) + q6(volume_q * D('1.8'))
        workspace = 'cb%s' % unique
        assert D(result['totals']['by_workspace'][workspace]) == expected

        with open(os.path.join(result['directory'], 'line_items.csv')) as fh:
            rows = [r for r in csv.DictReader(fh) if r['workspace'] == workspace]
        got = dict((r['resource_id'], (r['quantity'], r['unit'], r['cost'], r['project'], r['tenant'])) for r in rows)
        assert got == {server.id: (str(server_h), 'hour', str(q6(server_h * D('3.6'))), 'app', project.name),
                       volume.id: (str(volume_q), 'GiB-hour', str(q6(volume_q * D('1.8'))), 'app', project.name)}
        vol_row = [r for r in rows if r['resource_id'] == volume.id][0]
        assert (vol_row['charge_start'], vol_row['charge_end']) == (vol['created_at'], vol_end)
        with open(os.path.join(result['directory'], 'focus.csv')) as fh:
            focus = [r for r in csv.DictReader(fh) if r['x_Workspace'] == workspace]
        assert sorted(r['BilledCost'] for r in focus) == sorted(g[2] for g in got.values())
        assert set(r['SubAccountId'] for r in focus) == {project.id}
        with open(os.path.join(result['directory'], 'line_items.json')) as fh:
            assert json.load(fh)['period']['label'] == result['period']['label']

        # openstack_usage_info reports the same hours as the invoice, for the same window
        info = run_playbook(tasks=[{'name': 'usage', 'landingzone.openstack.openstack_usage_info': {
            'ledger_path': ledger_path, 'platform': 'local', 'workspace': workspace, 'price_catalog': CATALOG,
            'start': start.isoformat(), 'end': end.isoformat()}}], env=SQLITE)
        assert info.rc == 0, info.stdout[-3000:]
        usage = dict((u['kind'], u) for u in info['usage']['usage'])
        assert sorted(usage) == ['servers', 'volumes']
        assert (usage['servers']['resources'], usage['volumes']['resources']) == (1, 1)
        assert D(str(usage['servers']['hours'])) == server_h          # = server_hours of m1.tiny
        assert D(str(usage['volumes']['quantity_hours'])) == volume_q  # = volume_gib_hours

        # check mode: rates, writes nothing
        check = run_playbook(playbook=os.path.join(REPO_ROOT, 'playbooks', 'chargeback.yml'), host='localhost',
                             group_vars={'lz_ledger_path': ledger_path, 'lz_chargeback_dir': str(tmp_path / 'dry'),
                                         'price_catalog': CATALOG}, check=True,
                             extra_args=['-e', 'chargeback_start=%s' % start.isoformat(), '-e', 'chargeback_end=%s' % end.isoformat()],
                             env=SQLITE)
        assert check.rc == 0, check.stdout[-3000:]
        assert D(check['Rate the ledger into chargeback reports']['totals']['by_workspace'][workspace]) == expected
        assert not os.path.exists(str(tmp_path / 'dry'))
        # an invalid catalog fails before any work, with the path of the problem
        bad = run_playbook(playbook=os.path.join(REPO_ROOT, 'playbooks', 'chargeback.yml'), host='localhost',
                           group_vars={'lz_ledger_path': ledger_path, 'lz_chargeback_dir': out,
                                       'price_catalog': dict(CATALOG, prices=[dict(CATALOG['prices'][0], unit='day')])},
                           env=SQLITE)
        assert bad.rc != 0 and 'price_catalog.prices[0].unit' in bad.stdout
    finally:
        if conn is not None:
            if server is not None:
                conn.compute.delete_server(server.id, ignore_missing=True)
                conn.compute.wait_for_delete(server, interval=0.5, wait=WAIT)
            if volume is not None:
                conn.block_storage.delete_volume(volume.id, ignore_missing=True)
        replicator.identity.delete_project(project.id)
