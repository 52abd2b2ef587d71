"""The live view of `load` on a real pseudo-terminal, against the small real database: a
progress bar per endpoint, redrawn with the attempts, rate, errors and connect p99 so far;
gone at the end (the end line and the report stay), also after Ctrl-C. With stderr not a
terminal, two plain lines per endpoint and nothing redrawn."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest

from proxyctl.cli.load_view import HINT, WAITING, share
from proxyctl.lab.postgres import PgServer
from proxyctl.load.generator import Load
from tests.aws_world import make_proxy
from tests.cli.terminal import Terminal
from tests.conftest import Cli
from tests.load.conftest import options
from tests.pg import StartServer

ENV = {"PGPASSWORD": "app-password"}  # never on the command line
BAR = re.compile(r"(?P<label>.+?) [━╸╺ ]+ +(?P<percent>\d+)% " + re.escape(HINT))
FIGURES = re.compile(
    r"  (?P<attempts>[\d,]+) attempts, [\d,]+/s, (?P<errors>[\d,]+) errors, "
    r"p99 connect [\d,]+ ms, (?P<elapsed>\d+) s"
)
SHOWN = re.compile(rb"\x1b\[\?25h")  # the cursor shown again
HIDDEN = re.compile(rb"\x1b\[\?25l")


def bar(term: Terminal, label: str) -> dict[str, int]:
    """The bar of LABEL on the screen: label, bar, percentage and how to stop; under it,
    the figures so far."""
    lines = term.screen.splitlines()
    (at,) = [n for n, line in enumerate(lines) if HINT in line]
    row, below = BAR.fullmatch(lines[at]), FIGURES.fullmatch(lines[at + 1])
    assert row is not None and below is not None and row["label"] == label, lines[at : at + 2]
    # The bar itself: its done part (the rest is blank under NO_COLOR, as the tests run).
    percent = int(row["percent"])
    assert "━" in row[0] if percent >= 5 else percent > 0 or "━" not in row[0], row[0]
    return {"percent": percent} | {k: int(v.replace(",", "")) for k, v in below.groupdict().items()}


def cursor_shown(raw: bytes) -> bool:
    shown, hidden = list(SHOWN.finditer(raw)), list(HIDDEN.finditer(raw))
    return bool(hidden) and shown[-1].start() > hidden[-1].start()


def test_the_bar_is_redrawn_with_the_figures_so_far(small_db: PgServer, tmp_path: Path) -> None:
    out = tmp_path / "stdout"
    where = f"localhost:{small_db.port}"
    args = [
        "load", *options(small_db.port, small_db.ca_file), "--clients", "3",
        "--duration", "4s", "--endpoint", f"[/oops]={where}",
    ]  # fmt: skip
    with out.open("wb") as stdout, Terminal(args, env=ENV, stdout=stdout.fileno()) as term:
        term.expect(HINT)
        term.expect(", 1 s")
        early = bar(term, "endpoint")
        term.expect(", 3 s")
        late = bar(term, "endpoint")
        term.expect("[/oops]: loading")
        term.expect(HINT)
        term.expect(", 1 s")
        other = bar(term, "[/oops]")  # a label from outside, shown as text
        code = term.finish()
    report = out.read_text()
    assert code == 0, term.screen
    # Redrawn in place (bar() finds one bar on the screen): later, more attempts, larger share.
    assert late["attempts"] > early["attempts"] > 0
    for found in (early, late, other):  # the share of --duration 4s that has passed
        elapsed = found["elapsed"]
        assert 25 * (elapsed - 0.5) - 1 <= found["percent"] <= 25 * (elapsed + 0.5) + 1
        assert found["errors"] == 0
    assert late["percent"] > early["percent"]
    # At the end the bars are gone: the end lines and the report (on stdout) stay.
    assert HINT not in term.screen and "MarkupError" not in term.screen
    for label in ("endpoint", "[/oops]"):
        (attempted,) = re.findall(rf"^{re.escape(label)}: ([\d,]+) attempts, 0 failed$",
                                  term.screen, re.M)  # fmt: skip
        assert f"  attempted {attempted}, succeeded {attempted}\n" in report
    assert "client connections served" in report.splitlines()[0]
    assert "\x1b" not in report  # the live view never draws on stdout
    assert cursor_shown(term.raw)
    assert b"app-password" not in term.raw


def test_ctrl_c_takes_the_bar_away_and_reports(small_db: PgServer, tmp_path: Path) -> None:
    out = tmp_path / "stdout"
    args = ["load", *options(small_db.port, small_db.ca_file), "--clients", "3",
            "--duration", "5m"]  # fmt: skip
    with out.open("wb") as stdout, Terminal(args, env=ENV, stdout=stdout.fileno()) as term:
        term.expect(HINT)
        term.expect(", 1 s")
        seen = bar(term, "endpoint")["attempts"]
        term.proc.send_signal(signal.SIGINT)  # what Ctrl-C sends (the pty is no ctty)
        code = term.finish()
    assert code == 130, term.screen
    assert HINT not in term.screen and "Traceback" not in term.screen
    (attempted,) = re.findall(r"^endpoint: ([\d,]+) attempts, 0 failed$", term.screen, re.M)
    assert int(attempted.replace(",", "")) >= seen
    assert "interrupted (Ctrl-C): the figures are partial" in out.read_text()
    assert cursor_shown(term.raw)


def test_not_a_terminal_nothing_is_redrawn(cli: Cli, small_db: PgServer) -> None:
    args = [*options(small_db.port, small_db.ca_file), "--clients", "2", "--duration", "2s"]
    run = cli("load", *args)
    assert run.exit_code == 0, run.stderr
    loading, ended = run.stderr.splitlines()
    assert loading == f"endpoint: loading app@localhost:{small_db.port}"
    assert re.fullmatch(r"endpoint: [\d,]+ attempts, 0 failed", ended)
    assert "\r" not in run.stderr and "\x1b" not in run.stderr and HINT not in run.stderr


@pytest.mark.parametrize(
    ("duration", "total", "elapsed", "attempts", "expected"),
    [
        (4.0, None, 1.0, 500, 0.25),  # --duration: by time
        (None, 200, 30.0, 50, 0.25),  # --connections: by attempts
        (10.0, 100, 2.0, 50, 0.5),  # both: whichever ends the run first
        (10.0, 100, 8.0, 50, 0.8),
        (4.0, None, 4.3, 9, 1.0),  # a last attempt finishing after the end
    ],
)
def test_the_share_of_the_run(
    duration: float | None, total: int | None, elapsed: float, attempts: int, expected: float
) -> None:
    load = Load(clients=3, mode="lambda", duration=duration, total=total)
    assert share(load, elapsed, attempts) == pytest.approx(expected)


def test_the_wait_for_cloudwatch_spins_with_the_time_waited(
    aws: str, pg_server: StartServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Through the stand-in's proxy (its endpoint name dialled at a real server with a
    certificate for it), no monitor: CloudWatch has none of the run's minutes, so load
    waits the whole --cloudwatch-wait, with a spinner, then says what is missing."""
    endpoint = make_proxy(aws, "orders")["Endpoint"]
    server = pg_server(cert_names=(endpoint,))
    monkeypatch.setenv("PROXYCTL_RESOLVE", f"{endpoint}:5432=127.0.0.1:{server.port}")
    args = ["load", "--proxy", "orders", "--user", "app", "--database", "app", "--auth",
            "password", "--ca-bundle", str(server.ca_file), "--connections", "5", "--clients",
            "1", "--cloudwatch-wait", "4s"]  # fmt: skip
    out = tmp_path / "stdout"
    with out.open("wb") as stdout, Terminal(args, env=ENV, stdout=stdout.fileno()) as term:
        term.expect("waiting up to 4s for CloudWatch's minute")
        term.expect(WAITING)
        term.expect("0:00:02")  # the time waited, counting
        code = term.finish()
    assert code == 0, term.screen
    assert WAITING not in term.screen  # gone once the minutes are read
    assert cursor_shown(term.raw)
    assert "CloudWatch had not published the run's minute" in out.read_text() or (
        "CloudWatch had not published 1 of the run's minutes" in out.read_text()
    )
