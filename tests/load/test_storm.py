"""A storm against a real small database: refused directly, served through a pooler on at
most its pool's connections, counted both sides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from proxyctl.lab.pgbouncer import PgBouncer
from proxyctl.lab.postgres import PgServer
from tests.conftest import Cli
from tests.load.conftest import POOL_SIZE, options


def storm(cli: Cli, pooler: PgBouncer, db: PgServer, *extra: str) -> Any:
    run = cli(
        "--output", "json", "load", *options(pooler.port, db.ca_file),
        "--endpoint", f"direct=localhost:{db.port}", "--monitor", f"localhost:{db.port}",
        *extra,
    )  # fmt: skip
    return run


def test_a_storm_is_refused_directly_and_served_through_the_pooler(
    cli: Cli, pooler: PgBouncer, small_db: PgServer
) -> None:
    run = storm(cli, pooler, small_db, "--clients", "20", "--mode", "pool", "--duration", "2s")
    assert run.exit_code == 0, run.stderr
    pooled, direct = run.json()["endpoints"]
    assert (pooled["label"], direct["label"]) == ("endpoint", "direct")
    assert pooled["attempted"] == pooled["succeeded"] > 20
    assert pooled["failed_by_class"]["too_many_connections"] == 0
    # 20 clients held 20 client connections; the database saw at most the pool.
    assert pooled["client_connections"] == 20
    assert 1 <= pooled["database_connections_peak"] <= POOL_SIZE
    assert direct["failed_by_class"]["too_many_connections"] > 0
    assert direct["database_connections_peak"] <= 7  # app's slots: 10 less 3 reserved
    assert "refused with too many connections" in run.json()["headline"]


def test_the_counts_add_up(cli: Cli, pooler: PgBouncer, small_db: PgServer) -> None:
    run = storm(cli, pooler, small_db, "--clients", "12", "--connections", "60")
    assert run.exit_code == 0, run.stderr
    for e in run.json()["endpoints"]:
        assert e["attempted"] == 60
        assert e["succeeded"] + sum(e["failed_by_class"].values()) == 60
        assert sum(s["attempted"] for s in e["per_second"]) == 60
        assert sum(s["failed"] for s in e["per_second"]) == e["failed"]
        assert e["generator_cpu_seconds"] > 0
    pooled = run.json()["endpoints"][0]
    assert pooled["failed"] == 0
    assert pooled["client_connections"] == 60  # lambda mode: a connection per attempt


def test_the_gate_exits_6_and_still_reports(
    cli: Cli, pooler: PgBouncer, small_db: PgServer, tmp_path: Path
) -> None:
    report = tmp_path / "load.json"
    run = cli(
        "load", *options(small_db.port, small_db.ca_file), "--clients", "20", "--mode", "pool",
        "--connections", "60", "--max-errors", "0", "--report", str(report),
    )  # fmt: skip
    assert run.exit_code == 6, run.stderr
    assert "over --max-errors 0" in run.stdout
    document = json.loads(report.read_text())
    assert document["gate"] and document["endpoints"][0]["failed"] > 0


def test_max_p99_breaks_when_slower(cli: Cli, pooler: PgBouncer, small_db: PgServer) -> None:
    args = ["load", *options(pooler.port, small_db.ca_file), "--connections", "5"]
    assert cli(*args, "--max-p99", "0.001").exit_code == 6
    assert cli(*args, "--max-p99", "60000").exit_code == 0
