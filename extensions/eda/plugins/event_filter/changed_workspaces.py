# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""landingzone.openstack.changed_workspaces: the workspaces a push to the inventory repository changed.

An ansible-rulebook event filter for the webhook of a git host (GitHub's and GitLab's push events
list each commit's ``added``, ``modified`` and ``removed`` files). A push to ``branch`` that added
or modified workspace files (``<workspaces_dir>/<workspace>.yml``) gets
``event.landingzone.workspaces``: their names, sorted, as examples/repository/ci/changed-workspaces.sh
prints them for only_workspaces. Removed files are left out on purpose (a workspace without its file
is not in the inventory; the next full run reports its orphans). Other events pass unchanged.

Arguments: branch (default main), workspaces_dir (default inventory/workspaces).
"""

import posixpath


def changed_workspaces(payload, branch='main', workspaces_dir='inventory/workspaces'):
    """The sorted workspace names a push payload added or modified files of; [] for other pushes."""
    if not isinstance(payload, dict) or payload.get('ref') != 'refs/heads/%s' % branch:
        return []
    folder = workspaces_dir.strip('/')
    found = set()
    for commit in payload.get('commits') or ():
        for path in list(commit.get('added') or ()) + list(commit.get('modified') or ()):
            stem, extension = posixpath.splitext(posixpath.basename(path))
            if posixpath.dirname(path).strip('/') == folder and extension in ('.yml', '.yaml') and stem:
                found.add(stem)
    return sorted(found)


def main(event, branch='main', workspaces_dir='inventory/workspaces'):
    """ansible-rulebook's entry point: the event, with landingzone.workspaces when a push changed any."""
    workspaces = changed_workspaces(event.get('payload'), branch, workspaces_dir)
    if workspaces:
        event = dict(event, landingzone={'workspaces': workspaces})
    return event
