# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Metering records, pure: ``record(kind, item)`` turns one API item into the ledger's observation
and lifetime, from the kind's record in the registry (``_kinds``: project fields, creation time,
attribute functions, deletion time).
"""

from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds, _remarks
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger.store import UNMANAGED
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import parse_owner_tags
from ansible_collections.landingzone.openstack.plugins.module_utils._time import ts


def record(kind, item):
    """(observation, lifetime) of one API item of ``kind`` (see the ledger's ``record_run``)."""
    spec = _kinds.kind(kind)
    attrs = {}
    for name, get in spec.fields.items():
        value = get(item)
        if value is not None or name not in spec.optional:
            attrs[name] = value
    project = None
    for key in spec.project:
        project = item.get(key)
        if project:
            break
    deleted = spec.deleted(item) if spec.deleted else None
    return (dict(kind=kind, resource_id=item['id'], project_id=project, attributes=attrs),
            dict(kind=kind, resource_id=item['id'], project_id=project, created_at=ts(item.get(spec.created)),
                 deleted_at=deleted))


def project_record(project):
    """The ledger's record of one Keystone project: workspace/project from the ownership tags,
    ``unmanaged`` (and the Keystone name as project) without them."""
    owner = parse_owner_tags(project.get('tags'))
    rec = dict(project_id=project['id'], name=project.get('name'), domain_id=project.get('domain_id'),
               enabled=project.get('enabled'), tags=list(project.get('tags') or []), managed=owner is not None)
    if owner is not None and owner.get('workspace'):
        rec.update(workspace=owner['workspace'], project=owner.get('project'), landing_zone=owner.get('landing_zone'))
    else:
        rec.update(workspace=UNMANAGED, project=project.get('name'), landing_zone=None)
    return rec


def unknown_project(project_id):
    """A project id seen on resources (e.g. an image owner) but not in Keystone's listing."""
    return dict(project_id=project_id, name=None, domain_id=None, enabled=None, tags=[], managed=False,
                workspace=UNMANAGED, project=None, landing_zone=None)


def remark(kind, code, message, severity=None, fix=None):
    """A remark of a metering run, with the severity the registry (``_remarks.METERING``) gives
    ``code``; ``severity`` only where the run needs another (see ``collect.collect``); ``fix``:
    what the operator does about it (``fixes``), when the remark makes the run partial."""
    out = dict(kind=kind, code=code, message=message, severity=severity or _remarks.severity(code, 'metering'))
    if fix:
        out['fix'] = fix
    return out
