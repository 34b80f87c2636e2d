# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sharding one platform's workspaces over N hosts (AWX job slicing), pure.

A workspace belongs to one shard, by a hash of its identifier: the assignment depends on nothing
but the identifier and the shard count, so it is the same in every slice, every run and on every
controller, and a workspace added or removed moves no other. A workspace is the unit because
what tenants of one workspace share (its per-workspace domain) must be written by one shard.
Shard 0 also holds the platform-wide part: orphans, prune and the registered limits, decided
against the whole inventory (docs/scale.md, "Sharding for AWX").
"""

import hashlib
from dataclasses import dataclass

from ansible_collections.landingzone.openstack.plugins.module_utils._issues import InventoryError, ValidationIssue

MAX_SHARDS = 256


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (0 <= index < count)."""

    index: int
    count: int

    @property
    def platform_wide(self):
        """The shard that decides orphans, prune and the platform's registered limits."""
        return self.index == 0

    def holds(self, workspace):
        return shard_of(workspace, self.count) == self.index

    def __str__(self):
        return '%d/%d' % (self.index, self.count)


def shard_of(workspace, count):
    """The shard index of a workspace identifier: sha256, first 8 bytes, modulo ``count``."""
    digest = hashlib.sha256(workspace.encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'big') % count


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def shard_problems(value, path='shard'):
    """Why ``value`` (the module option ``shard``: {} or {index, count}) is not a shard, as issues."""
    if value in (None, {}):
        return []
    if not isinstance(value, dict):
        return [ValidationIssue(path, 'must be a mapping {index, count}, not %s' % type(value).__name__)]
    issues = [ValidationIssue('%s.%s' % (path, key), 'unknown key (expected index, count)')
              for key in sorted(set(value) - {'index', 'count'})]
    count, index = value.get('count'), value.get('index')
    if not _whole(count) or not 1 <= count <= MAX_SHARDS:
        issues.append(ValidationIssue(path + '.count', 'must be a whole number from 1 to %d (host variable '
                                      'lz_shards), not %r' % (MAX_SHARDS, count)))
    elif not _whole(index) or not 0 <= index < count:
        issues.append(ValidationIssue(path + '.index', 'must be a whole number from 0 to %d (host variable '
                                      'lz_shard), not %r' % (count - 1, index)))
    return issues


def parse_shard(value):
    """The Shard of the option ``shard`` (None: not sharded); InventoryError naming the key."""
    issues = shard_problems(value)
    if issues:
        raise InventoryError(issues)
    if value in (None, {}):
        return None
    return Shard(value['index'], value['count'])


def _by_platform(hosts):
    found = {}
    for host in hosts:
        if host.get('shards') is not None:
            found.setdefault(host['platform'], []).append(host)
    return found


def layout_problems(hosts, sliced=False):
    """The shard layout of the hosts this run sees, as issues naming the hosts.

    ``hosts``: [{host, platform, shard, shards}] (the role builds it from every host of the play's
    group). Per sharded platform: one shard count, each index on exactly one host. A missing index
    would leave its workspaces silently unreplicated, so it is an error unless the run is
    ``sliced`` (an AWX slice sees only its own hosts: the unsliced check run finds it).
    """
    issues = []
    for platform, group in sorted(_by_platform(hosts).items()):
        counts = sorted(set(repr(h['shards']) for h in group))
        if len(counts) > 1:
            issues.append(ValidationIssue('hosts of platform %s' % platform, 'lz_shards differs between hosts (%s): '
                                          'give every shard host of a platform the same count' % ', '.join(counts)))
            continue
        taken = {}
        for host in group:
            problems = shard_problems(dict(index=host.get('shard'), count=host['shards']), 'host %s' % host['host'])
            issues.extend(problems)
            if not problems:
                taken.setdefault(host['shard'], []).append(host['host'])
        for index, names in sorted(taken.items()):
            if len(names) > 1:
                issues.append(ValidationIssue('hosts %s' % ', '.join(sorted(names)), 'hold the same shard %d of '
                                              'platform %s (lz_shard): each shard on one host' % (index, platform)))
        count = group[0]['shards']
        missing = [i for i in range(count) if i not in taken] if _whole(count) and not sliced else []
        if missing:
            issues.append(ValidationIssue('hosts of platform %s' % platform, 'no host holds shard(s) %s of %d: their '
                                          'workspaces would not be replicated; add a host with lz_platform: %s and '
                                          'lz_shard: <index> (or set lz_sliced: true in a sliced AWX job)'
                                          % (', '.join(str(i) for i in missing), count, platform)))
    return issues
