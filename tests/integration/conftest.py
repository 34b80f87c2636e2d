# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests run against the local real OpenStack: the fixtures are in _fixtures.py."""

import _fixtures

clouds_yaml = _fixtures.clouds_yaml
replicator = _fixtures.replicator
metering = _fixtures.metering
unique = _fixtures.unique


def pytest_configure(config):
    # tests/run_all.py runs these with the first release only: what they check (the ledger, the
    # rating, the report files, secrets redaction, the onboarding flow) is this collection's own
    # code on top of the metering and replication that the other tests run on every release
    config.addinivalue_line('markers', 'release_independent: run with the first OpenStack release only (make test)')
