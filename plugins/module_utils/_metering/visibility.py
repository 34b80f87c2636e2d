# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The metering visibility check, planning part (pure): what the reader sees against the admin.

``compare(kind, admin_items, reader_items)`` counts a kind's resources per project for both
accounts and names every resource the admin lists and the reader does not (``missing``), and any
the reader lists that the admin does not (``extra``: a listing that moved in between).
``fewer_than_check(counts, check_counts)`` is what a collection run compares with an earlier
check: the kinds of which it saw fewer resources than the admin did.
"""

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds, _remarks
from ansible_collections.landingzone.openstack.plugins.module_utils._metering import policy

MAX_NAMED = 20   # resources named per kind and project in a finding; the counts are always complete
# the codes of a reader the policies keep from seeing a kind: the finding names the file that fixes it
POLICY_CODES = ('hidden_from_reader', 'forbidden', 'projects_not_listed')


def finding(kind, code, message, **extra):
    """A finding of the check on ``kind``, with the severity the registry (``_remarks.CHECK``) gives ``code``."""
    out = dict(kind=kind, code=code)
    out.update(extra)
    fix = policy.fix(kind) if code in POLICY_CODES else None
    out.update(severity=_remarks.severity(code, 'check'), message='%s (fix: %s)' % (message, fix) if fix else message)
    if fix:
        out['fix'] = fix
    return out


def project_of(kind, item):
    """The project id of an API item of ``kind`` (the first of the kind's project fields that is set)."""
    for key in _kinds.kind(kind).project:
        if item.get(key):
            return item[key]
    return None


def by_project(kind, items):
    """{project id (None when the item has none): set of resource ids}."""
    out = {}
    for item in items:
        out.setdefault(project_of(kind, item), set()).add(item['id'])
    return out


def compare(kind, admin_items, reader_items, again_items=None, project_names=None):
    """The visibility of one kind: counts, per-project differences, findings.

    ``again_items``: a second reader listing taken after the admin's; a resource counts as
    missing only when neither reader listing has it (one created between the listings is not).
    """
    names = project_names or {}
    admin = by_project(kind, admin_items)
    reader_ids = set(i['id'] for i in reader_items) | set(i['id'] for i in again_items or [])
    reader = by_project(kind, list(reader_items) + list(again_items or []))
    admin_ids = set().union(*admin.values()) if admin else set()
    projects, findings = {}, []
    for project in sorted(set(admin) | set(reader), key=lambda p: p or ''):
        seen_by_admin = admin.get(project, set())
        missing = sorted(seen_by_admin - reader_ids)
        extra = sorted(reader.get(project, set()) - admin_ids)
        if not missing and not extra:
            continue
        label = '%s (%s)' % (names.get(project) or '?', project) if project else 'no project'
        entry = dict(name=names.get(project), admin=len(seen_by_admin), reader=len(seen_by_admin) - len(missing),
                     missing=missing[:MAX_NAMED], missing_count=len(missing))
        if extra:
            entry['extra'] = extra[:MAX_NAMED]
        projects[project or ''] = entry
        if missing:
            findings.append(finding(kind, 'hidden_from_reader', project_id=project,
                                    message='%s of project %s: the admin lists %d, the metering reader misses %d: %s%s'
                                    % (kind, label, len(seen_by_admin), len(missing), ', '.join(missing[:MAX_NAMED]),
                                       ' ...' if len(missing) > MAX_NAMED else '')))
    missing_total = len(admin_ids - reader_ids)
    return dict(admin=len(admin_ids), reader=len(reader_ids), missing=missing_total, projects=projects), findings


def fewer_than_check(counts, check_counts):
    """[(kind, seen, found by the check)] for each kind this run saw fewer resources of."""
    out = []
    for kind, expected in sorted((check_counts or {}).items()):
        seen = (counts or {}).get(kind)
        if seen is not None and expected is not None and seen < int(expected):
            out.append((kind, seen, int(expected)))
    return out
