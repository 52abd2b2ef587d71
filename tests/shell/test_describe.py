"""The backslash commands that read the catalog: the \\d family through pgspecial (and
what the shell says without it), and completion names from one query on the session's
own connection."""

from __future__ import annotations

import sys

import pytest

from proxyctl import reach
from proxyctl.app import App
from proxyctl.cli.prompts import Defaults
from proxyctl.config import Settings
from proxyctl.shell.core import Shell
from proxyctl.shell.repl import Repl
from tests import pg

SAID: list[str] = []  # what the shell said, reset for each test


@pytest.fixture
def repl(pg_tls: pg.PgServer, monkeypatch: pytest.MonkeyPatch) -> Repl:
    monkeypatch.setenv("PGPASSWORD", pg.APP_PASSWORD)
    pg_tls.psql("create table if not exists described (id int primary key, label text)", "app")
    pg_tls.psql("alter table described owner to app", "app")
    app = App(Settings(), Defaults("test"))
    options = reach.ConnectionOptions(
        host="localhost",
        port=pg_tls.port,
        user="app",
        database="app",
        auth="password",
        ca_bundle=str(pg_tls.ca_file),
    )
    SAID.clear()
    shell = Shell(app, reach.find(app, options).target(), "proxyctl check", say=SAID.append)
    shell.connect()
    return Repl(shell)


def test_d_runs_through_pgspecial(repl: Repl, capsys: pytest.CaptureFixture[str]) -> None:
    repl.one("\\d described")
    shown = capsys.readouterr().out
    assert "Column" in shown and " id     | integer |  not null" in shown
    assert any("described_pkey" in line for line in SAID)  # its indexes, after the table
    repl.shell.close()


def test_without_pgspecial_the_shell_says_how_to_get_it(
    repl: Repl, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pgspecial.main", None)  # import fails as if missing
    repl.one("\\dt")
    assert SAID[-1] == (
        "\\dt needs pgspecial: pip install 'proxyctl[shell]' (or pipx inject proxyctl pgspecial)."
    )
    repl.shell.close()


def test_completion_names_come_from_the_same_connection(repl: Repl) -> None:
    pid = repl.shell.conn.info.backend_pid
    names = repl.completions()
    assert {"described", "public.described", "id", "label", "public"} <= set(names)
    assert repl.shell.conn.info.backend_pid == pid and repl.shell.connects == 1
    repl.shell.close()


def test_an_unknown_backslash_command_is_named(repl: Repl) -> None:
    repl.one("\\foo bar")
    assert SAID[-1] == "Unknown command \\foo: \\? lists the commands."
    repl.shell.close()
