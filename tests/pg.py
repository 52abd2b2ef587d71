"""Real PostgreSQL servers for tests, started and stopped by the tests themselves.

Each server listens on 127.0.0.1 on a free port, keeps its socket and files in a temporary
directory, runs with fsync=off and accepts only scram-sha-256 logins. With TLS (the default)
its certificate comes from a `trustme` CA and pg_hba.conf has only `hostssl` lines, so
plaintext clients are refused; without TLS it has `ssl = off` and a `host` line.
Every server has a login role and database `app` (password `APP_PASSWORD`).

Fixtures (a test module enables them with ``pytest_plugins = ["tests.pg"]``):
  pg_tls     session-wide TLS server, certificate for localhost and db.test
  pg_plain   session-wide server without TLS
  pg_server  a function that starts a special server (expired certificate, own CA...)
             for one test; use it too for tests that stop or restart a server
Helpers: `start_server` (call `PgServer.remove` in a `finally`), `hanging_server`,
`free_port`, `find_bindir`, `freeze_command` with `thawed` (a postmaster stopped with
SIGSTOP for a known time, as a proxy holds clients during a failover).

As root (CI), every server command runs as the `postgres` user through `runuser`, and the
server's directory is made under /tmp when `postgres` cannot reach the given one (pytest's
temporary directories are mode 0700 and owned by root).

PYTEST_DONT_REWRITE: this module has no asserts, and test modules import it before pytest
loads it as a plugin (which would otherwise warn that it cannot rewrite it).
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest
import trustme

T = TypeVar("T")
HOST = "127.0.0.1"
APP_USER = "app"
APP_DATABASE = "app"
APP_PASSWORD = "app-password"
CERT_NAMES = ("localhost", "db.test")
DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")  # holds <version>/bin on Debian and Ubuntu
HOW_TO_GET = (
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: as root run "
    "`apt-get install postgresql` (bash tests/run.sh does it), or set PROXYCTL_PG_BINDIR "
    "to the directory that holds them."
)
# A unix socket path must fit in sockaddr_un.sun_path (108 bytes on Linux).
_SOCKET_NAME_ROOM = len("/sock/.s.PGSQL.65535.lock") + 1
_SUN_PATH_MAX = 108


class PgUnavailable(RuntimeError):
    """The server binaries or the `postgres` user are missing; the message says how to fix."""


@dataclass
class PgServer:
    """A running (or stopped) test server. Its superuser logs in over the unix socket."""

    host: str
    port: int
    data_dir: Path
    ca: trustme.CA | None
    ca_file: Path | None  # PEM of the CA that signed the server certificate
    superuser_password: str
    superuser: str = "postgres"
    bindir: Path = field(default=Path(), repr=False)
    base_dir: Path = field(default=Path(), repr=False)  # data, socket, log, certificates
    owns_base_dir: bool = field(default=False, repr=False)  # made under /tmp: remove() deletes

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    def conninfo(self, **kw: Any) -> str:
        """A libpq conninfo for `app`: verify-full against `ca_file` with TLS, else plaintext.

        It names host `localhost` and connects to `hostaddr` 127.0.0.1, so `host=db.test`
        checks the certificate for that name. A keyword overrides; None drops the key.
        """
        from psycopg.conninfo import make_conninfo

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
        params.update(kw)
        return make_conninfo(**{k: v for k, v in params.items() if v is not None})

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run SQL as superuser (autocommit); the last result's rows as `a|b` lines."""
        import psycopg

        with psycopg.connect(
            host=str(self.base_dir / "sock"),
            port=self.port,
            dbname=dbname,
            user=self.superuser,
            password=self.superuser_password,
            autocommit=True,
            connect_timeout=5,
        ) as conn:
            cur = conn.execute(sql.encode())
            if cur.description is None:
                return ""
            rows = cur.fetchall()
        return "\n".join("|".join("" if v is None else str(v) for v in row) for row in rows)

    def start(self) -> None:
        log = str(self.log_file)
        _pg_ctl(self, "start", "-w", "-t", "30", "-l", log)

    def stop(self) -> None:
        """Fast shutdown, waiting until it is down; nothing happens if it is not running."""
        if (self.data_dir / "postmaster.pid").exists():
            _pg_ctl(self, "stop", "-m", "fast", "-w", "-t", "30")

    def restart(self) -> None:
        """Fast restart: open connections are cut (SQLSTATE 57P01)."""
        _pg_ctl(self, "restart", "-m", "fast", "-w", "-t", "30", "-l", str(self.log_file))

    def reload(self) -> None:
        """Reread the configuration, pg_hba.conf and TLS files; returns once it has."""
        before = self.psql("select pg_conf_load_time()")
        _pg_ctl(self, "reload")
        deadline = time.monotonic() + 10
        while self.psql("select pg_conf_load_time()") == before:
            if time.monotonic() > deadline:
                raise RuntimeError(f"port {self.port} did not reload; see {self.log_file}")
            time.sleep(0.01)

    def use_cert(self, cert: trustme.LeafCert) -> None:
        """Serve `cert` from now on (new connections); `ca_file` is not changed."""
        _write_server_cert(self.base_dir, cert)
        self.reload()

    def remove(self) -> None:
        """Stop the server (by its own pid if pg_ctl fails) and delete a directory made in /tmp."""
        try:
            self.stop()
        except (RuntimeError, OSError):
            _kill_postmaster(self.data_dir)
        if self.owns_base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)


def start_server(
    tmp: Path,
    *,
    tls: bool = True,
    cert_names: tuple[str, ...] = CERT_NAMES,
    ca: trustme.CA | None = None,
    not_after: datetime | None = None,
    expired: bool = False,
    bindir: Path | None = None,
) -> PgServer:
    """Start a server in a new directory under `tmp`; the caller should `remove()` it.

    With `tls`, `ca` (a new one if None) signs a certificate for `cert_names`; a `not_after`
    in the past makes it expired, as does `expired` (expired yesterday). `bindir` defaults to
    `find_bindir()`; fixtures pass theirs, found before the test's isolation clears
    PROXYCTL_PG_BINDIR. Servers still running at interpreter exit are removed then.
    """
    if expired:
        not_after = datetime.now(UTC) - timedelta(days=1)
    bindir = bindir or find_bindir()
    port = free_port()
    base_dir, owned = make_base_dir(tmp, f"pg-{port}")
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
    atexit.register(server.remove)  # a safety net for callers that forget to
    try:
        _initdb(server)
        if tls:
            server.ca = ca or trustme.CA()
            server.ca_file = base_dir / "ca.pem"
            server.ca.cert_pem.write_to_path(server.ca_file)
            _write_server_cert(base_dir, _issue(server.ca, cert_names, not_after))
        _configure(server, tls)
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
        raise PgUnavailable(f"PROXYCTL_PG_BINDIR={override} has no initdb and pg_ctl. {HOW_TO_GET}")
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
    raise PgUnavailable(HOW_TO_GET)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def hanging_server() -> Iterator[int]:
    """The port of a TCP server on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.create_server((HOST, 0))
    listener.settimeout(0.05)
    accepted: list[socket.socket] = []
    done = threading.Event()

    def accept_until_done() -> None:
        while not done.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept_until_done, name="hanging-server", daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        done.set()
        thread.join()
        listener.close()
        for conn in accepted:
            conn.close()


def postmaster_pid(server: PgServer) -> int:
    """The postmaster's pid: the first line of its postmaster.pid."""
    return int((server.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])


def freeze_command(server: PgServer, seconds: float, marks: Path, *, whole: bool = False) -> str:
    """A shell command that freezes SERVER's postmaster (SIGSTOP) for SECONDS, then thaws
    it (SIGCONT). It writes MARKS.start (`date +%s.%N`) just before the SIGSTOP,
    MARKS.thaw just before the SIGCONT and MARKS.end just after it: the freeze window,
    the test's ground truth (no answer can come before MARKS.thaw). While
    frozen, new connections queue in the kernel and complete after the thaw. Sessions
    already open keep working (their backends run on), unless `whole`: then every
    process of the server stops (the postmaster first, so that none is forked
    meanwhile) and an open session's queries wait too. Run it inside `thawed(server)`,
    which sends SIGCONT whatever happens."""
    pid = postmaster_pid(server)
    start, thaw, end = (shlex.quote(f"{marks}.{name}") for name in ("start", "thaw", "end"))
    children = f"$(ps -o pid= --ppid {pid})" if whole else ""
    return (
        f"date +%s.%N > {start}; kill -STOP {pid} {children}; sleep {seconds:g}; "
        f"date +%s.%N > {thaw}; kill -CONT {pid} {children}; date +%s.%N > {end}"
    )


def freeze_window(marks: Path) -> tuple[float, float, float]:
    """(start, thaw, end) of the freeze that `freeze_command` recorded, epoch seconds."""
    return tuple(  # type: ignore[return-value]
        float(marks.with_name(f"{marks.name}.{name}").read_text())
        for name in ("start", "thaw", "end")
    )


@contextmanager
def thawed(server: PgServer) -> Iterator[None]:
    """SIGCONT to SERVER's postmaster on the way out, so that a test that fails while the
    server is frozen leaves it running (and stoppable) for the next test."""
    pid = postmaster_pid(server)
    try:
        yield
    finally:
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        for each in [pid, *map(int, children)]:
            with suppress(ProcessLookupError):
                os.kill(each, signal.SIGCONT)


# Fixtures ---------------------------------------------------------------------------------


class StartServer(Protocol):
    def __call__(
        self,
        *,
        tls: bool = True,
        cert_names: tuple[str, ...] = CERT_NAMES,
        ca: trustme.CA | None = None,
        not_after: datetime | None = None,
        expired: bool = False,
    ) -> PgServer: ...


@pytest.fixture(scope="session")
def pg_bindir() -> Path:
    """The server binaries; the test fails (never skips) with how to get them."""
    return _or_fail(find_bindir)


@pytest.fixture(scope="session")
def pg_tls(pg_bindir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    """A TLS-only server for the session, certificate for localhost and db.test."""
    with _servers(pg_bindir, tmp_path_factory) as start:
        yield start()


@pytest.fixture(scope="session")
def pg_plain(pg_bindir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    """A server without TLS for the session."""
    with _servers(pg_bindir, tmp_path_factory) as start:
        yield start(tls=False)


@pytest.fixture
def pg_server(pg_bindir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartServer]:
    """Starts servers like `start_server` for one test; all are removed at its end."""
    with _servers(pg_bindir, tmp_path_factory) as start:
        yield start


@contextmanager
def _servers(bindir: Path, factory: pytest.TempPathFactory) -> Iterator[StartServer]:
    with ExitStack() as stack:  # removes every server even when one removal fails

        def start(**kw: Any) -> PgServer:
            server = _or_fail(lambda: start_server(factory.mktemp("pg"), bindir=bindir, **kw))
            stack.callback(server.remove)
            return server

        yield start


def _or_fail(make: Callable[[], T]) -> T:
    """`make()`, or fail the test (never skip it) with the message saying what is missing."""
    try:
        return make()
    except PgUnavailable as exc:
        missing = str(exc)
    pytest.fail(missing, pytrace=False)  # outside `except`: no chained traceback


# Internals --------------------------------------------------------------------------------


def _has_server(bindir: Path) -> bool:
    return (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file()


def is_root() -> bool:
    return os.geteuid() == 0


def postgres_ids() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        raise PgUnavailable(
            "running as root, the tests start PostgreSQL as the `postgres` user, which does "
            "not exist; `apt-get install postgresql` creates it."
        ) from None
    return entry.pw_uid, entry.pw_gid


def make_base_dir(tmp: Path, name: str) -> tuple[Path, bool]:
    """A directory the server may own: `tmp/name`, or a new one in /tmp if that cannot be."""
    path = tmp.resolve() / name
    fits = len(str(path)) + _SOCKET_NAME_ROOM <= _SUN_PATH_MAX
    if fits and (not is_root() or _reachable_by_postgres(tmp.resolve())):
        make_dir(path)
        return path, False
    path = Path(tempfile.mkdtemp(prefix="proxyctl-pg-"))
    if is_root():
        os.chown(path, *postgres_ids())
    return path, True


def _reachable_by_postgres(path: Path) -> bool:
    if not path.is_dir():
        return False
    uid = postgres_ids()[0]
    for part in (path, *path.parents):
        st = part.stat()
        if not (st.st_mode & 0o001 or (st.st_uid == uid and st.st_mode & 0o100)):
            return False
    return True


def make_dir(path: Path) -> None:
    if is_root():
        subprocess.run(
            ["install", "-d", "-o", "postgres", "-g", "postgres", "-m", "700", str(path)],
            check=True,
        )
    else:
        path.mkdir(mode=0o700, parents=True)


def write_file(path: Path, data: bytes, mode: int) -> None:
    """Write a file the server reads: owned by postgres when root, with `mode`."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), mode)
        if is_root():
            os.fchown(f.fileno(), *postgres_ids())
        f.write(data)


def _issue(ca: trustme.CA, names: tuple[str, ...], not_after: datetime | None) -> trustme.LeafCert:
    if not_after is None:
        return ca.issue_cert(*names)
    # trustme's default not_before (year 2000) is fine; keep it before not_after anyway.
    return ca.issue_cert(*names, not_before=not_after - timedelta(days=30), not_after=not_after)


def _write_server_cert(base_dir: Path, cert: trustme.LeafCert) -> None:
    chain = b"".join(blob.bytes() for blob in cert.cert_chain_pems)
    write_file(base_dir / "server.crt", chain, 0o644)
    write_file(base_dir / "server.key", cert.private_key_pem.bytes(), 0o600)


def _initdb(server: PgServer) -> None:
    pwfile = server.base_dir / "pwfile"
    write_file(pwfile, server.superuser_password.encode() + b"\n", 0o600)
    try:
        run_as_postgres(
            server,
            [
                str(server.bindir / "initdb"),
                *("-D", str(server.data_dir), "-U", server.superuser),
                *("--auth=scram-sha-256", f"--pwfile={pwfile}", "--no-sync"),
                *("--encoding=UTF8", "--locale=C"),
            ],
        )
    finally:
        pwfile.unlink()
    make_dir(server.base_dir / "sock")


def _configure(server: PgServer, tls: bool) -> None:
    settings = {
        "listen_addresses": HOST,
        "port": str(server.port),
        "unix_socket_directories": str(server.base_dir / "sock"),
        "password_encryption": "scram-sha-256",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "ssl": "on" if tls else "off",
    }
    if tls:
        settings["ssl_cert_file"] = str(server.base_dir / "server.crt")
        settings["ssl_key_file"] = str(server.base_dir / "server.key")
    with (server.data_dir / "postgresql.conf").open("a") as conf:
        conf.write("\n# tests/pg.py\n")
        conf.writelines(f"{key} = '{value}'\n" for key, value in settings.items())
    # Only hostssl with TLS: a plaintext client finds no pg_hba.conf line and is refused.
    tcp = "hostssl" if tls else "host"
    hba = f"local all all scram-sha-256\n{tcp} all all {HOST}/32 scram-sha-256\n"
    (server.data_dir / "pg_hba.conf").write_text(hba)


def _pg_ctl(server: PgServer, *args: str) -> None:
    run_as_postgres(server, [str(server.bindir / "pg_ctl"), *args, "-D", str(server.data_dir)])


def run_as_postgres(server: PgServer, cmd: list[str]) -> None:
    if is_root():
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    # PG* variables (PGPORT, PGDATA...) from the caller's shell must not steer these servers.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    out = subprocess.run(
        cmd, cwd=server.base_dir, env=env, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        log = server.log_file.read_text()[-2000:] if server.log_file.exists() else ""
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stdout}{out.stderr}\n"
            f"{server.log_file}:\n{log}"
        )


def _kill_postmaster(data_dir: Path) -> None:
    """Last resort when pg_ctl cannot stop it: SIGQUIT to the pid in its own postmaster.pid."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        os.kill(pid, signal.SIGQUIT)
    except (OSError, ValueError):
        pass
