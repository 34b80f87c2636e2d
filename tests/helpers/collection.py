# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.landingzone.openstack`` importable from a plain checkout.

ansible-test runs from ``.../ansible_collections/landingzone/openstack`` already; for
``python3 -m pytest tests/unit`` from the repository root, we build a temporary
``<tmp>/ansible_collections/landingzone/openstack`` symlink to the checkout and put
``<tmp>`` first on sys.path. ``ansible_collections`` and ``landingzone`` are plain
namespace packages (no ``__init__.py``), which is what Ansible's loader expects too.
"""

import hashlib
import os
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collection_root():
    parts = REPO_ROOT.split(os.sep)
    if len(parts) >= 3 and parts[-3] == 'ansible_collections':
        return os.sep.join(parts[:-3])
    return None


def make_importable():
    root = _collection_root()
    if root is None:
        # one root per checkout: git worktrees of the same user must not flip each other's link
        checkout = hashlib.sha1(os.path.realpath(REPO_ROOT).encode()).hexdigest()[:8]
        root = os.path.join(tempfile.gettempdir(), 'lz-openstack-collections-%d-%s' % (os.getuid(), checkout))
        namespace = os.path.join(root, 'ansible_collections', 'landingzone')
        link = os.path.join(namespace, 'openstack')
        os.makedirs(namespace, exist_ok=True)
        if os.path.islink(link) and os.path.realpath(link) != os.path.realpath(REPO_ROOT):
            os.unlink(link)
        if not os.path.lexists(link):
            try:
                os.symlink(REPO_ROOT, link)
            except FileExistsError:  # another pytest worker won the race
                pass
    if root not in sys.path:
        sys.path.insert(0, root)
