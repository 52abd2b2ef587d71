"""The headline a runbook quotes: the first endpoint's pooling as a share of the client
connections it served; another endpoint's peak is stated for comparison, never as a saving
of its own; CloudWatch's minutes only compare with themselves (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from proxyctl.load.cloudwatch import Minute, ProxyCount
from proxyctl.load.generator import Load
from proxyctl.load.measure import Attempt, EndpointResult, Sample
from proxyctl.load.result import build
from proxyctl.load.run import NOT_MEASURED


def served(label: str, connections: int, peak: int | None, **kw: object) -> EndpointResult:
    attempts = [Attempt(i / 100, 0.02, 0.001) for i in range(connections)]
    samples = None if peak is None else [Sample(i / 10, min(i, peak)) for i in range(peak + 5)]
    return EndpointResult(label, f"app@{label}:5432", 5.0, attempts, samples, 1.0, **kw)  # type: ignore[arg-type]


LOAD = Load(clients=20, mode="lambda", total=300)


def test_the_proxy_states_its_saving_and_direct_only_its_peak() -> None:
    result = build(LOAD, [served("proxy", 300, 8), served("direct", 300, 18)], False)
    assert result.headline == (
        "300 client connections served on at most 8 database connections (97.3% fewer), "
        "p99 connect 20 ms; direct: 300 client connections served on at most 18 database "
        "connections, p99 connect 20 ms"
    )


def test_cloudwatch_minutes_are_compared_only_with_each_other() -> None:
    minute = datetime(2026, 11, 29, 18, 40, tzinfo=UTC)
    count = ProxyCount("orders", (Minute(minute, 40.0, 3.0),), "CloudWatch ...")
    result = build(LOAD, [served("proxy", 300, None, proxy_count=count)], False)
    assert result.headline == (
        "300 client connections served, p99 connect 20 ms (CloudWatch's busiest minute: "
        "40 client connections on 3 database connections)"
    )
    assert result.endpoints[0]["database_connections_peak"] == 3


def test_an_uncounted_run_says_how_to_count_it() -> None:
    result = build(LOAD, [served("proxy", 300, None, monitor=NOT_MEASURED)], False)
    assert "  database connections: not measured: give --monitor HOST:PORT (the database " \
        "itself, not the proxy) to count them, or --proxy NAME for its CloudWatch " \
        "minutes\n" in result.text()  # fmt: skip


def test_the_report_files_list_cloudwatch_minutes_and_every_source() -> None:
    from proxyctl.load.report import render

    minute = datetime(2026, 11, 29, 18, 40, tzinfo=UTC)
    count = ProxyCount("orders", (Minute(minute, 40.0, 3.0), Minute(minute, None, None)), "CW")
    result = build(LOAD, [served("proxy", 300, None, proxy_count=count)], False)
    md = render(result, ".md")
    assert "## The proxy in CloudWatch, one value a minute" in md
    assert "| proxy | orders | 2026-11-29T18:40:00Z | 40 | 3 |" in md
    assert "| proxy | orders | 2026-11-29T18:40:00Z | no value | no value |" in md
    assert "Database connections: proxy: CW" in md
    page = render(result, ".html")
    assert "<h2>The proxy in CloudWatch, one value a minute</h2>" in page
    assert "<td>no value</td>" in page
