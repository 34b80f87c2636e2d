# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Importing this module makes ``ansible_collections.landingzone.openstack`` importable (helpers/collection.py).

pytest does that already through tests/conftest.py; this file stays for the scripts that import
``conftest`` with tests/unit on sys.path (bench/*.py, a subprocess in test_ledger.py).
"""

import os
import sys

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from helpers.collection import make_importable  # noqa: E402 - tests/ is on sys.path from here on

make_importable()
