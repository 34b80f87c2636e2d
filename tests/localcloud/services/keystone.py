"""Keystone: one uWSGI process with 8 threads (the in-memory cache is per process), fernet tokens,
database on MariaDB (many concurrent writers during benchmarks), bootstrap in RegionOne.

Accounts (idempotent, every `up`):
  replicator  admin on project `admin` and on the system scope (the collection's replication account)
  metering    reader on project `admin` and system-scoped reader (services' policies may widen it later)
  project `service` for the service users (created by each service's register()).

Federation (docs/federation.md): an identity provider `lz-idp` (domain `lz-federation`) with the protocols `openid`
(mapping: user.id = the euid, user.name = a display name, user.email) and `saml2` (mapping: user.name = the euid). The
assertion is read from request headers `X-Lzfed-*` (Keystone's `assertion_prefix` over the WSGI environment,
as Keystone's own federation tests set it): a test posts to
/v3/OS-FEDERATION/identity_providers/lz-idp/protocols/<protocol>/auth with `X-Lzfed-Idp`, `X-Lzfed-Euid`
(and `X-Lzfed-Name`, `X-Lzfed-Email`) and gets a real unscoped token through the real mapping engine and shadow-user code.
Trusted headers are safe here only because everything listens on 127.0.0.1; a real cloud puts a web-server
auth module (mod_auth_openidc, mod_shib) in front, which sets the same environment.
"""
import os

from localcloud import Proc, write_ini

NAME = "keystone"
FEDERATION_IDP = "lz-idp"
FEDERATION_IDP_REMOTE_ID = "https://idp.lz.example"
FEDERATION_DOMAIN = "lz-federation"
FEDERATION_PROTOCOLS = ("openid", "saml2")
FEDERATION_ASSERTION_PREFIX = "HTTP_X_LZFED_"
# protocol -> the mapping's rules: openid maps the euid to user.id, a display name to user.name and an
# e-mail (Keystone's unique_id comes from user.id; the e-mail is the trace of a login), saml2 maps the
# euid to user.name (unique_id from the name).
FEDERATION_MAPPINGS = {
    "openid": [{"remote": [{"type": FEDERATION_ASSERTION_PREFIX + "EUID"}, {"type": FEDERATION_ASSERTION_PREFIX + "NAME"},
                           {"type": FEDERATION_ASSERTION_PREFIX + "EMAIL"}],
                "local": [{"user": {"id": "{0}", "name": "{1}", "email": "{2}"}}]}],
    "saml2": [{"remote": [{"type": FEDERATION_ASSERTION_PREFIX + "EUID"}],
               "local": [{"user": {"name": "{0}"}}]}],
}
ORDER = 30
REQUIRES = ["mariadb"]   # its database (LOCALCLOUD_SERVICES=keystone alone used to start it without one)
PORTS = ["keystone"]


def notifications(ctx):
    """Keystone publishes its CADF notifications to the instance's RabbitMQ (docs/events.md): on
    whenever RabbitMQ runs in this instance, off with LOCALCLOUD_NOTIFICATIONS=0."""
    if os.environ.get("LOCALCLOUD_NOTIFICATIONS", "1").lower() in ("0", "no", "off", "false"):
        return False
    services = os.environ.get("LOCALCLOUD_SERVICES")
    return not services or "rabbitmq" in [s.strip() for s in services.split(",")]


def _notifications_conf(ctx):
    if not notifications(ctx):
        return {"oslo_messaging_notifications": {"driver": "noop"}}
    # retry: a notification is given up after 2 tries instead of blocking the API call while the
    # broker is down (the default -1 retries forever)
    return {"oslo_messaging_notifications": {"driver": "messagingv2", "transport_url": ctx.transport_url,
                                             "retry": 2}}


def password_hash_rounds():
    """LOCALCLOUD_PASSWORD_HASH_ROUNDS: bcrypt's rounds for passwords set from now on (Keystone's default 12, kept
    when unset). `make test` sets 4: each password authentication then costs Keystone about 1 ms of CPU instead of
    0.25-0.4 s, which was about an eighth of the test suite's CPU. Benchmarks keep the default: a token's cost is part of
    their figures. A hash keeps the rounds it was made with, so the setting applies to a new instance's accounts."""
    value = os.environ.get("LOCALCLOUD_PASSWORD_HASH_ROUNDS", "").strip()
    if value and not (value.isdigit() and 4 <= int(value) <= 31):
        raise SystemExit("LOCALCLOUD_PASSWORD_HASH_ROUNDS=%s: bcrypt takes 4 to 31 rounds" % value)
    return int(value) if value else None


RESPONSE_VALIDATION = ("error", "warn", "ignore")


def response_validation():
    """LOCALCLOUD_KEYSTONE_RESPONSE_VALIDATION: Keystone's `[api] response_validation` (error, warn, ignore; unset:
    Keystone's default, `warn`, which upstream recommends for production). Keystone releases that have the option
    (2026.2 here; 2023.2 has none) check every item of a response against its JSON schema: at 10,000 tenants most of
    a cloud-wide listing's time (docs/scale.md). Tests and benches keep the default; a bench run with `ignore` shows
    the share."""
    value = os.environ.get("LOCALCLOUD_KEYSTONE_RESPONSE_VALIDATION", "").strip()
    if value and value not in RESPONSE_VALIDATION:
        raise SystemExit("LOCALCLOUD_KEYSTONE_RESPONSE_VALIDATION=%s: Keystone takes %s"
                         % (value, ", ".join(RESPONSE_VALIDATION)))
    return value or None


def _conf(ctx):
    return ctx.etc_dir("keystone") / "keystone.conf"


def configure(ctx):
    etc = ctx.etc_dir("keystone")
    validation = response_validation()
    write_ini(_conf(ctx), {
        # max_db_limit: Keystone pages its listings at this size (default 1000) and, asked without
        # `limit`, silently stops there. The collection follows the pages either way; a larger
        # page keeps a replication run of a few thousand tenants at a few list calls.
        # (2023.2's Keystone 24 has no max_db_limit: it answers every listing in one page.)
        "DEFAULT": {"log_file": ctx.log_path("keystone"), "debug": False,
                    "max_db_limit": 10000 if ctx.release_at_least("2024.2") else None},
        "database": {"connection": ctx.mysql_url("keystone"), "max_pool_size": 20, "max_overflow": 20},
        "token": {"provider": "fernet", "expiration": 14400},
        "fernet_tokens": {"key_repository": etc / "fernet-keys", "max_active_keys": 3},
        "credential": {"key_repository": etc / "credential-keys"},
        "identity": {"password_hash_rounds": password_hash_rounds()},
        "cache": {"enabled": True, "backend": "dogpile.cache.memory"},
        **_notifications_conf(ctx),
        # 2023.2's Keystone 24 has no such option (an unknown option is ignored)
        **({"api": {"response_validation": validation}} if validation else {}),
        "auth": {"methods": "password,token,application_credential,mapped," + ",".join(FEDERATION_PROTOCOLS)},
        "federation": {"assertion_prefix": FEDERATION_ASSERTION_PREFIX},
        **{protocol: {"remote_id_attribute": FEDERATION_ASSERTION_PREFIX + "IDP"} for protocol in FEDERATION_PROTOCOLS},
    })


def _manage(ctx, *args):
    ctx.run([ctx.venv_bin("keystone-manage"), "--config-file", _conf(ctx), *args], log="keystone-manage")


def init_db(ctx):
    _manage(ctx, "fernet_setup", "--keystone-user", "root", "--keystone-group", "root")
    _manage(ctx, "credential_setup", "--keystone-user", "root", "--keystone-group", "root")
    _manage(ctx, "db_sync")
    _manage(ctx, "bootstrap", "--bootstrap-password", ctx.password("admin"),
            "--bootstrap-username", "admin", "--bootstrap-project-name", "admin",
            "--bootstrap-role-name", "admin", "--bootstrap-service-name", "keystone",
            "--bootstrap-region-id", ctx.region,
            "--bootstrap-admin-url", ctx.auth_url, "--bootstrap-internal-url", ctx.auth_url,
            "--bootstrap-public-url", ctx.auth_url)


def processes(ctx):
    return [Proc("keystone",
                 ctx.uwsgi_argv("keystone", ctx.port("keystone"), module="keystone.wsgi.api:application", script="keystone-wsgi-public",
                                threads=8),
                 env={"OS_KEYSTONE_CONFIG_DIR": str(ctx.etc_dir("keystone"))},
                 port=ctx.port("keystone"), ready_url=ctx.auth_url, timeout=60)]


def register(ctx):
    ks = ctx.keystone
    # identity endpoint follows the configured port even if it changed since bootstrap
    ks.ensure_endpoints(ks.ensure_service("keystone", "identity"), ctx.auth_url)
    admin_project = ks.ensure_project("admin")
    ks.ensure_project("service", "Service users of the local cloud")
    rep = ks.ensure_user("replicator", ctx.password("replicator"), admin_project)
    ks.grant(rep, "admin", project_id=admin_project, system=True)
    met = ks.ensure_user("metering", ctx.password("metering"), admin_project)
    ks.grant(met, "reader", project_id=admin_project, system=True)
    _federation(ks)


def _federation(ks):
    """The identity provider, its mappings and protocols (idempotent)."""
    found = ks._find("domains", "domains", name=FEDERATION_DOMAIN)
    if found:
        domain_id = found[0]["id"]
    else:
        dummy, data = ks._req("POST", "/domains", {"domain": {
            "name": FEDERATION_DOMAIN, "description": "Users of the local identity provider " + FEDERATION_IDP}})
        domain_id = data["domain"]["id"]
    ks._req("PUT", "/OS-FEDERATION/identity_providers/" + FEDERATION_IDP, {"identity_provider": {
        "domain_id": domain_id, "enabled": True, "remote_ids": [FEDERATION_IDP_REMOTE_ID]}}, ok=(409,))
    for protocol, rules in FEDERATION_MAPPINGS.items():
        mapping = "lz-" + protocol
        resp, dummy = ks._req("PUT", "/OS-FEDERATION/mappings/" + mapping, {"mapping": {"rules": rules}}, ok=(409,))
        if resp.status == 409:
            ks._req("PATCH", "/OS-FEDERATION/mappings/" + mapping, {"mapping": {"rules": rules}})
        ks._req("PUT", "/OS-FEDERATION/identity_providers/%s/protocols/%s" % (FEDERATION_IDP, protocol),
                {"protocol": {"mapping_id": mapping}}, ok=(409,))
