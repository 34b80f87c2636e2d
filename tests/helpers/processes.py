# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Processes of a run, from /proc: what a test kills to stand for a crash, and whether it is gone."""

import os
import signal


def parent(pid):
    """The parent process id of ``pid`` (None when it is gone)."""
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return int(handle.read().rsplit(')', 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def command_line(pid):
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as handle:
            return handle.read().replace(b'\0', b' ').decode('utf-8', 'replace')
    except OSError:
        return ''


def descendants(pid):
    """Every process below ``pid`` (from /proc): Ansible's workers call setsid(), so a process group
    kill misses the module that is writing."""
    children = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            children.setdefault(parent(int(entry)), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def kill_tree(pid):
    """Stop the whole tree first (so nothing forks or writes while it is listed), then kill it."""
    tree = [pid] + descendants(pid)
    for each in tree:
        try:
            os.kill(each, signal.SIGSTOP)
        except ProcessLookupError:
            pass
    tree = [pid] + descendants(pid)   # what forked before the stop arrived
    for each in tree:
        try:
            os.kill(each, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return tree
