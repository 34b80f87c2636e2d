"""Placement: uWSGI, database on MariaDB (Nova's conductor/scheduler/compute write concurrently);
catalog type `placement` on :8778 (no version suffix)."""
from localcloud import Proc, write_ini

NAME = "placement"
ORDER = 50
PORTS = ["placement"]
REQUIRES = ["keystone", "mariadb"]


def _conf(ctx):
    return ctx.etc_dir("placement") / "placement.conf"


def configure(ctx):
    write_ini(_conf(ctx), {
        "DEFAULT": {"log_file": ctx.log_path("placement"), "debug": False},
        "placement_database": {"connection": ctx.mysql_url("placement"), "max_pool_size": 10,
                               "max_overflow": 20},
        "api": {"auth_strategy": "keystone"},
        "keystone_authtoken": ctx.authtoken("placement"),
        "oslo_messaging_notifications": {"driver": "noop"},
    })


def init_db(ctx):
    ctx.run([ctx.venv_bin("placement-manage"), "--config-file", _conf(ctx), "db", "sync"],
            log="placement-manage")


def processes(ctx):
    return [Proc("placement",
                 ctx.uwsgi_argv("placement", ctx.port("placement"), module="placement.wsgi.api:application", script="placement-api",
                                threads=4),
                 env={"OS_PLACEMENT_CONFIG_DIR": str(ctx.etc_dir("placement"))},
                 port=ctx.port("placement"), ready_url=ctx.url("placement", "/"), timeout=60)]


def register(ctx):
    ctx.keystone.register_service("placement", "placement", "placement", ctx.url("placement"),
                                  "Placement service")
