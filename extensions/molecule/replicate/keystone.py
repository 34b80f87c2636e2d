# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""openstacksdk checks for the molecule scenario (independent of the collection's own code)."""

import os
import sys

import openstack

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'tests'))
from helpers.cloud import all_projects  # noqa: E402 - every project on every Keystone release's paging

EXPECTED = {
    'molecule-app': {'molecule-app-reader': (['reader'], []),
                     'molecule-app-user': (['member'], ['molecule-user']),
                     'molecule-app-admin': (['manager', 'member'], [])},
    'molecule-ops': {'molecule-ops-reader': (['reader'], []),
                     'molecule-ops-user': (['member'], []),
                     'molecule-ops-admin': (['manager', 'member'], ['molecule-user'])},
}


def ensure_user(conn, name):
    if list(conn.identity.users(name=name, domain_id='default')):
        print('exists')
    else:
        conn.identity.create_user(name=name, domain_id='default')
        print('created')


def verify(conn, platform):
    roles = dict((r.id, r.name) for r in conn.identity.roles())
    # filtered here: Keystone's tags filter only sees one page of max_db_limit projects
    projects = dict((p.name, p) for p in all_projects(conn)
                    if set(['lz-managed', 'lz-platform=%s' % platform]) <= set(p.tags or []))
    problems = []
    if sorted(projects) != sorted(EXPECTED):
        problems.append('projects %s, expected %s' % (sorted(projects), sorted(EXPECTED)))
    for pname, groups in EXPECTED.items():
        proj = projects.get(pname)
        if proj is None:
            continue
        if not proj.is_enabled or 'owner=ci' not in proj.tags:
            problems.append('%s: enabled=%s tags=%s' % (pname, proj.is_enabled, proj.tags))
        for gname, (want_roles, want_members) in groups.items():
            found = list(conn.identity.groups(name=gname, domain_id='default'))
            if len(found) != 1:
                problems.append('%s: %d groups' % (gname, len(found)))
                continue
            group = found[0]
            got_roles = sorted(roles[a.role['id']] for a in
                               conn.identity.role_assignments(group_id=group.id, scope_project_id=proj.id))
            got_members = sorted(u.name for u in conn.identity.group_users(group))
            if (got_roles, got_members) != (want_roles, want_members):
                problems.append('%s: roles %s members %s, expected %s %s'
                                % (gname, got_roles, got_members, want_roles, want_members))
    for line in problems:
        print(line)
    return 1 if problems else 0


def main(argv):
    conn = openstack.connect(cloud='replicator')
    if argv[0] == 'ensure-user':
        ensure_user(conn, argv[1])
        return 0
    return verify(conn, argv[1])


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
