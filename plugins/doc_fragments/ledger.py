# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Where the usage ledger is: the same two options for every module that reads or writes it.
    DOCUMENTATION = r'''
options:
  ledger_path:
    description:
      - SQLite ledger file (a collection creates it, with its directory, when missing).
      - Used when O(ledger_dsn) is not set. When neither is set, E(LZ_LEDGER_DSN) selects
        PostgreSQL, else the default file C(~/.local/share/landingzone/ledger.sqlite).
    type: path
  ledger_dsn:
    description:
      - PostgreSQL ledger, a libpq connection string or URI
        (C(postgresql://user:password@host:5432/ledger)). Needs psycopg 3 on the host running
        the module. Never logged.
    type: str
'''
