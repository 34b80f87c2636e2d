# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run of openstack_audit_export: the audit trail of a time range, as JSON Lines or CSV (docs/audit.md).

Reads only the ledger: nothing here imports the SDK, the inventory or the Keystone code.
"""

import os

from ansible_collections.landingzone.openstack.plugins.module_utils._files import atomic_write
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import UserError
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import store
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.audit import FORMATS
from ansible_collections.landingzone.openstack.plugins.module_utils._time import TimeError, ts

EXPORT_OPTIONS = dict(
    start=dict(type='str'),
    end=dict(type='str'),
    platform=dict(type='str'),
    workspace=dict(type='str'),
    run_id=dict(type='str'),
    format=dict(type='str', choices=sorted(FORMATS), default='jsonl'),
    path=dict(type='path'),
)


def window(start, end):
    """(start, end) as the ledger's text; a bad time or an empty window is the user's error, naming the option."""
    out = []
    for name, value in (('start', start), ('end', end)):
        try:
            out.append(ts(value))
        except TimeError as exc:
            raise UserError('%s: %s' % (name, exc)) from exc
    if out[0] and out[1] and out[0] >= out[1]:
        raise UserError('start (%s) must be before end (%s)' % (start, end))
    return out


def export(params, check_mode=False, move=None):
    """The module result: the entries of the window and filters; written to ``path`` (unless check mode)."""
    start, end = window(params.get('start'), params.get('end'))
    backend, target = store.resolve_target(params.get('ledger_path'), params.get('ledger_dsn'))
    if backend == 'sqlite' and not os.path.exists(target):
        raise UserError('no ledger at %s (the option ledger_path; in the playbooks the inventory variable '
                        'lz_ledger_path of the platform hosts, default %s): no replication run has recorded a write '
                        'there' % (os.path.abspath(target), store.DEFAULT_PATH))
    with store.open_ledger(params.get('ledger_path'), params.get('ledger_dsn')) as ledger:
        rows = ledger.audit(start, end, params.get('platform'), params.get('workspace'), params.get('run_id'))
        shown = '%s %s' % (ledger.backend, ledger.target)
    result = dict(changed=False, count=len(rows), format=params['format'], ledger=shown, start=start, end=end,
                  runs=sorted(set(r['run_id'] for r in rows)))
    if not params.get('path'):
        result['entries'] = rows
        return result
    text = FORMATS[params['format']](rows)
    result['path'] = params['path']
    result['changed'] = _content(params['path']) != text
    if result['changed'] and not check_mode:
        atomic_write(params['path'], text, move)
    return result


def _content(path):
    try:
        with open(path, encoding='utf-8', newline='') as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def run(module):
    """openstack_audit_export to its end."""
    module.exit_json(**module.run(export, module.params, module.check_mode, module.atomic_move))
