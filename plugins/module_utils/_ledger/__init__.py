# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The usage ledger, storage only (``store``): what metering collected, read back by chargeback.

Standard library (and psycopg 3 for PostgreSQL, imported only when used); no cloud, no module.
"""
