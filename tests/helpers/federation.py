# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real federated login on the local cloud: Keystone's mapped auth with the assertion a web-server
auth module would hand it (tests/localcloud/services/keystone.py sets up the identity provider)."""

import requests

IDP = 'lz-idp'
IDP_REMOTE_ID = 'https://idp.lz.example'
DOMAIN = 'lz-federation'
PROTOCOLS = ('openid', 'saml2')


def federation(protocols=PROTOCOLS):
    """The landing zone setting that binds users of the local identity provider before their login."""
    return {'identity_provider': IDP, 'domain': DOMAIN, 'protocols': list(protocols)}


def auth_url(conn):
    return conn.config.get_auth_args()['auth_url'].rstrip('/')


def login(conn, protocol, euid, display_name=None, email=None):
    """Log in as ``euid`` through ``protocol``: (unscoped token, the token's user). The local IdP's
    openid mapping wants a display name and an e-mail, its saml2 mapping the euid only."""
    headers = {'X-Lzfed-Idp': IDP_REMOTE_ID, 'X-Lzfed-Euid': euid.encode('utf-8')}
    for header, value in (('X-Lzfed-Name', display_name), ('X-Lzfed-Email', email)):
        if value is not None:
            headers[header] = value.encode('utf-8')
    resp = requests.post('%s/OS-FEDERATION/identity_providers/%s/protocols/%s/auth' % (auth_url(conn), IDP, protocol),
                         headers=headers, timeout=30)
    assert resp.status_code == 201, 'federated login of %r through %s: HTTP %s %s' % (
        euid, protocol, resp.status_code, resp.text[:300])
    return resp.headers['X-Subject-Token'], resp.json()['token']['user']


def scoped_roles(conn, token, project_id):
    """The role names of a project-scoped token made from the federated ``token``."""
    body = {'auth': {'identity': {'methods': ['token'], 'token': {'id': token}},
                     'scope': {'project': {'id': project_id}}}}
    resp = requests.post('%s/auth/tokens' % auth_url(conn), json=body, timeout=30)
    assert resp.status_code == 201, 'scoping to %s: HTTP %s %s' % (project_id, resp.status_code, resp.text[:300])
    return sorted(r['name'] for r in resp.json()['token']['roles'])
