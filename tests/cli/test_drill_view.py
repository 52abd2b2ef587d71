"""failover-test's live view on a real terminal: a waiting probe is drawn as waiting, and
text from outside (a label, an event detail) is shown as text, never read as markup."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from tests import pg

pytest_plugins = ["tests.pg"]

TIMEOUT = 60.0


def run_with_stderr_on_a_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run proxyctl with stderr on a pseudo-terminal (the live view) and stdout on a pipe;
    return its exit code, what the terminal showed, and stdout."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "proxyctl", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, **env, "TERM": "xterm", "COLUMNS": "120"},
        close_fds=True,
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            elif proc.poll() is not None:
                break
        out = proc.stdout.read().decode() if proc.stdout else ""
        return proc.wait(timeout=TIMEOUT), seen.decode(errors="replace"), out
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(leader)


def test_live_view_shows_a_stall_as_waiting_and_labels_as_text(
    pg_server: pg.StartServer, tmp_path: Path
) -> None:
    server = pg_server()
    marks, report = tmp_path / "freeze", tmp_path / "drill.json"
    with pg.thawed(server):
        code, screen, out = run_with_stderr_on_a_terminal(
            [
                "failover-test",  # text output: the live view is on
                *("--host", "localhost", "--port", str(server.port), "--no-direct"),
                *("--writer-endpoint", f"[/oops]=localhost:{server.port}"),
                *("--user", "app", "--database", "app", "--auth", "password"),
                *("--ca-bundle", str(server.ca_file), "--interval", "0.2"),
                *("--probe-timeout", "5", "--baseline", "1", "--settle", "1"),
                *("--trigger", "command"),
                "--trigger-command",
                pg.freeze_command(server, 2.5, marks) + "; echo thawed-marker",
                *("--report", str(report), "--yes"),
            ],
            {"PGPASSWORD": pg.APP_PASSWORD},
        )
    assert code == 0, screen
    assert "MarkupError" not in screen and "[/oops]" in screen
    assert "waiting" in screen  # the frozen server, while its probes wait
    doc = json.loads(report.read_text())
    assert [e["endpoint"] for e in doc["analysis"]["endpoints"]] == ["proxy", "[/oops]"]
    assert "ended: settled" in out.splitlines()
    # The command's output goes to a log that the timeline names (the live view would
    # draw over it on the terminal).
    (fired,) = [e["detail"] for e in doc["events"] if e["kind"] == "trigger"]
    log = Path(fired.split("its output goes to ", 1)[1].rstrip(")"))
    try:
        assert log.read_text() == "thawed-marker\n"
        assert str(log) in screen.replace("\r\n", "")
    finally:
        log.unlink()
