# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write schemas/workspace.schema.json from the collection's validator (_inventory/schema.py), and its
copy in the example repository (examples/repository/schemas/), which the example workspace files' modeline
names relatively, so that it still resolves once a team copies that repository.

    ANSIBLE_COLLECTIONS_PATH=build/collections .venv/bin/python schemas/generate.py

tests/unit/plugins/module_utils/test_workspace_schema.py fails when the file is not this output.
"""

import json
import os
import sys


def rendered():
    from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.schema import workspace_schema
    return json.dumps(workspace_schema(), indent=2, sort_keys=True) + '\n'


def main():
    for root in os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep):
        if root and root not in sys.path:
            sys.path.insert(0, root)
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (os.path.join(here, 'workspace.schema.json'),
                 os.path.join(here, '..', 'examples', 'repository', 'schemas', 'workspace.schema.json')):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as handle:
            handle.write(rendered())
        print(os.path.normpath(path))


if __name__ == '__main__':
    main()
