# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small HTTP proxy on 127.0.0.1 that fails a share of the requests it forwards.

Faults, drawn per request from a seeded generator:
* ``503_before``: answers 503 without forwarding (the server never saw it);
* ``503_after``: forwards, then answers 503 instead of the real answer (the server DID apply it:
  the ambiguous case that makes blind POST retries create duplicates);
* ``drop_before`` / ``drop_after``: closes the connection without an answer, before or after
  forwarding;
* ``delay``: forwards, then waits longer than the client's timeout before answering.

Only loopback is used, every fault is counted, and the proxy stops with the test.
"""

import http.client
import os
import random
import socket
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ('503_before', '503_after', 'drop_before', 'drop_after', 'delay')
# what a rule returns for a request that is forwarded as it is, never drawn for a fault
PASS = 'pass'
HOP_HEADERS = set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade'])


class FaultProxy:
    def __init__(self, upstream_port, rates, delay=3.0, seed=1, upstream_host='127.0.0.1', rule=None):
        """``rule(method, path, body) -> fault or None`` is asked first: faults aimed at chosen requests
        (e.g. every write of one tenant), or PASS for a request no fault may hit; ``rates`` then draws faults at
        random."""
        self.upstream = (upstream_host, upstream_port)
        self.rule = rule
        self.rates = dict(rates)
        self.delay = delay
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.counts = dict((f, 0) for f in FAULTS)
        self.counts['forwarded'] = 0
        self.by_method = {}
        self.enabled = True
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):  # keep test output clean
                pass

            def _handle(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else None
                fault = proxy.rule(self.command, self.path, body) if proxy.rule else None
                if fault == PASS:
                    fault = None
                elif fault:
                    with proxy.lock:
                        proxy.counts[fault] += 1
                else:
                    fault = proxy.draw(self.command)
                if fault == '503_before':
                    return self._reply(503, b'{"error": {"message": "injected 503"}}')
                if fault == 'drop_before':
                    return self._drop()
                status, headers, payload = proxy.forward(self.command, self.path, self.headers, body)
                if fault == '503_after':
                    return self._reply(503, b'{"error": {"message": "injected 503 after apply"}}')
                if fault == 'drop_after':
                    return self._drop()
                if fault == 'delay':
                    time.sleep(proxy.delay)
                self._reply(status, payload, headers)

            def _reply(self, status, payload, headers=None):
                self.send_response(status)
                for key, value in headers or [('Content-Type', 'application/json')]:
                    if key.lower() not in HOP_HEADERS and key.lower() != 'content-length':
                        self.send_header(key, value)
                self.send_header('Content-Length', str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _drop(self):
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def draw(self, method):
        with self.lock:
            self.by_method[method] = self.by_method.get(method, 0) + 1
            if not self.enabled:
                return None
            roll = self.random.random()
            for fault in FAULTS:
                rate = self.rates.get(fault, 0)
                if roll < rate:
                    self.counts[fault] += 1
                    return fault
                roll -= rate
            return None

    def forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            fwd = dict((k, v) for k, v in headers.items() if k.lower() not in HOP_HEADERS)
            # The Host header stays the proxy's: Keystone builds the links it returns (version
            # discovery) from it, so the client keeps talking through the proxy.
            conn.request(method, path, body=body, headers=fwd)
            resp = conn.getresponse()
            payload = resp.read()
            with self.lock:
                self.counts['forwarded'] += 1
            return resp.status, resp.getheaders(), payload
        finally:
            conn.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def keystone_port(base='replicator'):
    """The port of the Keystone the local cloud's clouds.yaml points at (5000 on the default instance)."""
    import yaml
    from urllib.parse import urlsplit
    with open(os.environ['OS_CLIENT_CONFIG_FILE']) as handle:
        clouds = yaml.safe_load(handle)
    return urlsplit(clouds['clouds'][base]['auth']['auth_url']).port


def clouds_yaml_via(proxy_port, name, base='replicator'):
    """A copy of the local cloud's clouds.yaml with cloud ``name``: the ``base`` account with all
    identity traffic (token and API) through the proxy. Returns its path; the caller removes it."""
    import yaml
    with open(os.environ['OS_CLIENT_CONFIG_FILE']) as handle:
        clouds = yaml.safe_load(handle)
    cloud = dict(clouds['clouds'][base])
    cloud['auth'] = dict(cloud['auth'], auth_url='http://127.0.0.1:%d/v3' % proxy_port)
    cloud['identity_endpoint_override'] = 'http://127.0.0.1:%d/v3' % proxy_port
    clouds['clouds'][name] = cloud
    fd, path = tempfile.mkstemp(prefix='lz-%s-' % name, suffix='.yaml')
    with os.fdopen(fd, 'w') as handle:
        yaml.safe_dump(clouds, handle)
    return path
