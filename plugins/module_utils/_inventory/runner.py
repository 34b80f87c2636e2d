# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory_validate module run: the whole inventory checked, the platform's tenants listed."""

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.files import unread_files
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.shards import layout_problems
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.validate import (
    inventory_fingerprint,
    inventory_of,
    scope_workspaces,
    select_scope,
)
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import InventoryError
from ansible_collections.landingzone.openstack.plugins.module_utils._rows import rows_out

OPTIONS = dict(inventory_dir=dict(type='path'), shard_hosts=dict(type='list', elements='dict'),
               sliced=dict(type='bool', default=False))


def validate_whole(inventory, params):
    """The platform's ``Scope``; an inventory whose workspace files were not read is an error, never empty."""
    unread = unread_files(params.get('inventory_dir'), params.get('workspace_files'))
    if unread:
        raise InventoryError([unread])
    layout = layout_problems(params.get('shard_hosts') or [], params.get('sliced'))
    if layout:
        raise InventoryError(layout)
    return select_scope(inventory, params['platform'], params.get('platforms'), params.get('only_workspaces'),
                        params.get('workspace_files'), params.get('shard'), params.get('identity_platform'))


def run_validate_module(module):
    params = module.params
    inventory = inventory_of(params)
    scope = module.run(validate_whole, inventory, params)
    # what does not fail validation but must not pass unseen: stale approvals, requests under lz_quota_approval: report
    for notice in scope.notices:
        module.warn(str(notice))
    # a run limited to some workspaces: its steps take only those, validated here with the whole inventory
    limited = dict(zip(('scope_workspaces', 'scope_fingerprint'), scope_workspaces(params, inventory['workspaces']) or ()))
    module.exit_json(**rows_out(module, dict(
        limited, changed=False, requests=dict(total=0), fingerprint=inventory_fingerprint(params), notices=[
            dict(path=n.path, message=n.message) for n in scope.notices], tenants=[
            dict(tenant=t.key, name=t.name, domain=t.domain, state=str(t.state),
                 groups=dict((g.role, g.name) for g in t.groups),
                 quota_requests=[r.to_dict() for r in t.quota_requests]) for t in scope.tenants])))
