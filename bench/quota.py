# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bench openstack_quota: quotas for N tenants on the local cloud, converge run then no-op run.

Tenant projects are created directly with openstacksdk (parallel, tagged with the marker tags
keystone_tenant would set, under their own platform name so nothing else is touched) and reused
on the next bench run. The runs go through the module's own code (module_utils._quota.runner.converge)
with a fresh connection each, so requests are counted as the module counts them, per API.

    eval "$(python3 tests/localcloud/localcloud.py env)"
    .venv/bin/python bench/quota.py --tenants 1000
    .venv/bin/python bench/quota.py --tenants 1000 --cleanup     # delete the bench projects
    # a cloud switched with `localcloud.py quota-backend unified_limits`: Nova and Glance as Keystone limits
    .venv/bin/python bench/quota.py --tenants 1000 --image

Prints a table and, last, one JSON line.
"""

import argparse
import json
import os
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, 'tests', 'unit'))
__import__("conftest")  # makes ansible_collections.landingzone.openstack importable

from ansible_collections.landingzone.openstack.plugins.module_utils import _rest  # noqa: E402
from ansible_collections.landingzone.openstack.plugins.module_utils._quota import runner as _quota  # noqa: E402

PER_WORKSPACE = 100
APIS = ('identity', 'compute', 'image', 'volume', 'network', 'load_balancer')


def inventory(n, size, with_lb, with_image=False):
    small = {'compute.cores': 8, 'compute.ram': 16384, 'compute.instances': 4, 'volume.gigabytes': 200,
             'volume.volumes': 10, 'volume.gigabytes_ssd': 50, 'network.router': 2, 'network.floatingip': 4}
    if with_image:
        small.update({'image.size_total': 1000, 'image.count_total': 20})
    large = dict((k, v * 4) for k, v in small.items())
    if with_lb:
        small.update({'load_balancer.load_balancers': 2, 'load_balancer.listeners': 4})
        large.update({'load_balancer.load_balancers': 8, 'load_balancer.listeners': 16})
    workspaces = []
    for i in range(n):
        if i % PER_WORKSPACE == 0:
            workspaces.append({'identifier': 'bq%d' % (i // PER_WORKSPACE), 'projects': []})
        project = {'identifier': 'p%d' % i}
        if i % 10 == 0:
            project['quota'] = {'compute.cores': 12}   # some per-project overrides
        workspaces[-1]['projects'].append(project)
    return {'landing_zones': {'default': {'quota': {'size': size},
                                          'quota_sizes': {'small': small, 'large': large}}},
            'workspaces': workspaces}


def ensure_projects(conn, tenants, platform, workers):
    import openstack
    have = set()
    for project in conn.identity.projects(tags='lz-managed,lz-platform=%s' % platform):
        owner = dict(t.split('=', 1) for t in project.tags if '=' in t)
        have.add((owner.get('lz-ws'), owner.get('lz-proj')))
    missing = [t for t in tenants if (t.workspace, t.project) not in have]

    def create(tenant):
        try:
            _create(tenant)
        except openstack.exceptions.ConflictException:
            pass   # exists already (the tag listing may be truncated by Keystone's list_limit)

    def _create(tenant):
        conn.identity.create_project(
            name='%s-%s-%s' % (platform, tenant.workspace, tenant.project), domain_id='default',
            tags=['lz-managed', 'lz-ws=' + tenant.workspace, 'lz-proj=' + tenant.project,
                  'lz-zone=default', 'lz-platform=' + platform])
    started = time.time()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(create, missing))
    return len(missing), time.time() - started


def cleanup(conn, platform, workers):
    projects = list(conn.identity.projects(tags='lz-managed,lz-platform=%s' % platform))

    def delete(project):
        # Quota rows outlive their project in Neutron and Octavia (Octavia's listing cannot page
        # past 1000 rows): reset them first.
        for proxy, path in ((conn.network, '/quotas/%s'), (conn.load_balancer, '/lbaas/quotas/%s')):
            try:
                proxy.delete(path % project.id)
            except Exception:  # noqa: BLE001 - service absent or nothing to reset
                pass
        conn.identity.update_project(project, is_enabled=False)
        conn.identity.delete_project(project)
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(delete, projects))
    return len(projects)


def run(cloud, tenants, workers, check=False, backend='auto'):
    conn, counter = _rest.connect({'cloud': cloud, 'api_timeout': 60})
    started = time.time()
    out, dummy, clients, identity_endpoint = _quota.converge(
        conn, tenants, max_workers=workers, check_mode=check, quota_backend={'compute': backend, 'image': backend},
        counter=counter)
    elapsed = time.time() - started
    counts = _quota.requests_by_service(counter, clients, identity_endpoint)
    failures = [r['remarks'][-1]['message'][:300] for r in out['tenants'] if r['status'] == 'failed'][:3]
    codes = {}
    for row in out['tenants']:
        for remark in row['remarks']:
            codes[remark['code']] = codes.get(remark['code'], 0) + 1
    return dict(failures=failures, remark_codes=codes, seconds=round(elapsed, 2), changed=out['summary']['changed'], summary=out['summary'],
                writes=len(out['planned']), requests=counts['total'], by_api=counts['by_api'],
                by_method=counts['by_method'], services=out['services'],
                missing_services=out['missing_services'], quota_backends=out['quota_backends'])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--tenants', type=int, default=1000)
    ap.add_argument('--platform', default='benchquota', help='platform name (lz-platform tag) of the bench')
    ap.add_argument('--cloud', default='replicator')
    ap.add_argument('--workers', type=int, default=16, help='max_workers of the module (default 16)')
    ap.add_argument('--no-lb', action='store_true', help='leave Octavia keys out')
    ap.add_argument('--image', action='store_true', help='add image.* keys (Glance: Keystone limits only)')
    ap.add_argument('--backend', default='auto', choices=('auto', 'legacy', 'unified_limits'),
                    help='quota_backend of Nova and Glance (default auto: detected)')
    ap.add_argument('--cleanup', action='store_true', help='delete the bench projects and exit')
    args = ap.parse_args()
    warnings.simplefilter('ignore')

    import openstack
    admin = openstack.connect(cloud=args.cloud)
    if args.cleanup:
        print(json.dumps({'deleted': cleanup(admin, args.platform, args.workers)}))
        return

    # Flip between small and large on every bench run, so that the converge run always has work.
    marker = os.path.join(os.path.dirname(os.path.abspath(os.environ.get('OS_CLIENT_CONFIG_FILE') or
                                                          os.path.join(REPO_ROOT, '.localcloud', 'x'))),
                          'bench-quota-size')
    last = open(marker).read().strip() if os.path.exists(marker) else 'large'
    size = 'small' if last == 'large' else 'large'
    inv = inventory(args.tenants, size, not args.no_lb, args.image)
    tenants = _quota.quota_tenants(inv, args.platform)
    created, create_s = ensure_projects(admin, tenants, args.platform, args.workers)

    converge = run(args.cloud, tenants, args.workers, backend=args.backend)
    with open(marker, 'w') as handle:
        handle.write(size)
    noop = run(args.cloud, tenants, args.workers, backend=args.backend)

    print('openstack_quota bench: %d tenants (size %s), %d projects created in %.1fs, workers %d, backends %s'
          % (args.tenants, size, created, create_s, args.workers,
             ', '.join('%s=%s' % kv for kv in sorted(noop['quota_backends'].items()))))
    header = ('run', 'seconds', 'requests', 'writes', 'changed', '  '.join('%s' % a for a in APIS))
    print('%-10s %8s %8s %8s %6s  %s' % header)
    for name, res in (('converge', converge), ('no-op', noop)):
        by_api = '  '.join('%s=%d' % (a, res['by_api'].get(a, 0)) for a in APIS)
        print('%-10s %8.2f %8d %8d %6d  %s' % (name, res['seconds'], res['requests'], res['writes'], res['changed'], by_api))
    for name, res in (('converge', converge), ('no-op', noop)):
        for message in res['failures']:
            print('%s failure: %s' % (name, message))
    if noop['missing_services']:
        print('services not in the catalog (keys skipped with a remark): %s' % ', '.join(noop['missing_services']))
    if noop['remark_codes']:
        print('no-op remarks: %s' % ', '.join('%s=%d' % kv for kv in sorted(noop['remark_codes'].items())))
    print(json.dumps({'bench': 'quota', 'tenants': args.tenants, 'size': size, 'created': created,
                      'converge': converge, 'noop': noop}))


if __name__ == '__main__':
    main()
