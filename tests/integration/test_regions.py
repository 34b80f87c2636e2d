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

import json
import os

import openstack
import pytest

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
    # east's zone sets no quota: its row is ok, in the report (the role's steps return only the rows that are not ok)
    assert run.host(east)['Replicate quotas']['tenants'] == []
    with open(os.path.join(str(tmp_path), 'reports', '%s.json' % east)) as handle:
        east_rows = json.load(handle)['tenants']
    assert [(r['tenant'], r['steps']['quotas']['status'], r['steps']['quotas']['changes']) for r in east_rows] == [
        ('%s/app' % ws, 'ok', [])]

    again = run_playbook(playbook=PLAYBOOK, hosts=hosts, workdir=str(tmp_path), group_vars=dict(
        landing_zones=zones, workspaces=workspaces, lz_report_dir='reports'))
    assert again.rc == 0 and [again.stats(h).get('changed') for h in (east, west)] == [0, 0], again.stdout[-3000:]


def region_names(conn):
    """The regions whose catalog has a block-storage endpoint."""
    service = [s.id for s in conn.identity.services() if s.type == 'block-storage']
    return sorted(set(e.region_id for e in conn.identity.endpoints() if e.service_id in service))


def test_three_regions_keep_their_own_quotas(replicator, keystone, unique, tmp_path):
    """On a local cloud with three regions (tests/localcloud/services/regions.py, an option: skipped on
    the default cloud): one Keystone project per tenant, and each region's Cinder holds its own quota."""
    regions = region_names(replicator)
    if regions != ['RegionOne', 'RegionThree', 'RegionTwo']:
        pytest.skip('the local cloud has no three regions (LOCALCLOUD_SERVICES=...,regions): %s' % regions)
    east, west, north, ws = keystone.platform, 'rw%s' % unique, 'rn%s' % unique, 'r%s' % unique
    zones = dict(('z%d' % size, {'domain_mode': 'default', 'quota': {'values': {'volume.gigabytes': size}}})
                 for size in (100, 200, 300))
    workspaces = [{'identifier': ws, 'projects': [
        {'identifier': 'app', 'landing_zone': {east: 'z100', west: 'z200', north: 'z300'}}]}]
    # one clouds.yaml entry per region, as docs/scale.md says (the local cloud writes them with the regions)
    hosts = {east: {}, west: {'lz_identity_platform': east, 'lz_cloud': 'replicator-regiontwo'},
             north: {'lz_identity_platform': east, 'lz_cloud': 'replicator-regionthree'}}
    group_vars = dict(landing_zones=zones, workspaces=workspaces, lz_report_dir='reports',
                      replicate_quota_backend={'compute': 'legacy', 'image': 'legacy'})
    run = run_playbook(playbook=PLAYBOOK, hosts=hosts, workdir=str(tmp_path), group_vars=group_vars)
    assert run.rc == 0, run.stdout[-3000:] + run.stderr[-2000:]

    projects = tagged_projects(replicator, ['lz-ws=%s' % ws])
    assert len(projects) == 1 and 'lz-platform=%s' % east in projects[0].tags, [(p.name, p.tags) for p in projects]
    quotas = {}
    for region in ('RegionOne', 'RegionTwo', 'RegionThree'):
        conn = openstack.connect(cloud='replicator' + ('' if region == 'RegionOne' else '-' + region.lower()))
        quotas[region] = conn.block_storage.get_quota_set(projects[0].id).gigabytes
    assert quotas == {'RegionOne': 100, 'RegionTwo': 200, 'RegionThree': 300}
    for host in (west, north):
        assert [r['project_id'] for r in run.host(host)['Replicate quotas']['tenants']] == [projects[0].id]

    again = run_playbook(playbook=PLAYBOOK, hosts=hosts, workdir=str(tmp_path), group_vars=group_vars)
    assert again.rc == 0 and [again.stats(h).get('changed') for h in hosts] == [0, 0, 0], again.stdout[-3000:]
