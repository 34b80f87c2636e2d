# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Purging what a project due for deletion still holds (``deletion_resources: purge``).

openstacksdk's project cleanup works on the project of its connection's token, so the purge needs
a token scoped to the project. Keystone issues none for a disabled project, and the replicator
holds no role there: the project is enabled for the purge only, the replicator is given the
``member`` role on it for the purge only, and both are undone afterwards, also when the purge
fails. ``member`` and not ``admin``: with an admin token some services list every project's
resources (Octavia's load balancers, Neutron's routers), and the cleanup would delete them. A
token that carries ``admin`` anyway (an inherited assignment) is refused, and every resource the
cleanup considers is checked against the project id once more (``owned_by``).

Requests: reading the project, its role assignments and the replicator's role (3), enabling and
disabling it (2, one more to lift ``immutable``), granting and revoking the role (2), the scoped
token and the services' listings and deletions of the cleanup, run twice (dry run, then purge).
"""

import queue

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds, _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import IMMUTABLE_OPTION, carries, immutable
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.leftovers import label
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import audit

try:
    from openstack import exceptions as sdk_exc
    from keystoneauth1 import exceptions as ksa_exc
    CLEANUP_ERRORS = (sdk_exc.SDKException, ksa_exc.ClientException)
except ImportError:  # pragma: no cover - the module fails earlier without openstacksdk
    CLEANUP_ERRORS = ()

PURGE_ROLE = 'member'
# Roles whose token lets a service list other projects' resources: a purge with one is refused.
REFUSED_ROLES = ('admin',)
DEFAULT_WAIT = 300

# openstacksdk resource class -> the kind names of the pre-deletion check (the registry's ``sdk_class``)
KINDS = _kinds.by_sdk_class()
OWNER_ATTRS = ('project_id', 'tenant_id', 'owner', 'owner_id')


def kind_of(obj):
    """The kind name of an openstacksdk resource (``servers``, ``floating_ips``...)."""
    name = type(obj).__name__
    return _kinds.by_sdk_class().get(name) or name.lower() + 's'


def owned_by(project_id):
    """openstacksdk's ``resource_evaluation_fn``: delete a resource only when every owner field it
    shows is ``project_id``. The token scope is the first guard (a member token lists the
    project's own resources); this is the second, for a service that lists wider than asked."""
    def evaluate(obj, filters=None, identified=None):  # pylint: disable=unused-argument
        owners = set()
        for attr in OWNER_ATTRS:
            value = getattr(obj, attr, None)
            if value:
                owners.add(value)
        return owners <= set([project_id])
    return evaluate


def by_kind(resources):
    """kind -> [label] of the resources openstacksdk reported on its status queue."""
    found = {}
    seen = set()
    for obj in resources:
        if obj.id in seen:
            continue
        seen.add(obj.id)
        found.setdefault(kind_of(obj), []).append(dict(id=obj.id, name=getattr(obj, 'name', None) or '',
                                                       floating_ip_address=getattr(obj, 'floating_ip_address', None)))
    return found


def drain(status_queue):
    items = []
    while True:
        try:
            items.append(status_queue.get_nowait())
        except queue.Empty:
            return items


class Outcome:
    """What one purge did: ``dry_run`` and ``purged`` (kind -> items), the temporary changes it made
    and undid (``temporary``), ``refused`` (why it did not run) and ``remaining`` (the leftovers
    check after it: (found, unknown))."""

    def __init__(self):
        self.dry_run = {}
        self.purged = {}
        self.temporary = []
        self.refused = None
        self.remaining = ({}, {})

    @property
    def wrote(self):
        return bool(self.temporary)


class Purger:
    """Runs openstacksdk's project cleanup for one project at a time (``purge``)."""

    def __init__(self, conn, checker, counter=None, retries=4, wait_timeout=DEFAULT_WAIT):
        self.conn = conn
        self.checker = checker
        self.counter = counter
        self.retries = retries
        self.wait_timeout = wait_timeout
        self.user_id = conn.current_user_id
        self._role_id = None

    def role_id(self, rest):
        if self._role_id is None:
            roles = rest.get('/roles', params={'name': PURGE_ROLE}).get('roles') or []
            found = [r['id'] for r in roles if r.get('name') == PURGE_ROLE and not r.get('domain_id')]
            if not found:
                raise _rest.ApiError('GET', '/roles', message='role %s does not exist; cannot purge' % PURGE_ROLE)
            self._role_id = found[0]
        return self._role_id

    def purge(self, rest, project_id, marker_tags):
        """Dry run, then purge the project ``project_id`` (Keystone client ``rest``), then check
        what is left. Raises ApiError when a Keystone write fails or the cleanup fails."""
        outcome = Outcome()
        path = '/projects/%s' % project_id
        proj = rest.get(path)['project']
        if not carries(proj, marker_tags):
            # matched by the plan; re-read here because the purge deletes far more than the plan writes
            outcome.refused = 'project %s no longer carries this collection\'s marker' % proj['name']
            return outcome
        holders = self._others_holding_roles(rest, project_id)
        if holders:
            # enabling the project would give them its resources back for the time of the purge
            outcome.refused = ('project %s is not purged: %s hold a role on it (assigned outside the inventory); '
                               'it would be enabled for them during the purge' % (proj['name'], ', '.join(holders)))
            return outcome
        role_id = self.role_id(rest)
        grant = '%s/users/%s/roles/%s' % (path, self.user_id, role_id)
        done = dict(granted=False, enabled=False)
        try:
            try:
                self._prepare(rest, proj, path, grant, outcome, done)
                self._cleanup(proj, outcome)
            finally:
                # undone whatever happened, a bug included
                undo_errors = self._undo(rest, path, grant, **done)
        except _rest.ApiError as exc:
            if not undo_errors:
                raise
            raise _rest.ApiError('PURGE', 'project %s' % proj['name'], message='; '.join([str(exc)] + undo_errors))
        if undo_errors:
            raise _rest.ApiError('PATCH', path, message='after the purge, ' + '; '.join(undo_errors))
        outcome.remaining = self.checker.check(project_id)
        return outcome

    def _prepare(self, rest, proj, path, grant, outcome, done):
        """Enable the project and grant the replicator ``member`` on it, as far as needed."""
        if not proj.get('enabled', True):
            if immutable(proj):
                # lifted like every own write (apply._unlock); the deletion leaves it off
                rest.request('PATCH', path, json={'project': {'options': {IMMUTABLE_OPTION: False}}}, ok=(200,))
            rest.request('PATCH', path, json={'project': {'enabled': True}}, ok=(200,))
            done['enabled'] = True
            outcome.temporary.append('enabled project %s for the purge' % proj['name'])
        if rest.request('GET', grant, ok=(200, 204), missing_ok=True) is None:
            rest.request('PUT', grant, ok=(204,))
            done['granted'] = True
            outcome.temporary.append('granted %s on project %s to the replicator' % (PURGE_ROLE, proj['name']))

    def _others_holding_roles(self, rest, project_id):
        listing = rest.get('/role_assignments', params={'scope.project.id': project_id, 'effective': 'true'})
        users = set((a.get('user') or {}).get('id') for a in listing.get('role_assignments') or [])
        users.discard(None)
        users.discard(self.user_id)
        return sorted(users)

    def _undo(self, rest, path, grant, granted, enabled):
        """Revoke the temporary role and disable the project again; the errors, as text."""
        errors = []
        if granted:
            try:
                rest.request('DELETE', grant, ok=(204,), missing_ok=True)
            except _rest.ApiError as exc:
                errors.append('revoking the replicator\'s role failed: %s' % exc)
        if enabled:
            try:
                rest.request('PATCH', path, json={'project': {'enabled': False}}, ok=(200,))
            except _rest.ApiError as exc:
                errors.append('disabling the project again failed: %s' % exc)
        return errors

    def _cleanup(self, proj, outcome):
        try:
            scoped = self.conn.connect_as_project({'id': proj['id'], 'domain_id': proj['domain_id']})
        except CLEANUP_ERRORS as exc:
            raise _rest.ApiError('AUTH', 'project %s' % proj['name'], message=str(exc))
        try:
            if self.counter is not None:
                # openstacksdk's cleanup deletes from threads of its own: its writes are this action's
                self.counter.install(scoped, about=audit.current())
            _rest.authenticate(scoped, self.retries)
            roles = scoped.session.auth.get_access(scoped.session).role_names
            wide = sorted(set(roles) & set(REFUSED_ROLES))
            if wide:
                raise _rest.ApiError('AUTH', 'project %s' % proj['name'],
                                     message='the replicator\'s token on it carries %s: the cleanup would see other '
                                             'projects\' resources; not purged' % ', '.join(wide))
            for dry_run, into in ((True, outcome.dry_run), (False, outcome.purged)):
                status = queue.Queue()
                scoped.project_cleanup(dry_run=dry_run, wait_timeout=self.wait_timeout, status_queue=status,
                                       resource_evaluation_fn=owned_by(proj['id']))
                into.update(by_kind(drain(status)))
        except CLEANUP_ERRORS as exc:
            raise _rest.ApiError('CLEANUP', 'project %s' % proj['name'], message='%s: %s' % (type(exc).__name__, exc))
        finally:
            scoped.close()


def describe_kinds(found):
    """``1 servers: vm (id); 2 volumes: ...`` of kind -> items (labels as in remarks)."""
    return '; '.join('%d %s: %s' % (len(items), kind, ', '.join(label(i) for i in items[:3]) +
                                    (', ...' if len(items) > 3 else ''))
                     for kind, items in sorted(found.items()))
