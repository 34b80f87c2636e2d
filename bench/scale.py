# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scale bench: thousands of tenants on one Keystone, one phase per call, the state kept between calls.

Converging 10,000 tenants is bounded by Keystone's write rate (about 30 writes/s on a 2-core machine,
1.5-2 hours), so the tenants are converged ONCE, in chunks (``converge``: one run per chunk of
workspaces, each chunk's inventory holding only its workspaces; the chunks are what a first run over
the whole inventory would write, and a run that cannot finish leaves a cloud of a known size), and
the other phases are measured on that cloud:

    export OS_CLIENT_CONFIG_FILE=<the instance's clouds.yaml>
    .venv/bin/python bench/scale.py converge --tenants 10000 --chunk 1000   # resumes at the first missing chunk
    .venv/bin/python bench/scale.py seed --tenants 10000   # instead of converge: by SQL (bench/seed_keystone.py)
    .venv/bin/python bench/scale.py noop        # the whole inventory, nothing to do
    .venv/bin/python bench/scale.py scope       # only_workspaces: one workspace of 25 tenants
    .venv/bin/python bench/scale.py scope --runner role   # the same as the replicate role runs it (any phase)
    .venv/bin/python bench/scale.py scope --workspaces-cache DIR  # the vars plugin's cache_dir (first run cold)
    .venv/bin/python bench/scale.py drift       # 1 % of the tenants drifted by hand (a grant added, a member removed)
    .venv/bin/python bench/scale.py delete --count 100   # 100 tenants marked deleted
    .venv/bin/python bench/scale.py grow --count 100     # 100 new tenants, the whole inventory run
    .venv/bin/python bench/scale.py dbsize      # Keystone's database size (the instance's MariaDB)
    .venv/bin/python bench/scale.py reads       # each cloud-wide listing alone: time, size, JSON decoding
    .venv/bin/python bench/scale.py listings    # the no-op's three cloud-wide listings, paged, median of 3
    .venv/bin/python bench/scale.py profile [--workspace]   # the access step in-process, every request timed

Desired state as bench/replicate.py: 3 role groups per tenant, 10 bindings (2 readers, 5 users,
3 admins) from a pool of 300 users, 25 tenants per workspace; modules inventory_validate, keystone_tenant and
keystone_group_binding as replicate.yml runs them (max_workers 8; ``--runner role``: the role itself, its argument
check and report included, quotas off). Each phase reports wall time,
requests by service and by method (as the modules count them), writes against the minimum, and the
peak RSS of the module processes (the interpreter is wrapped: getrusage of its child), and the machine's speed
(``machine_loop_s``: a fixed pure-Python loop just before the run; compare figures of different hours by it). State (run id,
tenants converged, deleted tenants) in --state (default <OS_CLIENT_CONFIG_FILE's dir>/bench-scale.json).

Prints a table and, last, one JSON line per phase.
"""

import argparse
import configparser
import json
import os
import random
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import replicate as rb  # noqa: E402  (bench/replicate.py: the desired state, the playbook runner)

WORKSPACE_TENANTS = rb.PROJECTS_PER_WORKSPACE
# 'files': one file per workspace (the vars plugin); 'single': every workspace in one inventory file
LAYOUT = 'files'
WRITE_METHODS = ('POST', 'PUT', 'PATCH', 'DELETE')
API_TIMEOUT = 600
# the access step's members_read (docs/scale.md): auto reads a large cloud's members from the access records
MEMBERS_READ = 'auto'
# --workspaces-cache: the vars plugin's cache_dir (docs/scale.md); the inventory is then written where the last run's
# was, each file only when its text changed, as a git checkout leaves the files it does not change
WORKSPACES_CACHE = None
# 'modules': a playbook of the validation and the two Keystone steps as the role runs them; 'role': the
# replicate role as a scheduled job runs it (argument check, validation, the steps, the report; quotas off: the bench
# instance is Keystone alone)
RUNNER = 'modules'
# the tasks whose requests, timings and reads a phase reports (the modules' playbook, the role)
STEP_TASKS = ('tenants', 'access', 'Replicate tenants', 'Replicate access')


def log(msg):
    rb.log(msg)


# -- state between calls ---------------------------------------------------------------------------

def state_path(args):
    if args.state:
        return args.state
    return os.path.join(os.path.dirname(os.environ['OS_CLIENT_CONFIG_FILE']), 'bench-scale.json')


def load_state(args):
    path = state_path(args)
    if os.path.exists(path):
        with open(path) as handle:
            return json.load(handle)
    return {'run_id': 's%s' % format(int(time.time()) % 100000, 'x'), 'chunks': [], 'deleted': []}


def save_state(args, state):
    with open(state_path(args), 'w') as handle:
        json.dump(state, handle, indent=1, sort_keys=True)


def inventory_of(state, users):
    """The bench's desired state: every converged tenant, the deleted ones marked ``state: deleted``."""
    zones, workspaces = rb.desired(state['run_id'], state['tenants'], users)
    deleted = set(state.get('deleted', []))
    for ws in workspaces:
        for proj in ws['projects']:
            if '%s/%s' % (ws['identifier'], proj['identifier']) in deleted:
                proj['state'] = 'deleted'
    return zones, workspaces


# -- running the modules ---------------------------------------------------------------------------

def rss_wrapper(workdir):
    """An interpreter for the modules that records the peak RSS (KiB) of the module it runs."""
    rss_file = os.path.join(workdir, 'rss.txt')
    path = os.path.join(workdir, 'python-rss')
    with open(path, 'w') as handle:
        handle.write('#!%s\nimport resource, subprocess, sys\n'
                     'rc = subprocess.call([%r] + sys.argv[1:])\n'
                     'with open(%r, "a") as out:\n'
                     '    out.write("%%d\\n" %% resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n'
                     'sys.exit(rc)\n' % (sys.executable, sys.executable, rss_file))
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return path, rss_file


def write_if_changed(path, data):
    """Write ``data`` as YAML to ``path`` unless the file holds that text already (its times stay as they were)."""
    text = yaml.safe_dump(data)
    if os.path.exists(path):
        with open(path) as handle:
            if handle.read() == text:
                return
    with open(path, 'w') as handle:
        handle.write(text)


def write_files_inventory(workdir, platform, zones, workspaces, python):
    """The layout docs/inventory.md gives a large inventory: the platforms in hosts.yml, the landing
    zones in group_vars, one file per workspace read by the vars plugin landingzone.openstack.workspaces.
    With ``WORKSPACES_CACHE`` in one directory kept from run to run (``<cache dir>-inventory``), else in ``workdir``."""
    top = WORKSPACES_CACHE.rstrip(os.sep) + '-inventory' if WORKSPACES_CACHE else os.path.join(workdir, 'inventory')
    os.makedirs(os.path.join(top, 'group_vars', 'all'), exist_ok=True)
    os.makedirs(os.path.join(top, 'workspaces'), exist_ok=True)
    hosts = {'all': {'children': {'platforms': {'hosts': {platform: {
        'ansible_connection': 'local', 'ansible_python_interpreter': python}}}}}}
    zones_file = os.path.join('group_vars', 'all', 'landing_zones.yml')
    for name, data in (('hosts.yml', hosts), (zones_file, {'landing_zones': zones})):
        write_if_changed(os.path.join(top, name), data)
    names = set()
    for ws in workspaces:
        names.add(ws['identifier'] + '.yml')
        write_if_changed(os.path.join(top, 'workspaces', ws['identifier'] + '.yml'), ws)
    for name in set(os.listdir(os.path.join(top, 'workspaces'))) - names:
        os.unlink(os.path.join(top, 'workspaces', name))
    return os.path.join(top, 'hosts.yml')


def playbook(workdir, module_args, prune=False, tenants_args=None):
    # api_timeout: the cloud-wide effective listing takes longer than the default 30 s on a loaded
    # Keystone of 1,000+ tenants (docs/scale.md, Limits)
    # the workspaces as the replicate role passes them on ansible-core 2.19+: one JSON text, the vars plugin's
    # (lz_workspaces_text) with one file per workspace, else made once
    common = {'cloud': 'replicator', 'platform': '{{ inventory_hostname }}', 'landing_zones': '{{ landing_zones }}',
              'workspaces': '{{ lz_workspaces_text }}' if LAYOUT == 'files' else '{{ workspaces_text }}',
              'max_workers': 8, 'api_timeout': API_TIMEOUT}
    common.update(module_args)
    # the role's validation task first: the whole inventory once, its fingerprint to the steps (option validated)
    validate = dict((k, v) for k, v in common.items() if k not in ('cloud', 'max_workers', 'api_timeout'))
    common['validated'] = '{{ validation.scope_fingerprint | default(validation.fingerprint) }}'
    # as the role: a run limited to some workspaces hands its steps those only (the validation's scope_workspaces)
    common['workspaces'] = '{{ validation.scope_workspaces | default(%s) }}' % common['workspaces'][3:-3].strip()
    # as the role: every row to a file (the report would read them), the tenants step's handoff to the access step
    rows = os.path.join(workdir, 'rows')
    validate['rows_file'] = rows + '.validation.json'
    tenants = dict(common, prune=True) if prune else dict(common)
    tenants.update(tenants_args or {}, rows_file=rows + '.tenants.json')
    access = dict(common, members_read=MEMBERS_READ, rows_file=rows + '.access.json',
                  previous_steps={'tenants': '{{ tenants_step.handoff | default(tenants_step) }}'})
    text = [] if LAYOUT == 'files' else [
        {'name': 'text', 'ansible.builtin.set_fact': {'workspaces_text': '{{ workspaces | to_json }}'}}]
    play = [{'name': 'replicate', 'hosts': 'platforms', 'gather_facts': False, 'tasks': text + [
        {'name': 'validate', 'landingzone.openstack.inventory_validate': validate, 'register': 'validation'},
        {'name': 'tenants', 'landingzone.openstack.keystone_tenant': tenants, 'register': 'tenants_step'},
        {'name': 'access', 'landingzone.openstack.keystone_group_binding': access}]}]
    if RUNNER == 'role':
        play = role_play(workdir, module_args, prune, tenants_args)
    path = os.path.join(workdir, 'scale.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump(play, handle, sort_keys=False)
    return path


def role_play(workdir, module_args, prune=False, tenants_args=None):
    """The replicate role with the bench's settings (its defaults take the inventory, as a user's job does)."""
    role_vars = {'replicate_cloud': 'replicator', 'replicate_quotas': False, 'replicate_max_workers': 8,
                 'replicate_api_timeout': API_TIMEOUT, 'replicate_members_read': MEMBERS_READ,
                 'replicate_prune': prune, 'replicate_report_dir': os.path.join(workdir, 'reports')}
    if module_args.get('only_workspaces'):
        role_vars['replicate_only_workspaces'] = module_args['only_workspaces']
    if (tenants_args or {}).get('max_deletions'):
        role_vars['replicate_max_deletions'] = tenants_args['max_deletions']
    return [{'name': 'replicate', 'hosts': 'platforms', 'gather_facts': False,
             'roles': [{'role': 'landingzone.openstack.replicate', 'vars': role_vars}]}]


def machine_speed(rounds=3, count=2000000):
    """Seconds this process takes for a fixed pure-Python loop (median of ``rounds``): the same machine kind ran the
    benches 2x slower in some hours than in others (docs/scale.md), so each phase says how fast the machine was."""
    times = []
    for dummy in range(rounds):
        started = time.perf_counter()
        total = 0
        for i in range(count):
            total += i
        times.append(time.perf_counter() - started)
    return round(sorted(times)[rounds // 2], 3)


def run_phase(platform, zones, workspaces, module_args=None, prune=False, tenants_args=None):
    """One run; its work directory is removed after it unless LZ_BENCH_KEEP is set."""
    workdir = tempfile.mkdtemp(prefix='lz-scale-')
    try:
        return _run_phase(workdir, platform, zones, workspaces, module_args, prune, tenants_args)
    finally:
        if not os.environ.get('LZ_BENCH_KEEP'):
            shutil.rmtree(workdir, ignore_errors=True)


def _run_phase(workdir, platform, zones, workspaces, module_args=None, prune=False, tenants_args=None):
    speed = machine_speed()
    python, rss_file = rss_wrapper(workdir)
    env = {'ANSIBLE_COLLECTIONS_PATH': os.path.join(rb.ROOT, 'build', 'collections')}
    if LAYOUT == 'files':
        inventory = write_files_inventory(workdir, platform, zones, workspaces, python)
        # the two settings docs/onboarding.md puts in ansible.cfg: without the second, -i <directory> also parses
        # every workspace file as an inventory source (with 400 files: 0.5-2 s more per run, and warnings)
        env['ANSIBLE_VARS_ENABLED'] = 'host_group_vars,landingzone.openstack.workspaces'
        env['ANSIBLE_INVENTORY_IGNORE_REGEX'] = '^workspaces$'
        if WORKSPACES_CACHE:
            env['LZ_WORKSPACES_CACHE_DIR'] = WORKSPACES_CACHE
        module_args = dict(module_args or {}, workspace_files='{{ lz_workspace_files }}')
    else:
        inventory = rb.write_inventory(workdir, platform, zones, workspaces, python)
    # what the run could take from the cache: nothing on its first run (cold)
    cache = ('warm' if os.path.isdir(WORKSPACES_CACHE) and os.listdir(WORKSPACES_CACHE) else 'cold') \
        if WORKSPACES_CACHE and LAYOUT == 'files' else None
    # CPU of ansible-playbook and everything it waited for (the modules): less load-dependent than the wall time
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, data = rb.run_ansible(rb.BIN, inventory, playbook(workdir, module_args or {}, prune, tenants_args), env, workdir)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    by_method, by_service, total, changed, timings, members, reads = {}, {}, 0, False, {}, None, {}
    # a role's task is named '<role> : <task>'; a step the role ran async (progress) has its result in the last poll
    steps, tasks = [], data['tasks']
    for index, task in enumerate(tasks):
        if task['task'].split(' : ')[-1] not in STEP_TASKS:
            continue
        if 'ansible_job_id' in task['result']:
            polls = [t for t in tasks[index + 1:] if ' : Follow the ' in t['task'] and t['result'].get('finished')]
            task = dict(task, result=polls[0]['result']) if polls else task
        steps.append(task)
    for task in data['tasks']:
        changed = changed or bool(task['result'].get('changed'))
    for task in steps:
        result = task['result']
        name = task['task'].split(' : ')[-1]
        timings[name] = result.get('timings')
        members = result.get('members') or members
        reads[name] = (result.get('read') or {}).get('mode')
        req = result.get('requests') or {}
        total += req.get('total', 0)
        for key, into in (('by_method', by_method), ('by_service', by_service)):
            for name, count in (req.get(key) or {}).items():
                into[name] = into.get(name, 0) + count
    with open(rss_file) as handle:
        rss = [int(line) for line in handle if line.strip()]
    # writes: every POST/PUT/PATCH/DELETE but the token request of each module run
    writes = sum(v for k, v in by_method.items() if k in WRITE_METHODS) - len([t for t in steps if 'requests' in t['result']])
    return dict(wall_s=round(wall, 2), cpu_s=round(cpu, 2), load=round(os.getloadavg()[0], 1), machine_loop_s=speed,
                layout=LAYOUT, workspaces_cache=cache,
                runner=RUNNER, read=reads,
                requests=total, by_method=by_method, by_service=by_service, writes=writes, changed=changed,
                module_peak_rss_mib=round(max(rss) / 1024.0, 1), timings=timings, members=members,
                failed=sum(1 for t in data['tasks'] if t['result'].get('failed')))


def keystone_response_validation():
    """The bench Keystone's ``[api] response_validation`` when it is a local cloud's (its keystone.conf beside the
    clouds.yaml): most of a cloud-wide listing's time at 10,000 tenants (docs/scale.md), so each figure names it."""
    state_dir = os.path.dirname(os.environ.get('OS_CLIENT_CONFIG_FILE') or '.')
    conf_path = os.path.join(state_dir, 'etc', 'keystone', 'keystone.conf')
    if not os.path.exists(conf_path):
        return None
    release_path = os.path.join(state_dir, 'release')
    if os.path.exists(release_path):
        with open(release_path) as handle:
            if handle.read().strip() == '2023.2':
                return 'none (Keystone 24 has no response validation)'
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(conf_path)
    return conf.get('api', 'response_validation', fallback='warn (the default)')


def report(phase, figures):
    figures = dict(figures, phase=phase, keystone_response_validation=keystone_response_validation())
    print('%-28s %s' % ('measure (%s)' % phase, 'value'))
    for key in sorted(figures):
        print('%-28s %s' % (key, figures[key]))
    print(json.dumps(figures, sort_keys=True), flush=True)


def platform_of(state):
    return 'scale%s' % state['run_id']


# -- phases --------------------------------------------------------------------------------------

def converge(args, conn, users):
    state = load_state(args)
    state['tenants'] = max(state.get('tenants', 0), args.tenants)
    save_state(args, state)
    zones, workspaces = rb.desired(state['run_id'], args.tenants, users)
    per_chunk = max(1, args.chunk // WORKSPACE_TENANTS)
    # the workspaces converged (or seeded) already, by index
    done = set(i for c in state['chunks'] for i in range(c['first'], c['first'] + c['tenants'] // WORKSPACE_TENANTS))
    for first in range(0, len(workspaces), per_chunk):
        if done.issuperset(range(first, min(first + per_chunk, len(workspaces)))):
            continue
        if os.path.exists(state_path(args) + '.stop'):  # stop between chunks: the cloud keeps a known size
            log('stop file found: converged %d chunks' % len(state['chunks']))
            break
        chunk = workspaces[first:first + per_chunk]
        figures = run_phase(platform_of(state), zones, chunk)
        tenants = sum(len(ws['projects']) for ws in chunk)
        figures.update(first=first, tenants=tenants, min_writes=rb.min_writes(chunk),
                       tenants_before=sum(c['tenants'] for c in state['chunks']))
        figures['writes_over_min'] = round(float(figures['writes']) / figures['min_writes'], 3)
        state['chunks'].append(figures)
        save_state(args, state)
        report('converge-chunk', figures)
    chunks = [c for c in state['chunks'] if not c.get('seeded')]   # what this bench converged through the API
    if not chunks:
        return
    total = dict(tenants=sum(c['tenants'] for c in chunks), chunks=len(chunks),
                 wall_s=round(sum(c['wall_s'] for c in chunks), 1),
                 requests=sum(c['requests'] for c in chunks), writes=sum(c['writes'] for c in chunks),
                 min_writes=sum(c['min_writes'] for c in chunks),
                 module_peak_rss_mib=max(c['module_peak_rss_mib'] for c in chunks))
    for key in ('by_method', 'by_service'):
        merged = {}
        for c in chunks:
            for name, count in c[key].items():
                merged[name] = merged.get(name, 0) + count
        total[key] = merged
    total['writes_over_min'] = round(float(total['writes']) / total['min_writes'], 3)
    total['requests_over_min_writes'] = round(float(total['requests']) / total['min_writes'], 3)
    report('converge', total)


def seed(args, conn, users):
    """The tenants up to ``--tenants`` the state lacks, written by SQL (bench/seed_keystone.py): the
    state a converge of them writes, in seconds instead of hours. Only on a Keystone-only instance
    of one's own; the seeded workspaces count as converged for the other phases."""
    import seed_keystone
    state = load_state(args)
    have = sum(c['tenants'] for c in state['chunks'])
    if have % WORKSPACE_TENANTS or args.tenants % WORKSPACE_TENANTS:
        raise SystemExit('seed whole workspaces of %d tenants' % WORKSPACE_TENANTS)
    zones, workspaces = rb.desired(state['run_id'], args.tenants, users)
    first = have // WORKSPACE_TENANTS
    figures = seed_keystone.seed(conn, zones, workspaces[first:], platform_of(state), users)
    figures.update(first=first, tenants=args.tenants - have, tenants_before=have, seeded=True,
                   min_writes=rb.min_writes(workspaces[first:]))
    state['tenants'] = max(state.get('tenants', 0), args.tenants)
    state['chunks'].append(figures)
    save_state(args, state)
    report('seed', figures)


def converged(args):
    state = load_state(args)
    state['tenants'] = sum(c['tenants'] for c in state['chunks'])
    return state


def noop(args, conn, users):
    state = converged(args)
    zones, workspaces = inventory_of(state, users)
    figures = run_phase(platform_of(state), zones, workspaces)
    report('noop', dict(figures, tenants=state['tenants']))


def scope(args, conn, users):
    state = converged(args)
    zones, workspaces = inventory_of(state, users)
    target = workspaces[len(workspaces) // 2]['identifier']
    figures = run_phase(platform_of(state), zones, workspaces, {'only_workspaces': [target]})
    report('scope', dict(figures, tenants=state['tenants'], workspace=target,
                         workspace_tenants=WORKSPACE_TENANTS))


def keystone_list(conn, path, key):
    """Every item of a paged Keystone listing (``max_db_limit`` pages it; 30,000 groups at 10,000 tenants)."""
    items, url, params = [], path, {'limit': 10000}
    while url:
        body = conn.identity.get(url, params=params).json()
        items.extend(body[key])
        url, params = (body.get('links') or {}).get('next'), None
    return items


def drift(args, conn, users):
    """By hand on ``--percent`` of the tenants: the admin role granted to the reader group (a grant
    added) and one member of the user group removed; then the whole inventory runs and must set
    back exactly that (2 writes a drifted tenant). With ``members_read`` ``auto`` on a large cloud the run takes the
    members from the access records: it sets back the grants only (1 write a tenant, ``members`` in the figures says
    so); ``noop --members-read groups`` after it sets back the members."""
    state = converged(args)
    zones, workspaces = inventory_of(state, users)
    keys = ['%s/%s' % (ws['identifier'], p['identifier']) for ws in workspaces for p in ws['projects']
            if p.get('state') != 'deleted']
    picked = set(random.Random(29).sample(keys, max(1, int(len(keys) * args.percent / 100))))
    groups = [g for g in keystone_list(conn, '/groups', 'groups') if g.get('lz_tenant') in picked]
    admin = conn.identity.find_role('admin', ignore_missing=False)
    by_key = {}
    for grp in groups:
        by_key.setdefault(grp['lz_tenant'], {})[grp['lz_role']] = grp
    started = time.monotonic()
    for dummy, roles in sorted(by_key.items()):
        grants = conn.identity.get('/role_assignments', params={'group.id': roles['reader']['id']}).json()
        project_id = grants['role_assignments'][0]['scope']['project']['id']
        conn.identity.put('/projects/%s/groups/%s/roles/%s' % (project_id, roles['reader']['id'], admin.id))
        member = conn.identity.get('/groups/%s/users' % roles['user']['id']).json()['users'][0]
        conn.identity.delete('/groups/%s/users/%s' % (roles['user']['id'], member['id']))
    log('drifted %d tenants by hand in %.1f s' % (len(by_key), time.monotonic() - started))
    figures = run_phase(platform_of(state), zones, workspaces)
    report('drift', dict(figures, tenants=state['tenants'], drifted=len(by_key), min_writes=2 * len(by_key)))


def delete(args, conn, users):
    """``--count`` tenants marked ``state: deleted`` (delete_projects allowed): the deletion lifecycle
    (access revoked, groups deleted, project deleted) on the whole inventory."""
    state = converged(args)
    zones, workspaces = inventory_of(state, users)
    keys = ['%s/%s' % (ws['identifier'], p['identifier']) for ws in workspaces for p in ws['projects']
            if p.get('state') != 'deleted']
    doomed = keys[-args.count:]
    state['deleted'] = sorted(set(state.get('deleted', [])) | set(doomed))
    zones, workspaces = inventory_of(state, users)
    for zone in zones.values():
        zone['delete_projects'] = True
    # the guard against mass deletion (max_deletions, default 10) is lifted for exactly this many
    figures = run_phase(platform_of(state), zones, workspaces, tenants_args={'max_deletions': len(doomed)})
    save_state(args, state)
    report('delete', dict(figures, tenants=state['tenants'], deleted=len(doomed)))


def grow(args, conn, users):
    """``--count`` new tenants (whole workspaces) added to the inventory and the WHOLE inventory run
    through the API, as an operator onboards them: the new tenants converge, the rest is a no-op; writes
    against the minimum of the new tenants. They count as converged afterwards (a chunk of the state)."""
    state = converged(args)
    if args.count % WORKSPACE_TENANTS:
        raise SystemExit('grow by whole workspaces of %d tenants' % WORKSPACE_TENANTS)
    before = state['tenants']
    state['tenants'] = before + args.count
    zones, workspaces = inventory_of(state, users)
    added = workspaces[before // WORKSPACE_TENANTS:]
    figures = run_phase(platform_of(state), zones, workspaces)
    figures.update(first=before // WORKSPACE_TENANTS, tenants=args.count, tenants_before=before,
                   min_writes=rb.min_writes(added))
    figures['writes_over_min'] = round(float(figures['writes']) / figures['min_writes'], 3)
    figures['requests_over_min_writes'] = round(float(figures['requests']) / figures['min_writes'], 3)
    state['chunks'].append(figures)
    save_state(args, state)
    report('grow', figures)


def reads(args, conn, users):
    """What each listing a full run may read costs on this cloud, one at a time: wall time (Keystone's
    time plus transfer), size, items, and the client's JSON decoding."""
    state = converged(args)
    figures = dict(tenants=state['tenants'])
    for label, path, params in (('projects', '/projects', {}), ('groups', '/groups', {}), ('users', '/users', {}),
                                ('roles', '/roles', {}),
                                ('direct', '/role_assignments', {}),
                                ('direct_names', '/role_assignments', {'include_names': 'true'}),
                                ('effective', '/role_assignments', {'effective': 'true'}),
                                ('effective_names', '/role_assignments', {'effective': 'true', 'include_names': 'true'})):
        started = time.monotonic()
        response = conn.identity.get(path, params=params)
        fetched = time.monotonic()
        body = json.loads(response.content)
        decoded = time.monotonic()
        items = next(v for k, v in body.items() if isinstance(v, list))
        figures[label] = dict(s=round(fetched - started, 2), decode_s=round(decoded - fetched, 3),
                              mb=round(len(response.content) / 1e6, 2), items=len(items))
        log('%s: %s' % (label, figures[label]))
    figures['load'] = round(os.getloadavg()[0], 1)
    report('reads', figures)


def listings(args, conn, users):
    """The cloud-wide listings of a whole no-op (projects, groups, direct assignments), each read as the collection
    reads it (paged), three times in turn: median seconds, items. Keystone's own cost, without Ansible's; run it
    once with ``[api] response_validation`` at its default and once at ``ignore`` to see that check's share."""
    sys.path.insert(0, os.path.join(rb.ROOT, 'build', 'collections'))
    from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.snapshot import list_keystone
    from ansible_collections.landingzone.openstack.plugins.module_utils._rest import RestClient
    state = converged(args)
    rest = RestClient(conn.identity)
    times, counts = {}, {}
    for dummy in range(3):
        for label, path in (('projects', '/projects'), ('groups', '/groups'), ('direct', '/role_assignments')):
            started = time.monotonic()
            counts[label] = len(list_keystone(rest, path, path[1:]))
            times.setdefault(label, []).append(time.monotonic() - started)
    figures = dict(tenants=state['tenants'], machine_loop_s=machine_speed(), load=round(os.getloadavg()[0], 1))
    for label in times:
        figures[label] = dict(s=round(sorted(times[label])[1], 2), items=counts[label])
    figures['total_s'] = round(sum(figures[label]['s'] for label in times), 2)
    report('listings', figures)


def profile(args, conn, users):
    """The access step of a no-op (or, with --workspace, of a one-workspace run) in this process, as
    the module runs it, with every request timed: where its seconds go (validation, each request,
    planning). The module's own figures (``timings``) give the same split without the requests."""
    sys.path.insert(0, os.path.join(rb.ROOT, 'build', 'collections'))
    from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import select_scope
    from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.plan import plan_access
    from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.snapshot import Snapshot
    from ansible_collections.landingzone.openstack.plugins.module_utils._rest import RestClient
    state = converged(args)
    zones, workspaces = inventory_of(state, users)
    only = [workspaces[len(workspaces) // 2]['identifier']] if args.workspace else None
    started = time.monotonic()
    scope = select_scope(dict(landing_zones=zones, workspaces=workspaces), platform_of(state), None, only)
    validated = time.monotonic()
    rest = RestClient(conn.identity)
    sent = []
    plain_get = rest.get

    def timed_get(path, params=None, missing_ok=False):
        before = time.monotonic()
        try:
            return plain_get(path, params=params, missing_ok=missing_ok)
        finally:
            sent.append((path, tuple(sorted(k for k in (params or {}) if k != 'limit')), time.monotonic() - before))
    rest.get = timed_get
    snap = Snapshot.read_access(rest, scope.tenants, 8, platform=platform_of(state), members_read=MEMBERS_READ,
                                limited=bool(only))
    read = time.monotonic()
    plan_access(snap, scope.tenants)
    planned = time.monotonic()
    by_request = {}
    for path, keys, seconds in sent:
        label = path if not path.startswith(('/groups/', '/users/')) else path.split('/')[1] + '/{id}/...'
        label += ('?' + '&'.join(keys)) if keys else ''
        entry = by_request.setdefault(label, dict(count=0, s=0.0))
        entry['count'] += 1
        entry['s'] = round(entry['s'] + seconds, 2)
    report('profile', dict(tenants=state['tenants'], scope_tenants=len(scope.tenants),
                           validate_s=round(validated - started, 2), read_s=round(read - validated, 2),
                           plan_s=round(planned - read, 2), requests=len(sent), by_request=by_request,
                           load=round(os.getloadavg()[0], 1)))


def dbsize(args, conn, users):
    """Keystone's database size, as MariaDB counts it (data + indexes), and the rows of its big tables."""
    state_dir = os.path.dirname(os.environ['OS_CLIENT_CONFIG_FILE'])
    sock = os.path.join(state_dir, 'data', 'mariadb', 'mysqld.sock')
    query = ("SELECT table_name, table_rows, data_length + index_length FROM information_schema.tables "
             "WHERE table_schema = 'keystone' ORDER BY 3 DESC LIMIT 6")
    out = subprocess.run(['mariadb', '--socket', sock, '-N', '-e', query], capture_output=True, text=True, check=True)
    tables = [line.split('\t') for line in out.stdout.splitlines()]
    total = subprocess.run(['mariadb', '--socket', sock, '-N', '-e',
                            "SELECT SUM(data_length + index_length) FROM information_schema.tables "
                            "WHERE table_schema = 'keystone'"], capture_output=True, text=True, check=True)
    state = converged(args)
    report('dbsize', dict(tenants=state['tenants'], keystone_db_mib=round(int(total.stdout.strip()) / 1048576.0, 1),
                          largest_tables=dict((t[0], dict(rows=int(t[1]), mib=round(int(t[2]) / 1048576.0, 1)))
                                              for t in tables)))


def main():
    global LAYOUT, API_TIMEOUT, MEMBERS_READ, RUNNER, WORKSPACES_CACHE
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('phase', choices=['seed', 'converge', 'grow', 'noop', 'scope', 'drift', 'delete', 'dbsize', 'reads', 'listings', 'profile'])
    ap.add_argument('--tenants', type=int, default=10000)
    ap.add_argument('--chunk', type=int, default=1000, help='tenants per converge run')
    ap.add_argument('--users', type=int, default=300)
    ap.add_argument('--count', type=int, default=100, help='delete: tenants to delete; grow: tenants to add')
    ap.add_argument('--percent', type=float, default=1.0, help='drift: share of the tenants drifted')
    ap.add_argument('--state', help='state file (default: beside clouds.yaml)')
    ap.add_argument('--api-timeout', type=int, default=API_TIMEOUT,
                    help='the modules\' api_timeout (10,000 tenants: Keystone\'s effective listing outlasts 600 s)')
    ap.add_argument('--workspace', action='store_true', help='profile: one workspace (only_workspaces)')
    ap.add_argument('--members-read', choices=['auto', 'effective', 'groups', 'records'], default='auto',
                    help='the access step\'s members_read (a drift run with auto on a large cloud reads members from '
                         'the records: run noop --members-read groups after it to set back the members)')
    ap.add_argument('--layout', choices=['files', 'single'], default='files',
                    help='the inventory: one file per workspace (vars plugin) or all workspaces in one file')
    ap.add_argument('--runner', choices=['modules', 'role'], default='modules',
                    help='the two Keystone steps in a playbook, or the replicate role as a job runs it')
    ap.add_argument('--workspaces-cache', metavar='DIR',
                    help='the vars plugin\'s cache_dir; the inventory is kept beside it (DIR-inventory) from run to run')
    args = ap.parse_args()
    WORKSPACES_CACHE = os.path.abspath(args.workspaces_cache) if args.workspaces_cache else None
    RUNNER = args.runner
    LAYOUT = args.layout
    MEMBERS_READ = args.members_read
    API_TIMEOUT = args.api_timeout
    conn = rb.connect()
    users = rb.ensure_users(conn, args.users)
    globals()[args.phase](args, conn, users)


if __name__ == '__main__':
    main()
