# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The supported ansible-core range (meta/runtime.yml) and what ships or is tested against it agree:

* ``requires_ansible`` includes the maintained ansible-core releases (2.20 and 2.21) and the lowest
  one CI tests (noxfile.py session ``lowest``);
* the execution environment (execution-environment.yml) pins ansible-core, ansible-runner and the
  Python interpreter explicitly (the image is what the definition says, not what a base image
  happens to carry); the pinned ansible-core is inside ``requires_ansible`` and runs on the pinned
  Python; the base image is pinned (no moving tag);
* docs/awx.md names the same base image, Python and ansible-core;
* ``ansible-builder create`` writes that base image, interpreter and pins into the Containerfile.
"""

import os
import re
import subprocess
import sys

import pytest
import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
MAINTAINED = ('2.20', '2.21')   # ansible-core releases in full or security support on the project's date
# The lowest controller Python of each ansible-core release (its package's Requires-Python), for
# the releases requires_ansible covers: a pin whose minor release is missing here fails below.
CONTROLLER_PYTHON = {'2.16': '3.10', '2.17': '3.10', '2.18': '3.11', '2.19': '3.11', '2.20': '3.12', '2.21': '3.12'}
COLLECTION_PYTHON = '3.11'       # openstacksdk of requirements.txt


def load(path):
    with open(os.path.join(ROOT, path)) as handle:
        return yaml.safe_load(handle)


def requires_ansible():
    return SpecifierSet(load('meta/runtime.yml')['requires_ansible'])


def pinned(requirement, name):
    match = re.match(r'^%s==(\d+\.\d+\.\d+)$' % re.escape(name), requirement)
    assert match, '%s is not pinned to one version: %r' % (name, requirement)
    return Version(match.group(1))


def ee():
    definition = load('execution-environment.yml')
    deps = definition['dependencies']
    interpreter = deps['python_interpreter']
    python = re.match(r'^/usr/bin/python(\d+\.\d+)$', interpreter['python_path'])
    assert python and interpreter['package_system'] == 'python' + python.group(1), interpreter
    return dict(image=definition['images']['base_image']['name'], python=python.group(1),
                core=pinned(deps['ansible_core']['package_pip'], 'ansible-core'),
                runner=pinned(deps['ansible_runner']['package_pip'], 'ansible-runner'))


@pytest.mark.parametrize('release', MAINTAINED)
def test_requires_ansible_covers_the_maintained_releases(release):
    assert Version(release + '.0') in requires_ansible() and Version(release + '.99') in requires_ansible()


def test_requires_ansible_starts_at_the_lowest_release_ci_tests():
    with open(os.path.join(ROOT, 'noxfile.py')) as handle:
        lowest = re.search(r"'ansible-core>=(\d+\.\d+),<(\d+\.\d+)', '3\.\d+ (\d+\.\d+)'", handle.read())
    assert lowest, 'noxfile.py: session lowest names no ansible-core range'
    assert Version(lowest.group(1) + '.0') in requires_ansible()
    assert Version(lowest.group(1) + '.0') == min(Version(s.version) for s in requires_ansible() if s.operator == '>=')


def test_the_execution_environment_pins_an_ansible_core_inside_the_range_on_a_python_it_runs_on():
    image = ee()
    assert image['core'] in requires_ansible(), (image['core'], str(requires_ansible()))
    minor = '%d.%d' % (image['core'].major, image['core'].minor)
    assert minor in CONTROLLER_PYTHON, 'add ansible-core %s to CONTROLLER_PYTHON' % minor
    python = Version(image['python'])
    assert python >= Version(CONTROLLER_PYTHON[minor]) and python >= Version(COLLECTION_PYTHON), image
    # a pinned base image: a tag that names a release, not one that moves
    name, _sep, tag = image['image'].rpartition(':')
    assert name and '/' in name and re.match(r'^\d+(\.\d+)+$', tag), image['image']


def test_docs_awx_names_the_image_the_definition_builds():
    image = ee()
    with open(os.path.join(ROOT, 'docs', 'awx.md')) as handle:
        doc = handle.read()
    said = re.search(r'\*\*Python (\S+) and ansible-core (\S+)\*\* \(with ansible-runner (\S+)\)', doc)
    assert said, 'docs/awx.md: no "**Python X and ansible-core Y** (with ansible-runner Z)"'
    assert said.groups() == (image['python'], str(image['core']), str(image['runner']))
    assert '`%s`' % image['image'] in doc


def test_ansible_builder_create_writes_the_pinned_base_interpreter_and_core(tmp_path):
    image = ee()
    with open(os.path.join(ROOT, 'execution-environment.yml')) as src, \
            open(tmp_path / 'execution-environment.yml', 'w') as dst:
        dst.write(src.read())
    os.makedirs(tmp_path / 'build')
    tarball = load('execution-environment.yml')['additional_build_files'][0]['src']
    open(tmp_path / tarball, 'w').close()  # a stand-in: create copies it, nothing reads it
    proc = subprocess.run([os.path.join(BIN, 'ansible-builder'), 'create', '-f', str(tmp_path / 'execution-environment.yml'),
                           '-c', str(tmp_path / 'context'), '--output-filename', 'Containerfile'],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    containerfile = (tmp_path / 'context' / 'Containerfile').read_text()
    assert 'ARG EE_BASE_IMAGE="%s"' % image['image'] in containerfile
    assert 'ARG PYCMD="/usr/bin/python%s"' % image['python'] in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="ansible-core==%s ansible-runner==%s"' % (image['core'], image['runner']) \
        in containerfile
