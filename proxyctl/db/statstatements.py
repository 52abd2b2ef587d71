"""The statements a database has run, from pg_stat_statements, over the Target.

pg_stat_statements normalizes constants to $n, as the proxy's log digests do. A user
without pg_read_all_stats sees other users' statements as `<insufficient privilege>`:
those are counted, not classified.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from proxyctl.errors import ConnectionProblem, NotFoundError

if TYPE_CHECKING:
    from proxyctl.db.target import Target

QUERY = "select query, calls from pg_stat_statements order by calls desc, query"
HIDDEN = "<insufficient privilege>"
ENABLE_HINT = (
    "pg_stat_statements must be loaded at server start and created in the database: "
    "shared_preload_libraries = 'pg_stat_statements' in postgresql.conf (then restart), "
    "then `CREATE EXTENSION pg_stat_statements;` in this database. On RDS and Aurora the "
    "default parameter groups usually preload it: check shared_preload_libraries in the "
    "instance's DB parameter group (Aurora: the cluster parameter group; a change there "
    "needs a reboot), then run the CREATE EXTENSION as the master user."
)
# SQLSTATEs: the view is missing (no CREATE EXTENSION), or the library was not preloaded.
_UNDEFINED_TABLE = "42P01"
_NOT_PRELOADED = "55000"


@dataclass(frozen=True)
class StatementStats:
    statements: list[tuple[str, int]]  # (normalized text, calls), most called first
    hidden: int  # statements of other users this user may not read
    hidden_calls: int


def read_statements(target: Target, timeout: float) -> StatementStats:
    """Every statement pg_stat_statements holds, read over TARGET."""
    import psycopg

    conn = connect(target, timeout, application="proxyctl-pinning")
    try:
        rows = conn.execute(QUERY).fetchall()
    except psycopg.Error as exc:
        raise _query_error(exc, target) from exc
    finally:
        conn.close()
    seen = [(str(q), int(c)) for q, c in rows if q is not None and q != HIDDEN]
    hidden = [int(c) for q, c in rows if q is None or q == HIDDEN]
    return StatementStats(seen, len(hidden), sum(hidden))


def connect(target: Target, timeout: float, application: str) -> Any:
    """A verified, bounded connection that sends nothing that pins, named APPLICATION in
    pg_stat_activity (so a reading can leave itself out)."""
    import psycopg

    from proxyctl.db.session import open_verified

    try:
        return open_verified(target, target.password(), application, max(2, round(timeout)))
    except psycopg.OperationalError as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        raise ConnectionProblem(
            f"could not connect to {target.where} ({target.auth}): "
            f"{lines[-1] if lines else type(exc).__name__}",
            hint="Run `proxyctl check` with the same options: it tells each step apart.",
        ) from exc


def _query_error(exc: Exception, target: Target) -> Exception:
    sqlstate = getattr(exc, "sqlstate", None)
    said = (str(exc).strip().splitlines() or [type(exc).__name__])[0]  # not LINE 1: ... ^
    if sqlstate in (_UNDEFINED_TABLE, _NOT_PRELOADED):
        missing = (
            "is not created in this database"
            if sqlstate == _UNDEFINED_TABLE
            else "is not loaded (shared_preload_libraries)"
        )
        return NotFoundError(
            f"pg_stat_statements {missing} on {target.where}/{target.database}: {said}",
            hint=ENABLE_HINT,
            field="--from-db",
        )
    return ConnectionProblem(f"reading pg_stat_statements on {target.where} failed: {said}")
