"""Three regions on one Keystone (off by default: `LOCALCLOUD_SERVICES=...,regions`; docs/scale.md).

RegionOne is the cloud as it is. RegionTwo and RegionThree each get what a region's quotas need to be
kept apart: their own Cinder API (uWSGI) on their own port with their OWN database
(`cinder_regiontwo`, `cinder_regionthree`), registered in the catalog under the region's name; and
the one Keystone registered in every region (the identity is shared, as in a real multi-region cloud:
a client in RegionTwo finds Keystone there). Registering RegionOne's Cinder under three names would
keep three regions' quotas in one row: a write for one region would overwrite another's, and a test
would pass on a collision. No scheduler or volume service per region: the quota API reads and writes
the database only, and volumes are not what the regions are for here. Nova, Neutron, Glance and
Octavia stay in RegionOne only (a second Nova is most of a cloud): a region's compute or network
quota is a service missing from its catalog. clouds.yaml gets one entry per account and extra region,
`<entry>-regiontwo` and `<entry>-regionthree` (openstacksdk accepts only the regions an entry names).
"""
import configparser

from localcloud import Proc, write_ini

NAME = "regions"
ENABLED = False
ORDER = 75
REQUIRES = ["keystone", "mariadb", "rabbitmq", "cinder"]
REGIONS = ("RegionTwo", "RegionThree")
PORTS = ["cinder_" + r.lower() for r in REGIONS]


def _conf(ctx, region):
    return ctx.etc_dir("cinder") / f"cinder-{region.lower()}.conf"


def configure(ctx):
    """Each region's cinder.conf: RegionOne's (services/cinder.py wrote it), with its own port, database, logs."""
    base = configparser.RawConfigParser()
    base.optionxform = str
    base.read(ctx.etc_dir("cinder") / "cinder.conf")
    for region in REGIONS:
        name = region.lower()
        sections = dict((s, dict(base.items(s, raw=True))) for s in base.sections())
        sections["DEFAULT"] = dict(base.defaults())
        sections["DEFAULT"].update(osapi_volume_listen_port=ctx.port("cinder_" + name),
                                   log_file=ctx.log_path("cinder-api-" + name),
                                   state_path=ctx.data_dir("cinder-" + name), host="localcloud-" + name)
        sections["database"]["connection"] = ctx.mysql_url("cinder_" + name)
        write_ini(_conf(ctx, region), sections)


def init_db(ctx):
    for region in REGIONS:
        ctx.run([ctx.venv_bin("cinder-manage"), "--config-file", _conf(ctx, region), "db", "sync"],
                log="cinder-manage-" + region.lower())


def processes(ctx):
    procs = []
    for region in REGIONS:
        name, port = region.lower(), ctx.port("cinder_" + region.lower())
        procs.append(Proc("cinder-api-" + name,
                          ctx.uwsgi_argv("cinder-api-" + name, port, module="cinder.wsgi.api:application",
                                         script="cinder-wsgi", pyargv=f"--config-file {_conf(ctx, region)}"),
                          port=port, ready_url=ctx.url("cinder_" + name, "/"), timeout=90))
    return procs


def register(ctx):
    ctx.extra_regions = REGIONS   # clouds.yaml: replicator-regiontwo, metering-regionthree, ...
    ks = ctx.keystone
    existing = {r["id"] for r in ks._find("regions", "regions")}
    identity = ks._find("services", "services", type="identity")[0]["id"]
    keystone_url = ks._find("endpoints", "endpoints", service_id=identity, interface="public")[0]["url"]
    for region in REGIONS:
        if region not in existing:
            ks._req("POST", "/regions", {"region": {"id": region, "description": "local cloud, " + region}})
        ks.ensure_endpoints(identity, keystone_url, region=region)   # one Keystone, found in every region
        url = ctx.url("cinder_" + region.lower(), "/v3/%(project_id)s")
        for name, stype in (("cinderv3", "block-storage"), ("cinderv3-alias", "volumev3")):
            ks.ensure_endpoints(ks.ensure_service(name, stype), url, region=region)
