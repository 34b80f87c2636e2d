# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation refuses what Keystone's database would refuse or merge (issue 24, point 7), pure.

The collation is MySQL/MariaDB ``utf8mb3_general_ci`` (Keystone's tables: ``mysql_charset='utf8'``),
its table read from a real server; tests/integration/test_inventory_db_rules.py compares it with the
local cloud's MariaDB and shows Keystone refusing what is refused here.
"""

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import collation, naming
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import validate

PLATFORMS = ['local']
PROJECT = 'workspaces[0].projects[0]'


def inventory(project=None, workspace_tags=None, name='Web Shop'):
    proj = dict({'identifier': 'web'}, **(project or {}))
    ws = {'identifier': 'shop', 'name': name, 'projects': [proj]}
    if workspace_tags is not None:
        ws['tags'] = workspace_tags
    return {'landing_zones': {'default': {}}, 'workspaces': [ws]}


def messages(inv, path=PROJECT):
    return [i.message for i in validate(inv, PLATFORMS) if i.path == path]


@pytest.mark.parametrize('one,two', [
    ('straße', 'strase'), ('Café', 'cafe'), ('ÅSA', 'asa'), ('x ', 'x'), ('ǅ', 'ǆ'),
    ('Σ', 'ς'), ('İ', 'i'), ('ı', 'I'),
])
def test_what_the_collation_takes_for_one(one, two):
    assert collation.general_ci_key(one) == collation.general_ci_key(two)
    assert naming.keystone_name_key(one) == naming.keystone_name_key(two)


@pytest.mark.parametrize('one,two', [
    ('straße', 'strasse'), ('æ', 'ae'), ('æ', 'a'), ('ø', 'o'), ('ﬁ', 'fi'), ('đ', 'd'), (' x', 'x'), ('a-b', 'ab'), ('\u212a', 'k'),
])
def test_what_the_collation_keeps_apart(one, two):
    # casefold() and NFKD would merge the first and the ﬁ; the database does not
    assert collation.general_ci_key(one) != collation.general_ci_key(two)


def test_the_table_is_the_collation_of_the_basic_plane_only():
    assert all(0 <= cp <= 0xFFFF and 0 <= w <= 0xFFFF for cp, w in collation.WEIGHTS.items())
    assert collation.WEIGHTS[ord('a')] == ord('A') and collation.WEIGHTS[ord('ß')] == ord('S')
    assert collation.general_ci_key('\U0001F680') == '\ufffd'


@pytest.mark.parametrize('tags', [['Env', 'env'], ['café', 'cafe'], ['straße', 'strase'], ['x', 'x ']])
def test_tags_of_one_project_that_the_database_stores_as_one_are_refused(tags):
    found = messages(inventory(dict(tags=tags)))
    assert any('one tag in Keystone' in m and repr(tags[0]) in m and repr(tags[1]) in m for m in found), found


def test_tags_from_the_workspace_and_the_project_that_collide_are_refused():
    found = messages(inventory(dict(tags={'Team': 'A'}), workspace_tags={'team': 'a'}))
    assert any("'Team=A'" in m and "'team=a'" in m for m in found), found


@pytest.mark.parametrize('tags', [['straße', 'strasse'], ['ae', 'æ'], ['env', 'env-2']])
def test_tags_the_database_keeps_apart_are_fine(tags):
    assert messages(inventory(dict(tags=tags))) == []


def test_names_differing_by_ss_and_sharp_s_are_two_names_there():
    inv = {'landing_zones': {'default': {'patterns': {'project': '{project_name}'}}},
           'workspaces': [{'identifier': 'shop', 'name': 'Shop', 'projects': [
               {'identifier': 'a', 'name': 'strasse'}, {'identifier': 'b', 'name': 'straße'}]}]}
    assert validate(inv, PLATFORMS) == []


@pytest.mark.parametrize('name,fragment', [
    ('a' * 65536, 'bytes in UTF-8; Keystone\'s description column holds 65535'),
    ('é' * 32768, 'bytes in UTF-8; Keystone\'s description column holds 65535'),
    ('é' * 11000, 'bytes as sent'),
])
def test_a_description_longer_than_keystone_takes_is_refused(name, fragment):
    # the default description pattern is '{project_name} ({workspace_name})'
    found = messages(inventory(dict(name=name)))
    assert any(fragment in m and 'description pattern' in m for m in found), found


def test_a_description_that_fits_is_fine():
    assert messages(inventory(dict(name='a' * 65000), name='W')) == []
    assert naming.description_problems('é' * 10000) == []
    assert naming.description_problems('a' * 65535) == []
    assert naming.description_problems('a' * 65536)


def test_the_ascii_shortcut_of_the_collation_key_is_the_weight_table():
    """general_ci_key takes str.upper() for an ASCII text (validating 10,000 tenants asks 50,000 keys): the table
    must weigh every ASCII character as upper() does, and a trailing space still goes."""
    assert [chr(collation.WEIGHTS.get(p, p)) for p in range(128)] == [chr(p).upper() for p in range(128)]
    assert collation.general_ci_key('Shop-Web ') == 'SHOP-WEB' == collation.general_ci_key('shop-web')
