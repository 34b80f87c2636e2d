# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The metering account's policy overrides (_metering/policy.py) and openstack_metering_policy as a
module: what each service gets, Neutron's method chosen from the installed defaults, the files
written, check mode, idempotence and the failures that name what to set. The cloud proves the rules:
the local cloud writes its policies with this very file (tests/localcloud/shipped_policy.py)."""

import json
import os
import sys

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.landingzone.openstack.plugins.module_utils._metering import policy
from ansible_collections.landingzone.openstack.plugins.modules import openstack_metering_policy

ADMIN = '0c4e939acacf4376bdcd1129f1a054ad'
NEUTRON_2023_2 = {  # a few rules as Neutron 23 defines them
    'context_is_advsvc': 'role:advsvc',
    'get_router': '(rule:admin_only) or (role:reader and project_id:%(project_id)s)',
    'get_floatingip': '(rule:admin_only) or (role:reader and project_id:%(project_id)s)',
    'create_router': '(rule:admin_only) or (role:member and project_id:%(project_id)s)',
    'update_port': 'rule:admin_only or role:member and project_id:%(project_id)s or rule:context_is_advsvc',
}
NEUTRON_2026_2 = dict(NEUTRON_2023_2, context_with_global_access='!')
GLANCE = {
    'context_is_admin': 'role:admin',
    'get_images': 'role:reader or rule:context_is_admin',
    'get_image': 'role:reader or rule:context_is_admin',
    'delete_image': 'role:admin or (role:member and project_id:%(project_id)s) or rule:context_is_admin',
    'add_image': 'role:member and project_id:%(project_id)s',
}


def test_fixed_services_widen_reads_for_the_admin_project_reader():
    assert policy.overrides('nova', ADMIN)['metering_reader'] == 'role:reader and project_id:%s' % ADMIN
    assert policy.overrides('cinder', ADMIN) == {'context_is_admin': 'role:admin or (role:reader and project_id:%s)' % ADMIN,
                                                 'admin_api': 'role:admin'}
    assert list(policy.overrides('octavia', ADMIN)) == ['load-balancer:global_observer']


def test_glance_pins_every_rule_but_the_two_reads():
    rules = policy.overrides('glance', ADMIN, GLANCE)
    assert rules['context_is_admin'] == 'rule:glance_admin or rule:metering_reader'
    assert rules['delete_image'] == GLANCE['delete_image'].replace('rule:context_is_admin', 'rule:glance_admin')
    assert 'get_images' not in rules and 'get_image' not in rules and 'add_image' not in rules


def test_neutron_method_comes_from_the_installed_defaults():
    assert sorted(policy.overrides('neutron', ADMIN, NEUTRON_2026_2)) == ['context_with_global_access', 'get_floatingip', 'get_router']
    assert policy.method('neutron', NEUTRON_2026_2) == 'context_with_global_access'
    rules = policy.overrides('neutron', ADMIN, NEUTRON_2023_2)
    assert policy.method('neutron', NEUTRON_2023_2) == 'context_is_advsvc'
    assert rules['update_port'] == NEUTRON_2023_2['update_port'].replace('rule:context_is_advsvc', 'role:advsvc')
    assert sorted(n for n, c in rules.items() if 'rule:metering_reader' in c) == ['context_is_advsvc', 'get_floatingip', 'get_router']
    assert 'create_router' not in rules


@pytest.mark.parametrize('service, defaults, message', [
    ('glance', None, 'generated from the installed defaults'),
    ('neutron', {'get_router': 'x'}, 'context_is_advsvc is missing'),
])
def test_generated_services_refuse_missing_defaults(service, defaults, message):
    with pytest.raises(policy.PolicyError, match=message):
        policy.overrides(service, ADMIN, defaults)


def test_an_admin_project_id_that_would_change_the_rule_is_refused():
    with pytest.raises(policy.PolicyError, match='is not a project id'):
        policy.overrides('nova', 'x or role:member')


def test_policy_text_is_yaml_of_the_rules():
    rules = policy.overrides('neutron', ADMIN, NEUTRON_2026_2)
    assert yaml.safe_load(policy.policy_text('neutron', rules, 'test')) == rules


def run_module(args, monkeypatch, capsys, check_mode=False, diff=False):
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))
    monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy', raising=False)
    with pytest.raises(SystemExit):
        openstack_metering_policy.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def fake_python(tmp_path):
    """An interpreter whose `glance.policies` and `neutron.conf.policies` give the defaults above."""
    root = tmp_path / 'site'
    for module, rules in (('glance/policies', GLANCE), ('neutron/conf/policies', NEUTRON_2026_2)):
        path = root / module
        path.mkdir(parents=True)
        for parent in [path] + list(path.relative_to(root).parents)[:-1]:
            (root / parent / '__init__.py').touch()
        (path / '__init__.py').write_text(
            'class R:\n    def __init__(self, n, c): self.name, self.check_str = n, c\n'
            'def list_rules():\n    return [R(n, c) for n, c in %r.items()]\n' % rules)
    script = tmp_path / 'python'
    script.write_text('#!/bin/sh\nPYTHONPATH=%s exec %s "$@"\n' % (root, sys.executable))
    script.chmod(0o755)
    return str(script)


def test_module_writes_one_file_per_service_once(tmp_path, fake_python, monkeypatch, capsys):
    args = dict(admin_project_id=ADMIN, dest=str(tmp_path / 'out'), python=fake_python)
    planned = run_module(args, monkeypatch, capsys, check_mode=True, diff=True)
    assert planned['changed'] is True and not os.path.exists(tmp_path / 'out')
    assert len(planned['diff']) == 5
    done = run_module(args, monkeypatch, capsys)
    assert done['changed'] is True
    assert [(f['service'], f['method']) for f in done['files']] == [
        ('nova', 'fixed'), ('cinder', 'fixed'), ('octavia', 'fixed'), ('glance', 'generated'), ('neutron', 'context_with_global_access')]
    with open(tmp_path / 'out' / 'neutron-policy.yaml') as handle:
        assert yaml.safe_load(handle) == policy.overrides('neutron', ADMIN, NEUTRON_2026_2)
    assert run_module(args, monkeypatch, capsys)['changed'] is False


def test_module_names_the_python_option_when_the_service_is_not_installed(tmp_path, monkeypatch, capsys):
    out = run_module(dict(admin_project_id=ADMIN, dest=str(tmp_path), services=['neutron'], python=sys.executable),
                     monkeypatch, capsys)
    assert out['failed'] is True
    assert 'cannot import neutron.conf.policies (set python to the interpreter the service runs with)' in out['msg']
