# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OpenStack notifications -> the events of the ``landingzone.openstack.notifications`` source.

The pure part of the event source (extensions/eda/plugins/event_source/notifications.py, which
does the AMQP and the Keystone reads): the oslo envelope, the CADF event of a Keystone change, and
which workspace and tenant own its target (from the ownership markers of ``_ownership``, cached
and refreshed on the target's own events). Standard library only (docs/events.md).
"""

import dataclasses
import enum
import json

from ansible_collections.landingzone.openstack.plugins.module_utils import _ownership

# oslo.messaging's envelope (version 2.0): the message is a JSON string inside a JSON object.
ENVELOPE_VERSION_KEY = 'oslo.version'
ENVELOPE_MESSAGE_KEY = 'oslo.message'
# oslo.messaging puts the request context beside the payload as ``_context_*`` keys; one of them is
# the caller's token (``_context_auth_token``): none of them ever leaves unwrap().
CONTEXT_PREFIX = '_context_'


class EnvelopeError(ValueError):
    """A message that is not an oslo notification (its text is never part of the error)."""


class Resource(str, enum.Enum):
    """The Keystone resource types whose changes can drift a tenant."""

    PROJECT = 'project'
    PROJECT_TAG = 'project tag'   # Keystone's resource type has a space: identity.project tag.created
    GROUP = 'group'
    ROLE_ASSIGNMENT = 'role_assignment'
    DOMAIN = 'domain'
    USER = 'user'

    def __str__(self):
        return self.value


@dataclasses.dataclass(frozen=True)
class Notification:
    """One notification as oslo.messaging sent it, without its context."""

    event_type: str
    payload: dict
    publisher_id: str = ''
    message_id: str = ''
    timestamp: str = ''


@dataclasses.dataclass(frozen=True)
class Change:
    """A Keystone change read from a CADF event: what changed, by whom."""

    event_type: str
    resource: str            # a Resource value, or another Keystone resource type
    operation: str           # created, updated, deleted, disabled, ...
    target_id: str
    initiator_id: str = ''   # the user id; '' when Keystone sent none (e.g. a project tag's delete)
    initiator_name: str = ''
    project_id: str = ''     # role assignments: the scope and the actor
    domain_id: str = ''
    group_id: str = ''
    user_id: str = ''
    role_id: str = ''
    inherited: bool = False
    message_id: str = ''
    timestamp: str = ''


def unwrap(body):
    """The ``Notification`` in a message body (bytes or text), oslo envelope or not."""
    try:
        message = json.loads(body)
        if isinstance(message, dict) and ENVELOPE_MESSAGE_KEY in message:
            message = json.loads(message[ENVELOPE_MESSAGE_KEY])
    except (TypeError, ValueError):
        raise EnvelopeError('not a JSON notification')
    if not isinstance(message, dict) or not isinstance(message.get('event_type'), str):
        raise EnvelopeError('a JSON message without an event_type')
    payload = message.get('payload')
    return Notification(event_type=message['event_type'],
                        payload=payload if isinstance(payload, dict) else {},
                        publisher_id=str(message.get('publisher_id') or ''),
                        message_id=str(message.get('message_id') or ''),
                        timestamp=str(message.get('timestamp') or ''))


def split_event_type(event_type):
    """(service, resource, operation) of ``identity.project tag.created``: the resource is all
    between the first and the last dot (it may hold a space or a dot)."""
    service, dummy, rest = event_type.partition('.')
    resource, dummy, operation = rest.rpartition('.')
    return service, resource, operation


def change_of(notification):
    """The ``Change`` of a Keystone CADF notification, or None (another service, another format)."""
    service, resource, operation = split_event_type(notification.event_type)
    payload = notification.payload
    if service != 'identity' or not resource or 'action' not in payload:
        return None
    initiator = payload.get('initiator') if isinstance(payload.get('initiator'), dict) else {}
    target = payload.get('target') if isinstance(payload.get('target'), dict) else {}
    return Change(
        event_type=notification.event_type, resource=resource, operation=operation,
        target_id=str(payload.get('resource_info') or target.get('id') or ''),
        initiator_id=str(initiator.get('user_id') or ''),
        initiator_name=str(initiator.get('name') or initiator.get('username') or ''),
        project_id=str(payload.get('project') or ''), domain_id=str(payload.get('domain') or ''),
        group_id=str(payload.get('group') or ''), user_id=str(payload.get('user') or ''),
        role_id=str(payload.get('role') or ''), inherited=bool(payload.get('inherited_to_projects')),
        message_id=notification.message_id, timestamp=notification.timestamp)


@dataclasses.dataclass(frozen=True)
class Owner:
    """The workspace (and tenant, ``<workspace>/<project>``, when one project) a target belongs to."""

    workspace: str
    tenant: str = ''


class OwnershipCache:
    """Which managed project, group and domain of one platform belongs to which tenant.

    Filled from a listing of the platform's managed projects (``load_projects``) and one read per
    group or domain on first sight (``reads``); a project, group or domain is read again on its own
    events, since its markers are what changed (a tag forged or removed by hand). A read that found
    nothing (deleted, or not ours) is cached as None, so an unmanaged target costs one read.
    """

    def __init__(self, platform):
        self.platform = platform
        self.projects = {}   # project id -> Owner or None
        self.groups = {}     # group id -> Owner or None
        self.domains = {}    # domain id -> Owner or None
        self.lost = {}       # id -> the Owner of an object whose markers are gone

    def load_projects(self, projects):
        """Every project of a listing (all of them, or the managed ones of the platform)."""
        for project in projects:
            self.put(Resource.PROJECT, project['id'], project)

    def put(self, resource, object_id, obj):
        """Record what a read of ``object_id`` returned (None: not found)."""
        owner = {'project': self._project_owner, 'group': self._group_owner,
                 'domain': self._domain_owner}[str(resource)](obj)
        table = self._tables()[str(resource)]
        if owner is None and table.get(object_id):
            # its markers were removed by hand: the change is still one to that tenant's object
            self.lost[object_id] = table[object_id]
        table[object_id] = owner

    def _project_owner(self, project):
        owner = _ownership.parse_owner_tags((project or {}).get('tags'))
        if not owner or owner['platform'] != self.platform or not owner['workspace']:
            return None
        return Owner(owner['workspace'], _ownership.owner_key(project['tags']) or '')

    def _tenants(self):
        return set(owner.tenant for owner in self.projects.values() if owner and owner.tenant)

    def _group_owner(self, group):
        # a group is this platform's when marked for it (or unmarked, created before groups carried their
        # platform) and its tenant has a project here
        tenant = (_ownership.group_owner(group or {}) or (None,))[0]
        if not tenant or tenant not in self._tenants() or not _ownership.group_platform_matches(group, self.platform):
            return None
        return Owner(tenant.split('/', 1)[0], tenant)

    def _domain_owner(self, domain):
        workspace = _ownership.domain_owner(domain)
        if not workspace or workspace not in self._workspaces():
            return None
        return Owner(workspace)

    def reads(self, change):
        """The (resource, id) reads the cache needs before ``owner(change)``: the target of a change
        to a project, group or domain (its markers may be what changed), and the projects, groups
        and domains a change names that the cache has never seen."""
        wanted = []
        tables = self._tables()
        if change.resource in tables and change.operation != 'deleted' and change.target_id:
            wanted.append((Resource(change.resource), change.target_id))
        for resource, object_id in ((Resource.PROJECT, change.project_id), (Resource.GROUP, change.group_id),
                                    (Resource.DOMAIN, change.domain_id)):
            if object_id and object_id not in tables[str(resource)] and (resource, object_id) not in wanted:
                wanted.append((resource, object_id))
        return wanted

    def _tables(self):
        # keyed by text: a str-enum member hashes by its name, so it would not find a plain str
        return {'project': self.projects, 'group': self.groups, 'domain': self.domains}

    def owner(self, change):
        """The ``Owner`` of a change's target, or None when the target is not a managed one."""
        if change.resource == Resource.PROJECT_TAG:
            return self._tag_owner(change.target_id)
        tables = self._tables()
        candidates = [(Resource.PROJECT, change.project_id), (Resource.GROUP, change.group_id),
                      (Resource.DOMAIN, change.domain_id)]
        if change.resource in tables:
            candidates.insert(0, (Resource(change.resource), change.target_id))
        for resource, object_id in candidates:
            if object_id and (tables[str(resource)].get(object_id) or self.lost.get(object_id)):
                return tables[str(resource)].get(object_id) or self.lost[object_id]
        return None

    def _tag_owner(self, tag):
        # Keystone names only the tag in a project tag event (its project comes in the project's
        # own identity.project.updated): a marker tag names its workspace, which counts when the
        # workspace has a project on this platform (another platform may share the Keystone).
        workspace = (_ownership.parse_owner_tags([_ownership.MANAGED_TAG, tag]) or {}).get('workspace')
        if workspace and workspace in self._workspaces():
            return Owner(workspace)
        return None

    def _workspaces(self):
        return set(owner.workspace for owner in self.projects.values() if owner)

    def forget(self, change):
        """Drop a deleted target (after its event named its owner)."""
        tables = self._tables()
        if change.operation == 'deleted' and change.resource in tables:
            tables[change.resource].pop(change.target_id, None)
            self.lost.pop(change.target_id, None)


def event_of(change, owner, platform, own_user_ids):
    """The event the source puts on ansible-rulebook's queue (``event.landingzone`` in rules)."""
    return {'landingzone': {
        'platform': platform,
        'event_type': change.event_type,
        'resource': change.resource,
        'operation': change.operation,
        'target_id': change.target_id,
        'project_id': change.project_id, 'group_id': change.group_id, 'domain_id': change.domain_id,
        'user_id': change.user_id, 'role_id': change.role_id,
        'initiator': {'id': change.initiator_id, 'name': change.initiator_name},
        # the replicator's own writes: a rule that reacted to them would loop
        'own_change': bool(change.initiator_id) and change.initiator_id in own_user_ids,
        'managed': owner is not None,
        'workspace': owner.workspace if owner else '',
        'tenant': owner.tenant if owner else '',
        'message_id': change.message_id,
        'timestamp': change.timestamp,
    }}
