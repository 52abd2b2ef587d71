"""The lab proxy's counters, and the thread that publishes them as RDS Proxy's CloudWatch
metrics (namespace AWS/RDS, dimension ProxyName) to the AWS stand-in every few seconds.

Gauges are sent as they are at that moment; counts as the change since the last
publication; DatabaseConnectionsBorrowLatency as the mean time (microseconds) the front
waited for a signed-in server connection over that interval. What the pooler says about
its server connections (PgBouncer's SHOW POOLS), when the front can ask, replaces the
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
BORROW_LATENCY = "DatabaseConnectionsBorrowLatency"
# Not metrics: the sum and number of borrow waits, from which the publisher takes a mean.
BORROW_TOTAL, BORROWS = "BorrowLatencyTotalMicroseconds", "Borrows"
log = logging.getLogger(__name__)


def new_counters() -> dict[str, float]:
    """Every gauge and count at zero, and the borrow sums."""
    return dict.fromkeys((*GAUGES, *COUNTS, BORROW_TOTAL, BORROWS), 0.0)


def metric_data(
    now: dict[str, float], before: dict[str, float], proxy: str, when: datetime
) -> list[dict[str, Any]]:
    """PutMetricData items for the interval from BEFORE to NOW (two counter snapshots)."""
    dimensions = [{"Name": "ProxyName", "Value": proxy}]

    def item(name: str, value: float, unit: str) -> dict[str, Any]:
        return {
            "MetricName": name,
            "Dimensions": dimensions,
            "Timestamp": when,
            "Value": value,
            "Unit": unit,
        }

    items = [item(name, now[name], "Count") for name in GAUGES]
    items += [item(name, now[name] - before.get(name, 0.0), "Count") for name in COUNTS]
    borrows = now[BORROWS] - before.get(BORROWS, 0.0)
    if borrows:  # no borrow, no latency: an empty series, as AWS leaves it
        total = now[BORROW_TOTAL] - before.get(BORROW_TOTAL, 0.0)
        items.append(item(BORROW_LATENCY, total / borrows, "Microseconds"))
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

    def tick(self) -> None:
        self.publish()

    def publish(self) -> None:
        try:
            now = self.snapshot()
            items = metric_data(now, self._before, self.proxy, datetime.now(UTC))
            for start in range(0, len(items), 20):  # PutMetricData takes 20 items per call
                self.cloudwatch.put_metric_data(
                    Namespace=NAMESPACE, MetricData=items[start : start + 20]
                )
            self._before = now
            self.published += 1
        except Exception as exc:
            self.failed += 1
            log.warning("could not publish metrics of proxy %s: %s", self.proxy, exc)
