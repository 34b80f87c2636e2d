# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Markdown plan: counts in the header, per tenant what would be created, changed, revoked and
deleted, with remarks; nothing of the report dropped, nothing formatted by accident."""

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._replication import report as _report
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.markdown import kind_of, render, text


def row(tenant, status, changes=(), remarks=()):
    return dict(tenant=tenant, name=tenant.replace('/', '-'), project_id=None, status=status,
                changes=list(changes), remarks=list(remarks))


def plan():
    steps = [
        ('validation', dict(requests=dict(total=0), tenants=[dict(tenant=k, name=k.replace('/', '-'), state=s)
                                                             for k, s in (('shop/web', 'present'),
                                                                          ('shop/old', 'deleted'),
                                                                          ('shop/api', 'present'))])),
        ('tenants', dict(requests=dict(total=5), tenants=[
            row('shop/web', 'changed', ['create project shop-web', 'create group shop-web-admin']),
            row('shop/old', 'changed', ['disable project shop-old', 'delete group shop-old-admin']),
            row('shop/api', 'ok')],
            orphans=[dict(tenant='gone/x', name='gone-x', status='remarks', changes=[],
                          remarks=[dict(code='orphan', message='left as is')])])),
        ('access', dict(requests=dict(total=2), tenants=[
            row('shop/web', 'remarks', ['grant member to group shop-web-admin'],
                [dict(code='user_not_found', severity='warning', message='no user <b>jill_doe</b>')]),
            row('shop/api', 'changed', ['remove bob from group shop-api-user', 'revoke reader from group shop-api-x'])])),
    ]
    report = _report.merge(steps, check_mode=True)
    report['platform'] = 'local'
    return report


@pytest.mark.parametrize('change, kind', [
    ('create project a', 'create'), ('planned: create group a-admin', 'create'), ('create domain lz-a', 'create'),
    ('update project a (description)', 'change'), ('rename group a to b', 'change'), ('grant member to group g', 'change'),
    ('add jill to group g', 'change'), ('set compute quota of a (x): cores 1 -> 2', 'change'),
    ('revoke member from group g', 'revoke'), ('remove jill from group g', 'revoke'), ('disable project a', 'revoke'),
    ('mark project a access-revoked', 'revoke'), ('delete group g', 'delete'), ('delete project a', 'delete'),
    ('something new', 'change'),
])
def test_every_change_has_a_kind(change, kind):
    assert kind_of(change) == kind


def test_header_counts_and_table():
    md = render(plan())
    lines = md.splitlines()
    assert lines[0] == '# Replication plan: local'
    assert lines[2] == '**3 tenants**: 3 would change, 0 ok, 0 with remarks, 0 skipped, 0 failed; 1 orphans; 7 requests.'
    assert lines[3] == 'Would create 2, change 1, revoke 3, delete 1; 1 remarks.'
    assert '| shop/web | shop-web | changed | 2 | 1 | 0 | 0 | 1 |' in lines
    assert '| shop/old | shop-old | changed | 0 | 0 | 1 | 1 | 0 |' in lines
    assert '| shop/api | shop-api | changed | 0 | 0 | 2 | 0 | 0 |' in lines


def test_per_tenant_sections_in_kind_order_with_remarks_escaped():
    md = render(plan())
    section = md.split('## shop/web: shop-web (changed)\n\n', 1)[1].split('\n\n', 1)[0].splitlines()
    assert section == ['- **create** project shop-web (tenants)', '- **create** group shop-web-admin (tenants)',
                       '- **grant** member to group shop-web-admin (access)',
                       '- remark [warning] user\\_not\\_found: no user \\<b\\>jill\\_doe\\</b\\> (access)']
    old = md.split('## shop/old: shop-old (changed)\n\n', 1)[1].split('\n\n', 1)[0].splitlines()
    assert old == ['- **disable** project shop-old (tenants)', '- **delete** group shop-old-admin (tenants)']


def test_orphans_and_errors_are_listed():
    report = plan()
    report['errors'] = [dict(step='validation', path='workspaces/shop.yml: projects[0].bindings[2].role',
                             message="'owner' is not one of reader, user, admin")]
    md = render(report)
    assert '## Orphans' in md and '- gone/x: gone-x: left as is' in md
    assert "- workspaces/shop.yml: projects\\[0\\].bindings\\[2\\].role: 'owner' is not one of reader, user, admin " \
           "(validation)" in md


def test_a_tenant_with_nothing_to_do_has_no_section():
    report = _report.merge([('validation', dict(tenants=[dict(tenant='a/x', name='a-x', state='present')])),
                            ('tenants', dict(tenants=[row('a/x', 'ok')]))], check_mode=True)
    md = render(report, 'p')
    assert '## a/x' not in md and '| a/x | a-x | ok | 0 | 0 | 0 | 0 | 0 |' in md


def test_text_escapes_markdown_and_html():
    assert text('a_b *c* [d](e) <script> | `x` # h\nnext') == \
        'a\\_b \\*c\\* \\[d\\](e) \\<script\\> \\| \\`x\\` \\# h next'
