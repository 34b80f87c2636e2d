# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark replication against the local real Keystone.

    make bench-replicate TENANTS=1000          # or: .venv/bin/python bench/replicate.py --tenants 1000

1. Converges N tenants (default 1,000) x 3 role groups x 10 bindings from empty with the collection's
   modules (keystone_tenant + keystone_group_binding, as replicate.yml runs them), then re-runs with
   nothing to do: wall time, HTTP requests by method (as the modules count them), requests per tenant,
   writes against the minimum number of writes.
2. Side by side at 20 tenants (unless --no-anchor): the same desired state the usual way, with the
   openstack.cloud collection's modules, one item per task (project, identity_group, role_assignment,
   group_assignment), from a separate venv (ansible-core 2.18, openstack.cloud 2.5.0 taken from the
   `ansible` 11 package on PyPI, openstacksdk < 4.15 which those modules work with); and the
   collection's modules on the same 20 tenants. Both go through one counting proxy on loopback, so
   their requests are counted the same way.

Prints a table, then one JSON line (the last line of output).
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integration'))
from faultproxy import FaultProxy, clouds_yaml_via, keystone_port  # noqa: E402

BIN = os.path.dirname(sys.executable)
CALLBACKS = os.path.join(ROOT, 'tests', 'integration', 'callback_plugins')
ANCHOR_VENV = os.path.join(ROOT, '.venv-anchor')
ANCHOR_ANSIBLE = 'ansible==11.13.0'          # ships openstack.cloud 2.5.0
ANCHOR_REQUIREMENTS = ['ansible-core>=2.18,<2.19', 'openstacksdk>=4.0,<4.15']
PROJECTS_PER_WORKSPACE = 25
ROLES = ('reader', 'user', 'admin')
ROLE_MAPPING = {'reader': ['reader'], 'user': ['member'], 'admin': ['member', 'manager']}
# 10 bindings per tenant: 2 readers, 5 users, 3 admins
BINDING_ROLES = ['reader'] * 2 + ['user'] * 5 + ['admin'] * 3


def log(msg):
    print('[bench] %s' % msg, file=sys.stderr, flush=True)


def connect():
    import openstack
    return openstack.connect(cloud='replicator')


def ensure_users(conn, count):
    names = ['bench-u%04d' % i for i in range(count)]
    existing = set(u.name for u in conn.identity.users(domain_id='default') if u.name.startswith('bench-u'))
    missing = [n for n in names if n not in existing]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: conn.identity.create_user(name=n, domain_id='default'), missing))
    if missing:
        log('created %d bench users' % len(missing))
    return names


def desired(run_id, tenants, users):
    workspaces = []
    for t in range(tenants):
        w = t // PROJECTS_PER_WORKSPACE
        if t % PROJECTS_PER_WORKSPACE == 0:
            workspaces.append({'identifier': '%s-w%d' % (run_id, w), 'name': 'Bench %d' % w,
                               'projects': []})
        bindings = [{'euid': users[(t * 7 + i) % len(users)], 'role': role}
                    for i, role in enumerate(BINDING_ROLES)]
        workspaces[-1]['projects'].append({'identifier': 'p%d' % t, 'name': 'Project %d' % t,
                                           'bindings': bindings})
    zones = {'default': {'domain_mode': 'default', 'role_mapping': ROLE_MAPPING}}
    return zones, workspaces


def min_writes(workspaces):
    writes = 0
    for ws in workspaces:
        for proj in ws['projects']:
            writes += 1 + len(ROLES) + sum(len(v) for v in ROLE_MAPPING.values())
            writes += len(set((b['euid'], b['role']) for b in proj['bindings']))
    return writes


def write_inventory(workdir, platform, zones, workspaces, python, extra=None):
    hvars = {'ansible_connection': 'local', 'ansible_python_interpreter': python}
    hvars.update(extra or {})
    inv = {'all': {'vars': {'landing_zones': zones, 'workspaces': workspaces},
                   'children': {'platforms': {'hosts': {platform: hvars}}}}}
    path = os.path.join(workdir, 'inventory.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump(inv, handle)
    return path


def ours_playbook(workdir, cloud):
    common = {'cloud': cloud, 'platform': '{{ inventory_hostname }}', 'landing_zones': '{{ landing_zones }}',
              'workspaces': '{{ workspaces }}', 'max_workers': 8}
    play = [{'name': 'replicate', 'hosts': 'platforms', 'gather_facts': False, 'tasks': [
        {'name': 'tenants', 'landingzone.openstack.keystone_tenant': common},
        {'name': 'access', 'landingzone.openstack.keystone_group_binding': common}]}]
    path = os.path.join(workdir, 'ours.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump(play, handle, sort_keys=False)
    return path


def run_ansible(bindir, inventory, playbook, env_extra, workdir):
    results = os.path.join(workdir, 'results.json')
    env = dict(os.environ, ANSIBLE_CALLBACK_PLUGINS=CALLBACKS, ANSIBLE_CALLBACKS_ENABLED='lz_results',
               LZ_RESULTS_FILE=results, ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_FORKS='1')
    env.update(env_extra)
    t0 = time.monotonic()
    proc = subprocess.run([os.path.join(bindir, 'ansible-playbook'), '-i', inventory, playbook],
                          cwd=workdir, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - t0
    data = {'tasks': []}
    if os.path.exists(results):
        with open(results) as handle:
            data = json.load(handle)
    if proc.returncode != 0:
        for task in data['tasks']:
            if task['status'] == 'failed':
                res = task['result']
                failed = [(r['tenant'], r['remarks']) for r in res.get('tenants', []) if r.get('status') == 'failed']
                sys.stderr.write('%s: %s %s\n' % (task['task'], res.get('msg'), json.dumps(failed[:5])))
        sys.stderr.write(proc.stderr[-2000:])
        raise SystemExit('ansible-playbook failed (rc %d): %s' % (proc.returncode, playbook))
    return wall, data


def module_requests(data):
    by_method, total, changed = {}, 0, False
    for task in data['tasks']:
        result = task['result']
        if result.get('timings'):
            log('  %s: %s' % (task['task'], result['timings']))
        changed = changed or bool(result.get('changed'))
        req = result.get('requests') or {}
        total += req.get('total', 0)
        for method, count in (req.get('by_method') or {}).items():
            by_method[method] = by_method.get(method, 0) + count
    return total, by_method, changed


def run_ours(run_id, platform, zones, workspaces, cloud='replicator', clouds_yaml=None, proxy=None):
    workdir = tempfile.mkdtemp(prefix='lz-bench-')
    inventory = write_inventory(workdir, platform, zones, workspaces, sys.executable)
    playbook = ours_playbook(workdir, cloud)
    env = {'ANSIBLE_COLLECTIONS_PATH': os.path.join(ROOT, 'build', 'collections')}
    if clouds_yaml:
        env['OS_CLIENT_CONFIG_FILE'] = clouds_yaml
    out = {}
    for phase in ('converge', 'noop'):
        before = dict(proxy.by_method) if proxy else None
        wall, data = run_ansible(BIN, inventory, playbook, env, workdir)
        total, by_method, changed = module_requests(data)
        if proxy:  # side by side: count what the proxy saw, as for the anchor
            by_method = dict((m, proxy.by_method.get(m, 0) - before.get(m, 0)) for m in proxy.by_method)
            total = sum(by_method.values())
        out[phase] = dict(wall=wall, requests=total, by_method=by_method, changed=changed)
        log('ours %s: %.1f s, %d requests %s, changed=%s' % (phase, wall, total, by_method, changed))
    if out['noop']['changed']:
        raise SystemExit('the no-op run reported changes')
    return out


# -- the anchor: openstack.cloud, one item per task ---------------------------------------------

def ensure_anchor():
    coll = os.path.join(ANCHOR_VENV, 'collections')
    if os.path.exists(os.path.join(coll, 'ansible_collections', 'openstack', 'cloud', 'MANIFEST.json')):
        return coll
    log('setting up the anchor venv (openstack.cloud 2.5.0, ansible-core 2.18, openstacksdk<4.15)')
    subprocess.check_call([sys.executable, '-m', 'venv', ANCHOR_VENV])
    pip = os.path.join(ANCHOR_VENV, 'bin', 'pip')
    subprocess.check_call([pip, 'install', '-q'] + ANCHOR_REQUIREMENTS)
    tmp = tempfile.mkdtemp(prefix='lz-anchor-')
    subprocess.check_call([pip, 'download', '-q', '--no-deps', '-d', tmp, ANCHOR_ANSIBLE])
    wheel = glob.glob(os.path.join(tmp, 'ansible-*.whl'))[0]
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if m.startswith('ansible_collections/openstack/cloud/')]
        archive.extractall(coll, members)
    shutil.rmtree(tmp, ignore_errors=True)
    return coll


def anchor_playbook(workdir, cloud, zones, workspaces):
    projects, groups, grants, members = [], [], [], []
    for ws in workspaces:
        for proj in ws['projects']:
            name = '%s-%s' % (ws['identifier'], proj['identifier'])
            projects.append({'name': name, 'description': '%s (%s)' % (proj['name'], ws['name'])})
            for role in ROLES:
                group = '%s-%s' % (name, role)
                groups.append({'name': group})
                for krole in ROLE_MAPPING[role]:
                    grants.append({'group': group, 'project': name, 'role': krole})
                for euid in sorted(set(b['euid'] for b in proj['bindings'] if b['role'] == role)):
                    members.append({'user': euid, 'group': group})
    common = {'cloud': cloud}
    tasks = [
        {'name': 'projects', 'openstack.cloud.project': dict(common, name='{{ item.name }}', domain='default',
                                                             description='{{ item.description }}',
                                                             is_enabled=True),
         'loop': projects},
        {'name': 'groups', 'openstack.cloud.identity_group': dict(common, name='{{ item.name }}',
                                                                  domain_id='default'),
         'loop': groups},
        {'name': 'grants', 'openstack.cloud.role_assignment': dict(common, group='{{ item.group }}',
                                                                   project='{{ item.project }}',
                                                                   role='{{ item.role }}'),
         'loop': grants},
        {'name': 'members', 'openstack.cloud.group_assignment': dict(common, user='{{ item.user }}',
                                                                     group='{{ item.group }}'),
         'loop': members},
    ]
    path = os.path.join(workdir, 'anchor.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump([{'name': 'anchor', 'hosts': 'platforms', 'gather_facts': False, 'tasks': tasks}],
                       handle, sort_keys=False)
    return path


def run_anchor(platform, zones, workspaces, clouds_yaml, cloud, proxy):
    coll = ensure_anchor()
    workdir = tempfile.mkdtemp(prefix='lz-anchor-')
    python = os.path.join(ANCHOR_VENV, 'bin', 'python')
    inventory = write_inventory(workdir, platform, zones, workspaces, python)
    playbook = anchor_playbook(workdir, cloud, zones, workspaces)
    env = {'ANSIBLE_COLLECTIONS_PATH': coll, 'OS_CLIENT_CONFIG_FILE': clouds_yaml}
    out = {}
    for phase in ('converge', 'noop'):
        before = dict(proxy.by_method)
        wall, data = run_ansible(os.path.join(ANCHOR_VENV, 'bin'), inventory, playbook, env, workdir)
        by_method = dict((m, proxy.by_method.get(m, 0) - before.get(m, 0)) for m in proxy.by_method)
        out[phase] = dict(wall=wall, requests=sum(by_method.values()), by_method=by_method)
        log('anchor %s: %.1f s, %d requests %s' % (phase, wall, out[phase]['requests'], by_method))
    return out


def side_by_side(conn, run_id, tenants, users):
    zones, ours_ws = desired('%sa' % run_id, tenants, users)
    dummy, anchor_ws = desired('%sb' % run_id, tenants, users)
    with FaultProxy(keystone_port(), {}) as proxy:
        path = clouds_yaml_via(proxy.port, 'counted')
        try:
            ours = run_ours(run_id, 'bench%sa' % run_id, zones, ours_ws, cloud='counted', clouds_yaml=path,
                            proxy=proxy)
            anchor = run_anchor('bench%sb' % run_id, zones, anchor_ws, path, 'counted', proxy)
        finally:
            os.unlink(path)
    return ours, anchor, ours_ws + anchor_ws


def cleanup(conn, workspaces):
    idents = set(ws['identifier'] for ws in workspaces)
    groups = [g for g in conn.identity.get('/groups').json()['groups']
              if (g.get('lz_tenant') or '').split('/')[0] in idents
              or any(g['name'].startswith(i + '-') for i in idents)]
    projects = [p for p in conn.identity.projects()
                if any(p.name.startswith(i + '-') for i in idents)]

    def drop_project(proj):
        conn.identity.update_project(proj, is_enabled=False)
        conn.identity.delete_project(proj, ignore_missing=True)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda g: conn.identity.delete_group(g['id'], ignore_missing=True), groups))
        list(pool.map(drop_project, projects))
    log('cleaned up %d projects, %d groups' % (len(projects), len(groups)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--tenants', type=int, default=1000)
    ap.add_argument('--users', type=int, default=300, help='size of the pool of bound users')
    ap.add_argument('--anchor-tenants', type=int, default=20)
    ap.add_argument('--no-anchor', action='store_true')
    ap.add_argument('--keep', action='store_true', help='keep the bench tenants in Keystone')
    args = ap.parse_args()
    os.environ.setdefault('OS_CLIENT_CONFIG_FILE', os.path.join(ROOT, '.localcloud', 'clouds.yaml'))
    conn = connect()
    users = ensure_users(conn, args.users)
    run_id = 'b%s' % format(int(time.time()) % 100000, 'x')
    zones, workspaces = desired(run_id, args.tenants, users)
    created = list(workspaces)
    result = dict(tenants=args.tenants, bindings_per_tenant=len(BINDING_ROLES),
                  groups_per_tenant=len(ROLES), min_writes=min_writes(workspaces))
    try:
        ours = run_ours(run_id, 'bench%s' % run_id, zones, workspaces)
        # writes: every POST/PUT/PATCH/DELETE but the token request of each of the two module runs
        writes = sum(v for k, v in ours['converge']['by_method'].items() if k in ('POST', 'PUT', 'PATCH', 'DELETE')) - 2
        result.update(converge_s=round(ours['converge']['wall'], 2), converge_requests=ours['converge']['requests'],
                      converge_by_method=ours['converge']['by_method'], converge_writes=writes,
                      writes_over_min=round(float(writes) / result['min_writes'], 3),
                      converge_requests_per_tenant=round(float(ours['converge']['requests']) / args.tenants, 2),
                      noop_s=round(ours['noop']['wall'], 2), noop_requests=ours['noop']['requests'],
                      noop_by_method=ours['noop']['by_method'])
        if not args.no_anchor:
            ours20, anchor, ws20 = side_by_side(conn, run_id, args.anchor_tenants, users)
            created.extend(ws20)
            result.update(
                anchor_tenants=args.anchor_tenants,
                anchor_converge_s=round(anchor['converge']['wall'], 2),
                anchor_converge_requests=anchor['converge']['requests'],
                anchor_noop_s=round(anchor['noop']['wall'], 2), anchor_noop_requests=anchor['noop']['requests'],
                ours_converge_s=round(ours20['converge']['wall'], 2),
                ours_converge_requests=ours20['converge']['requests'],
                ours_noop_s=round(ours20['noop']['wall'], 2), ours_noop_requests=ours20['noop']['requests'])
            result.update(
                converge_speedup=round(anchor['converge']['wall'] / ours20['converge']['wall'], 1),
                converge_request_ratio=round(float(anchor['converge']['requests']) / ours20['converge']['requests'], 1),
                noop_speedup=round(anchor['noop']['wall'] / ours20['noop']['wall'], 1),
                noop_request_ratio=round(float(anchor['noop']['requests']) / ours20['noop']['requests'], 1))
    finally:
        if not args.keep:
            try:
                cleanup(conn, created)
            except Exception as exc:  # noqa: BLE001 - the figures matter more than the cleanup
                log('cleanup failed (%s): rerun with the same workspaces or delete by hand' % exc)
    print('%-34s %s' % ('measure', 'value'))
    for key, value in result.items():
        print('%-34s %s' % (key, value))
    print(json.dumps(result, sort_keys=True))


if __name__ == '__main__':
    main()
