# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The changelog is for the users of the collection (issue 25):

* what a fragment says in a rendered section names nothing of the development tooling (the tests,
  the local cloud, nox, the benchmarks, CI's own scripts): those notes go to ``trivial``, which
  CHANGELOG.rst does not show;
* the first release announces no breaking change, deprecation or removal (there was nothing
  before it to break);
* ``antsibull-changelog release`` for the version in galaxy.yml, run on a copy of the checkout,
  writes a CHANGELOG.rst with that version, its release summary and no section the first release
  must not have.
"""

import glob
import os
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
FRAGMENTS = sorted(glob.glob(os.path.join(ROOT, 'changelogs', 'fragments', '*.yml')))
DEVELOPMENT = ('tests/', 'bench/', 'make test', 'noxfile', 'nox session', '.ci/', 'localcloud')
NOT_IN_A_FIRST_RELEASE = ('breaking_changes', 'deprecated_features', 'removed_features')


def load(path):
    with open(path) as handle:
        return yaml.safe_load(handle)


def version():
    return load(os.path.join(ROOT, 'galaxy.yml'))['version']


def first_release():
    """True while changelog.yaml holds no release other than galaxy.yml's version."""
    releases = load(os.path.join(ROOT, 'changelogs', 'changelog.yaml')).get('releases') or {}
    return not set(releases) - {version()}


@pytest.mark.parametrize('path', FRAGMENTS, ids=os.path.basename)
def test_a_fragment_tells_users_nothing_of_the_development_tooling(path):
    sections = load(path) or {}
    shown = dict((s, v) for s, v in sections.items() if s != 'trivial')
    for section, entries in shown.items():
        for entry in entries if isinstance(entries, list) else [entries]:
            named = [word for word in DEVELOPMENT if word in entry]
            assert not named, '%s: %s names %s (a trivial note, not for users): %s' % (
                os.path.basename(path), section, named, entry)


@pytest.mark.skipif(not first_release(), reason='a later release may break, deprecate and remove')
@pytest.mark.parametrize('path', FRAGMENTS, ids=os.path.basename)
def test_the_first_release_breaks_nothing(path):
    sections = set(load(path) or {})
    assert not sections & set(NOT_IN_A_FIRST_RELEASE), '%s: %s in the first release' % (
        os.path.basename(path), sorted(sections & set(NOT_IN_A_FIRST_RELEASE)))


def test_antsibull_changelog_release_writes_a_changelog_for_the_version_in_galaxy_yml(tmp_path):
    copy = tmp_path / 'collection'
    os.makedirs(copy)
    for name in ('galaxy.yml', 'changelogs', 'plugins', 'roles', 'playbooks', 'meta'):
        source = os.path.join(ROOT, name)
        (shutil.copytree if os.path.isdir(source) else shutil.copy)(source, str(copy / name))
    proc = subprocess.run([os.path.join(BIN, 'antsibull-changelog'), 'release', '--date', '2026-12-06'],
                          cwd=str(copy), capture_output=True, text=True, check=False,
                          env=dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', '')))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    changelog = (copy / 'CHANGELOG.rst').read_text()
    assert 'v%s' % version() in changelog and 'Release Summary' in changelog, changelog[:2000]
    if first_release():
        for title in ('Breaking Changes', 'Deprecated Features', 'Removed Features'):
            assert title not in changelog, title
    for word in DEVELOPMENT:
        assert word not in changelog, word
    if first_release():  # every module is new in the first release
        for path in glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.py')):
            name = 'landingzone.openstack.' + os.path.basename(path)[:-3]
            assert '- %s - ' % name in changelog, name


def test_nothing_is_added_after_the_version_in_galaxy_yml():
    """A version_added above galaxy.yml's version is left out of that release's changelog (a module
    would be missing from "New Modules") and names a release that does not exist."""
    from packaging.version import Version
    import re
    later = []
    for path in sorted(glob.glob(os.path.join(ROOT, 'plugins', '**', '*.py'), recursive=True)
                       + glob.glob(os.path.join(ROOT, 'roles', '*', 'meta', 'argument_specs.yml'))):
        with open(path) as handle:
            for number, line in enumerate(handle, 1):
                found = re.search(r'\bversion_added:\s*[\'"]?(\d+\.\d+\.\d+)', line)
                if found and Version(found.group(1)) > Version(version()):
                    later.append('%s:%d %s' % (os.path.relpath(path, ROOT), number, found.group(1)))
    assert not later, later
