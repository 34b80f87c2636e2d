"""Glance: file store (`fs`), SQLite database, uWSGI; catalog type `image`.

Policy (etc/glance/policy.yaml, generated from the installed Glance's defaults): the `metering` account
(reader on project `admin`) lists and shows the images of all projects, nothing more; see
tests/localcloud/README.md "Metering account: policy".
"""
import shutil

from localcloud import Proc, write_ini
from shipped_policy import installed_defaults as shipped_installed_defaults, text as shipped_policy_text

NAME = "glance"
ORDER = 40
PORTS = ["glance"]
REQUIRES = ["keystone"]

# Unified limits (`localcloud.py quota-backend unified_limits`): Glance's per-project quotas are only
# Keystone limits (`use_keystone_limits`); sizes in MiB.
SERVICE_TYPE = "image"
QUOTA_LIMITS = {"image_size_total": 10000, "image_stage_total": 10000, "image_count_total": 100,
                "image_count_uploading": 10}
QUOTA_PROCESSES = ("glance",)


def _conf(ctx):
    return ctx.etc_dir("glance") / "glance-api.conf"


def configure(ctx):
    etc = ctx.etc_dir("glance")
    paste = etc / "glance-api-paste.ini"
    if not paste.exists():
        shutil.copy(ctx.venv / "etc" / "glance" / "glance-api-paste.ini", paste)
    unified = ctx.quota_backend == "unified_limits"
    write_ini(_conf(ctx), {
        "DEFAULT": {"log_file": ctx.log_path("glance"), "debug": False,
                    "bind_host": ctx.host, "bind_port": ctx.port("glance"),
                    "enabled_backends": "fs:file", "use_keystone_limits": unified},
        "database": {"connection": ctx.sqlite_url("glance")},
        "glance_store": {"default_backend": "fs"},
        "fs": {"filesystem_store_datadir": ctx.data_dir("glance", "images")},
        "os_glance_staging_store": {"filesystem_store_datadir": ctx.data_dir("glance", "staging")},
        "os_glance_tasks_store": {"filesystem_store_datadir": ctx.data_dir("glance", "tasks")},
        "keystone_authtoken": ctx.authtoken("glance"),
        "paste_deploy": {"flavor": "keystone", "config_file": paste},
        "oslo_messaging_notifications": {"driver": "noop"},
        "oslo_concurrency": {"lock_path": ctx.data_dir("glance", "locks")},
        "oslo_policy": {"policy_file": etc / "policy.yaml"},
        # the catalog entry exists only after the first register(): unified limits need a registered cloud
        "oslo_limit": ctx.oslo_limit("glance", SERVICE_TYPE) if unified else {},
    })
    write_policy(ctx)


# The overrides are the collection's (plugins/module_utils/_metering/policy.py), generated from the
# installed Glance's defaults: regenerated when Glance or the admin project changed.
def write_policy(ctx):
    admin = ctx.keystone.ensure_project("admin")
    dist = sorted(p.name for p in (ctx.venv / "lib").glob("python3*/site-packages/glance-*.dist-info"))
    header = f"# local cloud: {dist} admin project {admin}"
    path = ctx.etc_dir("glance") / "policy.yaml"
    if path.exists() and path.read_text().splitlines()[:1] == [header]:
        return
    defaults = shipped_installed_defaults("glance", str(ctx.venv_bin("python")))
    path.write_text(header + "\n" + shipped_policy_text("glance", admin, defaults))


def init_db(ctx):
    ctx.run([ctx.venv_bin("glance-manage"), "--config-file", _conf(ctx), "db_sync"], log="glance-manage")


def processes(ctx):
    return [Proc("glance",
                 ctx.uwsgi_argv("glance", ctx.port("glance"), module="glance.wsgi.api:application", script="glance-wsgi-api", threads=4),
                 env={"OS_GLANCE_CONFIG_DIR": str(ctx.etc_dir("glance"))},
                 port=ctx.port("glance"), ready_url=ctx.url("glance", "/"), timeout=60)]


def register(ctx):
    ctx.keystone.register_service("glance", "glance", "image", ctx.url("glance"), "Image service")
