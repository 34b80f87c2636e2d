# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure parts of the purge (deletion_resources: purge): which resources openstacksdk's
project cleanup may delete, and how its status queue is reported. The purge itself runs against
the local cloud (tests/integration/test_replicate_lifecycle.py)."""

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
    from ansible_collections.landingzone.openstack.plugins.module_utils import _kinds
    assert set(_kinds.leftover_kinds()) <= set(purge.KINDS.values())


class Rest:
    """Keystone as the purge sees it: a disabled, protected project of ours, no role for the
    replicator yet. Records every write."""

    def __init__(self, tags, others=()):
        self.tags = tags
        self.others = others
        self.writes = []

    def get(self, path, params=None):
        if path == '/roles':
            return {'roles': [{'id': 'r-member', 'name': 'member'}]}
        if path == '/role_assignments':
            return {'role_assignments': [{'user': {'id': u}} for u in self.others]}
        return {'project': {'id': 'p1', 'name': 'acme-web', 'domain_id': 'default', 'enabled': False,
                            'tags': self.tags, 'options': {'immutable': True}}}

    def request(self, method, path, json=None, ok=None, missing_ok=False):
        if method == 'GET':
            return None   # the replicator holds no role on the project
        self.writes.append((method, path, json))
        return {}


class Conn:
    current_user_id = 'u-replicator'

    def connect_as_project(self, project):
        from openstack import exceptions as sdk_exc
        raise sdk_exc.SDKException('the token request timed out')


def test_a_failed_cleanup_undoes_the_grant_and_the_enabling():
    import pytest
    from ansible_collections.landingzone.openstack.plugins.module_utils._rest import ApiError
    rest = Rest(['lz-managed', 'lz-ws=acme'])
    purger = purge.Purger(Conn(), checker=None)
    with pytest.raises(ApiError, match='token request timed out'):
        purger.purge(rest, 'p1', ['lz-managed', 'lz-ws=acme'])
    assert [(m, p) for m, p, body in rest.writes] == [
        ('PATCH', '/projects/p1'), ('PATCH', '/projects/p1'),                       # lift immutable, enable
        ('PUT', '/projects/p1/users/u-replicator/roles/r-member'),
        ('DELETE', '/projects/p1/users/u-replicator/roles/r-member'), ('PATCH', '/projects/p1')]
    assert rest.writes[-1][2] == {'project': {'enabled': False}}


def test_a_project_without_the_marker_or_with_other_role_holders_is_not_touched():
    for rest in (Rest(['lz-managed']), Rest(['lz-managed', 'lz-ws=acme'], others=['u-alice'])):
        outcome = purge.Purger(Conn(), checker=None).purge(rest, 'p1', ['lz-managed', 'lz-ws=acme'])
        assert outcome.refused and rest.writes == [] and not outcome.wrote
