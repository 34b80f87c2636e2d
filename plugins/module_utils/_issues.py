# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors the user can fix: problems in what a user wrote (the inventory, the price catalog, the
budgets), each with its path, and the errors that carry them. ``LandingZoneModule.run`` turns each
into a failure (docs/architecture.md, "Errors")."""


class UserError(Exception):
    """An error whose message is the failure: the input, a file or the ledger is not as it must be.

    ``prefix`` opens the failure message; a subclass with ``errors`` (ValidationIssues) returns them.
    """

    prefix = ''


class ValidationIssue:
    """One validation error: where in the inventory (``path``) and what is wrong."""

    def __init__(self, path, message):
        self.path = path
        self.message = message

    def __str__(self):
        return '%s: %s' % (self.path, self.message) if self.path else self.message

    def __repr__(self):
        return 'ValidationIssue(%r, %r)' % (self.path, self.message)

    def __eq__(self, other):
        return isinstance(other, ValidationIssue) and (self.path, self.message) == (other.path, other.message)

    def __hash__(self):
        return hash((self.path, self.message))

    def to_dict(self):
        return {'path': self.path, 'message': self.message}


def unique(errors):
    """``errors`` without repeats, in first-seen order."""
    return list(dict.fromkeys(errors))


class IssuesError(UserError, ValueError):
    """Input is invalid; ``errors`` holds every ValidationIssue, all listed in the message."""

    what = 'input'

    def __init__(self, errors):
        self.errors = list(errors)
        lines = ['%s is invalid (%d error%s):' % (self.what, len(self.errors), '' if len(self.errors) == 1 else 's')]
        lines.extend('- %s' % e for e in self.errors)
        super().__init__('\n'.join(lines))


class InventoryError(IssuesError):
    """The inventory is invalid."""

    what = 'inventory'
    prefix = 'invalid inventory: '
