# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of every test: the collection importable as ``ansible_collections.landingzone.openstack``,
and the connections to the local real cloud (tests/localcloud, tests/integration).

`make test` brings the cloud up and exports OS_CLIENT_CONFIG_FILE; when the cloud is not reachable
the cloud tests fail (they are never silently skipped in CI).
"""

import os
import uuid

import pytest

from helpers import cloud
from helpers.collection import make_importable

make_importable()


@pytest.fixture(scope='session')
def clouds_yaml():
    path = cloud.clouds_yaml()
    assert os.path.exists(path), 'local cloud is not set up: run `make cloud-up` (%s missing)' % path
    return path


@pytest.fixture(scope='session')
def replicator(clouds_yaml):
    """Admin connection (the collection's replication account)."""
    return cloud.connect('replicator')


@pytest.fixture(scope='session')
def metering(clouds_yaml):
    """Reader-only connection (the collection's metering account)."""
    return cloud.connect('metering')


@pytest.fixture
def unique():
    """A short unique suffix so tests never collide with each other or earlier runs."""
    return uuid.uuid4().hex[:8]
