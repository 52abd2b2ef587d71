"""The proxy's own count of a load run: its CloudWatch ClientConnections and
DatabaseConnections for the minutes the run touched.

CloudWatch holds one value a minute (the gauges are read as `status` reads them: Sum over
the minute, since AWS publishes them per proxy node) and publishes a minute some time
after it ends, a minute or more in AWS: the run's last minute is waited for, up to
--cloudwatch-wait. A minute counts every client of the proxy, not only the load's, and a
storm shorter than a minute may come and go between two values: the figures are the
proxy's view, and the pg_stat_activity monitor (--monitor) is the finer one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from proxyctl.model.metrics import PERIOD, Window
from proxyctl.validate import duration_text

POLL = 10.0  # seconds between two reads while the run's minutes are not all published


@dataclass(frozen=True)
class Minute:
    at: datetime  # the minute's start, UTC
    client_connections: float | None  # None: CloudWatch has no value for it (yet)
    database_connections: float | None


@dataclass(frozen=True)
class ProxyCount:
    proxy: str
    minutes: tuple[Minute, ...]
    note: str  # where the figures come from, or why some are missing

    @property
    def complete(self) -> bool:
        return published(self.minutes)

    @property
    def database_values(self) -> list[float]:
        return [m.database_connections for m in self.minutes if m.database_connections is not None]


def published(minutes: tuple[Minute, ...]) -> bool:
    """Every minute has its DatabaseConnections value."""
    return all(m.database_connections is not None for m in minutes)


def run_window(began: datetime, ended: datetime) -> Window:
    """The whole minutes from the one the run began in to the one it ended in."""
    start = began.astimezone(UTC).replace(second=0, microsecond=0)
    last = ended.astimezone(UTC).replace(second=0, microsecond=0)
    return Window(start, last + timedelta(seconds=PERIOD))


def minutes_text(window: Window) -> str:
    """ "minute 18:40 UTC" or "minutes 18:40-18:42 UTC"."""
    last = window.end - timedelta(seconds=PERIOD)
    if last == window.start:
        return f"minute {window.start:%H:%M} UTC"
    return f"minutes {window.start:%H:%M}-{last:%H:%M} UTC"


def read_minutes(cloudwatch: Any, proxy: str, window: Window) -> tuple[Minute, ...]:
    from proxyctl.aws.metrics import read_metrics

    series = read_metrics(cloudwatch, proxy, window)
    clients = series["ClientConnections"].at()
    database = series["DatabaseConnections"].at()
    count = int(window.seconds // PERIOD)
    starts = [window.start + timedelta(seconds=PERIOD * i) for i in range(count)]
    return tuple(Minute(at, clients.get(at), database.get(at)) for at in starts)


def count(
    read: Callable[[Window], tuple[Minute, ...]],
    proxy: str,
    began: datetime,
    ended: datetime,
    wait: float,
    *,
    waiting: Callable[[str], None],
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> ProxyCount:
    """The run's minutes as CloudWatch has them, once all are published or WAIT seconds
    after the call; WAIT 0 reads once, at once. WAITING is told once when it waits. A
    refused read is said in the note: the load's own figures stand without it."""
    from proxyctl.errors import ProxyctlError

    window = run_window(began, ended)
    deadline = now() + timedelta(seconds=wait)
    told = False
    while True:
        if now() >= window.end or now() >= deadline:
            try:
                minutes = read(window)
            except ProxyctlError as exc:
                return ProxyCount(proxy, (), f"CloudWatch not read: {exc.message}")
            if published(minutes) or now() >= deadline:
                return ProxyCount(proxy, minutes, _note(proxy, window, minutes, wait))
        if not told:
            waiting(
                f"waiting up to {duration_text(wait)} for CloudWatch's "
                f"{minutes_text(window)} of proxy {proxy} (--cloudwatch-wait 0s does not wait)"
            )
            told = True
        pause = POLL if now() >= window.end else (window.end - now()).total_seconds()
        sleep(max(0.0, min(pause, (deadline - now()).total_seconds())))


def _note(proxy: str, window: Window, minutes: tuple[Minute, ...], wait: float) -> str:
    missing = sum(1 for m in minutes if m.database_connections is None)
    if missing:
        return (
            f"CloudWatch had not published {'' if len(minutes) == 1 else f'{missing} of '}the "
            f"run's {minutes_text(window)} after {duration_text(wait)}: `proxyctl status "
            f"{proxy}` shows it later (or wait longer with --cloudwatch-wait)"
        )
    return (
        f"CloudWatch DatabaseConnections of proxy {proxy}, one value a minute, "
        f"{minutes_text(window)}, counting all of the proxy's clients"
    )
