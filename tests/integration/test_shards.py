# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sharding for AWX (docs/scale.md, "Sharding for AWX"), on the local cloud.

One inventory of a handful of workspaces is replicated twice: once unsharded on platform A, once
on platform B split over 4 shard hosts in ONE ansible-playbook run with forks=4 (the 4 shards
write Keystone at the same time, as 4 AWX slices do). Keystone then holds the same state for
both platforms (names, descriptions, tags, groups, members, grants), no tenant twice, and each
tenant was written by exactly one shard, the one its workspace hashes to. An orphan of B is
reported by shard 0 only; a second sharded run changes nothing and finds the same one orphan.
"""

import json
import os

from helpers.keystone import Keystone, tagged_projects
from helpers.playbook import REPO_ROOT, run_playbook

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.shards import shard_of

PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'replicate.yml')
SHARDS = 4
ZONES = {'default': {'domain_mode': 'default', 'patterns': {'project': '{platform}-{workspace}-{project}'}}}
TENANTS = 'Replicate tenants'
ACCESS = 'Replicate access'


def inventory(unique, users):
    return [{'identifier': 's%s%d' % (unique, i), 'tags': {'team': str(i)}, 'projects': [
        {'identifier': 'app', 'bindings': [{'euid': users[i % len(users)], 'role': 'admin'},
                                           {'euid': users[(i + 1) % len(users)], 'role': 'reader'}]},
        {'identifier': 'db', 'bindings': [{'euid': users[i % len(users)], 'role': 'user'}]}]} for i in range(6)]


def run(hosts, workspaces, workdir, platforms=None):
    os.makedirs(workdir, exist_ok=True)
    # Keystone's state is compared: the quota step would only add time
    group_vars = dict(landing_zones=ZONES, workspaces=workspaces, lz_report_dir='reports', replicate_quotas=False)
    if platforms:
        group_vars['lz_platform_names'] = platforms
    return run_playbook(playbook=PLAYBOOK, hosts=hosts, group_vars=group_vars, workdir=workdir,
                        extra_args=['--forks', str(SHARDS)])


ROLES = ('reader', 'user', 'admin')


def groups_of(conn, proj, key):
    """The managed groups of a tenant, by name (one listing per role: an unpaged /groups is one page
    of a busy cloud); a group of another tenant with the name is no group of ours."""
    found = []
    for role in ROLES:
        found.extend(g for g in conn.identity.get('/groups?name=%s-%s' % (proj.name, role)).json()['groups']
                     if g.get('lz_tenant') == key)
    return found


def state(conn, platform):
    """Keystone's state of a platform's tenants, the platform's name taken out: tenant -> what it holds."""
    keystone = Keystone(conn, platform)
    out, count = {}, {}
    for proj in keystone.projects():
        tags = sorted(t for t in proj.tags if not t.startswith('lz-platform='))
        key = '%s/%s' % (_tag(proj, 'lz-ws='), _tag(proj, 'lz-proj='))
        count[key] = count.get(key, 0) + 1
        mine = groups_of(conn, proj, key)
        access = {}
        for group in mine:
            grp = conn.identity.get_group(group['id'])
            access[group['name'][len(platform):]] = (keystone.members(grp), keystone.group_roles(grp, proj))
        out[key] = dict(name=proj.name[len(platform):], description=proj.description, enabled=proj.is_enabled,
                        tags=tags, groups=access, group_count=len(mine))
    return out, count


def _tag(proj, prefix):
    return next(t[len(prefix):] for t in proj.tags if t.startswith(prefix))


def written_by(run_result, hosts):
    """tenant -> the shard hosts whose tenants or access step had it in its rows, and -> those that wrote it."""
    seen, wrote = {}, {}
    for host in hosts:
        for task in (TENANTS, ACCESS):
            for row in run_result.host(host)[task]['tenants']:
                seen.setdefault(row['tenant'], set()).add(host)
                if row['changes']:
                    wrote.setdefault(row['tenant'], set()).add(host)
    return seen, wrote


def cleanup(conn, platform):
    for proj in tagged_projects(conn, ['lz-platform=%s' % platform]):
        for group in groups_of(conn, proj, '%s/%s' % (_tag(proj, 'lz-ws='), _tag(proj, 'lz-proj='))):
            conn.identity.delete_group(group['id'], ignore_missing=True)
        conn.identity.update_project(proj, is_enabled=False)
        conn.identity.delete_project(proj, ignore_missing=True)


def test_four_shards_at_once_equal_one_unsharded_run(replicator, keystone, unique, make_user, tmp_path):
    users = ['shu%s-%d' % (unique, i) for i in range(3)]
    for name in users:
        make_user(name)
    workspaces = inventory(unique, users)
    whole, sharded = 'sa%s' % unique, keystone.platform   # keystone cleans up the sharded platform
    try:
        single = run({whole: {}}, workspaces, str(tmp_path / 'whole'))
        assert single.rc == 0, single.stdout[-3000:] + single.stderr[-2000:]
        expected, expected_count = state(replicator, whole)
        # gone before the sharded run: two platforms of one Keystone share their groups' owner
        # attribute (lz_tenant), so B's run would take A's groups (docs/scale.md, three regions)
        cleanup(replicator, whole)

        # an orphan of the sharded platform: our marker, a workspace the inventory does not name
        replicator.identity.create_project(name='%s-gone' % sharded, domain_id='default', tags=[
            'lz-managed', 'lz-platform=%s' % sharded, 'lz-ws=gone%s' % unique, 'lz-proj=x'])
        hosts = dict(('%s-shard%d' % (sharded, i), dict(lz_platform=sharded, lz_shard=i, lz_shards=SHARDS))
                     for i in range(SHARDS))
        first = run(hosts, workspaces, str(tmp_path / 'sharded'), platforms=[sharded])
        assert first.rc == 0, first.stdout[-3000:] + first.stderr[-2000:]

        got, count = state(replicator, sharded)
        assert len(expected) == 12 and set(expected_count.values()) == {1}, expected_count
        orphan = got.pop('gone%s/x' % unique)
        assert orphan['name'] == '-gone' and count.pop('gone%s/x' % unique) == 1
        assert got == expected, [(key, field, got[key][field], expected[key][field]) for key in expected
                                 for field in expected[key] if got.get(key, {}).get(field) != expected[key][field]]
        assert set(count.values()) == {1}, count   # 0 duplicate projects
        assert all(t['group_count'] == 3 for t in got.values()), got   # 0 duplicate (or missing) groups

        seen, wrote = written_by(first, hosts)
        assert sorted(seen) == sorted(expected)
        for tenant, by in seen.items():
            index = shard_of(tenant.split('/')[0], SHARDS)
            assert by == {'%s-shard%d' % (sharded, index)}, (tenant, by)
            assert wrote[tenant] == by, (tenant, wrote.get(tenant))
        print('tenants per shard: %s' % dict((h, sum(1 for b in seen.values() if h in b)) for h in hosts))

        orphans = dict((h, [o['name'] for o in first.host(h)[TENANTS]['orphans']]) for h in hosts)
        assert orphans == dict((h, ['%s-gone' % sharded] if h.endswith('shard0') else []) for h in hosts), orphans
        reports = sorted(os.listdir(str(tmp_path / 'sharded' / 'reports')))
        assert reports == ['%s.shard-%d-of-%d.json' % (sharded, i, SHARDS) for i in range(SHARDS)], reports
        with open(str(tmp_path / 'sharded' / 'reports' / reports[1])) as handle:
            assert sorted(t['tenant'] for t in json.load(handle)['tenants']) == sorted(
                t for t, by in seen.items() if '%s-shard1' % sharded in by)

        again = run(hosts, workspaces, str(tmp_path / 'sharded'), platforms=[sharded])
        assert again.rc == 0, again.stdout[-3000:] + again.stderr[-2000:]
        assert [again.stats(h).get('changed') for h in hosts] == [0] * SHARDS, again.stdout[-3000:]
        assert [o['name'] for o in again.host('%s-shard0' % sharded)[TENANTS]['orphans']] == ['%s-gone' % sharded]
        after, after_count = state(replicator, sharded)
        after.pop('gone%s/x' % unique)
        after_count.pop('gone%s/x' % unique)
        assert (after, after_count) == (got, count)
    finally:
        cleanup(replicator, whole)


def test_a_shard_on_two_hosts_stops_before_any_request(unique, tmp_path):
    platform = 'sb%s' % unique
    hosts = {'%s-a' % platform: dict(lz_platform=platform, lz_shard=0, lz_shards=2),
             '%s-b' % platform: dict(lz_platform=platform, lz_shard=0, lz_shards=2)}
    result = run(hosts, [{'identifier': 'w%s' % unique}], str(tmp_path), platforms=[platform])
    assert result.rc != 0
    failed = result.host('%s-a' % platform)['Validate the inventory before any API call']
    assert failed['failed'] and 'hold the same shard 0 of platform %s' % platform in failed['msg'], failed
    assert 'no host holds shard(s) 1 of 2' in failed['msg'], failed['msg']
    assert 'Replicate tenants' not in result.host('%s-a' % platform).results
