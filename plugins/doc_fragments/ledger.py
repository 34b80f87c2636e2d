# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    # Where the usage ledger is: the same two options for every module that reads or writes it
    # (plugins/module_utils/_argspec.py LEDGER).
    DOCUMENTATION = r'''
options:
  ledger_path:
    description:
      - SQLite ledger file (a collection creates it, with its directory, when missing).
      - Used only when O(ledger_dsn) is not set (neither as option nor as E(LZ_LEDGER_DSN)); when
        neither is set, the default file C(~/.local/share/landingzone/ledger.sqlite).
    type: path
  ledger_dsn:
    description:
      - PostgreSQL ledger, a libpq connection string or URI
        (C(postgresql://user:password@host:5432/ledger)). Needs psycopg 3 on the host running
        the module. Never logged.
      - When not set, the environment variable E(LZ_LEDGER_DSN) of the module, if set.
      - A DSN, given or from E(LZ_LEDGER_DSN), wins over O(ledger_path).
    type: str
'''
