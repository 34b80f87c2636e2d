# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests run against the local real OpenStack: the fixtures are in _fixtures.py."""

from _fixtures import clouds_yaml, metering, replicator, unique  # noqa: F401 - pytest fixtures
