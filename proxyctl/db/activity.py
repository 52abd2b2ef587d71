"""Who is connected to a database now, from pg_stat_activity, over the Target.

A user without pg_read_all_stats sees other users' sessions with their state and
start time hidden: those are counted as "(hidden)", not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from proxyctl.db.statstatements import connect  # the same bounded, verified connect
from proxyctl.errors import ConnectionProblem

if TYPE_CHECKING:
    from proxyctl.db.target import Target

# Client backends only; ages in seconds since each backend started (NULL when hidden).
QUERY = """
select coalesce(nullif(application_name, ''), '(none)'),
       coalesce(state, '(hidden)'),
       count(*),
       count(*) filter (where now() - backend_start < interval '60 seconds'),
       min(extract(epoch from now() - backend_start))::float8
from pg_stat_activity
where backend_type = 'client backend' and pid <> pg_backend_pid()
group by 1, 2
order by 3 desc, 1, 2
"""
YOUNG = 60  # seconds: a backend younger than this is a sign of connect-per-request churn


@dataclass(frozen=True)
class Group:
    application: str
    state: str
    count: int
    young: int  # of them, started less than YOUNG seconds ago
    youngest: float | None  # seconds since the newest of them started


def read_activity(target: Target, timeout: float) -> list[Group]:
    """The database's client connections by application and state, largest group first."""
    import psycopg

    conn = connect(target, timeout, application="proxyctl-advise")
    try:
        rows = conn.execute(QUERY).fetchall()
    except psycopg.Error as exc:
        said = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConnectionProblem(
            f"reading pg_stat_activity on {target.where} failed: {said}"
        ) from exc
    finally:
        conn.close()
    return [
        Group(str(a), str(s), int(n), int(y), None if m is None else float(m))
        for a, s, n, y, m in rows
    ]
