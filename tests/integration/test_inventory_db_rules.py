# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation refuses what Keystone's database refuses or merges (issue 24, point 7), on the local cloud.

1. The shipped collation table (plugins/module_utils/_inventory/collation.py) is the collation of the
   local Keystone's tables, read from its MariaDB: the tables' collation in information_schema, and
   the weight of every BMP character.
2. Keystone itself (openstacksdk, no collection code) refuses a second project whose name differs
   by ß/s, and a project whose tags differ only in case, with 409; it takes `ss` beside `ß`.
3. The replicate role refuses an inventory with those, naming the file's path, before any request.
"""

import os
import subprocess
import sys

import pytest

from helpers import cloud
from helpers.keystone import replicate, workspace
from helpers.playbook import REPO_ROOT

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory import collation  # noqa: E402

VALIDATE = 'Validate the inventory before any API call'


def _mariadb(sql):
    socket = os.path.join(cloud.instance()['state'], 'data', 'mariadb', 'mysqld.sock')
    return subprocess.run(['mariadb', '--socket=%s' % socket, '-uroot', '-N', '-B', '-e', sql],
                          capture_output=True, text=True, check=True).stdout


def test_the_shipped_table_is_the_collation_of_keystones_tables():
    used = set(_mariadb("SELECT DISTINCT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = "
                        "'keystone' AND TABLE_NAME IN ('project', 'project_tag', 'group', 'local_user') "
                        "AND COLUMN_NAME = 'name'").split())
    assert used == {collation.COLLATION}, used
    sys.path.insert(0, os.path.join(REPO_ROOT, 'tests', 'localcloud'))
    import keystone_collation
    socket = os.path.join(cloud.instance()['state'], 'data', 'mariadb', 'mysqld.sock')
    live = keystone_collation.weights(socket)
    assert len(live) == 0x10000 - 0x800
    assert dict((cp, w) for cp, w in live.items() if w != cp) == collation.WEIGHTS


@pytest.fixture
def made_projects(replicator):
    made = []
    yield made
    for project_id in made:
        replicator.identity.delete('/projects/%s' % project_id)


def _create(conn, made, **body):
    resp = conn.identity.post('/projects', json={'project': dict(domain_id='default', **body)})
    if resp.status_code == 201:
        made.append(resp.json()['project']['id'])
    return resp.status_code


def test_keystone_merges_what_validation_refuses(replicator, made_projects, unique):
    assert _create(replicator, made_projects, name='it-db-ß-%s' % unique) == 201
    assert _create(replicator, made_projects, name='it-db-s-%s' % unique) == 409       # ß = s
    assert _create(replicator, made_projects, name='it-db-ss-%s' % unique) == 201      # ß != ss
    assert _create(replicator, made_projects, name='it-db-t-%s' % unique, tags=['Env', 'env']) == 409
    assert _create(replicator, made_projects, name='it-db-a-%s' % unique, tags=['café', 'cafe']) == 409


def test_the_replicate_role_refuses_them_before_any_request(keystone, platform, unique):
    ws = 'd%s' % unique
    zones = {'default': {'domain_mode': 'default', 'patterns': {'project': '{project_name}-%s' % unique}}}
    projects = [{'identifier': 'a', 'name': 'straße'}, {'identifier': 'b', 'name': 'strase'},
                {'identifier': 'c', 'name': 'c', 'tags': ['Env', 'env']},
                {'identifier': 'd', 'name': 'é' * 32768}]
    run = replicate(platform, [workspace(ws, projects)], zones=zones)
    assert run.rc != 0
    validation = run[VALIDATE]
    assert validation['requests']['total'] == 0 and 'Replicate tenants' not in run.results
    for path, fragment in (('workspaces[0].projects[1]', "project name 'strase-"),
                           ('workspaces[0].projects[2]', "'Env' and 'env' are one tag in Keystone's database"),
                           ('workspaces[0].projects[3]', "description column holds 65535")):
        assert any(e['path'] == path and fragment in e['message'] for e in validation['errors']), \
            (path, validation['errors'])
    assert keystone.projects() == []
