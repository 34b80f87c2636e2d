# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    # Connection options: one client per module run, shared by all items of the call.
    DOCUMENTATION = r'''
options:
  cloud:
    description:
      - Name of the cloud in C(clouds.yaml) (found through E(OS_CLIENT_CONFIG_FILE) or the usual
        openstacksdk locations).
      - Or, as C(openstack.cloud) takes it, a dict of connection settings (C(auth), C(region_name),
        C(verify), ...) passed to openstacksdk; then O(auth), O(auth_type), O(region_name),
        O(validate_certs), O(ca_cert) and a non-default O(interface) must not be given beside it.
        The values of its C(password), C(token), C(secret) keys are never logged nor returned.
      - When neither O(cloud) nor O(auth) is given, openstacksdk reads E(OS_CLOUD) or the E(OS_*)
        environment variables.
    type: raw
  auth:
    description:
      - Authentication parameters (C(auth_url), C(username), C(password), C(project_name),
        C(user_domain_name), C(project_domain_name), ...) when not using O(cloud).
      - Never logged nor returned.
    type: dict
  auth_type:
    description:
      - Keystone authentication plugin, for example C(password) or C(v3applicationcredential).
    type: str
  region_name:
    description:
      - Region of the endpoints to use.
    type: str
  interface:
    description:
      - Endpoint interface from the service catalog.
    type: str
    default: public
    choices: [public, internal, admin]
    aliases: [endpoint_type]
  validate_certs:
    description:
      - Whether to verify TLS certificates. Default from C(clouds.yaml), else V(true).
    type: bool
    aliases: [verify]
  ca_cert:
    description:
      - Path to a CA bundle to verify TLS certificates with.
    type: str
    aliases: [cacert]
  api_timeout:
    description:
      - Seconds to wait for one API request before it counts as failed (and, where safe, retried).
    type: int
    default: 30
  retries:
    description:
      - How many times a request that failed with a connection error, a timeout or a 5xx status
        is retried. Only idempotent requests are retried blindly; a create is retried only after a
        lookup showed that the failed attempt did not create the resource.
    type: int
    default: 4
  max_workers:
    description:
      - Size of the worker pool that applies independent changes in parallel.
    type: int
    default: 8
requirements:
  - python >= 3.10
  - openstacksdk >= 4.0.0
'''
