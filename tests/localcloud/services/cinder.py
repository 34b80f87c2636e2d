"""Cinder: api (uWSGI) + scheduler + volume over RabbitMQ, MariaDB database, backend `fake` with
`cinder.tests.fake_driver.FakeLoggingVolumeDriver` (volumes become `available` without storage).
Catalog: `cinderv3`/`block-storage` and `volumev3` at :8776/v3/%(project_id)s.

Database on MariaDB, not SQLite: with api, scheduler and volume writing one SQLite file the very first
`POST /types` failed with "database is locked" (500) on this machine.

Volume types: `__DEFAULT__` (created by db sync) plus `standard` and `ssd`, ensured every `up`.

Policy (policy.yaml, rewritten every `up`): the metering account (reader on project `admin`) may
list volumes and snapshots of all projects. Cinder honours `all_tenants` only for `context.is_admin`
(= rule `context_is_admin`), so that rule is widened to readers of the admin project, and `admin_api`
(default `is_admin:True or ...`) is pinned to `role:admin` so the widened is_admin flag grants no
admin write API. See tests/localcloud/README.md, "Metering account: policy".
"""
import json
import urllib.error
import urllib.request

from localcloud import LocalCloudError, Proc, write_ini
from shipped_policy import policy as shipped_policy, text as shipped_policy_text

NAME = "cinder"
ORDER = 70
PORTS = ["cinder"]
REQUIRES = ["keystone", "rabbitmq", "mariadb"]

VOLUME_TYPES = {"standard": "Default local volume type", "ssd": "Second type (same fake backend)"}


def _conf(ctx):
    return ctx.etc_dir("cinder") / "cinder.conf"


def _policy(ctx):
    return ctx.etc_dir("cinder") / "policy.yaml"


def policy_rules(admin_project_id):
    """The Cinder policy overrides for the metering account, as the collection ships them."""
    return shipped_policy.overrides("cinder", admin_project_id)


def _write_policy(ctx):
    text = shipped_policy_text("cinder", ctx.keystone.ensure_project("admin"))
    p = _policy(ctx)
    if not p.exists() or p.read_text() != text:
        p.write_text(text)


def configure(ctx):
    etc = ctx.etc_dir("cinder")
    _write_policy(ctx)
    write_ini(_conf(ctx), {
        "DEFAULT": {
            "log_file": ctx.log_path("cinder"),  # api; the others get --log-file on the command line
            "debug": False,
            "transport_url": ctx.transport_url,
            "auth_strategy": "keystone",
            "host": "localcloud",
            "my_ip": ctx.host,
            "state_path": ctx.data_dir("cinder"),
            "osapi_volume_listen": ctx.host,
            "osapi_volume_listen_port": ctx.port("cinder"),
            "api_paste_config": ctx.venv / "etc" / "cinder" / "api-paste.ini",
            "resource_query_filters_file": ctx.venv / "etc" / "cinder" / "resource_filters.json",
            "enabled_backends": "fake",
            "default_volume_type": "__DEFAULT__",
            "rootwrap_config": ctx.venv / "etc" / "cinder" / "rootwrap.conf",
            "glance_api_servers": ctx.url("glance"),
        },
        "fake": {
            "volume_driver": "cinder.tests.fake_driver.FakeLoggingVolumeDriver",
            "volume_backend_name": "fake",
        },
        "database": {"connection": ctx.mysql_url("cinder"), "max_pool_size": 10, "max_overflow": 10},
        "keystone_authtoken": ctx.authtoken("cinder"),
        "oslo_messaging_notifications": {"driver": "noop"},
        "oslo_concurrency": {"lock_path": ctx.data_dir("cinder", "locks")},
        "oslo_policy": {"policy_file": _policy(ctx), "enforce_new_defaults": True},
        "coordination": {"backend_url": f"file://{ctx.data_dir('cinder', 'coordination')}"},
    })
    return etc


def init_db(ctx):
    ctx.run([ctx.venv_bin("cinder-manage"), "--config-file", _conf(ctx), "db", "sync"], log="cinder-manage")


def processes(ctx):
    conf = str(_conf(ctx))
    return [
        Proc("cinder-api",
             ctx.uwsgi_argv("cinder-api", ctx.port("cinder"), module="cinder.wsgi.api:application", script="cinder-wsgi",
                            pyargv=f"--config-file {conf}"),
             port=ctx.port("cinder"), ready_url=ctx.url("cinder", "/"), timeout=90),
        Proc("cinder-scheduler", [ctx.venv_bin("cinder-scheduler"), "--config-file", conf,
                                  "--log-file", str(ctx.log_path("cinder-scheduler"))]),
        Proc("cinder-volume", [ctx.venv_bin("cinder-volume"), "--config-file", conf,
                               "--log-file", str(ctx.log_path("cinder-volume"))]),
    ]


# ------------------------------------------------------------------ small REST client (admin token)

def _api(ctx, method, path, body=None):
    ks = ctx.keystone
    if ks._token is None:
        ks._login()
    project = ks.ensure_project("admin")
    req = urllib.request.Request(ctx.url("cinder", f"/v3/{project}{path}"), method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Content-Type", "application/json")
    req.add_header("X-Auth-Token", ks._token)
    req.add_header("OpenStack-API-Version", "volume 3.0")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            return json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raise LocalCloudError(f"cinder {method} {path}: HTTP {e.code}: {e.read()[:300]!r}")


def _ensure_ready_and_types(ctx):
    def services_up():
        try:
            svcs = _api(ctx, "GET", "/os-services")["services"]
        except LocalCloudError:
            return False
        up = {s["binary"] for s in svcs if s["state"] == "up" and s["status"] == "enabled"}
        return {"cinder-scheduler", "cinder-volume"} <= up

    ctx.wait("cinder scheduler+volume services up", services_up, timeout=90, interval=0.5,
             log_path=ctx.log_path("cinder-volume"))
    have = {t["name"] for t in _api(ctx, "GET", "/types?is_public=None")["volume_types"]}
    for name, desc in VOLUME_TYPES.items():
        if name not in have:
            _api(ctx, "POST", "/types", {"volume_type": {
                "name": name, "description": desc, "os-volume-type-access:is_public": True,
                "extra_specs": {"volume_backend_name": "fake"}}})


def register(ctx):
    url = ctx.url("cinder", "/v3/%(project_id)s")
    ks = ctx.keystone
    ks.register_service("cinder", "cinderv3", "block-storage", url, "Block Storage (v3)")
    # openstacksdk accepts both types; some clients still look for volumev3
    ks.ensure_endpoints(ks.ensure_service("cinderv3-alias", "volumev3", "Block Storage (v3, legacy type)"), url)
    # needs the service user (token validation) and the catalog: so here, not in post_start
    _ensure_ready_and_types(ctx)
