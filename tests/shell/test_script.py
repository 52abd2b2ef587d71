"""`proxyctl connect -c/-f/stdin` against a real TLS PostgreSQL: results, the JSON
document, exit 5 with the error's marker, confirmations and pinning warnings."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests import pg
from tests.conftest import Cli
from tests.shell.conftest import where

ENV = {"PGPASSWORD": pg.APP_PASSWORD}


def test_statements_from_c_in_order_as_tables(cli: Cli, pg_tls: pg.PgServer) -> None:
    run = cli(
        "connect",
        *where(pg_tls),
        "-c",
        "create temp table t (id int, name text)",
        "-c",
        "insert into t values (1, 'one'), (22, 'twenty-two'); select id, name from t order by id",
        env=ENV,
    )
    assert run.exit_code == 0, run.stderr
    assert run.stdout == (
        "CREATE TABLE\n"
        "INSERT 0 2\n"
        " id |    name\n"
        "----+------------\n"
        "  1 | one\n"
        " 22 | twenty-two\n"
        "(2 rows)\n\n"
    )


def test_file_and_stdin_scripts(cli: Cli, pg_tls: pg.PgServer, tmp_path: Path) -> None:
    script = tmp_path / "report.sql"
    script.write_text("-- a comment\nselect 'a;b' as x;\n\nselect 2 as y;\n")
    from_file = cli("connect", *where(pg_tls), "-f", str(script), "--format", "csv", env=ENV)
    assert from_file.exit_code == 0, from_file.stderr
    assert from_file.stdout == "x\na;b\ny\n2\n"
    dash = cli(
        "connect",
        *where(pg_tls),
        "-f",
        "-",
        "--format",
        "tsv",
        input="select 1 as a, 2 as b;",
        env=ENV,
    )
    assert dash.stdout == "a\tb\n1\t2\n"
    piped = cli("connect", *where(pg_tls), input="select 3 as c;\n", env=ENV)  # not a terminal
    assert piped.exit_code == 0 and piped.stdout == " c\n---\n 3\n(1 row)\n\n"


def test_first_error_stops_with_exit_5_and_a_marker(cli: Cli, pg_tls: pg.PgServer) -> None:
    run = cli(
        "connect",
        *where(pg_tls),
        "-c",
        "select 1",
        "-c",
        "select *\nfrom no_such_table",
        "-c",
        "select 3",
        env=ENV,
    )
    assert run.exit_code == 5
    assert "(1 row)" in run.stdout and " 3\n" not in run.stdout
    assert run.stderr.splitlines() == [
        'ERROR:  relation "no_such_table" does not exist (SQLSTATE 42P01)',
        "LINE 2: from no_such_table",
        "             ^",
        "error: statement 2 of 3 failed; the 1 after it were not run.",
    ]


def test_error_detail_and_hint(cli: Cli, pg_tls: pg.PgServer) -> None:
    sql = (
        "create temp table p (id int primary key); insert into p values (1); "
        "insert into p values (1)"
    )
    run = cli("connect", *where(pg_tls), "-c", sql, env=ENV)
    assert run.exit_code == 5
    assert "(SQLSTATE 23505)" in run.stderr
    assert "DETAIL:  Key (id)=(1) already exists." in run.stderr


def test_json_document(cli: Cli, pg_tls: pg.PgServer) -> None:
    run = cli(
        "--output",
        "json",
        "connect",
        *where(pg_tls),
        "-c",
        "select 1 as i, 2.5::numeric as n, true as b, null as z, '\\x00ff'::bytea as raw, "
        "timestamptz '2026-01-02 03:04:05+00' as at, interval '1 day 1 second' as d, "
        "'{\"k\": [1]}'::jsonb as j",
        "-c",
        "select 1/0",
        env=ENV,
    )
    assert run.exit_code == 5
    doc = json.loads(run.stdout)  # one document, nothing else on stdout
    assert doc["kind"] == "connect" and doc["schema_version"] == 1
    first, second = doc["statements"]
    assert [c["name"] for c in first["columns"]] == ["i", "n", "b", "z", "raw", "at", "d", "j"]
    assert first["columns"][1]["type"] == "numeric"
    assert first["rows"] == [
        [
            1,
            2.5,
            True,
            None,
            base64.b64encode(b"\x00\xff").decode(),
            "2026-01-02T03:04:05+00:00",
            "P1DT1S",
            {"k": [1]},
        ]
    ]
    assert first["tag"] == "SELECT 1" and first["error"] is None
    assert second["error"]["sqlstate"] == "22012" and second["error"]["position"] is None
    assert doc["error"]["exit_code"] == 5


def test_destroying_statement_needs_confirmation_when_prompts_are_off(
    cli: Cli, pg_tls: pg.PgServer
) -> None:
    sqls = ["create temp table d (x int)", "-c", "insert into d values (1)", "-c", "delete from d"]
    refused = cli("connect", *where(pg_tls), "-c", *sqls, env=ENV)
    assert refused.exit_code == 2
    assert (
        "error: DELETE without WHERE (every row goes) needs confirmation: pass --no-confirm."
        in refused.stderr
    )
    allowed = cli("connect", *where(pg_tls), "--no-confirm", "-c", *sqls, env=ENV)
    assert allowed.exit_code == 0 and allowed.stdout.endswith("DELETE 1\n")
    with_where = cli(
        "connect",
        *where(pg_tls),
        "-c",
        "create temp table w (x int); update w set x = 2 where x = 1",
        env=ENV,
    )
    assert with_where.exit_code == 0, with_where.stderr


def test_pinning_warning_before_the_statement(cli: Cli, pg_tls: pg.PgServer) -> None:
    run = cli("connect", *where(pg_tls), "-c", "set search_path = public", env=ENV)
    assert run.exit_code == 0
    lines = run.stderr.splitlines()
    assert lines[0].startswith("warning: 'set search_path' pins this session to one database")
    assert lines[1].startswith("  why: ") and lines[2].startswith("  fix: ")
    quiet = cli(
        "connect", *where(pg_tls), "--no-warn-pinning", "-c", "set search_path = public", env=ENV
    )
    assert quiet.stderr == ""


def test_no_password_in_output_or_debug_logs(cli: Cli, pg_tls: pg.PgServer) -> None:
    run = cli("--debug", "connect", *where(pg_tls), "-c", "select current_user", env=ENV)
    assert run.exit_code == 0
    assert pg.APP_PASSWORD not in run.stdout + run.stderr


def test_connection_error_reads_like_check(cli: Cli, pg_tls: pg.PgServer) -> None:
    run = cli("connect", *where(pg_tls), "-c", "select 1", env={"PGPASSWORD": "not-the-password"})
    assert run.exit_code == 5
    port = pg_tls.port
    assert f"error: could not connect to app@localhost:{port} (password):" in run.stderr
    assert "password authentication failed" in run.stderr
    assert "hint: The password is wrong for this user" in run.stderr
    assert f"proxyctl check --host localhost --port {port} --user app --database app" in run.stderr


def test_bad_choices_name_their_flag(cli: Cli) -> None:
    run = cli(
        "connect", "--host", "localhost", "--user", "app", "--format", "xml", "-c", "select 1"
    )
    assert run.exit_code == 2 and "--format: 'xml' is not one of table, csv, tsv." in run.stderr
    run = cli("connect", "--host", "localhost", "--user", "app", "--exec", "mysql")
    assert run.exit_code == 2 and "--exec: 'mysql' is not psql or pgcli." in run.stderr


def test_a_missing_file_names_the_flag(cli: Cli, pg_tls: pg.PgServer, tmp_path: Path) -> None:
    run = cli("connect", *where(pg_tls), "-f", str(tmp_path / "none.sql"), env=ENV)
    assert run.exit_code == 2
    assert run.stderr.startswith(f"error: -f: cannot read {tmp_path / 'none.sql'}: ")
    empty = cli("connect", *where(pg_tls), "-c", "-- nothing", env=ENV)
    assert empty.exit_code == 2 and "no statements to run" in empty.stderr


def test_tls_failure_names_the_trust_store(cli: Cli, pg_tls: pg.PgServer) -> None:
    args = where(pg_tls)
    at = args.index("--ca-bundle")
    del args[at : at + 2]  # this machine's trust store does not know the test CA
    run = cli("connect", *args, "-c", "select 1", env=ENV)
    assert run.exit_code == 5
    assert "certificate verify failed" in run.stderr
    assert "hint: TLS failed against the system trust store (" in run.stderr
    assert "pass --ca-bundle with the CA that signed the server's certificate" in run.stderr


def test_settings_turn_confirmations_and_pinning_warnings_off(
    cli: Cli, pg_tls: pg.PgServer, config_file: Path
) -> None:
    config_file.write_text("[default.connect]\nconfirm = false\nwarn-pinning = false\n")
    sqls = ["create temp table s (x int); set search_path = public; delete from s"]
    run = cli("connect", *where(pg_tls), "-c", *sqls, env=ENV)
    assert run.exit_code == 0, run.stderr
    assert run.stderr == "" and run.stdout.endswith("DELETE 0\n")
