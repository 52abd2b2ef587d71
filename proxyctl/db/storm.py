"""One client of a connection storm: sign in, run a statement, leave; and a monitor that
counts the database's own connections (pg_stat_activity). Errors get a load class.
Connections are session.connect's (verify-full TLS, a 10 s connect timeout)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from proxyctl.db.classify import classify

if TYPE_CHECKING:
    from psycopg import Connection

    from proxyctl.db.target import Target

# 53300 carries no SQLSTATE while connecting through libpq: its text does.
_TOO_MANY = re.compile(
    r"too many clients|remaining connection slots|too many connections|"
    r"maximum number of client connections|no more connections allowed",
    re.I,
)
_BORROW = re.compile(r"timed-out waiting to acquire database connection|query_wait_timeout", re.I)
LOAD_CLASSES = ("auth", "tls", "timeout", "refused")


def open_session(target: Target) -> Connection[Any]:
    """A new TLS connection signed in with the Target's (cached) password or token."""
    from proxyctl.db.session import connect

    return connect(target, target.password())


def run_statement(conn: Connection[Any], sql: str) -> None:
    cur = conn.execute(sql)
    if cur.description is not None:
        cur.fetchall()


def load_class(exc: BaseException) -> tuple[str, str]:
    """too_many_connections (53300), borrow_timeout (the proxy's pool wait), auth, tls,
    timeout, refused or other; and the one-line message."""
    from proxyctl.db.session import ConnectFailed

    if isinstance(exc, ConnectFailed) and exc.__context__ is not None:
        exc = exc.__context__  # libpq's whole text: its last line alone may not say why
    found, _, message = classify(exc)
    if getattr(exc, "sqlstate", None) == "53300" or _TOO_MANY.search(str(exc)):
        return "too_many_connections", message
    if _BORROW.search(str(exc)):
        return "borrow_timeout", message
    return (str(found) if str(found) in LOAD_CLASSES else "other"), message


def database_connections(conn: Connection[Any], user: str) -> int:
    """The client backends of USER other than this monitor's own connection."""
    row = conn.execute(
        "select count(*) from pg_stat_activity where usename = %s"
        " and backend_type = 'client backend' and pid <> pg_backend_pid()",
        (user,),
    ).fetchone()
    return int(row[0]) if row else 0
