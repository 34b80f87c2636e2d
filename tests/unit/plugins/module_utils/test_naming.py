# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.naming import (
    PATTERN_FIELDS,
    PatternError,
    check_euid_pattern,
    name_problems,
    pattern_fields,
    render,
    render_euid,
    tag_problems,
)

VALUES = {'workspace': 'shop', 'project': 'web', 'platform': 'local', 'role': 'admin',
          'tenant': 'shop-web', 'workspace_name': 'Web Shop', 'project_name': 'Storefront'}


@pytest.mark.parametrize('pattern, expected', [
    ('{workspace}-{project}', 'shop-web'),
    ('{tenant}-{role}', 'shop-web-admin'),
    ('{platform}_{workspace}', 'local_shop'),
    ('{project_name} ({workspace_name})', 'Storefront (Web Shop)'),
    ('fixed', 'fixed'),
    ('{{literal}}-{project}', '{literal}-web'),
])
def test_render(pattern, expected):
    assert render(pattern, VALUES) == expected


@pytest.mark.parametrize('pattern, fragment', [
    ('{workspace.__class__}', 'attribute or index access'),
    ('{workspace[0]}', 'attribute or index access'),
    ('{workspace!r}', 'conversions and format specs'),
    ('{workspace:>20}', 'conversions and format specs'),
    ('{}', 'positional'),
    ('{0}', 'positional'),
    ('{owner}', 'unknown placeholder {owner}'),
    ('{workspace', 'invalid pattern'),
    ('workspace}', 'invalid pattern'),
])
def test_unsafe_or_unknown_placeholders_are_rejected(pattern, fragment):
    with pytest.raises(PatternError) as exc:
        render(pattern, VALUES)
    assert fragment in str(exc.value)


def test_pattern_fields_respect_allowed_per_kind():
    assert pattern_fields('{tenant}-{role}', PATTERN_FIELDS['group']) == ['tenant', 'role']
    with pytest.raises(PatternError, match='unknown placeholder {role}'):
        pattern_fields('{workspace}-{role}', PATTERN_FIELDS['project'])
    with pytest.raises(PatternError, match='unknown placeholder {project}'):
        pattern_fields('{project}', PATTERN_FIELDS['domain'])


def test_pattern_must_be_string():
    with pytest.raises(PatternError, match='must be a string'):
        pattern_fields(42)


def test_render_missing_value():
    with pytest.raises(PatternError, match='no value'):
        render('{role}', {'workspace': 'x'})


@pytest.mark.parametrize('pattern, euid, expected', [
    ('%s', 'alice', 'alice'),
    ('%S', 'alice', 'ALICE'),
    ('%s@example.com', 'alice', 'alice@example.com'),
    ('corp\\%S', 'alice', 'corp\\ALICE'),
    ('100%%-%s', 'bob', '100%-bob'),
    ('%S', 'Mixed.Case', 'MIXED.CASE'),
])
def test_render_euid(pattern, euid, expected):
    assert render_euid(pattern, euid) == expected


@pytest.mark.parametrize('pattern', ['', 'alice', '%s-%s', '%s%S', '%d', '%s%', 'x%y%s'])
def test_bad_euid_patterns(pattern):
    with pytest.raises(PatternError):
        check_euid_pattern(pattern)


def test_euid_pattern_must_be_string():
    with pytest.raises(PatternError):
        check_euid_pattern(None)


def test_name_problems_ok():
    assert name_problems('shop-web') == []
    assert name_problems('a' * 64, 'group') == []


@pytest.mark.parametrize('name, kind, fragment', [
    ('', 'project', 'empty'),
    ('   ', 'group', 'empty'),
    ('a' * 65, 'project', '65 characters long; Keystone allows 64'),
    ('a' * 65, 'group', '65 characters long'),
    ('a' * 65, 'domain', '65 characters long'),
    ('shop/web', 'project', 'URL-reserved'),
    ('shop,web', 'domain', 'URL-reserved'),
    ('shop web ', 'project', 'whitespace'),
    ('shop\tweb', 'group', 'control characters'),
])
def test_name_problems(name, kind, fragment):
    problems = name_problems(name, kind)
    assert problems and any(fragment in p for p in problems), problems


def test_group_names_may_hold_url_reserved_characters():
    assert name_problems('shop@web', 'group') == []


@pytest.mark.parametrize('tag, ok', [
    ('env=prod', True),
    ('a' * 255, True),
    ('a' * 256, False),
    ('a/b', False),
    ('a,b', False),
    ('', False),
    (None, False),
    ('a\nb', False),
])
def test_tag_problems(tag, ok):
    assert (tag_problems(tag) == []) is ok
