# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JSON Schema of a workspace file, built from the validator's own constants, pure.

``schemas/workspace.schema.json`` is this function's output (``schemas/generate.py`` writes it;
tests/unit/plugins/module_utils/test_workspace_schema.py fails when the file is stale and runs the
schema and the validator on the same cases). The schema lets editors check a file as it is typed;
the validator stays the authority: what needs the rest of the inventory (landing zone and platform
names, Keystone names after the patterns, collisions, one identifier twice) it alone checks, and a
workspace the validator accepts the schema accepts too.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.model import PROJECT_ROLES, STATES
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.naming import (
    TAG_FORBIDDEN_CHARS,
    TAG_MAX_LENGTH,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import (
    ADOPT_ID_RE,
    BINDING_REQUIRED,
    IDENTIFIER_RE,
    PROJECT_ID_MAX,
    WORKSPACE_ID_MAX,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import RESERVED_TAG_PREFIX
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.quota_keys import (
    KEYS,
    UNLIMITED,
    VOLUME,
    VOLUME_TYPE_PREFIXES,
)

_CONTROL = '\\u0000-\\u001f\\u007f'


def _escape(text):
    return ''.join('\\' + c if c in '\\.^$|?*+()[]{}-/' else c for c in text)


def _quota_key_pattern():
    services = []
    for service in sorted(KEYS):
        names = sorted(KEYS[service])
        if service == VOLUME:
            names += ['(%s).+' % '|'.join(p for p in VOLUME_TYPE_PREFIXES)]
        services.append('%s\\.(%s)' % (service, '|'.join(names)))
    return '^(%s)$' % '|'.join(services)


def workspace_schema():
    """The JSON Schema (draft-07, what yaml-language-server reads) of one workspace file."""
    return {
        # no $id: the schema has no published home; editors find it by the path in the files' modeline
        '$schema': 'http://json-schema.org/draft-07/schema#',
        'title': 'landingzone.openstack workspace file',
        'description': 'One workspace: its identifier (the file name), name, tags and projects. Generated from '
                       'the collection\'s validator (schemas/generate.py); the validator also checks what needs '
                       'the rest of the inventory. See docs/inventory.md.',
        'type': 'object',
        'additionalProperties': False,
        'required': ['identifier'],
        # the test checks that these keys are exactly validate.WORKSPACE_KEYS and PROJECT_KEYS
        'properties': {
            'identifier': {'$ref': '#/definitions/workspace_identifier'},
            'name': {'$ref': '#/definitions/text'},
            'tags': {'$ref': '#/definitions/tags'},
            'projects': {'oneOf': [{'type': 'null'}, {'type': 'array', 'items': {'$ref': '#/definitions/project'}}]},
        },
        'definitions': _definitions(),
    }


def _definitions():
    """The shared definitions the workspace schema refers to."""
    return {
        'workspace_identifier': {
            'description': 'Lower-case letters, digits and inner hyphens, at most %d characters.'
                           % WORKSPACE_ID_MAX,
            'type': 'string', 'pattern': IDENTIFIER_RE.pattern, 'maxLength': WORKSPACE_ID_MAX},
        'project_identifier': {
            'description': 'Lower-case letters, digits and inner hyphens, at most %d characters.' % PROJECT_ID_MAX,
            'type': 'string', 'pattern': IDENTIFIER_RE.pattern, 'maxLength': PROJECT_ID_MAX},
        'text': {
            'description': 'A non-empty single line without surrounding whitespace.',
            'type': 'string',
            'pattern': '^[^\\s%s](?:[^%s]*[^\\s%s])?$' % (_CONTROL, _CONTROL, _CONTROL)},
        'tags': _tags_definition(),
        'landing_zone': {
            'description': 'A landing zone name, or a mapping of platform to landing zone name; the names '
                           'are checked against the inventory by the validator.',
            'oneOf': [{'type': 'null'}, {'type': 'string'},
                      {'type': 'object', 'minProperties': 1, 'additionalProperties': {'type': 'string'}}]},
        'binding': {
            'type': 'object', 'additionalProperties': False, 'required': list(BINDING_REQUIRED),
            'properties': {'euid': {'$ref': '#/definitions/text'},
                           'role': {'enum': list(PROJECT_ROLES)},
                           'expires': {'description': 'The last day is the day before: from this date (UTC) on '
                                                      'the binding is removed.',
                                       'type': 'string', 'pattern': '^[0-9]{4}-[0-9]{2}-[0-9]{2}'}}},
        'quota': {
            'description': 'Quota overrides: keys of docs/quotas.md, integers, -1 for unlimited. The platform '
                           'bounds each key (lz_quota_definitions: min, max); a value above its auto_approve_max '
                           'needs a platform engineer\'s approval (lz_quota_approvals; docs/quotas.md, "Quota '
                           'requests with approval").',
            'type': 'object',
            'propertyNames': {'pattern': _quota_key_pattern()},
            'additionalProperties': {'type': 'integer', 'minimum': UNLIMITED}},
        'project': _project_definition(),
    }


def _tags_definition():
    """Tags: a mapping or a list, never the reserved ownership prefix, within Keystone's tag rules."""
    no_tag_chars = '[^%s%s]' % (_escape(TAG_FORBIDDEN_CHARS), _CONTROL)
    reserved = _escape(RESERVED_TAG_PREFIX)
    return {
        'description': 'A mapping (key=value tags; a project overrides its workspace\'s key) or a list of '
                       'tags. The prefix %s is reserved for ownership tags.' % RESERVED_TAG_PREFIX,
        'oneOf': [
            {'type': 'null'},
            {'type': 'object',
             'propertyNames': {'pattern': '^(?!%s)%s+$' % (reserved, no_tag_chars[:-1] + '=]'),
                               'maxLength': TAG_MAX_LENGTH - 1},
             'additionalProperties': {'oneOf': [
                 {'type': 'string', 'pattern': '^%s*$' % no_tag_chars, 'maxLength': TAG_MAX_LENGTH - 2},
                 {'type': 'number'}, {'type': 'boolean'}]}},
            {'type': 'array', 'items': {
                'type': 'string', 'minLength': 1, 'maxLength': TAG_MAX_LENGTH,
                'pattern': '^(?!%s)%s+$' % (reserved, no_tag_chars)}},
        ]}


def _project_definition():
    """One project of the workspace."""
    return {
        'type': 'object', 'additionalProperties': False, 'required': ['identifier'],
        'properties': {
            'identifier': {'$ref': '#/definitions/project_identifier'},
            'name': {'$ref': '#/definitions/text'},
            'tags': {'$ref': '#/definitions/tags'},
            'landing_zone': {'$ref': '#/definitions/landing_zone'},
            'platforms': {'oneOf': [{'type': 'null'}, {'type': 'array', 'uniqueItems': True,
                                                       'items': {'type': 'string'}}]},
            'bindings': {'oneOf': [{'type': 'null'}, {'type': 'array', 'uniqueItems': True,
                                                      'items': {'$ref': '#/definitions/binding'}}]},
            'state': {'enum': list(STATES)},
            'quota': {'oneOf': [{'type': 'null'}, {'$ref': '#/definitions/quota'}]},
            'adopt': {'description': 'An existing Keystone project to take over instead of creating one: platform '
                                     '-> project id (docs/replication.md, "Adopting an existing project").',
                      'oneOf': [{'type': 'null'},
                                {'type': 'object', 'minProperties': 1,
                                 'additionalProperties': {'type': 'string', 'pattern': ADOPT_ID_RE.pattern}}]},
        }}
