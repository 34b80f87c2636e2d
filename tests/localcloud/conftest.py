# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The harness's own tests (test_localcloud_*.py): the local cloud's services really work."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'integration'))
from _fixtures import clouds_yaml, metering, replicator, unique  # noqa: E402,F401 - pytest fixtures
