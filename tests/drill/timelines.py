"""Synthetic drill timelines: probes on a fixed schedule with known outage windows,
so that every figure the analysis gives can be checked against ground truth."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from proxyctl.drill.samples import (
    DrillEvent,
    DrillSettings,
    Endpoint,
    EndpointKind,
    EventKind,
    apply_read_only_rule,
)
from proxyctl.model.probe import ErrorClass, Outcome, ProbeSample

STARTED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PROXY = Endpoint("proxy", EndpointKind.PROXY, "demo.proxy-abc.us-east-1.rds.amazonaws.com")
DIRECT = Endpoint("direct", EndpointKind.DIRECT, "db.cluster-abc.us-east-1.rds.amazonaws.com")
READER = Endpoint(
    "reader", EndpointKind.EXTRA, "db.cluster-ro-abc.us-east-1.rds.amazonaws.com", 5432, False
)
OLD, NEW = "10.0.1.10", "10.0.2.20"

# What the backend looks like at a moment: a failure class, or (address, in recovery).
Backend = Callable[[float], ErrorClass | tuple[str, bool]]


def sample(
    endpoint: str,
    seq: int,
    started_at: float,
    *,
    scheduled_at: float | None = None,
    error: ErrorClass | None = None,
    server: tuple[str, bool] | None = (OLD, False),
    latency: float | None = 0.004,
) -> ProbeSample:
    failed = error is not None
    return ProbeSample(
        endpoint=endpoint,
        seq=seq,
        scheduled_at=started_at if scheduled_at is None else scheduled_at,
        started_at=started_at,
        wall_time=STARTED + timedelta(seconds=started_at),
        latency=2.0 if error is ErrorClass.TIMEOUT else latency,
        outcome=Outcome.ERROR if failed else Outcome.OK,
        error_class=error,
        sqlstate={ErrorClass.ADMIN_SHUTDOWN: "57P01"}.get(error) if error else None,
        message=f"probe failed: {error}" if failed else None,
        server_addr=None if failed or server is None else server[0],
        in_recovery=None if failed or server is None else server[1],
    )


def probes(
    endpoint: Endpoint,
    backend: Backend,
    *,
    interval: float,
    until: float,
    jitter: Callable[[int], float] = lambda seq: 0.0,
) -> list[ProbeSample]:
    """A prober on a fixed schedule: probe `seq` is due at seq * interval and starts
    `jitter(seq)` later; what it gets is what `backend` says at its start."""
    out = []
    for seq in range(round(until / interval)):
        due = round(seq * interval, 9)
        started = round(due + jitter(seq), 9)
        state = backend(started)
        if isinstance(state, ErrorClass):
            raw = sample(endpoint.label, seq, started, scheduled_at=due, error=state)
        else:
            raw = sample(endpoint.label, seq, started, scheduled_at=due, server=state)
        out.append(apply_read_only_rule(raw, endpoint.expects_writer))
    return out


def outage(
    start: float, end: float, error: ErrorClass = ErrorClass.REFUSED, after: str = NEW
) -> Backend:
    """Down (with `error`) from `start` until `end`; the old writer before, `after` then."""

    def backend(t: float) -> ErrorClass | tuple[str, bool]:
        if t < start:
            return (OLD, False)
        return error if t < end else (after, False)

    return backend


def healthy(t: float) -> tuple[str, bool]:
    return (OLD, False)


def uniform_jitter(seed: int, most: float) -> Callable[[int], float]:
    """How late each probe starts: between 0 and `most` seconds, the same for a seed."""
    return lambda seq: random.Random(f"{seed}-{seq}").uniform(0.0, most)  # noqa: S311


def event(kind: EventKind, at: float, detail: str = "") -> DrillEvent:
    return DrillEvent(kind, at, STARTED + timedelta(seconds=at), detail)


def settings(endpoints: Sequence[Endpoint], interval: float = 0.2) -> DrillSettings:
    return DrillSettings(
        trigger="aws",
        mode="reconnect",
        interval=interval,
        probe_timeout=2.0,
        baseline=5.0,
        settle=10.0,
        timeout=300.0,
        started=STARTED,
        endpoints=list(endpoints),
        cluster="orders-db",
        proxy="orders",
        region="us-east-1",
    )
