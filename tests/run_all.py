# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make test`: every test of the project, against the local real cloud of each release series.

For each release in LOCALCLOUD_RELEASES (default: every release of tests/localcloud/localcloud.py,
the default one first: "2026.2 2023.2"), one after the other: starts that release's local cloud when
it is not up, runs pytest against it (the unit tests too with the first release; tests/localcloud
and tests/integration with every release: the same integration tests, except those marked
`release_independent` - the ledger, rating, report, redaction and onboarding tests, which check
this collection's own code on top of what the others test - which run with the first release only),
the molecule scenario with the first release, then (every release) the quota tests with Nova
and Glance switched to Keystone unified limits on the same running cloud (`localcloud.py
quota-backend`, restarting only Nova API/conductor and Glance, and back to legacy), the lowest
supported versions (tests/min_versions.py: Python 3.10 + ansible-core 2.16 in their own venv,
ansible-doc, syntax-check, one real replicate + meter run) with the first release, and stops the
cloud again if it started it (it leaves each cloud as it found it). While the first release's tests
run, the next releases' server venvs are installed in the background (`localcloud.py install`), so
their cloud-up only starts services.
Then the FinOps focus-validator (FOCUS 1.2) on the focus.csv files the tests and the demo
left, ansible-lint (production profile), ansible-test sanity, the changelog lint, the collection
build and galaxy-importer on the built tarball (tests/galaxy_importer.py: fails on any WARNING or
ERROR line). Prints the time of each phase and the test counts per release; exits non-zero when any phase
failed.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
LAUNCHER = os.path.join(ROOT, 'tests', 'localcloud', 'localcloud.py')


def cloud(release, command):
    return [sys.executable, LAUNCHER, '--release', release, command]


def junit(release):
    return os.path.join(ROOT, 'build', 'junit-%s.xml' % release)


def run(cmd, cwd=ROOT, env=None):
    print('+ %s' % ' '.join(cmd), flush=True)
    return subprocess.call(cmd, cwd=cwd, env=env)


def cloud_is_up(release, env):
    return subprocess.call(cloud(release, 'status'), cwd=ROOT, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=env) == 0


def cloud_info(release, env):
    return json.loads(subprocess.check_output(cloud(release, 'info'), cwd=ROOT, env=env, text=True))


def releases(env):
    wanted = env.get('LOCALCLOUD_RELEASES')
    if wanted:
        return wanted.replace(',', ' ').split()
    sys.path.insert(0, os.path.dirname(LAUNCHER))
    import localcloud  # noqa: E402 - the launcher's release table
    return [localcloud.DEFAULT_RELEASE] + sorted(r for r in localcloud.RELEASES if r != localcloud.DEFAULT_RELEASE)


def install_in_background(release, env):
    """Start `localcloud.py install` of ``release`` (its server venv); its output goes to a log file."""
    log = os.path.join(ROOT, 'build', 'install-%s.log' % release)
    print('+ %s > %s (in the background)' % (' '.join(cloud(release, 'install')), log), flush=True)
    handle = open(log, 'w')
    proc = subprocess.Popen(cloud(release, 'install'), cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    return proc, handle, time.monotonic()


def wait_install(release, install, phases):
    """Wait for a background install of ``release``."""
    proc, handle, t0 = install
    t_wait = time.monotonic()
    rc = proc.wait()
    handle.close()
    name = 'install %s (bg)' % release
    # its own time, as the launcher logs it ("install: ok (115.0s)"); the time since its start includes idling
    took = time.monotonic() - t0
    with open(handle.name) as log:
        for line in log:
            if line.startswith('[localcloud] install: ok ('):
                took = float(line.split('(', 1)[1].rstrip(')s\n'))
    if rc == 0:
        phases.append((name, rc, took))
    # a failed one is not a failed run by itself: cloud-up installs again, in the foreground, and fails if it must
    print('=== phase %s: %s in %.0f s (waited %.0f s for it; log build/install-%s.log)'
          % (name, 'ok' if rc == 0 else 'FAILED (rc %d), cloud-up installs in the foreground' % rc,
             took, time.monotonic() - t_wait, release), flush=True)


def pytest_counts(path):
    try:
        suites = ET.parse(path).getroot()
    except (IOError, ET.ParseError):
        return None
    passed = failed = skipped = 0
    for suite in suites.iter('testsuite'):
        total = int(suite.get('tests', 0))
        bad = int(suite.get('failures', 0)) + int(suite.get('errors', 0))
        skip = int(suite.get('skipped', 0))
        failed += bad
        skipped += skip
        passed += total - bad - skip
    return passed, failed, skipped


def main(argv):
    os.makedirs(os.path.join(ROOT, 'build'), exist_ok=True)
    env = dict(os.environ)
    env['PATH'] = BIN + os.pathsep + env.get('PATH', '')
    env['ANSIBLE_COLLECTIONS_PATH'] = os.path.join(ROOT, 'build', 'collections')
    selected = releases(env)
    # each release's instance says where it is; with one release LOCALCLOUD_STATE_DIR (and the
    # launcher's other LOCALCLOUD_* settings) may choose the instance
    for key in ('OPENSTACK_RELEASE', 'OS_CLIENT_CONFIG_FILE') + (('LOCALCLOUD_STATE_DIR',) if len(selected) > 1 else ()):
        env.pop(key, None)
    phases = []

    def phase(name, cmd, cwd=ROOT, phase_env=None):
        t0 = time.monotonic()
        rc = run(cmd, cwd=cwd, env=phase_env or env)
        phases.append((name, rc, time.monotonic() - t0))
        print('=== phase %s: %s in %.0f s' % (name, 'ok' if rc == 0 else 'FAILED (rc %d)' % rc,
                                              time.monotonic() - t0), flush=True)
        return rc

    def steps_phase(name, cmds, phase_env, last=None):
        """One phase of several commands (stops at the first failure); ``last`` runs in any case."""
        t0 = time.monotonic()
        rc = 0
        for cmd in cmds:
            rc = run(cmd, env=phase_env)
            if rc != 0:
                break
        if last is not None:
            rc = run(last, env=phase_env) or rc
        phases.append((name, rc, time.monotonic() - t0))
        print('=== phase %s: %s in %.0f s' % (name, 'ok' if rc == 0 else 'FAILED (rc %d)' % rc,
                                              time.monotonic() - t0), flush=True)
        return rc

    counts = []
    installs = {}
    try:
        # the integration tests leave their focus.csv files here for the focus-validator phase
        shutil.rmtree(os.path.join(ROOT, 'build', 'focus'), ignore_errors=True)
        for n, release in enumerate(selected):
            info = cloud_info(release, env)
            renv = dict(env, OPENSTACK_RELEASE=release, LOCALCLOUD_STATE_DIR=info['state'],
                        OS_CLIENT_CONFIG_FILE=info['clouds_yaml'])
            started = False
            if release in installs:
                wait_install(release, installs.pop(release), phases)
            if cloud_is_up(release, env):
                print('local cloud %s is up: using it and leaving it up' % release, flush=True)
            else:
                started = True
                if phase('cloud-up %s' % release, cloud(release, 'up')) != 0:
                    if phase('cloud-down %s' % release, cloud(release, 'down')) != 0:
                        print('cloud-down %s failed too' % release, flush=True)
                    continue
            if n == 0:
                for later in selected[1:]:
                    installs[later] = install_in_background(later, env)
            try:
                suites = (['tests/unit'] if n == 0 else []) + ['tests/localcloud', 'tests/integration']
                marks = [] if n == 0 else ['-m', 'not release_independent']
                phase('pytest %s' % release, [sys.executable, '-m', 'pytest', '-q', '-rs', '-p', 'no:cacheprovider',
                                              '--junitxml', junit(release)] + marks + suites + argv, phase_env=renv)
                counts.append((release, pytest_counts(junit(release))))
                if n == 0 and os.path.isdir(os.path.join(ROOT, 'extensions', 'molecule')):
                    phase('molecule %s' % release, [os.path.join(BIN, 'molecule'), 'test', '--all'],
                          cwd=os.path.join(ROOT, 'extensions'), phase_env=renv)
                steps_phase('quota unified-limits %s' % release, [
                    cloud(release, 'quota-backend') + ['unified_limits'],
                    [sys.executable, '-m', 'pytest', '-q', '-rs', '-p', 'no:cacheprovider',
                     '--junitxml', junit(release + '-unified-limits'),
                     'tests/integration/test_quota_unified_limits_cloud.py']],
                    renv, last=cloud(release, 'quota-backend') + ['legacy'])
                counts.append((release + ' unified-limits', pytest_counts(junit(release + '-unified-limits'))))
                if n == 0:
                    phase('py3.10 ansible-core 2.16', [sys.executable, os.path.join(ROOT, 'tests', 'min_versions.py')],
                          phase_env=renv)
            finally:
                if started:
                    phase('cloud-down %s' % release, cloud(release, 'down'))
        phase('focus-validator', [sys.executable, os.path.join(ROOT, 'tests', 'focus_validator.py'),
                                  os.path.join(ROOT, 'build', 'focus'),
                                  os.path.join(ROOT, 'build', 'demo', 'reports', 'chargeback')])
        phase('ansible-lint', [os.path.join(BIN, 'ansible-lint'), '--profile', 'production'])
        phase('sanity', [sys.executable, os.path.join(ROOT, 'tests', 'sanity.py')])
        phase('changelog-lint', [os.path.join(BIN, 'antsibull-changelog'), 'lint'])
        if phase('build', [os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--force',
                           '--output-path', os.path.join(ROOT, 'build')]) == 0:
            phase('galaxy-importer', [sys.executable, os.path.join(ROOT, 'tests', 'galaxy_importer.py')])
    finally:
        for proc, dummy, dummy2 in installs.values():
            proc.kill()
        print('\n%-26s %-8s %8s' % ('phase', 'result', 'seconds'))
        for name, rc, seconds in phases:
            print('%-26s %-8s %8.0f' % (name, 'ok' if rc == 0 else 'FAILED', seconds))
        failed_phases = [name for name, rc, dummy in phases if rc != 0]
        print('failed phases: %s' % (', '.join(failed_phases) or 'none'))
        total = [0, 0, 0]
        for release, c in counts:
            if c:
                print('pytest %s: %d passed, %d failed, %d skipped' % ((release,) + c))
                total = [a + b for a, b in zip(total, c)]
        # last line: the test count of the whole run
        print('pytest: %d passed, %d failed, %d skipped' % tuple(total))
    return 1 if failed_phases else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
