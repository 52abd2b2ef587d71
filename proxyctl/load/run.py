"""A load run: the same Load against each endpoint in turn, each with its monitor."""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from proxyctl.errors import ConnectionProblem
from proxyctl.load.generator import Load, Storm
from proxyctl.load.measure import MIN_SAMPLES, EndpointResult
from proxyctl.load.monitor import Monitor
from proxyctl.steady import steady_collector

if TYPE_CHECKING:
    from proxyctl.db.target import Target

TICK = 0.25  # how often the live view is redrawn
NOT_MEASURED = (
    "database connections not measured: give --monitor HOST:PORT (the database itself, "
    "not the proxy) to count them"
)


@dataclass(frozen=True)
class Endpoint:
    label: str  # proxy, direct, or the user's LABEL
    target: Target
    monitor: Target | None  # where pg_stat_activity is read; None: not measured


class View(Protocol):
    def begin(self, label: str, where: str) -> None: ...
    def update(self, storm: Storm) -> None: ...
    def end(self, result: EndpointResult) -> None: ...


class Interrupted(Exception):
    """Ctrl-C: the endpoints measured so far, the last one partial."""

    def __init__(self, results: list[EndpointResult]) -> None:
        super().__init__("interrupted")
        self.results = results


def run(load: Load, endpoints: list[Endpoint], view: View) -> list[EndpointResult]:
    results: list[EndpointResult] = []
    with steady_collector():  # no full garbage collection pass is timed as a connect
        for endpoint in endpoints:
            result = run_endpoint(load, endpoint, view)
            results.append(result)
            if result.interrupted:
                raise Interrupted(results)
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
    monitor = _open_monitor(endpoint)
    view.begin(endpoint.label, endpoint.target.where)
    storm, cpu, interrupted = Storm(load, endpoint.target), _cpu(), False
    started = time.monotonic()
    if monitor is not None:  # first: starting hundreds of clients takes a while
        monitor.start(started)
    storm.start(started)
    try:
        while storm.running():
            storm.wait(TICK)
            view.update(storm)
    except KeyboardInterrupt:  # stop at once: attempts under way are left out
        storm.stop.set()
        interrupted = True
    elapsed = storm.now()
    samples = monitor.stop() if monitor is not None else None
    result = EndpointResult(
        label=endpoint.label,
        where=endpoint.target.where,
        elapsed=elapsed,
        attempts=list(storm.attempts),
        samples=samples,
        cpu_seconds=_cpu() - cpu,
        interrupted=interrupted,
        monitor=_monitor_note(endpoint, monitor, len(samples or [])),
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
