# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The option groups modules are made of; each is mirrored by a doc fragment of the same name.

``CONNECTION`` (doc fragment ``landingzone.openstack.openstack``, action group ``openstack``),
``INVENTORY`` (``landingzone.openstack.inventory``, action group ``inventory``), ``LEDGER``
(``landingzone.openstack.ledger``), ``ISOLATION`` (``landingzone.openstack.isolation``: the
later replication steps), ``AUDIT`` (``landingzone.openstack.audit``: the audit trail's options) and
``PROGRESS`` (``landingzone.openstack.progress``: the status file of a long step).
tests/unit checks that the fragments document exactly these.
"""

import re

from ansible.module_utils.basic import env_fallback

CONNECTION = dict(
    # raw: a clouds.yaml entry name, or a dict of connection settings as openstack.cloud takes it
    # (see cloud_problem); not no_log: a cloud name would be masked in every output
    cloud=dict(type='raw'),
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
    # {} or {index, count}: checked by _inventory/shards.py with the host variables' names
    shard=dict(type='dict', default={}),
    # a region sharing another platform's Keystone: its identity is that platform's (docs/scale.md)
    identity_platform=dict(type='str'),
    # the platform's quota definitions and approvals (_inventory/quota_approval.py); raw for the same reason
    quota_definitions=dict(type='raw'),
    quota_approvals=dict(type='raw'),
    quota_approval=dict(type='str', default='require', choices=['require', 'report']),
    quota_approved_by=dict(type='str'),
    # the fingerprint inventory_validate returned for this inventory (_inventory/validate.is_validated)
    validated=dict(type='str'),
)

LEDGER_DSN_ENV = 'LZ_LEDGER_DSN'
LEDGER = dict(
    ledger_path=dict(type='path'),
    ledger_dsn=dict(type='str', no_log=True, fallback=(env_fallback, [LEDGER_DSN_ENV])),
)

ISOLATION = dict(
    previous_steps=dict(type='dict', default={}),
)

# The audit trail of the modules that write to a cloud (docs/audit.md); with LEDGER, where it is kept.
AUDIT = dict(
    inventory_revision=dict(type='str'),
)

# the status file of a step the replicate role runs async (_progress.py)
PROGRESS = dict(
    progress_file=dict(type='path'),
)

# every tenant's row of the validation and the steps to a file the report reads (_rows.py)
ROWS = dict(
    rows_file=dict(type='path'),
)


# Options that a cloud dict replaces (openstack.cloud refuses them beside a dict the same way).
CLOUD_DICT_EXCLUSIVE = ('auth', 'auth_type', 'region_name', 'validate_certs', 'ca_cert')
# Keys of a cloud dict whose values are secrets (keystoneauth's password, token, secret options).
SECRET_KEY = re.compile(r'password|passcode|secret|token', re.IGNORECASE)


def cloud_secrets(cloud):
    """Every secret value in a cloud dict, at any depth (for no_log_values)."""
    found = set()
    if isinstance(cloud, dict):
        for key, value in cloud.items():
            if isinstance(value, (dict, list)):
                found.update(cloud_secrets(value))
            elif value not in (None, '') and SECRET_KEY.search(str(key)):
                found.add(str(value))
    elif isinstance(cloud, list):
        for value in cloud:
            found.update(cloud_secrets(value))
    return found


def cloud_problem(params):
    """Why the connection options cannot be used (never naming a value), or None."""
    cloud = params.get('cloud')
    if cloud is None or isinstance(cloud, str):
        return None
    if not isinstance(cloud, dict):
        return ('cloud must be the name of a clouds.yaml entry or a dict of connection settings, not a %s'
                % type(cloud).__name__)
    given = [key for key in CLOUD_DICT_EXCLUSIVE if params.get(key) not in (None, {}, '')]
    if params.get('interface') not in (None, 'public'):
        given.append('interface')
    if given:
        return ('cloud is a dict of connection settings: give %s inside it, not as option(s) beside it'
                % ', '.join(given))
    return None


def compose(*groups, **extra):
    """One argument spec from option groups and the module's own options."""
    spec = {}
    for group in groups:
        spec.update(group)
    spec.update(extra)
    return spec
