# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inventory values every validator describes or reads the same way: a value's kind in a message, a date
(bindings' and quota approvals' ``expires``). Pure; used by validate.py and quota_approval.py."""

import datetime

from ansible_collections.landingzone.openstack.plugins.module_utils._issues import ValidationIssue
from ansible_collections.landingzone.openstack.plugins.module_utils._time import TimeError
from ansible_collections.landingzone.openstack.plugins.module_utils._time import parse as parse_time


def type_name(value):
    """The kind of ``value`` as a message names it (``a mapping``, ``null``)."""
    return {dict: 'a mapping', list: 'a list', str: 'a string', bool: 'a boolean',
            int: 'an integer', float: 'a number', type(None): 'null'}.get(type(value), type(value).__name__)


def date_value(value, path, errors):
    """An inventory date (``YYYY-MM-DD``, or an ISO-8601 time), UTC -> aware datetime; None and an issue at
    ``path`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (str, datetime.date)):
        errors.append(ValidationIssue(path, 'must be a date (YYYY-MM-DD, UTC), got %s' % type_name(value)))
        return None
    try:
        return parse_time(value)
    except TimeError:
        errors.append(ValidationIssue(path, '%r is not a date (YYYY-MM-DD, UTC)' % (value,)))
        return None
