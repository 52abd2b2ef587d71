"""`proxyctl advise --host ...` against a real PostgreSQL: who is connected (idle and
young backends by application) and the statements that would pin a proxy session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from proxyctl.lab.postgres import append_settings
from tests import pg
from tests.aws_world import seed_aurora
from tests.conftest import Cli


@pytest.fixture(scope="module")
def server(pg_bindir: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[pg.PgServer]:
    """A TLS server with pg_stat_statements, where an application ran a pinning SET."""
    made = pg.or_fail(lambda: pg.start_server(tmp_path_factory.mktemp("pg"), bindir=pg_bindir))
    try:
        append_settings(made, "advise", {"shared_preload_libraries": "pg_stat_statements"})
        made.restart()
        made.psql("create extension pg_stat_statements", dbname=pg.APP_DATABASE)
        with psycopg.connect(made.conninfo(), autocommit=True) as conn:
            for _ in range(4):
                conn.execute("set search_path to app, public")
            conn.execute("select 1")
        yield made
    finally:
        made.remove()


def advise(cli: Cli, server: pg.PgServer, *extra: str) -> Any:
    return cli(
        *extra, "advise", "--db-cluster", "orders-db",
        "--host", "localhost", "--port", str(server.port),
        "--user", pg.APP_USER, "--database", pg.APP_DATABASE, "--auth", "password",
        "--ca-bundle", str(server.ca_file),
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )  # fmt: skip


def test_idle_and_young_connections_and_the_pinning_risk(
    cli: Cli, aws: str, server: pg.PgServer
) -> None:
    seed_aurora(aws, "orders-db")
    opened = [
        psycopg.connect(server.conninfo(), application_name="checkout", autocommit=True)
        for _ in range(24)
    ]
    try:
        run = advise(cli, server)
    finally:
        for conn in opened:
            conn.close()
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].endswith(": likely useful")
    assert (
        "  - [likely useful] 24 of 24 connections idle now (100%, pg_stat_activity): "
        "a proxy would share them"
    ) in lines
    assert (
        "  - [likely useful] 24 of 24 connections started under 60 s ago (100%): "
        "connection churn a proxy absorbs"
    ) in lines
    pin = next(line for line in lines if "pinning risk" in line)
    assert pin.startswith("  - [note] pinning risk: 4 of ") and "(set)" in pin
    assert (
        f"  pg_stat_activity on app@localhost:{server.port}/app: 24 client connection(s)" in lines
    )
    assert "    checkout  idle  24 (24 under 60 s old)" in lines
    assert "  - [note] no DatabaseConnections data over 7d in CloudWatch" in lines
    assert pg.APP_PASSWORD not in run.stdout + run.stderr


def test_a_database_that_cannot_be_reached_is_said_not_fatal(cli: Cli, aws: str) -> None:
    seed_aurora(aws, "orders-db")
    run = cli(
        "advise", "--db-cluster", "orders-db", "--host", "127.0.0.1", "--port", "1",
        "--user", "app", "--auth", "password", env={"PGPASSWORD": "pw-not-shown"},
    )  # fmt: skip
    assert run.exit_code == 0, run.stderr
    line = next(x for x in run.stdout.splitlines() if x.startswith("  pg_stat_activity: "))
    assert line.startswith("  pg_stat_activity: not read (could not connect to ")
    assert "pw-not-shown" not in run.stdout + run.stderr
