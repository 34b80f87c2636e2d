# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Quota drift named like Keystone drift (issue 24, point 6), pure: the project's ``lz_quota``
record tells a hand change (``drift_reverted``, key, old, new) from an inventory change, and
``next_records`` is the record after the run. The real cloud is tests/integration/test_quota_drift.py."""

from ansible_collections.landingzone.openstack.plugins.module_utils._quota.plan import next_records, plan
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.read import Current
from helpers.quota_fakes import tq

ALL = {'compute', 'volume', 'network', 'load_balancer'}


def _plan(quota, held, record):
    tenant = tq(quota, key='shop/web')
    current = {'compute': {'p1': dict((f, Current(v, 0)) for f, v in held.items())}}
    records = {'shop/web': record} if record is not None else {}
    results, writes = plan([tenant], {'shop/web': 'p1'}, current, ALL, records=records)
    return tenant, results[0], writes, current, records


def test_a_hand_change_is_drift_reverted_with_key_old_and_new():
    tenant, res, writes, dummy, dummy = _plan({'compute.cores': 8}, {'cores': 20}, {'compute.cores': 8})
    assert [w.values for w in writes] == [{'cores': 8}]
    remark = [r for r in res.remarks if r['code'] == 'drift_reverted'][0]
    assert remark['drift'] == dict(field='compute.cores', old=20, new=8, recorded=8)
    assert remark['keys'] == ['compute.cores'] and remark['severity'] == 'warning'
    assert res.drift['compute.cores'] == dict(old=20, new=8, outside_inventory=True)


def test_an_inventory_change_is_no_drift():
    # the project holds what the collection last wrote; the inventory now says 16
    dummy, res, writes, dummy, dummy = _plan({'compute.cores': 16}, {'cores': 8}, {'compute.cores': 8})
    assert [w.values for w in writes] == [{'cores': 16}]
    assert not [r for r in res.remarks if r['code'] == 'drift_reverted']
    assert 'outside_inventory' not in res.drift['compute.cores']


def test_without_a_record_nothing_can_be_told():
    dummy, res, writes, dummy, dummy = _plan({'compute.cores': 8}, {'cores': 20}, None)
    assert writes and not res.remarks


def test_the_record_after_the_run():
    tenant, res, writes, current, records = _plan({'compute.cores': 8, 'compute.ram': 4096},
                                                  {'cores': 20, 'ram': 4096}, None)
    # nothing written yet (check mode, or the write failed): only what already holds is recorded
    assert next_records([tenant], [res], current, records) == {'p1': ('shop/web', {'compute.ram': 4096})}
    res.fixed = ['compute.cores']
    assert next_records([tenant], [res], current, records) == \
        {'p1': ('shop/web', {'compute.cores': 8, 'compute.ram': 4096})}
    # the same record again: no write
    assert next_records([tenant], [res], current, {'shop/web': {'compute.cores': 8, 'compute.ram': 4096}}) == {}


def test_a_key_not_written_keeps_its_recorded_value_and_a_dropped_key_leaves_the_record():
    tenant = tq({'compute.cores': 8}, key='shop/web')
    current = {'compute': {'p1': {'cores': Current(20, 0)}}}
    records = {'shop/web': {'compute.cores': 4, 'compute.ram': 1024}}
    results, dummy = plan([tenant], {'shop/web': 'p1'}, current, ALL, records=records)
    results[0].fixed = []   # the write failed
    assert next_records([tenant], results, current, records) == {'p1': ('shop/web', {'compute.cores': 4})}


def test_a_tenant_without_quota_or_project_gets_no_record():
    tenant = tq({}, key='shop/web')
    results, dummy = plan([tenant], {'shop/web': 'p1'}, {}, ALL)
    assert next_records([tenant], results, {}, {}) == {}
    tenant = tq({'compute.cores': 8}, key='shop/new')
    results, dummy = plan([tenant], {}, {}, ALL)
    assert next_records([tenant], results, {}, {}) == {}


def test_regions_sharing_a_project_each_keep_their_own_record():
    from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import quota_record_attr
    from ansible_collections.landingzone.openstack.plugins.module_utils._quota.runner import find_projects

    class Identity:
        def __init__(self, projects):
            self.projects = projects

        def get(self, path, params=None):
            return {'projects': self.projects, 'links': {}}

    marked = ['lz-managed', 'lz-ws=shop', 'lz-proj=web', 'lz-platform=local']
    project = {'id': 'p1', 'tags': marked, 'lz_quota': {'compute.cores': 8}, 'lz_quota@west': {'compute.cores': 2}}
    tenant = tq({'compute.cores': 2}, key='shop/web')
    assert quota_record_attr() == 'lz_quota' and quota_record_attr('west') == 'lz_quota@west'
    for attr, value in (('lz_quota', 8), ('lz_quota@west', 2)):
        dummy, dummy, records = find_projects(Identity([project]), [tenant], {'compute'}, attr)
        assert records == {'shop/web': ({'compute.cores': value}, False)}, attr


class LossyIdentity:
    """A Keystone whose project PATCHes a concurrent writer undoes ``lose`` times (a lost update)."""

    def __init__(self, lose):
        self.lose = lose
        self.project = {'id': 'p1', 'tags': ['lz-managed', 'lz-ws=shop', 'lz-proj=web', 'lz-platform=local']}
        self.patches = 0

    def get(self, path, params=None):
        return {'projects': [dict(self.project)], 'links': {}}

    def request(self, method, path, json=None, ok=None):
        self.patches += 1
        if self.lose:
            self.lose -= 1
            return
        self.project.update(json['project'])


def _record(identity, monkeypatch):
    from ansible_collections.landingzone.openstack.plugins.module_utils._quota import runner
    monkeypatch.setattr(runner, 'RECORD_SETTLE_SECONDS', 0)
    tenant, res, dummy, current, dummy = _plan({'compute.cores': 8}, {'cores': 8}, None)
    res.project_id = 'p1'
    runner.record_quotas(identity, [tenant], [res], current, {}, 1, 'lz_quota@west')
    return res


def test_a_record_lost_to_a_concurrent_write_is_written_again(monkeypatch):
    identity = LossyIdentity(lose=2)
    res = _record(identity, monkeypatch)
    assert identity.project['lz_quota@west'] == {'compute.cores': 8} and identity.patches == 3
    assert res.recorded and not res.errors


def test_a_record_that_never_holds_fails_the_tenant_naming_why(monkeypatch):
    identity = LossyIdentity(lose=99)
    res = _record(identity, monkeypatch)
    assert identity.patches == 3 and 'lz_quota@west' not in identity.project
    assert res.errors and 'another write to the project replaced it' in res.errors[0], res.errors
