"""`proxyctl failover-test` against a server that stalls instead of refusing.

RDS Proxy holds client connections during a failover: clients wait, they are not
refused. The stand-in is a PostgreSQL server whose postmaster is stopped with SIGSTOP
for a known time (the trigger command does it and records the window; `pg.thawed`
sends SIGCONT whatever happens). New connections queue in the kernel and are answered
after the thaw. A persistent session's backend is a process of its own, which a
postmaster's SIGSTOP leaves running: for persistent mode the whole server is frozen.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests import pg
from tests.conftest import Cli

INTERVAL = 0.2
FREEZE = 2.5
# The bound: a probe interval plus 0.3 s (the thawed postmaster first works
# through the connections queued while it was frozen).
TOLERANCE = INTERVAL + 0.3


def freeze_drill(
    cli: Cli, server: pg.PgServer, marks: Path, report: Path, *extra: str, whole: bool = False
) -> tuple[Any, dict[str, Any]]:
    with pg.thawed(server):
        run = cli(
            *("--output", "json", "failover-test"),
            *("--host", "localhost", "--port", str(server.port), "--no-direct"),
            *("--user", "app", "--database", "app", "--auth", "password"),
            *("--ca-bundle", str(server.ca_file)),
            *("--interval", str(INTERVAL), "--baseline", "1", "--settle", "1.5"),
            *("--timeout", "30", "--trigger", "command"),
            *("--trigger-command", pg.freeze_command(server, FREEZE, marks, whole=whole)),
            *("--report", str(report), "--yes", *extra),
            env={"PGPASSWORD": pg.APP_PASSWORD},
        )
    return run, json.loads(report.read_text()) if report.exists() else {}


@pytest.mark.parametrize("mode", ["reconnect", "persistent"])
@pytest.mark.parametrize("probe_timeout", ["1", "5"])  # shorter and longer than the freeze
def test_a_freeze_is_measured_as_downtime(
    cli: Cli, pg_server: pg.StartServer, tmp_path: Path, mode: str, probe_timeout: str
) -> None:
    server = pg_server()
    marks, report = tmp_path / "freeze", tmp_path / "drill.json"
    run, doc = freeze_drill(
        cli,
        server,
        marks,
        report,
        *("--mode", mode, "--probe-timeout", probe_timeout, "--max-downtime", "30"),
        whole=mode == "persistent",
    )
    assert run.exit_code == 0, run.stderr
    start, thaw, end = pg.freeze_window(marks)
    (proxy,) = doc["analysis"]["endpoints"]
    assert proxy["recovered"] is True and proxy["downtime"] is not None, proxy
    assert abs(proxy["downtime"] - (end - start)) <= TOLERANCE, (proxy["downtime"], end - start)
    # Recovery is the moment the server answered, not the start of the answering probe.
    (answer,) = [
        s
        for s in doc["samples"]
        if s["latency"] is not None
        and abs(s["started_at"] + s["latency"] - proxy["recovered_at"]) < 1e-6
    ]
    assert answer["outcome"] == "ok" and answer["latency"] <= 1.0
    answered = datetime.fromisoformat(answer["wall_time"]).timestamp() + answer["latency"]
    assert answered >= thaw, (answered, thaw)
    # The drill settled only after the freeze (and the command) were over.
    (settled,) = [e for e in doc["events"] if e["kind"] == "settled"]
    assert datetime.fromisoformat(settled["wall_time"]).timestamp() > end
    # Late answers are stalls, counted apart from failures.
    waits = [s["latency"] for s in doc["samples"] if s["outcome"] == "ok" and s["latency"] > 1]
    assert proxy["stalled"] == len(waits)
    assert proxy["longest_stall"] == (max(waits) if waits else None)
    if probe_timeout == "5":
        assert waits and proxy["failed"] == 0
    assert doc["analysis"]["stall_threshold"] == 1.0


def test_a_freeze_breaks_the_gate_even_when_no_probe_fails(
    cli: Cli, pg_server: pg.StartServer, tmp_path: Path
) -> None:
    server = pg_server()
    run, _ = freeze_drill(
        cli,
        server,
        tmp_path / "freeze",
        tmp_path / "drill.json",
        *("--probe-timeout", "5", "--max-downtime", "1"),
    )
    assert run.exit_code == 6, run.stderr
    (broken,) = run.json()["broken_limits"]
    assert broken.startswith("proxy: ") and "more than --max-downtime 1.0 s" in broken
