# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    # The audit trail of the modules that write to a cloud (docs/audit.md; _argspec.AUDIT).
    DOCUMENTATION = r'''
options:
  inventory_revision:
    version_added: 0.2.0
    description:
      - The inventory's revision (for example the git commit C(git rev-parse HEAD) of the inventory directory), kept
        with every write of this run in the audit trail. The role M(landingzone.openstack.replicate) reads it on the
        controller; not set outside a git repository.
      - "Every write this module makes to the cloud (every request but reads and authentication) is appended to
        the audit trail, the table C(audit_log) of the ledger (O(ledger_path) / O(ledger_dsn), the same ledger
        metering writes): run id, time, platform, workspace and project, operation, method, service, path,
        resource id, target, before and after where the plan knows them, HTTP status and outcome. Never a secret."
      - The ledger is opened before the first request, so a run that cannot record its writes makes none. Check
        mode records nothing, and a run without a write adds no entry. The result's C(audit) shows the run's
        entries; M(landingzone.openstack.openstack_audit_export) exports a time range.
    type: str
'''
