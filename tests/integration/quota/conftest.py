# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the quota tests: a platform and workspace of their own, and cleanup of its projects."""

import pytest

from helpers.quota import Cloud


@pytest.fixture
def platform(unique):
    return 'q%s' % unique


@pytest.fixture
def ws(unique):
    return 'w%s' % unique


@pytest.fixture
def cloud(replicator):
    return Cloud(replicator)


@pytest.fixture
def cleanup(replicator):
    platforms = []
    yield platforms
    for platform in platforms:
        for project in replicator.identity.projects(tags='lz-platform=%s' % platform):
            replicator.identity.update_project(project, is_enabled=False)
            replicator.identity.delete_project(project)
