# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Seed a bench instance with tens of thousands of billable resources, by SQL, cloned from API-made templates.

Creating 50,000 resources through the APIs of this 2-core machine takes hours (measured, servers
0.5/s settled, volumes 5/s, floating IPs 5/s, load balancers 3/s: docs/scale.md, "Metering at
50,000 resources"). So each service's own rows are cloned instead:

    export OS_CLIENT_CONFIG_FILE=<a bench instance's clouds.yaml>     # NEVER a shared cloud
    .venv/bin/python bench/seed_resources.py seed --projects 2000 --total 50000
    .venv/bin/python bench/seed_resources.py compare                  # API-made vs seeded, as the collector lists

``seed`` creates the projects through Keystone's API (tagged as the collection tags them, one
request each), then one *template* of every metered kind through the kind's own API in a project of
its own (``seed-template``), reads every row the service wrote for it (``SPECS``: the tables, and
which values each clone gets fresh: uuids, Neutron's standard-attribute ids, MAC and IP addresses),
and inserts one copy per planned resource with the resource's id, project, name and creation time
(``clone_rows``: the template's ids replaced wherever they occur, also inside JSON text). Nova's
clones sit on a compute host that does not exist (``SEED_HOST``): the fake compute driver does not
know them, and its periodic power-state sync would otherwise stop them between two collections; an
API delete of a clone is Nova's local delete. ``compare`` lists API-made and seeded resources with
the collector's own listing calls and shows what differs once ids, names and times are normalized.

MariaDB (Nova, Cinder, Neutron, Octavia) through the ``mariadb`` client on the instance's socket;
Glance's SQLite file through ``sqlite3``. The services cache none of these rows.
"""

import argparse
import dataclasses
import datetime
import ipaddress
import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE_PROJECT = 'seed-template'
PROJECT_PREFIX = 'seed-p'
SEED_HOST = 'seed-compute'      # a Nova compute host without a service (see the docstring)
BIG_SUBNET = ('public-seed', '10.64.0.0/16')   # room for the seeded floating IPs on `public`
# 50,000 resources, the mix of a cloud of VMs: per kind of the collector (plugins/module_utils/_kinds.py)
MIX = dict(servers=15000, volumes=12000, snapshots=4000, floating_ips=8000, routers=2000, load_balancers=2000,
           images=7000)


# ------------------------------------------------------------------------------ the plan (pure)

def scale_mix(total, mix=None):
    """``mix`` scaled to ``total`` resources (the remainder to the largest kinds)."""
    mix = mix or MIX
    whole = sum(mix.values())
    out = dict((k, v * total // whole) for k, v in mix.items())
    for kind in sorted(mix, key=lambda k: -mix[k])[:total - sum(out.values())]:
        out[kind] += 1
    return out


def project_weights(projects):
    """A skewed, deterministic size per project, 2 to 10 (the projects ``i % 10 == 0`` the largest)."""
    return [1 + (i * 7919) % 10 if i % 10 else 10 for i in range(projects)]


def spread(total, weights):
    """``total`` items over buckets in proportion to ``weights``; sums to ``total`` exactly."""
    whole = sum(weights)
    out = [total * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[:total - sum(out)]:
        out[i] += 1
    return out


@dataclasses.dataclass(frozen=True)
class Item:
    """One resource to seed: its id, project, name, creation time, and (snapshots) the volume it is of."""
    kind: str
    id: str
    project_id: str
    name: str
    created_at: str
    volume_id: str = None


def plan_items(kind, counts, project_ids, start, step_s, new_id=lambda: str(uuid.uuid4()), volumes=None):
    """The items of ``kind``: ``counts[i]`` in ``project_ids[i]``, created ``step_s`` apart from
    ``start`` (a datetime). A snapshot takes a volume of its own project (``volumes``: project -> ids)."""
    items, n = [], 0
    for project_id, count in zip(project_ids, counts):
        for k in range(count):
            created = (start + datetime.timedelta(seconds=n * step_s)).strftime('%Y-%m-%d %H:%M:%S')
            volume_id = None
            if kind == 'snapshots':
                own = volumes[project_id]
                volume_id = own[k % len(own)]
            items.append(Item(kind, new_id(), project_id, 'seed-%s-%d' % (kind, n), created, volume_id))
            n += 1
    return items


# ------------------------------------------------------------------------------ what a clone is (pure)

@dataclasses.dataclass(frozen=True)
class Table:
    """Rows of one table that belong to the template: those whose ``where`` column holds the
    template's id (``source`` None) or a value of ``source`` ((table, column) pairs read before)."""
    name: str
    where: str
    source: tuple = None
    omit: tuple = ()            # auto-increment ids the database assigns
    names: tuple = ()           # columns that take the item's name
    constants: tuple = ()       # (column, value) pairs every clone gets


@dataclasses.dataclass(frozen=True)
class Spec:
    kind: str
    db: str                     # 'mariadb' or 'glance' (SQLite)
    tables: tuple
    fresh: tuple = ()           # ((table, column), how): values every clone gets anew
    project_columns: tuple = ('project_id',)


SPECS = dict(
    servers=Spec('servers', 'mariadb', (
        Table('nova_cell1.instances', 'uuid', omit=('id',), names=('display_name', 'hostname'),
              constants=(('host', SEED_HOST), ('node', SEED_HOST), ('launched_on', SEED_HOST))),
        Table('nova_cell1.instance_extra', 'instance_uuid', omit=('id',)),
        Table('nova_cell1.instance_info_caches', 'instance_uuid', omit=('id',)),
        Table('nova_cell1.instance_system_metadata', 'instance_uuid', omit=('id',)),
        Table('nova_cell1.block_device_mapping', 'instance_uuid', omit=('id',)),
        Table('nova_api.instance_mappings', 'instance_uuid', omit=('id',)),
        Table('nova_api.request_specs', 'instance_uuid', omit=('id',)),
    ), fresh=((('nova_cell1.block_device_mapping', 'uuid'), 'uuid'),)),
    volumes=Spec('volumes', 'mariadb', (Table('cinder.volumes', 'id', names=('display_name',)),)),
    snapshots=Spec('snapshots', 'mariadb', (Table('cinder.snapshots', 'id', names=('display_name',)),),
                   fresh=((('cinder.snapshots', 'volume_id'), 'volume'),)),
    floating_ips=Spec('floating_ips', 'mariadb', (
        Table('neutron.floatingips', 'id'),
        Table('neutron.ports', 'id', (('neutron.floatingips', 'floating_port_id'),)),
        Table('neutron.standardattributes', 'id', (('neutron.floatingips', 'standard_attr_id'),
                                                   ('neutron.ports', 'standard_attr_id'))),
        Table('neutron.ipallocations', 'port_id', (('neutron.ports', 'id'),)),
        Table('neutron.ipamallocations', 'ip_address', (('neutron.ipallocations', 'ip_address'),)),
        Table('neutron.ml2_port_bindings', 'port_id', (('neutron.ports', 'id'),)),
        Table('neutron.portsecuritybindings', 'port_id', (('neutron.ports', 'id'),)),
    ), fresh=((('neutron.ports', 'id'), 'uuid'), (('neutron.standardattributes', 'id'), 'standard_attr'),
              (('neutron.ports', 'mac_address'), 'mac'), (('neutron.ipallocations', 'ip_address'), 'ip'))),
    routers=Spec('routers', 'mariadb', (
        Table('neutron.routers', 'id', names=('name',)),
        Table('neutron.standardattributes', 'id', (('neutron.routers', 'standard_attr_id'),)),
        Table('neutron.router_extra_attributes', 'router_id'),
        Table('neutron.providerresourceassociations', 'resource_id'),
    ), fresh=((('neutron.standardattributes', 'id'), 'standard_attr'),)),
    load_balancers=Spec('load_balancers', 'mariadb', (
        Table('octavia.load_balancer', 'id', names=('name',)),
        Table('octavia.vip', 'load_balancer_id'),
        Table('octavia.amphora', 'load_balancer_id'),
    ), fresh=((('octavia.vip', 'port_id'), 'uuid'), (('octavia.amphora', 'id'), 'uuid'),
              (('octavia.amphora', 'compute_id'), 'uuid'), (('octavia.amphora', 'vrrp_port_id'), 'uuid'),
              (('octavia.amphora', 'ha_port_id'), 'uuid'))),
    images=Spec('images', 'glance', (
        Table('images', 'id', names=('name',)),
        Table('image_properties', 'image_id', omit=('id',)),
        Table('image_locations', 'image_id', omit=('id',)),
    ), project_columns=('owner',)),
)


def source_values(table, rows):
    """The values the rows of ``table`` are selected by (the template id when ``source`` is None)."""
    values = []
    for src_table, column in table.source:
        values.extend(r[column] for r in rows.get(src_table, ()) if r[column] is not None)
    return sorted(set(values), key=str)


def fresh_values(spec, rows):
    """(template value, how) of every value a clone gets anew."""
    out = []
    for (table, column), how in spec.fresh:
        for value in sorted(set(r[column] for r in rows.get(table, ()) if r[column] is not None), key=str):
            out.append((value, how))
    return out


def is_timestamp(column):
    return column.endswith('_at') and column != 'deleted_at'


def clone_row(row, table, subst, item):
    """One template row made the item's: ``subst`` (template value -> the item's) replaces whole
    values, and inside text (JSON) the template's ids; names, timestamps and constants as ``table`` says."""
    out = {}
    constants = dict(table.constants)
    for column, value in row.items():
        if column in table.omit:
            continue
        if column in constants:
            value = constants[column]
        elif column in table.names:
            value = item.name
        elif is_timestamp(column) and value is not None:
            value = item.created_at
        elif value in subst and (isinstance(value, str) or column == 'id' or column.endswith('_id')):
            value = subst[value]   # an int only in an id column: a standard-attribute id
        elif isinstance(value, str):
            for old, new in subst.items():
                if isinstance(old, str) and len(old) >= 32 and old in value:
                    value = value.replace(old, new)
        out[column] = value
    return out


def clone_rows(spec, template, rows, items, fresh):
    """Per table, the rows of every item: ``template`` (dict: id, project_id) is what the rows were
    written for; ``fresh(how, template value, item)`` gives an item its own value of a fresh column."""
    out = dict((t.name, []) for t in spec.tables)
    fresh_list = fresh_values(spec, rows)
    for item in items:
        subst = {template['id']: item.id, template['project_id']: item.project_id}
        for value, how in fresh_list:
            subst[value] = fresh(how, value, item)
        for table in spec.tables:
            out[table.name].extend(clone_row(r, table, subst, item) for r in rows.get(table.name, ()))
    return out


def mac_address(n):
    """The ``n``-th MAC address of the seed (OpenStack's fa:16:3e prefix, then a 0xa0 byte of ours)."""
    return 'fa:16:3e:a0:%02x:%02x' % (n // 256 % 256, n % 256)


def next_mac_number(macs):
    """The number after the highest of the seed's MAC addresses (``mac_address``) in ``macs``."""
    return 1 + max([int(m[-5:-3], 16) * 256 + int(m[-2:], 16) for m in macs] or [-1])


def free_addresses(cidr, used, count):
    """``count`` host addresses of ``cidr`` not in ``used`` (and not the first: the gateway), in order."""
    out, used = [], set(used)
    hosts = ipaddress.ip_network(cidr).hosts()
    next(hosts)
    for address in hosts:
        if len(out) == count:
            break
        if str(address) not in used:
            out.append(str(address))
    if len(out) < count:
        raise ValueError('%s has only %d free addresses, %d wanted' % (cidr, len(out), count))
    return out


# ------------------------------------------------------------------------------ SQL text (pure)

def sql_literal(value):
    if value is None:
        return 'NULL'
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    return "'%s'" % str(value).replace('\\', '\\\\').replace("'", "''")


def insert_statements(table, rows, batch=500):
    """Multi-row INSERTs of ``rows`` (dicts with the same columns) into ``table`` (schema.table)."""
    if not rows:
        return []
    columns = list(rows[0])
    head = 'INSERT INTO %s (%s) VALUES\n' % ('.'.join('`%s`' % p for p in table.split('.')),
                                             ', '.join('`%s`' % c for c in columns))
    return [head + ',\n'.join('(%s)' % ', '.join(sql_literal(r[c]) for c in columns) for r in rows[i:i + batch]) + ';'
            for i in range(0, len(rows), batch)]


# ------------------------------------------------------------------------------ the instance's databases

class MariaDB:
    """The bench instance's MariaDB through the ``mariadb`` client on its socket (root, no password)."""

    def __init__(self, socket):
        self.socket = socket

    def run(self, sql):
        done = subprocess.run(['mariadb', '--socket', self.socket, '-N', '--batch', '--raw'], input=sql,
                              capture_output=True, text=True, check=False)
        if done.returncode:
            raise SystemExit('mariadb: %s' % done.stderr.strip()[:2000])
        return done.stdout

    def columns(self, table):
        schema, name = table.split('.')
        out = self.run("SELECT column_name FROM information_schema.columns WHERE table_schema='%s' AND "
                       "table_name='%s' ORDER BY ordinal_position;" % (schema, name))
        return out.split()

    def rows(self, table, where, values):
        if not values:
            return []
        pairs = ', '.join("'%s', `%s`" % (c, c) for c in self.columns(table))
        schema, name = table.split('.')
        sql = 'SELECT JSON_OBJECT(%s) FROM `%s`.`%s` WHERE `%s` IN (%s);' % (
            pairs, schema, name, where, ', '.join(sql_literal(v) for v in values))
        return [json.loads(line) for line in self.run(sql).splitlines() if line.strip()]

    def scalar(self, sql):
        return self.run(sql).strip()

    def insert(self, table_rows):
        statements = ['SET foreign_key_checks=0;', 'START TRANSACTION;']
        for table, rows in table_rows.items():
            statements.extend(insert_statements(table, rows))
        statements.append('COMMIT;')
        self.run('\n'.join(statements))


class GlanceDB:
    """Glance's SQLite file."""

    def __init__(self, path):
        self.path = path

    def rows(self, table, where, values):
        with sqlite3.connect(self.path) as db:
            db.row_factory = sqlite3.Row
            marks = ', '.join('?' * len(values))
            return [dict(r) for r in db.execute('SELECT * FROM %s WHERE %s IN (%s)' % (table, where, marks), values)]

    def insert(self, table_rows):
        with sqlite3.connect(self.path, timeout=60) as db:
            for table, rows in table_rows.items():
                if rows:
                    columns = list(rows[0])
                    sql = 'INSERT INTO %s (%s) VALUES (%s)' % (table, ', '.join(columns), ', '.join('?' * len(columns)))
                    db.executemany(sql, [tuple(r[c] for c in columns) for r in rows])


def read_template(db, spec, template_id):
    """Every row the service wrote for the template, table by table (``Spec.tables``)."""
    rows = {}
    for table in spec.tables:
        values = [template_id] if table.source is None else source_values(table, rows)
        rows[table.name] = db.rows(table.name, table.where, values)
    return rows


def state_dir():
    return os.path.dirname(os.path.abspath(os.environ['OS_CLIENT_CONFIG_FILE']))


def databases():
    """(MariaDB, GlanceDB) of the bench instance; refuses a default (shared) instance."""
    state = state_dir()
    if os.path.basename(os.path.realpath(state)).startswith('.localcloud'):
        raise SystemExit('refusing to seed a default local cloud instance (%s): start one of your own '
                         '(LOCALCLOUD_STATE_DIR, LOCALCLOUD_PORT_OFFSET, LOCALCLOUD_INSTANCE)' % state)
    return (MariaDB(os.path.join(state, 'data', 'mariadb', 'mysqld.sock')),
            GlanceDB(os.path.join(state, 'data', 'sqlite', 'glance.sqlite')))


# ------------------------------------------------------------------------------ through the APIs

def connect(cloud='replicator'):
    import openstack
    return openstack.connect(cloud=cloud)


def project_tags(i):
    """Three in four projects are the collection's (ownership tags), the fourth is unmanaged."""
    return ['lz-managed', 'lz-ws=ws%03d' % (i // 20), 'lz-proj=p%05d' % i] if i % 4 else []


def ensure_projects(conn, count, workers=4):
    """``count`` projects ``seed-pNNNNN`` through Keystone's API (one POST each); their ids in order."""
    import concurrent.futures
    have = dict((p.name, p.id) for p in conn.identity.projects(domain_id='default')
                if p.name.startswith(PROJECT_PREFIX))
    names = ['%s%05d' % (PROJECT_PREFIX, i) for i in range(count)]

    def make(i):
        return conn.identity.create_project(name=names[i], domain_id='default', tags=project_tags(i)).id
    missing = [i for i in range(count) if names[i] not in have]
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for i, project_id in zip(missing, pool.map(make, missing)):
            have[names[i]] = project_id
    return [have[n] for n in names], len(missing)


def template_project(conn):
    found = list(conn.identity.projects(name=TEMPLATE_PROJECT, domain_id='default'))
    project = found[0] if found else conn.identity.create_project(name=TEMPLATE_PROJECT, domain_id='default')
    role = conn.identity.find_role('admin', ignore_missing=False)
    conn.identity.assign_project_role_to_user(project.id, conn.current_user_id, role.id)
    return project.id


def _wait(get, attr, ok, what):
    for dummy in range(240):
        value = getattr(get(), attr)
        if value in ok:
            return
        time.sleep(0.5)
    raise SystemExit('%s did not become %s' % (what, ok))


def big_subnet(admin):
    public = admin.network.find_network('public', ignore_missing=False)
    name, cidr = BIG_SUBNET
    found = list(admin.network.subnets(network_id=public.id, name=name))
    subnet = found[0] if found else admin.network.create_subnet(
        network_id=public.id, name=name, cidr=cidr, ip_version=4, enable_dhcp=False)
    return public, subnet


def make_templates(admin, project_id, suffix='template'):
    """One resource of every metered kind, through its API, in ``project_id``: kind -> id."""
    import io
    conn = admin.connect_as_project({'id': project_id})
    flavor = admin.compute.find_flavor('m1.tiny', ignore_missing=False)
    image = admin.image.find_image('cirros-fake', ignore_missing=False)
    public, subnet = big_subnet(admin)
    out = {}
    server = conn.compute.create_server(name='seed-%s' % suffix, flavor_id=flavor.id, image_id=image.id,
                                        networks='none')
    volume = conn.block_storage.create_volume(size=1, name='seed-%s' % suffix)
    _wait(lambda: conn.block_storage.get_volume(volume.id), 'status', ('available',), 'volume')
    out['volumes'] = volume.id
    out['snapshots'] = conn.block_storage.create_snapshot(volume_id=volume.id, name='seed-%s' % suffix).id
    out['floating_ips'] = conn.network.create_ip(floating_network_id=public.id, subnet_id=subnet.id).id
    out['routers'] = conn.network.create_router(name='seed-%s' % suffix).id
    nets = list(conn.network.networks(name='seed-lb', project_id=project_id))
    net = nets[0] if nets else conn.network.create_network(name='seed-lb')
    subs = list(conn.network.subnets(network_id=net.id))
    lb_subnet = subs[0] if subs else conn.network.create_subnet(network_id=net.id, cidr='10.0.0.0/16', ip_version=4)
    lb = conn.load_balancer.create_load_balancer(name='seed-%s' % suffix, vip_subnet_id=lb_subnet.id)
    out['images'] = conn.image.create_image(name='seed-%s' % suffix, disk_format='raw', container_format='bare',
                                            data=io.BytesIO(b'\0' * 1048576), visibility='private').id
    _wait(lambda: conn.compute.get_server(server.id), 'status', ('ACTIVE',), 'server')
    _wait(lambda: conn.load_balancer.get_load_balancer(lb.id), 'provisioning_status', ('ACTIVE',), 'load balancer')
    _wait(lambda: conn.block_storage.get_snapshot(out['snapshots']), 'status', ('available',), 'snapshot')
    out['servers'], out['load_balancers'] = server.id, lb.id
    return out


def templates(admin, project_id, state):
    """The templates (made once, kept in the state file)."""
    if not state.get('templates'):
        state['templates'] = make_templates(admin, project_id)
        save_state(state)
    return state['templates']


def state_path():
    return os.path.join(state_dir(), 'seed-resources.json')


def load_state():
    if os.path.exists(state_path()):
        with open(state_path()) as handle:
            return json.load(handle)
    return {}


def save_state(state):
    with open(state_path(), 'w') as handle:
        json.dump(state, handle, indent=1, sort_keys=True)


class Fresh:
    """The fresh values of the clones: uuids, Neutron standard-attribute ids after the highest,
    MAC addresses of the seed's own range, floating IPs free in the big subnet, snapshots' volumes."""

    def __init__(self, maria, count_ips=0):
        self.next_attr = int(maria.scalar('SELECT COALESCE(MAX(id), 0) + 1 FROM neutron.standardattributes;'))
        macs = maria.run("SELECT mac_address FROM neutron.ports WHERE mac_address LIKE 'fa:16:3e:a0:%';").split()
        self.next_mac = next_mac_number(macs)
        used = maria.run('SELECT ip_address FROM neutron.ipallocations;').split()
        self.ips = iter(free_addresses(BIG_SUBNET[1], used, count_ips)) if count_ips else iter(())

    def __call__(self, how, value, item):
        if how == 'uuid':
            return str(uuid.uuid4())
        if how == 'standard_attr':
            self.next_attr += 1
            return self.next_attr - 1
        if how == 'mac':
            self.next_mac += 1
            return mac_address(self.next_mac - 1)
        if how == 'ip':
            return next(self.ips)
        if how == 'volume':
            return item.volume_id
        raise ValueError('unknown fresh value %s' % how)


def seed_kind(maria, glance, spec, template, items, chunk=2000):
    """Clone the template into ``items`` (chunks of ``chunk`` per transaction); seconds taken."""
    db = glance if spec.db == 'glance' else maria
    rows = read_template(db, spec, template['id'])
    if not rows[spec.tables[0].name]:
        raise SystemExit('template %s %s has no row in %s' % (spec.kind, template['id'], spec.tables[0].name))
    t0 = time.monotonic()
    fresh = Fresh(maria, len(items) if spec.kind == 'floating_ips' else 0)
    for start in range(0, len(items), chunk):
        db.insert(clone_rows(spec, template, rows, items[start:start + chunk], fresh))
    return round(time.monotonic() - t0, 1)


def seeded_volumes(maria, project_ids):
    """project -> ids of its seeded volumes (the snapshots' volumes)."""
    out = dict((p, []) for p in project_ids)
    for line in maria.run("SELECT project_id, id FROM cinder.volumes WHERE deleted=0 AND display_name LIKE "
                          "'seed-volumes-%' ORDER BY id;").splitlines():
        project_id, volume_id = line.split('\t')
        if project_id in out:
            out[project_id].append(volume_id)
    return out


def seed(args):
    admin = connect()
    maria, glance = databases()
    state = load_state()
    t0 = time.monotonic()
    project_ids, created = ensure_projects(admin, args.projects)
    figures = dict(projects=len(project_ids), projects_created=created,
                   projects_s=round(time.monotonic() - t0, 1), kinds={})
    tmpl_project = template_project(admin)
    made = templates(admin, tmpl_project, state)
    mix = scale_mix(args.total)
    weights = project_weights(len(project_ids))
    start = datetime.datetime(2026, 11, 1)
    for kind in ('servers', 'volumes', 'snapshots', 'floating_ips', 'routers', 'load_balancers', 'images'):
        have = state.get('seeded', {}).get(kind, 0)
        volumes = None
        owners = project_ids
        if kind == 'snapshots':    # snapshots of the projects' seeded volumes
            volumes = seeded_volumes(maria, project_ids)
            owners = [p for p in project_ids if volumes[p]]
        counts = spread(mix[kind], [weights[project_ids.index(p)] for p in owners]) if owners else []
        items = plan_items(kind, counts, owners, start, 30 * 86400.0 / max(mix[kind], 1), volumes=volumes)[have:]
        if not items:
            continue
        seconds = seed_kind(maria, glance, SPECS[kind], dict(id=made[kind], project_id=tmpl_project), items)
        state.setdefault('seeded', {})[kind] = have + len(items)
        save_state(state)
        figures['kinds'][kind] = dict(count=len(items), seconds=seconds)
        print('[seed] %s: %d in %.1fs' % (kind, len(items), seconds), file=sys.stderr, flush=True)
    figures['seconds'] = round(time.monotonic() - t0, 1)
    print(json.dumps(dict(bench='seed-resources', **figures)))


# ------------------------------------------------------------------------------ ~1 % changed, through the APIs

def change_plan(total, fraction=0.01):
    """How many of each change make ``fraction`` of ``total`` resources: servers deleted, volumes
    created, floating IPs released, routers created (2:1.5:1:0.5)."""
    n = int(round(total * fraction))
    plan = dict(servers_deleted=n * 2 // 5, volumes_created=n * 3 // 10, floating_ips_deleted=n // 5)
    plan['routers_created'] = n - sum(plan.values())
    return plan


def change_projects(plan, per_project=3):
    """The seeded projects the change creates volumes and routers in (``per_project`` of each at most)."""
    most = max(plan['volumes_created'], plan['routers_created'])
    return max(1, -(-most // per_project))


def seeded_ids(maria, kind, count):
    """``count`` live seeded resources of ``kind`` (by their seed names / device), the oldest first."""
    sql = dict(
        servers="SELECT uuid FROM nova_cell1.instances WHERE deleted=0 AND display_name LIKE 'seed-servers-%%' "
                "ORDER BY created_at LIMIT %d;",
        floating_ips="SELECT f.id FROM neutron.floatingips f JOIN neutron.ports p ON p.id = f.floating_port_id "
                     "WHERE p.mac_address LIKE 'fa:16:3e:a0:%%' ORDER BY f.floating_ip_address LIMIT %d;")[kind]
    return maria.run(sql % count).split()


def change(fraction=0.01, total=None, workers=4):
    """~``fraction`` of the seeded resources changed through the APIs (Nova, Cinder, Neutron): returns
    the counts and seconds. Volumes and routers are created three per seeded project at most, in
    projects whose volume and router quotas the change lifts first."""
    import concurrent.futures
    admin = connect()
    maria = databases()[0]
    state = load_state()
    plan = change_plan(total or sum(state.get('seeded', {}).values()), fraction)
    t0 = time.monotonic()
    project_ids = ensure_projects(admin, change_projects(plan))[0]
    role = admin.identity.find_role('admin', ignore_missing=False)
    conns = []
    for project_id in project_ids:
        admin.identity.assign_project_role_to_user(project_id, admin.current_user_id, role.id)
        # Cinder counts the seeded volumes when it first builds a project's usage, Neutron counts routers: no
        # default quota of 10 may refuse the change (by id: the SDK's set_*_quotas list every project to find one)
        admin.block_storage.put('/os-quota-sets/%s' % project_id,
                                json={'quota_set': {'volumes': -1, 'gigabytes': -1}}).raise_for_status()
        admin.network.put('/quotas/%s' % project_id, json={'quota': {'router': -1}}).raise_for_status()
        conns.append(admin.connect_as_project({'id': project_id}))
    stamp = int(time.time())
    jobs = [lambda i=i: admin.compute.delete_server(i) for i in seeded_ids(maria, 'servers', plan['servers_deleted'])]
    jobs += [lambda i=i: admin.network.delete_ip(i) for i in seeded_ids(maria, 'floating_ips',
                                                                        plan['floating_ips_deleted'])]
    jobs += [lambda n=n: conns[n % len(conns)].block_storage.create_volume(size=1, name='change-%d-%d' % (stamp, n))
             for n in range(plan['volumes_created'])]
    jobs += [lambda n=n: conns[n % len(conns)].network.create_router(name='change-%d-%d' % (stamp, n))
             for n in range(plan['routers_created'])]
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda job: job(), jobs))
    return dict(plan, seconds=round(time.monotonic() - t0, 1))


# ------------------------------------------------------------------------------ proof: API-made vs seeded

TIME_KEYS = ('created', 'updated', 'created_at', 'updated_at', 'launched_at', 'OS-SRV-USG:launched_at')


def normalize(item, own):
    """``item`` (an API listing's JSON) with its own values (``own``: value -> placeholder: id,
    project, name) and its times replaced, so that two resources of the same shape compare equal."""
    text = json.dumps(item, sort_keys=True)
    for value, placeholder in own.items():
        if value and len(value) >= 32:   # ids: also inside links
            text = text.replace(value, placeholder)
        elif value:
            text = text.replace('"%s"' % value, '"%s"' % placeholder)
    out = json.loads(text)

    def times(node):
        if isinstance(node, dict):
            return dict((k, 'TIME' if k in TIME_KEYS and v else times(v)) for k, v in node.items())
        if isinstance(node, list):
            return [times(v) for v in node]
        return node
    return times(out)


def differences(api, seeded, path=''):
    """(path, API-made value, seeded value) where two normalized items differ."""
    if isinstance(api, dict) and isinstance(seeded, dict):
        out = []
        for key in sorted(set(api) | set(seeded)):
            out.extend(differences(api.get(key, '<absent>'), seeded.get(key, '<absent>'), '%s/%s' % (path, key)))
        return out
    return [] if api == seeded else [(path, api, seeded)]


def project_of(spec, item):
    """The project of a listed item, from the kind's project fields."""
    return next((item.get(k) for k in spec.project if item.get(k)), None)


def is_seeded(kind, item):
    """A seeded resource: named so (``plan_items``), or a floating IP of the seed's subnet."""
    if kind == 'floating_ips':
        return ipaddress.ip_address(item['floating_ip_address']) in ipaddress.ip_network(BIG_SUBNET[1])
    return str(item.get('name') or '').startswith('seed-%s-' % kind)


def collector_listing(conn, kind):
    """The kind's items as the collector lists them (its listing, its pager, its page size)."""
    from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds, _rest
    spec = _kinds.kind(kind)
    rest = _rest.RestClient(getattr(conn, spec.proxy), retries=4, microversion=spec.microversion)
    return _rest.list_all(rest, spec.listing.path, spec.listing.key, params=spec.listing.query, limit=1000)[0]


def compare(args):
    """API-made resources (made here in the first seeded project) against seeded ones of that project."""
    sys.path.insert(0, os.path.join(ROOT, 'tests', 'unit'))
    __import__('conftest')   # makes ansible_collections importable from the checkout
    from ansible_collections.landingzone.openstack.plugins.module_utils._kinds import kind as kind_spec
    from ansible_collections.landingzone.openstack.plugins.module_utils._metering import records
    admin = connect()
    state = load_state()
    project_id = ensure_projects(admin, 1)[0][0]
    if not state.get('api_made'):
        role = admin.identity.find_role('admin', ignore_missing=False)
        admin.identity.assign_project_role_to_user(project_id, admin.current_user_id, role.id)
        state['api_made'] = make_templates(admin, project_id, suffix='api')
        save_state(state)
    reader = connect('metering')
    report = {}
    for kind, api_id in sorted(state['api_made'].items()):
        spec = kind_spec(kind)
        items = collector_listing(reader, kind)
        api = [i for i in items if i['id'] == api_id]
        made = set(state['api_made'].values()) | set(state.get('templates', {}).values())
        seeded = [i for i in items if i['id'] not in made and is_seeded(kind, i)]
        # the same project where it still has one (the ~1 % change deletes the oldest servers and floating IPs)
        seeded.sort(key=lambda i: project_of(spec, i) != project_id)
        if not api or not seeded:
            report[kind] = dict(error='listed: API-made %d, seeded %d' % (len(api), len(seeded)))
            continue

        def own(i):
            return {i['id']: 'ID', project_of(spec, i): 'PROJECT', i.get('name'): 'NAME'}
        diff = differences(normalize(api[0], own(api[0])), normalize(seeded[0], own(seeded[0])))
        rec_diff = differences(normalize(records.record(kind, api[0])[0], own(api[0])),
                               normalize(records.record(kind, seeded[0])[0], own(seeded[0])))
        report[kind] = dict(listed=len(items), keys=len(api[0]), differing=[list(d) for d in diff],
                            record_differing=[list(d) for d in rec_diff])
    print(json.dumps(dict(bench='seed-compare', project=project_id, kinds=report), indent=1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('action', choices=['seed', 'compare', 'change'])
    ap.add_argument('--projects', type=int, default=2000)
    ap.add_argument('--total', type=int, default=sum(MIX.values()), help='resources (default %(default)s)')
    ap.add_argument('--fraction', type=float, default=0.01, help='change: the share of resources changed')
    args = ap.parse_args()
    if args.action == 'seed':
        seed(args)
    elif args.action == 'change':
        print(json.dumps(dict(bench='seed-change', **change(args.fraction))))
    else:
        compare(args)


if __name__ == '__main__':
    main()
