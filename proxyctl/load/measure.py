"""What a load run measured at one endpoint, from its attempts (pure).

An attempt is one connection (lambda mode) or one statement on a kept connection (pool
mode). Times are seconds on the monotonic clock since the endpoint's run began."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from proxyctl.load.cloudwatch import ProxyCount

# Fewer samples than this measure nothing: a run shorter than a second of sampling
# could read 0 database connections while connections came and went between samples.
MIN_SAMPLES = 5
CLASSES = ("too_many_connections", "borrow_timeout", "auth", "tls", "timeout", "refused", "other")


@dataclass(frozen=True)
class Attempt:
    at: float  # when it began
    connect: float | None  # seconds to sign in; None when it reused a connection or failed
    query: float | None  # seconds for the statement; None when it never ran or failed
    error: str | None = None  # one of CLASSES
    message: str | None = None


@dataclass(frozen=True)
class Sample:
    at: float
    connections: int


@dataclass
class EndpointResult:
    """One endpoint's run. `database_connections` is None when nothing counted them."""

    label: str
    where: str
    elapsed: float
    attempts: list[Attempt]
    samples: list[Sample] | None
    cpu_seconds: float
    interrupted: bool = False
    monitor: str | None = None  # what counted the database's connections, or why nothing
    began_at: datetime | None = None  # wall clock (UTC): the minutes CloudWatch has for it
    ended_at: datetime | None = None
    proxy_count: ProxyCount | None = None  # CloudWatch's minutes, when no monitor counted

    @property
    def attempted(self) -> int:
        return len(self.attempts)

    @property
    def succeeded(self) -> int:
        return sum(1 for a in self.attempts if a.error is None)

    @property
    def failed_by_class(self) -> dict[str, int]:
        counts = dict.fromkeys(CLASSES, 0)
        for a in self.attempts:
            if a.error is not None:
                counts[a.error] = counts.get(a.error, 0) + 1
        return counts

    @property
    def failed(self) -> int:
        return self.attempted - self.succeeded

    @property
    def connections(self) -> int:
        """Client connections that signed in."""
        return sum(1 for a in self.attempts if a.connect is not None)

    @property
    def per_second(self) -> float:
        return self.connections / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def measured(self) -> bool:
        return self.samples is not None and len(self.samples) >= MIN_SAMPLES

    @property
    def counted_by(self) -> str | None:
        """What counted the database connections: the monitor's samples, else the proxy's
        CloudWatch minutes, else nothing."""
        if self.measured:
            return "pg_stat_activity"
        if self.proxy_count is not None and self.proxy_count.database_values:
            return "cloudwatch"
        return None

    @property
    def source(self) -> str | None:
        """Where the count comes from, or why there is none."""
        if self.counted_by == "pg_stat_activity" or self.proxy_count is None:
            return self.monitor
        return self.proxy_count.note

    @property
    def peak(self) -> int | None:
        """The most connections a sample saw (a lower bound of the true peak), or the
        busiest CloudWatch minute."""
        if self.counted_by == "pg_stat_activity":
            return max(s.connections for s in self.samples or [])
        if self.counted_by == "cloudwatch" and self.proxy_count is not None:
            return round(max(self.proxy_count.database_values))
        return None

    @property
    def mean(self) -> float | None:
        if self.counted_by == "pg_stat_activity" and self.samples:
            return sum(s.connections for s in self.samples) / len(self.samples)
        if self.counted_by == "cloudwatch" and self.proxy_count is not None:
            values = self.proxy_count.database_values
            return sum(values) / len(values)
        return None


def percentiles(values: list[float]) -> dict[str, float | None]:
    """p50, p95, p99 and max in seconds (nearest rank); None for no values."""
    ordered = sorted(values)
    out: dict[str, float | None] = {}
    for name, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99)):
        out[name] = ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else None
    out["max"] = ordered[-1] if ordered else None
    return out


def connect_latency(r: EndpointResult) -> dict[str, float | None]:
    return percentiles([a.connect for a in r.attempts if a.connect is not None])


def query_latency(r: EndpointResult) -> dict[str, float | None]:
    return percentiles([a.query for a in r.attempts if a.query is not None])


def series(r: EndpointResult) -> list[dict[str, int | None]]:
    """Per second: attempts begun, succeeded, failed, and the database's peak connections."""
    seconds = max(1, math.ceil(r.elapsed))
    began, ok = [0] * seconds, [0] * seconds
    peak: list[int | None] = [None] * seconds
    for a in r.attempts:
        s = min(int(a.at), seconds - 1)
        began[s] += 1
        ok[s] += a.error is None
    for sample in r.samples or []:
        s = min(int(sample.at), seconds - 1)
        peak[s] = max(sample.connections, peak[s] or 0)
    return [
        {
            "second": s,
            "attempted": began[s],
            "succeeded": ok[s],
            "failed": began[s] - ok[s],
            "database_connections": peak[s],
        }
        for s in range(seconds)
    ]


def histogram(values: list[float], bins: int = 20) -> list[dict[str, float]]:
    """VALUES (seconds) in BINS equal buckets from 0 to the largest: each bucket's upper
    bound in ms and its count; no buckets for no values."""
    top = max(values, default=0.0)
    if top <= 0:
        return []
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, math.floor(bins * value / top))] += 1
    return [
        {"up_to_ms": round(1000 * top * (i + 1) / bins, 3), "count": c}
        for i, c in enumerate(counts)
    ]
