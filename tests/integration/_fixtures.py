# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of every test against the local real OpenStack (tests/integration, tests/localcloud).

`make test` brings the cloud up and exports OS_CLIENT_CONFIG_FILE; when the cloud is not
reachable these tests fail (they are never silently skipped in CI). Each conftest.py imports them.
"""

import os
import subprocess
import sys
import uuid

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _make_collection_importable():
    # tests/unit/conftest.py links the checkout as ansible_collections.landingzone.openstack; under
    # pytest both conftests are module `conftest`, so load the unit one under its own name.
    import importlib.util
    spec = importlib.util.spec_from_file_location('lz_unit_conftest', os.path.join(REPO_ROOT, 'tests', 'unit', 'conftest.py'))
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


_make_collection_importable()


def _clouds_yaml():
    path = os.environ.get('OS_CLIENT_CONFIG_FILE')
    if not path:
        out = subprocess.check_output([sys.executable, os.path.join(REPO_ROOT, 'tests', 'localcloud',
                                                                    'localcloud.py'), 'env'], text=True)
        path = out.strip().split('=', 1)[1]
        os.environ['OS_CLIENT_CONFIG_FILE'] = path
    return path


@pytest.fixture(scope='session')
def clouds_yaml():
    path = _clouds_yaml()
    assert os.path.exists(path), 'local cloud is not set up: run `make cloud-up` (%s missing)' % path
    return path


def _connect(name):
    import openstack
    return openstack.connect(cloud=name)


@pytest.fixture(scope='session')
def replicator(clouds_yaml):
    """Admin connection (the collection's replication account)."""
    return _connect('replicator')


@pytest.fixture(scope='session')
def metering(clouds_yaml):
    """Reader-only connection (the collection's metering account)."""
    return _connect('metering')


@pytest.fixture
def unique():
    """A short unique suffix so tests never collide with each other or earlier runs."""
    return uuid.uuid4().hex[:8]
