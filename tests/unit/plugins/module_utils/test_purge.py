# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure parts of the purge (deletion_resources: purge): which resources openstacksdk's
project cleanup may delete, and how its status queue is reported. The purge itself runs against
the local cloud (tests/integration/test_safe_deletion_purge.py)."""

import queue

from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import purge


class Server:
    def __init__(self, ident, name='', project_id=None):
        self.id = ident
        self.name = name
        self.project_id = project_id


class FloatingIP:
    def __init__(self, ident, address, tenant_id=None):
        self.id = ident
        self.floating_ip_address = address
        self.tenant_id = tenant_id


class Image:
    def __init__(self, ident, owner):
        self.id = ident
        self.name = 'img'
        self.owner = owner


def test_only_the_projects_own_resources_are_deleted():
    evaluate = purge.owned_by('p1')
    assert evaluate(Server('s1', project_id='p1'), None, {})
    assert not evaluate(Server('s2', project_id='p2'), None, {})
    assert not evaluate(Image('i1', owner='p2'))
    assert evaluate(Image('i2', owner='p1'))
    # a resource that shows no owner to a member token was listed with the project's token
    assert evaluate(Server('s3'))


def test_the_status_queue_is_reported_per_kind_once_per_resource():
    status = queue.Queue()
    for obj in (Server('s1', 'vm'), Server('s1', 'vm'), FloatingIP('f1', '203.0.113.9')):
        status.put(obj)
    found = purge.by_kind(purge.drain(status))
    assert sorted(found) == ['floating_ips', 'servers'] and len(found['servers']) == 1
    assert purge.describe_kinds(found) == '1 floating_ips: 203.0.113.9 (f1); 1 servers: vm (s1)'


def test_kinds_use_the_names_of_the_pre_deletion_check():
    from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.leftovers import LEFTOVER_KINDS
    assert set(LEFTOVER_KINDS) <= set(purge.KINDS.values())
