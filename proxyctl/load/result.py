"""A load run's result: the document (--output json and --report FILE.json), the
headline, and the gate (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from proxyctl.load.cloudwatch import ProxyCount
from proxyctl.load.generator import Load
from proxyctl.load.measure import (
    EndpointResult,
    connect_latency,
    histogram,
    query_latency,
    series,
)
from proxyctl.output import iso


@dataclass
class LoadResult:
    KIND: ClassVar[str] = "load"
    load: dict[str, Any]
    endpoints: list[dict[str, Any]]
    headline: str
    interrupted: bool = False
    gate: list[str] = field(default_factory=list)  # what broke --max-p99 / --max-errors

    def text(self) -> str:
        lines = [self.headline, ""]
        for e in self.endpoints:
            lines.extend(_endpoint_lines(e))
        lines.extend(f"gate broken: {g}" for g in self.gate)
        if self.interrupted:
            lines.append("interrupted (Ctrl-C): the figures are partial")
        return "\n".join(lines) + "\n"


def endpoint_document(r: EndpointResult, clients: int) -> dict[str, Any]:
    return {
        "label": r.label,
        "where": r.where,
        "attempted": r.attempted,
        "succeeded": r.succeeded,
        "failed": r.failed,
        "failed_by_class": r.failed_by_class,
        "first_error": next((a.message for a in r.attempts if a.error), None),
        "client_connections": r.connections,
        "elapsed_seconds": round(r.elapsed, 3),
        "connections_per_second": round(r.per_second, 2),
        "connect_latency_seconds": connect_latency(r),
        "query_latency_seconds": query_latency(r),
        "connect_latency_histogram": histogram([a.connect for a in r.attempts if a.connect]),
        "database_connections_peak": r.peak,
        "database_connections_mean": None if r.mean is None else round(r.mean, 2),
        "database_connections_source": r.source,
        "database_connections_counted_by": r.counted_by,
        "cloudwatch": _cloudwatch(r.proxy_count),
        "clients": clients,
        "generator_cpu_seconds": round(r.cpu_seconds, 3),
        "cpu_ms_per_connection": round(1000 * r.cpu_seconds / r.connections, 3)
        if r.connections
        else None,
        "interrupted": r.interrupted,
        "per_second": series(r),
    }


def _cloudwatch(count: ProxyCount | None) -> dict[str, Any] | None:
    """The proxy's minutes as CloudWatch gave them (Sum per minute; None: no value)."""
    if count is None:
        return None
    return {
        "proxy": count.proxy,
        "minutes": [
            {
                "minute": iso(m.at),
                "client_connections": m.client_connections,
                "database_connections": m.database_connections,
            }
            for m in count.minutes
        ],
        "note": count.note,
    }


def build(load: Load, results: list[EndpointResult], interrupted: bool) -> LoadResult:
    endpoints = [endpoint_document(r, load.clients) for r in results]
    described = {
        "clients": load.clients,
        "mode": load.mode,
        "duration_seconds": load.duration,
        "connections": load.total,
        "rate": load.rate,
        "ramp_seconds": load.ramp,
        "sql": load.sql,
    }
    return LoadResult(described, endpoints, headline(endpoints), interrupted)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.0f} ms"


def _served(e: dict[str, Any], first: bool = True) -> str:
    """FIRST: the endpoint the run is about, whose pooling the "fewer" share states; a
    direct endpoint's peak is the one to compare it with, not a saving of its own."""
    text = f"{e['client_connections']:,} client connections served"
    peak = e["database_connections_peak"]
    by = e["database_connections_counted_by"]
    if by == "pg_stat_activity" and peak and e["client_connections"]:  # 0: between samples
        fewer = 100 * (1 - peak / e["client_connections"])
        text += f" on at most {peak:,} database connections"
        text += f" ({fewer:.1f}% fewer)" if first else ""
    text += f", p99 connect {_ms(e['connect_latency_seconds']['p99'])}"
    if by == "cloudwatch":  # one value a minute: only its own two gauges compare
        busiest = max(
            (m for m in e["cloudwatch"]["minutes"] if m["database_connections"] is not None),
            key=lambda m: m["database_connections"],
        )
        text += (
            f" (CloudWatch's busiest minute: {_count(busiest['client_connections'])} client "
            f"connections on {_count(busiest['database_connections'])} database connections)"
        )
    return text


def headline(endpoints: list[dict[str, Any]]) -> str:
    """The first endpoint's service, then each other endpoint's refusals."""
    if not endpoints:
        return "nothing measured"
    parts = [_served(endpoints[0]) + _failures(endpoints[0], " with ")]
    for e in endpoints[1:]:
        refused = e["failed_by_class"]["too_many_connections"]
        text = f"{e['label']}: " + (
            f"{refused:,} refused with too many connections"
            if refused
            else _served(e, first=False) + _failures(e, ", ")
        )
        parts.append(text)
    return "; ".join(parts)


def _failures(e: dict[str, Any], lead: str) -> str:
    if not e["failed"]:
        return ""
    classes = ", ".join(f"{n:,} {c}" for c, n in e["failed_by_class"].items() if n)
    return f"{lead}{e['failed']:,} failed ({classes})"


def _endpoint_lines(e: dict[str, Any]) -> list[str]:
    c, q = e["connect_latency_seconds"], e["query_latency_seconds"]
    peak, mean = e["database_connections_peak"], e["database_connections_mean"]
    source = e["database_connections_source"]
    db = f"peak {peak}, mean {mean} ({source})" if peak is not None else source
    return [
        f"{e['label']}  {e['where']}",
        f"  attempted {e['attempted']:,}, succeeded {e['succeeded']:,}" + _failures(e, ", "),
        f"  {e['connections_per_second']:,} connections/s over {e['elapsed_seconds']} s",
        f"  connect p50 {_ms(c['p50'])}, p95 {_ms(c['p95'])}, p99 {_ms(c['p99'])}, "
        f"max {_ms(c['max'])}; query p99 {_ms(q['p99'])}",
        f"  database connections: {db}",
        *_minutes_line(e["cloudwatch"]),
        f"  generator CPU {e['generator_cpu_seconds']} s"
        + (
            f", {e['cpu_ms_per_connection']} ms per connection"
            if e["cpu_ms_per_connection"]
            else ""
        ),
        "",
    ]


def _count(value: float | None) -> str:
    """A CloudWatch value as a count of connections; "-" for none."""
    return "-" if value is None else f"{value:,.0f}"


def _minutes_line(cloudwatch: dict[str, Any] | None) -> list[str]:
    if not cloudwatch or not cloudwatch["minutes"]:
        return []
    return [f"  CloudWatch, proxy {cloudwatch['proxy']}, one value a minute:"] + [
        f"    {m['minute'][11:16]} UTC  client connections {_count(m['client_connections'])}, "
        f"database connections {_count(m['database_connections'])}"
        for m in cloudwatch["minutes"]
    ]


def judge(result: LoadResult, max_p99: float | None, max_errors: int | None) -> None:
    """Fill `gate` with what broke --max-p99 MS (connect p99) or --max-errors N. Only the
    first endpoint (the proxy, or the one the options name) is gated: --direct is there to
    be refused, for comparison. No successful connection at all breaks --max-p99."""
    if not result.endpoints:
        return
    e = result.endpoints[0]
    p99 = e["connect_latency_seconds"]["p99"]
    if max_p99 is not None and (p99 is None or p99 * 1000 > max_p99):
        result.gate.append(f"{e['label']}: p99 connect {_ms(p99)} over --max-p99 {max_p99:g} ms")
    if max_errors is not None and e["failed"] > max_errors:
        result.gate.append(f"{e['label']}: {e['failed']:,} failed, over --max-errors {max_errors}")
