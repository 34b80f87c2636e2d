# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory validation: the raw inventory -> every problem with its path, or the Tenants.

Standard library only. The modules validate before the first API call, so every check that can
be made from the inventory alone lives here: schema, identifiers, references, Keystone name
limits and name collisions after patterns. One analysis of the inventory gives both the problems
and the tenants (``select_tenants``). See docs/inventory.md.
"""

import dataclasses
import datetime
import hashlib
import json
import re
from dataclasses import dataclass

from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import (
    RESERVED_TAG_PREFIX,
    owner_tags,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import (
    InventoryError,
    ValidationIssue,
    unique,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._time import UTC
from ansible_collections.landingzone.openstack.plugins.module_utils._time import day
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.values import date_value, type_name
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.model import (
    DEFAULT_DELETION_RESOURCES,
    DEFAULT_DOMAIN_ID,
    DEFAULT_DOMAIN_NAME,
    DEFAULT_FOREIGN_TAGS,
    DEFAULT_QUOTA_BELOW_USAGE,
    DEFAULT_ROLE_MAPPING,
    PROJECT_ROLES,
    Binding,
    DeletionResources,
    DomainMode,
    Federation,
    ForeignTags,
    Group,
    LandingZone,
    QuotaBelowUsage,
    State,
    Tenant,
    choices_of,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.quota_keys import (
    quota_mappings,
    validate_quotas,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import quota_approval
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.shards import parse_shard
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.files import with_sources
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.naming import (
    DEFAULT_EUID_PATTERN,
    DEFAULT_PATTERNS,
    MAX_TAGS,
    PATTERN_FIELDS,
    PatternError,
    beyond_bmp,
    check_euid_pattern,
    description_problems,
    keystone_name_key,
    name_problems,
    pattern_fields,
    render,
    render_euid,
    tag_collisions,
    tag_problems,
)

# Used when a project names no landing zone and one with this name exists.
DEFAULT_LANDING_ZONE = 'default'

IDENTIFIER_RE = re.compile(r'^[a-z0-9]([a-z0-9-]*[a-z0-9])?$')
WORKSPACE_ID_MAX = 16
PROJECT_ID_MAX = 30
LANDING_ZONE_NAME_RE = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$')
LANDING_ZONE_NAME_MAX = 64

TOP_KEYS = ('landing_zones', 'workspaces') + quota_approval.INVENTORY_KEYS
LANDING_ZONE_KEYS = ('domain_mode', 'domain_name', 'role_mapping', 'patterns', 'euid_pattern',
                     'delete_projects', 'extra_tags', 'quota', 'quota_sizes', 'quota_below_usage', 'foreign_tags',
                     'protect_projects', 'deletion_resources', 'federation', 'max_binding_days', 'require_expiry',
                     'expiry_notice_days')
FEDERATION_KEYS = ('identity_provider', 'domain', 'protocols', 'exempt_from_inactivity', 'remove_unbound_users')
FEDERATION_REQUIRED = ('identity_provider', 'domain', 'protocols')
QUOTA_KEYS = ('size', 'values')
WORKSPACE_KEYS = ('identifier', 'name', 'tags', 'projects')
PROJECT_KEYS = ('identifier', 'name', 'tags', 'landing_zone', 'platforms', 'bindings', 'state', 'quota', 'adopt')
BINDING_KEYS = ('euid', 'role', 'expires')
BINDING_KEY_SET = frozenset(BINDING_KEYS)
BINDING_REQUIRED = ('euid', 'role')
# A Keystone project id as Keystone makes them (a uuid4 in hex): what ``adopt`` names per platform.
ADOPT_ID_RE = re.compile(r'^[0-9a-f]{32}$')


# --------------------------------------------------------------------------------------------
# Small schema helpers. Each appends ValidationIssue objects to ``errors`` and returns
# a normalised value (or None when invalid), so one pass reports every problem.
# --------------------------------------------------------------------------------------------

def _sub(path, key):
    if isinstance(key, int):
        return '%s[%d]' % (path, key)
    return '%s.%s' % (path, key) if path else str(key)


def _expect(value, kinds, what, path, errors):
    """True if ``value`` is one of ``kinds`` (bool is never an int here)."""
    if isinstance(value, bool) and bool not in kinds:
        ok = False
    else:
        ok = isinstance(value, kinds)
    if not ok:
        errors.append(ValidationIssue(path, 'must be %s, got %s' % (what, type_name(value))))
    return ok


def _mapping(value, allowed, required, path, errors):
    """Check a mapping's type and keys; unknown keys are errors (typos must not pass silently)."""
    if not _expect(value, (dict,), 'a mapping', path, errors):
        return False
    for key in value:
        if key not in allowed:
            errors.append(ValidationIssue(_sub(path, key), 'unknown key %r; allowed: %s'
                                          % (key, ', '.join(allowed))))
    for key in required:
        if key not in value:
            errors.append(ValidationIssue(_sub(path, key), 'is required'))
    return True


CONTROL_CHARS_RE = re.compile(r'[\x00-\x1f\x7f]')


def _plain_text(value):
    """True when ``_text`` passes ``value`` without a word (the fast path of the checks of 100,000 bindings)."""
    return isinstance(value, str) and value != '' and value == value.strip() and not CONTROL_CHARS_RE.search(value)


def _text(value, path, errors, what='a non-empty string'):
    """A non-empty single-line string without surrounding whitespace."""
    if not _expect(value, (str,), what, path, errors):
        return None
    stripped = value.strip()
    if not stripped:
        errors.append(ValidationIssue(path, 'must not be empty'))
        return None
    if value != stripped or CONTROL_CHARS_RE.search(value):
        errors.append(ValidationIssue(path, '%r has surrounding whitespace or control characters' % value))
        return None
    return value


def _identifier(value, max_len, path, errors):
    if not _expect(value, (str,), 'a string', path, errors):
        return None
    if len(value) > max_len:
        errors.append(ValidationIssue(path, 'identifier %r is %d characters long; at most %d allowed'
                                      % (value, len(value), max_len)))
        return None
    if not IDENTIFIER_RE.fullmatch(value):
        errors.append(ValidationIssue(path, 'identifier %r must be lower-case letters, digits and inner '
                                            'hyphens (%s)' % (value, IDENTIFIER_RE.pattern)))
        return None
    return value


def _choice(value, choices, path, errors):
    """``value`` if it is one of ``choices`` (of a str-enum: its member), else None and an error."""
    if not _expect(value, (str,), 'a string', path, errors):
        return None
    enum_class = isinstance(choices, type)
    texts = choices_of(choices) if enum_class else choices
    if value not in texts:
        errors.append(ValidationIssue(path, '%r is not one of %s' % (value, ', '.join(texts))))
        return None
    return choices(value) if enum_class else value


def _tag_value(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def _tags(value, path, errors):
    """Normalise inventory tags into a dict: 'key' -> 'key=value' for mappings, 'tag' -> 'tag' for lists.

    Mapping tags of a later source override the same key of an earlier one (a
    project can override its workspace's cost centre). The 'lz-' prefix is
    reserved for ownership tags.
    """
    result = {}
    if value is None:
        return result
    if isinstance(value, dict):
        items = []
        for key, val in value.items():
            tpath = _sub(path, key)
            if not isinstance(key, str) or not key or '=' in key:
                errors.append(ValidationIssue(tpath, 'tag key must be a non-empty string without "="'))
                continue
            if not _expect(val, (str, int, float, bool), 'a string or number', tpath, errors):
                continue
            items.append((tpath, key, '%s=%s' % (key, _tag_value(val))))
    elif isinstance(value, list):
        items = []
        for index, tag in enumerate(value):
            tpath = _sub(path, index)
            if _expect(tag, (str,), 'a string', tpath, errors):
                items.append((tpath, tag, tag))
    else:
        errors.append(ValidationIssue(path, 'must be a mapping or a list of strings, got %s' % type_name(value)))
        return result
    for tpath, key, tag in items:
        problems = tag_problems(tag)
        if tag.startswith(RESERVED_TAG_PREFIX):
            problems.append('tag %r uses the prefix %r, reserved for ownership tags' % (tag, RESERVED_TAG_PREFIX))
        for problem in problems:
            errors.append(ValidationIssue(tpath, problem))
        if not problems:
            result[key] = tag
    return result


# --------------------------------------------------------------------------------------------
# Landing zones
# --------------------------------------------------------------------------------------------

def _role_mapping(value, path, errors):
    """Merge the inventory's role mapping over the defaults; every role maps to >= 1 Keystone role."""
    mapping = dict((role, list(roles)) for role, roles in DEFAULT_ROLE_MAPPING.items())
    if value is None or not _expect(value, (dict,), 'a mapping', path, errors):
        return mapping
    for role, roles in value.items():
        rpath = _sub(path, role)
        if role not in PROJECT_ROLES:
            errors.append(ValidationIssue(rpath, 'unknown project role %r; known: %s'
                                          % (role, ', '.join(PROJECT_ROLES))))
            continue
        if isinstance(roles, str):
            roles = [roles]
        if not _expect(roles, (list,), 'a list of Keystone role names', rpath, errors):
            continue
        if not roles:
            errors.append(ValidationIssue(rpath, 'must name at least one Keystone role'))
            continue
        names = []
        for index, name in enumerate(roles):
            name = _text(name, _sub(rpath, index), errors)
            if name is None:
                continue
            if name in names:
                errors.append(ValidationIssue(_sub(rpath, index), 'duplicate Keystone role %r' % name))
                continue
            names.append(name)
        mapping[role] = names
    return mapping


def _patterns(value, path, errors):
    patterns = dict(DEFAULT_PATTERNS)
    if value is None or not _mapping(value, tuple(DEFAULT_PATTERNS), (), path, errors):
        return patterns
    for kind, pattern in value.items():
        if kind not in DEFAULT_PATTERNS:
            continue
        ppath = _sub(path, kind)
        if not _expect(pattern, (str,), 'a string', ppath, errors):
            continue
        try:
            pattern_fields(pattern, PATTERN_FIELDS[kind])
        except PatternError as exc:
            errors.append(ValidationIssue(ppath, str(exc)))
            continue
        if not pattern.strip():
            errors.append(ValidationIssue(ppath, 'must not be empty'))
            continue
        patterns[kind] = pattern
    return patterns


def _quota(value, quota_sizes, path, errors):
    """Landing zone quota: optional named ``size`` and ``values``; quota keys are checked elsewhere."""
    if value is None or not _mapping(value, QUOTA_KEYS, (), path, errors):
        return None, {}
    size = value.get('size')
    if size is not None and _expect(size, (str,), 'a string', _sub(path, 'size'), errors):
        if size not in quota_sizes:
            errors.append(ValidationIssue(_sub(path, 'size'), 'unknown quota size %r; defined in quota_sizes: %s'
                                          % (size, ', '.join(sorted(quota_sizes)) or 'none')))
    values = value.get('values')
    if values is None or not _expect(values, (dict,), 'a mapping', _sub(path, 'values'), errors):
        values = {}
    return size, dict(values)


def _landing_zone(name, raw, path, errors):
    """Validate one landing zone; returns a LandingZone, or None if it has errors."""
    start = len(errors)
    if not isinstance(name, str) or not LANDING_ZONE_NAME_RE.fullmatch(name) or len(name) > LANDING_ZONE_NAME_MAX:
        errors.append(ValidationIssue(path, 'landing zone name %r must be at most %d letters, digits, "_" and "-"'
                                      % (name, LANDING_ZONE_NAME_MAX)))
    if raw is None:
        raw = {}
    if not _mapping(raw, LANDING_ZONE_KEYS, (), path, errors):
        return None
    mode = _choice(raw.get('domain_mode', DomainMode.DEFAULT.value), DomainMode, _sub(path, 'domain_mode'), errors)
    domain_name = None
    if 'domain_name' in raw:
        dpath = _sub(path, 'domain_name')
        if mode == DomainMode.PER_WORKSPACE:
            errors.append(ValidationIssue(dpath, 'applies to domain_mode default only; per_workspace domains '
                                                 'are named by patterns.domain'))
        domain_name = _text(raw['domain_name'], dpath, errors)
        for problem in name_problems(domain_name or 'x', 'domain'):
            errors.append(ValidationIssue(dpath, problem))
    euid_pattern = raw.get('euid_pattern', DEFAULT_EUID_PATTERN)
    try:
        check_euid_pattern(euid_pattern)
    except PatternError as exc:
        errors.append(ValidationIssue(_sub(path, 'euid_pattern'), str(exc)))
    policies = _zone_policies(raw, path, errors)
    quota_sizes = _quota_sizes(raw.get('quota_sizes'), _sub(path, 'quota_sizes'), errors)
    role_mapping = _role_mapping(raw.get('role_mapping'), _sub(path, 'role_mapping'), errors)
    patterns = _patterns(raw.get('patterns'), _sub(path, 'patterns'), errors)
    extra_tags = _tags(raw.get('extra_tags'), _sub(path, 'extra_tags'), errors)
    quota_size, quota_values = _quota(raw.get('quota'), quota_sizes, _sub(path, 'quota'), errors)
    policies['federation'] = _federation(raw.get('federation'), _sub(path, 'federation'), errors)
    zone = LandingZone(name=name, domain_mode=mode, domain_name=domain_name, role_mapping=role_mapping,
                       patterns=patterns, euid_pattern=euid_pattern, extra_tags=extra_tags, quota_size=quota_size,
                       quota_values=quota_values, quota_sizes=quota_sizes, **policies)
    return zone if len(errors) == start else None


def _zone_policies(raw, path, errors):
    """The landing zone's policies (below-usage, foreign tags, deletion, protection), defaults filled in."""
    below_usage = DEFAULT_QUOTA_BELOW_USAGE
    if raw.get('quota_below_usage') is not None:
        below_usage = _choice(raw['quota_below_usage'], QuotaBelowUsage, _sub(path, 'quota_below_usage'), errors)
    foreign_tags = DEFAULT_FOREIGN_TAGS
    if raw.get('foreign_tags') is not None:
        foreign_tags = _choice(raw['foreign_tags'], ForeignTags, _sub(path, 'foreign_tags'), errors)
    delete_projects = raw.get('delete_projects', False)
    _expect(delete_projects, (bool,), 'a boolean', _sub(path, 'delete_projects'), errors)
    deletion_resources = DEFAULT_DELETION_RESOURCES
    if raw.get('deletion_resources') is not None:
        deletion_resources = _choice(raw['deletion_resources'], DeletionResources, _sub(path, 'deletion_resources'),
                                     errors)
    protect_projects = raw.get('protect_projects', False)
    _expect(protect_projects, (bool,), 'a boolean', _sub(path, 'protect_projects'), errors)
    return dict(quota_below_usage=below_usage, foreign_tags=foreign_tags, delete_projects=delete_projects,
                deletion_resources=deletion_resources, protect_projects=protect_projects, **_expiry_policy(raw, path, errors))


def _expiry_policy(raw, path, errors):
    """The zone's rules for expiring bindings: a cap on the duration, the roles that need an expiry, the notice window."""
    policy = {}
    for key in ('max_binding_days', 'expiry_notice_days'):
        value = raw.get(key)
        if value is None:
            continue
        if _expect(value, (int,), 'a number of days', _sub(path, key), errors):
            if value < (1 if key == 'max_binding_days' else 0):
                errors.append(ValidationIssue(_sub(path, key), 'must be at least %d' % (1 if key == 'max_binding_days' else 0)))
            else:
                policy[key] = value
    roles = raw.get('require_expiry')
    if roles is not None and _expect(roles, (list,), 'a list of project roles', _sub(path, 'require_expiry'), errors):
        policy['require_expiry'] = tuple(r for i, r in enumerate(roles)
                                         if _choice(r, PROJECT_ROLES, _sub(_sub(path, 'require_expiry'), i), errors))
    return policy


def _federation(raw, path, errors):
    """The zone's identity provider for users bound before their first login (None: not enabled)."""
    if raw is None or not _mapping(raw, FEDERATION_KEYS, FEDERATION_REQUIRED, path, errors):
        return None
    idp = _text(raw.get('identity_provider'), _sub(path, 'identity_provider'), errors) if 'identity_provider' in raw else None
    domain = _text(raw.get('domain'), _sub(path, 'domain'), errors) if 'domain' in raw else None
    protocols = raw.get('protocols')
    ppath = _sub(path, 'protocols')
    if 'protocols' in raw and _expect(protocols, (list,), 'a list of protocol ids', ppath, errors):
        if not protocols:
            errors.append(ValidationIssue(ppath, 'must name at least one protocol users log in with'))
        protocols = [_text(p, _sub(ppath, i), errors) for i, p in enumerate(protocols)]
        if len(set(protocols)) != len(protocols):
            errors.append(ValidationIssue(ppath, 'names a protocol twice'))
    exempt = raw.get('exempt_from_inactivity', True)
    _expect(exempt, (bool,), 'a boolean', _sub(path, 'exempt_from_inactivity'), errors)
    remove = raw.get('remove_unbound_users', False)
    _expect(remove, (bool,), 'a boolean', _sub(path, 'remove_unbound_users'), errors)
    if not idp or not domain or not isinstance(protocols, list) or not protocols or not all(protocols):
        return None
    return Federation(identity_provider=idp, domain=domain, protocols=protocols, exempt_from_inactivity=exempt is True,
                      remove_unbound_users=remove is True)


def _quota_sizes(quota_sizes, path, errors):
    """The landing zone's named quota sizes: {size: {key: value}}."""
    quota_sizes = {} if quota_sizes is None else quota_sizes
    if not _expect(quota_sizes, (dict,), 'a mapping of size name to quota values', path, errors):
        return {}
    for size, values in quota_sizes.items():
        _expect(values, (dict,), 'a mapping of quota values', _sub(path, size), errors)
    return quota_sizes


# --------------------------------------------------------------------------------------------
# Workspaces and projects
# --------------------------------------------------------------------------------------------

class _Record:
    """A project that passed schema checks (internal)."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


def _bindings(value, path, errors):
    """Bindings; a user may hold several roles, the exact same binding twice is an error."""
    bindings, seen = [], set()
    if value is None or not _expect(value, (list,), 'a list', path, errors):
        return bindings
    for index, raw in enumerate(value):
        bpath = '%s[%d]' % (path, index)
        if (isinstance(raw, dict) and raw.keys() <= BINDING_KEY_SET and _plain_text(raw.get('euid'))
                and isinstance(raw.get('role'), str) and raw['role'] in PROJECT_ROLES and raw.get('expires') is None):
            # what the checks below pass without a word, without them (most bindings of a large inventory)
            euid, role, expires = raw['euid'], raw['role'], None
        else:
            if not _mapping(raw, BINDING_KEYS, BINDING_REQUIRED, bpath, errors):
                continue
            euid = _text(raw.get('euid'), _sub(bpath, 'euid'), errors) if 'euid' in raw else None
            role = _choice(raw.get('role'), PROJECT_ROLES, _sub(bpath, 'role'), errors) if 'role' in raw else None
            expires = (date_value(raw['expires'], _sub(bpath, 'expires'), errors) if raw.get('expires') is not None
                       else None)
            if euid is None or role is None:
                continue
        if (euid, role) in seen:
            errors.append(ValidationIssue(bpath, 'duplicate binding of %r to role %r' % (euid, role)))
            continue
        seen.add((euid, role))
        bindings.append(Binding(euid, role, expires, bpath))
    return bindings


def _landing_zone_ref(value, path, zone_names, platforms, errors):
    """A landing zone name, or a mapping platform -> landing zone name."""
    if value is None:
        if DEFAULT_LANDING_ZONE in zone_names:
            return DEFAULT_LANDING_ZONE
        errors.append(ValidationIssue(path, 'is required (no landing zone named %r to default to)'
                                      % DEFAULT_LANDING_ZONE))
        return None
    if isinstance(value, str):
        refs = {None: value}
    elif isinstance(value, dict) and value:
        refs = value
    else:
        errors.append(ValidationIssue(path, 'must be a landing zone name or a non-empty mapping of platform to '
                                            'landing zone name, got %s' % type_name(value)))
        return None
    ok = True
    for platform, zone in refs.items():
        zpath = path if platform is None else _sub(path, platform)
        if platform is not None and platforms is not None and platform not in platforms:
            errors.append(ValidationIssue(zpath, 'unknown platform %r; known: %s'
                                          % (platform, ', '.join(platforms))))
            ok = False
        if not _expect(zone, (str,), 'a landing zone name', zpath, errors):
            ok = False
        elif zone not in zone_names:
            errors.append(ValidationIssue(zpath, 'unknown landing zone %r; defined: %s'
                                          % (zone, ', '.join(sorted(zone_names)) or 'none')))
            ok = False
    if not ok:
        return None
    return value


def _platform_list(value, path, platforms, errors):
    if value is None:
        return None
    if not _expect(value, (list,), 'a list of platform names', path, errors):
        return None
    result = []
    for index, platform in enumerate(value):
        ppath = _sub(path, index)
        if not _expect(platform, (str,), 'a string', ppath, errors):
            continue
        if platforms is not None and platform not in platforms:
            errors.append(ValidationIssue(ppath, 'unknown platform %r; known: %s' % (platform, ', '.join(platforms))))
        elif platform in result:
            errors.append(ValidationIssue(ppath, 'duplicate platform %r' % platform))
        else:
            result.append(platform)
    return result


def _project_platforms(project, all_platforms, errors):
    """Where a project lives: its ``platforms``, else the platforms its landing zone mapping names, else all."""
    zone_ref = project.landing_zone
    if project.platforms is not None:
        result = project.platforms
    elif isinstance(zone_ref, dict):
        result = [p for p in zone_ref if all_platforms is None or p in all_platforms]
    else:
        result = list(all_platforms or [])
    if isinstance(zone_ref, dict):
        for platform in result:
            if platform not in zone_ref:
                errors.append(ValidationIssue(_sub(project.path, 'landing_zone'),
                                              'names no landing zone for platform %r' % platform))
    return result


def _project(raw, path, workspace, zone_names, platforms, errors):
    start = len(errors)
    if not _mapping(raw, PROJECT_KEYS, ('identifier',), path, errors):
        return None
    identifier = _identifier(raw.get('identifier'), PROJECT_ID_MAX, _sub(path, 'identifier'), errors) \
        if 'identifier' in raw else None
    name = raw.get('name', identifier)
    if 'name' in raw:
        name = _text(name, _sub(path, 'name'), errors)
    project = _Record(
        path=path, workspace=workspace, identifier=identifier, name=name,
        tags=_tags(raw.get('tags'), _sub(path, 'tags'), errors),
        landing_zone=_landing_zone_ref(raw.get('landing_zone'), _sub(path, 'landing_zone'), zone_names, platforms,
                                       errors),
        platforms=_platform_list(raw.get('platforms'), _sub(path, 'platforms'), platforms, errors),
        bindings=_bindings(raw.get('bindings'), _sub(path, 'bindings'), errors),
        state=_choice(raw.get('state', State.PRESENT.value), State, _sub(path, 'state'), errors),
        quota={} if raw.get('quota') is None else raw['quota'],
        adopt=_adopt(raw.get('adopt'), _sub(path, 'adopt'), platforms, errors),
    )
    _expect(project.quota, (dict,), 'a mapping of quota overrides', _sub(path, 'quota'), errors)
    return project if len(errors) == start else None


def _adopt(value, path, platforms, errors):
    """``adopt``: platform -> the id of the existing Keystone project the tenant takes over there."""
    if value is None:
        return {}
    if not _expect(value, (dict,), 'a mapping of platform to Keystone project id', path, errors):
        return {}
    if not value:
        errors.append(ValidationIssue(path, 'must name at least one platform (or be left out)'))
    adopt = {}
    for platform, project_id in value.items():
        ppath = _sub(path, platform)
        if platforms is not None and platform not in platforms:
            errors.append(ValidationIssue(ppath, 'unknown platform %r; known: %s' % (platform, ', '.join(platforms))))
        elif _expect(project_id, (str,), 'a Keystone project id', ppath, errors):
            if ADOPT_ID_RE.fullmatch(project_id):
                adopt[platform] = project_id
            else:
                errors.append(ValidationIssue(ppath, '%r is not a Keystone project id (32 lower-case hexadecimal '
                                                     'digits, as `openstack project show -f value -c id` prints it)'
                                              % (project_id,)))
    return adopt


def _adoption_problems(projects, platforms, platforms_of, errors):
    """Each ``adopt`` names a platform the project is on (of the ``platforms`` analysed), and each project id is
    adopted by one tenant only."""
    seen = {}
    for project in projects:
        for platform, project_id in sorted(project.adopt.items()):
            ppath = _sub(_sub(project.path, 'adopt'), platform)
            if platform in platforms and platform not in platforms_of[id(project)]:
                errors.append(ValidationIssue(ppath, 'the project is not on platform %r (its platforms: %s)' % (
                    platform, ', '.join(platforms_of[id(project)]) or 'none')))
            other = seen.setdefault(project_id, ppath)
            if other != ppath:
                errors.append(ValidationIssue(ppath, 'project id %s is also adopted by %s: one Keystone project '
                                                     'is one tenant' % (project_id, other)))


def _workspaces(value, zone_names, platforms, errors, only=None):
    """Validate workspaces and their projects; returns the projects that passed schema checks. ``only``: the
    identifiers of the workspaces whose projects are read (None: all; the others validated before, ``is_validated``)."""
    projects = []
    if value is None or not _expect(value, (list,), 'a list', 'workspaces', errors):
        return projects
    seen = {}
    for index, raw in enumerate(value):
        path = _sub('workspaces', index)
        start = len(errors)
        if not _mapping(raw, WORKSPACE_KEYS, ('identifier',), path, errors):
            continue
        ipath = _sub(path, 'identifier')
        identifier = _identifier(raw.get('identifier'), WORKSPACE_ID_MAX, ipath, errors) \
            if 'identifier' in raw else None
        if identifier is not None:
            if identifier in seen:
                errors.append(ValidationIssue(ipath, 'duplicate workspace identifier %r (also %s)'
                                              % (identifier, seen[identifier])))
            else:
                seen[identifier] = path
        if only is not None and identifier not in only:
            continue
        name = _text(raw['name'], _sub(path, 'name'), errors) if 'name' in raw else identifier
        workspace = _Record(path=path, identifier=identifier, name=name,
                            tags=_tags(raw.get('tags'), _sub(path, 'tags'), errors))
        workspace_ok = len(errors) == start
        projects.extend(_workspace_projects(raw.get('projects'), path, workspace, zone_names, platforms,
                                            errors, workspace_ok))
    return projects


def _workspace_projects(value, path, workspace, zone_names, platforms, errors, workspace_ok):
    projects = []
    ppath = _sub(path, 'projects')
    if value is None or not _expect(value, (list,), 'a list', ppath, errors):
        return projects
    seen = {}
    for index, raw in enumerate(value):
        project = _project(raw, _sub(ppath, index), workspace, zone_names, platforms, errors)
        identifier = raw.get('identifier') if isinstance(raw, dict) else None
        if isinstance(identifier, str):
            if identifier in seen:
                errors.append(ValidationIssue(_sub(_sub(ppath, index), 'identifier'),
                                              'duplicate project identifier %r in workspace (also %s)'
                                              % (identifier, seen[identifier])))
                continue
            seen[identifier] = _sub(ppath, index)
        if project is not None and workspace_ok:
            projects.append(project)
    return projects


# --------------------------------------------------------------------------------------------
# Tenants: names after patterns, Keystone limits, collisions
# --------------------------------------------------------------------------------------------

def _tenant(project, platform, zone, now):
    """Compute the Tenant of ``project`` on ``platform`` under ``zone`` at ``now`` (no checks)."""
    workspace = project.workspace
    values = {'workspace': workspace.identifier, 'project': project.identifier, 'platform': platform,
              'workspace_name': workspace.name, 'project_name': project.name}
    name = render(zone.patterns['project'], values)
    values['tenant'] = name
    if zone.domain_mode == DomainMode.PER_WORKSPACE:
        domain_name, domain_id = render(zone.patterns['domain'], values), None
    elif zone.domain_name is None:
        domain_name, domain_id = DEFAULT_DOMAIN_NAME, DEFAULT_DOMAIN_ID
    else:
        domain_name, domain_id = zone.domain_name, None
    user_tags = dict(zone.extra_tags)
    user_tags.update(workspace.tags)
    user_tags.update(project.tags)
    groups = []
    notice = now + datetime.timedelta(days=zone.expiry_notice_days)
    by_role = dict((role, []) for role in PROJECT_ROLES)
    for binding in project.bindings:
        by_role[binding.role].append(binding)   # a role _bindings passed: one of PROJECT_ROLES
    for role in PROJECT_ROLES:
        # one pass over the role's bindings: in force (expiring within the notice window or not), or expired
        euids, expired, expiring = set(), [], []
        for b in by_role[role]:
            if b.expired(now):
                expired.append((b.euid, day(b.expires)))
                continue
            euids.add(b.euid)
            if b.expires is not None and b.expires <= notice:
                expiring.append((b.euid, day(b.expires)))
        euids = sorted(euids)
        values['role'] = role
        groups.append(Group(role=role, name=render(zone.patterns['group'], values),
                            keystone_roles=list(zone.role_mapping[role]), euids=euids,
                            members=sorted(set(render_euid(zone.euid_pattern, e) for e in euids)),
                            expired=sorted(expired), expiring=sorted(expiring)))
    del values['role']
    size = zone.quota_size
    return Tenant(
        platform=platform, workspace=workspace.identifier, project=project.identifier,
        workspace_name=workspace.name, project_name=project.name, landing_zone=zone.name,
        path=project.path, key='%s/%s' % (workspace.identifier, project.identifier),
        name=name, domain_name=domain_name, domain_id=domain_id,
        domain_managed=zone.domain_mode == DomainMode.PER_WORKSPACE,
        description=render(zone.patterns['description'], values),
        tags=owner_tags(workspace.identifier, project.identifier, zone.name, platform) + sorted(set(user_tags.values())),
        groups=groups, state=project.state, enabled=project.state == State.PRESENT,
        delete_allowed=zone.delete_projects, quota_size=size,
        quota_size_values=dict(zone.quota_sizes.get(size) or {}) if size else {},
        quota_values=dict(zone.quota_values), quota_overrides=dict(project.quota),
        quota_below_usage=zone.quota_below_usage, foreign_tags=zone.foreign_tags, protect=zone.protect_projects,
        deletion_resources=zone.deletion_resources, federation=zone.federation,
        adopt=project.adopt.get(platform),
    )


def _binding_problems(project, zone, now, errors):
    """Bindings that break the zone's expiry rules (a cap counted from ``now``, roles that need an expiry)."""
    cap = now + datetime.timedelta(days=zone.max_binding_days) if zone.max_binding_days else None
    for binding in project.bindings:
        where = 'landing zone %r ' % zone.name
        if binding.expires is None and binding.role in zone.require_expiry:
            errors.append(ValidationIssue(binding.path, where + 'requires an expiry (expires) for role %r' % binding.role))
        elif cap is not None and binding.expires is not None and binding.expires > cap:
            errors.append(ValidationIssue(_sub(binding.path, 'expires'), where + 'caps a binding at %d days '
                                          '(max_binding_days): %s is after %s' % (zone.max_binding_days,
                                                                                  day(binding.expires), day(cap))))
        elif cap is not None and binding.expires is None:
            errors.append(ValidationIssue(binding.path, where + 'caps a binding at %d days (max_binding_days): '
                                          'give it an expiry (expires)' % zone.max_binding_days))


def _tenant_problems(tenant, errors):
    """Keystone limits on the rendered names and tags of one tenant."""
    where = 'on platform %r (landing zone %r): ' % (tenant.platform, tenant.landing_zone)
    for problem in name_problems(tenant.name, 'project'):
        errors.append(ValidationIssue(tenant.path, where + problem))
    if tenant.domain_managed:
        for problem in name_problems(tenant.domain_name, 'domain'):
            errors.append(ValidationIssue(tenant.path, where + problem))
    for group in tenant.groups:
        for problem in name_problems(group.name, 'group'):
            errors.append(ValidationIssue(tenant.path, where + problem))
    if beyond_bmp(tenant.description):
        errors.append(ValidationIssue(tenant.path, where + 'description %r contains %s, which Keystone\'s utf8 '
                                      'columns cannot store' % (tenant.description, ' '.join(beyond_bmp(tenant.description)))))
    for problem in description_problems(tenant.description):
        errors.append(ValidationIssue(tenant.path, where + problem + ' (the description pattern renders it)'))
    for one, two in tag_collisions(tenant.tags):
        errors.append(ValidationIssue(tenant.path, where + 'tags %r and %r are one tag in Keystone\'s database '
                                      '(utf8mb3_general_ci ignores case, accents and trailing spaces, and takes ß '
                                      'for s): Keystone refuses the project' % (one, two)))
    # the inventory's own tags are checked where they are written; the ownership tags carry the
    # platform and landing zone names, which must fit a tag too
    for tag in owner_tags(tenant.workspace, tenant.project, tenant.landing_zone, tenant.platform):
        for problem in tag_problems(tag):
            errors.append(ValidationIssue(tenant.path, where + problem))
    if len(tenant.tags) > MAX_TAGS:
        errors.append(ValidationIssue(tenant.path, where + '%d tags; Keystone allows %d per project'
                                      % (len(tenant.tags), MAX_TAGS)))


def _collisions(tenants, errors):
    """Names that two things would share in Keystone (compared as its database does: keystone_name_key).

    Projects and groups are unique per domain; a per_workspace domain belongs to
    one workspace and must not be a domain that default-mode zones share.
    """
    projects, groups, domains = {}, {}, {}
    for tenant in tenants:
        where = 'on platform %r: ' % tenant.platform
        domain = keystone_name_key(tenant.domain_name)
        key = (tenant.platform, domain, keystone_name_key(tenant.name))
        other = projects.setdefault(key, tenant)
        if other is not tenant:
            errors.append(ValidationIssue(tenant.path, where + 'project name %r in domain %r is also the name of '
                                          '%s (%s)' % (tenant.name, tenant.domain_name, other.path, other.key)))
        for group in tenant.groups:
            key = (tenant.platform, domain, keystone_name_key(group.name))
            other, role = groups.setdefault(key, (tenant, group.role))
            if other is not tenant or role != group.role:
                errors.append(ValidationIssue(tenant.path, where + 'group name %r (role %s) in domain %r is also '
                                              'the group of %s (%s, role %s)' % (group.name, group.role,
                                                                                 tenant.domain_name, other.path,
                                                                                 other.key, role)))
        owner = tenant.workspace if tenant.domain_managed else None
        key = (tenant.platform, domain)
        other = domains.setdefault(key, (owner, tenant))
        if other[0] != owner:
            errors.append(ValidationIssue(tenant.path, where + 'domain %r is %s but also %s (%s)' % (
                tenant.domain_name, _domain_use(owner), _domain_use(other[0]), other[1].path)))


def _domain_use(owner):
    return 'the shared domain of default-mode landing zones' if owner is None \
        else 'the per_workspace domain of workspace %r' % owner


def _analyse(inventory, platforms, check_platform_names=True, now=None, notices=None, only=None):
    """Validate everything; return (errors, tenants of every platform in ``platforms``) at ``now``
    (expiring bindings, approvals; default: the current time). ``notices`` (a list) receives the
    warnings that do not fail validation (quota_approval.py: stale approvals, requests under ``report``).
    ``only``: the workspace identifiers whose projects are analysed (the inventory was validated whole before)."""
    now = now or datetime.datetime.now(UTC)
    notices = [] if notices is None else notices
    errors = []
    if not _mapping(inventory, TOP_KEYS, (), '', errors):
        return errors, []
    known = list(platforms) if check_platform_names else None
    zones, zone_names = {}, set()
    raw_zones = inventory.get('landing_zones')
    raw_zones = {} if raw_zones is None else raw_zones
    if _expect(raw_zones, (dict,), 'a mapping of landing zone name to settings', 'landing_zones', errors):
        for name, raw in raw_zones.items():
            zone_names.add(name)
            zone = _landing_zone(name, raw, _sub('landing_zones', name), errors)
            if zone is not None:
                zones[name] = zone
    projects = _workspaces(inventory.get('workspaces'), zone_names, known, errors, only)
    tenants = []
    platforms_of = dict((id(p), _project_platforms(p, platforms, errors)) for p in projects)
    _adoption_problems(projects, platforms, platforms_of, errors)
    for project in projects:
        for platform in platforms_of[id(project)]:
            if platform not in platforms:
                continue
            ref = project.landing_zone
            zone = zones.get(ref.get(platform) if isinstance(ref, dict) else ref)
            if zone is None:
                continue  # its landing zone has errors, already reported
            tenant = _tenant(project, platform, zone, now)
            _tenant_problems(tenant, errors)
            _binding_problems(project, zone, now, errors)
            tenants.append(tenant)
    _collisions(tenants, errors)
    quota_problems = validate_quotas(inventory)
    errors.extend(quota_problems)
    governance = quota_approval.parse_governance(inventory, known, errors)
    if not governance.empty:
        errors.extend(quota_approval.bound_problems(governance, quota_mappings(inventory)))
        tenants = quota_approval.govern(governance, tenants, now, errors, notices)
    return unique(errors), tenants


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------

def _platform_names(platforms):
    if isinstance(platforms, str) or not isinstance(platforms, (list, tuple, set, frozenset)):
        raise TypeError('platforms must be a list of platform names')
    return list(platforms)


def _workspaces_of(inventory):
    return inventory.get('workspaces') if isinstance(inventory, dict) else None


def validate(inventory, platforms, workspace_files=None):
    """Return every ValidationIssue of ``inventory`` (empty list: valid).

    ``inventory`` is a mapping with ``landing_zones`` and ``workspaces``;
    ``platforms`` lists the known platform names (the inventory hosts of the
    ``platforms`` group). Names and collisions are checked on every platform.
    ``workspace_files`` (the vars plugin's ``lz_workspace_files``) adds the loader's problems
    and makes paths name the workspace files (files.py).
    """
    errors = _analyse(inventory, _platform_names(platforms))[0]
    return with_sources(errors, _workspaces_of(inventory), workspace_files)


def validate_or_raise(inventory, platforms, workspace_files=None):
    """Raise InventoryError listing every problem, with its path, if the inventory is invalid."""
    errors = validate(inventory, platforms, workspace_files)
    if errors:
        raise InventoryError(errors)


def select_tenants(inventory, platform, platforms=None, only_workspaces=None, workspace_files=None, shard=None,
                   identity_platform=None, validated=False):
    """Validate the whole inventory and return the tenants of ``platform`` (no request).

    ``only_workspaces`` narrows the result to those workspaces (onboarding one workspace), ``shard``
    (the option: {} or {index, count}) to the workspaces of one shard (shards.py).
    The inventory is analysed once: the same pass gives the problems and the tenants.
    ``workspace_files``: as for ``validate``.
    """
    return select_scope(inventory, platform, platforms, only_workspaces, workspace_files, shard,
                        identity_platform, validated).tenants


@dataclass(frozen=True)
class Scope:
    """What one run replicates of a platform: ``tenants``; ``others``, the keys of the platform's
    tenants outside the run (their projects are no orphans); ``decides_orphans``: this run looks for
    orphans (a whole platform, or the platform-wide shard 0), since it knows every tenant;
    ``every``: all the platform's tenants (who binds a user, for the same platform-wide decisions)."""

    tenants: list
    others: frozenset
    decides_orphans: bool
    every: tuple = ()
    notices: tuple = ()


def json_list(value):
    """``value``, or the list a JSON text of one holds: the replicate role passes the workspaces as one JSON text
    (Ansible copies a structure into every task's arguments, a text it passes for free). Anything else is kept as
    given, for the validation to name."""
    if isinstance(value, str) and value.lstrip().startswith('['):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return decoded if isinstance(decoded, list) else value
    return value


def inventory_of(params):
    """The inventory mapping of a module's INVENTORY options: landing zones, workspaces, and the
    platform's quota definitions and approvals (quota_approval.py)."""
    inventory = dict(landing_zones=params['landing_zones'], workspaces=json_list(params['workspaces']))
    for key in quota_approval.INVENTORY_KEYS:
        if params.get(key) not in (None, '', {}, []):
            inventory[key] = params[key]
    return inventory


def inventory_fingerprint(params):
    """One sha256 of what validating a module's INVENTORY options reads: the inventory (the workspaces' JSON text as
    given), the platforms, the workspace files. inventory_validate returns it (``fingerprint``); a later step of the
    same run that is given it back (option ``validated``) knows the whole inventory passed (``is_validated``)."""
    platforms = _platform_names(params.get('platforms') or [params['platform']])
    workspaces = params.get('workspaces')
    rest = dict(platforms=sorted(set(platforms) | set([params['platform']])), landing_zones=params.get('landing_zones'),
                workspace_files=params.get('workspace_files'),
                quota=dict((key, params.get(key)) for key in quota_approval.INVENTORY_KEYS))
    digest = hashlib.sha256()
    for part in (workspaces if isinstance(workspaces, str) else json.dumps(workspaces, sort_keys=True, default=str),
                 json.dumps(rest, sort_keys=True, default=str)):
        digest.update(part.encode('utf-8', 'surrogatepass'))
        digest.update(b'\0')
    return digest.hexdigest()


def scope_workspaces(params, workspaces):
    """(JSON text of the workspaces of ``only_workspaces``, the ``inventory_fingerprint`` of the options with that text
    as the workspaces) for the steps of a run limited to them: they take the text instead of the whole inventory's
    (Ansible copies an option's megabytes into every task) and find it validated (``is_validated``). ``workspaces``:
    the options' workspaces as ``inventory_of`` decoded them. None without ``only_workspaces``."""
    wanted = params.get('only_workspaces')
    if not wanted:
        return None
    text = json.dumps([w for w in workspaces or [] if isinstance(w, dict) and w.get('identifier') in wanted],
                      default=str)
    return text, inventory_fingerprint(dict(params, workspaces=text))


def is_validated(params):
    """True when the option ``validated`` is the ``inventory_fingerprint`` of these options: the run's
    inventory_validate task passed this very inventory."""
    given = params.get('validated')
    return bool(given) and given == inventory_fingerprint(params)


def select_scope(inventory, platform, platforms=None, only_workspaces=None, workspace_files=None, shard=None,
                 identity_platform=None, validated=False):
    """``select_tenants`` with what orphan detection needs: a ``Scope``. With ``identity_platform``
    (a region sharing that platform's Keystone) the tenants are that platform's projects with this
    platform's quotas (``region_tenants``), and no run of this platform decides orphans. ``validated``: the whole
    inventory passed validation earlier in the run (``is_validated``): a run limited to ``only_workspaces`` then
    analyses those workspaces only (its ``every`` is its tenants: it decides nothing platform-wide)."""
    shard = parse_shard(shard)
    platforms = _platform_names(platforms or [platform])
    if platform not in platforms:
        platforms.append(platform)
    notices = []
    only = set(only_workspaces) if only_workspaces and validated else None
    errors, tenants = _analyse(inventory, platforms, notices=notices, only=only)
    # validated and limited, the workspaces may be only the run's (inventory_validate's scope_workspaces): the files
    # were compared with the whole inventory by the validation, which named them in its errors and notices
    sources = None if only is not None else workspace_files
    errors = with_sources(errors, _workspaces_of(inventory), sources)
    if errors:
        raise InventoryError(errors)
    notices = tuple(with_sources(unique(notices), _workspaces_of(inventory), {
        'files': (sources or {}).get('files'), 'identifiers': (sources or {}).get('identifiers')}
        if sources else None))
    every = [t for t in tenants if t.platform == platform]
    if identity_platform:
        every = region_tenants(tenants, platform, platforms, identity_platform)
    tenants = every
    if only_workspaces:
        missing = sorted(set(only_workspaces) - set(t.workspace for t in tenants))
        if missing:
            raise InventoryError([ValidationIssue('only_workspaces', 'unknown workspace(s) on this platform: %s'
                                                  % ', '.join(missing))])
        tenants = [t for t in tenants if t.workspace in only_workspaces]
    if shard is not None:
        tenants = [t for t in tenants if shard.holds(t.workspace)]
    chosen = set(t.key for t in tenants)
    return Scope(tenants, frozenset(t.key for t in every if t.key not in chosen),
                 not only_workspaces and not identity_platform and (shard is None or shard.platform_wide), tuple(every),
                 notices)


QUOTA_FIELDS = ('landing_zone', 'quota_size', 'quota_size_values', 'quota_values', 'quota_overrides', 'quota_below_usage',
                'quota_requests')


def region_tenants(tenants, platform, platforms, identity_platform):
    """The tenants of ``platform``, a region whose identity ``identity_platform`` replicates (one
    Keystone): the identity platform's tenant (its project, found by that platform's marker) with
    this platform's landing zone quotas. A project on the region but not on the identity platform
    has no Keystone project to hold its quotas: an error naming the project."""
    if identity_platform == platform or identity_platform not in platforms:
        raise InventoryError([ValidationIssue('identity_platform', '%r must be another platform of the inventory '
                                              '(%s), the one that replicates the Keystone this platform shares'
                                              % (identity_platform, ', '.join(p for p in platforms if p != platform)))])
    owners = dict((t.key, t) for t in tenants if t.platform == identity_platform)
    missing = [ValidationIssue(t.path + '.platforms', 'on platform %s but not on %s, which replicates its identity '
                               '(identity_platform): add %s' % (platform, identity_platform, identity_platform))
               for t in tenants if t.platform == platform and t.key not in owners]
    if missing:
        raise InventoryError(missing)
    return [dataclasses.replace(owners[t.key], **dict((f, getattr(t, f)) for f in QUOTA_FIELDS))
            for t in tenants if t.platform == platform]


def build_tenants(inventory, platform, platforms=None):
    """Return the Tenant list (inventory order) that ``platform`` should hold.

    With ``platforms`` (all known platform names) the whole inventory is validated
    as ``validate`` does; without it, only ``platform`` is considered and platform
    names in the inventory are not checked. Raises InventoryError when invalid.
    """
    if platforms is None:
        errors, tenants = _analyse(inventory, [platform], check_platform_names=False)
    else:
        platforms = _platform_names(platforms)
        if platform not in platforms:
            raise ValueError('platform %r is not one of the known platforms %s' % (platform, ', '.join(platforms)))
        errors, tenants = _analyse(inventory, platforms)
    if errors:
        raise InventoryError(errors)
    return [t for t in tenants if t.platform == platform]
