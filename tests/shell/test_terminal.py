"""The interactive shell on a real pseudo-terminal against real TLS PostgreSQL servers:
statements over several lines, \\conninfo, history, Ctrl-C at the prompt and during a
statement (direct: cancelled; through a proxy-like relay: explained, then the
connection closed and the shell kept), Ctrl-D."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import pg
from tests.cli.terminal import ENTER, Terminal
from tests.shell.conftest import where
from tests.shell.relay import Relay

CTRL_C, CTRL_D = "\x03", "\x04"


def interrupt(term: Terminal, after: str) -> None:
    """Ctrl-C while a statement runs, once AFTER is on the screen. The pty is not the
    child's controlling terminal (Terminal does not make it one), so the kernel would not
    turn the key into SIGINT: send the signal the key sends. At the prompt the key itself
    goes in (prompt_toolkit reads it in raw mode)."""
    term.expect(after)
    term.proc.send_signal(signal.SIGINT)


def shell(args: list[str], state: Path) -> Terminal:
    env = {"PGPASSWORD": pg.APP_PASSWORD, "XDG_STATE_HOME": str(state), "PAGER": "cat"}
    return Terminal(["connect", *args], env=env)


def type_line(term: Terminal, text: str) -> None:
    term.answer("=> ", text + ENTER, times=term.screen.count("=> ") or 1)


@pytest.fixture
def relay(pg_plain: pg.PgServer, tmp_path: Path) -> Iterator[Relay]:
    running = Relay(("127.0.0.1", pg_plain.port), tmp_path).start()
    try:
        yield running
    finally:
        running.stop()


def through(relay: Relay) -> list[str]:
    return [
        "--host",
        "localhost",
        "--port",
        str(relay.port),
        "--ca-bundle",
        str(relay.ca_file),
        "--user",
        "app",
        "--database",
        "app",
        "--auth",
        "password",
    ]


def test_statements_conninfo_history_and_keys(pg_tls: pg.PgServer, tmp_path: Path) -> None:
    with shell(where(pg_tls), tmp_path) as term:
        term.expect("Connected to app@localhost")
        term.answer("app=>", "select 1 as one," + ENTER)
        term.answer("->", "  2 as two;" + ENTER)
        term.expect("(1 row)")
        assert " one | two" in term.screen
        term.answer("app=>", "\\conninfo" + ENTER, times=2)
        term.expect("cancel")
        screen = term.screen
        assert "TLS          TLSv1.3, TLS_AES_" in screen
        assert f"trust store  --ca-bundle {pg_tls.ca_file}" in screen
        assert "cancel       possible (backend pid " in screen
        assert "application  proxyctl" in screen
        term.answer("app=>", "create role other password 'xx-secret-xx';" + ENTER, times=3)
        term.expect("permission denied to create role")
        term.answer("app=>", "select 'junk'", times=4)
        term.answer("app=>", CTRL_C, times=4)  # clears the line, sends nothing
        term.answer("app=>", "select 5 as five;" + ENTER, times=5)
        term.expect("(1 row)", times=2)
        assert "junk" not in term.screen.split("select 'junk'")[-1]
        term.answer("app=>", CTRL_D, times=6)
        assert term.finish() == 0
        raw = term.raw.decode(errors="replace")
    history = tmp_path / "proxyctl" / "connect_history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o600
    kept = history.read_text()
    assert "select 1 as one,\n+  2 as two;" in kept and "\\conninfo" in kept
    assert "xx-secret-xx" not in kept  # a statement with a password is not kept
    assert pg.APP_PASSWORD not in kept + raw


def test_ctrl_c_cancels_on_a_direct_connection(pg_tls: pg.PgServer, tmp_path: Path) -> None:
    with shell(where(pg_tls), tmp_path) as term:
        term.answer("app=>", "select pg_sleep(30);" + ENTER)
        time.sleep(0.5)
        sent = time.monotonic()
        interrupt(term, "select pg_sleep(30);")
        term.expect("canceling statement due to user request (SQLSTATE 57014)")
        assert time.monotonic() - sent < 10
        assert "Cancel request sent." in term.screen
        term.answer("app=>", "select 8 as eight;" + ENTER, times=2)
        term.expect("(1 row)")
        term.answer("app=>", "\\q" + ENTER, times=3)
        assert term.finish() == 0


def test_ctrl_c_through_a_proxy_explains_then_the_statement_ends(
    relay: Relay, tmp_path: Path
) -> None:
    with shell(through(relay), tmp_path) as term:
        term.answer("app=>", "\\conninfo" + ENTER)
        term.expect("not possible: no cancel key (backend pid 0), as through RDS Proxy")
        term.answer("app=>", "select pg_sleep(2), 'ran to the end' as what;" + ENTER, times=2)
        time.sleep(0.5)
        interrupt(term, "'ran to the end' as what;")
        term.expect("The proxy cannot cancel a statement")
        term.expect("ran to the end", times=2)  # the statement line, then its result
        term.expect("(1 row)")
        assert relay.keys_dropped >= 1 and relay.cancels_dropped == 0
        term.answer("app=>", "\\q" + ENTER, times=3)
        assert term.finish() == 0


def test_second_ctrl_c_through_a_proxy_closes_and_the_shell_stays(
    relay: Relay, tmp_path: Path
) -> None:
    with shell(through(relay), tmp_path) as term:
        term.answer("app=>", "select pg_sleep(30);" + ENTER)
        time.sleep(0.5)
        sent = time.monotonic()
        interrupt(term, "select pg_sleep(30);")
        term.expect("The proxy cannot cancel a statement")
        interrupt(term, "Press Ctrl-C again")
        term.expect("Connection closed; the statement may still be running on the server.")
        assert time.monotonic() - sent < 10  # not the statement's 30 s
        term.answer("app=>", "select 7 as seven;" + ENTER, times=2)
        term.expect(f"Reconnecting to app@localhost:{relay.port}...")
        term.expect("(1 row)")
        assert " seven" in term.screen
        term.answer("app=>", "\\q" + ENTER, times=3)
        assert term.finish() == 0


def test_script_through_a_proxy_two_ctrl_c_exit_130(relay: Relay, tmp_path: Path) -> None:
    env = {**os.environ, "PGPASSWORD": pg.APP_PASSWORD}
    # Its own words: an earlier test's pg_sleep may still run on the shared server.
    statement = f"select pg_sleep(30), '{tmp_path.name}'"
    args = ["connect", *through(relay), "-c", statement, "-c", "select 2"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "proxyctl", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        wait_for_statement(relay.backend[1], statement)
        proc.send_signal(signal.SIGINT)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    said = err.decode()
    assert proc.returncode == 130, said
    assert "The proxy cannot cancel a statement" in said and "Connection closed;" in said
    assert out == b""  # the second statement never ran


def wait_for_statement(port: int, statement: str) -> None:
    """Until the server runs STATEMENT (it has arrived)."""
    import psycopg

    deadline = time.monotonic() + 20
    with psycopg.connect(
        host="127.0.0.1",
        port=port,
        user="app",
        dbname="app",
        password=pg.APP_PASSWORD,
        autocommit=True,  # pg_stat_activity is read once per transaction
    ) as conn:
        while time.monotonic() < deadline:
            rows = conn.execute(
                "select 1 from pg_stat_activity where query = %s", [statement]
            ).fetchall()
            if rows:
                return
            time.sleep(0.1)
    raise AssertionError("the statement never reached the server")
