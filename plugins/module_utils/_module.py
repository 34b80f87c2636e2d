# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module base: the collection's option groups, one way to fail, the request figure.

Every module is ``LandingZoneModule(...)`` (modules that read only the ledger or write local
files) or ``_platform.PlatformModule(...)`` (modules that read the inventory or talk to a
platform), plus one call into a runner. This file imports nothing of the SDK or the inventory
code, so the ledger readers do not ship them.
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.landingzone.openstack.plugins.module_utils import _argspec
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.dsn import secrets as dsn_secrets


class LandingZoneModule(AnsibleModule):
    """AnsibleModule with the collection's option groups (``_argspec``)."""

    def __init__(self, argument_spec=None, connection=False, inventory=False, ledger=False,
                 isolation=False, **kwargs):
        groups = [g for g, wanted in ((_argspec.CONNECTION, connection), (_argspec.INVENTORY, inventory),
                                      (_argspec.LEDGER, ledger), (_argspec.ISOLATION, isolation)) if wanted]
        kwargs.setdefault('supports_check_mode', True)
        self.counter = None
        super().__init__(argument_spec=_argspec.compose(*groups, **(argument_spec or {})), **kwargs)
        if connection:
            # again: AnsibleModule skips _log_invocation when the module itself is no_log
            self.no_log_values.update(_argspec.cloud_secrets(self.params.get('cloud')))
            problem = _argspec.cloud_problem(self.params)
            if problem:
                self.fail(problem)
        if ledger:
            # no_log masks the whole DSN; its password may also appear on its own (a driver's
            # message, a redacted target): mask every secret the DSN holds, in any shape
            self.no_log_values.update(dsn_secrets(self.params.get('ledger_dsn')))

    def _log_invocation(self):
        # AnsibleModule logs the arguments before __init__ returns: a cloud dict's secrets are
        # masked from that log on (and from every result, warning and error)
        self.no_log_values.update(_argspec.cloud_secrets(self.params.get('cloud')))
        super()._log_invocation()

    def requests(self):
        """The HTTP requests of this run so far (a product figure, returned by every module)."""
        return self.counter.as_dict() if self.counter is not None else dict(total=0)

    def fail(self, msg, **result):
        result.setdefault('requests', self.requests())
        self.fail_json(msg=msg, **result)
