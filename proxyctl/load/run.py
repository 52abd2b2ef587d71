"""A load run: the same Load against each endpoint in turn, each with its monitor."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from proxyctl.errors import ConnectionProblem
from proxyctl.load.cloudwatch import ProxyCount
from proxyctl.load.generator import Load, Storm
from proxyctl.load.measure import MIN_SAMPLES, EndpointResult
from proxyctl.load.monitor import Monitor
from proxyctl.steady import steady_collector

if TYPE_CHECKING:
    from proxyctl.db.target import Target

TICK = 0.25  # how often the live view is redrawn
NOT_MEASURED = (
    "not measured: give --monitor HOST:PORT (the database itself, not the proxy) to count "
    "them, or --proxy NAME for its CloudWatch minutes"
)


@dataclass(frozen=True)
class Endpoint:
    label: str  # proxy, direct, or the user's LABEL
    target: Target
    monitor: Target | None  # where pg_stat_activity is read; None: not measured
    proxy: str | None = None  # the RDS proxy it is, whose CloudWatch minutes count it too


class View(Protocol):
    def begin(self, label: str, where: str) -> None: ...
    def update(self, storm: Storm) -> None: ...
    def end(self, result: EndpointResult) -> None: ...


class Interrupted(Exception):
    """Ctrl-C: the endpoints measured so far, the last one partial."""

    def __init__(self, results: list[EndpointResult]) -> None:
        super().__init__("interrupted")
        self.results = results


ProxyCounter = Callable[[str, datetime, datetime], ProxyCount]  # proxy, run's start and end


def run(
    load: Load, endpoints: list[Endpoint], view: View, count_proxy: ProxyCounter | None = None
) -> list[EndpointResult]:
    """Each endpoint in turn; then, for a proxy that no monitor counted, its CloudWatch
    minutes (COUNT_PROXY), read once every endpoint has run so that the wait for them
    overlaps the other endpoints' runs."""
    results: list[EndpointResult] = []
    with steady_collector():  # no full garbage collection pass is timed as a connect
        for endpoint in endpoints:
            result = run_endpoint(load, endpoint, view)
            results.append(result)
            if result.interrupted:
                raise Interrupted(results)
    try:
        for endpoint, result in zip(endpoints, results, strict=True):
            began, ended = result.began_at, result.ended_at
            if count_proxy and endpoint.proxy and began and ended and not result.measured:
                result.proxy_count = count_proxy(endpoint.proxy, began, ended)
    except KeyboardInterrupt:  # the load's own figures are whole: report them
        raise Interrupted(results) from None
    return results


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _open_monitor(endpoint: Endpoint) -> Monitor | None:
    if endpoint.monitor is None:
        return None
    from proxyctl.db.classify import classify

    monitor = Monitor(endpoint.monitor, endpoint.target.user)
    try:
        monitor.open()
    except Exception as exc:
        raise ConnectionProblem(
            f"{endpoint.label}: the monitor connection to {endpoint.monitor.where} failed: "
            f"{classify(exc)[2]}",
            hint="It counts the database's connections: give --monitor HOST:PORT of the "
            "database itself, reachable with the same user.",
        ) from None
    return monitor


def run_endpoint(load: Load, endpoint: Endpoint, view: View) -> EndpointResult:
    """The load against ENDPOINT. Ctrl-C at any point (the monitor connecting, the clients
    starting, the run) stops it at once: attempts under way are left out."""
    storm, monitor, interrupted = Storm(load, endpoint.target), None, False
    view.begin(endpoint.label, endpoint.target.where)
    cpu, began = _cpu(), datetime.now(UTC)
    try:
        monitor = _open_monitor(endpoint)
        cpu, began = _cpu(), datetime.now(UTC)  # the monitor's connect is not the load's
        started = time.monotonic()
        if monitor is not None:  # first: starting hundreds of clients takes a while
            monitor.start(started)
        storm.start(started)
        while storm.running():
            storm.wait(TICK)
            view.update(storm)
    except KeyboardInterrupt:
        storm.stop.set()
        interrupted = True
    samples = monitor.stop() if monitor is not None else None
    result = EndpointResult(
        label=endpoint.label,
        where=endpoint.target.where,
        elapsed=storm.now() if storm.started else 0.0,
        attempts=list(storm.attempts),
        samples=samples,
        cpu_seconds=_cpu() - cpu,
        interrupted=interrupted,
        monitor=_monitor_note(endpoint, monitor, len(samples or [])),
        began_at=began,
        ended_at=datetime.now(UTC),
    )
    view.end(result)
    return result


def _monitor_note(endpoint: Endpoint, monitor: Monitor | None, samples: int) -> str:
    if monitor is None or endpoint.monitor is None:
        return NOT_MEASURED
    if monitor.problem:
        return monitor.problem
    if samples < MIN_SAMPLES:
        return f"not measured: the run ended after {samples} samples (too short to count)"
    return f"pg_stat_activity on {endpoint.monitor.where}, sampled every 100 ms"
