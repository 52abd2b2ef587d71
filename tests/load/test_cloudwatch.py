"""A proxy's own count of a load run: its CloudWatch ClientConnections and
DatabaseConnections for the run's minutes (the AWS stand-in holds the seeded minutes), and
the wait for minutes CloudWatch has not published yet (on a clock of the test's own)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from proxyctl.errors import AwsRefusedError
from proxyctl.load.cloudwatch import Minute, count, read_minutes, run_window
from proxyctl.model.metrics import Window
from tests.aws_world import boto_client, make_proxy
from tests.conftest import Cli
from tests.pg import StartServer

T0 = datetime(2026, 11, 29, 18, 40, 0, tzinfo=UTC)


def put(endpoint: str, proxy: str, name: str, values: dict[datetime, float]) -> None:
    """VALUES by minute, each split over two proxy nodes as AWS publishes them."""
    data: list[dict[str, Any]] = [
        {
            "MetricName": name,
            "Dimensions": [{"Name": "ProxyName", "Value": proxy}],
            "Timestamp": minute + timedelta(seconds=10),
            "Value": value / 2,
        }
        for minute, value in values.items()
        for _node in range(2)
    ]
    boto_client(endpoint, "cloudwatch").put_metric_data(Namespace="AWS/RDS", MetricData=data)


class Clock:
    """The test's own time: sleeping moves it on, and what CloudWatch has published can
    change at a given moment."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += timedelta(seconds=seconds)


def published(after: dict[datetime, float], clock: Clock) -> Any:
    """A CloudWatch that publishes each minute's DatabaseConnections at a given moment."""

    def read(window: Window) -> tuple[Minute, ...]:
        minutes = []
        at = window.start
        while at < window.end:
            ready = clock.now() >= after.get(at, datetime.max.replace(tzinfo=UTC))
            minutes.append(Minute(at, 40.0 if ready else None, 3.0 if ready else None))
            at += timedelta(minutes=1)
        return tuple(minutes)

    return read


def test_the_run_window_is_the_whole_minutes_it_touched() -> None:
    window = run_window(T0 + timedelta(seconds=50), T0 + timedelta(minutes=1, seconds=5))
    assert (window.start, window.end) == (T0, T0 + timedelta(minutes=2))


def test_a_run_of_long_ago_is_read_at_once() -> None:
    clock, told = Clock(T0 + timedelta(minutes=10)), []
    read = published({T0: T0}, clock)
    found = count(read, "orders", T0, T0 + timedelta(seconds=30), 180, waiting=told.append,
                  now=clock.now, sleep=clock.sleep)  # fmt: skip
    assert (found.complete, told, clock.slept) == (True, [], [])
    assert found.note.startswith("CloudWatch DatabaseConnections of proxy orders, one value")


def test_the_last_minute_is_waited_for_until_it_is_published() -> None:
    """The run ends at 18:41:20: CloudWatch has 18:41 at 18:43:05, and not before."""
    clock, told = Clock(T0 + timedelta(minutes=1, seconds=20)), []
    read = published(
        {T0: T0, T0 + timedelta(minutes=1): T0 + timedelta(minutes=3, seconds=5)}, clock
    )
    found = count(read, "orders", T0 + timedelta(seconds=30), clock.now(), 180,
                  waiting=told.append, now=clock.now, sleep=clock.sleep)  # fmt: skip
    assert found.complete
    assert [m.database_connections for m in found.minutes] == [3.0, 3.0]
    assert told == [
        "waiting up to 3m for CloudWatch's minutes 18:40-18:41 UTC of proxy orders "
        "(--cloudwatch-wait 0s does not wait)"
    ]
    assert clock.slept[0] == 40  # to the end of the run's last minute, not before
    assert clock.now() - T0 < timedelta(minutes=3, seconds=5 + 11)  # one poll after


def test_minutes_still_missing_at_the_end_of_the_wait_are_said() -> None:
    clock = Clock(T0 + timedelta(seconds=20))
    read = published({}, clock)
    found = count(read, "orders", T0, clock.now(), 60, waiting=lambda _: None,
                  now=clock.now, sleep=clock.sleep)  # fmt: skip
    assert not found.complete and found.minutes and clock.now() == T0 + timedelta(seconds=80)
    assert found.note == (
        "CloudWatch had not published the run's minute 18:40 UTC after 1m: `proxyctl "
        "status orders` shows it later (or wait longer with --cloudwatch-wait)"
    )


def test_no_wait_reads_once_at_once() -> None:
    clock, told = Clock(T0 + timedelta(seconds=20)), []
    found = count(published({T0: T0}, clock), "orders", T0, clock.now(), 0,
                  waiting=told.append, now=clock.now, sleep=clock.sleep)  # fmt: skip
    assert (found.complete, told, clock.slept) == (True, [], [])


def test_a_refused_read_is_said_and_the_run_stands() -> None:
    def refused(window: Window) -> tuple[Minute, ...]:
        raise AwsRefusedError("AccessDenied: not allowed to cloudwatch:GetMetricData")

    found = count(refused, "orders", T0, T0, 0, waiting=lambda _: None)
    assert found.minutes == () and found.note == (
        "CloudWatch not read: AccessDenied: not allowed to cloudwatch:GetMetricData"
    )


def test_the_minutes_are_read_from_cloudwatch(aws: str) -> None:
    put(aws, "orders", "ClientConnections", {T0: 300, T0 + timedelta(minutes=1): 420})
    put(aws, "orders", "DatabaseConnections", {T0: 12})
    put(aws, "reports", "DatabaseConnections", {T0: 99})  # another proxy's
    cloudwatch = boto_client(aws, "cloudwatch")
    found = read_minutes(cloudwatch, "orders", Window(T0, T0 + timedelta(minutes=2)))
    assert found == (
        Minute(T0, 300.0, 12.0),
        Minute(T0 + timedelta(minutes=1), 420.0, None),  # not published: no value, not 0
    )


def test_a_load_through_a_proxy_without_a_monitor_counts_with_its_minutes(
    cli: Cli, aws: str, pg_server: StartServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The proxy is the stand-in's `orders`, whose endpoint name is dialled at a real
    server (the resolve setting) that holds a certificate for it."""
    endpoint = make_proxy(aws, "orders")["Endpoint"]
    server = pg_server(cert_names=(endpoint,))
    monkeypatch.setenv("PROXYCTL_RESOLVE", f"{endpoint}:5432=127.0.0.1:{server.port}")
    monkeypatch.setenv("PGPASSWORD", "app-password")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    minutes = [now + timedelta(minutes=n) for n in range(3)]  # the run may cross a minute
    put(aws, "orders", "ClientConnections", dict.fromkeys(minutes, 10))
    put(aws, "orders", "DatabaseConnections", dict.fromkeys(minutes, 2))
    report = tmp_path / "load.json"
    run = cli("load", "--proxy", "orders", "--user", "app", "--database", "app",
              "--auth", "password", "--ca-bundle", str(server.ca_file), "--connections", "20",
              "--clients", "2", "--cloudwatch-wait", "0s", "--report", str(report))  # fmt: skip
    assert run.exit_code == 0, run.stderr
    e = json.loads(report.read_text())["endpoints"][0]
    assert (e["label"], e["succeeded"], e["database_connections_peak"]) == ("proxy", 20, 2)
    assert e["database_connections_counted_by"] == "cloudwatch"
    assert e["cloudwatch"]["proxy"] == "orders"
    assert {m["database_connections"] for m in e["cloudwatch"]["minutes"]} == {2}
    assert re.search(
        r"^20 client connections served, p99 connect [\d,]+ ms \(CloudWatch's busiest minute: "
        r"10 client connections on 2 database connections\)$",
        run.stdout,
        re.MULTILINE,
    ), run.stdout
    assert re.search(
        r"^    \d\d:\d\d UTC  client connections 10, database connections 2$",
        run.stdout,
        re.MULTILINE,
    ), run.stdout


def test_a_bad_wait_is_refused_naming_the_flag(cli: Cli) -> None:
    run = cli("load", "--host", "localhost", "--user", "app", "--cloudwatch-wait", "soon")
    assert run.exit_code == 2
    assert "--cloudwatch-wait: 'soon' is not a duration." in run.stderr
