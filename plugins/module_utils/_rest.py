# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""REST access to a platform: the connection, request counting, the retry loop and the pager.

The modules talk REST through openstacksdk's service proxies (keystoneauth adapters) rather than
through resource objects: planners need exact control over which requests are sent, so that they
can count them, retry only what is safe to retry, and look up after an ambiguous create.
Everything that sends a request goes through ``RestClient``; every listing through ``list_all``.
"""

import contextlib
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl, urlsplit

try:
    import openstack
    from keystoneauth1 import exceptions as ksa_exc
    HAS_SDK = True
    SDK_IMPORT_ERROR = None
    # Failures after which a request may be sent again: no answer reached us.
    TRANSIENT_ERRORS = (ksa_exc.ConnectionError, ksa_exc.DiscoveryFailure)
    # What openstacksdk and keystoneauth raise for a service the catalog does not have.
    MISSING_SERVICE_ERRORS = (ksa_exc.EndpointNotFound, openstack.exceptions.ServiceDisabledException,
                              openstack.exceptions.ServiceDiscoveryException,
                              openstack.exceptions.EndpointNotFound)
except ImportError as exc:  # pragma: no cover - exercised only without the SDK
    HAS_SDK = False
    SDK_IMPORT_ERROR = exc
    TRANSIENT_ERRORS = (OSError,)
    MISSING_SERVICE_ERRORS = ()


class EntryPointCache:
    """keystoneauth finds its auth plugins through stevedore, which caches the entry points of each ``sys.path`` in a
    file of ``~/.cache/python-entrypoints`` named after that path. A module's ``sys.path`` holds its AnsiballZ
    payload, a new temporary zip each run: each run found no file, scanned every installed distribution (0.2 s per
    connection) and wrote a file of about 110 KB that no run read again (13,938 files, 1.5 GB on the CI machine).

    So the process's cache is off (stevedore turns it off itself only for an interpreter under /tmp), and on only
    while a connection finds its plugins (``stable``), with the payload off ``sys.path``: the file is named after the
    interpreter's own path, one file that every module run of that interpreter reads."""

    def __init__(self):
        try:
            from stevedore import _cache
        except ImportError:  # pragma: no cover - keystoneauth without stevedore
            _cache = None
        self.cache = getattr(_cache, '_c', None)
        self.turned_off = bool(self.cache is not None and not getattr(self.cache, '_disable_caching', True))
        if self.turned_off:
            self.cache._disable_caching = True
        # one block at a time: a second connection opened meanwhile would save and restore sys.path without the payload
        self.lock = threading.Lock()

    @staticmethod
    def payloads(path, module_file=__file__):
        """The archives of ``path`` this module was loaded from (Ansible's payload zip; none on the controller)."""
        return [entry for entry in path if entry and module_file.startswith(os.path.join(entry, '')) and
                os.path.isfile(entry)]

    @contextlib.contextmanager
    def stable(self):
        """Plugin lookups in this block read and write the cache file of the interpreter's own ``sys.path``. Only
        the payload's archive leaves ``sys.path``: it holds no distribution, and the packages loaded from it find
        their modules by their own ``__path__``."""
        with self.lock:
            payloads = self.payloads(sys.path)
            saved = list(sys.path)
            sys.path[:] = [entry for entry in saved if entry not in payloads]
            if self.turned_off:
                self.cache._disable_caching = False
            try:
                yield
            finally:
                if self.turned_off:
                    self.cache._disable_caching = True
                sys.path[:] = saved


ENTRY_POINT_CACHE = EntryPointCache()

# Statuses after which a request may or may not have been carried out by the server.
RETRIABLE_STATUSES = frozenset([500, 502, 503, 504])
# Keystone (2024.2 and later) pages its listings: without ``limit`` it silently stops at
# ``[DEFAULT] max_db_limit`` (1000 by default) and gives no next link. Asking for a large limit
# makes it page at its maximum and say where the next page is. Older Keystones ignore it.
KEYSTONE_PAGE_LIMIT = 100000
KEYSTONE_PAGED = frozenset(['/projects', '/groups', '/users', '/domains', '/roles'])
# The longest wait between two tries of a request, in seconds (before jitter).
MAX_BACKOFF = 10.0
# The most seconds an authentication try of an endpoint that never answered may take beyond api_timeout.
MAX_GRACE = 5.0
# A listing that has not ended after this many pages is a server bug, not data.
MAX_PAGES = 10000


class ApiError(Exception):
    """An OpenStack API answered with an error (or did not answer at all: ``ambiguous``)."""

    def __init__(self, method, url, status=None, message='', ambiguous=False):
        self.method = method
        self.url = url
        self.status = status
        self.ambiguous = ambiguous
        text = '%s %s: %s%s' % (method, url, 'HTTP %s ' % status if status else '', message)
        super().__init__(text.strip())


class AuthFailed(Exception):
    """The token could not be had from ``auth_url``; the cause is chained (``raise ... from``)."""

    def __init__(self, auth_url, timeout):
        super().__init__('authentication at %s failed' % auth_url)
        self.auth_url = auth_url
        self.timeout = timeout


class NoAnswer(Exception):
    """The identity endpoint did not answer within ``api_timeout`` (version discovery and token together)."""


class IncompleteListing(Exception):
    """A listing did not give every item: truncated by the server (Keystone ``list_limit``) or
    endless. ``items`` holds what was listed, for callers that report a partial answer."""

    def __init__(self, message, items=None):
        super().__init__(message)
        self.items = items or []


class RequestCounter:
    """Counts every HTTP request the session sends, by method and by endpoint (host:port).

    Installed as a requests response hook, so token requests and version discovery are counted
    too: the count is a product figure, and it must not hide what the client does behind us.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self.by_method = {}
        self.by_service = {}
        self.total = 0
        self.writes = 0         # requests that change a cloud (is_write): the audit trail records each
        self.unanswered = 0     # writes that got no answer (RestClient saw the failure): recorded too
        self.write_log = None   # the run's audit log (_ledger/audit.WriteLog), when the run keeps one

    def hook(self, response, *args, **kwargs):
        return self._count(response)

    def _count(self, response, about=None):
        request = response.request
        service = netloc(request.url)
        write = is_write(request.method, request.url)
        with self._lock:
            self.total += 1
            self.by_method[request.method] = self.by_method.get(request.method, 0) + 1
            self.by_service[service] = self.by_service.get(service, 0) + 1
            self.writes += 1 if write else 0
        if write and self.write_log is not None:
            self.write_log.record(request.method, request.url, response.status_code, service,
                                  body=lambda: _json_or_none(response), about=about)
        return response

    def no_answer(self, method, path, service):
        """A write RestClient sent that got no answer (a connection failure, a timeout): it may have landed, so
        the audit trail records it (no response hook saw it)."""
        if not is_write(method, path):
            return
        with self._lock:
            self.unanswered += 1
        if self.write_log is not None:
            self.write_log.record(method, path, None, service)

    def install(self, conn, about=None):
        """Count ``conn``'s requests. ``about``: what its writes are when the thread that sends one has not said
        (the audit trail's description, for a connection whose library sends from threads of its own)."""
        hook = self.hook if about is None else (lambda response, *args, **kwargs: self._count(response, about))
        conn.session.session.hooks.setdefault('response', []).append(hook)
        # RestClient finds the counter of its session here, for the writes that got no answer
        conn.session.session.lz_counter = self

    def as_dict(self):
        with self._lock:
            out = dict(total=self.total, by_method=dict(self.by_method),
                       by_service=dict(self.by_service), writes=self.writes)
            if self.unanswered:
                out['unanswered_writes'] = self.unanswered
            return out


# Methods that only read.
READ_METHODS = frozenset(['GET', 'HEAD', 'OPTIONS'])


def is_write(method, url):
    """True for a request that changes a cloud: every method but GET/HEAD/OPTIONS, except authentication
    (a token request, ``POST .../auth/tokens``, changes nothing the audit trail is about)."""
    if (method or '').upper() in READ_METHODS:
        return False
    path = urlsplit(url or '').path.rstrip('/')
    return not path.endswith('/auth/tokens')


def _json_or_none(response):
    try:
        return response.json()
    except ValueError:
        return None


def netloc(url):
    """host:port of a URL: the counter groups by it, since the catalog maps ports to services."""
    rest = (url or '').split('://', 1)[-1]
    return rest.split('/', 1)[0]


# Auth keys that scope a token to a project or a domain (dropped for a system-scoped token).
SCOPE_PREFIXES = ('project_', 'tenant_')
SCOPE_KEYS = frozenset(['domain_id', 'domain_name', 'system_scope', 'trust_id'])
# Settings of a resolved cloud config that a second connection of the same account keeps.
CONFIG_KEPT = ('region_name', 'interface', 'verify', 'cacert', 'cert', 'key', 'api_timeout')


def connect(params, counter=None):
    """Open a connection from the connection options; returns (conn, counter). ``counter``: count
    its requests with the run's counter (a second account of the same run). ``cloud`` is a
    clouds.yaml entry name or, as openstack.cloud takes it, a dict of connection settings."""
    cloud = params.get('cloud')
    if isinstance(cloud, dict):
        kwargs = dict(cloud)
        kwargs.setdefault('api_timeout', params.get('api_timeout'))
    else:
        kwargs = dict(api_timeout=params.get('api_timeout'))
        for key in ('cloud', 'auth', 'auth_type', 'region_name', 'interface'):
            if params.get(key):
                kwargs[key] = params[key]
        if params.get('validate_certs') is not None:
            kwargs['verify'] = params['validate_certs']
        if params.get('ca_cert'):
            kwargs['cacert'] = params['ca_cert']
    return _open(kwargs, counter, params.get('retries') or 0)


def connect_system_scope(conn, counter=None, retries=0):
    """A connection of ``conn``'s account with a system-scoped token; returns (conn, counter).

    Built from ``conn``'s resolved config (its clouds.yaml entry and options already merged),
    with clouds.yaml and the OS_* variables not read again: openstacksdk would merge the default
    cloud (OS_CLOUD, or the only cloud of a clouds.yaml, as AWX's OpenStack credential writes it)
    back in, with its project, and Keystone refuses a token scoped to a project and the system.
    """
    config = conn.config.config
    auth = dict((key, value) for key, value in (config.get('auth') or {}).items()
                if not key.startswith(SCOPE_PREFIXES) and key not in SCOPE_KEYS)
    auth['system_scope'] = 'all'
    kwargs = dict(auth=auth, auth_type=config.get('auth_type') or 'password', identity_api_version='3',
                  load_yaml_config=False, load_envvars=False)
    for key in CONFIG_KEPT:
        if config.get(key) is not None:
            kwargs[key] = config[key]
    return _open(kwargs, counter, retries)


def _open(kwargs, counter, retries):
    with ENTRY_POINT_CACHE.stable():
        conn = openstack.connect(**kwargs)
    counter = counter or RequestCounter()
    counter.install(conn)
    timeout = kwargs.get('api_timeout')
    try:
        authenticate(conn, retries, timeout=timeout, answers=lambda: counter.total)
    except Exception as exc:  # noqa: BLE001 - re-raised with the endpoint, for the message (_clouds.py)
        raise AuthFailed((conn.config.config.get('auth') or {}).get('auth_url'), timeout) from exc
    return conn, counter


def endpoint_of(conn, proxy_name):
    """The endpoint URL of a service proxy of ``conn``, or None when the catalog has no such service."""
    from keystoneauth1.adapter import Adapter
    try:
        # The adapter's own lookup: some proxies shadow get_endpoint (identity: the endpoint resource).
        return Adapter.get_endpoint(getattr(conn, proxy_name))
    except MISSING_SERVICE_ERRORS:
        return None


def client_endpoint(rest):
    """The endpoint URL a RestClient's requests go to, or None when it cannot be told."""
    from keystoneauth1.adapter import Adapter
    try:
        return Adapter.get_endpoint(rest.adapter)
    except Exception:  # noqa: BLE001 - any adapter (a test's, a proxy without catalog): unknown
        return None


def endpoint_region(conn, proxy_name):
    """The region of a service proxy's endpoint: the run's region, else the catalog's (None: unknown)."""
    if conn.config.region_name:
        return conn.config.region_name
    from keystoneauth1.adapter import Adapter
    try:
        data = Adapter.get_endpoint_data(getattr(conn, proxy_name))
    except MISSING_SERVICE_ERRORS:
        return None
    return getattr(data, 'region_name', None) if data is not None else None


def _backoff(attempt, base, sleep):
    # Full jitter: parallel workers hitting one overloaded server should not retry in step.
    sleep(random.uniform(0, min(MAX_BACKOFF, base * (2 ** (attempt - 1)))))


def authenticate(conn, retries, backoff=0.3, sleep=time.sleep, timeout=None, answers=None):
    """Get the token up front, retrying connection failures and 5xx (a token is safe to re-ask).

    An endpoint that never answers costs one ``timeout`` (api_timeout) and a short grace, not one per try and
    request: ``answers()`` counts the responses the session got (the run's counter); while it says the endpoint
    has not answered once, a try (version discovery and token request, each of which may wait ``timeout``) ends
    after ``timeout`` plus the grace, and a try that timed out is not retried. An endpoint that did answer is slow
    or flaky, not hung: its tries run to keystoneauth's own timeouts and are retried as before."""
    start = answers() if answers is not None else 0

    def answered():
        return answers is not None and answers() > start
    attempt = 0
    while True:
        attempt += 1
        try:
            return within(timeout, conn.authorize, answered)
        except Exception as exc:  # noqa: BLE001 - re-raised unless transient (see transient())
            if attempt > retries or not transient(exc) or (timed_out(exc) and not answered()):
                raise
        _backoff(attempt, backoff, sleep)


def grace(timeout):
    """What a try may take beyond ``timeout`` before an endpoint that never answered counts as hung: time for the
    token request that keystoneauth sends when version discovery timed out (a delayed answer, not a hung server)."""
    return min(MAX_GRACE, float(timeout))


def within(timeout, func, answered=lambda: False):
    """``func()``; NoAnswer when it runs past ``timeout`` and its grace while ``answered()`` is false. The call goes
    on in a daemon thread, which the module's exit does not wait for: only an endpoint that never answers leaves one
    behind."""
    if not timeout:
        return func()
    outcome = {}

    def call():
        try:
            outcome['value'] = func()
        except Exception as exc:  # noqa: BLE001 - handed to the caller's thread as it is
            outcome['error'] = exc
    worker = threading.Thread(target=call, name='lz-authenticate', daemon=True)
    worker.start()
    worker.join(timeout + grace(timeout))
    if worker.is_alive():
        if not answered():
            raise NoAnswer('no answer within api_timeout (%s s) and a grace of %s s' % (timeout, grace(timeout)))
        worker.join()   # it answered: keystoneauth's timeouts bound the rest
    if 'error' in outcome:
        raise outcome['error']
    return outcome.get('value')


def timed_out(exc):
    """True when no answer came in time, anywhere in the cause chain."""
    for dummy in range(5):
        if exc is None:
            return False
        if isinstance(exc, NoAnswer) or (HAS_SDK and isinstance(exc, ksa_exc.ConnectTimeout)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def transient(exc):
    """True for failures worth retrying: no answer, or a 5xx, anywhere in the cause chain."""
    for dummy in range(5):
        if exc is None:
            return False
        if isinstance(exc, TRANSIENT_ERRORS):
            return True
        status = getattr(exc, 'http_status', None) or getattr(exc, 'status_code', None)
        if status in RETRIABLE_STATUSES:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class RestClient:
    """REST calls on one service (a keystoneauth adapter) with retries that are safe.

    Idempotent requests (GET, PUT, PATCH, DELETE, HEAD) are retried on connection failures,
    timeouts and 5xx. A POST is never blindly retried: a timeout or a 5xx leaves it unknown
    whether the server created the resource, so the caller gets ApiError(ambiguous=True) and
    looks the resource up before trying again. That is what keeps faults from leaving duplicates.
    ``microversion`` goes with every request (keystoneauth sets the service's header).
    """

    def __init__(self, adapter, retries=4, backoff=0.3, sleep=time.sleep, microversion=None):
        self.adapter = adapter
        self.retries = retries
        self.backoff = backoff
        self.microversion = microversion
        self._sleep = sleep

    def request(self, method, path, json=None, params=None, ok=(200, 201, 202, 204),
                missing_ok=False):
        kwargs = dict(json=json, params=params, raise_exc=False)
        if self.microversion:
            kwargs['microversion'] = self.microversion
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = self.adapter.request(path, method, **kwargs)
            except Exception as exc:  # noqa: BLE001 - re-raised unless transient (see transient())
                if not transient(exc):
                    raise
                # sent or not, it is unknown: a write that may have landed goes to the audit trail
                _counter_of(self.adapter).no_answer(method, path, getattr(self.adapter, 'service_type', None))
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
            if method == 'POST' or attempt > self.retries:
                raise error
            _backoff(attempt, self.backoff, self._sleep)

    def get(self, path, params=None, missing_ok=False):
        return self.request('GET', path, params=params, ok=(200,), missing_ok=missing_ok)


class _NoCounter:
    def no_answer(self, method, path, service):
        pass


def _counter_of(adapter):
    """The RequestCounter installed on an adapter's session (RequestCounter.install), or one that counts nothing."""
    session = getattr(getattr(adapter, 'session', None), 'session', None)
    counter = getattr(session, 'lz_counter', None)
    return counter if isinstance(counter, RequestCounter) else _NoCounter()


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


# ----------------------------------------------------------------------------------------------
# The pager
# ----------------------------------------------------------------------------------------------

def next_query(body, key):
    """Query of the next page, or None. Keystone: ``links.next``; Nova, Cinder, Neutron,
    Octavia: ``<key>_links`` rel=next; Glance: ``next``."""
    href = (body.get('links') or {}).get('next') if isinstance(body.get('links'), dict) else None
    for link in body.get(key + '_links') or []:
        if link.get('rel') == 'next':
            href = link.get('href')
    if href is None and isinstance(body.get('next'), str):
        href = body['next']
    if not href:
        return None
    return dict(parse_qsl(urlsplit(href).query, keep_blank_values=True))


def list_all(rest, path, key, params=None, limit=None, on_request=None, partial_ok=False, marker_of=None):
    """Every item of a listing, following the service's next links; returns (items, complete).

    ``limit`` is sent as the page size; ``marker_of(last item)`` gives the next marker where the
    service's next link has none that works (Neutron's quota listing). A listing the server cut without a next link
    (``truncated: true``, Keystone's ``list_limit``) raises IncompleteListing: planning on partial
    data would create duplicates; so does a server that repeats a page (it ignores the marker) or
    a listing without end. With ``partial_ok`` the caller takes what was listed instead, also when
    a later page fails (Octavia's quota listing answers 500 past its page limit), and ``complete``
    says whether it got everything. ``on_request`` is called before each page.
    """
    query = dict(params or {})
    if limit:
        query['limit'] = limit
    items, seen = [], set()
    for dummy in range(MAX_PAGES):
        if on_request is not None:
            on_request()
        try:
            body = rest.get(path, params=query) or {}
        except ApiError:
            if not partial_ok or not items:
                raise
            return items, False
        page = body.get(key) or []
        items.extend(page)
        nxt = next_query(body, key) if page else None
        if nxt is not None:
            marker = marker_of(page[-1]) if marker_of else nxt.get('marker') or page[-1].get('id')
            if marker in seen:
                # The server ignores the marker and gave a page again: what lies beyond is unknown.
                del items[len(items) - len(page):]
                if partial_ok:
                    return items, False
                raise IncompleteListing('the listing %s repeated a page (the server ignores the marker %s): '
                                        'refusing to take %d %s for all of them' % (path, marker, len(items), key),
                                        items)
            seen.add(marker)
            query = dict(query, **nxt)
            query['marker'] = marker
            continue
        if body.get('truncated'):
            if partial_ok:
                return items, False
            raise IncompleteListing(
                'the listing %s was truncated by the server (Keystone list_limit). Refusing to '
                'plan on partial data: raise [DEFAULT] list_limit (and the per-driver list_limit) '
                'above the number of %s on this cloud.' % (path, key), items)
        return items, True
    if partial_ok:
        return items, False
    raise IncompleteListing('listing %s did not end after %d pages' % (path, MAX_PAGES), items)


def pool_map(func, items, max_workers):
    """``[func(item) for item in items]`` in a bounded thread pool (requests of independent items)."""
    items = list(items)
    if len(items) <= 1 or max_workers <= 1:
        return [func(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(max_workers, len(items))) as pool:
        return list(pool.map(func, items))
