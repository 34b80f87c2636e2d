# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two platforms on the local cloud's one Keystone (issue 26): replicate.yml converges both in one
run, each with its own workspace and one volume; each platform's meter collects twice into its own
ledger and its chargeback rates the window. Each bills exactly its own project's fee (the meter of
each sees both projects, marked for their platforms), every volume of the region to its owning
workspace, and the figures equal those computed by hand from the ledgers' sample times and Cinder's
creation times.

The local cloud has one region, so both platforms' meters list both volumes (two platforms in
two regions would each list their own): what each bills of them is the region's usage."""

import datetime
import decimal
import json
import os

from helpers.keystone import PLAYBOOK, ZONES, tagged_projects, workspace
from helpers.playbook import run_playbook

# tests/conftest.py made the collection importable (ansible_collections.landingzone.openstack)
from ansible_collections.landingzone.openstack.plugins.module_utils import _time  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback import rating  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store  # noqa: E402

D = decimal.Decimal
WAIT = 120
SQLITE = {'LZ_LEDGER_DSN': ''}
FEE, GIB_HOUR = D('100000'), D('1.8')
CATALOG = {'currency': 'EUR', 'prices': [
    {'meter': 'project_monthly_fee', 'unit': 'month', 'unit_price': str(FEE)},
    {'meter': 'volume_gib_hours', 'unit': 'GiB-hour', 'unit_price': str(GIB_HOUR)}]}


def fee_by_hand(first, last):
    """The fee from the first to the last collection, month by month: q6(fraction) x price, to 6 places."""
    lo, hi, total = _time.parse_ts(first), _time.parse_ts(last), D(0)
    while lo < hi:
        month = lo.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        nxt = (month + datetime.timedelta(days=32)).replace(day=1)
        end = min(hi, nxt)
        total += rating.q6(rating.q6(D(rating.micros(lo, end)) / D(rating.micros(month, nxt))) * FEE)
        lo = end
    return total


def volume_by_hand(size, created, last_seen):
    hours = D(rating.micros(_time.parse_ts(created), _time.parse_ts(last_seen))) / rating.US_PER_HOUR
    return rating.q6(rating.q6(size * hours) * GIB_HOUR)


def meter_and_rate(platforms, tmp_path, start, end):
    host = dict((p, {'ledger': str(tmp_path / ('%s.sqlite' % p)), 'out': str(tmp_path / ('out-%s' % p))})
                for p in platforms)
    collect = {'landingzone.openstack.openstack_metering_collect': {
        'cloud': 'metering', 'platform': '{{ inventory_hostname }}', 'ledger_path': '{{ ledger }}', 'kinds': ['volumes']}}
    tasks = [dict(name='first collection', **collect),
             {'name': 'between', 'ansible.builtin.pause': {'seconds': 3}},
             dict(name='second collection', **collect),
             {'name': 'rate', 'landingzone.openstack.openstack_chargeback': {
                 'ledger_path': '{{ ledger }}', 'price_catalog': CATALOG, 'start': start, 'end': end,
                 'output_dir': '{{ out }}', 'platforms': ['{{ inventory_hostname }}']}}]
    run = run_playbook(tasks=tasks, hosts=host, env=dict(SQLITE, ANSIBLE_FORKS='2'), workdir=str(tmp_path))
    assert run.rc == 0, run.stdout[-3000:]
    return run, host


def test_each_platform_bills_its_own_fees_and_the_regions_volumes(replicator, unique, tmp_path):
    pa, pb = 'cpa%s' % unique, 'cpb%s' % unique
    wa, wb = 'wa%s' % unique, 'wb%s' % unique
    group_vars = dict(landing_zones=ZONES, lz_report_dir=str(tmp_path / 'reports'), workspaces=[
        workspace(wa, [{'identifier': 'app', 'name': 'App', 'platforms': [pa]}]),
        workspace(wb, [{'identifier': 'app', 'name': 'App', 'platforms': [pb]}])])
    volumes, projects = {}, {}
    try:
        converge = run_playbook(playbook=PLAYBOOK, group_vars=group_vars, hosts={pa: None, pb: None},
                                env={'ANSIBLE_FORKS': '2'})
        assert converge.rc == 0, converge.stdout[-3000:]
        admin = replicator.identity.find_role('admin', ignore_missing=False)
        start = _time.ts(_time.utcnow() - datetime.timedelta(minutes=1))
        for platform, ws, size in ((pa, wa, 1), (pb, wb, 2)):
            found = tagged_projects(replicator, ['lz-platform=%s' % platform, 'lz-ws=%s' % ws])
            assert len(found) == 1, found
            projects[platform] = found[0]
            replicator.identity.assign_project_role_to_user(found[0].id, replicator.current_user_id, admin.id)
            conn = replicator.connect_as_project({'id': found[0].id})
            volumes[platform] = (conn, conn.block_storage.create_volume(size=size, name='cbp-%s' % platform), size)
        for conn, vol, dummy in volumes.values():
            conn.block_storage.wait_for_status(vol, 'available', failures=['error'], interval=0.3, wait=WAIT)
        end = _time.ts(_time.utcnow() + datetime.timedelta(minutes=10))
        run, host = meter_and_rate((pa, pb), tmp_path, start, end)

        ours = dict((projects[p].id, p) for p in (pa, pb))
        workspace_of = {projects[pa].id: wa, projects[pb].id: wb}
        total_by_hand, total_billed = D(0), D(0)
        for platform in (pa, pb):
            with store.open_ledger(path=host[platform]['ledger']) as ledger:
                seen = dict((p['project_id'], p) for p in ledger.projects(platform) if p['project_id'] in ours)
                lives = dict((lt['resource_id'], lt) for lt in ledger.lifetimes(platform))
            # each meter saw both projects (one Keystone), with their workspaces
            assert sorted(seen) == sorted(ours) and all(p['workspace'] == workspace_of[i] for i, p in seen.items())
            result = run.host(platform)['rate']
            with open(os.path.join(result['directory'], 'line_items.json')) as fh:
                items = json.load(fh)['items']
            fees = [i for i in items if i['meter'] == 'project_monthly_fee']
            own = projects[platform].id
            # exactly its own project's fee: not the other platform's, nor any other test's or the demo's
            assert [(i['project_id'], i['workspace']) for i in fees] == [(own, workspace_of[own])]
            fee = fee_by_hand(seen[own]['first_seen_at'], seen[own]['last_seen_at'])
            assert fees[0]['cost'] == str(fee) and D(fee) > 0
            assert (fees[0]['charge_start'], fees[0]['charge_end']) == (seen[own]['first_seen_at'],
                                                                        seen[own]['last_seen_at'])
            # the region's volumes, each to its owning workspace
            billed = dict((i['resource_id'], (i['workspace'], i['cost'])) for i in items if i['meter'] == 'volume_gib_hours'
                          and i['project_id'] in ours)
            expected = {}
            for owner, (dummy, vol, size) in volumes.items():
                life = lives[vol.id]
                expected[vol.id] = (workspace_of[projects[owner].id],
                                    str(volume_by_hand(size, life['created_at'], life['last_seen_at'])))
            assert billed == expected
            by_hand = fee + sum(D(cost) for dummy, cost in expected.values())
            by_ws = result['totals']['by_workspace']
            assert D(by_ws[wa]) + D(by_ws[wb]) == by_hand
            assert any('holds resources here' in n or 'hold resources here' in n for n in result['notes'])
            total_by_hand += by_hand
            total_billed += D(by_ws[wa]) + D(by_ws[wb])
        assert total_billed == total_by_hand
    finally:
        for conn, vol, dummy in volumes.values():
            conn.block_storage.delete_volume(vol.id, ignore_missing=True)
        for conn, vol, dummy in volumes.values():
            conn.block_storage.wait_for_delete(vol, interval=0.3, wait=WAIT)
        for platform in (pa, pb):
            for proj in tagged_projects(replicator, ['lz-platform=%s' % platform]):
                replicator.identity.update_project(proj, is_enabled=False)
                replicator.identity.delete_project(proj, ignore_missing=True)
