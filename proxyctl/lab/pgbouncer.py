"""PgBouncer, the pooler that holds client connections across a failover.

It listens on 127.0.0.1 and on a unix socket, terminates client TLS itself with a
certificate from the lab CA, takes `app` / APP_PASSWORD with scram-sha-256 and connects
to its server over TLS (verify-ca: the server certificate names no IP address). Its
`[databases]` section lives in an `%include`d file that `point_at` rewrites; an admin
user runs PAUSE, RELOAD and RESUME on its console. It refuses root, as PostgreSQL does.
"""

from __future__ import annotations

import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from proxyctl.lab import certs
from proxyctl.lab.errors import LabFailed, LabToolMissing
from proxyctl.lab.postgres import APP_DATABASE, APP_PASSWORD, APP_USER, PgServer, find_psql
from proxyctl.lab.system import (
    HOST,
    clean_env,
    free_port,
    log_tail,
    make_base_dir,
    make_dir,
    spawn_as_postgres,
    write_file,
)

ADMIN_USER = "bouncer_admin"
# Server connections per database and user (PgBouncer's own default, written out): what the
# lab's proxy fronts publish as MaxDatabaseConnectionsAllowed.
POOL_SIZE = 20
BOUNCER_DATABASE = "app"  # the name clients ask PgBouncer for; it maps to `app` on a server
HOW_TO_GET_PGBOUNCER = (
    "Debian/Ubuntu: `apt-get install pgbouncer` as root; macOS: `brew install pgbouncer`"
)


@dataclass
class PgBouncer:
    """A running PgBouncer; `stop()` ends it by its own pid."""

    port: int
    base_dir: Path
    admin_password: str = field(repr=False)
    psql: Path = field(default=Path("psql"), repr=False)  # runs the admin console
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    owns_base_dir: bool = field(default=False, repr=False)
    every_database: bool = field(default=False, repr=False)  # `*`: any name, same server

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

    def admin_psql(self, *commands: str) -> list[str]:
        """psql on the admin console over the unix socket, one `-c` for each command (the
        console speaks only the simple query protocol); the password goes in PGPASSWORD."""
        return [
            str(self.psql),
            *("-X", "-q", "-v", "ON_ERROR_STOP=1"),
            *("-h", str(self.socket_dir), "-p", str(self.port), "-U", ADMIN_USER, "pgbouncer"),
            *(arg for command in commands for arg in ("-c", command)),
        ]

    def admin(self, *commands: str) -> str:
        """Run COMMANDS on the admin console (PAUSE, RELOAD, RESUME, SHOW ...) with psql."""
        env = {**clean_env(), "PGPASSWORD": self.admin_password}
        out = subprocess.run(self.admin_psql(*commands), env=env, capture_output=True, text=True)
        if out.returncode != 0:
            raise LabFailed(f"pgbouncer {commands} failed: {out.stderr}{log_tail(self.log_file)}")
        return out.stdout

    def point_at(self, server: PgServer) -> None:
        """Send new server connections to SERVER: rewrite `[databases]`, then RELOAD."""
        section = databases_section(server, self.every_database)
        write_file(self.databases_file, section.encode(), 0o644)
        self.admin("RELOAD")

    def set_users(self, users: dict[str, str]) -> None:
        """Who may sign in, and with which password (PgBouncer signs in to the server with
        it too): rewrite the auth file, then RELOAD."""
        write_file(self.base_dir / "userlist.txt", userlist(users, self.admin_password), 0o600)
        self.admin("RELOAD")

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


def find_pgbouncer() -> Path:
    """pgbouncer on PATH, else Debian's /usr/sbin/pgbouncer (not on a user's PATH)."""
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/sbin")
    if found is None:
        raise LabToolMissing("pgbouncer not found", HOW_TO_GET_PGBOUNCER)
    return Path(found)


def databases_section(target: PgServer, every_database: bool = False) -> str:
    """PgBouncer's `[databases]` section sending BOUNCER_DATABASE to `target`; with
    EVERY_DATABASE, any database name to the database of that name on `target`."""
    if every_database:
        return f"[databases]\n* = host={target.host} port={target.port}\n"
    return (
        "[databases]\n"
        f"{BOUNCER_DATABASE} = host={target.host} port={target.port} dbname={APP_DATABASE}\n"
    )


def userlist(users: dict[str, str], admin_password: str) -> bytes:
    """PgBouncer's auth file: USERS (name -> password) and the admin user."""

    def quoted(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    lines = [f"{quoted(u)} {quoted(p)}\n" for u, p in {**users, ADMIN_USER: admin_password}.items()]
    return "".join(lines).encode()


@dataclass(frozen=True)
class PoolerOptions:
    """How the pooler serves clients: session (1:1) or transaction pooling, client TLS
    required or off (a front on loopback terminates TLS), `app` only or every database,
    and who may sign in (default: `app`)."""

    pool_mode: str = "session"
    client_tls: bool = True
    every_database: bool = False
    users: dict[str, str] | None = None


def start_pgbouncer(
    server: PgServer,
    parent: Path,
    pgbouncer: Path | None = None,
    options: PoolerOptions = PoolerOptions(),
) -> PgBouncer:
    """PgBouncer in a new directory under PARENT, in front of SERVER: by default client
    TLS (a `localhost` certificate from the server's CA), scram-sha-256, session pooling,
    and an admin user for its console; OPTIONS change that."""
    if server.ca is None or server.ca_file is None:
        raise LabFailed("PgBouncer's client TLS needs the server's CA: start it with TLS")
    program = pgbouncer or find_pgbouncer()
    port = free_port()
    base_dir, owned = make_base_dir(parent, f"bouncer-{port}")
    psql = find_psql(server.bindir)
    bouncer = PgBouncer(port, base_dir, secrets.token_urlsafe(16), psql, owns_base_dir=owned)
    bouncer.every_database = options.every_database
    try:
        make_dir(bouncer.socket_dir)
        leaf = certs.issue(server.ca, ("localhost",))
        certs.write_leaf(leaf, base_dir / "bouncer.crt", base_dir / "bouncer.key")
        write_file(base_dir / "ca.pem", server.ca_file.read_bytes(), 0o644)
        users = userlist(options.users or {APP_USER: APP_PASSWORD}, bouncer.admin_password)
        write_file(base_dir / "userlist.txt", users, 0o600)
        section = databases_section(server, options.every_database)
        write_file(bouncer.databases_file, section.encode(), 0o644)
        write_file(base_dir / "pgbouncer.ini", _ini(bouncer, options).encode(), 0o644)
        bouncer.process = spawn_as_postgres([str(program), str(base_dir / "pgbouncer.ini")])
        _wait_listening(bouncer)
    except BaseException:
        bouncer.stop()
        raise
    return bouncer


def _ini(bouncer: PgBouncer, options: PoolerOptions) -> str:
    base_dir = bouncer.base_dir
    settings = {
        "listen_addr": HOST,
        "listen_port": str(bouncer.port),
        "unix_socket_dir": str(bouncer.socket_dir),
        "auth_type": "scram-sha-256",
        "auth_file": str(base_dir / "userlist.txt"),
        "admin_users": ADMIN_USER,
        "pool_mode": options.pool_mode,
        "client_tls_sslmode": "require" if options.client_tls else "disable",
        "client_tls_cert_file": str(base_dir / "bouncer.crt"),
        "client_tls_key_file": str(base_dir / "bouncer.key"),
        "client_tls_ca_file": str(base_dir / "ca.pem"),
        # The server certificate names localhost and db.test, PgBouncer dials 127.0.0.1.
        "server_tls_sslmode": "verify-ca",
        "server_tls_ca_file": str(base_dir / "ca.pem"),
        # After a failed server login PgBouncer waits this long (default 15 s): a
        # promotion would stall clients that long.
        "server_login_retry": "1",
        "query_wait_timeout": "10",
        "default_pool_size": str(POOL_SIZE),
        "logfile": str(bouncer.log_file),
        "log_connections": "0",
        "log_disconnections": "0",
    }
    ini = f"%include {bouncer.databases_file}\n\n[pgbouncer]\n"
    return ini + "".join(f"{key} = {value}\n" for key, value in settings.items())


def _wait_listening(bouncer: PgBouncer, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if bouncer.process is not None and bouncer.process.poll() is not None:
            code = bouncer.process.returncode
            raise LabFailed(f"pgbouncer exited ({code}){log_tail(bouncer.log_file)}")
        try:
            bouncer.admin("SHOW VERSION")
            return
        except LabFailed:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
