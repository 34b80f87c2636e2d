# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit-test stand-ins for the quota code: a model Tenant with a given quota, a Keystone that records
its limit requests, a registered limit."""

import threading

from ansible_collections.landingzone.openstack.plugins.module_utils._inventory.model import Tenant
from ansible_collections.landingzone.openstack.plugins.module_utils._ownership import marker_tags
from ansible_collections.landingzone.openstack.plugins.module_utils._rest import ApiError


def tq(quota, below='remark', key='shop/web', platform='local'):
    """A model Tenant whose effective quota is ``quota``."""
    ws, proj = key.split('/')
    return Tenant(platform=platform, workspace=ws, project=proj, workspace_name=ws, project_name=proj,
                  landing_zone='default', path='workspaces[0].projects[0]', key=key, name='%s-%s' % (ws, proj),
                  domain_name='Default', domain_id='default', domain_managed=False, description='',
                  tags=marker_tags(ws, proj, platform), groups=[], state='present', enabled=True,
                  delete_allowed=False, quota_size=None, quota_size_values={}, quota_values={},
                  quota_overrides=dict(quota), quota_below_usage=below)


class FakeKeystone:
    """GET listings and the writes of /v3/limits, recorded."""

    def __init__(self, registered, limits, fail_post=False):
        self.registered = registered
        self.limits = limits
        self.fail_post = fail_post
        self.calls = []
        self.lock = threading.Lock()

    def get(self, path, params=None, missing_ok=False):
        with self.lock:
            self.calls.append(('GET', path))
        return {'/services': {'services': [{'id': 'nova-id', 'type': 'compute'}, {'id': 'glance-id', 'type': 'image'},
                                           {'id': 'cinder-id', 'type': 'block-storage'}]},
                '/registered_limits': {'registered_limits': self.registered},
                '/limits': {'limits': self.limits}}[path]

    def request(self, method, path, json=None, params=None, ok=None, missing_ok=False):
        with self.lock:
            self.calls.append((method, path, json))
        if method == 'POST' and self.fail_post:
            raise ApiError(method, path, 409, 'Duplicate entry')
        return {}


def reg(sid, name, default, region='RegionOne'):
    return {'id': 'r-%s' % name, 'service_id': sid, 'region_id': region, 'resource_name': name,
            'default_limit': default}
