"""`\\conninfo`: where this session is connected, how, and what it can and cannot do.

Never the token: for IAM only when the one used for this connection expires (an open
session outlives it). Through a proxy, `pg_stat_ssl` would describe the proxy's own
connection to the database: the TLS line is read from this client's handshake.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from proxyctl.db import session
from proxyctl.output import clean, iso

if TYPE_CHECKING:
    from proxyctl.shell.core import Shell


def _token_line(shell: Shell, now: datetime) -> str:
    signed = shell.signed
    if signed is None:
        return "-"
    line = f"{signed.auth}, signed in {iso(signed.at)}"
    if signed.token_expires is not None:
        left = int((signed.token_expires - now).total_seconds())
        state = f"in {left // 60} min {left % 60} s" if left > 0 else "expired; the session stays"
        line += f"; its token expires {iso(signed.token_expires)} ({state})"
    return line


def _server_line(shell: Shell) -> str:
    address, port, version, recovery = session.server_facts(shell.conn)
    role = "in recovery (a read-only standby)" if recovery else "the writer"
    where = f"{address}:{port}" if address else "a local socket"
    return f"{where}, {clean(version.split(',')[0])}, {role}"


def lines(shell: Shell, now: datetime | None = None) -> list[tuple[str, str]]:
    """(label, text) pairs; the server line costs one query on this connection."""
    t, conn = shell.target, shell.conn
    now = now or datetime.now(UTC)
    endpoint = f"{t.host}:{t.port}"
    if t.via is not None:
        endpoint += f" via {t.via[0]}:{t.via[1]}"
    version, cipher = session.tls_of(conn)
    tls = f"{version}, {cipher}" if version else "none"
    pid = conn.info.backend_pid
    cancel = (
        f"possible (backend pid {pid})"
        if pid
        else "not possible: no cancel key (backend pid 0), as through RDS Proxy"
    )
    pinned = "yes, by " + "; ".join(shell.pinned) if shell.pinned else "no (nothing sent pins it)"
    zone = session.startup(conn, "TimeZone") or "-"
    style = session.startup(conn, "DateStyle") or "-"
    return [
        ("endpoint", endpoint),
        ("user", t.user),
        ("database", t.database),
        ("TLS", tls),
        ("trust store", t.store),
        ("sign-in", _token_line(shell, now)),
        ("application", session.startup(conn, "application_name") or "-"),
        ("server", _server_line(shell)),
        ("cancel", cancel),
        ("pinned", pinned),
        (
            "time zone",
            f"{zone}; DateStyle {style} (PGTZ and PGDATESTYLE set them at start-up, which does "
            "not pin; SET would)",
        ),
    ]


def text(shell: Shell) -> str:
    pairs = lines(shell)
    width = max(len(label) for label, _ in pairs)
    return "\n".join(f"{label.ljust(width)}  {clean(value)}" for label, value in pairs) + "\n"
