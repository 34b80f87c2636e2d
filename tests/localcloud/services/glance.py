"""Glance: file store (`fs`), SQLite database, uWSGI; catalog type `image`."""
import shutil

from localcloud import Proc, write_ini

NAME = "glance"
ORDER = 40
PORTS = ["glance"]
REQUIRES = ["keystone"]


def _conf(ctx):
    return ctx.etc_dir("glance") / "glance-api.conf"


def configure(ctx):
    etc = ctx.etc_dir("glance")
    paste = etc / "glance-api-paste.ini"
    if not paste.exists():
        shutil.copy(ctx.venv / "etc" / "glance" / "glance-api-paste.ini", paste)
    write_ini(_conf(ctx), {
        "DEFAULT": {"log_file": ctx.log_path("glance"), "debug": False,
                    "bind_host": ctx.host, "bind_port": ctx.port("glance"),
                    "enabled_backends": "fs:file"},
        "database": {"connection": ctx.sqlite_url("glance")},
        "glance_store": {"default_backend": "fs"},
        "fs": {"filesystem_store_datadir": ctx.data_dir("glance", "images")},
        "os_glance_staging_store": {"filesystem_store_datadir": ctx.data_dir("glance", "staging")},
        "os_glance_tasks_store": {"filesystem_store_datadir": ctx.data_dir("glance", "tasks")},
        "keystone_authtoken": ctx.authtoken("glance"),
        "paste_deploy": {"flavor": "keystone", "config_file": paste},
        "oslo_messaging_notifications": {"driver": "noop"},
        "oslo_concurrency": {"lock_path": ctx.data_dir("glance", "locks")},
    })


def init_db(ctx):
    ctx.run([ctx.venv_bin("glance-manage"), "--config-file", _conf(ctx), "db_sync"], log="glance-manage")


def processes(ctx):
    return [Proc("glance",
                 ctx.uwsgi_argv("glance", ctx.port("glance"), module="glance.wsgi.api:application", threads=4),
                 env={"OS_GLANCE_CONFIG_DIR": str(ctx.etc_dir("glance"))},
                 port=ctx.port("glance"), ready_url=ctx.url("glance", "/"), timeout=60)]


def register(ctx):
    ctx.keystone.register_service("glance", "glance", "image", ctx.url("glance"), "Image service")
