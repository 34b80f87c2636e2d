# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A failed connection says where to look (issue 24): the clouds.yaml files read, the cloud names found there and
never their contents, the kind of failure, the variable and host to fix."""

import pytest
from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc

from ansible_collections.landingzone.openstack.plugins.module_utils import _clouds, _rest

SECRET = 's3cret-pw'


def clouds_yaml(tmp_path, text, monkeypatch):
    path = tmp_path / 'clouds.yaml'
    path.write_text(text)
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', str(path))
    monkeypatch.setattr(_clouds.loader, 'CONFIG_FILES', [])
    return str(path)


def auth_failure(cause):
    try:
        try:
            raise cause
        except Exception as exc:
            raise _rest.AuthFailed('http://user:%s@keystone.test:5000/v3' % SECRET, 30) from exc
    except _rest.AuthFailed as failed:
        return failed


def test_a_missing_cloud_names_the_file_and_the_clouds_there_never_their_contents(tmp_path, monkeypatch):
    path = clouds_yaml(tmp_path, 'clouds:\n  admin:\n    auth: {password: %s}\n  metering: {}\n' % SECRET, monkeypatch)
    msg = _clouds.connect_failure(sdk_exc.ConfigException('Cloud replicator was not found.'), 'fra1', 'replicator',
                                  'lz_cloud')
    assert msg == ("cannot connect to platform fra1: cloud 'replicator' is not in the clouds.yaml read. clouds.yaml "
                   "read: %s (clouds there: admin, metering). The cloud ('replicator') is lz_cloud of host fra1."
                   % path)


def test_a_clouds_yaml_that_is_not_yaml_is_named_as_such(tmp_path, monkeypatch):
    path = clouds_yaml(tmp_path, 'clouds:\n  admin:\n    auth: {password: "%s\n  b: [\n' % SECRET, monkeypatch)
    msg = _clouds.connect_failure(sdk_exc.ConfigException('Cloud replicator was not found.'), 'fra1', 'replicator',
                                  'lz_cloud')
    assert '%s is not YAML (line 5, column 1), so openstacksdk skipped it; no other clouds.yaml was found.' % path \
        in msg, msg
    assert SECRET not in msg


def test_no_clouds_yaml_names_where_openstacksdk_looks(tmp_path, monkeypatch):
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', str(tmp_path / 'nowhere.yaml'))
    monkeypatch.setattr(_clouds.loader, 'CONFIG_FILES', [str(tmp_path / 'etc' / 'clouds.yaml')])
    msg = _clouds.connect_failure(sdk_exc.ConfigException('Cloud x was not found.'), 'fra1', 'x', 'lz_metering_cloud')
    assert 'no clouds.yaml was found (OS_CLIENT_CONFIG_FILE=%s does not exist)' % (tmp_path / 'nowhere.yaml') in msg
    assert msg.endswith("The cloud ('x') is lz_metering_cloud of host fra1.")


@pytest.mark.parametrize('cause, expected', [
    (_rest.NoAnswer('no answer within api_timeout (30 s)'),
     'the identity endpoint http://keystone.test:5000/v3 did not answer within api_timeout (30 s)'),
    (ksa_exc.ConnectTimeout('timed out'), 'did not answer within api_timeout (30 s)'),
    (ksa_exc.ConnectFailure('refused'), 'nothing answers at the identity endpoint http://keystone.test:5000/v3'),
    (ksa_exc.InvalidResponse('Invalid response from server.'),
     'the auth_url http://keystone.test:5000/v3 answered, but not as a Keystone identity API (InvalidResponse'),
    (ksa_exc.DiscoveryFailure('Cannot use v2 authentication with domain scope'), 'not as a Keystone identity API'),
    (ksa_exc.HttpNotImplemented(), 'not as a Keystone identity API (HttpNotImplemented'),
])
def test_each_kind_of_failure_is_named_and_the_url_loses_its_user_information(cause, expected, tmp_path, monkeypatch):
    clouds_yaml(tmp_path, 'clouds:\n  replicator: {}\n', monkeypatch)
    msg = _clouds.connect_failure(auth_failure(cause), 'fra1', 'replicator', 'lz_cloud')
    assert expected in msg, msg
    assert SECRET not in msg and 'user:' not in msg


def test_a_wrong_password_keeps_keystones_own_words(tmp_path, monkeypatch):
    clouds_yaml(tmp_path, 'clouds:\n  replicator: {}\n', monkeypatch)
    msg = _clouds.connect_failure(auth_failure(ksa_exc.Unauthorized('The request you have made requires '
                                                                    'authentication. (HTTP 401)')),
                                  'fra1', 'replicator', 'lz_cloud')
    assert 'Unauthorized: The request you have made requires authentication. (HTTP 401)' in msg
