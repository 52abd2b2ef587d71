"""The last data-plane phase: a query that says where we landed, then timed round trips.

Every statement is bounded by the target's timeout: a server or proxy that signs
clients in and then never answers ends in a finding, not a hang. A connection
lost on the way, or an answer PostgreSQL would not give, is a finding too.
"""

from __future__ import annotations

import statistics
import time
from typing import TYPE_CHECKING, Any

from proxyctl.db.bounded import Overdue, Worker, cut
from proxyctl.db.run import timed
from proxyctl.model.findings import Finding, fail, ok

if TYPE_CHECKING:
    from proxyctl.db.run import Phases

QUERY = (
    "select version(), current_user, current_database(), inet_server_addr(), pg_is_in_recovery()"
)
COLUMNS = 5
LOST_HINT = (
    "The server or the proxy closed the connection: a failover or restart, "
    "pg_terminate_backend, an idle or 24-hour limit, or a network cut. Look at the "
    "server's log and the proxy's events, then run check again."
)


def run_query(t: Phases, conn: Any) -> None:
    worker = Worker()
    try:
        with timed(t, "query") as out:
            answer = _statement(t, worker, conn, QUERY, "the query", out)
            if answer is None:
                return
            described = describe(answer[0])
            out.append(described)
            if described.code == "query.ok":
                _round_trips(t, worker, conn, out)
    finally:
        worker.close()
        conn.close()


def _round_trips(t: Phases, worker: Worker, conn: Any, out: list[Finding]) -> None:
    times = []
    for number in range(1, t.samples + 1):
        what = f"round trip {number} of {t.samples}"
        answer = _statement(t, worker, conn, "select 1", what, out)
        if answer is None:
            break
        times.append(answer[1])
    if times:
        out.insert(1, latency(times))  # after query.ok, before a failure


def _statement(
    t: Phases, worker: Worker, conn: Any, sql: str, what: str, out: list[Finding]
) -> tuple[Any, float] | None:
    """(first row, milliseconds), or None after adding the finding that says why not."""
    import psycopg

    def run() -> tuple[Any, float]:
        start = time.perf_counter()
        row = conn.execute(sql).fetchone()
        return row, (time.perf_counter() - start) * 1000

    try:
        return worker.run(t.timeout, run, stop=lambda: cut(conn))
    except Overdue:
        out.append(
            fail(
                "query.timeout",
                "query",
                f"no answer to {what} within {t.timeout:g} s.",
                "The server (or the proxy) signs clients in but does not run queries: look "
                "for a blocked or overloaded database, a proxy whose pool is exhausted "
                "(DatabaseConnectionsBorrowLatency), or a stuck tunnel; --connect-timeout "
                "sets this bound.",
            )
        )
    except psycopg.Error as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        if conn.broken or conn.closed:
            said = f"the connection was lost during {what}: {message}"
            out.append(fail("query.lost", "query", said, LOST_HINT))
        else:
            hint = "See the server's message; run again with --debug for more."
            out.append(fail("query.failed", "query", f"{what} failed: {message}", hint))
    return None


def describe(row: Any) -> Finding:
    """The answer to QUERY as a finding; anything but PostgreSQL's five columns fails."""
    hint = (
        "That is not PostgreSQL's answer: check that the host and port reach a PostgreSQL "
        "server or a proxy in front of one, not something else that speaks its protocol."
    )
    if row is None:
        return fail("query.unexpected", "query", "the query returned no row.", hint)
    if len(row) != COLUMNS:
        plural = "" if len(row) == 1 else "s"
        said = f"the answer to the query has {len(row)} column{plural}, not {COLUMNS}."
        return fail("query.unexpected", "query", said, hint)
    version, user, database, server, recovery = row
    if not isinstance(version, str) or not isinstance(recovery, bool):
        said = "the answer to the query is not a version and a recovery state."
        return fail("query.unexpected", "query", said, hint)
    role = "a read-only standby" if recovery else "the writer"
    return ok(
        "query.ok",
        "query",
        f"{user}@{database} on {server or 'a local socket'}, {role}: {version.split(',')[0]}",
        version=version,
        user=str(user),
        database=str(database),
        server_address=str(server),
        in_recovery=recovery,
    )


def latency(times: list[float]) -> Finding:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    return ok(
        "query.latency",
        "query",
        f"{len(times)} round trips: min {ordered[0]:.2f} ms, "
        f"median {median:.2f} ms, p99 {p99:.2f} ms.",
        samples=len(times),
        min_ms=round(ordered[0], 3),
        median_ms=round(median, 3),
        p99_ms=round(p99, 3),
    )
