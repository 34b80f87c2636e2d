# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A sample of the property test's valid mutations (tests/helpers/inventory_mutations.py)
replicated on the local cloud: what validation accepts, Keystone stores, and a re-run changes nothing."""

import json

from hypothesis import HealthCheck, assume, given, settings

from helpers.inventory_mutations import mutated
from helpers.keystone import recap, replicate

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import validate

SAMPLE = 2


def on_this_platform(inventory, platform, tag):
    """The mutation with unique workspace identifiers, this test's platform name, and the per-workspace
    zone in the default domain (the keystone fixture cleans projects, not domains)."""
    text = json.dumps(inventory).replace('"shop"', '"shop%s"' % tag).replace('"data"', '"data%s"' % tag)
    inventory = json.loads(text.replace('"local"', json.dumps(platform)))
    zones = inventory.get('landing_zones')
    if isinstance(zones, dict) and isinstance(zones.get('isolated'), dict):
        zones['isolated'].pop('patterns', None)
        zones['isolated']['domain_mode'] = 'default'
    return inventory


@settings(max_examples=SAMPLE, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(mutated())
def test_valid_mutations_replicate_and_rerun_without_change(keystone, platform, unique, inventory):
    inventory = on_this_platform(inventory, platform, unique)
    assume(isinstance(inventory.get('workspaces'), list) and inventory['workspaces'])
    assume(not validate(inventory, (platform,)))
    zones = inventory['landing_zones']
    first = replicate(platform, inventory['workspaces'], zones=zones)
    assert first.rc == 0, first.stdout[-3000:]
    again = replicate(platform, inventory['workspaces'], zones=zones)
    assert again.rc == 0 and recap(again, platform)['changed'] == 0, again.stdout[-3000:]
