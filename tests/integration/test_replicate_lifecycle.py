# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The replication lifecycle as one scenario against the local cloud's real services, converged once per stage.

One inventory holds every case at once, on three platforms (inventory hosts of one ansible-playbook run, so
each keeps its own report, recap and request counts):

- ``main``: bindings; a per-workspace domain; orphans, pruned only on request; drift named when reverted,
  foreign tags kept then removed; users compared as Keystone compares names; a check run's plan beside the
  last real report; the report under the working directory, not $PWD; a project holding resources kept
  until it is empty; protected projects; a workspace domain going with its last project, never with a
  foreign one; ``deletion_resources: purge``.
- ``gone``: the deletion lifecycle with and without automation; a finished lifecycle costs no group listing.
- ``single``: one tenant: the whole plan in check mode, a user appearing later, role and name changes, and
  the read cost of a no-op.

Stages (docs/replication.md tells each rule): ``plan`` (check and diff on an empty cloud), ``converge``,
``recheck`` (a check run after hand changes and inventory changes), ``change``, ``prune`` (replicate_prune,
``foreign_tags: remove``), ``noop``. The tests assert on the registered results and on what the replicator
lists back.
"""

import copy
import json
import os
import tempfile
import uuid

import pytest
from openstack import exceptions as sdk_exc

from ansible_collections.landingzone.openstack.plugins.module_utils import _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import collect
from helpers.keystone import PLAYBOOK, Keystone, Users, workspace
from helpers.playbook import run_playbook
from helpers.purge import build_resources, exists, remove_resources

pytestmark = pytest.mark.release_matrix   # Keystone's listings and options, purge, leftovers: per release

WAIT = 120
REPORT_TASK = 'Write the replication report'
STATS_TASK = 'Publish the summary as job artifacts (AWX)'
STAGES = ('plan', 'converge', 'recheck', 'change', 'prune', 'noop')


def zones():
    return {
        'default': {'domain_mode': 'default', 'delete_projects': False},
        'auto': {'domain_mode': 'default', 'delete_projects': True},
        'isolated': {'domain_mode': 'per_workspace', 'patterns': {'domain': 'lz-{workspace}'}, 'delete_projects': True},
        'tended': {'domain_mode': 'default'},
        'upper': {'domain_mode': 'default', 'euid_pattern': '%S@EXAMPLE.TEST'},
        'protected': {'domain_mode': 'default', 'delete_projects': True, 'protect_projects': True},
        'purging': {'domain_mode': 'default', 'delete_projects': True, 'protect_projects': True,
                    'deletion_resources': 'purge'},
    }


class Scenario:
    """The inventory, the hand changes between stages, and every stage's run."""

    def __init__(self, replicator, make_user):
        self.conn = replicator
        self.make_user = make_user
        self.u = uuid.uuid4().hex[:8]
        u = self.u
        self.main, self.gone, self.single = 'lc%s' % u, 'ld%s' % u, 'lw%s' % u
        self.ks = dict((p, Keystone(replicator, p)) for p in (self.main, self.gone, self.single))
        self.ws = dict((k, '%s%s' % (k, u)) for k in ('w', 'd', 'o', 'p', 'k', 'u', 'dr', 's', 'pr', 'dd', 'de', 'pg'))
        self.user = dict((k, '%s-%s' % (k, u)) for k in ('alice', 'bob', 'carol', 'dave', 'dr', 'eve'))
        self.user['jill'] = 'jill-%s@example.test' % u
        self.user['kim'] = 'kim-%s@example.test' % u
        self.zones = zones()
        self.runs = {}
        self.workdirs = {}
        self.facts = {}
        self.cleanups = []
        self.inventory = self._inventory()

    def _inventory(self):
        ws, user, main = self.ws, self.user, self.main

        def proj(ident, zone='default', platform=None, **extra):
            spec = dict(identifier=ident, name=ident.upper(), landing_zone=zone, platforms=[platform or main])
            spec.update(extra)
            return spec
        admin = [{'euid': user['dr'], 'role': 'admin'}]
        return [
            workspace(ws['w'], [dict(proj('web', platform=self.single), name='Storefront', bindings=[
                {'euid': user['alice'], 'role': 'admin'}, {'euid': user['bob'], 'role': 'user'},
                {'euid': user['carol'], 'role': 'reader'}])]),
            workspace(ws['d'], [proj('keep', platform=self.gone, bindings=[{'euid': user['dave'], 'role': 'user'}]),
                                proj('auto', 'auto', platform=self.gone, bindings=[{'euid': user['dave'], 'role': 'user'}])]),
            workspace(ws['o'], [proj('one'), proj('two')]),
            workspace(ws['p'], [proj('api', 'isolated')]),
            workspace(ws['k'], [proj('web', bindings=admin)]),
            workspace(ws['u'], [proj('web', 'upper', bindings=[{'euid': 'jill-%s' % self.u, 'role': 'admin'}])]),
            workspace(ws['dr'], [proj('web', 'tended', bindings=admin)]),
            workspace(ws['s'], [proj('web', 'auto')]),
            workspace(ws['pr'], [proj('web', 'protected'), proj('gone', 'protected')]),
            workspace(ws['dd'], [proj('a', 'isolated'), proj('b', 'isolated')]),
            workspace(ws['de'], [proj('a', 'isolated'), proj('b', 'isolated')]),
            workspace(ws['pg'], [proj('web', 'purging')]),
        ]

    def project_spec(self, ws_key, ident):
        for spec in self.inventory:
            if spec['identifier'] == self.ws[ws_key]:
                return [p for p in spec['projects'] if p['identifier'] == ident][0]
        raise KeyError(ws_key)

    def run(self, stage, check=False, workdir=None, prune=False):
        workdir = workdir or tempfile.mkdtemp(prefix='lz-lifecycle-%s-' % stage)
        group_vars = dict(landing_zones=copy.deepcopy(self.zones), workspaces=copy.deepcopy(self.inventory))
        # prune on `main` only: pruning lists the groups, which `gone` shows a finished lifecycle spares
        hosts = {self.main: dict(replicate_prune=prune), self.gone: None, self.single: None}
        # no lz_report_dir: the report lands under the working directory, whatever $PWD says
        run = run_playbook(playbook=PLAYBOOK, group_vars=group_vars, check=check, diff=check, workdir=workdir,
                           hosts=hosts, env={'PWD': '/nonexistent'})
        self.runs[stage] = run
        self.workdirs[stage] = workdir
        return run

    # --- reading what a stage wrote

    def report(self, stage, platform, plan=False):
        path = os.path.join(self.workdirs[stage], 'reports', 'replication',
                            '%s%s.json' % (platform, '.plan' if plan else ''))
        with open(path) as handle:
            return json.load(handle)

    def row(self, stage, platform, ws_key, ident, plan=False):
        key = '%s/%s' % (self.ws[ws_key], ident)
        return [r for r in self.report(stage, platform, plan)['tenants'] if r['tenant'] == key][0]

    def remarks(self, stage, ws_key, ident, code=None, platform=None):
        found = self.row(stage, platform or self.main, ws_key, ident)['remarks']
        return [r for r in found if code is None or r['code'] == code]

    def host(self, stage, platform):
        return self.runs[stage].host(platform)

    # --- hand changes between stages (what people do outside the inventory)

    def scoped(self, project_id, role='admin'):
        found = self.conn.identity.find_role(role, ignore_missing=False)
        self.conn.identity.assign_project_role_to_user(project_id, self.conn.current_user_id, found.id)
        return self.conn.connect_as_project({'id': project_id})

    def before_converge(self):
        for name in ('alice', 'bob', 'dave', 'dr', 'jill'):
            self.make_user(self.user[name])
        self.facts['eve'] = self.make_user(self.user['eve'])

    def after_converge(self):
        main = self.ks[self.main]
        ws = self.ws
        self.facts['single_ids'] = (self.ks[self.single].project(ws['w'], 'web').id,
                                    self.ks[self.single].group_named('%s-web-admin' % ws['w']).id)
        self.facts['kept_id'] = self.ks[self.gone].project(ws['d'], 'keep').id
        with open(os.path.join(self.workdirs['converge'], 'reports', 'replication', '%s.json' % self.main)) as fh:
            self.facts['real_report'] = fh.read()
        self._drift_by_hand(main)
        self._protected_by_hand(main)
        self._resources_held(main)
        self._purge_resources(main)
        self._kim_in_two_domains()
        # a foreign project in a workspace domain
        dom = self.domain('lz-%s' % ws['de'])
        foreign = self.conn.identity.create_project(name='foreign-%s' % self.u, domain_id=dom['id'])
        self.cleanups.append(lambda: self.conn.identity.delete_project(foreign.id, ignore_missing=True))
        # inventory changes
        self.inventory[[w['identifier'] for w in self.inventory].index(ws['k'])]['projects'].append(
            dict(identifier='api', name='API', landing_zone='default', platforms=[self.main],
                 bindings=[{'euid': self.user['dr'], 'role': 'admin'}]))
        self.project_spec('d', 'keep')['state'] = self.project_spec('d', 'auto')['state'] = 'deleted'
        o = [w for w in self.inventory if w['identifier'] == ws['o']][0]
        o['projects'] = o['projects'][:1]
        self.project_spec('u', 'web')['bindings'].append({'euid': 'kim-%s' % self.u, 'role': 'user'})
        self.project_spec('s', 'web')['state'] = 'deleted'
        self.project_spec('pr', 'web')['name'] = 'Web shop'
        for key in ('dd', 'de'):
            for ident in ('a', 'b'):
                self.project_spec(key, ident)['state'] = 'deleted'
        self.project_spec('pg', 'web')['state'] = 'deleted'

    def _drift_by_hand(self, main):
        proj = main.project(self.ws['dr'], 'web')
        admin = main.group_named('%s-web-admin' % self.ws['dr'])
        reader = main.group_named('%s-web-reader' % self.ws['dr'])
        other = self.conn.identity.create_project(name='other-%s' % self.u, domain_id='default')
        self.cleanups.append(lambda: self.conn.identity.delete_project(other.id, ignore_missing=True))
        self.facts['other'] = other
        self.conn.identity.update_project(proj, description='edited by hand')
        tags = [t for t in proj.tags if t != 'cost-centre=42'] + ['backup=daily']
        self.conn.identity.put('/projects/%s/tags' % proj.id, json={'tags': tags})
        self.conn.identity.add_user_to_group(self.facts['eve'], admin)
        role = [r for r in self.conn.identity.roles() if r.name == 'reader'][0]
        self.conn.identity.assign_project_role_to_group(other, reader, role)

    def _protected_by_hand(self, main):
        proj = main.project(self.ws['pr'], 'web')
        self.facts['protected_id'] = proj.id
        self.facts['protected_options'] = self.conn.identity.get('/projects/%s' % proj.id).json()['project']['options']
        refused = []
        for attempt in (lambda: self.conn.identity.delete_project(proj.id),
                        lambda: self.conn.identity.update_project(proj.id, name='renamed-%s' % self.u)):
            try:
                attempt()
                refused.append(False)
            except sdk_exc.HttpException:
                refused.append(True)
        self.facts['protected_refused'] = refused
        self.facts['protected_name'] = main.project(self.ws['pr'], 'web').name

    def _resources_held(self, main):
        proj = main.project(self.ws['s'], 'web')
        conn = self.scoped(proj.id)
        vol = conn.block_storage.create_volume(size=1, name='left-%s' % self.u)
        public = self.conn.network.find_network('public', ignore_missing=False)
        fip = conn.network.create_ip(floating_network_id=public.id)
        self.cleanups.append(lambda: (conn.network.delete_ip(fip, ignore_missing=True),
                                      conn.block_storage.delete_volume(vol, ignore_missing=True)))
        conn.block_storage.wait_for_status(vol, 'available', failures=['error'], interval=0.3, wait=WAIT)
        self.facts['held'] = dict(conn=conn, vol=vol, fip=fip, project_id=proj.id)

    def _purge_resources(self, main):
        proj = main.project(self.ws['pg'], 'web')
        made = {}
        self.facts['purge'] = dict(project_id=proj.id, made=made)
        self.cleanups.append(lambda: remove_resources(self.conn, made))
        build_resources(self.conn, proj.id, self.u, made)

    def _kim_in_two_domains(self):
        # two spellings (in two domains) that Keystone would both call KIM-...
        self.make_user(self.user['kim'])
        dom = self.conn.identity.create_domain(name='d%s' % self.u)
        other = self.conn.identity.create_user(name=self.user['kim'].upper(), domain_id=dom.id)

        def drop():
            self.conn.identity.delete_user(other, ignore_missing=True)
            self.conn.identity.update_domain(dom, is_enabled=False)
            self.conn.identity.delete_domain(dom, ignore_missing=True)
        self.cleanups.append(drop)

    def after_plan(self):
        self.facts['after_plan'] = dict(
            projects=[p.name for ks in self.ks.values() for p in ks.projects()],
            single_admin_group=self.ks[self.single].group_named('%s-web-admin' % self.ws['w']))

    def after_recheck(self):
        main, purge = self.ks[self.main], self.facts['purge']
        project = self.conn.identity.get('/projects/%s' % purge['project_id']).json()['project']
        self.facts['after_recheck'] = dict(
            k_api=main.project(self.ws['k'], 'api'),
            held_enabled=main.project(self.ws['s'], 'web').is_enabled,
            purge_resources=[name for name, spec in purge['made'].items() if exists(self.conn, *spec)],
            purge_project=(project['enabled'], project['options']),
            purge_grants=list(self.conn.identity.role_assignments(scope_project_id=purge['project_id'],
                                                                  user_id=self.conn.current_user_id)))
        self.make_user(self.user['carol'])

    def after_change(self):
        held, main, single, ws = self.facts['held'], self.ks[self.main], self.ks[self.single], self.ws
        held_project = main.project(ws['s'], 'web')
        self.facts['after_change'] = dict(
            single_reader=single.members(single.group_named('%s-web-reader' % ws['w'])),
            orphans_left=sorted(p.name for p in main.projects(ws['o'])),
            held=(held_project is not None, held_project is not None and held_project.is_enabled,
                  main.managed_groups(ws['s'])),
            drift_tags=main.project(ws['dr'], 'web').tags,
            protected=self.conn.identity.get('/projects/%s' % self.facts['protected_id']).json()['project'])
        meter, counter = _rest.connect(dict(cloud='metering', api_timeout=30, retries=4))
        self.facts['metered'] = collect.collect(meter, self.main, ['volumes', 'floating_ips'], None, counter=counter)
        # the held project emptied: the next run deletes it
        held['conn'].network.delete_ip(held['fip'])
        held['conn'].block_storage.delete_volume(held['vol'])
        held['conn'].block_storage.wait_for_delete(held['vol'], interval=0.5, wait=WAIT)
        # lifting the protection by hand is drift; a second protected project is deleted
        self.conn.identity.patch('/projects/%s' % self.facts['protected_id'],
                                 json={'project': {'options': {'immutable': False}}})
        self.project_spec('pr', 'gone')['state'] = 'deleted'
        self.zones['tended']['foreign_tags'] = 'remove'
        # the single tenant: a role change (bob: user -> admin), a binding removed (alice), a new name
        self.project_spec('w', 'web')['bindings'] = [{'euid': self.user['bob'], 'role': 'admin'},
                                                     {'euid': self.user['carol'], 'role': 'reader'}]
        self.project_spec('w', 'web')['name'] = 'Shop front'

    def domain(self, name):
        found = self.conn.identity.get('/domains', params={'name': name}).json()['domains']
        return found[0] if found else None

    def play(self):
        self.before_converge()
        self.run('plan', check=True)
        self.after_plan()
        self.run('converge')
        self.after_converge()
        self.run('recheck', check=True, workdir=self.workdirs['converge'])
        self.after_recheck()
        self.run('change')
        self.after_change()
        self.run('prune', prune=True)
        self.run('noop', prune=True)

    def teardown(self):
        errors = []
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - clean up as much as possible
                errors.append(repr(exc))
        for platform, ks in self.ks.items():
            for proj in ks.projects():
                self.conn.identity.patch('/projects/%s' % proj.id, json={'project': {'options': {'immutable': False}}})
                for tag in proj.tags:
                    if tag.startswith('lz-ws='):
                        for grp in ks.managed_groups(tag[len('lz-ws='):]):
                            self.conn.identity.delete_group(grp['id'], ignore_missing=True)
                self.conn.identity.update_project(proj, is_enabled=False)
                self.conn.identity.delete_project(proj, ignore_missing=True)
        for key in ('p', 'dd', 'de'):
            dom = self.domain('lz-%s' % self.ws[key])
            if dom:
                for proj in self.conn.identity.projects(domain_id=dom['id']):
                    self.conn.identity.delete_project(proj.id)
                for grp in self.conn.identity.groups(domain_id=dom['id']):
                    self.conn.identity.delete_group(grp)
                self.conn.identity.update_domain(dom['id'], is_enabled=False)
                self.conn.identity.delete_domain(dom['id'])
        return errors


@pytest.fixture(scope='module')
def lc(replicator):
    users = Users(replicator)
    scenario = Scenario(replicator, users.make)
    try:
        scenario.play()
        yield scenario
    finally:
        errors = scenario.teardown()
        users.delete_all()
        assert not errors, errors


# ------------------------------------------------------------------ every stage

@pytest.mark.parametrize('stage', STAGES)
def test_every_stage_succeeds_on_every_platform(lc, stage):
    run = lc.runs[stage]
    assert run.rc == 0, run.stdout[-3000:]
    for platform in (lc.main, lc.gone, lc.single):
        assert lc.host(stage, platform).stats(platform)['failures'] == 0


def test_the_report_lands_under_the_working_directory_not_pwd(lc):
    path = os.path.join(lc.workdirs['converge'], 'reports', 'replication', '%s.json' % lc.main)
    assert lc.host('converge', lc.main)[REPORT_TASK]['path'] == path and os.path.exists(path)


def test_the_second_run_changes_nothing(lc):
    for platform in (lc.main, lc.gone, lc.single):
        assert lc.runs['noop'].stats(platform)['changed'] == 0, lc.runs['noop'].stdout[-3000:]


def test_a_noop_costs_no_write(lc):
    run = lc.host('noop', lc.main)
    for step in ('Replicate tenants', 'Replicate access'):
        methods = run[step]['requests']['by_method']
        assert set(methods) <= {'GET', 'POST'} and methods.get('POST', 0) <= 1, (step, methods)   # POST: the token


# ------------------------------------------------------------------ single: plan, bindings, changes

def test_check_and_diff_show_the_whole_plan_and_write_nothing(lc):
    run = lc.host('plan', lc.single)
    ws = lc.ws['w']
    assert run['Replicate tenants']['changed'] is True
    assert 'create project %s-web' % ws in run['Replicate tenants']['planned']
    assert 'create group %s-web-admin' % ws in run['Replicate access']['planned']
    assert lc.facts['after_plan'] == dict(projects=[], single_admin_group=None)


def test_converge_creates_the_project_groups_roles_and_members(lc):
    ks, ws = lc.ks[lc.single], lc.ws['w']
    proj = ks.project(ws, 'web')
    assert proj.id == lc.facts['single_ids'][0] and proj.is_enabled   # ids are stable: nothing was recreated
    assert proj.name == '%s-web' % ws
    assert set(['lz-managed', 'lz-ws=%s' % ws, 'lz-proj=web', 'lz-platform=%s' % lc.single,
                'cost-centre=42']) <= set(proj.tags)
    admin, user, reader = (ks.group_named('%s-web-%s' % (ws, role)) for role in ('admin', 'user', 'reader'))
    assert admin.id == lc.facts['single_ids'][1]
    assert ks.group_roles(admin, proj) == ['manager', 'member']
    assert ks.group_roles(user, proj) == ['member']
    assert ks.group_roles(reader, proj) == ['reader']
    row = lc.row('converge', lc.single, 'w', 'web')
    assert row['status'] == 'changed'
    assert [r['code'] for r in row['remarks']] == ['user_not_found']
    assert lc.user['carol'] in row['remarks'][0]['message']


def test_a_noop_with_a_missing_user_reads_little(lc):
    run = lc.host('recheck', lc.single)
    for step in ('Replicate tenants', 'Replicate access', 'Replicate quotas'):
        assert run[step]['changed'] is False, (step, run[step])
    assert run['Replicate access']['requests']['total'] <= 8  # +1 for the still-missing user


def test_a_user_appearing_later_is_bound_then_role_and_name_changes_apply(lc):
    ks, ws = lc.ks[lc.single], lc.ws['w']
    # after `change` (carol appeared): carol is a reader; after `prune`: bob admin, alice gone, a new name
    assert lc.facts['after_change']['single_reader'] == [lc.user['carol']]
    admin, user, reader = (ks.group_named('%s-web-%s' % (ws, role)) for role in ('admin', 'user', 'reader'))
    assert ks.members(admin) == [lc.user['bob']]
    assert ks.members(user) == []
    assert ks.members(reader) == [lc.user['carol']]
    assert ks.project(ws, 'web').description == 'Shop front (Workspace %s)' % ws


# ------------------------------------------------------------------ gone: the deletion lifecycle

def test_deletion_keeps_a_project_without_automation_and_deletes_one_with_it(lc):
    ks, ws = lc.ks[lc.gone], lc.ws['d']
    kept = ks.project(ws, 'keep')
    assert kept.id == lc.facts['kept_id'] and kept.is_enabled is False
    assert 'lz-access-revoked' in kept.tags
    assert ks.project(ws, 'auto') is None
    for name in ('keep', 'auto'):
        for role in ('reader', 'user', 'admin'):
            assert ks.group_named('%s-%s-%s' % (ws, name, role)) is None
    remarks = dict((r['tenant'], [m['code'] for m in r['remarks']]) for r in lc.report('change', lc.gone)['tenants'])
    assert remarks['%s/keep' % ws] == ['kept_disabled']


def test_a_finished_lifecycle_costs_no_group_listing(lc):
    run = lc.host('prune', lc.gone)
    assert run.stats(lc.gone)['changed'] == 0, run.stdout[-3000:]
    assert run['Replicate tenants']['requests']['by_method'].get('GET', 0) <= 3


# ------------------------------------------------------------------ main

def test_orphans_are_reported_and_pruned_only_on_request(lc):
    ks, ws = lc.ks[lc.main], lc.ws['o']
    orphans = lc.host('change', lc.main)['Replicate tenants']['orphans']
    assert [o['name'] for o in orphans] == ['%s-two' % ws]
    assert lc.facts['after_change']['orphans_left'] == ['%s-one' % ws, '%s-two' % ws]   # reported, not pruned
    assert [p.name for p in ks.projects(ws)] == ['%s-one' % ws]   # pruned by the prune stage
    assert ks.group_named('%s-two-user' % ws) is None


def test_per_workspace_domain(lc):
    ks, ws = lc.ks[lc.main], lc.ws['p']
    domain = lc.conn.identity.find_domain('lz-%s' % ws)
    assert domain is not None
    assert ks.project(ws, 'api').domain_id == domain.id
    assert ks.group_named('%s-api-admin' % ws, domain_id=domain.id) is not None


def test_check_mode_writes_a_plan_beside_the_last_real_report(lc):
    summary = lc.report('converge', lc.main)['summary']
    art = lc.host('converge', lc.main)[STATS_TASK]['ansible_stats']['data']['replication'][lc.main]
    assert dict((k, art[k]) for k in summary) == summary and art['failure'] is None   # artifacts = report
    planned = lc.report('recheck', lc.main, plan=True)
    assert planned['check_mode'] is True and planned['summary']['check_mode'] is True
    api = lc.row('recheck', lc.main, 'k', 'api', plan=True)
    assert api['changes'] and all(c.split(': ', 1)[1].startswith('planned: ') for c in api['changes'])
    assert lc.host('recheck', lc.main)[REPORT_TASK]['lines'][0].startswith('[plan] %s:' % lc.main)
    assert lc.facts['after_recheck']['k_api'] is None
    # the last real report beside it is byte for byte what the real run wrote
    with open(os.path.join(lc.workdirs['recheck'], 'reports', 'replication', '%s.json' % lc.main)) as fh:
        assert fh.read() == lc.facts['real_report']


def test_users_compare_as_keystone_compares_names(lc):
    ks, ws, jill = lc.ks[lc.main], lc.ws['u'], lc.user['jill']
    assert ks.members(ks.group_named('%s-web-admin' % ws)) == [jill]
    case = lc.remarks('converge', 'u', 'web', 'user_name_case')
    assert case and jill in case[0]['message'] and jill.upper() in case[0]['message']
    assert not lc.remarks('converge', 'u', 'web', 'user_not_found')
    # two spellings (in two domains) that Keystone would both call KIM-...: nobody is bound
    codes = sorted(r['code'] for r in lc.remarks('change', 'u', 'web') if r['code'].startswith('user_'))
    assert codes == ['user_ambiguous', 'user_name_case']
    assert ks.members(ks.group_named('%s-web-user' % ws)) == []


def test_drift_is_named_when_reverted_and_foreign_tags_are_kept_then_removed(lc):
    ks, ws = lc.ks[lc.main], lc.ws['dr']
    drift = dict((r['drift']['field'], r['drift']) for r in lc.remarks('change', 'dr', 'web', 'drift_reverted'))
    assert drift['description'] == dict(field='description', old='edited by hand', new='WEB (Workspace %s)' % ws)
    assert 'cost-centre=42' in drift['tags']['new'] and 'cost-centre=42' not in drift['tags']['old']
    assert drift['members']['old'] == sorted([lc.user['dr'], lc.user['eve']]) and drift['members']['new'] == [lc.user['dr']]
    foreign = lc.remarks('change', 'dr', 'web', 'foreign_assignment')
    other = lc.facts['other']
    assert foreign and foreign[0]['project'] == '%s (%s)' % (other.name, other.id)
    assert ks.members(ks.group_named('%s-web-admin' % ws)) == [lc.user['dr']]
    # foreign_tags: keep (the change stage) kept backup=daily; remove (the prune stage) took it away, and said so
    assert [r['drift']['field'] for r in lc.remarks('prune', 'dr', 'web', 'drift_reverted')] == ['tags']
    kept = lc.facts['after_change']['drift_tags']
    assert 'backup=daily' in kept and 'cost-centre=42' in kept
    tags = ks.project(ws, 'web').tags
    assert 'backup=daily' not in tags and 'cost-centre=42' in tags


def test_a_project_holding_resources_is_kept_until_it_is_empty(lc):
    ks, ws, held = lc.ks[lc.main], lc.ws['s'], lc.facts['held']
    # check mode shows the deletion held, and writes nothing
    assert 'delete project %s-web' % ws not in lc.host('recheck', lc.main)['Replicate tenants']['planned']
    assert lc.facts['after_recheck']['held_enabled'] is True
    remark = lc.remarks('change', 's', 'web', 'resources_remaining')[0]
    assert remark['counts']['volumes'] == 1 and remark['counts']['floating_ips'] == 1
    assert held['vol'].id in remark['message'] and held['fip'].floating_ip_address in remark['message']
    assert lc.facts['after_change']['held'] == (True, False, [])   # kept, disabled, access revoked
    # metering still bills what a disabled project holds
    metered = lc.facts['metered']
    seen = dict((o['resource_id'], o['project_id']) for o in metered['observations'])
    assert seen.get(held['vol'].id) == held['project_id'] and seen.get(held['fip'].id) == held['project_id']
    record = [p for p in metered['projects'] if p['project_id'] == held['project_id']][0]
    assert record['workspace'] == ws and record['enabled'] is False
    # emptied: the next run deleted it
    assert ks.project(ws, 'web') is None and ks.managed_groups(ws) == []
    assert 'tenants: delete project %s-web' % ws in lc.row('prune', lc.main, 's', 'web')['changes']


def test_protected_projects_refuse_hand_changes_and_follow_the_inventory(lc):
    ks, ws, pid = lc.ks[lc.main], lc.ws['pr'], lc.facts['protected_id']
    assert lc.facts['protected_options'] == {'immutable': True}
    assert lc.facts['protected_refused'] == [True, True]     # hand deletion and renaming
    assert lc.facts['protected_name'] == '%s-web' % ws
    # the inventory still changes it
    after = lc.facts['after_change']['protected']
    assert after['description'].startswith('Web shop') and after['options'] == {'immutable': True}
    assert lc.conn.identity.get('/projects/%s' % pid).json()['project']['options'] == {'immutable': True}
    # lifting the option by hand is drift, set back
    drift = [r['drift'] for r in lc.remarks('prune', 'pr', 'web', 'drift_reverted')]
    assert drift == [dict(field='protected', old=False, new=True)]
    # deletion lifts it
    assert ks.project(ws, 'gone') is None


def test_a_workspace_domain_goes_with_its_last_project_never_with_foreign_ones(lc):
    ws, other = lc.ws['dd'], lc.ws['de']
    assert lc.domain('lz-%s' % ws) is None
    changes = sum((r['changes'] for r in lc.report('change', lc.main)['tenants']), [])
    assert 'tenants: delete domain lz-%s' % ws in changes
    kept = lc.domain('lz-%s' % other)
    assert kept is not None, 'a domain holding a foreign project must never be deleted'
    assert kept.get('lz_workspace') == other
    assert lc.ks[lc.main].projects(other) == []


def test_purge_removes_what_a_deleted_project_holds_then_the_project(lc):
    ks, ws, purge = lc.ks[lc.main], lc.ws['pg'], lc.facts['purge']
    made = purge['made']
    # check mode: what would be purged, from the pre-deletion check; nothing written
    planned = lc.host('recheck', lc.main)['Replicate tenants']['planned']
    assert [p for p in planned if p.startswith('purge project %s-web (' % ws)], planned
    assert 'delete project %s-web' % ws in planned
    would = [r for r in lc.row('recheck', lc.main, 'pg', 'web', plan=True)['remarks'] if r['code'] == 'purge_planned'][0]
    for kind in ('servers', 'volumes', 'floating_ips', 'networks', 'routers'):
        assert would['counts'].get(kind, 0) >= 1, would
    assert made['volume'][2] in would['message']
    after = lc.facts['after_recheck']
    assert sorted(after['purge_resources']) == sorted(made)
    assert after['purge_project'] == (True, {'immutable': True}) and after['purge_grants'] == []
    # the real run
    done = lc.row('change', lc.main, 'pg', 'web')
    assert ks.project(ws, 'web') is None, done
    assert sorted(name for name, spec in made.items() if not exists(lc.conn, *spec)) == sorted(made), done
    purged = [r for r in done['remarks'] if r['code'] == 'purged'][0]
    assert purged['severity'] == 'info'
    for kind in ('servers', 'volumes', 'floating_ips', 'networks', 'routers'):
        assert purged['dry_run'].get(kind, 0) >= 1 and purged['purged'].get(kind, 0) >= 1, purged
    assert 'granted member on project %s-web to the replicator' % ws in purged['temporary']
    assert [c for c in done['changes'] if c.startswith('tenants: purge project %s-web' % ws)], done['changes']
    assert 'tenants: delete project %s-web' % ws in done['changes']
    # the cost of the purge, stated in docs/replication.md
    requests = lc.host('change', lc.main)['Replicate tenants']['requests']
    print('change stage (a purge among other work), tenants step: %d requests %r'
          % (requests['total'], requests['by_method']))
