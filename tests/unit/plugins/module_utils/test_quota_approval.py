# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Quota requests with approval (docs/quotas.md, "Quota requests with approval"): the definitions,
the bounds, the requests that need an approval, the approvals, stale approvals; pure."""

import datetime

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import validate as inv
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import InventoryError
from ansible_collections.landingzone.openstack.plugins.module_utils._time import UTC

NOW = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
DEFINITIONS = {'compute.cores': {'min': 1, 'max': 256, 'auto_approve_max': 32},
               'volume.gigabytes': {'max': 1000}}
OVERRIDE = 'workspaces[0].projects[0].quota.compute.cores'


def inventory(quota=None, zone=None, platforms=None, **governance):
    project = {'identifier': 'web', 'quota': quota or {}}
    if platforms:
        project['platforms'] = platforms
    data = dict(landing_zones={'default': zone or {}},
                workspaces=[{'identifier': 'shop', 'projects': [project]}])
    data.setdefault('quota_definitions', DEFINITIONS)
    data.update(governance)
    return data


def analyse(data, platforms=('local',)):
    notices = []
    errors, tenants = inv._analyse(data, list(platforms), now=NOW, notices=notices)
    return dict((e.path, e.message) for e in errors), tenants, dict((n.path, n.message) for n in notices)


def approval(**fields):
    return dict(dict(workspace='shop', project='web', key='compute.cores', value=64, approved_by='lead'), **fields)


class TestDefinitions:
    @pytest.mark.parametrize('definitions, path, words', [
        ({'compute.core': {'max': 8}}, 'lz_quota_definitions.compute.core', 'unknown quota key'),
        ({'compute.cores': {'min': 9, 'max': 8}}, 'lz_quota_definitions.compute.cores', 'min 9 is above max 8'),
        ({'compute.cores': {'max': 8, 'auto_approve_max': 16}}, 'lz_quota_definitions.compute.cores.auto_approve_max',
         'outside'),
        ({'compute.cores': {'min': 4, 'auto_approve_max': 2}}, 'lz_quota_definitions.compute.cores.auto_approve_max',
         'outside'),
        ({'compute.cores': {'maximum': 8}}, 'lz_quota_definitions.compute.cores.maximum', 'unknown key'),
        ({'compute.cores': {'max': -1}}, 'lz_quota_definitions.compute.cores.max', '0 or more'),
        ({'compute.cores': {'max': True}}, 'lz_quota_definitions.compute.cores.max', '0 or more'),
        ({'compute.cores': {}}, 'lz_quota_definitions.compute.cores', 'at least one'),
        (['compute.cores'], 'lz_quota_definitions', 'must be a mapping'),
    ])
    def test_a_malformed_definition_is_refused_with_its_path(self, definitions, path, words):
        errors = analyse(inventory(quota_definitions=definitions))[0]
        assert words in errors[path], errors

    def test_a_per_volume_type_key_may_be_defined(self):
        data = inventory({'volume.gigabytes_ssd': 50}, quota_definitions={'volume.gigabytes_ssd': {'max': 100}})
        assert analyse(data)[0] == {}


class TestBounds:
    @pytest.mark.parametrize('value, words', [
        (300, 'above the maximum 256'),
        (-1, 'unlimited (-1) is above the maximum 256'),
        (0, 'below the minimum 1'),
    ])
    def test_an_override_outside_the_bounds_is_refused(self, value, words):
        errors = analyse(inventory({'compute.cores': value}, quota_approvals=[approval(value=-1)]))[0]
        assert words in errors[OVERRIDE], errors

    def test_every_value_of_the_landing_zone_is_checked_at_its_path(self):
        zone = {'quota': {'size': 'big', 'values': {'volume.gigabytes': 2000}},
                'quota_sizes': {'big': {'compute.cores': 512}, 'unused': {'compute.cores': 0}}}
        errors = analyse(inventory(zone=zone))[0]
        assert sorted(errors) == ['landing_zones.default.quota.values.volume.gigabytes',
                                  'landing_zones.default.quota_sizes.big.compute.cores',
                                  'landing_zones.default.quota_sizes.unused.compute.cores'], errors

    def test_unlimited_passes_a_key_without_max(self):
        data = inventory({'compute.cores': 8, 'compute.ram': -1})
        assert analyse(data)[0] == {}

    def test_without_definitions_nothing_changes(self):
        data = inventory({'compute.cores': 9999})
        del data['quota_definitions']
        errors, tenants, notices = analyse(data)
        assert (errors, notices, tenants[0].quota_requests) == ({}, {}, ())


class TestRequests:
    def test_at_the_threshold_no_approval_is_needed(self):
        errors, tenants, _notices = analyse(inventory({'compute.cores': 32}))
        assert errors == {} and tenants[0].quota_requests == ()

    def test_above_the_threshold_without_approval_fails_naming_the_path_and_the_ways_out(self):
        message = analyse(inventory({'compute.cores': 40}))[0][OVERRIDE]
        for words in ('compute.cores 40 is above the auto-approval threshold 32', "platform 'local'",
                      '{workspace: shop, project: web, key: compute.cores, value: 40, approved_by: <platform engineer>',
                      'lz_quota_approvals (group_vars/all/quota_approvals.yml', '-e lz_quota_approved_by=<name>',
                      'request at most 32'):
            assert words in message, message

    def test_the_error_names_the_workspace_file(self):
        files = {'directory': 'workspaces', 'files': ['workspaces/shop.yml'], 'identifiers': ['shop'], 'errors': []}
        with pytest.raises(InventoryError) as raised:
            inv.select_scope(inventory({'compute.cores': 40}), 'local', workspace_files=files)
        assert [e.path for e in raised.value.errors] == ['workspaces/shop.yml: projects[0].quota.compute.cores']

    def test_an_approval_in_the_inventory_approves_it_and_the_tenant_carries_the_mark(self):
        data = inventory({'compute.cores': 40}, quota_approvals=[approval(ticket='OPS-7', expires='2027-01-31')])
        errors, tenants, notices = analyse(data)
        assert errors == {} and notices == {}
        (request,) = tenants[0].quota_requests
        assert (request.key, request.value, request.threshold) == ('compute.cores', 40, 32)
        assert request.mark == 'approved by lead (ticket OPS-7, until 2027-01-31)'

    @pytest.mark.parametrize('entry, words', [
        (approval(value=36), 'lz_quota_approvals[0] approves up to 36 only'),
        (approval(expires='2026-12-01'), 'lz_quota_approvals[0] expired on 2026-12-01'),
        (approval(project='api'), 'is above the auto-approval threshold'),
        (approval(key='compute.ram'), 'is above the auto-approval threshold'),
    ])
    def test_an_approval_that_does_not_cover_the_value_does_not_approve_it(self, entry, words):
        errors, _tenants, notices = analyse(inventory({'compute.cores': 40}, quota_approvals=[entry]))
        assert words in errors[OVERRIDE], errors
        assert list(notices) == ['lz_quota_approvals[0]'] and 'stale approval' in notices['lz_quota_approvals[0]']

    def test_unlimited_needs_an_approval_of_unlimited(self):
        data = inventory({'compute.cores': -1}, quota_definitions={'compute.cores': {'auto_approve_max': 32}})
        assert 'unlimited (-1) is above the auto-approval threshold' in analyse(data)[0][OVERRIDE]
        data['quota_approvals'] = [approval(value=-1)]
        assert analyse(data)[0] == {}

    def test_an_approval_for_one_platform_leaves_the_other_unapproved(self):
        data = inventory({'compute.cores': 40}, quota_approvals=[approval(platform='east')])
        errors = analyse(data, platforms=('east', 'west'))[0]
        assert list(errors) == [OVERRIDE] and "platform 'west'" in errors[OVERRIDE], errors

    def test_the_label_passed_by_ci_approves_every_request_of_the_run(self):
        errors, tenants, _notices = analyse(inventory({'compute.cores': 40}, quota_approved_by='lead'))
        assert errors == {}
        assert tenants[0].quota_requests[0].mark == 'approved by lead (label passed by CI)'

    def test_under_report_the_request_is_a_notice_and_the_tenant_says_needs_approval(self):
        errors, tenants, notices = analyse(inventory({'compute.cores': 40}, quota_approval='report'))
        assert errors == {}
        assert 'lz_quota_approval: report' in notices[OVERRIDE]
        assert tenants[0].quota_requests[0].mark == 'needs approval'

    def test_no_more_than_the_landing_zone_gives_is_no_request(self):
        zone = {'quota': {'values': {'compute.cores': 64}}}
        errors, tenants, _notices = analyse(inventory({'compute.cores': 64}, zone=zone))
        assert errors == {} and tenants[0].quota_requests == ()
        assert OVERRIDE in analyse(inventory({'compute.cores': 65}, zone=zone))[0]

    def test_a_landing_zone_value_above_the_threshold_needs_no_approval(self):
        zone = {'quota': {'values': {'compute.cores': 64}}}
        errors, tenants, _notices = analyse(inventory(zone=zone))
        assert errors == {} and tenants[0].quota_requests == ()

    def test_a_deleted_project_requests_nothing(self):
        data = inventory({'compute.cores': 40})
        data['workspaces'][0]['projects'][0]['state'] = 'deleted'
        assert analyse(data)[0] == {}


class TestApprovals:
    @pytest.mark.parametrize('entry, path', [
        ({'workspace': 'shop'}, 'lz_quota_approvals[0].project'),
        (approval(approved_by=''), 'lz_quota_approvals[0].approved_by'),
        (approval(value='64'), 'lz_quota_approvals[0].value'),
        (approval(key='compute.core'), 'lz_quota_approvals[0].key'),
        (approval(platform='moon'), 'lz_quota_approvals[0].platform'),
        (approval(expires='soon'), 'lz_quota_approvals[0].expires'),
        (approval(by='lead'), 'lz_quota_approvals[0].by'),
        ('shop/web', 'lz_quota_approvals[0]'),
    ])
    def test_a_malformed_approval_is_refused_with_its_path(self, entry, path):
        assert path in analyse(inventory({'compute.cores': 40}, quota_approvals=[entry]))[0]

    def test_the_same_approval_twice_is_refused(self):
        errors = analyse(inventory({'compute.cores': 40}, quota_approvals=[approval(), approval(value=48)]))[0]
        assert 'approves the same key of the same project as lz_quota_approvals[0]' in errors['lz_quota_approvals[1]']

    def test_an_approval_that_approves_nothing_is_a_stale_notice_not_an_error(self):
        data = inventory({'compute.cores': 8}, quota_approvals=[approval()])
        errors, _tenants, notices = analyse(data)
        assert errors == {}
        assert 'stale approval: approves shop/web compute.cores up to 64' in notices['lz_quota_approvals[0]']
        assert 'remove it' in notices['lz_quota_approvals[0]']

    def test_the_policy_is_checked(self):
        assert 'lz_quota_approval' in analyse(inventory(quota_approval='sometimes'))[0]

    def test_a_region_tenant_keeps_its_own_requests(self):
        data = inventory({'compute.cores': 40}, platforms=['east', 'west'], quota_approvals=[approval()])
        tenants = inv.region_tenants(analyse(data, platforms=('east', 'west'))[1], 'west', ['east', 'west'], 'east')
        assert tenants[0].platform == 'east' and tenants[0].quota_requests[0].approved_by == 'lead'


class TestPlan:
    """The plan marks each change to a requested value: who approved it, or that it needs approval."""

    def tenant(self, **governance):
        data = inventory({'compute.cores': 40, 'compute.ram': 2048}, **governance)
        return analyse(data)[1][0]

    def test_an_approved_change_says_who_approved_it(self):
        from ansible_collections.landingzone.openstack.plugins.module_utils._quota.plan import plan
        from ansible_collections.landingzone.openstack.plugins.module_utils._quota.read import Current
        from ansible_collections.landingzone.openstack.plugins.module_utils._replication import markdown
        tenant = self.tenant(quota_approvals=[approval(ticket='OPS-7')])
        current = {'compute': {'p1': {'cores': Current(8), 'ram': Current(1024)}}}
        results, writes = plan([tenant], {'shop/web': 'p1'}, current, {'compute'})
        res = results[0]
        assert [w.values for w in writes] == [{'cores': 40, 'ram': 2048}]
        assert res.drift['compute.cores']['approval'] == 'approved by lead (ticket OPS-7)'
        assert 'approval' not in res.drift['compute.ram']
        assert res.changes == ['compute.cores: 8 -> 40 (approved by lead (ticket OPS-7))', 'compute.ram: 1024 -> 2048']
        (remark,) = res.remarks
        assert (remark['code'], remark['severity'], remark['approved_by'], remark['keys']) == (
            'quota_approved', 'info', 'lead', ['compute.cores'])
        row = dict(res.as_dict(), tenant='shop/web', steps={'quotas': {'changes': res.changes}},
                   remarks=[dict(r, step='quotas') for r in res.remarks])
        page = markdown.render({'tenants': [row], 'summary': dict(changed=1, ok=0, remarks=0, skipped=0, failed=0, orphans=0),
                                'check_mode': True}, 'local')
        assert '- **compute.cores:** 8 -\\> 40 (approved by lead (ticket OPS-7)) (quotas)' in page, page
        assert 'quota\\_approved' in page, page
        from ansible_collections.landingzone.openstack.plugins.module_utils._quota.plan import diff
        shown = diff(results)
        assert shown['after'] == {'shop/web': {'compute.cores': 40, 'compute.ram': 2048}}
        assert shown['prepared'].splitlines()[1:] == ['shop/web compute.cores -> 40: approved by lead (ticket OPS-7)']

    def test_an_unapproved_change_under_report_needs_approval(self):
        from ansible_collections.landingzone.openstack.plugins.module_utils._quota.plan import plan
        tenant = self.tenant(quota_approval='report')
        results, _writes = plan([tenant], {}, {}, {'compute'}, new_projects={'shop/web'})
        res = results[0]
        assert res.changes[0] == 'compute.cores: (new project) -> 40 (needs approval)'
        assert [(r['code'], r['severity']) for r in res.remarks] == [('quota_needs_approval', 'warning')]

    def test_a_value_already_held_is_not_marked(self):
        from ansible_collections.landingzone.openstack.plugins.module_utils._quota.plan import plan
        from ansible_collections.landingzone.openstack.plugins.module_utils._quota.read import Current
        tenant = self.tenant(quota_approvals=[approval()])
        current = {'compute': {'p1': {'cores': Current(40), 'ram': Current(2048)}}}
        results, writes = plan([tenant], {'shop/web': 'p1'}, current, {'compute'})
        assert writes == [] and results[0].remarks == [] and results[0].changes == []


def test_the_example_repository_shows_a_request_with_its_approval():
    """examples/repository: shop/web asks for more cores than the threshold, and quota_approvals.yml approves it."""
    import glob
    import os
    import yaml
    example = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'examples',
                           'repository', 'inventory')
    data = {'workspaces': []}
    for path in sorted(glob.glob(os.path.join(example, 'group_vars', 'all', '*.yml'))):
        with open(path) as handle:
            data.update(yaml.safe_load(handle))
    for path in sorted(glob.glob(os.path.join(example, 'workspaces', '*.yml'))):
        with open(path) as handle:
            data['workspaces'].append(yaml.safe_load(handle))
    data = dict((k[3:] if k.startswith('lz_quota_') else k, v) for k, v in data.items())
    assert sorted(k for k in data if k.startswith('quota_')) == ['quota_approval', 'quota_approvals',
                                                                 'quota_definitions']
    errors, tenants, notices = analyse(data)
    assert errors == {} and notices == {}
    requests = dict((t.key, [r.mark for r in t.quota_requests]) for t in tenants)
    assert requests['shop/web'] == ['approved by jane.doe (ticket OPS-1234, until 2027-12-31)']
    del data['quota_approvals']
    assert list(analyse(data)[0]) == ['workspaces[1].projects[0].quota.compute.cores']
