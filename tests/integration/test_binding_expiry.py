# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bindings that expire, on the local cloud: the pull-request plan names a binding that expires
soon; a binding whose date has passed has its member removed by the next run, which says so; the run
after that changes nothing. One converge."""

import datetime
import os

from helpers.keystone import replicate, report, workspace


def _codes(row, code):
    return [r for r in row['remarks'] if r['code'] == code]


def test_an_expired_binding_is_removed_and_one_expiring_soon_is_announced(keystone, platform, unique, make_user):
    ann, bob = make_user('exp-ann-%s' % unique), make_user('exp-bob-%s' % unique)
    ws = 'exp%s' % unique[:6]
    today = datetime.datetime.now(datetime.timezone.utc).date()
    soon = (today + datetime.timedelta(days=5)).isoformat()

    def inventory(ann_expires=None):
        ann_binding = dict({'euid': ann.name, 'role': 'user'}, **({'expires': ann_expires} if ann_expires else {}))
        return [workspace(ws, [{'identifier': 'web', 'name': 'Web',
                                'bindings': [ann_binding, {'euid': bob.name, 'role': 'admin', 'expires': soon}]}])]

    plan = replicate(platform, inventory(), check=True, replicate_quotas=False)
    assert plan.rc == 0, plan.stdout[-3000:]
    with open(os.path.join(plan.workdir, 'reports', '%s.plan.md' % platform)) as handle:
        markdown = handle.read()
    assert 'binding\\_expires\\_soon' in markdown and '%s as admin expires on %s' % (bob.name, soon) in markdown, markdown

    run = replicate(platform, inventory(), replicate_quotas=False)
    assert run.rc == 0, run.stdout[-3000:]
    user_group = keystone.group_named('%s-web-user' % ws)
    assert keystone.members(user_group) == [ann.name]

    # the date passes: the next run removes the member and says why
    expired = replicate(platform, inventory(ann_expires=today.isoformat()), replicate_quotas=False)
    assert expired.rc == 0, expired.stdout[-3000:]
    row = report(expired, platform)['tenants'][0]
    assert [r['user'] for r in _codes(row, 'binding_expired')] == [ann.name], row
    assert any('remove %s from group %s-web-user' % (ann.name, ws) in c for c in row['changes']), row['changes']
    assert keystone.members(user_group) == []
    assert keystone.members(keystone.group_named('%s-web-admin' % ws)) == [bob.name]

    again = replicate(platform, inventory(ann_expires=today.isoformat()), replicate_quotas=False)
    assert again.stats(platform)['changed'] == 0, again.stdout[-3000:]
    assert _codes(report(again, platform)['tenants'][0], 'binding_expired'), 'the expired binding is still named'
