# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Blast-radius limits (issue 24): a plan that disables or deletes too many managed projects, or prunes every one of
the platform's, is refused before the first write; orphan removals are counted in the plan's header and summary."""

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._issues import UserError
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import limits
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import plan as ks_plan
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import snapshot as ks_snapshot
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import platform_marker_tags
from ansible_collections.landingzone.openstack.plugins.module_utils._replication import report as _report
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.markdown import render

MARKER = platform_marker_tags('local')


def managed(index):
    return dict(id='p%d' % index, name='old-%d' % index, domain_id='default', enabled=True,
                tags=MARKER + ['lz-ws=old', 'lz-proj=p%d' % index])


def snapshot(count):
    snap = ks_snapshot.Snapshot()
    snap.domains = [dict(id='default', name='Default')]
    snap.projects = [managed(i) for i in range(count)] + [dict(id='f', name='foreign', domain_id='default', tags=[])]
    snap.groups = []
    return snap


def pruned(count, prune=True):
    """The removals of an inventory with no tenant on a platform holding ``count`` managed projects."""
    snap = snapshot(count)
    _results, orphans, actions = ks_plan.plan_tenants(snap, [], MARKER, prune=prune)
    return limits.removals(snap.projects, actions, set(r.key for r in orphans), MARKER)


def test_an_empty_inventory_that_prunes_every_managed_project_is_refused_naming_the_switch():
    found = pruned(3)
    assert found.labels == ('old-0', 'old-1', 'old-2') and found.orphans == 3 and found.managed == 3
    with pytest.raises(limits.BlastRadiusExceeded) as err:
        limits.check_removals(found, 'fra1', 10, False)
    message = '%s%s' % (err.value.prefix, err.value)
    assert message.startswith('refusing to write: the plan disables or deletes all 3 managed project(s) of platform '
                              'fra1 (3 of them orphans'), message
    assert 'lz_allow_empty_inventory: true on host fra1' in message
    limits.check_removals(found, 'fra1', 10, True)   # the inventory is meant to be empty


def test_more_removals_than_max_deletions_are_refused_with_how_many_and_which():
    found = pruned(12)
    with pytest.raises(limits.BlastRadiusExceeded) as err:
        limits.check_removals(found, 'fra1', limits.DEFAULT_MAX_DELETIONS, True)
    message = str(err.value)
    assert 'disables or deletes 12 managed project(s) of platform fra1 (12 orphan(s), 0 in state deleted), more ' \
           'than max_deletions 10: old-0, old-1, old-10, old-11, old-2 and 7 more' in message, message
    assert 'raise lz_max_deletions of host fra1 to 12 or more (for one run: -e replicate_max_deletions=12)' in message
    limits.check_removals(found, 'fra1', 12, True)


def test_without_prune_nothing_is_removed_and_nothing_refused():
    found = pruned(30, prune=False)
    assert found.labels == () and not found.everything
    limits.check_removals(found, 'fra1', 0, False)


@pytest.mark.parametrize('value', [-1, 'ten', True, None])
def test_max_deletions_must_be_a_count(value):
    with pytest.raises(UserError, match='lz_max_deletions of host fra1'):
        limits.check_max_deletions(value, 'fra1')


def test_orphan_removals_are_counted_in_the_markdown_header_and_the_summary():
    steps = [('validation', dict(requests=dict(total=0), tenants=[])),
             ('tenants', dict(requests=dict(total=3), tenants=[], orphans=[
                 dict(tenant='old/p%d' % i, name='old-%d' % i, status='changed', remarks=[],
                      changes=['disable project old-%d' % i, 'delete project old-%d' % i]) for i in range(2)]))]
    report = _report.merge(steps, check_mode=True)
    assert report['summary']['orphans_removed'] == 2
    lines = render(report, 'local').splitlines()
    assert lines[2] == '**0 tenants**: 0 would change, 0 ok, 0 with remarks, 0 skipped, 0 failed; ' \
                       '2 orphans (2 would be removed); 3 requests.'
    assert lines[3] == 'Would create 0, change 0, revoke 2, delete 2; 0 remarks.'
    assert _report.human_summary('local', report)[0].endswith('2 orphans (2 would be removed); 3 requests')
