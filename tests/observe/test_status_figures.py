"""status's pure core: figures from the raw series, findings, sparklines, --since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from proxyctl import validate
from proxyctl.errors import UsageError
from proxyctl.model.findings import Finding, Status
from proxyctl.model.metrics import PROXY_METRICS, Series, Window
from proxyctl.model.proxy import HINTS, Proxy, TargetHealth
from proxyctl.observe.status import window_until
from proxyctl.observe.status_figures import readings
from proxyctl.observe.status_findings import findings
from proxyctl.observe.status_text import sparkline

START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
WINDOW = Window(START, START + timedelta(minutes=5))
POOL = {"MaxConnectionsPercent": 90, "ConnectionBorrowTimeout": 120}


def minute(n: int) -> datetime:
    return START + timedelta(minutes=n)


def series(**given: list[float | None]) -> dict[str, Series]:
    """Every metric status reads; GIVEN ones hold a value per minute from START (None: none)."""
    found = {}
    for m in PROXY_METRICS:
        values = given.get(m.name, [])
        points = tuple((minute(i), float(v)) for i, v in enumerate(values) if v is not None)
        found[m.name] = Series(m.name, m.stat, m.unit, points)
    return found


def by_key(found: dict[str, Series]) -> dict[str, str]:
    return {r.key: r.text for r in readings(found, WINDOW)}


def codes(
    found: dict[str, Series], targets: list[TargetHealth] | None = None
) -> dict[str, Finding]:
    made = findings(Proxy("orders"), targets or [], POOL, found, WINDOW.seconds)
    return {x.code: x for x in made}


def test_the_multiplexing_ratio_of_the_latest_minute_with_both_sides() -> None:
    found = series(ClientConnections=[100, 300, 412, 500], DatabaseConnections=[10, 30, 38])
    said = by_key(found)
    assert said["connections"] == (
        "412 client connections on 38 database connections: 10.8x (at 10:02Z)"
    )
    ratio = readings(found, WINDOW)[0]
    assert ratio.value == 10.84
    assert dict(ratio.lines)["ratio"] == (10.0, 10.0, 412 / 38, None, None)


def test_no_data_is_never_zero() -> None:
    said = by_key(series())
    assert set(said.values()) == {"no data yet"}
    assert all(r.value is None for r in readings(series(), WINDOW))
    found = codes(series())
    assert found["status.no_metrics"].status is Status.SKIP
    assert set(found) == {"status.no_metrics"}  # no finding made of missing numbers


def test_one_side_only_and_zero_database_connections_give_no_ratio() -> None:
    said = by_key(series(ClientConnections=[7, 5]))
    assert said["connections"] == (
        "5 client connections (at 10:01Z); database connections: no data yet; no multiplexing ratio"
    )
    said = by_key(series(ClientConnections=[5], DatabaseConnections=[0]))
    assert said["connections"].endswith("; no multiplexing ratio")


def test_counts_per_minute_and_latencies() -> None:
    said = by_key(
        series(
            ClientConnectionsSetupFailedAuth=[3, None, 2],
            QueryResponseLatency=[900, 2500],
            DatabaseConnectionsBorrowLatency=[1_500_000],
        )
    )
    assert said["failed_sign_ins"] == "5 in 5m; 2/min at 10:02Z"
    assert said["query_latency"] == "2.5 ms average (at 10:01Z)"
    assert said["borrow_latency"] == "1.50 s average (at 10:00Z)"
    assert said["failed_database_connections"] == "no data yet"


def test_a_high_pinned_share_names_the_pinning_command() -> None:
    found = codes(
        series(DatabaseConnections=[40, 40], DatabaseConnectionsCurrentlySessionPinned=[8, 16])
    )
    pinned = found["status.pinned"]
    assert pinned.status is Status.WARN
    assert pinned.message.startswith("30% of the database connections were pinned")
    assert "`proxyctl pinning --proxy orders`" in pinned.hint
    low = codes(series(DatabaseConnections=[40], DatabaseConnectionsCurrentlySessionPinned=[4]))
    assert low["status.pinned"].status is Status.OK


def test_pool_pressure_and_slow_borrows_name_the_pool_settings() -> None:
    busy = codes(
        series(
            DatabaseConnectionsCurrentlyBorrowed=[10, 17], MaxDatabaseConnectionsAllowed=[20, 20]
        )
    )["status.pool"]
    assert busy.message == (
        "The pool is under pressure: up to 85% of the allowed database connections were borrowed."
    )
    assert "MaxConnectionsPercent (now 90%)" in busy.hint
    assert "ConnectionBorrowTimeout (now 120 s)" in busy.hint
    slow = codes(series(DatabaseConnectionsBorrowLatency=[200_000]))["status.pool"]
    assert "clients waited up to 200.0 ms on average" in slow.message


def test_a_calm_pool_without_borrow_figures_is_not_called_zero_percent_in_use() -> None:
    # Only the borrow latency has data: how full the pool was is unknown, not 0%.
    calm = codes(series(DatabaseConnectionsBorrowLatency=[37_900]))["status.pool"]
    assert calm.status is Status.OK
    assert calm.message == "pool use: no data yet; borrow waits at most 37.9 ms"
    known = codes(
        series(DatabaseConnectionsCurrentlyBorrowed=[1, 2], MaxDatabaseConnectionsAllowed=[20, 20])
    )["status.pool"]
    assert known.message == "pool at most 10% in use"


def test_failed_sign_ins_name_grant_and_check() -> None:
    found = codes(series(ClientConnectionsSetupFailedAuth=[0, 4]))["status.failed_sign_ins"]
    assert found.message == "4 client sign-ins failed in the last 5m."
    assert "`proxyctl grant orders --role ROLE --db-user USER`" in found.hint
    assert "`proxyctl check --proxy orders --user USER`" in found.hint
    assert "status.failed_sign_ins" not in codes(series(ClientConnectionsSetupFailedAuth=[0]))


def test_a_bad_target_gets_checks_hint() -> None:
    bad = TargetHealth("orders-db-1", state="UNAVAILABLE", reason="AUTH_FAILURE")
    found = codes(series(), [bad])["status.target"]
    assert found.message == "Target orders-db-1 is UNAVAILABLE (AUTH_FAILURE)."
    assert found.hint == HINTS["AUTH_FAILURE"]


def test_sparklines_show_gaps_and_fit_their_width() -> None:
    assert sparkline([0, 4, None, 8]) == "▁▅·█"
    assert sparkline([0, 0]) == "▁▁"
    assert sparkline([None, None]) == "··"
    assert len(sparkline([float(i) for i in range(600)])) == 60


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("1d", 86400)]
)
def test_durations(text: str, seconds: float) -> None:
    assert validate.duration(text, "--since", 60, 15 * 86400) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("15", "--since: '15' is not a duration."),
        ("ten minutes", "--since: 'ten minutes' is not a duration."),
        ("30s", "--since: '30s' is out of range: from 1m to 15d."),
        ("16d", "--since: '16d' is out of range: from 1m to 15d."),
    ],
)
def test_bad_durations_name_the_flag(text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        validate.duration(text, "--since", 60, 15 * 86400)
    assert (raised.value.message, raised.value.field) == (message, "--since")


def test_the_window_ends_before_the_minute_still_running() -> None:
    now = datetime(2026, 1, 5, 10, 7, 30, tzinfo=UTC)
    assert window_until(now, 900) == Window(minute(-8), minute(7))
    assert window_until(now, 90) == Window(minute(5), minute(7))  # whole minutes
