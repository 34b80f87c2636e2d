# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A workspace file is data, never a template (plugins/vars/workspaces.py): Jinja a team writes into its file reaches
the tasks as the text it is and runs nothing on the controller, whichever loader read the file (the plain one, or
Ansible's for a file with a tag). No cloud is needed."""

import os

import pytest

from helpers.playbook import run_playbook

JINJA = "{{ lookup('ansible.builtin.pipe', 'touch %s') }}"
FILES = {
    'plain': 'identifier: shop\nname: "%s"\nprojects: []\n',
    'tagged': 'identifier: shop\nname: !unsafe "%s"\nprojects: []\n',   # read by Ansible's loader
}


@pytest.mark.parametrize('kind', sorted(FILES))
def test_jinja_in_a_workspace_file_is_text(tmp_path, kind):
    marker = tmp_path / 'ran'
    text = JINJA % marker
    os.makedirs(str(tmp_path / 'workspaces'))
    (tmp_path / 'workspaces' / 'shop.yml').write_text(FILES[kind] % text.replace('"', '\\"'))
    run = run_playbook(tasks=[{'name': 'name', 'ansible.builtin.debug': {'msg': '{{ workspaces[0].name }}'}},
                              {'name': 'file', 'ansible.builtin.debug': {'msg': '{{ lz_workspace_files }}'}}],
                       workdir=str(tmp_path),
                       env={'ANSIBLE_VARS_ENABLED': 'host_group_vars,landingzone.openstack.workspaces'})
    assert run.rc == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert run['name']['msg'] == text
    assert run['file']['msg'], 'the vars plugin read the file'
    assert not marker.exists(), 'a template in a workspace file ran on the controller'
