# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One file per workspace: the files merged into ``workspaces``, and validation paths that name them.

Standard library only, pure. The vars plugin ``landingzone.openstack.workspaces`` reads the files and
calls ``merge_files``; the result travels with the inventory as the variable ``lz_workspace_files``
(module option ``workspace_files``), so that ``select_tenants`` reports the loader's problems with the
validator's, and every ``workspaces[3].projects[0]...`` path as ``workspaces/shop.yml: projects[0]...``.
The workspaces themselves are checked by the validator only (validate.py); this file checks what only
the files can get wrong: empty, not a mapping, unreadable, identifier not the file name (one identifier
in two files is the validator's duplicate check, its paths then name both files). See docs/inventory.md.
"""

import os
import re

from ansible_collections.landingzone.openstack.plugins.module_utils._issues import ValidationIssue

EXTENSIONS = ('.yml', '.yaml')

# workspaces[3] at the start of a path, or anywhere in a message ("also workspaces[1]")
_INDEX_RE = re.compile(r'\bworkspaces\[(\d+)\]')


def is_workspace_file(name):
    return name.endswith(EXTENSIONS) and not name.startswith('.')


DEFAULT_DIRECTORY = 'workspaces'
VARS_PLUGIN_SETTINGS = ('[defaults] vars_plugins_enabled = host_group_vars,landingzone.openstack.workspaces',
                        '[inventory] ignore_patterns = ^workspaces$')


def unread_files(inventory_dir, workspace_files, directory=DEFAULT_DIRECTORY):
    """The problem of workspace files beside the inventory that the vars plugin did not read (it is not
    enabled: an ``ansible.cfg`` that was not picked up), or None. Such a run would see no workspaces at all."""
    if workspace_files or not inventory_dir:   # the plugin sets a non-empty mapping when it reads a directory
        return None
    top = os.path.join(inventory_dir, directory)
    found = sorted(os.path.relpath(os.path.join(root, name), inventory_dir)
                   for root, dirs, names in os.walk(top) for name in names if is_workspace_file(name))
    if not found:
        return None
    return ValidationIssue('inventory', '%d workspace file(s) under %s (%s) were not read: the vars plugin '
                           'landingzone.openstack.workspaces is not enabled, so this inventory has none of their '
                           'workspaces. The repository\'s ansible.cfg enables it: run ansible-playbook from the '
                           'directory that holds that ansible.cfg, or set ANSIBLE_CONFIG to it. ansible.cfg needs: %s'
                           % (len(found), top, ', '.join(found[:3]) + (', ...' if len(found) > 3 else ''),
                              '; '.join(VARS_PLUGIN_SETTINGS)))


def identifier_of(path):
    """The workspace identifier a file must hold: its name without directory and extension."""
    return os.path.splitext(os.path.basename(path))[0]


def merge_files(directory, entries):
    """``entries``: (path, content, error) per file, ``path`` shown to users (e.g. ``workspaces/shop.yml``),
    ``content`` the parsed YAML, ``error`` why it could not be read (or None).

    Returns (``workspaces``, ``lz_workspace_files``): the workspaces are every file that holds a
    mapping, in path order; ``lz_workspace_files`` has their ``files`` and ``identifiers`` in the same
    order and the loader's ``errors`` (``{path, message}``). A file with an error of its own still
    joins the list when it is a mapping, so that the validator reports its other problems in the same run.
    """
    workspaces = []
    merged = dict(directory=directory, files=[], identifiers=[], errors=[])

    def error(path, message):
        merged['errors'].append(dict(path=path, message=message))

    for path, content, problem in sorted(entries, key=lambda e: e[0]):
        if problem is not None:
            error(path, 'cannot be read: %s' % problem)
            continue
        if content is None:
            error(path, 'is empty; a workspace file holds one workspace (identifier, name, tags, projects). '
                        'To offboard a workspace set state: deleted on its projects; removing the file '
                        'leaves its tenants as orphans')
            continue
        if not isinstance(content, dict):
            kind = 'a list' if isinstance(content, list) else 'a string' if isinstance(content, str) else 'a scalar'
            error(path, 'must be a mapping (one workspace), got %s' % kind)
            continue
        # a missing identifier and one identifier in two files are the validator's to report
        expected = identifier_of(path)
        if 'identifier' in content and content['identifier'] != expected:
            message = 'is %r but the file is named %r: a workspace file is named after its identifier (%s%s)'
            error(path + ': identifier', message % (content['identifier'], expected, expected, EXTENSIONS[0]))
        workspaces.append(content)
        merged['files'].append(path)
        merged['identifiers'].append(content.get('identifier'))
    return workspaces, merged


def _locate_path(path, files):
    match = _INDEX_RE.match(path or '')
    if not match or int(match.group(1)) >= len(files):
        return path
    rest = path[match.end():].lstrip('.')
    return '%s: %s' % (files[int(match.group(1))], rest) if rest else files[int(match.group(1))]


def _locate_text(text, files):
    def name(match):
        index = int(match.group(1))
        return files[index] if index < len(files) else match.group(0)
    return _INDEX_RE.sub(name, text)


def with_sources(issues, workspaces, workspace_files):
    """The validator's ``issues`` as the files' authors read them, after the loader's own problems.

    Paths name the file (``workspaces/shop.yml: projects[0]...``) when ``workspaces`` is what the files
    hold. When ``workspaces`` is also set elsewhere (group_vars, host_vars, extra vars) Ansible keeps
    one of the two by precedence; running on either silently would be a wrong result, so it is an error.
    """
    if not workspace_files:
        return list(issues)
    result = [ValidationIssue(e.get('path'), e.get('message')) for e in workspace_files.get('errors') or []]
    files = list(workspace_files.get('files') or [])
    loaded = list(workspace_files.get('identifiers') or [])
    given = [w.get('identifier') if isinstance(w, dict) else None for w in workspaces or []]
    if given != loaded:
        result.append(ValidationIssue('workspaces', 'is not what the files of %s hold (%d workspaces there, %d '
                                                    'here): the variable workspaces is also set elsewhere '
                                                    '(group_vars, host_vars or extra vars); keep one form'
                                      % (workspace_files.get('directory'), len(loaded), len(given))))
        return result + list(issues)
    return result + [ValidationIssue(_locate_path(i.path, files), _locate_text(i.message, files)) for i in issues]
