# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bindings that expire (docs/inventory.md, "Bindings that expire"): validation, the tenant model, the plan."""

import datetime

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import validate as inv
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import plan as ks_plan
from ansible_collections.landingzone.openstack.plugins.module_utils._time import UTC

from test_keystone import converged_snapshot

NOW = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def inventory(bindings, **zone):
    return dict(landing_zones={'default': zone},
                workspaces=[{'identifier': 'acme', 'name': 'Acme', 'projects': [
                    {'identifier': 'web', 'name': 'Web', 'bindings': bindings}]}])


def errors(bindings, **zone):
    return dict((e.path, e.message) for e in inv._analyse(inventory(bindings, **zone), ['local'], now=NOW)[0])


def tenant(bindings, **zone):
    found, tenants = inv._analyse(inventory(bindings, **zone), ['local'], now=NOW)
    assert found == []
    return tenants[0]


class TestValidation:
    def test_a_date_a_yaml_date_and_a_time_are_accepted(self):
        for value in ('2027-01-31', datetime.date(2027, 1, 31), '2027-01-31T08:00:00Z'):
            assert errors([{'euid': 'bob', 'role': 'user', 'expires': value}]) == {}

    @pytest.mark.parametrize('value', ['next week', 20270131, True, '2027-13-01'])
    def test_not_a_date_names_the_path(self, value):
        found = errors([{'euid': 'bob', 'role': 'user', 'expires': value}])
        assert list(found) == ['workspaces[0].projects[0].bindings[0].expires'], found

    def test_the_cap_counts_from_today(self):
        assert errors([{'euid': 'bob', 'role': 'user', 'expires': '2027-01-05'}], max_binding_days=30) == {}
        found = errors([{'euid': 'bob', 'role': 'user', 'expires': '2027-01-06'}], max_binding_days=30)
        assert 'max_binding_days' in found['workspaces[0].projects[0].bindings[0].expires']
        found = errors([{'euid': 'bob', 'role': 'user'}], max_binding_days=30)
        assert 'give it an expiry' in found['workspaces[0].projects[0].bindings[0]']

    def test_roles_that_require_an_expiry(self):
        found = errors([{'euid': 'bob', 'role': 'admin'}, {'euid': 'bob', 'role': 'user'}], require_expiry=['admin'])
        assert list(found) == ['workspaces[0].projects[0].bindings[0]']
        assert 'requires an expiry' in found['workspaces[0].projects[0].bindings[0]']

    @pytest.mark.parametrize('zone, path', [
        ({'max_binding_days': 0}, 'landing_zones.default.max_binding_days'),
        ({'expiry_notice_days': 'two weeks'}, 'landing_zones.default.expiry_notice_days'),
        ({'require_expiry': ['owner']}, 'landing_zones.default.require_expiry[0]'),
    ])
    def test_zone_settings_are_checked(self, zone, path):
        assert path in errors([], **zone)


class TestModel:
    def test_an_expired_binding_is_no_member_and_is_named(self):
        found = tenant([{'euid': 'bob', 'role': 'user', 'expires': '2026-12-06'},
                        {'euid': 'ann', 'role': 'user', 'expires': '2026-12-07'},
                        {'euid': 'cy', 'role': 'user'}])
        user = found.group('user')
        assert user.members == ['ann', 'cy']
        assert user.expired == (('bob', '2026-12-06'),)
        assert user.expiring == (('ann', '2026-12-07'),)

    def test_the_notice_window_is_the_zones(self):
        bindings = [{'euid': 'ann', 'role': 'user', 'expires': '2026-12-19'}]
        assert tenant(bindings).group('user').expiring == (('ann', '2026-12-19'),)  # default 14 days
        assert tenant(bindings, expiry_notice_days=7).group('user').expiring == ()


class TestPlan:
    def test_an_expired_member_is_removed_with_a_remark(self):
        snap = converged_snapshot()  # bob is a member of acme-web-user
        found = tenant([{'euid': 'bob', 'role': 'user', 'expires': '2026-12-01'},
                        {'euid': 'alice', 'role': 'admin', 'expires': '2026-12-10'}],
                       patterns={'project': 'acme-web'})
        results, actions = ks_plan.plan_access(snap, [found])
        assert 'remove bob from group acme-web-user' in [a.summary for a in actions]
        codes = dict((r['code'], r) for r in results[0].remarks)
        assert codes['binding_expired']['expires'] == '2026-12-01' and codes['binding_expired']['user'] == 'bob'
        assert codes['binding_expires_soon']['user'] == 'alice'
