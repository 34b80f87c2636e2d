# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit-test stand-ins for the metering code: service adapters that answer like keystoneauth adapters
(``request(path, method, **kwargs)`` -> response) from canned pages, and a connection of them."""

import json
import urllib.parse


NOW = '2026-11-01T12:00:00Z'


class Response:
    def __init__(self, status, body):
        self.status_code = status
        self._body = body
        self.content = json.dumps(body).encode()
        self.text = self.content.decode()

    def json(self):
        return self._body


class Adapter:
    """Answers GET ``path`` from ``pages[path]``: a list of bodies, or a status (int), or an
    exception to raise. Records every request."""

    def __init__(self, pages):
        self.pages = pages
        self.calls = []

    def request(self, path, method, **kwargs):
        self.calls.append((method, path, dict(kwargs.get('params') or {}), kwargs.get('microversion')))
        answer = self.pages[path]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, int):
            return Response(answer, {'error': {'message': 'boom %d' % answer}})
        params = kwargs.get('params') or {}
        if callable(answer):
            return Response(200, answer(params))
        index = int(params.get('marker', '0').lstrip('m') or 0) if 'marker' in params else 0
        return Response(200, answer[index])


class Missing:
    """A proxy of a service the catalog lacks (openstacksdk's disabled-service shim)."""

    def __init__(self, exc):
        self.exc = exc

    def __getattr__(self, name):
        raise self.exc


class Conn:
    def __init__(self, **proxies):
        self.__dict__.update(proxies)


def page(key, items, nxt=None):
    body = {key: items}
    if nxt is not None:
        body[key + '_links'] = [{'rel': 'next', 'href': 'http://x/v?%s' % urllib.parse.urlencode(
            {'marker': nxt, 'limit': 2})}]
    return body


def projects(*items):
    return {'/projects': [{'projects': list(items), 'links': {'next': None}}]}


def server(sid, project='p1', status='ACTIVE'):
    return {'id': sid, 'status': status, 'tenant_id': project, 'created': '2026-11-01T10:00:00Z',
            'flavor': {'original_name': 'm1.tiny', 'vcpus': 1, 'ram': 512, 'disk': 1}}


def healthy(**overrides):
    """Every service answers; servers in two pages."""
    proxies = dict(
        compute=Adapter({'/servers/detail': [page('servers', [server('s1'), server('s2')], nxt='m1'),
                                             page('servers', [server('s3', 'p-gone')])]}),
        block_storage=Adapter({'/volumes/detail': [page('volumes', [{'id': 'v1', 'size': 1, 'project_id': 'p1'}])],
                               '/snapshots/detail': [page('snapshots', [])]}),
        network=Adapter({'/floatingips': [page('floatingips', [{'id': 'f1', 'project_id': 'p1'}])],
                         '/routers': [page('routers', [{'id': 'r1'}])]}),
        load_balancer=Adapter({'/lbaas/loadbalancers': [page('loadbalancers', [])]}),
        image=Adapter({'/images': [{'images': [{'id': 'i1', 'owner': 'p1', 'size': 1024}]}]}),
        identity=Adapter(projects({'id': 'p1', 'name': 'acme-web',
                                   'tags': ['lz-managed', 'lz-ws=acme', 'lz-proj=web']})),
    )
    proxies.update(overrides)
    return Conn(**proxies)
