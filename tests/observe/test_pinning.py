"""`proxyctl pinning` on SQL files, directories and stdin: findings, the gate, JSON, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli

BOOT = """-- start-up
SET search_path TO app, public;
SET statement_timeout = '5s';
SET application_name = 'billing';
SELECT pg_advisory_lock(42);
SELECT pg_advisory_xact_lock(42);
SELECT 'SET x = 1' /* SET y */;
CREATE TEMP TABLE scratch AS SELECT 1;
"""
RESET = "SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;\n"
CLEAN = "SELECT * FROM orders WHERE id = $1 OFFSET 10;\nUPDATE t SET setting = 1;\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "sql" / "pool").mkdir(parents=True)
    (tmp_path / "sql" / "boot.sql").write_text(BOOT)
    (tmp_path / "sql" / "pool" / "reset.SQL").write_text(RESET)
    (tmp_path / "sql" / "notes.txt").write_text("SET ignored = 1;")
    (tmp_path / "clean.sql").write_text(CLEAN)
    return tmp_path


def test_a_directory_is_read_recursively_with_file_and_line(cli: Cli, tree: Path) -> None:
    run = cli("--output", "json", "pinning", str(tree / "sql"))
    assert run.exit_code == 0, run.stderr
    doc = run.json()
    assert doc["kind"] == "pinning" and doc["schema"] == 1 and doc["schema_version"] == 1
    assert doc["inputs"] == [
        str(tree / "sql" / "boot.sql"),
        str(tree / "sql" / "pool" / "reset.SQL"),
    ]
    assert (doc["statements"], doc["pinned"]) == (11, 6)
    groups = {g["rule"]: g for g in doc["groups"]}
    assert {r: g["count"] for r, g in groups.items()} == {
        "set": 3,
        "advisory_lock": 1,
        "temp": 1,
        "reset": 1,
    }
    boot = str(tree / "sql" / "boot.sql")
    assert [(e["where"], e["text"]) for e in groups["set"]["examples"]] == [
        (f"{boot}:2", "SET search_path TO app, public"),
        (f"{boot}:3", "SET statement_timeout = '5s'"),
        (f"{boot}:4", "SET application_name = 'billing'"),
    ]
    assert groups["advisory_lock"]["examples"][0]["where"] == f"{boot}:5"
    assert groups["set"]["checked"] == "2026-11-29" and groups["set"]["fix"]
    assert (
        doc["init_query"]["sql"] == "SET search_path TO app, public; SET statement_timeout = '5s'"
    )
    assert doc["init_query"]["command"] == (
        "proxyctl init ... --init-query "
        "\"SET search_path TO app, public; SET statement_timeout = '5s'\""
    )
    assert doc["init_query"]["startup"] == ["SET application_name = 'billing'"]
    hints = {h["id"]: h for h in doc["driver_hints"]}
    assert set(hints) == {"asyncpg-reset", "jdbc-application-name"}
    assert "CLOSE ALL" in hints["asyncpg-reset"]["examples"]
    assert any("EXCLUDE_VARIABLE_SETS" in note and "MySQL" in note for note in doc["notes"])
    assert any("PGOPTIONS" in note for note in doc["notes"])


def test_text_report(cli: Cli, tree: Path) -> None:
    run = cli("pinning", str(tree / "sql" / "boot.sql"))
    assert run.exit_code == 0
    out = run.stdout
    boot = tree / "sql" / "boot.sql"
    assert out.startswith(f"Pinning in {boot}: 7 statements, 5 pin a session.\n")
    assert "SET (also SET LOCAL and SET SESSION) [set]: 3\n" in out
    assert f"  {boot}:2  SET search_path TO app, public\n" in out
    assert "pg_advisory_xact_lock" not in out.split("Fix:")[0]  # not a finding
    assert "--init-query \"SET search_path TO app, public; SET statement_timeout = '5s'\"" in out
    assert "Send these at connect instead" in out
    assert "SessionPinningFilters (EXCLUDE_VARIABLE_SETS)" in out


def test_stdin_with_digests(cli: Cli) -> None:
    run = cli("--output", "json", "pinning", "-", input="set search_path = $1; set names $2;\n")
    doc = run.json()
    assert [(e["where"], e["text"]) for e in doc["groups"][0]["examples"]] == [
        ("stdin:1", "set search_path = $1"),
        ("stdin:1", "set names $2"),
    ]
    assert doc["init_query"]["sql"] == ""
    assert doc["init_query"]["unknown"] == ["search_path"]
    assert doc["init_query"]["startup"] == ["set names $2"]


def test_nothing_pins(cli: Cli, tree: Path) -> None:
    run = cli("pinning", str(tree / "clean.sql"), "--fail-on", "pin")
    assert run.exit_code == 0
    assert run.stdout == (
        f"Pinning in {tree / 'clean.sql'}: 2 statements, 0 pin a session. Nothing pins. "
        "Gate --fail-on pin: passed.\n"
    )


def test_fail_on_pin_is_a_gate(cli: Cli, tree: Path) -> None:
    run = cli("pinning", str(tree / "clean.sql"), str(tree / "sql"), "--fail-on", "pin")
    assert run.exit_code == 6
    assert "Gate --fail-on pin: FAILED." in run.stdout
    assert run.stderr == ""  # the report on stdout says it all
    as_json = cli("--output", "json", "pinning", str(tree / "sql"), "--fail-on", "pin")
    assert as_json.exit_code == 6
    doc = as_json.json()  # one document: the report, no error document after it
    assert (doc["fail_on"], doc["passed"]) == ("pin", False)
    without = cli("pinning", str(tree / "sql"))
    assert without.exit_code == 0


def test_file_names_and_text_are_escaped_for_the_terminal(cli: Cli, tmp_path: Path) -> None:
    odd = tmp_path / "odd\x1b]0;owned\x07.sql"
    odd.write_text("SET search_path = '\x1b[31mred';\n")
    run = cli("pinning", str(odd))
    assert run.exit_code == 0
    assert "\x1b" not in run.stdout and "\x07" not in run.stdout
    assert "odd\\x1b]0;owned\\x07.sql:1" in run.stdout
    assert "'\\x1b[31mred'" in run.stdout


def test_a_file_that_is_not_utf8_is_read_with_a_warning(cli: Cli, tmp_path: Path) -> None:
    latin = tmp_path / "latin1.sql"
    latin.write_bytes("SELECT 'café'; DISCARD ALL;".encode("latin-1"))
    run = cli("pinning", str(latin))
    assert run.exit_code == 0
    assert "[discard]: 1" in run.stdout
    assert f"warning: {latin}: not UTF-8" in run.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            (),
            "error: give SQL files or directories (PATH, or - for stdin), --from-db or --from-logs",
        ),
        (("nope.sql",), "error: PATH: no file or directory nope.sql."),
        (("x.sql", "--from-db"), "one of them, not PATH and --from-db."),
        (("--from-db", "--from-logs", "orders"), "one of them, not --from-db and --from-logs."),
        (("-", "--since", "2h"), "error: --since: only with --from-logs NAME."),
        (("--from-logs", "orders", "--since", "2x"), "error: --since: '2x' is not a duration."),
        (
            ("--from-logs", "orders", "--since", "0s"),
            "error: --since: 0s is not between 1s and 30d.",
        ),
        (("--from-logs", "bad--name"), "error: --from-logs:"),
        (("-", "--fail-on", "warn"), "error: --fail-on: 'warn' is not pin."),
        (("-", "--host", "db.example.com"), "error: --host: only with --from-db."),
    ],
)
def test_bad_input_names_the_flag(cli: Cli, args: tuple[str, ...], message: str) -> None:
    run = cli("pinning", *args, input="")
    assert run.exit_code == 2, run.stdout
    assert message in run.stderr
    assert run.stdout == ""


def test_an_empty_directory_warns(cli: Cli, tmp_path: Path) -> None:
    run = cli("pinning", str(tmp_path))
    assert run.exit_code == 0
    assert f"warning: {tmp_path}: no .sql files in this directory." in run.stderr
