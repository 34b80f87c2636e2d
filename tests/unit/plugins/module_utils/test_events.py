# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_events: the oslo envelope, Keystone's CADF events and the ownership cache of the event source."""

import json

import pytest

from helpers.notifications import cadf, REPLICATOR, TOKEN

from ansible_collections.landingzone.openstack.plugins.module_utils import _events
from ansible_collections.landingzone.openstack.plugins.module_utils import _ownership


def project(project_id, workspace='shop', name='web', platform='local', extra_tags=()):
    return {'id': project_id, 'tags': _ownership.owner_tags(workspace, name, 'zone', platform) + list(extra_tags)}


def change(body):
    return _events.change_of(_events.unwrap(body))


def test_unwrap_reads_the_envelope_and_drops_the_context_with_its_token():
    notification = _events.unwrap(cadf('identity.project.updated', 'p1'))
    assert notification.event_type == 'identity.project.updated'
    assert notification.payload['resource_info'] == 'p1' and notification.message_id == 'm-1'
    assert TOKEN not in repr(notification)


def test_unwrap_takes_a_message_without_envelope():
    body = json.dumps({'event_type': 'identity.user.created', 'payload': {'action': 'created.user'}})
    assert _events.unwrap(body).payload == {'action': 'created.user'}


@pytest.mark.parametrize('body', [b'not json', b'[]', json.dumps({'oslo.message': '{'}).encode(),
                                  json.dumps({'oslo.version': '2.0', 'oslo.message': '{"payload": {}}'}).encode()])
def test_unwrap_refuses_what_is_not_a_notification_without_quoting_it(body):
    with pytest.raises(_events.EnvelopeError) as error:
        _events.unwrap(body)
    assert 'payload' not in str(error.value) and 'not json' not in str(error.value)


def test_unwrap_never_quotes_a_token_in_its_error():
    body = json.dumps({'oslo.version': '2.0', 'oslo.message': json.dumps({'_context_auth_token': TOKEN})})
    with pytest.raises(_events.EnvelopeError) as error:
        _events.unwrap(body)
    assert TOKEN not in str(error.value)


@pytest.mark.parametrize('event_type, expected', [
    ('identity.project.updated', ('identity', 'project', 'updated')),
    ('identity.project tag.created', ('identity', 'project tag', 'created')),
    ('identity.role_assignment.deleted', ('identity', 'role_assignment', 'deleted')),
    ('identity.OS-TRUST:trust.created', ('identity', 'OS-TRUST:trust', 'created')),
])
def test_split_event_type_keeps_a_resource_with_a_space(event_type, expected):
    assert _events.split_event_type(event_type) == expected


def test_change_of_a_role_assignment_names_scope_actor_role_and_initiator():
    found = change(cadf('identity.role_assignment.created', project='p1', group='g1', role='r1',
                        inherited_to_projects=False))
    assert (found.resource, found.operation, found.project_id, found.group_id, found.role_id) == \
        ('role_assignment', 'created', 'p1', 'g1', 'r1')
    assert (found.initiator_id, found.initiator_name) == (REPLICATOR, REPLICATOR + '-name')


def test_change_of_a_project_tag_event_has_the_tag_as_target():
    found = change(cadf('identity.project tag.created', 'lz-ws=shop'))
    assert (found.resource, found.target_id) == (_events.Resource.PROJECT_TAG, 'lz-ws=shop')


def test_change_of_a_tag_deleted_without_initiator():
    found = change(cadf('identity.project tag.deleted', 'lz-ws=shop', initiator=None))
    assert found.initiator_id == '' and found.operation == 'deleted'


def test_change_of_other_services_and_basic_format_is_none():
    nova = json.dumps({'event_type': 'compute.instance.create.end', 'payload': {'action': 'x'}})
    basic = json.dumps({'event_type': 'identity.project.updated', 'payload': {'resource_info': 'p1'}})
    assert _events.change_of(_events.unwrap(nova)) is None
    assert _events.change_of(_events.unwrap(basic)) is None


def loaded_cache():
    cache = _events.OwnershipCache('local')
    cache.load_projects([project('p1'), project('p2', 'shop', 'db'), project('px', platform='other'),
                         {'id': 'pu', 'tags': ['team-a']}])
    return cache


def test_cache_owner_of_a_managed_project_and_not_of_others():
    cache = loaded_cache()
    assert cache.owner(change(cadf('identity.project.updated', 'p1'))) == _events.Owner('shop', 'shop/web')
    assert cache.owner(change(cadf('identity.project.updated', 'px'))) is None   # another platform's
    assert cache.owner(change(cadf('identity.project.updated', 'pu'))) is None   # not ours


def test_cache_reads_the_target_of_its_own_event_and_unknown_groups_once():
    cache = loaded_cache()
    assert cache.reads(change(cadf('identity.project.updated', 'p1'))) == [('project', 'p1')]
    grant = change(cadf('identity.role_assignment.created', project='pu', group='g1', role='r'))
    assert cache.reads(grant) == [('group', 'g1')]
    cache.put(_events.Resource.GROUP, 'g1', {'id': 'g1', 'lz_tenant': 'shop/web', 'lz_role': 'member'})
    assert cache.reads(grant) == []
    assert cache.owner(grant) == _events.Owner('shop', 'shop/web')   # a managed group on an unmanaged project


def test_cache_group_of_a_tenant_not_on_this_platform_is_not_ours():
    cache = loaded_cache()
    cache.put('group', 'g2', {'id': 'g2', 'lz_tenant': 'other/app'})
    cache.put('group', 'g3', {'id': 'g3'})
    membership = change(cadf('identity.group.updated', 'g2'))
    assert cache.owner(membership) is None
    assert cache.owner(change(cadf('identity.group.updated', 'g3'))) is None


def test_cache_refresh_sees_a_forged_marker_and_keeps_the_owner_of_removed_markers():
    cache = loaded_cache()
    forged = change(cadf('identity.project.updated', 'pu'))
    cache.put('project', 'pu', project('pu', 'shop', 'forged'))
    assert cache.owner(forged) == _events.Owner('shop', 'shop/forged')
    stripped = change(cadf('identity.project.updated', 'p1'))
    cache.put('project', 'p1', {'id': 'p1', 'tags': []})
    assert cache.owner(stripped) == _events.Owner('shop', 'shop/web')


def test_cache_deleted_project_named_then_forgotten():
    cache = loaded_cache()
    deleted = change(cadf('identity.project.deleted', 'p1'))
    assert cache.reads(deleted) == []
    assert cache.owner(deleted) == _events.Owner('shop', 'shop/web')
    cache.forget(deleted)
    assert 'p1' not in cache.projects


def test_cache_domain_of_a_workspace_on_this_platform():
    cache = loaded_cache()
    cache.put('domain', 'd1', {'id': 'd1', 'lz_workspace': 'shop'})
    cache.put('domain', 'd2', {'id': 'd2', 'lz_workspace': 'elsewhere'})
    assert cache.owner(change(cadf('identity.domain.updated', 'd1'))) == _events.Owner('shop')
    assert cache.owner(change(cadf('identity.role_assignment.created', domain='d2', user='u', role='r'))) is None


def test_cache_project_tag_names_its_workspace_only_for_a_marker():
    cache = loaded_cache()
    assert cache.owner(change(cadf('identity.project tag.created', 'lz-ws=shop'))) == _events.Owner('shop')
    assert cache.owner(change(cadf('identity.project tag.created', 'cost-centre=1'))) is None
    assert cache.owner(change(cadf('identity.project tag.created', 'lz-ws=elsewhere'))) is None   # not here


def test_event_of_flags_the_replicator_and_names_the_tenant():
    grant = change(cadf('identity.role_assignment.created', project='p1', group='g1', role='r'))
    event = _events.event_of(grant, _events.Owner('shop', 'shop/web'), 'local', {REPLICATOR})['landingzone']
    assert event['own_change'] is True and event['managed'] is True
    assert (event['workspace'], event['tenant'], event['platform']) == ('shop', 'shop/web', 'local')
    by_hand = change(cadf('identity.role_assignment.created', project='p1', initiator='u-admin'))
    assert _events.event_of(by_hand, None, 'local', {REPLICATOR})['landingzone']['own_change'] is False
    anonymous = change(cadf('identity.project tag.deleted', 'lz-ws=shop', initiator=None))
    assert _events.event_of(anonymous, None, 'local', {''})['landingzone']['own_change'] is False
    assert TOKEN not in json.dumps(event)


def test_cache_group_marked_for_another_platform_is_not_ours():
    cache = loaded_cache()   # shop/web has a project here, and on platform other (sharing the Keystone) too
    cache.put('group', 'g4', {'id': 'g4', 'lz_tenant': 'shop/web', 'lz_role': 'member', 'lz_platform': 'other'})
    cache.put('group', 'g5', {'id': 'g5', 'lz_tenant': 'shop/web', 'lz_role': 'member', 'lz_platform': 'local'})
    assert cache.owner(change(cadf('identity.group.updated', 'g4'))) is None
    assert cache.owner(change(cadf('identity.group.updated', 'g5'))) == _events.Owner('shop', 'shop/web')
