# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The REST layer: RestClient retries, transient(), authenticate(), connect() and the pager.

Pure client logic: the keystoneauth adapter, its responses and the openstacksdk connection are
fakes that record what they were asked. Nothing sleeps and nothing goes on the network.
"""

import json as jsonlib
import sys
import threading

import openstack
import openstack.exceptions
import pytest
import requests
from keystoneauth1 import exceptions as ksa_exc

from ansible_collections.landingzone.openstack.plugins.module_utils import _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import (
    ApiError,
    IncompleteListing,
    RestClient,
    authenticate,
    connect,
    list_all,
    next_query,
    transient,
)

IDEMPOTENT = ['GET', 'PUT', 'PATCH', 'DELETE', 'HEAD']


# ----------------------------------------------------------------------------------------------
# Fakes
# ----------------------------------------------------------------------------------------------

class FakeResponse:
    """What RestClient reads of a keystoneauth/requests response."""

    def __init__(self, status_code, body=None, text=None):
        self.status_code = status_code
        if body is not None:
            self.text = jsonlib.dumps(body)
        else:
            self.text = text or ''
        self.content = self.text.encode('utf-8')

    def json(self):
        return jsonlib.loads(self.text)  # ValueError on a non-JSON body, like requests


class FakeAdapter:
    """A keystoneauth adapter answering from a script: responses, or exceptions to raise."""

    def __init__(self, *script):
        self.script = list(script)
        self.calls = []

    def request(self, url, method, **kwargs):
        self.calls.append((url, method, kwargs))
        if not self.script:
            raise AssertionError('unexpected request %s %s' % (method, url))
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step


def _raise(exc):
    raise exc


class Sleeps(list):
    """An injected ``sleep``: records the delays instead of sleeping."""

    def __call__(self, seconds):
        self.append(seconds)


def client(*script, **kwargs):
    sleeps = Sleeps()
    kwargs.setdefault('retries', 3)
    rest = RestClient(FakeAdapter(*script), sleep=sleeps, **kwargs)
    return rest, rest.adapter, sleeps


# ----------------------------------------------------------------------------------------------
# RestClient: success, 404, 4xx
# ----------------------------------------------------------------------------------------------

def test_get_returns_the_json_body():
    rest, adapter, sleeps = client(FakeResponse(200, {'project': {'id': 'p1'}}))
    assert rest.get('/v3/projects/p1', params={'a': 'b'}) == {'project': {'id': 'p1'}}
    assert len(adapter.calls) == 1
    url, method, kwargs = adapter.calls[0]
    assert (url, method) == ('/v3/projects/p1', 'GET')
    assert kwargs['params'] == {'a': 'b'}
    assert kwargs['json'] is None
    # RestClient reads the status itself: keystoneauth must not raise for it.
    assert kwargs['raise_exc'] is False
    assert sleeps == []


def test_request_sends_the_json_body():
    rest, adapter, dummy = client(FakeResponse(201, {'group': {'id': 'g1'}}))
    assert rest.request('POST', '/v3/groups', json={'group': {'name': 'n'}}) == {'group': {'id': 'g1'}}
    assert adapter.calls[0][1] == 'POST'
    assert adapter.calls[0][2]['json'] == {'group': {'name': 'n'}}


@pytest.mark.parametrize('status', [202, 204])
def test_empty_success_body_is_an_empty_dict(status):
    rest, dummy, dummy2 = client(FakeResponse(status))
    assert rest.request('DELETE', '/v3/projects/p1') == {}


def test_status_outside_ok_is_an_error():
    # get() accepts only 200: a 201 on a GET is not what was asked for.
    rest, adapter, dummy = client(FakeResponse(201, {'x': 1}))
    with pytest.raises(ApiError) as err:
        rest.get('/v3/projects')
    assert err.value.status == 201
    assert len(adapter.calls) == 1


def test_404_with_missing_ok_is_none():
    rest, adapter, sleeps = client(FakeResponse(404, {'error': {'message': 'not found'}}))
    assert rest.get('/v3/projects/gone', missing_ok=True) is None
    assert len(adapter.calls) == 1
    assert sleeps == []


def test_404_without_missing_ok_raises_at_once():
    rest, adapter, sleeps = client(FakeResponse(404, {'error': {'message': 'Could not find project: gone.'}}))
    with pytest.raises(ApiError) as err:
        rest.get('/v3/projects/gone')
    assert err.value.status == 404
    assert err.value.ambiguous is False
    assert 'Could not find project: gone.' in str(err.value)
    assert len(adapter.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize('status,body,message', [
    (400, {'error': {'message': 'Invalid input for field', 'code': 400}}, 'Invalid input for field'),
    (401, {'error': {'title': 'Unauthorized', 'code': 401}}, 'Unauthorized'),
    (403, {'forbidden': {'message': 'Policy does not allow'}}, 'Policy does not allow'),
    (409, {'NeutronError': {'message': 'Quota exceeded for resources', 'type': 'OverQuota'}},
     'Quota exceeded for resources'),
    (413, None, 'Request Entity Too Large'),
])
@pytest.mark.parametrize('method', IDEMPOTENT + ['POST'])
def test_non_retriable_4xx_raises_at_once_with_status_and_message(method, status, body, message):
    response = FakeResponse(status, body) if body is not None else FakeResponse(status, text=message)
    rest, adapter, sleeps = client(response, FakeResponse(200, {}))
    with pytest.raises(ApiError) as err:
        rest.request(method, '/v3/things/1')
    assert err.value.status == status
    assert err.value.ambiguous is False
    assert err.value.method == method
    assert err.value.url == '/v3/things/1'
    assert 'HTTP %d' % status in str(err.value)
    assert message in str(err.value)
    assert len(adapter.calls) == 1
    assert sleeps == []


def test_long_non_json_error_text_is_cut():
    rest, dummy, dummy2 = client(FakeResponse(400, text='x' * 5000))
    with pytest.raises(ApiError) as err:
        rest.get('/v2.0/ports')
    assert 'x' * 200 in str(err.value)
    assert 'x' * 201 not in str(err.value)


def test_non_transient_exception_from_the_adapter_is_not_retried():
    rest, adapter, sleeps = client(TypeError('bad argument'), FakeResponse(200, {}))
    with pytest.raises(TypeError):
        rest.get('/v3/projects')
    assert len(adapter.calls) == 1
    assert sleeps == []


# ----------------------------------------------------------------------------------------------
# RestClient: retries
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('method', IDEMPOTENT)
@pytest.mark.parametrize('status', [500, 502, 503, 504])
def test_idempotent_methods_are_retried_on_5xx(method, status):
    rest, adapter, sleeps = client(FakeResponse(status, text='oops'), FakeResponse(status, text='oops'),
                                   FakeResponse(200, {'ok': True}))
    assert rest.request(method, '/v3/projects/p1') == {'ok': True}
    assert [c[1] for c in adapter.calls] == [method] * 3
    assert len(sleeps) == 2


@pytest.mark.parametrize('method', IDEMPOTENT)
@pytest.mark.parametrize('exc_type', [ksa_exc.ConnectFailure, ksa_exc.ConnectTimeout])
def test_idempotent_methods_are_retried_on_transport_errors(method, exc_type):
    rest, adapter, sleeps = client(exc_type('no route'), exc_type('no route'), FakeResponse(204))
    assert rest.request(method, '/v3/projects/p1') == {}
    assert len(adapter.calls) == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize('retries', [0, 1, 4])
@pytest.mark.parametrize('method', IDEMPOTENT)
def test_5xx_retried_up_to_retries_then_ambiguous_error(method, retries):
    script = [FakeResponse(503, {'error': {'message': 'Service Unavailable'}}) for dummy in range(retries + 2)]
    rest, adapter, sleeps = client(*script, retries=retries)
    with pytest.raises(ApiError) as err:
        rest.request(method, '/v3/projects')
    assert len(adapter.calls) == retries + 1
    assert len(sleeps) == retries
    assert err.value.status == 503
    assert err.value.ambiguous is True
    assert 'Service Unavailable' in str(err.value)


@pytest.mark.parametrize('exc_type', [ksa_exc.ConnectFailure, ksa_exc.ConnectTimeout])
def test_transport_errors_retried_up_to_retries_then_ambiguous_error(exc_type):
    script = [exc_type('timed out talking to keystone') for dummy in range(5)]
    rest, adapter, sleeps = client(*script, retries=2)
    with pytest.raises(ApiError) as err:
        rest.request('PUT', '/v3/projects/p1/tags/x')
    assert len(adapter.calls) == 3
    assert len(sleeps) == 2
    assert err.value.ambiguous is True
    assert err.value.status is None
    assert 'timed out talking to keystone' in str(err.value)
    assert err.value.method == 'PUT'


def test_retry_then_non_retriable_status_stops():
    rest, adapter, sleeps = client(FakeResponse(502, text='bad gateway'), FakeResponse(409, {'error': {'message': 'Conflict'}}),
                                   FakeResponse(200, {}))
    with pytest.raises(ApiError) as err:
        rest.request('DELETE', '/v3/groups/g1')
    assert err.value.status == 409
    assert err.value.ambiguous is False
    assert len(adapter.calls) == 2
    assert len(sleeps) == 1


def test_missing_ok_still_retries_5xx():
    rest, adapter, dummy = client(FakeResponse(500, text='x'), FakeResponse(404, text='gone'))
    assert rest.get('/v3/projects/p1', missing_ok=True) is None
    assert len(adapter.calls) == 2


@pytest.mark.parametrize('failure', [FakeResponse(500, text='boom'), FakeResponse(503, text='boom'),
                                     FakeResponse(504, text='boom'), ksa_exc.ConnectFailure('reset'),
                                     ksa_exc.ConnectTimeout('timeout')])
def test_post_is_never_retried(failure):
    rest, adapter, sleeps = client(failure, FakeResponse(201, {'project': {'id': 'dup'}}), retries=4)
    with pytest.raises(ApiError) as err:
        rest.request('POST', '/v3/projects', json={'project': {'name': 'p'}})
    assert err.value.ambiguous is True
    assert err.value.method == 'POST'
    assert len(adapter.calls) == 1
    assert sleeps == []


def test_microversion_passed_as_keyword_when_set():
    rest, adapter, dummy = client(FakeResponse(200, {}), FakeResponse(500, text='x'), FakeResponse(200, {}),
                                  microversion='2.79')
    rest.get('/servers')
    rest.request('PUT', '/servers/1')
    assert [c[2].get('microversion') for c in adapter.calls] == ['2.79', '2.79', '2.79']


def test_no_microversion_keyword_when_unset():
    rest, adapter, dummy = client(FakeResponse(200, {}))
    rest.get('/v3/projects')
    assert 'microversion' not in adapter.calls[0][2]


def test_backoff_is_injected_and_bounded_by_exponential_full_jitter():
    script = [FakeResponse(503, text='x') for dummy in range(7)]
    rest, dummy, sleeps = client(*script, retries=6, backoff=0.5)
    with pytest.raises(ApiError):
        rest.get('/v3/projects')
    assert len(sleeps) == 6
    for attempt, seconds in enumerate(sleeps, 1):
        assert 0 <= seconds <= 0.5 * 2 ** (attempt - 1)


def test_backoff_upper_bounds(monkeypatch):
    # Full jitter draws from [0, base * 2**(attempt-1)]: pin the draw to its upper end.
    draws = []

    def uniform(low, high):
        draws.append((low, high))
        return high
    monkeypatch.setattr(_rest.random, 'uniform', uniform)
    script = [ksa_exc.ConnectFailure('x') for dummy in range(5)]
    rest, dummy, sleeps = client(*script, retries=4, backoff=0.3)
    with pytest.raises(ApiError):
        rest.get('/v3/projects')
    assert draws == [(0, 0.3), (0, 0.6), (0, 1.2), (0, 2.4)]
    assert sleeps == [0.3, 0.6, 1.2, 2.4]
    assert sum(sleeps) == pytest.approx(4.5)


def test_api_error_text():
    assert str(ApiError('GET', '/v3/x', 500, 'boom')) == 'GET /v3/x: HTTP 500 boom'
    assert str(ApiError('POST', '/v3/x', message='reset', ambiguous=True)) == 'POST /v3/x: reset'


# ----------------------------------------------------------------------------------------------
# transient()
# ----------------------------------------------------------------------------------------------

class StatusError(Exception):
    def __init__(self, http_status=None, status_code=None):
        super().__init__('status error')
        if http_status is not None:
            self.http_status = http_status
        if status_code is not None:
            self.status_code = status_code


def sdk_http_error(status):
    response = requests.Response()
    response.status_code = status
    return openstack.exceptions.HttpException(message='HTTP %d' % status, response=response)


@pytest.mark.parametrize('exc', [
    ksa_exc.ConnectFailure('x'),
    ksa_exc.ConnectTimeout('x'),
    ksa_exc.SSLError('x'),
    ksa_exc.DiscoveryFailure('x'),
    StatusError(http_status=503),
    StatusError(status_code=502),
    StatusError(http_status=500),
    sdk_http_error(504),
])
def test_transient_true(exc):
    assert transient(exc) is True


@pytest.mark.parametrize('exc', [
    None,
    ValueError('x'),
    StatusError(http_status=404),
    StatusError(status_code=409),
    StatusError(http_status=501),
    sdk_http_error(401),
    ksa_exc.Unauthorized('x'),
])
def test_transient_false(exc):
    assert transient(exc) is False


def test_transient_walks_the_cause_chain():
    try:
        try:
            raise ksa_exc.ConnectTimeout('slow')
        except ksa_exc.ConnectTimeout as inner:
            raise RuntimeError('wrapped') from inner
    except RuntimeError as exc:
        assert transient(exc) is True


def test_transient_walks_the_context_chain():
    try:
        try:
            raise StatusError(http_status=503)
        except StatusError:
            raise RuntimeError('while handling')
    except RuntimeError as exc:
        assert transient(exc) is True


def test_transient_chain_of_three():
    outer = RuntimeError('outer')
    middle = KeyError('middle')
    outer.__cause__ = middle
    middle.__cause__ = ksa_exc.ConnectFailure('root')
    assert transient(outer) is True


def test_transient_chain_without_transient_cause():
    outer = RuntimeError('outer')
    outer.__cause__ = ValueError('inner')
    assert transient(outer) is False


def test_transient_terminates_on_a_cycle():
    a, b = RuntimeError('a'), RuntimeError('b')
    a.__cause__, b.__cause__ = b, a
    assert transient(a) is False


# ----------------------------------------------------------------------------------------------
# authenticate()
# ----------------------------------------------------------------------------------------------

class FakeConn:
    """An openstacksdk Connection: ``authorize()`` from a script, and a requests session."""

    def __init__(self, *script, hooks=None):
        self.script = list(script) or ['token']
        self.authorize_calls = 0
        self.hooks_at_authorize = None
        self.session = type('KsaSession', (), {})()
        self.session.session = type('RequestsSession', (), {})()
        self.session.session.hooks = {} if hooks is None else hooks
        self.config = type('CloudRegion', (), {'config': {'auth': {'auth_url': 'http://keystone.test/v3'}}})()

    def authorize(self):
        self.authorize_calls += 1
        self.hooks_at_authorize = {k: list(v) for k, v in self.session.session.hooks.items()}
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, BaseException):
            _raise(step)
        return step


def test_authenticate_returns_the_token():
    sleeps = Sleeps()
    conn = FakeConn('tok')
    assert authenticate(conn, 3, sleep=sleeps) == 'tok'
    assert conn.authorize_calls == 1
    assert sleeps == []


def test_authenticate_retries_transient_failures():
    sleeps = Sleeps()
    conn = FakeConn(ksa_exc.ConnectFailure('down'), StatusError(http_status=503), 'tok')
    assert authenticate(conn, 3, sleep=sleeps) == 'tok'
    assert conn.authorize_calls == 3
    assert len(sleeps) == 2


def test_authenticate_gives_up_after_retries():
    sleeps = Sleeps()
    conn = FakeConn(ksa_exc.ConnectFailure('down'))
    with pytest.raises(ksa_exc.ConnectFailure):
        authenticate(conn, 2, sleep=sleeps)
    assert conn.authorize_calls == 3
    assert len(sleeps) == 2


def test_authenticate_does_not_retry_a_timeout_of_an_endpoint_that_never_answered():
    # an endpoint that does not answer costs one api_timeout, not one per try (issue 24)
    sleeps = Sleeps()
    conn = FakeConn(ksa_exc.ConnectTimeout('slow'), 'tok')
    with pytest.raises(ksa_exc.ConnectTimeout):
        authenticate(conn, 4, sleep=sleeps, answers=lambda: 0)
    assert conn.authorize_calls == 1 and sleeps == []


def test_authenticate_bounds_discovery_and_token_together_by_the_timeout():
    import threading
    import time
    release = threading.Event()

    class Hung(FakeConn):
        def authorize(self):
            self.authorize_calls += 1
            release.wait(5)
    conn = Hung()
    started = time.monotonic()
    try:
        with pytest.raises(_rest.NoAnswer, match=r'no answer within api_timeout \(0.2 s\) and a grace of 0.2 s'):
            authenticate(conn, 4, sleep=Sleeps(), timeout=0.2, answers=lambda: 0)
    finally:
        release.set()
    assert time.monotonic() - started < 2 and conn.authorize_calls == 1


def test_an_endpoint_that_answered_is_slow_not_hung_and_its_timeouts_are_retried():
    import time
    answers = [0]

    class Slow(FakeConn):
        def authorize(self):
            answers[0] += 1            # version discovery answered
            time.sleep(0.5)            # the token comes after api_timeout and its grace
            return super().authorize()
    conn = Slow(ksa_exc.ConnectTimeout('slow'), 'tok')
    sleeps = Sleeps()
    assert authenticate(conn, 4, sleep=sleeps, timeout=0.1, answers=lambda: answers[0]) == 'tok'
    assert conn.authorize_calls == 2 and len(sleeps) == 1


def test_authenticate_with_zero_retries_tries_once():
    sleeps = Sleeps()
    conn = FakeConn(ksa_exc.ConnectFailure('down'))
    with pytest.raises(ksa_exc.ConnectFailure):
        authenticate(conn, 0, sleep=sleeps)
    assert conn.authorize_calls == 1
    assert sleeps == []


@pytest.mark.parametrize('exc', [ksa_exc.Unauthorized('bad password'), StatusError(http_status=401),
                                 openstack.exceptions.ConfigException('no cloud named x')])
def test_authenticate_reraises_others_immediately(exc):
    sleeps = Sleeps()
    conn = FakeConn(exc, 'tok')
    with pytest.raises(type(exc)) as err:
        authenticate(conn, 5, sleep=sleeps)
    assert err.value is exc
    assert conn.authorize_calls == 1
    assert sleeps == []


# ----------------------------------------------------------------------------------------------
# connect()
# ----------------------------------------------------------------------------------------------

@pytest.fixture
def fake_connect(monkeypatch):
    calls = []
    conns = []

    def fake(**kwargs):
        calls.append(kwargs)
        conn = FakeConn('tok')
        conns.append(conn)
        return conn
    monkeypatch.setattr(openstack, 'connect', fake)
    return calls, conns


def params(**kwargs):
    base = dict(cloud=None, auth=None, auth_type=None, region_name=None, interface='public',
                validate_certs=None, ca_cert=None, api_timeout=30, retries=4, max_workers=8)
    base.update(kwargs)
    return base


def test_connect_maps_every_option(fake_connect):
    calls, conns = fake_connect
    auth = {'auth_url': 'https://keystone:5000/v3', 'username': 'u', 'password': 'p'}
    conn, counter = connect(params(cloud='lab', auth=auth, auth_type='password', region_name='RegionTwo',
                                   interface='internal', validate_certs=True, ca_cert='/etc/ca.pem', api_timeout=12))
    assert conn is conns[0]
    assert calls == [dict(cloud='lab', auth=auth, auth_type='password', region_name='RegionTwo',
                          interface='internal', verify=True, cacert='/etc/ca.pem', api_timeout=12)]
    assert isinstance(counter, _rest.RequestCounter)


def test_connect_passes_validate_certs_false(fake_connect):
    calls, dummy = fake_connect
    connect(params(cloud='lab', validate_certs=False))
    assert calls[0]['verify'] is False


def test_connect_leaves_unset_options_to_openstacksdk(fake_connect):
    calls, dummy = fake_connect
    connect(params(cloud='lab'))
    # interface has a default (public) and goes through; what is unset stays out.
    assert calls == [dict(cloud='lab', interface='public', api_timeout=30)]


def test_connect_authenticates_with_the_counter_installed(fake_connect):
    dummy, conns = fake_connect
    conn, counter = connect(params(cloud='lab'))
    assert conn.authorize_calls == 1
    # The hook is in place before the token request, so the token request is counted too.
    assert conn.hooks_at_authorize['response'] == [counter.hook]


def test_connect_keeps_existing_hooks(monkeypatch):
    existing = object()
    conn = FakeConn('tok', hooks={'response': [existing]})
    monkeypatch.setattr(openstack, 'connect', lambda **kwargs: conn)
    dummy, counter = connect(params(cloud='lab'))
    assert conn.session.session.hooks['response'] == [existing, counter.hook]


def test_connect_raises_a_non_transient_auth_failure(monkeypatch):
    conn = FakeConn(ksa_exc.Unauthorized('bad password'))
    monkeypatch.setattr(openstack, 'connect', lambda **kwargs: conn)
    with pytest.raises(_rest.AuthFailed) as err:
        connect(params(cloud='lab', retries=4))
    assert isinstance(err.value.__cause__, ksa_exc.Unauthorized) and err.value.auth_url == 'http://keystone.test/v3'
    assert conn.authorize_calls == 1


def test_connect_retries_a_transient_auth_failure(monkeypatch):
    monkeypatch.setattr(_rest.random, 'uniform', lambda low, high: 0)  # connect() sleeps for real
    conn = FakeConn(ksa_exc.ConnectFailure('down'), 'tok')
    monkeypatch.setattr(openstack, 'connect', lambda **kwargs: conn)
    connect(params(cloud='lab', retries=2))
    assert conn.authorize_calls == 2


def test_connect_with_retries_none_tries_once(monkeypatch):
    conn = FakeConn(ksa_exc.ConnectFailure('down'), 'tok')
    monkeypatch.setattr(openstack, 'connect', lambda **kwargs: conn)
    with pytest.raises(_rest.AuthFailed) as err:
        connect(params(cloud='lab', retries=None))
    assert isinstance(err.value.__cause__, ksa_exc.ConnectFailure)
    assert conn.authorize_calls == 1


class HookResponse:
    def __init__(self, method, url):
        self.request = type('PreparedRequest', (), {'method': method, 'url': url})()


def test_counter_counts_by_method_and_host_port(fake_connect):
    dummy, conns = fake_connect
    conn, counter = connect(params(cloud='lab'))
    assert counter.as_dict() == dict(total=0, by_method={}, by_service={}, writes=0)
    hooks = conn.session.session.hooks['response']
    sent = [('POST', 'https://keystone.example:5000/v3/auth/tokens'),
            ('GET', 'https://keystone.example:5000/v3/projects?limit=100'),
            ('GET', 'https://nova.example:8774/v2.1/servers/detail'),
            ('PUT', 'http://10.0.0.5:8776/v3/p1/os-quota-sets/p1'),
            ('GET', 'https://keystone.example:5000/v3/groups')]
    for method, url in sent:
        response = HookResponse(method, url)
        for hook in hooks:
            assert hook(response) is response  # a requests hook that returns None would drop the response
    assert counter.as_dict() == dict(
        total=5,
        by_method={'GET': 3, 'POST': 1, 'PUT': 1},
        by_service={'keystone.example:5000': 3, 'nova.example:8774': 1, '10.0.0.5:8776': 1},
        writes=1)   # the PUT: a token request is no write


def test_counter_as_dict_is_a_copy():
    counter = _rest.RequestCounter()
    counter.hook(HookResponse('GET', 'https://a:1/x'))
    snapshot = counter.as_dict()
    counter.hook(HookResponse('GET', 'https://a:1/y'))
    assert snapshot == dict(total=1, by_method={'GET': 1}, by_service={'a:1': 1}, writes=0)
    assert counter.as_dict()['total'] == 2


@pytest.mark.parametrize('url,expected', [
    ('https://keystone:5000/v3/projects', 'keystone:5000'),
    ('http://10.0.0.1:9696', '10.0.0.1:9696'),
    ('https://api.example.com/compute/v2.1', 'api.example.com'),
    ('', ''),
    (None, ''),
])
def test_netloc(url, expected):
    assert _rest.netloc(url) == expected


# ----------------------------------------------------------------------------------------------
# next_query()
# ----------------------------------------------------------------------------------------------

def test_next_query_forms():
    assert next_query({'links': {'next': 'https://k:5000/v3/projects?limit=2&marker=p2', 'self': 'x'}},
                      'projects') == {'limit': '2', 'marker': 'p2'}
    assert next_query({'servers_links': [{'rel': 'prev', 'href': '/s?marker=a'},
                                         {'rel': 'next', 'href': '/s?limit=1&marker=s1'}]},
                      'servers') == {'limit': '1', 'marker': 's1'}
    assert next_query({'next': '/v2/images?marker=i9'}, 'images') == {'marker': 'i9'}


def test_next_query_none_at_the_end():
    assert next_query({'links': {'next': None, 'self': 'x'}, 'projects': []}, 'projects') is None
    assert next_query({'servers_links': [{'rel': 'prev', 'href': '/s?marker=a'}]}, 'servers') is None
    assert next_query({'images': []}, 'images') is None
    assert next_query({}, 'projects') is None


# ----------------------------------------------------------------------------------------------
# list_all()
# ----------------------------------------------------------------------------------------------

class FakeRest:
    """``rest.get`` backed by a handler ``(params) -> body``; records a copy of each query."""

    def __init__(self, handler):
        self.handler = handler
        self.queries = []
        self.paths = []

    def get(self, path, params=None, missing_ok=False):
        self.paths.append(path)
        self.queries.append(dict(params or {}))
        return self.handler(dict(params or {}))


def items(n, prefix='p'):
    return [{'id': '%s%02d' % (prefix, i), 'name': 'n%d' % i} for i in range(n)]


def marker_server(all_items, render, default_limit=1000):
    """A server that pages ``all_items`` by ``limit`` and ``marker`` (the id of the last item)."""

    def handler(query):
        limit = int(query.get('limit', default_limit))
        start = 0
        if 'marker' in query:
            start = [i['id'] for i in all_items].index(query['marker']) + 1
        page = all_items[start:start + limit]
        more = start + limit < len(all_items)
        return render(page, page[-1]['id'] if more else None, limit)
    return handler


def keystone(page, marker, limit):
    nxt = 'https://k:5000/v3/projects?limit=%d&marker=%s' % (limit, marker) if marker else None
    return {'projects': page, 'links': {'self': 'https://k:5000/v3/projects', 'next': nxt, 'previous': None}}


def nova(page, marker, limit):
    body = {'servers': page}
    if marker:
        body['servers_links'] = [{'rel': 'next', 'href': 'https://n:8774/v2.1/servers?limit=%d&marker=%s' % (limit, marker)}]
    return body


def glance(page, marker, limit):
    body = {'images': page, 'first': '/v2/images', 'schema': '/v2/schemas/images'}
    if marker:
        body['next'] = '/v2/images?limit=%d&marker=%s' % (limit, marker)
    return body


def test_single_page():
    data = items(3)
    rest = FakeRest(lambda q: {'projects': data, 'links': {'next': None}})
    assert list_all(rest, '/projects', 'projects') == (data, True)
    assert rest.queries == [{}]
    assert rest.paths == ['/projects']


def test_empty_listing():
    rest = FakeRest(lambda q: {'projects': []})
    assert list_all(rest, '/projects', 'projects') == ([], True)
    assert len(rest.queries) == 1


def test_none_body_is_an_empty_listing():
    rest = FakeRest(lambda q: None)
    assert list_all(rest, '/projects', 'projects') == ([], True)


def test_keystone_links_next_with_limit():
    data = items(7)
    rest = FakeRest(marker_server(data, keystone))
    assert list_all(rest, '/projects', 'projects', params={'domain_id': 'd1'}, limit=3) == (data, True)
    assert len(rest.queries) == 3
    assert rest.queries[0] == {'domain_id': 'd1', 'limit': 3}
    assert rest.queries[1]['marker'] == 'p02'
    assert rest.queries[2]['marker'] == 'p05'
    for query in rest.queries:
        assert query['domain_id'] == 'd1'
        assert int(query['limit']) == 3


def test_caller_params_are_not_changed():
    data = items(4)
    caller = {'domain_id': 'd1'}
    rest = FakeRest(marker_server(data, keystone))
    list_all(rest, '/projects', 'projects', params=caller, limit=2)
    assert caller == {'domain_id': 'd1'}


def test_key_links_rel_next():
    data = items(5, 's')
    rest = FakeRest(marker_server(data, nova))
    assert list_all(rest, '/servers/detail', 'servers', params={'all_tenants': 1}, limit=2) == (data, True)
    assert [q.get('marker') for q in rest.queries] == [None, 's01', 's03']
    assert all(q['all_tenants'] in (1, '1') for q in rest.queries)


def test_glance_next():
    data = items(5, 'i')
    rest = FakeRest(marker_server(data, glance, default_limit=2))
    assert list_all(rest, '/v2/images', 'images') == (data, True)
    assert [q.get('marker') for q in rest.queries] == [None, 'i01', 'i03']


def test_next_link_without_marker_pages_from_the_last_id():
    pages = {None: items(2, 'a'), 'a01': items(2, 'b')}

    def handler(query):
        page = pages[query.get('marker')]
        body = {'groups': page, 'links': {'next': None}}
        if query.get('marker') is None:
            body['links']['next'] = 'https://k:5000/v3/groups?page=2'
        return body
    rest = FakeRest(handler)
    assert list_all(rest, '/groups', 'groups') == (items(2, 'a') + items(2, 'b'), True)
    assert rest.queries[1] == {'page': '2', 'marker': 'a01'}


def test_server_ignoring_the_marker_is_an_incomplete_listing_without_duplicates():
    # What lies beyond the repeated page is unknown: refused, or partial with partial_ok.
    data = items(3)
    rest = FakeRest(lambda q: keystone(data, data[-1]['id'], 3))
    with pytest.raises(IncompleteListing) as err:
        list_all(rest, '/projects', 'projects', limit=3)
    assert err.value.items == data and 'repeated a page' in str(err.value)
    assert len(rest.queries) == 2
    rest = FakeRest(lambda q: keystone(data, data[-1]['id'], 3))
    assert list_all(rest, '/projects', 'projects', limit=3, partial_ok=True) == (data, False)


def test_server_repeating_an_earlier_page_ends_incomplete():
    first, second = items(2, 'a'), items(2, 'b')

    def handler(query):
        # Page 1, page 2, then page 1 again (the marker of page 2 is not understood).
        if query.get('marker') == 'a01':
            return keystone(second, 'b01', 2)
        return keystone(first, 'a01', 2)
    rest = FakeRest(handler)
    listed, complete = list_all(rest, '/projects', 'projects', limit=2, partial_ok=True)
    assert listed == first + second and complete is False
    assert len(rest.queries) == 3


def keystone24(all_items):
    """Keystone 24 (2023.2): ignores ``limit`` and ``marker``, answers every listing in one page,
    ``links.next`` null (measured on the local 2023.2 cloud)."""
    return lambda query: {'projects': list(all_items),
                          'links': {'self': 'http://k:5100/v3/projects', 'next': None, 'previous': None}}


@pytest.mark.parametrize('limit', [None, 3, 7, _rest.KEYSTONE_PAGE_LIMIT])
def test_one_page_that_ignores_limit_is_complete_in_one_request(limit):
    # More items than asked for (limit 3), exactly as many (7) or fewer: one page without a next link
    # is the whole listing; the pager never asks "once more" with a marker (openstacksdk does, and on
    # Keystone 24 gets the same page again and fails with "Endless pagination loop detected").
    data = items(7)
    rest = FakeRest(keystone24(data))
    assert list_all(rest, '/projects', 'projects', limit=limit) == (data, True)
    assert len(rest.queries) == 1 and 'marker' not in rest.queries[0]
    rest = FakeRest(keystone24(data))
    assert list_all(rest, '/projects', 'projects', limit=limit, partial_ok=True) == (data, True)


def test_keystone24_snapshot_listing_is_one_complete_request():
    from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import snapshot
    data = items(30)
    rest = FakeRest(keystone24(data))
    assert snapshot.list_keystone(rest, '/projects', 'projects') == data
    assert rest.queries == [{'limit': _rest.KEYSTONE_PAGE_LIMIT}]


def test_truncated_raises_incomplete_listing_with_the_items():
    data = items(4)
    rest = FakeRest(lambda q: {'projects': data, 'links': {'next': None}, 'truncated': True})
    with pytest.raises(IncompleteListing) as err:
        list_all(rest, '/projects', 'projects')
    assert err.value.items == data
    assert 'truncated' in str(err.value)
    assert '/projects' in str(err.value)


def test_truncated_after_paging_carries_every_page():
    data = items(5)

    def handler(query):
        body = marker_server(data, keystone)(query)
        if body['links']['next'] is None:
            body['truncated'] = True
        return body
    rest = FakeRest(handler)
    with pytest.raises(IncompleteListing) as err:
        list_all(rest, '/projects', 'projects', limit=2)
    assert err.value.items == data


def test_truncated_false_is_complete():
    data = items(2)
    rest = FakeRest(lambda q: {'projects': data, 'truncated': False})
    assert list_all(rest, '/projects', 'projects') == (data, True)


def test_partial_ok_on_truncation():
    data = items(4)
    rest = FakeRest(lambda q: {'projects': data, 'truncated': True})
    assert list_all(rest, '/projects', 'projects', partial_ok=True) == (data, False)


def test_partial_ok_when_a_later_page_fails():
    data = items(6)
    good = marker_server(data, keystone)

    def handler(query):
        if query.get('marker') == 'p03':
            raise ApiError('GET', '/projects', 500, 'page limit exceeded', ambiguous=True)
        return good(query)
    rest = FakeRest(handler)
    assert list_all(rest, '/projects', 'projects', limit=2, partial_ok=True) == (data[:4], False)
    assert len(rest.queries) == 3


def test_later_page_failure_raises_without_partial_ok():
    data = items(6)
    good = marker_server(data, keystone)

    def handler(query):
        if query.get('marker'):
            raise ApiError('GET', '/projects', 500, 'boom', ambiguous=True)
        return good(query)
    rest = FakeRest(handler)
    with pytest.raises(ApiError) as err:
        list_all(rest, '/projects', 'projects', limit=2)
    assert err.value.status == 500


def test_partial_ok_still_raises_when_the_first_page_fails():
    def handler(query):
        raise ApiError('GET', '/quotas', 500, 'boom', ambiguous=True)
    rest = FakeRest(handler)
    with pytest.raises(ApiError) as err:
        list_all(rest, '/quotas', 'quotas', partial_ok=True)
    assert err.value.status == 500
    assert len(rest.queries) == 1


def test_on_request_called_once_per_page_before_it():
    data = items(7)
    events = []
    server = marker_server(data, keystone)

    def handler(query):
        events.append('get')
        return server(query)
    rest = FakeRest(handler)
    list_all(rest, '/projects', 'projects', limit=3, on_request=lambda: events.append('count'))
    assert events == ['count', 'get'] * 3


def test_on_request_counts_a_failing_page():
    calls = []

    def handler(query):
        raise ApiError('GET', '/x', 503, 'down', ambiguous=True)
    with pytest.raises(ApiError):
        list_all(FakeRest(handler), '/x', 'x', on_request=lambda: calls.append(1))
    assert calls == [1]


def test_max_pages_guard(monkeypatch):
    monkeypatch.setattr(_rest, 'MAX_PAGES', 3)
    counter = {'n': 0}

    def endless(query):
        counter['n'] += 1
        page = [{'id': 'x%d' % counter['n']}]
        return {'projects': page, 'links': {'next': '/v3/projects?marker=x%d' % counter['n']}}
    rest = FakeRest(endless)
    with pytest.raises(IncompleteListing) as err:
        list_all(rest, '/projects', 'projects')
    assert len(rest.queries) == 3
    assert err.value.items == [{'id': 'x1'}, {'id': 'x2'}, {'id': 'x3'}]
    assert '3 pages' in str(err.value)


def test_list_all_through_rest_client():
    # The pager against the real client over a fake adapter: one 503 on page 2 is retried.
    page1 = FakeResponse(200, keystone(items(2), 'p01', 2))
    page2 = FakeResponse(200, keystone(items(3)[2:], None, 2))
    rest, adapter, sleeps = client(page1, FakeResponse(503, text='busy'), page2)
    assert list_all(rest, '/projects', 'projects', limit=2) == (items(3), True)
    sent = [{k: str(v) for k, v in c[2]['params'].items()} for c in adapter.calls]
    assert sent == [{'limit': '2'}, {'limit': '2', 'marker': 'p01'}, {'limit': '2', 'marker': 'p01'}]
    assert len(sleeps) == 1


def test_max_pages_with_partial_ok_returns_what_was_listed(monkeypatch):
    monkeypatch.setattr(_rest, 'MAX_PAGES', 2)
    counter = {'n': 0}

    def endless(query):
        counter['n'] += 1
        return {'projects': [{'id': 'x%d' % counter['n']}],
                'links': {'next': '/v3/projects?marker=x%d' % counter['n']}}
    assert list_all(FakeRest(endless), '/projects', 'projects', partial_ok=True) == \
        ([{'id': 'x1'}, {'id': 'x2'}], False)


def test_backoff_has_a_ceiling():
    rest, adapter, sleeps = client(*([FakeResponse(503)] * 12), retries=11, backoff=1.0)
    with pytest.raises(ApiError):
        rest.get('/x')
    assert len(sleeps) == 11 and max(sleeps) <= _rest.MAX_BACKOFF


# ----------------------------------------------------------------------------------------------
# stevedore's entry point cache: one file per interpreter, never one per module run
# ----------------------------------------------------------------------------------------------

class FakeStevedoreCache:
    def __init__(self, disabled):
        self._disable_caching = disabled


def entry_point_cache(monkeypatch, disabled=False):
    from stevedore import _cache
    fake = FakeStevedoreCache(disabled)
    monkeypatch.setattr(_cache, '_c', fake)
    return _rest.EntryPointCache(), fake


def payload_on_sys_path(monkeypatch, tmp_path):
    """A module's sys.path: its payload archive, then a directory; the cache of a fake stevedore."""
    payload = tmp_path / 'payload.zip'
    payload.write_bytes(b'PK')
    monkeypatch.setattr(_rest.EntryPointCache, 'payloads', staticmethod(lambda p: [str(payload)]))
    monkeypatch.setattr('sys.path', [str(payload), str(tmp_path)])
    cache, fake = entry_point_cache(monkeypatch)
    return payload, cache, fake


def test_entry_point_cache_is_off_outside_a_connection(monkeypatch):
    cache, fake = entry_point_cache(monkeypatch)
    assert cache.turned_off and fake._disable_caching is True


def test_entry_point_cache_that_stevedore_turned_off_stays_off(monkeypatch):
    cache, fake = entry_point_cache(monkeypatch, disabled=True)
    assert not cache.turned_off
    with cache.stable():
        assert fake._disable_caching is True
    assert fake._disable_caching is True


def test_the_payload_archive_leaves_sys_path_while_plugins_are_found(monkeypatch, tmp_path):
    payload = tmp_path / 'ansible_keystone_tenant_payload.zip'
    payload.write_bytes(b'PK')
    module_file = str(payload / 'ansible_collections' / 'landingzone' / 'openstack' / 'plugins' / 'module_utils' / '_rest.py')
    other_zip = tmp_path / 'python311.zip'
    other_zip.write_bytes(b'PK')
    # a directory that holds the module (a collection installed into site-packages) stays: it holds distributions
    site = str(tmp_path)
    path = [str(payload), str(other_zip), site, '']
    assert _rest.EntryPointCache.payloads(path, module_file) == [str(payload)]
    monkeypatch.setattr(_rest.EntryPointCache, 'payloads', staticmethod(lambda p: [str(payload)]))
    monkeypatch.setattr('sys.path', list(path))
    cache, fake = entry_point_cache(monkeypatch)
    with cache.stable():
        assert sys.path == [str(other_zip), site, '']
        assert fake._disable_caching is False
    assert sys.path == path
    assert fake._disable_caching is True


def test_sys_path_and_the_cache_are_restored_when_connecting_fails(monkeypatch, tmp_path):
    payload, cache, fake = payload_on_sys_path(monkeypatch, tmp_path)
    with pytest.raises(RuntimeError):
        with cache.stable():
            raise RuntimeError('no cloud')
    assert sys.path == [str(payload), str(tmp_path)] and fake._disable_caching is True


def test_connect_finds_its_plugins_with_the_stable_path(monkeypatch):
    seen = []

    class Stable:
        def __enter__(self):
            seen.append('enter')

        def __exit__(self, *exc):
            seen.append('exit')

    monkeypatch.setattr(_rest.ENTRY_POINT_CACHE, 'stable', Stable)

    def fake_connect(**kwargs):
        seen.append('connect')
        raise RuntimeError('stop here')
    monkeypatch.setattr(openstack, 'connect', fake_connect)
    with pytest.raises(RuntimeError):
        connect({'cloud': 'x', 'api_timeout': 5})
    assert seen == ['enter', 'connect', 'exit']


def test_a_second_connection_waits_and_the_payload_comes_back(monkeypatch, tmp_path):
    payload, cache, fake = payload_on_sys_path(monkeypatch, tmp_path)
    inside = []

    def second():
        with cache.stable():
            inside.append(list(sys.path))
    with cache.stable():
        other = threading.Thread(target=second)
        other.start()
        other.join(0.3)
        assert other.is_alive() and inside == [], 'the second block ran while the first had the payload off sys.path'
    other.join(5)
    assert inside == [[str(tmp_path)]]
    assert sys.path == [str(payload), str(tmp_path)] and fake._disable_caching is True
