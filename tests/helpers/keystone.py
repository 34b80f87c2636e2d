# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""replicate.yml driven like a platform engineer does, and what Keystone lists back (the replicator account)."""

import json
import os
import tempfile

from helpers import cloud
from helpers.playbook import REPO_ROOT, run_playbook

PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'replicate.yml')

ZONES = {
    'default': {'domain_mode': 'default', 'delete_projects': False},
    'auto': {'domain_mode': 'default', 'delete_projects': True},
    'isolated': {'domain_mode': 'per_workspace', 'patterns': {'domain': 'lz-{workspace}'}},
}


def replicate(platform, workspaces, check=False, diff=False, zones=None, env=None, workdir=None, **role_vars):
    """replicate.yml on ``platform``; ``workdir`` (default: a new one) holds the inventory and reports/."""
    workdir = workdir or tempfile.mkdtemp(prefix='lz-replicate-')
    group_vars = dict(landing_zones=zones or ZONES, workspaces=workspaces,
                      lz_report_dir=os.path.join(workdir, 'reports'))
    # the platform host's own lz_cloud (run_playbook sets it) wins over group vars: pass it there
    host_vars = dict(lz_cloud=role_vars.pop('lz_cloud')) if 'lz_cloud' in role_vars else None
    group_vars.update(role_vars)
    return run_playbook(playbook=PLAYBOOK, group_vars=group_vars, host=platform, check=check,
                        diff=diff, workdir=workdir, env=env, host_vars=host_vars)


def recap(run, platform):
    return run.stats(platform)


def report(run, platform):
    """The report the run wrote: <platform>.json, or <platform>.failed.json when it failed (the newer one)."""
    paths = [os.path.join(run.workdir, 'reports', '%s%s.json' % (platform, suffix)) for suffix in ('', '.failed')]
    with open(max((p for p in paths if os.path.exists(p)), key=os.path.getmtime, default=paths[0])) as handle:
        return json.load(handle)


def tagged_projects(conn, tags):
    """Projects carrying all ``tags``, filtered here: Keystone's ``tags`` filter is applied to one
    page of ``max_db_limit`` projects only, so it misses projects on a busy cloud."""
    wanted = set(tags)
    return [p for p in cloud.all_projects(conn) if wanted.issubset(p.tags or [])]


class Keystone:
    """What the replicator account lists, for assertions."""

    def __init__(self, conn, platform):
        self.conn = conn
        self.platform = platform

    def projects(self, workspace=None):
        tags = ['lz-platform=%s' % self.platform]
        if workspace:
            tags.append('lz-ws=%s' % workspace)
        return tagged_projects(self.conn, tags)

    def project(self, workspace, project):
        found = [p for p in self.projects(workspace) if 'lz-proj=%s' % project in p.tags]
        assert len(found) <= 1, found
        return found[0] if found else None

    def managed_groups(self, workspace):
        # raw REST: the SDK's Group resource drops the extra attributes that mark ours
        return [g for g in self.conn.identity.get('/groups').json()['groups']
                if (g.get('lz_tenant') or '').startswith(workspace + '/')]

    def group_named(self, name, domain_id='default'):
        found = list(self.conn.identity.groups(name=name, domain_id=domain_id))
        return found[0] if found else None

    def members(self, group):
        return sorted(u.name for u in self.conn.identity.group_users(group))

    def group_roles(self, group, project):
        names = dict((r.id, r.name) for r in self.conn.identity.roles())
        return sorted(names[a.role['id']] for a in
                      self.conn.identity.role_assignments(group_id=group.id,
                                                          scope_project_id=project.id))


class Users:
    """Users a test makes in the default domain (``make``), deleted by ``delete_all``."""

    def __init__(self, conn):
        self.conn = conn
        self.made = []

    def make(self, name):
        user = self.conn.identity.create_user(name=name, domain_id='default', password='x-%s' % name)
        self.made.append(user)
        return user

    def delete_all(self):
        for user in self.made:
            self.conn.identity.delete_user(user, ignore_missing=True)


def workspace(ident, projects):
    return {'identifier': ident, 'name': 'Workspace %s' % ident, 'tags': {'cost-centre': '42'},
            'projects': projects}
