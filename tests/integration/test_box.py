# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From the box: the collection as a user gets it (issue 23, point 3).

The tarball `make build` makes is installed with ``ansible-galaxy collection install -p`` into a
throw-away collections path (never the checkout's build/collections link), and every command runs
from a scratch directory with a user's environment: the venv's tools on PATH, a HOME of its own, the
local cloud's clouds.yaml (OS_CLIENT_CONFIG_FILE) and nothing else of the test run. Configuration is
only what the docs tell a user to write; what a test reads (examples, wrapper playbooks, credential
types, docs) comes from the installed collection or the tarball.

Scenarios, each converged once in a module-scoped fixture, asserted on by several tests:

* README "Use it on your cloud", step by step: replicate --check --diff, replicate, meter, chargeback preview;
* the ledger path on the platform host, where the README puts it, relative to the working directory,
  and two platform hosts with different ledgers: chargeback fails naming both (issue 25, point 2);
* the onboarding repository examples/repository, validated from its root and from another
  directory (issue 24, point 1: it fails naming ansible.cfg, and replicate with prune writes nothing);
* no platform host (no -i): validate fails (issue 24, point 2);
* the shipped Markdown names no file the tarball lacks, and README, docs, role READMEs and examples
  name no tests/ or bench/ path (issue 25, point 1). No cloud.

10 ansible-playbook runs in all (one: the audit export of the README walk-through,
docs/audit.md); test_awx.py runs the AWX jobs from the same box. The packaging does
not depend on the OpenStack release: not `release_matrix`. The `test_box_*` tests need no cloud and
no credentials, only the build (~2 s) and four short runs that stop before any request: `pytest
tests/integration/test_box.py -k test_box_` runs them alone.
"""

import dataclasses
import glob
import json
import os
import re
import shutil
import sqlite3
import uuid

import pytest
import yaml

from helpers import box as boxlib

DEFAULT_LEDGER = ('.local', 'share', 'landingzone', 'ledger.sqlite')    # README step 2, under HOME
DEFAULT_CHARGEBACK = ('.local', 'share', 'landingzone', 'chargeback')


def unique():
    return uuid.uuid4().hex[:8]


def projects_of(conn, platform):
    return sorted(conn.identity.projects(tags='lz-platform=%s' % platform), key=lambda p: p.name)


# -- no cloud: what the tarball holds and what its docs point at ----------------------------------

def test_box_is_the_tarball_installed_apart_from_the_checkout(box):
    tops = set(m.split('/')[0] for m in box.members)
    assert {'README.md', 'COPYING', 'MANIFEST.json', 'FILES.json', 'requirements.txt', 'docs', 'examples',
            'extensions', 'playbooks', 'plugins', 'roles', 'schemas', 'meta'} <= tops, sorted(tops)
    assert not tops & {'tests', 'bench', 'build', 'Makefile', '.ci', '.git', '.venv'}, sorted(tops)
    for path in ('playbooks/replicate.yml', 'playbooks/meter.yml', 'playbooks/chargeback.yml', 'playbooks/validate.yml',
                 'examples/inventory/hosts.yml', 'examples/repository/ansible.cfg',
                 'extensions/awx/project/replicate.yml', 'extensions/awx/credential_types/landingzone_clouds.yml'):
        assert path in box.members, path
        assert os.path.isfile(os.path.join(box.installed, path)), path
    with open(os.path.join(box.installed, 'MANIFEST.json')) as fh:
        manifest = json.load(fh)['collection_info']
    with open(os.path.join(boxlib.CHECKOUT, 'galaxy.yml')) as fh:
        galaxy = yaml.safe_load(fh)
    assert (manifest['namespace'], manifest['name'], manifest['version']) == (galaxy['namespace'], galaxy['name'], galaxy['version'])
    assert os.path.basename(box.tarball) == '%s-%s-%s.tar.gz' % (galaxy['namespace'], galaxy['name'], galaxy['version'])


def test_box_shipped_docs_name_the_shipped_files_they_point_at(box):
    """Every reference of a shipped Markdown file outside the developer's tests/ and bench/ resolves in
    the tarball (and the extraction finds the references the docs are full of)."""
    references = [ref for name in box.members if name.endswith('.md')
                  for ref in boxlib.doc_references(name, box.shipped(name))]
    assert len(references) > 100 and any(ref[1].startswith('examples/repository') for ref in references)
    missing = [m for m in boxlib.missing_references(box) if not re.search(r': (\.\./)*(tests|bench)/', m)]
    assert missing == []


def test_box_shipped_docs_point_at_no_file_the_tarball_lacks(box):
    missing = boxlib.missing_references(box)
    assert missing == [], '%d references to files the tarball lacks:\n%s' % (len(missing), '\n'.join(missing))


def test_box_shipped_docs_and_examples_name_no_tests_or_bench_path(box):
    """Issue 25's acceptance, as a user would grep the installed collection: README.md, docs/,
    the roles' READMEs and examples/ name no path under tests/ or bench/ (neither is shipped)."""
    found = []
    for member in box.members:
        if not (member == 'README.md' or member.startswith(('docs/', 'examples/'))
                or re.match(r'^roles/[^/]+/README\.md$', member)):
            continue
        path = os.path.join(box.installed, member)
        if not os.path.isfile(path):
            continue
        with open(path, errors='replace') as handle:
            for number, line in enumerate(handle, 1):
                if re.search(r'(?<![\w.-])(tests|bench)/', line):
                    found.append('%s:%d: %s' % (member, number, line.strip()))
    assert found == [], '\n'.join(found)


# -- README "Use it on your cloud", step by step ----------------------------------------------------

@dataclasses.dataclass
class Walk:
    platform: str
    workspaces: dict         # the example's identifier -> ours
    home: str
    work: str
    runs: dict               # step -> boxlib.Run
    projects_after_check: list

    @property
    def ledger(self):
        return os.path.join(self.home, *DEFAULT_LEDGER)


@pytest.fixture(scope='module')
def readme(box, tmp_path_factory, replicator):
    """README "Use it on your cloud" followed literally, with the platform and workspaces renamed
    (the example's `local`, `shop` and `data` are shared by other runs on this cloud)."""
    root = str(tmp_path_factory.mktemp('readme'))
    home, work = os.path.join(root, 'home'), os.path.join(root, 'work')
    os.makedirs(work)
    u = unique()
    platform, workspaces = 'box%s' % u, {'shop': 'bs%s' % u, 'data': 'bd%s' % u}
    # 2. Configure: cp -r <the installed collection>/examples/inventory inventory, then change hosts.yml
    # (one host per platform) and group_vars/all/workspaces.yml (your workspaces)
    inventory = boxlib.copy_tree(os.path.join(box.installed, 'examples', 'inventory'), os.path.join(work, 'inventory'))
    boxlib.edit(os.path.join(inventory, 'hosts.yml'), '\n    local:\n', '\n    %s:\n' % platform)
    ws_file = os.path.join(inventory, 'group_vars', 'all', 'workspaces.yml')
    for example, ours in workspaces.items():
        boxlib.edit(ws_file, 'identifier: %s\n' % example, 'identifier: %s\n' % ours)
    boxlib.edit(ws_file, 'platforms: [local]', 'platforms: [%s]' % platform)
    boxlib.edit(ws_file, '          local: corp', '          %s: corp' % platform)
    # 3. Account setup: the local cloud's replicator and metering accounts are those of the README.
    # 4. Run: the README's commands, in this order
    runs = {}
    try:
        runs['check'] = box.run(['ansible-playbook', 'landingzone.openstack.replicate', '-i', 'inventory/', '--check', '--diff'], work, home)
        after_check = projects_of(replicator, platform)
        runs['replicate'] = box.run(['ansible-playbook', 'landingzone.openstack.replicate', '-i', 'inventory/'], work, home)
        runs['meter'] = box.run(['ansible-playbook', 'landingzone.openstack.meter', '-i', 'inventory/'], work, home)
        runs['chargeback'] = box.run(['ansible-playbook', 'landingzone.openstack.chargeback', '-i', 'inventory/',
                                      '-e', 'chargeback_preview=true'], work, home)
        yield Walk(platform, workspaces, home, work, runs, after_check)
    finally:
        boxlib.forget_workspaces(replicator, workspaces.values())


def test_readme_check_mode_plans_and_writes_nothing(readme):
    run = readme.runs['check']
    assert run.rc == 0, run.tail()
    assert run.recap()[readme.platform]['failed'] == 0
    assert readme.projects_after_check == []
    summary = run.shown('landingzone.openstack.replicate : Show the summary', readme.platform)
    assert summary[0].startswith('[plan] %s: 4 tenants: 3 would change, 1 ok' % readme.platform), summary
    reports = os.path.join(readme.work, 'reports', 'replication')
    with open(os.path.join(reports, '%s.plan.json' % readme.platform)) as fh:
        plan = json.load(fh)
    assert plan['check_mode'] is True and plan['summary']['failed'] == 0
    assert sorted(t['tenant'] for t in plan['tenants'] if t['status'] == 'changed') == sorted(
        ['%s/web' % readme.workspaces['shop'], '%s/staging' % readme.workspaces['shop'], '%s/lake' % readme.workspaces['data']])
    with open(os.path.join(reports, '%s.plan.md' % readme.platform)) as fh:
        markdown = fh.read()
    assert '%s-web' % readme.workspaces['shop'] in markdown
    assert '--- before' in run.stdout or 'create project' in run.stdout  # --diff shows the changes


def test_readme_replicate_creates_the_projects_with_the_platform_tag(readme, replicator):
    run = readme.runs['replicate']
    assert run.rc == 0, run.tail()
    summary = run.shown('landingzone.openstack.replicate : Show the summary', readme.platform)
    assert summary[0].startswith('%s: 4 tenants: 3 changed, 1 ok, 0 with remarks, 0 skipped, 0 failed; 0 orphans' % readme.platform), summary
    # lz_report_dir's default: reports/replication under the directory ansible-playbook runs in
    with open(os.path.join(readme.work, 'reports', 'replication', '%s.json' % readme.platform)) as fh:
        report = json.load(fh)
    assert report['check_mode'] is False and report['failure'] is None
    assert (report['summary']['changed'], report['summary']['ok'], report['summary']['failed']) == (3, 1, 0)
    # the steps' rows files (and a handed listing) were read back by the report and removed, in the check run too
    reports = os.listdir(os.path.join(readme.work, 'reports', 'replication'))
    assert [f for f in reports if '.rows-' in f] == [], reports
    by_tenant = dict((t['tenant'], t) for t in report['tenants'])
    shop, data = readme.workspaces['shop'], readme.workspaces['data']
    projects = dict((p.name, p) for p in projects_of(replicator, readme.platform))
    # the example's landing zones: `default` in the Default domain, `corp` a domain per workspace
    assert sorted(projects) == sorted(['%s-web' % shop, '%s-staging' % shop, '%s-lake' % data])
    for name, tenant in (('%s-web' % shop, '%s/web' % shop), ('%s-staging' % shop, '%s/staging' % shop),
                         ('%s-lake' % data, '%s/lake' % data)):
        project = projects[name]
        assert by_tenant[tenant]['project_id'] == project.id
        ws, proj = tenant.split('/')
        assert {'lz-managed', 'lz-platform=%s' % readme.platform, 'lz-ws=%s' % ws, 'lz-proj=%s' % proj} <= set(project.tags)
        assert project.is_enabled
    assert projects['%s-web' % shop].domain_id == 'default'
    assert replicator.identity.get_domain(projects['%s-lake' % data].domain_id).name == 'lz-%s' % data
    assert {'corp', 'lz-zone=corp'} <= set(projects['%s-lake' % data].tags)
    # the project's quota (16 cores) over its landing zone's size (small: 8)
    assert replicator.get_compute_quotas(projects['%s-web' % shop].id).cores == 16
    assert replicator.get_compute_quotas(projects['%s-staging' % shop].id).cores == 8
    # the deleted project was never created
    assert by_tenant['%s/legacy' % shop]['project_id'] is None


def test_readme_runs_share_one_entry_point_cache_file(readme):
    """keystoneauth's plugin lookup (stevedore) caches entry points per sys.path under ~/.cache/python-entrypoints;
    a module's sys.path holds its AnsiballZ payload, new each run, so every module run used to scan every installed
    distribution and leave a file of about 110 KB there, never read again: a scheduled job filled the home it ran
    in. Without the payload on sys.path while a connection finds its plugins, the runs of one interpreter share one
    file: none would mean every run scans again, more than one a file per run."""
    assert all(readme.runs[step].rc == 0 for step in ('check', 'replicate', 'meter', 'chargeback'))
    cache = os.path.join(readme.home, '.cache', 'python-entrypoints')
    files = os.listdir(cache) if os.path.isdir(cache) else []
    assert len(files) == 1, files[:5]


def test_readme_meter_appends_to_the_default_ledger(readme, replicator):
    run = readme.runs['meter']
    assert run.rc == 0, run.tail()
    summary = run.shown('landingzone.openstack.meter : Show the summary', readme.platform)
    assert summary[0].startswith('%s: ok, run ' % readme.platform), summary
    run_id = summary[0].split(' run ')[1].split()[0]
    assert os.path.isfile(readme.ledger), 'the README default ledger path %s' % readme.ledger
    db = sqlite3.connect(readme.ledger)
    try:
        db.row_factory = sqlite3.Row
        runs = [dict(r) for r in db.execute('SELECT * FROM collection_runs')]
        projects = dict((r['project_id'], dict(r)) for r in db.execute('SELECT * FROM projects WHERE platform = ?', (readme.platform,)))
    finally:
        db.close()
    assert [(r['id'], r['platform'], r['status']) for r in runs] == [(run_id, readme.platform, 'ok')]
    ours = projects_of(replicator, readme.platform)
    assert len(ours) == 3
    for project in ours:
        row = projects[project.id]
        assert row['managed'] == 1 and row['workspace'] in readme.workspaces.values(), row
    assert len(projects) > len(ours)  # every project of the cloud, not only the reader's own


def test_readme_chargeback_preview_writes_the_reports(readme):
    run = readme.runs['chargeback']
    assert run.rc == 0, run.tail()
    summary = run.shown('landingzone.openstack.chargeback : Show the summary', 'localhost')
    label = summary[0].split(':')[0]
    assert re.match(r'^\d{4}-\d{2}-preview$', label), summary
    # lz_chargeback_dir's default, under the user's HOME
    output = os.path.join(readme.home, *DEFAULT_CHARGEBACK, label)
    assert 'reports: %s' % output in summary
    assert sorted(os.listdir(output)) == ['focus.csv', 'line_items.csv', 'line_items.json', 'report.html']
    with open(os.path.join(output, 'line_items.json')) as fh:
        doc = json.load(fh)
    assert doc['status'] == 'preview' and doc['period']['preview'] is True and doc['period']['closed'] is False
    assert readme.platform in doc['totals']['by_platform']
    # one collection so far: the example's project_monthly_fee runs from a project's first collection to its last,
    # so nothing is billed before the ledger saw the projects, and the preview says its data starts late (issue 26)
    fees = [i for i in doc['items'] if i['meter'] == 'project_monthly_fee' and i['workspace'] in readme.workspaces.values()]
    assert fees == [], fees
    assert any(n.startswith('%s: the first complete collection of the period is ' % readme.platform) for n in doc['notes'])
    assert doc['collections'][readme.platform]['complete'] == 1
    assert summary[0] == '%s: preview, %s %s (%d line items, 0 corrections)' % (
        label, doc['totals']['cost'], doc['totals']['currency'], doc['totals']['items'])


def test_readme_replicate_keeps_its_writes_in_the_default_ledger(readme, box, replicator):
    """docs/audit.md from the box: replicate configured as the README says records every write in the default
    ledger (the one meter wrote into afterwards), its check run none; the export playbook writes them out."""
    db = sqlite3.connect(readme.ledger)
    try:
        db.row_factory = sqlite3.Row
        rows = [dict(r) for r in db.execute('SELECT * FROM audit_log WHERE platform = ? ORDER BY at, run_id, seq',
                                            (readme.platform,))]
    finally:
        db.close()
    # one run per step (the check run before them recorded nothing), each with its writes
    assert sorted(set(r['module'] for r in rows)) == ['keystone_group_binding', 'keystone_tenant', 'openstack_quota']
    assert len(set(r['run_id'] for r in rows)) == 3
    assert sorted(r['resource_id'] for r in rows if r['operation'] == 'create_project') \
        == sorted(p.id for p in projects_of(replicator, readme.platform))
    assert all(r['outcome'] == 'ok' and r['inventory_revision'] is None for r in rows)
    run = box.run(['ansible-playbook', 'landingzone.openstack.audit_export', '-i', 'inventory/',
                   '-e', 'audit_platform=%s' % readme.platform], readme.work, readme.home)
    assert run.rc == 0, run.tail()
    with open(os.path.join(readme.work, 'reports', 'audit', 'audit-%s.jsonl' % readme.platform)) as fh:
        exported = [json.loads(line) for line in fh]
    assert [(e['run_id'], e['seq']) for e in exported] == [(r['run_id'], r['seq']) for r in rows]


# -- the ledger where the README puts it: on the platform host -----------------------------------

@pytest.fixture(scope='module')
def ledger_on_platform_host(box, readme, tmp_path_factory):
    """README step 2: `lz_ledger_path` per host in hosts.yml (the example's commented line), here a path
    relative to the directory ansible-playbook runs in. The ledger there is the one the walk-through's
    meter wrote; the user's HOME has none at the default path. Then a second platform host that meters
    into another ledger: chargeback, which rates one ledger, refuses to guess."""
    root = str(tmp_path_factory.mktemp('ledger'))
    home, work = os.path.join(root, 'home'), os.path.join(root, 'work')
    ledger = os.path.join(work, 'var', 'ledger.sqlite')
    os.makedirs(os.path.dirname(ledger))
    shutil.copy(readme.ledger, ledger)
    inventory = shutil.copytree(os.path.join(readme.work, 'inventory'), os.path.join(work, 'inventory'))
    hosts = os.path.join(inventory, 'hosts.yml')
    boxlib.edit(hosts, '# lz_ledger_path: /var/lib/landingzone/ledger.sqlite', 'lz_ledger_path: var/ledger.sqlite')
    chargeback = ['ansible-playbook', 'landingzone.openstack.chargeback', '-i', 'inventory/', '-e', 'chargeback_preview=true']
    run = box.run(chargeback, work, home)
    with open(hosts) as fh:
        text = fh.read()
    with open(hosts, 'w') as fh:
        fh.write(text + '    other:\n      ansible_connection: local\n      lz_ledger_path: other/ledger.sqlite\n')
    disagree = box.run(chargeback, work, home)
    return run, disagree, home, work


def test_chargeback_reads_the_ledger_set_on_the_platform_host(readme, ledger_on_platform_host):
    run, dummy, home, work = ledger_on_platform_host
    assert not os.path.exists(os.path.join(home, *DEFAULT_LEDGER))
    assert run.rc == 0, run.tail()
    summary = run.shown('landingzone.openstack.chargeback : Show the summary', 'localhost')
    label = summary[0].split(':')[0]
    with open(os.path.join(home, *DEFAULT_CHARGEBACK, label, 'line_items.json')) as fh:
        doc = json.load(fh)
    assert readme.platform in doc['totals']['by_platform']
    # the walk-through's collection, read from that ledger (after one collection no project fee runs yet:
    # a fee runs from a project's first collection to its last, docs/chargeback.md)
    assert doc['collections'][readme.platform]['first_complete'] is not None, doc['collections']


def test_chargeback_fails_when_the_platform_hosts_name_different_ledgers(readme, ledger_on_platform_host):
    dummy, run, home, work = ledger_on_platform_host
    assert run.rc != 0, run.tail()
    assert ('the platform hosts meter into 2 different ledgers (%s of %s; %s of other)'
            % (os.path.join(work, 'var', 'ledger.sqlite'), readme.platform, os.path.join(work, 'other', 'ledger.sqlite'))
            in run.output), run.tail()
    assert 'Show the summary' not in run.output


# -- the onboarding repository (docs/onboarding.md) ------------------------------------------------

@dataclasses.dataclass
class Onboarding:
    tenants: int             # the projects of the repository's workspace files
    from_root: boxlib.Run
    from_parent: boxlib.Run
    prune_from_parent: boxlib.Run   # replicate -e replicate_prune=true from the directory above
    no_inventory: boxlib.Run        # validate without -i


@pytest.fixture(scope='module')
def onboarding(box, tmp_path_factory):
    """examples/repository copied as a team's repository, validated as its CI does (no API call, no
    credentials): from its root, and from the directory above it."""
    root = str(tmp_path_factory.mktemp('onboarding'))
    home = os.path.join(root, 'home')
    repo = boxlib.copy_tree(os.path.join(box.installed, 'examples', 'repository'), os.path.join(root, 'landingzone-inventory'))
    tenants = 0
    for path in glob.glob(os.path.join(repo, 'inventory', 'workspaces', '*.yml')):
        with open(path) as fh:
            tenants += len(yaml.safe_load(fh)['projects'])
    assert tenants > 0
    validate = ['ansible-playbook', '-i', 'inventory/', 'landingzone.openstack.validate']
    from_root = box.run(validate, repo, home, OS_CLIENT_CONFIG_FILE=None)
    from_parent = box.run(['ansible-playbook', '-i', 'landingzone-inventory/inventory/', 'landingzone.openstack.validate'],
                          root, home, OS_CLIENT_CONFIG_FILE=None)
    prune = box.run(['ansible-playbook', '-i', 'landingzone-inventory/inventory/', 'landingzone.openstack.replicate',
                     '-e', 'replicate_prune=true'], root, home, OS_CLIENT_CONFIG_FILE=None)
    no_inventory = box.run(['ansible-playbook', 'landingzone.openstack.validate'], root, home, OS_CLIENT_CONFIG_FILE=None)
    return Onboarding(tenants, from_root, from_parent, prune, no_inventory)


def test_box_onboarding_repository_validates_from_its_root(onboarding):
    run = onboarding.from_root
    assert run.rc == 0, run.tail()
    assert run.shown('Show what the inventory describes', 'local') == 'valid: %d tenants on local, 1 platform(s) checked, 0 requests' % onboarding.tenants
    assert 'not a valid group definition' not in run.output, run.tail()


def test_box_onboarding_repository_from_another_directory_fails_naming_ansible_cfg(onboarding):
    """The repository's ansible.cfg is not read from elsewhere: the inventory has no workspaces, and validate
    says so (the files, the ansible.cfg lines) instead of `valid: 0 tenants`."""
    run = onboarding.from_parent
    assert run.rc != 0, run.tail()
    assert 'were not read' in run.output and 'ansible.cfg' in run.output, run.tail()
    assert 'vars_plugins_enabled = host_group_vars,landingzone.openstack.workspaces' in run.output, run.tail()
    assert 'valid: 0 tenants' not in run.output, run.tail()


def test_box_replicate_with_prune_from_another_directory_writes_nothing(onboarding):
    """Run from elsewhere, the inventory lost its workspaces: prune would delete every managed project. The
    validation stops the run before any request (no clouds.yaml here: a connection could not even start)."""
    run = onboarding.prune_from_parent
    assert run.rc != 0, run.tail()
    assert 'ansible.cfg' in run.output and 'were not read' in run.output, run.tail()
    assert 'replicate : Validate the inventory before any API call' in run.output, run.tail()
    assert 'replicate : Replicate tenants]' not in run.output, run.tail()   # no step after the validation ran


def test_box_no_platform_host_fails_instead_of_doing_nothing(onboarding):
    run = onboarding.no_inventory
    assert run.rc != 0, run.tail()
    assert "no host in the group 'platforms'" in run.output and 'Pass the inventory with -i' in run.output, run.tail()
