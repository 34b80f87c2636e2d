# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two platforms on the local cloud's one Keystone replicate the same workspace and project (each its own
project and groups, the names set apart by {platform}): neither takes the other's groups, a group made
before groups carried their platform is marked once by the platform whose project it serves, and the
next runs change nothing; a platform deleting its tenant never takes the other's unmarked group."""

import copy

from helpers.keystone import Keystone, replicate, report, workspace

ZONES = {'default': {'domain_mode': 'default', 'delete_projects': True,
                     'patterns': {'project': '{workspace}-{project}-{platform}'}}}


def _groups(keystone, ws):
    return dict((g['name'], g) for g in keystone.managed_groups(ws))


def test_platforms_sharing_a_keystone_keep_their_own_groups(replicator, keystone, platform, unique, make_user):
    other = 'ot%s' % unique
    ann, bob = make_user('shk-ann-%s' % unique), make_user('shk-bob-%s' % unique)
    ws = 'shk%s' % unique[:6]
    inventory = [workspace(ws, [{'identifier': 'web', 'name': 'Web', 'bindings': [
        {'euid': ann.name, 'role': 'user'}, {'euid': bob.name, 'role': 'admin'}]}])]
    theirs = Keystone(replicator, other)
    try:
        first = replicate(platform, inventory, zones=ZONES, replicate_quotas=False)
        assert first.rc == 0, first.stdout[-3000:]
        mine = _groups(keystone, ws)
        assert sorted(g['lz_platform'] for g in mine.values()) == [platform] * 3, mine
        # a group of this platform made before groups carried their platform
        legacy = '%s-web-%s-user' % (ws, platform)
        replicator.identity.patch('/groups/%s' % mine[legacy]['id'], json={'group': {'lz_platform': None}})

        second = replicate(other, inventory, zones=ZONES, replicate_quotas=False)
        assert second.rc == 0, second.stdout[-3000:]
        both = _groups(keystone, ws)
        assert sorted(both) == sorted(['%s-web-%s-%s' % (ws, p, r) for p in (platform, other)
                                       for r in ('reader', 'user', 'admin')]), sorted(both)
        for name, grp in mine.items():   # the first platform's groups are as it left them
            assert both[name]['id'] == grp['id'] and both[name].get('lz_platform') == (
                None if name == legacy else platform)
        assert keystone.members(keystone.group_named(legacy)) == [ann.name]
        project = keystone.project(ws, 'web')
        assert keystone.group_roles(keystone.group_named(legacy), project) == ['member']
        assert keystone.group_roles(keystone.group_named('%s-web-%s-user' % (ws, other)), project) == []

        marked = replicate(platform, inventory, zones=ZONES, replicate_quotas=False)
        assert marked.rc == 0 and marked.stats(platform)['changed'] > 0, marked.stdout[-3000:]
        changes = report(marked, platform)['tenants'][0]['changes']
        assert changes == ['access: mark group %s as platform %s\'s' % (legacy, platform)], changes
        assert _groups(keystone, ws)[legacy]['lz_platform'] == platform

        for host in (platform, other):
            again = replicate(host, inventory, zones=ZONES, replicate_quotas=False)
            assert again.rc == 0 and again.stats(host)['changed'] == 0, again.stdout[-3000:]
        assert len(_groups(keystone, ws)) == 6

        # the other platform deletes its tenant while this platform's group is unmarked again (an upgrade not yet
        # run here): its deletion takes its own three groups and project, never this platform's group
        replicator.identity.patch('/groups/%s' % mine[legacy]['id'], json={'group': {'lz_platform': None}})
        gone = copy.deepcopy(inventory)
        gone[0]['projects'][0]['state'] = 'deleted'
        deleted = replicate(other, gone, zones=ZONES, replicate_quotas=False)
        assert deleted.rc == 0, deleted.stdout[-3000:]
        assert sorted(_groups(keystone, ws)) == sorted('%s-web-%s-%s' % (ws, platform, r) for r in ('reader', 'user', 'admin'))
        assert theirs.project(ws, 'web') is None and keystone.project(ws, 'web') is not None
    finally:
        for proj in theirs.projects():
            replicator.identity.update_project(proj, is_enabled=False)
            replicator.identity.delete_project(proj, ignore_missing=True)
