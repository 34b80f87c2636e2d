# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A step that failed as a whole (no connection, a refused plan) ends the later steps before they connect
(issue 24): each tenant gets its skipped row, nobody connects again."""

import types

from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.plan import Result
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.isolation import (
    adopted_projects,
    failed_by,
    handoff,
    new_projects,
    skipped_whole,
)

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


# a step's rows as its module returns them: the later steps get its handoff instead (every row of 10,000 tenants
# copied into the next task cost Ansible seconds)
ROWS = [
    dict(tenant='shop/web', name='shop-web', status='ok', changes=[], remarks=[], new_project=False),
    dict(tenant='shop/api', name='shop-api', status='failed', new_project=False, changes=['create group x'], remarks=[
        dict(code='user_not_found', severity='warning', message='later'),
        dict(code='api_error', severity='error', message='boom'), dict(code='api_error', severity='error', message='2')]),
    dict(tenant='shop/db', name='shop-db', status='changed', changes=['create project shop-db'], remarks=[],
         new_project=True),
    dict(tenant='shop/old', name='shop-old', status='changed', changes=['adopt'], remarks=[], new_project=False,
         adopted_project='p9'),
    dict(tenant='shop/ml', name='shop-ml', status='skipped', skipped='quota step failed: x', remarks=[]),
]


def test_the_handoff_holds_what_the_later_steps_read_and_nothing_else():
    given = handoff(ROWS)
    assert [r['tenant'] for r in given['tenants']] == ['shop/api', 'shop/db', 'shop/old', 'shop/ml']
    assert given['tenants'][0] == dict(tenant='shop/api', status='failed', remarks=[
        dict(code='api_error', severity='error', message='boom')])
    whole = dict(changed=True, tenants=ROWS)
    for read in (failed_by, adopted_projects, new_projects):
        assert read(dict(tenants=given)) == read(dict(tenants=whole)), read
    assert failed_by(dict(access=given)) == {'shop/api': 'access step failed: api_error: boom',
                                             'shop/ml': 'quota step failed: x'}
    # a no-op hands nothing on
    assert handoff([ROWS[0]] * 10000) == dict(tenants=[])
