# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vars plugin reads a workspace file with PyYAML's safe loader (plain data, issue 29: on
ansible-core 2.19 Ansible's origin tags made templating 1,000 tenants into each task 2-3x dearer) and
leaves to Ansible's loader every file only it reads right: a vault, a tag, a key twice, a syntax error."""

import json

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.release import __version__ as ansible_version

from ansible_collections.landingzone.openstack.plugins.vars.workspaces import NotPlain, load_plain

from test_workspace_files import load  # noqa: E402  (the plugin on real files, tests/unit/.../test_workspace_files.py)

TAGGING = tuple(int(p) for p in ansible_version.split('.')[:2]) >= (2, 19)

SHAPES = {
    'types.yml': ('identifier: types\nwhen: 2026-01-01\nflag: yes\nn: 0x10\nf: 1e3\nnothing: ~\n'
                  'list: [a, \'b\', "c\\u00e9"]\nfolded: >\n  one\n  two\n'),
    'anchors.yml': 'identifier: anchors\nbase: &base {x: 1, y: [1, 2]}\nm:\n  <<: *base\n  z: 3\nagain: *base\n',
    # tags the files' direct build leaves to PyYAML's constructors, and aliases of lists in lists
    'tagged.yml': ('identifier: tagged\ncode: !!str 123\ncount: !!int "7"\nlist: &l [a, [b, c]]\n'
                   'nested: [*l, {k: *l}]\nempty: {}\nnone: []\n'),
    'shop.yml': ('identifier: shop\nname: Shop\ntags: [retail]\nprojects:\n  - identifier: web\n'
                 '    bindings:\n      - {euid: alice, role: admin}\n'),
}


@pytest.mark.parametrize('name', sorted(SHAPES))
def test_plain_loading_gives_what_ansibles_loader_gives(tmp_path, name):
    path = tmp_path / name
    path.write_text(SHAPES[name])
    assert load_plain(str(path)) == DataLoader().load_from_file(str(path), cache='none', unsafe=True)


@pytest.mark.parametrize('text', [
    '$ANSIBLE_VAULT;1.1;AES256\n6162630a\n',          # a vault: a string to PyYAML, a workspace to Ansible
    'identifier: x\nname: !unsafe "{{ x }}"\n',        # a tag only Ansible's loader knows
    'identifier: x\nname: one\nname: two\n',           # a key twice: Ansible warns or fails (its setting)
    'identifier: x\nprojects: [\n',                    # a syntax error: Ansible's message names the position
    'identifier: x\nb: &b {k: 1}\nm:\n  <<: *b\n  k: 2\n',  # a merged key set again: Ansible's loader decides
    'identifier: x\n? [a, b]\n: 1\n',                  # a key that is a list
    'identifier: x\nm: !!omap [{a: {k: 1, k: 2}}]\n',    # a key twice inside a tagged list
])
def test_files_only_ansibles_loader_reads_right_go_to_it(tmp_path, text):
    path = tmp_path / 'x.yml'
    path.write_text(text)
    with pytest.raises(NotPlain):
        load_plain(str(path))


def test_the_plugin_gives_plain_data_and_the_same_workspaces(tmp_path):
    result = load(tmp_path, {'shop.yml': SHAPES['shop.yml'], 'dup.yml': 'identifier: dup\nname: one\nname: two\n'})
    shop, dup = result['workspaces'][1], result['workspaces'][0]
    assert shop['projects'][0]['bindings'] == [{'euid': 'alice', 'role': 'admin'}]
    assert dup == {'identifier': 'dup', 'name': 'two'}   # read by Ansible's loader: the last value, as before
    assert result['lz_workspace_files']['files'] == ['workspaces/dup.yml', 'workspaces/shop.yml']
    if TAGGING:
        # untagged: a plain str, not Ansible's tagged subclass (what made templating dear)
        # (the exact class: Ansible's tagged values are str subclasses, which isinstance cannot tell apart)
        assert shop['projects'][0]['identifier'].__class__ is str
        assert dup['name'].__class__ is not str


def test_a_syntax_error_is_still_reported_with_its_position(tmp_path):
    result = load(tmp_path, {'bad.yml': 'identifier: bad\nprojects: [\n'})
    error = result['lz_workspace_files']['errors'][0]
    assert error['path'] == 'workspaces/bad.yml' and 'line' in error['message']


def test_the_plugin_gives_the_same_workspaces_as_one_json_text(tmp_path):
    """The replicate role passes ``lz_workspaces_text`` to its steps as it is (a structure ansible-core would copy into
    every task): the same list, a date as its ISO text (what Ansible's own JSON encoding gives)."""
    result = load(tmp_path, {'shop.yml': SHAPES['shop.yml'], 'types.yml': SHAPES['types.yml']})
    decoded = json.loads(result['lz_workspaces_text'])
    assert [w['identifier'] for w in decoded] == ['shop', 'types']
    assert decoded[0] == result['workspaces'][0]
    assert decoded[1]['when'] == '2026-01-01' and decoded[1]['list'] == ['a', 'b', 'c\u00e9']


@pytest.mark.parametrize('enabled', [True, False])
def test_the_garbage_collector_is_left_as_the_plugin_found_it(tmp_path, enabled, monkeypatch):
    """Off while the files are read (millions of objects, no cycle: docs/scale.md), then as before, a failure too."""
    import gc
    from ansible_collections.landingzone.openstack.plugins.vars import workspaces
    seen = []
    real = workspaces._read

    def read(*args):
        seen.append(gc.isenabled())
        return real(*args)
    monkeypatch.setattr(workspaces, '_read', read)
    (gc.enable if enabled else gc.disable)()
    try:
        load(tmp_path, {'shop.yml': SHAPES['shop.yml'], 'bad.yml': 'identifier: bad\nprojects: [\n'})
        assert seen == [False, False] and gc.isenabled() is enabled
    finally:
        gc.enable()


@pytest.mark.parametrize('limit, frozen', [(1, True), (10 ** 9, False)])
def test_a_large_inventory_is_kept_out_of_later_collections(tmp_path, monkeypatch, limit, frozen):
    """gc.freeze once read, from FREEZE_TEXT_BYTES of workspaces' text (it lives as long as the run)."""
    import gc
    from ansible_collections.landingzone.openstack.plugins.vars import workspaces
    calls = []
    monkeypatch.setattr(workspaces, 'FREEZE_TEXT_BYTES', limit)
    monkeypatch.setattr(gc, 'freeze', lambda: calls.append(gc.isenabled()))
    load(tmp_path, {'shop.yml': SHAPES['shop.yml']})
    # frozen after the collector was turned back on
    assert calls == ([True] if frozen else [])
