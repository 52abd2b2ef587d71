"""A proxy's CloudWatch metrics: every series `status` shows, from one GetMetricData request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from proxyctl.aws.errors import aws_errors
from proxyctl.model.metrics import NAMESPACE, PROXY_METRICS, Metric, Series, Window


def _query(number: int, metric: Metric, proxy: str, period: int) -> dict[str, Any]:
    # Plain MetricStat queries only: the ratios are computed here, not with metric math,
    # so that they are the same whatever answers (metric math costs per metric too).
    return {
        "Id": f"m{number}",
        "MetricStat": {
            "Metric": {
                "Namespace": NAMESPACE,
                "MetricName": metric.name,
                "Dimensions": [{"Name": "ProxyName", "Value": proxy}],
            },
            "Period": period,
            "Stat": metric.stat,
        },
        "ReturnData": True,
    }


def read_metrics(cloudwatch: Any, proxy: str, window: Window) -> dict[str, Series]:
    """Each metric of PROXY_METRICS over WINDOW, by name; a series without data is empty.

    One GetMetricData request for all of them (CloudWatch pages a long answer with
    NextToken: the pages are read and joined).
    """
    queries = [_query(i, m, proxy, window.period) for i, m in enumerate(PROXY_METRICS)]
    found: dict[str, dict[datetime, float]] = {q["Id"]: {} for q in queries}
    with aws_errors(f"read the CloudWatch metrics of the RDS proxy {proxy}"):
        pages = cloudwatch.get_paginator("get_metric_data").paginate(
            MetricDataQueries=queries,
            StartTime=window.start,
            EndTime=window.end,
            ScanBy="TimestampAscending",
        )
        for page in pages:
            for result in page.get("MetricDataResults", []):
                points = zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
                found[result["Id"]].update((_utc(t), float(v)) for t, v in points)
    return {
        m.name: Series(m.name, m.stat, m.unit, _inside(found[f"m{i}"], window))
        for i, m in enumerate(PROXY_METRICS)
    }


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _inside(points: dict[datetime, float], window: Window) -> tuple[tuple[datetime, float], ...]:
    """The points of WINDOW, oldest first (an answer may hold more, or be unordered)."""
    start, end = _utc(window.start), _utc(window.end)
    return tuple(sorted((t, v) for t, v in points.items() if start <= t < end))


def read_database_connections(
    cloudwatch: Any, dimension: str, identifier: str, window: Window
) -> Series:
    """A database's own DatabaseConnections (Maximum per period) over WINDOW.

    DIMENSION is DBClusterIdentifier or DBInstanceIdentifier. A database publishes
    this gauge once (unlike a proxy's nodes), so Maximum per period is its peak.
    """
    query = {
        "Id": "db",
        "MetricStat": {
            "Metric": {
                "Namespace": NAMESPACE,
                "MetricName": "DatabaseConnections",
                "Dimensions": [{"Name": dimension, "Value": identifier}],
            },
            "Period": window.period,
            "Stat": "Maximum",
        },
        "ReturnData": True,
    }
    found: dict[datetime, float] = {}
    with aws_errors(f"read the CloudWatch DatabaseConnections of {identifier}"):
        pages = cloudwatch.get_paginator("get_metric_data").paginate(
            MetricDataQueries=[query], StartTime=window.start, EndTime=window.end
        )
        for page in pages:
            for result in page.get("MetricDataResults", []):
                points = zip(result.get("Timestamps", []), result.get("Values", []), strict=False)
                found.update((_utc(t), float(v)) for t, v in points)
    return Series("DatabaseConnections", "Maximum", "connections", _inside(found, window))
