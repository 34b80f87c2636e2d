# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: the main job on the embedded default (the local real cloud, the SQLite ledger).

With the local cloud up (the Makefile starts it), this:
1. creates some of the example inventory's users in Keystone (erin is left out on purpose: her
   binding becomes a replication remark until she exists);
2. runs `ansible-playbook landingzone.openstack.replicate -i examples/inventory` twice (the second
   run reports changed=0);
3. prints what Keystone now holds: the tenants, their groups, roles and members;
4. gives the tenant shop-web some usage (a server on Nova's fake driver and a volume), collects
   it twice with meter.yml into the SQLite ledger build/demo/ledger.sqlite (reader account), and
   rates the running month with chargeback.yml (CSV, JSON, FOCUS CSV, HTML under build/demo/).
"""

import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests'))
from helpers.cloud import all_projects  # noqa: E402 - every project on every Keystone release's paging
BIN = os.path.dirname(sys.executable)
INVENTORY = os.path.join(ROOT, 'examples', 'inventory')
DEMO_DIR = os.path.join(ROOT, 'build', 'demo')
DEMO_USERS = [('alice', 'default'), ('bob', 'default'), ('carol', 'default'),
              ('dave@example.com', 'default')]


def env():
    out = dict(os.environ)
    out['ANSIBLE_COLLECTIONS_PATH'] = os.path.join(ROOT, 'build', 'collections')
    out.setdefault('OS_CLIENT_CONFIG_FILE', os.path.join(ROOT, '.localcloud', 'clouds.yaml'))
    out['PATH'] = BIN + os.pathsep + out.get('PATH', '')
    out['ANSIBLE_LOCALHOST_WARNING'] = 'false'
    return out


def make_usage(conn):
    """A server and a volume in shop-web (reused when a previous demo left them)."""
    project = [p for p in all_projects(conn)
               if set(['lz-managed', 'lz-platform=local', 'lz-ws=shop', 'lz-proj=web']) <= set(p.tags or [])][0]
    me = conn.current_user_id
    admin_role = conn.identity.find_role('admin')
    conn.identity.assign_project_role_to_user(project, me, admin_role)
    tenant = conn.connect_as_project({'id': project.id})
    if not list(tenant.compute.servers(name='demo-server')):
        image = tenant.image.find_image('cirros-fake')
        flavor = tenant.compute.find_flavor('m1.tiny')
        server = tenant.compute.create_server(name='demo-server', image_id=image.id, flavor_id=flavor.id,
                                              networks='none')
        tenant.compute.wait_for_server(server, wait=120)
        print('created demo-server in shop-web')
    if not list(tenant.block_storage.volumes(name='demo-volume')):
        volume = tenant.block_storage.create_volume(name='demo-volume', size=2)
        tenant.block_storage.wait_for_status(volume, 'available', wait=120)
        print('created demo-volume (2 GiB) in shop-web')


def playbook(name, *extra):
    cmd = [os.path.join(BIN, 'ansible-playbook'), 'landingzone.openstack.%s' % name, '-i', INVENTORY,
           '-e', 'lz_report_dir=%s' % os.path.join(DEMO_DIR, 'reports', name),
           '-e', 'lz_ledger_path=%s' % os.path.join(DEMO_DIR, 'ledger.sqlite'),
           '-e', 'lz_chargeback_dir=%s' % os.path.join(DEMO_DIR, 'reports', 'chargeback')] + list(extra)
    print('\n$ %s' % ' '.join(cmd), flush=True)
    return subprocess.call(cmd, cwd=DEMO_DIR, env=env())


def ensure_users(conn):
    for name, domain in DEMO_USERS:
        if not list(conn.identity.users(name=name, domain_id=domain)):
            conn.identity.create_user(name=name, domain_id=domain)
            print('created demo user %s' % name)


def show_state(conn):
    names = dict((r.id, r.name) for r in conn.identity.roles())
    print('\nKeystone after replication (platform "local"):')
    ours = [p for p in all_projects(conn)
            if set(['lz-managed', 'lz-platform=local']) <= set(p.tags or [])]
    for proj in sorted(ours, key=lambda p: p.name):
        state = 'enabled' if proj.is_enabled else 'DISABLED'
        print('  project %-22s %-8s domain=%s tags=%s' % (proj.name, state, proj.domain_id, ','.join(proj.tags)))
        grants = {}
        for ra in conn.identity.role_assignments(scope_project_id=proj.id):
            if ra.group:
                grants.setdefault(ra.group['id'], []).append(names.get(ra.role['id'], ra.role['id']))
        for group_id, roles in sorted(grants.items()):
            group = conn.identity.get_group(group_id)
            members = sorted(u.name for u in conn.identity.group_users(group))
            print('    group %-28s roles=%-16s members=%s'
                  % (group.name, ','.join(sorted(roles)), ','.join(members) or '-'))


def main():
    import openstack
    os.makedirs(DEMO_DIR, exist_ok=True)
    os.environ.update(OS_CLIENT_CONFIG_FILE=env()['OS_CLIENT_CONFIG_FILE'])
    conn = openstack.connect(cloud='replicator')
    ensure_users(conn)
    rc = playbook('replicate', '--diff')
    rc = rc or playbook('replicate')  # the second run: changed=0
    show_state(conn)
    make_usage(conn)
    rc = rc or playbook('meter')
    time.sleep(5)  # a second sample a little later: usage is measured between samples
    rc = rc or playbook('meter')
    rc = rc or playbook('chargeback', '-e', 'chargeback_preview=true')
    # the last month is not covered by a fresh ledger: it is not frozen; the default run fails and
    # says why (expected), with chargeback_allow_partial it is rated marked partial
    if playbook('chargeback') == 0:
        print('the last month was closed: the ledger covers it')
    rc = rc or playbook('chargeback', '-e', 'chargeback_allow_partial=true')
    print('\nreports: %s' % os.path.join(DEMO_DIR, 'reports'))
    return rc


if __name__ == '__main__':
    sys.exit(main())
