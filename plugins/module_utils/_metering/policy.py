# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The metering account's policy overrides, per service (docs/metering.md, "The metering account").

The services' default policies let a reader see its own project only. These overrides widen
**reads only** for readers of the operators' project (the metering account); every write keeps
its rule, which ``openstack_metering_check`` proves on the cloud. Nova, Cinder and Octavia need
fixed rules. Glance and Neutron need rules generated from the installed service's own defaults
(``<service>.policies.list_rules()``, what ``oslopolicy-sample-generator`` prints): every default
rule that references the widened rule is pinned back to what it meant, so that a rule added by a
later release is never widened by accident. Neutron's method depends on the release: with
``context_with_global_access`` (neutron-lib of 2024.1 and later) three rules; without it
(2023.2) the service-role switch ``context_is_advsvc`` with every rule referencing it pinned.

Pure: ``overrides(service, admin_project_id, defaults)`` -> {rule: check string} and
``policy_text``; ``installed_defaults``. Standard library only: the local test cloud loads this
file by its path to write its own policies (tests/localcloud/services), so CI runs what ships.
"""

import json

SERVICES = ('nova', 'cinder', 'octavia', 'glance', 'neutron')
# the module of each service whose list_rules() gives its default rules (services generated from them)
DEFAULT_RULES_MODULE = {'glance': 'glance.policies', 'neutron': 'neutron.conf.policies'}
# which service's policy decides what the reader sees of each metered kind
SERVICE_OF_KIND = {'servers': 'nova', 'volumes': 'cinder', 'snapshots': 'cinder', 'floating_ips': 'neutron',
                   'routers': 'neutron', 'load_balancers': 'octavia', 'images': 'glance', 'projects': 'keystone'}
GLANCE_READS = ('get_images', 'get_image')
NEUTRON_READS = ('get_router', 'get_floatingip')
DUMP = 'import json; from %s import list_rules; print(json.dumps({r.name: r.check_str for r in list_rules()}))'


class PolicyError(ValueError):
    """A service's defaults cannot be read or do not hold what the overrides build on."""


def fix(kind):
    """What lets the metering reader see ``kind`` (a finding's hint), or None."""
    service = SERVICE_OF_KIND.get(kind)
    if service == 'keystone':
        return 'the system-scoped reader role: openstack role add --system all --user <metering user> reader'
    if service is None:
        return None
    return ('%s, written by the playbook landingzone.openstack.metering_policy, installed as the %s policy_file'
            % (file_name(service), service))


def file_name(service):
    return '%s-policy.yaml' % service


def nova(admin):
    return {
        'metering_reader': 'role:reader and project_id:%s' % admin,
        # GET /servers(/detail)?all_tenants=1, also with changes-since (the deleted servers)
        'os_compute_api:servers:index:get_all_tenants': 'rule:context_is_admin or rule:metering_reader',
        'os_compute_api:servers:detail:get_all_tenants': 'rule:context_is_admin or rule:metering_reader',
        'os_compute_api:os-simple-tenant-usage:list': 'rule:context_is_admin or rule:metering_reader',
    }


def cinder(admin):
    return {
        # all_tenants listings of volumes and snapshots require context.is_admin (cinder/volume/api.py)
        'context_is_admin': 'role:admin or (role:reader and project_id:%s)' % admin,
        # default "is_admin:True or (role:admin and is_admin_project:True)": is_admin is now also true
        # for the reader, so the admin APIs (reset-status, force-delete, types, quotas) need the role
        'admin_api': 'role:admin',
    }


def octavia(admin):
    # global_observer is referenced by the read rules only (read, read-global, read-quota(-global))
    return {'load-balancer:global_observer': 'role:admin or (role:reader and project_id:%s)' % admin}


def glance(admin, defaults):
    """Glance lists every project's images only when context.is_admin is true, which comes from
    ``context_is_admin``, and every default rule (writes too) references that rule: widen it and pin
    every other rule referencing it to ``role:admin``, except the two reads that list and show."""
    rules = {'glance_admin': 'role:admin',
             'metering_reader': 'role:reader and project_id:%s' % admin,
             'context_is_admin': 'rule:glance_admin or rule:metering_reader'}
    for name, check in sorted(defaults.items()):
        if name in rules or 'rule:context_is_admin' not in check or name in GLANCE_READS:
            continue
        rules[name] = check.replace('rule:context_is_admin', 'rule:glance_admin')
    return rules


def neutron(admin, defaults):
    if 'context_with_global_access' in defaults:
        return neutron_global_access(admin)
    return neutron_advsvc(admin, defaults)


def neutron_global_access(admin):
    """neutron-lib with ``context_with_global_access`` (2024.1 and later). Neutron's own
    ``project_id:`` check takes only ``%(field)s``, so the constant is on the left, matched against
    the target, which for this rule is the caller's credentials."""
    own = '(rule:admin_only) or (role:reader and project_id:%(project_id)s)'
    return {
        'context_with_global_access': "role:reader and '%s':%%(project_id)s" % admin,
        'get_router': '%s or (role:reader and has_global_access:True)' % own,
        'get_floatingip': '%s or (role:reader and has_global_access:True)' % own,
    }


def neutron_advsvc(admin, defaults):
    """2023.2 (neutron-lib 3.8): only the service role (``context_is_advsvc``) lifts the project
    filter, and 21 default rules (port writes among them) reference it: widen it, pin each of them
    to the ``role:advsvc`` it meant, widen the two reads. ``tenant:`` is the caller's project in the
    policy credentials, compared with the literal id (Neutron registers no check for it)."""
    for name in ('context_is_advsvc',) + NEUTRON_READS:
        if name not in defaults:
            raise PolicyError('neutron: the default rule %s is missing from the defaults' % name)
    rules = {'metering_reader': 'role:reader and tenant:%s' % admin,
             'context_is_advsvc': 'role:advsvc or rule:metering_reader'}
    for name, check in sorted(defaults.items()):
        if name in rules or 'rule:context_is_advsvc' not in check:
            continue
        rules[name] = check.replace('rule:context_is_advsvc', 'role:advsvc')
    for name in NEUTRON_READS:
        rules[name] = '(%s) or rule:metering_reader' % rules.get(name, defaults[name])
    return rules


def overrides(service, admin_project_id, defaults=None):
    """{rule: check string} of ``service`` for the metering reader of project ``admin_project_id``;
    Glance and Neutron from ``defaults`` ({rule: default check string} of the installed release)."""
    if not admin_project_id or any(c in admin_project_id for c in ' :()\'"%'):
        raise PolicyError('admin_project_id %r is not a project id' % admin_project_id)
    if service in DEFAULT_RULES_MODULE:
        if not defaults:
            raise PolicyError('%s: its overrides are generated from the installed defaults, none given' % service)
        return dict(glance=glance, neutron=neutron)[service](admin_project_id, defaults)
    return dict(nova=nova, cinder=cinder, octavia=octavia)[service](admin_project_id)


def method(service, defaults):
    if service == 'neutron':
        return 'context_with_global_access' if 'context_with_global_access' in (defaults or {}) else 'context_is_advsvc'
    return 'generated' if service in DEFAULT_RULES_MODULE else 'fixed'


def policy_text(service, rules, origin):
    """The policy.yaml of ``service``: one JSON-quoted line per rule (YAML), under a header."""
    header = ('# %s policy overrides for the metering account (landingzone.openstack.metering_policy, %s).\n'
              '# Widens reads only; install as the file [oslo_policy] policy_file names (docs/metering.md).\n'
              % (service, origin))
    return header + ''.join('%s: %s\n' % (json.dumps(k), json.dumps(v)) for k, v in rules.items())


def installed_defaults(service, python, run):
    """{rule: default check string} of ``service`` as installed for the interpreter ``python``;
    ``run(argv)`` runs a command and returns (rc, stdout, stderr) (the module's ``run_command``)."""
    try:
        rc, out, err = run([python, '-c', DUMP % DEFAULT_RULES_MODULE[service]])
    except OSError as exc:
        raise PolicyError('%s: cannot run the Python %s (option python): %s' % (service, python, exc)) from exc
    if rc != 0:
        tail = ((err or '').strip().splitlines() or ['no output'])[-1]
        raise PolicyError('%s: %s cannot import %s (set python to the interpreter the service runs with): %s'
                          % (service, python, DEFAULT_RULES_MODULE[service], tail))
    return json.loads(out.strip().splitlines()[-1])
