# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guard rails of replicate.yml (issue 24), against the local cloud's real Keystone:

- blast-radius limits: an inventory that lost its workspaces, run with prune, is refused before the first write (in
  check mode too), as is a plan that removes more than lz_max_deletions; the projects stay as they were;
- connection failures fail fast and say where to look: a wrong cloud name, a clouds.yaml that is not YAML, an
  auth_url that is a live web service but not Keystone, and a Keystone that accepts connections and never answers
  (one api_timeout for the whole run, measured), each named as such, the later steps not connecting again;
- reports are never lost: a refused run writes beside the last good <platform>.json, which keeps its bytes (a run of
  one workspace, valid and invalid: test_onboarding.py).
"""

import http.server
import json
import os
import socket
import threading
import time

import pytest
import yaml

from helpers.keystone import PLAYBOOK, ZONES, replicate, workspace
from helpers.playbook import run_playbook

FAIL_TASK = 'Fail the platform visibly when a step or a tenant failed'
TENANTS_TASK = 'Replicate tenants'
ACCESS_TASK = 'Replicate access'
REPORT_TASK = 'Write the replication report'
# api_timeout of the hung-endpoint run
HUNG_TIMEOUT = 10


def reports(workdir):
    return os.path.join(workdir, 'reports')


def read(path):
    with open(path) as handle:
        return handle.read()


def test_blast_radius_limits_refuse_before_the_first_write_and_keep_the_last_good_report(
        keystone, platform, unique, tmp_path):
    ws = 'g%s' % unique
    projects = [{'identifier': ident, 'name': ident.upper()} for ident in ('a', 'b', 'c')]
    workdir = str(tmp_path)
    run = replicate(platform, [workspace(ws, projects)], workdir=workdir, replicate_quotas=False)
    assert run.rc == 0, run.stdout[-3000:]
    good_path = os.path.join(reports(workdir), '%s.json' % platform)
    good = read(good_path)
    assert len(keystone.projects(ws)) == 3

    # the inventory lost its workspaces: prune would remove every managed project of the platform
    plan = replicate(platform, [], workdir=workdir, check=True, replicate_prune=True, replicate_quotas=False)
    assert plan.rc != 0
    refusal = plan[TENANTS_TASK]['msg']
    assert refusal.startswith('refusing to write: the plan disables or deletes all 3 managed project(s) of platform '
                              '%s (3 of them orphans' % platform), refusal
    assert 'lz_allow_empty_inventory: true on host %s' % platform in refusal
    markdown = read(os.path.join(reports(workdir), '%s.plan.md' % platform))
    assert '**Failure**: tenants step failed: refusing to write' in markdown, markdown

    real = replicate(platform, [], workdir=workdir, replicate_prune=True, replicate_quotas=False)
    assert real.rc != 0 and real[TENANTS_TASK]['msg'] == refusal
    assert real[ACCESS_TASK]['requests'] == {'total': 0}, 'a refused plan ends the later steps before they connect'
    assert real[TENANTS_TASK]['requests']['by_method'].keys() == {'GET', 'POST'}   # token, listings: no write
    assert [p.is_enabled for p in keystone.projects(ws)] == [True, True, True]
    assert real[REPORT_TASK]['path'] == os.path.join(reports(workdir), '%s.failed.json' % platform)
    assert read(good_path) == good, 'a failed run must not replace the last good report'

    # two orphans with prune, over a bound of one: refused, naming how many and the variable
    kept = [workspace(ws, projects[:1])]
    bounded = replicate(platform, kept, workdir=workdir, replicate_prune=True, replicate_quotas=False,
                        lz_max_deletions=1)
    assert bounded.rc != 0
    assert 'disables or deletes 2 managed project(s) of platform %s (2 orphan(s), 0 in state deleted), more than ' \
           'max_deletions 1' % platform in bounded[TENANTS_TASK]['msg'], bounded[TENANTS_TASK]['msg']
    assert 'raise lz_max_deletions of host %s to 2 or more' % platform in bounded[TENANTS_TASK]['msg']
    assert len(keystone.projects(ws)) == 3 and read(good_path) == good

    # raised explicitly, the same prune goes through
    allowed = replicate(platform, kept, workdir=workdir, replicate_prune=True, replicate_quotas=False,
                        lz_max_deletions=2)
    assert allowed.rc == 0, allowed.stdout[-3000:]
    assert [p.name for p in keystone.projects(ws) if p.is_enabled] == ['%s-a' % ws]
    assert json.loads(read(good_path))['summary']['orphans_removed'] == 2
    failed_path = os.path.join(reports(workdir), '%s.failed.json' % platform)
    assert allowed[REPORT_TASK]['cleared_failure'] == failed_path, 'the good run clears the refused runs\' report'
    assert not os.path.exists(failed_path)


class Hung:
    """A TCP port that accepts connections and never answers (a hung Keystone)."""

    def __enter__(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.accepted = 0
        self.stop = False
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self):
        while not self.stop:
            try:
                self.held.append(self.sock.accept()[0])
                self.accepted += 1
            except OSError:
                return

    def __exit__(self, *exc):
        self.stop = True
        self.sock.close()
        for conn in self.held:
            conn.close()


class Page(http.server.BaseHTTPRequestHandler):
    """A live web service that is not Keystone: a page for GET, 501 for POST (BaseHTTPRequestHandler's own)."""

    def do_GET(self):  # noqa: N802 - the http.server name
        body = b'<html><body>intranet</body></html>'
        self.send_response(200)
        self.send_header('Content-Type', 'text/html')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoints():
    web = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Page)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    with Hung() as hung:
        yield dict(web=web.server_address[1], hung=hung)
    web.shutdown()
    web.server_close()


def cloud_entry(port):
    return {'auth': {'auth_url': 'http://127.0.0.1:%d/v3' % port, 'username': 'replicator', 'password': 'not-shown',
                     'project_name': 'admin', 'user_domain_name': 'Default', 'project_domain_name': 'Default'},
            'identity_api_version': 3}


def test_connection_failures_fail_fast_and_say_where_to_look(platform, unique, tmp_path, endpoints):
    """One run, three platforms: a wrong cloud name, a web page for an auth_url, a Keystone that never answers; then
    a clouds.yaml that is not YAML."""
    clouds = str(tmp_path / 'clouds.yaml')
    with open(clouds, 'w') as handle:
        yaml.safe_dump({'clouds': {'web': cloud_entry(endpoints['web']), 'hung': cloud_entry(endpoints['hung'].port)}},
                       handle)
    inventory = [workspace('c%s' % unique, [{'identifier': 'web', 'name': 'Web'}])]
    hosts = {'%s-name' % platform: 'no-such-cloud', '%s-web' % platform: 'web', '%s-hung' % platform: 'hung'}
    workdir = str(tmp_path / 'run')
    os.makedirs(workdir)
    started = time.monotonic()
    run = run_playbook(playbook=PLAYBOOK, workdir=workdir, env={'OS_CLIENT_CONFIG_FILE': clouds, 'ANSIBLE_FORKS': '3'},
                       group_vars=dict(landing_zones=ZONES, workspaces=inventory, replicate_api_timeout=HUNG_TIMEOUT,
                                       lz_report_dir=os.path.join(workdir, 'reports')),
                       hosts=dict((host, {'lz_cloud': cloud}) for host, cloud in hosts.items()))
    # a figure for the record (docs/replication.md), not a test: the machine's load decides it
    print('replicate of three platforms, one a Keystone that never answers (api_timeout %d s): %.1f s'
          % (HUNG_TIMEOUT, time.monotonic() - started))
    assert run.rc != 0
    messages = dict((host, run.host(host)[TENANTS_TASK]['msg']) for host in hosts)
    # one try for the whole run (version discovery, then the token request keystoneauth sends when discovery timed
    # out): no retry of a timeout, no later step connecting again (before: 5 tries in each of 3 steps)
    assert 1 <= endpoints['hung'].accepted <= 2, (endpoints['hung'].accepted, messages)
    for host, cloud in hosts.items():
        assert messages[host].startswith('cannot connect to platform %s: ' % host), messages[host]
        assert messages[host].endswith("The cloud ('%s') is lz_cloud of host %s." % (cloud, host)), messages[host]
        assert 'clouds.yaml read: %s (clouds there: hung, web)' % clouds in messages[host], messages[host]
        assert 'not-shown' not in run.stdout + run.stderr
        # the later steps did not connect again; the platform failed naming the tenants step's reason
        assert run.host(host)[ACCESS_TASK]['requests'] == {'total': 0}
        assert 'tenants step failed: cannot connect to platform %s' % host in run.host(host)[FAIL_TASK]['msg']
    assert "cloud 'no-such-cloud' is not in the clouds.yaml read" in messages['%s-name' % platform]
    assert 'the auth_url http://127.0.0.1:%d/v3 answered, but not as a Keystone identity API' % endpoints['web'] \
        in messages['%s-web' % platform]
    assert 'the identity endpoint http://127.0.0.1:%d/v3 did not answer within api_timeout (%d s)' \
        % (endpoints['hung'].port, HUNG_TIMEOUT) in messages['%s-hung' % platform]

    # a clouds.yaml that is not YAML is named as such (openstacksdk skips it, then finds no cloud)
    with open(clouds, 'w') as handle:
        handle.write('clouds:\n  replicator:\n    auth: {password: "not-shown\n')
    broken = replicate(platform, inventory, workdir=str(tmp_path), env={'OS_CLIENT_CONFIG_FILE': clouds})
    message = broken[TENANTS_TASK]['msg']
    assert broken.rc != 0 and '%s is not YAML (line 4, column 1), so openstacksdk skipped it' % clouds in message, \
        message
    assert 'not-shown' not in message
