"""Octavia: api (uWSGI) + worker over RabbitMQ with the noop network/compute/amphora/image/volume
drivers and the noop cert manager, provider `amphora` (load balancers reach ACTIVE in ~1-2 s;
the `noop_driver` provider leaves them PENDING_CREATE), `jobboard_enabled = false`.
SQLite database built from the models plus the lookup rows the migrations would insert, then
`octavia-db-manage stamp head` (the alembic migrations fail on SQLite). `[database] pool_timeout`
is left empty (SQLAlchemy 2.1 rejects it with the NullPool used for SQLite).

A self-signed CA (openssl CLI) is generated once under <state>/data/octavia/ca.
The noop network driver (2026.2) keeps its own SQLite file at the hard-coded /tmp/octavia-network-noop.db
(shared by api and worker processes); it is removed when the database is initialised, never else.
Octavia 13 (2023.2) keeps none.

Policy (policy.yaml, rewritten every `up`): `load-balancer:global_observer` is widened to readers
of the admin project (the metering account). See tests/localcloud/README.md, "Metering account: policy".
"""
import json
import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from localcloud import LocalCloudError, Proc, write_ini
from shipped_policy import policy as shipped_policy, text as shipped_policy_text

NAME = "octavia"
ORDER = 90
PORTS = ["octavia"]
REQUIRES = ["keystone", "rabbitmq", "mariadb"]

NOOP_NETWORK_DB = Path("/tmp/octavia-network-noop.db")


def _conf(ctx):
    return ctx.etc_dir("octavia") / "octavia.conf"


def _policy(ctx):
    return ctx.etc_dir("octavia") / "policy.yaml"


def _ca_dir(ctx):
    return ctx.data_dir("octavia", "ca")


def policy_rules(admin_project_id):
    """The Octavia policy overrides for the metering account, as the collection ships them."""
    return shipped_policy.overrides("octavia", admin_project_id)


def _write_policy(ctx):
    text = shipped_policy_text("octavia", ctx.keystone.ensure_project("admin"))
    p = _policy(ctx)
    if not p.exists() or p.read_text() != text:
        p.write_text(text)


def _ensure_ca(ctx):
    """Self-signed CA (key + cert) generated once; reused on every later `up`."""
    ca = _ca_dir(ctx)
    key, cert = ca / "ca.key", ca / "ca.pem"
    if key.exists() and cert.exists():
        return key, cert
    res = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
                          "-days", "3650", "-subj", "/O=localcloud/CN=localcloud-octavia-ca",
                          "-keyout", str(key), "-out", str(cert)], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise LocalCloudError(f"openssl CA generation failed: {res.stderr.strip()}")
    os.chmod(key, 0o600)
    return key, cert


def configure(ctx):
    _write_policy(ctx)
    key, cert = _ensure_ca(ctx)
    write_ini(_conf(ctx), {
        "DEFAULT": {"log_file": ctx.log_path("octavia"), "debug": False, "transport_url": ctx.transport_url},
        "api_settings": {
            "bind_host": ctx.host, "bind_port": ctx.port("octavia"), "auth_strategy": "keystone",
            "enabled_provider_drivers": "amphora:The Octavia Amphora driver (noop backends)",
            "default_provider_driver": "amphora",
        },
        # MariaDB, not SQLite: api and worker writing one SQLite file met "database is locked".
        "database": {"connection": ctx.mysql_url("octavia"), "pool_timeout": ""},
        "controller_worker": {
            "network_driver": "network_noop_driver",
            "compute_driver": "compute_noop_driver",
            "amphora_driver": "amphora_noop_driver",
            "image_driver": "image_noop_driver",
            "volume_driver": "volume_noop_driver",
            "loadbalancer_topology": "SINGLE",
            "client_ca": cert,
            "workers": 1,
        },
        "certificates": {
            "cert_manager": "noop_cert_manager",
            "cert_generator": "local_cert_generator",
            "ca_certificate": cert,
            "ca_private_key": key,
        },
        "task_flow": {"jobboard_enabled": False},
        "keystone_authtoken": ctx.authtoken("octavia"),
        "service_auth": {k: v for k, v in ctx.authtoken("octavia").items()
                         if k not in ("www_authenticate_uri", "service_token_roles_required", "region_name")},
        "oslo_messaging": {"topic": "octavia_prov"},
        "oslo_messaging_notifications": {"driver": "noop"},
        "oslo_concurrency": {"lock_path": ctx.data_dir("octavia", "locks")},
        "oslo_policy": {"policy_file": _policy(ctx), "enforce_new_defaults": True},
    })


_SCHEMA = """
import sys
import sqlalchemy as sa
from sqlalchemy import orm
from octavia.common import constants
from octavia.db import base_models, models

engine = sa.create_engine(sys.argv[1])
base_models.BASE.metadata.create_all(engine)
protocols = set(constants.SUPPORTED_PROTOCOLS)
for name in dir(constants):  # listener/pool protocol lists (PROMETHEUS, ...) share the table
    if name.startswith("SUPPORTED_") and name.endswith("_PROTOCOLS"):
        protocols |= set(getattr(constants, name))
lookups = [
    (models.ProvisioningStatus, constants.SUPPORTED_PROVISIONING_STATUSES),
    (models.OperatingStatus, constants.SUPPORTED_OPERATING_STATUSES),
    (models.Protocol, sorted(protocols)),
    (models.Algorithm, constants.SUPPORTED_LB_ALGORITHMS),
    (models.AmphoraRoles, constants.SUPPORTED_AMPHORA_ROLES),
    (models.LBTopology, constants.SUPPORTED_LB_TOPOLOGIES),
    (models.SessionPersistenceType, constants.SUPPORTED_SP_TYPES),
    (models.HealthMonitorType, constants.SUPPORTED_HEALTH_MONITOR_TYPES),
    (models.VRRPAuthMethod, constants.SUPPORTED_VRRP_AUTH),
    (models.L7RuleType, constants.SUPPORTED_L7RULE_TYPES),
    (models.L7RuleCompareType, constants.SUPPORTED_L7RULE_COMPARE_TYPES),
    (models.L7PolicyAction, constants.SUPPORTED_L7POLICY_ACTIONS),
    (models.ClientAuthenticationMode, constants.SUPPORTED_CLIENT_AUTH_MODES),
]
with orm.Session(engine) as s, s.begin():
    for model, names in lookups:
        for n in names:
            s.add(model(name=n))
    # the id=NIL_UUID "DELETED" placeholders the migrations insert (foreign keys of deleted LBs)
    s.add(models.FlavorProfile(id=constants.NIL_UUID, name="DELETED-PLACEHOLDER",
                               provider_name=constants.DELETED, flavor_data="{}"))
    s.flush()
    s.add(models.Flavor(id=constants.NIL_UUID, flavor_profile_id=constants.NIL_UUID,
                        name="DELETED-PLACEHOLDER", enabled=False,
                        description="Placeholder for DELETED LBs with DELETED flavors"))
    s.add(models.AvailabilityZoneProfile(id=constants.NIL_UUID, name="DELETED-PLACEHOLDER",
                                         provider_name=constants.DELETED, availability_zone_data="{}"))
    s.flush()
    s.add(models.AvailabilityZone(availability_zone_profile_id=constants.NIL_UUID, name=constants.NIL_UUID,
                                  enabled=False, description="Placeholder for DELETED LBs with DELETED AZs"))
    if hasattr(models, "AmphoraBuildSlots"):
        s.add(models.AmphoraBuildSlots(id=1, slots_used=0))
    if hasattr(models, "SparesPool"):
        s.add(models.SparesPool(update_lock="noop"))
print("octavia schema created from models:", len(base_models.BASE.metadata.tables), "tables")
"""


def _octavia_elsewhere(ctx):
    """True when an Octavia process runs that this instance did not start (another instance's; it
    keeps its noop network state in the same file and opens it on demand)."""
    ours = {r["pid"] for r in ctx.records()} | {os.getpid()}
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if int(cmdline.parent.name) not in ours and any(b"octavia" in a for a in argv[:3]) \
                and not any(str(ctx.state).encode() in a for a in argv):
            return True
    return False


def init_db(ctx):
    ctx.mysql("DROP DATABASE IF EXISTS octavia")  # a half-done earlier attempt (no marker) starts over
    if ctx.release_at_least("2024.1") and not _octavia_elsewhere(ctx):
        # noop network state of an earlier cloud (Octavia 13, 2023.2, keeps no such file). The path is
        # fixed by Octavia and shared by every 2026.2 instance on the machine: never removed while
        # another instance's Octavia runs.
        NOOP_NETWORK_DB.unlink(missing_ok=True)
    ctx.run([ctx.venv_bin("python"), "-c", _SCHEMA, ctx.mysql_url("octavia")], log="octavia-db-manage")
    ctx.run([ctx.venv_bin("octavia-db-manage"), "--config-file", _conf(ctx), "stamp", "head"],
            log="octavia-db-manage")


def processes(ctx):
    conf = str(_conf(ctx))
    return [
        Proc("octavia-api",
             ctx.uwsgi_argv("octavia-api", ctx.port("octavia"), module="octavia.wsgi.api:application", script="octavia-wsgi",
                            pyargv=f"--config-file {conf}"),
             port=ctx.port("octavia"), ready_url=ctx.url("octavia", "/"), timeout=90),
        Proc("octavia-worker", [ctx.venv_bin("octavia-worker"), "--config-file", conf,
                                "--log-file", str(ctx.log_path("octavia-worker"))]),
    ]


def _api(ctx, method, path):
    ks = ctx.keystone
    if ks._token is None:
        ks._login()
    req = urllib.request.Request(ctx.url("octavia", path), method=method)
    req.add_header("X-Auth-Token", ks._token)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")
    except (urllib.error.HTTPError, OSError) as e:
        raise LocalCloudError(f"octavia {method} {path}: {e}")


def register(ctx):
    ctx.keystone.register_service("octavia", "octavia", "load-balancer", ctx.url("octavia"), "Load balancing")

    def ok():
        try:
            _api(ctx, "GET", "/v2/lbaas/providers")
            return True
        except LocalCloudError:
            return False

    ctx.wait("octavia API authenticated", ok, timeout=60, interval=0.5, log_path=ctx.log_path("octavia"))
