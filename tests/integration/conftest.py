# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the integration tests (the cloud connections are in tests/conftest.py)."""

import os

import pytest

from helpers import box as boxlib
from helpers import cloud
from helpers.keystone import Keystone, Users


@pytest.fixture(scope='session')
def box(tmp_path_factory):
    """The tarball of `make build`, installed apart from the checkout (helpers/box.py proves it)."""
    return boxlib.build(str(tmp_path_factory.mktemp('box')))


@pytest.fixture
def platform(unique):
    return 'it%s' % unique


@pytest.fixture
def keystone(replicator, platform):
    ks = Keystone(replicator, platform)
    yield ks
    # Clean up whatever the test replicated on its own platform.
    for proj in ks.projects():
        for tag in proj.tags:
            if tag.startswith('lz-ws='):
                for grp in ks.managed_groups(tag[len('lz-ws='):]):
                    replicator.identity.delete_group(grp['id'], ignore_missing=True)
        replicator.identity.update_project(proj, is_enabled=False)
        replicator.identity.delete_project(proj, ignore_missing=True)


@pytest.fixture
def make_user(replicator):
    users = Users(replicator)
    yield users.make
    users.delete_all()


def pytest_terminal_summary(terminalreporter):
    """What the tests left on the cloud, printed (the main process only): a test that leaves projects and groups
    behind makes every later test's cloud-wide listings longer."""
    if hasattr(terminalreporter.config, 'workerinput') or not os.environ.get('OS_CLIENT_CONFIG_FILE'):
        return
    try:
        conn = cloud.connect('replicator')
        counts = dict((name, len(list(getattr(conn.identity, name)())))
                      for name in ('projects', 'groups', 'users', 'role_assignments'))
    except Exception as exc:  # noqa: BLE001 - a summary line, never a failure
        counts = 'not read (%s)' % type(exc).__name__
    terminalreporter.write_line('the cloud after the tests: %s' % counts)
