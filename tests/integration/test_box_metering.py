# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""From the box: the metering account set up as README step 3 and docs/metering.md say (issue 25, point 1).

The installed tarball, a scratch directory and a HOME of its own: the admin project id with the
`openstack` command the docs give, the playbook `landingzone.openstack.metering_policy` on the host
where the services are installed (here the local cloud's virtualenv: `metering_policy_python`), then
`landingzone.openstack.metering_check` with the example inventory.

Installing the files: the local cloud writes its own policies with the same shipped generator
(tests/localcloud/shipped_policy.py), so the files the user's run wrote must equal, rule for rule,
the ones the services run with - the test asserts that (it does not write into the shared cloud's
configuration) and then that the check passes against that cloud. `release_matrix`: on 2023.2 the
generator takes Neutron's other method from the installed defaults (`context_is_advsvc`).
3 runs (~40 s of which the check ~25 s).
"""

import os

import pytest
import yaml

from helpers import box as boxlib
from helpers import cloud

pytestmark = pytest.mark.release_matrix

SERVICES = ('nova', 'cinder', 'octavia', 'glance', 'neutron')


@pytest.fixture(scope='module')
def setup(box, tmp_path_factory):
    root = str(tmp_path_factory.mktemp('metering'))
    home, work = os.path.join(root, 'home'), os.path.join(root, 'work')
    os.makedirs(work)
    boxlib.copy_tree(os.path.join(box.installed, 'examples', 'inventory'), os.path.join(work, 'inventory'))
    token = box.run(['openstack', '--os-cloud', 'metering', 'token', 'issue', '-f', 'value', '-c', 'project_id'], work, home)
    assert token.rc == 0, token.tail()
    project_id = token.stdout.strip()
    python = os.path.join(cloud.instance()['venv'], 'bin', 'python')
    policy = box.run(['ansible-playbook', 'landingzone.openstack.metering_policy', '-e', 'metering_admin_project_id=%s' % project_id,
                      '-e', 'metering_policy_python=%s' % python], work, home)
    check = box.run(['ansible-playbook', 'landingzone.openstack.metering_check', '-i', 'inventory/'], work, home)
    return dict(work=work, project_id=project_id, policy=policy, check=check)


def test_metering_policy_writes_the_files_the_cloud_runs_with(setup):
    run = setup['policy']
    assert run.rc == 0, run.tail()
    state = cloud.instance()['state']
    for service in SERVICES:
        with open(os.path.join(setup['work'], 'metering-policy', '%s-policy.yaml' % service)) as fh:
            written = yaml.safe_load(fh)
        with open(os.path.join(state, 'etc', service, 'policy.yaml')) as fh:
            active = yaml.safe_load(fh)
        assert written == active, service
        assert any(setup['project_id'] in check for check in written.values()), service
    method = 'context_with_global_access' if cloud.release_at_least('2024.1') else 'context_is_advsvc'
    with open(os.path.join(setup['work'], 'metering-policy', 'neutron-policy.yaml')) as fh:
        assert method in fh.readline()


def test_metering_check_passes_with_the_shipped_files(setup):
    run = setup['check']
    assert run.rc == 0, run.tail()
    [line] = [m for m in run.shown('Show the result', 'local') if m.startswith('local: ')]
    assert line == 'local: ok: the metering reader sees every project and every resource the admin sees, and cannot write', line
