"""Local, real OpenStack control plane for the collection's tests and benchmarks.

    python3 tests/localcloud/localcloud.py [--release 2023.2] install|up|down|status|env|info
    python3 tests/localcloud/localcloud.py quota-backend [legacy|unified_limits] [--no-restart]

Standard library only. Everything listens on 127.0.0.1. The release series comes from --release
or OPENSTACK_RELEASE (default 2026.2, see RELEASES). Each release has its own instance: state
under <repo>/.localcloud/ (2026.2) or <repo>/.localcloud-<release>/ (override with
LOCALCLOUD_STATE_DIR), its own port offset (override with LOCALCLOUD_PORT_OFFSET, or one port with
LOCALCLOUD_<NAME>_PORT), RabbitMQ node name, epmd port and process names, so instances run side by
side and `down` of one stops only the processes recorded in its own state dir. Services are
plug-ins: one module per service in tests/localcloud/services/ (see README.md there).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

if __name__ == "__main__":  # service modules do `from localcloud import ...`: give them this very module
    sys.modules.setdefault("localcloud", sys.modules[__name__])

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
RELEASES_DIR = HERE / "releases"
SERVICES_DIR = HERE / "services"
HOST = "127.0.0.1"
REGION = "RegionOne"

# Release series the local cloud can run. Per release: the servers' requirements (and constraints)
# under releases/, the pip/setuptools the venv starts with, the default port offset and state dir,
# and how the API servers are served (`module`: the WSGI modules `<pkg>.wsgi.api:application`;
# `script`: the pbr WSGI scripts in the venv's bin, run with uWSGI --wsgi-file).
DEFAULT_RELEASE = "2026.2"
RELEASES = {
    "2026.2": {
        "requirements": "requirements-2026.2.txt",
        "constraints": None,
        "bootstrap": ["pip", "wheel", "setuptools"],
        "port_offset": 0,
        "state": ".localcloud",
        "wsgi": "module",
    },
    "2023.2": {
        "requirements": "requirements-2023.2.txt",
        "constraints": "upper-constraints-2023.2.txt",
        # 2023.2 code imports pkg_resources at load time: setuptools 81+ has none
        "bootstrap": ["pip", "wheel", "setuptools<81"],
        "port_offset": 100,  # keystone 5100, glance 9392, ..., epmd 4469: no port of the default set
        "state": ".localcloud-2023.2",
        "wsgi": "script",
    },
}

# Default ports (plus the release's offset); override each with LOCALCLOUD_<NAME>_PORT
# (e.g. LOCALCLOUD_GLANCE_PORT=19292).
DEFAULT_PORTS = {
    "keystone": 5000,
    "glance": 9292,
    "placement": 8778,
    "nova": 8774,
    "cinder": 8776,
    # services/regions.py (off by default): one Cinder API per extra region
    "cinder_regiontwo": 8786,
    "cinder_regionthree": 8796,
    "neutron": 9696,
    "octavia": 9876,
    "rabbitmq": 5672,
    "rabbitmq_dist": 25672,
    "mariadb": 13306,
    "postgresql": 15432,
    "epmd": 4369,
}

APT_PACKAGES = ["mariadb-server", "mariadb-client", "rabbitmq-server", "gcc", "python3-dev", "postgresql", "chromium"]
# ansible-rulebook (tests/integration/test_events.py) runs its rules engine on Java >= 17
APT_PACKAGES += ["openjdk-17-jre-headless"]
# Per release, on top: keystone 24 (2023.2) needs scrypt, built from source against libcrypto.
APT_PACKAGES_OF_RELEASE = {"2023.2": ["libssl-dev", "pkg-config"]}


# Quota backends of Nova and Glance (`quota-backend` command, services with QUOTA_LIMITS).
QUOTA_BACKENDS = ("legacy", "unified_limits")


class LocalCloudError(Exception):
    pass


def log(msg: str) -> None:
    print(f"[localcloud] {msg}", flush=True)


# --------------------------------------------------------------------------- helpers

def write_ini(path, sections: dict) -> Path:
    """Write an ini file from {section: {key: value}}.

    Values: bool -> true/false, list/tuple -> comma-joined, None -> key omitted,
    everything else str(). Sections are written in the order given.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for section, items in sections.items():
        out.append(f"[{section}]")
        for key, value in items.items():
            if value is None:
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, (list, tuple)):
                value = ",".join(str(v) for v in value)
            out.append(f"{key} = {value}")
        out.append("")
    text = "\n".join(out)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


def listening_ports() -> dict:
    """{port: 'process description'} for TCP sockets listening, from `ss -ltnp`."""
    res = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=False)
    ports = {}
    for line in res.stdout.splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        local = parts[3]
        m = re.search(r":(\d+)$", local)
        if not m:
            continue
        who = " ".join(parts[5:]) if len(parts) > 5 else "(unknown process)"
        ports.setdefault(int(m.group(1)), f"{local} {who}")
    return ports


def port_open(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_ready(url: str, timeout: float = 3.0) -> bool:
    """True if the URL answers with any HTTP status below 500."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status < 500
    except urllib.error.HTTPError as e:
        return e.code < 500
    except (OSError, ValueError):
        return False


def proc_starttime(pid: int) -> Optional[str]:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] == "Z":
        return None
    return fields[19]  # field 22: starttime


def proc_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_pgid(pid: int) -> Optional[int]:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat[stat.rindex(")") + 2:].split()[2])
    except (OSError, ValueError, IndexError):
        return None


# --------------------------------------------------------------------------- process specs

@dataclass
class Proc:
    """A long-running process of a service.

    name:   unique process name; log at log/<name>.log, pid at run/<name>.pid
    argv:   full command line (use ctx.venv_bin() / ctx.uwsgi_argv())
    env:    extra environment (merged over os.environ plus the venv on PATH)
    port:   TCP port it listens on (checked free before start, checked by status/down)
    ready_url: readiness = this URL answers with an HTTP status < 500
    ready:  alternative readiness check: callable(ctx) -> bool
    timeout: seconds to wait for readiness
    cwd:    working directory (default: state dir)
    """
    name: str
    argv: list
    env: dict = field(default_factory=dict)
    port: Optional[int] = None
    ready_url: Optional[str] = None
    ready: Optional[Callable] = None
    timeout: float = 90.0
    cwd: Optional[str] = None


# --------------------------------------------------------------------------- keystone REST

class Keystone:
    """Tiny idempotent Keystone v3 admin client (stdlib), one token reused."""

    def __init__(self, ctx: "Ctx"):
        self.ctx = ctx
        self.url = ctx.keystone_url + "/v3"
        self._token = None
        self._roles = None

    def _req(self, method, path, body=None, ok=(200, 201, 204)):
        if self._token is None and path != "/auth/tokens":
            self._login()
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self._token:
            req.add_header("X-Auth-Token", self._token)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return resp, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as e:
            if e.code in ok:
                return e, None
            raise LocalCloudError(f"keystone {method} {path}: HTTP {e.code}: {e.read()[:300]!r}")

    system = False  # a system-scoped token (the limit APIs want one): see Ctx.keystone_system

    def _login(self):
        scope = {"system": {"all": True}} if self.system else \
            {"project": {"name": "admin", "domain": {"id": "default"}}}
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": self.ctx.password("admin")}}},
            "scope": scope}}
        resp, dummy = self._req("POST", "/auth/tokens", body)
        self._token = resp.headers["X-Subject-Token"]

    def list_all(self, path, key):
        """Every item of a Keystone listing, following links.next."""
        items, url = [], path
        while url:
            dummy, data = self._req("GET", url)
            items += data[key]
            nxt = (data.get("links") or {}).get("next")
            url = nxt.split("/v3", 1)[1] if nxt else None
        return items

    def _find(self, collection, key, **query):
        qs = "&".join(f"{k}={urllib.request.quote(str(v))}" for k, v in query.items())
        dummy, data = self._req("GET", f"/{collection}?{qs}")
        return data[key]

    def ensure_project(self, name, description=""):
        found = self._find("projects", "projects", name=name, domain_id="default")
        if found:
            return found[0]["id"]
        dummy, data = self._req("POST", "/projects", {"project": {
            "name": name, "domain_id": "default", "description": description, "enabled": True}})
        return data["project"]["id"]

    def ensure_user(self, name, password, project_id=None):
        found = self._find("users", "users", name=name, domain_id="default")
        if found:
            return found[0]["id"]
        user = {"name": name, "domain_id": "default", "password": password, "enabled": True}
        if project_id:
            user["default_project_id"] = project_id
        dummy, data = self._req("POST", "/users", {"user": user})
        return data["user"]["id"]

    def role_id(self, name):
        if self._roles is None:
            dummy, data = self._req("GET", "/roles")
            self._roles = {r["name"]: r["id"] for r in data["roles"]}
        if name not in self._roles:
            dummy, data = self._req("POST", "/roles", {"role": {"name": name}})
            self._roles[name] = data["role"]["id"]
        return self._roles[name]

    def grant(self, user_id, role, project_id=None, system=False):
        rid = self.role_id(role)
        if system:
            self._req("PUT", f"/system/users/{user_id}/roles/{rid}")
        if project_id:
            self._req("PUT", f"/projects/{project_id}/users/{user_id}/roles/{rid}")

    def ensure_service(self, name, stype, description=""):
        for s in self._find("services", "services", type=stype):
            if s.get("name") == name:
                return s["id"]
        dummy, data = self._req("POST", "/services", {"service": {
            "name": name, "type": stype, "description": description, "enabled": True}})
        return data["service"]["id"]

    def ensure_endpoints(self, service_id, url, interfaces=("public", "internal", "admin"), region=REGION):
        existing = self._find("endpoints", "endpoints", service_id=service_id)
        for iface in interfaces:
            match = [e for e in existing if e["interface"] == iface and e.get("region_id") == region]
            if match:
                if match[0]["url"] != url:
                    self._req("PATCH", f"/endpoints/{match[0]['id']}", {"endpoint": {"url": url}})
                continue
            self._req("POST", "/endpoints", {"endpoint": {
                "service_id": service_id, "interface": iface, "url": url,
                "region_id": region, "enabled": True}})

    def register_service(self, user, name, stype, url, description=""):
        """Service user in project `service` (roles admin + service), service, 3 endpoints."""
        project = self.ensure_project("service", "Service users of the local cloud")
        uid = self.ensure_user(user, self.ctx.password(user), project)
        for role in ("admin", "service"):
            self.grant(uid, role, project_id=project)
        sid = self.ensure_service(name, stype, description)
        self.ensure_endpoints(sid, url)
        return sid


# --------------------------------------------------------------------------- context

class Ctx:
    """Everything a service module needs. See README.md for the documented fields."""

    def __init__(self, state: Optional[Path] = None, release: Optional[str] = None):
        self.repo = REPO
        self.release = release or os.environ.get("OPENSTACK_RELEASE") or DEFAULT_RELEASE
        if self.release not in RELEASES:
            raise LocalCloudError(f"unknown OpenStack release {self.release!r}; known: {', '.join(sorted(RELEASES))}")
        self.release_info = RELEASES[self.release]
        self.state = Path(state or os.environ.get("LOCALCLOUD_STATE_DIR")
                          or REPO / self.release_info["state"]).resolve()
        self.venv = self.state / "venv"
        self.etc = self.state / "etc"
        self.logs = self.state / "log"
        self.run_dir = self.state / "run"
        self.data = self.state / "data"
        self.clouds_yaml = self.state / "clouds.yaml"
        self.host = HOST
        self.region = REGION
        self.port_offset = int(os.environ.get("LOCALCLOUD_PORT_OFFSET", self.release_info["port_offset"]))
        self.ports = {k: int(os.environ.get(f"LOCALCLOUD_{k.upper()}_PORT", v + self.port_offset))
                      for k, v in DEFAULT_PORTS.items()}
        # The instance's name: in uWSGI process names and RabbitMQ's node name. `localcloud` for the
        # default instance (2026.2 at the default ports: the names it always had).
        default_name = "localcloud" if (self.release, self.port_offset) == (DEFAULT_RELEASE, 0) else \
            f"localcloud-{self.release}" + ("" if self.port_offset == self.release_info["port_offset"]
                                            else f"-p{self.port_offset}")
        self.instance = os.environ.get("LOCALCLOUD_INSTANCE") or default_name
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", self.instance):
            raise LocalCloudError(f"LOCALCLOUD_INSTANCE {self.instance!r}: letters, digits, '.', '_', '-' only")
        self._passwords = None
        self._keystone = None
        self.mysql_socket = self.data / "mariadb" / "mysqld.sock"

    # --- paths
    def etc_dir(self, service: str) -> Path:
        p = self.etc / service
        p.mkdir(parents=True, exist_ok=True)
        return p

    def data_dir(self, *parts: str) -> Path:
        p = self.data.joinpath(*parts)
        p.mkdir(parents=True, exist_ok=True)
        return p

    def log_path(self, name: str) -> Path:
        self.logs.mkdir(parents=True, exist_ok=True)
        return self.logs / f"{name}.log"

    def venv_bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def port(self, name: str) -> int:
        return self.ports[name]

    def release_at_least(self, release: str) -> bool:
        """The instance's release series is `release` or later ("2023.2" < "2024.1" < "2026.2")."""
        return tuple(int(x) for x in self.release.split(".")) >= tuple(int(x) for x in release.split("."))

    @property
    def rabbitmq_nodename(self) -> str:
        """rabbit@localhost for the default instance, rabbit-<instance>@localhost for the others."""
        if self.instance == "localcloud":
            return "rabbit@localhost"
        return "rabbit-" + re.sub(r"[^A-Za-z0-9_-]", "_", self.instance) + "@localhost"

    def url(self, name: str, path: str = "") -> str:
        return f"http://{HOST}:{self.ports[name]}{path}"

    @property
    def keystone_url(self) -> str:
        return self.url("keystone")

    @property
    def auth_url(self) -> str:
        return self.keystone_url + "/v3"

    # --- secrets
    def password(self, name: str) -> str:
        """Password for an account, generated once and kept in <state>/passwords.json (mode 600)."""
        f = self.state / "passwords.json"
        if self._passwords is None:
            self._passwords = json.loads(f.read_text()) if f.exists() else {}
        if name not in self._passwords:
            # Never a leading '-': command lines (keystone-manage bootstrap) would read it as an option.
            self._passwords[name] = "p" + secrets.token_urlsafe(18)
            self.state.mkdir(parents=True, exist_ok=True)
            tmp = f.with_suffix(".tmp")
            tmp.write_text(json.dumps(self._passwords, indent=1, sort_keys=True))
            os.chmod(tmp, 0o600)
            tmp.replace(f)
        return self._passwords[name]

    # --- databases / messaging
    def mysql(self, sql: str) -> str:
        """Run SQL as MariaDB root over the unix socket; returns stdout."""
        res = subprocess.run(["mariadb", f"--socket={self.mysql_socket}", "-uroot", "-N", "-B", "-e", sql],
                             capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise LocalCloudError(f"mariadb: {sql!r}: {res.stderr.strip()}")
        return res.stdout

    def mysql_url(self, dbname: str) -> str:
        """Create the database if missing and return its SQLAlchemy URL (user `openstack`)."""
        self.mysql(f"CREATE DATABASE IF NOT EXISTS `{dbname}` CHARACTER SET utf8mb4")
        return (f"mysql+pymysql://openstack:{self.password('mariadb-openstack')}@{HOST}:"
                f"{self.ports['mariadb']}/{dbname}?charset=utf8mb4")

    def sqlite_url(self, name: str) -> str:
        return f"sqlite:///{self.data_dir('sqlite') / (name + '.sqlite')}"

    @property
    def transport_url(self) -> str:
        return f"rabbit://openstack:{self.password('rabbitmq-openstack')}@{HOST}:{self.ports['rabbitmq']}/"

    def authtoken(self, user: str) -> dict:
        """[keystone_authtoken] section for a service user (created by Keystone.register_service)."""
        return {
            "www_authenticate_uri": self.auth_url,
            "auth_url": self.auth_url,
            "auth_type": "password",
            "project_domain_name": "Default",
            "user_domain_name": "Default",
            "project_name": "service",
            "username": user,
            "password": self.password(user),
            "region_name": REGION,
            "service_token_roles_required": True,
        }

    @property
    def keystone(self) -> Keystone:
        if self._keystone is None:
            self._keystone = Keystone(self)
        return self._keystone

    @property
    def keystone_system(self) -> Keystone:
        if getattr(self, "_keystone_system", None) is None:
            self._keystone_system = Keystone(self)
            self._keystone_system.system = True
        return self._keystone_system

    # --- quota backend of Nova and Glance (command quota-backend)
    @property
    def quota_backend(self) -> str:
        """`legacy` (Nova's database quotas, Glance without per-project quotas) or `unified_limits`
        (Keystone limits, oslo.limit); kept in <state>/quota-backend so a later `up` keeps it."""
        path = self.state / "quota-backend"
        mode = path.read_text().strip() if path.exists() else "legacy"
        return mode if mode in QUOTA_BACKENDS else "legacy"

    def oslo_limit(self, user: str, service_type: str) -> dict:
        """[oslo_limit] of a service user: reads the limits of any project (system reader) for the
        public endpoint of `service_type` in this region."""
        ks = self.keystone
        sid = next(s["id"] for s in ks._find("services", "services", type=service_type))
        eid = next(e["id"] for e in ks._find("endpoints", "endpoints", service_id=sid, interface="public")
                   if e.get("region_id") == REGION)
        ks.grant(ks.ensure_user(user, self.password(user)), "reader", system=True)
        return {"auth_url": self.auth_url, "auth_type": "password", "user_domain_name": "Default",
                "username": user, "password": self.password(user), "system_scope": "all",
                "endpoint_id": eid, "region_name": REGION}

    # --- markers (first-time-only steps)
    def marker(self, name: str) -> Path:
        return self.data_dir("markers") / name

    def done(self, name: str) -> bool:
        return self.marker(name).exists()

    def mark(self, name: str) -> None:
        self.marker(name).write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))

    # --- commands
    def env(self, extra: Optional[dict] = None) -> dict:
        env = dict(os.environ)
        env["PATH"] = f"{self.venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
        env["VIRTUAL_ENV"] = str(self.venv)
        env.pop("PYTHONPATH", None)
        if extra:
            env.update(extra)
        return env

    def run(self, argv, log: str, env: Optional[dict] = None, check: bool = True,
            input: Optional[str] = None, timeout: float = 600) -> subprocess.CompletedProcess:
        """Run a command (venv bin on PATH), appending its output to log/<log>.log."""
        lp = self.log_path(log)
        with open(lp, "a") as fh:
            fh.write(f"\n=== {time.strftime('%H:%M:%S')} $ {shlex.join(str(a) for a in argv)}\n")
            fh.flush()
            res = subprocess.run([str(a) for a in argv], stdout=fh, stderr=subprocess.STDOUT,
                                 env=self.env(env), cwd=str(self.state), input=input, text=True,
                                 timeout=timeout, check=False)
        if check and res.returncode != 0:
            raise LocalCloudError(f"command failed (rc={res.returncode}): {shlex.join(str(a) for a in argv)}"
                                  f"\n  see log: {lp}")
        return res

    def uwsgi_argv(self, name: str, port: int, module: Optional[str] = None, wsgi_file: Optional[str] = None,
                   pyargv: Optional[str] = None, processes: int = 1, threads: int = 4,
                   extra: Optional[list] = None, script: Optional[str] = None) -> list:
        """uWSGI command line per local-cloud.md (http11 socket, die-on-term, quick reload...).

        `module` (2026.2: `<pkg>.wsgi.api:application`) or `script` (the pbr WSGI script in the
        venv's bin, served with --wsgi-file): the release's `wsgi` says which one is used."""
        if script and (self.release_info["wsgi"] == "script" or not module):
            module, wsgi_file = None, self.venv_bin(script)
        argv = [self.venv_bin("uwsgi"),
                "--http11-socket", f"{HOST}:{port}",
                "--virtualenv", str(self.venv),
                "--master", "--die-on-term",
                "--processes", str(processes), "--threads", str(threads),
                "--need-app", "--buffer-size", "65535",
                "--worker-reload-mercy", "5",
                "--procname-prefix-spaced", f"{self.instance}-{name}",
                "--chdir", str(self.state)]
        if module:
            argv += ["--module", module]
        if wsgi_file:
            argv += ["--wsgi-file", wsgi_file]
        if pyargv:
            argv += ["--pyargv", pyargv]
        return argv + list(extra or [])

    def wait(self, what: str, check: Callable[[], bool], timeout: float = 60, interval: float = 0.2,
             proc_alive: Optional[Callable[[], bool]] = None, log_path: Optional[Path] = None) -> float:
        """Poll check() until true; raise LocalCloudError naming `what` (and the log) on timeout/death."""
        t0 = time.monotonic()
        while True:
            if check():
                return time.monotonic() - t0
            if proc_alive is not None and not proc_alive():
                raise LocalCloudError(f"{what} died while starting; see log: {log_path}")
            if time.monotonic() - t0 > timeout:
                raise LocalCloudError(f"{what} not ready after {timeout:.0f}s; see log: {log_path}")
            time.sleep(interval)

    # --- pid bookkeeping (run/<name>.pid + run/<name>.json)
    def record(self, name: str, pid: int, port: Optional[int], argv, ready_url: Optional[str] = None,
               group: bool = True, service: str = "", late: bool = False) -> None:
        """Record a started process. group: it leads its own process group (signal the group);
        late: stop it after the others (e.g. epmd)."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        (self.run_dir / f"{name}.pid").write_text(f"{pid}\n")
        (self.run_dir / f"{name}.json").write_text(json.dumps({
            "name": name, "pid": pid, "starttime": proc_starttime(pid), "port": port,
            "ready_url": ready_url, "group": group, "service": service, "late": late,
            "argv": [str(a) for a in argv], "started": time.time()}, indent=1))

    def records(self) -> list:
        out = []
        if self.run_dir.is_dir():
            for f in self.run_dir.glob("*.json"):
                try:
                    out.append(json.loads(f.read_text()))
                except (OSError, ValueError):
                    pass
        return sorted(out, key=lambda r: r.get("started", 0))

    def record_of(self, name: str) -> Optional[dict]:
        f = self.run_dir / f"{name}.json"
        try:
            return json.loads(f.read_text())
        except (OSError, ValueError):
            return None

    @staticmethod
    def alive(rec: Optional[dict]) -> bool:
        """The recorded process still runs (same pid AND same start time: no pid reuse)."""
        return bool(rec) and proc_starttime(rec["pid"]) is not None and \
            proc_starttime(rec["pid"]) == rec.get("starttime")

    def forget(self, name: str) -> None:
        for suffix in (".pid", ".json"):
            (self.run_dir / f"{name}{suffix}").unlink(missing_ok=True)


# --------------------------------------------------------------------------- services

def load_services(ctx: Ctx) -> list:
    """Service modules from services/*.py, sorted by ORDER; LOCALCLOUD_SERVICES=a,b restricts
    (their REQUIRES are added). A module with ENABLED = False is skipped unless named there or in
    LOCALCLOUD_WITH=a,b (``--with``: added to the default set)."""
    mods = {}
    for f in sorted(SERVICES_DIR.glob("*.py")):
        if f.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"localcloud_services.{f.stem}", f)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        mods[mod.NAME] = mod
    wanted = os.environ.get("LOCALCLOUD_SERVICES")
    if wanted:
        names = set()
        todo = [w.strip() for w in wanted.split(",") if w.strip()]
        while todo:
            n = todo.pop()
            if n not in mods:
                raise LocalCloudError(f"unknown service {n!r}; known: {', '.join(sorted(mods))}")
            if n not in names:
                names.add(n)
                todo.extend(getattr(mods[n], "REQUIRES", ()))
    else:
        names = {n for n, m in mods.items() if getattr(m, "ENABLED", True)}
        for extra in (w.strip() for w in os.environ.get("LOCALCLOUD_WITH", "").split(",") if w.strip()):
            if extra not in mods:
                raise LocalCloudError(f"unknown service {extra!r}; known: {', '.join(sorted(mods))}")
            names.add(extra)
    return sorted((mods[n] for n in names), key=lambda m: (m.ORDER, m.NAME))


def service_ports(ctx: Ctx, mod) -> list:
    return [ctx.ports[p] if isinstance(p, str) else int(p) for p in getattr(mod, "PORTS", ())]


# --------------------------------------------------------------------------- install

def apt_packages(ctx: Ctx) -> list:
    return APT_PACKAGES + APT_PACKAGES_OF_RELEASE.get(ctx.release, [])


def _apt_missing(ctx: Ctx) -> list:
    wanted = apt_packages(ctx)
    res = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${db:Status-Abbrev}\n", *wanted],
                         capture_output=True, text=True, check=False)
    ok = {l.split()[0] for l in res.stdout.splitlines() if len(l.split()) > 1 and l.split()[1] == "ii"}
    return [p for p in wanted if p not in ok]


def release_files(ctx: Ctx) -> list:
    """The requirements file and, where the release has one, its constraints file."""
    info = ctx.release_info
    return [RELEASES_DIR / info["requirements"]] + ([RELEASES_DIR / info["constraints"]] if info["constraints"] else [])


def _req_hash(ctx: Ctx) -> str:
    """What the venv was installed from. For 2026.2 the requirements file's sha256 alone (the hash
    venvs made before releases existed carry, so they are not reinstalled)."""
    files = release_files(ctx)
    if len(files) == 1:
        return hashlib.sha256(files[0].read_bytes()).hexdigest()
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    h.update(" ".join(ctx.release_info["bootstrap"]).encode())
    return h.hexdigest()


def install_needed(ctx: Ctx) -> bool:
    h = ctx.venv / ".localcloud-requirements.sha256"
    return bool(_apt_missing(ctx)) or not h.exists() or h.read_text().strip() != _req_hash(ctx) \
        or not Path(ctx.venv_bin("uwsgi")).exists()


def pip_install_argv(ctx: Ctx) -> list:
    req, *constraints = release_files(ctx)
    argv = [ctx.venv_bin("pip"), "install", "-q"]
    for c in constraints:
        argv += ["-c", str(c)]
    return argv + ["-r", str(req)]


def pip_env(ctx: Ctx) -> dict:
    """The environment of the venv's pip: a wheel cache of the venv's own interpreter. pip keys the wheels it
    builds by the sdist only, and uWSGI's wheel links the libpython of the interpreter that built it: a wheel built
    by another Python 3.11 (Debian's 3.11.2 beside pyenv's 3.11.7) loaded the wrong libpython and Keystone died
    at start (``undefined symbol: _PyModule_Add``)."""
    # the interpreter's lines of the venv's config: not its `command`, which names the venv (one cache per instance)
    lines = [line.strip() for line in (ctx.venv / "pyvenv.cfg").read_text().splitlines()
             if line.startswith(("home", "version", "executable"))]
    key = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]
    base = os.environ.get("PIP_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "pip")
    return dict(os.environ, PIP_CACHE_DIR=os.path.join(base, f"localcloud-{key}"))


def cmd_install(ctx: Ctx) -> None:
    t0 = time.monotonic()
    missing = _apt_missing(ctx)
    if missing:
        policy = Path("/usr/sbin/policy-rc.d")
        created = not policy.exists()
        if created:  # keep packages from starting their own system services
            policy.write_text("#!/bin/sh\nexit 101\n")
            policy.chmod(0o755)
        try:
            log(f"apt-get install {' '.join(missing)}")
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            r = subprocess.run(["apt-get", "install", "-y", "-q", *missing], env=env, check=False)
            if r.returncode != 0:
                subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
                subprocess.run(["apt-get", "install", "-y", "-q", *missing], env=env, check=True)
        finally:
            if created:
                policy.unlink(missing_ok=True)
    hfile = ctx.venv / ".localcloud-requirements.sha256"
    want = _req_hash(ctx)
    if not (hfile.exists() and hfile.read_text().strip() == want and Path(ctx.venv_bin("uwsgi")).exists()):
        new = not (ctx.venv / "bin" / "python").exists()
        if new:
            ctx.state.mkdir(parents=True, exist_ok=True)
            # LOCALCLOUD_PYTHON (the Makefile's: the python3 of PATH before the collection's venv) else this one
            python = os.environ.get("LOCALCLOUD_PYTHON") or sys.executable
            log(f"creating venv {ctx.venv} with {python}")
            subprocess.run([python, "-m", "venv", str(ctx.venv)], check=True)
        env = pip_env(ctx)
        if new:
            subprocess.run([ctx.venv_bin("pip"), "install", "-q", "-U", *ctx.release_info["bootstrap"]], check=True,
                           env=env)
        t = time.monotonic()
        argv = pip_install_argv(ctx)
        log(f"OpenStack {ctx.release}: {shlex.join(argv)} (first time 2-5 min)")
        subprocess.run(argv, check=True, env=env)
        log(f"pip install: {time.monotonic() - t:.1f}s")
        hfile.write_text(want + "\n")
    log(f"install: ok ({time.monotonic() - t0:.1f}s)")


# --------------------------------------------------------------------------- up / down / status

def check_ports_free(ctx: Ctx, mods) -> None:
    live = [r for r in ctx.records() if ctx.alive(r)]
    our_pids = {r["pid"] for r in live}
    our_groups = {r["pid"] for r in live if r.get("group", True)}

    def ours(desc: str) -> bool:  # held by one of our recorded processes or its process group
        pids = [int(p) for p in re.findall(r"pid=(\d+)", desc)]
        return any(p in our_pids or proc_pgid(p) in our_groups for p in pids)

    held = listening_ports()
    busy = []
    for mod in mods:
        for port in service_ports(ctx, mod):
            if port in held and not ours(held[port]):
                busy.append(f"  port {port} ({mod.NAME}) is taken by: {held[port]}")
    if busy:
        raise LocalCloudError("ports needed by the local cloud are in use:\n" + "\n".join(busy)
                              + "\n(stop that process or choose another port with LOCALCLOUD_<NAME>_PORT)")


def start_proc(ctx: Ctx, mod, p: Proc) -> float:
    rec = ctx.record_of(p.name)
    if ctx.alive(rec):
        log(f"  {p.name}: already running (pid {rec['pid']})")
        return 0.0
    lp = ctx.log_path(p.name)
    fh = open(lp, "a")
    fh.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} start: {shlex.join(str(a) for a in p.argv)}\n")
    fh.flush()
    popen = subprocess.Popen([str(a) for a in p.argv], stdout=fh, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=ctx.env(p.env), cwd=p.cwd or str(ctx.state),
                             start_new_session=True)
    fh.close()
    ctx.record(p.name, popen.pid, p.port, p.argv, p.ready_url, service=mod.NAME)

    def check():
        if p.ready is not None:
            return p.ready(ctx)
        if p.ready_url:
            return http_ready(p.ready_url)
        if p.port:
            return port_open(p.port)
        return True

    try:
        took = ctx.wait(f"{mod.NAME}/{p.name}", check, timeout=p.timeout,
                        proc_alive=lambda: popen.poll() is None, log_path=lp)
    except LocalCloudError:
        if popen.poll() is not None:  # died: no stale record (a hung one stays, for `down`)
            ctx.forget(p.name)
        raise
    log(f"  {p.name}: ready in {took:.1f}s (pid {popen.pid}, port {p.port}, log {lp})")
    return took


def total_rss_kb(ctx: Ctx) -> int:
    groups, pids = set(), set()
    for r in ctx.records():
        if ctx.alive(r):
            pids.add(r["pid"])
            if r.get("group", True):
                groups.add(r["pid"])
    total = 0
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            pid = int(d.name)
            if pid in pids or proc_pgid(pid) in groups:
                total += proc_rss_kb(pid)
    return total


def check_release(ctx: Ctx) -> None:
    """A state dir serves one release: refuse to start another release's servers on its databases.
    A state dir made before releases existed (no `release` file) is 2026.2's."""
    f = ctx.state / "release"
    have = f.read_text().strip() if f.exists() else (DEFAULT_RELEASE if (ctx.state / "venv").exists() else None)
    if have and have != ctx.release:
        raise LocalCloudError(f"state dir {ctx.state} belongs to OpenStack {have}, not {ctx.release}: "
                              "choose another LOCALCLOUD_STATE_DIR (or OPENSTACK_RELEASE)")
    ctx.state.mkdir(parents=True, exist_ok=True)
    if not f.exists() or f.read_text().strip() != ctx.release:
        f.write_text(ctx.release + "\n")


def instance_info(ctx: Ctx) -> dict:
    """What tests and tools need to know of this instance (also written to <state>/localcloud.json)."""
    return {"release": ctx.release, "instance": ctx.instance, "state": str(ctx.state),
            "clouds_yaml": str(ctx.clouds_yaml), "port_offset": ctx.port_offset, "ports": dict(ctx.ports),
            "rabbitmq_nodename": ctx.rabbitmq_nodename, "venv": str(ctx.venv)}


def cmd_up(ctx: Ctx) -> None:
    t_start = time.monotonic()
    timings = []
    check_release(ctx)
    if install_needed(ctx):
        t = time.monotonic()
        cmd_install(ctx)
        timings.append(("install", time.monotonic() - t))
    for d in (ctx.etc, ctx.logs, ctx.run_dir, ctx.data):
        d.mkdir(parents=True, exist_ok=True)
    mods = load_services(ctx)
    check_ports_free(ctx, mods)
    log(f"OpenStack {ctx.release}, instance {ctx.instance}, port offset {ctx.port_offset}; "
        f"services: {', '.join(m.NAME for m in mods)}; state: {ctx.state}")
    for mod in mods:
        t = time.monotonic()
        step = "configure"
        try:
            if hasattr(mod, "configure"):
                mod.configure(ctx)
            marker = f"{mod.NAME}.db-initialised"
            if hasattr(mod, "init_db") and not ctx.done(marker):
                step = "init_db"
                mod.init_db(ctx)
                ctx.mark(marker)
            step = "start"
            for p in (mod.processes(ctx) if hasattr(mod, "processes") else []):
                start_proc(ctx, mod, p)
            if hasattr(mod, "post_start"):
                step = "post_start"
                mod.post_start(ctx)
            if hasattr(mod, "register"):
                step = "register"
                mod.register(ctx)
        except LocalCloudError as e:
            raise LocalCloudError(f"service {mod.NAME} failed at {step}: {e}") from None
        except Exception as e:  # noqa: BLE001 - report which service broke
            raise LocalCloudError(f"service {mod.NAME} failed at {step}: {type(e).__name__}: {e}"
                                  f"\n  logs under {ctx.logs}") from e
        dt = time.monotonic() - t
        timings.append((mod.NAME, dt))
        log(f"{mod.NAME}: up in {dt:.1f}s")
    write_clouds_yaml(ctx)
    (ctx.state / "localcloud.json").write_text(json.dumps(instance_info(ctx), indent=1, sort_keys=True) + "\n")
    total = time.monotonic() - t_start
    log("phase timings: " + ", ".join(f"{n} {d:.1f}s" for n, d in timings))
    log(f"total start-up: {total:.1f}s; total RSS of started processes: {total_rss_kb(ctx) / 1024:.0f} MiB")
    log(f"clouds.yaml: {ctx.clouds_yaml}  (eval \"$(python3 {Path(__file__).relative_to(REPO)} env)\")")


def write_clouds_yaml(ctx: Ctx) -> None:
    lines = ["# generated by tests/localcloud/localcloud.py; passwords in passwords.json", "clouds:"]
    # RegionOne's entries, and per extra region (services/regions.py) `<entry>-<region in lower case>`
    accounts = (("admin", "admin"), ("replicator", "replicator"), ("metering", "metering"))
    entries = [(cloud, user, REGION, "") for cloud, user in accounts]
    entries += [(cloud, user, region, "-" + region.lower())
                for region in getattr(ctx, "extra_regions", ()) for cloud, user in accounts]
    for cloud, user, region, suffix in entries:
        lines += [f"  {cloud}{suffix}:",
                  f"    region_name: {region}",
                  "    identity_api_version: 3",
                  "    interface: public",
                  "    auth:",
                  f"      auth_url: {ctx.auth_url}",
                  f"      username: {user}",
                  f"      password: '{ctx.password(user)}'",
                  "      user_domain_name: Default",
                  "      project_name: admin",
                  "      project_domain_name: Default"]
    ctx.clouds_yaml.write_text("\n".join(lines) + "\n")
    os.chmod(ctx.clouds_yaml, 0o600)


def _signal(rec: dict, sig: int) -> None:
    try:
        if rec.get("group", True):
            os.killpg(rec["pid"], sig)
        else:
            os.kill(rec["pid"], sig)
    except ProcessLookupError:
        pass


def _stop(ctx: Ctx, recs: list, grace: float) -> None:
    """SIGTERM all of recs at once, SIGKILL what is left after `grace` seconds; wait for process groups."""
    t = time.monotonic()
    live = [r for r in recs if ctx.alive(r)]
    for r in recs:
        if r not in live:
            ctx.forget(r["name"])
    for r in live:
        _signal(r, signal.SIGTERM)

    def gone(r):
        if ctx.alive(r):
            return False
        if r.get("group", True):  # group members (uwsgi workers, erl children) too
            try:
                os.killpg(r["pid"], 0)
                return False
            except ProcessLookupError:
                pass
        return True

    pending = list(live)
    killed = False
    while pending:
        for r in [r for r in pending if gone(r)]:
            log(f"  {r['name']}: stopped (pid {r['pid']}, {time.monotonic() - t:.1f}s)")
            ctx.forget(r["name"])
            pending.remove(r)
        if not pending:
            break
        if not killed and time.monotonic() - t > grace:
            for r in pending:
                log(f"  {r['name']}: still alive after {grace:.0f}s, SIGKILL")
                _signal(r, signal.SIGKILL)
            killed = True
        if time.monotonic() - t > grace + 10:
            raise LocalCloudError("could not stop: " + ", ".join(f"{r['name']} (pid {r['pid']})" for r in pending))
        time.sleep(0.1)


def cmd_down(ctx: Ctx, grace: float = 15.0) -> None:
    t0 = time.monotonic()
    recs = ctx.records()
    # everything at once, then the `late` ones (epmd, after RabbitMQ)
    _stop(ctx, [r for r in recs if not r.get("late")], grace)
    _stop(ctx, [r for r in recs if r.get("late")], grace)
    held = listening_ports()
    left = [f"port {r['port']}: {held[r['port']]}" for r in recs if r.get("port") in held]
    if left:
        raise LocalCloudError("still listening after down: " + "; ".join(left))
    log(f"down: ok ({time.monotonic() - t0:.1f}s)")


def cmd_status(ctx: Ctx) -> int:
    recs = {r["name"]: r for r in ctx.records()}
    expected = []
    for mod in load_services(ctx):
        try:
            expected += [(mod.NAME, p) for p in (mod.processes(ctx) if hasattr(mod, "processes") else [])]
        except Exception:  # noqa: BLE001 - status must not fail on a half-configured service
            pass
    names = [p.name for dummy, p in expected] + [n for n in recs if n not in {p.name for dummy, p in expected}]
    ok = True
    print(f"{'process':<22} {'pid':>8} {'alive':<6} {'port':>6} {'listen':<7} health")
    for name in names:
        rec = recs.get(name)
        spec = next((p for dummy, p in expected if p.name == name), None)
        alive = ctx.alive(rec)
        port = (rec or {}).get("port") or (spec.port if spec else None)
        listen = port_open(port) if port else None
        url = (rec or {}).get("ready_url") or (spec.ready_url if spec else None)
        health = ("ok" if http_ready(url) else "FAIL") + f" {url}" if url and alive else ("-" if alive else "down")
        good = alive and (listen is not False) and not health.startswith("FAIL")
        ok &= good
        print(f"{name:<22} {str(rec['pid']) if rec else '-':>8} {'yes' if alive else 'NO':<6} "
              f"{port or '-':>6} {'-' if listen is None else ('yes' if listen else 'NO'):<7} {health}")
    if alive_total := [r for r in recs.values() if ctx.alive(r)]:
        print(f"total RSS: {total_rss_kb(ctx) / 1024:.0f} MiB over {len(alive_total)} recorded processes")
    print("status: " + ("all up" if ok and names else "NOT all up"))
    return 0 if ok and names else 1


def set_registered_limits(ctx: Ctx, mod, mode: str) -> None:
    """unified_limits: the service's registered limits (its QUOTA_LIMITS) exist; legacy: the service
    has no limit in Keystone at all (project limits first: Keystone keeps a registered limit that
    project limits refer to), so that detection of the backend sees the legacy driver."""
    ks = ctx.keystone_system
    sid = next(s["id"] for s in ks._find("services", "services", type=mod.SERVICE_TYPE))
    have = {r["resource_name"]: r for r in ks.list_all(f"/registered_limits?service_id={sid}", "registered_limits")}
    if mode == "unified_limits":
        missing = [{"service_id": sid, "region_id": REGION, "resource_name": name, "default_limit": value}
                   for name, value in mod.QUOTA_LIMITS.items() if name not in have]
        for name, value in mod.QUOTA_LIMITS.items():
            if name in have and have[name]["default_limit"] != value:
                ks._req("PATCH", f"/registered_limits/{have[name]['id']}",
                        {"registered_limit": {"default_limit": value}})
        if missing:
            ks._req("POST", "/registered_limits", {"registered_limits": missing})
        return
    for limit in ks.list_all(f"/limits?service_id={sid}", "limits"):
        ks._req("DELETE", f"/limits/{limit['id']}")
    for reg in have.values():
        ks._req("DELETE", f"/registered_limits/{reg['id']}")


def cmd_quota_backend(ctx: Ctx, mode: Optional[str], restart: bool = True) -> None:
    """Switch Nova (API, conductor) and Glance of a running instance between the legacy quota driver
    and unified limits, restarting only those processes; no mode: print the current one. Without
    ``restart`` (a cloud stopped next) the state, the registered limits and the files change, not the processes."""
    if mode is None:
        print(ctx.quota_backend)
        return
    t0 = time.monotonic()
    mods = [m for m in load_services(ctx) if hasattr(m, "QUOTA_LIMITS")]
    (ctx.state / "quota-backend").write_text(mode + "\n")
    procs = {}
    for mod in mods:
        set_registered_limits(ctx, mod, mode)
        mod.configure(ctx)
        procs[mod] = [p for p in mod.processes(ctx) if p.name in mod.QUOTA_PROCESSES]
    if not restart:
        log(f"quota backend {mode} from the next start: {', '.join(m.NAME for m in mods)} ({time.monotonic() - t0:.1f}s)")
        return
    # all of them stop together and start together, each waited for in its own thread (none of them
    # needs another of them to start: nova-conductor does not wait for nova-api)
    _stop(ctx, [r for r in (ctx.record_of(p.name) for ps in procs.values() for p in ps) if r], 15.0)
    errors = []

    def start(mod, p):
        try:
            start_proc(ctx, mod, p)
        except Exception as e:  # noqa: BLE001 - re-raised below, in the main thread
            errors.append(e)
    threads = [threading.Thread(target=start, args=(mod, p)) for mod in mods for p in procs[mod]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    log(f"quota backend {mode}: {', '.join(m.NAME for m in mods)} ({time.monotonic() - t0:.1f}s)")


def _lock(ctx: Ctx) -> None:
    """One install/up/down at a time: two concurrent `up`s start duplicate, unrecorded processes."""
    import fcntl
    ctx.state.mkdir(parents=True, exist_ok=True)
    handle = open(ctx.state / ".lock", "w")  # kept open (and locked) until the process exits
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log("another localcloud install/up/down is running; waiting for it")
        fcntl.flock(handle, fcntl.LOCK_EX)
    _lock.handle = handle


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--release", choices=sorted(RELEASES),
                    help=f"OpenStack release series (default: $OPENSTACK_RELEASE, else {DEFAULT_RELEASE})")
    ap.add_argument("command", choices=["install", "up", "down", "status", "env", "info", "quota-backend"])
    ap.add_argument("--with", dest="extra", action="append", default=[], metavar="SERVICE",
                    help="an optional service (ENABLED = False, e.g. regions) added to the default set "
                         "(the same as LOCALCLOUD_WITH=a,b)")
    ap.add_argument("mode", nargs="?", choices=QUOTA_BACKENDS,
                    help="quota-backend: legacy or unified_limits (Nova API/conductor and Glance restarted)")
    ap.add_argument("--no-restart", dest="restart", action="store_false",
                    help="quota-backend: the mode from the next start on; the running processes keep theirs "
                         "(for a cloud stopped next)")
    args = ap.parse_args(argv)
    if args.extra:
        os.environ["LOCALCLOUD_WITH"] = ",".join([os.environ.get("LOCALCLOUD_WITH", "")] + args.extra).strip(",")
    try:
        ctx = Ctx(release=args.release)
        if args.command in ("install", "up", "down") or (args.command == "quota-backend" and args.mode):
            _lock(ctx)
        if args.command == "install":
            check_release(ctx)
            cmd_install(ctx)
        elif args.command == "up":
            cmd_up(ctx)
        elif args.command == "down":
            cmd_down(ctx)
        elif args.command == "status":
            return cmd_status(ctx)
        elif args.command == "env":
            print(f"export OS_CLIENT_CONFIG_FILE={shlex.quote(str(ctx.clouds_yaml))}")
        elif args.command == "quota-backend":
            cmd_quota_backend(ctx, args.mode, args.restart)
        elif args.command == "info":
            print(json.dumps(instance_info(ctx), indent=1, sort_keys=True))
    except LocalCloudError as e:
        print(f"[localcloud] ERROR: {e}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as e:
        print(f"[localcloud] ERROR: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
