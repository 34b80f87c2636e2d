# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress of a long step (docs/scale.md, "Progress"). Ansible gives a running module no channel
to the controller: a module the replicate role runs with ``async`` writes its phase and counts to
a status file (atomically, at most once a ``every`` seconds), and the role's follow task
(landingzone.openstack.follow_step) prints the file's ``line`` until the job has finished."""

import atexit
import enum
import json
import os
import threading
import time

from ansible_collections.landingzone.openstack.plugins.module_utils._files import atomic_write


class Phase(str, enum.Enum):
    VALIDATE = 'validating the inventory'
    READ = 'reading Keystone'
    PLAN = 'planning'
    APPLY = 'writing'
    FINISHED = 'finished'


class Progress:
    """The status file of one step. ``step``: its name (tenants, access). Thread-safe: the apply
    threads call ``advance``. Moved into place with os.replace, not the module's atomic_move, which
    would end the module with fail_json from the exit handler."""

    def __init__(self, path, step, every=1.0, clock=time.monotonic):
        self.path = path
        self.step = step
        self.first = True
        self.every = every
        self.clock = clock
        self.started = clock()
        self.phase = None
        self.done = 0
        self.total = None
        self.failed = 0
        self.failed_before = 0   # tenants failed before the phase's writes (a plan-time collision)
        self.written_at = None
        self.lock = threading.Lock()

    def enter(self, phase, total=None, failed=None):
        """Start ``phase`` (of ``total`` writes, ``failed`` tenants failed already); written at once."""
        with self.lock:
            self.phase, self.total, self.done = Phase(phase), total, 0
            if failed is not None:
                self.failed = self.failed_before = failed
            self._write()

    def advance(self, failed_tenants=None):
        """One more write done; ``failed_tenants``: how many tenants the writes failed so far. Written
        when ``every`` seconds passed since the last write."""
        with self.lock:
            self.done += 1
            if failed_tenants is not None:
                self.failed = self.failed_before + failed_tenants
            if self.clock() - self.written_at >= self.every:
                self._write()

    def finish(self):
        """The step ended (also when it failed): the role's wait ends here."""
        with self.lock:
            if self.phase != Phase.FINISHED:
                self.phase = Phase.FINISHED
                self._write()

    def status(self):
        """The status file's content: the counts and the line the role prints."""
        elapsed = int(self.clock() - self.started)
        parts = ['%s step: %s' % (self.step, self.phase.value)]
        if self.phase == Phase.APPLY and self.total is not None:
            parts.append('%d of %d writes' % (self.done, self.total))
        if self.failed:
            parts.append('%d tenant(s) failed so far' % self.failed)
        parts.append('%d s' % elapsed)
        # pid: the follow task tells a step whose process is gone from one that still runs
        return dict(step=self.step, phase=self.phase.name.lower(), done=self.done, total=self.total,
                    failed_tenants=self.failed, elapsed=elapsed, finished=self.phase == Phase.FINISHED,
                    line=', '.join(parts), pid=os.getpid())

    def _write(self):
        self.written_at = self.clock()
        try:
            atomic_write(self.path, json.dumps(self.status(), sort_keys=True) + '\n')
        except OSError:
            # the first write (before any request) fails the module naming the file; later ones are
            # only progress: a full disk must not stop a half-applied plan
            if self.first:
                raise
        self.first = False


class NoProgress:
    """No status file (``progress_file`` not given): every call does nothing."""

    def enter(self, phase, total=None, failed=None):
        pass

    def advance(self, failed_tenants=None):
        pass

    def finish(self):
        pass


def progress_of(module, step):
    """The module's Progress (its option ``progress_file``), NoProgress without it. The file says
    ``finished`` when the module process ends, whichever way (exit_json, fail_json, a traceback)."""
    path = module.params.get('progress_file')
    if not path:
        return NoProgress()
    progress = Progress(path, step)
    progress.enter(Phase.VALIDATE)
    atexit.register(progress.finish)
    return progress
