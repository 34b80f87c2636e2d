# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Seed a Keystone-only bench instance with what a converge of N bench tenants writes, by SQL in bulk.

Converging 10,000 tenants through the API takes 100+ minutes at Keystone's write rate (docs/scale.md,
Limits). This writes the same state straight into Keystone's MariaDB in seconds, so the runs that
follow a converge (no-op, one workspace, drift, deletion) can be measured at that size:

    export OS_CLIENT_CONFIG_FILE=<a Keystone-only instance's clouds.yaml>   # NEVER a shared cloud
    .venv/bin/python bench/scale.py seed --tenants 10000     # or: bench/seed_keystone.py seed ...
    .venv/bin/python bench/seed_keystone.py dump --platform <p> --run-id <id>   # the state, normalized

The rows are not written by hand: the collection's own planners (``plan_tenant_step``,
``plan_access``) plan the tenants against an empty snapshot, and the collection's own applier
(``apply.apply`` with its OPERATIONS: the request bodies ``create_project``, ``create_group``,
``grant``, ``member``, ``record_access`` send) carries the plan out against ``RecordingKeystone``,
which keeps each write as Keystone's API layer would store it. ``rows`` turns that into the rows of
Keystone's tables (``project``, ``project_tag``, ``group``, ``assignment``,
``user_group_membership``; sql models of keystone 2026.2: resource/backends/sql_model.py,
identity/backends/sql_model.py, assignment/backends/sql.py); users and roles exist already (the
bench creates its 300 users through the API). So the seed follows whatever converge writes; a write
the recorder does not know fails the seed instead of being guessed. Proof that the seed equals a
converge: docs/scale.md, "10,000 tenants (seeded)" (the same state as an API converge, dumped by
``dump``, and a no-op run right after the seed changes nothing).

Keystone caches (dogpile, in memory) projects and groups by id: the seeded ids are new, so nothing
stale can be cached and Keystone is not restarted.
"""

import argparse
import json
import os
import subprocess
import sys
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'build', 'collections'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# columns of Keystone's tables; every other attribute of a project or group goes to its ``extra`` JSON
PROJECT_COLUMNS = ('id', 'name', 'domain_id', 'description', 'enabled', 'parent_id', 'is_domain')
GROUP_COLUMNS = ('id', 'name', 'domain_id', 'description')
DEFAULT_DOMAIN = dict(id='default', name='Default', enabled=True)


class RecordingKeystone:
    """A REST client (``_rest.RestClient``'s interface) that keeps the writes the applier sends, as
    Keystone's API layer would store them; any other write raises (the seed must not guess)."""

    retries = 0

    def __init__(self, new_id=lambda: uuid.uuid4().hex):
        self.new_id = new_id
        self.projects = {}      # id -> the project as created, later patches merged
        self.groups = {}        # id -> the group as created
        self.grants = set()     # (group id, project id, role id)
        self.members = set()    # (user id, group id)

    def get(self, path, params=None, missing_ok=False):
        raise AssertionError('the seed reads nothing from Keystone: GET %s' % path)

    def request(self, method, path, json=None, params=None, ok=(200, 201, 202, 204), missing_ok=False):
        parts = path.strip('/').split('/')
        if method == 'POST' and parts in (['projects'], ['groups']):
            return self._create(parts[0], json)
        if method == 'PATCH' and parts[0] == 'projects' and len(parts) == 2:
            body = json['project']
            if 'options' in body:
                raise AssertionError('project options are not seeded: %s' % body)
            self.projects[parts[1]].update(body)
            return {'project': self.projects[parts[1]]}
        if method == 'PUT' and len(parts) == 6 and parts[0] == 'projects' and parts[2] == 'groups':
            self.grants.add((parts[3], parts[1], parts[5]))
            return None
        if method == 'PUT' and len(parts) == 4 and parts[0] == 'groups' and parts[2] == 'users':
            self.members.add((parts[3], parts[1]))
            return None
        raise AssertionError('a write the seed does not know: %s %s %s' % (method, path, json))

    def _create(self, kind, body):
        key = kind[:-1]
        item = dict(body[key], id=self.new_id())
        if kind == 'projects':
            if 'options' in item:
                raise AssertionError('project options are not seeded: %s' % item)
            item.setdefault('description', '')
            item.setdefault('tags', [])
            item.update(parent_id=item['domain_id'], is_domain=False)
        self.__dict__[kind][item['id']] = item
        return {key: item}


def seed_plan(zones, workspaces, platform, users, roles, recorder=None):
    """Plan and apply ``workspaces`` (the bench's inventory) with the collection's planners and
    applier against an empty Keystone holding only ``users`` (name -> id) and ``roles``
    (name -> id); returns the RecordingKeystone holding what was written."""
    from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import select_scope
    from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.apply import ApplyContext, apply
    from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.plan import plan_access
    from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.runner import plan_tenant_step
    from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.snapshot import Snapshot
    from ansible_collections.landingzone.openstack.plugins.module_utils._replication.references import References
    rec = recorder or RecordingKeystone()
    tenants = select_scope(dict(landing_zones=zones, workspaces=workspaces), platform).tenants
    # the tenants step: an empty Keystone (its default domain), as Snapshot.read_tenants reads it
    snap = Snapshot(platform)
    snap.domains = [dict(DEFAULT_DOMAIN)]
    refs = References(lambda: [dict(id=i, name=n) for n, i in roles.items()])
    results, orphans, actions = plan_tenant_step(snap, refs, tenants, platform)
    _apply(rec, snap, results + orphans, actions, apply, ApplyContext)
    # the access step: the projects just written, no group yet, the roles and users of the cloud
    snap = Snapshot(platform)
    snap.domains = [dict(DEFAULT_DOMAIN)]
    snap.projects = [dict(p) for p in rec.projects.values()]
    snap.roles_by_name = dict(roles)
    snap.grants_read = True
    for name, user_id in users.items():
        snap.remember_user(name, user_id)
    results, actions = plan_access(snap, tenants)
    _apply(rec, snap, results, actions, apply, ApplyContext)
    return rec


def _apply(rec, snap, results, actions, apply, context):
    failed = [(r.key, r.errors) for r in results if r.errors]
    ctx = context(rec, snap)
    for res in results:
        if res.project_id:
            ctx.project_ids[res.key] = res.project_id
    failed += sorted(apply(ctx, actions, results, 1))
    if failed:
        raise SystemExit('the seed plan failed: %s' % failed[:5])


def rows(rec):
    """Keystone's table rows (table -> list of tuples in the columns of ``INSERT_COLUMNS``)."""
    out = dict(project=[], project_tag=[], group=[], assignment=[], user_group_membership=[])
    for proj in rec.projects.values():
        extra = dict((k, v) for k, v in proj.items() if k not in PROJECT_COLUMNS + ('tags',))
        out['project'].append((proj['id'], proj['name'], json.dumps(extra), proj['description'],
                               int(proj['enabled']), proj['domain_id'], proj['parent_id'], int(proj['is_domain'])))
        out['project_tag'].extend((proj['id'], tag) for tag in proj['tags'])
    for grp in rec.groups.values():
        extra = dict((k, v) for k, v in grp.items() if k not in GROUP_COLUMNS)
        out['group'].append((grp['id'], grp['domain_id'], grp['name'], grp.get('description', ''), json.dumps(extra)))
    out['assignment'] = [('GroupProject', g, p, r, 0) for g, p, r in sorted(rec.grants)]
    out['user_group_membership'] = sorted(rec.members)
    return out


INSERT_COLUMNS = dict(
    project=('id', 'name', 'extra', 'description', 'enabled', 'domain_id', 'parent_id', 'is_domain'),
    project_tag=('project_id', 'name'),
    group=('id', 'domain_id', 'name', 'description', 'extra'),
    assignment=('type', 'actor_id', 'target_id', 'role_id', 'inherited'),
    user_group_membership=('user_id', 'group_id'),
)
# parents before children (foreign keys)
TABLE_ORDER = ('project', 'project_tag', 'group', 'assignment', 'user_group_membership')


def sql_literal(value):
    if isinstance(value, int):
        return str(value)
    return "'%s'" % str(value).replace('\\', '\\\\').replace("'", "\\'")


def sql_statements(table_rows, batch=1000):
    """Multi-row INSERTs in one transaction."""
    yield 'START TRANSACTION;'
    for table in TABLE_ORDER:
        items = table_rows[table]
        for start in range(0, len(items), batch):
            values = ',\n'.join('(%s)' % ', '.join(sql_literal(v) for v in row) for row in items[start:start + batch])
            columns = ', '.join('`%s`' % c for c in INSERT_COLUMNS[table])
            yield 'INSERT INTO `%s` (%s) VALUES\n%s;' % (table, columns, values)
    yield 'COMMIT;'


# -- against the instance ------------------------------------------------------------------------

def mariadb_socket():
    """The Keystone-only instance's MariaDB (beside its clouds.yaml); refuses a default instance's."""
    state_dir = os.path.dirname(os.path.abspath(os.environ['OS_CLIENT_CONFIG_FILE']))
    if os.path.basename(os.path.realpath(state_dir)).startswith('.localcloud'):
        raise SystemExit('refusing to seed a default local cloud instance (%s): start a Keystone-only one of your own '
                         '(LOCALCLOUD_STATE_DIR, LOCALCLOUD_PORT_OFFSET, LOCALCLOUD_SERVICES=mariadb,keystone)' % state_dir)
    return os.path.join(state_dir, 'data', 'mariadb', 'mysqld.sock')


def mariadb(sql, socket):
    return subprocess.run(['mariadb', '--socket', socket, '-N', 'keystone'], input=sql, capture_output=True,
                          text=True, check=True).stdout


def cloud_users_and_roles(conn, names):
    users = dict((u.name, u.id) for u in conn.identity.users(domain_id='default') if u.name in set(names))
    roles = dict((r.name, r.id) for r in conn.identity.roles() if not r.domain_id)
    return users, roles


def seed(conn, zones, workspaces, platform, user_names):
    """Seed ``workspaces``; returns figures (rows per table, seconds)."""
    import time
    socket = mariadb_socket()
    users, roles = cloud_users_and_roles(conn, user_names)
    started = time.monotonic()
    rec = seed_plan(zones, workspaces, platform, users, roles)
    planned = time.monotonic()
    table_rows = rows(rec)
    mariadb('\n'.join(sql_statements(table_rows)), socket)
    done = time.monotonic()
    return dict(plan_s=round(planned - started, 1), insert_s=round(done - planned, 1),
                rows=dict((t, len(v)) for t, v in table_rows.items()))


def dump(conn, platform, run_id):
    """Keystone's state of ``platform``'s tenants as the collection reads it (names, descriptions,
    tags, the lz_* attributes, groups with theirs, grants by role name, members by user name), ids
    replaced by names and ``run_id`` by RUN, so that two runs of the same shape compare equal."""
    rest = conn.identity
    projects = rest.get('/projects', params={'limit': 100000}).json()['projects']
    projects = [p for p in projects if 'lz-platform=%s' % platform in (p.get('tags') or [])]
    project_names = dict((p['id'], p['name']) for p in projects)
    groups = [g for g in rest.get('/groups', params={'limit': 100000}).json()['groups']
              if g.get('lz_platform') == platform]
    roles = dict((r['id'], r['name']) for r in rest.get('/roles').json()['roles'])
    users = dict((u['id'], u['name']) for u in rest.get('/users', params={'limit': 100000}).json()['users'])
    skip = ('id', 'links', 'domain_id', 'parent_id')
    state = dict(projects={}, groups={})
    for proj in projects:
        state['projects'][proj['name']] = dict((k, v) for k, v in proj.items() if k not in skip)
    for grp in groups:
        grants = rest.get('/role_assignments', params={'group.id': grp['id']}).json()['role_assignments']
        members = rest.get('/groups/%s/users' % grp['id']).json()['users']
        entry = dict((k, v) for k, v in grp.items() if k not in skip)
        entry['grants'] = sorted('%s on %s' % (roles[a['role']['id']], project_names.get(
            a['scope'].get('project', {}).get('id'), a['scope'])) for a in grants)
        entry['members'] = sorted(m['name'] for m in members)
        state['groups'][grp['name']] = entry
    text = json.dumps(state, sort_keys=True, indent=1)
    for user_id, name in users.items():   # user ids inside the lz_access records
        text = text.replace(user_id, 'user:' + name)
    return json.loads(text.replace(run_id, 'RUN'))


def main():
    import replicate as rb
    import scale
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('action', choices=['seed', 'dump'])
    ap.add_argument('--tenants', type=int, default=10000)
    ap.add_argument('--users', type=int, default=300)
    ap.add_argument('--state', help='the bench state file (default: beside clouds.yaml)')
    ap.add_argument('--platform')
    ap.add_argument('--run-id')
    ap.add_argument('--out', help='dump: the file to write')
    args = ap.parse_args()
    conn = rb.connect()
    if args.action == 'dump':
        with open(args.out, 'w') as handle:
            json.dump(dump(conn, args.platform, args.run_id), handle, sort_keys=True, indent=1)
        return
    scale.seed(args, conn, rb.ensure_users(conn, args.users))


if __name__ == '__main__':
    main()
