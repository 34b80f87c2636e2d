# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The replication report merges the steps' rows per tenant with each step's outcome; the worst
status wins; failure isolation skips only the tenants an earlier step failed."""

import types

from ansible_collections.landingzone.openstack.plugins.module_utils._replication import isolation
from ansible_collections.landingzone.openstack.plugins.module_utils._replication import report as _report
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.runner import report_path
from ansible_collections.landingzone.openstack.plugins.module_utils._results import TenantResult, failure_message


def row(tenant, status, changes=(), remarks=(), **extra):
    return dict(tenant=tenant, name=tenant.replace('/', '-'), project_id='p-' + tenant, status=status,
                changes=list(changes), remarks=list(remarks), **extra)


def validation(*keys, **states):
    return dict(changed=False, requests=dict(total=0),
                tenants=[dict(tenant=k, name=k.replace('/', '-'), state=states.get(k.replace('/', '_'), 'present'))
                         for k in keys])


ERROR = dict(code='name_collision', message='a project named a-y exists', severity='error')


def test_merge_keeps_every_change_and_remark_with_its_step():
    steps = [
        ('validation', validation('a/x', 'a/y')),
        ('tenants', dict(tenants=[row('a/x', 'changed', ['create project a-x']), row('a/y', 'ok')],
                         orphans=[dict(tenant='old/z', name='old-z', status='remarks')],
                         requests=dict(total=4))),
        ('access', dict(tenants=[row('a/x', 'remarks', remarks=[dict(code='user_not_found', message='m')]),
                                 row('a/y', 'failed', remarks=[dict(ERROR, code='api_error')])],
                        requests=dict(total=7))),
        ('quotas', None),
    ]
    report = _report.merge(steps)
    by = dict((r['tenant'], r) for r in report['tenants'])
    assert by['a/x']['status'] == 'changed'
    assert by['a/x']['changes'] == ['tenants: create project a-x']
    assert by['a/x']['remarks'] == [dict(code='user_not_found', message='m', step='access')]
    assert by['a/x']['steps']['tenants'] == dict(outcome='ran', status='changed', changes=['create project a-x'],
                                                 remarks=[])
    assert by['a/x']['steps']['quotas']['outcome'] == 'not_run'
    assert by['a/y']['status'] == 'failed'
    assert report['summary'] == dict(ok=0, changed=1, remarks=0, skipped=0, failed=1, orphans=1, orphans_removed=0,
                                     remarks_total=2, failed_steps=[], failed_settings=[], check_mode=False)
    assert report['requests'] == dict(validation=0, tenants=4, access=7)
    assert report['failure'].startswith('1 tenant(s) failed on platform this platform: a/y (api_error: access step:')


def test_a_step_that_failed_before_any_row_fails_every_tenant_in_the_counts():
    report = _report.merge([('validation', validation('a/x', 'a/y')),
                            ('tenants', dict(tenants=[row('a/x', 'ok'), row('a/y', 'ok')], requests=dict(total=3))),
                            ('access', dict(failed=True, msg='request failed before any change: GET /groups 503',
                                            requests=dict(total=5)))])
    assert report['summary']['failed'] == 2 and report['summary']['ok'] == 0
    assert report['summary']['failed_steps'] == ['access']
    assert report['tenants'][0]['steps']['access'] == dict(outcome='failed',
                                                           reason='request failed before any change: GET /groups 503')
    assert report['errors'] == [dict(step='access', path=None, message='request failed before any change: GET /groups 503')]
    assert report['failure'] == 'access step failed: request failed before any change: GET /groups 503'
    assert report['requests'] == dict(validation=0, tenants=3, access=5)


def test_skipped_rows_and_steps_turned_off():
    report = _report.merge([
        ('validation', validation('a/x', 'a/y', a_y='deleted')),
        ('tenants', dict(failed=True, tenants=[row('a/x', 'failed', remarks=[ERROR]), row('a/y', 'ok')])),
        ('access', dict(tenants=[row('a/x', 'skipped', skipped='tenants step failed: x'), row('a/y', 'ok')])),
        ('quotas', dict(skipped=True, false_condition='replicate_quotas')),
    ])
    by = dict((r['tenant'], r) for r in report['tenants'])
    assert by['a/x']['status'] == 'failed'
    assert by['a/x']['steps']['access'] == dict(outcome='skipped', status='skipped', changes=[], remarks=[],
                                                reason='tenants step failed: x')
    assert by['a/y']['steps']['quotas'] == dict(outcome='not_run', reason='turned off (replicate_quotas)')
    assert report['failure'] == ('1 tenant(s) failed on platform this platform: a/x (name_collision: tenants step: '
                                 'a project named a-y exists)')
    lines = _report.human_summary('fra1', report)
    assert '1 failed' in lines[0] and any('[skipped] access' in line for line in lines)


def test_a_tenant_the_quota_step_does_not_handle_is_not_applicable():
    report = _report.merge([('validation', validation('a/x', 'a/y', a_y='deleted')),
                            ('quotas', dict(tenants=[row('a/x', 'ok')]))])
    entry = report['tenants'][1]['steps']['quotas']
    assert entry == dict(outcome='not_applicable', reason='the step does not handle this tenant (state: deleted)')


def test_check_mode_report_is_a_plan():
    report = _report.merge([('validation', validation('a/x')),
                            ('tenants', dict(changed=True, tenants=[row('a/x', 'changed', ['create project a-x'])]))],
                           check_mode=True)
    assert report['check_mode'] is True and report['summary']['check_mode'] is True
    assert report['tenants'][0]['changes'] == ['tenants: planned: create project a-x']
    line = _report.human_summary('fra1', report)[0]
    assert line.startswith('[plan] fra1: 1 tenants: 1 would change')


def test_check_mode_report_goes_beside_the_real_one(tmp_path):
    real = str(tmp_path / 'fra1.json')
    assert report_path(real, False) == real
    assert report_path(real, True) == str(tmp_path / 'fra1.plan.json')


def test_validation_errors_carry_their_paths():
    errors = [dict(path='workspaces[0].identifier', message='bad')]
    report = _report.merge([('validation', dict(failed=True, msg='invalid inventory', errors=errors))])
    assert report['errors'][0] == dict(path='workspaces[0].identifier', message='bad', step='validation')
    assert report['steps']['validation']['outcome'] == 'failed'


def test_tenant_result_status_order():
    res = TenantResult('a/x', 'a-x')
    assert res.status == 'ok'
    res.remark('orphan', 'n')
    assert res.status == 'remarks'
    res.plan(planned('a1', 'c'))
    assert res.status == 'changed'
    res.skip('tenants step failed')
    assert res.status == 'skipped'
    res.fail('api_error', 'b')
    assert res.status == 'failed' and res.as_dict()['remarks'][-1]['severity'] == 'error'


def planned(action_id, summary):
    """A planned action as the result row sees one: an id and a summary."""
    return types.SimpleNamespace(id=action_id, summary=summary)


def test_settle_keeps_only_what_was_written():
    res = TenantResult('a/x', 'a-x')
    res.plan(planned('a1', 'create project a-x'))
    res.plan(planned('a2', 'grant reader'))
    res.settle(['a1'])
    assert res.changes == ['create project a-x']
    assert res.as_dict()['not_applied'] == ['grant reader']


def test_settle_matches_by_action_id_not_by_text():
    res = TenantResult('a/x', 'a-x')
    for action_id in ('a1', 'a2'):
        res.plan(planned(action_id, 'add bob to group a-x-user'))
    res.settle(['a2'])
    assert res.changes == ['add bob to group a-x-user'] and res.not_applied == ['add bob to group a-x-user']


def test_a_planned_action_goes_before_another_and_comes_out_again():
    res = TenantResult('a/x', 'a-x')
    res.plan(planned('a1', 'disable project a-x'))
    res.plan(planned('a2', 'delete project a-x'))
    res.plan(planned('a3', 'purge project a-x'), before='a2')
    assert res.changes == ['disable project a-x', 'purge project a-x', 'delete project a-x']
    res.unplan('a2')
    assert res.changes == ['disable project a-x', 'purge project a-x']
    res.unplan()
    assert res.changes == [] and res.status == 'ok'


def test_failure_message_names_the_first_few_then_counts():
    rows = [row('w/p%d' % i, 'failed', remarks=[ERROR]) for i in range(8)]
    msg = failure_message('fra1', rows, shown=3)
    assert msg.startswith('8 tenant(s) failed on platform fra1: w/p0 (name_collision: a project named a-y exists)')
    assert msg.endswith(' and 5 more') and 'w/p3' not in msg


def tenant(key):
    return types.SimpleNamespace(key=key, name=key.replace('/', '-'))


def test_isolation_skips_only_the_tenants_an_earlier_step_failed():
    previous = dict(tenants=dict(failed=True, tenants=[row('a/x', 'failed', remarks=[ERROR]), row('a/y', 'changed')]),
                    access=dict(tenants=[row('a/z', 'failed', remarks=[ERROR])]))
    run, skipped = isolation.split([tenant('a/x'), tenant('a/y'), tenant('a/z')], previous, TenantResult)
    assert [t.key for t in run] == ['a/y']
    assert [(r.key, r.status) for r in skipped] == [('a/x', 'skipped'), ('a/z', 'skipped')]
    assert skipped[0].skipped == 'tenants step failed: name_collision: a project named a-y exists'
    assert skipped[1].skipped.startswith('access step failed:')


def test_isolation_after_a_step_that_failed_as_a_whole_skips_everyone():
    previous = dict(tenants=dict(failed=True, msg='cannot list projects'))
    run, skipped = isolation.split([tenant('a/x'), tenant('a/y')], previous, TenantResult)
    assert run == [] and [r.skipped for r in skipped] == ['tenants step failed: cannot list projects'] * 2


def test_isolation_ignores_steps_turned_off_and_missing():
    previous = dict(tenants=dict(skipped=True), access=None)
    run, skipped = isolation.split([tenant('a/x')], previous, TenantResult)
    assert [t.key for t in run] == ['a/x'] and skipped == []
