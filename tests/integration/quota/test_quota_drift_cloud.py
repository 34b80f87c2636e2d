# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Quota drift is named like Keystone drift (issue 24, point 6), through replicate.yml on the local cloud.

A quota changed by hand with openstacksdk is set back by the next replicate run AND reported as the
remark `drift_reverted` with key, old and new (also in the report); an inventory change is not; the
run after is changed=0. What tells them apart is the project's `lz_quota` record, read with the
project listing the quotas step makes anyway.
"""

from helpers.keystone import replicate, report, workspace
from helpers.quota import Cloud


def _quota_row(run, platform, tenant):
    rows = [r for r in run['Replicate quotas']['tenants'] if r['tenant'] == tenant]
    assert len(rows) == 1, run['Replicate quotas']['tenants']
    return rows[0]


def test_a_hand_changed_quota_is_drift_reverted_and_an_inventory_change_is_not(keystone, platform, unique, replicator):
    ws = 'qd%s' % unique
    tenant = '%s/web' % ws
    zones = {'default': {'domain_mode': 'default', 'quota': {'values': {'compute.cores': 4, 'network.router': 2}}}}
    wss = [workspace(ws, [{'identifier': 'web', 'name': 'Web'}])]
    run = replicate(platform, wss, zones=zones)
    assert run.rc == 0, run.stdout[-3000:]
    pid = keystone.project(ws, 'web').id
    record = replicator.identity.get('/projects/%s' % pid).json()['project'].get('lz_quota')
    assert record == {'compute.cores': 4, 'network.router': 2}

    # by hand, outside the inventory
    replicator.compute.put('/os-quota-sets/%s' % pid, json={'quota_set': {'cores': 17}})
    run = replicate(platform, wss, zones=zones, workdir=run.workdir)
    assert run.rc == 0, run.stdout[-3000:]
    row = _quota_row(run, platform, tenant)
    reverted = [r for r in row['remarks'] if r['code'] == 'drift_reverted']
    assert [r['drift'] for r in reverted] == [dict(field='compute.cores', old=17, new=4, recorded=4)], row
    assert row['drift']['compute.cores']['outside_inventory'] is True and row['fixed'] == ['compute.cores']
    assert Cloud(replicator).compute(pid)['cores'] == 4
    merged = [t for t in report(run, platform)['tenants'] if t['tenant'] == tenant][0]
    assert 'drift_reverted' in [r['code'] for r in merged['remarks']], merged

    # the run after: nothing to do
    run = replicate(platform, wss, zones=zones, workdir=run.workdir)
    assert run.rc == 0 and run.stats(platform)['changed'] == 0, run.stdout[-3000:]

    # an inventory change is no drift
    zones['default']['quota']['values']['compute.cores'] = 6
    run = replicate(platform, wss, zones=zones, workdir=run.workdir)
    row = _quota_row(run, platform, tenant)
    assert row['changes'] == ['compute.cores: 4 -> 6'] and not [r for r in row['remarks'] if r['code'] == 'drift_reverted']
    assert replicator.identity.get('/projects/%s' % pid).json()['project']['lz_quota']['compute.cores'] == 6
