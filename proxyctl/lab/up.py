"""`proxyctl lab up`: start a lab in a directory, on free loopback ports.

In order: the AWS stand-in (moto's server, in a thread while PostgreSQL starts), seeded
with the cluster `orders`; a PostgreSQL primary whose `postgres` user has the password in
the cluster's RDS-managed secret, serving a certificate for the cluster's endpoint
names; its streaming standby; PgBouncer in transaction mode; then the lab daemon
(proxyctl.lab.daemon), which serves the writer endpoint and the proxies. What started is
stopped again when a later part fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from proxyctl.lab import aws_world, certs
from proxyctl.lab.cluster import allow_replication, start_standby
from proxyctl.lab.errors import LabFailed, missing_library
from proxyctl.lab.moto import MotoServer, start_moto_process
from proxyctl.lab.pgbouncer import PoolerOptions, find_pgbouncer, start_pgbouncer
from proxyctl.lab.postgres import APP_PASSWORD, APP_USER, PgServer, find_bindir, find_psql
from proxyctl.lab.postgres import start_server as start_pg
from proxyctl.lab.state import LabState, Server
from proxyctl.lab.system import HOST, log_tail, stop_pid, write_file

CLUSTER = "orders"
PRELOAD = {"shared_preload_libraries": "pg_stat_statements"}
READY_TIMEOUT = 60.0


def check_tools() -> Path:
    """Every program and library the lab needs, before anything starts (exit 2 with how
    to get the first one missing). Returns PostgreSQL's bindir."""
    import importlib.util

    for module, package in (
        ("moto", "moto[server]"),
        ("flask", "moto[server]"),
        ("trustme", "trustme"),
    ):
        if importlib.util.find_spec(module) is None:
            raise missing_library(package)
    find_pgbouncer()
    bindir = find_bindir()
    find_psql(bindir)
    return bindir


def start(directory: Path, dns_delay: float, say: Callable[[str], None]) -> LabState:
    """Start every part of a lab in DIRECTORY (which exists, empty of a lab); returns
    once the daemon is ready. The AWS stand-in starts and is seeded in a thread while
    the servers start: each takes seconds, mostly waiting."""
    bindir = check_tools()
    with ExitStack() as undo, ThreadPoolExecutor(1) as pool:
        say("starting the AWS stand-in (moto), seeding it with the cluster orders")
        seeded = pool.submit(_moto_and_world, directory)
        undo.callback(_stop_when_started, seeded)
        say("starting the PostgreSQL primary (TLS, SCRAM, pg_stat_statements)")
        ca = certs.new_ca()
        certs.write_ca(ca, directory / "ca.pem")
        write_file(directory / "ca.key", ca.private_key_pem.bytes(), 0o600)
        primary = start_pg(
            directory / "pg", ca=ca, bindir=bindir, stop_at_exit=False, settings=PRELOAD
        )
        undo.callback(primary.remove)
        _prepare_primary(primary)
        say("starting the streaming standby")
        standby = start_standby(primary, directory / "pg")
        undo.callback(standby.remove)
        write_file(standby.base_dir / "ca.pem", (directory / "ca.pem").read_bytes(), 0o644)
        moto, world = seeded.result()
        _serve_cluster_names((primary, standby), ca, world)
        _make_master(primary, standby, world["password"])
        say("starting PgBouncer (transaction pooling)")
        users = {"postgres": world["password"], APP_USER: APP_PASSWORD}
        options = PoolerOptions("transaction", client_tls=False, every_database=True, users=users)
        bouncer = start_pgbouncer(primary, directory, options=options)
        undo.callback(bouncer.stop)
        state = _state(directory, moto, primary, standby, bouncer, world, dns_delay)
        state.save()
        say("starting the lab daemon (writer endpoint, proxy fronts, failover watcher)")
        _start_daemon(state)
        undo.pop_all()
    return state


def _moto_and_world(directory: Path) -> tuple[MotoServer, dict[str, Any]]:
    moto = start_moto_process(directory / "moto.log")
    try:
        return moto, _seed(moto.url)
    except BaseException:
        moto.stop()
        raise


def _stop_when_started(started: Any) -> None:
    try:
        moto, _ = started.result()
    except Exception:  # it never started, or stopped itself: nothing to stop
        return
    moto.stop()


def _seed(url: str) -> dict[str, Any]:
    from proxyctl.aws.clients import endpoint_client

    seeded = aws_world.seed_aurora(url, CLUSTER)
    cluster = seeded["cluster"]
    rds = endpoint_client("rds", url, aws_world.REGION, aws_world.CREDENTIALS)
    found = rds.describe_db_clusters(DBClusterIdentifier=CLUSTER)["DBClusters"][0]
    members = {m["DBInstanceIdentifier"]: m["IsClusterWriter"] for m in found["DBClusterMembers"]}
    secrets = endpoint_client("secretsmanager", url, aws_world.REGION, aws_world.CREDENTIALS)
    arn = cluster["MasterUserSecret"]["SecretArn"]
    secret = json.loads(secrets.get_secret_value(SecretId=arn)["SecretString"])
    if secret.get("username") != found["MasterUsername"]:
        # moto 5.2 writes `admin` in an RDS-managed secret; RDS writes the master user.
        secret["username"] = found["MasterUsername"]
        secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(secret))
    writer = next(name for name, is_writer in members.items() if is_writer)
    reader = next(name for name in members if name != writer)
    instances = rds.describe_db_instances()["DBInstances"]
    return {
        "writer_endpoint": found["Endpoint"],
        "reader_endpoint": found["ReaderEndpoint"],
        "instance_endpoints": [i["Endpoint"]["Address"] for i in instances if "Endpoint" in i],
        "writer": writer,
        "reader": reader,
        "password": secret["password"],
    }


def _prepare_primary(primary: PgServer) -> None:
    """pg_stat_statements in both databases; replication; and plaintext from loopback
    for the writer endpoint's front (which terminates TLS, as RDS Proxy does) besides
    `hostssl` for direct clients."""
    for database in ("postgres", "app"):
        primary.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", dbname=database)
    with (primary.data_dir / "pg_hba.conf").open("a") as hba:
        hba.write(f"host all all {HOST}/32 scram-sha-256\n")
    allow_replication(primary)  # reloads


def _serve_cluster_names(servers: tuple[PgServer, ...], ca: Any, world: dict[str, Any]) -> None:
    """Each server's certificate names the cluster's endpoints, as an RDS one does."""
    names = ("localhost", world["writer_endpoint"], world["reader_endpoint"])
    leaf = certs.issue(ca, (*names, *world["instance_endpoints"]))
    for server in servers:
        server.use_cert(leaf)


def _make_master(primary: PgServer, standby: PgServer, password: str) -> None:
    """`postgres` gets the secret's password (the standby streams with it from now on)."""
    primary.psql("ALTER ROLE postgres PASSWORD '" + password.replace("'", "''") + "'")
    for server in (primary, standby):
        server.superuser_password = password
    passfile = f"*:*:*:*:{password}\n".encode()
    write_file(standby.base_dir / "pgpass", passfile, 0o600)  # cluster._base_backup's


def _state(
    directory: Path,
    moto: MotoServer,
    primary: PgServer,
    standby: PgServer,
    bouncer: Any,
    world: dict[str, Any],
    dns_delay: float,
) -> LabState:
    return LabState(
        dir=str(directory),
        region=aws_world.REGION,
        aws_url=moto.url,
        moto_pid=moto.pid or 0,
        bindir=str(primary.bindir),
        master_password=world["password"],
        ca_file=str(directory / "ca.pem"),
        cluster=CLUSTER,
        writer_endpoint=world["writer_endpoint"],
        reader_endpoint=world["reader_endpoint"],
        primary=Server(world["writer"], primary.port, str(primary.base_dir)),
        standby=Server(world["reader"], standby.port, str(standby.base_dir)),
        bouncer_port=bouncer.port,
        bouncer_pid=bouncer.process.pid,
        bouncer_dir=str(bouncer.base_dir),
        bouncer_admin_password=bouncer.admin_password,
        dns_delay=dns_delay,
    )


def _start_daemon(state: LabState) -> None:
    """The daemon, in a session of its own (it outlives this command); returns once it
    has written `ready` to lab.json."""
    from proxyctl.lab.state import load

    directory = Path(state.dir)
    log = directory / "daemon.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "proxyctl.lab.daemon", "--dir", str(directory)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    state.daemon_pid = process.pid  # the daemon records it too (it owns lab.json now)
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        found = load(directory)
        if found is not None and found.ready:
            state.__dict__.update(found.__dict__)
            return
        if process.poll() is not None or time.monotonic() > deadline:
            stop_pid(process.pid)
            raise LabFailed(f"the lab daemon did not start{log_tail(log)}")
        time.sleep(0.05)
