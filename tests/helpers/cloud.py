# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local real OpenStack the cloud tests target: its clouds.yaml, release, connections, ledger server."""

import json
import os
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def clouds_yaml():
    path = os.environ.get('OS_CLIENT_CONFIG_FILE')
    if not path:
        out = subprocess.check_output([sys.executable, os.path.join(REPO_ROOT, 'tests', 'localcloud',
                                                                    'localcloud.py'), 'env'], text=True)
        path = out.strip().split('=', 1)[1]
        os.environ['OS_CLIENT_CONFIG_FILE'] = path
    return path


def instance():
    """The local cloud instance the tests target: <dir of OS_CLIENT_CONFIG_FILE>/localcloud.json, written by
    `localcloud.py up` (release, state dir, ports). A clouds.yaml without it is a 2026.2 cloud at the default
    ports (written before releases existed)."""
    state = os.path.dirname(os.path.abspath(clouds_yaml()))
    try:
        with open(os.path.join(state, 'localcloud.json')) as fh:
            return json.load(fh)
    except (IOError, ValueError):
        return dict(release='2026.2', state=state, ports=dict(keystone=5000), venv=os.path.join(state, 'venv'))


def release_at_least(release):
    """The targeted cloud runs OpenStack `release` or later (release series 'YYYY.N')."""
    have = tuple(int(x) for x in instance()['release'].split('.'))
    return have >= tuple(int(x) for x in release.split('.'))


def all_projects(conn, **query):
    """Every Keystone project (openstacksdk ``Project`` objects), whatever the release's paging.

    Keystone 2024.2 and later page at ``max_db_limit`` and give a next link only when asked with
    ``limit``; Keystone 24 (2023.2) ignores ``limit`` and ``marker`` and answers in one page, on
    which ``conn.identity.projects(limit=N)`` asks for the same page again and openstacksdk aborts
    with "Endless pagination loop detected". So: ask with a large ``limit``, follow next links,
    stop at a page without one, and fail on a page seen before (never loop, never cut short).
    """
    from urllib.parse import parse_qsl, urlsplit
    from openstack.identity.v3.project import Project
    params = dict(query, limit=100000)
    out, seen = [], set()
    while True:
        resp = conn.identity.get('/projects', params=params)
        resp.raise_for_status()
        body = resp.json()
        page = body.get('projects') or []
        ids = tuple(p['id'] for p in page)
        assert not ids or ids not in seen, 'Keystone repeated a page of projects: %r' % (params,)
        seen.add(ids)
        out.extend(Project.existing(connection=conn, **p) for p in page)
        nxt = (body.get('links') or {}).get('next')
        if not nxt or not page:
            return out
        params = dict(parse_qsl(urlsplit(nxt).query, keep_blank_values=True))


def connect(name):
    """An openstacksdk connection to cloud ``name`` of the local cloud's clouds.yaml."""
    import openstack
    return openstack.connect(cloud=name)


def ledger_dsn():
    """The local cloud's PostgreSQL server (LZ_LEDGER_DSN, or the DSN services/postgresql.py wrote)."""
    dsn = os.environ.get('LZ_LEDGER_DSN')
    if not dsn:
        state = os.environ.get('LOCALCLOUD_STATE_DIR') or instance()['state']
        with open(os.path.join(state, 'ledger.dsn')) as fh:
            dsn = fh.read().strip()
    return dsn
