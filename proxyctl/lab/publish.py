"""The lab proxy's counters, and the thread that publishes them as RDS Proxy's CloudWatch
metrics (namespace AWS/RDS, dimension ProxyName) to the AWS stand-in every few seconds.

Readers take a gauge as its Sum over a minute (AWS publishes one value a minute per
proxy node; FACTS: "CloudWatch metrics"), so gauges go out once per minute, as they are
at the first publication of that minute: a gauge sent every few seconds would be summed
into a multiple of itself. Counts go out as the change since the last publication, at
any pace; latencies as the mean (microseconds) over the interval, and not at all when
nothing was timed (an empty series, as AWS leaves it). What the pooler says about its
server connections (PgBouncer's SHOW POOLS), when the front can ask, replaces the
front's own view of DatabaseConnections and ...Borrowed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

NAMESPACE = "AWS/RDS"
GAUGES = (
    "ClientConnections",
    "DatabaseConnections",
    "DatabaseConnectionsCurrentlyBorrowed",
    "DatabaseConnectionsCurrentlySessionPinned",
)
# Published only when set (above 0): the pooler's limit, which the lab knows.
MAX_ALLOWED = "MaxDatabaseConnectionsAllowed"
COUNTS = (
    "ClientConnectionsReceived",
    "ClientConnectionsSetupSucceeded",
    "ClientConnectionsSetupFailedAuth",
    "ClientConnectionsClosed",
    "ClientConnectionsTLS",
    "ClientConnectionsNoTLS",
    "DatabaseConnectionRequests",
    "DatabaseConnectionsSetupFailed",
    "QueryRequests",
)
# Latency metric -> the counters (not metrics) that hold the sum of its times in
# microseconds and how many were timed; the publisher takes the mean of an interval.
BORROW_TOTAL, BORROWS = "BorrowLatencyTotalMicroseconds", "Borrows"
RESPONSE_TOTAL, RESPONSES = "QueryResponseTotalMicroseconds", "QueryResponses"
LATENCIES = {
    "DatabaseConnectionsBorrowLatency": (BORROW_TOTAL, BORROWS),
    "QueryResponseLatency": (RESPONSE_TOTAL, RESPONSES),
}
log = logging.getLogger(__name__)


def new_counters() -> dict[str, float]:
    """Every gauge and count at zero, and the latency sums."""
    sums = [name for pair in LATENCIES.values() for name in pair]
    return dict.fromkeys((*GAUGES, MAX_ALLOWED, *COUNTS, *sums), 0.0)


def metric_data(
    now: dict[str, float],
    before: dict[str, float],
    proxy: str,
    when: datetime,
    gauges: bool = True,
) -> list[dict[str, Any]]:
    """PutMetricData items for the interval from BEFORE to NOW (two counter snapshots);
    the gauges too when GAUGES (once a minute), stamped with the start of WHEN's minute,
    so that any 60 s period holds exactly one value of each."""
    dimensions = [{"Name": "ProxyName", "Value": proxy}]
    minute = when.replace(second=0, microsecond=0)

    def item(name: str, value: float, unit: str, at: datetime = when) -> dict[str, Any]:
        return {
            "MetricName": name,
            "Dimensions": dimensions,
            "Timestamp": at,
            "Value": value,
            "Unit": unit,
        }

    items = []
    if gauges:
        items += [item(name, now[name], "Count", minute) for name in GAUGES]
        if now.get(MAX_ALLOWED):
            items.append(item(MAX_ALLOWED, now[MAX_ALLOWED], "Count", minute))
    items += [item(name, now[name] - before.get(name, 0.0), "Count") for name in COUNTS]
    for name, (total, timed) in LATENCIES.items():
        count = now[timed] - before.get(timed, 0.0)
        if count:
            mean = (now[total] - before.get(total, 0.0)) / count
            items.append(item(name, mean, "Microseconds"))
    return items


class Periodic:
    """A daemon thread that calls `tick()` every `interval` seconds, and once more when
    stopped (so that what was counted or queued last is not lost)."""

    def __init__(self, name: str, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.tick()
        self.tick()

    def tick(self) -> None:
        raise NotImplementedError


class MetricsPublisher(Periodic):
    """Every `interval` seconds, `snapshot()`'s counters to CloudWatch (`cloudwatch`, a
    boto3 client for the stand-in) for PROXY; once more when stopped."""

    def __init__(
        self,
        cloudwatch: Any,
        proxy: str,
        snapshot: Callable[[], dict[str, float]],
        interval: float = 5.0,
    ) -> None:
        super().__init__(f"metrics-{proxy}", interval)
        self.cloudwatch, self.proxy, self.snapshot = cloudwatch, proxy, snapshot
        self.published = self.failed = 0
        self._before: dict[str, float] = {}
        self._gauge_minute = -1  # the minute whose gauges went out (minutes since 1970)

    def tick(self) -> None:
        self.publish()

    def publish(self) -> None:
        try:
            now, when = self.snapshot(), datetime.now(UTC)
            minute = int(when.timestamp() // 60)
            gauges = minute != self._gauge_minute
            items = metric_data(now, self._before, self.proxy, when, gauges)
            for start in range(0, len(items), 20):  # PutMetricData takes 20 items per call
                self.cloudwatch.put_metric_data(
                    Namespace=NAMESPACE, MetricData=items[start : start + 20]
                )
            self._before = now
            self._gauge_minute = minute if gauges else self._gauge_minute
            self.published += 1
        except Exception as exc:
            self.failed += 1
            log.warning("could not publish metrics of proxy %s: %s", self.proxy, exc)
