# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The project's test sessions (nox), and `make test`: `python noxfile.py` runs them all, one phase table.

    python noxfile.py [PYTEST ARGS]          # make test, .ci/run: every session (main() below)
    nox -l                                   # the sessions
    nox -s unit lint sanity                  # some of them
    nox -s "cloud(2026.2)"                   # one release's leg: cloud up if down, pytest, unified limits, down
    nox -s "cloud(2026.2)" -- tests/localcloud/test_localcloud_releases.py   # a selection (no unified limits)

Sessions without a venv of their own (python=False) run in the collection's venv (.venv, the one
running nox). Tools whose pins conflict with it or need another Python get a nox venv (.nox/,
made by uv when it is installed, reused across runs): sanity (ansible-test of the newest ansible-core
that meta/runtime.yml allows, Python 3.13), galaxy_importer, focus_validator (Python 3.12), lowest
(Python 3.10 + ansible-core 2.16), newest (Python 3.13 + the newest ansible-core that
meta/runtime.yml allows; after the first cloud leg, whose cloud its real run uses). Every session appends its phases (name, rc, seconds)
to build/phases.jsonl; main() prints them as one table and the pytest counts of build/junit-*.xml.
"""

import contextlib
import glob
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import xml.etree.ElementTree as ET

import nox
import nox.command
import yaml

ROOT = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(ROOT, 'build')
PHASES = os.path.join(BUILD, 'phases.jsonl')
PY = sys.executable  # the collection's venv: nox runs in it
LAUNCHER = os.path.join(ROOT, 'tests', 'localcloud', 'localcloud.py')
PYTEST = [PY, '-m', 'pytest', '-q', '-rs', '-p', 'no:cacheprovider', '--durations=15']
# The cloud legs run their tests in LZ_PYTEST_WORKERS pytest-xdist workers (a file stays on one worker: its
# module fixtures converge once); a test marked `exclusive` runs afterwards, alone. Two on two cores: three kept
# the cores busier (idle 8 % instead of 16 % of the first leg's pytest) and took as long (1223 s against 1201-1245 s).
WORKERS = os.environ.get('LZ_PYTEST_WORKERS', '2')
FOCUS_PINS = ['focus-validator==2.2.1', 'numpy<2', 'pyarrow<18']  # FOCUS 1.2; what its pandas/pandera accept
GALAXY_IMPORTER = 'galaxy-importer==0.4.44'

nox.options.default_venv_backend = 'uv|virtualenv'
nox.options.reuse_venv = 'yes'
nox.options.download_python = 'never'
os.environ.setdefault('UV_NATIVE_TLS', '1')  # uv trusts the system's certificates, as pip does here
nox.options.sessions = ['unit', 'lint', 'changelog']
INSTALL_ONLY = '--install-only' in sys.argv  # nox skips session.run: no phase to record
# The clouds the test sessions start hash passwords with bcrypt's 4 rounds, not Keystone's 12: every module run
# authenticates with a password, and at 12 rounds Keystone's hashing was about an eighth of the suite's CPU
# (tests/localcloud/README.md). Passwords set in an instance made before keep their rounds.
os.environ.setdefault('LOCALCLOUD_PASSWORD_HASH_ROUNDS', '4')


def _localcloud():
    spec = importlib.util.spec_from_file_location('localcloud', LAUNCHER)
    module = sys.modules['localcloud'] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_LC = _localcloud()
RELEASES = [_LC.DEFAULT_RELEASE] + sorted(r for r in _LC.RELEASES if r != _LC.DEFAULT_RELEASE)


def pyenv(version):
    """pyenv's python<version> (installed, not necessarily selected), else the name for the PATH."""
    found = sorted(glob.glob(os.path.expanduser('~/.pyenv/versions/%s.*/bin/python%s' % (version, version))))
    return found[-1] if found else 'python' + version


def ansible_core_range():
    """meta/runtime.yml's requires_ansible as a pip requirement: the range the collection supports."""
    with open(os.path.join(ROOT, 'meta', 'runtime.yml')) as handle:
        return 'ansible-core' + yaml.safe_load(handle)['requires_ansible'].replace(' ', '')


def newest_core():
    """The last ansible-core minor release below requires_ansible's upper bound (<2.22.0: '2.21')."""
    major, minor = re.search(r'<\s*(\d+)\.(\d+)', ansible_core_range()).groups()
    return '%s.%d' % (major, int(minor) - 1)


def record(name, rc, seconds):
    if INSTALL_ONLY:
        return
    os.makedirs(BUILD, exist_ok=True)
    with open(PHASES, 'a') as handle:
        handle.write(json.dumps({'phase': name, 'rc': rc, 'seconds': round(seconds, 1)}) + '\n')
    print('=== phase %s: %s in %.0f s' % (name, 'ok' if rc == 0 else 'FAILED', seconds), flush=True)


@contextlib.contextmanager
def phase(name):
    """Time the block as one phase of the table; a failure (nox's CommandFailed) fails the phase."""
    t0, rc = time.monotonic(), 1
    try:
        yield
        rc = 0
    finally:
        record(name, rc, time.monotonic() - t0)


def link_collection():
    link = os.path.join(BUILD, 'collections', 'ansible_collections', 'landingzone', 'openstack')
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    os.environ['ANSIBLE_COLLECTIONS_PATH'] = os.path.join(BUILD, 'collections')


def launcher(release, *command):
    return [PY, LAUNCHER, '--release', release] + list(command)


def cloud_up(release):
    """The first release's cloud runs three regions too, so that test_regions.py's three-region test runs in CI."""
    return launcher(release, 'up', *(('--with', 'regions') if release == RELEASES[0] else ()))


def cloud_state(release):
    """'up', 'down', or 'partial': some of its processes alive, e.g. one health check failing under load.

    Only a cloud that was 'down' is stopped again: a busy cloud of someone else's is never ours."""
    proc = subprocess.run(launcher(release, 'status'), capture_output=True, text=True, check=False)
    if proc.returncode == 0:
        return 'up'
    return 'partial' if re.search(r'^\S+\s+\d+\s+yes\b', proc.stdout, re.M) else 'down'


def cloud_env(release):
    """What points a test at ``release``'s local cloud (LOCALCLOUD_STATE_DIR may choose the instance)."""
    info = json.loads(subprocess.check_output(launcher(release, 'info'), text=True))
    return {'OPENSTACK_RELEASE': release, 'LOCALCLOUD_STATE_DIR': info['state'],
            'OS_CLIENT_CONFIG_FILE': info['clouds_yaml']}


def junit(label):
    return ['--junitxml', os.path.join(BUILD, 'junit-%s.xml' % label)]


def selection(args):
    """The test paths among pytest arguments: a selection of tests instead of a session's own."""
    return [a for a in args if os.path.exists(a.split('::')[0])]


@nox.session(python=False)
def unit(session):
    """tests/unit."""
    with phase('unit'):
        session.run(*PYTEST + junit('unit') + ['tests/unit'] + session.posargs)


CLOUD_PARTS = ('pytest', 'exclusive', 'unified_limits')


@nox.session(python=False)
@nox.parametrize('release', [nox.param(r, id=r) for r in RELEASES])
def cloud(session, release):
    """One release's leg: its cloud up if down, pytest, the unified-limits quota tests (a later release: first),
    down if it started it.

    The first release runs tests/localcloud and tests/integration, the others only the tests marked
    release_matrix (README); in LZ_PYTEST_WORKERS workers, then the tests marked exclusive alone. Test paths
    in the posargs replace that selection (one worker) and skip unified limits. LZ_CLOUD_PARTS (default
    `pytest,exclusive,unified_limits`) runs only some of those phases: main() starts the next release's cloud
    between them."""
    link_collection()
    env = cloud_env(release)
    failed = []
    parts = os.environ.get('LZ_CLOUD_PARTS', ' '.join(CLOUD_PARTS)).replace(',', ' ').split()
    if set(parts) - set(CLOUD_PARTS):
        session.error('LZ_CLOUD_PARTS=%s: unknown %s (the parts: %s)' % (
            os.environ['LZ_CLOUD_PARTS'], ', '.join(sorted(set(parts) - set(CLOUD_PARTS))), ', '.join(CLOUD_PARTS)))

    def step(name, *cmds, ok=(0,), last=None):
        try:
            with phase(name):
                try:
                    for cmd in cmds:
                        session.run(*cmd, env=env, success_codes=ok)
                finally:
                    if last:
                        session.run(*last, env=env)
        except nox.command.CommandFailed:
            failed.append(name)
        return name not in failed

    state = cloud_state(release)
    started = state == 'down'
    try:
        if state == 'up' or step('cloud-up %s' % release, cloud_up(release)):
            chosen = selection(session.posargs)
            first = release == RELEASES[0]
            limits = not chosen and 'unified_limits' in parts and not left_out('unified_limits')

            def unified_limits(stopped_next):
                step('quota unified-limits %s' % release, launcher(release, 'quota-backend', 'unified_limits'),
                     PYTEST + junit(release + '-unified-limits') + ['tests/integration/quota/test_quota_unified_limits_cloud.py'],
                     # a cloud stopped next goes back to legacy without restarting its processes
                     last=launcher(release, 'quota-backend', 'legacy', *(['--no-restart'] if stopped_next else [])))
            if limits and not first:
                # first: a later leg runs beside the first leg's last sessions, and these tests, one at a time,
                # leave a core to them; its pytest in workers comes after, when the first leg is done
                unified_limits(False)
            if chosen:
                if 'pytest' in parts:
                    step('pytest %s' % release, PYTEST + junit(release) + session.posargs)
            else:
                tests = ['tests/localcloud', 'tests/integration'] + session.posargs
                matrix = '' if first else 'release_matrix and '
                parallel = ['-n', WORKERS, '--dist', 'loadfile'] if WORKERS not in ('0', '1') else []
                # exit code 5 (no test selected) is fine for a selection by marker
                if 'pytest' in parts:
                    step('pytest %s' % release, PYTEST + parallel + junit(release) + ['-m', matrix + 'not exclusive'] + tests,
                         ok=(0,) if first else (0, 5))
                if 'exclusive' in parts:
                    step('pytest %s exclusive' % release,
                         PYTEST + junit(release + '-exclusive') + ['-m', matrix + 'exclusive'] + tests, ok=(0, 5))
            if limits and first:
                unified_limits(started)
    finally:
        if started:
            step('cloud-down %s' % release, launcher(release, 'down'))
    if failed:
        session.error('failed: %s' % ', '.join(failed))


@nox.session(python=False)
def molecule(session):
    """The molecule scenarios of extensions/ (needs the first release's cloud up)."""
    link_collection()
    with phase('molecule %s' % RELEASES[0]):
        session.chdir(os.path.join(ROOT, 'extensions'))
        session.run('molecule', 'test', '--all', env=cloud_env(RELEASES[0]))


def version_tests(session, label, core, expect, *select):
    """tests/versions (ansible-doc, syntax-check, ...) in this session's Python with ``core``."""
    link_collection()
    session.install(core, '-r', 'requirements.txt', 'pytest')
    with phase(label):
        session.run('python', '-m', 'pytest', '-q', '-rs', '-p', 'no:cacheprovider', '--noconftest',
                    '--durations=15', *junit(session.name) + list(select) + ['tests/versions'] + session.posargs,
                    env=dict(cloud_env(RELEASES[0]), LZ_EXPECT_VERSIONS=expect))


@nox.session(python=pyenv('3.10'))
def lowest(session):
    """Python 3.10 + ansible-core 2.16: ansible-doc, syntax-check, a real replicate + meter run (cloud up)."""
    version_tests(session, 'lowest: py3.10 core 2.16', 'ansible-core>=2.16,<2.17', '3.10 2.16')


@nox.session(python=pyenv('3.13'))
def newest(session):
    """Python 3.13 + the newest ansible-core of requires_ansible: the same as lowest (cloud up), no
    "does not support Ansible version" warning."""
    version_tests(session, 'newest: py3.13 core %s' % newest_core(), ansible_core_range(), '3.13 ' + newest_core())


@nox.session(python=pyenv('3.12'))
def focus_validator(session):
    """The FinOps focus-validator (FOCUS 1.2) on the focus.csv files the tests and the demo left."""
    session.install(*FOCUS_PINS)
    if INSTALL_ONLY:
        return
    with phase('focus-validator'):
        session.run('python', 'tests/focus_validator.py', *session.posargs
                    or [os.path.join(BUILD, 'focus'), os.path.join(BUILD, 'demo', 'reports', 'chargeback')])


@nox.session(python=False)
def lint(session):
    """ansible-lint, production profile."""
    link_collection()
    with phase('ansible-lint'):
        session.run('ansible-lint', '--profile', 'production', *session.posargs)


# What ansible-test of the session's venv pins for its sanity tools (its _data/requirements/sanity.*.txt)
# and the pip versions its venvs bootstrap (its python_requirements.py): printed as JSON by the
# session's python, whose ansible-test is not the collection venv's.
ANSIBLE_TEST_PINS = """import glob, json, os, re, ansible_test
root = os.path.dirname(ansible_test.__file__)
reqs = set()
for path in glob.glob(os.path.join(root, '_data', 'requirements', 'sanity.*.txt')):
    reqs.update(line.strip() for line in open(path) if line.strip() and not line.startswith('#'))
pips = set(re.findall(r"pip='([0-9.]+)'", open(os.path.join(root, '_internal', 'python_requirements.py')).read()))
import sys, ansible.release
print(json.dumps({'requirements': sorted(reqs), 'pip': sorted(pips), 'core': ansible.release.__version__,
                  'python': '%d.%d' % sys.version_info[:2]}))
"""


def ansible_test_pins(session):
    return json.loads(session.run_install('python', '-c', ANSIBLE_TEST_PINS, silent=True))


# ansible-test bootstraps pip in the venvs it makes (the ansible-doc and import tests make some even
# with --local) with a get-pip script downloaded from a host this machine cannot reach. This
# stand-in does the same job offline: ensurepip, then `pip install` of what ansible-test asks for
# (pip==<version>) from the package index, which is reachable.
GET_PIP_SHIM = """# get-pip stand-in written by landingzone.openstack noxfile.py
import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
# ensurepip points PIP_CONFIG_FILE at /dev/null; the machine's pip config (index, certificates)
# is needed for the real install.
os.environ.pop('PIP_CONFIG_FILE', None)
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install', '--upgrade'] + args))
"""


def ensure_get_pip(versions):
    for version in versions:
        cache = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % version.replace('.', '_'))
        current = open(cache).read() if os.path.exists(cache) else None
        if current is None or (current.startswith('# get-pip stand-in') and current != GET_PIP_SHIM):
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            with open(cache, 'w') as handle:
                handle.write(GET_PIP_SHIM)


def ensure_shellcheck():
    """Without shellcheck, ansible-test skips the shell scripts (a warning): Debian's package."""
    if shutil.which('shellcheck'):
        return
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    apt = ['apt-get', '-o', 'DPkg::Lock::Timeout=600', '-q']  # wait for another apt (the cloud's install)
    if subprocess.call(apt + ['install', '-y', 'shellcheck'], env=env) != 0:
        subprocess.check_call(apt + ['update'], env=env)
        subprocess.check_call(apt + ['install', '-y', 'shellcheck'], env=env)


@nox.session(python=pyenv('3.13'))
def sanity(session):
    """ansible-test sanity --local of the newest ansible-core of requires_ansible (Python 3.13, as session
    newest) with the tool versions that ansible-test pins; no ignore file.

    ansible-test runs only from .../ansible_collections/<namespace>/<name>/: the files git knows
    (tracked, and untracked ones not ignored) are copied to such a tree in the temp directory (not
    in the checkout: git would call the copy ignored; one per checkout, so worktrees run side by side)."""
    session.install(ansible_core_range())
    pins = ansible_test_pins(session)
    if (pins['python'], pins['core'].rsplit('.', 1)[0]) != ('3.13', newest_core()):
        session.error('the sanity venv has Python %s and ansible-core %s, not 3.13 and %s: remove %s (made for '
                      'another Python) and run again' % (pins['python'], pins['core'], newest_core(), session.virtualenv.location))
    session.install(*pins['requirements'])
    if INSTALL_ONLY:
        return
    with phase('sanity: py3.13 core %s' % newest_core()):
        ensure_get_pip(pins['pip'])
        ensure_shellcheck()
        top = os.path.join(tempfile.gettempdir(), 'lz-openstack-sanity-' + hashlib.sha256(ROOT.encode()).hexdigest()[:10])
        dest = os.path.join(top, 'ansible_collections', 'landingzone', 'openstack')
        shutil.rmtree(top, ignore_errors=True)
        listed = subprocess.check_output(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=ROOT, text=True)
        for rel in [f for f in listed.split('\0') if f and os.path.isfile(os.path.join(ROOT, f))]:
            os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, rel), os.path.join(dest, rel))
        session.chdir(dest)
        # the venv's interpreter by path: `--python 3.13` alone would take the first python3.13 of PATH (pyenv's shim)
        session.run('ansible-test', 'sanity', '--color', 'no', '--local', '--python', '3.13', '--python-interpreter',
                    os.path.join(session.bin, 'python'), *session.posargs)


@nox.session(python=False)
def changelog(session):
    """antsibull-changelog lint."""
    with phase('changelog-lint'):
        session.run('antsibull-changelog', 'lint')


@nox.session(python=False)
def build(session):
    """The collection tarball in build/."""
    with phase('build'):
        session.run('ansible-galaxy', 'collection', 'build', '--force', '--output-path', BUILD)


@nox.session(python=PY)
def galaxy_importer(session):
    """galaxy-importer on the built tarball with Galaxy's defaults, its ansible-lint run included
    (tests/galaxy_importer.py: fails on any WARNING or ERROR line)."""
    import ansible
    session.install(GALAXY_IMPORTER, 'ansible-core==%s' % ansible.__version__)
    with phase('galaxy-importer'):
        session.run('python', 'tests/galaxy_importer.py', *session.posargs)


# ---- `make test` (.ci/run): every session, what needs no cloud while the first cloud comes up ----

class Background:
    """A command in the background, its output in build/<log>; its phase is recorded when waited for."""

    def __init__(self, name, cmd, log):
        self.name, self.log = name, os.path.join(BUILD, log)
        print('+ %s > %s (in the background)' % (' '.join(cmd), self.log), flush=True)
        self.handle = open(self.log, 'w')
        self.proc, t0 = subprocess.Popen(cmd, stdout=self.handle, stderr=subprocess.STDOUT), time.monotonic()
        self.seconds = None

        def timer():  # its own time, not the time until it is waited for
            self.proc.wait()
            self.seconds = time.monotonic() - t0
        self.timer = threading.Thread(target=timer, daemon=True)
        self.timer.start()

    def wait(self, fatal=True):
        t0 = time.monotonic()
        self.timer.join()
        self.handle.close()
        print('=== waited %.0f s for %s' % (time.monotonic() - t0, self.name), flush=True)
        rc = self.proc.returncode
        with open(self.log) as handle:
            print(''.join(handle.readlines()[-(200 if rc else 5):]), end='', flush=True)
        if rc == 0 or fatal:
            record(self.name, rc, self.seconds)
        return rc


def recorded():
    if not os.path.exists(PHASES):
        return []
    with open(PHASES) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def left_out(name):
    """LZ_SKIP (session names, e.g. `molecule,sanity`; `unified_limits`: that phase of the cloud legs) leaves them out."""
    return name.split('(')[0] in os.environ.get('LZ_SKIP', '').replace(',', ' ').split()


def nox_session(name, *args, env=None, log=None):
    """One session in its own nox process (it records its phases); a failure it did not record is recorded here.
    ``log``: an open file for its output (a session running beside another)."""
    if left_out(name):
        print('=== session %s: skipped (LZ_SKIP)' % name, flush=True)
        return 0
    cmd = [PY, '-m', 'nox', '-f', os.path.join(ROOT, 'noxfile.py'), '-s', name] + list(args)
    print('+ %s%s%s' % (''.join('%s=%s ' % kv for kv in (env or {}).items()), ' '.join(cmd),
                        ' > %s' % log.name if log else ''), flush=True)
    t0, before = time.monotonic(), len(recorded())
    rc = subprocess.call(cmd, cwd=ROOT, env=dict(os.environ, **(env or {})), stdout=log,
                         stderr=subprocess.STDOUT if log else None)
    if rc != 0 and not [p for p in recorded()[before:] if p['rc']]:
        record(name + ' (nox)', rc, time.monotonic() - t0)
    return rc


def make_venvs():
    """The venvs of the sessions that have one, in one nox process (network more than CPU: while the cloud comes up)."""
    names = [name for name in ('sanity', 'galaxy_importer', 'newest', 'lowest', 'focus_validator') if not left_out(name)]
    if not names:
        return
    cmd = [PY, '-m', 'nox', '-f', os.path.join(ROOT, 'noxfile.py'), '--install-only', '-s'] + names
    print('+ ' + ' '.join(cmd), flush=True)
    with contextlib.suppress(subprocess.CalledProcessError), phase('venvs (%d, nox)' % len(names)):
        subprocess.check_call(cmd, cwd=ROOT)


def pytest_counts():
    counts = []
    for path in sorted(glob.glob(os.path.join(BUILD, 'junit-*.xml')), key=os.path.getmtime):
        passed = failed = skipped = 0
        try:
            suites = list(ET.parse(path).getroot().iter('testsuite'))
        except ET.ParseError:  # a pytest that did not finish: its phase failed, the count says so
            suites = [ET.Element('testsuite', errors='1', tests='1')]
        for suite in suites:
            bad = int(suite.get('failures', 0)) + int(suite.get('errors', 0))
            skipped += int(suite.get('skipped', 0))
            failed += bad
            passed += int(suite.get('tests', 0)) - bad - int(suite.get('skipped', 0))
        counts.append((os.path.basename(path)[6:-4], (passed, failed, skipped)))
    return counts


def bring_up(release, jobs, started):
    """The release's cloud up: its start-up in the background waited for, else started here (False: it is not up).
    A cloud started by this run goes into ``started``: that run stops it again."""
    up = True
    if release in jobs and jobs[release].name.startswith('cloud-up'):
        started.add(release)
        up = jobs.pop(release).wait() == 0
    elif release in jobs:
        jobs.pop(release).wait(fatal=False)  # a failed install: cloud-up installs in the foreground
    state = cloud_state(release) if up else 'up'
    if state != 'up':
        if state == 'down':
            started.add(release)
        try:
            with phase('cloud-up %s' % release):
                subprocess.check_call(cloud_up(release))  # waits for every service's health
        except subprocess.CalledProcessError:
            up = False
    return up


def bring_down(release, started):
    if release in started:
        with contextlib.suppress(subprocess.CalledProcessError), phase('cloud-down %s' % release):
            subprocess.check_call(launcher(release, 'down'))


def later_legs(releases, pytest_args, jobs, started, log=None):
    """The legs after the first: the release's cloud up, its cloud session, its cloud down."""
    for release in releases:
        if bring_up(release, jobs, started):
            nox_session('cloud(%s)' % release, '--', *pytest_args, log=log)
        bring_down(release, started)


class Aside:
    """Work in a thread, beside the rest; its output in a file of build/, printed when joined (the phases it records
    go into the one table)."""

    def __init__(self, path, what, target, *args):
        self.path = path
        self.log = open(self.path, 'w')
        print('=== %s beside the rest; the output: %s' % (what, self.path), flush=True)
        self.thread = threading.Thread(target=self._guarded, args=(what, target) + args, daemon=True)
        self.thread.start()

    def _guarded(self, what, target, *args):
        # an error in the thread would end it unseen, its phases missing from a table that says ok: recorded as failed
        t0 = time.monotonic()
        try:
            target(*args)
        except Exception:  # pylint: disable=broad-except  # recorded as a failed phase, printed on join
            self.log.write(traceback.format_exc())
            record(what, 1, time.monotonic() - t0)

    def join(self):
        t0 = time.monotonic()
        self.thread.join()
        self.log.close()
        print('=== waited %.0f s for what ran beside; its output (%s):' % (time.monotonic() - t0, self.path), flush=True)
        with open(self.path) as handle:
            print(handle.read(), end='', flush=True)


class SessionAside(Aside):
    """One session beside the rest, its output in build/<session>.log."""

    def __init__(self, name):
        super().__init__(os.path.join(BUILD, '%s.log' % name), 'session %s' % name, self._run, name)

    def _run(self, name):
        nox_session(name, log=self.log)


class Beside(Aside):
    """The later legs in a thread, beside the first leg's last phases."""

    def __init__(self, releases, pytest_args, jobs, started):
        super().__init__(os.path.join(BUILD, 'legs-%s.log' % '-'.join(releases)),
                         'the legs of %s' % ', '.join(releases), self._run, releases, pytest_args, jobs, started)

    def _run(self, releases, pytest_args, jobs, started):
        later_legs(releases, pytest_args, jobs, started, self.log)


def main(pytest_args):
    """Each release's leg (LOCALCLOUD_RELEASES, default: the first is the default release): the sessions that need
    no cloud run while the first release's cloud comes up, the next legs beside the first leg's last phases
    (LZ_OVERLAP=0: each after the other)."""
    releases = os.environ.get('LOCALCLOUD_RELEASES', '').replace(',', ' ').split() or RELEASES
    # each release's instance says where it is; with one release LOCALCLOUD_STATE_DIR may choose it
    for key in ('OPENSTACK_RELEASE', 'OS_CLIENT_CONFIG_FILE') + (('LOCALCLOUD_STATE_DIR',) if releases[1:] else ()):
        os.environ.pop(key, None)
    link_collection()
    for old in glob.glob(PHASES) + glob.glob(os.path.join(BUILD, 'junit-*.xml')):
        os.remove(old)
    shutil.rmtree(os.path.join(BUILD, 'focus'), ignore_errors=True)  # the tests leave their focus.csv here
    jobs, started, rc, focus = {}, set(), 1, None
    try:
        if not left_out('sanity'):
            ensure_shellcheck()  # apt now, not while the cloud's install in the background runs apt
        if os.environ.get('LZ_OVERLAP', '1') != '0' and cloud_state(releases[0]) == 'down':
            jobs[releases[0]] = Background('cloud-up %s (bg)' % releases[0], cloud_up(releases[0]),
                                           'cloud-up-%s.log' % releases[0])
        make_venvs()
        nox_session('unit', '--', *[a for a in pytest_args if a not in selection(pytest_args)])
        for name in ('lint', 'sanity', 'changelog', 'build', 'galaxy_importer'):
            nox_session(name)
        first, later = releases[0], releases[1:]
        beside = None
        if bring_up(first, jobs, started):
            # the next releases' server venvs meanwhile, so that their cloud-up only starts services
            jobs.update((r, Background('install %s (bg)' % r, launcher(r, 'install'), 'install-%s.log' % r))
                        for r in later)
            nox_session('cloud(%s)' % first, '--', *pytest_args, env={'LZ_CLOUD_PARTS': 'pytest'})
            # What is left of this leg runs a test or a session at a time and leaves a core free: the next
            # release's cloud comes up beside its exclusive tests, and the next legs run beside the rest.
            for r in later[:1]:
                if r in jobs:
                    jobs.pop(r).wait(fatal=False)  # a failed install: cloud-up installs in the foreground
                if cloud_state(r) == 'down':
                    jobs[r] = Background('cloud-up %s (bg)' % r, cloud_up(r), 'cloud-up-%s.log' % r)
            nox_session('cloud(%s)' % first, '--', *pytest_args, env={'LZ_CLOUD_PARTS': 'exclusive'})
            if later and os.environ.get('LZ_OVERLAP', '1') != '0':
                beside = Beside(later, pytest_args, jobs, started)
                # the tests wrote their focus.csv files: the validator (one process) beside what follows
                focus = SessionAside('focus_validator')
            nox_session('cloud(%s)' % first, '--', *pytest_args, env={'LZ_CLOUD_PARTS': 'unified_limits'})
            nox_session('molecule')
            nox_session('lowest')
            nox_session('newest')  # its cloud run needs the first release's cloud, as lowest's
        # the legs beside end first: with the first release's cloud taken down while the 2023.2 leg still ran its
        # last tests, that leg's Neutron and Nova API stopped answering and two tests waited for ever (ci24, ci25;
        # ci34, with three workers and both clouds up: all four of Neutron 2023.2's uWSGI threads in eventlet's hub)
        if beside:
            beside.join()
        bring_down(first, started)
        if not beside:
            later_legs(later, pytest_args, jobs, started)
        if focus:
            focus.join()
        else:
            nox_session('focus_validator')
    finally:
        for job in list(jobs.values()):
            job.proc.kill()
        rc = report()
    return rc


def report():
    phases = recorded()
    print('\n%-36s %-8s %8s' % ('phase', 'result', 'seconds'))
    for p in phases:
        print('%-36s %-8s %8.0f' % (p['phase'], 'ok' if p['rc'] == 0 else 'FAILED', p['seconds']))
    failed = [p['phase'] for p in phases if p['rc'] != 0]
    print('failed phases: %s' % (', '.join(failed) or 'none'))
    total = [0, 0, 0]
    for label, counts in pytest_counts():
        print('pytest %s: %d passed, %d failed, %d skipped' % ((label,) + counts))
        total = [a + b for a, b in zip(total, counts)]
    print('pytest: %d passed, %d failed, %d skipped' % tuple(total))  # the last line: CI reads it
    return 1 if failed or not phases else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
