# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The openstack_metering_check run: proves what the metering (reader) account can do.

(a) visibility: every kind the collector meters is listed, with the collector's own listing
    (``_kinds``, ``_rest.list_all``), by the reader and by the admin account; the counts per kind
    and project are compared and every resource the reader misses is named (``visibility.compare``).
(b) no writes: harmless writes with the reader that must be refused (``probe.run_probes``).
(c) Keystone: the reader lists the projects (project scope, or system scope as the collector falls
    back to) and, with the admin, the same ones.

Without the admin account (a) cannot be proven: the status is ``incomplete``, never ``ok``.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds, _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.store import KINDS
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import collect, probe, visibility
from ansible_collections.landingzone.openstack.plugins.module_utils._results import Text

OPTIONS = dict(
    admin_cloud=dict(type='str'),
    kinds=dict(type='list', elements='str', choices=list(KINDS), default=list(KINDS)),
    write_probes=dict(type='bool', default=True),
    fail_on_problems=dict(type='bool', default=True),
    page_size=dict(type='int', default=collect.DEFAULT_PAGE_SIZE),
)


class CheckStatus(Text):
    """The check's verdict: ``failed`` on an error finding, ``incomplete`` when a part could not be
    proven (no admin account, no write probes, a warning), else ``ok``."""

    OK = 'ok'
    INCOMPLETE = 'incomplete'
    FAILED = 'failed'


def listing(conn, kind, page_size, retries):
    spec = _kinds.kind(kind)
    rest = _rest.RestClient(getattr(conn, spec.proxy), retries=retries, microversion=spec.microversion)
    return _rest.list_all(rest, spec.listing.path, spec.listing.key, params=spec.listing.query, limit=page_size)[0]


def connect_admin(params, counter):
    # the admin account of the same platform: the run's options with its own clouds.yaml entry
    return _rest.connect(dict(params, cloud=params['admin_cloud'], auth=None, auth_type=None), counter)[0]


def check_projects(reader, admin, retries, counter):
    """(c): (result, findings, {project id: name})."""
    projects, remarks = collect.collect_projects(reader, collect.Requests(), retries, counter)
    codes = set(r['code'] for r in remarks)
    result = dict(reader=len(projects), scope='system' if 'system_scope' in codes else 'project')
    findings = []
    if 'projects_partial' in codes or 'projects_truncated' in codes:
        findings.append(visibility.finding('projects', 'projects_not_listed',
                                           'the metering reader cannot list all Keystone projects: %s'
                                           % '; '.join(r['message'] + ('. Fix: %s' % r['fix'] if r.get('fix') else '')
                                                       for r in remarks if r['severity'] != 'info')))
    names = dict((p['project_id'], p['name']) for p in projects)
    if admin is not None:
        rest = _rest.RestClient(admin.identity, retries=retries)
        every = _rest.list_all(rest, '/projects', 'projects', limit=_rest.KEYSTONE_PAGE_LIMIT)[0]
        names.update((p['id'], p.get('name')) for p in every)
        missing = sorted(set(p['id'] for p in every) - set(p['project_id'] for p in projects))
        if missing:  # list again: a project created between the two listings is not hidden
            again = collect.collect_projects(reader, collect.Requests(), retries, counter)[0]
            missing = sorted(set(missing) - set(p['project_id'] for p in again))
        result.update(admin=len(every), missing=missing[:visibility.MAX_NAMED], missing_count=len(missing))
        if missing and not findings:
            findings.append(visibility.finding('projects', 'hidden_from_reader',
                                               'the admin lists %d Keystone projects, the metering reader misses %d: %s'
                                               % (len(every), len(missing), ', '.join(missing[:visibility.MAX_NAMED]))))
    return result, findings, names


def run_check(reader, admin, params, counter):
    """The whole check: dict(status, visibility, writes, projects, findings, admin_counts)."""
    retries = params['retries']
    findings = []
    projects, project_findings, names = check_projects(reader, admin, retries, counter)
    findings.extend(project_findings)
    seen, admin_items, admin_counts = {}, {}, {}
    for kind in params['kinds']:
        try:
            reader_items = listing(reader, kind, params['page_size'], retries)
        except Exception as exc:  # noqa: BLE001 - one kind failing is a finding, the others are still checked
            findings.append(visibility.finding(kind, collect.failure_code(exc),
                                               'the metering reader cannot list %s: %s: %s' % (kind, type(exc).__name__, exc)))
            seen[kind] = dict(reader=None)
            continue
        if admin is None:
            seen[kind] = dict(reader=len(reader_items), admin=None)
            continue
        try:
            admin_items[kind] = listing(admin, kind, params['page_size'], retries)
        except Exception as exc:  # noqa: BLE001 - without the admin's listing the kind is unproven
            findings.append(visibility.finding(kind, 'admin_listing_failed',
                                               'the admin account cannot list %s: %s: %s' % (kind, type(exc).__name__, exc)))
            seen[kind] = dict(reader=len(reader_items), admin=None)
            continue
        result, kind_findings = visibility.compare(kind, admin_items[kind], reader_items, project_names=names)
        if kind_findings:  # list again: a resource created between the two listings is not hidden
            result, kind_findings = visibility.compare(kind, admin_items[kind], reader_items,
                                                       listing(reader, kind, params['page_size'], retries), names)
        seen[kind] = result
        admin_counts[kind] = result['admin']
        findings.extend(kind_findings)
    writes = None
    if params['write_probes'] and not params.get('check_mode'):
        targets = dict(admin_items)
        if admin is not None:
            try:
                targets['ports'] = _rest.RestClient(admin.network, retries=retries).get(
                    '/ports', params={'limit': 100}).get('ports')
            except Exception:  # noqa: BLE001 - no port to rename: that probe is left out
                targets['ports'] = []
        writes = probe.run_probes(reader, admin, targets)
        for w in writes:
            if w['outcome'] == probe.WriteOutcome.ALLOWED:
                findings.append(visibility.finding(w['service'], 'write_allowed',
                                                   'the metering reader was allowed to %s (%s)%s'
                                                   % (w['probe'], w['request'], '; ' + w['cleanup'] if w.get('cleanup') else '')))
            elif w['outcome'] == probe.WriteOutcome.UNPROVEN:
                findings.append(visibility.finding(w['service'], 'write_unproven',
                                                   '%s (%s) answered %s: neither refused nor taken'
                                                   % (w['probe'], w['request'], w.get('message') or w.get('status'))))
    if any(f['severity'] == 'error' for f in findings):
        status = CheckStatus.FAILED
    elif admin is None or writes is None or findings:
        status = CheckStatus.INCOMPLETE
    else:
        status = CheckStatus.OK
    return dict(status=status, visibility=seen, writes=writes, projects=projects, findings=findings,
                admin_counts=admin_counts)


def run(module):
    """openstack_metering_check: connect both accounts, check, fail on problems (unless told not to)."""
    params = dict(module.params, check_mode=module.check_mode)
    reader = module.connect()
    admin = None
    if params.get('admin_cloud'):
        try:
            admin = connect_admin(params, module.counter)
        except Exception as exc:  # noqa: BLE001 - openstacksdk config and auth errors have many types
            module.fail('cannot connect to the platform with the admin account %s: %s: %s'
                        % (params['admin_cloud'], type(exc).__name__, exc))
    result = run_check(reader, admin, params, module.counter)
    result['requests'] = module.requests()
    result['changed'] = any(w['outcome'] == probe.WriteOutcome.ALLOWED for w in result['writes'] or [])
    problems = [f['message'] for f in result['findings'] if f['severity'] == 'error']
    notes = []
    if admin is None:
        notes.append('no admin_cloud: what the reader does not see cannot be proven')
    if result['writes'] is None:
        notes.append('write probes not run (%s)' % ('check mode' if module.check_mode else 'write_probes: false'))
    notes.extend(f['message'] for f in result['findings'] if f['severity'] == 'warning')
    if result['status'] == CheckStatus.FAILED:
        result['msg'] = 'metering visibility check failed: ' + '; '.join(problems)
        if params['fail_on_problems']:
            module.fail_json(**result)
        for problem in problems:
            module.warn(problem)
    elif result['status'] == CheckStatus.INCOMPLETE:
        result['msg'] = 'metering visibility check incomplete: ' + '; '.join(notes)
        for note in notes:
            module.warn(note)
    else:
        result['msg'] = 'the metering reader sees every project and every resource the admin sees, and cannot write'
    module.exit_json(**result)
