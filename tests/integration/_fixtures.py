# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kept for bench/meter.py, which imports ``all_projects`` from here with tests/integration on sys.path;
the tests use tests/helpers/cloud.py."""

import os
import sys

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

from helpers.cloud import all_projects  # noqa: E402,F401 pylint: disable=unused-import
