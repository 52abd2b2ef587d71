"""A primary, its streaming standby, and PgBouncer in front of the primary: a cluster that
fails over, behind a proxy that holds its clients.

- The primary is a TLS-only server with `wal_level=replica` and `replication` lines in
  pg_hba.conf for its socket and 127.0.0.1.
- The standby is made with `pg_basebackup -R -X stream -c fast` from the primary, runs on
  its own port and socket and serves the same certificate, so the primary's `ca_file`
  verifies both for host name `localhost`.
- PgBouncer (see `pgbouncer`) sends clients to the primary until a failover moves it.

A failover: the primary turns read-only for writers (25006, as from a demoted writer),
the standby is promoted, PgBouncer pauses, is pointed at the new primary and resumes.
`fail_over` does it in this process; `promotion_command` writes it as a shell script
that records when each step happened, for a drill's `--trigger-command`.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from proxyctl.lab.errors import LabFailed
from proxyctl.lab.pgbouncer import PgBouncer, databases_section, find_pgbouncer, start_pgbouncer
from proxyctl.lab.postgres import PgServer, append_settings, find_bindir, find_psql, start_server
from proxyctl.lab.system import (
    HOST,
    as_postgres,
    free_port,
    log_tail,
    make_base_dir,
    make_dir,
    run_as_postgres,
    write_file,
)

READ_ONLY_SQL = "ALTER SYSTEM SET default_transaction_read_only = on"


@dataclass
class Cluster:
    """A primary, its standby, and PgBouncer in front of the primary."""

    primary: PgServer
    standby: PgServer
    bouncer: PgBouncer

    @property
    def ca_file(self) -> Path:
        if self.primary.ca_file is None:
            raise LabFailed("the primary was started without TLS")
        return self.primary.ca_file

    @property
    def psql(self) -> Path:
        return find_psql(self.primary.bindir)

    def stop(self) -> None:
        """Stop PgBouncer, the standby and the primary, each by its own pid; every one of
        them even when another fails to stop."""
        with ExitStack() as stack:
            stack.callback(self.primary.remove)
            stack.callback(self.standby.remove)
            stack.callback(self.bouncer.stop)


@contextmanager
def running_cluster(parent: Path, bindir: Path | None = None) -> Iterator[Cluster]:
    """`start_cluster` under PARENT, stopped at the end whatever happens."""
    cluster = start_cluster(parent, bindir)
    try:
        yield cluster
    finally:
        cluster.stop()


def start_cluster(
    parent: Path, bindir: Path | None = None, *, stop_at_exit: bool = True
) -> Cluster:
    """Start the primary, its standby and PgBouncer under PARENT; `Cluster.stop` ends them.
    What started is stopped again if a later part fails."""
    pgbouncer = find_pgbouncer()  # before anything starts: it may be missing
    bindir = bindir or find_bindir()
    with ExitStack() as stack:  # reverse order, and every step even when one fails
        primary = start_server(parent / "primary", bindir=bindir, stop_at_exit=stop_at_exit)
        stack.callback(primary.remove)
        allow_replication(primary)
        standby = start_standby(primary, parent)
        stack.callback(standby.remove)
        bouncer = start_pgbouncer(primary, parent, pgbouncer)
        stack.pop_all()
    return Cluster(primary, standby, bouncer)


def allow_replication(primary: PgServer) -> None:
    """`replication` lines in pg_hba.conf (socket and 127.0.0.1, TLS only); wal_level=replica."""
    with (primary.data_dir / "pg_hba.conf").open("a") as hba:
        hba.write(
            "local replication all scram-sha-256\n"
            f"hostssl replication all {HOST}/32 scram-sha-256\n"
        )
    primary.reload()
    # replica is PostgreSQL's default; changing it would need a restart, so check instead.
    if primary.psql("show wal_level") not in ("replica", "logical"):
        raise LabFailed(f"port {primary.port}: wal_level is not replica")


def start_standby(primary: PgServer, parent: Path) -> PgServer:
    """A streaming standby of `primary` on its own port, serving the same certificate."""
    port = free_port()
    base_dir, owned = make_base_dir(parent, f"standby-{port}")
    standby = PgServer(
        host=HOST,
        port=port,
        data_dir=base_dir / "data",
        ca=primary.ca,
        ca_file=primary.ca_file,
        superuser_password=primary.superuser_password,  # the base backup copies the roles
        bindir=primary.bindir,
        base_dir=base_dir,
        owns_base_dir=owned,
    )
    try:
        _base_backup(primary, standby)
        make_dir(standby.socket_dir)
        for name, mode in (("server.crt", 0o644), ("server.key", 0o600)):
            write_file(base_dir / name, (primary.base_dir / name).read_bytes(), mode)
        settings = {
            "port": str(port),
            "unix_socket_directories": str(standby.socket_dir),
            "ssl_cert_file": str(base_dir / "server.crt"),
            "ssl_key_file": str(base_dir / "server.key"),
            "hot_standby": "on",
        }
        append_settings(standby, "the standby's own port, socket and files", settings)
        standby.start()
        _wait_streaming(primary, standby)
    except BaseException:
        standby.remove()
        raise
    return standby


def _base_backup(primary: PgServer, standby: PgServer) -> None:
    passfile = standby.base_dir / "pgpass"  # for pg_basebackup, then streaming (-R keeps it)
    write_file(passfile, f"*:*:*:*:{primary.superuser_password}\n".encode(), 0o600)
    source = (
        f"host={HOST} port={primary.port} user={primary.superuser} "
        f"sslmode=verify-ca sslrootcert={primary.ca_file} passfile={passfile}"
    )
    command = [str(primary.bindir / "pg_basebackup"), "-D", str(standby.data_dir), "-d", source]
    command += ["-R", "-X", "stream", "-c", "fast", "--no-sync"]
    run_as_postgres(command, cwd=standby.base_dir)


def _wait_streaming(primary: PgServer, standby: PgServer, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while primary.psql("select count(*) from pg_stat_replication where state = 'streaming'") != "1":
        if time.monotonic() > deadline:
            raise LabFailed(f"standby {standby.port} is not streaming{log_tail(standby.log_file)}")
        time.sleep(0.02)
    if standby.psql("select pg_is_in_recovery()") != "True":
        raise LabFailed(f"standby {standby.port} is not in recovery")


def fail_over(cluster: Cluster, hold: float = 0.0) -> None:
    """The failover, in this process: the primary turns read-only for writers, after HOLD
    seconds the standby is promoted, and PgBouncer is moved to it (PAUSE waits for the
    sessions on the old primary to end; RELOAD with the new target; RESUME). The roles in
    CLUSTER are swapped: `primary` is the promoted server afterwards."""
    cluster.primary.psql(READ_ONLY_SQL)
    cluster.primary.psql("SELECT pg_reload_conf()")
    time.sleep(hold)
    cluster.standby.promote()
    cluster.bouncer.admin("PAUSE")
    cluster.bouncer.point_at(cluster.standby)
    cluster.bouncer.admin("RESUME")
    cluster.primary, cluster.standby = cluster.standby, cluster.primary


def promotion_command(cluster: Cluster, marks: Path, hold: float = 0.0) -> str:
    """A shell command that does what `fail_over` does, for a drill's --trigger-command.

    It writes MARKS.start (`date +%s.%N`) first and MARKS.end last, so that the outage
    window is the caller's own ground truth; its output goes to MARKS.log. MARKS.read_only
    is written once the primary's reload returned, MARKS.paused once PgBouncer's PAUSE
    returned. The roles in CLUSTER stay as they are.
    """
    primary, standby, bouncer = cluster.primary, cluster.standby, cluster.bouncer
    read_only = [
        str(cluster.psql),
        *("-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(primary.socket_dir)),
        *("-p", str(primary.port), "-U", primary.superuser, "-d", "postgres"),
        *("-c", READ_ONLY_SQL, "-c", "SELECT pg_reload_conf()"),
    ]
    admin_env = f"PGPASSWORD={shlex.quote(bouncer.admin_password)}"
    lines = [
        "#!/bin/sh",
        "set -e",
        f"date +%s.%N > {shlex.quote(f'{marks}.start')}",
        f"exec >{shlex.quote(f'{marks}.log')} 2>&1",
        f"PGPASSWORD={shlex.quote(primary.superuser_password)} {shlex.join(read_only)}",
        f"date +%s.%N > {shlex.quote(f'{marks}.read_only')}",
        f"sleep {hold:g}",
        shlex.join(as_postgres(standby.pg_ctl_command("promote", "-w", "-t", "30"))),
        f"{admin_env} {shlex.join(bouncer.admin_psql('PAUSE'))}",
        f"date +%s.%N > {shlex.quote(f'{marks}.paused')}",
        f"printf %s {shlex.quote(databases_section(standby))} "
        f"> {shlex.quote(str(bouncer.databases_file))}",
        f"{admin_env} {shlex.join(bouncer.admin_psql('RELOAD', 'RESUME'))}",
        f"date +%s.%N > {shlex.quote(f'{marks}.end')}",
    ]
    script = marks.with_name(f"{marks.name}.sh")
    script.write_text("\n".join(lines) + "\n")
    script.chmod(0o700)
    return shlex.quote(str(script))
