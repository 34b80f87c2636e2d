# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The option groups modules are made of; each is mirrored by a doc fragment of the same name.

``CONNECTION`` (doc fragment ``landingzone.openstack.openstack``, action group ``openstack``),
``INVENTORY`` (``landingzone.openstack.inventory``, action group ``inventory``), ``LEDGER``
(``landingzone.openstack.ledger``) and ``ISOLATION`` (``landingzone.openstack.isolation``: the
later replication steps). tests/unit checks that the fragments document exactly these.
"""

from ansible.module_utils.basic import env_fallback

CONNECTION = dict(
    cloud=dict(type='str'),
    auth=dict(type='dict', no_log=True),
    auth_type=dict(type='str'),
    region_name=dict(type='str'),
    interface=dict(type='str', default='public', choices=['public', 'internal', 'admin'],
                   aliases=['endpoint_type']),
    validate_certs=dict(type='bool', aliases=['verify']),
    ca_cert=dict(type='str', aliases=['cacert']),
    api_timeout=dict(type='int', default=30),
    retries=dict(type='int', default=4),
    max_workers=dict(type='int', default=8),
)

INVENTORY = dict(
    platform=dict(type='str', required=True),
    platforms=dict(type='list', elements='str'),
    # raw: Ansible would turn 'a=b' or a JSON string into a dict and a bad element into its own
    # message without the inventory path; the collection's validation reports them with paths
    landing_zones=dict(type='raw', required=True),
    workspaces=dict(type='raw', required=True),
    only_workspaces=dict(type='list', elements='str'),
    workspace_files=dict(type='dict'),
)

LEDGER_DSN_ENV = 'LZ_LEDGER_DSN'
LEDGER = dict(
    ledger_path=dict(type='path'),
    ledger_dsn=dict(type='str', no_log=True, fallback=(env_fallback, [LEDGER_DSN_ENV])),
)

ISOLATION = dict(
    previous_steps=dict(type='dict', default={}),
)


def compose(*groups, **extra):
    """One argument spec from option groups and the module's own options."""
    spec = {}
    for group in groups:
        spec.update(group)
    spec.update(extra)
    return spec
