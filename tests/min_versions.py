# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lowest supported versions: Python 3.10 + ansible-core 2.16, a cheap but real check.

    python tests/min_versions.py    # exit 1 on any failure; needs the local cloud up

The whole suite runs on the collection's venv (Python 3.11, the newest ansible-core that installs
under requirements-dev.txt: 2.19). This is the other end of the supported range: a venv of its
own, ``.venv-py310/`` (made once, a stamp records the pins and requirements.txt), from Python 3.10
(``LZ_PY310``, ``~/.pyenv/versions/3.10*``, or ``python3.10`` on the PATH) with the newest
ansible-core 2.16.x and requirements.txt as pip resolves it on 3.10 (openstacksdk 4.13.x is the
last release for 3.10). Then, with that venv's tools:

1. ``ansible-doc`` of every module and role of the collection (one call, JSON; each must be there);
2. ``ansible-playbook --syntax-check`` of every playbook of playbooks/ with examples/inventory;
3. one real run of ``landingzone.openstack.replicate`` then ``landingzone.openstack.meter`` (the
   FQCN playbooks, imported by one playbook) on a platform of its own on the local cloud: one
   workspace with one project; replication must have created it (seen through the admin
   account), the meter role must have recorded an ``ok`` collection into a SQLite ledger. What it
   created is deleted afterwards.
"""

import glob
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

import yaml

import pyenv_python  # tests/: the directory of this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, '.venv-py310')
VBIN = os.path.join(VENV, 'bin')
PINS = ['ansible-core>=2.16,<2.17']
COLLECTIONS = os.path.join(ROOT, 'build', 'collections')
CALLBACKS = os.path.join(ROOT, 'tests', 'integration', 'callback_plugins')


class Failed(Exception):
    pass


def python310():
    path = pyenv_python.find('3.10', 'LZ_PY310')
    if not path:
        raise Failed('no Python 3.10 found (set LZ_PY310)')
    return path


def stamp():
    with open(os.path.join(ROOT, 'requirements.txt'), 'rb') as handle:
        digest = hashlib.sha256(handle.read() + '\n'.join(PINS).encode()).hexdigest()[:12]
    return os.path.join(VENV, '.stamp-' + digest)


def ensure_venv():
    if os.path.exists(stamp()):
        return
    if not os.path.exists(os.path.join(VBIN, 'python')):
        subprocess.check_call([python310(), '-m', 'venv', VENV])
    subprocess.check_call([os.path.join(VBIN, 'pip'), 'install', '-q', '--disable-pip-version-check']
                          + PINS + ['-r', os.path.join(ROOT, 'requirements.txt')])
    for old in glob.glob(os.path.join(VENV, '.stamp-*')):
        os.remove(old)
    with open(stamp(), 'w'):
        pass


def tool_env(**extra):
    env = dict(os.environ)
    for key in ('VIRTUAL_ENV', 'PYTHONPATH', 'ANSIBLE_CONFIG'):
        env.pop(key, None)
    env.update(PATH=VBIN + os.pathsep + env.get('PATH', ''), ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
               ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='false', LZ_LEDGER_DSN='')
    env.update(extra)
    return env


def step(name, cmd, **kwargs):
    t0 = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False, **kwargs)
    print('--- %s: rc %d in %.1f s' % (name, proc.returncode, time.monotonic() - t0), flush=True)
    if proc.returncode != 0:
        print(proc.stdout[-6000:])
        raise Failed('%s failed (rc %d)' % (name, proc.returncode))
    return proc.stdout


def versions(env):
    out = step('versions', [os.path.join(VBIN, 'python'), '-c',
                            'import sys, ansible.release, openstack.version; '
                            'print(sys.version.split()[0], ansible.release.__version__, '
                            'openstack.version.__version__)'], env=env)
    python, core, sdk = out.split()
    print('Python %s, ansible-core %s, openstacksdk %s' % (python, core, sdk))
    if not python.startswith('3.10.') or not core.startswith('2.16.'):
        raise Failed('expected Python 3.10 and ansible-core 2.16, got %s %s' % (python, core))


def ansible_doc(env):
    modules = sorted('landingzone.openstack.' + os.path.basename(p)[:-3]
                     for p in glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.py')))
    roles = sorted('landingzone.openstack.' + os.path.basename(p) for p in glob.glob(os.path.join(ROOT, 'roles', '*')))
    docs = json.loads(step('ansible-doc %d modules' % len(modules),
                           [os.path.join(VBIN, 'ansible-doc'), '-j'] + modules, env=env))
    missing = [m for m in modules if not (docs.get(m) or {}).get('doc')]
    docs = json.loads(step('ansible-doc %d roles' % len(roles),
                           [os.path.join(VBIN, 'ansible-doc'), '-t', 'role', '-j'] + roles, env=env))
    missing += [r for r in roles if not (docs.get(r) or {}).get('entry_points', {}).get('main')]
    if missing:
        raise Failed('ansible-doc gave no documentation for %s' % ', '.join(missing))


def syntax_check(env):
    playbooks = sorted(glob.glob(os.path.join(ROOT, 'playbooks', '*.yml')))
    step('syntax-check %d playbooks' % len(playbooks),
         [os.path.join(VBIN, 'ansible-playbook'), '--syntax-check', '-i',
          os.path.join(ROOT, 'examples', 'inventory')] + playbooks, env=env)


def replicate_and_meter(env, workdir):
    uid = uuid.uuid4().hex[:8]
    platform, workspace = 'py310%s' % uid, 'v%s' % uid
    ledger = os.path.join(workdir, 'ledger.sqlite')
    inventory = {'all': {
        'vars': {'landing_zones': {'default': {'domain_mode': 'default', 'delete_projects': True}},
                 'workspaces': [{'identifier': workspace, 'name': 'min versions %s' % uid,
                                 'projects': [{'identifier': 'app', 'name': 'App'}]}],
                 'lz_report_dir': os.path.join(workdir, 'reports'), 'lz_ledger_path': ledger},
        'children': {'platforms': {'hosts': {platform: {
            'ansible_connection': 'local', 'ansible_python_interpreter': os.path.join(VBIN, 'python'),
            'lz_cloud': 'replicator', 'lz_metering_cloud': 'metering'}}}}}}
    with open(os.path.join(workdir, 'inventory.yml'), 'w') as handle:
        yaml.safe_dump(inventory, handle)
    with open(os.path.join(workdir, 'play.yml'), 'w') as handle:
        yaml.safe_dump([{'import_playbook': 'landingzone.openstack.replicate'},
                        {'import_playbook': 'landingzone.openstack.meter'}], handle)
    results = os.path.join(workdir, 'results.json')
    import openstack
    admin = openstack.connect(cloud='replicator')
    try:
        step('replicate + meter on %s' % platform,
             [os.path.join(VBIN, 'ansible-playbook'), '-i', 'inventory.yml', 'play.yml'], cwd=workdir,
             env=tool_env(ANSIBLE_CALLBACK_PLUGINS=CALLBACKS, ANSIBLE_CALLBACKS_ENABLED='lz_results',
                          LZ_RESULTS_FILE=results))
        with open(results) as handle:
            data = json.load(handle)
        stats = data['stats'].get(platform, {})
        if stats.get('failures') or stats.get('unreachable') or not stats.get('ok'):
            raise Failed('recap of %s: %s' % (platform, stats))
        tasks = dict((t['task'].split(' : ', 1)[-1], t['result']) for t in data['tasks'] if t['host'] == platform)
        collected = tasks.get('Collect usage samples into the ledger') or {}
        if collected.get('status') != 'ok' or not os.path.isfile(ledger):
            raise Failed('meter did not record an ok collection: %s' % collected.get('status'))
        with open(os.path.join(workdir, 'reports', '%s.json' % platform)) as handle:
            summary = json.load(handle)['summary']
        if summary.get('failed') or not summary.get('changed'):
            raise Failed('replication report of %s: %s' % (platform, summary))
        made = ours(admin, platform)
        if len(made) != 1:
            raise Failed('expected 1 project of %s on the cloud, found %d' % (platform, len(made)))
        print('replicated %s (%s), metered run %s: %s'
              % (made[0].name, summary, collected.get('run_id'), collected.get('counts')))
    finally:
        cleanup(admin, platform, workspace)


def ours(admin, platform):
    tag = 'lz-platform=%s' % platform
    return [p for p in admin.identity.projects() if tag in (p.tags or [])]


def cleanup(admin, platform, workspace):
    for group in admin.identity.get('/groups').json()['groups']:
        if (group.get('lz_tenant') or '').startswith(workspace + '/'):
            admin.identity.delete_group(group['id'], ignore_missing=True)
    for project in ours(admin, platform):
        admin.identity.update_project(project, is_enabled=False)
        admin.identity.delete_project(project, ignore_missing=True)


def main():
    t0 = time.monotonic()
    try:
        ensure_venv()
        print('--- venv %s ready in %.1f s' % (VENV, time.monotonic() - t0), flush=True)
        link = os.path.join(COLLECTIONS, 'ansible_collections', 'landingzone', 'openstack')
        if not os.path.lexists(link):
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(ROOT, link)
        env = tool_env()
        versions(env)
        ansible_doc(env)
        syntax_check(env)
        with tempfile.TemporaryDirectory(prefix='lz-min-versions-') as workdir:
            replicate_and_meter(env, workdir)
    except (Failed, subprocess.CalledProcessError) as exc:
        print('min-versions: FAILED: %s' % exc)
        return 1
    print('min-versions: Python 3.10 + ansible-core 2.16 ok in %.0f s' % (time.monotonic() - t0))
    return 0


if __name__ == '__main__':
    sys.exit(main())
