"""Ctrl-C stops a load at once and writes the partial report (exit 130); the report's
schema is what runbooks read."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from proxyctl.lab.postgres import PgServer
from tests.conftest import Cli
from tests.load.conftest import options

ENDPOINT_KEYS = {
    "label", "where", "attempted", "succeeded", "failed", "failed_by_class", "first_error",
    "client_connections", "elapsed_seconds", "connections_per_second",
    "connect_latency_seconds", "query_latency_seconds", "connect_latency_histogram",
    "database_connections_peak",
    "database_connections_mean", "database_connections_source",
    "database_connections_counted_by", "cloudwatch", "clients",
    "generator_cpu_seconds", "cpu_ms_per_connection", "interrupted", "per_second",
}  # fmt: skip
CLASSES = {"too_many_connections", "borrow_timeout", "auth", "tls", "timeout", "refused", "other"}


def test_ctrl_c_stops_at_once_and_writes_the_partial_report(
    small_db: PgServer, tmp_path: Path
) -> None:
    report = tmp_path / "load.json"
    args = [*options(small_db.port, small_db.ca_file), "--clients", "3", "--duration", "5m"]
    env = {**os.environ, "PGPASSWORD": "app-password"}  # never on the command line
    child = subprocess.Popen(
        [sys.executable, "-m", "proxyctl", "load", *args, "--report", str(report)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )  # fmt: skip
    try:
        assert child.stderr is not None
        assert "loading" in child.stderr.readline()
        time.sleep(1.5)
        child.send_signal(signal.SIGINT)
        pressed = time.monotonic()
        out, err = child.communicate(timeout=30)
        stopped_after = time.monotonic() - pressed
    finally:
        child.kill()
    assert child.returncode == 130, err
    assert stopped_after < 5  # at once: a 10 s connect timeout is not waited for
    document = json.loads(report.read_text())
    assert document["interrupted"] is True
    endpoint = document["endpoints"][0]
    assert endpoint["interrupted"] is True and endpoint["attempted"] > 0
    assert endpoint["elapsed_seconds"] < 60
    assert "interrupted (Ctrl-C): the figures are partial" in out


def test_ctrl_c_while_the_monitor_connects_still_writes_the_report(
    small_db: PgServer, tmp_path: Path
) -> None:
    """The monitor's connection is opened before any load: a database that does not answer
    holds it there, and Ctrl-C then must still end with the (empty) report."""
    report = tmp_path / "load.json"
    with socket.create_server(("127.0.0.1", 0)) as silent:
        monitor = f"127.0.0.1:{silent.getsockname()[1]}"
        args = [*options(small_db.port, small_db.ca_file), "--monitor", monitor]
        child = subprocess.Popen(
            [sys.executable, "-m", "proxyctl", "load", *args, "--report", str(report)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ, text=True,
        )  # fmt: skip
        try:
            silent.settimeout(30)
            held, _ = silent.accept()  # the monitor is connecting: it waits for an answer
            time.sleep(0.3)
            child.send_signal(signal.SIGINT)
            out, err = child.communicate(timeout=30)
            held.close()
        finally:
            child.kill()
    assert child.returncode == 130, err
    document = json.loads(report.read_text())
    assert document["interrupted"] is True
    assert [(e["label"], e["attempted"], e["interrupted"]) for e in document["endpoints"]] == [
        ("endpoint", 0, True)
    ]
    assert "interrupted (Ctrl-C): the figures are partial" in out


def test_the_report_schema(cli: Cli, small_db: PgServer, tmp_path: Path) -> None:
    report = tmp_path / "load.json"
    monitor = f"localhost:{small_db.port}"
    args = [*options(small_db.port, small_db.ca_file), "--duration", "2s", "--clients", "2"]
    run = cli("load", *args, "--monitor", monitor, "--report", str(report))
    assert run.exit_code == 0, run.stderr
    document = json.loads(report.read_text())
    assert (document["kind"], document["schema_version"]) == ("load", 1)
    assert set(document) == {"kind", "schema_version", "load", "endpoints", "headline",
                             "interrupted", "gate"}  # fmt: skip
    (endpoint,) = document["endpoints"]
    assert set(endpoint) == ENDPOINT_KEYS
    assert set(endpoint["failed_by_class"]) == CLASSES
    assert set(endpoint["connect_latency_seconds"]) == {"p50", "p95", "p99", "max"}
    assert set(endpoint["per_second"][0]) == {
        "second", "attempted", "succeeded", "failed", "database_connections",
    }  # fmt: skip
    assert endpoint["database_connections_peak"] >= 1
    assert f"report written to {report}" in run.stderr
    assert "app-password" not in report.read_text()
