# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Blast-radius limits of the tenants step, pure (docs/replication.md, "Blast-radius limits").

An inventory that lost its contents (a vars plugin not enabled, a wrapper that changed directory, a bad merge)
looks like a long list of orphans or deletions. Before the first write the plan is checked: it may disable or
delete at most ``max_deletions`` managed projects, and never every managed project of the platform by pruning
(the inventory then names none of them) unless the inventory says it is meant to be empty.
"""

from dataclasses import dataclass

from ansible_collections.landingzone.openstack.plugins.module_utils._issues import UserError
from ansible_collections.landingzone.openstack.plugins.module_utils._keystone.plan import ActionKind
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import carries

# Ten projects: more than a team removes in one change of its workspace file, few enough that a lost inventory
# on a platform of any size is stopped before it writes.
DEFAULT_MAX_DELETIONS = 10
# Writes after which a project is gone for its users: disabled, purged or deleted.
REMOVALS = frozenset([ActionKind.DISABLE_PROJECT, ActionKind.PURGE_PROJECT, ActionKind.DELETE_PROJECT])
# Labels named in a refusal before the count of the others.
SHOWN = 5


class BlastRadiusExceeded(UserError):
    """The plan disables or deletes more managed projects than the inventory allows: nothing is written."""

    prefix = 'refusing to write: '


@dataclass(frozen=True)
class Removals:
    """The managed projects a plan disables, purges or deletes (labels), how many of them are orphans, and how
    many managed projects the platform holds."""

    labels: tuple
    orphans: int
    managed: int

    @property
    def everything(self):
        """True when the plan removes every managed project of the platform and prunes at least one orphan."""
        return self.managed > 0 and len(self.labels) >= self.managed and self.orphans > 0

    def named(self):
        shown = ', '.join(self.labels[:SHOWN])
        more = len(self.labels) - SHOWN
        return shown + (' and %d more' % more if more > 0 else '')


def removals(projects, actions, orphan_keys, marker_tags):
    """``Removals`` of a plan: ``projects`` the snapshot's, ``orphan_keys`` the keys of the orphans' rows."""
    removed = {}
    for action in actions:
        if action.kind in REMOVALS and action.target is not None:
            removed.setdefault(action.target, (action.label, action.tenant_key in orphan_keys))
    managed = [p for p in projects if carries(p, marker_tags)]
    return Removals(labels=tuple(sorted(label for label, _orphan in removed.values())),
                    orphans=sum(1 for _label, orphan in removed.values() if orphan), managed=len(managed))


def check_removals(found, platform, max_deletions, allow_empty_inventory):
    """Raise ``BlastRadiusExceeded`` (how many, which, why, the variable to change) when ``found`` exceeds a limit."""
    count = len(found.labels)
    if found.everything and not allow_empty_inventory:
        raise BlastRadiusExceeded(
            'the plan disables or deletes all %d managed project(s) of platform %s (%d of them orphans: the '
            'inventory names none of them any more): %s. An inventory that lost its workspaces looks like this '
            '(an ansible.cfg not read, a wrong -i). If the inventory is meant to be empty for this platform, set '
            'lz_allow_empty_inventory: true on host %s (option allow_empty_inventory).'
            % (found.managed, platform, found.orphans, found.named(), platform))
    if count > max_deletions:
        raise BlastRadiusExceeded(
            'the plan disables or deletes %d managed project(s) of platform %s (%d orphan(s), %d in state deleted), '
            'more than max_deletions %d: %s. If that is intended, raise lz_max_deletions of host %s to %d or more '
            '(for one run: -e replicate_max_deletions=%d).'
            % (count, platform, found.orphans, count - found.orphans, max_deletions, found.named(), platform, count,
               count))


def check_max_deletions(value, platform):
    """The limit itself: a count of projects, 0 or more."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UserError('max_deletions of platform %s must be a whole number of projects, 0 or more (lz_max_deletions '
                        'of host %s), not %r' % (platform, platform, value))
