"""Nova: api (uWSGI, `enabled_apis = osapi_compute`), conductor, scheduler and compute with the fake
virt driver `fake.FakeDriverWithoutFakeNodes` (stable node identity, so nova-compute restarts cleanly),
over RabbitMQ; API, cell0 and cell1 databases on MariaDB. Catalog type `compute` on :8774/v2.1.

Every `up` (idempotent): flavors m1.tiny/m1.small/m1.medium and a tiny public raw image `cirros-fake`
in Glance. Boot servers with `networks="none"` (no Neutron ports are ever bound here).
Deleting a server asks Neutron for the instance's ports: Neutron must be in the catalog.

Policy (etc/nova/policy.yaml): read-only overrides for the `metering` account (reader on project
`admin`), see tests/localcloud/README.md "Metering account: policy".
"""
import json
import urllib.error
import urllib.request

from localcloud import LocalCloudError, Proc, write_ini
from shipped_policy import text as shipped_policy_text

NAME = "nova"
ORDER = 60
PORTS = ["nova"]
REQUIRES = ["keystone", "glance", "placement", "neutron", "rabbitmq", "mariadb"]

# Unified limits (`localcloud.py quota-backend unified_limits`): the registered limits Nova needs
# (a resource without one counts as limit 0 for oslo.limit), with the legacy driver's defaults; the
# processes that enforce quotas (API at create, conductor's recheck) are the ones restarted.
SERVICE_TYPE = "compute"
QUOTA_LIMITS = {
    "servers": 10, "class:VCPU": 20, "class:MEMORY_MB": 51200, "class:DISK_GB": 10000,
    "server_metadata_items": 128, "server_injected_files": 5, "server_injected_file_content_bytes": 10240,
    "server_injected_file_path_bytes": 255, "server_key_pairs": 100, "server_groups": 10,
    "server_group_members": 10,
}
QUOTA_PROCESSES = ("nova-api", "nova-conductor")

# nova-api's uWSGI workers per release. Nova 28 (2023.2) eventlet-monkey-patches its API at import:
# uWSGI threads (real OS threads, one eventlet hub each) then share green locks, and requests that
# arrive together on a fresh worker (keystonemiddleware's and the clients' lazy set-up) deadlock the
# worker for good (log: "greenlet.error: cannot switch to a different thread"; seen after
# `quota-backend`, whose restart is not followed by a lone first request as `up`'s register() is).
# One thread per process, as upstream runs it; two processes keep requests concurrent.
API_WORKERS = {"2023.2": {"processes": 2, "threads": 1}}

HOST = "localcloud"  # [DEFAULT] host: stable compute host / node name
FLAVORS = [  # id, name, vcpus, ram MiB, disk GiB
    ("1", "m1.tiny", 1, 512, 1),
    ("2", "m1.small", 1, 2048, 20),
    ("3", "m1.medium", 2, 4096, 40),
]
IMAGE = "cirros-fake"


def _etc(ctx):
    return ctx.etc_dir("nova")


def _conf(ctx):
    return _etc(ctx) / "nova.conf"


def _admin_project_id(ctx):
    return ctx.keystone.ensure_project("admin")


def write_policy(ctx):
    """The collection's shipped overrides (openstack_metering_policy) for the metering account."""
    p = _etc(ctx) / "policy.yaml"
    text = shipped_policy_text("nova", _admin_project_id(ctx))
    if not p.exists() or p.read_text() != text:
        p.write_text(text)


def _svc_auth(ctx, user="nova"):
    return {"auth_type": "password", "auth_url": ctx.auth_url, "project_domain_name": "Default",
            "user_domain_name": "Default", "project_name": "service", "username": user,
            "password": ctx.password(user), "region_name": ctx.region}


def configure(ctx):
    # the daemons authenticate as `nova` at start (placement, neutron): user + catalog first
    ctx.keystone.register_service("nova", "nova", "compute", ctx.url("nova", "/v2.1"), "Compute service")
    etc = _etc(ctx)
    paste = etc / "api-paste.ini"
    src = ctx.venv / "etc" / "nova" / "api-paste.ini"
    if not paste.exists() or paste.read_bytes() != src.read_bytes():
        paste.write_bytes(src.read_bytes())
    state = ctx.data_dir("nova")
    unified = ctx.quota_backend == "unified_limits"
    write_ini(_conf(ctx), {
        "DEFAULT": {
            "debug": False,
            # nova.service at DEBUG: "Join ServiceGroup membership" marks a daemon consuming RPC (readiness)
            "default_log_levels": "amqp=WARN,amqplib=WARN,boto=WARN,qpid=WARN,sqlalchemy=WARN,suds=INFO,"
                                  "oslo.messaging=INFO,oslo_messaging=INFO,iso8601=WARN,"
                                  "requests.packages.urllib3.connectionpool=WARN,urllib3.connectionpool=WARN,"
                                  "websocket=WARN,keystonemiddleware=WARN,routes.middleware=WARN,"
                                  "stevedore=WARN,taskflow=WARN,keystoneauth=WARN,oslo.cache=INFO,"
                                  "oslo_policy=INFO,dogpile.core.dogpile=INFO,nova.service=DEBUG",
            "host": HOST,
            "my_ip": ctx.host,
            "state_path": state,
            "instances_path": ctx.data_dir("nova", "instances"),
            "transport_url": ctx.transport_url,
            "compute_driver": "fake.FakeDriverWithoutFakeNodes",
            "enabled_apis": "osapi_compute",
            "osapi_compute_listen": ctx.host,
            "osapi_compute_listen_port": ctx.port("nova"),
            "osapi_compute_workers": 1,
            "metadata_workers": 1,
        },
        "api": {"auth_strategy": "keystone"},
        "wsgi": {"api_paste_config": paste},
        "api_database": {"connection": ctx.mysql_url("nova_api"), "max_pool_size": 10, "max_overflow": 20},
        "database": {"connection": ctx.mysql_url("nova_cell1"), "max_pool_size": 10, "max_overflow": 20},
        "keystone_authtoken": ctx.authtoken("nova"),
        "placement": _svc_auth(ctx),
        "neutron": {**_svc_auth(ctx), "service_type": "network"},
        "glance": {"region_name": ctx.region},
        "conductor": {"workers": 1},
        "scheduler": {"workers": 1, "discover_hosts_in_cells_interval": 60},
        "vnc": {"enabled": False},
        "spice": {"enabled": False},
        "serial_console": {"enabled": False},
        "oslo_concurrency": {"lock_path": ctx.data_dir("nova", "locks")},
        "oslo_messaging_notifications": {"driver": "noop"},
        "oslo_policy": {"policy_file": etc / "policy.yaml"},
        "cinder": {"os_region_name": ctx.region},
        "quota": {"driver": "nova.quota.UnifiedLimitsDriver" if unified else "nova.quota.DbQuotaDriver"},
        "oslo_limit": ctx.oslo_limit("nova", SERVICE_TYPE) if unified else {},
    })
    # API-only file (read after nova.conf): its own log file under uWSGI
    write_ini(etc / "nova-api.conf", {"DEFAULT": {"log_file": ctx.log_path("nova-api")}})
    write_policy(ctx)


def _manage(ctx, *args):
    return ctx.run([ctx.venv_bin("nova-manage"), "--config-file", _conf(ctx), *args], log="nova-manage")


def init_db(ctx):
    _manage(ctx, "api_db", "sync")
    _manage(ctx, "cell_v2", "map_cell0", "--database_connection", ctx.mysql_url("nova_cell0"))
    cells = ctx.mysql("SELECT name FROM nova_api.cell_mappings")
    if "cell1" not in cells.split():
        _manage(ctx, "cell_v2", "create_cell", "--name", "cell1", "--verbose")
    _manage(ctx, "db", "sync")


def _log_ready(ctx, name):
    """Ready once the log, after its last start marker, says the service joined its group
    (printed after its RPC server consumes)."""
    path = ctx.log_path(name)

    def check(_ctx):
        try:
            text = path.read_text(errors="replace")
        except OSError:
            return False
        last = text.rfind("\n=== ")
        return "Join ServiceGroup membership" in text[last if last >= 0 else 0:]
    return check


def _compute_ready(ctx):
    """Log ready and the compute service counts as up for the scheduler (ComputeFilter: last report
    younger than service_down_time = 60 s). After a long stop the first report comes ~5 s after start;
    a boot before that ends in NoValidHost."""
    logged = _log_ready(ctx, "nova-compute")

    def check(c):
        return logged(c) and c.mysql(
            "SELECT COUNT(*) FROM nova_cell1.services WHERE `binary`='nova-compute' "
            f"AND host='{HOST}' AND deleted=0 AND disabled=0 "
            "AND COALESCE(updated_at, created_at) > UTC_TIMESTAMP() - INTERVAL 50 SECOND").strip() != "0"
    return check


def processes(ctx):
    conf = str(_conf(ctx))
    procs = [Proc("nova-api",
                  ctx.uwsgi_argv("nova-api", ctx.port("nova"), module="nova.wsgi.osapi_compute:application",
                                 script="nova-api-wsgi",
                                 **API_WORKERS.get(ctx.release, {"processes": 1, "threads": 4}),
                                 # load the app in the worker, not the master: at load nova-api checks the
                                 # compute versions over all cells with a thread pool, which a fork
                                 # would leave without threads (every request then hangs)
                                 extra=["--lazy-apps"]),
                  env={"OS_NOVA_CONFIG_DIR": str(_etc(ctx)),
                       "OS_NOVA_CONFIG_FILES": "api-paste.ini;nova.conf;nova-api.conf"},
                  port=ctx.port("nova"), ready_url=ctx.url("nova", "/"), timeout=90)]
    for daemon in ("conductor", "scheduler", "compute"):
        name = f"nova-{daemon}"
        ready = _compute_ready(ctx) if daemon == "compute" else _log_ready(ctx, name)
        procs.append(Proc(name, [ctx.venv_bin(name), "--config-file", conf], ready=ready, timeout=90))
    return procs


def post_start(ctx):
    # a fresh compute host must be mapped to cell1 before the scheduler can use it
    mapped = ctx.mysql(f"SELECT COUNT(*) FROM nova_api.host_mappings WHERE host='{HOST}'").strip()
    if mapped == "0":
        ctx.wait("nova compute node in cell1",
                 lambda: ctx.mysql("SELECT COUNT(*) FROM nova_cell1.compute_nodes "
                                   f"WHERE host='{HOST}' AND deleted=0").strip() != "0", timeout=60)
        _manage(ctx, "cell_v2", "discover_hosts", "--verbose")


# ---------------------------------------------------------------- REST helpers (admin token)

def _token(ctx):
    ks = ctx.keystone
    if ks._token is None:
        ks._login()
    return ks._token


def _call(ctx, method, url, body=None, raw=None, headers=None, ok=(200, 201, 202, 204)):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("X-Auth-Token", _token(ctx))
    req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            out = resp.read()
            return json.loads(out) if out else None
    except urllib.error.HTTPError as e:
        if e.code in ok:
            return None
        raise LocalCloudError(f"{method} {url}: HTTP {e.code}: {e.read()[:300]!r}")


def ensure_flavors(ctx):
    base = ctx.url("nova", "/v2.1")
    have = {f["name"] for f in _call(ctx, "GET", base + "/flavors/detail?is_public=None")["flavors"]}
    for fid, name, vcpus, ram, disk in FLAVORS:
        if name not in have:
            _call(ctx, "POST", base + "/flavors", {"flavor": {
                "id": fid, "name": name, "vcpus": vcpus, "ram": ram, "disk": disk}})


def ensure_image(ctx):
    base = ctx.url("glance", "/v2/images")
    found = _call(ctx, "GET", base + f"?name={IMAGE}")["images"]
    active = [i for i in found if i["status"] == "active"]
    if active:
        return active[0]["id"]
    for i in found:  # a half-created one from an interrupted earlier run
        _call(ctx, "DELETE", f"{base}/{i['id']}")
    img = _call(ctx, "POST", base, {"name": IMAGE, "disk_format": "raw", "container_format": "bare",
                                    "visibility": "public", "min_disk": 0, "min_ram": 0})
    _call(ctx, "PUT", f"{base}/{img['id']}/file", raw=b"\0" * 1024 * 1024,
          headers={"Content-Type": "application/octet-stream"})
    return img["id"]


def register(ctx):
    ensure_flavors(ctx)
    ensure_image(ctx)
