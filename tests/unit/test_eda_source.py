# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event source extensions/eda/plugins/event_source/notifications.py without a broker: its
arguments, the broker name in messages (never the password), one message from body to event with a
Keystone reader of hand-made state, and a start without a broker failing on the connection only."""

import asyncio
import os
import runpy

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _events
from ansible_collections.landingzone.openstack.plugins.module_utils import _ownership

from helpers.notifications import cadf, REPLICATOR, TOKEN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE = runpy.run_path(os.path.join(ROOT, 'extensions', 'eda', 'plugins', 'event_source', 'notifications.py'))


class Reader:
    """Keystone of hand-made state; counts its reads."""

    def __init__(self, projects, groups=()):
        self.projects = dict((p['id'], p) for p in projects)
        self.groups = dict((g['id'], g) for g in groups)
        self.reads = []

    def own_user_ids(self, names_or_ids):
        return {REPLICATOR}

    def managed_projects(self):
        return [p for p in self.projects.values() if _ownership.MANAGED_TAG in p['tags']]

    def read(self, resource, object_id):
        self.reads.append((str(resource), object_id))
        return {'project': self.projects, 'group': self.groups}.get(str(resource), {}).get(object_id)


def options(**extra):
    return SOURCE['Options'](dict(url='rabbit://openstack:s3cret@127.0.0.1:5672/', platform='local', **extra))


def test_options_need_url_and_platform_and_give_the_queue_its_limits():
    with pytest.raises(ValueError, match='url, platform'):
        SOURCE['Options']({})
    found = options(max_length=50, message_ttl=60)
    assert found.url == 'amqp://openstack:s3cret@127.0.0.1:5672/'
    assert found.queue == 'landingzone-local' and found.exchanges == ['keystone']
    assert found.queue_arguments() == {'x-max-length': 50, 'x-message-ttl': 60000, 'x-overflow': 'drop-head'}


def test_broker_name_never_holds_the_password():
    assert SOURCE['broker_name']('amqp://openstack:s3cret@10.0.0.1:5672/') == 'amqp://openstack@10.0.0.1:5672/'
    assert SOURCE['amqp_url']('rabbit://u:p@h1:5672,u:p@h2:5672/vh') == 'amqp://u:p@h1:5672/vh'


def handle(reader, bodies, **extra):
    queue = asyncio.Queue()
    source = SOURCE['Source'](queue, options(**extra), _events, reader)

    async def run():
        await source.prepare()
        return [await source.handle(body) for body in bodies]
    handed = asyncio.run(run())
    return handed, [queue.get_nowait()['landingzone'] for dummy in range(queue.qsize())]


def managed(project_id, workspace='shop'):
    return {'id': project_id, 'tags': _ownership.owner_tags(workspace, 'web', 'zone', 'local')}


def test_a_grant_by_hand_to_a_managed_group_becomes_an_event_naming_its_tenant():
    reader = Reader([managed('p1'), {'id': 'pu', 'tags': []}], [{'id': 'g1', 'lz_tenant': 'shop/web'}])
    handed, events = handle(reader, [cadf('identity.role_assignment.created', project='pu', group='g1',
                                          role='r', initiator='u-admin')])
    assert handed == [True]
    assert (events[0]['tenant'], events[0]['own_change'], events[0]['resource']) == ('shop/web', False, 'role_assignment')
    assert reader.reads == [('project', 'pu'), ('group', 'g1')]


def test_unmanaged_and_malformed_messages_are_dropped_unless_asked_for():
    reader = Reader([managed('p1'), {'id': 'pu', 'tags': []}])
    bodies = [cadf('identity.project.updated', 'pu', initiator='u-admin'), b'garbage',
              cadf('identity.project.updated', 'p1', initiator=REPLICATOR)]
    handed, events = handle(reader, bodies)
    assert handed == [False, False, True] and events[0]['own_change'] is True
    handed, events = handle(Reader([{'id': 'pu', 'tags': []}]), bodies[:1], only_managed=False)
    assert handed == [True] and events[0]['managed'] is False


def test_a_dropped_message_is_logged_without_its_token(caplog):
    body = ('{"oslo.version": "2.0", "oslo.message": "{\\"_context_auth_token\\": \\"%s\\"}"}' % TOKEN).encode()
    with caplog.at_level('DEBUG'):
        assert handle(Reader([]), [body])[0] == [False]
    assert 'dropped a message' in caplog.text and TOKEN not in caplog.text


def test_a_start_without_a_broker_fails_on_the_connection_naming_it():
    pytest.importorskip('aio_pika')   # requirements.txt: in the collection's venv and the EE

    async def run():
        await SOURCE['main'](asyncio.Queue(), dict(url='amqp://openstack:s3cret@127.0.0.1:1/', platform='local',
                                                   keystone=Reader([])))
    with pytest.raises(ConnectionError) as error:
        asyncio.run(run())
    assert 'cannot connect to the message bus amqp://openstack@127.0.0.1:1/' in str(error.value)
    assert 's3cret' not in str(error.value)


FILTER = runpy.run_path(os.path.join(ROOT, 'extensions', 'eda', 'plugins', 'event_filter', 'changed_workspaces.py'))


def push(ref='refs/heads/main', **files):
    return {'payload': {'ref': ref, 'commits': [dict(files)]}, 'meta': {'endpoint': 'webhook'}}


def test_changed_workspaces_of_a_push_to_main_like_changed_workspaces_sh():
    event = push(added=['inventory/workspaces/shop.yml', 'README.md'],
                 modified=['inventory/workspaces/analytics.yaml', 'inventory/group_vars/all/x.yml'],
                 removed=['inventory/workspaces/gone.yml'])
    assert FILTER['main'](event)['landingzone'] == {'workspaces': ['analytics', 'shop']}


def test_changed_workspaces_leaves_other_branches_and_files_alone():
    assert 'landingzone' not in FILTER['main'](push('refs/heads/feature', added=['inventory/workspaces/shop.yml']))
    assert 'landingzone' not in FILTER['main'](push(removed=['inventory/workspaces/shop.yml']))
    assert 'landingzone' not in FILTER['main']({'payload': 'text'})
    assert FILTER['main'](push(added=['ws/shop.yml']), workspaces_dir='ws/')['landingzone']['workspaces'] == ['shop']
