# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The status file of a long step (_progress.py): what the replicate role's polling loop prints."""

import json
import os

import pytest

from ansible_collections.landingzone.openstack.plugins.module_utils import _progress
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import apply as ks_apply
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone import plan as ks_plan
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.snapshot import Snapshot
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import ApiError


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def read(path):
    with open(path) as handle:
        return json.load(handle)


def test_phases_counts_and_line(tmp_path):
    path = str(tmp_path / 'access.progress.json')
    clock = Clock()
    progress = _progress.Progress(path, 'access', clock=clock)
    progress.enter(_progress.Phase.READ)
    assert read(path) == dict(step='access', phase='read', done=0, total=None, failed_tenants=0, elapsed=0,
                              finished=False, line='access step: reading Keystone, 0 s', pid=os.getpid())
    clock.now += 12
    progress.enter(_progress.Phase.APPLY, total=40)
    for dummy in range(7):
        progress.advance(failed_tenants=2)
    clock.now += 1
    progress.advance(failed_tenants=3)
    status = read(path)
    assert (status['phase'], status['done'], status['total'], status['failed_tenants']) == ('apply', 8, 40, 3)
    assert status['line'] == 'access step: writing, 8 of 40 writes, 3 tenant(s) failed so far, 13 s'
    progress.finish()
    status = read(path)
    assert status['finished'] is True and status['phase'] == 'finished'


def test_writes_at_most_once_a_second(tmp_path):
    path = str(tmp_path / 'p.json')
    clock = Clock()
    progress = _progress.Progress(path, 'tenants', clock=clock)
    progress.enter(_progress.Phase.APPLY, total=1000)
    writes = []
    real = _progress.atomic_write

    def counting(*args, **kwargs):
        writes.append(args[0])
        return real(*args, **kwargs)
    _progress.atomic_write = counting
    try:
        for dummy in range(500):
            progress.advance()
        clock.now += 1.0
        progress.advance()
    finally:
        _progress.atomic_write = real
    assert len(writes) == 1
    assert read(path)['done'] == 501


def test_the_file_is_replaced_whole_and_keeps_no_temporary(tmp_path):
    path = str(tmp_path / 'p.json')
    progress = _progress.Progress(path, 'access', every=0)
    progress.enter(_progress.Phase.APPLY, total=3)
    for dummy in range(3):
        progress.advance()
    assert os.listdir(str(tmp_path)) == ['p.json']
    assert read(path)['done'] == 3


def test_the_first_write_fails_naming_the_file_later_ones_do_not_stop_the_step(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('x')
    progress = _progress.Progress(str(blocker / 'p.json'), 'access')
    with pytest.raises(OSError):
        progress.enter(_progress.Phase.VALIDATE)
    path = tmp_path / 'dir'
    progress = _progress.Progress(str(path / 'p.json'), 'access', every=0)
    progress.enter(_progress.Phase.READ)
    os.unlink(str(path / 'p.json'))
    os.rmdir(str(path))
    path.write_text('now a file')   # the directory is gone: later writes fail quietly
    progress.enter(_progress.Phase.APPLY, total=1)
    progress.advance()
    progress.finish()


class Module:
    def __init__(self, path):
        self.params = dict(progress_file=path)


def test_progress_of_without_a_file_writes_nothing(tmp_path):
    progress = _progress.progress_of(Module(None), 'access')
    progress.enter(_progress.Phase.APPLY, total=2, failed=1)
    progress.advance(1)
    progress.finish()
    assert os.listdir(str(tmp_path)) == []


def test_progress_of_writes_the_first_phase_and_finishes_at_exit(tmp_path, monkeypatch):
    registered = []
    monkeypatch.setattr(_progress.atexit, 'register', registered.append)
    path = str(tmp_path / 'p.json')
    progress = _progress.progress_of(Module(path), 'tenants')
    assert read(path)['phase'] == 'validate'
    assert registered == [progress.finish]
    registered[0]()
    assert read(path)['finished'] is True


def test_apply_counts_every_action_and_the_failed_tenants(tmp_path):
    path = str(tmp_path / 'p.json')
    progress = _progress.Progress(path, 'access', every=0)

    def fail(ctx):
        raise ApiError('POST', '/groups', 500, 'boom')
    operations = dict(fail=fail, record=lambda ctx, name: None)
    actions = [ks_plan.Action(ks_plan.PHASE_PROJECT, 'a', ks_plan.ActionKind.CREATE_PROJECT, 'a', op='fail'),
               ks_plan.Action(ks_plan.PHASE_GROUP, 'a', ks_plan.ActionKind.CREATE_GROUP, 'a', op='record',
                              args=dict(name='a')),
               ks_plan.Action(ks_plan.PHASE_GROUP, 'b', ks_plan.ActionKind.CREATE_GROUP, 'b', op='record',
                              args=dict(name='b'))]
    progress.enter(_progress.Phase.APPLY, total=len(actions), failed=2)   # two failed by the plan already
    ks_apply.apply(ks_apply.ApplyContext(None, Snapshot()), actions, [ks_plan.Result('a', 'a'), ks_plan.Result('b', 'b')],
                   max_workers=2, operations=operations, progress=progress)
    status = read(path)
    # the skipped action of the failed tenant counts as done: the count reaches the total
    assert (status['done'], status['total'], status['failed_tenants']) == (3, 3, 3)


def test_no_progress_takes_every_call_progress_takes():
    import inspect
    for name in ('enter', 'advance', 'finish'):
        assert inspect.signature(getattr(_progress.NoProgress, name)) == inspect.signature(getattr(_progress.Progress, name)), name
