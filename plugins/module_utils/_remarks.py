# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The remark registry: every remark code the collection makes, with its severity and meaning.

One table per place a remark lands (``SCOPES``): the replication and quota rows, the metering
runs, the visibility check's findings. The docs' remark tables are rendered from it
(``doc_table``; a unit test keeps them equal). Standard library only.
"""

import dataclasses
import enum


class Severity(str, enum.Enum):
    INFO = 'info'
    WARNING = 'warning'
    ERROR = 'error'

    def __str__(self):
        return self.value


INFO, WARNING, ERROR = Severity.INFO, Severity.WARNING, Severity.ERROR


@dataclasses.dataclass(frozen=True)
class Remark:
    """One remark code: how grave it is and what it means (as the docs' table says it)."""

    code: str
    severity: Severity
    meaning: str


def _table(*remarks):
    return dict((r.code, r) for r in remarks)


# Rows of keystone_tenant / keystone_group_binding (docs/replication.md, "Remarks").
REPLICATION = _table(
    Remark('user_not_found', WARNING, 'a bound euid has no Keystone user yet; it is bound on the first run after it '
                                      'appears'),
    Remark('user_prebound', INFO, 'a bound euid that has not logged in yet is created as a shadow user of the landing '
                                  'zone\'s identity provider and bound now (docs/federation.md)'),
    Remark('prebound_user_kept', INFO, 'a user bound before its first login is bound no more, but has logged in (or '
                                       'is in a group this run does not manage); the collection keeps it'),
    Remark('binding_expired', WARNING, 'a binding\'s `expires` date has passed: its member is removed from the group; '
                                       'remove the binding from the inventory'),
    Remark('binding_expires_soon', INFO, 'a binding expires within the landing zone\'s `expiry_notice_days` '
                                         '(default 14)'),
    Remark('user_ambiguous', WARNING, 'several users share that name as Keystone compares names (case ignored; '
                                      'different domains); none is bound'),
    Remark('user_name_case', INFO, 'the binding\'s user name differs from the Keystone user\'s only in case; bound to '
                                   'that user'),
    Remark('drift_reverted', WARNING, 'a change made outside the inventory was set back; `drift` holds the field, old '
                                      'and new values'),
    Remark('skipped', INFO, 'an earlier step failed the tenant; this step left it alone (`skipped` says why)'),
    Remark('domain_mismatch', WARNING, 'the project is in another domain than its landing zone says; Keystone cannot '
                                       'move it'),
    Remark('foreign_assignment', WARNING, 'a managed group holds a role on another project (named in `project`), '
                                          'granted outside the inventory; left as is'),
    Remark('kept_disabled', WARNING, 'deleted in the inventory, deletion not automated by the landing zone'),
    Remark('resources_remaining', WARNING, 'deleted in the inventory, but the project still holds resources '
                                           '(`counts` per kind), also after a purge; kept disabled until empty'),
    Remark('resources_unknown', WARNING, 'what the project holds could not be listed; kept disabled'),
    Remark('domain_kept', WARNING, 'the workspace\'s domain still holds users, or a project this run kept; not '
                                   'deleted'),
    Remark('purge_planned', WARNING, 'check mode, `deletion_resources: purge`: what the purge would delete '
                                     '(`counts`, from the pre-deletion check)'),
    Remark('purged', INFO, 'the purge ran: what openstacksdk\'s dry run listed (`dry_run`), what it asked to delete '
                           '(`purged`), the temporary enabling and role grant it undid (`temporary`)'),
    Remark('purge_refused', WARNING, 'not purged: the project lost the marker, or someone else holds a role on it; '
                                     'kept disabled'),
    Remark('missing_reference', ERROR, 'the tenant\'s landing zone names a Keystone role, domain or volume type the '
                                       'platform lacks; nothing of the zone is written (`paths`)'),
    Remark('domain_collision', ERROR, 'a domain with the per-workspace domain\'s name exists and is not this '
                                      'workspace\'s; left untouched'),
    Remark('project_immutable', ERROR, 'the project is immutable (not by this collection) and needs a change; left '
                                       'as is'),
    Remark('orphan', WARNING, 'carries the marker, no longer in the inventory'),
    Remark('adopted', INFO, 'the tenant takes over the existing project its `adopt` names (`project`): renamed to the '
                            'pattern, marked, described, enabled; its id and resources stay'),
    Remark('adopted_direct_grant', WARNING, 'a user or group (`principal`) holds a role (`role`) on the adopted project '
                                            'directly, granted outside the inventory; kept, never removed'),
    Remark('adopt_conflict', ERROR, 'the tenant already has a managed project, and `adopt` names another one; nothing '
                                    'of the tenant is written'),
    Remark('adopt_missing', ERROR, 'the project `adopt` names does not exist on the platform; nothing is created in '
                                   'its place'),
    Remark('adopt_owned', ERROR, 'the project `adopt` names carries another tenant\'s or platform\'s ownership tags '
                                 '(`tags`); left untouched'),
    Remark('adopt_domain', ERROR, 'the project `adopt` names is in another domain than the landing zone says; '
                                  'Keystone cannot move a project between domains; left untouched'),
    Remark('name_collision', ERROR, 'a foreign project has the name; left untouched'),
    Remark('group_name_collision', ERROR, 'a foreign group has the name; left untouched'),
    Remark('duplicate_managed_projects', ERROR, 'several projects carry one tenant\'s marker; resolve by hand'),
    Remark('project_missing', ERROR, '`keystone_group_binding` ran before the tenant\'s project exists'),
    Remark('unknown_role', ERROR, 'a mapped Keystone role does not exist on the platform'),
    Remark('federation_unavailable', ERROR, 'the landing zone\'s `federation` names an identity provider, domain or '
                                            'protocol the platform lacks (or that do not match); nothing of the '
                                            'tenant\'s access is changed'),
    Remark('api_error', ERROR, 'a write failed after its retries'),
)

# Rows of openstack_quota (docs/quotas.md, "Remarks").
QUOTAS = _table(
    Remark('service_missing', WARNING, 'a tenant sets keys of a service the platform\'s catalog does not have (in the '
                                       'run\'s region/interface): those keys are skipped'),
    Remark('volume_type_missing', WARNING, '`volume.*_<type>` for a type Cinder does not know: that key is skipped'),
    Remark('below_usage', WARNING, 'a decrease to below current usage (in use + reserved): not applied; the drift row '
                                   'shows `used` and `skipped`'),
    Remark('below_usage_applied', INFO, 'the same with `quota_below_usage: apply` on the landing zone: applied (Nova '
                                        'with `force`, Neutron); Cinder refuses any limit below usage (HTTP 400, no '
                                        'force), so `volume.*` stays a `below_usage` remark'),
    Remark('key_not_supported', WARNING, 'the service does not return the field (e.g. a Nova microversion without it): '
                                         'skipped'),
    Remark('no_project', WARNING, 'the tenant has no Keystone project yet and no earlier step of this run creates one: '
                                  'nothing read or written; run `keystone_tenant` first'),
    Remark('read_failed', ERROR, 'a read failed after retries: the tenant is `failed`; others go on'),
    Remark('api_error', ERROR, 'a write failed after retries: the tenant is `failed`; others go on'),
    Remark('no_unified_limits', WARNING, '`image.*` keys on a platform whose Keystone registers no image limits (or '
                                         '`quota_backend: {image: legacy}`): those keys are skipped'),
    Remark('no_registered_limit', WARNING, 'under unified limits, Keystone has no registered limit for the key\'s '
                                           'resource: that key is skipped'),
    Remark('quota_backend_mismatch', ERROR, 'after a Nova write, Nova reads back other values: it enforces the other '
                                            'backend; the tenant is `failed`; set `quota_backend`'),
    Remark('read_back_failed', WARNING, 'the read-back after a Nova write failed: written, not verified'),
    Remark('usage_not_checked', INFO, 'a decrease whose usage the replicator cannot see: Glance (usage only to the '
                                      'project itself), Octavia (no usage API), a Neutron usage read that failed: '
                                      'applied; the service refuses new resources past the limit, it deletes nothing'),
    Remark('not_read_back', INFO, 'under unified limits, the run\'s Nova writes were only of keys Nova\'s quota API '
                                  'does not show per project: written, not verified'),
    Remark('registered_limits_not_written', WARNING, '`registered_limits` declared for a service whose backend is '
                                                     'legacy: not written (platform setting)'),
    Remark('registered_limit_in_use', WARNING, 'a declared registered limit differs, and project limits refer to it '
                                               '(Keystone refuses the change): not written (platform setting)'),
    Remark('service_ambiguous', ERROR, '`registered_limits` declared while Keystone has several services of the type: '
                                       'not written; the task fails'),
    Remark('duplicate_managed_projects', ERROR, 'several projects carry one tenant\'s marker; resolve by hand'),
    Remark('skipped', INFO, 'an earlier step failed the tenant; this step left it alone (`skipped` says why)'),
    Remark('quota_approved', INFO, 'a change to a value above the key\'s `auto_approve_max` (`lz_quota_definitions`): '
                                   'who approved it (`approved_by`: an entry of `lz_quota_approvals`, or the label '
                                   'passed by CI), its ticket and expiry'),
    Remark('quota_needs_approval', WARNING, 'the same with nothing approving it, under `lz_quota_approval: report`: '
                                            'applied; under `require` validation refuses it before any request'),
    Remark('drift_reverted', WARNING, 'a quota (or unified limit) changed outside the inventory: it differs from the '
                                      'value this step last wrote (the project\'s `lz_quota` record); set back, '
                                      '`drift` holds the key, old and new values'),
)

# Remarks of a metering collection run, per kind (docs/metering.md, "Remarks").
METERING = _table(
    Remark('service_missing', WARNING, 'the kind\'s service is not in the catalog: the kind is not collected, not '
                                       'complete'),
    Remark('service_failed', ERROR, 'the kind\'s listing failed (or was truncated): not complete; the run is '
                                    '`partial`'),
    Remark('forbidden', ERROR, 'the reader may not list the kind (401/403): not complete; the run is `partial`'),
    Remark('project_unknown', WARNING, 'resources without a visible project id: kept, on no project'),
    Remark('system_scope', INFO, 'projects listed with a system-scoped token'),
    Remark('projects_partial', WARNING, 'only the account\'s own projects could be listed: the run is `partial`'),
    Remark('projects_truncated', WARNING, 'Keystone truncated the project list: the run is `partial`'),
    Remark('projects_unknown', INFO, 'project ids on resources that Keystone did not list: attributed to `unmanaged`'),
    Remark('fewer_than_check', WARNING, 'the reader sees fewer resources of the kind than the visibility check found: '
                                        'not complete; the run is `partial`'),
)

# Findings of openstack_metering_check (docs/metering.md, "Remarks").
CHECK = _table(
    Remark('service_missing', ERROR, 'the kind\'s service is not in the reader\'s catalog'),
    Remark('service_failed', ERROR, 'the reader\'s listing of the kind failed'),
    Remark('forbidden', ERROR, 'the reader may not list the kind (401/403)'),
    Remark('admin_listing_failed', WARNING, 'the admin account cannot list the kind: its visibility is unproven'),
    Remark('hidden_from_reader', ERROR, 'the admin lists resources or projects the reader does not see'),
    Remark('projects_not_listed', ERROR, 'the reader cannot list all Keystone projects'),
    Remark('write_allowed', ERROR, 'a harmless write that must be refused was taken'),
    Remark('write_unproven', WARNING, 'a probe write was neither refused nor taken'),
)

SCOPES = dict(replication=REPLICATION, quotas=QUOTAS, metering=METERING, check=CHECK)
# The codes of a ``TenantResult`` row (replication and quota steps share it; a shared code has one
# severity, a unit test checks it).
ROWS = dict(QUOTAS, **REPLICATION)
# Where each scope's table is in the docs.
DOCS = dict(replication='docs/replication.md', quotas='docs/quotas.md', metering='docs/metering.md',
            check='docs/metering.md')


def remark(code, scope=None):
    """The registered Remark of ``code`` in ``scope`` (None: a result row's); KeyError when unregistered."""
    return (ROWS if scope is None else SCOPES[scope])[code]


def severity(code, scope=None):
    """The severity of ``code`` in ``scope`` (None: a result row's), as the text a remark carries."""
    return remark(code, scope).severity.value


def doc_table(scope):
    """The Markdown table of ``scope``'s remarks, as the docs show it (one line per row)."""
    lines = ['| code | severity | meaning |', '| --- | --- | --- |']
    lines.extend('| `%s` | %s | %s |' % (r.code, r.severity.value, r.meaning) for r in SCOPES[scope].values())
    return lines
