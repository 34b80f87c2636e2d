# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""landingzone.openstack.notifications: OpenStack notifications from the cloud's message bus.

An event source for ansible-rulebook. It binds a durable queue of its own to Keystone's exchange
(declared passively: the exchange is Keystone's) with a maximum length and a message TTL, so that a
consumer that is down can never fill the broker; it unwraps each oslo envelope, reads the CADF
event, names the workspace and tenant that own the changed project, group or domain (from the
ownership markers, cached and refreshed on the target's own events) and flags the replicator's own
changes. A message is acknowledged only once its event is on ansible-rulebook's queue (or it was
decided to drop it). A lost connection is reopened with backoff; the first connection failing ends
the source with a message naming the broker (without its password).

Arguments (docs/events.md):
  url             the broker, amqp:// or oslo's rabbit:// transport URL (required; use a vault or an
                  environment variable for its password)
  platform        the landing-zone platform whose markers count (required)
  cloud           the clouds.yaml entry to read Keystone with (default: platform)
  queue           the queue's name (default landingzone-<platform>; one consumer per platform)
  exchanges       exchanges to bind (default [keystone])
  topics          oslo notification topics (default [notifications]); the routing key is <topic>.info
  max_length      x-max-length of the queue (default 10000; the oldest is dropped)
  message_ttl     x-message-ttl in seconds (default 86400)
  own_users       user ids or names whose changes are flagged own_change (default: the user of cloud)
  only_managed    emit only changes to managed targets (default true)
  backoff_max     seconds between reconnects at most (default 30)

Example rulebook: extensions/eda/rulebooks/repair_drift.yml.
"""

import asyncio
import logging
import os
import sys
import urllib.parse

LOG = logging.getLogger('landingzone.openstack.notifications')
# seconds between looks for an exchange that does not exist (a passive declare is cheap)
EXCHANGE_RETRY = 5


def _import_events():
    """The pure part (plugins/module_utils/_events.py) of the collection this file belongs to.

    ansible-rulebook runs this file by path, without Ansible's collection loader: the directory
    that holds ``ansible_collections`` goes on the path (this file is
    <root>/ansible_collections/<namespace>/<name>/extensions/eda/plugins/event_source/)."""
    collections = os.path.abspath(__file__)   # not realpath: a linked collection keeps its layout
    for dummy in range(7):
        collections = os.path.dirname(collections)
    root = os.path.dirname(collections)
    if os.path.basename(collections) == 'ansible_collections' and root not in sys.path:
        sys.path.insert(0, root)
    from ansible_collections.landingzone.openstack.plugins.module_utils import _events
    return _events


def broker_name(url):
    """The broker URL without its password, for messages."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ''
    where = '%s:%s' % (host, parts.port) if parts.port else host
    user = ('%s@' % parts.username) if parts.username else ''
    return '%s://%s%s%s' % (parts.scheme, user, where, parts.path or '/')


def amqp_url(url):
    """oslo's ``rabbit://user:pass@host:port/vhost`` as an amqp:// URL (the first host of a list)."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.split(',')[0]
    scheme = 'amqps' if parts.scheme in ('amqps', 'rabbits') else 'amqp'
    return urllib.parse.urlunsplit((scheme, netloc, parts.path or '/', parts.query, ''))


class Options:
    """The source's arguments, checked before any connection."""

    def __init__(self, args):
        missing = [name for name in ('url', 'platform') if not args.get(name)]
        if missing:
            raise ValueError('landingzone.openstack.notifications: missing argument(s) %s' % ', '.join(missing))
        self.url = amqp_url(str(args['url']))
        self.platform = str(args['platform'])
        self.cloud = str(args.get('cloud') or self.platform)
        self.queue = str(args.get('queue') or 'landingzone-%s' % self.platform)
        self.exchanges = list(args.get('exchanges') or ['keystone'])
        self.topics = list(args.get('topics') or ['notifications'])
        self.max_length = int(args.get('max_length', 10000))
        self.message_ttl = int(args.get('message_ttl', 86400))
        self.own_users = [str(u) for u in args.get('own_users') or ()]
        self.only_managed = bool(args.get('only_managed', True))
        self.backoff_max = float(args.get('backoff_max', 30))
        self.keystone = args.get('keystone')   # tests: a reader object instead of a cloud

    def queue_arguments(self):
        return {'x-max-length': self.max_length, 'x-message-ttl': self.message_ttl * 1000,
                'x-overflow': 'drop-head'}


class KeystoneReader:
    """The few Keystone reads the ownership cache needs, through openstacksdk (blocking; called in
    a thread)."""

    def __init__(self, cloud, platform):
        import openstack  # the collection's own dependency (requirements.txt)
        try:
            self.conn = openstack.connect(cloud=cloud)
        except Exception as error:   # openstacksdk's ConfigException and friends
            raise ValueError('landingzone.openstack.notifications: argument cloud: %s' % error) from None
        self.platform = platform

    def own_user_ids(self, names_or_ids):
        if not names_or_ids:
            return {self.conn.current_user_id}
        found = set()
        for item in names_or_ids:
            user = self.conn.identity.find_user(item, ignore_missing=True)
            found.add(user.id if user else item)
        return found

    def managed_projects(self):
        tags = 'lz-managed,lz-platform=%s' % self.platform
        return self._get_all('/projects', 'projects', {'tags': tags})

    def _get_all(self, path, key, params):
        found, url = [], path
        while url:
            response = self.conn.identity.get(url, params=params)
            response.raise_for_status()
            body = response.json()
            found.extend(body.get(key) or [])
            url, params = (body.get('links') or {}).get('next'), None
        return found

    def read(self, resource, object_id):
        response = self.conn.identity.get('/%ss/%s' % (resource, urllib.parse.quote(object_id, safe='')))
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()[str(resource)]


class Source:
    """One consumer: the cache, the reader and the decisions per message."""

    def __init__(self, queue, options, events, reader):
        self.queue = queue
        self.options = options
        self.events = events
        self.reader = reader
        self.cache = events.OwnershipCache(options.platform)
        self.own_ids = set()
        self.prepared = False

    async def prepare(self):
        """Once: the replicator's user ids and the managed projects (one listing)."""
        if self.prepared:
            return
        self.own_ids = await asyncio.to_thread(self.reader.own_user_ids, self.options.own_users)
        self.cache.load_projects(await asyncio.to_thread(self.reader.managed_projects))
        self.prepared = True
        LOG.info('ownership cache: %d managed projects of platform %s',
                 len(self.cache.projects), self.options.platform)

    async def handle(self, body):
        """The event of one message body, put on the queue; False when it was dropped."""
        try:
            notification = self.events.unwrap(body)
        except self.events.EnvelopeError as error:
            LOG.warning('dropped a message: %s', error)   # never the body: it holds a token
            return False
        change = self.events.change_of(notification)
        if change is None:
            return False
        for resource, object_id in self.cache.reads(change):
            self.cache.put(resource, object_id, await asyncio.to_thread(self.reader.read, resource, object_id))
        owner = self.cache.owner(change)
        self.cache.forget(change)
        if owner is None and self.options.only_managed:
            return False
        event = self.events.event_of(change, owner, self.options.platform, self.own_ids)
        await self.queue.put(event)
        emitted = event['landingzone']
        LOG.info('%s %s -> %s%s', change.event_type, change.target_id, emitted['tenant'] or emitted['workspace'] or '-',
                 ' (own change)' if emitted['own_change'] else '')
        return True


async def _drain(queue, source):
    async with queue.iterator() as messages:
        async for message in messages:
            await source.handle(message.body)
            await message.ack()   # only now: the event is on ansible-rulebook's queue (or dropped)


async def consume(source, options, aio_pika, connected):
    """Bind and consume until the connection is lost (then raise); ``connected()`` once connected."""
    connection = await aio_pika.connect(options.url, timeout=10)
    connected()   # the broker is reachable: from now on every failure is retried
    try:
        await source.prepare()
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=50)
        queue = await channel.declare_queue(options.queue, durable=True, arguments=options.queue_arguments())
        for name in options.exchanges:
            # passive: the exchange is the service's, created when it first publishes (Glance: with
            # its first image); until then this fails and the connection is retried
            exchange = await channel.get_exchange(name, ensure=True)
            for topic in options.topics:
                await queue.bind(exchange, routing_key='%s.info' % topic)
        LOG.info('consuming %s on %s (queue %s)', ', '.join(options.exchanges), broker_name(options.url),
                 options.queue)
        connected(bound=True)
        closed = asyncio.get_running_loop().create_future()
        connection.close_callbacks.add(lambda *args: closed.done() or closed.set_result(None))
        drain = asyncio.ensure_future(_drain(queue, source))
        try:
            done, dummy = await asyncio.wait({drain, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            drain.cancel()
            outcome = (await asyncio.gather(drain, return_exceptions=True))[0]
        if drain in done and isinstance(outcome, Exception):
            raise outcome
        raise ConnectionError('the broker closed the connection')
    finally:
        if not connection.is_closed:
            await connection.close()


async def main(queue, args):
    """ansible-rulebook's entry point."""
    import aio_pika   # requirements.txt; imported here so that a missing one names itself
    options = Options(args)
    events = _import_events()
    reader = options.keystone or await asyncio.to_thread(KeystoneReader, options.cloud, options.platform)
    source = Source(queue, options, events, reader)
    state = {'connected': False, 'delay': 1.0}

    def connected(bound=False):
        state['connected'] = True
        if bound:   # backoff starts again only once a binding worked (a missing exchange backs off)
            state['delay'] = 1.0
    while True:
        missing = False
        try:
            await consume(source, options, aio_pika, connected)
        except asyncio.CancelledError:
            raise
        except Exception as error:   # any broker or network error: reconnect
            if not state['connected']:
                raise ConnectionError('landingzone.openstack.notifications: cannot connect to the message bus %s '
                                      '(argument url): %s' % (broker_name(options.url), error)) from None
            # the exchange is not there (yet): the service declares it with its next notification,
            # also after a broker restart (oslo's exchanges are not durable); look again soon
            missing = type(error).__name__ == 'ChannelNotFoundEntity'
            LOG.warning('%s on %s (%s); reconnecting in %.0f s', 'exchange not found' if missing else 'connection lost',
                        broker_name(options.url), type(error).__name__, state['delay'])
        await asyncio.sleep(state['delay'])
        state['delay'] = min(state['delay'] * 2, EXCHANGE_RETRY if missing else options.backoff_max)
