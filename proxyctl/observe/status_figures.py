"""What a proxy's metrics say, in figures we compute ourselves from the raw series.

Pure: series in, readings out. A minute without data stays None all the way to the
screen ("no data yet"), so that a metric CloudWatch has not published never passes
for zero. The ratios are computed per minute from minutes where both sides have data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from proxyctl.model.metrics import Series, Window
from proxyctl.validate import duration_text

Points = dict[datetime, float]
NO_DATA = "no data yet"


@dataclass(frozen=True)
class Reading:
    """One line of the metrics view: what the latest minute with data says, and the
    per-minute values behind it (one sparkline each)."""

    key: str  # stable: connections, pinned, pool, borrow_latency, ...
    label: str
    text: str  # the sentence shown, or "no data yet"
    value: float | None = None  # the headline figure; None: no data yet
    at: datetime | None = None  # the minute it is from
    lines: tuple[tuple[str, tuple[float | None, ...]], ...] = field(
        default=(), metadata={"json": False}
    )


def minutes(window: Window) -> list[datetime]:
    """Each one-minute period of WINDOW, oldest first."""
    step = timedelta(seconds=window.period)
    count = int(window.seconds // window.period)
    return [window.start + step * i for i in range(count)]


def on_grid(points: Mapping[datetime, float], grid: list[datetime]) -> tuple[float | None, ...]:
    return tuple(points.get(minute) for minute in grid)


def divide(top: Mapping[datetime, float], bottom: Mapping[datetime, float]) -> Points:
    """TOP / BOTTOM for each minute where both have data and BOTTOM is not zero."""
    return {t: top[t] / bottom[t] for t in top if bottom.get(t)}


def latest(points: Mapping[datetime, float]) -> tuple[datetime, float] | None:
    return max(points.items()) if points else None


def number(value: float) -> str:
    """A count as people write it: 412, 10.8."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def clock(moment: datetime) -> str:
    return moment.strftime("%H:%MZ")


def latency_text(microseconds: float) -> str:
    if microseconds >= 1_000_000:
        return f"{microseconds / 1_000_000:.2f} s"
    if microseconds >= 1000:
        return f"{microseconds / 1000:.1f} ms"
    return f"{microseconds:.0f} µs"


def connections(series: Mapping[str, Series], grid: list[datetime]) -> Reading:
    """Client against database connections and the multiplexing ratio they give."""
    client = series["ClientConnections"].at()
    database = series["DatabaseConnections"].at()
    ratio = divide(client, database)
    lines = (
        ("client", on_grid(client, grid)),
        ("database", on_grid(database, grid)),
        ("ratio", on_grid(ratio, grid)),
    )
    both = latest({t: v for t, v in ratio.items()})
    if both is None:
        text = _one_side(client, database)
        return Reading("connections", "connections", text, lines=lines)
    at, value = both
    text = (
        f"{number(client[at])} client connections on {number(database[at])} database "
        f"connections: {value:.1f}x (at {clock(at)})"
    )
    return Reading("connections", "connections", text, round(value, 2), at, lines)


def _one_side(client: Points, database: Points) -> str:
    """What there is when no minute has both sides (or only zero database connections)."""
    seen_client, seen_database = latest(client), latest(database)
    if seen_client is None and seen_database is None:
        return NO_DATA
    parts = [
        f"{number(seen[1])} {what} connections (at {clock(seen[0])})"
        if seen is not None
        else f"{what} connections: {NO_DATA}"
        for what, seen in (("client", seen_client), ("database", seen_database))
    ]
    return "; ".join(parts) + "; no multiplexing ratio"


def single(
    key: str,
    label: str,
    points: Points,
    grid: list[datetime],
    say: Callable[[datetime, float], tuple[str, float]],
) -> Reading:
    """A reading of one per-minute series: SAY gives the sentence and the headline figure
    from its latest minute with data."""
    lines = ((label, on_grid(points, grid)),)
    seen = latest(points)
    if seen is None:
        return Reading(key, label, NO_DATA, lines=lines)
    text, value = say(*seen)
    return Reading(key, label, text, value, seen[0], lines)


def share(
    key: str, label: str, part: Points, whole: Points, grid: list[datetime], words: str
) -> Reading:
    """PART of WHOLE per minute, as a percentage: `12 of 38 WORDS: 32%`."""

    def say(at: datetime, value: float) -> tuple[str, float]:
        said = f"{number(part[at])} of {number(whole[at])} {words}: {value:.0%}"
        return f"{said} (at {clock(at)})", round(value, 4)

    return single(key, label, divide(part, whole), grid, say)


def latency(key: str, label: str, points: Points, grid: list[datetime]) -> Reading:
    def say(at: datetime, value: float) -> tuple[str, float]:
        return f"{latency_text(value)} average (at {clock(at)})", value

    return single(key, label, points, grid, say)


def per_minute(key: str, label: str, points: Points, grid: list[datetime], span: str) -> Reading:
    """A count per one-minute period: the total over the window and the latest minute."""
    total = sum(points.values())

    def say(at: datetime, value: float) -> tuple[str, float]:
        return f"{number(total)} in {span}; {number(value)}/min at {clock(at)}", total

    return single(key, label, points, grid, say)


def readings(series: Mapping[str, Series], window: Window) -> list[Reading]:
    grid = minutes(window)
    span = duration_text(window.seconds)
    data = {name: s.at() for name, s in series.items()}
    database = data["DatabaseConnections"]
    return [
        connections(series, grid),
        share(
            "pinned",
            "pinned",
            data["DatabaseConnectionsCurrentlySessionPinned"],
            database,
            grid,
            "database connections pinned",
        ),
        share(
            "pool",
            "pool in use",
            data["DatabaseConnectionsCurrentlyBorrowed"],
            data["MaxDatabaseConnectionsAllowed"],
            grid,
            "allowed database connections borrowed",
        ),
        latency("borrow_latency", "borrow latency", data["DatabaseConnectionsBorrowLatency"], grid),
        latency("query_latency", "query latency", data["QueryResponseLatency"], grid),
        per_minute(
            "failed_sign_ins",
            "failed sign-ins",
            data["ClientConnectionsSetupFailedAuth"],
            grid,
            span,
        ),
        per_minute(
            "failed_database_connections",
            "failed db connects",
            data["DatabaseConnectionsSetupFailed"],
            grid,
            span,
        ),
    ]
