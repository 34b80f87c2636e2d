# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One OpenStack client per module run: connection, request counting, retries.

The modules talk REST through openstacksdk's service proxies (keystoneauth adapters) rather than
through resource objects: the Keystone planner needs exact control over which requests are sent,
so that it can count them, retry only what is safe to retry, and look up after an ambiguous create.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import random
import threading
import time

try:
    import openstack
    from keystoneauth1 import exceptions as ksa_exc
    HAS_SDK = True
    SDK_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised only without the SDK
    HAS_SDK = False
    SDK_IMPORT_ERROR = exc

    class ksa_exc(object):  # noqa: N801 - stand-in so that except clauses still parse
        ConnectionError = OSError


# Connection options shared by every module of the collection (see doc_fragments/openstack.py).
CONNECTION_ARGSPEC = dict(
    cloud=dict(type='str'),
    auth=dict(type='dict', no_log=True),
    auth_type=dict(type='str'),
    region_name=dict(type='str'),
    interface=dict(type='str', default='public', choices=['public', 'internal', 'admin'],
                   aliases=['endpoint_type']),
    validate_certs=dict(type='bool', aliases=['verify']),
    ca_cert=dict(type='str', aliases=['cacert']),
    api_timeout=dict(type='int', default=30),
    retries=dict(type='int', default=4),
    max_workers=dict(type='int', default=8),
)

# Statuses after which a request may or may not have been carried out by the server.
RETRIABLE_STATUSES = frozenset([500, 502, 503, 504])


class ApiError(Exception):
    """An OpenStack API answered with an error (or did not answer at all)."""

    def __init__(self, method, url, status=None, message='', ambiguous=False):
        self.method = method
        self.url = url
        self.status = status
        self.ambiguous = ambiguous
        text = '%s %s: %s%s' % (method, url, 'HTTP %s ' % status if status else '', message)
        super(ApiError, self).__init__(text.strip())


class RequestCounter(object):
    """Counts every HTTP request the session sends, by method and by endpoint port.

    Installed as a requests response hook, so token requests and version discovery are counted
    too: the count is a product figure, and it must not hide what the client does behind us.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.by_method = {}
        self.by_service = {}
        self.total = 0

    def hook(self, response, *args, **kwargs):
        request = response.request
        method = request.method
        service = _service_of(request.url)
        with self._lock:
            self.total += 1
            self.by_method[method] = self.by_method.get(method, 0) + 1
            self.by_service[service] = self.by_service.get(service, 0) + 1
        return response

    def as_dict(self):
        with self._lock:
            return dict(total=self.total, by_method=dict(self.by_method),
                        by_service=dict(self.by_service))


def _service_of(url):
    # Group by host:port; the catalog maps ports to services, which is what an operator reads.
    rest = url.split('://', 1)[-1]
    return rest.split('/', 1)[0]


def connect(params):
    """Open the one connection of this run from the module's connection parameters."""
    kwargs = dict(api_timeout=params.get('api_timeout'))
    for key in ('auth', 'auth_type', 'region_name', 'interface'):
        if params.get(key) is not None:
            kwargs[key] = params[key]
    if params.get('validate_certs') is not None:
        kwargs['verify'] = params['validate_certs']
    if params.get('ca_cert'):
        kwargs['cacert'] = params['ca_cert']
    if params.get('cloud'):
        kwargs['cloud'] = params['cloud']
    conn = openstack.connect(**kwargs)
    counter = RequestCounter()
    conn.session.session.hooks.setdefault('response', []).append(counter.hook)
    authenticate(conn, params.get('retries') or 0)
    return conn, counter


def authenticate(conn, retries, backoff=0.3, sleep=time.sleep):
    """Get the token up front, retrying connection failures and 5xx (a token is safe to re-ask)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return conn.authorize()
        except Exception as exc:  # noqa: BLE001 - keystoneauth and openstacksdk wrap differently
            if attempt > retries or not _transient(exc):
                raise
        sleep(random.uniform(0, backoff * (2 ** (attempt - 1))))


def _transient(exc):
    """True for failures worth retrying: no answer, or a 5xx, anywhere in the cause chain."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, ksa_exc.ConnectionError):
            return True
        status = getattr(exc, 'http_status', None) or getattr(exc, 'status_code', None)
        if status in RETRIABLE_STATUSES:
            return True
        if type(exc).__name__ in ('DiscoveryFailure',):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


class RestClient(object):
    """REST calls on one service with retries that are safe.

    Idempotent requests (GET, PUT, PATCH, DELETE, HEAD) are retried on connection failures,
    timeouts and 5xx. A POST is never blindly retried: a timeout or a 5xx leaves it unknown
    whether the server created the resource, so the caller gets ApiError(ambiguous=True) and
    looks the resource up before trying again. That is what keeps faults from leaving duplicates.
    """

    def __init__(self, adapter, retries=4, backoff=0.3, sleep=time.sleep):
        self.adapter = adapter
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep

    def request(self, method, path, json=None, params=None, ok=(200, 201, 202, 204),
                missing_ok=False):
        idempotent = method != 'POST'
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = self.adapter.request(path, method, json=json, params=params,
                                            raise_exc=False)
            except Exception as exc:  # noqa: BLE001 - see _transient
                if not _transient(exc):
                    raise
                error = ApiError(method, path, message=str(exc) or type(exc).__name__,
                                 ambiguous=True)
            else:
                if resp.status_code in ok:
                    return resp.json() if resp.content else {}
                if missing_ok and resp.status_code == 404:
                    return None
                error = ApiError(method, path, resp.status_code, _error_text(resp),
                                 ambiguous=resp.status_code in RETRIABLE_STATUSES)
                if not error.ambiguous:
                    raise error
            if not idempotent or attempt > self.retries:
                raise error
            # Full jitter: parallel workers hitting one overloaded server should not retry in step.
            self._sleep(random.uniform(0, self.backoff * (2 ** (attempt - 1))))

    def get(self, path, params=None, missing_ok=False):
        return self.request('GET', path, params=params, ok=(200,), missing_ok=missing_ok)


def _error_text(resp):
    try:
        body = resp.json()
    except ValueError:
        return (resp.text or '')[:200]
    if isinstance(body, dict):
        err = body.get('error') or body.get('NeutronError') or body
        if isinstance(err, dict):
            return str(err.get('message') or err.get('title') or err)[:300]
    return str(body)[:300]
