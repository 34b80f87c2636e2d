# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users bound before their first federated login (docs/federation.md).

A landing zone with ``federation`` gets, for a bound euid that has no Keystone user yet, a user
created ahead of the login in the identity provider's domain, with one ``federated`` entry per
protocol: the login finds it by (idp, protocol, unique_id) and shadows onto it instead of
creating a second user. ``unique_ids`` computes what Keystone's mapped plugin stores.
"""

import threading
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import quote

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.naming import keystone_name_key
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import KEYSTONE_PAGE_LIMIT, ApiError, list_all

# Extra attribute of a user this collection created ahead of its login: the platform's name.
PREBOUND_ATTR = 'lz_prebound'
IGNORE_INACTIVITY_OPTION = 'ignore_user_inactivity'
PENDING_PREFIX = 'pending-user:'


def unique_ids(name):
    """The unique_ids a login of ``name`` gets (first: the one a UTF-8 assertion gets).

    Keystone's mapped plugin stores ``urllib.parse.quote(user.id or user.name)``: ``/`` is kept, a
    space, ``+`` and ``%`` are escaped (``quote_plus`` differs on all three). Older Keystones
    (2023.2) keep the web server's Latin-1 decoding of a UTF-8 assertion, so a non-ASCII name
    arrives there as its mojibake; 2026.2 decodes it as UTF-8. The second entry covers the former.
    """
    ids = [quote(name)]
    try:
        legacy = name.encode('utf-8').decode('latin-1')
    except UnicodeDecodeError:  # pragma: no cover - any byte string decodes as Latin-1
        legacy = name
    if legacy != name:
        ids.append(quote(legacy))
    return ids


def pending_id(name):
    """The stand-in for the id of a user this run creates (resolved by ``apply``)."""
    return PENDING_PREFIX + name


def is_pending(user_id):
    return isinstance(user_id, str) and user_id.startswith(PENDING_PREFIX)


@dataclass
class IdentityProvider:
    """What the platform holds for one landing zone's ``federation``: the domain's id, the
    protocols found, and ``problem`` when pre-binding cannot go ahead (then nothing is created)."""

    federation: object
    domain_id: Optional[str] = None
    protocols: list = field(default_factory=list)
    problem: Optional[str] = None


def read_identity_provider(rest, fed):
    """Check the IdP, its domain and protocols against the inventory (3 GETs)."""
    idp = IdentityProvider(fed)
    found = rest.get('/OS-FEDERATION/identity_providers/%s' % quote(fed.identity_provider, safe=''), missing_ok=True)
    if not found:
        idp.problem = 'identity provider %s does not exist' % fed.identity_provider
        return idp
    provider = found.get('identity_provider') or {}
    domains = rest.get('/domains', params={'name': fed.domain}).get('domains') or []
    domain = next((d for d in domains if d['name'] == fed.domain), None)
    if domain is None:
        idp.problem = 'domain %s (federation.domain) does not exist' % fed.domain
        return idp
    if provider.get('domain_id') != domain['id']:
        idp.problem = ('identity provider %s maps its users into domain %s, not %s (federation.domain)'
                       % (fed.identity_provider, provider.get('domain_id'), fed.domain))
        return idp
    idp.domain_id = domain['id']
    listed = rest.get('/OS-FEDERATION/identity_providers/%s/protocols' % quote(fed.identity_provider, safe=''))
    idp.protocols = sorted(p['id'] for p in listed.get('protocols') or [])
    missing = sorted(set(fed.protocols) - set(idp.protocols))
    if missing:
        idp.problem = ('identity provider %s has no protocol %s (federation.protocols); it has: %s'
                       % (fed.identity_provider, ', '.join(missing), ', '.join(idp.protocols) or 'none'))
    elif fed.remove_unbound_users:
        idp.problem = _login_trace_problem(rest, fed, listed.get('protocols') or [])
    return idp


def _login_trace_problem(rest, fed, protocols):
    """Why ``remove_unbound_users`` cannot tell a user who logged in, or None.

    Keystone's API shows no last login; the one trace it keeps is the e-mail a login maps
    (``user.email``, written to the user at each login): every protocol's mapping must map it."""
    for protocol in protocols:
        if protocol['id'] not in fed.protocols:
            continue
        mapping = rest.get('/OS-FEDERATION/mappings/%s' % quote(protocol['mapping_id'], safe=''), missing_ok=True) or {}
        rules = (mapping.get('mapping') or {}).get('rules') or []
        users = [local['user'] for rule in rules for local in rule.get('local') or [] if 'user' in local]
        if not users or not all('email' in user for user in users):
            return ('remove_unbound_users needs every protocol\'s mapping to map user.email, the only trace of a '
                    'login Keystone keeps; mapping %s of protocol %s does not' % (protocol['mapping_id'], protocol['id']))
    return None


def find_federated_user(rest, fed, name):
    """The user a login of ``name`` through ``fed`` lands on, or None (one GET per unique_id)."""
    for unique_id in unique_ids(name):
        users = rest.get('/users', params={'idp_id': fed.identity_provider, 'protocol_id': fed.protocols[0],
                                           'unique_id': unique_id}).get('users') or []
        if users:
            return users[0]
    return None


def user_body(fed, name, domain_id, platform):
    """The POST /v3/users body of a user bound before its first login."""
    body = {'name': name, 'domain_id': domain_id, 'enabled': True, PREBOUND_ATTR: platform,
            'description': 'bound before its first login by landingzone.openstack (platform %s)' % platform,
            'federated': [{'idp_id': fed.identity_provider,
                           'protocols': [{'protocol_id': protocol, 'unique_id': unique_id}
                                         for protocol in fed.protocols for unique_id in unique_ids(name)]}]}
    if fed.exempt_from_inactivity:
        body['options'] = {IGNORE_INACTIVITY_OPTION: True}
    return body


@dataclass(frozen=True)
class PreboundUser:
    """A user this collection created ahead of its login on this platform, as Keystone lists it now."""

    id: str
    name: str
    logged_in: bool
    group_ids: tuple = ()


def read_prebound_users(rest, idp, platform):
    """The users of the IdP's domain this platform created ahead of their login (one paged listing)."""
    users = list_all(rest, '/users', 'users', params={'domain_id': idp.domain_id}, limit=KEYSTONE_PAGE_LIMIT)[0]
    return [PreboundUser(u['id'], u['name'], bool(u.get('email'))) for u in users if u.get(PREBOUND_ATTR) == platform]


def unbound_users(prebound, tenants):
    """The users of ``prebound`` that none of ``tenants`` binds (names compared as Keystone does)."""
    bound = set(keystone_name_key(m) for t in tenants for g in t.groups for m in g.members)
    return [u for u in prebound if keystone_name_key(u.name) not in bound]


def with_groups(rest, user):
    """``user`` with the ids of every group it is a member of (one GET)."""
    groups = rest.get('/users/%s/groups' % user.id).get('groups') or []
    return PreboundUser(user.id, user.name, user.logged_in, tuple(sorted(g['id'] for g in groups)))


class Creator:
    """Creates each pre-bound user once per run, whichever tenant's action comes first."""

    def __init__(self):
        self.user_ids = {}   # name -> id
        self._locks = {}
        self._lock = threading.Lock()

    def _lock_of(self, name):
        with self._lock:
            return self._locks.setdefault(name, threading.Lock())

    def ensure(self, rest, fed, name, domain_id, platform):
        """The id of the user for ``name``: found by its federated unique_id, else created."""
        with self._lock_of(name):
            if name in self.user_ids:
                return self.user_ids[name]
            found = find_federated_user(rest, fed, name)
            if found is None:
                # a POST that failed ambiguously is looked up again by the next run's find
                created = rest.request('POST', '/users', json={'user': user_body(fed, name, domain_id, platform)},
                                       ok=(201,))
                found = created['user']
            self.user_ids[name] = found['id']
            return found['id']

    def resolve(self, user_id):
        """``user_id``, or the id of the pending user it stands for (ApiError if not created)."""
        if not is_pending(user_id):
            return user_id
        name = user_id[len(PENDING_PREFIX):]
        if name not in self.user_ids:
            raise ApiError('PUT', 'user %s' % name, message='user was not created earlier in this run')
        return self.user_ids[name]
