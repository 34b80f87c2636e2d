# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vars plugin's ``cache_dir``: a later run reads again only the workspace files that changed, and gives exactly
what reading every file gives; what the cache cannot hold exactly is read every run."""

import json
import os
import stat

import pytest

from ansible.inventory.group import Group
from ansible.parsing.dataloader import DataLoader

from ansible_collections.landingzone.openstack.plugins.vars import workspaces

from test_workspace_files import vars_plugin  # noqa: E402  (the plugin with its options, tests/unit/.../test_workspace_files.py)

SHOP = 'identifier: shop\nname: Shop\nprojects:\n  - identifier: web\n    bindings:\n      - {euid: alice, role: admin}\n'
DATA = 'identifier: data\nprojects: [{identifier: lake}]\n'


@pytest.fixture
def old_enough(monkeypatch):
    """Files written by the test count as older than RECENT_NS (they were written a moment ago)."""
    monkeypatch.setattr(workspaces, 'RECENT_NS', -10 ** 12)


@pytest.fixture
def parsed(monkeypatch):
    """The paths the plugin parsed (not taken from the cache), in order."""
    seen = []
    real = workspaces.load_plain

    def load_plain(path):
        seen.append(os.path.basename(path))
        return real(path)
    monkeypatch.setattr(workspaces, 'load_plain', load_plain)
    return seen


def write(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / 'workspaces' / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def run(tmp_path, cache_dir):
    plugin = vars_plugin()
    plugin.set_options(direct={'directory': 'workspaces', 'cache_dir': str(cache_dir) if cache_dir else None})
    return plugin.get_vars(DataLoader(), str(tmp_path), [Group('all')], cache=False)


def cache_files(cache_dir):
    return sorted(p for p in os.listdir(cache_dir)) if os.path.isdir(cache_dir) else []


def test_a_second_run_reads_only_the_changed_file_and_gives_what_a_full_read_gives(tmp_path, old_enough, parsed):
    cache = tmp_path / 'cache'
    write(tmp_path, {'shop.yml': SHOP, 'data.yml': DATA})
    first = run(tmp_path, cache)
    assert parsed == ['data.yml', 'shop.yml']
    del parsed[:]
    second = run(tmp_path, cache)
    assert parsed == [] and second == first
    write(tmp_path, {'shop.yml': SHOP.replace('alice', 'bob')})
    third = run(tmp_path, cache)
    assert parsed == ['shop.yml']
    assert third == run(tmp_path, None)
    assert json.loads(third['lz_workspaces_text'])[1]['projects'][0]['bindings'] == [{'euid': 'bob', 'role': 'admin'}]


def test_a_file_gone_leaves_the_workspaces_and_the_cache(tmp_path, old_enough, parsed):
    cache = tmp_path / 'cache'
    write(tmp_path, {'shop.yml': SHOP, 'data.yml': DATA})
    run(tmp_path, cache)
    os.unlink(str(tmp_path / 'workspaces' / 'data.yml'))
    result = run(tmp_path, cache)
    assert [w['identifier'] for w in result['workspaces']] == ['shop']
    with open(str(cache / cache_files(cache)[0])) as handle:
        assert sorted(json.load(handle)['files']) == ['workspaces/shop.yml']


@pytest.mark.parametrize('name, text', [
    ('when.yml', 'identifier: when\nstart: 2026-01-01\n'),               # a date: JSON holds its text only
    ('keys.yml', 'identifier: keys\nports: {80: http}\n'),                 # a number as a key
    ('dup.yml', 'identifier: dup\nname: one\nname: two\n'),               # Ansible's loader reads it
    ('bad.yml', 'identifier: bad\nprojects: [\n'),                         # an error, named each run
])
def test_what_the_cache_cannot_hold_exactly_is_read_every_run(tmp_path, old_enough, parsed, name, text):
    cache = tmp_path / 'cache'
    write(tmp_path, {'shop.yml': SHOP, name: text})
    first = run(tmp_path, cache)
    written = os.stat(str(cache / cache_files(cache)[0])).st_ino
    del parsed[:]
    second = run(tmp_path, cache)
    assert second == first
    assert parsed == [name]   # the other file came from the cache
    # and the cache was not written again for a file it never keeps (a new file would have a new inode)
    assert os.stat(str(cache / cache_files(cache)[0])).st_ino == written


def test_a_file_changed_in_the_last_seconds_is_not_kept(tmp_path, parsed):
    cache = tmp_path / 'cache'
    write(tmp_path, {'shop.yml': SHOP})
    run(tmp_path, cache)
    del parsed[:]
    run(tmp_path, cache)
    assert parsed == ['shop.yml']


def test_the_cache_is_private_and_another_users_file_is_not_read(tmp_path, old_enough, parsed, monkeypatch):
    cache = tmp_path / 'cache'
    write(tmp_path, {'shop.yml': SHOP})
    run(tmp_path, cache)
    path = str(cache / cache_files(cache)[0])
    assert stat.S_IMODE(os.stat(str(cache)).st_mode) == 0o700 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    warnings = []
    monkeypatch.setattr(workspaces.Display, 'warning', lambda self, msg, **kw: warnings.append(msg))
    monkeypatch.setattr(workspaces.os, 'getuid', lambda: os.stat(path).st_uid + 1)
    del parsed[:]
    run(tmp_path, cache)
    assert parsed == ['shop.yml']
    assert warnings == ['landingzone.openstack.workspaces: %s belongs to another user, not read' % path]


@pytest.mark.parametrize('content', ['{"format": "landingzone', '[]', '{"format": "other", "files": {}}',
                                     '{"format": "%s", "files": {"workspaces/shop.yml": "x"}}' % workspaces.CACHE_FORMAT])
def test_a_cache_that_is_not_ours_is_read_as_empty(tmp_path, old_enough, parsed, content):
    cache = tmp_path / 'cache'
    write(tmp_path, {'shop.yml': SHOP})
    expected = run(tmp_path, None)
    run(tmp_path, cache)
    with open(str(cache / cache_files(cache)[0]), 'w') as handle:
        handle.write(content)
    del parsed[:]
    assert run(tmp_path, cache) == expected
    assert parsed == ['shop.yml']
    del parsed[:]
    run(tmp_path, cache)   # written again, right
    assert parsed == []


def test_a_cache_dir_that_cannot_be_written_is_said_and_the_files_are_read(tmp_path, old_enough, monkeypatch):
    blocker = tmp_path / 'file'
    blocker.write_text('not a directory')
    warnings = []
    monkeypatch.setattr(workspaces.Display, 'warning', lambda self, msg, **kw: warnings.append(msg))
    write(tmp_path, {'shop.yml': SHOP})
    assert run(tmp_path, blocker / 'cache') == run(tmp_path, None)
    assert len(warnings) == 1 and 'could not be written' in warnings[0] and str(blocker / 'cache') in warnings[0]
    assert not [p for p in os.listdir(str(tmp_path)) if p.startswith('.workspaces-')]


def test_two_inventories_keep_two_cache_files(tmp_path, old_enough):
    cache = tmp_path / 'cache'
    for name in ('a', 'b'):
        write(tmp_path / name, {'shop.yml': SHOP})
        run(tmp_path / name, cache)
    assert len(cache_files(cache)) == 2


def test_a_file_changed_while_it_is_read_is_read_again_next_run(tmp_path, old_enough, monkeypatch):
    """The stamp is taken before the file is read: the change made meanwhile gives the file another stamp."""
    cache = tmp_path / 'cache'
    write(tmp_path, {'shop.yml': SHOP})
    real = workspaces.load_plain

    def load_plain_then_edit(path):
        data = real(path)
        with open(path, 'w') as handle:   # written after the read: the data read is the old text's
            handle.write(SHOP.replace('Shop', 'Changed'))
        return data
    monkeypatch.setattr(workspaces, 'load_plain', load_plain_then_edit)
    assert run(tmp_path, cache)['workspaces'][0]['name'] == 'Shop'
    monkeypatch.setattr(workspaces, 'load_plain', real)
    assert run(tmp_path, cache)['workspaces'][0]['name'] == 'Changed'
