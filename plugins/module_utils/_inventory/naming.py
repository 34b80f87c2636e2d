# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Naming patterns and Keystone name rules.

Pure functions, standard library only: they run inside Ansible modules and in the
validation step that precedes every API call.

Patterns use ``str.format``-like placeholders (``{workspace}-{project}``) but are
never passed to ``str.format``: fields are looked up in a plain dict, and
attribute access, indexing, conversions and format specs are rejected, so an
inventory cannot reach into Python objects.
"""

import functools
import json
import re
import string

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.collation import general_ci_key

# Placeholders each pattern may use. ``{tenant}`` is the Keystone project name
# after the project pattern; ``{role}`` is the project role (reader/user/admin).
PATTERN_FIELDS = {
    'project': ('workspace', 'project', 'platform', 'workspace_name', 'project_name'),
    'domain': ('workspace', 'platform', 'workspace_name'),
    'group': ('workspace', 'project', 'platform', 'workspace_name', 'project_name', 'tenant', 'role'),
    'description': ('workspace', 'project', 'platform', 'workspace_name', 'project_name', 'tenant'),
}
ALL_FIELDS = ('workspace', 'project', 'platform', 'role', 'tenant', 'workspace_name', 'project_name')

DEFAULT_PATTERNS = {
    'project': '{workspace}-{project}',
    'group': '{tenant}-{role}',
    'domain': '{workspace}',
    'description': '{project_name} ({workspace_name})',
}
DEFAULT_EUID_PATTERN = '%s'

# Keystone stores project, domain and group names in VARCHAR(64) columns.
KEYSTONE_NAME_MAX = 64
# Characters Keystone refuses in project and domain names when
# [resource] project_name_url_safe / domain_name_url_safe is 'new' or 'strict'
# (keystone.common.utils.URL_RESERVED_CHARS). We reject them always, so an
# inventory stays valid whatever the cloud's setting.
URL_RESERVED_CHARS = ":/?#[]@!$&'()*+,;="
# Keystone project tags: 1..255 characters, no ',' or '/', at most 80 per project.
TAG_MAX_LENGTH = 255
TAG_FORBIDDEN_CHARS = ',/'
MAX_TAGS = 80
# project.description is a TEXT column (keystone/resource/backends/sql_model.py): 65,535 bytes.
# keystoneauth sends it as JSON with non-ASCII escaped (\uXXXX, 6 bytes), and Keystone's default
# [oslo_middleware] max_request_body_size is 114,688 bytes: the same 65,535 as sent leaves room for
# the rest of the request.
DESCRIPTION_MAX_BYTES = 65535

_CONTROL_RE = re.compile(r'[\x00-\x1f\x7f]')
_EUID_TOKEN_RE = re.compile(r'%(.?)', re.S)


class PatternError(ValueError):
    """A pattern that cannot be rendered (syntax, unsafe or unknown placeholder)."""


def pattern_fields(pattern, allowed=ALL_FIELDS):
    """Return the placeholder names used by ``pattern``, in order.

    Raises PatternError for syntax errors, positional fields, attribute or index
    access, conversions, format specs and placeholders not in ``allowed``: a typo in
    an inventory pattern must fail validation, not produce odd Keystone names.
    """
    if not isinstance(pattern, str):
        raise PatternError('must be a string')
    return list(_checked_fields(pattern, tuple(allowed)))


# a landing zone's few patterns render every tenant's names (tens of thousands at 10,000 tenants): parsed once each
@functools.lru_cache(maxsize=1024)
def _parsed(pattern):
    try:
        return tuple(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise PatternError('invalid pattern %r: %s' % (pattern, exc)) from None


@functools.lru_cache(maxsize=1024)
def _checked_fields(pattern, allowed):
    fields = []
    for _literal, field, spec, conversion in _parsed(pattern):
        if field is None:
            continue
        if field == '' or field.isdigit():
            raise PatternError('positional placeholder {%s} in %r; use a named placeholder' % (field, pattern))
        if not re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]*', field):
            raise PatternError('placeholder {%s} in %r: attribute or index access is not allowed' % (field, pattern))
        if conversion or spec:
            raise PatternError('placeholder {%s} in %r: conversions and format specs are not allowed' % (field, pattern))
        if field not in allowed:
            raise PatternError('unknown placeholder {%s} in %r; allowed: %s'
                               % (field, pattern, ', '.join('{%s}' % f for f in allowed)))
        fields.append(field)
    return tuple(fields)


def render(pattern, values, allowed=ALL_FIELDS):
    """Render ``pattern`` with ``values`` (a dict of strings), safely.

    Literal text is copied as is (``{{`` and ``}}`` are the escapes for braces);
    each placeholder is replaced by ``values[name]``.
    """
    pattern_fields(pattern, allowed)
    out = []
    for literal, field, _spec, _conversion in _parsed(pattern):
        out.append(literal)
        if field is not None:
            if field not in values:
                raise PatternError('no value for placeholder {%s}' % field)
            out.append(str(values[field]))
    return ''.join(out)


def check_euid_pattern(pattern):
    """Raise PatternError unless ``pattern`` holds exactly one ``%s`` or ``%S``.

    ``%s`` is the euid as given, ``%S`` the euid upper-cased, ``%%`` a literal
    percent sign; any other ``%`` sequence is an error. Text around the token is a
    prefix/suffix (``%s@example.com``, ``corp\\%S``).
    """
    if not isinstance(pattern, str):
        raise PatternError('must be a string')
    _check_euid_tokens(pattern)


@functools.lru_cache(maxsize=1024)
def _check_euid_tokens(pattern):
    tokens = 0
    for match in _EUID_TOKEN_RE.finditer(pattern):
        char = match.group(1)
        if char in ('s', 'S'):
            tokens += 1
        elif char != '%':
            raise PatternError('invalid sequence %r in euid pattern %r; use %%s, %%S or %%%%' % (match.group(0), pattern))
    if tokens != 1:
        raise PatternError('euid pattern %r must contain exactly one %%s or %%S (found %d)' % (pattern, tokens))


# a user is bound in many projects: each (pattern, euid) is rendered once per run
@functools.lru_cache(maxsize=65536)
def render_euid(pattern, euid):
    """Turn an inventory euid into the Keystone user name the pattern describes."""
    check_euid_pattern(pattern)

    def substitute(match):
        char = match.group(1)
        if char == 's':
            return euid
        if char == 'S':
            return euid.upper()
        return '%'

    return _EUID_TOKEN_RE.sub(substitute, pattern)


def name_problems(name, kind='project'):
    """Return reasons Keystone would reject (or mangle) ``name`` as a ``kind`` name.

    ``kind`` is 'project', 'domain' or 'group'. Checks: non-empty, at most 64
    characters, no control characters, no leading/trailing whitespace (Keystone
    keeps it, people never mean it) and, for projects and domains, no URL-reserved
    characters. An empty list means the name is fine.
    """
    problems = []
    if not name or not name.strip():
        return ['%s name is empty' % kind]
    if len(name) > KEYSTONE_NAME_MAX:
        problems.append('%s name %r is %d characters long; Keystone allows %d'
                        % (kind, name, len(name), KEYSTONE_NAME_MAX))
    if _CONTROL_RE.search(name):
        problems.append('%s name %r contains control characters' % (kind, name))
    if name != name.strip():
        problems.append('%s name %r has leading or trailing whitespace' % (kind, name))
    if beyond_bmp(name):
        problems.append('%s name %r contains %s, which Keystone\'s utf8 columns cannot store'
                        % (kind, name, ' '.join(beyond_bmp(name))))
    if kind in ('project', 'domain'):
        bad = sorted(set(c for c in name if c in URL_RESERVED_CHARS))
        if bad:
            problems.append('%s name %r contains URL-reserved characters %s, which Keystone rejects when '
                            '%s_name_url_safe is enabled' % (kind, name, ' '.join(bad), kind))
    return problems


def tag_problems(tag):
    """Return reasons Keystone would reject ``tag`` as a project tag (empty list: fine)."""
    if not isinstance(tag, str) or not tag:
        return ['tag must be a non-empty string']
    problems = []
    if len(tag) > TAG_MAX_LENGTH:
        problems.append('tag %r is %d characters long; Keystone allows %d' % (tag, len(tag), TAG_MAX_LENGTH))
    bad = sorted(set(c for c in tag if c in TAG_FORBIDDEN_CHARS))
    if bad:
        problems.append('tag %r contains %s, which Keystone rejects in tags' % (tag, ' and '.join(repr(c) for c in bad)))
    if _CONTROL_RE.search(tag):
        problems.append('tag %r contains control characters' % tag)
    if beyond_bmp(tag):
        problems.append('tag %r contains %s, which Keystone\'s utf8 columns cannot store' % (tag, ' '.join(beyond_bmp(tag))))
    return problems


def keystone_name_key(name):
    """How Keystone's database compares names and tags: its tables' collation, MySQL/MariaDB
    ``utf8mb3_general_ci`` (``collation.general_ci_key``), so ``Jill`` and ``jill``, ``é`` and ``e``,
    ``ß`` and ``s`` (not ``ss``), ``x`` and ``x `` are one name there. Lookups and uniqueness
    checks compare these keys, never the raw strings (docs/inventory.md, "Names as Keystone
    compares them")."""
    return general_ci_key(name)


def tag_collisions(tags):
    """Pairs of ``tags`` that Keystone's database stores as one (its primary key is the project
    and the tag under the collation): it refuses the project with 409."""
    seen, out = {}, []
    for tag in tags:
        other = seen.setdefault(keystone_name_key(tag), tag)
        if other != tag:
            out.append((other, tag))
    return out


def description_problems(description):
    """Reasons Keystone cannot store ``description`` (the column, the request size)."""
    stored = len((description or '').encode('utf-8'))
    sent = len(json.dumps(description or '')) - 2
    if stored > DESCRIPTION_MAX_BYTES:
        return ['description is %d bytes in UTF-8; Keystone\'s description column holds %d'
                % (stored, DESCRIPTION_MAX_BYTES)]
    if sent > DESCRIPTION_MAX_BYTES:
        return ['description is %d bytes as sent (JSON, non-ASCII characters escaped as \\uXXXX); at most %d '
                'fit Keystone\'s default request limit (max_request_body_size)' % (sent, DESCRIPTION_MAX_BYTES)]
    return []


def beyond_bmp(text):
    """The characters of ``text`` outside the Basic Multilingual Plane (4 bytes in UTF-8, e.g. emoji):
    Keystone's tables are ``utf8`` (3 bytes per character) on MySQL/MariaDB and refuse them."""
    if isinstance(text, str) and text.isascii():
        return []
    return sorted(set(c for c in text or '' if ord(c) > 0xFFFF))
