"""`proxyctl pinning --from-db` against real PostgreSQL servers: one with pg_stat_statements
preloaded and created, one without it, and one where it is created but not preloaded."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from proxyctl.lab.postgres import append_settings
from tests import pg
from tests.conftest import Cli


@pytest.fixture(scope="module")
def stats_server(pg_bindir: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[pg.PgServer]:
    """A TLS server with pg_stat_statements loaded at start and created in `app`."""
    server = pg.or_fail(lambda: pg.start_server(tmp_path_factory.mktemp("pg"), bindir=pg_bindir))
    try:
        append_settings(
            server, "pinning --from-db", {"shared_preload_libraries": "pg_stat_statements"}
        )
        server.restart()
        server.psql("create extension pg_stat_statements", dbname=pg.APP_DATABASE)
        with psycopg.connect(server.conninfo(), autocommit=True) as conn:
            conn.execute("create sequence s")
            conn.execute("set search_path to app, public")
            for _ in range(3):
                conn.execute("select nextval('s')")
            conn.execute("select pg_advisory_lock(7)")
            conn.execute("select pg_advisory_xact_lock(8)")
            conn.execute("create temp table scratch (a int)")
            conn.execute("discard all")
        yield server
    finally:
        server.remove()


def from_db(cli: Cli, server: pg.PgServer, *extra: str, database: str = pg.APP_DATABASE) -> Any:
    return cli(
        "--output", "json", "pinning", "--from-db",
        "--host", "localhost", "--port", str(server.port),
        "--user", pg.APP_USER, "--database", database, "--auth", "password",
        "--ca-bundle", str(server.ca_file), *extra,
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )  # fmt: skip


def test_statements_are_read_weighted_by_calls(cli: Cli, stats_server: pg.PgServer) -> None:
    run = from_db(cli, stats_server)
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert doc["source"] == "pg_stat_statements"
    assert doc["inputs"] == [f"app@localhost:{stats_server.port}/app"]
    groups = {g["rule"]: g for g in doc["groups"]}
    assert set(groups) == {"set", "sequence", "advisory_lock", "temp", "discard"}
    assert groups["sequence"]["count"] == 3 and groups["sequence"]["places"] == 1
    assert groups["sequence"]["examples"][0]["count"] == 3
    assert groups["sequence"]["examples"][0]["where"] == "pg_stat_statements"
    assert groups["set"]["examples"][0]["text"] == "set search_path to app, public"
    assert doc["hidden"] >= 1  # the superuser's CREATE EXTENSION: app may not read it
    assert "npgsql-discard" in {h["id"] for h in doc["driver_hints"]}
    assert doc["init_query"]["sql"] == "set search_path to app, public"
    text = cli(
        "pinning", "--from-db", "--host", "localhost", "--port", str(stats_server.port),
        "--user", "app", "--database", "app", "--auth", "password",
        "--ca-bundle", str(stats_server.ca_file), "--fail-on", "pin",
        env={"PGPASSWORD": pg.APP_PASSWORD},
    )  # fmt: skip
    assert text.exit_code == 6
    assert "  pg_stat_statements (3 calls)  select nextval($1)" in text.stdout
    assert "GRANT pg_read_all_stats TO it to see them." in text.stdout


def test_missing_extension_says_how_to_enable_it(cli: Cli, pg_tls: pg.PgServer) -> None:
    run = from_db(cli, pg_tls)
    assert run.exit_code == 3
    assert run.stderr.startswith(
        f"error: pg_stat_statements is not created in this database on "
        f"app@localhost:{pg_tls.port}/app:"
    )
    assert "shared_preload_libraries = 'pg_stat_statements'" in run.stderr
    assert "CREATE EXTENSION pg_stat_statements;" in run.stderr
    assert "parameter group" in run.stderr
    assert run.json()["error"]["field"] == "--from-db"


def test_created_but_not_preloaded(cli: Cli, pg_tls: pg.PgServer) -> None:
    database = f"stats_{secrets.token_hex(4)}"
    pg_tls.psql(f"create database {database} owner app")
    pg_tls.psql("create extension pg_stat_statements", dbname=database)
    run = from_db(cli, pg_tls, database=database)
    assert run.exit_code == 3
    assert "pg_stat_statements is not loaded (shared_preload_libraries)" in run.stderr


def test_wrong_password_is_a_connection_error(cli: Cli, stats_server: pg.PgServer) -> None:
    run = cli(
        "pinning", "--from-db", "--host", "localhost", "--port", str(stats_server.port),
        "--user", "app", "--database", "app", "--auth", "password",
        "--ca-bundle", str(stats_server.ca_file),
        env={"PGPASSWORD": "not-the-password"},
    )  # fmt: skip
    assert run.exit_code == 5
    assert run.stderr.startswith(f"error: could not connect to app@localhost:{stats_server.port}")
    assert "not-the-password" not in run.stderr + run.stdout
