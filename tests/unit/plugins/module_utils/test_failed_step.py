# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A step that failed as a whole (no connection, a refused plan) ends the later steps before they connect
(issue 24): each tenant gets its skipped row, nobody connects again."""

import types

from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.plan import Result
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.isolation import skipped_whole

TENANTS = [types.SimpleNamespace(key='shop/web', name='shop-web'), types.SimpleNamespace(key='shop/api', name='shop-api')]


def test_a_connection_failure_of_the_tenants_step_skips_every_tenant_of_the_later_steps():
    failed = dict(failed=True, msg="cannot connect to platform fra1: cloud 'x' is not in the clouds.yaml read")
    rows = skipped_whole(TENANTS, dict(tenants=failed), Result)
    assert [(r.key, r.as_dict()['status']) for r in rows] == [('shop/web', 'skipped'), ('shop/api', 'skipped')]
    expected = "tenants step failed: cannot connect to platform fra1: cloud 'x' is not in the clouds.yaml read"
    assert rows[0].as_dict()['skipped'] == expected


def test_a_step_that_failed_some_tenants_does_not_end_the_later_steps():
    tenants = dict(failed=True, tenants=[dict(tenant='shop/web', status='failed', remarks=[
        dict(code='api_error', severity='error', message='boom')])])
    assert skipped_whole(TENANTS, dict(tenants=tenants), Result) is None
    assert skipped_whole(TENANTS, None, Result) is None
