# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A region of another platform's Keystone (``lz_identity_platform``, docs/scale.md), on the local cloud.

Platforms east and west in one run, west declared a region of east's Keystone: Keystone holds one
project per tenant (east's), west ran no Keystone step, and west's quota step wrote west's landing
zone quota into east's project. The local cloud has one region, so both platforms' clouds.yaml entry
is RegionOne and only west has a quota here: this proves the wiring (identity once, quotas by the
region's run), not that two regions keep apart quotas (docs/scale.md says why the local cloud has no
three honest regions yet).
"""

import os

from helpers.keystone import tagged_projects
from helpers.playbook import REPO_ROOT, run_playbook

PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'replicate.yml')


def test_a_region_writes_quotas_into_the_identity_platforms_projects(replicator, keystone, unique, tmp_path):
    east, west, ws = keystone.platform, 'rw%s' % unique, 'r%s' % unique
    zones = {'plain': {'domain_mode': 'default'},
             'sized': {'domain_mode': 'default', 'quota': {'values': {'compute.cores': 3}}}}
    workspaces = [{'identifier': ws, 'projects': [{'identifier': 'app', 'landing_zone': {east: 'plain', west: 'sized'}}]}]
    hosts = {east: {}, west: {'lz_identity_platform': east}}
    run = run_playbook(playbook=PLAYBOOK, hosts=hosts, workdir=str(tmp_path), group_vars=dict(
        landing_zones=zones, workspaces=workspaces, lz_report_dir='reports'))
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]

    projects = tagged_projects(replicator, ['lz-ws=%s' % ws])
    assert [p.tags for p in projects if 'lz-platform=%s' % east not in p.tags] == []
    assert len(projects) == 1, [(p.name, p.tags) for p in projects]      # identity replicated once
    region = run.host(west)
    assert [region[step].get('false_condition') for step in ('Replicate tenants', 'Replicate access')] == [
        'not replicate_identity_platform'] * 2
    rows = region['Replicate quotas']['tenants']
    assert [(r['tenant'], r['project_id'], r['status']) for r in rows] == [('%s/app' % ws, projects[0].id, 'changed')]
    assert replicator.compute.get_quota_set(projects[0].id).cores == 3
    assert run.host(east)['Replicate quotas']['tenants'][0]['changes'] == []   # east's zone sets no quota

    again = run_playbook(playbook=PLAYBOOK, hosts=hosts, workdir=str(tmp_path), group_vars=dict(
        landing_zones=zones, workspaces=workspaces, lz_report_dir='reports'))
    assert again.rc == 0 and [again.stats(h).get('changed') for h in (east, west)] == [0, 0], again.stdout[-3000:]
