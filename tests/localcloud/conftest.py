# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The harness's own tests (test_localcloud_*.py): the local cloud's services really work."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'integration'))
import _fixtures  # noqa: E402 - found through the path set above

clouds_yaml = _fixtures.clouds_yaml
replicator = _fixtures.replicator
metering = _fixtures.metering
unique = _fixtures.unique
