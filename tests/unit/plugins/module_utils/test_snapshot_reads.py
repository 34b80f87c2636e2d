# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 29: the cloud-wide direct and effective role-assignment listings are asked side by side (the
direct one then costs the run no wall time), and what they say is read as before."""

import threading

from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.snapshot import Snapshot

DIRECT = [{'group': {'id': 'g1'}, 'scope': {'project': {'id': 'p1'}}, 'role': {'id': 'r1', 'name': 'reader'}},
          {'user': {'id': 'u9'}, 'scope': {'project': {'id': 'p1'}}, 'role': {'id': 'r1', 'name': 'reader'}}]
EFFECTIVE = [{'user': {'id': 'u1', 'name': 'alice'}, 'scope': {'project': {'id': 'p1'}}, 'role': {'id': 'r1'},
              'links': {'membership': 'http://k/v3/groups/g1/users/u1'}},
             {'user': {'id': 'u9', 'name': 'bob'}, 'scope': {'project': {'id': 'p1'}}, 'role': {'id': 'r1'}}]


class OverlapRest:
    """Answers each listing only once the other one was asked: sequential reads would time out."""

    def __init__(self):
        self.asked = {'direct': threading.Event(), 'effective': threading.Event()}
        self.overlapped = []

    def get(self, path, params=None, missing_ok=False):
        assert path == '/role_assignments'
        mine, other = ('effective', 'direct') if (params or {}).get('effective') else ('direct', 'effective')
        self.asked[mine].set()
        self.overlapped.append(self.asked[other].wait(5))
        return {'role_assignments': EFFECTIVE if mine == 'effective' else DIRECT}


def test_direct_and_effective_listings_are_asked_at_the_same_time():
    rest = OverlapRest()
    snap = Snapshot()
    snap.read_assignments(rest, names=True)
    assert rest.overlapped == [True, True]
    # read as before: grants from the direct listing, members (by membership link only) from the effective one
    assert snap.group_grants == {('g1', 'p1'): {'r1'}}
    assert snap.roles_by_name == {'reader': 'r1'}
    assert snap.members == {'g1': {'u1': 'alice'}}
    assert snap.users_named('alice') == [('u1', 'alice')]


def test_a_listing_a_concurrent_deletion_broke_is_asked_again():
    from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import snapshot as ks_snap
    from ansible_collections.landingzone.openstack.plugins.module_utils._rest import ApiError

    class Rest:
        calls = 0

        def get(self, path, params=None):
            Rest.calls += 1
            if Rest.calls == 1:
                raise ApiError('GET', path, 404, 'Could not find project: p9.')
            return {'role_assignments': [], 'links': {}}

    assert ks_snap.list_assignments(Rest(), {}) == [] and Rest.calls == 2
