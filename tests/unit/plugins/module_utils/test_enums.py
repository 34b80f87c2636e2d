# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The str-enums (row status, step outcome, the inventory's states and policies) are their text:
equal to it, printed as it, and serialized as it by json, jsonify and AnsibleModule's results."""

import json

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import jsonify, to_bytes

from ansible_collections.landingzone.openstack.plugins.module_utils._chargeback.reports import StatementStatus
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import model
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import build_tenants
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.audit import Outcome as AuditOutcome
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.store import RunStatus
from ansible_collections.landingzone.openstack.plugins.module_utils._metering.check import CheckStatus
from ansible_collections.landingzone.openstack.plugins.module_utils._metering.probe import WriteOutcome
from ansible_collections.landingzone.openstack.plugins.module_utils._replication.report import Outcome
from ansible_collections.landingzone.openstack.plugins.module_utils._results import STATUSES, Status, TenantResult

ENUMS = (Status, Outcome, model.DomainMode, model.State, model.QuotaBelowUsage, model.ForeignTags,
         model.DeletionResources, RunStatus, CheckStatus, WriteOutcome, StatementStatus, AuditOutcome)
MEMBERS = [member for enum_class in ENUMS for member in enum_class]


@pytest.mark.parametrize('member', MEMBERS, ids=str)
def test_a_member_is_its_text(member):
    text = member.value
    assert member == text and text == member and isinstance(member, str)
    assert str(member) == text and '%s' % member == text and '{0}'.format(member) == text
    assert {text: 1}.get(member) == 1 and {member: 1} == {text: 1}
    assert json.dumps(dict(k=member, rows=[member])) == json.dumps(dict(k=text, rows=[text]))
    assert jsonify(dict(k=member)) == jsonify(dict(k=text))


def test_module_results_hold_the_text(monkeypatch, capsys):
    monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': {}})))
    monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy', raising=False)
    module = basic.AnsibleModule(argument_spec={})
    with pytest.raises(SystemExit):
        module.fail_json(msg='m', status=Status.FAILED, steps=dict(tenants=dict(outcome=Outcome.RAN)),
                         counts={Status.FAILED: 1})
    out = json.loads(capsys.readouterr().out)
    assert out['status'] == 'failed' and out['steps'] == {'tenants': {'outcome': 'ran'}} and out['counts'] == {'failed': 1}


def test_the_status_enum_is_the_status_order():
    assert tuple(s.value for s in Status) == STATUSES == ('ok', 'remarks', 'changed', 'skipped', 'failed')


def test_a_result_row_holds_plain_text():
    res = TenantResult('a/x', 'a-x')
    res.fail('api_error', 'm')
    assert res.status is Status.FAILED
    status = res.as_dict()['status']
    assert isinstance(status, str) and not isinstance(status, Status) and status == 'failed'


def test_the_validated_tenant_holds_members_and_its_dict_plain_text():
    inventory = {'landing_zones': {'default': {'quota_below_usage': 'apply', 'deletion_resources': 'purge'}},
                 'workspaces': [{'identifier': 'shop', 'name': 'Web Shop',
                                 'projects': [{'identifier': 'web', 'state': 'deleted'}]}]}
    tenant = build_tenants(inventory, 'local')[0]
    assert tenant.state is model.State.DELETED and tenant.quota_below_usage is model.QuotaBelowUsage.APPLY
    assert tenant.deletion_resources is model.DeletionResources.PURGE and tenant.foreign_tags is model.ForeignTags.KEEP
    data = tenant.to_dict()
    assert [type(data[k]) for k in ('state', 'quota_below_usage', 'deletion_resources', 'foreign_tags')] == [str] * 4
    assert data['state'] == 'deleted' and data['deletion_resources'] == 'purge'
