# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Quota requests with approval (docs/quotas.md, "Quota requests with approval"), pure.

The platform team defines per quota key a minimum, a maximum and an auto-approval threshold
(``lz_quota_definitions``). Every quota value of the inventory (a landing zone's values and sizes, a
project's overrides) must lie within [min, max]; a project override that raises a key above its
threshold (and above what its landing zone gives) is a request that needs a platform engineer:
an entry of ``lz_quota_approvals`` (a file the platform team owns through CODEOWNERS) or the
run's ``lz_quota_approved_by`` (the label passed by CI). Under the policy ``require`` an unapproved
request is a validation error; under ``report`` it is a notice and the plan's remark. An approval
that covers nothing is a notice (stale), so the file does not rot. Standard library only.
"""

import dataclasses
from typing import Optional

from ansible_collections.landingzone.openstack.plugins.module_utils._issues import ValidationIssue
from ansible_collections.landingzone.openstack.plugins.module_utils._results import Text
from ansible_collections.landingzone.openstack.plugins.module_utils._time import day
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.values import date_value
from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.quota_keys import UNLIMITED, split_key

# The variables the docs tell the platform team to set (group_vars/all): error paths name them.
DEFINITIONS_VAR = 'lz_quota_definitions'
APPROVALS_VAR = 'lz_quota_approvals'
APPROVED_BY_VAR = 'lz_quota_approved_by'
POLICY_VAR = 'lz_quota_approval'
APPROVALS_FILE = 'group_vars/all/quota_approvals.yml'

DEFINITION_KEYS = ('min', 'max', 'auto_approve_max')
APPROVAL_KEYS = ('workspace', 'project', 'platform', 'key', 'value', 'approved_by', 'ticket', 'expires')
APPROVAL_REQUIRED = ('workspace', 'project', 'key', 'value', 'approved_by')
# the inventory mapping's keys that carry them (validate.py's TOP_KEYS; the modules' options of the same names)
INVENTORY_KEYS = ('quota_definitions', 'quota_approvals', 'quota_approval', 'quota_approved_by')
LABEL = 'label passed by CI'


class ApprovalPolicy(Text):
    """What an unapproved quota request does: fail validation, or be reported in the plan."""

    REQUIRE = 'require'
    REPORT = 'report'


DEFAULT_POLICY = ApprovalPolicy.REQUIRE


def above(value, limit):
    """True when quota ``value`` exceeds ``limit`` (-1, unlimited, exceeds every limit)."""
    return value == UNLIMITED or value > limit


@dataclasses.dataclass(frozen=True)
class Definition:
    """The platform's bounds of one quota key; None: no such bound."""

    key: str
    min: Optional[int] = None
    max: Optional[int] = None
    auto_approve_max: Optional[int] = None

    def bound_problem(self, value):
        """Why ``value`` is outside [min, max], else None."""
        if self.max is not None and above(value, self.max):
            shown = 'unlimited (-1)' if value == UNLIMITED else str(value)
            return '%s %s is above the maximum %d (%s.%s.max)' % (self.key, shown, self.max, DEFINITIONS_VAR, self.key)
        if self.min is not None and value != UNLIMITED and value < self.min:
            return '%s %d is below the minimum %d (%s.%s.min)' % (self.key, value, self.min, DEFINITIONS_VAR, self.key)
        return None


@dataclasses.dataclass(frozen=True)
class Approval:
    """One entry of ``lz_quota_approvals``: a value up to which a platform engineer approved a key."""

    workspace: str
    project: str
    key: str
    value: int
    approved_by: str
    platform: Optional[str] = None
    ticket: Optional[str] = None
    expires: Optional[object] = None   # aware UTC datetime: from then on it approves nothing
    path: str = ''

    def targets(self, tenant, key):
        return (self.workspace, self.project, self.key) == (tenant.workspace, tenant.project, key) and \
            self.platform in (None, tenant.platform)

    def expired(self, now):
        return self.expires is not None and now >= self.expires

    def covers(self, value):
        return self.value == UNLIMITED or (value != UNLIMITED and value <= self.value)


@dataclasses.dataclass(frozen=True)
class QuotaRequest:
    """A tenant's quota key above its auto-approval threshold: ``approved_by`` None while it needs approval."""

    key: str
    value: int
    threshold: int
    path: str
    approved_by: Optional[str] = None
    ticket: Optional[str] = None
    until: Optional[str] = None

    @property
    def mark(self):
        """What the plan says of the change: 'approved by X (ticket T, until D)' or 'needs approval'."""
        if self.approved_by is None:
            return 'needs approval'
        details = [d for d in (self.ticket and 'ticket %s' % self.ticket, self.until and 'until %s' % self.until) if d]
        return 'approved by %s%s' % (self.approved_by, ' (%s)' % ', '.join(details) if details else '')

    def to_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Governance:
    """The platform's quota definitions and approvals, as the run sees them."""

    definitions: dict = dataclasses.field(default_factory=dict)   # key -> Definition
    approvals: tuple = ()
    policy: ApprovalPolicy = DEFAULT_POLICY
    approved_by: Optional[str] = None    # the label passed by CI: approves every request of the run

    @property
    def empty(self):
        return not self.definitions and not self.approvals

    def approvals_of(self, tenant, key):
        """The approvals naming the tenant's ``key`` (on its platform or on every platform)."""
        index = self.__dict__.get('_index')
        if index is None:   # one pass over the approvals, not one per request: thousands of tenants
            index = {}
            for approval in self.approvals:
                index.setdefault((approval.workspace, approval.project, approval.key), []).append(approval)
            object.__setattr__(self, '_index', index)
        return [a for a in index.get((tenant.workspace, tenant.project, key), ()) if a.targets(tenant, key)]


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value, path, errors):
    if isinstance(value, str) and value.strip() and value == value.strip():
        return value
    errors.append(ValidationIssue(path, 'must be a non-empty string without surrounding whitespace, got %r' % (value,)))
    return None


def parse_definitions(raw, errors):
    """``lz_quota_definitions`` -> {key: Definition}; every problem appended with its path."""
    if raw is None or raw == {}:
        return {}
    if not isinstance(raw, dict):
        errors.append(ValidationIssue(DEFINITIONS_VAR, 'must be a mapping of quota key to {min, max, '
                                                       'auto_approve_max}, got %s' % type(raw).__name__))
        return {}
    definitions = {}
    for key, fields in raw.items():
        path = '%s.%s' % (DEFINITIONS_VAR, key)
        if split_key(key) is None:
            errors.append(ValidationIssue(path, 'unknown quota key %r (see docs/quotas.md)' % (key,)))
            continue
        definition = _definition(key, fields, path, errors)
        if definition is not None:
            definitions[key] = definition
    return definitions


def _definition(key, fields, path, errors):
    start = len(errors)
    if not isinstance(fields, dict) or not fields:
        errors.append(ValidationIssue(path, 'must be a mapping with at least one of %s' % ', '.join(DEFINITION_KEYS)))
        return None
    for name, value in fields.items():
        if name not in DEFINITION_KEYS:
            errors.append(ValidationIssue('%s.%s' % (path, name), 'unknown key %r; allowed: %s'
                                          % (name, ', '.join(DEFINITION_KEYS))))
        elif not _is_int(value) or value < 0:
            errors.append(ValidationIssue('%s.%s' % (path, name), 'must be an integer of 0 or more, got %r' % (value,)))
    if len(errors) > start:
        return None
    low, high, auto = fields.get('min'), fields.get('max'), fields.get('auto_approve_max')
    if low is not None and high is not None and low > high:
        errors.append(ValidationIssue(path, 'min %d is above max %d' % (low, high)))
    if auto is not None and ((low is not None and auto < low) or (high is not None and auto > high)):
        errors.append(ValidationIssue('%s.auto_approve_max' % path, '%d is outside [min, max] = [%s, %s]'
                                      % (auto, low if low is not None else 0, high if high is not None else 'none')))
    return Definition(key, low, high, auto) if len(errors) == start else None


def parse_approvals(raw, platforms, errors):
    """``lz_quota_approvals`` -> Approvals; every problem appended with its path."""
    if raw is None or raw == []:
        return ()
    if not isinstance(raw, list):
        errors.append(ValidationIssue(APPROVALS_VAR, 'must be a list of approvals, got %s' % type(raw).__name__))
        return ()
    approvals, seen = [], {}
    for index, entry in enumerate(raw):
        path = '%s[%d]' % (APPROVALS_VAR, index)
        approval = _approval(entry, path, platforms, errors)
        if approval is None:
            continue
        target = (approval.workspace, approval.project, approval.platform, approval.key)
        if target in seen:
            errors.append(ValidationIssue(path, 'approves the same key of the same project as %s; keep one'
                                          % seen[target]))
            continue
        seen[target] = path
        approvals.append(approval)
    return tuple(approvals)


def _approval(entry, path, platforms, errors):
    start = len(errors)
    if not isinstance(entry, dict):
        errors.append(ValidationIssue(path, 'must be a mapping (%s)' % ', '.join(APPROVAL_KEYS)))
        return None
    for name in entry:
        if name not in APPROVAL_KEYS:
            errors.append(ValidationIssue('%s.%s' % (path, name), 'unknown key %r; allowed: %s'
                                          % (name, ', '.join(APPROVAL_KEYS))))
    for name in APPROVAL_REQUIRED:
        if entry.get(name) is None:
            errors.append(ValidationIssue('%s.%s' % (path, name), 'is required'))
    if len(errors) > start:
        return None
    texts = dict((name, _text(entry[name], '%s.%s' % (path, name), errors))
                 for name in ('workspace', 'project', 'approved_by', 'platform', 'ticket') if entry.get(name) is not None)
    if split_key(entry['key']) is None:
        errors.append(ValidationIssue('%s.key' % path, 'unknown quota key %r (see docs/quotas.md)' % (entry['key'],)))
    value = entry['value']
    if not _is_int(value) or value < UNLIMITED:
        errors.append(ValidationIssue('%s.value' % path, 'must be the highest approved value, an integer '
                                                         '(-1 for unlimited), got %r' % (value,)))
    platform = texts.get('platform')
    if platform is not None and platforms is not None and platform not in platforms:
        errors.append(ValidationIssue('%s.platform' % path, 'unknown platform %r; known: %s'
                                      % (platform, ', '.join(platforms))))
    expires = _expires(entry.get('expires'), '%s.expires' % path, errors)
    if len(errors) > start:
        return None
    return Approval(texts['workspace'], texts['project'], entry['key'], value, texts['approved_by'], platform,
                    texts.get('ticket'), expires, path)


def _expires(value, path, errors):
    return None if value is None else date_value(value, path, errors)


def parse_governance(inventory, platforms, errors):
    """The ``Governance`` of the inventory mapping's quota keys (``INVENTORY_KEYS``)."""
    policy = inventory.get('quota_approval')
    if policy in (None, ''):
        policy = DEFAULT_POLICY
    elif policy not in [p.value for p in ApprovalPolicy]:
        errors.append(ValidationIssue(POLICY_VAR, '%r is not one of %s' % (policy, ', '.join(p.value for p in ApprovalPolicy))))
        policy = DEFAULT_POLICY
    approved_by = inventory.get('quota_approved_by')
    if approved_by in (None, ''):
        approved_by = None
    else:
        approved_by = _text(approved_by, APPROVED_BY_VAR, errors)
    return Governance(definitions=parse_definitions(inventory.get('quota_definitions'), errors),
                      approvals=parse_approvals(inventory.get('quota_approvals'), platforms, errors),
                      policy=ApprovalPolicy(policy), approved_by=approved_by)


def bound_problems(governance, mappings):
    """Every quota value outside its key's [min, max]: ``mappings`` yields (path, {key: value}) of the
    inventory's quota mappings (``quota_keys.quota_mappings``); the error names the value's path."""
    problems = []
    for path, values in mappings:
        for key, value in values.items():
            definition = governance.definitions.get(key)
            if definition is None or not _is_int(value) or value < UNLIMITED:
                continue   # an unknown key or a wrong value is quota_keys' error
            problem = definition.bound_problem(value)
            if problem:
                problems.append(ValidationIssue('%s.%s' % (path, key), problem))
    return problems


def _requested(governance, tenant):
    """(key, value, threshold) of the tenant's overrides above their threshold and above its landing zone's value."""
    zone = dict(tenant.quota_size_values)
    zone.update(tenant.quota_values)
    for key in sorted(tenant.quota_overrides):
        value = tenant.quota_overrides[key]
        definition = governance.definitions.get(key)
        if definition is None or definition.auto_approve_max is None or not _is_int(value):
            continue
        if not above(value, definition.auto_approve_max):
            continue
        if _is_int(zone.get(key)) and not above(value, zone[key]):
            continue   # no more than the landing zone gives anyway: not a request
        yield key, value, definition.auto_approve_max


def requests_of(governance, tenant, now, used):
    """The tenant's ``QuotaRequest``s, each approved by an entry of ``lz_quota_approvals`` (its index
    added to ``used``), by the label passed by CI, or by nobody yet."""
    found = []
    for key, value, threshold in _requested(governance, tenant):
        path = '%s.quota.%s' % (tenant.path, key)
        fitting = [a for a in governance.approvals_of(tenant, key) if a.covers(value) and not a.expired(now)]
        if fitting:
            approval = sorted(fitting, key=lambda a: a.platform is None)[0]   # a platform's own approval first
            used.add(approval.path)
            found.append(QuotaRequest(key, value, threshold, path, approval.approved_by, approval.ticket,
                                      day(approval.expires) if approval.expires else None))
        elif governance.approved_by:
            found.append(QuotaRequest(key, value, threshold, path, '%s (%s)' % (governance.approved_by, LABEL)))
        else:
            found.append(QuotaRequest(key, value, threshold, path))
    return found


def unapproved_problem(request, tenant, governance, now):
    """The issue of a request nobody approved: where, why, and the three ways out."""
    shown = 'unlimited (-1)' if request.value == UNLIMITED else str(request.value)
    why = []
    for approval in governance.approvals_of(tenant, request.key):
        if approval.expired(now):
            why.append('%s expired on %s' % (approval.path, day(approval.expires)))
        else:
            why.append('%s approves up to %s only' % (approval.path, approval.value))
    entry = '{workspace: %s, project: %s, key: %s, value: %s, approved_by: <platform engineer>, ticket: <id>}' % (
        tenant.workspace, tenant.project, request.key, request.value)
    return ValidationIssue(request.path, '%s %s is above the auto-approval threshold %d (%s.%s.auto_approve_max) and '
                           'needs a platform engineer\'s approval on platform %r%s: add %s to %s (%s, owned by the '
                           'platform team), or run with -e %s=<name> (the label passed by CI), or request at most %d'
                           % (request.key, shown, request.threshold, DEFINITIONS_VAR, request.key, tenant.platform,
                              ' (%s)' % '; '.join(why) if why else '', entry, APPROVALS_VAR, APPROVALS_FILE,
                              APPROVED_BY_VAR, request.threshold))


def govern(governance, tenants, now, errors, notices):
    """The tenants with their ``quota_requests``; an unapproved request is an error under the policy
    ``require``, a notice under ``report``; an approval that approves nothing is a notice (stale)."""
    if not governance.definitions:
        stale(governance, set(), notices)
        return list(tenants)
    used, result = set(), []
    for tenant in tenants:
        requests = [] if tenant.state == 'deleted' else requests_of(governance, tenant, now, used)
        for request in requests:
            if request.approved_by is None:
                problem = unapproved_problem(request, tenant, governance, now)
                if governance.policy == ApprovalPolicy.REQUIRE:
                    errors.append(problem)
                else:
                    notices.append(ValidationIssue(problem.path, problem.message + ' (%s: report: the plan marks it, '
                                                   'the run applies it)' % POLICY_VAR))
        result.append(dataclasses.replace(tenant, quota_requests=tuple(requests)) if requests else tenant)
    stale(governance, used, notices)
    return result


def stale(governance, used, notices):
    """A notice per approval that approved nothing in this run: remove it, or it rots."""
    for approval in governance.approvals:
        if approval.path in used:
            continue
        notices.append(ValidationIssue(approval.path, 'stale approval: approves %s/%s %s up to %s%s but no quota of the '
                                       'inventory needs it (no such project, no override above the threshold, or the '
                                       'approval expired%s); remove it'
                                       % (approval.workspace, approval.project, approval.key, approval.value,
                                          ' on platform %s' % approval.platform if approval.platform else '',
                                          ' on %s' % day(approval.expires) if approval.expires else '')))
