# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One file per workspace: the vars plugin on real files, the merge, and paths that name the files."""

import os

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._issues import InventoryError
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.files import merge_files
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import select_tenants, validate

ZONES = {'default': {}}


def workspace(ident, *projects):
    return {'identifier': ident, 'name': 'Workspace %s' % ident,
            'projects': [{'identifier': p} for p in projects or ('web',)]}


def vars_plugin():
    """The plugin with its options defined from its own documentation, as Ansible's loader does.

    (The loader itself cannot be pointed at this checkout once pytest imported the collection as a
    plain package; tests/integration/test_onboarding.py runs the plugin through ansible-playbook.)
    """
    import yaml
    from ansible import constants as C
    from ansible_collections.landingzone.openstack.plugins.vars import workspaces as module
    name = 'landingzone.openstack.workspaces'
    C.config.initialize_plugin_configuration_definitions('vars', name, yaml.safe_load(module.DOCUMENTATION)['options'])
    plugin = module.VarsModule()
    plugin._load_name = name
    return plugin


def load(tmp_path, files, directory='workspaces', cache=False):
    """Write ``files`` (relative path -> text) under ``tmp_path/directory`` and run the vars plugin."""
    from ansible.inventory.group import Group
    from ansible.parsing.dataloader import DataLoader
    for name, text in files.items():
        path = tmp_path / directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    plugin = vars_plugin()
    plugin.set_options(direct={'directory': directory})
    return plugin.get_vars(DataLoader(), str(tmp_path), [Group('all')], cache=cache)


def messages(result):
    inventory = dict(landing_zones=ZONES, workspaces=result['workspaces'])
    return [str(e) for e in validate(inventory, ['local'], result['lz_workspace_files'])]


def test_files_merge_into_workspaces_in_path_order(tmp_path):
    result = load(tmp_path, {'shop.yml': 'identifier: shop\nprojects: [{identifier: web}]\n',
                             'data/analytics.yaml': 'identifier: analytics\n',
                             'README.md': 'not a workspace', '.hidden.yml': 'identifier: hidden\n'})
    assert [w['identifier'] for w in result['workspaces']] == ['analytics', 'shop']
    assert result['lz_workspace_files']['files'] == ['workspaces/data/analytics.yaml', 'workspaces/shop.yml']
    assert messages(result) == []
    tenants = select_tenants(dict(landing_zones=ZONES, workspaces=result['workspaces']), 'local',
                             workspace_files=result['lz_workspace_files'])
    assert [t.key for t in tenants] == ['shop/web']


def test_no_directory_sets_nothing(tmp_path):
    assert load(tmp_path, {}, directory='absent') == {}


def test_only_the_group_all_gets_the_workspaces(tmp_path):
    from ansible.inventory.group import Group
    from ansible.parsing.dataloader import DataLoader
    load(tmp_path, {'shop.yml': 'identifier: shop\n'})
    plugin = vars_plugin()
    assert plugin.get_vars(DataLoader(), str(tmp_path), [Group('platforms')]) == {}


def test_errors_name_the_file_and_the_path_inside_it(tmp_path):
    result = load(tmp_path, {'a.yml': 'identifier: a\n', 'shop.yml': (
        'identifier: shop\nprojects:\n  - identifier: web\n    bindings:\n'
        '      - {euid: alice, role: admin}\n      - {euid: bob, role: user}\n      - {euid: carol, role: owner}\n')})
    assert messages(result) == ["workspaces/shop.yml: projects[0].bindings[2].role: 'owner' is not one of "
                                "reader, user, admin"]


def test_identifier_must_match_the_file_name(tmp_path):
    result = load(tmp_path, {'shop.yml': 'identifier: shops\n'})
    assert messages(result) == ["workspaces/shop.yml: identifier: is 'shops' but the file is named 'shop': a "
                                "workspace file is named after its identifier (shop.yml)"]


def test_missing_identifier_is_the_validators_error_with_the_file(tmp_path):
    result = load(tmp_path, {'shop.yml': 'name: Shop\n'})
    assert messages(result) == ['workspaces/shop.yml: identifier: is required']


def test_duplicate_identifier_across_files_names_both(tmp_path):
    result = load(tmp_path, {'retail/shop.yml': 'identifier: shop\n', 'web/shop.yml': 'identifier: shop\n'})
    assert messages(result) == ["workspaces/web/shop.yml: identifier: duplicate workspace identifier 'shop' "
                                "(also workspaces/retail/shop.yml)"]


@pytest.mark.parametrize('text', ['', '---\n', '# only a comment\n'])
def test_empty_file_is_an_error(tmp_path, text):
    result = load(tmp_path, {'shop.yml': text, 'ok.yml': 'identifier: ok\n'})
    assert [w['identifier'] for w in result['workspaces']] == ['ok']
    found = messages(result)
    assert len(found) == 1 and found[0].startswith('workspaces/shop.yml: is empty'), found


@pytest.mark.parametrize('text, kind', [('- identifier: shop\n', 'a list'), ('shop\n', 'a string'),
                                        ('42\n', 'a scalar')])
def test_non_mapping_file_is_an_error(tmp_path, text, kind):
    result = load(tmp_path, {'shop.yml': text})
    assert messages(result) == ['workspaces/shop.yml: must be a mapping (one workspace), got %s' % kind]


def test_unparsable_file_is_an_error_and_the_others_are_still_checked(tmp_path):
    result = load(tmp_path, {'bad.yml': 'identifier: [\n', 'shop.yml': 'identifier: shop\nname: ""\n'})
    found = messages(result)
    assert found[0].startswith('workspaces/bad.yml: cannot be read: '), found
    assert found[1:] == ['workspaces/shop.yml: name: must not be empty']


def test_a_yaml_error_names_its_line_and_column(tmp_path):
    result = load(tmp_path, {'shop.yml': 'identifier: shop\nname: [unclosed\nprojects:\n  - a: b\n'})
    [found] = messages(result)
    assert found.startswith('workspaces/shop.yml: cannot be read: line 3, column 9: '), found


def test_every_error_is_listed_at_once(tmp_path):
    result = load(tmp_path, {'empty.yml': '', 'list.yml': '[]\n', 'wrong.yml': 'identifier: right\n',
                             'shop.yml': 'identifier: shop\nprojects: [{identifier: Web}]\n'})
    with pytest.raises(InventoryError) as info:
        select_tenants(dict(landing_zones=ZONES, workspaces=result['workspaces']), 'local',
                       workspace_files=result['lz_workspace_files'])
    assert [e.path for e in info.value.errors] == [
        'workspaces/empty.yml', 'workspaces/list.yml', 'workspaces/wrong.yml: identifier',
        'workspaces/shop.yml: projects[0].identifier']


def test_templates_in_files_stay_text(tmp_path):
    result = load(tmp_path, {'shop.yml': "identifier: shop\nname: \"{{ lookup('pipe', 'id') }}\"\n"})
    assert result['workspaces'][0]['name'] == "{{ lookup('pipe', 'id') }}"


def test_custom_directory(tmp_path):
    result = load(tmp_path, {'shop.yml': 'identifier: shop\n'}, directory='teams')
    assert result['lz_workspace_files']['files'] == ['teams/shop.yml']


def test_workspaces_set_elsewhere_too_is_an_error():
    """group_vars' workspaces won over the files by precedence: say so, never run on either silently."""
    workspaces, files = merge_files('workspaces', [('workspaces/shop.yml', workspace('shop'), None)])
    other = [workspace('legacy')]
    found = [str(e) for e in validate(dict(landing_zones=ZONES, workspaces=other), ['local'], files)]
    assert len(found) == 1 and found[0].startswith('workspaces: is not what the files of workspaces hold'), found


def test_single_list_form_is_unchanged():
    inventory = dict(landing_zones=ZONES, workspaces=[workspace('shop'), {'identifier': 'Bad'}])
    assert [e.path for e in validate(inventory, ['local'])] == ['workspaces[1].identifier']
    assert [e.path for e in validate(inventory, ['local'], None)] == ['workspaces[1].identifier']


def test_merge_is_pure_and_sorted():
    entries = [('workspaces/b.yml', workspace('b'), None), ('workspaces/a.yml', workspace('a'), None)]
    workspaces, files = merge_files('workspaces', entries)
    assert [w['identifier'] for w in workspaces] == ['a', 'b']
    assert files == dict(directory='workspaces', files=['workspaces/a.yml', 'workspaces/b.yml'],
                         identifiers=['a', 'b'], errors=[])
    assert os.path.basename(files['files'][0]) == 'a.yml'


def test_example_repository_is_valid():
    """examples/repository: the vars plugin on its workspace files, with its landing zones and platforms."""
    import yaml
    example = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'examples',
                           'repository', 'inventory')
    from ansible.inventory.group import Group
    from ansible.parsing.dataloader import DataLoader
    plugin = vars_plugin()
    plugin.set_options(direct={'directory': 'workspaces'})
    result = plugin.get_vars(DataLoader(), example, [Group('all')], cache=False)
    with open(os.path.join(example, 'group_vars', 'all', 'landing_zones.yml')) as handle:
        zones = yaml.safe_load(handle)['landing_zones']
    with open(os.path.join(example, 'hosts.yml')) as handle:
        platforms = list(yaml.safe_load(handle)['platforms']['hosts'])
    tenants = select_tenants(dict(landing_zones=zones, workspaces=result['workspaces']), platforms[0], platforms,
                             workspace_files=result['lz_workspace_files'])
    assert [t.key for t in tenants] == ['analytics/lake', 'shop/web', 'shop/legacy']


def test_workspace_files_the_vars_plugin_did_not_read_are_an_error_naming_ansible_cfg(tmp_path):
    from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.files import unread_files
    from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.runner import validate_whole
    (tmp_path / 'workspaces' / 'team').mkdir(parents=True)
    (tmp_path / 'workspaces' / 'shop.yml').write_text('identifier: shop\n')
    (tmp_path / 'workspaces' / 'team' / 'data.yaml').write_text('identifier: data\n')
    (tmp_path / 'workspaces' / '.hidden.yml').write_text('x: 1\n')
    issue = unread_files(str(tmp_path), None)
    assert issue.path == 'inventory'
    assert '2 workspace file(s)' in issue.message and 'workspaces/shop.yml, workspaces/team/data.yaml' in issue.message
    assert 'ansible.cfg' in issue.message and 'vars_plugins_enabled = host_group_vars,landingzone.openstack.workspaces' in issue.message
    # read by the plugin (lz_workspace_files set), no inventory directory given, or no files: no problem
    assert unread_files(str(tmp_path), {'files': [], 'identifiers': [], 'errors': []}) is None
    assert unread_files(str(tmp_path), {}) is not None   # the replicate role's default when the plugin set nothing
    assert unread_files(None, None) is None
    assert unread_files(str(tmp_path / 'workspaces' / 'team'), None) is None
    # the module's run: an error before any tenant is listed, never `valid: 0 tenants`
    params = dict(platform='local', platforms=['local'], only_workspaces=None, workspace_files=None,
                  inventory_dir=str(tmp_path))
    with pytest.raises(InventoryError) as err:
        validate_whole(dict(landing_zones={'default': {}}, workspaces=[]), params)
    assert [e.path for e in err.value.errors] == ['inventory']
