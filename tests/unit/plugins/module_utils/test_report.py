# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The replication report merges the steps' rows per tenant; the worst status wins."""

from ansible_collections.landingzone.openstack.plugins.module_utils._replication import report as _report
from ansible_collections.landingzone.openstack.plugins.module_utils._results import TenantResult


def row(tenant, status, changes=(), remarks=()):
    return dict(tenant=tenant, name=tenant.replace('/', '-'), project_id='p-' + tenant, status=status,
                changes=list(changes), remarks=list(remarks))


def test_merge_keeps_every_change_and_remark_with_its_step():
    steps = [
        ('tenants', dict(tenants=[row('a/x', 'changed', ['create project a-x']), row('a/y', 'ok')],
                         orphans=[dict(tenant='old/z', name='old-z', status='remarks')],
                         requests=dict(total=4))),
        ('access', dict(tenants=[row('a/x', 'remarks', remarks=[dict(code='user_not_found', message='m')]),
                                 row('a/y', 'failed', remarks=[dict(code='api_error', message='boom',
                                                                    severity='error')])],
                        requests=dict(total=7))),
        ('quotas', None),
    ]
    report = _report.merge(steps)
    by = dict((r['tenant'], r) for r in report['tenants'])
    assert by['a/x']['status'] == 'changed'
    assert by['a/x']['changes'] == ['tenants: create project a-x']
    assert by['a/x']['remarks'] == [dict(code='user_not_found', message='m', step='access')]
    assert by['a/y']['status'] == 'failed'
    assert report['summary'] == dict(ok=0, changed=1, remarks=0, failed=1, orphans=1, remarks_total=2)
    assert report['requests'] == dict(tenants=4, access=7)


def test_a_step_that_failed_before_any_tenant_is_an_error_of_the_report():
    report = _report.merge([('tenants', dict(failed=True, msg='cannot connect'))])
    assert report['errors'] == [dict(step='tenants', path=None, message='cannot connect')]
    lines = _report.human_summary('fra1', report)
    assert lines[0].startswith('fra1: 0 tenants') and 'cannot connect' in lines[-1]


def test_validation_errors_carry_their_paths():
    errors = [dict(path='workspaces[0].identifier', message='bad')]
    report = _report.merge([('validation', dict(failed=True, msg='invalid inventory', errors=errors))])
    assert report['errors'][0] == dict(path='workspaces[0].identifier', message='bad', step='validation')


def test_tenant_result_status_order():
    res = TenantResult('a/x', 'a-x')
    assert res.status == 'ok'
    res.remark('note', 'n')
    assert res.status == 'remarks'
    res.changes.append('c')
    assert res.status == 'changed'
    res.fail('boom', 'b')
    assert res.status == 'failed' and res.as_dict()['remarks'][-1]['severity'] == 'error'
