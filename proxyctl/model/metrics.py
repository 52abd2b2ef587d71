"""A proxy's CloudWatch metrics as AWS gave them: one series per metric, one value a minute.

An empty series means CloudWatch has no data for that metric in the window (some
appear only after the first successful connection): never read it as zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

PERIOD = 60  # seconds: one value per minute
NAMESPACE = "AWS/RDS"


@dataclass(frozen=True)
class Metric:
    """A metric `status` reads, and the statistic that gives its true value per minute.

    AWS publishes each metric per proxy node, so the gauges (connections) are Sum over
    one minute, like the counts; the latencies (microseconds) are Average.
    """

    name: str
    stat: str  # Sum | Average
    unit: str  # "connections" | "count" | "microseconds"


PROXY_METRICS: tuple[Metric, ...] = (
    Metric("ClientConnections", "Sum", "connections"),
    Metric("DatabaseConnections", "Sum", "connections"),
    Metric("DatabaseConnectionsCurrentlySessionPinned", "Sum", "connections"),
    Metric("DatabaseConnectionsCurrentlyBorrowed", "Sum", "connections"),
    Metric("MaxDatabaseConnectionsAllowed", "Sum", "connections"),
    Metric("DatabaseConnectionsBorrowLatency", "Average", "microseconds"),
    Metric("QueryResponseLatency", "Average", "microseconds"),
    Metric("ClientConnectionsSetupFailedAuth", "Sum", "count"),
    Metric("DatabaseConnectionsSetupFailed", "Sum", "count"),
)


@dataclass(frozen=True)
class Series:
    """One metric over the window: (minute, value) pairs, oldest first."""

    metric: str
    stat: str
    unit: str
    points: tuple[tuple[datetime, float], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.points

    @property
    def latest(self) -> tuple[datetime, float] | None:
        return self.points[-1] if self.points else None

    def at(self) -> dict[datetime, float]:
        return dict(self.points)


@dataclass(frozen=True)
class Window:
    """The minutes asked for: from `start` (included) to `end` (excluded)."""

    start: datetime
    end: datetime
    period: int = PERIOD

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()
