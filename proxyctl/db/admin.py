"""Statements run as the superuser of a server we started ourselves (the lab's).

Not for servers the user points us at: those are reached through the Target.
"""

from __future__ import annotations

from typing import Any


def conninfo(**params: Any) -> str:
    """A libpq conninfo string from keywords, quoted as libpq wants; None drops a key."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(**{k: v for k, v in params.items() if v is not None})


def run_sql(sql: str, **params: Any) -> list[tuple[Any, ...]] | None:
    """Run SQL in autocommit on a connection made from PARAMS (libpq keywords); the last
    result's rows, or None when it returns none (a SET, a CREATE)."""
    import psycopg

    with psycopg.connect(autocommit=True, **params) as conn:
        cur = conn.execute(sql.encode())
        return None if cur.description is None else cur.fetchall()
