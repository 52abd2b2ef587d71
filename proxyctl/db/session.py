"""The SQL shell's connection (proxyctl connect): opened the way a proxy wants it, one
statement at a time, with what a person needs back (rows, tag, the server's error
fields) and the two ways to stop a running statement.

Nothing that pins is sent: autocommit, no prepared statements (prepare_threshold None),
no statement at connect; time zone and date style travel as startup parameters (libpq
sends PGTZ and PGDATESTYLE there), which the proxy tracks.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from proxyctl.db.bounded import cut
from proxyctl.db.target import Target
from proxyctl.db.tokencache import TokenCache

if TYPE_CHECKING:
    from psycopg import Connection

APPLICATION_NAME = "proxyctl"
CONNECT_TIMEOUT = 10  # seconds, libpq's whole seconds
CATALOG_QUERY = """select n.nspname, c.relname, a.attname
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
left join pg_catalog.pg_attribute a
  on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
where c.relkind in ('r', 'p', 'v', 'm', 'f')
  and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_toast'
order by 1, 2, a.attnum"""
SERVER_QUERY = "select host(inet_server_addr()), inet_server_port(), version(), pg_is_in_recovery()"


@dataclass
class StatementError:
    """The server's error fields (or the client library's message, without a SQLSTATE)."""

    message: str
    sqlstate: str | None = None
    severity: str | None = None
    detail: str | None = None
    hint: str | None = None
    position: int | None = None  # 1-based character in the statement, as the server counts


@dataclass
class Answer:
    """One statement's result: columns and rows when it returned some, and its tag."""

    columns: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] | None = None  # None: the statement returned no rows
    tag: str = ""
    rowcount: int = -1
    seconds: float = 0.0
    error: StatementError | None = None
    lost: bool = False  # the connection was lost: the statement may or may not have run
    closed_by_user: bool = False  # a second Ctrl-C closed the connection


@dataclass
class SignIn:
    """How this connection signed in: when, and, for IAM, when its token expires."""

    at: datetime
    auth: str
    token_expires: datetime | None = None


_FAILED = "connection failed: "


class ConnectFailed(Exception):
    """The connection could not be opened: libpq's message, last line first."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def fresh_password(target: Target) -> str:
    """A new IAM token (never a cached one), or the secret or typed password."""
    if target.auth == "iam" and isinstance(target.password, TokenCache):
        return target.password.renew()
    return target.password()


def connect(target: Target, password: str) -> Connection[Any]:
    import psycopg

    try:
        return open_verified(target, password, APPLICATION_NAME, CONNECT_TIMEOUT)
    except psycopg.OperationalError as exc:
        raise ConnectFailed(" ".join(last_line(str(exc)).split()).removeprefix(_FAILED)) from None


def open_verified(target: Target, password: str, application: str, timeout: int) -> Connection[Any]:
    """TARGET over verify-full TLS, autocommit, named APPLICATION, with nothing sent that
    pins a proxy's session (no prepared statements); psycopg's OperationalError when it
    cannot be opened within TIMEOUT whole seconds."""
    import psycopg

    hostaddr, port = target.libpq_address()
    return psycopg.connect(
        host=target.host,
        hostaddr=hostaddr,
        port=port,
        user=target.user,
        dbname=target.database,
        password=password,
        sslmode="verify-full",
        sslrootcert=target.cafile,
        application_name=application,
        connect_timeout=timeout,
        autocommit=True,
        prepare_threshold=None,
    )


def last_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[-1] if lines else message


def sign_in(target: Target) -> tuple[Connection[Any], SignIn]:
    """Open a connection with a fresh password or token; say when the token expires."""
    from proxyctl.tokens import inspect_token

    password = fresh_password(target)
    at = datetime.now(UTC)
    expires = None
    if target.auth == "iam":
        try:
            expires = inspect_token(password, at).expires_at
        except Exception:  # not a token we can read: say nothing about its expiry
            expires = None
    return connect(target, password), SignIn(at, target.auth, expires)


def tls_of(conn: Connection[Any]) -> tuple[str | None, str | None]:
    """(TLS version, cipher) of this client's own connection, from libpq's
    PQsslAttribute (psycopg does not wrap it): ("TLS", None) when it cannot be read."""
    pgconn = conn.pgconn
    if not pgconn.ssl_in_use:
        return None, None
    lib = _loaded_libpq()
    if lib is None:
        return "TLS", None
    import ctypes

    lib.PQsslAttribute.restype = ctypes.c_char_p
    lib.PQsslAttribute.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    handle = ctypes.c_void_p(getattr(pgconn, "pgconn_ptr", None))
    version, cipher = (lib.PQsslAttribute(handle, name) for name in (b"protocol", b"cipher"))
    return (version.decode() if version else "TLS"), (cipher.decode() if cipher else None)


def _loaded_libpq() -> Any:
    """The libpq this process already loaded (psycopg's own copy): the PGconn is its."""
    import ctypes

    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "libpq" in line and "/" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            return ctypes.CDLL(path)  # already loaded: the same library, not a second one
        except OSError:
            continue
    return None


def startup(conn: Connection[Any], name: str) -> str | None:
    return conn.info.parameter_status(name)


def _error(exc: BaseException) -> StatementError:
    diag = getattr(exc, "diag", None)
    if diag is None or not diag.message_primary:
        return StatementError(last_line(str(exc)) or type(exc).__name__)
    position = diag.statement_position
    return StatementError(
        message=diag.message_primary,
        sqlstate=diag.sqlstate,
        severity=diag.severity,
        detail=diag.message_detail,
        hint=diag.message_hint,
        position=int(position) if position and position.isdigit() else None,
    )


def _type_name(conn: Connection[Any], oid: int) -> str:
    info = conn.adapters.types.get(oid)
    return info.name if info is not None else str(oid)


def execute(conn: Connection[Any], sql: str) -> Answer:
    """Run one statement (the caller's thread); every failure is in the Answer."""
    import time

    import psycopg

    start = time.perf_counter()
    answer = Answer()
    try:
        with conn.cursor() as cur:
            cur.execute(sql.encode("utf-8"))
            answer.tag = cur.statusmessage or ""
            answer.rowcount = cur.rowcount
            if cur.description is not None:
                answer.columns = [c.name for c in cur.description]
                answer.types = [_type_name(conn, c.type_code) for c in cur.description]
                answer.rows = list(cur.fetchall())
    except psycopg.Error as exc:
        answer.error = _error(exc)
        answer.lost = conn.broken or conn.closed
    answer.seconds = time.perf_counter() - start
    return answer


class Running:
    """One statement running in a thread, so that the caller's thread stays free to take
    Ctrl-C: `cancel()` asks the server to stop it (impossible through a proxy, which sends
    no cancel key), `close()` cuts the connection under it."""

    def __init__(self, conn: Connection[Any], sql: str) -> None:
        self.conn = conn
        self.answer: Answer | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(sql,), daemon=True)
        self._thread.start()

    def _run(self, sql: str) -> None:
        try:
            self.answer = execute(self.conn, sql)
        finally:
            self._done.set()

    def wait(self, seconds: float) -> bool:
        return self._done.wait(seconds)

    def cancel(self) -> None:
        import psycopg

        # When it fails, the statement ends on its own, or the next Ctrl-C closes the link.
        with contextlib.suppress(psycopg.Error):
            self.conn.cancel()

    def close(self) -> Answer:
        """Cut the connection: the statement may still run on the server."""
        cut(self.conn)
        self._done.wait(5.0)
        self.conn.close()
        answer = self.answer or Answer()
        answer.lost, answer.closed_by_user = True, True
        return answer


def can_cancel(conn: Connection[Any]) -> bool:
    """A backend pid of 0 means no BackendKeyData came: nobody can cancel (RDS Proxy)."""
    return conn.info.backend_pid != 0


def server_facts(conn: Connection[Any]) -> tuple[str | None, int | None, str, bool]:
    """(address, port, version, in recovery) of the server behind the endpoint."""
    row = conn.execute(SERVER_QUERY).fetchone()
    if row is None:
        return None, None, "", False
    return row[0], row[1], str(row[2]), bool(row[3])


def catalog(conn: Connection[Any]) -> list[tuple[str, str, str | None]]:
    """Schemas, tables and columns for completion, from one query on this connection."""
    return [(r[0], r[1], r[2]) for r in conn.execute(CATALOG_QUERY).fetchall()]


def is_usable(conn: Connection[Any] | None) -> bool:
    return conn is not None and not conn.closed and not conn.broken


def on_notice(conn: Connection[Any], show: Callable[[str, str], None]) -> None:
    """Hand each NOTICE or WARNING from the server to SHOW(severity, message)."""
    conn.add_notice_handler(lambda d: show(d.severity or "NOTICE", d.message_primary or ""))
