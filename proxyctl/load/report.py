"""The report file: JSON (the --output json document, versioned), Markdown, or one
self-contained HTML page with the pictures. Outside text (hosts, labels, server
messages, the statement) is escaped in each."""

from __future__ import annotations

from html import escape
from typing import Any

from proxyctl.load.result import LoadResult
from proxyctl.markup import Table, html_page, html_table, md_cell, md_table

SUFFIXES = (".json", ".md", ".html")
TITLE = "proxyctl load"


def render(result: LoadResult, suffix: str) -> str:
    from proxyctl.output import document, jsonable

    if suffix == ".md":
        return markdown(result)
    if suffix == ".html":
        return html(result)
    return document(result.KIND, jsonable(result)) + "\n"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:,.1f}"


def endpoints_table(result: LoadResult) -> Table:
    header = ["endpoint", "where", "attempted", "succeeded", "failed by class", "conn/s",
              "connect p50/p95/p99/max ms", "query p99 ms", "database peak"]  # fmt: skip
    rows = []
    for e in result.endpoints:
        c = e["connect_latency_seconds"]
        failed = ", ".join(f"{k} {v}" for k, v in e["failed_by_class"].items() if v) or "none"
        peak = e["database_connections_peak"]
        rows.append([
            e["label"], e["where"], str(e["attempted"]), str(e["succeeded"]), failed,
            str(e["connections_per_second"]),
            "/".join(_ms(c[k]) for k in ("p50", "p95", "p99", "max")),
            _ms(e["query_latency_seconds"]["p99"]),
            str(peak) if peak is not None else e["database_connections_source"],
        ])  # fmt: skip
    return header, rows


def cloudwatch_table(result: LoadResult) -> Table | None:
    """The proxy's own minutes, for the endpoints CloudWatch counted (None: none did)."""
    header = ["endpoint", "proxy", "minute (UTC)", "client connections", "database connections"]
    rows = [
        [e["label"], cw["proxy"], m["minute"], _count(m["client_connections"]),
         _count(m["database_connections"])]
        for e in result.endpoints
        if (cw := e["cloudwatch"])
        for m in cw["minutes"]
    ]  # fmt: skip
    return (header, rows) if rows else None


def _count(value: float | None) -> str:
    return "no value" if value is None else f"{value:,.0f}"


def _sources(result: LoadResult) -> list[str]:
    return [f"{e['label']}: {e['database_connections_source']}" for e in result.endpoints]


def _how(result: LoadResult) -> str:
    load: dict[str, Any] = result.load
    bound = (
        f"{load['connections']} attempts" if load["connections"] else ""
    ) or f"{load['duration_seconds']:g} s"
    text = f"{load['clients']} clients in {load['mode']} mode for {bound}, statement: {load['sql']}"
    if result.interrupted:
        text += " (interrupted by Ctrl-C: partial)"
    return text


def markdown(result: LoadResult) -> str:
    blocks = [f"# {TITLE}", f"**{md_cell(result.headline)}**", md_cell(_how(result))]
    blocks += ["## Endpoints", md_table(endpoints_table(result))]
    blocks += ["Database connections: " + "; ".join(md_cell(t) for t in _sources(result))]
    if (minutes := cloudwatch_table(result)) is not None:
        blocks += ["## The proxy in CloudWatch, one value a minute", md_table(minutes)]
    blocks += [f"Gate broken: {md_cell(g)}" for g in result.gate]
    return "\n\n".join(blocks) + "\n"


def html(result: LoadResult) -> str:
    from proxyctl.load.pictures import connections_svg, histogram_svg

    blocks = [
        f"<h1>{TITLE}</h1>",
        f"<p><strong>{escape(result.headline)}</strong></p>",
        f"<p>{escape(_how(result))}</p>",
        "<h2>Endpoints</h2>",
        html_table(endpoints_table(result)),
        "<p>Database connections: " + "; ".join(escape(t) for t in _sources(result)) + "</p>",
    ]
    if (minutes := cloudwatch_table(result)) is not None:
        blocks += ["<h2>The proxy in CloudWatch, one value a minute</h2>", html_table(minutes)]
    blocks += [
        "<h2>Connections over time</h2>",
        connections_svg(result.endpoints),
        "<h2>Connect latency</h2>",
    ]
    blocks += [histogram_svg(e["label"], e["connect_latency_histogram"]) for e in result.endpoints]
    blocks += [f"<p>Gate broken: {escape(g)}</p>" for g in result.gate]
    return html_page(TITLE, blocks)
