"""Real PostgreSQL servers on loopback, started and stopped by their owner.

Each server listens on 127.0.0.1 on a free port, keeps its socket and files in its own
directory, runs with fsync=off and accepts only scram-sha-256 logins. With TLS (the
default) its certificate comes from a lab CA and pg_hba.conf has only `hostssl` lines,
so plaintext clients are refused; without TLS it has `ssl = off` and a `host` line.
Every server has a login role and database `app` (password APP_PASSWORD).
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from proxyctl.db import admin
from proxyctl.lab import certs
from proxyctl.lab.errors import LabFailed, LabToolMissing
from proxyctl.lab.system import (
    HOST,
    free_port,
    make_base_dir,
    make_dir,
    run_as_postgres,
    write_file,
)

if TYPE_CHECKING:
    import trustme

APP_USER = "app"
APP_DATABASE = "app"
APP_PASSWORD = "app-password"
CERT_NAMES = ("localhost", "db.test")
DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")  # holds <version>/bin on Debian and Ubuntu
PG_MISSING = "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found"
HOW_TO_GET_PG = (
    "Debian/Ubuntu: `apt-get install postgresql` as root; macOS: `brew install postgresql@15`; "
    "or set PROXYCTL_PG_BINDIR to the directory that holds them."
)


@dataclass
class PgServer:
    """A running (or stopped) server. Its superuser logs in over the unix socket."""

    host: str
    port: int
    data_dir: Path
    ca: trustme.CA | None
    ca_file: Path | None  # PEM of the CA that signed the server certificate
    superuser_password: str = field(repr=False)
    superuser: str = "postgres"
    bindir: Path = field(default=Path(), repr=False)
    base_dir: Path = field(default=Path(), repr=False)  # data, socket, log, certificates
    owns_base_dir: bool = field(default=False, repr=False)  # made in /tmp: remove() deletes

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "sock"

    def conninfo(self, **kw: Any) -> str:
        """A libpq conninfo for `app`: verify-full against `ca_file` with TLS, else plaintext.

        It names host `localhost` and connects to `hostaddr` 127.0.0.1, so `host=db.test`
        checks the certificate for that name. A keyword overrides; None drops the key.
        """
        params: dict[str, Any] = {
            "host": "localhost",
            "hostaddr": self.host,
            "port": self.port,
            "dbname": APP_DATABASE,
            "user": APP_USER,
            "password": APP_PASSWORD,
            "connect_timeout": 5,
        }
        if self.ca_file is not None:
            params.update(sslmode="verify-full", sslrootcert=str(self.ca_file))
        else:
            params["sslmode"] = "disable"
        return admin.conninfo(**{**params, **kw})

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run SQL as superuser (autocommit); the last result's rows as `a|b` lines."""
        rows = admin.run_sql(
            sql,
            host=str(self.socket_dir),
            port=self.port,
            dbname=dbname,
            user=self.superuser,
            password=self.superuser_password,
            connect_timeout=5,
        )
        return "\n".join("|".join("" if v is None else str(v) for v in row) for row in rows or [])

    def start(self) -> None:
        self.pg_ctl("start", "-w", "-t", "30", "-l", str(self.log_file))

    def stop(self) -> None:
        """Fast shutdown, waiting until it is down; nothing happens if it is not running."""
        if (self.data_dir / "postmaster.pid").exists():
            self.pg_ctl("stop", "-m", "fast", "-w", "-t", "30")

    def restart(self) -> None:
        """Fast restart: open connections are cut (SQLSTATE 57P01)."""
        self.pg_ctl("restart", "-m", "fast", "-w", "-t", "30", "-l", str(self.log_file))

    def promote(self) -> None:
        """A standby takes writes from now on (`pg_ctl promote -w`, about 0.1 s)."""
        self.pg_ctl("promote", "-w", "-t", "30")

    def reload(self) -> None:
        """Reread the configuration, pg_hba.conf and TLS files; returns once it has."""
        before = self.psql("select pg_conf_load_time()")
        self.pg_ctl("reload")
        deadline = time.monotonic() + 10
        while self.psql("select pg_conf_load_time()") == before:
            if time.monotonic() > deadline:
                raise LabFailed(f"port {self.port} did not reload; see {self.log_file}")
            time.sleep(0.01)

    def use_cert(self, cert: trustme.LeafCert) -> None:
        """Serve `cert` from now on (new connections); `ca_file` is not changed."""
        certs.write_leaf(cert, self.base_dir / "server.crt", self.base_dir / "server.key")
        self.reload()

    def pg_ctl_command(self, *args: str) -> list[str]:
        return [str(self.bindir / "pg_ctl"), *args, "-D", str(self.data_dir)]

    def pg_ctl(self, *args: str) -> None:
        run_as_postgres(self.pg_ctl_command(*args), cwd=self.base_dir, log=self.log_file)

    def postmaster_pid(self) -> int:
        """The postmaster's pid: the first line of its postmaster.pid."""
        return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])

    def remove(self) -> None:
        """Stop the server (by its own pid if pg_ctl fails) and delete a directory made in /tmp."""
        try:
            self.stop()
        except (LabFailed, OSError):
            _kill_postmaster(self)
        if self.owns_base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)


def start_server(
    parent: Path,
    *,
    tls: bool = True,
    cert_names: tuple[str, ...] = CERT_NAMES,
    ca: trustme.CA | None = None,
    not_after: datetime | None = None,
    expired: bool = False,
    bindir: Path | None = None,
    stop_at_exit: bool = True,
    settings: dict[str, str] | None = None,
) -> PgServer:
    """Start a server in a new directory under `parent`; the caller should `remove()` it.

    With `tls`, `ca` (a new one if None) signs a certificate for `cert_names`; a `not_after`
    in the past makes it expired, as does `expired` (expired yesterday). `bindir` defaults
    to `find_bindir()`. With `stop_at_exit`, a server still running when this interpreter
    exits is removed then (a safety net); a lab that outlives its command passes False.
    SETTINGS go to postgresql.conf before the first start (shared_preload_libraries...).
    """
    if expired:
        not_after = datetime.now(UTC) - timedelta(days=1)
    bindir = bindir or find_bindir()
    port = free_port()
    base_dir, owned = make_base_dir(parent, f"pg-{port}")
    server = PgServer(
        host=HOST,
        port=port,
        data_dir=base_dir / "data",
        ca=None,
        ca_file=None,
        superuser_password=secrets.token_urlsafe(16),
        bindir=bindir,
        base_dir=base_dir,
        owns_base_dir=owned,
    )
    if stop_at_exit:
        atexit.register(server.remove)
    try:
        _initdb(server)
        if tls:
            _serve_tls(server, ca or certs.new_ca(), cert_names, not_after)
        _configure(server, tls)
        if settings:
            append_settings(server, "the caller's settings", settings)
        server.start()
        server.psql(f"create role {APP_USER} login password '{APP_PASSWORD}'")
        server.psql(f"create database {APP_DATABASE} owner {APP_USER}")
    except BaseException:
        server.remove()
        raise
    return server


def find_bindir() -> Path:
    """PROXYCTL_PG_BINDIR, else `pg_config --bindir`, PATH, /usr/lib/postgresql/<newest>/bin."""
    override = os.environ.get("PROXYCTL_PG_BINDIR")
    if override:
        if _has_server(Path(override)):
            return Path(override)
        missing = f"PROXYCTL_PG_BINDIR={override} has no initdb and pg_ctl"
        raise LabToolMissing(missing, HOW_TO_GET_PG)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and _has_server(Path(out.stdout.strip())):
            return Path(out.stdout.strip())
    initdb = shutil.which("initdb")
    if initdb and _has_server(Path(initdb).resolve().parent):
        return Path(initdb).resolve().parent
    versions = [p.parent for p in DEBIAN_PG_ROOT.glob("*/bin/initdb") if _has_server(p.parent)]
    if versions:
        return max(versions, key=lambda b: [int(n) for n in re.findall(r"\d+", b.parent.name)])
    raise LabToolMissing(PG_MISSING, HOW_TO_GET_PG)


def find_psql(bindir: Path) -> Path:
    """psql next to the server binaries, else on PATH."""
    found = bindir / "psql" if (bindir / "psql").is_file() else shutil.which("psql")
    if found is None:
        raise LabToolMissing(
            f"psql not found in {bindir} or on PATH",
            "Debian/Ubuntu: `apt-get install postgresql-client`; macOS: `brew install libpq`",
        )
    return Path(found)


def _has_server(bindir: Path) -> bool:
    return (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file()


def _serve_tls(
    server: PgServer, ca: trustme.CA, names: tuple[str, ...], not_after: datetime | None
) -> None:
    server.ca, server.ca_file = ca, server.base_dir / "ca.pem"
    certs.write_ca(ca, server.ca_file)
    leaf = certs.issue(ca, names, not_after)
    certs.write_leaf(leaf, server.base_dir / "server.crt", server.base_dir / "server.key")


def _initdb(server: PgServer) -> None:
    pwfile = server.base_dir / "pwfile"
    write_file(pwfile, server.superuser_password.encode() + b"\n", 0o600)
    try:
        run_as_postgres(
            [
                str(server.bindir / "initdb"),
                *("-D", str(server.data_dir), "-U", server.superuser),
                *("--auth=scram-sha-256", f"--pwfile={pwfile}", "--no-sync"),
                *("--encoding=UTF8", "--locale=C"),
            ],
            cwd=server.base_dir,
        )
    finally:
        pwfile.unlink()
    make_dir(server.socket_dir)


def _configure(server: PgServer, tls: bool) -> None:
    settings = {
        "listen_addresses": HOST,
        "port": str(server.port),
        "unix_socket_directories": str(server.socket_dir),
        "password_encryption": "scram-sha-256",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "ssl": "on" if tls else "off",
    }
    if tls:
        settings["ssl_cert_file"] = str(server.base_dir / "server.crt")
        settings["ssl_key_file"] = str(server.base_dir / "server.key")
    append_settings(server, "proxyctl lab", settings)
    # Only hostssl with TLS: a plaintext client finds no pg_hba.conf line and is refused.
    tcp = "hostssl" if tls else "host"
    hba = f"local all all scram-sha-256\n{tcp} all all {HOST}/32 scram-sha-256\n"
    (server.data_dir / "pg_hba.conf").write_text(hba)


def append_settings(server: PgServer, why: str, settings: dict[str, str]) -> None:
    """SETTINGS at the end of postgresql.conf (the last one wins), under a `# WHY` line."""
    with (server.data_dir / "postgresql.conf").open("a") as conf:
        conf.write(f"\n# {why}\n")
        conf.writelines(f"{key} = '{value}'\n" for key, value in settings.items())


def _kill_postmaster(server: PgServer) -> None:
    """Last resort when pg_ctl cannot stop it: SIGQUIT to the pid in its own postmaster.pid."""
    with suppress(OSError, ValueError):
        os.kill(server.postmaster_pid(), signal.SIGQUIT)
