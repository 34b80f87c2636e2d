# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the access step learns group members (``replicate_members_read``), on the local cloud's real Keystone.

One tenant converged once, then changed by hand (a member added, a role granted); ``records`` (what a
whole-platform run on a cloud of more than 1,000 groups uses, docs/scale.md) sets back the grant from the
cloud-wide direct listing and takes the members from the project's ``lz_access`` record, so it does not see
the member added by hand, and says so in its result; ``groups`` reads every group and sets the member back.
"""

from helpers.keystone import replicate, report, workspace

ACCESS_TASK = 'Replicate access'


def test_records_set_back_grants_and_say_they_did_not_read_members(keystone, replicator, platform, unique, make_user):
    ws = 'mr%s' % unique
    alice, eve = make_user('alice-%s' % unique), make_user('eve-%s' % unique)
    inventory = [workspace(ws, [{'identifier': 'web', 'name': 'Web', 'landing_zone': 'default',
                                 'bindings': [{'euid': alice.name, 'role': 'user'}]}])]
    first = replicate(platform, inventory, replicate_members_read='records')
    assert first.rc == 0, first.stdout[-3000:]
    # the first run created the groups: there was nothing to read, and nothing taken from records
    assert first[ACCESS_TASK]['members'] == dict(mode='records', groups=0, read=0, from_records=0)

    proj = keystone.project(ws, 'web')
    user_group = keystone.group_named('%s-web-user' % ws)
    reader_group = keystone.group_named('%s-web-reader' % ws)
    replicator.identity.add_user_to_group(eve, user_group)
    role = [r for r in replicator.identity.roles() if r.name == 'member'][0]
    replicator.identity.assign_project_role_to_group(proj, reader_group, role)

    records = replicate(platform, inventory, replicate_members_read='records')
    assert records.rc == 0, records.stdout[-3000:]
    access = records[ACCESS_TASK]
    assert access['members'] == dict(mode='records', groups=3, read=0, from_records=3)
    # the grant is read (one cloud-wide listing) and set back; the member added by hand is not seen
    assert keystone.group_roles(reader_group, proj) == ['reader']
    assert keystone.members(user_group) == sorted([alice.name, eve.name])
    drift = [r['drift']['field'] for t in access['tenants'] for r in t['remarks'] if r['code'] == 'drift_reverted']
    assert drift == ['grants']
    assert report(records, platform)['steps']['access']['members'] == access['members']

    groups = replicate(platform, inventory, replicate_members_read='groups')
    assert groups.rc == 0, groups.stdout[-3000:]
    access = groups[ACCESS_TASK]
    assert access['members'] == dict(mode='groups', groups=3, read=3, from_records=0)
    assert keystone.members(user_group) == [alice.name]
    drift = [r['drift'] for t in access['tenants'] for r in t['remarks'] if r['code'] == 'drift_reverted']
    assert [d['field'] for d in drift] == ['members'] and drift[0]['old'] == sorted([alice.name, eve.name])
