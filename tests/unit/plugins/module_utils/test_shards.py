# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sharding a platform's workspaces (_inventory/shards.py), the shard scope of select_scope, and
orphans decided by the platform-wide shard only (docs/scale.md, "Sharding for AWX")."""

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.shards import (
    Shard, layout_problems, parse_shard, shard_of)
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import select_scope
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import InventoryError
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import plan as ks
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.runner import platform_registered_limits

from test_keystone import project, snapshot, spec

ZONES = {'default': {'domain_mode': 'default'}}
NAMES = ['ws%d' % i for i in range(40)]


def inventory():
    return {'landing_zones': ZONES, 'workspaces': [{'identifier': n, 'projects': [{'identifier': 'a'}, {'identifier': 'b'}]}
                                                   for n in NAMES]}


def test_a_workspace_has_one_shard_whatever_else_the_inventory_holds():
    # fixed values: the assignment must not change between releases, or shards would swap tenants mid-upgrade
    assert [shard_of(n, 4) for n in ('shop', 'data', 'ws0', 'ws1')] == [1, 3, 1, 1]
    assert [shard_of(n, 7) for n in ('shop', 'data')] == [2, 2]
    assert all(shard_of(n, 1) == 0 for n in NAMES)
    counts = [sum(1 for n in NAMES if shard_of(n, 4) == i) for i in range(4)]
    assert sum(counts) == 40 and min(counts) >= 4, counts   # spread, not all in one


def test_select_scope_splits_a_platform_into_disjoint_shards_that_cover_it():
    scopes = [select_scope(inventory(), 'p', ['p'], shard={'index': i, 'count': 4}) for i in range(4)]
    keys = [sorted(t.key for t in s.tenants) for s in scopes]
    every = sorted('%s/%s' % (n, p) for n in NAMES for p in 'ab')
    assert sorted(k for ks_ in keys for k in ks_) == every          # each tenant in exactly one shard
    for scope, mine in zip(scopes, keys):
        assert sorted(scope.others) == sorted(set(every) - set(mine))
        # both projects of a workspace in one shard: a per-workspace domain is written by one shard
        assert all(('%s/a' % k.split('/')[0]) in mine and ('%s/b' % k.split('/')[0]) in mine for k in mine)
    assert [s.decides_orphans for s in scopes] == [True, False, False, False]
    whole = select_scope(inventory(), 'p', ['p'])
    assert len(whole.tenants) == 80 and whole.others == frozenset() and whole.decides_orphans
    assert not select_scope(inventory(), 'p', ['p'], only_workspaces=['ws1']).decides_orphans


@pytest.mark.parametrize('value, path', [
    ({'index': 4, 'count': 4}, 'shard.index'), ({'index': -1, 'count': 4}, 'shard.index'),
    ({'index': 0, 'count': 0}, 'shard.count'), ({'index': 0}, 'shard.count'), ({'count': 2}, 'shard.index'),
    ({'index': True, 'count': 2}, 'shard.index'), ({'index': '1', 'count': 2}, 'shard.index'),
    ({'index': 0, 'count': 2, 'size': 1}, 'shard.size'), ('1/2', 'shard')])
def test_a_bad_shard_stops_before_any_request_naming_the_key(value, path):
    with pytest.raises(InventoryError) as err:
        select_scope(inventory(), 'p', ['p'], shard=value)
    assert [e.path for e in err.value.errors] == [path]


def test_parse_shard():
    assert parse_shard({}) is None and parse_shard(None) is None
    assert parse_shard({'index': 1, 'count': 3}) == Shard(1, 3) and str(Shard(1, 3)) == '1/3'
    assert Shard(0, 3).platform_wide and not Shard(2, 3).platform_wide


def host(name, platform='p', shard=None, shards=4):
    return dict(host=name, platform=platform, shard=shard, shards=shards)


def test_layout_one_host_per_shard():
    whole = [host('p%d' % i, shard=i) for i in range(4)] + [dict(host='q', platform='q', shard=None, shards=None)]
    assert layout_problems(whole) == []
    twice = [host('a', shard=0), host('b', shard=0), host('c', shard=1), host('d', shard=2), host('e', shard=3)]
    assert [str(p) for p in layout_problems(twice)] == [
        'hosts a, b: hold the same shard 0 of platform p (lz_shard): each shard on one host']
    missing = [host('a', shard=0), host('c', shard=2)]
    found = [str(p) for p in layout_problems(missing)]
    assert len(found) == 1 and 'no host holds shard(s) 1, 3 of 4' in found[0] and 'lz_sliced: true' in found[0]
    assert layout_problems(missing, sliced=True) == []   # a slice sees only its own hosts
    assert [p.path for p in layout_problems([host('a', shard=0), host('b', shard=1, shards=2)])] == [
        'hosts of platform p']
    assert [p.path for p in layout_problems([host('a', shard=7), host('b', shard=None)], sliced=True)] == [
        'host a.index', 'host b.index']


def test_orphans_only_where_every_tenant_is_known():
    """Shard 0 knows the other shards' tenants (``others``): their projects are not its orphans."""
    other = project(pid='p2', name='beta-db', tags=['lz-managed', 'lz-ws=beta', 'lz-proj=db'])
    orphan = project(pid='p9', name='old-one', tags=['lz-managed', 'lz-ws=old', 'lz-proj=one'])
    snap = snapshot([project(), other, orphan])
    dummy, orphans, dummy2 = ks.plan_tenants(snap, [spec()], ['lz-managed'], prune=True, others=frozenset(['beta/db']))
    assert [o.project_id for o in orphans] == ['p9']
    dummy, orphans, dummy2 = ks.plan_tenants(snap, [spec()], ['lz-managed'], prune=True)
    assert sorted(o.project_id for o in orphans) == ['p2', 'p9']


def test_registered_limits_written_by_the_platform_wide_shard_only():
    limits = {'compute.cores': 20}
    assert platform_registered_limits({'registered_limits': limits, 'shard': {}}) == limits
    assert platform_registered_limits({'registered_limits': limits, 'shard': {'index': 0, 'count': 3}}) == limits
    assert platform_registered_limits({'registered_limits': limits, 'shard': {'index': 2, 'count': 3}}) is None


# Three regions on one Keystone: identity replicated once, quotas per region


def regions_inventory(east_only=False):
    zones = {'default': {'domain_mode': 'default', 'quota': {'values': {'compute.cores': 8}}},
             'small': {'domain_mode': 'default', 'quota': {'values': {'compute.cores': 2}}}}
    web = {'identifier': 'web', 'landing_zone': {'east': 'default', 'west': 'small', 'north': 'default'}}
    if east_only:
        web['platforms'] = ['west']
    return {'landing_zones': zones, 'workspaces': [{'identifier': 'shop', 'projects': [web]}]}


def test_a_region_gets_the_identity_platforms_project_with_its_own_quotas():
    platforms = ['east', 'west', 'north']
    east = select_scope(regions_inventory(), 'east', platforms).tenants[0]
    west_scope = select_scope(regions_inventory(), 'west', platforms, identity_platform='east')
    west = west_scope.tenants[0]
    assert west.marker_tags == east.marker_tags and 'lz-platform=east' in west.marker_tags
    assert (west.name, west.domain, west.tags) == (east.name, east.domain, east.tags)
    assert [g.to_dict() for g in west.groups] == [g.to_dict() for g in east.groups]
    assert west.quota == {'compute.cores': 2} and east.quota == {'compute.cores': 8}
    assert not west_scope.decides_orphans   # the projects are east's: only east's runs prune


@pytest.mark.parametrize('identity, path', [('west', 'identity_platform'), ('south', 'identity_platform')])
def test_the_identity_platform_is_another_platform(identity, path):
    with pytest.raises(InventoryError) as err:
        select_scope(regions_inventory(), 'west', ['east', 'west', 'north'], identity_platform=identity)
    assert [e.path for e in err.value.errors] == [path]


def test_a_project_of_a_region_must_be_on_the_identity_platform():
    with pytest.raises(InventoryError) as err:
        select_scope(regions_inventory(east_only=True), 'west', ['east', 'west', 'north'], identity_platform='east')
    assert [str(e) for e in err.value.errors] == [
        'workspaces[0].projects[0].platforms: on platform west but not on east, which replicates its identity '
        '(identity_platform): add east']


def test_keystone_steps_refuse_a_region():
    from ansible_collections.landingzone.openstack.plugins.module_utils._issues import UserError
    from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.runner import desired_scope
    params = dict(platform='west', platforms=['east', 'west'], identity_platform='east', **regions_inventory())
    with pytest.raises(UserError, match='takes its identity from platform east'):
        desired_scope(params)
