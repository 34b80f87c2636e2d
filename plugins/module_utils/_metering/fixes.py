# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What fixes a partial metering run, pure: the exact command or the policy to widen.

A run is ``partial`` when its project list is not Keystone's whole list or a kind is hidden from
the reader (``collect.PARTIAL_CODES``, errors). Each such remark carries a ``fix``: for a project
list that fell back to the account's own projects, the ``openstack role add --system all`` command
with the account's user name (never a secret); for a hidden kind, the policy rule of its service
(``_kinds.Kind.reader_policy``) to widen to the reader; for a truncated list, Keystone's setting.
"""

import dataclasses
from typing import Optional

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import policy

DOCS = 'docs/metering.md, "The metering account, per OpenStack release"'
SWITCH = 'meter_fail_on_partial'
LIST_LIMIT = 'raise [DEFAULT] list_limit in keystone.conf above the number of projects'


@dataclasses.dataclass(frozen=True)
class Account:
    """Who the metering account is, as the command names it: a user name (or id) and its domain."""

    user: str
    domain: Optional[str] = None

    @classmethod
    def from_auth(cls, auth, user_id=None):
        """From a resolved ``auth`` dict: its user name or id (never a password); ``user_id`` (the
        token's) when the entry names no user (application credential, token)."""
        auth = auth or {}
        user = auth.get('username') or auth.get('user_id') or user_id or '<metering user>'
        domain = auth.get('user_domain_name') or auth.get('user_domain_id') if auth.get('username') else None
        return cls(user, domain)


def system_reader_command(account):
    """The command that gives ``account`` the system-scoped reader role (Keystone's project list)."""
    domain = '' if account.domain in (None, '', 'Default', 'default') else ' --user-domain %s' % account.domain
    return 'openstack role add --system all --user %s%s reader' % (account.user, domain)


def policy_fix(kind, project_id=None):
    """The policy to widen so the reader lists ``kind`` across all projects, and the shipped file that does it."""
    spec = _kinds.find(kind)
    rule = spec.reader_policy if spec is not None and spec.reader_policy else 'the service\'s list policy'
    who = 'role:reader and project_id:%s' % project_id if project_id else 'the metering reader\'s project'
    shipped = policy.fix(kind)
    return 'widen %s to the metering reader (%s)%s; see %s' % (rule, who, ': ' + shipped if shipped else '', DOCS)


def fixes(remarks):
    """The distinct fixes of ``remarks``, in order."""
    out = []
    for r in remarks:
        fix = r.get('fix')
        if fix and fix not in out:
            out.append(fix)
    return out


def partial_message(run):
    """The failure of a ``partial`` run: what is missing, what fixes it, the switch that tolerates it."""
    reasons = [r['message'] for r in run['remarks'] if r.get('fix') or r['severity'] == 'error']
    todo = fixes(run['remarks'])
    return ('metering run %s of platform %s is partial (recorded; resources of projects it could not see are on '
            '`unmanaged`, so its chargeback would be wrong): %s.%s Set %s: false to keep the job running on a '
            'partial run.' % (run['id'], run['platform'], '; '.join(reasons) or 'see its remarks',
                              ' Fix: %s.' % '; '.join(todo) if todo else '', SWITCH))
