"""Neutron: API server only (uWSGI), ML2 without mechanism drivers or agents, `router` service plugin,
no-lock quota driver, `transport_url = fake://`, SQLite database built from the models (Neutron's
alembic migrations fail on SQLite) and stamped `heads`. Catalog type `network` at :9696.

Every `up` ensures the external network `public` (vlan provider network on physnet `public`,
segmentation id 100, `router:external`) with subnet `public-subnet` 172.24.4.0/24, so routers get
external gateways and floating IPs can be allocated (ports never bind: status DOWN).
Tenant networks are vxlan (segments only allocated, no agent).

Policy (policy.yaml, written by `up` when Neutron or the admin project changed): the metering account
(reader on project `admin`) may read routers and floating IPs of all projects. 2026.2:
`context_with_global_access` lifts the project scope of the DB queries, `get_router`/`get_floatingip`
accept such a reader. 2023.2 (no such rule): generated from the installed defaults, see
policy_rules_advsvc. See docs/metering.md and tests/localcloud/README.md, "Metering account: policy".
"""
import json
import urllib.error
import urllib.request

from localcloud import LocalCloudError, Proc, write_ini
from shipped_policy import installed_defaults as shipped_installed_defaults, policy as shipped_policy

NAME = "neutron"
ORDER = 80
PORTS = ["neutron"]
REQUIRES = ["keystone", "mariadb"]

PUBLIC = {"network": "public", "physnet": "public", "vlan": 100, "subnet": "public-subnet",
          "cidr": "172.24.4.0/24", "gateway": "172.24.4.1", "pool": ("172.24.4.10", "172.24.4.250")}


def _conf(ctx):
    return ctx.etc_dir("neutron") / "neutron.conf"


def _ml2(ctx):
    return ctx.etc_dir("neutron") / "ml2_conf.ini"


def _policy(ctx):
    return ctx.etc_dir("neutron") / "policy.yaml"


# The overrides are the collection's (plugins/module_utils/_metering/policy.py): on 2024.1 and later
# (`context_with_global_access`) three rules; on 2023.2 the service-role method, generated from the
# installed Neutron's defaults (docs/metering.md, "Neutron 2023.2").
def policy_rules(admin_project_id):
    """The 2024.1+ overrides (context_with_global_access / has_global_access), as shipped."""
    return shipped_policy.neutron_global_access(admin_project_id)


def policy_rules_advsvc(admin_project_id, defaults):
    """The 2023.2 overrides, generated from the installed Neutron's defaults ({rule: check_str}), as shipped."""
    return shipped_policy.neutron_advsvc(admin_project_id, defaults)


def installed_defaults(ctx):
    return shipped_installed_defaults("neutron", str(ctx.venv_bin("python")))


def release_policy_rules(ctx, admin_project_id):
    """The overrides this instance's release needs (the shipped generator picks the method from the
    defaults on a real cloud; here the release says it without the ~3 s defaults dump on 2026.2)."""
    if ctx.release_at_least("2024.1"):
        return policy_rules(admin_project_id)
    return policy_rules_advsvc(admin_project_id, installed_defaults(ctx))


def policy_text(rules, origin):
    return shipped_policy.policy_text("neutron", rules, origin)


def _write_policy(ctx):
    admin_project = ctx.keystone.ensure_project("admin")
    dist = sorted(p.name for p in (ctx.venv / "lib").glob("python3*/site-packages/neutron-*.dist-info"))
    header = f"# local cloud: {dist}, admin project {admin_project}"
    p = _policy(ctx)
    if p.exists() and p.read_text().splitlines()[:1] == [header]:
        return  # generated for this Neutron and project already (the defaults dump costs ~3 s)
    text = header + "\n" + policy_text(release_policy_rules(ctx, admin_project), f"admin project {admin_project}")
    if not p.exists() or p.read_text() != text:
        p.write_text(text)


def configure(ctx):
    _write_policy(ctx)
    write_ini(_conf(ctx), {
        "DEFAULT": {
            "log_file": ctx.log_path("neutron"),
            "debug": False,
            "bind_host": ctx.host,
            "bind_port": ctx.port("neutron"),
            "core_plugin": "ml2",
            "service_plugins": "router",
            "auth_strategy": "keystone",
            "transport_url": "fake://",
            "allow_overlapping_ips": True,
            "notify_nova_on_port_status_changes": False,
            "notify_nova_on_port_data_changes": False,
            "dhcp_agent_notification": False,
            "api_paste_config": ctx.venv / "etc" / "neutron" / "api-paste.ini",
            "state_path": ctx.data_dir("neutron"),
            "api_workers": 1,
            "rpc_workers": 0,
        },
        # MariaDB, not SQLite: the API's concurrent writes met "database is locked" on SQLite.
        "database": {"connection": ctx.mysql_url("neutron"), "max_pool_size": 10, "max_overflow": 10},
        "keystone_authtoken": ctx.authtoken("neutron"),
        "quotas": {"quota_driver": "neutron.db.quota.driver_nolock.DbQuotaNoLockDriver"},
        "oslo_messaging_notifications": {"driver": "noop"},
        "oslo_concurrency": {"lock_path": ctx.data_dir("neutron", "locks")},
        "oslo_policy": {"policy_file": _policy(ctx), "enforce_new_defaults": True},
        "agent": {"root_helper": "", "use_helper_for_ns_read": False},
    })
    write_ini(_ml2(ctx), {
        "ml2": {"type_drivers": "flat,vlan,vxlan", "tenant_network_types": "vxlan",
                "mechanism_drivers": "", "extension_drivers": "port_security"},
        "ml2_type_vlan": {"network_vlan_ranges": f"{PUBLIC['physnet']}:100:199"},
        "ml2_type_vxlan": {"vni_ranges": "1:10000"},
        "ml2_type_flat": {"flat_networks": "*"},
    })


_SCHEMA = """
import sys
import sqlalchemy as sa
from neutron.db.migration.models import head
engine = sa.create_engine(sys.argv[1])
head.get_metadata().create_all(engine)
print("neutron schema created from models:", len(head.get_metadata().tables), "tables")
"""


def init_db(ctx):
    ctx.mysql("DROP DATABASE IF EXISTS neutron")  # a half-done earlier attempt (no marker) starts over
    ctx.run([ctx.venv_bin("python"), "-c", _SCHEMA, ctx.mysql_url("neutron")], log="neutron-db-manage")
    ctx.run([ctx.venv_bin("neutron-db-manage"), "--config-file", _conf(ctx), "--config-file", _ml2(ctx),
             "stamp", "heads"], log="neutron-db-manage")


def processes(ctx):
    return [Proc("neutron",
                 ctx.uwsgi_argv("neutron", ctx.port("neutron"), module="neutron.wsgi.api:application", script="neutron-api",
                                pyargv=f"--config-file {_conf(ctx)} --config-file {_ml2(ctx)}"),
                 port=ctx.port("neutron"), ready_url=ctx.url("neutron", "/"), timeout=120)]


# ------------------------------------------------------------------ small REST client (admin token)

def _api(ctx, method, path, body=None):
    ks = ctx.keystone
    if ks._token is None:
        ks._login()
    req = urllib.request.Request(ctx.url("neutron", f"/v2.0{path}"), method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    req.add_header("X-Auth-Token", ks._token)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raise LocalCloudError(f"neutron {method} {path}: HTTP {e.code}: {e.read()[:300]!r}")


def _ensure_public(ctx):
    p = PUBLIC
    nets = _api(ctx, "GET", f"/networks?name={p['network']}")["networks"]
    if nets:
        net_id = nets[0]["id"]
    else:
        net_id = _api(ctx, "POST", "/networks", {"network": {
            "name": p["network"], "router:external": True, "shared": False,
            "provider:network_type": "vlan", "provider:physical_network": p["physnet"],
            "provider:segmentation_id": p["vlan"], "description": "external network of the local cloud"}}
        )["network"]["id"]
    if not _api(ctx, "GET", f"/subnets?network_id={net_id}&name={p['subnet']}")["subnets"]:
        _api(ctx, "POST", "/subnets", {"subnet": {
            "name": p["subnet"], "network_id": net_id, "ip_version": 4, "cidr": p["cidr"],
            "gateway_ip": p["gateway"], "enable_dhcp": False,
            "allocation_pools": [{"start": p["pool"][0], "end": p["pool"][1]}]}})


def register(ctx):
    ctx.keystone.register_service("neutron", "neutron", "network", ctx.url("neutron"), "Networking")
    ctx.wait("neutron API authenticated", lambda: _try(ctx), timeout=60, interval=0.5,
             log_path=ctx.log_path("neutron"))
    _ensure_public(ctx)


def _try(ctx):
    try:
        _api(ctx, "GET", "/networks?limit=1")
        return True
    except LocalCloudError:
        return False
