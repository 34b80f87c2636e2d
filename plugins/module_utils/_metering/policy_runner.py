# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``openstack_metering_policy``: the installed defaults dumped, one policy file per service written."""

import os
import sys

from ansible_collections.landingzone.openstack.plugins.module_utils import _files
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import policy


def run(module):
    """``openstack_metering_policy``: one file per service in ``dest``."""
    p = module.params
    dest = os.path.abspath(os.path.expanduser(p['dest']))
    python = p.get('python') or sys.executable
    files, diffs, changed = [], [], False
    for service in p['services']:
        try:
            defaults = policy.installed_defaults(service, python, module.run_command) if service in policy.DEFAULT_RULES_MODULE else None
            rules = policy.overrides(service, p['admin_project_id'], defaults)
        except policy.PolicyError as exc:
            module.fail(str(exc))
        origin = 'admin project %s, %s' % (p['admin_project_id'], policy.method(service, defaults))
        path = os.path.join(dest, policy.file_name(service))
        text = policy.policy_text(service, rules, origin)
        before = _read(path)
        file_changed = before != text
        if file_changed and not module.check_mode:
            _files.atomic_write(path, text, move=module.atomic_move)
        changed = changed or file_changed
        files.append(dict(service=service, path=path, method=policy.method(service, defaults), rules=len(rules),
                          changed=file_changed))
        diffs.append(dict(before_header=path, after_header=path, before=before or '', after=text))
    result = dict(changed=changed, files=files, requests=dict(total=0))
    if module._diff:  # pylint: disable=protected-access
        result['diff'] = diffs
    module.exit_json(**result)


def _read(path):
    try:
        with open(path, encoding='utf-8') as handle:
            return handle.read()
    except FileNotFoundError:
        return None
