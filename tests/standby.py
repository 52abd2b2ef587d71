"""A primary, its streaming standby, and a PgBouncer in front of the primary: the local
stand-in for a proxy over a cluster that fails over (issue 5, Tests item 2).

- The primary is a `tests.pg` server (TLS only, `hostssl` lines) with `wal_level=replica`
  and `replication` lines in pg_hba.conf for its socket and 127.0.0.1.
- The standby is made with `pg_basebackup -R -X stream -c fast` from the primary, runs on
  its own port and socket and serves the same certificate, so the primary's `ca_file`
  verifies both for host name `localhost`.
- PgBouncer (as `postgres` when root: it refuses root) listens on 127.0.0.1 and on a unix
  socket, terminates client TLS itself with a certificate for `localhost` from the same CA,
  takes `app` / APP_PASSWORD with scram-sha-256 (session pooling), and connects to the
  primary over TLS (verify-ca: the server certificate names no IP address). Its
  `[databases]` section lives in an `%include`d file that the switch rewrites. An admin
  user (`ADMIN_USER`, in `admin_users`) runs PAUSE, RELOAD and RESUME on its console.

`promotion_command` writes the trigger: a shell script that records its start, makes the
primary read-only for writers (25006 for new transactions, also in open sessions), promotes
the standby, moves PgBouncer to it (PAUSE, rewrite the target port, RELOAD, RESUME) and
records its end. `running_cluster` starts the three and stops them all, in reverse order
and by their own pids, also when the test fails; the `promotion_cluster` fixture wraps it
(a test module enables it with ``pytest_plugins = ["tests.standby"]``).

PYTEST_DONT_REWRITE: no asserts here, and test modules import it before pytest loads it as
a plugin (which would otherwise warn that it cannot rewrite it).
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import pg

ADMIN_USER = "bouncer_admin"
BOUNCER_DATABASE = "app"  # the name clients ask PgBouncer for; it maps to `app` on a server
HOW_TO_GET_PGBOUNCER = (
    "pgbouncer not found: as root run `apt-get install pgbouncer` (bash tests/run.sh does it)."
)
READ_ONLY_SQL = "ALTER SYSTEM SET default_transaction_read_only = on"


@dataclass
class PgBouncer:
    """A running PgBouncer; `stop()` ends it by its own pid."""

    port: int
    base_dir: Path
    admin_password: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    owns_base_dir: bool = field(default=False, repr=False)

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "sock"

    @property
    def databases_file(self) -> Path:
        """The `%include`d `[databases]` section: where clients' connections go."""
        return self.base_dir / "databases.ini"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "pgbouncer.log"

    def admin_psql(self, psql: Path, *commands: str) -> list[str]:
        """psql on the admin console over the unix socket, one `-c` for each command."""
        return [
            str(psql),
            *("-X", "-q", "-v", "ON_ERROR_STOP=1"),
            *("-h", str(self.socket_dir), "-p", str(self.port), "-U", ADMIN_USER, "pgbouncer"),
            *(arg for command in commands for arg in ("-c", command)),
        ]

    def admin(self, psql: Path, *commands: str) -> str:
        env = {**_clean_env(), "PGPASSWORD": self.admin_password}
        out = subprocess.run(
            self.admin_psql(psql, *commands), env=env, capture_output=True, text=True, check=False
        )
        if out.returncode != 0:
            raise RuntimeError(f"pgbouncer admin {commands} failed: {out.stderr}{self.log_tail()}")
        return out.stdout

    def log_tail(self) -> str:
        log = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
        return f"\n{self.log_file}:\n{log}"

    def stop(self) -> None:
        """SIGTERM (immediate shutdown) to its pid, SIGKILL if it lingers; then remove files."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        if self.owns_base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)


@dataclass
class Cluster:
    """A primary, its standby, and PgBouncer in front of the primary."""

    primary: pg.PgServer
    standby: pg.PgServer
    bouncer: PgBouncer

    @property
    def ca_file(self) -> Path:
        if self.primary.ca_file is None:
            raise RuntimeError("the primary was started without TLS")
        return self.primary.ca_file

    @property
    def psql(self) -> Path:
        return find_psql(self.primary.bindir)


def find_pgbouncer() -> Path:
    """pgbouncer on PATH, else Debian's /usr/sbin/pgbouncer (not on a user's PATH)."""
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/sbin")
    if found is None:
        raise pg.PgUnavailable(HOW_TO_GET_PGBOUNCER)
    return Path(found)


def find_psql(bindir: Path) -> Path:
    found = bindir / "psql" if (bindir / "psql").is_file() else shutil.which("psql")
    if found is None:
        raise pg.PgUnavailable(f"psql not found in {bindir} or on PATH")
    return Path(found)


@contextmanager
def running_cluster(tmp: Path, bindir: Path) -> Iterator[Cluster]:
    """Start the primary, its standby and PgBouncer under `tmp`; stop them all at the end."""
    pgbouncer = find_pgbouncer()
    with ExitStack() as stack:  # reverse order, and every step even when one fails
        primary = pg.start_server(tmp / "primary", bindir=bindir)
        stack.callback(primary.remove)
        allow_replication(primary)
        standby = start_standby(primary, tmp)
        stack.callback(standby.remove)
        bouncer = start_pgbouncer(primary, tmp, pgbouncer)
        stack.callback(bouncer.stop)
        yield Cluster(primary, standby, bouncer)


@pytest.fixture
def promotion_cluster(
    pg_bindir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """A primary, a streaming standby and PgBouncer in front of the primary, for one test."""
    try:
        find_pgbouncer()
    except pg.PgUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    with running_cluster(tmp_path_factory.mktemp("promotion"), pg_bindir) as cluster:
        yield cluster


def allow_replication(primary: pg.PgServer) -> None:
    """`replication` lines in pg_hba.conf (socket and 127.0.0.1, TLS only); wal_level=replica."""
    with (primary.data_dir / "pg_hba.conf").open("a") as hba:
        hba.write(
            "local replication all scram-sha-256\n"
            f"hostssl replication all {pg.HOST}/32 scram-sha-256\n"
        )
    primary.reload()
    # replica is PostgreSQL's default; changing it would need a restart, so check instead.
    if primary.psql("show wal_level") not in ("replica", "logical"):
        raise RuntimeError(f"port {primary.port}: wal_level is not replica")


def start_standby(primary: pg.PgServer, tmp: Path) -> pg.PgServer:
    """A streaming standby of `primary` on its own port, serving the same certificate."""
    port = pg.free_port()
    base_dir, owned = pg.make_base_dir(tmp, f"standby-{port}")
    standby = pg.PgServer(
        host=pg.HOST,
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
        passfile = base_dir / "pgpass"  # for pg_basebackup, then for streaming (-R keeps it)
        pg.write_file(passfile, f"*:*:*:*:{primary.superuser_password}\n".encode(), 0o600)
        source = (
            f"host={pg.HOST} port={primary.port} user={primary.superuser} "
            f"sslmode=verify-ca sslrootcert={primary.ca_file} passfile={passfile}"
        )
        pg.run_as_postgres(
            standby,
            [
                str(primary.bindir / "pg_basebackup"),
                *("-D", str(standby.data_dir), "-d", source),
                *("-R", "-X", "stream", "-c", "fast", "--no-sync"),
            ],
        )
        pg.make_dir(base_dir / "sock")
        for name, mode in (("server.crt", 0o644), ("server.key", 0o600)):
            pg.write_file(base_dir / name, (primary.base_dir / name).read_bytes(), mode)
        settings = {
            "port": str(port),
            "unix_socket_directories": str(base_dir / "sock"),
            "ssl_cert_file": str(base_dir / "server.crt"),
            "ssl_key_file": str(base_dir / "server.key"),
            "hot_standby": "on",
        }
        with (standby.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# tests/standby.py: the standby's own port, socket and files\n")
            conf.writelines(f"{key} = '{value}'\n" for key, value in settings.items())
        standby.start()
        _wait_streaming(primary, standby)
    except BaseException:
        standby.remove()
        raise
    return standby


def _wait_streaming(primary: pg.PgServer, standby: pg.PgServer, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while primary.psql("select count(*) from pg_stat_replication where state = 'streaming'") != "1":
        if time.monotonic() > deadline:
            log = standby.log_file.read_text()[-2000:] if standby.log_file.exists() else ""
            raise RuntimeError(f"standby {standby.port} is not streaming:\n{log}")
        time.sleep(0.02)
    if standby.psql("select pg_is_in_recovery()") != "True":
        raise RuntimeError(f"standby {standby.port} is not in recovery")


def databases_section(target: pg.PgServer) -> str:
    """PgBouncer's `[databases]` section sending BOUNCER_DATABASE to `target`."""
    return (
        "[databases]\n"
        f"{BOUNCER_DATABASE} = host={target.host} port={target.port} dbname={pg.APP_DATABASE}\n"
    )


def start_pgbouncer(primary: pg.PgServer, tmp: Path, pgbouncer: Path) -> PgBouncer:
    """PgBouncer in front of `primary`: client TLS (a `localhost` certificate from the
    primary's CA), scram-sha-256, session pooling, and an admin user for its console."""
    if primary.ca is None or primary.ca_file is None:
        raise RuntimeError("PgBouncer's client TLS needs the primary's CA: start it with TLS")
    port = pg.free_port()
    base_dir, owned = pg.make_base_dir(tmp, f"bouncer-{port}")
    bouncer = PgBouncer(port, base_dir, secrets.token_urlsafe(16), owns_base_dir=owned)
    try:
        pg.make_dir(bouncer.socket_dir)
        cert = primary.ca.issue_cert("localhost")
        chain = b"".join(blob.bytes() for blob in cert.cert_chain_pems)
        pg.write_file(base_dir / "bouncer.crt", chain, 0o644)
        pg.write_file(base_dir / "bouncer.key", cert.private_key_pem.bytes(), 0o600)
        pg.write_file(base_dir / "ca.pem", primary.ca_file.read_bytes(), 0o644)
        users = f'"{pg.APP_USER}" "{pg.APP_PASSWORD}"\n"{ADMIN_USER}" "{bouncer.admin_password}"\n'
        pg.write_file(base_dir / "userlist.txt", users.encode(), 0o600)
        pg.write_file(bouncer.databases_file, databases_section(primary).encode(), 0o644)
        settings = {
            "listen_addr": pg.HOST,
            "listen_port": str(port),
            "unix_socket_dir": str(bouncer.socket_dir),
            "auth_type": "scram-sha-256",
            "auth_file": str(base_dir / "userlist.txt"),
            "admin_users": ADMIN_USER,
            "pool_mode": "session",
            "client_tls_sslmode": "require",
            "client_tls_cert_file": str(base_dir / "bouncer.crt"),
            "client_tls_key_file": str(base_dir / "bouncer.key"),
            "client_tls_ca_file": str(base_dir / "ca.pem"),
            # The server certificate names localhost and db.test, PgBouncer dials 127.0.0.1.
            "server_tls_sslmode": "verify-ca",
            "server_tls_ca_file": str(base_dir / "ca.pem"),
            # After a failed server login PgBouncer waits this long (default 15 s).
            "server_login_retry": "1",
            "query_wait_timeout": "10",
            "logfile": str(bouncer.log_file),
            "log_connections": "0",
            "log_disconnections": "0",
        }
        ini = f"%include {bouncer.databases_file}\n\n[pgbouncer]\n"
        ini += "".join(f"{key} = {value}\n" for key, value in settings.items())
        pg.write_file(base_dir / "pgbouncer.ini", ini.encode(), 0o644)
        bouncer.process = _spawn_as_postgres([str(pgbouncer), str(base_dir / "pgbouncer.ini")])
        _wait_listening(bouncer, find_psql(primary.bindir))
    except BaseException:
        bouncer.stop()
        raise
    return bouncer


def _spawn_as_postgres(cmd: list[str]) -> subprocess.Popen[bytes]:
    """Start CMD in the background, as `postgres` when root: its pid is CMD's own."""
    uid, gid = pg.postgres_ids() if pg.is_root() else (None, None)
    return subprocess.Popen(
        cmd,
        env=_clean_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        user=uid,
        group=gid,
        extra_groups=[] if uid is not None else None,
    )


def _wait_listening(bouncer: PgBouncer, psql: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if bouncer.process is not None and bouncer.process.poll() is not None:
            raise RuntimeError(
                f"pgbouncer exited ({bouncer.process.returncode}){bouncer.log_tail()}"
            )
        try:
            bouncer.admin(psql, "SHOW VERSION")
            return
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _clean_env() -> dict[str, str]:
    """The environment without PG* variables (PGPORT, PGHOST... must not steer the tests)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def promotion_command(cluster: Cluster, marks: Path, hold: float = 0.0) -> str:
    """A shell command that fails the primary over to the standby behind PgBouncer.

    It writes MARKS.start (`date +%s.%N`) first and MARKS.end last, so that the outage
    window is the test's own ground truth; its output goes to MARKS.log. In between:
    1. the primary turns read-only for writers (`default_transaction_read_only` + reload),
       so clients still reaching it get 25006, as they would from a demoted writer;
    2. after `hold` seconds (a real cluster takes seconds to notice and promote), the
       standby is promoted (`pg_ctl promote -w`: returns once it takes writes);
    3. PgBouncer: PAUSE (waits for the sessions on the primary to end, then holds new
       queries; MARKS.paused once it returned), rewrite the `[databases]` target to the
       standby's port, RELOAD, RESUME.
    """
    primary, standby, bouncer = cluster.primary, cluster.standby, cluster.bouncer
    psql = str(cluster.psql)
    promote = [str(standby.bindir / "pg_ctl"), "promote", "-w", "-t", "30"]
    promote += ["-D", str(standby.data_dir)]
    if pg.is_root():
        promote = ["runuser", "-u", "postgres", "--", *promote]
    read_only = [
        psql,
        *("-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(primary.base_dir / "sock")),
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
        f"sleep {hold:g}",
        shlex.join(promote),
        f"{admin_env} {shlex.join(bouncer.admin_psql(cluster.psql, 'PAUSE'))}",
        f"date +%s.%N > {shlex.quote(f'{marks}.paused')}",
        f"printf %s {shlex.quote(databases_section(standby))} "
        f"> {shlex.quote(str(bouncer.databases_file))}",
        f"{admin_env} {shlex.join(bouncer.admin_psql(cluster.psql, 'RELOAD', 'RESUME'))}",
        f"date +%s.%N > {shlex.quote(f'{marks}.end')}",
    ]
    script = marks.with_name(f"{marks.name}.sh")
    script.write_text("\n".join(lines) + "\n")
    script.chmod(0o700)
    return shlex.quote(str(script))
