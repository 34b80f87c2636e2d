# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property: every mutation of a valid inventory is either valid, and then builds tenants that
Keystone can store and tell apart, or rejected with issues that name a path of the inventory.
Validation never raises and never lets a value through that the backend would refuse.

Mutations: types, lengths, characters (control, final newline, 4-byte), case and accent variants
of a sibling's value, duplicates, ``key=value`` and JSON strings where a mapping belongs."""

from hypothesis import HealthCheck, given, settings

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.naming import (
    beyond_bmp,
    keystone_name_key,
    name_problems,
    tag_problems,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import build_tenants, validate
from helpers.inventory_mutations import mutated

PLATFORMS = ('local', 'other')
MAX_EXAMPLES = 300


def resolves(inventory, path):
    """True when an issue's path names something of (or under a mapping of) the inventory."""
    head = path.split('.', 1)[0].split('[', 1)[0]
    return head in ('landing_zones', 'workspaces', 'inventory', '') or head in inventory


@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_every_mutation_is_valid_and_storable_or_rejected_with_a_path(inventory):
    issues = validate(inventory, PLATFORMS)
    if issues:
        for issue in issues:
            assert isinstance(issue.path, str) and issue.message
            assert resolves(inventory, issue.path), issue
        return
    tenants = [t for platform in PLATFORMS for t in build_tenants(inventory, platform, list(PLATFORMS))]
    seen = {}
    for tenant in tenants:
        assert name_problems(tenant.name, 'project') == [], tenant.name
        for group in tenant.groups:
            assert name_problems(group.name, 'group') == [], group.name
        for tag in tenant.tags:
            assert tag_problems(tag) == [], tag
        assert not beyond_bmp(tenant.description)
        key = (tenant.platform, keystone_name_key(tenant.domain_name), keystone_name_key(tenant.name))
        assert key not in seen, 'two tenants Keystone would call the same: %s, %s' % (seen.get(key), tenant.key)
        seen[key] = tenant.key
