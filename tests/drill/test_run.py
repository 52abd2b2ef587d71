"""`proxyctl failover-test` end to end: real PostgreSQL servers, and moto for the AWS path."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import Any

import pytest

from tests import pg
from tests.aws_world import boto_client, seed_aurora
from tests.conftest import Cli

INTERVAL = 0.1


def restart_command(server: pg.PgServer, marks: Path) -> str:
    """A shell command that restarts SERVER and records its own start and end (UTC)."""
    ctl = shlex.join(
        [
            str(server.bindir / "pg_ctl"),
            "restart",
            "-D",
            str(server.data_dir),
            "-m",
            "fast",
            "-w",
            "-l",
            str(server.log_file),
        ]
    )
    if os.geteuid() == 0:
        ctl = f"runuser -u postgres -- {ctl}"
    return f"date +%s.%N > {marks}.start; {ctl} >/dev/null 2>&1; date +%s.%N > {marks}.end"


def drill_args(server: pg.PgServer, *extra: str) -> list[str]:
    return [
        "--output",
        "json",
        "failover-test",
        "--host",
        "localhost",
        "--port",
        str(server.port),
        "--user",
        "app",
        "--database",
        "app",
        "--auth",
        "password",
        "--ca-bundle",
        str(server.ca_file),
        "--no-direct",
        "--interval",
        str(INTERVAL),
        "--probe-timeout",
        "1",
        "--baseline",
        "1",
        "--settle",
        "1.5",
        "--timeout",
        "60",
        "--yes",
        *extra,
    ]


def test_restart_is_measured_against_the_recorded_outage(
    cli: Cli, pg_server: pg.StartServer, tmp_path: Path
) -> None:
    server = pg_server()
    marks = tmp_path / "outage"
    report = tmp_path / "drill.json"
    run = cli(
        *drill_args(
            server,
            "--trigger",
            "command",
            "--trigger-command",
            restart_command(server, marks),
            "--report",
            str(report),
            "--max-downtime",
            "30",
        ),
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )
    assert run.exit_code == 0, run.stderr
    result = run.json()
    assert result["kind"] == "failover-test" and result["ended"] == "settled"
    doc = json.loads(report.read_text())
    (proxy,) = [e for e in doc["analysis"]["endpoints"] if e["endpoint"] == "proxy"]
    window = float((marks.with_suffix(".end")).read_text()) - float(
        marks.with_suffix(".start").read_text()
    )
    assert proxy["downtime"] is not None and proxy["recovered"] is True
    assert abs(proxy["downtime"] - window) <= INTERVAL + 0.1, (proxy["downtime"], window)
    # the report's numbers agree with its samples
    failed = [s for s in doc["samples"] if s["endpoint"] == "proxy" and s["outcome"] != "ok"]
    assert sum(proxy["failures_by_class"].values()) == len(failed)
    assert [e["kind"] for e in doc["events"]].count("trigger") == 1


def test_the_gate_breaks_with_exit_6(cli: Cli, pg_server: pg.StartServer, tmp_path: Path) -> None:
    server = pg_server()
    run = cli(
        *drill_args(
            server,
            "--trigger",
            "command",
            "--trigger-command",
            restart_command(server, tmp_path / "o"),
            "--max-downtime",
            "0",
        ),
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )
    assert run.exit_code == 6, run.stderr
    assert run.json()["broken_limits"]


def test_aws_trigger_fires_once_and_the_writer_change_is_seen(
    cli: Cli, aws: str, pg_tls: pg.PgServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import proxyctl.aws.failover as failover

    seed_aurora(aws)
    calls: list[str] = []
    real = failover.fail_over

    def counted(c: Any, cluster: str, target: str | None) -> None:
        calls.append(cluster)
        real(c, cluster, target)

    monkeypatch.setattr(failover, "fail_over", counted)
    report = tmp_path / "drill.md"
    run = cli(
        *drill_args(
            pg_tls, "--db-cluster", "orders-db", "--skip-preflight", "--report", str(report)
        ),
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )
    assert run.exit_code == 0, run.stderr
    assert calls == ["orders-db"]
    writer = boto_client(aws, "rds").describe_db_clusters()["DBClusters"][0]["DBClusterMembers"]
    assert [m["DBInstanceIdentifier"] for m in writer if m["IsClusterWriter"]] == ["orders-db-2"]
    assert "writer_changed" in run.stderr
    assert report.read_text().startswith("#")


def test_ctrl_c_writes_a_partial_report_and_exits_130(
    cli: Cli, pg_tls: pg.PgServer, tmp_path: Path
) -> None:
    report = tmp_path / "partial.json"
    run = cli(
        *drill_args(
            pg_tls,
            "--trigger",
            "command",
            "--trigger-command",
            "kill -INT $PPID",
            "--report",
            str(report),
        ),
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )
    assert run.exit_code == 130, run.stderr
    doc = json.loads(report.read_text())
    kinds = [e["kind"] for e in doc["events"]]
    assert kinds.count("trigger") == 1 and "interrupted" in kinds
    assert doc["samples"]


def test_one_instance_cluster_is_refused(cli: Cli, aws: str, pg_tls: pg.PgServer) -> None:
    rds = boto_client(aws, "rds")
    seed_aurora(aws)
    rds.delete_db_instance(DBInstanceIdentifier="orders-db-2")
    run = cli(*drill_args(pg_tls, "--db-cluster", "orders-db"), env={"PGPASSWORD": pg.APP_PASSWORD})
    assert run.exit_code == 2
    assert "a failover needs a second one to promote" in run.stderr


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--trigger", "command"], "--trigger-command"),
        (["--trigger", "magic"], "--trigger"),
        (["--mode", "sometimes"], "--mode"),
        (["--report", "out.pdf"], "--report"),
        (["--endpoint", "reader"], "--endpoint"),
    ],
)
def test_bad_flags(cli: Cli, args: list[str], names: str) -> None:
    run = cli("failover-test", "--host", "localhost", "--user", "app", "--no-direct", *args)
    assert run.exit_code == 2 and names in run.stderr


def test_preflight_refuses_an_endpoint_that_does_not_answer(cli: Cli, tmp_path: Path) -> None:
    port = pg.free_port()
    run = cli(
        "failover-test",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--user",
        "app",
        "--auth",
        "password",
        "--no-direct",
        "--trigger",
        "command",
        "--trigger-command",
        f"touch {tmp_path / 'fired'}",
        "--probe-timeout",
        "1",
        "--yes",
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )
    assert run.exit_code == 5
    assert f"preflight: proxy (127.0.0.1:{port}) does not answer a probe: refused" in run.stderr
    assert not (tmp_path / "fired").exists()  # nothing was triggered


def test_without_yes_and_without_a_terminal_nothing_is_triggered(
    cli: Cli, pg_tls: pg.PgServer, tmp_path: Path
) -> None:
    args = [a for a in drill_args(pg_tls) if a != "--yes"]
    run = cli(
        *args,
        "--trigger",
        "command",
        "--trigger-command",
        f"touch {tmp_path / 'fired'}",
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )
    assert run.exit_code == 2 and "pass --yes" in run.stderr
    assert not (tmp_path / "fired").exists()


def test_an_unclear_failover_answer_is_watched_not_repeated(
    cli: Cli, aws: str, pg_tls: pg.PgServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests.aws.test_failover import fail_over_with_http_500

    seed_aurora(aws)
    calls = fail_over_with_http_500(monkeypatch)
    report = tmp_path / "drill.json"
    args = drill_args(
        pg_tls, "--db-cluster", "orders-db", "--skip-preflight", "--report", str(report)
    )
    args[args.index("--timeout") + 1] = "4"
    run = cli(*args, "--max-downtime", "10", env={"PGPASSWORD": pg.APP_PASSWORD})
    assert calls == ["orders-db"]
    (fired,) = [e for e in json.loads(report.read_text())["events"] if e["kind"] == "trigger"]
    assert fired["detail"].startswith("FailoverDBCluster orders-db: no clear answer (")
    assert fired["detail"].endswith("the cluster is watched and the call is not repeated")
    # Nothing changed: the drill times out, and the gate says no failover was seen.
    assert run.exit_code == 6, run.stderr
    assert run.json()["ended"] == "timeout"
    assert run.json()["broken_limits"][0].startswith("no failover observed")
