"""RabbitMQ (Debian package, run as root from /usr/lib/rabbitmq/bin) with all state under <state>.

Node ctx.rabbitmq_nodename (rabbit@localhost for the default instance, rabbit-<instance>@localhost for
the others), AMQP on 127.0.0.1:<rabbitmq port>, Erlang distribution on 127.0.0.1:<rabbitmq_dist port>,
epmd on 127.0.0.1:<epmd port> (4369 + the instance's port offset): each instance has its own epmd, so
stopping one instance never stops the epmd another instance's RabbitMQ is registered with.
epmd daemonizes itself: if no epmd listened on that port before we started RabbitMQ, its pid is recorded
(run/epmd.*) so that `down` stops it too, after RabbitMQ. User `openstack` (ctx.transport_url) gets all
permissions.
"""
from localcloud import Proc, listening_ports, port_open, proc_starttime

NAME = "rabbitmq"
ORDER = 20
PORTS = ["rabbitmq", "rabbitmq_dist"]

_epmd_was_there = None


def env(ctx):
    etc = ctx.etc_dir("rabbitmq")
    d = ctx.data_dir("rabbitmq")
    return {
        "HOME": str(d),
        "RABBITMQ_NODENAME": ctx.rabbitmq_nodename,
        "RABBITMQ_NODE_IP_ADDRESS": ctx.host,
        "RABBITMQ_NODE_PORT": str(ctx.port("rabbitmq")),
        "RABBITMQ_DIST_PORT": str(ctx.port("rabbitmq_dist")),
        "ERL_EPMD_ADDRESS": ctx.host,
        "ERL_EPMD_PORT": str(ctx.port("epmd")),
        "RABBITMQ_MNESIA_BASE": str(d / "mnesia"),
        "RABBITMQ_LOG_BASE": str(ctx.logs),
        "RABBITMQ_LOGS": "-",  # to stdout, i.e. log/rabbitmq.log
        "RABBITMQ_PID_FILE": str(d / "rabbitmq.pid"),
        "RABBITMQ_CONFIG_FILE": str(etc / "rabbitmq.conf"),
        "RABBITMQ_CONF_ENV_FILE": str(etc / "rabbitmq-env.conf"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(etc / "enabled_plugins"),
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
    }


def configure(ctx):
    global _epmd_was_there
    etc = ctx.etc_dir("rabbitmq")
    (etc / "rabbitmq.conf").write_text(
        f"listeners.tcp.default = {ctx.host}:{ctx.port('rabbitmq')}\n"
        "disk_free_limit.absolute = 50MB\n"
        "log.console = true\nlog.file = false\n")
    (etc / "rabbitmq-env.conf").write_text("# intentionally empty: everything comes from the environment\n")
    (etc / "enabled_plugins").write_text("[].\n")
    rec = ctx.record_of("epmd")
    _epmd_was_there = ctx.port("epmd") in listening_ports() and not ctx.alive(rec)


def processes(ctx):
    return [Proc("rabbitmq", ["/usr/lib/rabbitmq/bin/rabbitmq-server"], env=env(ctx),
                 port=ctx.port("rabbitmq"), timeout=90,
                 ready=lambda c: port_open(c.port("rabbitmq")))]


def ctl(ctx, *args, check=True):
    return ctx.run(["/usr/lib/rabbitmq/bin/rabbitmqctl", *args], log="rabbitmqctl", env=env(ctx), check=check)


def post_start(ctx):
    # epmd: record it if we caused it to start
    if not _epmd_was_there and not ctx.alive(ctx.record_of("epmd")):
        import re
        listing = __import__("subprocess").run(["ss", "-ltnpH", f"sport = :{ctx.port('epmd')}"],
                                               capture_output=True, text=True, check=False)
        for line in listing.stdout.splitlines():
            m = re.search(r'"epmd",pid=(\d+)', line)
            if m and proc_starttime(int(m.group(1))):
                ctx.record("epmd", int(m.group(1)), ctx.port("epmd"), ["epmd"], group=False, service=NAME, late=True)
                break
    ctl(ctx, "await_startup")
    if not ctx.done("rabbitmq.users"):
        pw = ctx.password("rabbitmq-openstack")
        if ctl(ctx, "add_user", "openstack", pw, check=False).returncode != 0:
            ctl(ctx, "change_password", "openstack", pw)
        ctl(ctx, "set_permissions", "openstack", ".*", ".*", ".*")
        ctx.mark("rabbitmq.users")
    # The notification queues the services' notifiers declare have no consumer here: without a bound
    # they grow until the memory alarm stops the publishers (docs/events.md, "Operating").
    ctl(ctx, "set_policy", "--apply-to", "queues", "notification-queues",
        r"^(notifications|versioned_notifications)\.", '{"max-length": 1000, "overflow": "drop-head"}')
