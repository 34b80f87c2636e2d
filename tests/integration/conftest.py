# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests run against the local real OpenStack: the fixtures are in _fixtures.py."""

import _fixtures

clouds_yaml = _fixtures.clouds_yaml
replicator = _fixtures.replicator
metering = _fixtures.metering
unique = _fixtures.unique
