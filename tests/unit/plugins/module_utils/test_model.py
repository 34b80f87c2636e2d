# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory model: frozen dataclasses, built by the validation only."""

import dataclasses

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import model
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import select_tenants

INVENTORY = dict(landing_zones={'default': {'quota_sizes': {'s': {'compute.cores': 2}}, 'quota': {'size': 's'}}},
                 workspaces=[{'identifier': 'shop', 'projects': [{'identifier': 'web', 'quota': {'compute.ram': 512}}]}])


def tenant():
    return select_tenants(INVENTORY, 'local')[0]


def test_the_model_is_frozen():
    t = tenant()
    for obj, field in ((t, 'tags'), (t.groups[0], 'members')):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, field, [])
    assert dataclasses.replace(t, protect=True).protect is True and t.protect is False


def test_a_tenant_carries_its_landing_zone_defaults_and_quota():
    t = tenant()
    assert (t.quota_below_usage, t.foreign_tags, t.protect, t.deletion_resources) == ('remark', 'keep', False, 'block')
    assert t.quota_size == 's' and t.quota == {'compute.cores': 2, 'compute.ram': 512}
    assert [g.role for g in t.groups] == list(model.PROJECT_ROLES) and t.group('admin').name == 'shop-web-admin'
    assert set(t.to_dict()) == set(f.name for f in dataclasses.fields(model.Tenant))
    assert t.to_dict()['groups'][0] == t.groups[0].to_dict()


def test_unknown_or_missing_fields_are_refused():
    fields = dict((f.name, getattr(tenant(), f.name)) for f in dataclasses.fields(model.Tenant))
    with pytest.raises(TypeError):
        model.Tenant(bogus=1, **fields)
    del fields['key']
    with pytest.raises(TypeError):
        model.Tenant(**fields)


def test_a_landing_zone_has_its_policies_with_defaults():
    zone = model.LandingZone('z', 'default', None, {}, {}, '{euid}', False, {}, None, {}, {})
    assert (zone.quota_below_usage, zone.foreign_tags, zone.protect_projects, zone.deletion_resources) \
        == (model.DEFAULT_QUOTA_BELOW_USAGE, model.DEFAULT_FOREIGN_TAGS, False, model.DEFAULT_DELETION_RESOURCES)
