# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit trail's pure parts (docs/audit.md): what is a write, what an entry of one holds, the thread-local
description the apply steps give, the ledger's append-only table and its migration, the export."""

import csv
import io
import json
import threading
import uuid

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _rest
from ansible_collections.landingzone.openstack.plugins.module_utils._issues import UserError
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import apply as keystone_apply
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.plan import Action, ActionKind, Result
from ansible_collections.landingzone.openstack.plugins.module_utils._ledger import audit, runner, store
from ansible_collections.landingzone.openstack.plugins.module_utils._quota import apply as quota_apply
from ansible_collections.landingzone.openstack.plugins.module_utils._quota.plan import Result as QuotaResult, Write

PID = '0123456789abcdef0123456789abcdef'
GID = 'abcdefabcdefabcdefabcdefabcdefab'


class Response:
    """What a requests response hook gets: the request, the status, the answer."""

    def __init__(self, method, url, status=200, body=None):
        self.request = type('PreparedRequest', (), {'method': method, 'url': url})()
        self.status_code = status
        self._body = body

    def json(self):
        if self._body is None:
            raise ValueError('no JSON')
        return self._body


@pytest.mark.parametrize('method,url,write', [
    ('GET', 'http://k:5000/v3/projects', False),
    ('HEAD', 'http://k:5000/v3/projects/%s/groups/%s/roles/r' % (PID, GID), False),
    ('OPTIONS', 'http://k:5000/v3', False),
    ('POST', 'http://k:5000/v3/auth/tokens', False),
    ('POST', 'http://k/identity/v3/auth/tokens/', False),
    ('POST', 'http://k:5000/v3/projects', True),
    ('PUT', 'http://n:8774/v2.1/os-quota-sets/%s' % PID, True),
    ('PATCH', 'http://k:5000/v3/projects/%s' % PID, True),
    ('DELETE', 'http://k:5000/v3/groups/%s' % GID, True),
])
def test_a_write_is_every_request_but_reads_and_authentication(method, url, write):
    assert _rest.is_write(method, url) is write


def test_the_counter_hands_each_write_to_the_log_with_what_the_apply_step_said():
    counter = _rest.RequestCounter()
    log = audit.WriteLog('run-1', 'north', 'keystone_tenant', 'abc123',
                         endpoints=[('http://k:5000/v3', 'identity'), ('http://k:5000/v3/special', 'other')])
    counter.write_log = log
    counter.hook(Response('POST', 'http://k:5000/v3/auth/tokens', 201, {'token': {'id': 'secret-token'}}))
    counter.hook(Response('GET', 'http://k:5000/v3/projects'))
    with audit.describe('create_project', 'shop/web', 'shop-web', None, {'name': 'shop-web'}):
        counter.hook(Response('POST', 'http://k:5000/v3/projects?x=1', 201,
                              {'project': {'id': PID, 'name': 'shop-web', 'lz_applied': 'x'}}))
    counter.hook(Response('DELETE', 'http://n:9696/v2.0/quotas/%s' % PID, 404))
    assert counter.as_dict()['writes'] == 2 == len(log.entries)
    first, second = [e.as_dict() for e in log.entries]
    assert first == dict(run_id='run-1', seq=1, at=first['at'], platform='north', workspace='shop', project='web',
                         module='keystone_tenant', operation='create_project', method='POST', service='identity',
                         path='/v3/projects', resource_id=PID, target='shop-web', before=None,
                         after={'name': 'shop-web'}, status=201, outcome='ok', inventory_revision='abc123')
    # outside a describe block: the method, the host:port the counter groups by, the id of the path
    assert (second['operation'], second['service'], second['resource_id'], second['outcome'], second['workspace']) \
        == ('delete', 'n:9696', PID, 'error', None)
    assert 'secret-token' not in json.dumps([e.as_dict() for e in log.entries])


def test_describe_is_per_thread_and_nests():
    seen = {}
    with audit.describe('outer', 'a/b'):
        with audit.describe('inner', 'a/c'):
            seen['inner'] = audit.current()['operation']
        seen['outer'] = audit.current()['operation']
        worker = threading.Thread(target=lambda: seen.setdefault('thread', audit.current()))
        worker.start()
        worker.join()
    assert seen == dict(inner='inner', outer='outer', thread=None) and audit.current() is None


def test_ids_names_and_services_of_a_write():
    assert audit.resource_id_of('/v3/projects/%s/groups/%s/roles/r' % (PID, GID)) == PID
    assert audit.resource_id_of('/v3/groups/%s/users/alice' % GID) == GID
    assert audit.resource_id_of('/v2.1/os-quota-sets/8d3f6b2e-1a2b-4c3d-9e8f-001122334455') \
        == '8d3f6b2e-1a2b-4c3d-9e8f-001122334455'
    assert audit.resource_id_of('/v3/registered_limits') is None
    assert audit.created_of({'group': {'id': 'g', 'name': 'n', 'description': 'd'}}) == ('g', 'n')
    assert audit.created_of({'limits': [{'id': 'l1'}, {'id': 'l2'}]}) == ('l1,l2', None)
    assert audit.created_of(None) == (None, None) and audit.created_of({'a': 1, 'b': 2}) == (None, None)
    assert audit.split_tenant('shop/web') == ('shop', 'web') and audit.split_tenant('shop') == ('shop', None)
    assert audit.split_tenant(None) == (None, None)
    log = audit.WriteLog('r', 'p', 'm', endpoints=[('http://h/identity', 'identity'), ('http://h/compute/v2.1', 'compute')])
    assert log.service_of('http://h/compute/v2.1/os-quota-sets/x') == 'compute'
    assert log.service_of('http://h/identity/v3/projects') == 'identity'
    assert log.service_of('http://h/image/v2') is None


def test_the_summary_shows_the_count_and_the_first_entries():
    log = audit.WriteLog('r', 'p', 'openstack_quota')
    for n in range(3):
        with audit.describe('set_quota', 'w/p%d' % n):
            log.record('PUT', 'http://n/v2.1/os-quota-sets/%s' % PID, 200, 'n')
    summary = log.summary(ledger='sqlite /x', shown=2)
    assert (summary['count'], summary['operations'], summary['truncated'], len(summary['entries'])) \
        == (3, {'set_quota': 3}, True, 2)
    assert [e['seq'] for e in summary['entries']] == [1, 2]


def test_keystone_apply_describes_each_action():
    log = audit.WriteLog('r', 'p', 'keystone_group_binding')

    def write(ctx, method, path):
        log.record(method, 'http://k:5000/v3' + path, 204, 'k:5000')
    res = Result('shop/web', 'shop-web')
    res.before = {'name': 'old', 'enabled': True}
    actions = [Action(1, 'shop/web', ActionKind.UPDATE_PROJECT, 'shop-web', op='w',
                      args=dict(method='PATCH', path='/projects/%s' % PID)),
               Action(2, 'shop/web', ActionKind.ADD_MEMBER, 'shop-web-admin', op='w',
                      args=dict(method='PUT', path='/groups/%s/users/u' % GID))]
    keystone_apply.apply(keystone_apply.ApplyContext(None, None), actions, [res], operations=dict(w=write))
    assert [(e.operation, e.workspace, e.project, e.target) for e in log.entries] == [
        ('update_project', 'shop', 'web', 'shop-web'), ('add_member', 'shop', 'web', 'shop-web-admin')]
    patch = Action(1, 'shop/web', ActionKind.UPDATE_PROJECT, 'x', args=dict(body={'name': 'new', 'tags': ['t']}))
    assert keystone_apply.audit_change(patch, res) == ({'name': 'old'}, {'name': 'new', 'tags': ['t']})
    res.after = {'name': 'new'}
    assert keystone_apply.audit_change(Action(1, 'shop/web', ActionKind.CREATE_PROJECT, 'x'), res) \
        == (None, {'name': 'new'})
    assert keystone_apply.audit_change(Action(1, 'shop/web', ActionKind.DELETE_PROJECT, 'x'), res) \
        == ({'name': 'old', 'enabled': True}, None)
    assert keystone_apply.audit_change(Action(1, 'shop/web', ActionKind.GRANT, 'x'), res) == (None, None)


def test_quota_apply_describes_each_put_with_the_values_before_and_after():
    log = audit.WriteLog('r', 'p', 'openstack_quota')

    class Client:
        def request(self, method, path, **kwargs):
            log.record(method, 'http://n:8774/v2.1' + path, 200, 'n:8774')

    write = Write('compute', 'shop/web', PID, {'cores': 7}, before={'cores': 20})
    quota_apply.apply({'compute': Client()}, [write], [QuotaResult('shop/web', 'shop-web')], max_workers=2)
    entry = log.entries[0]
    assert (entry.operation, entry.project, entry.before, entry.after, entry.resource_id) \
        == ('set_quota', 'web', {'compute.cores': 20}, {'compute.cores': 7}, PID)


# ------------------------------------------------------------------------------------ storage and export

def entries(run_id='r1', platform='north', workspace='shop', at='2026-11-02T10:00:00Z', n=2):
    return [dict(audit.Entry(run_id=run_id, seq=i + 1, at=store.ts(at), platform=platform, workspace=workspace,
                             project='web', module='keystone_tenant', operation='update_project', method='PATCH',
                             service='identity', path='/v3/projects/%s' % PID, resource_id=PID, target='shop-web',
                             before={'name': 'a'}, after={'name': 'b, "c"'}, status=200, outcome='ok',
                             inventory_revision=None).as_dict()) for i in range(n)]


def test_the_migration_adds_the_audit_log_to_an_older_ledger(tmp_path):
    path = str(tmp_path / 'l.sqlite')
    with store.open_ledger(path, migrate=False) as ledger:
        assert ledger.migrate(target=3) == [1, 2, 3]
    with store.open_ledger(path) as ledger:
        assert ledger.schema_version() == store.SCHEMA_VERSION == 4
        assert ledger.audit() == []


def test_the_log_is_appended_once_and_read_by_window_and_filter(tmp_path):
    with store.open_ledger(str(tmp_path / 'l.sqlite')) as ledger:
        assert ledger.record_audit(entries()) == 2
        ledger.record_audit(entries())   # the same run again: kept as it was
        ledger.record_audit(entries('r2', 'south', 'bank', '2026-11-20T10:00:00Z', 1))
        assert ledger.record_audit([]) == 0
        assert [(e['run_id'], e['seq']) for e in ledger.audit()] == [('r1', 1), ('r1', 2), ('r2', 1)]
        assert ledger.audit()[0] == entries()[0]
        assert len(ledger.audit(start='2026-11-10', end='2026-12-01')) == 1
        assert len(ledger.audit(end='2026-11-02T10:00:00Z')) == 0   # the end is exclusive
        assert [e['run_id'] for e in ledger.audit(platform='north')] == ['r1', 'r1']
        assert [e['run_id'] for e in ledger.audit(workspace='bank')] == ['r2']
        assert len(ledger.audit(run_id='r1')) == 2


def test_the_export_writes_json_lines_or_csv_once(tmp_path):
    ledger_path = str(tmp_path / 'l.sqlite')
    with store.open_ledger(ledger_path) as ledger:
        ledger.record_audit(entries())
    params = dict(ledger_path=ledger_path, ledger_dsn=None, start='2026-11-01', end='2026-12-01', platform=None,
                  workspace='shop', run_id=None, format='jsonl', path=None)
    shown = runner.export(params)
    assert (shown['count'], shown['runs'], shown['entries']) == (2, ['r1'], entries())
    out = str(tmp_path / 'out' / 'a.jsonl')
    assert runner.export(dict(params, path=out), check_mode=True)['changed'] is True
    with pytest.raises(FileNotFoundError):
        open(out)
    assert runner.export(dict(params, path=out))['changed'] is True
    assert runner.export(dict(params, path=out))['changed'] is False
    with open(out) as handle:
        assert [json.loads(line) for line in handle] == entries()
    text = audit.to_csv(entries())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(audit.COLUMNS)
    assert json.loads(rows[0]['after']) == {'name': 'b, "c"'} and rows[0]['inventory_revision'] == ''


@pytest.mark.parametrize('change,message', [
    (dict(start='yesterday'), 'start: not an ISO-8601 time'),
    (dict(start='2026-12-01', end='2026-11-01'), 'must be before end'),
    (dict(ledger_path='/nonexistent/%s.sqlite' % uuid.uuid4().hex), 'no ledger at /nonexistent/'),
])
def test_the_export_refuses_with_the_option_to_fix(change, message, tmp_path):
    params = dict(ledger_path=str(tmp_path / 'l.sqlite'), ledger_dsn=None, start=None, end=None, platform=None,
                  workspace=None, run_id=None, format='jsonl', path=None)
    with pytest.raises(UserError) as err:
        runner.export(dict(params, **change))
    assert message in str(err.value)


def test_every_member_of_the_ledger_group_takes_the_ledger_options():
    """module_defaults for group/landingzone.openstack.ledger hands ledger_path / ledger_dsn to each member."""
    import os
    import yaml
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
    with open(os.path.join(root, 'meta', 'runtime.yml')) as handle:
        members = yaml.safe_load(handle)['action_groups']['ledger']
    assert {'keystone_tenant', 'keystone_group_binding', 'openstack_quota', 'openstack_audit_export'} <= set(members)
    for member in members:
        with open(os.path.join(root, 'plugins', 'modules', member + '.py')) as handle:
            text = handle.read()
        assert '  - landingzone.openstack.ledger\n' in text, member   # documented
        # taken: the LEDGER options directly, or with the audit trail (PlatformModule(audit=...))
        assert 'ledger=True' in text or "audit='%s'" % member in text, member


def test_a_write_without_an_answer_is_recorded_as_such():
    """A POST that timed out may have landed (the lookup that follows adopts it without a write of its own): the
    audit trail records it, with no status; a read that timed out is no write."""
    from keystoneauth1 import exceptions as ksa_exc
    counter = _rest.RequestCounter()
    counter.write_log = log = audit.WriteLog('r', 'p', 'keystone_tenant')

    class Adapter:
        service_type = 'identity'
        session = type('KsaSession', (), {'session': type('RequestsSession', (), {'lz_counter': counter})()})()

        def request(self, url, method, **kwargs):
            raise ksa_exc.ConnectTimeout('no answer')
    rest = _rest.RestClient(Adapter(), retries=1, sleep=lambda s: None)
    with audit.describe('create_project', 'shop/web', 'shop-web'):
        with pytest.raises(_rest.ApiError) as err:
            rest.request('POST', '/projects', json={'project': {}})
    assert err.value.ambiguous
    with pytest.raises(_rest.ApiError):
        rest.get('/projects')
    assert [(e.operation, e.method, e.path, e.status, e.outcome, e.service, e.project) for e in log.entries] \
        == [('create_project', 'POST', '/projects', None, 'no_answer', 'identity', 'web')]
    assert counter.as_dict() == dict(total=0, by_method={}, by_service={}, writes=0, unanswered_writes=1)


def test_a_connection_whose_library_sends_from_its_own_threads_writes_as_the_action_that_made_it():
    """The purge: openstacksdk's project cleanup deletes from threads of its own; the counter installed on its
    connection with the action's description records them as that action's."""
    counter = _rest.RequestCounter()
    counter.write_log = log = audit.WriteLog('r', 'p', 'keystone_tenant')
    conn = type('Conn', (), {})()
    conn.session = type('KsaSession', (), {})()
    conn.session.session = type('RequestsSession', (), {'hooks': {}})()
    with audit.describe('purge_project', 'shop/old', 'shop-old'):
        counter.install(conn, about=audit.current())
    [hook] = conn.session.session.hooks['response']
    worker = threading.Thread(target=hook, args=(Response('DELETE', 'http://n:8774/v2.1/servers/%s' % PID, 204),))
    worker.start()
    worker.join()
    assert [(e.operation, e.project, e.target, e.resource_id) for e in log.entries] == [
        ('purge_project', 'old', 'shop-old', PID)]


@pytest.mark.parametrize('check_mode', [False, True])
def test_a_module_that_fails_midway_keeps_the_writes_it_made(check_mode, tmp_path, monkeypatch, capsys):
    """keystone_tenant writes once, then a request fails: the failed task shows the write and the ledger holds it.
    In check mode nothing is recorded and no ledger is opened."""
    from ansible.module_utils.testing import patch_module_args
    from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import runner as keystone_runner
    from ansible_collections.landingzone.openstack.plugins.modules import keystone_tenant
    counter = _rest.RequestCounter()
    monkeypatch.setattr(_rest, 'connect', lambda params: (type('Conn', (), {'identity': None})(), counter))

    def replicate(*args, **kwargs):
        with audit.describe('create_project', 'shop/web', 'shop-web'):
            counter.hook(Response('POST', 'http://k:5000/v3/projects', 201, {'project': {'id': PID}}))
        raise _rest.ApiError('POST', '/groups', 409, 'Conflict')
    monkeypatch.setattr(keystone_runner, 'replicate_tenants', replicate)
    ledger = str(tmp_path / 'l.sqlite')
    args = dict(platform='local', landing_zones={'default': {}}, cloud='x', ledger_path=ledger,
                inventory_revision='c0ffee', workspaces=[{'identifier': 'shop', 'projects': [{'identifier': 'web'}]}])
    if check_mode:
        args['_ansible_check_mode'] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            keystone_tenant.main()
    result = json.loads(capsys.readouterr().out)
    assert result['failed'] and 'POST /groups' in result['msg']
    if check_mode:
        import os
        assert 'audit' not in result and not os.path.exists(ledger)
        return
    assert result['audit']['count'] == 1 and result['audit']['ledger'] == 'sqlite %s' % ledger
    with store.open_ledger(ledger) as opened:
        [entry] = opened.audit()
    assert entry == result['audit']['entries'][0]
    assert (entry['operation'], entry['resource_id'], entry['inventory_revision']) == ('create_project', PID, 'c0ffee')
