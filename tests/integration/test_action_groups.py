# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action groups of meta/runtime.yml: module_defaults for a group apply to every member.

The README's snippet sets ``cloud`` for ``group/landingzone.openstack.openstack``; the replicate
role also sets the inventory options for ``group/landingzone.openstack.inventory``. Every member
of each group is run (check mode, against the local cloud) with nothing but those defaults: none
may fail with "Unsupported parameters", and each must really have received them.
"""

import os
import tempfile

import yaml

from helpers.playbook import REPO_ROOT, run_playbook

WORKSPACES = [{'identifier': 'groups', 'projects': [{'identifier': 'web'}]}]
ZONES = {'default': {}}


def groups():
    with open(os.path.join(REPO_ROOT, 'meta', 'runtime.yml')) as handle:
        return yaml.safe_load(handle)['action_groups']


def test_every_group_member_takes_the_group_defaults():
    workdir = tempfile.mkdtemp(prefix='lz-groups-')
    members = sorted(set(groups()['openstack']) | set(groups()['inventory']))
    # Options a member needs beyond the groups' (none of them a connection or inventory option).
    own = {'openstack_metering_collect': {'platform': 'groups', 'ledger_path': os.path.join(workdir, 'l.sqlite')}}
    tasks = [{'name': member, 'landingzone.openstack.%s' % member: own.get(member, {}), 'check_mode': True,
              'ignore_errors': True} for member in members]
    play = [{'name': 'defaults by group', 'hosts': 'platforms', 'gather_facts': False,
             'module_defaults': {
                 'group/landingzone.openstack.openstack': {'cloud': 'replicator'},
                 'group/landingzone.openstack.inventory': {
                     'platform': 'groups', 'platforms': ['groups'], 'landing_zones': ZONES,
                     'workspaces': WORKSPACES}},
             'tasks': tasks}]
    playbook = os.path.join(workdir, 'play.yml')
    with open(playbook, 'w') as handle:
        yaml.safe_dump(play, handle, sort_keys=False)
    run = run_playbook(playbook=playbook, host='groups', workdir=workdir)
    assert set(members) == {'inventory_validate', 'keystone_tenant', 'keystone_group_binding', 'openstack_quota',
                            'openstack_metering_collect', 'openstack_metering_check'}
    for member in members:
        result = run[member]
        assert 'Unsupported parameters' not in result.get('msg', ''), (member, result.get('msg'))
        assert not result.get('failed'), (member, result.get('msg'))
    # The defaults arrived: the inventory members planned the tenant, the connection members talked
    # to the cloud (with the replicator account) and counted their requests.
    assert [t['tenant'] for t in run['inventory_validate']['tenants']] == ['groups/web']
    assert run['keystone_tenant']['planned'] == ['create project groups-web']
    for member in ('keystone_tenant', 'keystone_group_binding', 'openstack_quota', 'openstack_metering_collect',
                   'openstack_metering_check'):
        http = run[member]['requests'].get('http', run[member]['requests'])
        assert http['total'] > 0, member


def test_modules_without_a_cloud_are_in_no_group():
    members = set(groups()['openstack']) | set(groups()['inventory'])
    assert not members & {'openstack_usage_info', 'openstack_chargeback', 'replication_report'}
    assert 'inventory_validate' not in groups()['openstack']
