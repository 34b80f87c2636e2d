# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make test`: every test of the project, against the local real cloud.

Starts the local cloud when it is not up and stops it again at the end (it leaves the cloud as it
found it), then runs, in order: pytest (unit and integration), the FinOps focus-validator (FOCUS 1.2) on the
focus.csv files the tests and the demo left, ansible-lint (production profile),
ansible-test sanity, the molecule scenario of the replicate role, the changelog lint and the
collection build. Prints the time of each phase; exits non-zero when any phase failed.
"""

import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
CLOUD = [sys.executable, os.path.join(ROOT, 'tests', 'localcloud', 'localcloud.py')]
JUNIT = os.path.join(ROOT, 'build', 'junit.xml')


def run(cmd, cwd=ROOT, env=None):
    print('+ %s' % ' '.join(cmd), flush=True)
    return subprocess.call(cmd, cwd=cwd, env=env)


def cloud_is_up():
    return subprocess.call(CLOUD + ['status'], cwd=ROOT, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL) == 0


def pytest_counts():
    try:
        suites = ET.parse(JUNIT).getroot()
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
    env.setdefault('OS_CLIENT_CONFIG_FILE', os.path.join(ROOT, '.localcloud', 'clouds.yaml'))
    phases = []
    started_cloud = False

    def phase(name, cmd, cwd=ROOT):
        t0 = time.monotonic()
        rc = run(cmd, cwd=cwd, env=env)
        phases.append((name, rc, time.monotonic() - t0))
        print('=== phase %s: %s in %.0f s' % (name, 'ok' if rc == 0 else 'FAILED (rc %d)' % rc,
                                              time.monotonic() - t0), flush=True)
        return rc

    try:
        if cloud_is_up():
            print('local cloud is up: using it and leaving it up', flush=True)
        else:
            started_cloud = True
            if phase('cloud-up', CLOUD + ['up']) != 0:
                raise SystemExit(1)
        # the integration tests leave their focus.csv files here for the focus-validator phase
        shutil.rmtree(os.path.join(ROOT, 'build', 'focus'), ignore_errors=True)
        phase('pytest', [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
                         '--junitxml', JUNIT, 'tests/unit', 'tests/localcloud', 'tests/integration'] + argv)
        phase('focus-validator', [sys.executable, os.path.join(ROOT, 'tests', 'focus_validator.py'),
                                  os.path.join(ROOT, 'build', 'focus'),
                                  os.path.join(ROOT, 'build', 'demo', 'reports', 'chargeback')])
        phase('ansible-lint', [os.path.join(BIN, 'ansible-lint'), '--profile', 'production'])
        phase('sanity', [sys.executable, os.path.join(ROOT, 'tests', 'sanity.py')])
        if os.path.isdir(os.path.join(ROOT, 'extensions', 'molecule')):
            phase('molecule', [os.path.join(BIN, 'molecule'), 'test', '--all'],
                  cwd=os.path.join(ROOT, 'extensions'))
        phase('changelog-lint', [os.path.join(BIN, 'antsibull-changelog'), 'lint'])
        phase('build', [os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--force',
                        '--output-path', os.path.join(ROOT, 'build')])
    finally:
        if started_cloud:
            phase('cloud-down', CLOUD + ['down'])
        print('\n%-16s %-8s %8s' % ('phase', 'result', 'seconds'))
        for name, rc, seconds in phases:
            print('%-16s %-8s %8.0f' % (name, 'ok' if rc == 0 else 'FAILED', seconds))
        counts = pytest_counts()
        failed_phases = [name for name, rc, dummy in phases if rc != 0]
        print('failed phases: %s' % (', '.join(failed_phases) or 'none'))
        if counts:
            # last line: the test count of the whole run
            print('pytest: %d passed, %d failed, %d skipped' % counts)
    return 1 if failed_phases else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
