"""`status --watch` on a real pseudo-terminal: it refreshes in place, and Ctrl-C ends it
cleanly (exit 0: Ctrl-C is how a watch ends) with the cursor shown again."""

from __future__ import annotations

import signal
import termios

import pytest

from tests.cli.terminal import Terminal
from tests.observe.test_status import put_minutes, seed_busy_orders, seed_world


def test_watch_refreshes_in_place_until_ctrl_c(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A short terminal (rich takes LINES over the pty's size): the live view crops at the
    # bottom, so the metrics and findings come first and stay in sight.
    monkeypatch.setenv("LINES", "30")
    monkeypatch.setenv("COLUMNS", "120")
    seed_world(aws)
    seed_busy_orders(aws)
    with Terminal(["status", "orders", "--watch", "--every", "1"]) as term:
        term.expect("412 client connections on 38 database connections: 10.8x")
        term.expect("failed db connects  no data yet")
        # New data after the first view: the next refresh shows it in place.
        put_minutes(aws, "orders", "DatabaseConnectionsSetupFailed", [3])
        term.expect("failed db connects  3 in 15m")
        assert term.screen.count("proxyctl status orders: at ") == 1  # one view, redrawn
        assert "findings" in term.screen
        term.proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        code = term.finish()
        lflag = termios.tcgetattr(term.leader)[3]
    assert code == 0
    assert "Traceback" not in term.screen and "interrupted" not in term.screen
    assert "failed db connects  3 in 15m" in term.screen  # the last view stays
    # The live view hides the cursor while it draws; it must be shown again at the end.
    assert term.raw.rfind(b"\x1b[?25h") > term.raw.rfind(b"\x1b[?25l") >= 0
    assert lflag & termios.ECHO and lflag & termios.ICANON  # the terminal is as it was
