"""Bad input is refused with exit 2 naming the flag, before anything connects (nothing
listens on port 1: a connection attempt would show up as a refused attempt, not exit 2)."""

from __future__ import annotations

import pytest

from proxyctl.load.plan import writes
from tests.conftest import Cli

WHERE = ["--host", "127.0.0.1", "--port", "1", "--user", "app", "--auth", "password"]


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--mode", "storm"], "--mode"),
        (["--duration", "soon"], "--duration"),
        (["--duration", "2h"], "--duration"),
        (["--clients", "0"], "--clients"),
        (["--clients", "5001"], "--clients"),
        (["--connections", "0"], "--connections"),
        (["--rate", "0"], "--rate"),
        (["--ramp-up", "x"], "--ramp-up"),
        (["--sql", "delete from orders"], "--write"),
        (["--sql", "select 1; drop table t"], "--write"),
        (["--sql", "with d as (delete from t returning *) select * from d"], "--write"),
        (["--sql", "   "], "--sql"),
        (["--file", "/nonexistent.sql"], "--file"),
        (["--direct"], "--direct"),
        (["--endpoint", "direct"], "--endpoint"),
        (["--monitor", "localhost"], "--monitor"),
        (["--max-p99", "0"], "--max-p99"),
        (["--max-errors", "-1"], "--max-errors"),
        (["--report", "load.txt"], "--report"),
    ],
)
def test_bad_input_exits_2_naming_the_flag(cli: Cli, args: list[str], flag: str) -> None:
    run = cli("--output", "json", "load", *WHERE, *args)
    assert run.exit_code == 2, run.stdout + run.stderr
    assert run.json()["error"]["field"] == flag


def test_a_big_run_needs_yes_when_prompts_are_off(cli: Cli) -> None:
    run = cli("--no-input", "load", *WHERE, "--clients", "201")
    assert run.exit_code == 2
    assert "a load of 201 concurrent clients (more than 200) needs confirmation: pass --yes" in (
        run.stderr
    )
    run = cli("--no-input", "load", *WHERE, "--connections", "10001", "--clients", "1")
    assert run.exit_code == 2 and "--yes" in run.stderr


def test_yes_starts_a_big_run(cli: Cli) -> None:
    # 201 clients, 3 attempts in all, each refused at once by port 1.
    run = cli("--output", "json", "load", *WHERE, "--clients", "201", "--connections", "3", "--yes")
    assert run.exit_code == 0, run.stderr
    assert run.json()["endpoints"][0]["failed_by_class"]["refused"] == 3


@pytest.mark.parametrize(
    "sql",
    ["select 1", "SHOW work_mem", "values (1)", "table t", "explain select 1",
     "with x as (select 1) select * from x", "select 'delete from t'", "-- c\nselect 2;"],
)  # fmt: skip
def test_reads_are_not_writes(sql: str) -> None:
    assert not writes(sql)


@pytest.mark.parametrize(
    "sql",
    ["insert into t values (1)", "update t set a = 1", "select * into t2 from t",
     "explain analyze delete from t", "set work_mem = '1MB'", "vacuum", "call p()"],
)  # fmt: skip
def test_writes_are_found(sql: str) -> None:
    assert writes(sql)
