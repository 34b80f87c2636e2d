"""MariaDB for the services that must not use SQLite (Nova, Placement; Keystone for concurrency).

Own datadir and socket under <state>/data/mariadb, TCP on 127.0.0.1:<mariadb port>; runs as root.
Databases are created on demand by ctx.mysql_url(dbname); user `openstack` may use them all.
"""
from localcloud import Proc, port_open, write_ini

NAME = "mariadb"
ORDER = 10
PORTS = ["mariadb"]


def _cnf(ctx):
    return ctx.etc_dir("mariadb") / "my.cnf"


def configure(ctx):
    d = ctx.data_dir("mariadb")
    write_ini(_cnf(ctx), {"mysqld": {
        "user": "root",
        "datadir": d / "data",
        "socket": ctx.mysql_socket,
        "pid-file": d / "mysqld.pid",
        "port": ctx.port("mariadb"),
        "bind-address": ctx.host,
        "skip-name-resolve": "ON",
        "skip-log-bin": "ON",
        "character-set-server": "utf8mb4",
        "collation-server": "utf8mb4_general_ci",
        "max_connections": 1000,
        "innodb_buffer_pool_size": "256M",
        "innodb_flush_log_at_trx_commit": 2,  # test cloud: speed over durability
        "performance_schema": "OFF",
        "tmpdir": ctx.data_dir("mariadb", "tmp"),
    }})


def init_db(ctx):
    ctx.run(["mariadb-install-db", f"--defaults-file={_cnf(ctx)}", "--user=root",
             "--auth-root-authentication-method=socket", "--skip-test-db"], log="mariadb-install")


def processes(ctx):
    return [Proc("mariadb", ["/usr/sbin/mariadbd", f"--defaults-file={_cnf(ctx)}"],
                 port=ctx.port("mariadb"), timeout=60,
                 ready=lambda c: c.mysql_socket.exists() and port_open(c.port("mariadb")))]


def post_start(ctx):
    pw = ctx.password("mariadb-openstack")
    ctx.mysql(f"CREATE USER IF NOT EXISTS 'openstack'@'{ctx.host}' IDENTIFIED BY '{pw}'; "
              f"ALTER USER 'openstack'@'{ctx.host}' IDENTIFIED BY '{pw}'; "
              f"GRANT ALL PRIVILEGES ON *.* TO 'openstack'@'{ctx.host}'; FLUSH PRIVILEGES;")
