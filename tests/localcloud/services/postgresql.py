"""PostgreSQL (Debian's) for the metering ledger tests: the PostgreSQL backend of the ledger.

Own cluster under <state>/data/postgresql (initdb/pg_ctl binaries from /usr/lib/postgresql/<v>/bin,
not the Debian cluster manager), TCP on 127.0.0.1:<postgresql port> (default 15432), unix socket
in the cluster directory. PostgreSQL refuses to run as root, so the cluster belongs to the Debian
user `postgres` and its processes run as that user (setpriv).

Database `ledger`, owned by role `ledger` (password in passwords.json, CREATEDB so tests can make
throw-away databases). The DSN is written to <state>/ledger.dsn (mode 600):
    postgresql://ledger:<password>@127.0.0.1:15432/ledger
Tests and bench read it from there, or from the environment variable LZ_LEDGER_DSN.
"""
import glob
import os
import pwd
import subprocess
from pathlib import Path

from localcloud import LocalCloudError, Proc, port_open

NAME = "postgresql"
ORDER = 15
PORTS = ["postgresql"]
OS_USER = "postgres"


def _bin(cmd):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{cmd}"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not found:
        raise LocalCloudError(f"{cmd} not found under /usr/lib/postgresql/*/bin: apt-get install postgresql")
    return found[-1]


def _home(ctx):
    return ctx.data / "postgresql"


def _pgdata(ctx):
    return _home(ctx) / "data"


def _as_postgres(argv):
    return ["setpriv", f"--reuid={OS_USER}", f"--regid={OS_USER}", "--clear-groups", "--", *map(str, argv)]


def _chown(path):
    pw = pwd.getpwnam(OS_USER)
    os.chown(path, pw.pw_uid, pw.pw_gid)


def dsn(ctx):
    return (f"postgresql://ledger:{ctx.password('postgresql-ledger')}@{ctx.host}:"
            f"{ctx.port('postgresql')}/ledger")


def configure(ctx):
    home = _home(ctx)
    home.mkdir(parents=True, exist_ok=True)
    _chown(home)
    os.chmod(home, 0o700)
    f = ctx.state / "ledger.dsn"
    f.write_text(dsn(ctx) + "\n")
    os.chmod(f, 0o600)


def init_db(ctx):
    pgdata = _pgdata(ctx)
    if (pgdata / "PG_VERSION").exists():
        return
    pwfile = _home(ctx) / "superuser.pw"
    pwfile.write_text(ctx.password("postgresql-superuser") + "\n")
    _chown(pwfile)
    os.chmod(pwfile, 0o600)
    try:
        ctx.run(_as_postgres([_bin("initdb"), "-D", pgdata, "-U", "postgres", f"--pwfile={pwfile}",
                              "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                              "--locale=C.UTF-8"]), log="postgresql-initdb", env={"HOME": str(_home(ctx))})
    finally:
        pwfile.unlink()


def processes(ctx):
    return [Proc("postgresql", _as_postgres([
        _bin("postgres"), "-D", _pgdata(ctx),
        "-c", f"port={ctx.port('postgresql')}",
        "-c", f"listen_addresses={ctx.host}",
        "-c", f"unix_socket_directories={_home(ctx)}",
        "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",  # test store
        "-c", "max_connections=200", "-c", "logging_collector=off",
    ]), env={"HOME": str(_home(ctx))}, port=ctx.port("postgresql"), timeout=60,
        ready=_accepting)]


def _accepting(ctx):
    # an open port is not enough: a server recovering after an unclean stop answers "the database system is
    # starting up" for a while, and post_start's psql failed on it
    if not (port_open(ctx.port("postgresql")) and (_home(ctx) / f".s.PGSQL.{ctx.port('postgresql')}").exists()):
        return False
    return subprocess.run([_bin("pg_isready"), "-q", "-h", str(_home(ctx)), "-p", str(ctx.port("postgresql"))],
                          check=False, timeout=10).returncode == 0


def _psql(ctx, sql, db="postgres"):
    return ctx.run(_as_postgres([_bin("psql"), "-h", _home(ctx), "-p", ctx.port("postgresql"), "-U", "postgres",
                                 "-d", db, "-v", "ON_ERROR_STOP=1", "-q", "-f", "-"]),
                   log="postgresql-psql", input=sql, env={"HOME": str(_home(ctx))})


def post_start(ctx):
    pw = ctx.password("postgresql-ledger").replace("'", "''")
    _psql(ctx, f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ledger') THEN
    CREATE ROLE ledger LOGIN CREATEDB PASSWORD '{pw}';
  ELSE
    ALTER ROLE ledger LOGIN CREATEDB PASSWORD '{pw}';
  END IF;
END $$;
SELECT 'CREATE DATABASE ledger OWNER ledger' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ledger')
\\gexec
""")
